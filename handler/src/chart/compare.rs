//! `CHART_COMPARE`: how far back the chart also shows its series, faint and dashed, to compare
//! the incident with the same hours a day or some weeks earlier.

use super::model::Ms;

const DAY_MS: Ms = 24 * 60 * 60 * 1000;
/// More weeks back than a month or so rarely says anything about today.
const MAX_WEEKS: u8 = 5;

/// A comparison offset: `1d`, or `1w` to `5w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    Day,
    Weeks(u8),
}

impl Offset {
    /// Parses `CHART_COMPARE` strictly; the error names the accepted values.
    pub fn parse(value: &str) -> Result<Offset, String> {
        let weeks = value
            .strip_suffix('w')
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=MAX_WEEKS).contains(n) && !value.starts_with(['+', '0']));
        match (value, weeks) {
            ("1d", _) => Ok(Offset::Day),
            (_, Some(n)) => Ok(Offset::Weeks(n)),
            _ => Err(format!(
                "{value:?} is not a comparison offset: 1d, or 1w to {MAX_WEEKS}w"
            )),
        }
    }

    pub fn ms(self) -> Ms {
        match self {
            Offset::Day => DAY_MS,
            Offset::Weeks(n) => Ms::from(n) * 7 * DAY_MS,
        }
    }

    /// The legend entry of the comparison lines, e.g. "1 week ago".
    pub fn label(self) -> String {
        match self {
            Offset::Day => "1 day ago".to_owned(),
            Offset::Weeks(1) => "1 week ago".to_owned(),
            Offset::Weeks(n) => format!("{n} weeks ago"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_or_one_to_five_weeks_parse_and_nothing_else() {
        assert_eq!(Offset::parse("1d"), Ok(Offset::Day));
        assert_eq!(Offset::parse("1w"), Ok(Offset::Weeks(1)));
        assert_eq!(Offset::parse("5w"), Ok(Offset::Weeks(5)));
        for bad in [
            "", "0w", "6w", "01w", "+1w", "2d", "1h", "1W", "w", "1 w", "7d",
        ] {
            let err = Offset::parse(bad).expect_err(bad);
            assert!(err.contains("1d, or 1w to 5w"), "{err}");
        }
    }

    #[test]
    fn each_offset_says_how_long_ago_and_how_many_ms() {
        assert_eq!(Offset::Day.ms(), 86_400_000);
        assert_eq!(Offset::Weeks(2).ms(), 14 * 86_400_000);
        assert_eq!(Offset::Day.label(), "1 day ago");
        assert_eq!(Offset::Weeks(1).label(), "1 week ago");
        assert_eq!(Offset::Weeks(3).label(), "3 weeks ago");
    }
}
