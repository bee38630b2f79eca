//! A small document model every form is written in, and its two renderings:
//! Markdown, and one self-contained HTML file (inline CSS, no script, no
//! external resource of any kind, every text escaped).

/// One block of a document. Every string is plain text: the renderers escape it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A section heading (2: a section, 3: a subsection).
    Heading(u8, String),
    Para(String),
    /// A bulleted list; an item's continuation lines are its sub-items.
    List(Vec<Item>),
    /// `name: value` pairs.
    Fields(Vec<(String, String)>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// A list item and the lines under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub text: String,
    pub sub: Vec<String>,
}

impl Item {
    pub fn new(text: impl Into<String>) -> Item {
        Item { text: text.into(), sub: Vec::new() }
    }

    pub fn with(text: impl Into<String>, sub: Vec<String>) -> Item {
        Item { text: text.into(), sub }
    }
}

/// A document: a title and its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Doc {
    pub fn new(title: impl Into<String>) -> Doc {
        Doc { title: title.into(), blocks: Vec::new() }
    }

    pub fn h2(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Heading(2, text.into()));
    }

    pub fn h3(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Heading(3, text.into()));
    }

    pub fn para(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Para(text.into()));
    }

    pub fn list(&mut self, items: Vec<Item>) {
        self.blocks.push(Block::List(items));
    }

    /// A list of plain lines, or a paragraph saying there is nothing when empty.
    pub fn list_or(&mut self, items: Vec<Item>, none: &str) {
        if items.is_empty() {
            self.para(none);
        } else {
            self.list(items);
        }
    }

    pub fn fields(&mut self, fields: Vec<(String, String)>) {
        self.blocks.push(Block::Fields(fields));
    }

    pub fn table(&mut self, head: &[&str], rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table { head: head.iter().map(|h| h.to_string()).collect(), rows });
    }

    /// A table, or a paragraph saying there is nothing when it has no rows.
    pub fn table_or(&mut self, head: &[&str], rows: Vec<Vec<String>>, none: &str) {
        if rows.is_empty() {
            self.para(none);
        } else {
            self.table(head, rows);
        }
    }

    /// The document as Markdown (CommonMark with GitHub tables).
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        s.push_str("# ");
        s.push_str(&md_inline(&self.title));
        s.push_str("\n\n");
        for b in &self.blocks {
            match b {
                Block::Heading(level, text) => {
                    s.push_str(&"#".repeat((*level).clamp(2, 6) as usize));
                    s.push(' ');
                    s.push_str(&md_inline(text));
                    s.push('\n');
                }
                Block::Para(text) => {
                    for (i, line) in text.lines().enumerate() {
                        if i > 0 {
                            s.push_str("  \n");
                        }
                        s.push_str(&md_line_start(&md_inline(line)));
                    }
                    s.push('\n');
                }
                Block::List(items) => {
                    for it in items {
                        s.push_str("- ");
                        s.push_str(&md_inline(&it.text));
                        s.push('\n');
                        for sub in &it.sub {
                            s.push_str("  - ");
                            s.push_str(&md_inline(sub));
                            s.push('\n');
                        }
                    }
                }
                Block::Fields(fields) => {
                    for (k, v) in fields {
                        s.push_str(&format!("- **{}:** {}\n", md_inline(k), md_inline(v)));
                    }
                }
                Block::Table { head, rows } => {
                    let cells = |v: &[String]| v.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ");
                    s.push_str(&format!("| {} |\n", cells(head)));
                    s.push_str(&format!("|{}\n", "---|".repeat(head.len().max(1))));
                    for r in rows {
                        s.push_str(&format!("| {} |\n", cells(r)));
                    }
                }
            }
            s.push('\n');
        }
        s
    }

    /// The document as one HTML file: inline CSS, nothing loaded from
    /// anywhere, every text HTML-escaped.
    pub fn to_html(&self) -> String {
        let mut s = String::new();
        s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        s.push_str(&format!("<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n", esc(&self.title)));
        s.push_str(&format!("<h1>{}</h1>\n", esc(&self.title)));
        for b in &self.blocks {
            match b {
                Block::Heading(level, text) => {
                    let l = (*level).clamp(2, 6);
                    s.push_str(&format!("<h{l}>{}</h{l}>\n", esc(text)));
                }
                Block::Para(text) => {
                    let lines: Vec<String> = text.lines().map(esc).collect();
                    s.push_str(&format!("<p>{}</p>\n", lines.join("<br>")));
                }
                Block::List(items) => {
                    s.push_str("<ul>\n");
                    for it in items {
                        s.push_str(&format!("<li>{}", esc(&it.text)));
                        if !it.sub.is_empty() {
                            s.push_str("<ul>");
                            for sub in &it.sub {
                                s.push_str(&format!("<li>{}</li>", esc(sub)));
                            }
                            s.push_str("</ul>");
                        }
                        s.push_str("</li>\n");
                    }
                    s.push_str("</ul>\n");
                }
                Block::Fields(fields) => {
                    s.push_str("<dl>\n");
                    for (k, v) in fields {
                        s.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(k), esc(v)));
                    }
                    s.push_str("</dl>\n");
                }
                Block::Table { head, rows } => {
                    s.push_str("<table>\n<thead><tr>");
                    for h in head {
                        s.push_str(&format!("<th>{}</th>", esc(h)));
                    }
                    s.push_str("</tr></thead>\n<tbody>\n");
                    for r in rows {
                        s.push_str("<tr>");
                        for c in r {
                            s.push_str(&format!("<td>{}</td>", esc(c)));
                        }
                        s.push_str("</tr>\n");
                    }
                    s.push_str("</tbody>\n</table>\n");
                }
            }
        }
        s.push_str("</body>\n</html>\n");
        s
    }
}

