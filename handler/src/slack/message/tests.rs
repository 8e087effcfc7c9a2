use serde_json::json;

use super::*;
use crate::webhook;

mod text;

const FIRING: &str = include_str!("../../../../tests/fixtures/alertmanager-0.25/firing.json");
const RESOLVED: &str = include_str!("../../../../tests/fixtures/alertmanager-0.25/resolved.json");
const GENERATOR_URL: &str = "http://127.0.0.1:41485/graph?g0.expr=sum+by+%28service%29+%28rate%28http_requests_total%7Bcode%3D%22500%22%7D%5B1m%5D%29%29+%2F+sum+by+%28service%29+%28rate%28http_requests_total%5B1m%5D%29%29+%3E+0.05&g0.tab=1";

// Limits Slack enforces that the builder meets by construction (fixed texts, few blocks).
const FALLBACK_SLACK_MAX: usize = 4000;
const HEADER_MAX: usize = 150;
const FIELDS_MAX: usize = 10;
const BLOCKS_MAX: usize = 50;
const CONTEXT_ELEMENTS_MAX: usize = 10;
const ACTIONS_MAX: usize = 25;
const BUTTON_TEXT_MAX: usize = 75;

fn fixture_alert(body: &str) -> Alert {
    webhook::parse(body.as_bytes()).unwrap().alerts.remove(0)
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn alert(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Alert {
    Alert {
        fingerprint: "f".into(),
        status: AlertStatus::Firing,
        labels: pairs(labels),
        annotations: pairs(annotations),
        starts_at: 1_795_639_651_731,
        ends_at: None,
        generator_url: String::new(),
    }
}

fn no_extras() -> MessageOptions {
    MessageOptions {
        explorer_url: None,
        chart: Chart::None,
    }
}

#[test]
fn a_summary_counts_alerts_by_name_within_limits() {
    let names: Vec<String> = (0..30).map(|i| format!("Alert{i:02}")).collect();
    let mut firing: Vec<Alert> = names
        .iter()
        .map(|n| alert(&[("alertname", n)], &[]))
        .collect();
    firing.extend((0..5).map(|_| alert(&[("alertname", "Busy<!channel>")], &[])));
    let resolved = [alert(&[("alertname", "Done")], &[])];
    let views: Vec<AlertView> = firing.iter().map(AlertView::of).collect();
    let resolved_views: Vec<AlertView> = resolved.iter().map(AlertView::of).collect();
    let m = group_summary(&views, &resolved_views, "#alerts");
    check_limits(&m);
    assert_eq!(m.attachments[0].color, FIRING_COLOR);
    let Block::Header {
        text: Text::PlainText { text: header, .. },
    } = &blocks(&m)[0]
    else {
        panic!("{m:?}")
    };
    assert_eq!(header, ":rotating_light: 35 more alerts firing, 1 resolved");
    let (text, _) = section(&m);
    assert!(
        text.starts_with("*Firing*\n• Busy&lt;!channel&gt; ×5\n• Alert00 ×1"),
        "{text}"
    );
    assert!(text.contains("…and 11 more names"), "{text}");
    assert!(text.ends_with("*Resolved*\n• Done ×1"), "{text}");
    assert!(
        m.text
            .starts_with("[FIRING] 35 more alerts firing, 1 resolved: Busy&lt;"),
        "{}",
        m.text
    );

    let only_resolved = group_summary(&[], &resolved_views, "#alerts");
    check_limits(&only_resolved);
    assert_eq!(only_resolved.attachments[0].color, RESOLVED_COLOR);
}

fn message(alert: &Alert, options: &MessageOptions) -> Message {
    let m = alert_message(&AlertView::of(alert), options, "#alerts");
    check_limits(&m);
    m
}

fn past(fired_last_week: u32, previous: Option<i64>, changes: u32) -> AlertHistory {
    AlertHistory {
        fired_last_week,
        previous_duration_ms: previous,
        changes_last_hour: changes,
    }
}

#[test]
fn the_history_line_tells_what_the_store_knows() {
    assert_eq!(history_line(&past(1, None, 1)), None, "a first firing");
    assert_eq!(
        history_line(&past(4, Some(12 * 60_000), 1)).unwrap(),
        "Fired 4× in the last 7 days · last time resolved after 12 min"
    );
    assert_eq!(
        history_line(&past(1, Some(3_600_000 + 5 * 60_000), 2)).unwrap(),
        "Last time resolved after 1 h 5 min",
        "the last firing was over a week ago"
    );
    assert_eq!(
        history_line(&past(3, None, 4)).unwrap(),
        "Fired 3× in the last 7 days",
        "four changes an hour is not flapping yet"
    );
    assert_eq!(
        history_line(&past(6, Some(30_000), 5)).unwrap(),
        ":warning: flapping: 5 state changes in the last hour · fired 6× in the last 7 \
             days · last time resolved after 30 s"
    );
}

#[test]
fn the_history_goes_under_the_description_above_the_chart() {
    let options = MessageOptions {
        explorer_url: Some("https://explorer.example/".into()),
        chart: Chart::Unavailable("Prometheus is down".into()),
    };
    let mut m = message(&fixture_alert(FIRING), &options);
    let before = blocks(&m).len();
    add_history(&mut m, &past(1, None, 1));
    assert_eq!(blocks(&m).len(), before, "nothing to tell");
    add_history(&mut m, &past(2, Some(60_000), 2));
    check_limits(&m);
    let kinds: Vec<_> = blocks(&m)
        .iter()
        .map(|b| serde_json::to_value(b).unwrap()["type"].clone())
        .collect();
    assert_eq!(
        kinds,
        ["header", "section", "context", "context", "actions"],
        "{m:#?}"
    );
    let json = serde_json::to_value(&blocks(&m)[2]).unwrap();
    assert_eq!(
        json["elements"][0]["text"],
        "Fired 2× in the last 7 days · last time resolved after 1 min"
    );
}

/// The action ids of the message's buttons, and its context lines.
fn controls_of(m: &Message) -> (Vec<&str>, Vec<&str>) {
    let mut ids = Vec::new();
    let mut lines = Vec::new();
    for block in blocks(m) {
        match block {
            Block::Actions { elements } => ids.extend(elements.iter().filter_map(|e| match e {
                Element::Control { action_id, .. } => Some(*action_id),
                Element::Button { .. } => None,
            })),
            Block::Context { elements } => lines.extend(elements.iter().map(text_of)),
            _ => {}
        }
    }
    (ids, lines)
}

#[test]
fn a_firing_message_offers_acknowledge_and_silences_above_its_links() {
    let options = MessageOptions {
        explorer_url: Some("https://explorer.example/".into()),
        chart: Chart::None,
    };
    let alert = fixture_alert(FIRING);
    let view = AlertView::of(&alert);
    let controls = Some(Controls { silences: true });
    let mut m = message(&alert, &options);
    add_controls(&mut m, &view, 42, Responses::default(), controls, 0);
    check_limits(&m);
    assert_eq!(
        controls_of(&m),
        (
            vec!["acknowledge", "silence_1h", "silence_4h", "silence_24h"],
            vec![]
        )
    );
    let json = serde_json::to_value(&blocks(&m)[2]).unwrap();
    assert_eq!(
        json["elements"][0],
        json!({"type": "button", "text": {"type": "plain_text", "text": "Acknowledge",
                   "emoji": true}, "action_id": "acknowledge", "value": "42",
                   "style": "primary"})
    );
    assert_eq!(json["elements"][1]["value"], "42");
    assert!(json["elements"][1].get("style").is_none());
    let last = serde_json::to_value(blocks(&m).last().unwrap()).unwrap();
    assert!(last["elements"][0]["url"].is_string(), "links stay last");

    let mut without_alertmanager = message(&alert, &options);
    let only_ack = Some(Controls { silences: false });
    add_controls(
        &mut without_alertmanager,
        &view,
        42,
        Responses::default(),
        only_ack,
        0,
    );
    assert_eq!(controls_of(&without_alertmanager).0, ["acknowledge"]);

    let mut off = message(&alert, &options);
    add_controls(&mut off, &view, 42, Responses::default(), None, 0);
    assert_eq!(
        off,
        message(&alert, &options),
        "interactivity off: nothing added"
    );
}

#[test]
fn the_message_tells_who_acknowledged_and_silenced_until_when() {
    let options = MessageOptions {
        explorer_url: None,
        chart: Chart::None,
    };
    let alert = fixture_alert(FIRING);
    let view = AlertView::of(&alert);
    let ack = Acknowledgement {
        user_id: "U0123ABC".into(),
        at: 1_795_639_651_731,
    };
    let silence = AlertSilence {
        id: "8e2c".into(),
        user_id: "W9".into(),
        until: 1_795_643_251_731,
    };
    let responses = Responses {
        acknowledged: Some(&ack),
        silenced: Some(&silence),
    };
    let controls = Some(Controls { silences: true });
    let mut m = message(&alert, &options);
    add_controls(&mut m, &view, 7, responses, controls, silence.until - 1);
    check_limits(&m);
    assert_eq!(
            controls_of(&m),
            (
                vec!["unsilence"],
                vec![
                    ":eyes: Acknowledged by <@U0123ABC> <!date^1795639651^{date_short_pretty} at {time}|2026-11-25T20:47:31Z>",
                    ":no_bell: Silenced by <@W9> until <!date^1795643251^{date_short_pretty} at {time}|2026-11-25T21:47:31Z>",
                ]
            )
        );
    assert_eq!(
        serde_json::to_value(blocks(&m).last().unwrap()).unwrap()["type"],
        "actions",
        "no link buttons: the controls come last"
    );

    let mut expired = message(&alert, &options);
    add_controls(&mut expired, &view, 7, responses, controls, silence.until);
    let (ids, lines) = controls_of(&expired);
    assert_eq!(ids, ["silence_1h", "silence_4h", "silence_24h"]);
    assert_eq!(lines.len(), 1, "a silence past its end is not shown");

    let resolved = fixture_alert(RESOLVED);
    let mut green = message(&resolved, &options);
    add_controls(
        &mut green,
        &AlertView::of(&resolved),
        7,
        responses,
        controls,
        0,
    );
    let (ids, lines) = controls_of(&green);
    assert!(ids.is_empty(), "a resolved alert has nothing to act on");
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with(":eyes: Acknowledged by <@U0123ABC>"));
}

#[test]
fn a_user_id_that_is_no_slack_id_stays_plain_text() {
    assert_eq!(mention("U0123ABC"), "<@U0123ABC>");
    assert_eq!(mention("<!channel>"), "&lt;!channel&gt;");
}

fn blocks(m: &Message) -> &[Block] {
    &m.attachments[0].blocks
}

fn section(m: &Message) -> (&str, Vec<&str>) {
    let Some(Block::Section { text, fields }) = blocks(m).get(1) else {
        panic!("no section in {m:?}");
    };
    (text_of(text), fields.iter().map(text_of).collect())
}

fn text_of(t: &Text) -> &str {
    match t {
        Text::PlainText { text, .. } | Text::Mrkdwn { text, .. } => text,
    }
}

fn button_urls(m: &Message) -> Vec<(&str, &str)> {
    blocks(m)
        .iter()
        .filter_map(|b| match b {
            Block::Actions { elements } => Some(elements),
            _ => None,
        })
        .flatten()
        .filter_map(|e| match e {
            Element::Button { text, url } => Some((text_of(text), url.as_str())),
            Element::Control { .. } => None,
        })
        .collect()
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Everything Slack checks before it accepts a message, and that alert text stays inert.
pub(super) fn check_limits(m: &Message) {
    assert!(chars(&m.text) <= FALLBACK_SLACK_MAX && chars(&m.text) <= FALLBACK_MAX);
    check_safe(&m.text);
    for attachment in &m.attachments {
        assert!(!attachment.blocks.is_empty() && attachment.blocks.len() <= BLOCKS_MAX);
        for block in &attachment.blocks {
            check_block(block);
        }
    }
}

fn check_block(block: &Block) {
    match block {
        Block::Header { text } => {
            assert!(matches!(text, Text::PlainText { .. }));
            check_text(text, HEADER_MAX);
        }
        Block::Section { text, fields } => {
            check_text(text, SECTION_TEXT_MAX);
            assert!(fields.len() <= FIELDS_MAX);
            fields.iter().for_each(|f| check_text(f, FIELD_MAX));
        }
        Block::Image {
            image_url,
            alt_text,
        } => {
            check_url(image_url);
            assert!(chars(alt_text) <= ALT_TEXT_MAX, "alt_text too long");
            check_safe(alt_text);
        }
        Block::SlackImage {
            slack_file,
            alt_text,
        } => {
            assert!(!slack_file.id.is_empty());
            assert!(chars(alt_text) <= ALT_TEXT_MAX, "alt_text too long");
            check_safe(alt_text);
        }
        Block::Context { elements } => {
            assert!(!elements.is_empty() && elements.len() <= CONTEXT_ELEMENTS_MAX);
            elements
                .iter()
                .for_each(|e| check_text(e, CONTEXT_TEXT_MAX));
        }
        Block::Actions { elements } => {
            assert!(!elements.is_empty() && elements.len() <= ACTIONS_MAX);
            for element in elements {
                let (Element::Button { text, .. } | Element::Control { text, .. }) = element;
                assert!(matches!(text, Text::PlainText { .. }));
                match element {
                    Element::Button { text, url } => {
                        check_text(text, BUTTON_TEXT_MAX);
                        check_url(url);
                    }
                    Element::Control { text, value, .. } => {
                        check_text(text, BUTTON_TEXT_MAX);
                        assert!(value.parse::<i64>().is_ok(), "{value}");
                    }
                }
            }
        }
    }
}

fn check_text(text: &Text, max: usize) {
    let text = text_of(text);
    assert!(chars(text) <= max, "{} chars over {max}", chars(text));
    check_safe(text);
}

fn check_url(url: &str) {
    assert!(url.len() <= URL_MAX, "URL of {} bytes", url.len());
    assert!(
        url.starts_with("http://") || url.starts_with("https://"),
        "{url}"
    );
    assert!(
        url.bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&b)),
        "{url}"
    );
}

