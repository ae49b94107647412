//! File selection shared by every tool: explicit paths, directories (walked, sorted,
//! deterministic) and glob patterns, with the same semantics everywhere.
//!
//! An argument that names an existing path is taken literally (a file, or a directory to walk);
//! otherwise, if it contains glob syntax (`*`, `?`, `[`, `{`), it is a pattern matched against
//! the files under its literal leading directory. A pattern that matches nothing and a path that
//! does not exist are errors: a release step must never go green on zero files.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use walkdir::WalkDir;

use crate::exit::{Exit, ToolError};

/// How directories are walked.
#[derive(Debug, Clone, Default)]
pub struct SelectOptions {
    /// Follow symbolic links while walking directories (files named explicitly are always
    /// followed).
    pub follow_links: bool,
}

/// One selected file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The path as found: the argument itself, or the argument joined with the walked part.
    pub path: PathBuf,
    /// True when the file was named explicitly rather than found by a walk or a glob.
    pub explicit: bool,
}

/// What a selection found, including what it passed over and why.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The files, in argument order; within a directory or a pattern sorted by path.
    pub files: Vec<Selected>,
    /// Entries seen but not selected (a symbolic link while walking without `follow_links`),
    /// with the reason, so callers can tell the user instead of skipping silently.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Why a selection failed.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// A path given literally does not exist and is not a pattern.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The argument.
        path: String,
    },
    /// A glob pattern matched no file.
    #[error("{pattern}: the pattern matched no files (patterns are relative to the current directory; `**` crosses directories)")]
    NoMatch {
        /// The pattern.
        pattern: String,
    },
    /// A glob pattern is not valid syntax.
    #[error("{pattern}: invalid glob pattern: {reason}")]
    BadPattern {
        /// The pattern.
        pattern: String,
        /// Why.
        reason: String,
    },
    /// A directory could not be walked.
    #[error("{path}: cannot read directory: {reason}")]
    Walk {
        /// The directory or entry.
        path: String,
        /// Why.
        reason: String,
    },
    /// No paths were given at all.
    #[error("no files given; pass at least one path, directory or glob pattern")]
    Empty,
}

impl ToolError for SelectError {
    fn exit(&self) -> Exit {
        Exit::Usage
    }
}

/// Why a symbolic link met while walking was not selected. Tools with a flag that follows links
/// (checksum's `--follow`) say so themselves.
pub const LINK_NOT_FOLLOWED: &str =
    "symbolic link not followed while walking (name the file explicitly to include it)";

/// True when `s` contains glob syntax.
pub fn is_pattern(s: &OsStr) -> bool {
    s.to_string_lossy().contains(['*', '?', '[', '{'])
}

/// Selects files from paths, directories and glob patterns.
///
/// Duplicates (the same path reached twice) are kept once, at their first place.
pub fn select(args: &[OsString], opts: &SelectOptions) -> Result<Selection, SelectError> {
    if args.is_empty() {
        return Err(SelectError::Empty);
    }
    let mut selection = Selection::default();
    let mut seen = HashSet::new();
    for arg in args {
        let path = Path::new(arg);
        // One stat per argument: with thousands of explicit files (a matrix job's file list) a
        // second stat was a third of the system time.
        let found = if let Ok(meta) = std::fs::metadata(path) {
            if meta.is_dir() {
                walk(path, opts, &mut selection.skipped, None)?
            } else {
                vec![Selected {
                    path: path.to_path_buf(),
                    explicit: true,
                }]
            }
        } else if std::fs::symlink_metadata(path).is_ok() {
            // A dangling link named explicitly: selected, so the tool reports the OS's own
            // error when it opens it, naming the file.
            vec![Selected {
                path: path.to_path_buf(),
                explicit: true,
            }]
        } else if is_pattern(arg) {
            select_pattern(arg, opts, &mut selection.skipped)?
        } else {
            return Err(SelectError::NotFound {
                path: path.display().to_string(),
            });
        };
        for file in found {
            if seen.insert(file.path.clone()) {
                selection.files.push(file);
            }
        }
    }
    Ok(selection)
}

fn select_pattern(
    arg: &OsStr,
    opts: &SelectOptions,
    skipped: &mut Vec<(PathBuf, String)>,
) -> Result<Vec<Selected>, SelectError> {
    let text = arg.to_string_lossy().into_owned();
    let pattern = text.strip_prefix("./").unwrap_or(&text).to_string();
    let matcher = GlobBuilder::new(&pattern)
        .literal_separator(true)
        .backslash_escape(!cfg!(windows))
        .build()
        .map_err(|e| SelectError::BadPattern {
            pattern: text.clone(),
            reason: e.kind().to_string(),
        })?
        .compile_matcher();
    let root = literal_prefix(&pattern);
    let start = if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root.clone()
    };
    if !start.is_dir() {
        return Err(SelectError::NoMatch { pattern: text });
    }
    let found = walk(&start, opts, skipped, Some(&matcher))?;
    if found.is_empty() {
        return Err(SelectError::NoMatch { pattern: text });
    }
    Ok(found)
}

