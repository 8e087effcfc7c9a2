//! Text in the SVG: XML escaping, and the widths of the bundled Inter faces to cut long text
//! before the renderer lays it out (the SVG is built without access to the font).

/// Advance widths of Inter Regular for `' '..='~'`, in 1/2816 em (read from the font file).
const REGULAR: [u16; 95] = [
    792, 784, 1136, 1776, 1796, 2288, 1800, 624, 1020, 1020, 1408, 1856, 788, 1296, 776, 1004,
    1760, 1308, 1704, 1792, 1808, 1712, 1756, 1608, 1736, 1756, 776, 788, 1856, 1856, 1856, 1428,
    2636, 1904, 1832, 2048, 2024, 1684, 1652, 2092, 2084, 744, 1528, 1836, 1584, 2504, 2120, 2144,
    1788, 2144, 1800, 1796, 1808, 2088, 1904, 2672, 1808, 1872, 1760, 1020, 1004, 1020, 1320, 1272,
    1400, 1588, 1748, 1572, 1748, 1640, 1016, 1716, 1664, 668, 668, 1532, 668, 2448, 1648, 1680,
    1716, 1716, 1048, 1472, 1024, 1636, 1568, 2288, 1520, 1568, 1524, 1020, 920, 1020, 1856,
];

/// Advance widths of Inter Bold for `' '..='~'`, in 1/2816 em.
const BOLD: [u16; 95] = [
    653, 914, 1105, 1829, 1844, 2420, 1898, 588, 1152, 1152, 1590, 1914, 853, 1320, 838, 1098,
    1938, 1378, 1774, 1857, 1909, 1815, 1859, 1675, 1861, 1859, 838, 853, 1914, 1914, 1914, 1584,
    2902, 2106, 1861, 2118, 2048, 1725, 1647, 2142, 2101, 790, 1605, 1942, 1598, 2576, 2070, 2202,
    1824, 2204, 1848, 1844, 1882, 2054, 2106, 2917, 2012, 2040, 1878, 1152, 1098, 1152, 1373, 1342,
    1400, 1634, 1789, 1654, 1789, 1683, 1086, 1783, 1758, 766, 766, 1638, 766, 2568, 1751, 1728,
    1781, 1781, 1151, 1582, 1094, 1751, 1650, 2394, 1616, 1650, 1610, 1152, 1052, 1152, 1914,
];

const UNITS_PER_EM: f64 = 2816.0;
/// Assumed for anything outside ASCII: a full em, so that a cut errs on the short side.
const OTHER: u16 = 2816;
const ELLIPSIS: char = '…';
const ELLIPSIS_WIDTH: u16 = 2312;

/// A font style of the chart's text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Font {
    pub(super) size: f64,
    pub(super) bold: bool,
}

impl Font {
    pub(super) const fn regular(size: f64) -> Font {
        Font { size, bold: false }
    }

    pub(super) const fn bold(size: f64) -> Font {
        Font { size, bold: true }
    }

    /// The width of `text` in pixels as Inter draws it (kerning ignored).
    pub(super) fn width(self, text: &str) -> f64 {
        self.units(text) * self.size / UNITS_PER_EM
    }

    fn advance(self, c: char) -> u16 {
        let table = if self.bold { &BOLD } else { &REGULAR };
        match c {
            ' '..='~' => table[c as usize - ' ' as usize],
            ELLIPSIS => ELLIPSIS_WIDTH,
            _ => OTHER,
        }
    }

    /// `text` made safe to show (see [`clean`]) and cut at the end with "…" to at most
    /// `max_width` px.
    pub(super) fn fit(self, text: &str, max_width: f64) -> String {
        self.fit_keeping(text, 0, max_width)
    }

    /// Like [`Font::fit`], but what goes first is the text before char `from` (of the cleaned
    /// text), keeping its start: series labels that share a prefix (`pod="shop-frontend-…`)
    /// differ after it. When even the rest is too wide it is cut at its end too.
    pub(super) fn fit_keeping(self, text: &str, from: usize, max_width: f64) -> String {
        let cleaned: String = text.chars().filter_map(clean).collect();
        if self.width(&cleaned) <= max_width {
            return cleaned;
        }
        let room = (max_width * UNITS_PER_EM / self.size - f64::from(ELLIPSIS_WIDTH)).max(0.0);
        let rest: String = cleaned.chars().skip(from).collect();
        if from == 0 {
            return format!("{}{ELLIPSIS}", self.prefix(rest.chars(), room).trim_end());
        }
        let rest_units = self.units(&rest);
        if rest_units > room {
            let kept = self.prefix(rest.chars(), room - f64::from(ELLIPSIS_WIDTH));
            return format!("{ELLIPSIS}{}{ELLIPSIS}", kept.trim());
        }
        let head = self.prefix(cleaned.chars().take(from), room - rest_units);
        format!("{}{ELLIPSIS}{}", head.trim_end(), rest.trim_start())
    }

