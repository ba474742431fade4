//! What the browser keeps between visits: byte blobs (footers, a visit's map) in a
//! key-value [`Store`] (Cache Storage in the browser, memory in tests), under a size bound,
//! least recently used out first. The index of what is kept (sizes, last use) is itself a
//! blob of the store, so the order survives the visit. A file's blobs are keyed by its URL,
//! length and validator (`ETag` or `Last-Modified`): a changed file has a new key, so what
//! was kept of its old version is never used, and is dropped when the new one is kept.

use super::{ByteSource, LocalBoxFuture};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Default bound of what the browser keeps.
pub const DEFAULT_KEPT_BYTES: u64 = 256 << 20;
/// The index's own key in the store.
const INDEX_KEY: &str = "gzv-index";

/// A key-value store of blobs. Errors are the store's own words (quota, private mode).
pub trait Store {
    fn get(&self, key: &str) -> LocalBoxFuture<'_, Result<Option<Bytes>, String>>;
    fn put(&self, key: &str, value: Bytes) -> LocalBoxFuture<'_, Result<(), String>>;
    fn delete(&self, key: &str) -> LocalBoxFuture<'_, Result<(), String>>;
}

/// A store in memory (for tests), which can be told to fail as a full or forbidden one.
#[derive(Default)]
pub struct MemoryStore {
    map: RefCell<HashMap<String, Bytes>>,
    failing: std::cell::Cell<bool>,
}

impl MemoryStore {
    /// Every operation fails from now on (`true`), as a store over quota or in private mode.
    pub fn set_failing(&self, failing: bool) {
        self.failing.set(failing);
    }
    /// Blobs held, the index included.
    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.borrow().is_empty()
    }
    fn check(&self) -> Result<(), String> {
        if self.failing.get() {
            Err("QuotaExceededError: the store is full".into())
        } else {
            Ok(())
        }
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> LocalBoxFuture<'_, Result<Option<Bytes>, String>> {
        let r = self.check().map(|_| self.map.borrow().get(key).cloned());
        Box::pin(async move { r })
    }
    fn put(&self, key: &str, value: Bytes) -> LocalBoxFuture<'_, Result<(), String>> {
        let r = self.check().map(|_| {
            self.map.borrow_mut().insert(key.to_string(), value);
        });
        Box::pin(async move { r })
    }
    fn delete(&self, key: &str) -> LocalBoxFuture<'_, Result<(), String>> {
        let r = self.check().map(|_| {
            self.map.borrow_mut().remove(key);
        });
        Box::pin(async move { r })
    }
}

/// One version of a file, as its host described it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileKey {
    pub url: String,
    pub size: u64,
    /// The `ETag`, else the `Last-Modified` date.
    pub validator: String,
}

impl FileKey {
    /// The version of `src` its answers so far described; `None` when its length or its
    /// validator is unknown (a host without `ETag` and `Last-Modified`: nothing is kept,
    /// since a changed file could not be told from the old one).
    pub fn of(src: &dyn ByteSource) -> Option<FileKey> {
        Some(FileKey {
            url: src.name().to_string(),
            size: src.known_len()?,
            validator: src.validator().filter(|v| !v.is_empty())?,
        })
    }
    /// The key of this version's `what` (e.g. "footer").
    pub fn key(&self, what: &str) -> String {
        format!("{what} {} {} {}", self.size, self.validator, self.url)
    }
}

/// One blob kept: its key, what it is, what it is of (a file's or a dataset's URL), its
/// size and when it was last used (a counter: higher is more recent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptEntry {
    pub key: String,
    pub what: String,
    pub of: String,
    pub bytes: u64,
    pub used: u64,
}

#[derive(Default, Serialize, Deserialize)]
struct Index {
    entries: Vec<KeptEntry>,
    tick: u64,
}

/// What the browser keeps, bounded, over a [`Store`]. Failing stores only cost speed:
/// every operation then does nothing, and the first failure is remembered to be said once.
pub struct Kept {
    store: Rc<dyn Store>,
    cap: u64,
    index: RefCell<Option<Index>>,
    failure: RefCell<Option<String>>,
}

impl Kept {
    pub fn new(store: Rc<dyn Store>, cap: u64) -> Self {
        Kept {
            store,
            cap,
            index: RefCell::default(),
            failure: RefCell::default(),
        }
    }

    /// The bound.
    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// The first failure of the store, if any.
    pub fn failure(&self) -> Option<String> {
        self.failure.borrow().clone()
    }

    fn failed(&self, e: String) {
        let mut f = self.failure.borrow_mut();
        if f.is_none() {
            *f = Some(e);
        }
    }

    async fn load(&self) {
        if self.index.borrow().is_some() {
            return;
        }
        let index = match self.store.get(INDEX_KEY).await {
            Ok(Some(b)) => serde_json::from_slice(&b).unwrap_or_default(),
            Ok(None) => Index::default(),
            Err(e) => {
                self.failed(e);
                Index::default()
            }
        };
        let mut slot = self.index.borrow_mut();
        if slot.is_none() {
            *slot = Some(index);
        }
    }

