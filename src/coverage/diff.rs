//! Diff coverage: the lines added or changed since the merge base of HEAD and a base revision
//! (read with git2, working tree included), matched against the merged coverage.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::model::{Counts, Coverage};

/// Why the changed lines could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The root is not inside a git repository.
    #[error("{root}: not inside a git repository ({message}); diff coverage needs the checkout the tests ran in")]
    NoRepo {
        /// The directory searched from.
        root: String,
        /// git2's message.
        message: String,
    },
    /// The base revision is not in the clone.
    #[error("the diff base '{base}' is not in this clone{hint}")]
    NoBase {
        /// The revision asked for.
        base: String,
        /// What to do about it.
        hint: String,
    },
    /// Any other git failure.
    #[error("git: {0}")]
    Git(String),
}

impl From<git2::Error> for DiffError {
    fn from(e: git2::Error) -> Self {
        DiffError::Git(e.message().to_string())
    }
}

/// Changed lines per repository-relative file (relative to `root`).
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// The merge-base commit.
    pub base: String,
    /// Added or changed lines (new side), sorted, per file.
    pub files: BTreeMap<String, Vec<u32>>,
}

fn shallow_hint(repo: &git2::Repository, base: &str) -> String {
    if repo.is_shallow() {
        " (this is a shallow clone: fetch the history with `fetch-depth: 0` on actions/checkout, \
         or `git fetch --unshallow`)"
            .to_string()
    } else {
        let branch = base.strip_prefix("origin/").unwrap_or(base);
        format!(" (fetch it first, e.g. `git fetch origin {branch}`)")
    }
}

/// The lines added or changed between the merge base of `base` and HEAD, and the working tree.
pub fn changes(root: &Path, base: &str) -> Result<Changes, DiffError> {
    let repo = git2::Repository::discover(root).map_err(|e| DiffError::NoRepo {
        root: root.display().to_string(),
        message: e.message().to_string(),
    })?;
    let no_base = |repo: &git2::Repository| DiffError::NoBase {
        base: base.to_string(),
        hint: shallow_hint(repo, base),
    };
    let base_commit = repo
        .revparse_single(base)
        .and_then(|o| o.peel_to_commit())
        .map_err(|_| no_base(&repo))?;
    let head = repo.head()?.peel_to_commit()?;
    let merge_base = repo
        .merge_base(base_commit.id(), head.id())
        .map_err(|_| no_base(&repo))?;
    let tree = repo.find_commit(merge_base)?.tree()?;
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0);
    let diff = repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut opts))?;
    let workdir = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let workdir = workdir.canonicalize().unwrap_or(workdir);
    let sub = root
        .strip_prefix(&workdir)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut files: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    diff.foreach(
        &mut |_, _| true,
        None,
        None,
        Some(&mut |delta, _hunk, line| {
            if line.origin() != '+' {
                return true;
            }
            let (Some(path), Some(n)) = (delta.new_file().path(), line.new_lineno()) else {
                return true;
            };
            if let Ok(rel) = path.strip_prefix(&sub) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                files.entry(rel).or_default().push(n);
            }
            true
        }),
    )?;
    for lines in files.values_mut() {
        lines.sort_unstable();
        lines.dedup();
    }
    Ok(Changes {
        base: merge_base.to_string(),
        files,
    })
}

/// Uncovered changed lines of one file, as inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncovered {
    /// Repository-relative path.
    pub file: String,
    /// `[first, last]` ranges.
    pub lines: Vec<[u32; 2]>,
}

/// Coverage of the changed lines.
#[derive(Debug, Clone, Default)]
pub struct DiffCoverage {
    /// Covered and total coverable changed lines.
    pub lines: Counts,
    /// Uncovered changed lines per file, consecutive coverable lines merged into ranges.
    pub uncovered: Vec<Uncovered>,
    /// Changed files that the reports know.
    pub matched_files: usize,
}

/// Matches changed lines against the coverage: a changed line counts when the report has it as
/// coverable; uncovered ones that follow each other among the coverable changed lines form one
/// range.
pub fn measure(changes: &Changes, cov: &Coverage) -> DiffCoverage {
    let mut out = DiffCoverage::default();
    for (path, lines) in &changes.files {
        let Some(file) = cov.files.get(path) else {
            continue;
        };
        out.matched_files += 1;
        let mut ranges: Vec<[u32; 2]> = Vec::new();
        let mut open = false;
        for &l in lines {
            let Some(hits) = file.lines.get(l) else {
                continue;
            };
            out.lines.total += 1;
            if hits > 0 {
                out.lines.covered += 1;
                open = false;
                continue;
            }
            match ranges.last_mut() {
                Some(last) if open => last[1] = l,
                _ => ranges.push([l, l]),
            }
            open = true;
        }
        if !ranges.is_empty() {
            out.uncovered.push(Uncovered {
                file: path.clone(),
                lines: ranges,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::model::counts;

    #[test]
    fn ranges_merge_over_uncoverable_lines() {
        let mut cov = Coverage::default();
        let f = cov.file("a.c");
        for (l, h) in [(1, 0), (2, 0), (4, 0), (5, 1), (6, 0)] {
            f.lines.add(l, h);
        }
        let changes = Changes {
            base: "x".into(),
            files: BTreeMap::from([
                ("a.c".into(), vec![1, 2, 3, 4, 5, 6, 7]),
                ("b.md".into(), vec![1]),
            ]),
        };
        let d = measure(&changes, &cov);
        assert_eq!(d.lines, counts(1, 5));
        assert_eq!(
            d.uncovered,
            vec![Uncovered {
                file: "a.c".into(),
                lines: vec![[1, 4], [6, 6]]
            }]
        );
        assert_eq!(d.matched_files, 1);
    }
}
