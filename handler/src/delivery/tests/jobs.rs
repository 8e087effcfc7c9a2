//! Each job kind's transitions, and what each class of failure does to it.

use super::*;

// alert-fired

#[test]
fn a_fired_alert_is_posted_in_its_turn_with_its_metadata_and_recorded() {
    let desk = Desk::new();
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    assert_eq!(desk.calls(), ["post #alerts"]);
    desk.assert_sent_shows(0, r#""event_payload":{"alert_id":1}"#);
    assert_eq!(
        *desk.store.journal.borrow(),
        [
            "turn #alerts for job 7",
            "message 1 C0ALERTS0 1.000100 as #alerts"
        ]
    );
}

#[test]
fn a_fired_alert_already_posted_is_not_posted_again() {
    let desk = Desk::new();
    desk.posted_earlier(1);
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    assert!(desk.calls().is_empty());
}

#[test]
fn a_busy_channel_defers_the_post_before_its_chart_is_drawn() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    desk.store
        .next_turn
        .borrow_mut()
        .insert("#alerts".into(), 5_000);
    desk.assert_deferred(JobKind::AlertFired, 5_000);
    assert_eq!(desk.drawer.as_ref().unwrap().drawn.get(), 0);
}

#[test]
fn a_turn_taken_by_another_sender_meanwhile_defers_the_post() {
    let desk = Desk::new();
    desk.store.turn_taken_meanwhile("#alerts", 6_000);
    desk.assert_deferred(JobKind::AlertFired, 6_000);
}

#[test]
fn an_alert_gone_or_without_a_channel_cannot_be_delivered() {
    let desk = Desk::new();
    let reason = permanent(desk.deliver(&job(7, JobKind::AlertFired, 99)));
    assert_eq!(reason, "alert 99 is gone");
    let mut desk = Desk::new();
    desk.options.default_channel = None;
    let reason = permanent(desk.attempt(JobKind::AlertFired));
    assert!(reason.starts_with("no Slack channel"), "{reason}");
    assert!(desk.calls().is_empty());
}

#[test]
fn a_label_routes_the_alert_to_its_own_channel() {
    let desk = Desk::new();
    desk.add_alert(2, AlertStatus::Firing, &[("slack_channel", "#db")]);
    assert_eq!(desk.deliver(&job(7, JobKind::AlertFired, 2)), Ok(()));
    assert_eq!(desk.calls(), ["post #db"]);
}

#[test]
fn a_store_failure_before_the_post_is_a_retry_that_posted_nothing() {
    let desk = Desk::new();
    desk.store.busy.borrow_mut().insert("get_alert", 1);
    let (reason, maybe_posted) = retried(desk.attempt(JobKind::AlertFired));
    assert!(reason.starts_with("store: "), "{reason}");
    assert!(!maybe_posted);
    desk.store.busy.borrow_mut().insert("take_channel_turn", 1);
    let (_, maybe_posted) = retried(desk.attempt(JobKind::AlertFired));
    assert!(!maybe_posted);
    assert!(desk.calls().is_empty());
}

#[test]
fn a_rate_limited_post_pauses_its_channel_for_the_wait_slack_asked() {
    let desk = Desk::new();
    let limited = Failure::Retry {
        after_ms: Some(30_000),
        reason: "chat.postMessage: ratelimited".into(),
        maybe_posted: false,
    };
    desk.chat.fail_next("post", limited.clone());
    assert_eq!(
        desk.attempt(JobKind::AlertFired),
        Err(Hold::Failed(limited))
    );
    assert_eq!(
        desk.store.written("pause-channel"),
        ["pause-channel #alerts"]
    );
    assert!(desk.store.written("message").is_empty());
}

#[test]
fn a_post_refused_for_a_missing_scope_records_nothing_and_says_misconfigured() {
    let desk = Desk::new();
    desk.chat.fail_next("post", missing_scope(None));
    assert_eq!(
        desk.attempt(JobKind::AlertFired),
        Err(Hold::Failed(missing_scope(None)))
    );
    assert!(desk.store.written("message").is_empty());
}

#[test]
fn an_unanswered_post_is_a_retry_that_may_have_posted() {
    let desk = Desk::new();
    desk.chat
        .fail_next("post", retry("chat.postMessage: connection reset", true));
    let (_, maybe_posted) = retried(desk.attempt(JobKind::AlertFired));
    assert!(maybe_posted);
}

