//! The calendar arithmetic of regulatory clocks, across daylight-saving
//! changes and midnights, in the sites' time zones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use clocks::due;
use incident::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use site_model::deadline::Due;

fn tz(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn local(ts: Timestamp, zone: &TimeZone) -> jiff::civil::DateTime {
    jiff::Timestamp::from_microsecond(ts.micros()).unwrap().to_zoned(zone.clone()).datetime()
}

const HOUR: i64 = 3_600_000_000;

#[test]
fn the_cip_008_examples_across_the_spring_and_autumn_changes() {
    let chicago = tz("America/Chicago");
    // Reportable: one hour, exactly, even across the spring change (02:00 -> 03:00 on 2026-03-08).
    let d = due(Due::Within(60), t("2026-03-08T01:30:00-06:00"), &chicago).unwrap();
    assert_eq!(d.micros() - t("2026-03-08T01:30:00-06:00").micros(), HOUR);
    assert_eq!(d.to_string(), "2026-03-08T03:30:00-05:00");
    // An attempt determined the day before the spring change: the end of the next day is
    // local midnight, 36 hours later (13 hours left of the day, then a 23-hour day).
    let s = t("2026-03-07T11:00:00-06:00");
    let d = due(Due::EndOfDay(1), s, &chicago).unwrap();
    assert_eq!(d.to_string(), "2026-03-09T00:00:00-05:00");
    assert_eq!(d.micros() - s.micros(), 36 * HOUR);
    // ... and the day before the autumn change (01:00 repeated on 2026-11-01): a 25-hour day.
    let s = t("2026-10-31T22:00:00-05:00");
    let d = due(Due::EndOfDay(1), s, &chicago).unwrap();
    assert_eq!(d.to_string(), "2026-11-02T00:00:00-06:00");
    assert_eq!(d.micros() - s.micros(), 27 * HOUR);
    // Just before and just after midnight: the next calendar day is not the same day.
    let before = due(Due::EndOfDay(1), t("2026-11-26T23:59:00-06:00"), &chicago).unwrap();
    let after = due(Due::EndOfDay(1), t("2026-11-27T00:01:00-06:00"), &chicago).unwrap();
    assert_eq!(before.to_string(), "2026-11-28T00:00:00-06:00");
    assert_eq!(after.to_string(), "2026-11-29T00:00:00-06:00");
    // The same instant seen from UTC is on another calendar day: the site's zone decides.
    let utc = due(Due::EndOfDay(1), t("2026-11-26T23:59:00-06:00"), &TimeZone::UTC).unwrap();
    assert_eq!(utc.to_string(), "2026-11-29T00:00:00Z");
    // Seven calendar days across the autumn change keep the wall-clock time: 169 hours.
    let s = t("2026-10-30T09:00:00-05:00");
    let d = due(Due::CalendarDays(7), s, &chicago).unwrap();
    assert_eq!(d.to_string(), "2026-11-06T09:00:00-06:00");
    assert_eq!(d.micros() - s.micros(), 169 * HOUR);
    // A wall-clock time that does not exist on the target day (02:30 on 2026-03-08) moves forward.
    let d = due(Due::CalendarDays(7), t("2026-03-01T02:30:00-06:00"), &chicago).unwrap();
    assert_eq!(d.to_string(), "2026-03-08T03:30:00-05:00");
}

fn zone() -> impl Strategy<Value = TimeZone> {
    prop_oneof![
        Just(tz("America/Chicago")),
        Just(tz("Europe/Berlin")),
        Just(tz("Australia/Sydney")),
        Just(tz("Asia/Kolkata")),
        Just(TimeZone::UTC),
    ]
}

/// Instants over 2025-2028 (micros), with extra weight near the changes of 2026.
fn instant() -> impl Strategy<Value = Timestamp> {
    let day = 86_400_000_000i64;
    prop_oneof![
        (1_735_689_600_000_000i64..1_830_297_600_000_000i64),
        // 2026-03-06 .. 2026-03-10 and 2026-10-23 .. 2026-11-03, where Chicago and Berlin change.
        (1_772_755_200_000_000i64..1_772_755_200_000_000i64 + 4 * day),
        (1_792_713_600_000_000i64..1_792_713_600_000_000i64 + 11 * day),
    ]
    .prop_map(|m| Timestamp::from_unix_micros(m).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_fixed_time_is_exact(start in instant(), minutes in 1u32..20_000, z in zone()) {
        let d = due(Due::Within(minutes), start, &z).unwrap();
        prop_assert_eq!(d.micros() - start.micros(), minutes as i64 * 60_000_000);
    }

    #[test]
    fn the_end_of_a_day_is_the_local_midnight_that_many_days_later(start in instant(), days in 0u32..40, z in zone()) {
        let d = due(Due::EndOfDay(days), start, &z).unwrap();
        let (s, e) = (local(start, &z), local(d, &z));
        prop_assert_eq!(e.date(), s.date().checked_add(jiff::Span::new().days(days as i64 + 1)).unwrap());
        prop_assert_eq!(e.time(), jiff::civil::Time::midnight(), "local {} (zones here change at 02:00/03:00, never at midnight)", e);
        prop_assert!(d.micros() > start.micros());
        let span = d.micros() - start.micros();
        prop_assert!(span <= (days as i64 + 1) * 24 * HOUR + HOUR);
        prop_assert!(span > days as i64 * 24 * HOUR - HOUR);
        // The due time is shown in the zone's offset at that instant.
        let off = z.to_offset(jiff::Timestamp::from_microsecond(d.micros()).unwrap()).seconds() / 60;
        prop_assert_eq!(d.offset_minutes() as i32, off);
    }

    #[test]
    fn calendar_days_keep_the_wall_clock_unless_it_does_not_exist(start in instant(), days in 1u32..120, z in zone()) {
        let d = due(Due::CalendarDays(days), start, &z).unwrap();
        let (s, e) = (local(start, &z), local(d, &z));
        prop_assert_eq!(e.date(), s.date().checked_add(jiff::Span::new().days(days as i64)).unwrap());
        if e.time() != s.time() {
            // Only when the wall-clock time falls in a gap on the target day: then it moves forward.
            prop_assert!(e.time() > s.time(), "{} -> {}", s, e);
            let gap = d.micros() - start.micros() - days as i64 * 24 * HOUR;
            prop_assert!(gap.abs() <= 2 * HOUR, "{} -> {}", s, e);
        }
    }

    #[test]
    fn later_starts_never_give_earlier_deadlines(a in instant(), b in instant(), z in zone(), days in 0u32..10) {
        let (a, b) = if a.micros() <= b.micros() { (a, b) } else { (b, a) };
        for rule in [Due::EndOfDay(days), Due::CalendarDays(days + 1), Due::Within(60)] {
            prop_assert!(due(rule, a, &z).unwrap().micros() <= due(rule, b, &z).unwrap().micros());
        }
    }
}
