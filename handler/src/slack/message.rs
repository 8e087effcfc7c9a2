//! The Slack message for an alert (Block Kit blocks in a coloured attachment) and the threaded
//! "resolved" reply, as plain serde values for `chat.postMessage` / `chat.update`. All alert text
//! is escaped and cut to Block Kit's limits here, so no label can make Slack refuse a message.

use serde::Serialize;

use super::interaction::{self, ACKNOWLEDGE, SILENCES, UNSILENCE};
use crate::labels;
use crate::percent::push_escaped;
use crate::store::{Acknowledgement, Alert, AlertHistory, AlertSilence, AlertStatus, StoredAlert};

const FIRING_COLOR: &str = "#F2303C";
const RESOLVED_COLOR: &str = "#2EC95A";

/// Block Kit limits, in characters.
const SECTION_TEXT_MAX: usize = 3000;
const FIELD_MAX: usize = 2000;
const CONTEXT_TEXT_MAX: usize = 3000;
const ALT_TEXT_MAX: usize = 2000;
const URL_MAX: usize = 3000;
/// Slack takes 4000, but the fallback is a notification line read at a glance.
const FALLBACK_MAX: usize = 300;

/// The parts of an alert the message shows, borrowed from the stored record.
#[derive(Debug, Clone, Copy)]
pub struct AlertView<'a> {
    pub alertname: &'a str,
    pub status: AlertStatus,
    pub labels: &'a [(String, String)],
    pub annotations: &'a [(String, String)],
    pub starts_at_ms: i64,
    pub ends_at_ms: Option<i64>,
    pub generator_url: &'a str,
}

impl<'a> AlertView<'a> {
    pub fn of(alert: &'a Alert) -> Self {
        Self {
            alertname: lookup(&alert.labels, "alertname").unwrap_or(""),
            status: alert.status,
            labels: &alert.labels,
            annotations: &alert.annotations,
            starts_at_ms: alert.starts_at,
            ends_at_ms: alert.ends_at,
            generator_url: &alert.generator_url,
        }
    }
}

/// What the message shows besides the alert itself.
#[derive(Debug, Clone)]
pub struct MessageOptions {
    /// `EXPLORER_URL`, for the "Open" button.
    pub explorer_url: Option<String>,
    pub chart: Chart,
}

#[derive(Debug, Clone)]
pub enum Chart {
    /// A PNG Slack fetches from `url`; `numbers`, the chart in words, shown under it.
    Image {
        url: String,
        alt: String,
        numbers: Option<String>,
    },
    /// A PNG uploaded to Slack without a channel, shown by its file id.
    SlackFile {
        id: String,
        alt: String,
        numbers: Option<String>,
    },
    /// Uploaded, but Slack had not processed it in time: an edit puts it in later.
    Follows,
    /// No chart could be made: the one-line reason is shown instead.
    Unavailable(String),
    /// Charts are off: nothing is shown.
    None,
}

/// A `chat.postMessage` body (the caller adds `ts` for `chat.update`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub channel: String,
    /// The notification and accessibility fallback.
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Marks the message as an alert's, so a retry after a lost answer can find it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// Slack message metadata (`event_type` + `event_payload`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metadata {
    pub event_type: &'static str,
    pub event_payload: AlertRef,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRef {
    pub alert_id: i64,
}

/// The metadata `event_type` of alert messages.
pub const ALERT_EVENT: &str = "alertgraph_alert";

impl Metadata {
    pub fn alert(alert_id: i64) -> Metadata {
        Metadata {
            event_type: ALERT_EVENT,
            event_payload: AlertRef { alert_id },
        }
    }
}

/// An attachment only for its colour bar: the content is Block Kit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    pub color: &'static str,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Header {
        text: Text,
    },
    Section {
        text: Text,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        fields: Vec<Text>,
    },
    Image {
        image_url: String,
        alt_text: String,
    },
    /// An image block showing a file uploaded to Slack rather than one fetched from a URL.
    #[serde(rename = "image")]
    SlackImage {
        slack_file: SlackFile,
        alt_text: String,
    },
    Context {
        elements: Vec<Text>,
    },
    Actions {
        elements: Vec<Element>,
    },
}

