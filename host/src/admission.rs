//! What a request passes before it gets a sandbox slot: its whole body, read under a deadline
//! and a size cap so that a slow client holds no slot; then a bounded wait for a slot, with a
//! few slots that only the webhook and the outbox drain may take.

use crate::drain;
use crate::runtime::plain;
use bytes::Bytes;
use http_body_util::{BodyExt, Collected, LengthLimitError, Limited};
use hyper::body::Body;
use hyper::header::HeaderValue;
use hyper::Method;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// A client that has not sent its whole body by then is answered 408: as long as headers get.
pub const BODY_DEADLINE: Duration = Duration::from_secs(10);
/// Above the handler's own 1 MiB cap, so that it answers its own 413 (and counts it).
pub const BODY_LIMIT: usize = 3 << 19;
/// Longer than a normal request takes; past it the client is told to retry (503).
pub const SLOT_WAIT: Duration = Duration::from_secs(3);
/// What a refused client is told to wait before retrying, in seconds.
const RETRY_AFTER: &str = "1";
/// At most one warning per this long about requests refused for want of a slot.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);
/// The Alertmanager webhook's route.
const WEBHOOK_ROUTE: &str = "/api/alerts";

/// Who may take a slot kept back from the public share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The webhook and the drain: alerts must get in and out whatever the public routes do.
    Reserved,
    /// Every other route, the public ones (Slack clicks, charts, history) included.
    Public,
}

impl Route {
    pub fn of(method: &Method, path: &str) -> Route {
        let reserved = method == Method::POST && (path == WEBHOOK_ROUTE || path == drain::ROUTE);
        if reserved {
            Route::Reserved
        } else {
            Route::Public
        }
    }
}

/// Slots kept for [`Route::Reserved`]: a sixteenth, at least 2 (a drain and a webhook at
/// once), and never all of them, so the public share is at least one slot.
pub fn reserved_slots(total: u32) -> u32 {
    (total / 16).max(2).min(total.saturating_sub(1))
}

/// Why a request is answered by the host before it reaches the component.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    BodyTooSlow,
    BodyTooLarge,
    BodyUnreadable(String),
    NoSlot,
}

impl Refusal {
    pub fn response(&self) -> hyper::Response<HyperOutgoingBody> {
        let (status, line) = match self {
            Refusal::BodyTooSlow => (
                408,
                format!("request body not received within {BODY_DEADLINE:?}"),
            ),
            Refusal::BodyTooLarge => (
                413,
                format!("request body over the {BODY_LIMIT}-byte limit"),
            ),
            Refusal::BodyUnreadable(why) => {
                (400, format!("could not read the request body: {why}"))
            }
            Refusal::NoSlot => (503, format!("no sandbox free within {SLOT_WAIT:?}")),
        };
        let mut response = plain(status, &line);
        let headers = response.headers_mut();
        if *self == Refusal::NoSlot {
            headers.insert(
                hyper::header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER),
            );
        } else {
            // The rest of the body is unread: the connection cannot carry another request.
            headers.insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// The whole body in memory, or why not within [`BODY_DEADLINE`] and [`BODY_LIMIT`].
pub async fn read_body<B>(body: B) -> Result<Collected<Bytes>, Refusal>
where
    B: Body<Data = Bytes>,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    read_body_within(body, BODY_DEADLINE, BODY_LIMIT).await
}

async fn read_body_within<B>(
    body: B,
    deadline: Duration,
    limit: usize,
) -> Result<Collected<Bytes>, Refusal>
where
    B: Body<Data = Bytes>,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    if body.is_end_stream() {
        return Ok(Collected::default());
    }
    if body.size_hint().lower() > limit as u64 {
        return Err(Refusal::BodyTooLarge);
    }
    let body = Limited::new(body.map_err(Into::<wasmtime_wasi_http::Error>::into), limit);
    match tokio::time::timeout(deadline, body.collect()).await {
        Ok(Ok(collected)) => Ok(collected),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err(Refusal::BodyTooLarge),
        Ok(Err(e)) => Err(Refusal::BodyUnreadable(e.to_string())),
        Err(_) => Err(Refusal::BodyTooSlow),
    }
}

/// The sandbox slots: one permit of `all` per pool slot, and `public` caps what the public
/// routes may hold of them.
pub struct Slots {
    all: Arc<Semaphore>,
    public: Arc<Semaphore>,
    total: u32,
    refused: RefusalLog,
}

/// Held while an instance lives; dropping it frees the slot.
pub struct Slot {
    _all: OwnedSemaphorePermit,
    _public: Option<OwnedSemaphorePermit>,
}

impl Slots {
    pub fn new(total: u32) -> Slots {
        let public = total - reserved_slots(total);
        Slots {
            all: Arc::new(Semaphore::new(total as usize)),
            public: Arc::new(Semaphore::new(public as usize)),
            total,
            refused: RefusalLog::default(),
        }
    }

    /// A slot for `route` within [`SLOT_WAIT`], or [`Refusal::NoSlot`].
    pub async fn acquire(&self, route: Route) -> Result<Slot, Refusal> {
        let slot = self.acquire_within(route, SLOT_WAIT).await;
        if slot.is_err() {
            self.refused.record(route);
        }
        slot
    }

