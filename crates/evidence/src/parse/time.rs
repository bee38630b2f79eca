//! Times as the formats write them, to microseconds since the Unix epoch (UTC).

/// Microseconds since the epoch of 0001-01-01T00:00:00Z.
const MIN_MICROS: i64 = -62_135_596_800_000_000;
/// Microseconds since the epoch of 9999-12-31T23:59:59.999999Z.
const MAX_MICROS: i64 = 253_402_300_799_999_999;
const MICROS_PER_SECOND: i64 = 1_000_000;

fn in_range(micros: i64) -> Option<i64> {
    (MIN_MICROS..=MAX_MICROS).contains(&micros).then_some(micros)
}

/// Decimal seconds (`1795701600.123456`, `12`, `-0.5`) to microseconds.
/// Digits past the sixth decimal are dropped. No exponents, no spaces.
pub(crate) fn decimal_seconds(s: &str) -> Option<i64> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || int.len() > 12 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (body.contains('.') && frac.is_empty()) {
        return None;
    }
    let seconds: i64 = int.parse().ok()?;
    let mut micros = 0i64;
    let mut scale = 100_000i64;
    for b in frac.bytes().take(6) {
        micros += i64::from(b - b'0') * scale;
        scale /= 10;
    }
    let total = seconds.checked_mul(MICROS_PER_SECOND)?.checked_add(micros)?;
    in_range(if negative { -total } else { total })
}

