use super::*;
use crate::limit::{LimitedSource, Limiter, Priority, WithUrgency};
use crate::{CountingSource, MemorySource, read_many};
use futures::channel::oneshot;
use futures::executor::{LocalPool, block_on};
use futures::task::LocalSpawnExt;

/// A source whose reads wait until the test releases them; it records what started.
#[derive(Clone, Default)]
struct Gate {
    started: Rc<RefCell<Vec<Range<u64>>>>,
    pending: Rc<RefCell<Vec<oneshot::Sender<()>>>>,
    /// What the host says of its protocol once a read has been answered.
    multiplexed: Rc<Cell<bool>>,
}

impl Gate {
    fn release_all(&self) {
        for tx in self.pending.borrow_mut().drain(..) {
            let _ = tx.send(());
        }
    }
    fn release_one(&self) {
        if !self.pending.borrow().is_empty() {
            let tx = self.pending.borrow_mut().remove(0);
            let _ = tx.send(());
        }
    }
    /// Reads started and then abandoned by every caller.
    fn cancelled(&self) -> usize {
        self.pending
            .borrow()
            .iter()
            .filter(|tx| tx.is_canceled())
            .count()
    }
}

impl ByteSource for Gate {
    fn name(&self) -> &str {
        "gate"
    }
    fn known_len(&self) -> Option<u64> {
        Some(1 << 20)
    }
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        let (tx, rx) = oneshot::channel();
        self.started.borrow_mut().push(range.clone());
        self.pending.borrow_mut().push(tx);
        Box::pin(async move {
            rx.await
                .map_err(|_| IoError::Aborted { url: "gate".into() })?;
            Ok(Bytes::from(vec![
                (range.start % 251) as u8;
                (range.end - range.start) as usize
            ]))
        })
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        Box::pin(async move { Ok((1 << 20, self.read((1 << 20) - n..1 << 20).await?)) })
    }
    fn multiplexed(&self) -> bool {
        self.multiplexed.get() && !self.started.borrow().is_empty()
    }
}

#[test]
fn a_multiplexing_host_widens_the_bound_after_its_first_answer() {
    use crate::limit::{DEFAULT_MAX_IN_FLIGHT, MULTIPLEXED_MAX_IN_FLIGHT};
    for multiplexed in [false, true] {
        let gate = Gate::default();
        gate.multiplexed.set(multiplexed);
        let limiter = Limiter::new(DEFAULT_MAX_IN_FLIGHT);
        let src = Rc::new(LimitedSource::new(gate.clone(), limiter.clone()));
        let mut pool = LocalPool::new();
        let done = Rc::new(Cell::new(0));
        for i in 0..200u64 {
            let (src, done) = (src.clone(), done.clone());
            let p = if i == 0 {
                Priority::Foreground
            } else {
                Priority::Background
            };
            pool.spawner()
                .spawn_local(async move {
                    WithUrgency::new(&*src, p)
                        .read(i * 10..i * 10 + 5)
                        .await
                        .unwrap();
                    done.set(done.get() + 1);
                })
                .unwrap();
        }
        pool.run_until_stalled();
        // HTTP/1.1 until told otherwise: the foreground read and background ones up to
        // the bound less the slot kept for the foreground
        assert_eq!(gate.started.borrow().len(), DEFAULT_MAX_IN_FLIGHT - 1);
        gate.release_one();
        pool.run_until_stalled();
        let want = if multiplexed {
            MULTIPLEXED_MAX_IN_FLIGHT - 1
        } else {
            DEFAULT_MAX_IN_FLIGHT - 1
        };
        assert_eq!(limiter.in_use(), want, "multiplexed: {multiplexed}");
        while done.get() < 200 {
            gate.release_all();
            pool.run_until_stalled();
        }
        assert_eq!(limiter.max_in_use(), want);
    }
}

#[test]
fn limiter_bounds_reads_in_flight_and_keeps_order() {
    let gate = Gate::default();
    let limiter = Limiter::with_reserve(3, 0);
    let src = Rc::new(LimitedSource::new(gate.clone(), limiter.clone()));
    let mut pool = LocalPool::new();
    let done = Rc::new(Cell::new(0));
    for i in 0..10u64 {
        let (src, done) = (src.clone(), done.clone());
        pool.spawner()
            .spawn_local(async move {
                src.read(i * 10..i * 10 + 5).await.unwrap();
                done.set(done.get() + 1);
            })
            .unwrap();
    }
    pool.run_until_stalled();
    assert_eq!(gate.started.borrow().len(), 3);
    assert_eq!(limiter.queued(), 7);
    gate.release_one();
    pool.run_until_stalled();
    assert_eq!(gate.started.borrow().len(), 4);
    while done.get() < 10 {
        gate.release_all();
        pool.run_until_stalled();
    }
    assert_eq!(limiter.max_in_use(), 3);
    let starts: Vec<u64> = gate.started.borrow().iter().map(|r| r.start).collect();
    assert_eq!(
        starts,
        (0..10).map(|i| i * 10).collect::<Vec<_>>(),
        "first come, first served"
    );
}

