//! Properties of the Slack messages on hostile alerts: they never panic, serialize, keep every
//! Block Kit limit, show alert text literally (escaped, maybe cut), and let no mention, link or
//! markup through but the builder's own date tokens, in Slack or in the history page's preview.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::tests::check_limits;
use super::{
    alert_message, channel_for, clean, group_summary, resolved_reply, AlertView, Block, Chart,
    Message, MessageOptions, Text,
};
use crate::props::{cases, config, hostile_text, maybe_long_text};
use crate::store::{Alert, AlertStatus};

/// The labels and annotations the builder reads, and any other.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => select(&[
            "alertname",
            "severity",
            "summary",
            "service",
            "sloth_service",
            "environment",
            "env",
            "instance",
            "objective_name",
            "sloth_slo",
            "slack_channel",
            "runbook_url",
        ][..])
        .prop_map(str::to_owned),
        1 => hostile_text(4),
    ]
}

/// Hostile text, sometimes a URL around it.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => maybe_long_text(5000),
        1 => hostile_text(8).prop_map(|s| format!("https://runbooks.example/{s}")),
        1 => select(&["page", "ticket", "PAGE", "", " ", "\u{0}"][..]).prop_map(str::to_owned),
    ]
}

fn pairs(max: usize) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((name(), value()), 0..max)
}

fn alert() -> impl Strategy<Value = Alert> {
    (
        pairs(300),
        pairs(20),
        any::<bool>(),
        any::<i64>(),
        prop::option::of(any::<i64>()),
        prop_oneof![
            hostile_text(12),
            hostile_text(12).prop_map(|q| format!("http://prometheus:9090/graph?g0.expr={q}")),
        ],
    )
        .prop_map(
            |(labels, annotations, firing, starts_at, ends_at, generator_url)| Alert {
                fingerprint: "f".to_owned(),
                status: if firing {
                    AlertStatus::Firing
                } else {
                    AlertStatus::Resolved
                },
                labels,
                annotations,
                starts_at,
                ends_at,
                generator_url,
            },
        )
}

fn options() -> impl Strategy<Value = MessageOptions> {
    let url = prop_oneof![
        hostile_text(8),
        hostile_text(8).prop_map(|s| format!("https://alertgraph.example/{s}")),
        maybe_long_text(4000).prop_map(|s| format!("http://h/{s}")),
    ];
    let chart = prop_oneof![
        (
            url.clone(),
            maybe_long_text(3000),
            prop::option::of(maybe_long_text(4000))
        )
            .prop_map(|(url, alt, numbers)| Chart::Image { url, alt, numbers }),
        maybe_long_text(4000).prop_map(Chart::Unavailable),
        Just(Chart::None),
    ];
    (prop::option::of(url), chart).prop_map(|(explorer_url, chart)| MessageOptions {
        explorer_url,
        chart,
    })
}

/// Every `<` in the message, whatever field it is in, opens one of the builder's date tokens:
/// no `<!channel>`, `<@U…>`, `<http…|…>` or markup from the alert.
pub(in crate::slack) fn assert_no_injection(m: &Message) -> Result<(), TestCaseError> {
    let json = serde_json::to_value(m).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut pending = vec![&json];
    while let Some(value) = pending.pop() {
        match value {
            Value::String(s) => {
                for (i, _) in s.match_indices('<') {
                    prop_assert!(s[i..].starts_with("<!date^"), "unescaped < in {s:?}");
                }
            }
            Value::Array(items) => pending.extend(items),
            // The channel and thread are addresses, never shown.
            Value::Object(fields) => pending.extend(
                fields
                    .iter()
                    .filter(|(k, _)| !["channel", "thread_ts"].contains(&k.as_str()))
                    .map(|(_, v)| v),
            ),
            _ => {}
        }
    }
    Ok(())
}

/// Slack's escapes undone.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let (plain, len) = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>')]
            .into_iter()
            .find(|(escape, _)| rest.starts_with(escape))
            .map_or((c, c.len_utf8()), |(escape, plain)| (plain, escape.len()));
        out.push(plain);
        rest = &rest[len..];
    }
    out
}

/// `shown` is `raw` cleaned and escaped, or the start of it with "…".
fn assert_literal(shown: &str, raw: &str) -> Result<(), TestCaseError> {
    let expected = clean(raw);
    let kept = match shown.strip_suffix('…') {
        Some(kept) if unescape(shown) != expected => kept,
        _ => shown,
    };
    prop_assert!(
        expected.starts_with(&unescape(kept)),
        "{:?} does not show {:?}",
        shown,
        raw
    );
    Ok(())
}

