//! What a visitor types into the page's open field, and what it opens: a parquet or
//! manifest URL, a HuggingFace dataset id (`owner/name`), or any HuggingFace dataset URL
//! (the dataset's page, a folder of it, a file's page or its download link). Pure: the
//! page turns an [`Opening`] into its address (`?url=` or `?dataset=`).

use crate::dataset::is_dataset_id;
use crate::io::WebUrl;

/// What an entry opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opening {
    /// A parquet file or a manifest, by URL.
    Url(WebUrl),
    /// A HuggingFace dataset, listed by the datasets server.
    Dataset(String),
}

impl Opening {
    /// The query parameter that opens it: `("url", …)` or `("dataset", …)`.
    pub fn param(&self) -> (&'static str, &str) {
        match self {
            Opening::Url(u) => ("url", u.as_str()),
            Opening::Dataset(id) => ("dataset", id),
        }
    }
}

/// The hosts taken as HuggingFace's own, beside the page's `?hub=` (a mirror, the tests).
const HF_HOSTS: &[&str] = &["huggingface.co", "www.huggingface.co", "hf.co"];

/// What was expected, said with every refusal.
pub const EXPECTED: &str = "expected a parquet or manifest URL (https://…/file.parquet or …/index.json), \
     a HuggingFace dataset id (owner/name) or a HuggingFace dataset URL (https://huggingface.co/datasets/owner/name…)";

/// The host (and port) of an absolute http(s) URL.
fn host_of(url: &WebUrl) -> &str {
    url.origin().split_once("://").map_or("", |(_, h)| h)
}

/// Read an entry. `page` resolves relative paths (`sample/index.json`); `hub` is the
/// HuggingFace Hub the page uses (its host's URLs are read as HuggingFace's).
pub fn parse(text: &str, page: &WebUrl, hub: &WebUrl) -> Result<Opening, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("nothing to open: {EXPECTED}"));
    }
    let quoted = crate::io::weburl::quote(t);
    if let Some(rest) = t.strip_prefix("hf://datasets/") {
        return hf_path(rest, hub).ok_or_else(|| format!("{quoted}: {EXPECTED}"));
    }
    let has_scheme = t
        .split_once("://")
        .is_some_and(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic()));
    if has_scheme {
        let url = WebUrl::parse(t).map_err(|e| format!("{e}: {EXPECTED}"))?;
        let host = host_of(&url).to_ascii_lowercase();
        let hub_base = hub.as_str().split(['?', '#']).next().unwrap_or("");
        let hub_base = hub_base.trim_end_matches('/');
        // the path below HuggingFace's root (the page's hub may sit below a path)
        let below = if HF_HOSTS.contains(&host.as_str()) {
            url.as_str().strip_prefix(url.origin())
        } else {
            url.as_str()
                .strip_prefix(hub_base)
                .filter(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
        };
        if let Some(below) = below {
            let path = below.split(['?', '#']).next().unwrap_or("");
            if let Some(rest) = path.strip_prefix("/datasets/") {
                // a download link is a file's URL as it is (its query may sign it)
                if rest.split('/').nth(2) == Some("resolve") {
                    return Ok(Opening::Url(url));
                }
                return hf_path(rest, hub).ok_or_else(|| format!("{quoted}: {EXPECTED}"));
            }
            if is_file(path) {
                return Ok(Opening::Url(url));
            }
            return Err(format!(
                "{quoted} is a HuggingFace address but not a dataset's: {EXPECTED}"
            ));
        }
        return Ok(Opening::Url(url));
    }
    let path = t.split(['?', '#']).next().unwrap_or(t);
    if is_file(path) {
        return page
            .join(t)
            .map(Opening::Url)
            .map_err(|e| format!("{e}: {EXPECTED}"));
    }
    let id = t.trim_end_matches('/');
    if is_dataset_id(id) {
        return Ok(Opening::Dataset(id.to_string()));
    }
    Err(format!("{quoted}: {EXPECTED}"))
}

