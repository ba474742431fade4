//! `gzv-server --root DIR [--port N] [--faults QUERY] [--tls 1]`: serve DIR on 127.0.0.1
//! until killed (`--tls 1`: HTTPS with HTTP/2 and a self-signed certificate).

use gzv_server::{Faults, Server};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut root = String::from(".");
    let mut port = 8080u16;
    let mut faults = Faults::default();
    let mut tls = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--root" => root = value,
            "--port" => match value.parse() {
                Ok(p) => port = p,
                Err(_) => return usage(&format!("--port: not a port: {value}")),
            },
            "--faults" => match Faults::from_query(&value) {
                Ok(f) => faults = f,
                Err(e) => return usage(&e),
            },
            "--tls" => tls = value == "1" || value == "true",
            other => return usage(&format!("unknown option {other}")),
        }
    }
    let started = if tls {
        Server::start_tls(&root, port).await
    } else {
        Server::start(&root, port).await
    };
    let server = match started {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gzv-server: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    server.set_faults(faults);
    println!("gzv-server: serving {root} on {}", server.url());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}

fn usage(msg: &str) -> ExitCode {
    eprintln!(
        "gzv-server: {msg}\nusage: gzv-server --root DIR [--port N] [--faults latency_ms=50&fail_5xx=1...] [--tls 1]"
    );
    ExitCode::from(2)
}