#[test]
fn foreground_reads_go_first_and_background_leaves_a_slot_free() {
    let gate = Gate::default();
    let limiter = Limiter::new(3);
    let src = Rc::new(LimitedSource::new(gate.clone(), limiter.clone()));
    let mut pool = LocalPool::new();
    let spawn = |pool: &mut LocalPool, start: u64, p: Priority| {
        let src = src.clone();
        pool.spawner()
            .spawn_local(async move {
                WithUrgency::new(&*src, p)
                    .read(start..start + 5)
                    .await
                    .unwrap();
            })
            .unwrap();
    };
    for i in 0..4 {
        spawn(&mut pool, i * 10, Priority::Background);
    }
    pool.run_until_stalled();
    assert_eq!(
        gate.started.borrow().len(),
        2,
        "background reads leave one of three slots free"
    );
    // the galaxy is asked for: its first read takes the free slot at once, the second
    // waits, but ahead of every background read
    spawn(&mut pool, 1000, Priority::Foreground);
    spawn(&mut pool, 1010, Priority::Foreground);
    pool.run_until_stalled();
    assert_eq!(gate.started.borrow().len(), 3);
    for _ in 0..6 {
        gate.release_one();
        pool.run_until_stalled();
    }
    let starts: Vec<u64> = gate.started.borrow().iter().map(|r| r.start).collect();
    assert_eq!(starts, vec![0, 10, 1000, 1010, 20, 30]);
    use Priority::{Background as B, Foreground as F};
    assert_eq!(limiter.granted(), vec![B, B, F, F, B, B]);
    assert!(limiter.max_in_use() <= 3);
}

#[test]
fn a_background_read_the_foreground_needs_is_joined_and_raised() {
    let gate = Gate::default();
    let limiter = Limiter::with_reserve(1, 0);
    let cache = ByteCache::new(1 << 20);
    let src = Rc::new(CachedSource::new(
        LimitedSource::new(gate.clone(), limiter.clone()),
        &cache,
    ));
    let mut pool = LocalPool::new();
    let got = Rc::new(RefCell::new(Vec::new()));
    let spawn = |pool: &mut LocalPool, r: Range<u64>, p: Priority| {
        let (src, got) = (src.clone(), got.clone());
        pool.spawner()
            .spawn_local(async move {
                let b = WithUrgency::new(&*src, p).read(r.clone()).await.unwrap();
                got.borrow_mut().push((r.start, b.len()));
            })
            .unwrap();
    };
    spawn(&mut pool, 0..100, Priority::Background); // runs
    spawn(&mut pool, 1000..1100, Priority::Background); // waits
    spawn(&mut pool, 2000..2100, Priority::Background); // waits behind it
    pool.run_until_stalled();
    assert_eq!(gate.started.borrow().len(), 1);
    // the galaxy needs bytes inside the third read: it joins it, and moves it ahead
    spawn(&mut pool, 2000..2050, Priority::Foreground);
    pool.run_until_stalled();
    assert_eq!(cache.stats().shared(), 1, "joined, not repeated");
    while got.borrow().len() < 4 {
        gate.release_one();
        pool.run_until_stalled();
    }
    let starts: Vec<u64> = gate.started.borrow().iter().map(|r| r.start).collect();
    assert_eq!(starts, vec![0, 2000, 1000], "the joined read went first");
    assert!(got.borrow().contains(&(2000, 50)));
}

