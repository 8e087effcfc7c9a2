//! Why a job did not complete, classified by cause the way the outbox needs it: the chat
//! service, Alertmanager and the store each map their errors to a [`Failure`], and the
//! outbox turns it into a retry, a pause or a dead letter (`settle`).

use crate::store::{StoreError, Timestamp};

/// Why a call failed: what the outbox should do about it.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Worth another try: rate limits, the service's own failures, the network.
    Retry {
        /// The service's `Retry-After`, when it gave one.
        after_ms: Option<u64>,
        reason: String,
        /// No clear answer came (network, 5xx): the service may have taken the message.
        maybe_posted: bool,
    },
    /// The service has not processed a file the message shows yet: worth another try soon.
    NotReady(String),
    /// Trying again cannot help this message (refused content, a malformed answer).
    Permanent(String),
    /// Only a person can fix this (a revoked token, a bot removed from its channel): delivery
    /// pauses, to every channel or to `channel`, and nothing is dropped meanwhile.
    Misconfigured {
        /// The channel called about; `None`: the token, so every channel.
        channel: Option<String>,
        /// The service's error code (or `http_401` …), the pause's reason in `/metrics`.
        code: String,
        reason: String,
    },
}

/// Why a job did not complete this time.
#[derive(Debug, PartialEq)]
pub enum Hold {
    Failed(Failure),
    /// Its channel has no turn before then: not a failure.
    Deferred(Timestamp),
}

impl Failure {
    /// Why, in one line, as a person reads it.
    pub fn reason(&self) -> &str {
        match self {
            Failure::Retry { reason, .. }
            | Failure::NotReady(reason)
            | Failure::Permanent(reason)
            | Failure::Misconfigured { reason, .. } => reason,
        }
    }
}

impl From<Failure> for Hold {
    fn from(failure: Failure) -> Hold {
        Hold::Failed(failure)
    }
}

/// A store failure: nothing reached the chat service in this step.
pub fn retry(e: StoreError) -> Failure {
    Failure::Retry {
        after_ms: None,
        reason: format!("store: {}", describe(&e)),
        maybe_posted: false,
    }
}

pub fn describe(e: &StoreError) -> String {
    crate::reply::describe(e)
}
