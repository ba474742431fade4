//! What a visit keeps in the browser for the next one: each file's footer, and the map
//! (positions, ids, locators and first-question votes of every row, as the page was sent
//! them), keyed by each file's URL, length and validator. The next visit asks each file
//! for 4 bytes to learn whether it changed; the unchanged files' footers are then read
//! from the browser, and when no file changed the map is drawn from it at once.

use super::Engine;
use super::dataset::{Dataset, Source};
use super::protocol::{Event, KeptItem, KeptView, Points, SkyPlanned};
use crate::io::{ByteSource, FileKey, Kept, KeptEntry, Priority, WithUrgency};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// A file's footer: `footer {size} {validator} {url}`.
pub const FOOTER: &str = "footer";
/// A dataset's map: `map {dataset URL}`.
pub const MAP: &str = "map";

/// The map a visit drew, and the versions of the files it came from.
#[derive(Serialize, Deserialize)]
pub struct SkyRecord {
    pub files: Vec<String>,
    pub planned: SkyPlanned,
    pub points: Vec<Points>,
}

impl SkyRecord {
    /// `[json length u32][json][buffer count u32]([length u32][bytes])*`, the buffers
    /// being the record's bulk parts.
    pub fn pack(&self) -> Result<Vec<u8>, String> {
        let (json, buffers) = super::bulk::encode(self)?;
        let mut out =
            Vec::with_capacity(json.len() + 8 + buffers.iter().map(|b| b.len() + 4).sum::<usize>());
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(json.as_bytes());
        out.extend_from_slice(&(buffers.len() as u32).to_le_bytes());
        for b in buffers {
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(&b);
        }
        Ok(out)
    }

    pub fn unpack(b: &[u8]) -> Result<SkyRecord, String> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], String> {
            let s = b
                .get(at..at + n)
                .ok_or_else(|| "a kept map is cut short".to_string())?;
            at += n;
            Ok(s)
        };
        let u32_at = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize;
        let n = u32_at(take(4)?);
        let json = std::str::from_utf8(take(n)?)
            .map_err(|e| e.to_string())?
            .to_string();
        let count = u32_at(take(4)?);
        let mut buffers = Vec::with_capacity(count.min(1 << 20));
        for _ in 0..count {
            let n = u32_at(take(4)?);
            buffers.push(take(n)?.to_vec());
        }
        super::bulk::decode(&json, buffers)
    }
}

/// The footer bytes of `src` the byte cache holds (read in one request or several).
pub fn held_footer(src: &Source) -> Option<Bytes> {
    let len = src.known_len()?;
    let last = src.held(len.checked_sub(8)?..len)?;
    if &last[4..] != b"PAR1" {
        return None;
    }
    let meta = u32::from_le_bytes([last[0], last[1], last[2], last[3]]) as u64;
    src.held(len.checked_sub(meta + 8)?..len)
}

impl Engine {
    pub(super) fn kept(&self) -> Option<Rc<Kept>> {
        self.0.kept.clone()
    }

    /// Tell the page what is kept (and, once, why keeping failed).
    pub(super) async fn publish_kept(&self) {
        let Some(kept) = self.kept() else {
            return;
        };
        let entries = kept.list().await;
        self.emit(Event::Kept(KeptView {
            total: entries.iter().map(|e| e.bytes).sum(),
            cap: kept.cap(),
            items: entries
                .into_iter()
                .map(|e| KeptItem {
                    what: e.what,
                    of: e.of,
                    bytes: e.bytes,
                })
                .collect(),
            failure: kept.failure(),
        }));
    }

    pub(super) fn clear_kept(&self) {
        let me = self.clone();
        self.host().spawn(Box::pin(async move {
            if let Some(k) = me.kept() {
                k.clear().await;
            }
            me.publish_kept().await;
        }));
    }

    /// What is kept (listed once per open), when anything is.
    pub(super) async fn kept_list(&self) -> Option<(Rc<Kept>, Vec<KeptEntry>)> {
        let kept = self.kept()?;
        let entries = kept.list().await;
        (!entries.is_empty()).then_some((kept, entries))
    }

    /// Before a file's footer is read: when its footer is kept, learn the file's version
    /// (a 4-byte read of its `PAR1` magic, whose answer says its length and `ETag`) and, if
    /// unchanged, put the kept footer in the byte cache. Returns the footer's length and the
    /// file's key. Files nothing is kept of cost nothing; a file that cannot answer the
    /// check is read as if nothing were kept (and fails as it would).
    pub(super) async fn restore_footer(
        &self,
        kept: &Kept,
        entries: &[KeptEntry],
        src: &Source,
        priority: Priority,
    ) -> Option<(u64, String)> {
        if !entries
            .iter()
            .any(|e| e.what == FOOTER && e.of == src.name())
        {
            return None;
        }
        // at the footer's own priority: the galaxy's reads go before other files' checks
        let magic = WithUrgency::new(src, priority).read(0..4).await.ok()?;
        if &magic[..] != b"PAR1" {
            return None;
        }
        let key = FileKey::of(src)?;
        let footer = kept.get(&key.key(FOOTER)).await?;
        let n = footer.len() as u64;
        if n < 12 || n > key.size || !footer.ends_with(b"PAR1") {
            return None;
        }
        src.prime(key.size - n..key.size, footer);
        Some((n, key.key(FOOTER)))
    }

