//! Texts in messages: escaping, control characters, length limits and cuts, channel
//! precedence, durations and dates.

use super::*;

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
            numbers: None,
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
