//! An LRU byte cache with a memory cap shared by all files of a dataset, and sharing of
//! identical reads in flight. Reads inside a cached or in-flight range are served from
//! it. Only weak handles to in-flight reads are kept, so a read every caller dropped is
//! dropped (and aborted) too.

use super::{ByteSource, IoError, LocalBoxFuture, Urgency};
use bytes::Bytes;
use futures::FutureExt;
use futures::future::{Shared, WeakShared};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

/// Default memory cap of a dataset's byte cache.
pub const DEFAULT_CACHE_BYTES: u64 = 128 << 20;

type SharedRead = Shared<LocalBoxFuture<'static, Result<Bytes, IoError>>>;

struct Entry {
    range: Range<u64>,
    bytes: Bytes,
    last_used: u64,
}

#[derive(Default)]
struct State {
    /// Each file's entries, by the file's key: a read looks only at its own file's (a
    /// dataset of 35 shards holds thousands of entries).
    entries: HashMap<u64, Vec<Entry>>,
    held: u64,
    tick: u64,
    next_key: u64,
    /// Reads under way, by file key: (range, a weak handle to join, its urgency to raise).
    in_flight: HashMap<u64, Vec<(Range<u64>, WeakRead, Urgency)>>,
}

/// A weak handle to a read in flight: joining it is possible, keeping it alive is not.
type WeakRead = WeakShared<LocalBoxFuture<'static, Result<Bytes, IoError>>>;

/// One memory budget for the bytes of every file of a dataset.
#[derive(Clone)]
pub struct ByteCache {
    state: Rc<RefCell<State>>,
    cap: u64,
    stats: CacheStats,
}

impl ByteCache {
    pub fn new(cap: u64) -> Self {
        ByteCache {
            state: Rc::default(),
            cap,
            stats: CacheStats::default(),
        }
    }
    pub fn stats(&self) -> CacheStats {
        self.stats.clone()
    }
    /// Bytes held.
    pub fn held(&self) -> u64 {
        self.state.borrow().held
    }
}

/// Cache counters shared by every cached source of a dataset.
#[derive(Clone, Default)]
pub struct CacheStats {
    hits: Rc<Cell<u64>>,
    shared: Rc<Cell<u64>>,
}

impl CacheStats {
    /// Reads answered from cached bytes.
    pub fn hits(&self) -> u64 {
        self.hits.get()
    }
    /// Reads that joined an identical or enclosing read already in flight.
    pub fn shared(&self) -> u64 {
        self.shared.get()
    }
}

/// Caches what `inner` returns in a [`ByteCache`], least recently used out first.
pub struct CachedSource<S> {
    inner: Rc<S>,
    cache: ByteCache,
    key: u64,
}

fn contains(outer: &Range<u64>, inner: &Range<u64>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

fn slice(bytes: &Bytes, outer: &Range<u64>, want: &Range<u64>) -> Bytes {
    bytes.slice((want.start - outer.start) as usize..(want.end - outer.start) as usize)
}

/// Another handle on the same file: same inner source, cache and key (reads are shared).
impl<S> Clone for CachedSource<S> {
    fn clone(&self) -> Self {
        CachedSource {
            inner: self.inner.clone(),
            cache: self.cache.clone(),
            key: self.key,
        }
    }
}

impl<S: ByteSource + 'static> CachedSource<S> {
    pub fn new(inner: S, cache: &ByteCache) -> Self {
        let key = {
            let mut st = cache.state.borrow_mut();
            st.next_key += 1;
            st.next_key
        };
        CachedSource {
            inner: Rc::new(inner),
            cache: cache.clone(),
            key,
        }
    }

    /// Put bytes known from elsewhere (a footer embedded in a manifest) into the cache.
    pub fn prime(&self, range: Range<u64>, bytes: Bytes) {
        if bytes.len() as u64 == range.end.saturating_sub(range.start) {
            self.insert(range, bytes);
        }
    }

    /// The bytes of `range` if the cache holds all of them, from one entry or several
    /// that meet (a footer read in two requests), without a read.
    pub fn held(&self, range: Range<u64>) -> Option<Bytes> {
        if let Some(b) = self.lookup(&range) {
            return Some(b);
        }
        let st = self.cache.state.borrow();
        let mut parts: Vec<&Entry> = st
            .entries
            .get(&self.key)
            .into_iter()
            .flatten()
            .filter(|e| e.range.start < range.end && range.start < e.range.end)
            .collect();
        parts.sort_by_key(|e| e.range.start);
        let mut out = Vec::with_capacity((range.end - range.start) as usize);
        let mut at = range.start;
        for e in parts {
            if e.range.start > at {
                return None; // a gap
            }
            if e.range.end > at {
                let end = e.range.end.min(range.end);
                out.extend_from_slice(&slice(&e.bytes, &e.range, &(at..end)));
                at = end;
            }
        }
        (at >= range.end).then(|| Bytes::from(out))
    }

    fn lookup(&self, range: &Range<u64>) -> Option<Bytes> {
        let mut st = self.cache.state.borrow_mut();
        st.tick += 1;
        let tick = st.tick;
        let e = st
            .entries
            .get_mut(&self.key)?
            .iter_mut()
            .find(|e| contains(&e.range, range))?;
        e.last_used = tick;
        Some(slice(&e.bytes, &e.range, range))
    }

    fn insert(&self, range: Range<u64>, bytes: Bytes) {
        let size = range.end - range.start;
        if size > self.cache.cap {
            return;
        }
        let key = self.key;
        let mut st = self.cache.state.borrow_mut();
        let st = &mut *st;
        let mine = st.entries.entry(key).or_default();
        if mine.iter().any(|e| contains(&e.range, &range)) {
            return;
        }
        // entries the new one covers are redundant
        let mut freed = 0;
        mine.retain(|e| {
            let covered = contains(&range, &e.range);
            if covered {
                freed += e.range.end - e.range.start;
            }
            !covered
        });
        st.held -= freed;
        while st.held + size > self.cache.cap {
            // the least recently used entry of any file
            let Some((k, i)) = st
                .entries
                .iter()
                .flat_map(|(k, v)| v.iter().enumerate().map(move |(i, e)| (e.last_used, *k, i)))
                .min()
                .map(|(_, k, i)| (k, i))
            else {
                break;
            };
            if let Some(v) = st.entries.get_mut(&k) {
                let e = v.swap_remove(i);
                st.held -= e.range.end - e.range.start;
            }
        }
        st.tick += 1;
        let tick = st.tick;
        st.held += size;
        st.entries.entry(key).or_default().push(Entry {
            range,
            bytes,
            last_used: tick,
        });
    }

    /// An in-flight read whose range encloses `range`, if any is still alive.
    fn joinable(&self, range: &Range<u64>) -> Option<(Range<u64>, SharedRead, Urgency)> {
        let mut st = self.cache.state.borrow_mut();
        let mine = st.in_flight.get_mut(&self.key)?;
        mine.retain(|(_, w, _)| w.upgrade().is_some());
        mine.iter()
            .find(|(r, _, _)| contains(r, range))
            .and_then(|(r, w, u)| w.upgrade().map(|s| (r.clone(), s, u.clone())))
    }
}