#[test]
fn the_record_of_a_post_waits_out_a_busy_store() {
    let desk = Desk::new();
    desk.store.busy.borrow_mut().insert("save_message", 3);
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    assert_eq!(desk.store.written("message").len(), 1);
}

#[test]
fn a_post_whose_record_stays_impossible_is_a_retry_that_posted() {
    let desk = Desk::new();
    desk.store
        .busy
        .borrow_mut()
        .insert("save_message", u32::MAX);
    let (reason, maybe_posted) = retried(desk.attempt(JobKind::AlertFired));
    assert!(reason.starts_with("store, after posting: "), "{reason}");
    assert!(maybe_posted, "the next attempt looks for the message first");
    assert_eq!(desk.calls(), ["post #alerts"]);
}

// alert-fired after an attempt that never heard back

fn after_a_lost_answer(channel: &str) -> Job {
    let mut fired = job(7, JobKind::AlertFired, 1);
    fired.attempt = 2;
    fired.posting = Some(PostingIntent {
        channel: channel.into(),
        since: crate::now_ms() - 5_000,
    });
    fired
}

#[test]
fn a_lookup_that_finds_nothing_posts_again_as_verified() {
    let desk = Desk::new();
    desk.store
        .channel_ids
        .borrow_mut()
        .insert("#alerts".into(), "C0ALERTS0".into());
    assert_eq!(desk.deliver(&after_a_lost_answer("#alerts")), Ok(()));
    assert_eq!(desk.calls(), ["find 1 in C0ALERTS0", "post #alerts"]);
    assert_eq!(
        desk.store.written("message"),
        ["message 1 C0ALERTS0 1.000100 as #alerts"]
    );
}

#[test]
fn a_channel_whose_id_is_unknown_gets_the_post_again_marked_unverified() {
    let desk = Desk::new();
    assert_eq!(desk.deliver(&after_a_lost_answer("#alerts")), Ok(()));
    assert_eq!(desk.calls(), ["post #alerts"]);
    assert_eq!(
        desk.store.written("message"),
        ["message 1 C0ALERTS0 1.000100 as #alerts unverified"]
    );
}

#[test]
fn a_lookup_refused_for_a_scope_only_it_needs_does_not_hold_the_alert_back() {
    let desk = Desk::new();
    desk.chat
        .fail_next("find", missing_scope(Some("C0ALERTS0")));
    assert_eq!(desk.deliver(&after_a_lost_answer("C0ALERTS0")), Ok(()));
    assert_eq!(desk.calls(), ["find 1 in C0ALERTS0", "post #alerts"]);
    assert!(desk.store.written("message")[0].ends_with(" unverified"));
}

#[test]
fn a_lookup_that_fails_for_a_passing_cause_retries_without_posting() {
    let desk = Desk::new();
    desk.chat
        .fail_next("find", retry("conversations.history: HTTP 503", true));
    let (reason, _) = retried(desk.deliver(&after_a_lost_answer("C0ALERTS0")));
    assert_eq!(reason, "conversations.history: HTTP 503");
    assert_eq!(desk.calls(), ["find 1 in C0ALERTS0"]);
}

// charts

#[test]
fn a_drawn_chart_is_shown_by_its_url_and_marked_shown_once_posted() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    desk.assert_sent_shows(0, "https://alertgraph.example/api/chart/tok1x1.png");
    // Its numbers in words: the image's alt text and the line under it.
    let numbers = "6.6 % when it fired · peak 9.1 % · 14 min above 5 %";
    assert_eq!(desk.sent(0).matches(numbers).count(), 2, "{}", desk.sent(0));
    assert_eq!(desk.store.written("shown"), ["shown tok1x1"]);
}

#[test]
fn in_upload_mode_the_chart_goes_into_the_thread_after_the_post() {
    let desk = Desk::new().with_charts(ChartDelivery::Upload);
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    assert_eq!(
        desk.calls(),
        [
            "post #alerts",
            "upload C0ALERTS0 1.000100 alert-1-tok1x1.png alt 6.6 % when it fired · peak 9.1 % \
             · 14 min above 5 %"
        ]
    );
    assert_eq!(desk.store.written("shown"), ["shown tok1x1"]);
}

