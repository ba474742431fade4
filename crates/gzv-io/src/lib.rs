//! Byte-range sources: the bottom of the data flow. A source knows (or discovers) its
//! length and reads byte ranges; wrappers add one behaviour each. No `Send` bound, so
//! browser futures fit. The browser implementation lives in `web::http`.

mod cache;
mod limit;
mod memory;
mod store;
pub mod weburl;

pub use cache::{ByteCache, CacheStats, CachedSource, DEFAULT_CACHE_BYTES};
pub use limit::{
    DEFAULT_MAX_IN_FLIGHT, FOREGROUND_RESERVE, LimitedSource, Limiter, Priority, Urgency,
    WithUrgency,
};
pub use memory::{CountingSource, MemorySource, ReadLog};
pub use store::{DEFAULT_KEPT_BYTES, FileKey, Kept, KeptEntry, MemoryStore, Store};
pub use weburl::{UrlRefused, WebUrl};

use bytes::Bytes;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;

/// A boxed future that need not be `Send` (browser futures are not).
pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Network counters shared by all sources of a dataset, for the cost panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NetCounters {
    pub requests: u64,
    pub bytes: u64,
    pub in_flight: u64,
}

/// Why bytes could not be read. Messages name the URL and say what a user can do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IoError {
    #[error("{url}: the server answered HTTP {status} ({hint})")]
    Status {
        url: String,
        status: u16,
        hint: &'static str,
    },
    #[error(
        "{url}: the server ignored the Range header and started sending the whole {size} file; \
         this viewer needs a host that supports HTTP range requests (the download was stopped)"
    )]
    RangeIgnored { url: String, size: String },
    #[error(
        "could not reach {url} ({detail}): the server may be down, the address wrong, or it \
         refused a cross-origin request (CORS: it must send Access-Control-Allow-Origin)"
    )]
    Network { url: String, detail: String },
    #[error(
        "{url}: asked for bytes {start}..{end} but the response held {got} bytes (truncated or altered response)"
    )]
    Truncated {
        url: String,
        start: u64,
        end: u64,
        got: u64,
    },
    #[error(
        "{url}: the server answered a range request without a valid Content-Range header ({detail})"
    )]
    BadContentRange { url: String, detail: String },
    #[error("{url}: bytes {start}..{end} lie beyond the end of the {len}-byte file")]
    OutOfBounds {
        url: String,
        start: u64,
        end: u64,
        len: u64,
    },
    #[error(
        "{url}: {host} redirected the request to an address the browser could not read \
         (a redirect loop, a redirect from https to http, or a host that does not allow \
         cross-origin range reads)"
    )]
    Redirect { url: String, host: String },
    /// An https file that led to a plain http address: refused, whatever the browser
    /// would allow (its bytes and the signed address would travel unencrypted).
    #[error(
        "{url}: {host} redirected the request from https to plain http ({to}); refused: \
         the file would travel unencrypted"
    )]
    Downgrade {
        url: String,
        host: String,
        to: String,
    },
    #[error("{url}: the request was cancelled")]
    Aborted { url: String },
    /// A file chosen from the visitor's disk could not be read.
    #[error(
        "{name}: this file on your disk could not be read ({detail}); it may have been moved, \
         changed or removed since it was chosen: choose it again"
    )]
    Local { name: String, detail: String },
    /// The address did not pass the URL gate: nothing was requested.
    #[error("{0}")]
    Refused(UrlRefused),
}

/// A file that can be read by byte range.
pub trait ByteSource {
    /// The URL or name used in messages.
    fn name(&self) -> &str;
    /// Total length, if known without a request.
    fn known_len(&self) -> Option<u64>;
    /// Read exactly `range`.
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>>;
    /// The last `n` bytes (fewer if the file is shorter) and the file length, discovering
    /// the length in the same request where the source can.
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>>;
    /// [`read`](Self::read) at an urgency: a scheduler below orders its line by it;
    /// sources without one ignore it.
    fn read_with(
        &self,
        range: Range<u64>,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        let _ = urgency;
        self.read(range)
    }
    /// [`tail`](Self::tail) at an urgency.
    fn tail_with(
        &self,
        n: u64,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        let _ = urgency;
        self.tail(n)
    }
    /// The urgency of a read under way was raised: a scheduler below puts its line in
    /// order again. Wrappers pass it on.
    fn raised(&self) {}
    /// Whether the host answers over a multiplexed protocol (HTTP/2 or HTTP/3), so many
    /// more reads may be in flight at once than HTTP/1.1's six; learnt from answers.
    fn multiplexed(&self) -> bool {
        false
    }
    /// What identifies this version of the file (its `ETag`, else its `Last-Modified`),
    /// learnt from answers: with the URL and length it keys what the browser keeps.
    fn validator(&self) -> Option<String> {
        None
    }
}