/// The directory a pattern's matches live under: its leading components without glob syntax
/// (never the last component, which is the file part). Empty for `*.gz`.
pub fn literal_prefix(pattern: &str) -> PathBuf {
    let mut prefix = PathBuf::new();
    let components: Vec<Component> = Path::new(pattern).components().collect();
    for (i, component) in components.iter().enumerate() {
        // The last component is the file part; it never belongs to the directory to walk.
        if i + 1 == components.len() || is_pattern(component.as_os_str()) {
            break;
        }
        prefix.push(component.as_os_str());
    }
    prefix
}

fn walk(
    dir: &Path,
    opts: &SelectOptions,
    skipped: &mut Vec<(PathBuf, String)>,
    matcher: Option<&GlobMatcher>,
) -> Result<Vec<Selected>, SelectError> {
    let mut files = Vec::new();
    let walker = WalkDir::new(dir)
        .follow_links(opts.follow_links)
        .sort_by_file_name();
    for entry in walker {
        let entry = entry.map_err(|e| SelectError::Walk {
            path: e.path().unwrap_or(dir).display().to_string(),
            reason: e
                .io_error()
                .map(|io| io.to_string())
                .unwrap_or_else(|| e.to_string()),
        })?;
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        // Paths found under "." are reported without the "./" the walk adds.
        let path = entry
            .path()
            .strip_prefix(".")
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| entry.path().to_path_buf());
        if let Some(m) = matcher {
            if !m.is_match(&path) {
                continue;
            }
        }
        if file_type.is_symlink() {
            skipped.push((path, LINK_NOT_FOLLOWED.to_string()));
            continue;
        }
        files.push(Selected {
            path,
            explicit: false,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "dist/b.tar.gz",
            "dist/a.zip",
            "dist/sub/c.tar.gz",
            "other.txt",
        ] {
            let p = dir.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, f).unwrap();
        }
        dir
    }

    fn names(sel: &Selection, base: &Path) -> Vec<String> {
        sel.files
            .iter()
            .map(|s| {
                s.path
                    .strip_prefix(base)
                    .unwrap_or(&s.path)
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn directories_are_walked_sorted() {
        let dir = tree();
        let sel = select(&[dir.path().join("dist").into()], &SelectOptions::default()).unwrap();
        assert_eq!(
            names(&sel, dir.path()),
            vec!["dist/a.zip", "dist/b.tar.gz", "dist/sub/c.tar.gz"]
        );
        assert!(sel.files.iter().all(|f| !f.explicit));
    }

    #[test]
    fn star_does_not_cross_directories_but_double_star_does() {
        let dir = tree();
        let base = dir.path().to_string_lossy().replace('\\', "/");
        let one = select(
            &[format!("{base}/dist/*.tar.gz").into()],
            &SelectOptions::default(),
        )
        .unwrap();
        assert_eq!(names(&one, dir.path()), vec!["dist/b.tar.gz"]);
        let all = select(
            &[format!("{base}/dist/**/*.tar.gz").into()],
            &SelectOptions::default(),
        )
        .unwrap();
        assert_eq!(
            names(&all, dir.path()),
            vec!["dist/b.tar.gz", "dist/sub/c.tar.gz"]
        );
    }

    #[test]
    fn missing_paths_and_empty_patterns_are_errors() {
        let dir = tree();
        let base = dir.path().to_string_lossy().replace('\\', "/");
        let err = select(&[format!("{base}/nope").into()], &SelectOptions::default()).unwrap_err();
        assert!(matches!(err, SelectError::NotFound { .. }), "{err}");
        let err = select(&[format!("{base}/*.deb").into()], &SelectOptions::default()).unwrap_err();
        assert!(matches!(err, SelectError::NoMatch { .. }), "{err}");
        assert!(matches!(
            select(&[], &SelectOptions::default()),
            Err(SelectError::Empty)
        ));
    }

    #[test]
    fn duplicates_collapse() {
        let dir = tree();
        let f: OsString = dir.path().join("other.txt").into();
        let sel = select(&[f.clone(), f], &SelectOptions::default()).unwrap();
        assert_eq!(sel.files.len(), 1);
        assert!(sel.files[0].explicit);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_reported_not_followed_while_walking() {
        let dir = tree();
        std::os::unix::fs::symlink(dir.path().join("other.txt"), dir.path().join("dist/link"))
            .unwrap();
        let sel = select(&[dir.path().join("dist").into()], &SelectOptions::default()).unwrap();
        assert_eq!(sel.files.len(), 3);
        assert_eq!(sel.skipped.len(), 1);
        let followed = select(
            &[dir.path().join("dist").into()],
            &SelectOptions { follow_links: true },
        )
        .unwrap();
        assert_eq!(followed.files.len(), 4);
    }

    #[test]
    fn literal_prefix_stops_at_the_first_pattern_component() {
        assert_eq!(literal_prefix("dist/**/*.gz"), PathBuf::from("dist"));
        assert_eq!(literal_prefix("*.gz"), PathBuf::new());
        assert_eq!(literal_prefix("a/b/c"), PathBuf::from("a/b"));
    }
}
