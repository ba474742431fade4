//! The read scheduler: a bound on reads in flight, with priorities. Reads wait in line
//! for a slot; a foreground read (what the visitor is waiting for: the galaxy shown)
//! goes before every background read (positions, gallery, table, votes), and background
//! reads leave [`FOREGROUND_RESERVE`] slots free, so a foreground read that arrives later
//! never waits behind a long background download. A read's [`Urgency`] is shared with
//! everyone waiting for the same bytes: a background read that the foreground joins is
//! raised, even while it waits in line. A queued read that is dropped leaves the line
//! and never starts. Single-threaded (`Rc`), no timers: the same in a page, a worker or a
//! native test.

use super::{ByteSource, IoError, LocalBoxFuture};
use bytes::Bytes;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Reads in flight per dataset: Chromium runs 6 HTTP/1.1 connections per host, so more
/// would only queue inside the browser where they can no longer be cancelled cheaply or
/// put in order.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 6;

/// Reads in flight per dataset once a host is known to answer over HTTP/2 or HTTP/3
/// (one connection carries them all; the browser no longer limits them to six). Bounded
/// so that a dataset's reads in flight stay a few tens of MB at most.
/// Chosen by measurement (`./scripts/bench --only hf`, 35 shards of gz_desi's geometry
/// over HTTP/2 at 50 ms): 64 drew every point in 9.6 s, 128 in 8.1 s, 256 in 9.4 s.
pub const MULTIPLEXED_MAX_IN_FLIGHT: usize = 128;

/// Bytes in flight at most, whatever the number of reads: a read waits while others
/// hold this much (a larger read runs alone). Thirty-five footers of 1.3 MB fit at once.
pub const MAX_BYTES_IN_FLIGHT: u64 = 64 << 20;

/// Slots background reads leave free for the foreground (fewer when the bound is small:
/// at least one slot is always open to background reads).
pub const FOREGROUND_RESERVE: usize = 1;

/// How urgent a read is. `Foreground` sorts first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// What the visitor is waiting for now: the galaxy being opened.
    Foreground,
    /// Everything else: positions, votes, the gallery, the table, statistics.
    Background,
}

/// A read's priority, shared by everyone who waits for its bytes; it can only be raised.
#[derive(Clone, Debug)]
pub struct Urgency(Rc<Cell<Priority>>);

impl Urgency {
    pub fn new(p: Priority) -> Self {
        Urgency(Rc::new(Cell::new(p)))
    }
    pub fn foreground() -> Self {
        Urgency::new(Priority::Foreground)
    }
    pub fn background() -> Self {
        Urgency::new(Priority::Background)
    }
    pub fn get(&self) -> Priority {
        self.0.get()
    }
    /// Make it at least as urgent as `p`; true if that raised it.
    pub fn raise(&self, p: Priority) -> bool {
        if p < self.0.get() {
            self.0.set(p);
            true
        } else {
            false
        }
    }
}

struct Waiter {
    urgency: Urgency,
    bytes: u64,
    waker: Option<Waker>,
}

struct Inner {
    max: usize,
    reserve: usize,
    in_use: usize,
    max_in_use: usize,
    /// Bytes asked for by the reads in flight, and the bound on them.
    bytes_in_use: u64,
    byte_cap: u64,
    next_id: u64,
    /// The reads waiting, by id (ids grow: a lower id came first).
    waiting: HashMap<u64, Waiter>,
    /// The line of each priority (foreground, background): ids in the order they came.
    /// An id no longer waiting is skipped when it reaches the front, so leaving the line
    /// and taking a slot cost O(1) however long the line is (thousands of reads of a map
    /// wait here at once).
    lines: [VecDeque<u64>; 2],
    /// Priority of each read as it was granted its slot, in order (for tests and the
    /// cost panel).
    granted: Vec<Priority>,
}

fn line_of(p: Priority) -> usize {
    match p {
        Priority::Foreground => 0,
        Priority::Background => 1,
    }
}

impl Inner {
    /// Slots a read of priority `p` may use.
    fn cap(&self, p: Priority) -> usize {
        match p {
            Priority::Foreground => self.max,
            Priority::Background => self.max - self.reserve,
        }
    }

    /// Whether a read of priority `p` asking for `bytes` may start now.
    fn fits(&self, p: Priority, bytes: u64) -> bool {
        self.in_use < self.cap(p)
            && (self.in_use == 0 || self.bytes_in_use.saturating_add(bytes) <= self.byte_cap)
    }

    /// The front of a line, dropping ids that left it.
    fn front(&mut self, line: usize) -> Option<u64> {
        while let Some(&id) = self.lines[line].front() {
            if self.waiting.contains_key(&id) {
                return Some(id);
            }
            self.lines[line].pop_front();
        }
        None
    }

