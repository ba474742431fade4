//! Each flow of the engine over in-memory files, its reads logged in the order they
//! reach the files (after the read scheduler let them go): what is read, and in what order.

use super::protocol::{Early, Event, GalaxyState, PositionsView, Request, Shown, Target};
use super::{Engine, Host};
use crate::io::{ByteSource, IoError, LocalBoxFuture, NetCounters, WebUrl};
use bytes::Bytes;
use futures::channel::oneshot;
use futures::executor::{LocalPool, LocalSpawner};
use futures::task::LocalSpawnExt;
use gzv_sample::fixtures;
use parquet::file::metadata::ParquetMetaData;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

type Log = Rc<RefCell<Vec<(String, Range<u64>)>>>;

/// Files by URL, every read logged; with `hold` set, reads wait until released.
struct TestHost {
    files: RefCell<HashMap<String, Bytes>>,
    log: Log,
    events: RefCell<Vec<Event>>,
    spawner: LocalSpawner,
    hold: Rc<Cell<bool>>,
    held: Rc<RefCell<Vec<oneshot::Sender<()>>>>,
    /// Reads of the file whose name ends with this wait too.
    hold_file: Rc<RefCell<Option<String>>>,
    /// What the browser keeps between visits (shared by the fixtures of two visits).
    store: Option<Rc<crate::io::MemoryStore>>,
    /// Each file's `ETag`, when its host sends one.
    etags: RefCell<HashMap<String, String>>,
    /// The host's clock (ms), where it has one.
    clock: Cell<Option<f64>>,
}

struct TestSource {
    name: String,
    data: Option<Bytes>,
    len: Option<u64>,
    log: Log,
    hold: Rc<Cell<bool>>,
    held: Rc<RefCell<Vec<oneshot::Sender<()>>>>,
    hold_file: Rc<RefCell<Option<String>>>,
    etag: Option<String>,
}

impl TestSource {
    fn slice(&self, r: Range<u64>) -> Result<Bytes, IoError> {
        let data = self.data.as_ref().ok_or_else(|| IoError::Status {
            url: self.name.clone(),
            status: 404,
            hint: "not found: check the URL",
        })?;
        if r.end > data.len() as u64 {
            return Err(IoError::OutOfBounds {
                url: self.name.clone(),
                start: r.start,
                end: r.end,
                len: data.len() as u64,
            });
        }
        Ok(data.slice(r.start as usize..r.end as usize))
    }
}

impl ByteSource for TestSource {
    fn name(&self) -> &str {
        &self.name
    }
    fn known_len(&self) -> Option<u64> {
        self.len
    }
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        self.log
            .borrow_mut()
            .push((self.name.clone(), range.clone()));
        let held_file = self
            .hold_file
            .borrow()
            .as_deref()
            .is_some_and(|f| self.name.ends_with(f));
        let wait = (self.hold.get() || held_file).then(|| {
            let (tx, rx) = oneshot::channel();
            self.held.borrow_mut().push(tx);
            rx
        });
        Box::pin(async move {
            if let Some(rx) = wait {
                rx.await.map_err(|_| IoError::Aborted {
                    url: self.name.clone(),
                })?;
            }
            self.slice(range)
        })
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        let len = self.data.as_ref().map_or(0, |d| d.len() as u64);
        let r = len.saturating_sub(n)..len;
        Box::pin(async move { Ok((len, self.read(r).await?)) })
    }
    fn validator(&self) -> Option<String> {
        self.etag.clone()
    }
}

impl Host for TestHost {
    fn source(&self, url: &WebUrl, len: Option<u64>) -> Box<dyn ByteSource> {
        let data = self.files.borrow().get(url.as_str()).cloned();
        Box::new(TestSource {
            name: url.to_string(),
            len: len.or(data.as_ref().map(|d| d.len() as u64)),
            data,
            log: self.log.clone(),
            hold: self.hold.clone(),
            held: self.held.clone(),
            hold_file: self.hold_file.clone(),
            etag: self.etags.borrow().get(url.as_str()).cloned(),
        })
    }
    fn text(&self, url: &WebUrl) -> LocalBoxFuture<'static, Result<String, IoError>> {
        let got = self.files.borrow().get(url.as_str()).cloned();
        let url = url.to_string();
        Box::pin(async move {
            got.map(|b| String::from_utf8_lossy(&b).into_owned())
                .ok_or(IoError::Status {
                    url,
                    status: 404,
                    hint: "not found: check the URL",
                })
        })
    }
    fn net(&self) -> NetCounters {
        NetCounters {
            requests: self.log.borrow().len() as u64,
            ..NetCounters::default()
        }
    }
    fn pause(&self) -> LocalBoxFuture<'static, ()> {
        Box::pin(async {})
    }
    fn now_ms(&self) -> Option<f64> {
        self.clock.get()
    }
    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        self.spawner.spawn_local(task).expect("spawn");
    }
    fn emit(&self, event: Event) {
        self.events.borrow_mut().push(event);
    }
    fn store(&self) -> Option<Rc<dyn crate::io::Store>> {
        self.store.clone().map(|s| s as Rc<dyn crate::io::Store>)
    }
}

struct Fixture {
    pool: LocalPool,
    host: Rc<TestHost>,
    engine: Engine,
}

const BASE: &str = "https://data.test/ds/";

impl Fixture {
    fn new(files: Vec<(&str, Vec<u8>)>) -> Fixture {
        Fixture::keeping(files, None)
    }

    /// A visit whose browser keeps things in `store`; every file's host sends an `ETag`.
    fn keeping(files: Vec<(&str, Vec<u8>)>, store: Option<Rc<crate::io::MemoryStore>>) -> Fixture {
        let pool = LocalPool::new();
        let etags = files
            .iter()
            .map(|(n, _)| (format!("{BASE}{n}"), format!("\"{n}-v1\"")))
            .collect();
        let host = Rc::new(TestHost {
            files: RefCell::new(
                files
                    .into_iter()
                    .map(|(n, b)| (format!("{BASE}{n}"), Bytes::from(b)))
                    .collect(),
            ),
            log: Log::default(),
            events: RefCell::default(),
            spawner: pool.spawner(),
            hold: Rc::default(),
            held: Rc::default(),
            hold_file: Rc::default(),
            store,
            etags: RefCell::new(etags),
            clock: Cell::new(None),
        });
        let engine = Engine::new(host.clone());
        Fixture { pool, host, engine }
    }

