//! Clover XML parser (OpenClover, Istanbul's `clover` reporter, PHPUnit), streamed.

use std::io::BufRead;

use super::formats::{ParseError, Sink};
use super::model::FileCov;
use super::xml::{self, Tag};

/// Parses a Clover report into `sink`.
///
/// Clover proper counts two conditionals per `cond` line (true and false taken); Istanbul's
/// reporter (project "All files") instead writes the covered and uncovered branch counts of the
/// line into `truecount`/`falsecount` and counts every line as a statement. Both are read so
/// that the totals agree with the `<metrics>` the same tool wrote.
pub fn parse(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let mut istanbul = false;
    let mut file: Option<(String, FileCov)> = None;
    xml::walk(reader, |tag| {
        match tag {
            Tag::Open(e) => match e.name().as_ref() {
                b"project" => {
                    istanbul = xml::text(e, b"name")?.as_deref() == Some("All files");
                }
                b"file" => {
                    let path = match xml::text(e, b"path")? {
                        Some(p) => p,
                        None => xml::text(e, b"name")?
                            .ok_or_else(|| ParseError::new("<file> without path or name"))?,
                    };
                    file = Some((path, FileCov::default()));
                }
                b"line" => {
                    let Some((_, data)) = file.as_mut() else {
                        return Err(ParseError::new("<line> outside a <file>"));
                    };
                    let num = xml::line_number(e, b"num", "line")?;
                    let count = xml::opt_number(e, b"count", "line")?.unwrap_or(0);
                    let kind = xml::raw(e, b"type")
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    match kind.as_slice() {
                        b"method" => {
                            let name = xml::text(e, b"signature")?
                                .or(xml::text(e, b"name")?)
                                .unwrap_or_else(|| format!("method@{num}"));
                            data.function(&name, num, count);
                            if istanbul {
                                data.lines.add(num, count);
                            }
                        }
                        b"cond" => {
                            let t = xml::opt_number(e, b"truecount", "line")?.unwrap_or(0);
                            let f = xml::opt_number(e, b"falsecount", "line")?.unwrap_or(0);
                            if istanbul {
                                if t.saturating_add(f) > 1 << 20 {
                                    return Err(ParseError::new(format!(
                                        "<line num=\"{num}\"> has an implausible branch count"
                                    )));
                                }
                                for i in 0..t + f {
                                    data.branch((num, 0, i), u64::from(i < t));
                                }
                                data.lines.add(num, count);
                                data.statement((num, 0, num, 0), 1, count);
                            } else {
                                data.branch((num, 0, 0), t);
                                data.branch((num, 0, 1), f);
                                data.lines.add(num, count.max(t).max(f));
                            }
                        }
                        _ => {
                            data.lines.add(num, count);
                            data.statement((num, 0, num, 0), 1, count);
                        }
                    }
                }
                _ => {}
            },
            Tag::Close(b"file") => {
                if let Some((path, data)) = file.take() {
                    sink.add(&path, &[], data);
                }
            }
            _ => {}
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::model::Counts;

    #[test]
    fn reads_openclover_lines() {
        let text = r#"<coverage generated="1" clover="4.4.1"><project timestamp="1"><package name="p">
<file name="A.java" path="src/A.java"><line num="2" count="1" type="method" signature="f()"/>
<line num="3" count="1" type="stmt"/><line num="4" count="0" type="stmt"/><line num="5" type="cond" truecount="1" falsecount="0"/></file>
</package></project></coverage>"#;
        let (cov, _) = crate::coverage::formats::parse_text(parse, text).unwrap();
        let f = &cov.files["src/A.java"];
        assert_eq!(
            f.statement_counts(),
            Counts {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(
            f.branch_counts(),
            Counts {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(
            f.function_counts(),
            Counts {
                covered: 1,
                total: 1
            }
        );
        assert_eq!(
            f.line_counts(),
            Counts {
                covered: 2,
                total: 3
            }
        );
    }
}