const CSS: &str = "body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #444; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #bbb; }
h3 { font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
dt { font-weight: bold; float: left; clear: left; width: 14rem; }
dd { margin-left: 15rem; }
li > ul { font-size: .92rem; color: #333; }
@media print { body { margin: 0; max-width: none; } }
";

/// HTML-escapes text (element content and attribute values alike).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown inline text: one line, HTML and emphasis characters neutralised (`>` is harmless
/// once `<` is escaped, and is left as it is so that arrows read as arrows).
fn md_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Only where it could start an entity reference: `&` before a letter or `#`.
            '&' if chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || *n == '#') => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A paragraph line that Markdown would read as a heading, list or quote is escaped.
fn md_line_start(s: &str) -> String {
    match s.chars().next() {
        Some('#' | '-' | '+' | '=' | '|') => format!("\\{s}"),
        _ => s.to_string(),
    }
}

fn md_cell(s: &str) -> String {
    md_inline(s).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Doc {
        let mut d = Doc::new("Report <1>");
        d.h2("Section");
        d.para("<script>alert('x')</script> & more");
        d.list(vec![Item::with("one *two*", vec!["sub | pipe".into()])]);
        d.fields(vec![("Key".into(), "value".into())]);
        d.table(&["a", "b"], vec![vec!["x|y".into(), "<b>".into()]]);
        d
    }

    #[test]
    fn html_escapes_every_text_and_loads_nothing() {
        let h = sample().to_html();
        assert!(!h.contains("<script>"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"), "{h}");
        assert!(h.contains("<td>&lt;b&gt;</td>"), "{h}");
        assert!(h.contains("<title>Report &lt;1&gt;</title>"));
        for bad in ["http:", "https:", "src=", "href=", "url(", "@import", "<link", "<script"] {
            assert!(!h.contains(bad), "{bad} in {h}");
        }
    }

    #[test]
    fn markdown_neutralises_html_and_table_pipes() {
        let m = sample().to_markdown();
        assert!(m.starts_with("# Report &lt;1>\n"), "{m}");
        assert!(m.contains("&lt;script>alert('x')&lt;/script> & more"), "{m}");
        assert!(m.contains("- one \\*two\\*\n  - sub | pipe\n"), "{m}");
        assert!(m.contains("| x\\|y | &lt;b> |"), "{m}");
        assert!(Doc { title: "&lt; & x".into(), blocks: vec![] }.to_markdown().starts_with("# &amp;lt; & x\n"));
        assert!(m.contains("- **Key:** value"), "{m}");
    }

    #[test]
    fn empty_sections_say_so() {
        let mut d = Doc::new("t");
        d.list_or(vec![], "None recorded.");
        d.table_or(&["a"], vec![], "No rows.");
        let m = d.to_markdown();
        assert!(m.contains("None recorded.") && m.contains("No rows."), "{m}");
    }
}
