//! The Slack message for an alert (Block Kit blocks in a coloured attachment) and the threaded
//! "resolved" reply, as plain serde values for `chat.postMessage` / `chat.update`. All alert text
//! is escaped and cut to Block Kit's limits here, so no label can make Slack refuse a message.

use serde::Serialize;

use super::interaction::{self, ACKNOWLEDGE, SILENCES, UNSILENCE};
use crate::store::{Acknowledgement, Alert, AlertHistory, AlertSilence, AlertStatus};

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
    /// A PNG Slack fetches from `url`.
    Image { url: String, alt: String },
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
    Context {
        elements: Vec<Text>,
    },
    Actions {
        elements: Vec<Element>,
    },
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
    blocks.extend(chart_block(&options.chart));
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
    set.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
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

fn chart_block(chart: &Chart) -> Option<Block> {
    let unavailable = |reason: &str| Block::Context {
        elements: vec![mrkdwn(format!(
            "no chart: {}",
            escape_cut(reason, CONTEXT_TEXT_MAX - "no chart: ".len())
        ))],
    };
    match chart {
        Chart::Image { url, alt } => Some(match link(url) {
            Some(image_url) => Block::Image {
                image_url,
                // Slack refuses an empty alt_text.
                alt_text: match escape_cut(alt, ALT_TEXT_MAX) {
                    alt if alt.trim().is_empty() => "chart".to_owned(),
                    alt => alt,
                },
            },
            // A bad image URL would make Slack refuse the whole message.
            None => unavailable("invalid image URL"),
        }),
        Chart::Unavailable(reason) => Some(unavailable(reason)),
        Chart::None => None,
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
    let query = encode_component(alertname);
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
            b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' => percent(&mut out, b),
            b'!'..=b'~' => out.push(char::from(b)),
            _ => percent(&mut out, b),
        }
    }
    (out.len() <= URL_MAX).then_some(out)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// RFC 3986 component encoding: everything but the unreserved characters.
fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            _ => percent(&mut out, b),
        }
    }
    out
}

