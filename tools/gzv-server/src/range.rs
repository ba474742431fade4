//! `Range` header parsing (RFC 9110 §14.1.2), single ranges only.

/// A resolved, non-empty byte range `start..end` (end exclusive) within a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

/// Why a `Range` header cannot be served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeError {
    /// Not `bytes=...` or malformed: the header is ignored and the whole file sent.
    Malformed,
    /// Several ranges: this server (like tower-http's ServeDir) answers 416.
    MultipleRanges,
    /// Starts past the end of the file, or an empty suffix: 416.
    Unsatisfiable,
}

/// Resolve `header` against a file of `len` bytes.
pub fn parse_range(header: &str, len: u64) -> Result<ByteRange, RangeError> {
    let spec = header
        .trim()
        .strip_prefix("bytes=")
        .ok_or(RangeError::Malformed)?;
    if spec.contains(',') {
        return Err(RangeError::MultipleRanges);
    }
    let (a, b) = spec.split_once('-').ok_or(RangeError::Malformed)?;
    let num = |s: &str| s.trim().parse::<u64>().map_err(|_| RangeError::Malformed);
    let (start, end) = match (a.trim().is_empty(), b.trim().is_empty()) {
        (true, true) => return Err(RangeError::Malformed),
        (true, false) => {
            let n = num(b)?;
            if n == 0 || len == 0 {
                return Err(RangeError::Unsatisfiable);
            }
            (len.saturating_sub(n), len)
        }
        (false, true) => (num(a)?, len),
        (false, false) => {
            let (s, e) = (num(a)?, num(b)?);
            if e < s {
                return Err(RangeError::Malformed);
            }
            (s, (e + 1).min(len))
        }
    };
    if start >= len {
        return Err(RangeError::Unsatisfiable);
    }
    Ok(ByteRange { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let r = |s, e| Ok(ByteRange { start: s, end: e });
        assert_eq!(parse_range("bytes=0-0", 100), r(0, 1));
        assert_eq!(parse_range("bytes=10-19", 100), r(10, 20));
        assert_eq!(parse_range("bytes=90-200", 100), r(90, 100));
        assert_eq!(parse_range("bytes=95-", 100), r(95, 100));
        assert_eq!(parse_range("bytes=-8", 100), r(92, 100));
        assert_eq!(parse_range("bytes=-800", 100), r(0, 100));
        assert_eq!(
            parse_range("bytes=100-", 100),
            Err(RangeError::Unsatisfiable)
        );
        assert_eq!(parse_range("bytes=-0", 100), Err(RangeError::Unsatisfiable));
        assert_eq!(
            parse_range("bytes=0-1,5-6", 100),
            Err(RangeError::MultipleRanges)
        );
        assert_eq!(parse_range("items=0-1", 100), Err(RangeError::Malformed));
        assert_eq!(parse_range("bytes=5-2", 100), Err(RangeError::Malformed));
    }
}
