//! Istanbul parsers: `coverage-final.json` (statements, functions and branches with locations)
//! and `coverage-summary.json` (per-file totals only).

use std::collections::HashMap;
use std::io::BufRead;

use serde::{Deserialize, Deserializer};

use super::formats::{ParseError, Sink};
use super::model::{Counts, FileCov, Summary};

/// A count: any JSON number or `null`. v8-to-istanbul (c8) can write a negative count and the
/// JavaScript writers turn `NaN` into `null`; neither is a hit, so both read as 0.
fn hits<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let f = Option::<f64>::deserialize(d)?.unwrap_or(0.0);
    Ok(if f.is_finite() && f > 0.0 {
        f as u64
    } else {
        0
    })
}

/// A line or column: any JSON number or `null`, kept signed. c8 writes column -1 (-2 after a
/// CRLF) for a branch that starts at a line break (issue 13: v8-to-istanbul subtracts the line's
/// start offset from an offset that lies on the previous line's break), and `JSON.stringify`
/// turns an `Infinity` end column into `null`; a fractional number is truncated.
fn position<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<f64>::deserialize(d)?
        .filter(|f| f.is_finite())
        .map(|f| f as i64))
}

/// A line number as the model keeps it: Istanbul counts a statement whatever its line says, so
/// a missing, zero or negative line is kept (as line 0) rather than dropped.
fn line_of(v: Option<i64>) -> u32 {
    v.map_or(0, |l| u32::try_from(l.max(0)).unwrap_or(u32::MAX))
}

/// A column as a key component: its 32-bit pattern, so -1 stays distinct from 0.
fn column_key(v: Option<i64>) -> u32 {
    v.map_or(0, |c| c as u32)
}