fn percent(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0xF)]));
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::webhook;

    const FIRING: &str = include_str!("../../../tests/fixtures/alertmanager-0.25/firing.json");
    const RESOLVED: &str = include_str!("../../../tests/fixtures/alertmanager-0.25/resolved.json");
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
                Block::Actions { elements } => {
                    ids.extend(elements.iter().filter_map(|e| match e {
                        Element::Control { action_id, .. } => Some(*action_id),
                        Element::Button { .. } => None,
                    }))
                }
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

    #[test]
    fn firing_fixture_message() {
        let alert = fixture_alert(FIRING);
        let options = MessageOptions {
            explorer_url: Some("https://explorer.example/".into()),
            chart: Chart::Image {
                url: "https://alertgraph.example/api/chart/0123abcd.png".into(),
                alt: "Error rate of checkout over the last hour".into(),
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
                            "alt_text": "Error rate of checkout over the last hour"
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
    fn mrkdwn_injection_is_shown_literally() {
        let a = alert(
            &[
                ("alertname", "<!channel> ping"),
                ("severity", "<https://evil.example|click>"),
            ],
            &[(
                "summary",
                "<!here> see <https://evil.example|this> &amp; <@U123>",
            )],
        );
        let m = message(&a, &no_extras());
        let (text, fields) = section(&m);
        assert_eq!(
            text,
            "&lt;!here&gt; see &lt;https://evil.example|this&gt; &amp;amp; &lt;@U123&gt;"
        );
        assert_eq!(
            fields[0],
            "*Severity*\n:question: &lt;https://evil.example|click&gt;"
        );
        assert_eq!(fields[2], "*Alert*\n&lt;!channel&gt; ping");
        assert_eq!(
            m.text,
            "[FIRING] &lt;!channel&gt; ping: &lt;!here&gt; see &lt;https://evil.example|this&gt; &amp;amp; &lt;@U123&gt;"
        );
        let json = serde_json::to_string(&m).unwrap();
        assert!(!json.contains("<!channel>") && !json.contains("<!here>"));
        assert!(!json.contains("<https://evil"));
    }

    #[test]
    fn control_characters_are_removed() {
        let a = alert(
            &[("alertname", "A\u{0}B\u{7f}C")],
            &[("summary", "line 1\nline\t2\u{1b}[31m\r\u{85}")],
        );
        let m = message(&a, &no_extras());
        let (text, fields) = section(&m);
        assert_eq!(text, "line 1\nline\t2[31m");
        assert_eq!(fields[2], "*Alert*\nABC");
        // The notification line is one line.
        assert_eq!(m.text, "[FIRING] ABC: line 1 line 2[31m");
    }

    #[test]
    fn huge_inputs_stay_within_limits() {
        let summary = "x".repeat(10_000);
        let alertname = "N".repeat(5_000);
        let runbook = format!("https://runbooks.example/{}", "r".repeat(3_000));
        let mut labels: Vec<(String, String)> = (0..300)
            .map(|i| (format!("label_{i:03}"), "v".repeat(200)))
            .collect();
        labels.push(("alertname".into(), alertname.clone()));
        labels.push(("severity".into(), "s".repeat(5_000)));
        let a = Alert {
            labels,
            annotations: pairs(&[("summary", &summary), ("runbook_url", &runbook)]),
            generator_url: format!(
                "https://prometheus.example/graph?g0.expr={}",
                "y".repeat(2_900)
            ),
            ..alert(&[], &[])
        };
        let options = MessageOptions {
            explorer_url: Some(format!("https://explorer.example/?q={}", "z".repeat(2_000))),
            chart: Chart::Image {
                url: "https://alertgraph.example/c.png".into(),
                alt: "<".repeat(1_000),
            },
        };
        let m = message(&a, &options);
        let (text, fields) = section(&m);
        assert_eq!(chars(text), SECTION_TEXT_MAX);
        assert!(text.ends_with("x…"));
        assert!(fields.iter().all(|f| chars(f) <= FIELD_MAX));
        assert_eq!(chars(fields[0]), FIELD_MAX);
        assert_eq!(chars(fields[2]), FIELD_MAX);
        assert!(fields[2].starts_with("*Alert*\nNNN") && fields[2].ends_with("N…"));
        assert_eq!(chars(&m.text), FALLBACK_MAX);
        let Block::Image { alt_text, .. } = &blocks(&m)[2] else {
            panic!("no image");
        };
        // 1000 escapes of 4 characters: 499 fit with the ellipsis.
        assert_eq!(alt_text, &format!("{}…", "&lt;".repeat(499)));
        // The runbook and explorer URLs end up over 3000 characters: dropped, not cut.
        let buttons = button_urls(&m);
        assert_eq!(buttons.len(), 1);
        assert_eq!(buttons[0].0, "Prometheus graph");
        assert_eq!(buttons[0].1, a.generator_url);
    }

    #[test]
    fn cut_never_splits_a_character_or_an_escape() {
        // Exactly at the limit: nothing cut.
        assert_eq!(escape_cut("abcde", 5), "abcde");
        assert_eq!(escape_cut("a&b", 7), "a&amp;b");
        assert_eq!(escape_cut("abcdef", 5), "abcd…");
        // Multi-byte characters count as one each.
        assert_eq!(escape_cut("ééééé", 5), "ééééé");
        assert_eq!(escape_cut("🚨🚨🚨🚨🚨🚨", 5), "🚨🚨🚨🚨…");
        assert_eq!(escape_cut("abc🚨🚨🚨", 5), "abc🚨…");
        // An escape that would straddle the cut goes whole.
        assert_eq!(escape_cut("abc&def", 5), "abc…");
        assert_eq!(escape_cut("a&bcdefgh", 7), "a&amp;…");
        assert_eq!(escape_cut("ab&cdefgh", 7), "ab…");
        assert_eq!(escape_cut("&&&", 12), "&amp;&amp;…");
        for max in 1..40 {
            for input in ["a&b<c>d🚨é&amp;", "&&&&&&&&&&&&", "🚨x🚨x🚨x🚨x🚨x🚨x"] {
                let out = escape_cut(input, max);
                assert!(chars(&out) <= max, "{input:?} at {max}: {out:?}");
                let whole = escape_cut(input, usize::MAX);
                let kept = out.strip_suffix('…').unwrap_or(&out);
                assert!(whole.starts_with(kept), "{input:?} at {max}: {out:?}");
                if kept.len() < whole.len() {
                    // The next piece would not have fitted beside the ellipsis.
                    let after = &whole[kept.len()..];
                    let next_len = match after.find(';') {
                        Some(end) if after.starts_with('&') => end + 1,
                        _ => 1,
                    };
                    assert!(chars(kept) + next_len > max - 1, "{input:?} at {max}");
                }
            }
        }
    }

    #[test]
    fn cut_at_ampersand_and_emoji_in_a_message() {
        let summary = format!("{}&&&", "a".repeat(SECTION_TEXT_MAX - 6));
        let a = alert(&[("alertname", "A")], &[("summary", &summary)]);
        let m = message(&a, &no_extras());
        let (text, _) = section(&m);
        assert_eq!(text, format!("{}&amp;…", "a".repeat(SECTION_TEXT_MAX - 6)));

        let summary = format!("{}🚨🚨", "a".repeat(SECTION_TEXT_MAX - 1));
        let a = alert(&[("alertname", "A")], &[("summary", &summary)]);
        let m = message(&a, &no_extras());
        let (text, _) = section(&m);
        assert_eq!(text, format!("{}…", "a".repeat(SECTION_TEXT_MAX - 1)));
    }

    #[test]
    fn channel_precedence() {
        let label = pairs(&[("slack_channel", "#from-label")]);
        let annotation = pairs(&[("slack_channel", " #from-annotation ")]);
        let blank = pairs(&[("slack_channel", " ")]);
        assert_eq!(
            channel_for(&label, &annotation, Some("#default")).as_deref(),
            Some("#from-label")
        );
        assert_eq!(
            channel_for(&blank, &annotation, Some("#default")).as_deref(),
            Some("#from-annotation")
        );
        assert_eq!(
            channel_for(&[], &blank, Some("#default")).as_deref(),
            Some("#default")
        );
        assert_eq!(channel_for(&[], &[], Some("  ")), None);
        assert_eq!(channel_for(&blank, &[], None), None);
    }

    #[test]
    fn durations() {
        for (ms, text) in [
            (-5_000, "0 s"),
            (0, "0 s"),
            (999, "0 s"),
            (45_000, "45 s"),
            (60_000, "1 min"),
            (90_500, "1 min 30 s"),
            (12 * 60_000, "12 min"),
            (3_600_000, "1 h"),
            (3_600_000 + 5 * 60_000 + 59_000, "1 h 5 min"),
            (86_400_000, "1 d"),
            (2 * 86_400_000 + 3 * 3_600_000 + 7 * 60_000, "2 d 3 h"),
            (400 * 86_400_000, "400 d"),
        ] {
            assert_eq!(duration(ms), text, "{ms}");
        }
    }

    #[test]
    fn date_tokens() {
        let token = |ms| date_token(ms);
        assert_eq!(
            token(0),
            "<!date^0^{date_short_pretty} at {time}|1970-01-01T00:00:00Z>"
        );
        assert_eq!(
            token(-1),
            "<!date^-1^{date_short_pretty} at {time}|1969-12-31T23:59:59Z>"
        );
        assert_eq!(
            token(1_709_208_000_999),
            "<!date^1709208000^{date_short_pretty} at {time}|2024-02-29T12:00:00Z>"
        );
        assert_eq!(
            token(253_402_300_799_000),
            "<!date^253402300799^{date_short_pretty} at {time}|9999-12-31T23:59:59Z>"
        );
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
        let chart = |url: &str, alt: &str| MessageOptions {
            explorer_url: None,
            chart: Chart::Image {
                url: url.into(),
                alt: alt.into(),
            },
        };
        let m = message(&a, &chart("file:///etc/passwd", "x"));
        assert_eq!(
            blocks(&m)[2],
            Block::Context {
                elements: vec![mrkdwn("no chart: invalid image URL".into())]
            }
        );
        let m = message(&a, &chart("https://c.example/1.png", " \u{1}"));
        assert_eq!(
            blocks(&m)[2],
            Block::Image {
                image_url: "https://c.example/1.png".into(),
                alt_text: "chart".into()
            }
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
}

#[cfg(test)]
mod props;
