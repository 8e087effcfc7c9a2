//! On-call mentions: the alert's `slack_mention` label (else annotation), comma-separated Slack
//! ids, turned into the pings of its firing message. Only a piece that is exactly a user id
//! (`U…`, `W…`), a user-group id (`S…`) or, when allowed, `here` / `channel` becomes a mention,
//! rendered here from the validated id alone; everything else is refused with its reason.

use std::fmt;

use super::message::Message;
use crate::labels;

/// The label (or annotation) that names whom a firing alert pings.
pub const LABEL: &str = "slack_mention";
/// Mentions one message makes at most, so that a label cannot spam a channel.
pub const MAX_MENTIONS: usize = 20;
/// An id's length at most: Slack's are 9 to 11 characters, some room for longer ones to come.
const MAX_ID_LEN: usize = 21;
/// A refused piece is quoted in the log up to this many characters.
const QUOTED_MAX: usize = 64;

/// Someone a firing message pings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mention {
    /// A user id, `U…` or `W…` (an Enterprise Grid user).
    User(String),
    /// A user group's id, `S…`.
    Group(String),
    /// Everyone active in the channel (`ALLOW_BROADCAST_MENTIONS=true` only).
    Here,
    /// Everyone in the channel (`ALLOW_BROADCAST_MENTIONS=true` only).
    Channel,
}

/// Slack's markup for the mention: `<@U…>`, `<!subteam^S…>`, `<!here>`, `<!channel>`.
impl fmt::Display for Mention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mention::User(id) => write!(f, "<@{id}>"),
            Mention::Group(id) => write!(f, "<!subteam^{id}>"),
            Mention::Here => f.write_str("<!here>"),
            Mention::Channel => f.write_str("<!channel>"),
        }
    }
}

/// A piece of the value left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The piece, cut to [`QUOTED_MAX`] characters (quoted with escapes when shown).
    pub piece: String,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    NotAnId,
    /// `here` or `channel` without `ALLOW_BROADCAST_MENTIONS=true`.
    BroadcastNotAllowed,
    /// Past [`MAX_MENTIONS`].
    OverTheLimit,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let piece = &self.piece;
        match self.reason {
            Reason::NotAnId => write!(
                f,
                "{LABEL} {piece:?} left out: not a Slack user id (U…, W…) or user-group id (S…)"
            ),
            Reason::BroadcastNotAllowed => write!(
                f,
                "{LABEL} {piece:?} left out: @here and @channel need ALLOW_BROADCAST_MENTIONS=true"
            ),
            Reason::OverTheLimit => write!(
                f,
                "{LABEL} {piece:?} left out: over the limit of {MAX_MENTIONS} mentions"
            ),
        }
    }
}

/// What a `slack_mention` value gives: the mentions, in order and each once, and the pieces
/// left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    pub mentions: Vec<Mention>,
    pub refused: Vec<Refusal>,
}

/// The mentions of an alert: its `slack_mention` label, else its annotation (as for
/// `slack_channel`); none when neither is set.
pub fn of_alert(
    labels: &[(String, String)],
    annotations: &[(String, String)],
    allow_broadcast: bool,
) -> Mentions {
    let set = |pairs| labels::value(pairs, LABEL).filter(|v| !v.trim().is_empty());
    set(labels)
        .or_else(|| set(annotations))
        .map(|value| parse(value, allow_broadcast))
        .unwrap_or_default()
}

/// Parses comma-separated ids; blank pieces are skipped and a repeated one counts once.
pub fn parse(value: &str, allow_broadcast: bool) -> Mentions {
    let mut found = Mentions::default();
    for piece in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let refuse = |reason| Refusal {
            piece: piece.chars().take(QUOTED_MAX).collect(),
            reason,
        };
        let mention = match one(piece, allow_broadcast) {
            Ok(mention) => mention,
            Err(reason) => {
                found.refused.push(refuse(reason));
                continue;
            }
        };
        if found.mentions.contains(&mention) {
            continue;
        }
        if found.mentions.len() == MAX_MENTIONS {
            found.refused.push(refuse(Reason::OverTheLimit));
            continue;
        }
        found.mentions.push(mention);
    }
    found
}

/// One piece as a mention: an exact id or keyword, nothing around it.
fn one(piece: &str, allow_broadcast: bool) -> Result<Mention, Reason> {
    match piece {
        "here" | "channel" if !allow_broadcast => Err(Reason::BroadcastNotAllowed),
        "here" => Ok(Mention::Here),
        "channel" => Ok(Mention::Channel),
        _ if !is_id(piece) => Err(Reason::NotAnId),
        _ if piece.starts_with('S') => Ok(Mention::Group(piece.to_owned())),
        _ => Ok(Mention::User(piece.to_owned())),
    }
}