/// Not empty, no control characters, every `&` an escape, and `<…>` only our date tokens.
fn check_safe(text: &str) {
    assert!(!text.trim().is_empty(), "empty text");
    assert!(
        text.chars()
            .all(|c| !c.is_control() || c == '\n' || c == '\t'),
        "control character in {text:?}"
    );
    for (i, _) in text.match_indices('&') {
        let rest = &text[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "bare or cut & in {text:?}"
        );
    }
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        assert!(!rest[..open].contains('>'), "stray > in {text:?}");
        let token = &rest[open..];
        let close = token.find('>').expect("unclosed token");
        let mention = token[..close]
            .strip_prefix("<@")
            .is_some_and(interaction::is_user_id);
        assert!(
            token.starts_with("<!date^") || mention,
            "unescaped < in {text:?}"
        );
        assert!(!token[1..close].contains('<'));
        rest = &token[close + 1..];
    }
    assert!(!rest.contains('>'), "stray > in {text:?}");
}

/// The chart's numbers in words, as `chart::numbers` writes them.
const NUMBERS: &str = "6.6 % when it fired · peak 9.1 % · 14 min above 5 %";

#[test]
fn firing_fixture_message() {
    let alert = fixture_alert(FIRING);
    let options = MessageOptions {
        explorer_url: Some("https://explorer.example/".into()),
        chart: Chart::Image {
            url: "https://alertgraph.example/api/chart/0123abcd.png".into(),
            alt: NUMBERS.into(),
            numbers: Some(NUMBERS.into()),
        },
    };
    let m = message(&alert, &options);
    assert_eq!(
        serde_json::to_value(&m).unwrap(),
        json!({
            "channel": "#alerts",
            "text": "[FIRING] HighErrorRate: High error rate on checkout: 6.554% of requests fail",
            "attachments": [{
                "color": "#F2303C",
                "blocks": [
                    {
                        "type": "header",
                        "text": {
                            "type": "plain_text",
                            "text": ":rotating_light: Alert is firing",
                            "emoji": true
                        }
                    },
                    {
                        "type": "section",
                        "text": {
                            "type": "mrkdwn",
                            "text": "High error rate on checkout: 6.554% of requests fail",
                            "verbatim": true
                        },
                        "fields": [
                            {"type": "mrkdwn", "text": "*Severity*\n:pager: Page", "verbatim": true},
                            {
                                "type": "mrkdwn",
                                "text": "*Created*\n<!date^1795639651^{date_short_pretty} at {time}|2026-11-25T20:47:31Z>",
                                "verbatim": true
                            },
                            {"type": "mrkdwn", "text": "*Alert*\nHighErrorRate", "verbatim": true}
                        ]
                    },
                    {
                        "type": "image",
                        "image_url": "https://alertgraph.example/api/chart/0123abcd.png",
                        "alt_text": "6.6 % when it fired · peak 9.1 % · 14 min above 5 %"
                    },
                    {
                        "type": "context",
                        "elements": [{
                            "type": "mrkdwn",
                            "text": "6.6 % when it fired · peak 9.1 % · 14 min above 5 %",
                            "verbatim": true
                        }]
                    },
                    {
                        "type": "actions",
                        "elements": [
                            {
                                "type": "button",
                                "text": {"type": "plain_text", "text": "Open", "emoji": true},
                                "url": "https://explorer.example/?alertname=HighErrorRate"
                            },
                            {
                                "type": "button",
                                "text": {"type": "plain_text", "text": "Prometheus graph", "emoji": true},
                                "url": GENERATOR_URL
                            }
                        ]
                    }
                ]
            }]
        })
    );
}