    async fn save(&self) {
        let json = match self.index.borrow().as_ref() {
            Some(i) => serde_json::to_vec(i).unwrap_or_default(),
            None => return,
        };
        if let Err(e) = self.store.put(INDEX_KEY, json.into()).await {
            self.failed(e);
        }
    }

    fn with_index<T>(&self, f: impl FnOnce(&mut Index) -> T) -> T {
        let mut slot = self.index.borrow_mut();
        f(slot.get_or_insert_with(Index::default))
    }

    /// Whether `key` is kept (by the index; the store may still have lost it).
    pub async fn has(&self, key: &str) -> bool {
        self.load().await;
        self.with_index(|i| i.entries.iter().any(|e| e.key == key))
    }

    /// The blob under `key`, marking it used (kept in the store by the next change, or
    /// by [`flush`](Self::flush)).
    pub async fn get(&self, key: &str) -> Option<Bytes> {
        if !self.has(key).await {
            return None;
        }
        match self.store.get(key).await {
            Ok(Some(b)) => {
                self.with_index(|i| {
                    i.tick += 1;
                    let t = i.tick;
                    if let Some(e) = i.entries.iter_mut().find(|e| e.key == key) {
                        e.used = t;
                    }
                });
                Some(b)
            }
            Ok(None) => {
                // the browser dropped it (storage pressure): forget it
                self.with_index(|i| i.entries.retain(|e| e.key != key));
                self.save().await;
                None
            }
            Err(e) => {
                self.failed(e);
                None
            }
        }
    }

