//! The one gate for URLs from outside (the address, a manifest, a catalog entry, a
//! HuggingFace answer, a parquet file): only `http:` and `https:` pass, as the browser
//! would parse them. A [`WebUrl`] can only be made here, and only a `WebUrl` can become a
//! fetch target or a link, so a refused value never becomes either.
//!
//! The scheme is read the way the WHATWG URL parser (every browser's) reads it: leading
//! and trailing C0 controls and spaces are dropped, tabs and newlines anywhere are
//! removed, and the scheme is an ASCII letter followed by letters, digits, `+`, `-` or
//! `.` up to the first `:`, in any case. So `  JaVa\tScRiPt:…` is `javascript:` here as
//! it is in the browser, and refused; `java&#x09;script:…` (an entity is not decoded in a
//! URL) and `javascript%3A…` have no scheme at all and are relative references, which
//! resolve to an address on the base's own http(s) host.

use std::fmt;

/// The schemes a dataset may be read from.
pub const ACCEPTED_SCHEMES: &str = "http: and https:";

/// Longest quote of a refused value in a message.
const QUOTE_CHARS: usize = 120;

/// An absolute `http:` or `https:` URL that passed the gate, normalised (scheme in lower
/// case, `//` after it, backslashes as slashes, spaces and control characters
/// percent-encoded). Deserialising one (a message from another thread) passes the gate
/// again: a `WebUrl` is never made any other way.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct WebUrl(String);

impl TryFrom<String> for WebUrl {
    type Error = UrlRefused;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        WebUrl::parse(&s)
    }
}

impl From<WebUrl> for String {
    fn from(u: WebUrl) -> String {
        u.0
    }
}

/// Why a URL was refused; the message quotes the value (controls made visible) and says
/// what is accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{quoted} was refused: {reason}; only {ACCEPTED_SCHEMES} addresses are opened")]
pub struct UrlRefused {
    /// The value as given, quoted for a message.
    pub quoted: String,
    /// What is wrong with it.
    pub reason: String,
}

impl UrlRefused {
    fn new(raw: &str, reason: impl Into<String>) -> Self {
        UrlRefused {
            quoted: quote(raw),
            reason: reason.into(),
        }
    }
}

