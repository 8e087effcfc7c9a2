//! The retention sweep, run from the drain (the host's timer, Spin's CronJob, or a webhook's
//! drain alike): at most every [`SWEEP_EVERY_MS`] across instances and replicas, in short
//! store steps until nothing is due or its time is up. `duration_ms` reads the settings.

use crate::{alerts, metrics};
use std::time::{Duration, Instant};

use crate::reply::describe;
use crate::store::Swept;

/// How often a sweep may run: often enough that a backlog goes in small bites, rarely
/// enough that an idle sweep (one short write) costs nothing.
const SWEEP_EVERY_MS: u32 = 10_000;
/// Time one sweep may take after its drain delivered: a backlog goes over several drains.
const SWEEP_TIME: Duration = Duration::from_secs(2);
/// Settings errors are logged this often, not on every drain.
const WARN_EVERY_MS: u32 = 3_600_000;

/// Sweeps what retention lets go, if no instance has swept within [`SWEEP_EVERY_MS`].
pub fn sweep() {
    let retention = match crate::config::retention() {
        Ok(retention) => retention,
        Err(reason) => {
            if metrics::notice_due("retention-settings", WARN_EVERY_MS, crate::now_ms()) == Ok(true)
            {
                eprintln!("alertgraph: retention sweep off: {reason}");
            }
            return;
        }
    };
    match metrics::notice_due("retention-sweep", SWEEP_EVERY_MS, crate::now_ms()) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            eprintln!(
                "alertgraph: cannot start a retention sweep: {}",
                describe(&e)
            );
            return;
        }
    }
    let stop = Instant::now() + SWEEP_TIME;
    let mut total = Swept {
        alerts: 0,
        charts: 0,
        jobs: 0,
        pages_freed: 0,
        more: true,
    };
    while total.more && Instant::now() < stop {
        match alerts::sweep_retention(retention, crate::now_ms()) {
            Ok(step) => add(&mut total, &step),
            Err(e) => {
                eprintln!("alertgraph: retention sweep stopped: {}", describe(&e));
                break;
            }
        }
    }
    if total.alerts + total.charts + total.jobs + total.pages_freed > 0 {
        eprintln!(
            "alertgraph: retention sweep removed {} alerts, {} charts, {} outbox jobs and gave \
             back {} free pages{}",
            total.alerts,
            total.charts,
            total.jobs,
            total.pages_freed,
            if total.more { "; more is due" } else { "" }
        );
    }
}

fn add(total: &mut Swept, step: &Swept) {
    total.alerts += step.alerts;
    total.charts += step.charts;
    total.jobs += step.jobs;
    total.pages_freed += step.pages_freed;
    total.more = step.more;
}

/// Units a retention may be given in, with their length in milliseconds.
const UNITS: [(char, i64); 5] = [
    ('s', 1_000),
    ('m', 60_000),
    ('h', 3_600_000),
    ('d', 86_400_000),
    ('w', 604_800_000),
];
/// Shorter would sweep what is still being delivered; longer is "forever" by mistake.
const SHORTEST_MS: i64 = 60_000;
const LONGEST_MS: i64 = 10 * 366 * 86_400_000;

/// A retention such as `90d`, `12h`, `10m` (also `s`, `w`), from one minute to ten years.
pub fn duration_ms(value: &str) -> Result<i64, String> {
    let value = value.trim();
    let split = value.len() - value.chars().last().map_or(0, char::len_utf8);
    let (number, unit) = value.split_at(split);
    let unit_ms = UNITS
        .iter()
        .find(|(u, _)| unit.len() == 1 && unit.starts_with(*u))
        .map(|(_, ms)| *ms)
        .ok_or_else(|| {
            format!(
                "{value:?} is not a duration: a whole number and a unit (s, m, h, d, w), e.g. 90d"
            )
        })?;
    let ms = number
        .parse::<u32>()
        .ok()
        .map(|n| i64::from(n) * unit_ms)
        .ok_or_else(|| format!("{value:?} is not a duration: {number:?} is not a whole number"))?;
    if !(SHORTEST_MS..=LONGEST_MS).contains(&ms) {
        return Err(format!("{value:?} is outside one minute to ten years"));
    }
    Ok(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_number_and_a_unit() {
        assert_eq!(duration_ms("90d"), Ok(90 * 86_400_000));
        assert_eq!(duration_ms(" 12h "), Ok(12 * 3_600_000));
        assert_eq!(duration_ms("10m"), Ok(600_000));
        assert_eq!(duration_ms("120s"), Ok(120_000));
        assert_eq!(duration_ms("2w"), Ok(14 * 86_400_000));
        assert_eq!(duration_ms("3650d"), Ok(3650 * 86_400_000));
    }

    #[test]
    fn bad_durations_say_why() {
        for (value, why) in [
            ("", "not a duration"),
            ("90", "not a duration"),
            ("d", "not a whole number"),
            ("1.5d", "not a whole number"),
            ("-3d", "not a whole number"),
            ("90 days", "not a duration"),
            ("5é", "not a duration"),
            ("30s", "outside one minute"),
            ("0m", "outside one minute"),
            ("4000d", "outside one minute to ten years"),
            ("99999999999d", "not a whole number"),
        ] {
            let err = duration_ms(value).unwrap_err();
            assert!(err.contains(why), "{value:?}: {err}");
        }
    }
}
