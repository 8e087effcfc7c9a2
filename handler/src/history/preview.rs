//! An alert's Slack message as HTML, so the history page shows it as Slack would: the
//! notification text, the colour bar, header, sections and fields, image, context lines and
//! buttons, with the mrkdwn the messages use (bold, italic, links, dates, mentions, emoji).
//!
//! Everything shown is escaped here: the message's own text is Slack-escaped mrkdwn, so its
//! `&lt;` `&gt;` `&amp;` are decoded first and the result escaped again for HTML; only
//! `http(s)` links become `href`s.

use std::fmt::Write;

use crate::chart::svg::push_escaped;
use crate::slack::message::{Block, Element, Message, Text};

/// The page's styles for the preview, appended to its own.
pub const STYLE: &str = ".slack{font:15px/1.46 Lato,system-ui,sans-serif;margin:8px 0;max-width:1180px}\
.slack-text{margin-bottom:4px}.slack-attachment{border-left:4px solid;padding:4px 12px;border-radius:2px}\
.slack-header{font-weight:900;font-size:18px;margin:4px 0}.slack-section{margin:6px 0}\
.slack-fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin-top:8px}\
.slack-context{font-size:12px;color:#616061;margin:6px 0}\
.slack-image{max-width:100%;border:1px solid #ddd;border-radius:4px;margin:6px 0}\
.slack-actions{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}\
.slack-button{border:1px solid #bbb;border-radius:4px;padding:3px 12px;font-weight:700;font-size:13px;color:#1d1c1d;text-decoration:none}\
.slack-button.primary{background:#007a5a;border-color:#007a5a;color:#fff}\
.slack-button.danger{color:#e01e5a;border-color:#e01e5a}\
.slack-mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}";

/// The emoji the messages use, by their Slack short names.
const EMOJI: &[(&str, &str)] = &[
    ("eyes", "👀"),
    ("no_bell", "🔕"),
    ("pager", "📟"),
    ("question", "❓"),
    ("rotating_light", "🚨"),
    ("ticket", "🎫"),
    ("warning", "⚠️"),
    ("white_check_mark", "✅"),
];

/// Appends `message` as Slack lays it out.
pub fn push_message(out: &mut String, message: &Message) {
    out.push_str("<div class=\"slack\"><div class=\"slack-text\">");
    push_mrkdwn(out, &message.text);
    out.push_str("</div>");
    for attachment in &message.attachments {
        out.push_str("<div class=\"slack-attachment\" style=\"border-left-color:");
        push_escaped(out, attachment.color);
        out.push_str("\">");
        for block in &attachment.blocks {
            push_block(out, block);
        }
        out.push_str("</div>");
    }
    out.push_str("</div>");
}

fn push_block(out: &mut String, block: &Block) {
    match block {
        Block::Header { text } => push_in(out, "slack-header", text),
        Block::Section { text, fields } => {
            out.push_str("<div class=\"slack-section\">");
            push_text(out, text);
            if !fields.is_empty() {
                out.push_str("<div class=\"slack-fields\">");
                for field in fields {
                    push_in(out, "slack-field", field);
                }
                out.push_str("</div>");
            }
            out.push_str("</div>");
        }
        Block::Image {
            image_url,
            alt_text,
        } => push_image(out, image_url, alt_text),
        // The page cannot fetch a Slack file (it shows its own copy beside): the alt text
        // stands in.
        Block::SlackImage { alt_text, .. } => {
            out.push_str("<div class=\"slack-context\">");
            push_escaped(out, alt_text);
            out.push_str("</div>");
        }
        Block::Context { elements } => {
            out.push_str("<div class=\"slack-context\">");
            for (i, element) in elements.iter().enumerate() {
                if i > 0 {
                    out.push_str(" · ");
                }
                push_text(out, element);
            }
            out.push_str("</div>");
        }
        Block::Actions { elements } => {
            out.push_str("<div class=\"slack-actions\">");
            for element in elements {
                push_element(out, element);
            }
            out.push_str("</div>");
        }
    }
}

/// An image as Slack shows one, in a message or uploaded into its thread.
pub fn push_image(out: &mut String, url: &str, alt: &str) {
    out.push_str("<img class=\"slack-image\" loading=\"lazy\" src=\"");
    push_escaped(out, url);
    out.push_str("\" alt=\"");
    push_escaped(out, alt);
    out.push_str("\">");
}