    fn url(name: &str) -> WebUrl {
        WebUrl::parse(&format!("{BASE}{name}")).expect("url")
    }

    fn ask(&mut self, r: Request) {
        self.engine.handle(r);
        self.pool.run_until_stalled();
    }

    fn open(&mut self, name: &str, row: Option<u64>, id: Option<&str>) {
        self.ask(Request::Open {
            target: Target::Url(Fixture::url(name)),
            row,
            id: id.map(String::from),
            early: Vec::new(),
        });
    }

    /// Let every held read go (and hold no more), and run until nothing is left to do.
    fn release(&mut self) {
        self.host.hold.set(false);
        *self.host.hold_file.borrow_mut() = None;
        for tx in self.host.held.borrow_mut().drain(..) {
            let _ = tx.send(());
        }
        self.pool.run_until_stalled();
    }

    fn take_events(&self) -> Vec<Event> {
        self.host.events.borrow_mut().drain(..).collect()
    }

    fn take_log(&self) -> Vec<(String, Range<u64>)> {
        self.host.log.borrow_mut().drain(..).collect()
    }

    fn galaxy(events: &[Event]) -> Option<(u64, Option<String>)> {
        events.iter().rev().find_map(|e| match e {
            Event::Galaxy {
                row: Some(r),
                state: GalaxyState::Ready(g),
            } => Some((*r, g.id.clone())),
            _ => None,
        })
    }
}

fn meta_of(bytes: &[u8]) -> ParquetMetaData {
    parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&Bytes::copy_from_slice(bytes))
        .expect("footer")
}

/// The byte span of row group `rg`'s column chunks.
fn group_span(meta: &ParquetMetaData, rg: usize) -> Range<u64> {
    let g = meta.row_group(rg);
    let (start, _) = g.column(0).byte_range();
    let (s, l) = g.column(g.num_columns() - 1).byte_range();
    start..s + l
}

fn within(r: &Range<u64>, span: &Range<u64>) -> bool {
    span.start <= r.start && r.end <= span.end
}

#[test]
fn opening_by_row_reads_the_footer_then_the_galaxy_then_the_positions() {
    let file = fixtures::galaxies(50, 10);
    let meta = meta_of(&file);
    let len = file.len() as u64;
    let mut f = Fixture::new(vec![("a.parquet", file)]);
    f.open("a.parquet", Some(23), None);
    let events = f.take_events();
    assert_eq!(Fixture::galaxy(&events), Some((23, Some("g23".into()))));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Opened(o) if o.rows == 50 && o.first_row == 23))
    );
    assert!(events.iter().any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 50, failed }) if failed.is_empty())));
    let log = f.take_log();
    // the footer: its last 64 KiB, then exactly the rest of it when longer
    assert_eq!(log[0].1.end, len, "{log:?}");
    let galaxy = group_span(&meta, 2);
    let data: Vec<&Range<u64>> = log
        .iter()
        .map(|(_, r)| r)
        .filter(|r| r.end <= len - 8 && r.start < meta.row_group(4).column(0).byte_range().0)
        .collect();
    assert!(
        within(data[0], &galaxy),
        "the galaxy's row group is read first: {log:?}"
    );
    // and the positions of every other row group afterwards (ra, dec, id of each)
    for rg in [0usize, 1, 3] {
        let span = group_span(&meta, rg);
        let at = data.iter().position(|r| within(r, &span));
        assert!(at.is_some_and(|k| k > 0), "row group {rg}: {log:?}");
    }
}

#[test]
fn opening_by_id_reads_the_positions_then_that_galaxy() {
    let file = fixtures::galaxies(50, 10);
    let meta = meta_of(&file);
    let mut f = Fixture::new(vec![("a.parquet", file)]);
    f.open("a.parquet", None, Some("g17"));
    let events = f.take_events();
    assert_eq!(Fixture::galaxy(&events), Some((17, Some("g17".into()))));
    let log = f.take_log();
    let image = meta.row_group(1).column(0).byte_range();
    let image = image.0..image.0 + image.1;
    let galaxy_read = log
        .iter()
        .position(|(_, r)| r.start <= image.start && image.end <= r.end)
        .expect("the galaxy's image was read");
    let positions_of_first_group = log
        .iter()
        .position(|(_, r)| within(r, &group_span(&meta, 0)))
        .expect("positions read");
    assert!(
        positions_of_first_group < galaxy_read,
        "the ids come first, then the galaxy: {log:?}"
    );
    // an id that is not there is said so, not shown as nothing
    f.open("a.parquet", None, Some("nobody"));
    let events = f.take_events();
    assert!(events.iter().any(|e| matches!(e, Event::Galaxy { state: GalaxyState::Failed(m), .. } if m.contains("no galaxy with id nobody"))));
}

/// Two shards and the catalog `gzv-catalog` builds of them, in a manifest with rows.
fn with_catalog(catalog_path: &str) -> Fixture {
    let dir = std::env::temp_dir().join(format!(
        "gzv-engine-catalog-{}-{}",
        std::process::id(),
        catalog_path.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let shards = [fixtures::galaxies(30, 10), fixtures::galaxies(20, 10)];
    let locs: Vec<gzv_sample::catalog::Location> = shards
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let p = dir.join(format!("s{i}.parquet"));
            std::fs::write(&p, b).unwrap();
            gzv_sample::catalog::Location::File(p)
        })
        .collect();
    let out = dir.join("catalog.parquet");
    gzv_sample::catalog::build(&locs, &out, 1, &|_| {}).expect("catalog");
    let catalog = std::fs::read(&out).unwrap();
    let manifest = serde_json::json!({
        "name": "two shards",
        "files": [
            { "path": "s0.parquet", "size": shards[0].len(), "rows": 30 },
            { "path": "s1.parquet", "size": shards[1].len(), "rows": 20 },
        ],
        "catalog": { "path": catalog_path, "size": catalog.len(), "rows": 50 },
    });
    let _ = std::fs::remove_dir_all(&dir);
    Fixture::new(vec![
        ("index.json", manifest.to_string().into_bytes()),
        ("s0.parquet", shards[0].clone()),
        ("s1.parquet", shards[1].clone()),
        ("catalog.parquet", catalog),
    ])
}

