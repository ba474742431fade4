//! In-memory and request-counting sources for tests of the layers above IO.

use super::{ByteSource, IoError, LocalBoxFuture};
use bytes::Bytes;
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

/// A whole file held in memory.
pub struct MemorySource {
    name: String,
    data: Bytes,
    validator: Option<String>,
}

impl MemorySource {
    pub fn new(name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        MemorySource {
            name: name.into(),
            data: data.into(),
            validator: None,
        }
    }

    /// As a host that sends this `ETag` with every answer.
    pub fn with_validator(mut self, validator: impl Into<String>) -> Self {
        self.validator = Some(validator.into());
        self
    }

    fn slice(&self, range: Range<u64>) -> Result<Bytes, IoError> {
        let len = self.data.len() as u64;
        if range.start > range.end || range.end > len {
            return Err(IoError::OutOfBounds {
                url: self.name.clone(),
                start: range.start,
                end: range.end,
                len,
            });
        }
        Ok(self.data.slice(range.start as usize..range.end as usize))
    }
}

impl ByteSource for MemorySource {
    fn name(&self) -> &str {
        &self.name
    }
    fn known_len(&self) -> Option<u64> {
        Some(self.data.len() as u64)
    }
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        let r = self.slice(range);
        Box::pin(async move { r })
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        let len = self.data.len() as u64;
        let r = self.slice(len.saturating_sub(n)..len).map(|b| (len, b));
        Box::pin(async move { r })
    }
    fn validator(&self) -> Option<String> {
        self.validator.clone()
    }
}

/// The requests a [`CountingSource`] passed on: each a byte range.
pub type ReadLog = Rc<RefCell<Vec<Range<u64>>>>;

/// Wraps a source and records every request, so tests assert read patterns.
pub struct CountingSource<S> {
    inner: S,
    log: ReadLog,
}

impl<S: ByteSource> CountingSource<S> {
    pub fn new(inner: S) -> Self {
        CountingSource {
            inner,
            log: ReadLog::default(),
        }
    }
    /// The shared request log.
    pub fn log(&self) -> ReadLog {
        self.log.clone()
    }
    /// Bytes requested so far.
    pub fn bytes(&self) -> u64 {
        self.log.borrow().iter().map(|r| r.end - r.start).sum()
    }
}

impl<S: ByteSource> ByteSource for CountingSource<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn known_len(&self) -> Option<u64> {
        self.inner.known_len()
    }
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        self.log.borrow_mut().push(range.clone());
        self.inner.read(range)
    }
    fn raised(&self) {
        self.inner.raised()
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        Box::pin(async move {
            let (len, bytes) = self.inner.tail(n).await?;
            self.log.borrow_mut().push(len - bytes.len() as u64..len);
            Ok((len, bytes))
        })
    }
    fn validator(&self) -> Option<String> {
        self.inner.validator()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn memory_source_reads_and_refuses_out_of_bounds() {
        let s = MemorySource::new("mem", vec![1u8, 2, 3, 4, 5]);
        assert_eq!(block_on(s.read(1..3)).unwrap().as_ref(), &[2, 3]);
        assert_eq!(
            block_on(s.tail(2)).unwrap(),
            (5, Bytes::from_static(&[4, 5]))
        );
        assert_eq!(block_on(s.tail(10)).unwrap().1.len(), 5);
        assert!(matches!(
            block_on(s.read(4..9)),
            Err(IoError::OutOfBounds { len: 5, .. })
        ));
    }

    #[test]
    fn counting_source_logs_requests() {
        let s = CountingSource::new(MemorySource::new("mem", vec![0u8; 100]));
        block_on(s.read(10..20)).unwrap();
        block_on(s.tail(30)).unwrap();
        assert_eq!(*s.log().borrow(), vec![10..20, 70..100]);
        assert_eq!(s.bytes(), 40);
    }
}
