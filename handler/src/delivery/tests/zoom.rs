//! `chart-zoom` jobs: the reply in the thread over the window asked for, and a repeat click
//! pointed at it.

use super::fakes::FakeStore;
use super::*;
use crate::slack::message::zoom;

const SIX_HOURS: i64 = 21_600_000;

/// A zoom job (id 9) for alert 1, whose message was posted earlier, by user U7.
fn zoom_job(repeat: bool) -> Job {
    let mut job = job(9, JobKind::ChartZoom, 1);
    job.payload = Some(format!(
        r#"{{"user_id":"U7","user_name":"ada","window_ms":{SIX_HOURS},"repeat":{repeat}}}"#
    ));
    job
}

fn zoom_desk(delivery: ChartDelivery) -> Desk {
    let desk = Desk::new().with_charts(delivery);
    desk.posted_earlier(1);
    desk
}

fn saved_replies(store: &FakeStore) -> Vec<String> {
    store.written("zoom ")
}

#[test]
fn a_zoom_posts_the_chart_over_its_window_in_the_thread_and_remembers_the_reply() {
    let desk = zoom_desk(ChartDelivery::Inline);
    assert_eq!(desk.deliver(&zoom_job(false)), Ok(()));
    let drawer = desk.drawer.as_ref().unwrap();
    assert_eq!(
        *drawer.windows.borrow(),
        [Window::Last { span_ms: SIX_HOURS }]
    );
    let calls = desk.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].starts_with("upload alert-1-"), "{calls:?}");
    assert_eq!(calls[1], "post C0ALERTS0 in 100.000100");
    desk.assert_sent_shows(0, ":mag: 6h up to now, asked for by <@U7>");
    desk.assert_sent_shows(0, r#""slack_file":{"id":"F1"}"#);
    assert_eq!(
        desk.store.written("step"),
        ["step 9 1"],
        "the reply is a step"
    );
    assert_eq!(
        saved_replies(&desk.store),
        ["zoom 1 21600000 C0ALERTS0 1.000100"]
    );
}

#[test]
fn an_attempt_after_the_reply_went_out_sends_nothing() {
    let desk = zoom_desk(ChartDelivery::Inline);
    let mut again = zoom_job(false);
    again.steps_done = 1;
    assert_eq!(desk.deliver(&again), Ok(()));
    assert!(desk.calls().is_empty());
}

#[test]
fn a_zoom_whose_chart_fails_for_a_passing_cause_is_retried_without_a_reply() {
    let desk = zoom_desk(ChartDelivery::Inline);
    let drawer = desk.drawer.as_ref().unwrap();
    *drawer.failure.borrow_mut() = Some(transient("Prometheus unreachable"));
    let (reason, maybe_posted) = retried(desk.deliver(&zoom_job(false)));
    assert_eq!(
        (reason.as_str(), maybe_posted),
        ("chart: Prometheus unreachable", false)
    );
    assert!(desk.calls().is_empty());
}

#[test]
fn a_repeat_is_pointed_at_the_reply_or_told_it_is_coming() {
    let desk = zoom_desk(ChartDelivery::Inline);
    assert_eq!(desk.deliver(&zoom_job(true)), Ok(()));
    let coming = zoom::repeat_note(SIX_HOURS, None);
    assert_eq!(
        desk.calls(),
        [format!("ephemeral C0ALERTS0 U7 in 100.000100: {coming}")]
    );
    desk.chat.calls.borrow_mut().clear();

    let reply = ChatMessage {
        channel: "C0ALERTS0".into(),
        ts: "101.000200".into(),
    };
    desk.store
        .zoom_replies
        .borrow_mut()
        .insert((1, SIX_HOURS), reply);
    assert_eq!(desk.deliver(&zoom_job(true)), Ok(()));
    let link = "https://example.slack.com/archives/C0ALERTS0/p101.000200";
    let pointed = zoom::repeat_note(SIX_HOURS, Some(link));
    assert_eq!(
        desk.calls(),
        [
            "permalink C0ALERTS0 101.000200".to_owned(),
            format!("ephemeral C0ALERTS0 U7 in 100.000100: {pointed}")
        ]
    );
    assert_eq!(desk.drawer.as_ref().unwrap().drawn.get(), 0);
}

#[test]
fn a_zoom_of_an_alert_without_a_message_or_with_a_bad_payload_is_dropped() {
    let desk = Desk::new().with_charts(ChartDelivery::Inline);
    let reason = permanent(desk.deliver(&zoom_job(false)));
    assert_eq!(reason, "the alert has no message to zoom in");
    desk.posted_earlier(1);
    let mut bad = zoom_job(false);
    bad.payload = Some("{}".into());
    assert!(permanent(desk.deliver(&bad)).starts_with("unreadable zoom payload"));
    assert!(desk.calls().is_empty());
}