    /// Keep `bytes` under `key`: `what` it is, `of` which file or dataset. What was kept of
    /// the same `what` and `of` under another key (an older version) is dropped; the least
    /// recently used go until it fits. Returns whether it was kept.
    pub async fn put(&self, key: &str, what: &str, of: &str, bytes: Bytes) -> bool {
        let n = bytes.len() as u64;
        if n > self.cap {
            return false;
        }
        self.load().await;
        let drop: Vec<String> = self.with_index(|i| {
            let mut gone: Vec<String> = i
                .entries
                .iter()
                .filter(|e| e.key == key || (e.what == what && e.of == of))
                .map(|e| e.key.clone())
                .collect();
            i.entries.retain(|e| !gone.contains(&e.key));
            let mut held: u64 = i.entries.iter().map(|e| e.bytes).sum();
            while held + n > self.cap {
                let Some(oldest) = i
                    .entries
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, e)| e.used)
                    .map(|(k, _)| k)
                else {
                    break;
                };
                let e = i.entries.swap_remove(oldest);
                held -= e.bytes;
                gone.push(e.key);
            }
            gone
        });
        for k in drop.iter().filter(|k| k.as_str() != key) {
            if let Err(e) = self.store.delete(k).await {
                self.failed(e);
            }
        }
        if let Err(e) = self.store.put(key, bytes).await {
            self.failed(e);
            self.save().await;
            return false;
        }
        self.with_index(|i| {
            i.tick += 1;
            i.entries.push(KeptEntry {
                key: key.to_string(),
                what: what.to_string(),
                of: of.to_string(),
                bytes: n,
                used: i.tick,
            });
        });
        self.save().await;
        true
    }

    /// Write what was used lately to the store (so the order survives the visit).
    pub async fn flush(&self) {
        self.save().await;
    }

    /// Everything kept, most recently used first.
    pub async fn list(&self) -> Vec<KeptEntry> {
        self.load().await;
        let mut v = self.with_index(|i| i.entries.clone());
        v.sort_by_key(|e| std::cmp::Reverse(e.used));
        v
    }

    /// Drop everything kept.
    pub async fn clear(&self) {
        self.load().await;
        let keys: Vec<String> = self.with_index(|i| {
            let keys = i.entries.iter().map(|e| e.key.clone()).collect();
            i.entries.clear();
            keys
        });
        for k in keys {
            if let Err(e) = self.store.delete(&k).await {
                self.failed(e);
            }
        }
        if let Err(e) = self.store.delete(INDEX_KEY).await {
            self.failed(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemorySource;
    use futures::executor::block_on;

    fn kept(store: &Rc<MemoryStore>, cap: u64) -> Kept {
        Kept::new(store.clone(), cap)
    }

    #[test]
    fn a_file_is_keyed_by_url_size_and_validator_and_not_at_all_without_one() {
        let src = MemorySource::new("https://h/a.parquet", vec![0u8; 10]).with_validator("\"v1\"");
        let k = FileKey::of(&src).unwrap();
        assert_eq!(k.size, 10);
        let other_version = FileKey {
            validator: "\"v2\"".into(),
            ..k.clone()
        };
        let other_size = FileKey {
            size: 11,
            ..k.clone()
        };
        let other_url = FileKey {
            url: "https://h/b.parquet".into(),
            ..k.clone()
        };
        let keys = [&k, &other_version, &other_size, &other_url].map(|k| k.key("footer"));
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_ne!(k.key("footer"), k.key("sky"));
        let bare = MemorySource::new("https://h/a.parquet", vec![0u8; 10]);
        assert_eq!(FileKey::of(&bare), None, "no validator, nothing kept");
    }

    #[test]
    fn what_is_kept_survives_into_the_next_visit() {
        let store = Rc::new(MemoryStore::default());
        let first = kept(&store, 100);
        assert!(block_on(first.put(
            "k1",
            "footer",
            "u1",
            Bytes::from_static(b"abc")
        )));
        let second = kept(&store, 100);
        assert_eq!(
            block_on(second.get("k1")).as_deref(),
            Some(&b"abc"[..]),
            "read back by a new visit"
        );
        assert_eq!(block_on(second.get("nope")), None);
        let list = block_on(second.list());
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].what.as_str(), list[0].bytes), ("footer", 3));
    }

    #[test]
    fn the_bound_drops_the_least_recently_used_first() {
        let store = Rc::new(MemoryStore::default());
        let k = kept(&store, 10);
        let four = || Bytes::from(vec![7u8; 4]);
        assert!(block_on(k.put("a", "footer", "a", four())));
        assert!(block_on(k.put("b", "footer", "b", four())));
        // a used since b: b is the least recently used
        assert!(block_on(k.get("a")).is_some());
        assert!(block_on(k.put("c", "footer", "c", four())));
        let keys: Vec<String> = block_on(k.list()).into_iter().map(|e| e.key).collect();
        assert_eq!(keys, vec!["c", "a"]);
        assert!(
            block_on(store.get("b")).unwrap().is_none(),
            "b's blob deleted"
        );
        let held: u64 = block_on(k.list()).iter().map(|e| e.bytes).sum();
        assert!(held <= 10);
        // larger than the bound: not kept, nothing else dropped
        assert!(!block_on(k.put(
            "big",
            "footer",
            "big",
            Bytes::from(vec![0u8; 11])
        )));
        assert_eq!(block_on(k.list()).len(), 2);
        // the order of uses survives a new visit once flushed
        assert!(block_on(k.get("a")).is_some());
        block_on(k.flush());
        let again = kept(&store, 10);
        assert_eq!(block_on(again.list())[0].key, "a");
        assert!(block_on(again.put("d", "footer", "d", four())));
        let keys: Vec<String> = block_on(again.list()).into_iter().map(|e| e.key).collect();
        assert_eq!(keys, vec!["d", "a"]);
    }

    #[test]
    fn a_new_version_of_a_file_replaces_the_old_one() {
        let store = Rc::new(MemoryStore::default());
        let k = kept(&store, 100);
        let v1 = FileKey {
            url: "u".into(),
            size: 5,
            validator: "1".into(),
        };
        let v2 = FileKey {
            validator: "2".into(),
            ..v1.clone()
        };
        assert!(block_on(k.put(
            &v1.key("footer"),
            "footer",
            "u",
            "old".into()
        )));
        assert!(block_on(k.put(&v1.key("sky"), "sky", "u", "map".into())));
        // the changed file is not found under its new key
        assert_eq!(block_on(k.get(&v2.key("footer"))), None);
        assert!(block_on(k.put(
            &v2.key("footer"),
            "footer",
            "u",
            "new".into()
        )));
        assert_eq!(block_on(k.get(&v1.key("footer"))), None);
        assert!(block_on(store.get(&v1.key("footer"))).unwrap().is_none());
        assert_eq!(
            block_on(k.get(&v2.key("footer"))).as_deref(),
            Some(&b"new"[..])
        );
        assert!(
            block_on(k.has(&v1.key("sky"))),
            "another kind is not touched"
        );
    }

    #[test]
    fn a_failing_store_costs_only_speed_and_is_said() {
        let store = Rc::new(MemoryStore::default());
        let k = kept(&store, 100);
        assert!(block_on(k.put("a", "footer", "a", "x".into())));
        store.set_failing(true);
        assert!(!block_on(k.put("b", "footer", "b", "y".into())));
        assert_eq!(block_on(k.get("a")), None);
        let said = k.failure().unwrap();
        assert!(said.contains("Quota"), "{said}");
        // a new visit on a store that fails from the start
        let other = kept(&store, 100);
        assert_eq!(block_on(other.get("a")), None);
        assert!(other.failure().is_some());
    }

    #[test]
    fn clearing_drops_every_blob() {
        let store = Rc::new(MemoryStore::default());
        let k = kept(&store, 100);
        block_on(k.put("a", "footer", "a", "x".into()));
        block_on(k.put("b", "sky", "b", "y".into()));
        block_on(k.clear());
        assert!(block_on(k.list()).is_empty());
        assert!(store.is_empty(), "{} blobs left", store.len());
    }
}
