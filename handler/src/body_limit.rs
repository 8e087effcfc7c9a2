//! The webhook body cap: refuse early on a declared length, and stop reading as soon as the
//! bytes received pass the cap (a chunked or lying client gets no further than that).

/// Alertmanager's biggest webhooks (many alerts, long annotations) stay far below this.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The body is over the cap.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge;

/// The declared `Content-Length`, if it is a plain decimal number (the host checks framing).
pub fn declared_length(content_length: Option<&[u8]>) -> Option<u64> {
    let value = content_length?.trim_ascii();
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Collects body chunks up to a cap.
pub struct Collector {
    bytes: Vec<u8>,
    cap: usize,
}

impl Collector {
    /// Refuses a declared length over the cap before anything is read.
    pub fn new(cap: usize, declared: Option<u64>) -> Result<Self, TooLarge> {
        let declared = declared
            .map_or(Ok(0), usize::try_from)
            .map_err(|_| TooLarge)?;
        if declared > cap {
            return Err(TooLarge);
        }
        Ok(Self {
            bytes: Vec::with_capacity(declared),
            cap,
        })
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TooLarge> {
        if self.bytes.len() + chunk.len() > self.cap {
            return Err(TooLarge);
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::{declared_length, Collector, TooLarge};

    #[test]
    fn content_length_parsing() {
        assert_eq!(declared_length(None), None);
        assert_eq!(declared_length(Some(b"1234")), Some(1234));
        assert_eq!(declared_length(Some(b" 0 ")), Some(0));
        assert_eq!(declared_length(Some(b"")), None);
        assert_eq!(declared_length(Some(b"-1")), None);
        assert_eq!(declared_length(Some(b"+5")), None);
        assert_eq!(declared_length(Some(b"12 34")), None);
        assert_eq!(declared_length(Some(b"99999999999999999999999")), None);
    }

    #[test]
    fn declared_length_over_the_cap_is_refused_up_front() {
        assert!(Collector::new(10, Some(10)).is_ok());
        assert!(Collector::new(10, None).is_ok());
        assert_eq!(Collector::new(10, Some(11)).err(), Some(TooLarge));
        assert_eq!(Collector::new(10, Some(u64::MAX)).err(), Some(TooLarge));
    }

    #[test]
    fn streaming_stops_at_the_first_chunk_past_the_cap() {
        let mut body = Collector::new(10, None).unwrap();
        assert_eq!(body.push(b"12345"), Ok(()));
        assert_eq!(body.push(b"67890"), Ok(()));
        assert_eq!(body.push(b""), Ok(()));
        assert_eq!(body.push(b"x"), Err(TooLarge));
        assert_eq!(body.into_bytes(), b"1234567890");
    }

    #[test]
    fn a_lying_content_length_does_not_lift_the_cap() {
        let mut body = Collector::new(10, Some(2)).unwrap();
        assert_eq!(body.push(b"12345678901"), Err(TooLarge));
    }
}
