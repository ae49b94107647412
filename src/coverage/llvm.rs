//! `llvm-cov export` JSON parser. The totals are llvm-cov's own per-file `summary` (what
//! `llvm-cov report` prints; issue 13: LLVM 14 counts a file's lines and branches per function
//! group, so a `static inline` function compiled into several translation units, or a macro
//! expansion, makes the records and the summary disagree). The records are read as well: per-line
//! hits derived from the region segments as LineCoverageStats in LLVM's CoverageMapping.cpp does
//! (for changed-line coverage, and for the totals when reports are merged), functions from the
//! function records and branches from the branch regions.

use std::io::BufRead;

use serde::Deserialize;

use std::collections::HashMap;

use super::formats::{ParseError, Sink};
use super::model::{Counts, FileCov, Summary};

#[derive(Deserialize)]
struct Export {
    data: Vec<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    files: Vec<LFile>,
    #[serde(default)]
    functions: Vec<LFunction>,
    totals: Option<LSummary>,
}

/// One metric of an llvm-cov summary: `count` items, `covered` of them.
#[derive(Deserialize, Clone, Copy, Default)]
struct LCount {
    count: u64,
    covered: u64,
}

impl From<LCount> for Counts {
    fn from(c: LCount) -> Counts {
        Counts {
            covered: c.covered.min(c.count),
            total: c.count,
        }
    }
}

/// llvm-cov's summary of a file (`files[].summary`) or of an export (`data[].totals`). LLVM
/// before 12 writes no `branches`; there are no branch records then either.
#[derive(Deserialize)]
struct LSummary {
    lines: LCount,
    functions: LCount,
    #[serde(default)]
    branches: LCount,
}

impl From<&LSummary> for Summary {
    fn from(s: &LSummary) -> Summary {
        Summary {
            lines: s.lines.into(),
            branches: s.branches.into(),
            functions: s.functions.into(),
            statements: Counts::default(),
        }
    }
}

/// A segment or branch field: numbers and booleans mixed in one array.
#[derive(Deserialize, Clone, Copy)]
#[serde(untagged)]
enum Field {
    Number(f64),
    Bool(bool),
}

impl Field {
    fn num(self) -> u64 {
        match self {
            Field::Number(n) if n.is_finite() && n > 0.0 => n as u64,
            Field::Number(_) => 0,
            Field::Bool(b) => u64::from(b),
        }
    }
    fn flag(self) -> bool {
        self.num() != 0
    }
}

#[derive(Deserialize)]
struct LFile {
    filename: String,
    #[serde(default)]
    segments: Vec<Vec<Field>>,
    #[serde(default)]
    branches: Vec<Vec<Field>>,
    summary: Option<LSummary>,
}

#[derive(Deserialize)]
struct LFunction {
    name: String,
    count: f64,
    #[serde(default)]
    regions: Vec<Vec<Field>>,
    #[serde(default)]
    filenames: Vec<String>,
}

#[derive(Clone, Copy)]
struct Segment {
    line: u32,
    count: u64,
    has_count: bool,
    entry: bool,
    gap: bool,
}

fn segment(f: &[Field]) -> Result<Segment, ParseError> {
    if f.len() < 5 {
        return Err(ParseError::new("a segment with fewer than 5 fields"));
    }
    let line =
        u32::try_from(f[0].num()).map_err(|_| ParseError::new("a segment line out of range"))?;
    Ok(Segment {
        line,
        count: f[2].num(),
        has_count: f[3].flag(),
        entry: f[4].flag(),
        gap: f.get(5).is_some_and(|g| g.flag()),
    })
}