#[test]
fn a_failed_upload_leaves_the_message_posted_and_the_job_done() {
    let desk = Desk::new().with_charts(ChartDelivery::Upload);
    desk.chat.fail_next("upload", missing_scope(None));
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    assert!(desk.store.written("shown").is_empty());
    assert_eq!(desk.store.written("message").len(), 1);
}

#[test]
fn an_inline_chart_is_uploaded_first_and_the_post_waits_for_slack_to_process_it() {
    let desk = Desk::new().with_charts(ChartDelivery::Inline);
    desk.chat.fail_next("post", not_ready());
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    assert_eq!(
        desk.calls(),
        ["upload alert-1-tok1x1.png", "post #alerts", "post #alerts"]
    );
    desk.assert_sent_shows(0, r#""type":"image","slack_file":{"id":"F1"}"#);
    assert_eq!(desk.store.written("shown"), ["shown tok1x1"]);
    assert!(desk.store.written("redraw").is_empty());
}

#[test]
fn an_inline_chart_slack_is_not_ready_for_follows_by_a_redraw() {
    let desk = Desk::new().with_charts(ChartDelivery::Inline);
    for _ in 0..4 {
        desk.chat.fail_next("post", not_ready());
    }
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    assert_eq!(
        desk.calls().len(),
        1 + 5,
        "the upload, four refused posts, one taken"
    );
    desk.assert_sent_shows(0, "chart follows");
    assert!(!desk.sent(0).contains("slack_file"));
    assert_eq!(desk.store.written("redraw"), ["redraw 1"]);
    assert!(desk.store.written("shown").is_empty());
}

#[test]
fn an_inline_chart_that_cannot_be_uploaded_leaves_its_reason_and_for_a_passing_cause_a_redraw() {
    let desk = Desk::new().with_charts(ChartDelivery::Inline);
    desk.chat.fail_next("upload_file", missing_scope(None));
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    desk.assert_sent_shows(
        0,
        "no chart: cannot upload it: chat.postMessage: missing_scope",
    );
    assert!(desk.store.written("redraw").is_empty(), "a lasting cause");
    let desk = Desk::new().with_charts(ChartDelivery::Inline);
    let unavailable = Failure::Retry {
        after_ms: None,
        reason: "files.getUploadURLExternal: HTTP 503".into(),
        maybe_posted: false,
    };
    desk.chat.fail_next("upload_file", unavailable);
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    assert_eq!(desk.store.written("redraw"), ["redraw 1"]);
}

fn not_ready() -> Failure {
    Failure::NotReady("chat.postMessage: invalid_blocks".into())
}

#[test]
fn a_chart_that_failed_for_a_passing_cause_goes_out_as_its_reason_with_a_redraw_due() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    *desk.drawer.as_ref().unwrap().failure.borrow_mut() = Some(transient("Prometheus: HTTP 503"));
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    desk.assert_sent_shows(0, "Prometheus: HTTP 503");
    assert_eq!(desk.store.written("redraw"), ["redraw 1"]);
}

#[test]
fn a_chart_that_cannot_be_stored_goes_out_as_its_reason_with_a_redraw_due() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    desk.store.busy.borrow_mut().insert("save_chart", 1);
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    desk.assert_sent_shows(0, "cannot store the chart");
    assert_eq!(desk.store.written("redraw"), ["redraw 1"]);
}

#[test]
fn a_job_whose_instance_stopped_twice_goes_out_without_drawing_its_chart() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    let mut fired = job(7, JobKind::AlertFired, 1);
    fired.deaths = 2;
    assert_eq!(desk.deliver(&fired), Ok(()));
    assert_eq!(desk.drawer.as_ref().unwrap().drawn.get(), 0);
    desk.assert_sent_shows(0, "stopped 2 times");
    assert!(desk.store.written("redraw").is_empty(), "a lasting cause");
}

// alert-resolved

