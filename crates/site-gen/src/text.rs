//! Fast text helpers: numbers, padded numbers, hex and TOML key/value lines written
//! straight into a reusable `String`, without `format!` on the hot paths.

/// Appends `n` in decimal.
pub(crate) fn push_u64(buf: &mut String, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &tmp[i..] {
        buf.push(char::from(b));
    }
}

/// Number of decimal digits of `n`.
pub(crate) fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// Appends `n` zero-padded to at least `width` digits.
pub(crate) fn push_padded(buf: &mut String, n: u64, width: usize) {
    for _ in digits(n)..width {
        buf.push('0');
    }
    push_u64(buf, n);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends the 16 lower-case hex digits of `v`.
pub(crate) fn push_hex64(buf: &mut String, v: u64) {
    for shift in (0..16).rev() {
        buf.push(char::from(HEX[((v >> (shift * 4)) & 0xF) as usize]));
    }
}

/// Appends `s` as the inside of a TOML basic string (escaping `"` and `\`).
pub(crate) fn push_escaped(buf: &mut String, s: &str) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        for ch in s.chars() {
            match ch {
                '"' => buf.push_str("\\\""),
                '\\' => buf.push_str("\\\\"),
                '\n' => buf.push_str("\\n"),
                c if (c as u32) < 0x20 => {
                    buf.push_str("\\u00");
                    buf.push(char::from(HEX[(c as usize) >> 4]));
                    buf.push(char::from(HEX[(c as usize) & 0xF]));
                }
                c => buf.push(c),
            }
        }
    } else {
        buf.push_str(s);
    }
}

/// `key = "value"\n`
pub(crate) fn kv(buf: &mut String, key: &str, value: &str) {
    buf.push_str(key);
    buf.push_str(" = \"");
    push_escaped(buf, value);
    buf.push_str("\"\n");
}

/// `key = 123\n`
pub(crate) fn kv_u64(buf: &mut String, key: &str, value: u64) {
    buf.push_str(key);
    buf.push_str(" = ");
    push_u64(buf, value);
    buf.push('\n');
}

/// `key = true|false\n`
pub(crate) fn kv_bool(buf: &mut String, key: &str, value: bool) {
    buf.push_str(key);
    buf.push_str(if value { " = true\n" } else { " = false\n" });
}

/// `key = ["a", "b"]\n`
pub(crate) fn kv_strs(buf: &mut String, key: &str, values: &[&str]) {
    buf.push_str(key);
    buf.push_str(" = [");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            buf.push_str(", ");
        }
        buf.push('"');
        push_escaped(buf, v);
        buf.push('"');
    }
    buf.push_str("]\n");
}

/// A TOML local date `YYYY-MM-DD` (unquoted).
pub(crate) fn push_date(buf: &mut String, y: u64, m: u64, d: u64) {
    push_padded(buf, y, 4);
    buf.push('-');
    push_padded(buf, m, 2);
    buf.push('-');
    push_padded(buf, d, 2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings() {
        let mut b = String::new();
        push_u64(&mut b, 0);
        b.push(' ');
        push_u64(&mut b, u64::MAX);
        b.push(' ');
        push_padded(&mut b, 17, 5);
        b.push(' ');
        push_padded(&mut b, 123_456, 2);
        b.push(' ');
        push_hex64(&mut b, 0xDEAD_BEEF);
        b.push(' ');
        push_escaped(&mut b, "a\"b\\c");
        b.push(' ');
        push_date(&mut b, 2026, 3, 4);
        assert_eq!(b, "0 18446744073709551615 00017 123456 00000000deadbeef a\\\"b\\\\c 2026-03-04");
    }
}