fn push_element(out: &mut String, element: &Element) {
    match element {
        Element::Button { text, url } if is_web_link(url) => {
            out.push_str("<a class=\"slack-button\" href=\"");
            push_escaped(out, url);
            out.push_str("\">");
            push_text(out, text);
            out.push_str("</a>");
        }
        Element::Button { text, .. } => push_in(out, "slack-button", text),
        Element::Control { text, style, .. } => {
            out.push_str("<span class=\"slack-button");
            if let Some(style) = style {
                out.push(' ');
                push_escaped(out, style);
            }
            out.push_str("\">");
            push_text(out, text);
            out.push_str("</span>");
        }
    }
}

/// `text` in a `div` of `class`.
fn push_in(out: &mut String, class: &str, text: &Text) {
    let _ = write!(out, "<div class=\"{class}\">");
    push_text(out, text);
    out.push_str("</div>");
}

fn push_text(out: &mut String, text: &Text) {
    match text {
        Text::PlainText { text, .. } => push_with_emoji(out, text),
        Text::Mrkdwn { text, .. } => push_mrkdwn(out, text),
    }
}

/// Slack's mrkdwn: `<…>` sequences (links, dates, mentions) and, between them, Slack-escaped
/// text with `*bold*` and `_italic_`, line by line.
fn push_mrkdwn(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(len) = rest[open..].find('>') else {
            break;
        };
        push_formatted(out, &rest[..open]);
        push_sequence(out, &rest[open + 1..open + len]);
        rest = &rest[open + len + 1..];
    }
    push_formatted(out, rest);
}

/// One `<…>` sequence, without its brackets.
fn push_sequence(out: &mut String, inner: &str) {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, Some(label)),
        None => (inner, None),
    };
    let mention = |out: &mut String, name: &str| {
        out.push_str("<span class=\"slack-mention\">");
        push_plain(out, name);
        out.push_str("</span>");
    };
    if target.starts_with("!date^") {
        // Slack shows the date in the reader's zone; the fallback is what the page can show.
        push_plain(out, label.unwrap_or(""));
    } else if let Some(user) = target.strip_prefix('@') {
        mention(out, &format!("@{user}"));
    } else if let Some(group) = target.strip_prefix("!subteam^") {
        mention(out, &format!("@{}", label.unwrap_or(group)));
    } else if let Some(special) = target.strip_prefix('!') {
        mention(out, &format!("@{special}"));
    } else if let Some(channel) = target.strip_prefix('#') {
        mention(out, &format!("#{}", label.unwrap_or(channel)));
    } else {
        let url = decode_entities(target);
        let label = label.unwrap_or(target);
        if is_web_link(&url) {
            out.push_str("<a href=\"");
            push_escaped(out, &url);
            out.push_str("\">");
            push_plain(out, label);
            out.push_str("</a>");
        } else {
            push_plain(out, label);
        }
    }
}

/// Text between sequences: each line with its bold and italic spans.
fn push_formatted(out: &mut String, text: &str) {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        push_line(out, line);
    }
}

/// One line: a `*` or `_` opens a span at the line's start or after a space or punctuation,
/// and only when the same mark closes it later in the line before a space, punctuation or
/// the end (so `http_requests_total` stays as it is).
fn push_line(out: &mut String, line: &str) {
    let chars: Vec<char> = line.chars().collect();
    let mut plain_from = 0;
    let mut i = 0;
    while i < chars.len() {
        let mark = chars[i];
        let tag = match mark {
            '*' => "b",
            '_' => "i",
            _ => {
                i += 1;
                continue;
            }
        };
        let opens = (i == 0 || !chars[i - 1].is_alphanumeric())
            && chars
                .get(i + 1)
                .is_some_and(|c| !c.is_whitespace() && *c != mark);
        let close = opens
            .then(|| {
                (i + 2..chars.len()).find(|&j| {
                    chars[j] == mark
                        && !chars[j - 1].is_whitespace()
                        && chars.get(j + 1).is_none_or(|c| !c.is_alphanumeric())
                })
            })
            .flatten();
        let Some(close) = close else {
            i += 1;
            continue;
        };
        push_plain(out, &chars[plain_from..i].iter().collect::<String>());
        let _ = write!(out, "<{tag}>");
        push_plain(out, &chars[i + 1..close].iter().collect::<String>());
        let _ = write!(out, "</{tag}>");
        i = close + 1;
        plain_from = i;
    }
    push_plain(out, &chars[plain_from..].iter().collect::<String>());
}

/// Slack-escaped text, decoded and escaped for HTML, with its emoji.
fn push_plain(out: &mut String, text: &str) {
    push_with_emoji(out, &decode_entities(text));
}