#[test]
fn a_long_line_keeps_its_order_through_leavers_and_a_raised_read() {
    use crate::limit::Urgency;
    let limiter = Limiter::with_reserve(2, 0);
    let mut pool = LocalPool::new();
    let order = Rc::new(RefCell::new(Vec::new()));
    let release: Rc<RefCell<Vec<oneshot::Sender<()>>>> = Rc::default();
    let mut handles = Vec::new();
    let mut urgencies = Vec::new();
    for i in 0..3000u32 {
        let urgency = Urgency::background();
        urgencies.push(urgency.clone());
        let acquire = limiter.acquire(urgency, 1000);
        let (order, release) = (order.clone(), release.clone());
        handles.push(
            pool.spawner()
                .spawn_local_with_handle(async move {
                    let _permit = acquire.await;
                    order.borrow_mut().push(i);
                    let (tx, rx) = oneshot::channel();
                    release.borrow_mut().push(tx);
                    let _ = rx.await;
                })
                .unwrap(),
        );
    }
    pool.run_until_stalled();
    assert_eq!(*order.borrow(), vec![0, 1]);
    assert_eq!(limiter.queued(), 2998);
    // every tenth waiting read leaves; read 2500 becomes what the visitor waits for
    let mut kept = Vec::new();
    for (i, h) in handles.into_iter().enumerate() {
        if i >= 2 && i % 10 == 5 {
            drop(h);
        } else {
            kept.push(h);
        }
    }
    urgencies[2500].raise(Priority::Foreground);
    limiter.reorder();
    while order.borrow().len() < kept.len() {
        for tx in release.borrow_mut().drain(..) {
            let _ = tx.send(());
        }
        pool.run_until_stalled();
    }
    for tx in release.borrow_mut().drain(..) {
        let _ = tx.send(());
    }
    pool.run_until_stalled();
    let got = order.borrow().clone();
    let mut want: Vec<u32> = vec![0, 1, 2500];
    want.extend((2..3000).filter(|&i| i % 10 != 5 && i != 2500));
    assert_eq!(
        got, want,
        "the raised read first, then first come, leavers skipped"
    );
    assert_eq!((limiter.in_use(), limiter.queued()), (0, 0));
    assert_eq!(limiter.max_in_use(), 2);
    drop(kept);
}

#[test]
fn bytes_in_flight_are_bounded_whatever_the_number_of_reads() {
    let gate = Gate::default();
    let limiter = Limiter::with_reserve(8, 0).with_byte_cap(100);
    let src = Rc::new(LimitedSource::new(gate.clone(), limiter.clone()));
    let mut pool = LocalPool::new();
    let done = Rc::new(Cell::new(0));
    // 60 + 30 fit; 50 waits (and the small one behind it waits its turn); 150 runs alone
    for (start, len) in [
        (0u64, 60u64),
        (1000, 30),
        (2000, 50),
        (3000, 5),
        (4000, 150),
    ] {
        let (src, done) = (src.clone(), done.clone());
        pool.spawner()
            .spawn_local(async move {
                src.read(start..start + len).await.unwrap();
                done.set(done.get() + 1);
            })
            .unwrap();
    }
    pool.run_until_stalled();
    assert_eq!(gate.started.borrow().len(), 2);
    assert_eq!(limiter.bytes_in_use(), 90);
    gate.release_one(); // the 60 ends: 30 + 50 + 5 fit
    pool.run_until_stalled();
    assert_eq!(gate.started.borrow().len(), 4);
    assert_eq!(limiter.bytes_in_use(), 85);
    let mut most = 0;
    while done.get() < 5 {
        gate.release_one();
        pool.run_until_stalled();
        most = most.max(limiter.bytes_in_use());
        if limiter.bytes_in_use() == 150 {
            assert_eq!(limiter.in_use(), 1, "a read over the bound runs alone");
        }
    }
    assert_eq!(most, 150);
    let starts: Vec<u64> = gate.started.borrow().iter().map(|r| r.start).collect();
    assert_eq!(
        starts,
        vec![0, 1000, 2000, 3000, 4000],
        "in the order they came"
    );
    assert_eq!(limiter.bytes_in_use(), 0);
}

#[test]
fn dropped_reads_never_start_and_running_ones_are_abandoned() {
    let gate = Gate::default();
    let limiter = Limiter::with_reserve(2, 0);
    let src = Rc::new(LimitedSource::new(gate.clone(), limiter.clone()));
    let mut pool = LocalPool::new();
    let handles: Vec<_> = (0..6u64)
        .map(|i| {
            let src = src.clone();
            pool.spawner()
                .spawn_local_with_handle(async move { src.read(i..i + 1).await })
                .unwrap()
        })
        .collect();
    pool.run_until_stalled();
    assert_eq!(gate.started.borrow().len(), 2);
    drop(handles); // the UI no longer needs any of them
    pool.run_until_stalled();
    assert_eq!(
        gate.cancelled(),
        2,
        "both running reads were dropped (a fetch would be aborted)"
    );
    assert_eq!(gate.started.borrow().len(), 2, "queued reads never started");
    assert_eq!((limiter.in_use(), limiter.queued()), (0, 0));
}

#[test]
fn cache_serves_enclosed_ranges_and_evicts_least_recently_used() {
    let counting = CountingSource::new(MemorySource::new(
        "m",
        (0..1000u32).map(|i| i as u8).collect::<Vec<_>>(),
    ));
    let log = counting.log();
    let cache = ByteCache::new(250);
    let stats = cache.stats();
    let src = CachedSource::new(counting, &cache);
    assert_eq!(block_on(src.read(0..100)).unwrap().len(), 100);
    assert_eq!(
        block_on(src.read(10..20)).unwrap().as_ref(),
        &(10u8..20).collect::<Vec<_>>()[..]
    );
    assert_eq!((log.borrow().len(), stats.hits()), (1, 1));
    block_on(src.read(100..200)).unwrap();
    block_on(src.read(0..5)).unwrap(); // touch the first entry
    block_on(src.read(200..300)).unwrap(); // over the cap: 100..200 is the least recently used
    assert!(cache.held() <= 250);
    block_on(src.read(0..100)).unwrap();
    assert_eq!(
        log.borrow().len(),
        3,
        "0..100 stayed cached: {:?}",
        log.borrow()
    );
    block_on(src.read(150..160)).unwrap();
    assert_eq!(log.borrow().len(), 4, "100..200 was evicted");
    assert!(
        block_on(src.read(990..1010)).is_err(),
        "errors are passed on, not cached"
    );
}

