//! Istanbul parsers: `coverage-final.json` (statements, functions and branches with locations)
//! and `coverage-summary.json` (per-file totals only).

use std::collections::HashMap;
use std::io::BufRead;

use serde::{Deserialize, Deserializer};

use super::formats::{ParseError, Sink};
use super::model::{Counts, FileCov, Summary};

/// Istanbul writes counts as JSON numbers; accept any non-negative number.
fn hits<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let f = f64::deserialize(d)?;
    Ok(if f.is_finite() && f > 0.0 {
        f as u64
    } else {
        0
    })
}

#[derive(Deserialize, Clone, Copy, Default)]
struct Pos {
    line: Option<u32>,
    column: Option<u32>,
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
    line: Option<u32>,
    #[serde(default)]
    skip: bool,
}

#[derive(Deserialize)]
struct BranchEntry {
    #[serde(default)]
    loc: Loc,
    #[serde(default)]
    locations: Vec<Option<Loc>>,
    line: Option<u32>,
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
            let Some(line) = loc.start.line else { continue };
            data.lines.add_max(line, *n);
            let stmt = (
                line,
                loc.start.column.unwrap_or(0),
                loc.end.line.unwrap_or(line),
                loc.end.column.unwrap_or(0),
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
            let line = at.line.or(func.line).unwrap_or(0);
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
            let line = branch.loc.start.line.or(branch.line).unwrap_or(0);
            let num: u64 = id.parse().unwrap_or(0);
            let block =
                (u64::from(branch.loc.start.column.unwrap_or(0)) << 32) | (num & 0xffff_ffff);
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