fn views(alerts: &[Alert]) -> Vec<AlertView<'_>> {
    alerts.iter().map(AlertView::of).collect()
}

fn section(m: &Message) -> (&str, Vec<&str>) {
    let Some(Block::Section { text, fields }) = m.attachments[0].blocks.get(1) else {
        panic!("no section in {m:?}");
    };
    (text_of(text), fields.iter().map(text_of).collect())
}

fn text_of(t: &Text) -> &str {
    match t {
        Text::PlainText { text, .. } | Text::Mrkdwn { text, .. } => text,
    }
}

proptest! {
    #![proptest_config(config(cases::SLACK_ALERT_MESSAGE))]
    #[test]
    fn any_alert_message_is_inert_and_within_limits(alert in alert(), options in options()) {
        let view = AlertView::of(&alert);
        let channel = channel_for(view.labels, view.annotations, Some("#alerts"));
        let channel = channel.unwrap_or_default();
        let m = alert_message(&view, &options, &channel);
        check_limits(&m);
        assert_no_injection(&m)?;
        prop_assert!(serde_json::to_string(&m).is_ok());
        // The history page's preview of it lets no markup through either.
        let mut html = String::new();
        crate::history::preview::push_message(&mut html, &m);
        crate::history::preview::tests::only_preview_markup(&html).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(cases::SLACK_SUMMARY_SHOWN_LITERALLY))]
    #[test]
    fn the_summary_and_name_are_shown_literally(
        mut alert in alert(),
        summary in maybe_long_text(5000),
        alertname in maybe_long_text(3000),
    ) {
        // Leading and trailing blanks are trimmed; a visible first and last character keep them.
        let (summary, alertname) = (format!("S{summary}S"), format!("A{alertname}A"));
        alert.labels.retain(|(k, _)| k != "alertname");
        alert.labels.push(("alertname".to_owned(), alertname.clone()));
        alert.annotations.retain(|(k, _)| k != "summary");
        alert.annotations.push(("summary".to_owned(), summary.clone()));
        let options = MessageOptions { explorer_url: None, chart: Chart::None };
        let m = alert_message(&AlertView::of(&alert), &options, "#alerts");
        check_limits(&m);
        let (text, fields) = section(&m);
        assert_literal(text, &summary)?;
        let shown_name = fields[2].strip_prefix("*Alert*\n").expect("the alert field");
        assert_literal(shown_name, &alertname)?;
        let tag = if alert.status == AlertStatus::Firing { "[FIRING] " } else { "[RESOLVED] " };
        let line = format!("{alertname}: {summary}").replace(['\n', '\t'], " ");
        assert_literal(m.text.strip_prefix(tag).expect("the tag"), &line)?;
    }
}

proptest! {
    #![proptest_config(config(cases::SLACK_GROUP_SUMMARY))]
    #[test]
    fn any_group_summary_is_inert_and_within_limits(
        names in prop::collection::vec(maybe_long_text(400), 1..40),
        firing in prop::collection::vec(any::<prop::sample::Index>(), 0..80),
        resolved in prop::collection::vec(any::<prop::sample::Index>(), 0..80),
    ) {
        prop_assume!(!firing.is_empty() || !resolved.is_empty());
        let alerts = |picks: &[prop::sample::Index], status| -> Vec<Alert> {
            picks
                .iter()
                .map(|pick| Alert {
                    fingerprint: "f".to_owned(),
                    status,
                    labels: vec![("alertname".to_owned(), pick.get(&names).clone())],
                    annotations: Vec::new(),
                    starts_at: 0,
                    ends_at: None,
                    generator_url: String::new(),
                })
                .collect()
        };
        let firing = alerts(&firing, AlertStatus::Firing);
        let resolved = alerts(&resolved, AlertStatus::Resolved);
        let m = group_summary(&views(&firing), &views(&resolved), "#alerts");
        check_limits(&m);
        assert_no_injection(&m)?;
    }
}

proptest! {
    #![proptest_config(config(cases::SLACK_RESOLVED_REPLY))]
    #[test]
    fn any_resolved_reply_is_within_limits(alert in alert(), thread_ts in hostile_text(8)) {
        let m = resolved_reply(&AlertView::of(&alert), "#alerts", &thread_ts);
        check_limits(&m);
        assert_no_injection(&m)?;
        prop_assert_eq!(m.thread_ts.as_deref(), Some(thread_ts.as_str()));
    }
}
