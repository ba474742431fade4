//! Headless Chromium driven through chromedriver (WebDriver), for end-to-end tests and
//! benchmarks: a fresh profile per session, the flags this machine's closed network needs,
//! and helpers that fail with what the page says.

pub use fantoccini::Locator;
use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a page may take to reach a state before a wait fails.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(90);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// chromedriver plus one headless Chromium session; both end when dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    pub async fn start() -> Browser {
        let chromedriver =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {chromedriver} ({e}): install chromium-driver (scripts/test does)"
                )
            });
        let profile =
            std::env::temp_dir().join(format!("gzv-chromium-{}-{port}", std::process::id()));
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,1000".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        // more flags for an experiment (e.g. GZV_CHROMIUM_ARGS="--js-flags=--no-wasm-lazy-compilation")
        if let Ok(extra) = std::env::var("GZV_CHROMIUM_ARGS") {
            args.extend(extra.split_whitespace().map(str::to_string));
        }
        let caps = json!({
            // the test server's HTTPS mode has a certificate made at its start
            "acceptInsecureCerts": true,
            // the page's console, read back by `console_errors`
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args
            }
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => {
                    panic!("chromedriver did not start a session: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser {
            client,
            driver,
            profile,
        }
    }

    /// Wait for a CSS selector; on timeout fail with what the page says instead.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(err) => {
                let text = self.page_text().await;
                panic!("{css} did not appear ({err}); the page says:\n{text}");
            }
        }
    }

    pub async fn page_text(&self) -> String {
        self.client
            .execute("return document.body.innerText", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Read something of the element `css` names (it must be there). An element the page
    /// replaces between finding and reading it (a re-render), or rebuilds in the task
    /// after removing it (a new dataset's page), is looked for again for up to 250 ms.
    async fn read<T, F, Fut>(&self, css: &str, what: &str, read: F) -> T
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        let mut tries = 0;
        loop {
            let failure = match self.client.find(Locator::Css(css)).await {
                Ok(found) => match read(found).await {
                    Ok(value) => return value,
                    Err(e) => format!("{what}: {e}"),
                },
                Err(e) => e.to_string(),
            };
            tries += 1;
            if tries > 5 {
                panic!("{css}: {failure}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The text of the element `css` names (looked for again as [`Browser::read`] says).
    pub async fn text(&self, css: &str) -> String {
        self.read(css, "text", |e| async move { e.text().await })
            .await
    }

    /// An attribute of the element `css` names (looked for again as [`Browser::read`] says).
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.read(css, "attr", |e| async move { e.attr(name).await })
            .await
    }

    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    pub async fn screenshot(&self, path: PathBuf) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Everything the browser logged at level SEVERE since the last call: console errors,
    /// failed loads (a 404 favicon), CSP violations, uncaught exceptions.
    pub async fn console_errors(&self) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .unwrap_or_else(|e| panic!("reading the browser log: {e}"));
        log.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A Chrome DevTools Protocol command, through chromedriver (`goog/cdp/execute`): what
    /// WebDriver cannot do, such as dragging files of this machine onto the page.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        let body = serde_json::json!({ "cmd": cmd, "params": params }).to_string();
        self.client
            .issue_cmd(Cdp(body))
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    pub async fn close(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// chromedriver's log endpoint (`POST /session/{id}/se/log`, type `browser`): entries are
/// returned once and then dropped.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

/// chromedriver's DevTools passthrough (`POST /session/{id}/goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(String);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.clone()))
    }
}