#[test]
fn a_resolve_turns_the_message_green_then_replies_recording_each_step() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    desk.set_status(1, AlertStatus::Resolved);
    desk.posted_earlier(1);
    assert_eq!(desk.attempt(JobKind::AlertResolved), Ok(()));
    assert_eq!(
        desk.calls(),
        [
            "update C0ALERTS0 100.000100",
            "post C0ALERTS0 in 100.000100"
        ]
    );
    desk.assert_sent_shows(1, "Resolved after");
    assert_eq!(desk.store.written("step"), ["step 7 1", "step 7 2"]);
    assert_eq!(desk.store.written("turn"), ["turn C0ALERTS0"]);
}

#[test]
fn a_resolve_whose_edit_reached_slack_before_only_replies() {
    let desk = Desk::new();
    desk.set_status(1, AlertStatus::Resolved);
    desk.posted_earlier(1);
    let mut resolved = job(7, JobKind::AlertResolved, 1);
    resolved.steps_done = 1;
    assert_eq!(desk.deliver(&resolved), Ok(()));
    assert_eq!(desk.calls(), ["post C0ALERTS0 in 100.000100"]);
    assert_eq!(desk.store.written("step"), ["step 7 2"]);
}

#[test]
fn a_resolve_whose_reply_reached_slack_before_sends_nothing() {
    let desk = Desk::new();
    desk.set_status(1, AlertStatus::Resolved);
    desk.posted_earlier(1);
    let mut resolved = job(7, JobKind::AlertResolved, 1);
    resolved.steps_done = 2;
    assert_eq!(desk.deliver(&resolved), Ok(()));
    assert!(desk.calls().is_empty());
}

#[test]
fn a_resolve_whose_edit_fails_records_no_step_and_whose_reply_fails_keeps_the_edit() {
    let desk = Desk::new();
    desk.set_status(1, AlertStatus::Resolved);
    desk.posted_earlier(1);
    desk.chat
        .fail_next("update", retry("chat.update: HTTP 500", true));
    retried(desk.attempt(JobKind::AlertResolved));
    assert!(desk.store.written("step").is_empty());
    desk.chat
        .fail_next("post", retry("chat.postMessage: HTTP 500", true));
    retried(desk.attempt(JobKind::AlertResolved));
    assert_eq!(desk.store.written("step"), ["step 7 1"]);
}

#[test]
fn a_resolve_defers_its_edit_and_reply_together_when_the_turn_is_taken() {
    let desk = Desk::new();
    desk.set_status(1, AlertStatus::Resolved);
    desk.posted_earlier(1);
    desk.store.turn_taken_meanwhile("C0ALERTS0", 9_000);
    desk.assert_deferred(JobKind::AlertResolved, 9_000);
}

#[test]
fn an_alert_resolved_before_its_first_post_goes_out_green_as_a_new_message() {
    let desk = Desk::new();
    desk.set_status(1, AlertStatus::Resolved);
    assert_eq!(desk.attempt(JobKind::AlertResolved), Ok(()));
    assert_eq!(desk.calls(), ["post #alerts"]);
    assert_eq!(desk.store.written("message").len(), 1);
}

#[test]
fn only_the_first_post_of_a_firing_alert_pings_its_on_call() {
    let desk = Desk::new();
    desk.add_alert(
        1,
        AlertStatus::Firing,
        &[("slack_mention", "U0ONCALL1, here")],
    );
    assert_eq!(desk.attempt(JobKind::AlertFired), Ok(()));
    let posted = desk.chat.sent.borrow()[0].text.clone();
    assert!(posted.starts_with("<@U0ONCALL1> [FIRING] "), "{posted}");
    desk.posted_earlier(1);
    assert_eq!(desk.attempt(JobKind::MessageRefresh), Ok(()));
    desk.set_status(1, AlertStatus::Resolved);
    assert_eq!(desk.attempt(JobKind::AlertResolved), Ok(()));
    let sent = desk.chat.sent.borrow();
    assert_eq!(sent.len(), 4, "post, refresh, resolve edit and reply");
    for later in &sent[1..] {
        assert!(!later.text.contains('<'), "{later:?}");
    }

    let desk = Desk::new();
    desk.add_alert(1, AlertStatus::Resolved, &[("slack_mention", "U0ONCALL1")]);
    assert_eq!(desk.attempt(JobKind::AlertResolved), Ok(()));
    assert!(desk.chat.sent.borrow()[0].text.starts_with("[RESOLVED] "));
}

// chart-redraw