/// `:name:` as its emoji where the messages use it; other text escaped as it is.
fn push_with_emoji(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        let after = &rest[start + 1..];
        let emoji = after.find(':').and_then(|end| {
            let (_, emoji) = EMOJI.iter().find(|(name, _)| *name == &after[..end])?;
            Some((emoji, end))
        });
        match emoji {
            Some((emoji, end)) => {
                push_escaped(out, &rest[..start]);
                out.push_str(emoji);
                rest = &after[end + 1..];
            }
            None => {
                push_escaped(out, &rest[..=start]);
                rest = after;
            }
        }
    }
    push_escaped(out, rest);
}

/// The three escapes Slack's text uses (`&amp;` last, so `&amp;lt;` stays `&lt;`).
fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn is_web_link(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The tags the preview writes; anything else after a `<` is markup that got through.
    const TAGS: &[&str] = &[
        "div class=\"slack",
        "/div>",
        "b>",
        "/b>",
        "i>",
        "/i>",
        "br>",
        "a href=\"http",
        "a class=\"slack-button\" href=\"http",
        "/a>",
        "span class=\"slack-",
        "/span>",
        "img class=\"slack-image\" loading=\"lazy\" src=\"",
    ];

    /// `Err` naming the first markup in `html` the preview does not write itself.
    pub(crate) fn only_preview_markup(html: &str) -> Result<(), String> {
        for (at, _) in html.match_indices('<') {
            let rest = &html[at + 1..];
            if !TAGS.iter().any(|tag| rest.starts_with(tag)) {
                let end = rest.char_indices().nth(40).map_or(rest.len(), |(i, _)| i);
                return Err(format!("markup let through: <{}", &rest[..end]));
            }
        }
        Ok(())
    }

    fn mrkdwn(text: &str) -> String {
        let mut out = String::new();
        push_mrkdwn(&mut out, text);
        out
    }

    #[test]
    fn mrkdwn_becomes_html() {
        for (text, html) in [
            ("*Severity*\n:pager: Page", "<b>Severity</b><br>📟 Page"),
            ("_checkout_ is down", "<i>checkout</i> is down"),
            (
                "rate(http_requests_total[5m])",
                "rate(http_requests_total[5m])",
            ),
            ("a * b * c", "a * b * c"),
            ("2*3*4", "2*3*4"),
            ("*unclosed", "*unclosed"),
            (
                "<https://grafana.example/d?a=1&amp;b=2|Open>",
                "<a href=\"https://grafana.example/d?a=1&amp;b=2\">Open</a>",
            ),
            (
                "<!date^1795639651^{date_short_pretty} at {time}|2026-11-25T20:47:31Z>",
                "2026-11-25T20:47:31Z",
            ),
            (
                "<@U012AB3CD>",
                "<span class=\"slack-mention\">@U012AB3CD</span>",
            ),
            (
                "<!subteam^S0ONCALL1>",
                "<span class=\"slack-mention\">@S0ONCALL1</span>",
            ),
            ("<!here>", "<span class=\"slack-mention\">@here</span>"),
            (":unknown: :eyes:", ":unknown: 👀"),
        ] {
            assert_eq!(mrkdwn(text), html, "{text:?}");
        }
    }

    #[test]
    fn escaped_text_and_odd_links_stay_inert() {
        for (text, html) in [
            (
                "&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;",
                "&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;",
            ),
            ("<javascript:alert(1)|click>", "click"),
            ("<mailto:a@b.example>", "mailto:a@b.example"),
            (
                "<https://x.example/\"onload=\"x|a>",
                "<a href=\"https://x.example/&quot;onload=&quot;x\">a</a>",
            ),
            ("a < b", "a &lt; b"),
            ("*\"quoted\"*", "<b>&quot;quoted&quot;</b>"),
        ] {
            assert_eq!(mrkdwn(text), html, "{text:?}");
            only_preview_markup(&mrkdwn(text)).unwrap();
        }
        assert!(only_preview_markup("<b>ok</b><script>").is_err());
    }

    #[test]
    fn an_image_of_a_slack_file_shows_its_alt_text() {
        let mut out = String::new();
        let image = Block::SlackImage {
            slack_file: crate::slack::message::SlackFile { id: "F1".into() },
            alt_text: "peak <9.1 %>".into(),
        };
        push_block(&mut out, &image);
        assert_eq!(out, "<div class=\"slack-context\">peak &lt;9.1 %&gt;</div>");
        only_preview_markup(&out).unwrap();
    }
}
