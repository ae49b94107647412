//! Clover XML parser (OpenClover, Istanbul's `clover` reporter, PHPUnit, Perl's
//! Devel::Cover::Report::Clover), streamed.

use std::collections::HashMap;
use std::io::BufRead;

use super::formats::{ParseError, Sink, Tool};
use super::model::{Counts, FileCov};
use super::xml::{self, Tag};

/// The program behind a Clover report: they all write `<line>` elements, but read them
/// differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// OpenClover, Atlassian Clover, PHPUnit: `truecount`/`falsecount` of a `cond` line are how
    /// often the condition was true and false, two conditionals per `cond` line.
    Clover,
    /// Istanbul's reporter (project "All files"): `truecount`/`falsecount` are the covered and
    /// uncovered branch counts of the line, and every line is a statement.
    Istanbul,
    /// Perl's Devel::Cover::Report::Clover (generator version `clover="1.x"` or the default
    /// project name): one `cond` line per two-way branch with `truecount` its covered outcomes
    /// and `falsecount` its uncoverable ones, one `stmt` line per statement (several on one
    /// line number), and no `<line>` at all for its `cond` criterion (`&&`, `||`), which its
    /// `<metrics>` nevertheless add to the conditionals.
    DevelCover,
}

/// The elements counted the way Clover's `<metrics>` count them, to compare with the header.
#[derive(Debug, Default, PartialEq, Eq)]
struct Seen {
    statements: Counts,
    conditionals: Counts,
    methods: Counts,
}

/// One element, covered or not.
fn one(covered: bool) -> Counts {
    Counts {
        covered: u64::from(covered),
        total: 1,
    }
}

/// The attributes `covered` and `total` of a `<metrics>` element (absent: 0); `None` when one is
/// unreadable, so that the header check compares nothing rather than a made-up 0.
fn metric(e: &quick_xml::events::BytesStart<'_>, covered: &[u8], total: &[u8]) -> Option<Counts> {
    let get = |k: &[u8]| {
        xml::opt_number(e, k, "metrics")
            .ok()
            .map(Option::unwrap_or_default)
    };
    Some(Counts {
        covered: get(covered)?,
        total: get(total)?,
    })
}