/// A file uploaded to Slack, as an image block names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlackFile {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Text {
    PlainText {
        text: String,
        emoji: bool,
    },
    /// `verbatim` so Slack does not turn a bare `@here` or channel name in a label into a ping.
    Mrkdwn {
        text: String,
        verbatim: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Element {
    /// A link button: Slack opens `url`.
    Button { text: Text, url: String },
    /// A button Slack reports to `/api/slack/interactions` with its `action_id` and `value`.
    #[serde(rename = "button")]
    Control {
        text: Text,
        action_id: &'static str,
        value: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        style: Option<&'static str>,
    },
}

/// The message for an alert: firing (red) or resolved (green), posted or updated in place.
pub fn alert_message(alert: &AlertView, options: &MessageOptions, channel: &str) -> Message {
    let firing = alert.status == AlertStatus::Firing;
    let (color, header, tag) = if firing {
        (
            FIRING_COLOR,
            ":rotating_light: Alert is firing",
            "[FIRING] ",
        )
    } else {
        (
            RESOLVED_COLOR,
            ":white_check_mark: Alert was resolved",
            "[RESOLVED] ",
        )
    };
    let description = description(alert);

    let mut blocks = vec![
        Block::Header {
            text: Text::PlainText {
                text: header.to_owned(),
                emoji: true,
            },
        },
        Block::Section {
            text: mrkdwn(escape_cut(&description, SECTION_TEXT_MAX)),
            fields: fields(alert),
        },
    ];
    blocks.extend(chart_blocks(&options.chart));
    let buttons = buttons(alert, options.explorer_url.as_deref());
    if !buttons.is_empty() {
        blocks.push(Block::Actions { elements: buttons });
    }

    let line = format!("{}: {description}", alert.alertname).replace(['\n', '\t'], " ");
    Message {
        channel: channel.to_owned(),
        text: format!("{tag}{}", escape_cut(&line, FALLBACK_MAX - tag.len())),
        thread_ts: None,
        attachments: vec![Attachment { color, blocks }],
        metadata: None,
    }
}

/// An alert is flapping once it changed state more often than this in the last hour.
const FLAPPING_CHANGES: u32 = 4;

/// Changed state more than [`FLAPPING_CHANGES`] times in the last hour.
pub fn is_flapping(history: &AlertHistory) -> bool {
    history.changes_last_hour > FLAPPING_CHANGES
}

/// What the store knows of the alert's past, one line: "Fired 4× in the last 7 days · last
/// time resolved after 12 min", led by a flapping marker; `None` when there is no past.
pub fn history_line(history: &AlertHistory) -> Option<String> {
    let mut parts = Vec::new();
    if is_flapping(history) {
        parts.push(format!(
            ":warning: flapping: {} state changes in the last hour",
            history.changes_last_hour
        ));
    }
    if history.fired_last_week > 1 {
        parts.push(format!(
            "fired {}× in the last 7 days",
            history.fired_last_week
        ));
    }
    if let Some(ms) = history.previous_duration_ms {
        parts.push(format!("last time resolved after {}", duration(ms)));
    }
    let line = parts.join(" · ");
    let mut chars = line.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// Shows the history line under the alert's description, above its chart.
pub fn add_history(message: &mut Message, history: &AlertHistory) {
    let (Some(line), Some(attachment)) = (history_line(history), message.attachments.first_mut())
    else {
        return;
    };
    // Right after the description's section, wherever `alert_message` puts it.
    let at = attachment
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Section { .. }))
        .map_or(attachment.blocks.len(), |i| i + 1);
    attachment.blocks.insert(
        at,
        Block::Context {
            elements: vec![mrkdwn(line)],
        },
    );
}

/// Which buttons a firing message gets: interactivity is on (SLACK_SIGNING_SECRET set), and
/// `silences` when Alertmanager is known (ALERTMANAGER_URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Controls {
    pub silences: bool,
}

/// What people did about the alert from Slack, as the store holds it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Responses<'a> {
    pub acknowledged: Option<&'a Acknowledgement>,
    pub silenced: Option<&'a AlertSilence>,
}

/// The alert's silence while it holds: a firing alert's, not yet past its end at `now`.
pub fn holding_silence(
    status: AlertStatus,
    silenced: Option<&AlertSilence>,
    now: i64,
) -> Option<&AlertSilence> {
    silenced.filter(|s| status == AlertStatus::Firing && s.until > now)
}

