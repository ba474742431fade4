//! A bound on reads in flight: a FIFO, single-threaded semaphore and the source wrapper
//! that uses it. A queued read that is dropped leaves the queue and never starts.

use super::{ByteSource, IoError, LocalBoxFuture};
use bytes::Bytes;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Reads in flight per dataset: Chromium runs 6 HTTP/1.1 connections per host, so more
/// would only queue inside the browser where they can no longer be cancelled cheaply.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 6;

#[derive(Default)]
struct Inner {
    free: usize,
    in_use: usize,
    max_in_use: usize,
    next_id: u64,
    queue: VecDeque<(u64, Option<Waker>)>,
}

/// Shared FIFO limit on concurrent reads.
#[derive(Clone)]
pub struct Limiter(Rc<RefCell<Inner>>);

impl Limiter {
    pub fn new(max: usize) -> Self {
        Limiter(Rc::new(RefCell::new(Inner {
            free: max.max(1),
            ..Inner::default()
        })))
    }

    /// Wait for a slot; the slot is held until the returned permit is dropped.
    pub fn acquire(&self) -> Acquire {
        Acquire {
            limiter: self.clone(),
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

    fn wake_front(inner: &mut Inner) {
        if inner.free > 0
            && let Some((_, Some(w))) = inner.queue.front_mut().map(|(id, w)| (*id, w.take()))
        {
            w.wake();
        }
    }
}

/// A held slot.
pub struct Permit(Limiter);

impl Drop for Permit {
    fn drop(&mut self) {
        let mut inner = self.0.0.borrow_mut();
        inner.free += 1;
        inner.in_use -= 1;
        Limiter::wake_front(&mut inner);
    }
}

/// Future of [`Limiter::acquire`].
pub struct Acquire {
    limiter: Limiter,
    id: Option<u64>,
}

impl Future for Acquire {
    type Output = Permit;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let limiter = self.limiter.clone();
        let mut inner = limiter.0.borrow_mut();
        let first_in_line = match self.id {
            None => inner.queue.is_empty(),
            Some(id) => inner.queue.front().is_some_and(|(front, _)| *front == id),
        };
        if first_in_line && inner.free > 0 {
            if self.id.is_some() {
                inner.queue.pop_front();
            }
            self.id = None;
            inner.free -= 1;
            inner.in_use += 1;
            inner.max_in_use = inner.max_in_use.max(inner.in_use);
            // the next in line may fit too
            Limiter::wake_front(&mut inner);
            drop(inner);
            return Poll::Ready(Permit(limiter));
        }
        let id = match self.id {
            Some(id) => id,
            None => {
                let id = inner.next_id;
                inner.next_id += 1;
                inner.queue.push_back((id, None));
                id
            }
        };
        if let Some(entry) = inner.queue.iter_mut().find(|(i, _)| *i == id) {
            entry.1 = Some(cx.waker().clone());
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
            inner.queue.retain(|(i, _)| *i != id);
            Limiter::wake_front(&mut inner);
        }
    }
}

/// A source that lets at most N reads run at once; the rest wait in line.
pub struct LimitedSource<S> {
    inner: S,
    limiter: Limiter,
}

impl<S: ByteSource> LimitedSource<S> {
    pub fn new(inner: S, limiter: Limiter) -> Self {
        LimitedSource { inner, limiter }
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
        Box::pin(async move {
            let _permit = self.limiter.acquire().await;
            self.inner.read(range).await
        })
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        Box::pin(async move {
            let _permit = self.limiter.acquire().await;
            self.inner.tail(n).await
        })
    }
}
