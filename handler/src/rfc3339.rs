//! A strict RFC 3339 parser: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` to milliseconds
//! since the Unix epoch (UTC). Fractions finer than a millisecond are truncated.

/// Parses one RFC 3339 date-time; the error is a short reason for a one-line message.
///
/// Leap seconds (`:60`) are refused, as Go (and so Alertmanager) never emits nor accepts them.
pub fn parse_ms(s: &str) -> Result<i64, &'static str> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return Err("too short");
    }
    let year = digits(b, 0, 4)?;
    expect(b, 4, b"-")?;
    let month = digits(b, 5, 2)?;
    expect(b, 7, b"-")?;
    let day = digits(b, 8, 2)?;
    expect(b, 10, b"Tt")?;
    let hour = digits(b, 11, 2)?;
    expect(b, 13, b":")?;
    let minute = digits(b, 14, 2)?;
    expect(b, 16, b":")?;
    let second = digits(b, 17, 2)?;

    if !(1..=12).contains(&month) {
        return Err("month out of range");
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err("day out of range");
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("time of day out of range");
    }

    let mut i = 19;
    let mut millis = 0;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            // Only the first three digits count: the store keeps milliseconds.
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        match i - start {
            0 => return Err("empty fraction"),
            1 => millis *= 100,
            2 => millis *= 10,
            _ => {}
        }
    }

    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 => {
            expect(b, i + 3, b":")?;
            let (oh, om) = (digits(b, i + 1, 2)?, digits(b, i + 4, 2)?);
            if oh > 23 || om > 59 {
                return Err("offset out of range");
            }
            let minutes = i64::from(oh * 60 + om);
            if sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        None => return Err("missing time zone"),
        Some(_) => return Err("bad time zone"),
    };

    let days = days_from_civil(i64::from(year), month, day);
    let seconds = i64::from(hour * 3600 + minute * 60 + second);
    Ok((days * 86_400 + seconds - offset_minutes * 60) * 1000 + millis)
}

/// `n` ASCII digits at `at`, as a number.
fn digits(b: &[u8], at: usize, n: usize) -> Result<u32, &'static str> {
    let field = b.get(at..at + n).ok_or("too short")?;
    field.iter().try_fold(0, |acc, &c| {
        if c.is_ascii_digit() {
            Ok(acc * 10 + u32::from(c - b'0'))
        } else {
            Err("expected a digit")
        }
    })
}

fn expect(b: &[u8], at: usize, allowed: &[u8]) -> Result<(), &'static str> {
    match b.get(at) {
        Some(c) if allowed.contains(c) => Ok(()),
        _ => Err("bad separator"),
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Milliseconds since the Unix epoch as RFC 3339 UTC with milliseconds, as Go parses it.
pub fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::{format_ms, parse_ms};

    #[test]
    fn formatting_round_trips() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(1_795_639_651_731), "2026-11-25T20:47:31.731Z");
        assert_eq!(format_ms(-1), "1969-12-31T23:59:59.999Z");
        for ms in [0, 951_782_400_000, 1_795_639_651_731, 4_102_444_799_999] {
            assert_eq!(parse_ms(&format_ms(ms)), Ok(ms));
        }
    }

    #[test]
    fn epoch_and_fixture_times() {
        assert_eq!(parse_ms("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_ms("2026-11-25T20:47:31.731Z"), Ok(1_795_639_651_731));
        assert_eq!(parse_ms("9999-12-31T23:59:59Z"), Ok(253_402_300_799_000));
        assert_eq!(parse_ms("0001-01-01T00:00:00Z"), Ok(-62_135_596_800_000));
    }

    #[test]
    fn fractions_are_scaled_then_truncated_to_ms() {
        assert_eq!(parse_ms("1970-01-01T00:00:01.5Z"), Ok(1_500));
        assert_eq!(parse_ms("1970-01-01T00:00:01.05Z"), Ok(1_050));
        assert_eq!(parse_ms("1970-01-01T00:00:01.123456789Z"), Ok(1_123));
        assert_eq!(parse_ms("1970-01-01T00:00:01.999999Z"), Ok(1_999));
        assert_eq!(parse_ms("1969-12-31T23:59:59.5Z"), Ok(-500));
        assert_eq!(parse_ms("1970-01-01T00:00:01.Z"), Err("empty fraction"));
    }

    #[test]
    fn offsets_shift_to_utc() {
        let utc = parse_ms("2026-11-25T20:47:31.731Z");
        assert_eq!(parse_ms("2026-11-25T21:47:31.731+01:00"), utc);
        assert_eq!(parse_ms("2026-11-25T15:17:31.731-05:30"), utc);
        assert_eq!(parse_ms("2026-11-25T20:47:31.731-00:00"), utc);
        assert_eq!(parse_ms("2026-11-25t20:47:31.731z"), utc);
        assert_eq!(
            parse_ms("1970-01-01T00:00:00+24:00"),
            Err("offset out of range")
        );
        assert_eq!(
            parse_ms("1970-01-01T00:00:00+01:60"),
            Err("offset out of range")
        );
        assert_eq!(parse_ms("1970-01-01T00:00:00+0100"), Err("bad time zone"));
        assert_eq!(parse_ms("1970-01-01T00:00:00+01-00"), Err("bad separator"));
    }

    #[test]
    fn leap_years() {
        assert_eq!(parse_ms("2024-02-29T12:00:00Z"), Ok(1_709_208_000_000));
        assert_eq!(parse_ms("2000-02-29T23:59:59.999Z"), Ok(951_868_799_999));
        assert_eq!(parse_ms("2023-02-29T00:00:00Z"), Err("day out of range"));
        assert_eq!(parse_ms("1900-02-29T00:00:00Z"), Err("day out of range"));
        assert_eq!(parse_ms("1900-03-01T00:00:00Z"), Ok(-2_203_891_200_000));
    }

    #[test]
    fn invalid_dates_and_times() {
        for (input, reason) in [
            ("", "too short"),
            ("2026-11-25", "too short"),
            ("2026-13-01T00:00:00Z", "month out of range"),
            ("2026-00-01T00:00:00Z", "month out of range"),
            ("2026-04-31T00:00:00Z", "day out of range"),
            ("2026-01-00T00:00:00Z", "day out of range"),
            ("2026-01-01T24:00:00Z", "time of day out of range"),
            ("2026-01-01T23:60:00Z", "time of day out of range"),
            ("2026-12-31T23:59:60Z", "time of day out of range"),
            ("2026-01-1T00:00:00.0Z", "expected a digit"),
            ("2026-01-01 00:00:00Z", "bad separator"),
            ("2026/01/01T00:00:00Z", "bad separator"),
            ("2026-01-01T00:00:00", "too short"),
            ("2026-01-01T00:00:00.0", "missing time zone"),
            ("2026-01-01T00:00:00ZZ", "bad time zone"),
            ("2026-01-01T00:00:00 Z", "bad time zone"),
            ("+026-01-01T00:00:00Z", "expected a digit"),
            ("2026-01-01T00:00:00é", "bad time zone"),
        ] {
            assert_eq!(parse_ms(input), Err(reason), "{input:?}");
        }
    }
}
