//! The merged coverage data: per file, per line hits, branches, functions and statements, with
//! the merge rule of issue 7 (a line is covered when any report covers it; counts add up, never
//! averaged).

use std::collections::{BTreeMap, HashMap};

/// Largest line number kept in the dense per-line vector before falling back to a map; keeps an
/// adversarial `DA:4000000000,1` from allocating gigabytes.
const DENSE_SLACK: usize = 4096;

/// Per-line hit counts of one file: a dense vector for the usual case, a map for outliers.
///
/// A slot holds `0` for "not coverable" and `hits + 1` (saturating) otherwise, so each line
/// costs four bytes; 200 MB reports fit in well under 200 MiB.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    dense: Vec<u32>,
    sparse: BTreeMap<u32, u32>,
}

fn encode(hits: u64) -> u32 {
    u32::try_from(hits.saturating_add(1)).unwrap_or(u32::MAX)
}

impl Lines {
    /// Records `hits` on `line`, adding to what other reports or sections recorded.
    pub fn add(&mut self, line: u32, hits: u64) {
        let index = line as usize;
        if index >= self.dense.len() && index < self.dense.len() * 2 + DENSE_SLACK {
            self.dense.resize(index + 1, 0);
        }
        let slot = match self.dense.get_mut(index) {
            Some(slot) => slot,
            None => self.sparse.entry(line).or_insert(0),
        };
        *slot = match *slot {
            0 => encode(hits),
            old => old.saturating_add(encode(hits) - 1),
        };
    }

    /// Records `hits` on `line` keeping the smaller count when the line is already known (Go
    /// blocks sharing a line: the line is covered only when every block on it ran).
    pub fn add_min(&mut self, line: u32, hits: u64) {
        match self.get(line) {
            Some(old) if old <= hits => {}
            Some(_) => {
                self.set(line, hits);
            }
            None => self.add(line, hits),
        }
    }

    /// Records `hits` on `line` keeping the larger count (Istanbul: a line's hits are those of
    /// its busiest statement).
    pub fn add_max(&mut self, line: u32, hits: u64) {
        match self.get(line) {
            Some(old) if old >= hits => {}
            Some(_) => self.set(line, hits),
            None => self.add(line, hits),
        }
    }

    fn set(&mut self, line: u32, hits: u64) {
        match self.dense.get_mut(line as usize) {
            Some(slot) => *slot = encode(hits),
            None => {
                self.sparse.insert(line, encode(hits));
            }
        }
    }

    /// Hits of `line`, or `None` when the line is not coverable.
    pub fn get(&self, line: u32) -> Option<u64> {
        let slot = match self.dense.get(line as usize) {
            Some(slot) => *slot,
            None => self.sparse.get(&line).copied().unwrap_or(0),
        };
        (slot != 0).then(|| u64::from(slot - 1))
    }

    /// Coverable lines and their hits, in line order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let dense = self
            .dense
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != 0)
            .map(|(i, s)| (i as u32, u64::from(*s - 1)));
        let sparse = self.sparse.iter().map(|(l, s)| (*l, u64::from(*s - 1)));
        dense.chain(sparse)
    }

    /// Merges another file's lines into these.
    pub fn merge(&mut self, other: &Lines) {
        for (line, hits) in other.iter() {
            self.add(line, hits);
        }
    }

    /// Covered and total coverable lines.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for (_, hits) in self.iter() {
            counts.total += 1;
            counts.covered += u64::from(hits > 0);
        }
        counts
    }
}

/// Identity of a branch outcome: line, block and branch number as the format names them.
pub type BranchKey = (u32, u64, u64);

/// One branch outcome as stored: 16 bytes, so that reports with millions of branches stay small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Branch {
    /// Line.
    pub line: u32,
    /// Times taken (saturating).
    pub taken: u32,
    /// Block and branch packed into one number (hashed when they do not fit 32 bits each).
    pub id: u64,
}