/// A borrowed source is a source (so a reader can take `impl ByteSource` and be given
/// either a wrapper by value or a shared source by reference).
impl<S: ByteSource + ?Sized> ByteSource for &S {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn known_len(&self) -> Option<u64> {
        (**self).known_len()
    }
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        (**self).read(range)
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        (**self).tail(n)
    }
    fn read_with(
        &self,
        range: Range<u64>,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        (**self).read_with(range, urgency)
    }
    fn tail_with(
        &self,
        n: u64,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        (**self).tail_with(n, urgency)
    }
    fn raised(&self) {
        (**self).raised()
    }
    fn multiplexed(&self) -> bool {
        (**self).multiplexed()
    }
    fn validator(&self) -> Option<String> {
        (**self).validator()
    }
}

/// Merge ranges whose gap is at most `max_gap` bytes; the result is sorted and disjoint.
pub fn merge_ranges(ranges: &[Range<u64>], max_gap: u64) -> Vec<Range<u64>> {
    let mut sorted: Vec<Range<u64>> = ranges.iter().filter(|r| r.start < r.end).cloned().collect();
    sorted.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match out.last_mut() {
            Some(last) if r.start <= last.end.saturating_add(max_gap) => {
                last.end = last.end.max(r.end)
            }
            _ => out.push(r),
        }
    }
    out
}

/// Ranges closer than this are fetched as one request: a round trip costs far more than
/// reading a few kilobytes more (at 50 ms and 10 MB/s, 64 KiB is ~6 ms of transfer).
pub const MERGE_GAP_BYTES: u64 = 64 * 1024;

/// Read several ranges: close ones are merged into one request, all requests are issued
/// at once (bound them with a [`LimitedSource`]), and each requested range comes back as
/// its own buffer, in order. `progress(done, total)` is called as requests complete.
pub async fn read_many(
    src: &dyn ByteSource,
    ranges: &[Range<u64>],
    max_gap: u64,
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<Bytes>, IoError> {
    let merged = merge_ranges(ranges, max_gap);
    let total = merged.len();
    let done = std::cell::Cell::new(0);
    let fetched = futures::future::try_join_all(merged.iter().map(|r| {
        let done = &done;
        async move {
            let b = src.read(r.clone()).await?;
            done.set(done.get() + 1);
            progress(done.get(), total);
            Ok::<_, IoError>(b)
        }
    }))
    .await?;
    Ok(ranges
        .iter()
        .map(|r| {
            if r.start >= r.end {
                return Bytes::new();
            }
            // merged is sorted and disjoint: the one that starts at or before r holds it
            let i = merged.partition_point(|m| m.start <= r.start) - 1;
            fetched[i]
                .slice((r.start - merged[i].start) as usize..(r.end - merged[i].start) as usize)
        })
        .collect())
}

/// Human-readable byte count ("1.3 MB").
pub fn format_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_close_ranges_only() {
        assert_eq!(
            merge_ranges(&[10..20, 0..5, 22..30, 100..110], 2),
            vec![0..5, 10..30, 100..110]
        );
        assert_eq!(merge_ranges(&[0..5, 3..4, 5..9], 0), vec![0..9]);
        assert_eq!(merge_ranges(&[5..5, 8..8], 10), Vec::<Range<u64>>::new());
    }

    #[test]
    fn formats_bytes() {
        assert_eq!(format_bytes(999), "999 B");
        assert_eq!(format_bytes(1_300_000), "1.3 MB");
        assert_eq!(format_bytes(17_300_000_000), "17.3 GB");
    }
}