/// Per-line hits from segments, as `llvm-cov` computes them.
fn lines(segments: &[Segment], data: &mut FileCov) {
    let (Some(first), Some(last)) = (segments.first(), segments.last()) else {
        return;
    };
    let mut wrapped: Option<Segment> = None;
    let mut next = 0;
    let mut line = first.line;
    while next < segments.len() && line <= last.line {
        let start = next;
        while next < segments.len() && segments[next].line == line {
            next += 1;
        }
        let on_line = &segments[start..next];
        let is_start = |s: &Segment| !s.gap && s.has_count && s.entry;
        let starts = on_line.iter().filter(|s| is_start(s)).count();
        let skipped = on_line.first().is_some_and(|s| !s.has_count && s.entry);
        let mapped = !skipped && (wrapped.is_some_and(|w| w.has_count) || starts > 0);
        if mapped {
            let mut count = wrapped.map_or(0, |w| w.count);
            for s in on_line.iter().filter(|s| is_start(s)) {
                count = count.max(s.count);
            }
            data.lines.add(line, count);
        }
        if let Some(last_on_line) = on_line.last() {
            wrapped = Some(*last_on_line);
        }
        line = match line.checked_add(1) {
            Some(l) => l,
            None => break,
        };
    }
}

/// Parses `llvm-cov export` JSON into `sink`: each file once, with its records and llvm-cov's
/// summary of it.
pub fn parse(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let export: Export = serde_json::from_reader(reader)?;
    for data in export.data {
        let mut order: Vec<String> = Vec::with_capacity(data.files.len());
        let mut files: HashMap<String, FileCov> = HashMap::with_capacity(data.files.len());
        let mut summed = Summary::default();
        for f in data.files {
            let mut cov = FileCov::default();
            let mut segments = Vec::with_capacity(f.segments.len());
            for s in &f.segments {
                segments.push(segment(s)?);
            }
            lines(&segments, &mut cov);
            for b in &f.branches {
                if b.len() < 6 {
                    return Err(ParseError::new(format!(
                        "{}: a branch with fewer than 6 fields",
                        f.filename
                    )));
                }
                let line = u32::try_from(b[0].num()).unwrap_or(u32::MAX);
                let at = (b[1].num() << 32) | (b[2].num() & 0xffff_ffff);
                cov.branch((line, at, 0), b[4].num());
                cov.branch((line, at, 1), b[5].num());
            }
            cov.tool_summary = f.summary.as_ref().map(Summary::from);
            if let Some(s) = cov.tool_summary {
                summed.lines += s.lines;
                summed.branches += s.branches;
                summed.functions += s.functions;
            }
            match files.get_mut(&f.filename) {
                Some(existing) => existing.merge(cov),
                None => {
                    order.push(f.filename.clone());
                    files.insert(f.filename, cov);
                }
            }
        }
        if let Some(t) = &data.totals {
            let t = Summary::from(t);
            if (t.lines, t.branches, t.functions)
                != (summed.lines, summed.branches, summed.functions)
            {
                sink.notes.push(format!(
                    "data[].totals says {}/{} lines, {}/{} branches, {}/{} functions; the files' \
                     summaries add up to {}/{}, {}/{}, {}/{}; the files are used",
                    t.lines.covered,
                    t.lines.total,
                    t.branches.covered,
                    t.branches.total,
                    t.functions.covered,
                    t.functions.total,
                    summed.lines.covered,
                    summed.lines.total,
                    summed.branches.covered,
                    summed.branches.total,
                    summed.functions.covered,
                    summed.functions.total
                ));
            }
        }
        for func in data.functions {
            let Some(file) = func.filenames.first() else {
                continue;
            };
            let line = func
                .regions
                .first()
                .and_then(|r| r.first())
                .map_or(0, |f| u32::try_from(f.num()).unwrap_or(0));
            let hits = if func.count.is_finite() && func.count > 0.0 {
                func.count as u64
            } else {
                0
            };
            // A function of a file the export lists no entry for (an llvm-cov filter) gets a
            // file of its own, without a summary.
            let cov = match files.get_mut(file) {
                Some(c) => c,
                None => {
                    order.push(file.clone());
                    files.entry(file.clone()).or_default()
                }
            };
            cov.function(&func.name, line, hits);
        }
        for name in order {
            if let Some(cov) = files.remove(&name) {
                sink.add(&name, &[], cov);
            }
        }
    }
    Ok(())
}