impl<S: ByteSource + 'static> ByteSource for CachedSource<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn known_len(&self) -> Option<u64> {
        self.inner.known_len()
    }

    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        self.read_with(range, &Urgency::background())
    }

    fn read_with(
        &self,
        range: Range<u64>,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        let wanted = urgency.get();
        Box::pin(async move {
            if let Some(b) = self.lookup(&range) {
                let hits = &self.cache.stats.hits;
                hits.set(hits.get() + 1);
                return Ok(b);
            }
            if let Some((outer, joined, its_urgency)) = self.joinable(&range) {
                let counter = &self.cache.stats.shared;
                counter.set(counter.get() + 1);
                // joined, not repeated; and moved ahead if this reader is more urgent
                if its_urgency.raise(wanted) {
                    self.inner.raised();
                }
                let bytes = joined.await?;
                return Ok(slice(&bytes, &outer, &range));
            }
            let inner = self.inner.clone();
            let r = range.clone();
            // its own urgency: raising it for a joiner must not raise the caller's others
            let urgency = Urgency::new(wanted);
            let u = urgency.clone();
            let fut: LocalBoxFuture<'static, Result<Bytes, IoError>> =
                Box::pin(async move { inner.read_with(r, &u).await });
            let shared = fut.shared();
            if let Some(weak) = shared.downgrade() {
                self.cache
                    .state
                    .borrow_mut()
                    .in_flight
                    .entry(self.key)
                    .or_default()
                    .push((range.clone(), weak, urgency));
            }
            let result = shared.await;
            if let Some(mine) = self.cache.state.borrow_mut().in_flight.get_mut(&self.key) {
                // this read, and any whose every reader has gone
                if let Some(i) = mine.iter().position(|(r, _, _)| *r == range) {
                    mine.swap_remove(i);
                }
                mine.retain(|(_, w, _)| w.upgrade().is_some());
            }
            let bytes = result?;
            self.insert(range, bytes.clone());
            Ok(bytes)
        })
    }

    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        self.tail_with(n, &Urgency::background())
    }

    fn raised(&self) {
        self.inner.raised()
    }

    fn multiplexed(&self) -> bool {
        self.inner.multiplexed()
    }

    fn validator(&self) -> Option<String> {
        self.inner.validator()
    }

    fn tail_with(
        &self,
        n: u64,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        let urgency = urgency.clone();
        Box::pin(async move {
            if let Some(len) = self.inner.known_len() {
                let bytes = self.read_with(len.saturating_sub(n)..len, &urgency).await?;
                return Ok((len, bytes));
            }
            let (len, bytes) = self.inner.tail_with(n, &urgency).await?;
            self.insert(len - bytes.len() as u64..len, bytes.clone());
            Ok((len, bytes))
        })
    }
}

#[cfg(test)]
mod tests;