#[test]
fn a_redraw_without_a_message_or_of_a_resolved_alert_does_nothing() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    assert_eq!(desk.attempt(JobKind::ChartRedraw), Ok(()));
    desk.posted_earlier(1);
    desk.set_status(1, AlertStatus::Resolved);
    assert_eq!(desk.attempt(JobKind::ChartRedraw), Ok(()));
    assert!(desk.calls().is_empty());
    assert_eq!(desk.drawer.as_ref().unwrap().drawn.get(), 0);
}

#[test]
fn a_redraw_puts_the_chart_into_the_message() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    desk.posted_earlier(1);
    assert_eq!(desk.attempt(JobKind::ChartRedraw), Ok(()));
    assert_eq!(desk.calls(), ["update C0ALERTS0 100.000100"]);
    desk.assert_sent_shows(0, "/api/chart/tok1x1.png");
    assert_eq!(desk.store.written("shown"), ["shown tok1x1"]);
}

#[test]
fn a_redraw_failing_again_for_a_passing_cause_retries_and_for_good_gives_up() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    desk.posted_earlier(1);
    *desk.drawer.as_ref().unwrap().failure.borrow_mut() = Some(transient("HTTP 503"));
    let (reason, maybe_posted) = retried(desk.attempt(JobKind::ChartRedraw));
    assert_eq!(reason, "chart: HTTP 503");
    assert!(!maybe_posted);
    *desk.drawer.as_ref().unwrap().failure.borrow_mut() = Some(DrawFailure {
        reason: "no such metric".into(),
        transient: false,
    });
    assert_eq!(desk.attempt(JobKind::ChartRedraw), Ok(()));
    assert!(desk.calls().is_empty(), "the message keeps its reason");
}

#[test]
fn an_inline_chart_still_unprocessed_at_the_resolve_is_left_out_saying_why_and_green_once() {
    let desk = Desk::new().with_charts(ChartDelivery::Inline);
    desk.set_status(1, AlertStatus::Resolved);
    desk.posted_earlier(1);
    for _ in 0..4 {
        desk.chat.fail_next("update", not_ready());
    }
    assert_eq!(desk.attempt(JobKind::AlertResolved), Ok(()));
    desk.assert_sent_shows(0, "no chart: Slack had not processed it in time");
    assert_eq!(desk.store.written("step"), ["step 7 1", "step 7 2"]);
    assert!(
        desk.store.written("redraw").is_empty(),
        "no second green edit"
    );
}

#[test]
fn a_redraw_waits_while_slack_processes_the_new_upload() {
    let desk = Desk::new().with_charts(ChartDelivery::Inline);
    desk.posted_earlier(1);
    desk.chat.fail_next("update", not_ready());
    assert_eq!(desk.attempt(JobKind::ChartRedraw), Ok(()));
    assert_eq!(
        desk.calls(),
        [
            "upload alert-1-tok1x1.png",
            "update C0ALERTS0 100.000100",
            "update C0ALERTS0 100.000100"
        ]
    );
    desk.assert_sent_shows(0, r#""slack_file":{"id":"F1"}"#);
    assert_eq!(desk.store.written("shown"), ["shown tok1x1"]);
}

// message-refresh

#[test]
fn a_refresh_redraws_the_message_and_in_url_mode_its_chart() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    desk.posted_earlier(1);
    assert_eq!(desk.attempt(JobKind::MessageRefresh), Ok(()));
    assert_eq!(desk.calls(), ["update C0ALERTS0 100.000100"]);
    assert_eq!(desk.drawer.as_ref().unwrap().drawn.get(), 1);
    let desk = Desk::new().with_charts(ChartDelivery::Upload);
    desk.posted_earlier(1);
    assert_eq!(desk.attempt(JobKind::MessageRefresh), Ok(()));
    assert_eq!(
        desk.calls(),
        ["update C0ALERTS0 100.000100"],
        "no new upload"
    );
    assert_eq!(desk.drawer.as_ref().unwrap().drawn.get(), 0);
}

#[test]
fn a_refresh_without_a_message_does_nothing() {
    let desk = Desk::new();
    assert_eq!(desk.attempt(JobKind::MessageRefresh), Ok(()));
    assert!(desk.calls().is_empty());
}