/// Packs a block and branch number into one identity.
fn pack(block: u64, branch: u64) -> u64 {
    match (u32::try_from(block), u32::try_from(branch)) {
        (Ok(b), Ok(r)) => (u64::from(b) << 32) | u64::from(r),
        _ => {
            let mut h = 0xcbf2_9ce4_8422_2325_u64;
            for byte in block.to_le_bytes().into_iter().chain(branch.to_le_bytes()) {
                h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
            h
        }
    }
}

/// Identity of a statement: start line, start column, end line, end column.
pub type StmtKey = (u32, u32, u32, u32);

/// Everything known about one file, merged over reports and sections.
#[derive(Debug, Clone, Default)]
pub struct FileCov {
    /// Per-line hits.
    pub lines: Lines,
    /// Branch outcomes and how often each was taken (unsorted until [`FileCov::normalize`]).
    pub branches: Vec<Branch>,
    /// Functions by name: first line and hits.
    pub functions: Vec<(String, u32, u64)>,
    /// Statements: identity, weight (Go blocks hold several statements) and hits.
    pub statements: Vec<(StmtKey, u32, u64)>,
    /// JaCoCo's instructions per line (covered and total), for its headline number; a line that
    /// several reports have keeps the report that covered most of it.
    pub instructions: Vec<(u32, Counts)>,
    /// Totals of a summary-only report (Istanbul `coverage-summary.json`), which has no per-line
    /// data and cannot be merged line by line.
    pub summary: Option<Summary>,
    /// The producing tool's own per-file summary next to the records (llvm-cov export's
    /// `files[].summary`): while set, it is this file's lines, branches and functions (issue 13;
    /// see [`Coverage::settle`]). Merging the file with any other data clears it.
    pub tool_summary: Option<Summary>,
    /// A tool summary was dropped because the file was merged with other data (two reports, or
    /// the file twice in one).
    pub summary_lost: bool,
}

/// Per-metric counts of a summary-only file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Lines.
    pub lines: Counts,
    /// Statements.
    pub statements: Counts,
    /// Branches.
    pub branches: Counts,
    /// Functions.
    pub functions: Counts,
}

/// Covered and total counts of one metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Covered items.
    pub covered: u64,
    /// All coverable items.
    pub total: u64,
}

/// Test helper: `Counts { covered, total }` in one short call, for asserting parsed totals.
#[cfg(test)]
pub(crate) fn counts(covered: u64, total: u64) -> Counts {
    Counts { covered, total }
}

impl std::ops::AddAssign for Counts {
    /// Adds saturating: counts read from a report (JaCoCo's `mi`/`ci`) can be anything.
    fn add_assign(&mut self, other: Counts) {
        self.covered = self.covered.saturating_add(other.covered);
        self.total = self.total.saturating_add(other.total);
    }
}

impl FileCov {
    /// Records a branch outcome.
    pub fn branch(&mut self, key: BranchKey, taken: u64) {
        self.branches.push(Branch {
            line: key.0,
            taken: u32::try_from(taken).unwrap_or(u32::MAX),
            id: pack(key.1, key.2),
        });
    }

    /// Records a function.
    pub fn function(&mut self, name: &str, line: u32, hits: u64) {
        self.functions.push((name.to_string(), line, hits));
    }

    /// Records a statement.
    pub fn statement(&mut self, key: StmtKey, weight: u32, hits: u64) {
        self.statements.push((key, weight, hits));
    }

    /// Records JaCoCo's instruction counts of a line.
    pub fn instruction(&mut self, line: u32, counts: Counts) {
        self.instructions.push((line, counts));
    }

    /// Sorts and merges duplicate branches, functions, statements and instruction lines (hits add
    /// up; a function keeps its smallest line, which drops LCOV's line-0 placeholders when a real
    /// line is known).
    pub fn normalize(&mut self) {
        fn merge_by<K: Ord + Clone, V>(items: &mut Vec<(K, V)>, join: impl Fn(&mut V, V)) {
            items.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out: Vec<(K, V)> = Vec::with_capacity(items.len());
            for (k, v) in items.drain(..) {
                match out.last_mut() {
                    Some(last) if last.0 == k => join(&mut last.1, v),
                    _ => out.push((k, v)),
                }
            }
            *items = out;
        }
        self.branches.sort_unstable_by_key(|b| (b.line, b.id));
        self.branches.dedup_by(|next, kept| {
            let same = (next.line, next.id) == (kept.line, kept.id);
            if same {
                kept.taken = kept.taken.saturating_add(next.taken);
            }
            same
        });
        self.branches.shrink_to_fit();
        let mut functions: Vec<(String, (u32, u64))> = self
            .functions
            .drain(..)
            .map(|(n, l, h)| (n, (l, h)))
            .collect();
        merge_by(&mut functions, |a, b| {
            a.0 = match (a.0, b.0) {
                (0, l) | (l, 0) => l,
                (x, y) => x.min(y),
            };
            a.1 = a.1.saturating_add(b.1);
        });
        self.functions = functions.into_iter().map(|(n, (l, h))| (n, l, h)).collect();
        let mut statements: Vec<(StmtKey, (u32, u64))> = self
            .statements
            .drain(..)
            .map(|(k, w, h)| (k, (w, h)))
            .collect();
        merge_by(&mut statements, |a, b| {
            a.0 = a.0.max(b.0);
            a.1 = a.1.saturating_add(b.1);
        });
        self.statements = statements
            .into_iter()
            .map(|(k, (w, h))| (k, w, h))
            .collect();
        merge_by(&mut self.instructions, |a, b| {
            if (b.covered, b.total) > (a.covered, a.total) {
                *a = b;
            }
        });
    }