#[test]
fn files_share_one_budget_but_never_each_others_bytes() {
    let cache = ByteCache::new(150);
    let a = CountingSource::new(MemorySource::new("a", vec![1u8; 1000]));
    let b = CountingSource::new(MemorySource::new("b", vec![2u8; 1000]));
    let (la, lb) = (a.log(), b.log());
    let (a, b) = (CachedSource::new(a, &cache), CachedSource::new(b, &cache));
    assert_eq!(block_on(a.read(0..100)).unwrap()[0], 1);
    assert_eq!(
        block_on(b.read(0..100)).unwrap()[0],
        2,
        "same range, other file"
    );
    assert_eq!((la.borrow().len(), lb.borrow().len()), (1, 1));
    assert!(cache.held() <= 150, "one budget: a's bytes were evicted");
    block_on(a.read(0..10)).unwrap();
    assert_eq!(la.borrow().len(), 2);
}

#[test]
fn identical_reads_in_flight_are_shared_and_abandoned_ones_are_dropped() {
    let gate = Gate::default();
    let cache = ByteCache::new(1 << 20);
    let stats = cache.stats();
    let src = Rc::new(CachedSource::new(gate.clone(), &cache));
    let mut pool = LocalPool::new();
    let got = Rc::new(RefCell::new(Vec::new()));
    for r in [0..100u64, 0..100, 20..30] {
        let (src, got) = (src.clone(), got.clone());
        pool.spawner()
            .spawn_local(async move {
                let n = src.read(r).await.unwrap().len();
                got.borrow_mut().push(n);
            })
            .unwrap();
    }
    pool.run_until_stalled();
    assert_eq!(
        gate.started.borrow().len(),
        1,
        "one request for three reads"
    );
    gate.release_all();
    pool.run_until_stalled();
    assert_eq!(*got.borrow(), vec![100, 100, 10]);
    assert_eq!(stats.shared(), 2);

    let handle = {
        let src = src.clone();
        pool.spawner()
            .spawn_local_with_handle(async move { src.read(500..600).await })
            .unwrap()
    };
    pool.run_until_stalled();
    drop(handle);
    pool.run_until_stalled();
    assert_eq!(
        gate.cancelled(),
        1,
        "the cache kept no strong handle that would keep the request alive"
    );
}

#[test]
fn read_many_merges_close_ranges_and_slices_them_back() {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let src = CountingSource::new(MemorySource::new("m", data.clone()));
    let ranges = vec![5000..5100, 0..10, 20..40, 9000..9500, 5100..5200];
    let got = block_on(read_many(&src, &ranges, 64, &|_, _| {})).unwrap();
    for (r, b) in ranges.iter().zip(&got) {
        assert_eq!(b.as_ref(), &data[r.start as usize..r.end as usize]);
    }
    assert_eq!(*src.log().borrow(), vec![0..40, 5000..5200, 9000..9500]);
    let progress = RefCell::new(Vec::new());
    block_on(read_many(&src, &ranges, 0, &|done, total| {
        progress.borrow_mut().push((done, total))
    }))
    .unwrap();
    assert_eq!(progress.borrow().last(), Some(&(4, 4)));
}

#[test]
fn held_bytes_are_assembled_from_pieces_that_meet_and_never_read() {
    let data: Vec<u8> = (0..100u8).collect();
    let counting = CountingSource::new(MemorySource::new("m", data.clone()).with_validator("v"));
    let log = counting.log();
    let cache = ByteCache::new(1 << 20);
    let src = CachedSource::new(counting, &cache);
    block_on(src.read(60..100)).unwrap();
    block_on(src.read(40..60)).unwrap();
    assert_eq!(log.borrow().len(), 2);
    assert_eq!(src.held(45..100).as_deref(), Some(&data[45..100]));
    assert_eq!(src.held(60..70).as_deref(), Some(&data[60..70]));
    assert_eq!(src.held(30..50), None, "a gap before 40");
    assert_eq!(log.borrow().len(), 2, "nothing was read for it");
    assert_eq!(
        src.validator().as_deref(),
        Some("v"),
        "wrappers pass the validator on"
    );
}