/// Whether a path names a file the viewer opens (parquet or a manifest).
fn is_file(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p.ends_with(".parquet") || p.ends_with(".json")
}

/// `owner/name[/tree|blob|viewer|…/rev/path]` after `/datasets/`: the dataset, or with
/// `blob/rev/file.parquet` that file's download link.
fn hf_path(rest: &str, hub: &WebUrl) -> Option<Opening> {
    let parts: Vec<&str> = rest
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let (owner, name) = (parts.first()?, parts.get(1)?);
    let id = format!("{owner}/{name}");
    if !is_dataset_id(&id) {
        return None;
    }
    match parts.get(2).copied() {
        Some("blob" | "resolve") if parts.len() > 4 => {
            let file = parts[3..].join("/");
            if !is_file(&file) {
                return Some(Opening::Dataset(id));
            }
            let base = hub.as_str().split(['?', '#']).next().unwrap_or("");
            let base = base.trim_end_matches('/');
            WebUrl::parse(&format!("{base}/datasets/{id}/resolve/{file}"))
                .ok()
                .map(Opening::Url)
        }
        _ => Some(Opening::Dataset(id)),
    }
}

/// Datasets opened before, most recent first, as the page keeps them (`localStorage`):
/// one line per entry, `param<TAB>value<TAB>label`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recent(pub Vec<RecentEntry>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentEntry {
    /// `url` or `dataset`.
    pub param: String,
    pub value: String,
    /// What the list shows (the dataset's title when it had one).
    pub label: String,
}

/// How many recent datasets are kept.
pub const RECENT_MAX: usize = 8;

