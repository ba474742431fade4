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
pub const MULTIPLEXED_MAX_IN_FLIGHT: usize = 64;

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
    id: u64,
    urgency: Urgency,
    waker: Option<Waker>,
}

struct Inner {
    max: usize,
    reserve: usize,
    in_use: usize,
    max_in_use: usize,
    next_id: u64,
    queue: Vec<Waiter>,
    /// Priority of each read as it was granted its slot, in order (for tests and the
    /// cost panel).
    granted: Vec<Priority>,
}

impl Inner {
    /// Slots a read of priority `p` may use.
    fn cap(&self, p: Priority) -> usize {
        match p {
            Priority::Foreground => self.max,
            Priority::Background => self.max - self.reserve,
        }
    }

    /// The waiter next in line: most urgent first, then first come.
    fn next(&self) -> Option<usize> {
        self.queue
            .iter()
            .enumerate()
            .min_by_key(|(_, w)| (w.urgency.get(), w.id))
            .map(|(i, _)| i)
    }

    /// Wake the waiter next in line if it could take a slot now.
    fn wake_next(&mut self) {
        if let Some(i) = self.next() {
            let p = self.queue[i].urgency.get();
            if self.in_use < self.cap(p)
                && let Some(w) = self.queue[i].waker.take()
            {
                w.wake();
            }
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
            next_id: 0,
            queue: Vec::new(),
            granted: Vec::new(),
        })))
    }

    /// Wait for a slot at `urgency` (which may be raised while waiting); the slot is held
    /// until the returned permit is dropped.
    pub fn acquire(&self, urgency: Urgency) -> Acquire {
        Acquire {
            limiter: self.clone(),
            urgency,
            id: None,
        }
    }

    /// Reads in flight now.
    pub fn in_use(&self) -> usize {
        self.0.borrow().in_use
    }

    /// Reads waiting for a slot.
    pub fn queued(&self) -> usize {
        self.0.borrow().queue.len()
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
        self.0.borrow_mut().wake_next();
    }
}

/// A held slot.
pub struct Permit(Limiter);

impl Drop for Permit {
    fn drop(&mut self) {
        let mut inner = self.0.0.borrow_mut();
        inner.in_use -= 1;
        inner.wake_next();
    }
}

/// Future of [`Limiter::acquire`].
pub struct Acquire {
    limiter: Limiter,
    urgency: Urgency,
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
            None => inner
                .next()
                .is_none_or(|i| p < inner.queue[i].urgency.get()),
            Some(id) => inner.next().is_some_and(|i| inner.queue[i].id == id),
        };
        if first_in_line && inner.in_use < inner.cap(p) {
            if let Some(id) = self.id.take() {
                inner.queue.retain(|w| w.id != id);
            }
            inner.in_use += 1;
            inner.max_in_use = inner.max_in_use.max(inner.in_use);
            inner.granted.push(p);
            // the next in line may fit too
            inner.wake_next();
            drop(inner);
            return Poll::Ready(Permit(limiter));
        }
        let id = match self.id {
            Some(id) => id,
            None => {
                let id = inner.next_id;
                inner.next_id += 1;
                inner.queue.push(Waiter {
                    id,
                    urgency: self.urgency.clone(),
                    waker: None,
                });
                id
            }
        };
        if let Some(w) = inner.queue.iter_mut().find(|w| w.id == id) {
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
            inner.queue.retain(|w| w.id != id);
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
        let acquire = self.limiter.acquire(urgency.clone());
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
        let acquire = self.limiter.acquire(urgency.clone());
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