/// `raw` in quotes, cut to a readable length, with control characters shown as escapes
/// (a tab hidden in `java\tscript:` must be visible in the message).
pub fn quote(raw: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in raw.chars().enumerate() {
        if i == QUOTE_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// What the browser's parser works on: C0 controls and spaces trimmed from both ends,
/// ASCII tab and newline removed everywhere.
fn clean(raw: &str) -> String {
    raw.trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// The scheme of a cleaned input, lower-cased, if it has one (`None`: a relative
/// reference). Returns the scheme and the rest after its `:`.
fn split_scheme(s: &str) -> Option<(String, &str)> {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphabetic() => {}
        _ => return None,
    }
    for (i, c) in chars {
        if c == ':' {
            return Some((s[..i].to_ascii_lowercase(), &s[i + 1..]));
        }
        if !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
            return None;
        }
    }
    None
}

/// Percent-encode what a browser would encode in a URL's path, query or fragment: control
/// characters, space and `"<>\``.
fn encode_rest(rest: &str) -> String {
    let mut out = String::with_capacity(rest.len());
    for c in rest.chars() {
        if c.is_control() || matches!(c, ' ' | '"' | '<' | '>' | '`') {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters a host may not hold (the WHATWG forbidden host code points that are not
/// delimiters of the authority itself).
fn bad_authority_char(c: char) -> bool {
    c.is_control() || matches!(c, ' ' | '<' | '>' | '^' | '|' | '"' | '`' | '{' | '}' | '%')
}

/// Remove `.` and `..` segments of a path (`/a/./b/../c` → `/a/c`).
fn normalise_path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." | "%2e" | "%2E" => {
                if i == last {
                    out.push("");
                }
            }
            ".." | ".%2e" | ".%2E" | "%2e." | "%2E." | "%2e%2e" | "%2E%2E" => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

impl WebUrl {
    /// An absolute URL from outside: `http:` or `https:` with a host, or refused.
    pub fn parse(raw: &str) -> Result<WebUrl, UrlRefused> {
        let s = clean(raw);
        let Some((scheme, rest)) = split_scheme(&s) else {
            return Err(UrlRefused::new(raw, "it is not an absolute address"));
        };
        if scheme != "http" && scheme != "https" {
            return Err(UrlRefused::new(raw, format!("its scheme is {scheme}:")));
        }
        let rest = rest.trim_start_matches(['/', '\\']);
        let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        // an IPv6 host is bracketed: its colons are not the port's
        let (host, port) = match host_port.strip_prefix('[') {
            Some(v6) => match v6.split_once(']') {
                Some((ip, rest)) => (ip, rest.strip_prefix(':').unwrap_or(rest)),
                None => return Err(UrlRefused::new(raw, "its IPv6 host is not closed by ]")),
            },
            None => host_port.split_once(':').unwrap_or((host_port, "")),
        };
        if !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(UrlRefused::new(
                raw,
                format!("its port {port:?} is not a number"),
            ));
        }
        if host.is_empty() {
            return Err(UrlRefused::new(raw, "it names no host"));
        }
        if authority.chars().any(bad_authority_char) {
            return Err(UrlRefused::new(
                raw,
                "its host holds characters a host cannot",
            ));
        }
        let (path, after) = match tail.find(['?', '#']) {
            Some(i) => tail.split_at(i),
            None => (tail, ""),
        };
        let path = path.replace('\\', "/");
        let path = if path.is_empty() {
            "/".to_string()
        } else {
            normalise_path(&path)
        };
        Ok(WebUrl(format!(
            "{scheme}://{}{}{}",
            authority.to_ascii_lowercase(),
            encode_rest(&path),
            encode_rest(after)
        )))
    }

    /// A reference from outside (a manifest's `path`, a link) resolved against this URL:
    /// absolute ones pass the gate on their own, relative ones take this URL's scheme and
    /// host (`data/a.parquet`, `./a`, `../a`, `/a`, `//cdn/a`, `?q`, `#f`).
    pub fn join(&self, reference: &str) -> Result<WebUrl, UrlRefused> {
        let r = clean(reference);
        if split_scheme(&r).is_some() {
            return WebUrl::parse(reference);
        }
        let (scheme, rest) = self.0.split_once("://").unwrap_or(("https", &self.0));
        let r = r.replace('\\', "/");
        let origin_end = rest.find('/').unwrap_or(rest.len());
        let origin = &rest[..origin_end];
        let base_path_query = &rest[origin_end..];
        let without_fragment = base_path_query.split('#').next().unwrap_or("");
        let base_path = without_fragment.split('?').next().unwrap_or("");
        let joined = if r.starts_with("//") {
            format!("{scheme}:{r}")
        } else if r.starts_with('/') {
            format!("{scheme}://{origin}{r}")
        } else if r.starts_with('?') {
            format!("{scheme}://{origin}{base_path}{r}")
        } else if r.starts_with('#') {
            format!("{scheme}://{origin}{without_fragment}{r}")
        } else if r.is_empty() {
            format!("{scheme}://{origin}{without_fragment}")
        } else {
            let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
            let dir = if dir.is_empty() { "/" } else { dir };
            format!("{scheme}://{origin}{dir}{r}")
        };
        WebUrl::parse(&joined).map_err(|e| UrlRefused {
            quoted: quote(reference),
            reason: e.reason,
        })
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `scheme://host[:port]`.
    pub fn origin(&self) -> &str {
        let after = self.0.find("://").map_or(0, |i| i + 3);
        let end = self.0[after..]
            .find('/')
            .map_or(self.0.len(), |i| i + after);
        &self.0[..end]
    }

    /// The last path segment (a file name for messages).
    pub fn file_name(&self) -> &str {
        let path = self.0.split(['?', '#']).next().unwrap_or(&self.0);
        path.rsplit('/').next().unwrap_or(path)
    }
}

impl fmt::Display for WebUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for WebUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        WebUrl::parse(raw)
            .unwrap_or_else(|e| panic!("{raw:?}: {e}"))
            .0
    }

    fn refused(raw: &str) -> UrlRefused {
        match WebUrl::parse(raw) {
            Ok(u) => panic!("{raw:?} passed as {u}"),
            Err(e) => e,
        }
    }

    #[test]
    fn http_and_https_pass_normalised() {
        assert_eq!(ok("https://huggingface.co/x"), "https://huggingface.co/x");
        assert_eq!(
            ok("HTTP://Host.Org:8080/A/b?q=1#f"),
            "http://host.org:8080/A/b?q=1#f"
        );
        assert_eq!(ok("  https://h/a b\n"), "https://h/a%20b");
        assert_eq!(ok("https:\\\\h\\a\\b"), "https://h/a/b");
        assert_eq!(ok("https://h"), "https://h/");
        assert_eq!(ok("https://h/a/./b/../c"), "https://h/a/c");
        assert_eq!(ok("http://[::1]:8080/x"), "http://[::1]:8080/x");
        assert_eq!(ok("https://user@h/x"), "https://user@h/x");
        assert_eq!(ok("https://h/\"><script>"), "https://h/%22%3E%3Cscript%3E");
    }

    #[test]
    fn other_schemes_are_refused_however_written() {
        for (raw, scheme) in [
            (
                "javascript:alert(document.domain)//x.parquet",
                "javascript:",
            ),
            ("JaVaScRiPt:alert(1)", "javascript:"),
            ("  javascript:alert(1)", "javascript:"),
            ("\u{1}\u{1f} javascript:alert(1)", "javascript:"),
            ("java\tscript:alert(1)", "javascript:"),
            ("java\nscr\ript:alert(1)", "javascript:"),
            ("data:text/html,<script>alert(1)</script>", "data:"),
            ("vbscript:msgbox(1)", "vbscript:"),
            ("file:///etc/passwd", "file:"),
            ("blob:https://h/uuid", "blob:"),
            ("ftp://h/x", "ftp:"),
        ] {
            let e = refused(raw);
            assert_eq!(e.reason, format!("its scheme is {scheme}"), "{raw:?}");
            let msg = e.to_string();
            assert!(msg.contains("only http: and https:"), "{msg}");
            assert!(
                !msg.contains('\t') && !msg.contains('\n'),
                "controls shown: {msg}"
            );
        }
        assert!(refused("java\tscript:x").quoted.contains("\\t"));
    }

    #[test]
    fn no_host_or_a_bad_host_is_refused() {
        assert_eq!(refused("https://").reason, "it names no host");
        assert_eq!(refused("https://?q").reason, "it names no host");
        // as in the browser: extra slashes after a special scheme are skipped
        assert_eq!(ok("https:///path"), "https://path/");
        assert_eq!(
            refused("relative/path").reason,
            "it is not an absolute address"
        );
        assert_eq!(
            refused("java&#x09;script:alert(1)").reason,
            "it is not an absolute address"
        );
        assert!(refused("https://h<x>/").reason.contains("host"));
        assert!(refused("https://h:80a/").reason.contains("port"));
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let e = refused(&format!("javascript:{}", "a".repeat(500)));
        assert!(e.quoted.chars().count() < QUOTE_CHARS + 4, "{}", e.quoted);
        assert!(e.quoted.ends_with("…\""));
    }

    #[test]
    fn references_resolve_against_the_base() {
        let base = WebUrl::parse("https://h.org/ds/index.json?x=1#top").unwrap();
        let j = |r: &str| base.join(r).unwrap_or_else(|e| panic!("{r}: {e}")).0;
        assert_eq!(j("data/a.parquet"), "https://h.org/ds/data/a.parquet");
        assert_eq!(j("./data/a.parquet"), "https://h.org/ds/data/a.parquet");
        assert_eq!(j("../b.parquet"), "https://h.org/b.parquet");
        assert_eq!(j("../../../b.parquet"), "https://h.org/b.parquet");
        assert_eq!(j("/b.parquet"), "https://h.org/b.parquet");
        assert_eq!(j("//cdn.org/a"), "https://cdn.org/a");
        assert_eq!(j("https://hf.co/x.parquet"), "https://hf.co/x.parquet");
        assert_eq!(j("?y=2"), "https://h.org/ds/index.json?y=2");
        assert_eq!(j("#f"), "https://h.org/ds/index.json?x=1#f");
        assert_eq!(j(""), "https://h.org/ds/index.json?x=1");
        let root = WebUrl::parse("https://h.org").unwrap();
        assert_eq!(root.join("a.parquet").unwrap().0, "https://h.org/a.parquet");
        let dir = WebUrl::parse("http://h/x/").unwrap();
        assert_eq!(dir.join("a").unwrap().0, "http://h/x/a");
        // no scheme, so relative: an address on the base's own host, never a script
        assert_eq!(
            j("java&#x09;script:alert(1)"),
            "https://h.org/ds/java&#x09;script:alert(1)"
        );
        assert_eq!(
            j("javascript%3Aalert(1)"),
            "https://h.org/ds/javascript%3Aalert(1)"
        );
    }

    #[test]
    fn references_with_another_scheme_are_refused() {
        let base = WebUrl::parse("https://h.org/ds/index.json").unwrap();
        for r in [
            "javascript:alert(1)",
            " JAVASCRIPT:x",
            "java\tscript:x",
            "data:,x",
            "vbscript:x",
        ] {
            let e = base.join(r).expect_err(r);
            assert!(e.reason.starts_with("its scheme is"), "{r}: {e}");
        }
    }

    #[test]
    fn origin_and_file_name() {
        let u = WebUrl::parse("https://h.org:8443/ds/a.parquet?download=1").unwrap();
        assert_eq!(u.origin(), "https://h.org:8443");
        assert_eq!(u.file_name(), "a.parquet");
    }
}