    /// The waiter next in line and its priority now: most urgent first, then first come.
    fn next(&mut self) -> Option<(u64, Priority)> {
        let fronts = [self.front(0), self.front(1)];
        fronts
            .into_iter()
            .flatten()
            .filter_map(|id| Some((id, self.waiting.get(&id)?.urgency.get())))
            .min_by_key(|&(id, p)| (p, id))
    }

    /// Background reads raised to the foreground while waiting move to its line, in the
    /// order they came.
    fn promote(&mut self) {
        let raised: Vec<u64> = self.lines[1]
            .iter()
            .copied()
            .filter(|id| {
                self.waiting
                    .get(id)
                    .is_some_and(|w| w.urgency.get() == Priority::Foreground)
            })
            .collect();
        if raised.is_empty() {
            return;
        }
        self.lines[1].retain(|id| !raised.contains(id));
        for id in raised {
            let at = self.lines[0].partition_point(|&other| other < id);
            self.lines[0].insert(at, id);
        }
    }

    /// Wake the waiter next in line if it could take a slot now.
    fn wake_next(&mut self) {
        if let Some((id, p)) = self.next()
            && let Some(bytes) = self.waiting.get(&id).map(|w| w.bytes)
            && self.fits(p, bytes)
            && let Some(w) = self.waiting.get_mut(&id).and_then(|w| w.waker.take())
        {
            w.wake();
        }
    }
}

/// Shared bound on concurrent reads, with priorities: the read scheduler of a dataset.
#[derive(Clone)]
pub struct Limiter(Rc<RefCell<Inner>>);

impl Limiter {
    /// At most `max` reads at once, [`FOREGROUND_RESERVE`] of them kept for the foreground.
    pub fn new(max: usize) -> Self {
        Limiter::with_reserve(max, FOREGROUND_RESERVE)
    }

    /// At most `max` reads at once; background reads use at most `max - reserve` (and
    /// always at least one).
    pub fn with_reserve(max: usize, reserve: usize) -> Self {
        let max = max.max(1);
        Limiter(Rc::new(RefCell::new(Inner {
            max,
            reserve: reserve.min(max - 1),
            in_use: 0,
            max_in_use: 0,
            bytes_in_use: 0,
            byte_cap: MAX_BYTES_IN_FLIGHT,
            next_id: 0,
            waiting: HashMap::new(),
            lines: [VecDeque::new(), VecDeque::new()],
            granted: Vec::new(),
        })))
    }

    /// Wait for a slot at `urgency` (which may be raised while waiting) for a read of
    /// `bytes`; the slot is held until the returned permit is dropped.
    pub fn acquire(&self, urgency: Urgency, bytes: u64) -> Acquire {
        Acquire {
            limiter: self.clone(),
            urgency,
            bytes,
            id: None,
        }
    }

    /// The bound on bytes in flight is `cap` (tests; [`MAX_BYTES_IN_FLIGHT`] otherwise).
    pub fn with_byte_cap(self, cap: u64) -> Self {
        self.0.borrow_mut().byte_cap = cap;
        self
    }

    /// Bytes asked for by the reads in flight now.
    pub fn bytes_in_use(&self) -> u64 {
        self.0.borrow().bytes_in_use
    }

    /// Reads in flight now.
    pub fn in_use(&self) -> usize {
        self.0.borrow().in_use
    }

    /// Reads waiting for a slot.
    pub fn queued(&self) -> usize {
        self.0.borrow().waiting.len()
    }

    /// The most reads ever in flight at once (for tests and the cost panel).
    pub fn max_in_use(&self) -> usize {
        self.0.borrow().max_in_use
    }

    /// The priority of every read granted a slot so far, in the order they were granted.
    pub fn granted(&self) -> Vec<Priority> {
        self.0.borrow().granted.clone()
    }

    /// The bound on reads in flight now.
    pub fn max(&self) -> usize {
        self.0.borrow().max
    }

    /// Let up to `max` reads run at once (never fewer than before): the host turned out
    /// to multiplex. Waiting reads start at once, most urgent first.
    pub fn widen(&self, max: usize) {
        let mut inner = self.0.borrow_mut();
        if max > inner.max {
            inner.max = max;
            inner.wake_next();
        }
    }

    /// An urgency was raised: the line may have a new head.
    pub fn reorder(&self) {
        let mut inner = self.0.borrow_mut();
        inner.promote();
        inner.wake_next();
    }
}

/// A held slot, and the bytes it counts.
pub struct Permit(Limiter, u64);

impl Drop for Permit {
    fn drop(&mut self) {
        let mut inner = self.0.0.borrow_mut();
        inner.in_use -= 1;
        inner.bytes_in_use = inner.bytes_in_use.saturating_sub(self.1);
        inner.wake_next();
    }
}