#[test]
fn resolved_fixture_message_and_reply() {
    let alert = fixture_alert(RESOLVED);
    let options = MessageOptions {
        explorer_url: None,
        chart: Chart::Unavailable("Prometheus query timed out".into()),
    };
    let view = AlertView::of(&alert);
    let m = alert_message(&view, &options, "C0123");
    check_limits(&m);
    assert_eq!(
        serde_json::to_value(&m).unwrap(),
        json!({
            "channel": "C0123",
            "text": "[RESOLVED] HighErrorRate: High error rate on checkout: 5.931% of requests fail",
            "attachments": [{
                "color": "#2EC95A",
                "blocks": [
                    {
                        "type": "header",
                        "text": {
                            "type": "plain_text",
                            "text": ":white_check_mark: Alert was resolved",
                            "emoji": true
                        }
                    },
                    {
                        "type": "section",
                        "text": {
                            "type": "mrkdwn",
                            "text": "High error rate on checkout: 5.931% of requests fail",
                            "verbatim": true
                        },
                        "fields": [
                            {"type": "mrkdwn", "text": "*Severity*\n:pager: Page", "verbatim": true},
                            {
                                "type": "mrkdwn",
                                "text": "*Created*\n<!date^1795639651^{date_short_pretty} at {time}|2026-11-25T20:47:31Z>",
                                "verbatim": true
                            },
                            {"type": "mrkdwn", "text": "*Alert*\nHighErrorRate", "verbatim": true},
                            {
                                "type": "mrkdwn",
                                "text": "*Resolved*\n<!date^1795639741^{date_short_pretty} at {time}|2026-11-25T20:49:01Z>",
                                "verbatim": true
                            },
                            {"type": "mrkdwn", "text": "*Duration*\n1 min 30 s", "verbatim": true}
                        ]
                    },
                    {
                        "type": "context",
                        "elements": [{
                            "type": "mrkdwn",
                            "text": "no chart: Prometheus query timed out",
                            "verbatim": true
                        }]
                    },
                    {
                        "type": "actions",
                        "elements": [{
                            "type": "button",
                            "text": {"type": "plain_text", "text": "Prometheus graph", "emoji": true},
                            "url": GENERATOR_URL
                        }]
                    }
                ]
            }]
        })
    );

    let reply = resolved_reply(&view, "C0123", "1795639652.000100");
    check_limits(&reply);
    assert_eq!(
        serde_json::to_value(&reply).unwrap(),
        json!({
            "channel": "C0123",
            "text": ":white_check_mark: Resolved after 1 min 30 s",
            "thread_ts": "1795639652.000100"
        })
    );
}

