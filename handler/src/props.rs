//! Property tests (proptest) against bad input: their settings, how many cases each tries, and
//! the hostile text they are fed. The properties live next to the code they test, in the
//! `props` modules of `webhook`, `chart::query`, `chart::svg`, `slack::message` and
//! `slack::mention`.
//!
//! Each property tries the cases its constant in [`cases`] says, 25,000 cases in all
//! ([`TOTAL_CASES`]); a run fails on the first counterexample, shrunk, and writes nothing.

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;

/// How many cases each property tries, by the module and the property's name.
pub mod cases {
    pub const WEBHOOK_ARBITRARY_BYTES: u32 = 2500;
    pub const WEBHOOK_MUTATED_FIXTURE: u32 = 2000;
    pub const WEBHOOK_ANY_FIELD_REPLACED: u32 = 2500;
    pub const WEBHOOK_DEEP_JSON: u32 = 400;
    pub const WEBHOOK_HUGE_LABEL_SETS: u32 = 200;
    pub const WEBHOOK_OVER_THE_LIMITS: u32 = 100;
    pub const WEBHOOK_ESCAPED_UNICODE: u32 = 500;
    pub const WEBHOOK_LONE_SURROGATES: u32 = 300;

    pub const QUERY_ARBITRARY_TEXT: u32 = 2000;
    pub const QUERY_TOKEN_SOUP: u32 = 2000;
    pub const QUERY_GENERATED_PROMQL: u32 = 2500;
    pub const QUERY_OVER_THE_CAPS: u32 = 500;
    pub const QUERY_GENERATOR_URL_ROUND_TRIP: u32 = 1000;
    pub const QUERY_ARBITRARY_GENERATOR_URL: u32 = 1200;
    pub const QUERY_SLOTH_LABELS: u32 = 500;

    pub const SVG_ARBITRARY_PLOTS: u32 = 2500;

    pub const SLACK_ALERT_MESSAGE: u32 = 2000;
    pub const SLACK_SUMMARY_SHOWN_LITERALLY: u32 = 500;
    pub const SLACK_GROUP_SUMMARY: u32 = 500;
    pub const SLACK_RESOLVED_REPLY: u32 = 300;
    pub const SLACK_MENTIONS_ONLY_IDS: u32 = 1000;
}

/// Every property's cases added up.
pub const TOTAL_CASES: u32 = cases::WEBHOOK_ARBITRARY_BYTES
    + cases::WEBHOOK_MUTATED_FIXTURE
    + cases::WEBHOOK_ANY_FIELD_REPLACED
    + cases::WEBHOOK_DEEP_JSON
    + cases::WEBHOOK_HUGE_LABEL_SETS
    + cases::WEBHOOK_OVER_THE_LIMITS
    + cases::WEBHOOK_ESCAPED_UNICODE
    + cases::WEBHOOK_LONE_SURROGATES
    + cases::QUERY_ARBITRARY_TEXT
    + cases::QUERY_TOKEN_SOUP
    + cases::QUERY_GENERATED_PROMQL
    + cases::QUERY_OVER_THE_CAPS
    + cases::QUERY_GENERATOR_URL_ROUND_TRIP
    + cases::QUERY_ARBITRARY_GENERATOR_URL
    + cases::QUERY_SLOTH_LABELS
    + cases::SVG_ARBITRARY_PLOTS
    + cases::SLACK_ALERT_MESSAGE
    + cases::SLACK_SUMMARY_SHOWN_LITERALLY
    + cases::SLACK_GROUP_SUMMARY
    + cases::SLACK_RESOLVED_REPLY
    + cases::SLACK_MENTIONS_ONLY_IDS;

/// A property's settings: `cases` cases, and no regression files written into the source tree.
pub fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters that break naive code: controls, the syntax of JSON, XML, mrkdwn, PromQL and
/// URLs, bidi and zero-width marks, non-characters, combining and astral characters.
const NASTY_CHARS: &[char] = &[
    '\0',
    '\u{1}',
    '\u{7}',
    '\t',
    '\n',
    '\r',
    '\u{b}',
    '\u{c}',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    '\u{a0}',
    '\u{200b}',
    '\u{200e}',
    '\u{200f}',
    '\u{202e}',
    '\u{2066}',
    '\u{2028}',
    '\u{2029}',
    '\u{feff}',
    '\u{fffd}',
    '\u{fffe}',
    '\u{ffff}',
    '\u{10ffff}',
    '\u{301}',
    '🔥',
    '…',
    '"',
    '\'',
    '`',
    '\\',
    '<',
    '>',
    '&',
    ';',
    '#',
    '*',
    '_',
    '~',
    '|',
    '@',
    '!',
    '%',
    '+',
    '=',
    '{',
    '}',
    '(',
    ')',
    '[',
    ']',
    ',',
    ':',
    '/',
    '?',
    '^',
    '$',
    ' ',
    'a',
    'Z',
    '0',
    '9',
];

/// Markup, mentions and escapes that must come out inert wherever they are shown.
const INJECTIONS: &[&str] = &[
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<#C123|general>",
    "<http://evil.example|click>",
    "<https://evil.example>",
    "<!date^0^{date}|x>",
    "<mailto:a@b.example>",
    "*bold*",
    "_italic_",
    "~strike~",
    "`code`",
    "```block```",
    "> quote",
    "&amp;",
    "&lt;",
    "&#0;",
    "&#x3c;",
    "<script>alert(1)</script>",
    "</text><script>",
    "]]>",
    "<![CDATA[x]]>",
    "<!--",
    "-->",
    "<?xml version=\"1.0\"?>",
    "<!DOCTYPE x [<!ENTITY e \"e\">]>",
    "\" onload=\"alert(1)",
    "' onerror='x",
    "<svg onload=alert(1)>",
    "%3Cscript%3E",
    "%00",
    "%ZZ",
    "\\\"",
    "\\u0000",
    "\\ud800",
    "{{ .Labels }}",
    "${jndi:x}",
];

/// One character: any at all, or one of [`NASTY_CHARS`].
pub fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![3 => any::<char>(), 2 => select(NASTY_CHARS)]
}

/// Text of up to `max_pieces` pieces: hostile characters, injection attempts and plain words.
pub fn hostile_text(max_pieces: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => hostile_char().prop_map(String::from),
        1 => select(INJECTIONS).prop_map(str::to_owned),
        1 => "[a-z]{1,12}",
    ];
    prop::collection::vec(piece, 0..=max_pieces).prop_map(|pieces| pieces.concat())
}

/// Hostile text repeated to up to `max_chars` characters.
pub fn long_text(max_chars: usize) -> impl Strategy<Value = String> {
    (hostile_text(6), 1..=max_chars).prop_map(|(seed, chars)| {
        let seed = if seed.is_empty() {
            "x".to_owned()
        } else {
            seed
        };
        seed.chars().cycle().take(chars).collect()
    })
}

/// Hostile text, now and then long.
pub fn maybe_long_text(max_chars: usize) -> impl Strategy<Value = String> {
    prop_oneof![8 => hostile_text(12), 1 => long_text(max_chars)]
}

#[test]
fn total_cases_as_documented() {
    assert_eq!(TOTAL_CASES, 25_000);
}