/// A stored alert's whole message, as delivery sends it and the history page previews it: the
/// alert with its chart, who acted on it, its buttons (with `controls`, the chart's zoom buttons
/// too) and, when the store can tell, its past.
pub fn stored_alert_message(
    stored: &StoredAlert,
    history: Option<&AlertHistory>,
    options: &MessageOptions,
    controls: Option<Controls>,
    (channel, now): (&str, i64),
) -> Message {
    let alert = AlertView::of(&stored.alert);
    let mut message = alert_message(&alert, options, channel);
    let responses = Responses {
        acknowledged: stored.acknowledged.as_ref(),
        silenced: stored.silenced.as_ref(),
    };
    add_controls(&mut message, &alert, stored.id, responses, controls, now);
    if controls.is_some() {
        zoom::add_buttons(&mut message, stored.id);
    }
    if let Some(history) = history {
        add_history(&mut message, history);
    }
    message
}

/// Shows who acknowledged or silenced the alert and, on a firing alert with `controls`, the
/// buttons to do so, above the link buttons. A silence past its end at `now` is not shown.
pub fn add_controls(
    message: &mut Message,
    alert: &AlertView,
    alert_id: i64,
    responses: Responses,
    controls: Option<Controls>,
    now: i64,
) {
    let firing = alert.status == AlertStatus::Firing;
    let silenced = holding_silence(alert.status, responses.silenced, now);
    let mut lines = Vec::new();
    if let Some(ack) = responses.acknowledged {
        lines.push(format!(
            ":eyes: Acknowledged by {} {}",
            mention(&ack.user_id),
            date_token(ack.at)
        ));
    }
    if let Some(silence) = silenced {
        lines.push(format!(
            ":no_bell: Silenced by {} until {}",
            mention(&silence.user_id),
            date_token(silence.until)
        ));
    }
    let mut buttons = Vec::new();
    if let (true, Some(controls)) = (firing, controls) {
        let control = |action_id, label: &str, style| Element::Control {
            text: Text::PlainText {
                text: label.to_owned(),
                emoji: true,
            },
            action_id,
            value: alert_id.to_string(),
            style,
        };
        if responses.acknowledged.is_none() {
            buttons.push(control(ACKNOWLEDGE, "Acknowledge", Some("primary")));
        }
        match (controls.silences, silenced) {
            (false, _) => {}
            (true, Some(_)) => buttons.push(control(UNSILENCE, "Unsilence", Some("danger"))),
            (true, None) => buttons.extend(
                SILENCES
                    .iter()
                    .map(|&(action_id, label, _)| control(action_id, label, None)),
            ),
        }
    }
    let Some(attachment) = message.attachments.first_mut() else {
        return;
    };
    let at = attachment
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Actions { .. }))
        .unwrap_or(attachment.blocks.len());
    let mut added = Vec::new();
    if !lines.is_empty() {
        added.push(Block::Context {
            elements: lines.into_iter().map(mrkdwn).collect(),
        });
    }
    if !buttons.is_empty() {
        added.push(Block::Actions { elements: buttons });
    }
    attachment.blocks.splice(at..at, added);
}

/// A user mention; an id that is not one (never from Slack) is shown as plain text.
fn mention(user_id: &str) -> String {
    if interaction::is_user_id(user_id) {
        format!("<@{user_id}>")
    } else {
        escape_cut(user_id, 64)
    }
}

/// Alert names listed in a summary before "…and N more names".
const SUMMARY_NAMES: usize = 20;