#[test]
fn resolved_without_end_time_shows_no_duration() {
    let mut a = alert(&[("alertname", "X")], &[]);
    a.status = AlertStatus::Resolved;
    let m = message(&a, &no_extras());
    assert_eq!(section(&m).1.len(), 3);
    assert_eq!(m.attachments[0].color, RESOLVED_COLOR);
    let reply = resolved_reply(&AlertView::of(&a), "C1", "1.2");
    assert_eq!(reply.text, ":white_check_mark: Resolved");
}

#[test]
fn severity_mapping() {
    for (severity, shown) in [
        (Some("page"), ":pager: Page"),
        (Some(" PAGE "), ":pager: Page"),
        (Some("ticket"), ":ticket: Ticket"),
        (Some("critical"), ":question: critical"),
        (Some("<!here>"), ":question: &lt;!here&gt;"),
        (Some(""), ":question: Unknown"),
        (None, ":question: Unknown"),
    ] {
        let mut labels = vec![("alertname", "A")];
        labels.extend(severity.map(|s| ("severity", s)));
        let m = message(&alert(&labels, &[]), &no_extras());
        assert_eq!(
            section(&m).1[0],
            format!("*Severity*\n{shown}"),
            "{severity:?}"
        );
    }
}

#[test]
fn derived_texts() {
    for (labels, text) in [
        (
            vec![("alertname", "InstanceDown"), ("instance", "db-1:9100")],
            "db-1:9100 is down",
        ),
        (vec![("alertname", "InstanceDown")], "InstanceDown"),
        (
            vec![
                ("alertname", "SLOErrorBudgetBurn"),
                ("sloth_slo", "requests-availability"),
                ("objective_name", "API success rate"),
                ("sloth_service", "api"),
            ],
            "SLO \"API success rate\" in danger for \"api\"",
        ),
        (
            vec![
                ("alertname", "Burn"),
                ("sloth_slo", "latency"),
                ("service", "web"),
            ],
            "SLO \"latency\" in danger for \"web\"",
        ),
        (
            vec![("alertname", "HighErrorRate"), ("service", "checkout")],
            "High error rate for \"checkout\"",
        ),
        (
            vec![
                ("alertname", "api_latency_high"),
                ("service", "api"),
                ("environment", "production"),
            ],
            "High latency for \"api\" in production",
        ),
        (
            vec![("alertname", "DiskFull"), ("env", "staging")],
            "DiskFull in staging",
        ),
        (vec![("alertname", " ")], "Unnamed alert"),
        (vec![("alertname", "\u{7}")], "Unnamed alert"),
        (vec![], "Unnamed alert"),
        (
            vec![("alertname", "HighErrorRate"), ("service", "a&b")],
            "High error rate for \"a&amp;b\"",
        ),
    ] {
        let m = message(&alert(&labels, &[]), &no_extras());
        assert_eq!(section(&m).0, text, "{labels:?}");
    }
}