impl Recent {
    /// The kept text read back; lines that are not entries (another version's, damaged)
    /// are skipped, and a value that is no longer a valid opening is dropped.
    pub fn parse(text: &str) -> Recent {
        let mut out = Vec::new();
        for line in text.lines() {
            let mut f = line.split('\t');
            let (Some(param), Some(value), Some(label)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let valid = match param {
                "url" => WebUrl::parse(value).is_ok(),
                "dataset" => is_dataset_id(value),
                _ => false,
            };
            if valid && out.len() < RECENT_MAX {
                out.push(RecentEntry {
                    param: param.into(),
                    value: value.into(),
                    label: label.into(),
                });
            }
        }
        Recent(out)
    }

    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|e| {
                let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
                format!("{}\t{}\t{}\n", e.param, clean(&e.value), clean(&e.label))
            })
            .collect()
    }

    /// `entry` to the front (once), the oldest out past [`RECENT_MAX`].
    pub fn add(&mut self, entry: RecentEntry) {
        self.0
            .retain(|e| !(e.param == entry.param && e.value == entry.value));
        self.0.insert(0, entry);
        self.0.truncate(RECENT_MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> WebUrl {
        WebUrl::parse("https://viewer.example/app/index.html?url=x").unwrap()
    }
    fn hub() -> WebUrl {
        WebUrl::parse("https://huggingface.co").unwrap()
    }
    fn url(s: &str) -> Opening {
        Opening::Url(WebUrl::parse(s).unwrap())
    }
    fn ds(s: &str) -> Opening {
        Opening::Dataset(s.into())
    }

    #[test]
    fn each_kind_of_entry_opens_what_it_names() {
        let p = |t: &str| parse(t, &page(), &hub());
        assert_eq!(p("mwalmsley/gz_desi"), Ok(ds("mwalmsley/gz_desi")));
        assert_eq!(p("  mwalmsley/gz_desi/ "), Ok(ds("mwalmsley/gz_desi")));
        assert_eq!(
            p("https://huggingface.co/datasets/mwalmsley/gz_desi"),
            Ok(ds("mwalmsley/gz_desi"))
        );
        assert_eq!(
            p("https://huggingface.co/datasets/mwalmsley/gz_desi/tree/main/data"),
            Ok(ds("mwalmsley/gz_desi"))
        );
        assert_eq!(
            p("https://huggingface.co/datasets/mwalmsley/gz_desi/viewer/default/train?row=3"),
            Ok(ds("mwalmsley/gz_desi"))
        );
        assert_eq!(
            p("https://huggingface.co/datasets/o/n/blob/main/data/train-00000-of-00002.parquet"),
            Ok(url(
                "https://huggingface.co/datasets/o/n/resolve/main/data/train-00000-of-00002.parquet"
            ))
        );
        // a download link stays as it is, its query too
        assert_eq!(
            p("https://huggingface.co/datasets/o/n/resolve/main/a.parquet?download=true"),
            Ok(url(
                "https://huggingface.co/datasets/o/n/resolve/main/a.parquet?download=true"
            ))
        );
        assert_eq!(p("hf://datasets/o/n"), Ok(ds("o/n")));
        assert_eq!(
            p("https://mirror.example/gz/index.json"),
            Ok(url("https://mirror.example/gz/index.json"))
        );
        assert_eq!(
            p("http://127.0.0.1:8000/a.parquet"),
            Ok(url("http://127.0.0.1:8000/a.parquet"))
        );
        // relative to the page
        assert_eq!(
            p("sample/index.json"),
            Ok(url("https://viewer.example/app/sample/index.json"))
        );
        // the page's own hub (a mirror, the tests) is HuggingFace too
        let mirror = WebUrl::parse("http://127.0.0.1:9/hub").unwrap();
        assert_eq!(
            parse(
                "http://127.0.0.1:9/hub/datasets/o/n/blob/v1/d/x.parquet",
                &page(),
                &mirror
            ),
            Ok(url(
                "http://127.0.0.1:9/hub/datasets/o/n/resolve/v1/d/x.parquet"
            ))
        );
        assert_eq!(
            parse(
                "http://127.0.0.1:9/hub/datasets/o/n/tree/v1/d",
                &page(),
                &mirror
            ),
            Ok(ds("o/n"))
        );
        // the same host outside the hub's path is any other host
        assert_eq!(
            parse("http://127.0.0.1:9/data/x.parquet", &page(), &mirror),
            Ok(url("http://127.0.0.1:9/data/x.parquet"))
        );
    }

    #[test]
    fn a_wrong_entry_says_what_was_expected() {
        let p = |t: &str| parse(t, &page(), &hub());
        for bad in [
            "",
            "   ",
            "galaxies",
            "a/b/c",
            "javascript:alert(1)",
            "file:///etc/passwd.parquet",
            "https://huggingface.co/models/x/y",
            "https://huggingface.co/datasets/only-owner",
            "o/n<script>",
        ] {
            let e = p(bad).expect_err(bad);
            assert!(e.contains("expected"), "{bad}: {e}");
        }
        assert!(
            p("javascript:alert(1)")
                .unwrap_err()
                .contains("javascript:")
        );
    }

    #[test]
    fn recent_datasets_round_trip_newest_first_without_duplicates() {
        let mut r = Recent::default();
        for i in 0..10 {
            r.add(RecentEntry {
                param: "dataset".into(),
                value: format!("o/n{i}"),
                label: format!("N\t{i}"),
            });
        }
        r.add(RecentEntry {
            param: "dataset".into(),
            value: "o/n5".into(),
            label: "again".into(),
        });
        assert_eq!(r.0.len(), RECENT_MAX);
        assert_eq!(r.0[0].value, "o/n5");
        assert_eq!(r.0[0].label, "again");
        assert_eq!(r.0.iter().filter(|e| e.value == "o/n5").count(), 1);
        let back = Recent::parse(&r.to_text());
        assert_eq!(back.0.len(), RECENT_MAX);
        assert_eq!(back.0[1].label, "N 9");
        // damaged or refused lines are dropped, not shown
        let damaged = Recent::parse("url\tjavascript:alert(1)\tx\nnonsense\ndataset\to/n\tok\n");
        assert_eq!(damaged.0.len(), 1);
        assert_eq!(damaged.0[0].value, "o/n");
    }
}
