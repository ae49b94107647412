//! Cobertura XML parser (coverage.py, gcovr, Istanbul, cargo-llvm-cov, .NET coverlet), streamed.

use std::io::BufRead;

use super::formats::{ParseError, Sink, Tool};
use super::model::{Counts, FileCov};
use super::xml::{self, Tag};

/// `condition-coverage="50% (1/2)"` → (covered, total).
fn conditions(s: &str) -> Option<(u64, u64)> {
    let inner = s.split_once('(')?.1.split_once(')')?.0;
    let (c, t) = inner.split_once('/')?;
    let (c, t) = (c.trim().parse().ok()?, t.trim().parse().ok()?);
    (c <= t && t <= 1 << 20).then_some((c, t))
}

/// Parses a Cobertura report into `sink`; header totals that disagree with the per-file data
/// are noted (the per-file data is used: it is what merges per line, and what the producing
/// tool's own text report counts).
pub fn parse(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let mut sources: Vec<String> = Vec::new();
    let mut in_source = false;
    let mut header: Option<(Option<u64>, Option<u64>)> = None;
    let mut file: Option<(String, FileCov)> = None;
    // (name, first line, hits) of the <method> being read.
    let mut method: Option<(String, u32, u64)> = None;
    let mut in_methods = false;
    let mut seen_lines = Counts::default();
    let mut tool = Tool::Unknown;
    xml::walk(reader, |tag| {
        match tag {
            Tag::Comment(c) if c.contains("coverage.py") => tool = Tool::CoveragePy,
            Tag::Open(e) => match e.name().as_ref() {
                b"coverage" => {
                    if xml::text(e, b"version")?.is_some_and(|v| v.starts_with("gcovr")) {
                        tool = Tool::Gcovr;
                    }
                    header = Some((
                        xml::opt_number(e, b"lines-valid", "coverage")?,
                        xml::opt_number(e, b"lines-covered", "coverage")?,
                    ));
                }
                b"source" => in_source = true,
                b"class" => {
                    let name = xml::text(e, b"filename")?
                        .ok_or_else(|| ParseError::new("<class> without filename"))?;
                    file = Some((name, FileCov::default()));
                }
                b"methods" => in_methods = true,
                b"method" if file.is_some() => {
                    let name = xml::text(e, b"name")?.unwrap_or_default();
                    let sig = xml::text(e, b"signature")?.unwrap_or_default();
                    method = Some((format!("{name}{sig}"), 0, 0));
                }
                b"line" => {
                    let [number, hits, branch, cc] =
                        xml::pick(e, [b"number", b"hits", b"branch", b"condition-coverage"]);
                    let missing =
                        |k: &str| ParseError::new(format!("<line> without the {k} attribute"));
                    let number = xml::parse_number(
                        &number.ok_or_else(|| missing("number"))?,
                        b"number",
                        "line",
                    )?;
                    let number = u32::try_from(number).map_err(|_| {
                        ParseError::new(format!("<line> line {number} is out of range"))
                    })?;
                    let hits =
                        xml::parse_number(&hits.ok_or_else(|| missing("hits"))?, b"hits", "line")?;
                    if in_methods {
                        if let Some(m) = method.as_mut() {
                            if m.1 == 0 || number < m.1 {
                                m.1 = number;
                            }
                            m.2 = m.2.max(hits);
                        }
                        return Ok(());
                    }
                    let Some((_, data)) = file.as_mut() else {
                        return Err(ParseError::new("<line> outside a <class>"));
                    };
                    data.lines.add(number, hits);
                    seen_lines.total += 1;
                    seen_lines.covered += u64::from(hits > 0);
                    if branch.is_some_and(|b| &*b == b"true") {
                        if let Some(cc) = cc {
                            let cc = String::from_utf8_lossy(&cc);
                            let (c, t) = conditions(&cc).ok_or_else(|| {
                                ParseError::new(format!("malformed condition-coverage=\"{cc}\""))
                            })?;
                            for i in 0..t {
                                data.branch((number, 0, i), u64::from(i < c));
                            }
                        }
                    }
                }
                _ => {}
            },
            Tag::Text(t) if in_source => {
                let t = t.trim();
                if !t.is_empty() {
                    sources.push(t.to_string());
                }
            }
            Tag::Close(name) => match name {
                b"source" => in_source = false,
                b"methods" => in_methods = false,
                b"method" => {
                    if let (Some((name, line, hits)), Some((_, data))) =
                        (method.take(), file.as_mut())
                    {
                        data.function(&name, line, hits);
                    }
                }
                b"class" => {
                    if let Some((name, data)) = file.take() {
                        sink.add(&name, &sources, data);
                    }
                }
                _ => {}
            },
            _ => {}
        }
        Ok(())
    })?;
    sink.tool = Some(tool);
    if let Some((Some(valid), Some(covered))) = header {
        if (covered, valid) != (seen_lines.covered, seen_lines.total) {
            sink.notes.push(format!(
                "the header says lines-covered={covered} lines-valid={valid}, its <line> \
                 elements {}/{}; the per-file data is used (it is what merges per line and what the \
                 producing tool's own summary counts)",
                seen_lines.covered, seen_lines.total
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::model::{counts, Coverage};

    fn run(text: &str) -> Result<(Coverage, Vec<String>), ParseError> {
        crate::coverage::formats::parse_text(parse, text)
    }

    #[test]
    fn reads_lines_branches_methods_and_sources() {
        let (cov, notes) = run(r#"<?xml version="1.0"?>
<coverage lines-valid="9" lines-covered="2" version="gcovr 7.2">
<sources><source>/nowhere</source></sources>
<packages><package name="p"><classes>
<class name="a" filename="src\a.c"><methods><method name="f" signature="()"><lines><line number="3" hits="2"/></lines></method></methods>
<lines><line number="3" hits="2" branch="true" condition-coverage="50% (1/2)"/><line number="4" hits="0"/></lines></class>
<class name="b" filename="src\a.c"><lines><line number="4" hits="1"/></lines></class>
</classes></package></packages></coverage>"#).unwrap();
        let f = &cov.files["src/a.c"];
        assert_eq!(f.line_counts(), counts(2, 2));
        assert_eq!(f.branch_counts(), counts(1, 2));
        assert_eq!(f.functions, vec![("f()".to_string(), 3, 2)]);
        assert_eq!(
            notes,
            ["the header says lines-covered=2 lines-valid=9, its <line> elements 2/3; the per-file data is used (it is what merges per line and what the producing tool's own summary counts)"]
        );
    }

    #[test]
    fn malformed_and_truncated() {
        assert!(run("<coverage><packages><package><classes><class filename=\"a\"><lines><line number=\"x\" hits=\"1\"/>").is_err());
        assert!(run("<coverage><packages>").is_err());
        assert!(run("<coverage><line number=\"1\" hits=\"1\"/></coverage>").is_err());
        assert!(run("<coverage></packages>").is_err());
    }
}