/// `U`, `W` or `S`, then 2 to 20 uppercase ASCII letters and digits.
fn is_id(piece: &str) -> bool {
    let bytes = piece.as_bytes();
    (3..=MAX_ID_LEN).contains(&bytes.len())
        && matches!(bytes[0], b'U' | b'W' | b'S')
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Puts the mentions at the head of the message's top-level `text`: Slack notifies mentions
/// there (not in attachments), and shows that text above the alert.
pub fn add_to(message: &mut Message, mentions: &[Mention]) {
    if mentions.is_empty() {
        return;
    }
    let line: Vec<String> = mentions.iter().map(Mention::to_string).collect();
    message.text = format!("{} {}", line.join(" "), message.text);
}

#[cfg(test)]
mod tests {
    use super::{add_to, of_alert, parse, Mention, Mentions, Reason, Refusal, MAX_MENTIONS};
    use crate::slack::message::Message;

    fn refused(piece: &str, reason: Reason) -> Refusal {
        Refusal {
            piece: piece.to_owned(),
            reason,
        }
    }

    #[test]
    fn user_and_group_ids_become_mentions_in_order_each_once() {
        let found = parse(" U012AB3CD, S0ONCALL1,,W0GRID42 ,U012AB3CD", false);
        assert_eq!(
            found.mentions,
            [
                Mention::User("U012AB3CD".into()),
                Mention::Group("S0ONCALL1".into()),
                Mention::User("W0GRID42".into()),
            ]
        );
        assert!(found.refused.is_empty());
        let shown: Vec<String> = found.mentions.iter().map(Mention::to_string).collect();
        assert_eq!(
            shown,
            ["<@U012AB3CD>", "<!subteam^S0ONCALL1>", "<@W0GRID42>"]
        );
    }

    #[test]
    fn anything_but_an_exact_id_is_refused_and_left_out() {
        for piece in [
            "not an id",
            "<!channel>",
            "<@U012AB3CD>",
            "@U012AB3CD",
            "u012ab3cd",
            "C0123ABCD",
            "U0",
            "U0123456789ABCDEFGHIJK",
            "U012AB3CD\u{200b}",
            "U012-AB3CD",
            "everyone",
            "@here",
            "HERE",
        ] {
            let found = parse(&format!("U1X,{piece}"), true);
            assert_eq!(found.mentions, [Mention::User("U1X".into())], "{piece:?}");
            assert_eq!(
                found.refused,
                [refused(piece, Reason::NotAnId)],
                "{piece:?}"
            );
        }
    }

    #[test]
    fn here_and_channel_need_broadcasts_allowed() {
        let found = parse("here,channel", false);
        assert!(found.mentions.is_empty());
        assert_eq!(
            found.refused,
            [
                refused("here", Reason::BroadcastNotAllowed),
                refused("channel", Reason::BroadcastNotAllowed),
            ]
        );
        assert_eq!(
            found.refused[0].to_string(),
            "slack_mention \"here\" left out: @here and @channel need \
             ALLOW_BROADCAST_MENTIONS=true"
        );
        let allowed = parse("here,channel", true);
        assert_eq!(allowed.mentions, [Mention::Here, Mention::Channel]);
        let shown: Vec<String> = allowed.mentions.iter().map(Mention::to_string).collect();
        assert_eq!(shown, ["<!here>", "<!channel>"]);
    }

    #[test]
    fn mentions_past_the_limit_are_refused() {
        let ids: Vec<String> = (0..=MAX_MENTIONS).map(|n| format!("U{n:03}")).collect();
        let found = parse(&ids.join(","), false);
        assert_eq!(found.mentions.len(), MAX_MENTIONS);
        assert_eq!(found.refused, [refused("U020", Reason::OverTheLimit)]);
    }

    #[test]
    fn a_refused_piece_is_quoted_cut_and_escaped() {
        let found = parse(&format!("a\nb{}", "x".repeat(100)), false);
        let line = found.refused[0].to_string();
        assert!(line.starts_with("slack_mention \"a\\nbxxx"), "{line}");
        assert!(
            line.contains(&format!("{}\" left out", "x".repeat(61))),
            "{line}"
        );
        assert_eq!(line.lines().count(), 1);
    }

    #[test]
    fn mentions_lead_the_top_level_text_and_none_leave_it_alone() {
        let mut message = Message {
            channel: "#alerts".into(),
            text: "[FIRING] HighErrorRate: errors".into(),
            thread_ts: None,
            attachments: Vec::new(),
            metadata: None,
        };
        add_to(&mut message, &[]);
        assert_eq!(message.text, "[FIRING] HighErrorRate: errors");
        add_to(&mut message, &parse("U012AB3CD,S0ONCALL1", false).mentions);
        assert_eq!(
            message.text,
            "<@U012AB3CD> <!subteam^S0ONCALL1> [FIRING] HighErrorRate: errors"
        );
    }

    #[test]
    fn the_label_wins_over_the_annotation_and_blank_counts_as_unset() {
        let pairs = |v: &str| vec![("slack_mention".to_owned(), v.to_owned())];
        let label = pairs("U0LABEL1");
        let annotation = pairs("U0ANNOT1");
        assert_eq!(
            of_alert(&label, &annotation, false).mentions,
            [Mention::User("U0LABEL1".into())]
        );
        assert_eq!(
            of_alert(&pairs(" "), &annotation, false).mentions,
            [Mention::User("U0ANNOT1".into())]
        );
        assert_eq!(of_alert(&[], &[], false), Mentions::default());
    }
}

#[cfg(test)]
mod props;