#[test]
fn summary_wins_unless_blank() {
    let labels = [("alertname", "HighErrorRate")];
    let m = message(
        &alert(&labels, &[("summary", " Too many 500s ")]),
        &no_extras(),
    );
    assert_eq!(section(&m).0, "Too many 500s");
    assert_eq!(m.text, "[FIRING] HighErrorRate: Too many 500s");
    for blank in ["", "  ", "\u{1}\u{1b}"] {
        let m = message(&alert(&labels, &[("summary", blank)]), &no_extras());
        assert_eq!(section(&m).0, "High error rate", "{blank:?}");
    }
}

#[test]
fn explorer_url_gets_the_alertname() {
    for (base, url) in [
        (
            "https://x.example",
            "https://x.example?alertname=High%20Error%2FRate%26%C3%A9",
        ),
        (
            "https://x.example/e/",
            "https://x.example/e/?alertname=High%20Error%2FRate%26%C3%A9",
        ),
        (
            "https://x.example/e?org=1",
            "https://x.example/e?org=1&alertname=High%20Error%2FRate%26%C3%A9",
        ),
        (
            "https://x.example/e?",
            "https://x.example/e?alertname=High%20Error%2FRate%26%C3%A9",
        ),
        (
            "https://x.example/e?a=1&",
            "https://x.example/e?a=1&alertname=High%20Error%2FRate%26%C3%A9",
        ),
        (
            " https://x.example/e/#/functions?x=1 ",
            "https://x.example/e/?alertname=High%20Error%2FRate%26%C3%A9#/functions?x=1",
        ),
    ] {
        assert_eq!(
            explorer_link(base, "High Error/Rate&é").as_deref(),
            Some(url),
            "{base}"
        );
    }
    assert_eq!(explorer_link("explorer.example", "A"), None);
    assert_eq!(explorer_link("", "A"), None);
}

