//! Properties of `slack_mention` on hostile values: only an exact id (or, when allowed, `here` /
//! `channel`) given as a piece of the value becomes a mention, rendered in Slack's markup and
//! nothing more, at most [`MAX_MENTIONS`] of them; and in a whole firing message every `<` is
//! one of those mentions, at the head of its text, or the builder's own date tokens.

use proptest::prelude::*;
use proptest::sample::select;

use super::{add_to, of_alert, Mention, LABEL, MAX_MENTIONS};
use crate::props::{cases, config, hostile_text};
use crate::slack::message::props::assert_no_injection;
use crate::slack::message::{alert_message, AlertView, Chart, Message, MessageOptions};
use crate::store::{Alert, AlertStatus};

/// Pieces that are ids, nearly ids, broadcasts in any spelling, or hostile text.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "[UWS][A-Z0-9]{2,20}",
        2 => "[UWSCTuws@<!#][A-Za-z0-9 ^|>@!\u{200b}]{0,24}",
        1 => select(&[
            "here", "channel", "@here", "<!here>", "<!channel>", "everyone", "<@U123>",
            "HERE", " here ", "u123", "C0123ABCD", "S", "U1", "U0123456789ABCDEFGHIJK",
        ][..])
        .prop_map(str::to_owned),
        2 => hostile_text(6),
    ]
}

/// A `slack_mention` value: pieces joined by commas, sometimes with blanks around them.
fn value() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(piece(), 0..40),
        select(&[",", ", ", " ,", ",,"][..]),
    )
        .prop_map(|(pieces, comma)| pieces.join(comma))
}

/// The id or keyword inside a mention's markup, when the markup is exactly Slack's for it;
/// written apart from the parser so that it checks, not repeats, it.
fn markup_inner(shown: &str, allow_broadcast: bool) -> Option<&str> {
    let id_like = |id: &str, first: &[char]| {
        (3..=21).contains(&id.len())
            && id.starts_with(first)
            && id
                .chars()
                .skip(1)
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    if let Some(id) = shown.strip_prefix("<@").and_then(|r| r.strip_suffix('>')) {
        return id_like(id, &['U', 'W']).then_some(id);
    }
    if let Some(id) = shown
        .strip_prefix("<!subteam^")
        .and_then(|r| r.strip_suffix('>'))
    {
        return id_like(id, &['S']).then_some(id);
    }
    match shown {
        "<!here>" if allow_broadcast => Some("here"),
        "<!channel>" if allow_broadcast => Some("channel"),
        _ => None,
    }
}

fn pair(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

/// In the message's text only the mentions at its head may ping; elsewhere every `<` opens
/// one of the builder's date tokens.
fn assert_pings_only(message: &Message, head: &str) -> Result<(), TestCaseError> {
    let rest = message.text.strip_prefix(head);
    prop_assert!(
        rest.is_some(),
        "{:?} does not lead with {head:?}",
        message.text
    );
    let mut without = message.clone();
    without.text = rest.unwrap_or_default().to_owned();
    assert_no_injection(&without)
}

proptest! {
    #![proptest_config(config(cases::SLACK_MENTIONS_ONLY_IDS))]
    #[test]
    fn only_ids_given_become_mentions_and_nothing_else_pings(
        value in value(),
        allow_broadcast in any::<bool>(),
        as_label in any::<bool>(),
        alertname in hostile_text(8),
        summary in hostile_text(12),
    ) {
        let mut labels = vec![pair("alertname", &alertname)];
        let mut annotations = vec![pair("summary", &summary)];
        if as_label { &mut labels } else { &mut annotations }.push(pair(LABEL, &value));
        let found = of_alert(&labels, &annotations, allow_broadcast);

        let given: Vec<&str> = value.split(',').map(str::trim).collect();
        let shown: Vec<String> = found.mentions.iter().map(Mention::to_string).collect();
        prop_assert!(shown.len() <= MAX_MENTIONS);
        for (i, markup) in shown.iter().enumerate() {
            let inner = markup_inner(markup, allow_broadcast);
            prop_assert!(inner.is_some(), "{markup:?} is not Slack's markup for an id");
            prop_assert!(given.contains(&inner.unwrap_or_default()), "{markup:?} not given");
            prop_assert!(!shown[..i].contains(markup), "{markup:?} twice");
        }
        // Every exact id given is mentioned, unless the limit was reached first.
        if shown.len() < MAX_MENTIONS {
            for piece in &given {
                let spellings = [
                    format!("<@{piece}>"),
                    format!("<!subteam^{piece}>"),
                    format!("<!{piece}>"),
                ];
                let exact = |m: &&String| markup_inner(m, allow_broadcast) == Some(*piece);
                if let Some(markup) = spellings.iter().find(exact) {
                    prop_assert!(shown.contains(markup), "{piece:?} given but not mentioned");
                }
            }
        }

        let alert = Alert {
            fingerprint: "f".to_owned(),
            status: AlertStatus::Firing,
            labels,
            annotations,
            starts_at: 0,
            ends_at: None,
            generator_url: String::new(),
        };
        let options = MessageOptions { explorer_url: None, chart: Chart::None };
        let mut message = alert_message(&AlertView::of(&alert), &options, "#alerts");
        add_to(&mut message, &found.mentions);
        assert_pings_only(&message, &shown.join(" "))?;
    }
}