#[test]
fn without_a_catalog_the_galaxy_does_not_wait_for_every_footer() {
    let shards = [
        fixtures::galaxies(30, 10),
        fixtures::galaxies(20, 10),
        fixtures::galaxies(20, 10),
    ];
    // sizes only, as HuggingFace's listing gives: rows are known from footers alone
    let manifest = serde_json::json!({
        "name": "three shards",
        "files": (0..3).map(|i| serde_json::json!({ "path": format!("s{i}.parquet"), "size": shards[i].len() })).collect::<Vec<_>>(),
    });
    let mut f = Fixture::new(vec![
        ("index.json", manifest.to_string().into_bytes()),
        ("s0.parquet", shards[0].clone()),
        ("s1.parquet", shards[1].clone()),
        ("s2.parquet", shards[2].clone()),
    ]);
    // the last shard's footer is slow: the galaxy of row 35 (the second shard's row 5)
    // is shown from the first two, before the dataset is open
    *f.host.hold_file.borrow_mut() = Some("s2.parquet".into());
    f.open("index.json", Some(35), None);
    let events = f.take_events();
    assert_eq!(Fixture::galaxy(&events), Some((35, Some("g5".into()))));
    assert!(
        !events.iter().any(|e| matches!(e, Event::Opened(_))),
        "the dataset is not open before every footer is in"
    );
    f.release();
    let events = f.take_events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Opened(o) if o.rows == 70 && o.first_row == 35)),
        "{events:?}"
    );
    assert!(events.iter().any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 70, failed }) if failed.is_empty())));
    assert_eq!(Fixture::galaxy(&events), None, "the galaxy is read once");
    // a galaxy of the last shard opens from the whole dataset
    f.ask(Request::ShowRow { row: 60 });
    assert_eq!(
        Fixture::galaxy(&f.take_events()),
        Some((60, Some("g10".into())))
    );
}

#[test]
fn a_catalog_leaves_the_other_shards_unread() {
    let mut f = with_catalog("catalog.parquet");
    f.open("index.json", Some(3), None);
    let events = f.take_events();
    assert_eq!(Fixture::galaxy(&events), Some((3, Some("g3".into()))));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 50, .. })))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::SkyPlanned(p) if p.catalog))
    );
    let log = f.take_log();
    let read = |name: &str| log.iter().filter(|(n, _)| n.ends_with(name)).count();
    assert!(
        read("catalog.parquet") >= 1,
        "footer and positions: {log:?}"
    );
    assert!(read("s0.parquet") >= 1, "the galaxy's shard: {log:?}");
    assert_eq!(
        read("s1.parquet"),
        0,
        "the other shard is not touched: {log:?}"
    );
    // a galaxy of the other shard: its footer now, then the galaxy
    f.ask(Request::ShowRow { row: 42 });
    let events = f.take_events();
    assert_eq!(Fixture::galaxy(&events), Some((42, Some("g12".into()))));
    assert!(f.take_log().iter().all(|(n, _)| n.ends_with("s1.parquet")));
}

#[test]
fn a_catalog_that_fails_is_said_and_the_shards_are_read() {
    let mut f = with_catalog("missing-catalog.parquet");
    f.open("index.json", Some(0), None);
    let events = f.take_events();
    assert!(events.iter().any(|e| matches!(e, Event::SkyNote(Some(n)) if n.contains("missing-catalog.parquet") && n.contains("404"))));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 50, .. })))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::SkyPlanned(p) if !p.catalog))
    );
    let log = f.take_log();
    assert!(
        log.iter().any(|(n, _)| n.ends_with("s1.parquet")),
        "every footer: {log:?}"
    );
}

#[test]
fn a_filter_question_reads_only_its_columns() {
    let file = fixtures::galaxies(50, 10);
    let meta = meta_of(&file);
    let mut f = Fixture::new(vec![("a.parquet", file)]);
    f.open("a.parquet", Some(0), None);
    f.take_events();
    f.take_log();
    f.ask(Request::Question {
        campaign: "dr8".into(),
        question: "bar".into(),
    });
    let events = f.take_events();
    let (answers, counts) = events
        .iter()
        .find_map(|e| match e {
            Event::Question {
                answers, counts, ..
            } => Some((answers.clone(), counts.clone())),
            _ => None,
        })
        .expect("the question's votes");
    assert_eq!(answers, vec!["strong", "weak", "no"]);
    let counts = counts.expect("read");
    let c: Vec<u16> = counts
        .0
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    for slot in 0..50 {
        assert_eq!(
            &c[slot * 3..slot * 3 + 3],
            &[(slot % 3) as u16, 1, 2],
            "slot {slot}"
        );
    }
    // one request per row group, for the bar columns only
    let bar: Vec<Range<u64>> = (0..5)
        .map(|rg| {
            let g = meta.row_group(rg);
            let cols: Vec<usize> = (0..g.num_columns())
                .filter(|&c| g.column(c).column_path().string().starts_with("bar-dr8"))
                .collect();
            let (s, _) = g.column(cols[0]).byte_range();
            let (e, l) = g.column(*cols.last().unwrap()).byte_range();
            s..e + l
        })
        .collect();
    // one request per row group whose bar columns were not already held (the footer's
    // tail holds the last ones), for the bar columns only
    let log = f.take_log();
    assert!((1..=5).contains(&log.len()), "{log:?}");
    for (_, r) in &log {
        assert!(bar.iter().any(|b| within(r, b)), "only bar columns: {r:?}");
    }
}

