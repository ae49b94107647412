//! JaCoCo XML parser: `<sourcefile>` lines (`mi`/`ci`/`mb`/`cb`) and `<method>` counters,
//! streamed.

use std::io::BufRead;

use super::formats::{ParseError, Sink};
use super::model::{Counts, FileCov};
use super::xml::{self, Tag};

/// Parses a JaCoCo report into `sink`. A line counts as covered when one of its instructions
/// ran (`ci > 0`), as JaCoCo's LINE counter does.
pub fn parse(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let mut package = String::new();
    // The class being read and its source file.
    let mut class: Option<(String, String)> = None;
    let mut method: Option<(String, u32)> = None;
    let mut file: Option<(String, FileCov)> = None;
    let mut depth = 0usize;
    // The report's own LINE, BRANCH and METHOD totals, and the same counted from its elements.
    let mut header: [Option<Counts>; 3] = [None; 3];
    let mut seen = [Counts::default(); 3];
    xml::walk(reader, |tag| {
        match tag {
            Tag::Open(e) => {
                depth += 1;
                match e.name().as_ref() {
                    b"package" => package = xml::text(e, b"name")?.unwrap_or_default(),
                    b"class" => {
                        let name = xml::text(e, b"name")?.unwrap_or_default();
                        // Classes of one source file share a package: the simple name (with
                        // `$Nested`) tells their methods apart.
                        let simple = name.rsplit('/').next().unwrap_or_default().to_string();
                        class = xml::text(e, b"sourcefilename")?.map(|src| (simple, src));
                    }
                    b"method" => {
                        let name = xml::text(e, b"name")?.unwrap_or_default();
                        let desc = xml::text(e, b"desc")?.unwrap_or_default();
                        let line =
                            u32::try_from(xml::opt_number(e, b"line", "method")?.unwrap_or(0))
                                .unwrap_or(0);
                        let owner = class.as_ref().map(|(c, _)| c.as_str()).unwrap_or_default();
                        // Every class has an `<init>()V`; qualified, a source file's nested,
                        // anonymous and top-level classes count one method each, as JaCoCo does.
                        method = Some((format!("{owner}.{name}{desc}"), line));
                    }
                    b"counter" => {
                        let kind = xml::raw(e, b"type")
                            .map(|t| t.into_owned())
                            .unwrap_or_default();
                        let missed = xml::number(e, b"missed", "counter")?;
                        let covered = xml::number(e, b"covered", "counter")?;
                        if kind == b"METHOD" {
                            if let (Some((name, line)), Some((_, src))) =
                                (method.as_ref(), class.as_ref())
                            {
                                let mut data = FileCov::default();
                                data.function(name, *line, covered);
                                seen[2] += Counts {
                                    covered: u64::from(covered > 0),
                                    total: 1,
                                };
                                let path = join(&package, src);
                                sink.add(&path, &[], data);
                            }
                        }
                        // Counters right under <report> (depth 2) are the report's totals.
                        let slot = COUNTERS.iter().position(|c| c.as_bytes() == kind);
                        if let (Some(slot), 2) = (slot, depth) {
                            header[slot] = Some(Counts {
                                covered,
                                total: missed.saturating_add(covered),
                            });
                        }
                    }
                    b"sourcefile" => {
                        let name = xml::text(e, b"name")?
                            .ok_or_else(|| ParseError::new("<sourcefile> without name"))?;
                        file = Some((join(&package, &name), FileCov::default()));
                    }
                    b"line" => {
                        let Some((_, data)) = file.as_mut() else {
                            return Err(ParseError::new("<line> outside a <sourcefile>"));
                        };
                        let nr = xml::line_number(e, b"nr", "line")?;
                        let mi = xml::opt_number(e, b"mi", "line")?.unwrap_or(0);
                        let ci = xml::opt_number(e, b"ci", "line")?.unwrap_or(0);
                        let mb = xml::opt_number(e, b"mb", "line")?.unwrap_or(0);
                        let cb = xml::opt_number(e, b"cb", "line")?.unwrap_or(0);
                        if mi.saturating_add(ci) > 0 {
                            data.lines.add(nr, ci);
                            data.instruction(
                                nr,
                                Counts {
                                    covered: ci,
                                    total: mi.saturating_add(ci),
                                },
                            );
                            seen[0] += Counts {
                                covered: u64::from(ci > 0),
                                total: 1,
                            };
                        }
                        if mb.saturating_add(cb) > 1 << 20 {
                            return Err(ParseError::new(format!(
                                "<line nr=\"{nr}\"> has an implausible branch count"
                            )));
                        }
                        seen[1] += Counts {
                            covered: cb,
                            total: mb + cb,
                        };
                        for i in 0..mb + cb {
                            data.branch((nr, 0, i), u64::from(i < cb));
                        }
                    }
                    _ => {}
                }
            }
            Tag::Close(name) => {
                depth = depth.saturating_sub(1);
                match name {
                    b"method" => method = None,
                    b"class" => class = None,
                    b"sourcefile" => {
                        if let Some((path, data)) = file.take() {
                            sink.add(&path, &[], data);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    for ((name, header), seen) in COUNTERS.iter().zip(header).zip(seen) {
        if let Some(header) = header.filter(|h| *h != seen) {
            sink.notes.push(format!(
                "the report's {name} counter says {}/{}, its <sourcefile> and <method> elements {}/{}; the per-line data is used",
                header.covered, header.total, seen.covered, seen.total
            ));
        }
    }
    Ok(())
}

/// The report-level counters compared with the elements.
const COUNTERS: [&str; 3] = ["LINE", "BRANCH", "METHOD"];

fn join(package: &str, name: &str) -> String {
    if package.is_empty() {
        name.to_string()
    } else {
        format!("{package}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::model::counts;

    #[test]
    fn reads_sourcefiles_and_methods() {
        let text = r#"<?xml version="1.0"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">
<report name="demo"><sessioninfo id="x" start="1" dump="2"/><package name="com/acme">
<class name="com/acme/A" sourcefilename="A.java"><method name="f" desc="()V" line="3"><counter type="METHOD" missed="0" covered="1"/></method>
<method name="g" desc="()V" line="7"><counter type="METHOD" missed="1" covered="0"/></method></class>
<sourcefile name="A.java"><line nr="3" mi="0" ci="2" mb="1" cb="1"/><line nr="7" mi="3" ci="0" mb="0" cb="0"/><counter type="LINE" missed="1" covered="1"/></sourcefile>
</package><counter type="LINE" missed="1" covered="1"/></report>"#;
        let (cov, notes) = crate::coverage::formats::parse_text(parse, text).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        let f = &cov.files["com/acme/A.java"];
        assert_eq!(f.line_counts(), counts(1, 2));
        assert_eq!(f.branch_counts(), counts(1, 2));
        assert_eq!(f.function_counts(), counts(1, 2));
    }
}
