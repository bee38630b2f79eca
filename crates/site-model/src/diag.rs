//! Diagnostics: what is wrong, where (file, line, column, field), what was
//! expected, and a hint such as the nearest valid id.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding about the input. `line` and `column` are 1-based; 0 means the
/// finding concerns the whole file (or the whole model when `file` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The field the finding is about, e.g. `asset "hmi-01" > zone`.
    pub field: String,
    pub message: String,
    /// What would have been accepted.
    pub expected: Option<String>,
    /// A hint, e.g. `did you mean "plant-control"?`.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.severity.as_str())?;
        if !self.file.is_empty() {
            f.write_str(&self.file)?;
            if self.line > 0 {
                write!(f, ":{}:{}", self.line, self.column)?;
            }
            f.write_str(": ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)?;
        if let Some(e) = &self.expected {
            write!(f, "\n    expected: {e}")?;
        }
        if let Some(h) = &self.help {
            write!(f, "\n    help: {h}")?;
        }
        Ok(())
    }
}

/// Line starts of one file, to turn byte offsets into line and column.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| (i + 1) as u32));
        LineIndex { starts }
    }

    /// 1-based (line, column) of a byte offset; the column counts bytes.
    pub fn position(&self, offset: u32) -> (u32, u32) {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        (line as u32 + 1, offset.saturating_sub(start) + 1)
    }
}

/// The nearest candidate to `wanted` by edit distance, if it is close enough
/// to be a plausible typo.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).clamp(1, 4);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(wanted, c, limit + 1);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance, giving up (returning `cap`) once it exceeds `cap`.
fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    if a.len().abs_diff(b.len()) >= cap * 4 {
        return cap; // cheap byte-length test before allocating
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) >= cap {
        return cap;
    }
    // Optimal string alignment: Levenshtein plus adjacent transpositions ("nmae").
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            let mut v = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                v = v.min(before[j - 1] + 1);
            }
            cur[j + 1] = v;
            row_min = row_min.min(v);
        }
        if row_min >= cap {
            return cap;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()].min(cap)
}

/// `"a", "b" or "c"`, for expected-value messages.
pub fn one_of<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let words: Vec<&str> = words.into_iter().collect();
    match words.len() {
        0 => String::new(),
        1 => format!("\"{}\"", words[0]),
        n => {
            let head: Vec<String> = words[..n - 1].iter().map(|w| format!("\"{w}\"")).collect();
            format!("one of {} or \"{}\"", head.join(", "), words[n - 1])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let ix = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(ix.position(0), (1, 1));
        assert_eq!(ix.position(1), (1, 2));
        assert_eq!(ix.position(3), (2, 1));
        assert_eq!(ix.position(6), (3, 1));
        assert_eq!(ix.position(8), (4, 2));
    }

    #[test]
    fn nearest_finds_typos_only() {
        let c = ["plant-control", "plant-safety", "idmz"];
        assert_eq!(nearest("plant-contrl", c), Some("plant-control"));
        assert_eq!(nearest("idmx", c), Some("idmz"));
        assert_eq!(nearest("enterprise", c), None);
        assert_eq!(nearest("nmae", ["name", "id"]), Some("name"));
    }

    #[test]
    fn one_of_lists() {
        assert_eq!(one_of(["it", "ot", "shared"]), "one of \"it\", \"ot\" or \"shared\"");
    }
}