    /// The longest run of `chars` that fits in `room` font units.
    fn prefix(self, chars: impl Iterator<Item = char>, room: f64) -> String {
        let mut used = 0.0;
        chars
            .take_while(|&c| {
                used += f64::from(self.advance(c));
                used <= room
            })
            .collect()
    }

    fn units(self, text: &str) -> f64 {
        text.chars().map(|c| f64::from(self.advance(c))).sum()
    }
}

/// Whitespace controls become spaces; other control characters and the two code points XML
/// forbids are dropped.
pub(super) fn clean(c: char) -> Option<char> {
    match c {
        '\t' | '\n' | '\r' => Some(' '),
        '\u{FFFE}' | '\u{FFFF}' => None,
        c if c.is_control() => None,
        c => Some(c),
    }
}

/// How many leading chars all `labels` share once cleaned (none for fewer than two labels).
pub(super) fn shared_prefix<'a>(mut labels: impl Iterator<Item = &'a str>) -> usize {
    let Some(first) = labels.next() else { return 0 };
    let first: Vec<char> = first.chars().filter_map(clean).collect();
    labels
        .map(|label| {
            let same = label.chars().filter_map(clean).zip(&first);
            same.take_while(|(a, b)| a == *b).count()
        })
        .min()
        .unwrap_or(0)
}

/// Appends `text` cleaned and escaped for XML text and attribute values.
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars().filter_map(clean) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: Font = Font::regular(13.0);

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        push_escaped(&mut out, text);
        out
    }

    #[test]
    fn markup_characters_are_escaped_and_controls_dropped() {
        assert_eq!(
            escaped("</text><script>alert('x & \"y\"')</script>"),
            "&lt;/text&gt;&lt;script&gt;alert(&apos;x &amp; &quot;y&quot;&apos;)&lt;/script&gt;"
        );
        assert_eq!(escaped("&amp;"), "&amp;amp;");
        assert_eq!(escaped("a\u{0}b\u{7}c\u{1b}[0m\u{7f}\u{FFFF}"), "abc[0m");
        assert_eq!(escaped("line\none\ttab"), "line one tab");
        assert_eq!(escaped("🔥 ünïcode — ok"), "🔥 ünïcode — ok");
    }

    #[test]
    fn widths_follow_the_font() {
        // "0" is 1760/2816 em: 8.125 px at 13 px.
        assert!((BODY.width("0") - 8.125).abs() < 1e-9);
        let bold = Font::bold(BODY.size);
        assert!(bold.width("HighErrorRate") > BODY.width("HighErrorRate"));
        assert_eq!(BODY.width(""), 0.0);
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_to_fit() {
        let long = "sum by (service) (rate(http_requests_total{code=\"500\"}[5m]))";
        assert_eq!(BODY.fit(long, 1000.0), long);
        let cut = BODY.fit(long, 120.0);
        assert!(cut.ends_with('…') && cut.len() < long.len(), "{cut}");
        assert!(BODY.width(&cut) <= 120.0, "{cut}");
        assert!(long.starts_with(cut.trim_end_matches('…')));
        assert_eq!(BODY.fit("a\u{0}b", 100.0), "ab");
        assert_eq!(BODY.fit("wide text", 1.0), "…");
    }

    #[test]
    fn cuts_can_keep_the_part_after_a_shared_prefix() {
        let label = "pod=\"shop-frontend-7d9f8b6c5-07x\", container=\"app\"";
        let from = "pod=\"shop-frontend-7d9f8b6c5-".len();
        let cut = BODY.fit_keeping(label, from, 190.0);
        assert!(
            cut.starts_with("pod=") && cut.ends_with("07x\", container=\"app\""),
            "{cut}"
        );
        assert_eq!(cut.matches('…').count(), 1, "{cut}");
        assert!(BODY.width(&cut) <= 190.0, "{cut}");
        let narrow = BODY.fit_keeping(label, from, 60.0);
        assert!(
            narrow.starts_with("…07x") && narrow.ends_with('…'),
            "{narrow}"
        );
        assert!(BODY.width(&narrow) <= 60.0, "{narrow}");
        assert_eq!(BODY.fit_keeping("short", 2, 180.0), "short");
    }

    #[test]
    fn shared_prefixes_are_counted_on_clean_text() {
        assert_eq!(
            shared_prefix(["a=\"x1\"", "a=\"x2\"", "a=\"y\""].into_iter()),
            3
        );
        assert_eq!(shared_prefix(["\u{1}ab", "ac"].into_iter()), 1);
        assert_eq!(shared_prefix(["alone"].into_iter()), 0);
        assert_eq!(shared_prefix([].into_iter()), 0);
    }

    #[test]
    fn no_space_is_left_before_the_ellipsis() {
        let cut = BODY.fit("word word word word", 60.0);
        assert!(!cut.contains(" …"), "{cut}");
    }
}
