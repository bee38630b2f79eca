//! Time-zone aware instants: the UTC instant and the offset it was written in.
//!
//! Nothing here reads a clock. Callers supply every timestamp (the binary
//! from its `Clock`, tests from a settable one).

use std::fmt;

/// Microseconds since 1970-01-01T00:00:00Z of 0001-01-01T00:00:00Z.
pub const MIN_MICROS: i64 = -62_135_596_800_000_000;
/// Microseconds since the epoch of 9999-12-31T23:59:59.999999Z.
pub const MAX_MICROS: i64 = 253_402_300_799_999_999;
/// The largest offset from UTC accepted, in minutes (±23:59).
pub const MAX_OFFSET_MINUTES: i16 = 23 * 60 + 59;

/// An instant (UTC, microsecond precision) and the UTC offset it was given in,
/// so that "10:04 at the plant" is shown as the operator wrote it.
///
/// Two timestamps are equal only when instant and offset both are; order and
/// comparisons of instants go through [`Timestamp::micros`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    micros: i64,
    offset_minutes: i16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "\"{text}\" is not a time stamp: {why}; expected RFC 3339 like 2026-11-26T14:05:00-06:00 or 2026-11-26T20:05:00Z"
    )]
    Syntax { text: String, why: &'static str },
    #[error("\"{text}\" has no UTC offset: add Z or ±HH:MM (times are recorded with their time zone)")]
    NoOffset { text: String },
    #[error("\"{text}\" is out of range: {why}")]
    Range { text: String, why: &'static str },
    #[error(
        "instant {micros} µs since the epoch with offset {offset_minutes} min is outside 0001-01-01..9999-12-31 or ±23:59"
    )]
    OutOfRange { micros: i64, offset_minutes: i16 },
}

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp { micros: 0, offset_minutes: 0 };

    /// A timestamp from its parts; fails outside years 1-9999 or offsets beyond ±23:59.
    pub fn new(micros: i64, offset_minutes: i16) -> Result<Self, TimeError> {
        if !(MIN_MICROS..=MAX_MICROS).contains(&micros) || offset_minutes.unsigned_abs() > MAX_OFFSET_MINUTES as u16 {
            return Err(TimeError::OutOfRange { micros, offset_minutes });
        }
        // The local wall time must be within range too.
        let local = micros.checked_add(offset_minutes as i64 * 60_000_000);
        match local {
            Some(l) if (MIN_MICROS..=MAX_MICROS).contains(&l) => Ok(Timestamp { micros, offset_minutes }),
            _ => Err(TimeError::OutOfRange { micros, offset_minutes }),
        }
    }

    /// A UTC timestamp from microseconds since the Unix epoch.
    pub fn from_unix_micros(micros: i64) -> Result<Self, TimeError> {
        Self::new(micros, 0)
    }

    /// Microseconds since 1970-01-01T00:00:00Z.
    pub fn micros(self) -> i64 {
        self.micros
    }

    /// The offset from UTC it was written in, in minutes east of Greenwich.
    pub fn offset_minutes(self) -> i16 {
        self.offset_minutes
    }

    /// The same instant shown in another offset.
    pub fn with_offset(self, offset_minutes: i16) -> Result<Self, TimeError> {
        Self::new(self.micros, offset_minutes)
    }

    /// The same instant plus `micros` (saturating at the range ends).
    pub fn plus_micros(self, micros: i64) -> Self {
        let m = self.micros.saturating_add(micros).clamp(MIN_MICROS, MAX_MICROS);
        Self::new(m, self.offset_minutes).unwrap_or(Timestamp { micros: m, offset_minutes: 0 })
    }

    /// Parses RFC 3339 (`2026-11-26T14:05:00-06:00`, `2026-11-26 20:05:00.25Z`).
    /// The offset is required; fractions of a second up to microseconds.
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        let syntax = |why| TimeError::Syntax { text: text.to_string(), why };
        let range = |why| TimeError::Range { text: text.to_string(), why };
        let b = text.as_bytes();
        if b.len() < 19 {
            return Err(if b.len() >= 10 && !text.contains([':']) {
                syntax("a date alone is not an instant; add the time and offset")
            } else {
                syntax("too short")
            });
        }
        let num = |from: usize, len: usize| -> Result<u32, TimeError> {
            let s = b.get(from..from + len).ok_or_else(|| syntax("too short"))?;
            if !s.iter().all(u8::is_ascii_digit) {
                return Err(syntax("expected digits"));
            }
            Ok(s.iter().fold(0u32, |acc, d| acc * 10 + (d - b'0') as u32))
        };
        let sep = |at: usize, ok: &[u8], why| -> Result<(), TimeError> {
            match b.get(at) {
                Some(c) if ok.contains(c) => Ok(()),
                _ => Err(syntax(why)),
            }
        };
        let year = num(0, 4)?;
        sep(4, b"-", "expected '-' after the year")?;
        let month = num(5, 2)?;
        sep(7, b"-", "expected '-' after the month")?;
        let day = num(8, 2)?;
        sep(10, b"Tt ", "expected 'T' between date and time")?;
        let hour = num(11, 2)?;
        sep(13, b":", "expected ':' after the hour")?;
        let minute = num(14, 2)?;
        sep(16, b":", "expected ':' after the minutes (seconds are required)")?;
        let second = num(17, 2)?;
        let mut at = 19;
        let mut frac_micros = 0u32;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            let digits = at - start;
            if digits == 0 {
                return Err(syntax("expected digits after '.'"));
            }
            if digits > 6 {
                return Err(range("more precise than a microsecond"));
            }
            let f = num(start, digits)?;
            frac_micros = f * 10u32.pow((6 - digits) as u32);
        }
        let offset_minutes: i32 = match b.get(at) {
            None => return Err(TimeError::NoOffset { text: text.to_string() }),
            Some(b'Z' | b'z') => {
                at += 1;
                0
            }
            Some(c @ (b'+' | b'-')) => {
                let sign = if *c == b'-' { -1 } else { 1 };
                let oh = num(at + 1, 2)?;
                sep(at + 3, b":", "expected ±HH:MM as the offset")?;
                let om = num(at + 4, 2)?;
                at += 6;
                if oh > 23 || om > 59 {
                    return Err(range("the offset is beyond ±23:59"));
                }
                sign * (oh * 60 + om) as i32
            }
            Some(_) => return Err(syntax("expected Z or ±HH:MM after the time")),
        };
        if at != b.len() {
            return Err(syntax("unexpected characters after the offset"));
        }
        if year == 0 {
            return Err(range("year 0 does not exist; years run from 0001"));
        }
        if !(1..=12).contains(&month) {
            return Err(range("month must be 01-12"));
        }
        if day == 0 || day > days_in_month(year as i64, month) {
            return Err(range("no such day in that month"));
        }
        if hour > 23 {
            return Err(range("hour must be 00-23"));
        }
        if minute > 59 {
            return Err(range("minute must be 00-59"));
        }
        if second > 59 {
            return Err(range("second must be 00-59 (leap seconds are not recorded)"));
        }
        let days = days_from_civil(year as i64, month, day);
        let local =
            (days * 86_400 + hour as i64 * 3600 + minute as i64 * 60 + second as i64) * 1_000_000 + frac_micros as i64;
        let micros = local - offset_minutes as i64 * 60_000_000;
        Self::new(micros, offset_minutes as i16).map_err(|_| range("the instant is outside years 0001-9999"))
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in the original offset; fractions only when present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.micros + self.offset_minutes as i64 * 60_000_000;
        let secs = local.div_euclid(1_000_000);
        let frac = local.rem_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", sod / 3600, sod / 60 % 60, sod % 60)?;
        if frac != 0 {
            let s = format!("{frac:06}");
            write!(f, ".{}", s.trim_end_matches('0'))?;
        }
        if self.offset_minutes == 0 {
            f.write_str("Z")
        } else {
            let sign = if self.offset_minutes < 0 { '-' } else { '+' };
            let o = self.offset_minutes.unsigned_abs();
            write!(f, "{sign}{:02}:{:02}", o / 60, o % 60)
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_in_the_original_offset() {
        let t = Timestamp::parse("2026-11-26T14:05:00-06:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.offset_minutes(), -360);
        assert_eq!(t.to_string(), "2026-11-26T14:05:00-06:00");
        let z = Timestamp::parse("2026-11-26T20:05:00Z").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(z.micros(), t.micros());
        assert_ne!(z, t, "same instant, different offsets");
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00.5Z").map(|t| t.micros()), Ok(500_000));
        assert_eq!(
            Timestamp::parse("2024-02-29 23:59:59.000001+05:30").map(|t| t.to_string()).as_deref(),
            Ok("2024-02-29T23:59:59.000001+05:30")
        );
        assert_eq!(Timestamp::parse("0001-01-01T00:00:00Z").map(|t| t.micros()), Ok(MIN_MICROS));
        assert_eq!(Timestamp::parse("9999-12-31T23:59:59.999999Z").map(|t| t.micros()), Ok(MAX_MICROS));
    }

    #[test]
    fn rejects_bad_stamps_with_reasons() {
        for (text, needle) in [
            ("2026-11-26", "date alone"),
            ("2026-11-26T14:05:00", "no UTC offset"),
            ("2026-13-01T00:00:00Z", "month"),
            ("2026-02-29T00:00:00Z", "no such day"),
            ("2026-11-26T24:00:00Z", "hour"),
            ("2026-11-26T23:60:00Z", "minute"),
            ("2026-11-26T23:59:60Z", "leap"),
            ("2026-11-26T23:59:59.1234567Z", "microsecond"),
            ("2026-11-26T23:59:59+24:00", "offset"),
            ("2026-11-26T23:59:59Z trailing", "unexpected"),
            ("0000-01-01T00:00:00Z", "year 0"),
            ("9999-12-31T23:59:59-01:00", "outside"),
            ("2026-11-26T1:05:00Z", "digits"),
            ("２０２６-11-26T14:05:00Z", "digits"),
        ] {
            match Timestamp::parse(text) {
                Ok(t) => panic!("{text} parsed as {t}"),
                Err(e) => assert!(e.to_string().contains(needle), "{text}: {e}"),
            }
        }
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_162, -1, 0, 1, 11_016, 20_418, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