/// Future of [`Limiter::acquire`].
pub struct Acquire {
    limiter: Limiter,
    urgency: Urgency,
    bytes: u64,
    id: Option<u64>,
}

impl Future for Acquire {
    type Output = Permit;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let limiter = self.limiter.clone();
        let mut inner = limiter.0.borrow_mut();
        let p = self.urgency.get();
        // first in line: no one waits ahead of it (a newcomer joins the line's end)
        let first_in_line = match self.id {
            None => inner.next().is_none_or(|(_, head)| p < head),
            Some(id) => inner.next().is_some_and(|(head, _)| head == id),
        };
        let bytes = self.bytes;
        if first_in_line && inner.fits(p, bytes) {
            if let Some(id) = self.id.take() {
                inner.waiting.remove(&id);
            }
            inner.in_use += 1;
            inner.bytes_in_use += bytes;
            inner.max_in_use = inner.max_in_use.max(inner.in_use);
            inner.granted.push(p);
            // the next in line may fit too
            inner.wake_next();
            drop(inner);
            return Poll::Ready(Permit(limiter, bytes));
        }
        let id = match self.id {
            Some(id) => id,
            None => {
                let id = inner.next_id;
                inner.next_id += 1;
                inner.waiting.insert(
                    id,
                    Waiter {
                        urgency: self.urgency.clone(),
                        bytes,
                        waker: None,
                    },
                );
                inner.lines[line_of(p)].push_back(id);
                id
            }
        };
        if let Some(w) = inner.waiting.get_mut(&id) {
            w.waker = Some(cx.waker().clone());
        }
        drop(inner);
        self.id = Some(id);
        Poll::Pending
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            let mut inner = self.limiter.0.borrow_mut();
            inner.waiting.remove(&id);
            inner.wake_next();
        }
    }
}

/// A source that lets at most N reads run at once; the rest wait in line by priority.
pub struct LimitedSource<S> {
    inner: S,
    limiter: Limiter,
}

impl<S: ByteSource> LimitedSource<S> {
    pub fn new(inner: S, limiter: Limiter) -> Self {
        LimitedSource { inner, limiter }
    }

    /// The scheduler this source reads under.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// After an answer: a host that multiplexes widens the bound.
    fn learn(&self) {
        if self.inner.multiplexed() {
            self.limiter.widen(MULTIPLEXED_MAX_IN_FLIGHT);
        }
    }
}

impl<S: ByteSource> ByteSource for LimitedSource<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn known_len(&self) -> Option<u64> {
        self.inner.known_len()
    }
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        self.read_with(range, &Urgency::background())
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        self.tail_with(n, &Urgency::background())
    }
    fn read_with(
        &self,
        range: Range<u64>,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        let acquire = self
            .limiter
            .acquire(urgency.clone(), range.end.saturating_sub(range.start));
        Box::pin(async move {
            let _permit = acquire.await;
            let got = self.inner.read(range).await;
            self.learn();
            got
        })
    }
    fn tail_with(
        &self,
        n: u64,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        let acquire = self.limiter.acquire(urgency.clone(), n);
        Box::pin(async move {
            let _permit = acquire.await;
            let got = self.inner.tail(n).await;
            self.learn();
            got
        })
    }
    fn raised(&self) {
        self.limiter.reorder();
    }
    fn multiplexed(&self) -> bool {
        self.inner.multiplexed()
    }
    fn validator(&self) -> Option<String> {
        self.inner.validator()
    }
}

/// A view of a source whose reads all have one urgency: what a reader passes to layers
/// that only know [`ByteSource::read`] (the parquet decoder), so the galaxy's reads are
/// foreground ones.
pub struct WithUrgency<'a> {
    inner: &'a dyn ByteSource,
    urgency: Urgency,
}

impl<'a> WithUrgency<'a> {
    pub fn new(inner: &'a dyn ByteSource, priority: Priority) -> Self {
        WithUrgency {
            inner,
            urgency: Urgency::new(priority),
        }
    }
}

impl ByteSource for WithUrgency<'_> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn known_len(&self) -> Option<u64> {
        self.inner.known_len()
    }
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        self.inner.read_with(range, &self.urgency)
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        self.inner.tail_with(n, &self.urgency)
    }
    fn read_with(
        &self,
        range: Range<u64>,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        urgency.raise(self.urgency.get());
        self.inner.read_with(range, urgency)
    }
    fn tail_with(
        &self,
        n: u64,
        urgency: &Urgency,
    ) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        urgency.raise(self.urgency.get());
        self.inner.tail_with(n, urgency)
    }
    fn validator(&self) -> Option<String> {
        self.inner.validator()
    }
}
