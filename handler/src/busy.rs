//! Waiting out a busy or away database: a write retried for a while instead of failed at once,
//! where failing would lose or hold back something (a post's record, an alert's webhook).

use std::time::{Duration, Instant};

use crate::store::StoreError;

/// Between tries of a write the database refused as busy.
pub const BUSY_RETRY: Duration = Duration::from_millis(250);

/// Runs `write` again while the database is busy or away, until `until`; any other answer,
/// or the last busy one, is returned as is.
pub fn while_busy<T>(
    until: Instant,
    write: impl Fn() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    loop {
        match write() {
            Err(StoreError::Busy(_)) if Instant::now() + BUSY_RETRY < until => sleep(BUSY_RETRY),
            written => return written,
        }
    }
}

/// Blocks the instance (not the host) for `wait`.
pub fn sleep(wait: Duration) {
    if wait.is_zero() {
        return;
    }
    #[cfg(target_arch = "wasm32")]
    {
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        wasi::clocks::monotonic_clock::subscribe_duration(nanos).block();
    }
    // The unit tests run natively, where there is no WASI clock to subscribe to.
    #[cfg(not(target_arch = "wasm32"))]
    std::thread::sleep(wait);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn busy() -> StoreError {
        StoreError::Busy("database is locked".into())
    }

    #[test]
    fn a_write_busy_twice_lands_on_the_third_try() {
        let tries = Cell::new(0);
        let result = while_busy(Instant::now() + BUSY_RETRY * 8, || {
            tries.set(tries.get() + 1);
            if tries.get() < 3 {
                Err(busy())
            } else {
                Ok(tries.get())
            }
        });
        assert_eq!(result, Ok(3));
    }

    #[test]
    fn a_write_busy_past_the_limit_returns_the_last_busy_answer() {
        let tries = Cell::new(0);
        let result: Result<(), _> = while_busy(Instant::now() + BUSY_RETRY * 2, || {
            tries.set(tries.get() + 1);
            Err(busy())
        });
        assert_eq!(result, Err(busy()));
        assert!((1..=2).contains(&tries.get()), "{} tries", tries.get());
    }

    #[test]
    fn other_failures_are_not_retried() {
        let tries = Cell::new(0);
        let result: Result<(), _> = while_busy(Instant::now() + BUSY_RETRY * 8, || {
            tries.set(tries.get() + 1);
            Err(StoreError::Database("no such table: alerts".into()))
        });
        assert!(matches!(result, Err(StoreError::Database(_))));
        assert_eq!(tries.get(), 1);
    }
}
