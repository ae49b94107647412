//! Output shared by every tool: human text by default, one JSON document with `--json`, colour
//! only on a terminal and never with `NO_COLOR`, and tables that render as aligned text or as
//! Markdown for job summaries.

use std::io::{self, IsTerminal, Write};

use serde::Serialize;

/// Whether to colour a stream: only on a terminal, never when `NO_COLOR` is set (to anything
/// non-empty, per <https://no-color.org>) or `TERM=dumb`.
pub fn use_color(stream_is_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    stream_is_terminal && !no_color && !dumb
}

/// Whether stdout should be coloured.
pub fn stdout_color() -> bool {
    use_color(io::stdout().is_terminal())
}

/// ANSI styles, applied only when colour is on.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// A style that colours when `color` is true.
    pub fn new(color: bool) -> Self {
        Style { color }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Green, for passes.
    pub fn ok(&self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Red, for failures.
    pub fn bad(&self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Yellow, for warnings.
    pub fn warn(&self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Bold, for headings.
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// Writes one pretty-printed JSON document followed by a newline.
pub fn write_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Column alignment in a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left-aligned (text).
    Left,
    /// Right-aligned (numbers).
    Right,
}

/// A table rendered as aligned plain text for terminals or as a GitHub Markdown table for job
/// summaries.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(headers: &[(&str, Align)]) -> Self {
        Table {
            headers: headers.iter().map(|(h, a)| (h.to_string(), *a)).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty, extra cells are ignored.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Aligned plain text, two spaces between columns, no trailing spaces.
    pub fn to_text(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain(std::iter::once(self.headers[i].0.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        let header: Vec<String> = self.headers.iter().map(|(h, _)| h.clone()).collect();
        for row in std::iter::once(&header).chain(self.rows.iter()) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = widths[i].saturating_sub(cell.chars().count());
                match self.headers[i].1 {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&" ".repeat(pad));
                    }
                    Align::Right => {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// A GitHub-flavoured Markdown table; `|` and newlines in cells are escaped.
    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|").replace(['\n', '\r'], " ");
        let mut out = String::from("|");
        for (h, _) in &self.headers {
            out.push_str(&format!(" {} |", esc(h)));
        }
        out.push_str("\n|");
        for (_, a) in &self.headers {
            out.push_str(match a {
                Align::Left => " --- |",
                Align::Right => " ---: |",
            });
        }
        out.push('\n');
        for row in &self.rows {
            out.push('|');
            for cell in row {
                out.push_str(&format!(" {} |", esc(cell)));
            }
            out.push('\n');
        }
        out
    }
}

/// Formats a byte count for people: `512 B`, `1.5 KiB`, `3.2 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&[("file", Align::Left), ("size", Align::Right)]);
        t.row(["a|b.zip", "10"]);
        t.row(["c", "2048"]);
        t
    }

    #[test]
    fn text_tables_align_columns() {
        assert_eq!(
            sample().to_text(),
            "file     size\na|b.zip    10\nc        2048\n"
        );
    }

    #[test]
    fn markdown_tables_escape_pipes() {
        assert_eq!(
            sample().to_markdown(),
            "| file | size |\n| --- | ---: |\n| a\\|b.zip | 10 |\n| c | 2048 |\n"
        );
    }

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(10), "10 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn no_colour_without_a_terminal() {
        assert!(!use_color(false));
        assert_eq!(Style::new(false).bad("x"), "x");
        assert_eq!(Style::new(true).bad("x"), "\x1b[31mx\x1b[0m");
    }
}