    /// Merges another file's data into this one. A tool summary does not survive: two summaries
    /// of one file cannot be added up (the same lines would count twice) and a summary plus
    /// records would count what the summary does not know.
    pub fn merge(&mut self, other: FileCov) {
        if self.tool_summary.is_some() || other.tool_summary.is_some() || other.summary_lost {
            self.summary_lost = true;
        }
        self.tool_summary = None;
        self.lines.merge(&other.lines);
        self.branches.extend(other.branches);
        self.functions.extend(other.functions);
        self.statements.extend(other.statements);
        self.instructions.extend(other.instructions);
        self.summary = match (self.summary, other.summary) {
            (Some(a), Some(b)) => Some(Summary {
                lines: best(a.lines, b.lines),
                statements: best(a.statements, b.statements),
                branches: best(a.branches, b.branches),
                functions: best(a.functions, b.functions),
            }),
            (a, b) => a.or(b),
        };
    }

    /// The summary-only totals, used only when the file has no per-item data at all: a file that
    /// one report has per line and another only as a summary counts once, per line.
    fn summary_only(&self) -> Option<Summary> {
        let empty = self.lines.iter().next().is_none()
            && self.branches.is_empty()
            && self.functions.is_empty()
            && self.statements.is_empty()
            && self.instructions.is_empty();
        self.summary.filter(|_| empty)
    }

    /// Line counts (after [`FileCov::normalize`]).
    pub fn line_counts(&self) -> Counts {
        if let Some(t) = self.tool_summary {
            return t.lines;
        }
        let mut counts = self.lines.counts();
        if let Some(s) = self.summary_only() {
            counts += s.lines;
        }
        counts
    }

    /// Branch counts.
    pub fn branch_counts(&self) -> Counts {
        if let Some(t) = self.tool_summary {
            return t.branches;
        }
        let mut counts = Counts::default();
        for b in &self.branches {
            counts.total += 1;
            counts.covered += u64::from(b.taken > 0);
        }
        if let Some(s) = self.summary_only() {
            counts += s.branches;
        }
        counts
    }

    /// Function counts.
    pub fn function_counts(&self) -> Counts {
        if let Some(t) = self.tool_summary {
            return t.functions;
        }
        let mut counts = Counts::default();
        for (_, _, hits) in &self.functions {
            counts.total += 1;
            counts.covered += u64::from(*hits > 0);
        }
        if let Some(s) = self.summary_only() {
            counts += s.functions;
        }
        counts
    }

    /// JaCoCo instruction counts (after [`FileCov::normalize`]).
    pub fn instruction_counts(&self) -> Counts {
        let mut counts = Counts::default();
        for (_, c) in &self.instructions {
            counts += *c;
        }
        counts
    }

    /// Statement counts, each statement weighted (Go blocks count their statements).
    pub fn statement_counts(&self) -> Counts {
        let mut counts = Counts::default();
        for (_, weight, hits) in &self.statements {
            counts.total += u64::from(*weight);
            if *hits > 0 {
                counts.covered += u64::from(*weight);
            }
        }
        if let Some(s) = self.summary_only() {
            counts += s.statements;
        }
        counts
    }
}

/// Of two summaries of the same file, the one with more covered items (summary-only reports
/// cannot be merged per line; see the coverage-gate section of README.md).
fn best(a: Counts, b: Counts) -> Counts {
    if b.covered > a.covered {
        b
    } else {
        a
    }
}

/// Where the totals come from (the `numbers` member of `--json`, issue 13).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Numbers {
    /// `"summary"`: the producing tool's own per-file summaries; `"records"`: counted from the
    /// per-line, per-branch and per-function records.
    pub source: &'static str,
    /// The tool whose summary is used, when `source` is `"summary"`.
    pub tool: Option<&'static str>,
    /// Why these numbers and not the others.
    pub why: String,
}

