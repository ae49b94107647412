//! coverage.py JSON parser (`coverage json`): executed and missing lines are statements and
//! lines; executed and missing arcs are branches.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::Deserialize;

use super::formats::{ParseError, Sink};
use super::model::{Counts, FileCov};

#[derive(Deserialize)]
struct Report {
    files: BTreeMap<String, PyFile>,
    totals: Option<Totals>,
}

#[derive(Deserialize)]
struct PyFile {
    #[serde(default)]
    executed_lines: Vec<u32>,
    #[serde(default)]
    missing_lines: Vec<u32>,
    #[serde(default)]
    executed_branches: Vec<(i64, i64)>,
    #[serde(default)]
    missing_branches: Vec<(i64, i64)>,
}

#[derive(Deserialize)]
struct Totals {
    covered_lines: u64,
    num_statements: u64,
}

fn arc(from: i64, to: i64) -> Result<(u32, u64, u64), ParseError> {
    let line = u32::try_from(from).map_err(|_| {
        ParseError::new(format!(
            "branch arc [{from}, {to}] starts at an impossible line"
        ))
    })?;
    Ok((line, 0, to as u64))
}

/// Parses a coverage.py JSON report into `sink`.
pub fn parse(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let report: Report = serde_json::from_reader(reader)?;
    let mut seen = Counts::default();
    for (path, f) in report.files {
        let mut data = FileCov::default();
        for (lines, hit) in [(&f.executed_lines, 1), (&f.missing_lines, 0)] {
            for &l in lines {
                data.lines.add(l, hit);
                data.statement((l, 0, l, 0), 1, hit);
            }
        }
        seen.covered += f.executed_lines.len() as u64;
        seen.total += (f.executed_lines.len() + f.missing_lines.len()) as u64;
        for (arcs, hit) in [(&f.executed_branches, 1), (&f.missing_branches, 0)] {
            for &(from, to) in arcs {
                data.branch(arc(from, to)?, hit);
            }
        }
        sink.add(&path, &[], data);
    }
    if let Some(t) = report.totals {
        if (t.covered_lines, t.num_statements) != (seen.covered, seen.total) {
            sink.notes.push(format!(
                "the totals say {}/{} statements, the files {}/{}; the per-file data is used",
                t.covered_lines, t.num_statements, seen.covered, seen.total
            ));
        }
    }
    Ok(())
}