/// One message for the alerts of a webhook beyond its group limit: how many fire and
/// resolve, by alert name, most frequent first.
pub fn group_summary(firing: &[AlertView], resolved: &[AlertView], channel: &str) -> Message {
    let (color, header, tag) = match (firing.len(), resolved.len()) {
        (0, r) => (
            RESOLVED_COLOR,
            format!(":white_check_mark: {r} more {} resolved", plural(r)),
            "[RESOLVED] ",
        ),
        (f, 0) => (
            FIRING_COLOR,
            format!(":rotating_light: {f} more {} firing", plural(f)),
            "[FIRING] ",
        ),
        (f, r) => (
            FIRING_COLOR,
            format!(
                ":rotating_light: {f} more {} firing, {r} resolved",
                plural(f)
            ),
            "[FIRING] ",
        ),
    };
    let mut lines = Vec::new();
    for (label, alerts) in [("Firing", firing), ("Resolved", resolved)] {
        if alerts.is_empty() {
            continue;
        }
        lines.push(format!("*{label}*"));
        let counts = counts_by_name(alerts);
        for (name, count) in counts.iter().take(SUMMARY_NAMES) {
            lines.push(format!("• {} ×{count}", escape_cut(name, 150)));
        }
        if counts.len() > SUMMARY_NAMES {
            lines.push(format!("…and {} more names", counts.len() - SUMMARY_NAMES));
        }
    }
    // Each line is escaped already; cut whole lines to stay within the section limit.
    let mut text = String::new();
    for line in lines {
        if text.chars().count() + line.chars().count() + 1 > SECTION_TEXT_MAX - 1 {
            text.push('…');
            break;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&line);
    }
    let names: Vec<String> = counts_by_name(firing)
        .into_iter()
        .chain(counts_by_name(resolved))
        .map(|(name, count)| format!("{name} ×{count}"))
        .collect();
    Message {
        channel: channel.to_owned(),
        text: format!(
            "{tag}{}",
            escape_cut(
                &format!(
                    "{}: {}",
                    header.trim_start_matches(|c| c != ' ').trim(),
                    names.join(", ")
                ),
                FALLBACK_MAX - tag.len()
            )
        ),
        thread_ts: None,
        attachments: vec![Attachment {
            color,
            blocks: vec![
                Block::Header {
                    text: Text::PlainText {
                        text: header,
                        emoji: true,
                    },
                },
                Block::Section {
                    text: mrkdwn(text),
                    fields: Vec::new(),
                },
            ],
        }],
        metadata: None,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "alert"
    } else {
        "alerts"
    }
}