/// Unix seconds as a JSON number (an `f64`) to microseconds, rounded.
pub(crate) fn float_seconds(seconds: f64) -> Option<i64> {
    if !seconds.is_finite() {
        return None;
    }
    let micros = (seconds * 1e6).round();
    if micros < MIN_MICROS as f64 || micros > MAX_MICROS as f64 {
        return None;
    }
    Some(micros as i64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize, what: &'static str) -> Result<i64, &'static str> {
        let part = self.s.get(self.at..self.at + n).ok_or(what)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(what);
        }
        self.at += n;
        Ok(part.iter().fold(0, |v, d| v * 10 + i64::from(d - b'0')))
    }

    fn expect(&mut self, chars: &[u8], what: &'static str) -> Result<u8, &'static str> {
        match self.s.get(self.at) {
            Some(c) if chars.contains(c) => {
                self.at += 1;
                Ok(*c)
            }
            _ => Err(what),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
}

/// An RFC 3339 / ISO 8601 time with a UTC offset to microseconds since the
/// epoch: `2026-11-26T08:10:00.123456Z`, `2026-11-26T08:10:00-06:00`, and
/// Suricata's `2026-11-26T08:10:00.123456-0600` (offset without a colon).
/// `t` or a space may separate date and time. Fractions past microseconds are
/// dropped. On failure, says what is wrong.
pub(crate) fn rfc3339(s: &str) -> Result<i64, &'static str> {
    let mut c = Cursor { s: s.as_bytes(), at: 0 };
    let year = c.digits(4, "the date is not YYYY-MM-DD")?;
    c.expect(b"-", "the date is not YYYY-MM-DD")?;
    let month = c.digits(2, "the date is not YYYY-MM-DD")?;
    c.expect(b"-", "the date is not YYYY-MM-DD")?;
    let day = c.digits(2, "the date is not YYYY-MM-DD")?;
    if c.peek().is_none() {
        return Err("there is no time of day");
    }
    c.expect(b"Tt ", "expected T between date and time")?;
    let hour = c.digits(2, "the time is not hh:mm:ss")?;
    c.expect(b":", "the time is not hh:mm:ss")?;
    let minute = c.digits(2, "the time is not hh:mm:ss")?;
    c.expect(b":", "the time is not hh:mm:ss")?;
    let second = c.digits(2, "the time is not hh:mm:ss")?;
    let mut micros = 0i64;
    if c.peek() == Some(b'.') {
        c.at += 1;
        let start = c.at;
        let mut scale = 100_000i64;
        while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
            micros += i64::from(d - b'0') * scale;
            scale /= 10;
            c.at += 1;
        }
        if c.at == start {
            return Err("no digits after the decimal point");
        }
    }
    let offset_minutes = match c.peek() {
        None => return Err("there is no UTC offset (add Z or +hh:mm)"),
        Some(b'Z' | b'z') => {
            c.at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.at += 1;
            let h = c.digits(2, "the UTC offset is not +hh:mm")?;
            let m = match c.peek() {
                None => 0,
                Some(b':') => {
                    c.at += 1;
                    c.digits(2, "the UTC offset is not +hh:mm")?
                }
                Some(_) => c.digits(2, "the UTC offset is not +hh:mm")?,
            };
            if h > 23 || m > 59 {
                return Err("the UTC offset is out of range");
            }
            let minutes = h * 60 + m;
            if sign == b'-' { -minutes } else { minutes }
        }
        Some(_) => return Err("unexpected text after the time"),
    };
    if c.at != c.s.len() {
        return Err("unexpected text after the UTC offset");
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err("no such date");
    }
    // Second 60 is a leap second (RFC 3339 section 5.7); it is counted as the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return Err("no such time of day");
    }
    let seconds =
        days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    in_range(seconds * MICROS_PER_SECOND + micros).ok_or("out of range")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const T: i64 = 1_795_701_600_000_000; // 2026-11-26T14:00:00Z

    #[test]
    fn decimal() {
        assert_eq!(decimal_seconds("1795701600"), Some(T));
        assert_eq!(decimal_seconds("1795701600.123456"), Some(T + 123_456));
        assert_eq!(decimal_seconds("1795701600.1234569"), Some(T + 123_456));
        assert_eq!(decimal_seconds("1795701600.5"), Some(T + 500_000));
        assert_eq!(decimal_seconds("0.000001"), Some(1));
        assert_eq!(decimal_seconds("-1.5"), Some(-1_500_000));
        for bad in ["", ".", "1.", ".5", "abc", "1e9", "1 2", "--1", "1.2.3", "99999999999999999", "+"] {
            assert_eq!(decimal_seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn float() {
        assert_eq!(float_seconds(1_795_701_600.123_456), Some(T + 123_456));
        assert_eq!(float_seconds(f64::NAN), None);
        assert_eq!(float_seconds(f64::INFINITY), None);
        assert_eq!(float_seconds(1e300), None);
    }

    #[test]
    fn rfc3339_forms() {
        assert_eq!(rfc3339("2026-11-26T14:00:00Z"), Ok(T));
        assert_eq!(rfc3339("2026-11-26t14:00:00z"), Ok(T));
        assert_eq!(rfc3339("2026-11-26 14:00:00Z"), Ok(T));
        assert_eq!(rfc3339("2026-11-26T08:00:00-06:00"), Ok(T));
        assert_eq!(rfc3339("2026-11-26T08:00:00.123456-0600"), Ok(T + 123_456));
        assert_eq!(rfc3339("2026-11-26T19:30:00+05:30"), Ok(T));
        assert_eq!(rfc3339("2026-11-26T08:00:00-06"), Ok(T));
        assert_eq!(rfc3339("2026-11-26T14:00:00.5Z"), Ok(T + 500_000));
        assert_eq!(rfc3339("2026-11-26T14:00:00.123456789Z"), Ok(T + 123_456));
        assert_eq!(rfc3339("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(rfc3339("2024-02-29T00:00:00Z"), Ok(1_709_164_800_000_000));
        assert_eq!(rfc3339("0001-01-01T00:00:00Z"), Ok(MIN_MICROS));
        assert_eq!(rfc3339("9999-12-31T23:59:59.999999Z"), Ok(MAX_MICROS));
    }

    #[test]
    fn rfc3339_errors() {
        assert_eq!(rfc3339("2026-11-26T14:00:00"), Err("there is no UTC offset (add Z or +hh:mm)"));
        assert_eq!(rfc3339("2026-11-26"), Err("there is no time of day"));
        assert_eq!(rfc3339("26/11/2026 14:00"), Err("the date is not YYYY-MM-DD"));
        assert_eq!(rfc3339("2026-02-29T00:00:00Z"), Err("no such date"));
        assert_eq!(rfc3339("2026-13-01T00:00:00Z"), Err("no such date"));
        assert_eq!(rfc3339("2026-11-26T24:00:00Z"), Err("no such time of day"));
        assert_eq!(rfc3339("2026-11-26T14:00:00.Z"), Err("no digits after the decimal point"));
        assert_eq!(rfc3339("2026-11-26T14:00:00+25:00"), Err("the UTC offset is out of range"));
        assert_eq!(rfc3339("2026-11-26T14:00:00Zjunk"), Err("unexpected text after the UTC offset"));
        assert_eq!(rfc3339("2026-11-26T14:00:00 Z"), Err("unexpected text after the time"));
        assert_eq!(rfc3339("0000-01-01T00:00:00Z"), Err("out of range"));
        assert_eq!(rfc3339(""), Err("the date is not YYYY-MM-DD"));
        assert_eq!(rfc3339("2026-11-26T14:00:0"), Err("the time is not hh:mm:ss"));
    }
}