/// All files of all reports, keyed by repository-relative path.
#[derive(Debug, Default)]
pub struct Coverage {
    /// Files by normalised path.
    pub files: HashMap<String, FileCov>,
}

impl Coverage {
    /// The record of `path`, created empty when new.
    pub fn file(&mut self, path: &str) -> &mut FileCov {
        self.files.entry(path.to_string()).or_default()
    }

    /// Normalises every file (see [`FileCov::normalize`]).
    pub fn normalize(&mut self) {
        for file in self.files.values_mut() {
            file.normalize();
        }
    }

    /// Decides, once all reports are read and filtered, whether the totals are the tool's own
    /// per-file summaries or counted from the records: the summaries when every file has one (so
    /// the gate prints what llvm-cov report's TOTAL line says), the records otherwise, for every
    /// file alike so the totals are of one kind. The per-line records stay either way: changed-
    /// line coverage and the line list of uncovered changes need them.
    pub fn settle(&mut self, tool: &'static str) -> Numbers {
        let with = self
            .files
            .values()
            .filter(|f| f.tool_summary.is_some())
            .count();
        if with > 0 && with == self.files.len() {
            return Numbers {
                source: "summary",
                tool: Some(tool),
                why: format!(
                    "every file has {tool}'s own summary, so the totals are {tool}'s (what its \
                     report prints); changed-line coverage is counted from the per-line records"
                ),
            };
        }
        let mut paths: Vec<&String> = self.files.keys().collect();
        paths.sort();
        let find = |keep: &dyn Fn(&FileCov) -> bool| {
            paths
                .iter()
                .find(|p| self.files.get(**p).is_some_and(keep))
                .map(|p| p.to_string())
        };
        let lost = find(&|f| f.summary_lost);
        let without = find(&|f| f.tool_summary.is_none());
        let why = match (lost, without) {
            (Some(p), _) => format!(
                "{p} is in more than one report (or twice in one) and {tool}'s per-file summaries \
                 cannot be merged, so every total is counted from the records (line hits, \
                 branches, functions) and can differ from {tool}'s own report"
            ),
            (None, Some(p)) if with > 0 => format!(
                "{p} comes from a report without {tool}'s summary, so every total is counted from \
                 the records (line hits, branches, functions) and can differ from {tool}'s own \
                 report"
            ),
            _ => "the reports carry no summary of their tool next to the records, so the totals \
                  are counted from the records"
                .to_string(),
        };
        for f in self.files.values_mut() {
            f.tool_summary = None;
        }
        Numbers {
            source: "records",
            tool: None,
            why,
        }
    }

    /// Files sorted by path.
    pub fn sorted(&self) -> Vec<(&String, &FileCov)> {
        let mut files: Vec<_> = self.files.iter().collect();
        files.sort_by(|a, b| a.0.cmp(b.0));
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_add_up_and_report_coverable_only() {
        let mut lines = Lines::default();
        lines.add(3, 0);
        lines.add(3, 2);
        lines.add(5, 0);
        lines.add(4_000_000_000, 1);
        assert_eq!(lines.get(3), Some(2));
        assert_eq!(lines.get(4), None);
        assert_eq!(lines.get(5), Some(0));
        assert_eq!(
            lines.iter().collect::<Vec<_>>(),
            vec![(3, 2), (5, 0), (4_000_000_000, 1)]
        );
        assert_eq!(lines.counts(), counts(2, 3));
    }

    #[test]
    fn add_min_keeps_the_uncovered_block() {
        let mut lines = Lines::default();
        lines.add_min(7, 3);
        lines.add_min(7, 0);
        lines.add_min(7, 5);
        assert_eq!(lines.get(7), Some(0));
    }

    #[test]
    fn hits_saturate() {
        let mut lines = Lines::default();
        lines.add(1, u64::MAX);
        lines.add(1, u64::MAX);
        assert_eq!(lines.get(1), Some(u64::from(u32::MAX - 1)));
    }

    #[test]
    fn normalize_merges_duplicates() {
        let mut f = FileCov::default();
        f.branch((1, 0, 0), 0);
        f.branch((1, 0, 0), 1);
        f.branch((1, 0, 1), 0);
        f.function("main", 0, 0);
        f.function("main", 4, 1);
        f.statement((1, 0, 1, 5), 2, 0);
        f.statement((1, 0, 1, 5), 2, 3);
        f.normalize();
        assert_eq!(f.branch_counts(), counts(1, 2));
        assert_eq!(f.functions, vec![("main".to_string(), 4, 1)]);
        assert_eq!(f.statement_counts(), counts(2, 2));
    }
}