/// (alert name, count), most frequent first, then by name.
fn counts_by_name(alerts: &[AlertView]) -> Vec<(String, usize)> {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for alert in alerts {
        *counts.entry(alert.alertname).or_default() += 1;
    }
    let mut counts: Vec<(String, usize)> =
        counts.into_iter().map(|(n, c)| (n.to_owned(), c)).collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// The reply in the alert's thread when it resolves, e.g. "Resolved after 12 min".
pub fn resolved_reply(alert: &AlertView, channel: &str, thread_ts: &str) -> Message {
    let text = match alert.ends_at_ms {
        Some(ends) => format!(
            ":white_check_mark: Resolved after {}",
            duration(ends.saturating_sub(alert.starts_at_ms))
        ),
        None => ":white_check_mark: Resolved".to_owned(),
    };
    Message {
        channel: channel.to_owned(),
        text,
        thread_ts: Some(thread_ts.to_owned()),
        attachments: Vec::new(),
        metadata: None,
    }
}

/// Where an alert goes: its `slack_channel` label, else annotation, else the default;
/// `None` when none is set.
pub fn channel_for(
    labels: &[(String, String)],
    annotations: &[(String, String)],
    default: Option<&str>,
) -> Option<String> {
    lookup(labels, "slack_channel")
        .or_else(|| lookup(annotations, "slack_channel"))
        .or_else(|| default.map(str::trim).filter(|d| !d.is_empty()))
        .map(str::to_owned)
}

/// A label's (or annotation's) value, trimmed; `None` when absent or blank.
fn lookup<'a>(set: &'a [(String, String)], name: &str) -> Option<&'a str> {
    labels::value(set, name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The `summary` annotation, or a line derived from the labels; raw (not yet escaped).
pub fn description(alert: &AlertView) -> String {
    match lookup(alert.annotations, "summary") {
        // A summary of control characters only would leave Slack an empty text.
        Some(summary) if !clean(summary).trim().is_empty() => summary.to_owned(),
        _ => derived(alert.alertname, alert.labels),
    }
}

/// The seed's wording for well-known alerts, then the service and environment.
fn derived(alertname: &str, labels: &[(String, String)]) -> String {
    let label = |name| lookup(labels, name);
    let name = alertname.to_ascii_lowercase();
    let mut text = if let Some(slo) = label("objective_name").or(label("sloth_slo")) {
        format!("SLO \"{slo}\" in danger")
    } else if let (true, Some(instance)) = (alertname.ends_with("Down"), label("instance")) {
        format!("{instance} is down")
    } else if name.contains("errorrate") {
        "High error rate".to_owned()
    } else if name.contains("latency") {
        "High latency".to_owned()
    } else if clean(alertname).trim().is_empty() {
        "Unnamed alert".to_owned()
    } else {
        alertname.to_owned()
    };
    if let Some(service) = label("sloth_service").or(label("service")) {
        text.push_str(&format!(" for \"{service}\""));
    }
    if let Some(env) = label("environment").or(label("env")) {
        text.push_str(&format!(" in {env}"));
    }
    text
}

fn fields(alert: &AlertView) -> Vec<Text> {
    let severity = match lookup(alert.labels, "severity") {
        Some(s) if s.eq_ignore_ascii_case("page") => ":pager: Page".to_owned(),
        Some(s) if s.eq_ignore_ascii_case("ticket") => ":ticket: Ticket".to_owned(),
        other => {
            let prefix = ":question: ";
            let room = field_room("Severity") - prefix.len();
            format!("{prefix}{}", escape_cut(other.unwrap_or("Unknown"), room))
        }
    };
    let alertname = escape_cut(alert.alertname, field_room("Alert"));
    let mut fields = vec![
        field("Severity", &severity),
        field("Created", &date_token(alert.starts_at_ms)),
        field("Alert", &alertname),
    ];
    if let (AlertStatus::Resolved, Some(ends)) = (alert.status, alert.ends_at_ms) {
        fields.push(field("Resolved", &date_token(ends)));
        fields.push(field(
            "Duration",
            &duration(ends.saturating_sub(alert.starts_at_ms)),
        ));
    }
    fields
}

/// A field: bold name, value (already safe) on the next line.
fn field(name: &str, value: &str) -> Text {
    mrkdwn(format!("*{name}*\n{value}"))
}

/// Characters left for a field's value after its name.
fn field_room(name: &str) -> usize {
    FIELD_MAX - format!("*{name}*\n").chars().count()
}

/// The chart's image with its numbers in a context block under it, or why there is none.
fn chart_blocks(chart: &Chart) -> Vec<Block> {
    let unavailable = |reason: &str| Block::Context {
        elements: vec![mrkdwn(format!(
            "no chart: {}",
            escape_cut(reason, CONTEXT_TEXT_MAX - "no chart: ".len())
        ))],
    };
    match chart {
        Chart::Image { url, alt, numbers } => match link(url) {
            Some(image_url) => with_numbers(
                Block::Image {
                    image_url,
                    alt_text: alt_text(alt),
                },
                numbers.as_deref(),
            ),
            // A bad image URL would make Slack refuse the whole message.
            None => vec![unavailable("invalid image URL")],
        },
        Chart::SlackFile { id, alt, numbers } => with_numbers(
            Block::SlackImage {
                slack_file: SlackFile { id: id.clone() },
                alt_text: alt_text(alt),
            },
            numbers.as_deref(),
        ),
        Chart::Follows => vec![Block::Context {
            elements: vec![mrkdwn("chart follows: Slack is still processing it".into())],
        }],
        Chart::Unavailable(reason) => vec![unavailable(reason)],
        Chart::None => Vec::new(),
    }
}

/// Slack refuses an empty alt_text.
fn alt_text(alt: &str) -> String {
    match escape_cut(alt, ALT_TEXT_MAX) {
        alt if alt.trim().is_empty() => "chart".to_owned(),
        alt => alt,
    }
}

/// The image with the chart's numbers in a context block under it.
fn with_numbers(image: Block, numbers: Option<&str>) -> Vec<Block> {
    // Slack refuses an empty text too: then the line is left out.
    let numbers = numbers
        .iter()
        .map(|line| escape_cut(line, CONTEXT_TEXT_MAX))
        .filter(|line| !line.trim().is_empty())
        .map(|line| Block::Context {
            elements: vec![mrkdwn(line)],
        });
    std::iter::once(image).chain(numbers).collect()
}

impl Message {
    /// Whether an image block shows a file uploaded to Slack, which Slack may not have
    /// processed yet.
    pub fn shows_slack_file(&self) -> bool {
        self.attachments
            .iter()
            .flat_map(|a| &a.blocks)
            .any(|b| matches!(b, Block::SlackImage { .. }))
    }
}

fn buttons(alert: &AlertView, explorer_url: Option<&str>) -> Vec<Element> {
    let runbook = lookup(alert.annotations, "runbook_url").or(lookup(alert.labels, "runbook_url"));
    [
        (
            "Open",
            explorer_url.and_then(|e| explorer_link(e, alert.alertname)),
        ),
        ("Prometheus graph", link(alert.generator_url)),
        ("Runbook", runbook.and_then(link)),
    ]
    .into_iter()
    .filter_map(|(label, url)| {
        url.map(|url| Element::Button {
            text: Text::PlainText {
                text: label.to_owned(),
                emoji: true,
            },
            url,
        })
    })
    .collect()
}

/// The explorer URL with `alertname=` added to its query (before any `#fragment`).
fn explorer_link(base: &str, alertname: &str) -> Option<String> {
    let base = base.trim();
    let (before, fragment) = base.split_at(base.find('#').unwrap_or(base.len()));
    let joiner = if !before.contains('?') {
        "?"
    } else if before.ends_with(['?', '&']) {
        ""
    } else {
        "&"
    };
    let query = crate::percent::encode(alertname);
    link(&format!("{before}{joiner}alertname={query}{fragment}"))
}

/// An http(s) URL Slack will accept, or `None`: characters a URL may not hold raw are
/// percent-encoded, and one over Slack's limit is dropped (a cut URL would lead elsewhere).
fn link(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = strip_prefix_ignore_case(url, "https://")
        .or_else(|| strip_prefix_ignore_case(url, "http://"))?;
    // Only the path, query and fragment may be repaired by encoding: a bad host is refused.
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_ok = |b: u8| b.is_ascii_alphanumeric() || b"-._~:@[]%!$&'()*+,;=".contains(&b);
    if authority.is_empty() || !authority.bytes().all(host_ok) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for &b in url.as_bytes() {
        match b {
            b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' => {
                push_escaped(&mut out, b)
            }
            b'!'..=b'~' => out.push(char::from(b)),
            _ => push_escaped(&mut out, b),
        }
    }
    (out.len() <= URL_MAX).then_some(out)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn mrkdwn(text: String) -> Text {
    Text::Mrkdwn {
        text,
        verbatim: true,
    }
}

/// Control characters other than line breaks and tabs removed.
fn clean(raw: &str) -> String {
    raw.chars().filter(|&c| kept(c)).collect()
}

fn kept(c: char) -> bool {
    !c.is_control() || c == '\n' || c == '\t'
}

/// User text made safe for Slack: control characters dropped, `&`, `<`, `>` escaped (so
/// `<!channel>` shows literally), then cut to `max` characters with "…", never inside an
/// escape or a character.
fn escape_cut(raw: &str, max: usize) -> String {
    let mut out = String::with_capacity(raw.len().min(max));
    let mut used = 0;
    // Where the text stood when the next piece no longer left room for the ellipsis.
    let mut cut = None;
    let mut buf = [0; 4];
    for c in raw.chars().filter(|&c| kept(c)) {
        let piece = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            _ => c.encode_utf8(&mut buf),
        };
        let n = piece.chars().count();
        if cut.is_none() && used + n > max - 1 {
            cut = Some(out.len());
        }
        if used + n > max {
            out.truncate(cut.unwrap_or(0));
            out.push('…');
            return out;
        }
        out.push_str(piece);
        used += n;
    }
    out
}

/// A Slack date token: the reader's local time, with UTC RFC 3339 for clients that cannot.
fn date_token(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::rfc3339::civil_from_days(days);
    let (hh, mm, ss) = (day_secs / 3600, day_secs / 60 % 60, day_secs % 60);
    format!(
        "<!date^{secs}^{{date_short_pretty}} at {{time}}|{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z>"
    )
}

/// "45 s", "12 min", "1 h 5 min", "2 d 3 h": the largest unit and the next one unless zero.
pub fn duration(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let units = [(86_400, "d"), (3600, "h"), (60, "min"), (1, "s")];
    let Some(i) = units.iter().position(|&(size, _)| secs >= size) else {
        return "0 s".to_owned();
    };
    let (size, name) = units[i];
    let mut text = format!("{} {name}", secs / size);
    if let Some(&(next, next_name)) = units.get(i + 1) {
        let rest = secs % size / next;
        if rest > 0 {
            text.push_str(&format!(" {rest} {next_name}"));
        }
    }
    text
}

pub mod zoom;

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(super) mod props;