#[derive(Deserialize, Clone, Copy, Default)]
struct Pos {
    #[serde(default, deserialize_with = "position")]
    line: Option<i64>,
    #[serde(default, deserialize_with = "position")]
    column: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Loc {
    #[serde(default)]
    start: Pos,
    #[serde(default)]
    end: Pos,
    #[serde(default)]
    skip: bool,
}

#[derive(Deserialize)]
struct FnEntry {
    #[serde(default)]
    name: String,
    #[serde(default)]
    decl: Loc,
    #[serde(default)]
    loc: Loc,
    #[serde(default, deserialize_with = "position")]
    line: Option<i64>,
    #[serde(default)]
    skip: bool,
}

#[derive(Deserialize)]
struct BranchEntry {
    #[serde(default)]
    loc: Loc,
    #[serde(default)]
    locations: Vec<Option<Loc>>,
    #[serde(default, deserialize_with = "position")]
    line: Option<i64>,
}

#[derive(Deserialize, Clone, Copy)]
struct Count(#[serde(deserialize_with = "hits")] u64);

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct IFile {
    path: Option<String>,
    #[serde(default)]
    statementMap: HashMap<String, Loc>,
    #[serde(default)]
    s: HashMap<String, Count>,
    #[serde(default)]
    fnMap: HashMap<String, FnEntry>,
    #[serde(default)]
    f: HashMap<String, Count>,
    #[serde(default)]
    branchMap: HashMap<String, BranchEntry>,
    #[serde(default)]
    b: HashMap<String, Vec<Count>>,
}

/// Parses `coverage-final.json` into `sink`, counting as Istanbul does: a skipped (`istanbul
/// ignore`) statement, function or branch counts as covered; a line's hits are the largest of the
/// statements starting on it.
pub fn parse_final(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let files: HashMap<String, IFile> = serde_json::from_reader(reader)?;
    let mut files: Vec<(String, IFile)> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, f) in files {
        let mut data = FileCov::default();
        for (id, Count(n)) in &f.s {
            let Some(loc) = f.statementMap.get(id) else {
                return Err(ParseError::new(format!(
                    "{key}: statement {id} has no statementMap entry"
                )));
            };
            let line = line_of(loc.start.line);
            data.lines.add_max(line, *n);
            let stmt = (
                line,
                column_key(loc.start.column),
                loc.end.line.map_or(line, |l| line_of(Some(l))),
                column_key(loc.end.column),
            );
            data.statement(stmt, 1, if loc.skip { (*n).max(1) } else { *n });
        }
        for (id, Count(n)) in &f.f {
            let Some(func) = f.fnMap.get(id) else {
                return Err(ParseError::new(format!(
                    "{key}: function {id} has no fnMap entry"
                )));
            };
            let at = if func.decl.start.line.is_some() {
                func.decl.start
            } else {
                func.loc.start
            };
            let line = line_of(at.line.or(func.line));
            let name = format!("{}@{line}:{}", func.name, at.column.unwrap_or(0));
            let skip = func.skip || func.decl.skip || func.loc.skip;
            data.function(&name, line, if skip { (*n).max(1) } else { *n });
        }
        for (id, counts) in &f.b {
            let Some(branch) = f.branchMap.get(id) else {
                return Err(ParseError::new(format!(
                    "{key}: branch {id} has no branchMap entry"
                )));
            };
            let line = line_of(branch.loc.start.line.or(branch.line));
            let num: u64 = id.parse().unwrap_or(0);
            let block =
                (u64::from(column_key(branch.loc.start.column)) << 32) | (num & 0xffff_ffff);
            for (i, Count(n)) in counts.iter().enumerate() {
                let skip = branch
                    .locations
                    .get(i)
                    .and_then(|l| l.as_ref())
                    .is_some_and(|l| l.skip);
                data.branch((line, block, i as u64), if skip { (*n).max(1) } else { *n });
            }
        }
        let path = f.path.clone().unwrap_or(key);
        sink.add(&path, &[], data);
    }
    Ok(())
}

#[derive(Deserialize, Default, Clone, Copy)]
struct Metric {
    total: u64,
    covered: u64,
}

#[derive(Deserialize)]
struct SummaryEntry {
    #[serde(default)]
    lines: Metric,
    #[serde(default)]
    statements: Metric,
    #[serde(default)]
    functions: Metric,
    #[serde(default)]
    branches: Metric,
}

fn counts(m: Metric) -> Counts {
    Counts {
        covered: m.covered.min(m.total),
        total: m.total,
    }
}

/// Parses `coverage-summary.json` into `sink`: per-file totals, no per-line data (so these files
/// take no part in diff coverage).
pub fn parse_summary(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let entries: HashMap<String, SummaryEntry> = serde_json::from_reader(reader)?;
    let mut entries: Vec<(String, SummaryEntry)> = entries.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut total = None;
    let mut sum = Counts::default();
    for (key, e) in entries {
        if key == "total" {
            total = Some(counts(e.lines));
            continue;
        }
        sum += counts(e.lines);
        let data = FileCov {
            summary: Some(Summary {
                lines: counts(e.lines),
                statements: counts(e.statements),
                branches: counts(e.branches),
                functions: counts(e.functions),
            }),
            ..FileCov::default()
        };
        sink.add(&key, &[], data);
    }
    if let Some(t) = total {
        if t != sum {
            sink.notes.push(format!(
                "the \"total\" entry says {}/{} lines, the files add up to {}/{}; the files are used",
                t.covered, t.total, sum.covered, sum.total
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::model::{counts, Coverage};

    fn run(text: &str) -> Result<Coverage, ParseError> {
        crate::coverage::formats::parse_text(parse_final, text).map(|(cov, _)| cov)
    }

    /// What the JavaScript writers put in numeric fields besides plain non-negative integers:
    /// negative columns and counts (c8), `null` for `Infinity`/`NaN`, fractional numbers, missing
    /// end positions, branch `locations` shorter or longer than the counts, `inputSourceMap`,
    /// and an `all: true` file with nothing in it (c8 --all on an empty file).
    #[test]
    fn numbers_as_the_javascript_tools_write_them() {
        let cov = run(r#"{
          "/p/a.js": {"path": "/p/a.js", "all": false,
            "statementMap": {
              "0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": null}},
              "1": {"start": {"line": 2, "column": -1}},
              "2": {"start": {"line": 2, "column": 0}, "end": {"line": 2, "column": 4.0}},
              "3": {"start": {"line": null, "column": 0}, "end": {}}},
            "s": {"0": 1, "1": -1, "2": 0, "3": 2.5},
            "fnMap": {
              "0": {"name": "f", "decl": {"start": {"line": 1, "column": -1}, "end": {"line": 1, "column": null}}, "loc": {"start": {"line": 1, "column": -1}}, "line": 1},
              "1": {"name": "f", "decl": {"start": {"line": 1, "column": 0}}, "loc": {}, "line": 1}},
            "f": {"0": 1, "1": null},
            "branchMap": {
              "0": {"type": "branch", "line": 2, "loc": {"start": {"line": 2, "column": -2}, "end": {"line": 3, "column": 0}}, "locations": [{"start": {"line": 2, "column": -2}}]},
              "1": {"type": "if", "line": 3, "loc": {"start": {"line": 3, "column": 0}}, "locations": []},
              "2": {"type": "cond-expr", "line": 4, "loc": {}, "locations": [{}, {}, {}]}},
            "b": {"0": [-4], "1": [1, 0], "2": [0, null]},
            "inputSourceMap": {"version": 3, "sources": ["a.ts"], "mappings": ";AAAA"}},
          "/p/empty.js": {"path": "/p/empty.js", "all": true, "statementMap": {}, "s": {}, "fnMap": {}, "f": {}, "branchMap": {}, "b": {}}
        }"#)
        .unwrap();
        let f = &cov.files["/p/a.js"];
        // Four statements, as Istanbul counts them: the one with no line is not dropped.
        assert_eq!(f.statement_counts(), counts(2, 4));
        // Lines 0 (the statement without one), 1 and 2; line 2's statements have 0 and -1 hits.
        assert_eq!(f.line_counts(), counts(2, 3));
        // Two functions named f on line 1, at columns -1 and 0: two, not one.
        assert_eq!(f.function_counts(), counts(1, 2));
        assert_eq!(f.branch_counts(), counts(1, 5));
        assert_eq!(cov.files["/p/empty.js"].statement_counts(), counts(0, 0));
    }

    #[test]
    fn a_string_where_a_number_belongs_is_an_error() {
        let err =
            run(r#"{"a.js": {"statementMap": {"0": {"start": {"line": "1"}}}, "s": {"0": 1}}}"#)
                .unwrap_err();
        assert!(
            err.message.contains("invalid type: string"),
            "{}",
            err.message
        );
    }
}
