//! Reading a source line by line into one reused buffer.

use std::io::{BufRead, ErrorKind};

use crate::activity::LineError;

/// The longest line read, in bytes. Longer lines are skipped with an error so
/// that one runaway line cannot exhaust memory.
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// What the next call to [`Lines::next_line`] found.
pub(crate) enum Line<'a> {
    /// A line (1-based number, text without its `\n` or `\r\n`).
    Text(u64, &'a str),
    /// A line that could not be read (not UTF-8, too long); reading goes on.
    Bad(LineError),
    /// A read error: the last item; reading stops.
    Failed(LineError),
    /// The end of the source.
    End,
}

/// A `BufRead` read line by line into one buffer, counting lines.
pub(crate) struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    line: u64,
    finished: bool,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(reader: R) -> Self {
        Lines { reader, buf: Vec::new(), line: 0, finished: false }
    }

    /// The next line. After [`Line::Failed`] or [`Line::End`], always `End`.
    pub(crate) fn next_line(&mut self) -> Line<'_> {
        if self.finished {
            return Line::End;
        }
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let (used, done) = match self.reader.fill_buf() {
                Ok([]) => {
                    if !any {
                        self.finished = true;
                        return Line::End;
                    }
                    break;
                }
                Ok(available) => {
                    any = true;
                    let (chunk, used, done) = match memchr::memchr(b'\n', available) {
                        Some(i) => (&available[..i], i + 1, true),
                        None => (available, available.len(), false),
                    };
                    if !too_long {
                        if self.buf.len() + chunk.len() > MAX_LINE_BYTES {
                            too_long = true;
                            self.buf.clear();
                            self.buf.shrink_to(64 * 1024);
                        } else {
                            self.buf.extend_from_slice(chunk);
                        }
                    }
                    (used, done)
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.finished = true;
                    return Line::Failed(LineError {
                        line: self.line + 1,
                        reason: format!("read error: {e}; reading stopped here"),
                    });
                }
            };
            self.reader.consume(used);
            if done {
                break;
            }
        }
        self.line += 1;
        let line = self.line;
        if too_long {
            return Line::Bad(LineError {
                line,
                reason: format!("line is longer than {MAX_LINE_BYTES} bytes; skipped"),
            });
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        let mut bytes = &self.buf[..];
        if line == 1 {
            // A UTF-8 byte order mark, as spreadsheet exports write.
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Line::Text(line, text),
            Err(e) => Line::Bad(LineError {
                line,
                reason: format!("line is not valid UTF-8 (bad byte at column {})", e.valid_up_to() + 1),
            }),
        }
    }
}

/// Records read one JSON object per line: blank and `#` lines are skipped, and
/// every other line is parsed by `record` (`Ok(None)`: not activity, skipped;
/// `Err`: the line's reason).
pub(crate) struct JsonLines<R> {
    pub lines: Lines<R>,
    pub record: fn(u64, &str) -> Result<Option<crate::activity::Activity>, String>,
}

impl<R: std::io::BufRead> Iterator for JsonLines<R> {
    type Item = Result<crate::activity::Activity, crate::activity::LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (line, text) = match self.lines.next_line() {
                Line::Text(n, t) => (n, t),
                Line::Bad(e) | Line::Failed(e) => return Some(Err(e)),
                Line::End => return None,
            };
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            match (self.record)(line, text) {
                Ok(None) => continue,
                Ok(Some(a)) => return Some(Ok(a)),
                Err(reason) => return Some(Err(crate::activity::LineError { line, reason })),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn all(input: &[u8]) -> Vec<Result<(u64, String), LineError>> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        loop {
            match lines.next_line() {
                Line::Text(n, t) => out.push(Ok((n, t.to_string()))),
                Line::Bad(e) | Line::Failed(e) => out.push(Err(e)),
                Line::End => return out,
            }
        }
    }

    #[test]
    fn endings() {
        let got = all(b"a\r\nb\n\nc");
        let texts: Vec<_> = got.into_iter().map(|r| r.map(|(n, t)| format!("{n}:{t}"))).collect();
        assert_eq!(texts, vec![Ok("1:a".into()), Ok("2:b".into()), Ok("3:".into()), Ok("4:c".into())]);
        assert!(all(b"").is_empty());
        assert_eq!(all(b"\n").len(), 1);
    }

    #[test]
    fn bom_and_bad_utf8() {
        let got = all(b"\xEF\xBB\xBFx\nab\xFFc\nok\n");
        assert_eq!(got[0], Ok((1, "x".to_string())));
        assert_eq!(got[1], Err(LineError { line: 2, reason: "line is not valid UTF-8 (bad byte at column 3)".into() }));
        assert_eq!(got[2], Ok((3, "ok".to_string())));
    }

    #[test]
    fn too_long() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nnext\n");
        let got = all(&input);
        assert_eq!(got.len(), 2);
        assert!(matches!(&got[0], Err(e) if e.line == 1 && e.reason.contains("longer than")));
        assert_eq!(got[1], Ok((2, "next".to_string())));
    }
}
