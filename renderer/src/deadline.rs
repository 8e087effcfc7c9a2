//! The time cap of one render, as a point in time the stages are checked against.

use std::time::{Duration, Instant};

use crate::RenderError;

/// `None` when the cap is too large to represent: then there is no deadline.
pub(crate) struct Deadline(Option<Instant>);

impl Deadline {
    pub(crate) fn after(time: Duration) -> Self {
        Self(Instant::now().checked_add(time))
    }

    /// Fails once the deadline is reached, so a zero cap always times out.
    pub(crate) fn check(&self) -> Result<(), RenderError> {
        match self.0 {
            Some(deadline) if Instant::now() >= deadline => Err(RenderError::Timeout),
            _ => Ok(()),
        }
    }
}