#[test]
fn a_gallery_window_scrolled_past_is_cancelled() {
    let file = fixtures::galaxies(50, 10);
    let meta = meta_of(&file);
    let mut f = Fixture::new(vec![("a.parquet", file)]);
    f.open("a.parquet", Some(0), None);
    f.take_events();
    f.take_log();
    f.host.hold.set(true);
    f.ask(Request::Gallery {
        wanted: (10..15).collect(),
        start: true,
    });
    let log = f.take_log();
    assert_eq!(
        log.len(),
        1,
        "one read for five rows of one row group: {log:?}"
    );
    assert!(within(&log[0].1, &group_span(&meta, 1)));
    // scrolled on: the read of rows no longer wanted is dropped at once
    f.ask(Request::Gallery {
        wanted: (40..45).collect(),
        start: false,
    });
    assert!(
        f.host.held.borrow().iter().all(|tx| tx.is_canceled()),
        "the read for rows 10..15 was abandoned"
    );
    assert!(
        f.take_log().is_empty(),
        "nothing new while the scroll goes on"
    );
    f.ask(Request::Gallery {
        wanted: (40..45).collect(),
        start: true,
    });
    f.release();
    let log = f.take_log();
    assert!(
        log.iter().all(|(_, r)| within(r, &group_span(&meta, 4))),
        "{log:?}"
    );
    let thumbs: Vec<u64> = f
        .take_events()
        .iter()
        .flat_map(|e| match e {
            Event::Thumbs { thumbs, .. } => {
                thumbs.iter().filter(|t| t.1.is_ok()).map(|t| t.0).collect()
            }
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(
        thumbs,
        (40..45).collect::<Vec<_>>(),
        "only the rows still wanted"
    );
}

#[test]
fn a_table_window_reads_its_rows_with_every_column() {
    let file = fixtures::galaxies(50, 10);
    let meta = meta_of(&file);
    let mut f = Fixture::new(vec![("a.parquet", file)]);
    f.open("a.parquet", Some(0), None);
    f.take_events();
    f.take_log();
    f.ask(Request::TableOpened);
    f.ask(Request::Table {
        wanted: vec![12, 13],
        start: true,
    });
    let events = f.take_events();
    let columns = events
        .iter()
        .find_map(|e| match e {
            Event::TableColumns(Ok(c)) => Some(c.clone()),
            _ => None,
        })
        .expect("columns");
    assert_eq!(&columns.names[..4], &["image", "id_str", "ra", "dec"]);
    assert!(columns.votes);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::TableStats(Ok(s)) if s.len() == columns.names.len()))
    );
    let rows: Vec<(u64, Vec<Shown>)> = events
        .iter()
        .flat_map(|e| match e {
            Event::TableRows { rows, .. } => rows
                .iter()
                .filter_map(|(r, c)| c.clone().ok().map(|c| (*r, c)))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(rows.len(), 2);
    for (row, cells) in &rows {
        assert!(matches!(&cells[0], Shown::Image(Ok(b)) if !b.is_empty()));
        assert!(matches!(&cells[1], Shown::Text(c) if c.text == format!("g{row}")));
    }
    let log = f.take_log();
    let data: Vec<_> = log
        .iter()
        .filter(|(_, r)| r.end <= group_span(&meta, 4).end)
        .collect();
    assert!(!data.is_empty());
    assert!(
        data.iter().all(|(_, r)| within(r, &group_span(&meta, 1))),
        "only row group 1 (and the footer's statistics): {log:?}"
    );
}

#[test]
fn an_early_footer_is_used_instead_of_asked_again() {
    let file = fixtures::galaxies(50, 10);
    let len = file.len() as u64;
    let tail = file[file.len() - 20_000..].to_vec();
    let mut f = Fixture::new(vec![("a.parquet", file)]);
    f.ask(Request::Open {
        target: Target::Url(Fixture::url("a.parquet")),
        row: Some(0),
        id: None,
        early: vec![Early::Tail {
            url: Fixture::url("a.parquet"),
            start: len - 20_000,
            len,
            bytes: super::bulk::Bulk(tail),
        }],
    });
    assert_eq!(
        Fixture::galaxy(&f.take_events()),
        Some((0, Some("g0".into())))
    );
    let log = f.take_log();
    assert!(
        log.iter()
            .all(|(_, r)| r.end <= len - 20_000 || r.start < len - 20_000),
        "no read of bytes the page handed over: {log:?}"
    );
}

#[test]
fn points_travel_whole_through_a_message() {
    let file = fixtures::galaxies(50, 10);
    let mut f = Fixture::new(vec![("a.parquet", file)]);
    f.open("a.parquet", Some(0), None);
    let (mut seen, mut messages) = (0, 0);
    for e in f.take_events() {
        let Event::Points(p) = e else { continue };
        let (json, buffers) = super::bulk::encode(&Event::Points(p.clone())).unwrap();
        let Ok(Event::Points(q)) = super::bulk::decode::<Event>(&json, buffers) else {
            panic!("a points message did not come back");
        };
        assert_eq!(q, p);
        let (ra, dec, rows) = (q.ra.f64s(), q.dec.f64s(), q.rows.u32s());
        for k in 0..ra.len() {
            let i = q.slot + k;
            assert_eq!(ra[k], 10.0 + i as f64, "ra of row {i}");
            assert_eq!(dec[k], -5.0 + i as f64 / 10.0, "dec of row {i}");
            assert_eq!(rows[k], i as u32);
        }
        let ends = q.id_ends.u32s();
        let text = String::from_utf8(q.ids.0.clone()).unwrap();
        let mut at = 0;
        for (k, &end) in ends.iter().enumerate() {
            assert_eq!(&text[at..end as usize], format!("g{}", q.slot + k));
            at = end as usize;
        }
        assert_eq!(ends.len(), ra.len());
        seen += ra.len();
        messages += 1;
    }
    assert_eq!(seen, 50, "every row's position was sent");
    // five row groups of ten, one run: one message, not one per row group
    assert_eq!(messages, 1, "a run's points travel in one message");
}

#[test]
fn progress_of_thousands_of_reads_is_said_a_hundred_times() {
    for total in [1, 7, 100, 4060] {
        let said: Vec<usize> = (0..=total)
            .filter(|&d| super::sky::progress_step(d, total))
            .collect();
        assert_eq!(said.first(), Some(&0));
        assert_eq!(said.last(), Some(&total), "the end is always said");
        assert!(said.len() <= 101, "{total} reads: {} messages", said.len());
        if total <= 100 {
            assert_eq!(said.len(), total + 1, "every read of a few is said");
        }
    }
}

/// The positions' loading steps of `events`, as (done, total).
fn loading_steps(events: &[Event]) -> Vec<(usize, usize)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Positions(PositionsView::Loading { done, total }) => Some((*done, *total)),
            _ => None,
        })
        .collect()
}