#[test]
fn buttons_only_for_http_links() {
    assert_eq!(
        link("HTTPS://Example.com/a b\"<>|é").as_deref(),
        Some("HTTPS://Example.com/a%20b%22%3C%3E%7C%C3%A9")
    );
    for bad in [
        "",
        "ftp://x",
        "javascript:alert(1)",
        "http://",
        "https:///path",
        "https://?q",
        "//x.example",
        "x",
        "https://exa mple.example/",
        "https://é.example/",
        "https://x.example<b>/",
    ] {
        assert_eq!(link(bad), None, "{bad:?}");
    }
    let long = format!("https://x.example/{}", "a".repeat(URL_MAX - 18));
    assert_eq!(link(&long).map(|u| u.len()), Some(URL_MAX));
    assert_eq!(link(&format!("{long}a")), None);
    // Encoding can push a URL over the limit.
    assert_eq!(link(&format!("{}é", &long[..long.len() - 5])), None);

    let a = Alert {
        generator_url: "javascript:alert(1)".into(),
        ..alert(
            &[
                ("alertname", "A"),
                ("runbook_url", "https://label.example/rb"),
            ],
            &[("runbook_url", "https://wiki.example/rb#A")],
        )
    };
    let m = message(&a, &no_extras());
    assert_eq!(button_urls(&m), [("Runbook", "https://wiki.example/rb#A")]);
    let a = alert(
        &[("runbook_url", "https://label.example/rb")],
        &[("runbook_url", "no")],
    );
    assert!(button_urls(&message(&a, &no_extras())).is_empty());
    let a = alert(&[("runbook_url", "https://label.example/rb")], &[]);
    assert_eq!(
        button_urls(&message(&a, &no_extras())),
        [("Runbook", "https://label.example/rb")]
    );
    // No buttons, no actions block.
    let m = message(&alert(&[("alertname", "A")], &[]), &no_extras());
    assert_eq!(blocks(&m).len(), 2);
}

#[test]
fn bad_chart_url_or_empty_alt() {
    let a = alert(&[("alertname", "A")], &[]);
    let chart = |url: &str, alt: &str, numbers: Option<&str>| MessageOptions {
        explorer_url: None,
        chart: Chart::Image {
            url: url.into(),
            alt: alt.into(),
            numbers: numbers.map(Into::into),
        },
    };
    // Without the image its numbers go too.
    let m = message(&a, &chart("file:///etc/passwd", "x", Some(NUMBERS)));
    assert_eq!(
        blocks(&m)[2..],
        [Block::Context {
            elements: vec![mrkdwn("no chart: invalid image URL".into())]
        }]
    );
    let m = message(&a, &chart("https://c.example/1.png", " \u{1}", None));
    assert_eq!(
        blocks(&m)[2..],
        [Block::Image {
            image_url: "https://c.example/1.png".into(),
            alt_text: "chart".into()
        }]
    );
    let m = message(
        &a,
        &MessageOptions {
            explorer_url: None,
            chart: Chart::Unavailable("<!channel> down".into()),
        },
    );
    assert_eq!(
        blocks(&m)[2],
        Block::Context {
            elements: vec![mrkdwn("no chart: &lt;!channel&gt; down".into())]
        }
    );
}