#[test]
fn a_refresh_whose_chart_failed_for_a_passing_cause_asks_a_redraw_while_firing() {
    let desk = Desk::new().with_charts(ChartDelivery::Url);
    desk.posted_earlier(1);
    *desk.drawer.as_ref().unwrap().failure.borrow_mut() = Some(transient("HTTP 503"));
    assert_eq!(desk.attempt(JobKind::MessageRefresh), Ok(()));
    assert_eq!(desk.store.written("redraw"), ["redraw 1"]);
    desk.set_status(1, AlertStatus::Resolved);
    assert_eq!(desk.deliver(&job(8, JobKind::MessageRefresh, 1)), Ok(()));
    assert_eq!(desk.store.written("redraw").len(), 1, "not once resolved");
}

#[test]
fn a_refresh_that_slack_refuses_is_its_failure() {
    let desk = Desk::new();
    desk.posted_earlier(1);
    desk.chat
        .fail_next("update", missing_scope(Some("C0ALERTS0")));
    assert_eq!(
        desk.attempt(JobKind::MessageRefresh),
        Err(Hold::Failed(missing_scope(Some("C0ALERTS0"))))
    );
}

// silence and unsilence

fn silence_job(attempt: u32, payload: &str) -> Job {
    let mut silence = job(7, JobKind::Silence, 1);
    silence.attempt = attempt;
    silence.payload = Some(payload.into());
    silence
}

const ONE_HOUR: &str = r#"{"user_id":"U1","user_name":"ada","duration_ms":3600000}"#;

