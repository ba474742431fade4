//! Fault switches, settable in-process or by query string.

use serde::Serialize;
use std::time::Duration;

/// What the server does wrong, on purpose. `Default` is a well-behaved server.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Faults {
    /// Added before every answer.
    pub latency_ms: u64,
    /// Body bytes per second per request; 0 = unlimited.
    pub bandwidth_bps: u64,
    /// Body bytes per second shared by every request at once, like one network link
    /// (a 50 Mbit/s line is 6,250,000); 0 = unlimited.
    pub link_bps: u64,
    /// Answer the next N requests with 503 (u32::MAX: every request).
    pub fail_5xx: u32,
    /// Send only half of each body (headers still promise all of it).
    pub truncate: bool,
    /// Close the next N connections without any answer (u32::MAX: every request).
    pub drop_connection: u32,
    /// Answer HEAD with 403, as many signed CDN URLs do.
    pub refuse_head: bool,
    /// Ignore `Range` and answer 200 with the whole file, as some static hosts do.
    pub ignore_range: bool,
    /// Send no CORS headers, so cross-origin fetches are refused by the browser.
    pub no_cors: bool,
    /// Apply the faults only to paths starting with this (empty: all paths).
    pub path_prefix: String,
}

impl Faults {
    /// Parse `latency_ms=50&bandwidth_bps=1000000&link_bps=6250000&fail_5xx=2&truncate=1&drop_connection=1&
    /// refuse_head=1&ignore_range=1&no_cors=1&path_prefix=/data/`; unknown keys are errors.
    pub fn from_query(query: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, "1"));
            let num = || {
                v.parse::<u64>()
                    .map_err(|_| format!("{k}: not a number: {v}"))
            };
            let flag = || Ok::<bool, String>(v == "1" || v == "true");
            match k {
                "latency_ms" => f.latency_ms = num()?,
                "bandwidth_bps" => f.bandwidth_bps = num()?,
                "link_bps" => f.link_bps = num()?,
                "fail_5xx" => f.fail_5xx = num()?.min(u32::MAX as u64) as u32,
                "drop_connection" => f.drop_connection = num()?.min(u32::MAX as u64) as u32,
                "truncate" => f.truncate = flag()?,
                "refuse_head" => f.refuse_head = flag()?,
                "ignore_range" => f.ignore_range = flag()?,
                "no_cors" => f.no_cors = flag()?,
                "path_prefix" => f.path_prefix = v.replace("%2F", "/"),
                other => return Err(format!("unknown fault switch {other}")),
            }
        }
        Ok(f)
    }

    /// Whether the faults apply to `path`.
    pub fn applies_to(&self, path: &str) -> bool {
        path.starts_with(&self.path_prefix)
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trip_and_errors() {
        let f =
            Faults::from_query("latency_ms=50&fail_5xx=2&truncate=1&path_prefix=/data/").unwrap();
        assert_eq!(f.latency_ms, 50);
        assert_eq!(f.fail_5xx, 2);
        assert!(f.truncate && !f.ignore_range);
        assert!(f.applies_to("/data/x.parquet") && !f.applies_to("/index.html"));
        assert!(Faults::from_query("latency=5").is_err());
        assert!(Faults::from_query("latency_ms=x").is_err());
        assert_eq!(Faults::from_query("").unwrap(), Faults::default());
    }
}