#[test]
fn with_a_clock_the_positions_progress_is_said_at_most_every_100_ms() {
    let shards = three_shards();
    // without a clock: each read of a few is said
    let mut f = Fixture::new(shards.clone());
    f.open("index.json", Some(0), None);
    f.release();
    let unclocked = loading_steps(&f.take_events());
    let total = unclocked.last().map_or(0, |s| s.1);
    assert!(
        total > 2,
        "the fixture's positions take several reads: {unclocked:?}"
    );
    assert_eq!(unclocked.len(), total + 1, "{unclocked:?}");
    // a clock that stands still: the start and the end only
    let mut f = Fixture::new(shards);
    f.host.clock.set(Some(1_000.0));
    f.open("index.json", Some(0), None);
    f.release();
    let events = f.take_events();
    assert_eq!(loading_steps(&events), vec![(0, total), (total, total)]);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 70, .. })))
    );
}

#[test]
fn every_event_of_an_opening_reads_back_as_it_was_written() {
    let mut f = Fixture::new(three_shards());
    f.open("index.json", Some(25), None);
    f.release();
    let events = f.take_events();
    let kinds: std::collections::BTreeSet<String> = events
        .iter()
        .filter_map(|e| match serde_json::to_value(e).expect("json") {
            serde_json::Value::Object(o) => o.keys().next().cloned(),
            _ => None,
        })
        .collect();
    for want in [
        "Opened",
        "Galaxy",
        "Positions",
        "Points",
        "Files",
        "Progress",
        "SkyPlanned",
    ] {
        assert!(kinds.contains(want), "{want} among {kinds:?}");
    }
    // (what is not sent, such as a galaxy's decision tree, is not compared)
    for e in events {
        let (json, buffers) = super::bulk::encode(&e).expect("encode");
        let back = super::bulk::decode::<Event>(&json, buffers.clone()).expect("decode");
        let (again, again_buffers) = super::bulk::encode(&back).expect("encode again");
        assert!(again == json && again_buffers == buffers, "{json}\n{again}");
    }
}

/// Three shards without a catalog (sizes only, as HuggingFace lists them).
fn three_shards() -> Vec<(&'static str, Vec<u8>)> {
    let shards = [
        fixtures::galaxies(30, 10),
        fixtures::galaxies(20, 10),
        fixtures::galaxies(20, 10),
    ];
    let manifest = serde_json::json!({
        "name": "three shards",
        "files": (0..3).map(|i| serde_json::json!({ "path": format!("s{i}.parquet"), "size": shards[i].len() })).collect::<Vec<_>>(),
    });
    vec![
        ("index.json", manifest.to_string().into_bytes()),
        ("s0.parquet", shards[0].clone()),
        ("s1.parquet", shards[1].clone()),
        ("s2.parquet", shards[2].clone()),
    ]
}

fn points_of(events: &[Event]) -> Vec<super::protocol::Points> {
    let mut v: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Points(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    v.sort_by_key(|p| p.slot);
    v
}

fn kept_view(events: &[Event]) -> Option<super::protocol::KeptView> {
    events.iter().rev().find_map(|e| match e {
        Event::Kept(k) => Some(k.clone()),
        _ => None,
    })
}

#[test]
fn a_second_visit_reads_no_footer_and_no_position_and_draws_the_same_map() {
    let store = Rc::new(crate::io::MemoryStore::default());
    let mut first = Fixture::keeping(three_shards(), Some(store.clone()));
    first.open("index.json", Some(35), None);
    let events = first.take_events();
    let first_points = points_of(&events);
    assert_eq!(
        first_points
            .iter()
            .map(|p| p.rows.u32s().len())
            .sum::<usize>(),
        70
    );
    let kept = kept_view(&events).expect("what is kept is said");
    assert_eq!(
        kept.items.iter().filter(|i| i.what == "footer").count(),
        3,
        "{kept:?}"
    );
    assert_eq!(kept.items.iter().filter(|i| i.what == "map").count(), 1);
    assert!(kept.failure.is_none());

    let mut second = Fixture::keeping(three_shards(), Some(store.clone()));
    second.open("index.json", Some(35), None);
    let events = second.take_events();
    let log = second.take_log();
    // each file is asked for its magic number only (its version), then the galaxy
    let tails: Vec<_> = log.iter().filter(|(_, r)| r.start > 4).collect();
    for i in 0..3 {
        let name = format!("s{i}.parquet");
        let reads: Vec<_> = log.iter().filter(|(n, _)| n.ends_with(&name)).collect();
        assert_eq!(reads[0].1, 0..4, "{name}: {log:?}");
    }
    let sizes: Vec<u64> = three_shards()[1..]
        .iter()
        .map(|(_, b)| b.len() as u64)
        .collect();
    for (n, r) in &tails {
        let i: usize = n[n.len() - 9..n.len() - 8].parse().unwrap();
        assert!(
            r.end < sizes[i] - 8,
            "no footer is read: {n} {r:?} (size {})",
            sizes[i]
        );
    }
    // only the galaxy's own row group is read: no positions
    let s1: Vec<_> = log
        .iter()
        .filter(|(n, _)| n.ends_with("s1.parquet"))
        .collect();
    assert!(
        log.len() <= 3 + 2 && s1.len() <= 3,
        "versions and the galaxy only: {log:?}"
    );
    assert_eq!(Fixture::galaxy(&events), Some((35, Some("g5".into()))));
    assert_eq!(points_of(&events), first_points, "the same map");
    assert!(events.iter().any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 70, failed }) if failed.is_empty())));
    // colours still come from the files (their footers from the browser)
    let choice = events
        .iter()
        .find_map(|e| match e {
            Event::SkyPlanned(p) => p.choices.first().cloned(),
            _ => None,
        })
        .expect("the kept map's colour choices");
    second.ask(Request::Colour {
        choice: Some(choice),
    });
    let events = second.take_events();
    let coloured: usize = events
        .iter()
        .filter_map(|e| match e {
            Event::ColourValues(v) => Some(v.values.f32s().len()),
            _ => None,
        })
        .sum();
    assert_eq!(coloured, 70, "every galaxy coloured after a kept map");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Colour(super::protocol::ColourView::Ready { asked, .. }) if *asked > 0)),
        "colouring after a kept map"
    );
    let log = second.take_log();
    assert!(
        !log.iter().any(|(_, r)| r.end >= sizes[0] - 8),
        "no footer read for the colours: {log:?}"
    );
}

