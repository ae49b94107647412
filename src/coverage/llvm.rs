//! `llvm-cov export` JSON parser: line coverage is derived from the region segments exactly as
//! `llvm-cov report` does (LineCoverageStats in LLVM's CoverageMapping.cpp); functions and
//! branches come from the function records and branch regions.

use std::io::BufRead;

use serde::Deserialize;

use super::formats::{ParseError, Sink};
use super::model::FileCov;

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

/// Parses `llvm-cov export` JSON into `sink`.
pub fn parse(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let export: Export = serde_json::from_reader(reader)?;
    for data in export.data {
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
            sink.add(&f.filename, &[], cov);
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
            let mut cov = FileCov::default();
            let hits = if func.count.is_finite() && func.count > 0.0 {
                func.count as u64
            } else {
                0
            };
            cov.function(&func.name, line, hits);
            sink.add(file, &[], cov);
        }
    }
    Ok(())
}