/// Parses a Clover report into `sink`.
///
/// Every `<line>` element is one statement, conditional or method, as Clover's `<metrics>`
/// count them, even when several share a line number. The dialect (see [`Dialect`]) decides how
/// a `cond` line reads, so that the totals agree with the tool that wrote the report. Where the
/// report's own project `<metrics>` disagree with its `<line>` elements, a note says so and the
/// per-line data is used (it is what merging and diff coverage need).
pub fn parse(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let mut dialect = Dialect::Clover;
    let mut file: Option<(String, FileCov)> = None;
    // Occurrences of (line number, kind) in the current file, so that statements, conditions
    // and methods sharing a line number stay apart.
    let mut occurrences: HashMap<(u32, u8), u32> = HashMap::new();
    let mut depth = 0usize;
    let mut in_project = false;
    let mut header: Option<Seen> = None;
    let mut seen = Seen::default();
    xml::walk(reader, |tag| {
        match tag {
            Tag::Open(e) => {
                depth += 1;
                match e.name().as_ref() {
                    b"coverage" => {
                        let version = xml::text(e, b"clover")?.unwrap_or_default();
                        let major = version
                            .split('.')
                            .next()
                            .and_then(|m| m.parse::<u32>().ok());
                        if major.is_some_and(|m| m < 2) {
                            dialect = Dialect::DevelCover;
                        }
                    }
                    b"project" => {
                        in_project = true;
                        match xml::text(e, b"name")?.as_deref() {
                            Some("All files") => dialect = Dialect::Istanbul,
                            Some("Devel::Cover::Report::Clover") => {
                                dialect = Dialect::DevelCover;
                            }
                            _ => {}
                        }
                    }
                    b"metrics" if in_project && depth == 3 && header.is_none() => {
                        header = (|| {
                            Some(Seen {
                                statements: metric(e, b"coveredstatements", b"statements")?,
                                conditionals: metric(e, b"coveredconditionals", b"conditionals")?,
                                methods: metric(e, b"coveredmethods", b"methods")?,
                            })
                        })();
                    }
                    b"file" => {
                        let path = match xml::text(e, b"path")? {
                            Some(p) => p,
                            None => xml::text(e, b"name")?
                                .ok_or_else(|| ParseError::new("<file> without path or name"))?,
                        };
                        file = Some((path, FileCov::default()));
                        occurrences.clear();
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
                        // Istanbul's `cond` lines are statements too, keyed like `stmt` lines.
                        let slot = match kind.as_slice() {
                            b"method" => 0,
                            b"cond" if dialect != Dialect::Istanbul => 1,
                            _ => 2,
                        };
                        let occurrence = occurrences.entry((num, slot)).or_insert(0);
                        let nth = *occurrence;
                        *occurrence += 1;
                        let mut counted = Seen::default();
                        match kind.as_slice() {
                            b"method" => {
                                let name = xml::text(e, b"signature")?
                                    .or(xml::text(e, b"name")?)
                                    .unwrap_or_else(|| "method".to_string());
                                // Named by line too: two classes of one file may both have a
                                // `run()`, and Devel::Cover's subroutines have no names at all.
                                let key = if nth == 0 {
                                    format!("{name}@{num}")
                                } else {
                                    format!("{name}@{num}#{nth}")
                                };
                                data.function(&key, num, count);
                                counted.methods = one(count > 0);
                                if dialect == Dialect::Istanbul {
                                    data.lines.add(num, count);
                                }
                            }
                            b"cond" => {
                                let t = xml::opt_number(e, b"truecount", "line")?.unwrap_or(0);
                                let f = xml::opt_number(e, b"falsecount", "line")?.unwrap_or(0);
                                let block = u64::from(nth);
                                match dialect {
                                    Dialect::Istanbul => {
                                        check_outcomes(num, t.saturating_add(f))?;
                                        for i in 0..t + f {
                                            data.branch((num, block, i), u64::from(i < t));
                                        }
                                        data.lines.add(num, count);
                                        data.statement((num, 0, num, nth), 1, count);
                                        counted.statements = one(count > 0);
                                        counted.conditionals = Counts {
                                            covered: t,
                                            total: t + f,
                                        };
                                    }
                                    Dialect::DevelCover => {
                                        // A Perl branch has two outcomes; `falsecount` holds
                                        // the uncoverable ones, which Devel::Cover's totals
                                        // count apart from the covered ones.
                                        let outcomes = t.max(2);
                                        check_outcomes(num, outcomes)?;
                                        for i in 0..outcomes {
                                            data.branch((num, block, i), u64::from(i < t));
                                        }
                                        counted.conditionals = Counts {
                                            covered: t,
                                            total: outcomes,
                                        };
                                    }
                                    Dialect::Clover => {
                                        data.branch((num, block, 0), t);
                                        data.branch((num, block, 1), f);
                                        data.lines.add(num, count.max(t).max(f));
                                        counted.conditionals = Counts {
                                            covered: u64::from(t > 0) + u64::from(f > 0),
                                            total: 2,
                                        };
                                    }
                                }
                            }
                            _ => {
                                data.lines.add(num, count);
                                data.statement((num, 0, num, nth), 1, count);
                                counted.statements = one(count > 0);
                            }
                        }
                        if in_project {
                            seen.statements += counted.statements;
                            seen.conditionals += counted.conditionals;
                            seen.methods += counted.methods;
                        }
                    }
                    _ => {}
                }
            }
            Tag::Close(name) => {
                depth = depth.saturating_sub(1);
                match name {
                    b"project" => in_project = false,
                    b"file" => {
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
    if dialect == Dialect::DevelCover {
        // Devel::Cover's own headline adds criteria the report has no lines for.
        sink.tool = Some(Tool::Unknown);
    }
    if let Some(header) = header {
        for (what, h, s) in [
            ("statements", header.statements, seen.statements),
            ("conditionals", header.conditionals, seen.conditionals),
            ("methods", header.methods, seen.methods),
        ] {
            if h != s {
                let why = if dialect == Dialect::DevelCover && what == "conditionals" {
                    " (Devel::Cover adds its `cond` criterion, &&/||, to the conditionals but writes no <line> for it)"
                } else {
                    ""
                };
                sink.notes.push(format!(
                    "the report's <metrics> say {what} {}/{}, its <line> elements {}/{}{why}; the per-line data is used",
                    h.covered, h.total, s.covered, s.total
                ));
            }
        }
    }
    Ok(())
}

fn check_outcomes(num: u32, outcomes: u64) -> Result<(), ParseError> {
    if outcomes > 1 << 20 {
        return Err(ParseError::new(format!(
            "<line num=\"{num}\"> has an implausible branch count"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::model::counts;

    #[test]
    fn reads_openclover_lines() {
        let text = r#"<coverage generated="1" clover="4.4.1"><project timestamp="1"><package name="p">
<file name="A.java" path="src/A.java"><line num="2" count="1" type="method" signature="f()"/>
<line num="3" count="1" type="stmt"/><line num="4" count="0" type="stmt"/><line num="5" type="cond" truecount="1" falsecount="0"/></file>
</package></project></coverage>"#;
        let (cov, _) = crate::coverage::formats::parse_text(parse, text).unwrap();
        let f = &cov.files["src/A.java"];
        assert_eq!(f.statement_counts(), counts(1, 2));
        assert_eq!(f.branch_counts(), counts(1, 2));
        assert_eq!(f.function_counts(), counts(1, 1));
        assert_eq!(f.line_counts(), counts(2, 3));
    }

    #[test]
    fn statements_conditions_and_methods_sharing_a_line_stay_apart() {
        // OpenClover writes one <line> per statement: `a(); b();` is two, and two classes of
        // one file may both have a `run()`.
        let text = r#"<coverage generated="1" clover="4.4.1"><project timestamp="1" name="p">
<metrics statements="3" coveredstatements="2" conditionals="4" coveredconditionals="3" methods="2" coveredmethods="1"/><package name="p">
<file name="A.java" path="A.java"><line num="2" count="1" type="method" signature="run() : void"/>
<line num="3" count="1" type="stmt"/><line num="3" count="0" type="stmt"/><line num="4" count="1" type="stmt"/>
<line num="4" type="cond" truecount="1" falsecount="1"/><line num="4" type="cond" truecount="0" falsecount="3"/>
<line num="9" count="0" type="method" signature="run() : void"/></file>
</package></project></coverage>"#;
        let (cov, notes) = crate::coverage::formats::parse_text(parse, text).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        let f = &cov.files["A.java"];
        assert_eq!(f.statement_counts(), counts(2, 3));
        assert_eq!(f.branch_counts(), counts(3, 4));
        assert_eq!(f.function_counts(), counts(1, 2));
    }

    #[test]
    fn an_unreadable_header_is_not_compared() {
        let text = r#"<coverage generated="1" clover="4.4.1"><project timestamp="1" name="p">
<metrics statements="many" coveredstatements="1" conditionals="0" coveredconditionals="0" methods="0" coveredmethods="0"/>
<package name="p"><file name="A.java" path="A.java"><line num="3" count="1" type="stmt"/></file></package></project></coverage>"#;
        let (cov, notes) = crate::coverage::formats::parse_text(parse, text).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(cov.files["A.java"].statement_counts(), counts(1, 1));
    }

    #[test]
    fn reads_devel_cover_branches_as_covered_outcomes() {
        // Cut from `cover -report clover` (Devel::Cover 1.38, Devel::Cover::Report::Clover 1.01):
        // `truecount` is how many of the branch's two outcomes ran, `falsecount` how many are
        // uncoverable; the && condition counted in <metrics> has no <line>.
        let text = r#"<?xml version="1.0" encoding="utf-8"?>
<coverage generated="1795274560" clover="1.01" >
    <project timestamp="1795274560" name="Devel::Cover::Report::Clover">
        <metrics packages="1" elements="13" coveredelements="8" statements="5" coveredstatements="4" complexity="0" files="1" loc="1" ncloc="9" classes="1" conditionals="6" coveredconditionals="3" methods="2" coveredmethods="1"/>
        <package name="main">
            <file path="lib/Calc.pm" name="Calc.pm">
                <line num="2" count="1" type="stmt" />
                <line num="2" count="1" type="stmt" />
                <line num="2" count="1" type="method" />
                <line num="9" count="2" type="stmt" />
                <line num="9" truecount="1" falsecount="0" type="cond" />
                <line num="9" truecount="2" falsecount="0" type="cond" />
                <line num="30" count="1" type="stmt" />
                <line num="34" count="0" type="method" />
            </file>
        </package>
    </project>
</coverage>"#;
        let (cov, notes) = crate::coverage::formats::parse_text(parse, text).unwrap();
        let f = &cov.files["lib/Calc.pm"];
        assert_eq!(f.statement_counts(), counts(4, 4));
        assert_eq!(f.branch_counts(), counts(3, 4));
        assert_eq!(f.function_counts(), counts(1, 2));
        assert_eq!(f.line_counts(), counts(3, 3));
        assert_eq!(
            notes,
            [
                "the report's <metrics> say statements 4/5, its <line> elements 4/4; the per-line data is used",
                "the report's <metrics> say conditionals 3/6, its <line> elements 3/4 (Devel::Cover adds its `cond` criterion, &&/||, to the conditionals but writes no <line> for it); the per-line data is used",
            ]
        );
    }
}