#[test]
fn a_changed_file_is_read_again_and_the_kept_map_is_not_used() {
    let store = Rc::new(crate::io::MemoryStore::default());
    let mut first = Fixture::keeping(three_shards(), Some(store.clone()));
    first.open("index.json", None, None);
    first.take_events();
    let mut files = three_shards();
    // s1 has changed: other bytes (more rows), another ETag
    files[2].1 = fixtures::galaxies(25, 10);
    let size = files[2].1.len();
    let manifest = serde_json::json!({
        "name": "three shards",
        "files": files[1..].iter().map(|(n, b)| serde_json::json!({ "path": n, "size": b.len() })).collect::<Vec<_>>(),
    });
    files[0].1 = manifest.to_string().into_bytes();
    let mut second = Fixture::keeping(files, Some(store.clone()));
    second
        .host
        .etags
        .borrow_mut()
        .insert(format!("{BASE}s1.parquet"), "\"s1-v2\"".into());
    second.open("index.json", None, None);
    let events = second.take_events();
    let log = second.take_log();
    let footer_reads = |name: &str, size: u64| {
        log.iter()
            .filter(|(n, r)| n.ends_with(name) && r.end == size && r.end - r.start > 8)
            .count()
    };
    assert!(
        footer_reads("s1.parquet", size as u64) >= 1,
        "the changed file's footer: {log:?}"
    );
    let s0 = three_shards()[1].1.len() as u64;
    assert_eq!(
        footer_reads("s0.parquet", s0),
        0,
        "an unchanged footer comes from the browser"
    );
    // the map is read from the files again, and has the new rows
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 75, .. })))
    );
    assert!(
        log.iter()
            .any(|(n, r)| n.ends_with("s0.parquet") && r.start > 4 && r.end < s0 - 8),
        "positions of s0 read again"
    );
    let kept = kept_view(&events).expect("kept");
    let of_s1: Vec<_> = kept
        .items
        .iter()
        .filter(|i| i.of.ends_with("s1.parquet"))
        .collect();
    assert_eq!(of_s1.len(), 1, "the old footer was replaced: {kept:?}");
}

#[test]
fn a_store_that_fails_costs_only_speed_and_says_so() {
    let store = Rc::new(crate::io::MemoryStore::default());
    store.set_failing(true);
    let mut f = Fixture::keeping(three_shards(), Some(store.clone()));
    f.open("index.json", Some(3), None);
    let events = f.take_events();
    assert_eq!(Fixture::galaxy(&events), Some((3, Some("g3".into()))));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 70, .. })))
    );
    let kept = kept_view(&events).expect("said");
    assert!(kept.failure.is_some_and(|f| f.contains("Quota")));
    assert!(kept.items.is_empty());
    // and a host without validators keeps nothing
    let mut bare = Fixture::keeping(
        three_shards(),
        Some(Rc::new(crate::io::MemoryStore::default())),
    );
    bare.host.etags.borrow_mut().clear();
    bare.open("index.json", None, None);
    bare.take_events();
    bare.ask(Request::Kept { clear: false });
    let kept = kept_view(&bare.take_events()).expect("said");
    assert!(kept.items.is_empty(), "{kept:?}");
}

#[test]
fn clearing_what_is_kept_makes_the_next_visit_read_everything() {
    let store = Rc::new(crate::io::MemoryStore::default());
    let mut first = Fixture::keeping(three_shards(), Some(store.clone()));
    first.open("index.json", None, None);
    first.take_events();
    first.ask(Request::Kept { clear: true });
    let kept = kept_view(&first.take_events()).expect("said");
    assert!(kept.items.is_empty() && kept.total == 0);
    let mut second = Fixture::keeping(three_shards(), Some(store));
    second.open("index.json", None, None);
    let log = second.take_log();
    assert!(
        !log.iter().any(|(_, r)| *r == (0..4)),
        "nothing to ask the version of: {log:?}"
    );
}

