//! Zooming an alert's chart from Slack: the buttons under the chart, the reply in the alert's
//! thread that shows another window, and the note a repeated click gets.

use super::{
    chart_blocks, escape_cut, mention, mrkdwn, Attachment, Block, Chart, Element, Message, Text,
    FIRING_COLOR, RESOLVED_COLOR,
};
use crate::slack::interaction::ZOOMS;

/// Puts the zoom buttons right under the message's chart (and its numbers line); a message
/// without a chart image gets none.
pub fn add_buttons(message: &mut Message, alert_id: i64) {
    let Some(attachment) = message.attachments.first_mut() else {
        return;
    };
    let blocks = &mut attachment.blocks;
    let image = blocks
        .iter()
        .position(|b| matches!(b, Block::Image { .. } | Block::SlackImage { .. }));
    let Some(image) = image else { return };
    let numbers = matches!(blocks.get(image + 1), Some(Block::Context { .. }));
    let buttons = ZOOMS
        .iter()
        .map(|&(action_id, label, _)| Element::Control {
            text: Text::PlainText {
                text: label.to_owned(),
                emoji: false,
            },
            action_id,
            value: alert_id.to_string(),
            style: None,
        })
        .collect();
    let at = image + 1 + usize::from(numbers);
    blocks.insert(at, Block::Actions { elements: buttons });
}

/// The window's label as its button shows it, e.g. "6h"; else in whole minutes.
pub fn label(window_ms: i64) -> String {
    ZOOMS
        .iter()
        .find(|&&(_, _, ms)| ms == window_ms)
        .map_or_else(
            || format!("{} min", window_ms / 60_000),
            |&(_, l, _)| l.to_owned(),
        )
}

/// The reply in the alert's thread (`thread_ts` in `channel`) showing its chart over
/// `window_ms`, for whoever asked (`user_id`).
pub fn reply(
    alert: (&str, bool),
    (channel, thread_ts): (&str, &str),
    window_ms: i64,
    user_id: &str,
    chart: &Chart,
) -> Message {
    let (alertname, firing) = alert;
    let until = if firing { "now" } else { "the resolve" };
    let line = format!(
        ":mag: {} up to {until}, asked for by {}",
        label(window_ms),
        mention(user_id)
    );
    let mut blocks = vec![Block::Context {
        elements: vec![mrkdwn(line)],
    }];
    blocks.extend(chart_blocks(chart));
    Message {
        channel: channel.to_owned(),
        text: escape_cut(
            &format!("{alertname}: the last {} of its chart", label(window_ms)),
            super::FALLBACK_MAX,
        ),
        thread_ts: Some(thread_ts.to_owned()),
        attachments: vec![Attachment {
            color: if firing { FIRING_COLOR } else { RESOLVED_COLOR },
            blocks,
        }],
        metadata: None,
    }
}

/// What a click on a window asked for in the last ten minutes is told: the reply's link,
/// or that it is still on its way.
pub fn repeat_note(window_ms: i64, permalink: Option<&str>) -> String {
    let label = label(window_ms);
    match permalink {
        Some(link) => format!(
            "The {label} chart was posted in this thread a few minutes ago: <{link}|see it>."
        ),
        None => format!("The {label} chart is being drawn: it will appear in this thread."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::message::SlackFile;

    fn with_chart(numbers: Option<&str>) -> Message {
        let chart = Chart::SlackFile {
            id: "F1".into(),
            alt: "chart".into(),
            numbers: numbers.map(str::to_owned),
        };
        let mut blocks = vec![Block::Header {
            text: Text::PlainText {
                text: "h".into(),
                emoji: true,
            },
        }];
        blocks.extend(chart_blocks(&chart));
        Message {
            channel: "#alerts".into(),
            text: "t".into(),
            thread_ts: None,
            attachments: vec![Attachment {
                color: FIRING_COLOR,
                blocks,
            }],
            metadata: None,
        }
    }

    fn zoom_ids(block: &Block) -> Vec<(&'static str, String)> {
        let Block::Actions { elements } = block else {
            panic!("not buttons: {block:?}")
        };
        elements
            .iter()
            .map(|e| match e {
                Element::Control {
                    action_id, value, ..
                } => (*action_id, value.clone()),
                other => panic!("a link button: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn the_buttons_go_under_the_chart_and_its_numbers() {
        for (numbers, at) in [(Some("6.6 % now"), 3), (None, 2)] {
            let mut message = with_chart(numbers);
            add_buttons(&mut message, 42);
            let blocks = &message.attachments[0].blocks;
            let ids = zoom_ids(&blocks[at]);
            let expected: Vec<_> = ZOOMS.iter().map(|z| (z.0, "42".to_owned())).collect();
            assert_eq!(ids, expected);
            assert!(matches!(
                blocks[at - 1 - usize::from(numbers.is_some())],
                Block::SlackImage {
                    slack_file: SlackFile { .. },
                    ..
                }
            ));
        }
    }

    #[test]
    fn a_message_without_a_chart_image_gets_no_buttons() {
        let mut message = with_chart(None);
        message.attachments[0].blocks.truncate(1);
        let before = message.clone();
        add_buttons(&mut message, 42);
        assert_eq!(message, before);
    }

    #[test]
    fn the_reply_names_the_window_and_who_asked_in_the_thread() {
        let chart = Chart::SlackFile {
            id: "F9".into(),
            alt: "chart".into(),
            numbers: None,
        };
        let reply = reply(
            ("HighLatency", false),
            ("C1", "1.2"),
            21_600_000,
            "U7",
            &chart,
        );
        assert_eq!(reply.thread_ts.as_deref(), Some("1.2"));
        assert_eq!(reply.text, "HighLatency: the last 6h of its chart");
        let json = serde_json::to_value(&reply).unwrap();
        let blocks = &json["attachments"][0]["blocks"];
        assert_eq!(
            blocks[0]["elements"][0]["text"],
            ":mag: 6h up to the resolve, asked for by <@U7>"
        );
        assert_eq!(blocks[1]["slack_file"]["id"], "F9");
    }

    #[test]
    fn a_repeat_gets_the_link_or_word_that_the_chart_is_coming() {
        assert_eq!(
            repeat_note(3_600_000, Some("https://x.slack.com/archives/C1/p12")),
            "The 1h chart was posted in this thread a few minutes ago: \
             <https://x.slack.com/archives/C1/p12|see it>."
        );
        assert_eq!(
            repeat_note(604_800_000, None),
            "The 7d chart is being drawn: it will appear in this thread."
        );
        assert_eq!(label(90 * 60_000), "90 min");
    }
}