#[test]
fn a_silence_without_alertmanager_or_with_a_bad_payload_cannot_pass() {
    let desk = Desk::new();
    let reason = permanent(desk.deliver(&silence_job(1, ONE_HOUR)));
    assert_eq!(reason, "cannot silence: ALERTMANAGER_URL is not set");
    let desk = Desk::new().with_alertmanager();
    let reason = permanent(desk.deliver(&silence_job(1, "{")));
    assert!(reason.starts_with("unreadable silence payload"), "{reason}");
    let reason = permanent(desk.deliver(&silence_job(1, r#"{"user_id":"U1","user_name":"ada"}"#)));
    assert_eq!(reason, "silence payload without duration_ms");
}

#[test]
fn a_silence_is_made_in_alertmanager_then_recorded() {
    let desk = Desk::new().with_alertmanager();
    assert_eq!(desk.deliver(&silence_job(1, ONE_HOUR)), Ok(()));
    let calls = desk.alertmanager.as_ref().unwrap().calls.borrow().clone();
    assert_eq!(
        calls,
        ["create: Silenced from Slack by @ada for 1 h · alertgraph job 7"]
    );
    assert_eq!(desk.store.written("silence"), ["silence 1 s-new by U1"]);
}

#[test]
fn a_new_silence_replaces_the_alerts_earlier_one() {
    let desk = Desk::new().with_alertmanager();
    desk.set_silenced(1, "s-old");
    assert_eq!(desk.deliver(&silence_job(1, ONE_HOUR)), Ok(()));
    let calls = desk.alertmanager.as_ref().unwrap().calls.borrow().clone();
    assert!(
        calls[0].starts_with("create replacing s-old: "),
        "{calls:?}"
    );
}

#[test]
fn a_retried_silence_takes_the_one_its_earlier_attempt_made() {
    let desk = Desk::new().with_alertmanager();
    *desk.alertmanager.as_ref().unwrap().earlier.borrow_mut() = Some("s-earlier".into());
    assert_eq!(desk.deliver(&silence_job(2, ONE_HOUR)), Ok(()));
    let calls = desk.alertmanager.as_ref().unwrap().calls.borrow().clone();
    assert_eq!(calls, ["find alertgraph job 7"]);
    assert_eq!(desk.store.written("silence"), ["silence 1 s-earlier by U1"]);
}

#[test]
fn an_alert_resolved_before_its_silence_gets_none() {
    let desk = Desk::new().with_alertmanager();
    desk.set_status(1, AlertStatus::Resolved);
    assert_eq!(desk.deliver(&silence_job(1, ONE_HOUR)), Ok(()));
    assert!(desk
        .alertmanager
        .as_ref()
        .unwrap()
        .calls
        .borrow()
        .is_empty());
    assert!(desk.store.written("silence").is_empty());
}

#[test]
fn an_alertmanager_away_or_a_store_away_retries_the_silence() {
    let desk = Desk::new().with_alertmanager();
    let away = retry("Alertmanager: connection refused", false);
    desk.alertmanager
        .as_ref()
        .unwrap()
        .failures
        .borrow_mut()
        .push_back(away);
    let (reason, _) = retried(desk.deliver(&silence_job(1, ONE_HOUR)));
    assert_eq!(reason, "Alertmanager: connection refused");
    desk.store.busy.borrow_mut().insert("set_alert_silence", 1);
    let (reason, _) = retried(desk.deliver(&silence_job(2, ONE_HOUR)));
    assert!(reason.starts_with("store: "), "{reason}");
}

#[test]
fn an_unsilence_expires_the_silence_and_a_still_firing_alert_just_loses_it() {
    let desk = Desk::new().with_alertmanager();
    desk.set_silenced(1, "s1");
    desk.alertmanager.as_ref().unwrap().firing.set(true);
    assert_eq!(desk.attempt(JobKind::Unsilence), Ok(()));
    let calls = desk.alertmanager.as_ref().unwrap().calls.borrow().clone();
    assert_eq!(calls, ["expire s1", "firing? Alert1"]);
    assert_eq!(*desk.store.journal.borrow(), ["unsilence 1"]);
}

#[test]
fn a_silence_ending_after_the_alert_stopped_firing_records_the_resolve_it_muted() {
    let desk = Desk::new().with_alertmanager();
    desk.set_silenced(1, "s1");
    assert_eq!(desk.attempt(JobKind::Unsilence), Ok(()));
    assert_eq!(
        *desk.store.journal.borrow(),
        ["webhook AlertStatus::Resolved f1", "unsilence 1"]
    );
}

#[test]
fn an_unsilence_of_an_alert_without_a_silence_only_records_it() {
    let desk = Desk::new();
    assert_eq!(desk.attempt(JobKind::Unsilence), Ok(()));
    assert_eq!(*desk.store.journal.borrow(), ["unsilence 1"]);
}

#[test]
fn ended_silences_are_settled_and_one_that_cannot_be_waits_for_the_next_drain() {
    let desk = Desk::new().with_alertmanager();
    desk.add_alert(2, AlertStatus::Firing, &[]);
    desk.set_silenced(1, "s1");
    desk.set_silenced(2, "s2");
    *desk.store.ended_silences.borrow_mut() = vec![1, 2, 3];
    let am = desk.alertmanager.as_ref().unwrap();
    am.firing.set(true);
    am.failures.borrow_mut().push_back(retry("HTTP 503", false));
    let deadline = Instant::now() + Duration::from_secs(5);
    run(settle_ended_silences(&desk.store, am, 10, deadline));
    assert_eq!(*am.calls.borrow(), ["firing? Alert1", "firing? Alert2"]);
    assert_eq!(
        *desk.store.journal.borrow(),
        ["unsilence 2"],
        "alert 3 is gone"
    );
}

// group-summary

#[test]
fn a_summary_posts_one_message_per_channel_leaving_out_alerts_gone() {
    let desk = Desk::new();
    desk.add_alert(2, AlertStatus::Firing, &[("slack_channel", "#db")]);
    desk.add_alert(3, AlertStatus::Resolved, &[]);
    let mut summary = job(7, JobKind::GroupSummary, 0);
    summary.payload = Some(r#"{"firing":[1,2,99],"resolved":[3]}"#.into());
    assert_eq!(desk.deliver(&summary), Ok(()));
    assert_eq!(desk.calls(), ["post #alerts", "post #db"]);
    desk.assert_sent_shows(0, "Alert1");
    desk.assert_sent_shows(0, "Alert3");
    assert!(
        desk.store.written("message").is_empty(),
        "no alert's own message"
    );
}

#[test]
fn an_unreadable_summary_cannot_pass() {
    let desk = Desk::new();
    let mut summary = job(7, JobKind::GroupSummary, 0);
    summary.payload = Some("[]".into());
    let reason = permanent(desk.deliver(&summary));
    assert!(reason.starts_with("unreadable summary payload"), "{reason}");
}