    /// The map an earlier visit kept of `dataset`, drawn as soon as every file's check is
    /// back unchanged (`keys`: each file's key, `None` when its footer was not kept or it
    /// changed). With `find`, the global row of the galaxy with that id.
    pub(super) async fn restore_map(
        &self,
        kept: &Kept,
        dataset: &str,
        keys: Vec<futures::channel::oneshot::Receiver<Option<String>>>,
        find: Option<&str>,
    ) -> Option<Option<u64>> {
        let mut now = Vec::with_capacity(keys.len());
        for k in keys {
            now.push(k.await.ok().flatten()?);
        }
        let blob = kept.get(&format!("{MAP} {dataset}")).await?;
        let record = SkyRecord::unpack(&blob).ok()?;
        (record.files == now).then(|| self.draw_kept(record, find))
    }

    /// Whether a map of `dataset` is kept.
    pub(super) fn has_map(entries: &[KeptEntry], dataset: &str) -> bool {
        entries.iter().any(|e| e.what == MAP && e.of == dataset)
    }

    /// Keep a file's footer, just read: once the map has loaded (until then it waits in
    /// the byte cache), at once after.
    pub(super) fn keep_footer(&self, src: &Source) {
        if let Some(later) = self.0.keep_later.borrow_mut().as_mut() {
            later.push(src.clone());
            return;
        }
        self.keep_footer_now(src);
    }

    /// The map has loaded (or failed): keep the footers read meanwhile.
    pub(super) fn map_loaded(&self) {
        let later = self.0.keep_later.borrow_mut().take().unwrap_or_default();
        for src in &later {
            self.keep_footer_now(src);
        }
    }

    fn keep_footer_now(&self, src: &Source) {
        let (Some(kept), Some(key), Some(bytes)) =
            (self.kept(), FileKey::of(src), held_footer(src))
        else {
            return;
        };
        let me = self.clone();
        self.host().spawn(Box::pin(async move {
            let k = key.key(FOOTER);
            if !kept.has(&k).await {
                kept.put(&k, FOOTER, &key.url, bytes).await;
                me.publish_kept().await;
            }
        }));
    }

    /// Draw the map an earlier visit kept; with `find`, the global row of the galaxy with
    /// that id (`None`: no such galaxy).
    pub(super) fn draw_kept(&self, record: SkyRecord, find: Option<&str>) -> Option<u64> {
        self.emit(Event::SkyPlanned(record.planned));
        let mut count = 0usize;
        let mut found = None;
        for p in record.points {
            let (ra, dec) = (p.ra.f64s(), p.dec.f64s());
            count += ra
                .iter()
                .zip(&dec)
                .filter(|(r, d)| r.is_finite() && d.is_finite())
                .count();
            if let (Some(want), None) = (find, found) {
                let ends = p.id_ends.u32s();
                let rows = p.rows.u32s();
                let mut start = 0usize;
                for (k, &end) in ends.iter().enumerate() {
                    let end = end as usize;
                    if p.ids.0.get(start..end) == Some(want.as_bytes())
                        && let Some(&r) = rows.get(k).filter(|&&r| r != u32::MAX)
                    {
                        found = Some(u64::from(r));
                        break;
                    }
                    start = end;
                }
            }
            self.emit(Event::Points(p));
        }
        self.emit(Event::Mark {
            name: "gzv:positions".into(),
            at: None,
        });
        self.emit(Event::Positions(super::protocol::PositionsView::Ready {
            count,
            failed: Vec::new(),
        }));
        found
    }

    /// Keep the map every file gave (only when each file's version is known).
    pub(super) fn keep_sky(&self, ds: &Dataset, planned: SkyPlanned, points: Vec<Points>) {
        let Some(kept) = self.kept() else { return };
        let files: Option<Vec<String>> = ds
            .sources
            .iter()
            .map(|s| FileKey::of(s).map(|k| k.key(FOOTER)))
            .collect();
        let Some(files) = files else { return };
        let record = SkyRecord {
            files,
            planned,
            points,
        };
        let Ok(blob) = record.pack() else { return };
        let of = ds.key.clone();
        let me = self.clone();
        self.host().spawn(Box::pin(async move {
            kept.put(&format!("{MAP} {of}"), MAP, &of, blob.into())
                .await;
            me.publish_kept().await;
        }));
    }
}