#[test]
fn the_map_is_shared_as_the_catalog_gzv_catalog_writes_and_opens_as_one() {
    let files = three_shards();
    let mut f = Fixture::new(files.clone());
    f.open("index.json", None, None);
    f.take_events();
    f.ask(Request::Catalog);
    let built = f
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::Catalog(r) => Some(r),
            _ => None,
        })
        .expect("an answer")
        .expect("a catalog");
    assert_eq!(built.rows, 70);
    // the tool's own catalog of the same shards
    let dir = std::env::temp_dir().join(format!("gzv-engine-share-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let locs: Vec<gzv_sample::catalog::Location> = files[1..]
        .iter()
        .map(|(n, b)| {
            let p = dir.join(n);
            std::fs::write(&p, b).unwrap();
            gzv_sample::catalog::Location::File(p)
        })
        .collect();
    let out = dir.join("catalog.parquet");
    gzv_sample::catalog::build(&locs, &out, 1, &|_| {}).expect("catalog");
    let tool = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let batches = |bytes: Vec<u8>| -> (
        arrow_schema::SchemaRef,
        Vec<arrow_array::RecordBatch>,
        Vec<i64>,
    ) {
        let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            Bytes::from(bytes),
        )
        .unwrap();
        let groups = b
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        let schema = b.schema().clone();
        (
            schema,
            b.build().unwrap().map(|r| r.unwrap()).collect(),
            groups,
        )
    };
    let (ours_schema, ours, ours_groups) = batches(built.parquet.0.clone());
    let (tool_schema, theirs, tool_groups) = batches(tool);
    let strip = |s: &arrow_schema::SchemaRef| {
        s.fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(&ours_schema),
        strip(&tool_schema),
        "gzv-catalog's columns"
    );
    assert_eq!(ours_groups, tool_groups, "and its row groups");
    let concat =
        |s: &arrow_schema::SchemaRef, b: &[arrow_array::RecordBatch]| arrow_select_concat(s, b);
    assert_eq!(
        concat(&ours_schema, &ours),
        concat(&tool_schema, &theirs),
        "and its values"
    );
    // a mirror that hosts the two files opens the map from the catalog alone
    let index: serde_json::Value = serde_json::from_str(&built.index).unwrap();
    assert_eq!(index["catalog"]["rows"], 70);
    assert_eq!(index["files"][1]["rows"], 20);
    let mut mirror_files = files.clone();
    mirror_files[0].1 = built.index.clone().into_bytes();
    mirror_files.push(("catalog.parquet", built.parquet.0.clone()));
    let mut mirror = Fixture::new(mirror_files);
    // the manifest's files are the originals' absolute URLs: they are the same here
    mirror.open("index.json", Some(40), None);
    let events = mirror.take_events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::SkyPlanned(p) if p.catalog))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 70, .. })))
    );
    assert_eq!(Fixture::galaxy(&events), Some((40, Some("g10".into()))));
    let log = mirror.take_log();
    assert!(
        !log.iter().any(|(n, _)| n.ends_with("s0.parquet")),
        "the other shards are not read: {log:?}"
    );
}

/// Every value of `batches`, column by column, as text (to compare two files' contents).
fn arrow_select_concat(
    schema: &arrow_schema::SchemaRef,
    batches: &[arrow_array::RecordBatch],
) -> Vec<Vec<String>> {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float32Type, Int32Type};
    (0..schema.fields().len())
        .map(|c| {
            batches
                .iter()
                .flat_map(|b| {
                    let col = b.column(c).clone();
                    (0..b.num_rows())
                        .map(|r| {
                            if col.is_null(r) {
                                return "null".to_string();
                            }
                            match col.data_type() {
                                arrow_schema::DataType::Utf8 => {
                                    col.as_string::<i32>().value(r).to_string()
                                }
                                arrow_schema::DataType::Float32 => {
                                    format!(
                                        "{:08x}",
                                        col.as_primitive::<Float32Type>().value(r).to_bits()
                                    )
                                }
                                arrow_schema::DataType::Int32 => {
                                    col.as_primitive::<Int32Type>().value(r).to_string()
                                }
                                t => panic!("unexpected column type {t}"),
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .collect()
}

#[test]
fn on_a_second_visit_the_galaxy_does_not_wait_for_every_version_check() {
    let store = Rc::new(crate::io::MemoryStore::default());
    let mut first = Fixture::keeping(three_shards(), Some(store.clone()));
    first.open("index.json", Some(35), None);
    first.take_events();
    let mut second = Fixture::keeping(three_shards(), Some(store));
    // the last shard answers slowly: its version check is held
    *second.host.hold_file.borrow_mut() = Some("s2.parquet".into());
    second.open("index.json", Some(35), None);
    let events = second.take_events();
    assert_eq!(
        Fixture::galaxy(&events),
        Some((35, Some("g5".into()))),
        "the galaxy is shown from the first two shards' kept footers"
    );
    assert!(
        !events.iter().any(|e| matches!(e, Event::Points(_))),
        "the kept map waits for every file's check"
    );
    second.release();
    let events = second.take_events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Positions(PositionsView::Ready { count: 70, .. })))
    );
    assert_eq!(Fixture::galaxy(&events), None, "the galaxy is read once");
    let log = second.take_log();
    assert!(
        log.iter()
            .all(|(n, r)| !n.ends_with("s2.parquet") || *r == (0..4)),
        "the slow shard's footer still came from the browser: {log:?}"
    );
}

#[test]
fn local_files_open_by_their_names_split_by_name_and_read_only_by_range() {
    use super::protocol::{FileStatus, LocalFile};
    use crate::dataset::LOCAL_BASE;
    let shards = [fixtures::galaxies(30, 10), fixtures::galaxies(20, 10)];
    let names = [
        "gz/train-00001-of-00002.parquet",
        "gz/notes.txt",
        "gz/train-00000-of-00002.parquet",
    ];
    let mut f = Fixture::new(Vec::new());
    let bodies = [
        shards[1].clone(),
        b"not parquet".to_vec(),
        shards[0].clone(),
    ];
    for (i, (n, b)) in names.iter().zip(&bodies).enumerate() {
        f.host
            .files
            .borrow_mut()
            .insert(format!("{LOCAL_BASE}{i}/{n}"), Bytes::from(b.clone()));
    }
    let files: Vec<LocalFile> = names
        .iter()
        .zip(&bodies)
        .map(|(n, b)| LocalFile {
            name: n.to_string(),
            size: b.len() as u64,
        })
        .collect();
    f.ask(Request::Open {
        target: Target::Local { files },
        row: Some(31),
        id: None,
        early: Vec::new(),
    });
    let events = f.take_events();
    assert!(events.iter().any(
        |e| matches!(e, Event::Title(Some(t)) if t == "gz (a folder of 2 parquet files on this computer)")
    ));
    // the second shard by name holds global row 31 (its row 1)
    assert_eq!(Fixture::galaxy(&events), Some((31, Some("g1".into()))));
    let rows = events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Files(rows) => Some(rows.clone()),
            _ => None,
        })
        .expect("files");
    let listed: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|r| (r.split.as_str(), r.url.as_str(), r.link.is_some()))
        .collect();
    assert_eq!(
        listed,
        [
            ("train", "gz/train-00000-of-00002.parquet", false),
            ("train", "gz/train-00001-of-00002.parquet", false),
        ]
    );
    assert!(rows.iter().all(|r| matches!(r.status, FileStatus::Read(_))));
    let log = f.take_log();
    assert!(
        log.iter()
            .all(|(u, _)| u.starts_with(LOCAL_BASE) && !u.ends_with(".txt")),
        "{log:?}"
    );
    // by range: never a whole file
    for (u, r) in &log {
        let len = if u.contains("/0/") {
            shards[1].len()
        } else {
            shards[0].len()
        } as u64;
        assert!(r.end - r.start < len, "{u} read whole: {r:?}");
    }
    // no parquet among the files: said, not an empty dataset
    let mut f = Fixture::new(Vec::new());
    f.ask(Request::Open {
        target: Target::Local {
            files: vec![LocalFile {
                name: "notes.txt".into(),
                size: 3,
            }],
        },
        row: None,
        id: None,
        early: Vec::new(),
    });
    let events = f.take_events();
    assert!(
        events
            .iter()
            .any(|e| format!("{e:?}").contains("no .parquet file among the 1 file chosen")),
        "{events:?}"
    );
}

