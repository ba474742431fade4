//! A HuggingFace-like host: `/datasets/{owner}/{name}/resolve/{rev}/{path}` answers `302`
//! to a CDN origin with a signed, expiring URL, as `huggingface.co` does; a server in
//! signed mode (the CDN) answers files only with a valid, unexpired signature (`403`
//! otherwise). The signature is not a secret of any strength: it only lets tests see that
//! a client reuses what a redirect gave it and re-resolves once it has expired.

use serde::Serialize;

/// How a server plays the HuggingFace host or its CDN. `Default`: neither.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct HfMode {
    /// Redirect `/datasets/…/resolve/{rev}/{path}` to `{cdn}/{path}?expires=…&sig=…`.
    pub cdn: Option<String>,
    /// How long a signed URL is valid, in milliseconds (0: an hour, as HuggingFace's).
    pub ttl_ms: u64,
    /// Redirect every resolve URL to itself (a redirect loop).
    pub redirect_loop: bool,
    /// Answer files only with a valid, unexpired signature (this server is the CDN).
    pub signed: bool,
}

impl HfMode {
    /// Parse `cdn=http://127.0.0.1:1234&ttl_ms=2000&redirect_loop=1&signed=1`; unknown
    /// keys are errors.
    pub fn from_query(query: &str) -> Result<HfMode, String> {
        let mut m = HfMode::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, "1"));
            let flag = v == "1" || v == "true";
            match k {
                "cdn" => m.cdn = Some(v.replace("%3A", ":").replace("%2F", "/")),
                "ttl_ms" => {
                    m.ttl_ms = v
                        .parse()
                        .map_err(|_| format!("ttl_ms: not a number: {v}"))?
                }
                "redirect_loop" => m.redirect_loop = flag,
                "signed" => m.signed = flag,
                other => return Err(format!("unknown HuggingFace switch {other}")),
            }
        }
        Ok(m)
    }

    fn ttl_ms(&self) -> u64 {
        if self.ttl_ms == 0 {
            3_600_000
        } else {
            self.ttl_ms
        }
    }
}

/// The file path a resolve URL names: `/datasets/o/n/resolve/main/a/b.parquet` → `/a/b.parquet`.
pub fn resolve_target(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/datasets/")?;
    let mut parts = rest.splitn(5, '/');
    let (_owner, _name, resolve, _rev) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let file = parts.next()?;
    (resolve == "resolve" && !file.is_empty()).then(|| &rest[rest.len() - file.len() - 1..])
}

/// FNV-1a over the path and the expiry: a stand-in for a CDN's signature.
fn signature(path: &str, expires: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes().chain(expires.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Where a resolve URL for `file` (a path) redirects to: the CDN's signed URL, or, in a
/// loop, the resolve URL itself.
pub(crate) fn location(mode: &HfMode, resolve_path: &str, file: &str) -> Option<String> {
    if mode.redirect_loop {
        return Some(resolve_path.to_string());
    }
    let cdn = mode.cdn.as_deref()?;
    let expires = now_ms() + mode.ttl_ms();
    Some(format!(
        "{}{file}?expires={expires}&sig={}",
        cdn.trim_end_matches('/'),
        signature(file, expires)
    ))
}

/// Why a signed-mode request is refused, if it is.
pub(crate) fn refusal(path: &str, query: &str) -> Option<&'static str> {
    let get = |key: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
    };
    let (Some(expires), Some(sig)) = (
        get("expires").and_then(|e| e.parse::<u64>().ok()),
        get("sig"),
    ) else {
        return Some("unsigned URL");
    };
    if signature(path, expires) != sig {
        return Some("bad signature");
    }
    if now_ms() > expires {
        return Some("signature expired");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_urls_name_their_file() {
        assert_eq!(
            resolve_target("/datasets/mwalmsley/gz_desi/resolve/main/data/train-0.parquet"),
            Some("/data/train-0.parquet")
        );
        assert_eq!(resolve_target("/datasets/a/b/resolve/main/"), None);
        assert_eq!(resolve_target("/datasets/a/b/blob/main/x.parquet"), None);
        assert_eq!(resolve_target("/sample/x.parquet"), None);
    }

    #[test]
    fn signed_urls_check_path_signature_and_expiry() {
        let mode = HfMode {
            cdn: Some("http://cdn".into()),
            ..HfMode::default()
        };
        let to = location(&mode, "/datasets/a/b/resolve/main/x.parquet", "/x.parquet").unwrap();
        let (path, query) = to
            .strip_prefix("http://cdn")
            .unwrap()
            .split_once('?')
            .unwrap();
        assert_eq!(path, "/x.parquet");
        assert_eq!(refusal(path, query), None);
        assert_eq!(refusal("/y.parquet", query), Some("bad signature"));
        assert_eq!(refusal(path, ""), Some("unsigned URL"));
        let old = 1_000u64;
        let q = format!("expires={old}&sig={}", signature(path, old));
        assert_eq!(refusal(path, &q), Some("signature expired"));
        let looped = HfMode {
            redirect_loop: true,
            ..mode
        };
        assert_eq!(
            location(
                &looped,
                "/datasets/a/b/resolve/main/x.parquet",
                "/x.parquet"
            )
            .as_deref(),
            Some("/datasets/a/b/resolve/main/x.parquet")
        );
        assert!(
            HfMode::from_query("cdn=http%3A%2F%2Fh&ttl_ms=5&signed=1")
                .unwrap()
                .signed
        );
        assert!(HfMode::from_query("nope=1").is_err());
    }
}