    async fn acquire_within(&self, route: Route, wait: Duration) -> Result<Slot, Refusal> {
        let acquire = async {
            let public = match route {
                Route::Public => Some(self.public.clone().acquire_owned().await.ok()?),
                Route::Reserved => None,
            };
            let all = self.all.clone().acquire_owned().await.ok()?;
            Some(Slot {
                _all: all,
                _public: public,
            })
        };
        match tokio::time::timeout(wait, acquire).await {
            Ok(Some(slot)) => Ok(slot),
            Ok(None) | Err(_) => Err(Refusal::NoSlot),
        }
    }

    /// Waits until every slot is free (or `grace` passes); true when all are.
    pub async fn wait_idle(&self, grace: Duration) -> bool {
        tokio::time::timeout(grace, self.all.acquire_many(self.total))
            .await
            .is_ok()
    }
}

/// Counts 503s for want of a slot and logs them at most once per [`REFUSAL_LOG_EVERY`].
#[derive(Default)]
struct RefusalLog {
    since_last_line: AtomicU64,
    last_line: Mutex<Option<Instant>>,
}

impl RefusalLog {
    fn record(&self, route: Route) {
        self.since_last_line.fetch_add(1, Ordering::Relaxed);
        let mut last_line = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
        if last_line.is_some_and(|at| at.elapsed() < REFUSAL_LOG_EVERY) {
            return;
        }
        *last_line = Some(Instant::now());
        let refused = self.since_last_line.swap(0, Ordering::Relaxed);
        tracing::warn!(
            refused,
            latest = ?route,
            "no sandbox slot free within {SLOT_WAIT:?}: answered 503"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A body whose client never sends another byte.
    struct Stalled;

    impl Body for Stalled {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
            Poll::Pending
        }
    }

    #[test]
    fn only_the_webhook_and_the_drain_post_are_reserved() {
        assert_eq!(Route::of(&Method::POST, "/api/alerts"), Route::Reserved);
        assert_eq!(Route::of(&Method::POST, drain::ROUTE), Route::Reserved);
        for (method, path) in [
            (Method::GET, "/api/alerts"),
            (Method::GET, drain::ROUTE),
            (Method::POST, "/api/slack/interactions"),
            (Method::POST, "/api/alerts/"),
            (Method::POST, "/api/alertsx"),
            (Method::GET, "/healthz"),
        ] {
            assert_eq!(Route::of(&method, path), Route::Public, "{method} {path}");
        }
    }

    #[test]
    fn the_public_share_is_never_empty() {
        assert_eq!(reserved_slots(128), 8);
        assert_eq!(reserved_slots(4), 2);
        assert_eq!(reserved_slots(2), 1);
        assert_eq!(reserved_slots(1), 0);
        // The bounds config.rs accepts for MAX_CONCURRENT_REQUESTS.
        for total in 1..=4096 {
            assert!(reserved_slots(total) < total, "{total}");
        }
    }

    #[tokio::test]
    async fn a_body_is_read_whole_or_refused() {
        let whole = read_body_within(Full::new(Bytes::from("hello")), BODY_DEADLINE, 5).await;
        assert_eq!(whole.unwrap().to_bytes(), "hello");

        let over = read_body_within(Full::new(Bytes::from("hello!")), BODY_DEADLINE, 5).await;
        assert_eq!(over.unwrap_err(), Refusal::BodyTooLarge);

        let slow = read_body_within(Stalled, Duration::from_millis(20), 5).await;
        assert_eq!(slow.unwrap_err(), Refusal::BodyTooSlow);
    }

    #[tokio::test]
    async fn an_empty_body_is_not_waited_for() {
        let empty = http_body_util::Empty::<Bytes>::new();
        let read = read_body_within(empty, Duration::ZERO, 0).await;
        assert!(read.unwrap().to_bytes().is_empty());
    }

    #[tokio::test]
    async fn the_reserved_slots_stay_free_for_the_webhook_and_the_drain() {
        let slots = Slots::new(4);
        let wait = Duration::from_millis(20);
        let public: Vec<Slot> = vec![
            slots.acquire_within(Route::Public, wait).await.unwrap(),
            slots.acquire_within(Route::Public, wait).await.unwrap(),
        ];
        assert!(slots.acquire_within(Route::Public, wait).await.is_err());

        let reserved = [
            slots.acquire_within(Route::Reserved, wait).await.unwrap(),
            slots.acquire_within(Route::Reserved, wait).await.unwrap(),
        ];
        assert!(slots.acquire_within(Route::Reserved, wait).await.is_err());
        drop(reserved);
        drop(public);
        assert!(slots.wait_idle(wait).await);
    }

    #[test]
    fn a_refusal_is_one_line_and_a_503_says_when_to_retry() {
        let busy = Refusal::NoSlot.response();
        assert_eq!(busy.status(), 503);
        assert_eq!(busy.headers()[hyper::header::RETRY_AFTER], "1");
        let slow = Refusal::BodyTooSlow.response();
        assert_eq!(slow.status(), 408);
        assert_eq!(slow.headers()[hyper::header::CONNECTION], "close");
    }
}