#[test]
fn the_table_sorts_and_filters_reading_only_the_columns_named() {
    use crate::order::{Condition, Op, TableQuery};
    let shards = [fixtures::galaxies(30, 10), fixtures::galaxies(20, 10)];
    let metas = [meta_of(&shards[0]), meta_of(&shards[1])];
    let manifest = r#"{"files":[{"path":"a.parquet"},{"path":"b.parquet"}]}"#;
    let mut f = Fixture::new(vec![
        ("index.json", manifest.as_bytes().to_vec()),
        ("a.parquet", shards[0].clone()),
        ("b.parquet", shards[1].clone()),
    ]);
    f.open("index.json", Some(0), None);
    f.take_events();
    f.take_log();
    // every row's bar-dr8_strong votes and dec, read here
    let mut want: Vec<(u32, f64, f64)> = Vec::new();
    for s in &shards {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            Bytes::from(s.clone()),
        )
        .unwrap()
        .build()
        .unwrap();
        for b in reader {
            let b = b.unwrap();
            let ra: Vec<Option<f64>> =
                crate::table::ints(b.column_by_name("bar-dr8_strong").unwrap().as_ref())
                    .into_iter()
                    .map(|v| v.map(|v| v as f64))
                    .collect();
            let dec = crate::table::floats(b.column_by_name("dec").unwrap().as_ref());
            for (r, d) in ra.into_iter().zip(dec) {
                want.push((want.len() as u32, r.unwrap(), d.unwrap()));
            }
        }
    }
    let cut = {
        let mut d: Vec<f64> = want.iter().map(|w| w.2).collect();
        d.sort_by(f64::total_cmp);
        d[d.len() / 2]
    };
    let query = TableQuery {
        sort: Some(("bar-dr8_strong".into(), true)),
        conditions: vec![Condition {
            column: "dec".into(),
            op: Op::Gt,
            value: cut.to_string(),
        }],
    };
    f.ask(Request::TableOrder(query.clone()));
    let events = f.take_events();
    let got = events
        .iter()
        .find_map(|e| match e {
            Event::TableOrder { query: q, result } if *q == query => Some(result.clone()),
            _ => None,
        })
        .expect("an order")
        .expect("ordered")
        .expect("not plain");
    let got: Vec<u32> = got
        .0
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let mut brute: Vec<&(u32, f64, f64)> = want.iter().filter(|w| w.2 > cut).collect();
    brute.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let brute: Vec<u32> = brute.iter().map(|w| w.0).collect();
    assert!(!brute.is_empty() && brute.len() < want.len());
    assert_eq!(got, brute);
    // only the vote column's chunks were read (dec came with the map, from the cache)
    let log = f.take_log();
    assert!(!log.is_empty());
    for (url, r) in &log {
        let meta = if url.ends_with("a.parquet") {
            &metas[0]
        } else {
            &metas[1]
        };
        let ok = (0..meta.num_row_groups()).any(|g| {
            ["bar-dr8_strong", "dec"].iter().any(|c| {
                let leaf = crate::decode::leaf_indices(meta, &[c.to_string()]).unwrap()[0];
                let (s, l) = meta.row_group(g).column(leaf).byte_range();
                r.start < s + l && s < r.end
            })
        });
        assert!(
            ok,
            "{url} {r:?} is not a chunk of the columns named: {log:?}"
        );
    }
    // a column that cannot be compared, and one that is not there, are said
    f.ask(Request::TableOrder(TableQuery {
        sort: Some(("image".into(), false)),
        conditions: Vec::new(),
    }));
    f.ask(Request::TableOrder(TableQuery {
        sort: Some(("nowhere".into(), false)),
        conditions: Vec::new(),
    }));
    let said: Vec<String> = f
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::TableOrder { result: Err(e), .. } => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(
        said[0].contains("image") && said[0].contains("only numbers and text"),
        "{said:?}"
    );
    assert!(said[1].contains("no column nowhere"), "{said:?}");
}
