//! The `/history` page: recent alerts as server-rendered HTML (no script), flapping ones
//! first, each with what was done about it, a link to its Slack message, and that message as
//! Slack shows it (with the chart), whether or not a bot token lets it be posted.

use std::fmt::Write;

use super::{chart_url, message_url, next_link, preview, Request};
use crate::chart::svg::push_escaped;
use crate::config::{ChartDelivery, MessageLook};
use crate::rfc3339;
use crate::slack::message::{self, is_flapping, Chart, MessageOptions};
use crate::store::{AlertEntry, AlertStatus, HistoryPage};

/// Colours of the status badges (the chart keeps its own palette).
const FIRING: &str = "#b71c1c";
const RESOLVED: &str = "#1b5e20";
const FLAPPING: &str = "#e65100";

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f6f6;color:#1d1c1d}\
header{background:#1d2b3a;color:#fff;padding:12px 24px}h1{font-size:20px;margin:0 0 8px}\
form{display:flex;gap:8px;flex-wrap:wrap}input,select,button{font:inherit;padding:3px 6px}\
main{padding:16px 24px;max-width:1240px}\
article{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:0 0 16px}\
h2{font-size:17px;margin:0 0 4px}.badge{color:#fff;border-radius:4px;padding:2px 8px;font-size:13px;margin-right:6px}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}dt{color:#616061}dd{margin:0}\
img{max-width:100%;height:auto;display:block;margin-top:8px}.past{color:#616061}code{font-size:13px}\
.notice{background:#fff4e5;border:1px solid #e65100;border-radius:6px;padding:8px 12px;margin:0 0 16px}";

/// How the page previews each alert's message.
pub struct Preview {
    /// A bot token is set: the messages are posted, not only previewed.
    pub posting: bool,
    pub look: MessageLook,
    /// In the message (`Url`), or uploaded into its thread.
    pub chart_delivery: ChartDelivery,
}

/// The whole page; `now` decides whether a silence still holds and how long a firing lasts.
pub fn html(
    page: &HistoryPage,
    request: &Request,
    base_url: Option<&str>,
    now: i64,
    preview: &Preview,
) -> String {
    let mut out = String::with_capacity(4096 + page.entries.len() * 1024);
    out.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    out.push_str("<title>alertgraph · history</title><style>");
    out.push_str(STYLE);
    out.push_str(preview::STYLE);
    out.push_str("</style></head><body><header><h1>alertgraph · alert history</h1>");
    filter_form(&mut out, request);
    out.push_str("</header><main>");
    if !preview.posting {
        out.push_str(
            "<p class=\"notice\">Nothing is being posted to Slack: <code>SLACK_BOT_TOKEN</code> is \
             not set. Each alert below shows the message Slack would get.</p>",
        );
    }
    if page.entries.is_empty() {
        out.push_str("<p>No alerts match.</p>");
    }
    // Flapping alerts first, each group newest first as the store returned it.
    let (flapping, steady): (Vec<_>, Vec<_>) =
        page.entries.iter().partition(|e| is_flapping(&e.history));
    for entry in flapping.into_iter().chain(steady) {
        article(&mut out, entry, (base_url, now), preview);
    }
    if let Some(next) = next_link("/history", &request.kept, page.next_before) {
        out.push_str("<nav><a href=\"");
        push_escaped(&mut out, &next);
        out.push_str("\">Older alerts →</a></nav>");
    }
    out.push_str("</main></body></html>");
    out
}

/// A GET form that repeats the current filters.
fn filter_form(out: &mut String, request: &Request) {
    let value = |name: &str| {
        request
            .kept
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    };
    out.push_str("<form method=\"get\" action=\"/history\">");
    for (name, placeholder) in [("alertname", "alert name"), ("label", "label=value")] {
        let _ = write!(
            out,
            "<input name=\"{name}\" placeholder=\"{placeholder}\" value=\""
        );
        push_escaped(out, value(name));
        out.push_str("\">");
    }
    out.push_str("<select name=\"status\">");
    for status in ["", "firing", "resolved"] {
        let selected = if value("status") == status {
            " selected"
        } else {
            ""
        };
        let label = if status.is_empty() {
            "any status"
        } else {
            status
        };
        let _ = write!(out, "<option value=\"{status}\"{selected}>{label}</option>");
    }
    out.push_str("</select><button>Filter</button></form>");
}

fn article(
    out: &mut String,
    entry: &AlertEntry,
    (base_url, now): (Option<&str>, i64),
    preview: &Preview,
) {
    let stored = &entry.alert;
    let view = message::AlertView::of(&stored.alert);
    let firing = view.status == AlertStatus::Firing;
    let (class, colour, label) = if firing {
        ("firing", FIRING, "FIRING")
    } else {
        ("resolved", RESOLVED, "RESOLVED")
    };
    let _ = write!(
        out,
        "<article class=\"{class}\" id=\"alert-{}\"><h2>",
        stored.id
    );
    let _ = write!(
        out,
        "<span class=\"badge\" style=\"background:{colour}\">{label}</span>"
    );
    if is_flapping(&entry.history) {
        let _ = write!(
            out,
            "<span class=\"badge\" style=\"background:{FLAPPING}\">FLAPPING</span>"
        );
    }
    push_escaped(out, view.alertname);
    out.push_str("</h2><p>");
    push_escaped(out, &message::description(&view));
    out.push_str("</p>");
    if let Some(line) = message::history_line(&entry.history) {
        out.push_str("<p class=\"past\">");
        push_escaped(out, &line.replace(":warning: ", "⚠ "));
        out.push_str("</p>");
    }
    out.push_str("<dl>");
    let mut row = |name: &str, value: &str| {
        let _ = write!(out, "<dt>{name}</dt><dd>");
        push_escaped(out, value);
        out.push_str("</dd>");
    };
    row("Started", &utc(view.starts_at_ms));
    match (firing, view.ends_at_ms) {
        (false, Some(ends)) => {
            row("Resolved", &utc(ends));
            row("Lasted", &message::duration(ends - view.starts_at_ms));
        }
        _ => row("Firing for", &message::duration(now - view.starts_at_ms)),
    }
    if let Some(ack) = &stored.acknowledged {
        row(
            "Acknowledged",
            &format!("by {} at {}", ack.user_id, utc(ack.at)),
        );
    }
    if let Some(silence) = message::holding_silence(view.status, stored.silenced.as_ref(), now) {
        row(
            "Silenced",
            &format!("by {} until {}", silence.user_id, utc(silence.until)),
        );
    }
    let labels: Vec<String> = view
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    row("Labels", &labels.join(", "));
    if let Some(reason) = &entry.dead_lettered {
        row(
            "Not delivered",
            &format!("{reason} (send again: POST /api/outbox/retry)"),
        );
    }
    out.push_str("</dl>");
    if let Some(m) = &entry.message {
        out.push_str("<a href=\"");
        push_escaped(out, &message_url(&m.channel, &m.ts));
        out.push_str("\">Open in Slack</a>");
    }
    let chart = entry.chart_token.as_ref().map(|token| {
        (
            chart_url(base_url, token),
            format!("chart of {}", view.alertname),
        )
    });
    let (in_message, beside) = match (chart, preview.chart_delivery) {
        (Some((url, alt)), ChartDelivery::Url) => (
            Chart::Image {
                url,
                alt,
                numbers: None,
            },
            None,
        ),
        (None, ChartDelivery::Url) => (Chart::None, None),
        // The page's own copy, under the message, since the page cannot show a Slack file.
        (chart, ChartDelivery::Inline) => (
            Chart::None,
            chart.map(|chart| ("In the message, uploaded to Slack:", chart)),
        ),
        (chart, ChartDelivery::Upload) => (
            Chart::None,
            chart.map(|chart| ("In its thread, uploaded:", chart)),
        ),
    };
    let options = MessageOptions {
        explorer_url: preview.look.explorer_url.clone(),
        chart: in_message,
    };
    let shown = message::stored_alert_message(
        stored,
        Some(&entry.history),
        &options,
        preview.look.controls,
        ("", now),
    );
    out.push_str(if preview.posting {
        "<p class=\"past\">In Slack:</p>"
    } else {
        "<p class=\"past\">In Slack, once a bot token is set:</p>"
    });
    preview::push_message(out, &shown);
    if let Some((place, (url, alt))) = beside {
        out.push_str("<p class=\"past\">");
        out.push_str(place);
        out.push_str("</p><div class=\"slack\">");
        preview::push_image(out, &url, &alt);
        out.push_str("</div>");
    }
    out.push_str("</article>");
}

/// `2026-11-25 20:47 UTC`.
fn utc(ms: i64) -> String {
    let text = rfc3339::format_ms(ms);
    format!("{} {} UTC", &text[..10], &text[11..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::parse_query;
    use crate::history::tests::entry;
    use crate::slack::message::Controls;
    use crate::store::{Acknowledgement, ChatMessage};

    fn posting() -> Preview {
        Preview {
            posting: true,
            look: MessageLook {
                explorer_url: None,
                controls: None,
            },
            chart_delivery: ChartDelivery::Upload,
        }
    }

    #[test]
    fn flapping_alerts_come_first_and_text_is_escaped() {
        let steady = entry(9, AlertStatus::Firing, 1);
        let mut flapping = entry(3, AlertStatus::Resolved, 6);
        flapping.chart_token = Some("cd".repeat(16));
        flapping.dead_lettered = Some("chat.postMessage: invalid_blocks & more".into());
        flapping.message = Some(ChatMessage {
            channel: "C0123".into(),
            ts: "1.000200".into(),
        });
        flapping.alert.acknowledged = Some(Acknowledgement {
            user_id: "U1".into(),
            at: 1_795_639_651_731,
        });
        let page = HistoryPage {
            entries: vec![steady, flapping],
            next_before: Some(3),
        };
        let request = parse_query("alertname=%3Cx%3E&status=resolved").unwrap();
        let html = html(
            &page,
            &request,
            None,
            1_795_639_651_731 + 60_000,
            &posting(),
        );
        let first = html.find("id=\"alert-3\"").unwrap();
        let second = html.find("id=\"alert-9\"").unwrap();
        assert!(first < second, "the flapping alert leads");
        assert!(html.contains("FLAPPING"));
        assert!(html.contains("⚠ flapping: 6 state changes in the last hour"));
        assert!(html.contains("&lt;b&gt;summary&lt;/b&gt; 3"), "{html}");
        assert!(!html.contains("<b>summary"));
        assert!(
            html.contains("value=\"&lt;x&gt;\""),
            "the filter is echoed escaped"
        );
        assert!(html.contains("<option value=\"resolved\" selected>"));
        assert!(html.contains(&format!("src=\"/api/chart/{}.png\"", "cd".repeat(16))));
        assert!(html.contains("href=\"https://slack.com/archives/C0123/p1000200\""));
        assert!(html.contains("<dt>Lasted</dt><dd>1 min 30 s</dd>"));
        assert!(html.contains("<dt>Firing for</dt><dd>1 min</dd>"));
        assert!(html.contains("by U1 at 2026-11-25 20:47 UTC"));
        assert!(html.contains(
            "<dt>Not delivered</dt><dd>chat.postMessage: invalid_blocks &amp; more (send again: \
             POST /api/outbox/retry)</dd>"
        ));
        assert_eq!(
            html.matches("Not delivered").count(),
            1,
            "only the dead one"
        );
        assert!(
            html.contains("href=\"/history?alertname=%3Cx%3E&amp;status=resolved&amp;before=3\"")
        );
    }

    #[test]
    fn an_inline_chart_is_shown_under_the_message_it_is_uploaded_into() {
        let mut firing = entry(9, AlertStatus::Firing, 1);
        firing.chart_token = Some("ab".repeat(16));
        let page = HistoryPage {
            entries: vec![firing],
            next_before: None,
        };
        let inline = Preview {
            chart_delivery: ChartDelivery::Inline,
            ..posting()
        };
        let html = html(&page, &parse_query("").unwrap(), None, 0, &inline);
        let place = html
            .find("In the message, uploaded to Slack:")
            .expect("{html}");
        let image = html.find(&format!("src=\"/api/chart/{}.png\"", "ab".repeat(16)));
        assert!(image.is_some_and(|at| at > place), "{html}");
        assert!(!html.contains("In its thread"));
    }

    #[test]
    fn an_empty_page_says_so() {
        let page = HistoryPage {
            entries: Vec::new(),
            next_before: None,
        };
        let html = html(&page, &parse_query("").unwrap(), None, 0, &posting());
        assert!(html.contains("No alerts match."));
        assert!(!html.contains("<nav>"));
    }

    #[test]
    fn each_alert_shows_its_slack_message_and_the_page_says_when_none_is_posted() {
        let mut firing = entry(9, AlertStatus::Firing, 1);
        firing.chart_token = Some("ab".repeat(16));
        let page = HistoryPage {
            entries: vec![firing, entry(3, AlertStatus::Resolved, 1)],
            next_before: None,
        };
        let request = parse_query("").unwrap();
        let preview = Preview {
            posting: false,
            look: MessageLook {
                explorer_url: Some("https://grafana.example/explore".into()),
                controls: Some(Controls { silences: true }),
            },
            chart_delivery: ChartDelivery::Url,
        };
        let html = html(
            &page,
            &request,
            Some("https://alertgraph.example"),
            1_795_639_651_731,
            &preview,
        );
        assert!(html.contains("Nothing is being posted to Slack"), "{html}");
        assert_eq!(html.matches("<div class=\"slack\">").count(), 2);
        assert!(
            html.contains("border-left-color:#F2303C"),
            "a red bar: {html}"
        );
        assert!(
            html.contains("border-left-color:#2EC95A"),
            "a green bar: {html}"
        );
        assert!(html.contains("<b>Severity</b>"), "{html}");
        let chart = format!(
            "<img class=\"slack-image\" loading=\"lazy\" src=\"https://alertgraph.example/api/chart/{}.png\"",
            "ab".repeat(16)
        );
        assert!(html.contains(&chart), "the chart in the message: {html}");
        assert_eq!(html.matches("<img").count(), 1, "one chart, in its message");
        let acknowledge = html.matches(">Acknowledge</span>").count();
        assert_eq!(acknowledge, 1, "the firing one's buttons only: {html}");
        assert!(
            html.contains("class=\"slack-button\" href=\"https://grafana.example/explore"),
            "{html}"
        );

        let html = super::html(&page, &request, None, 1_795_639_651_731, &posting());
        assert!(!html.contains("Nothing is being posted"));
        assert!(
            !html.contains("Acknowledge"),
            "no buttons without a signing secret"
        );
    }
}
