//! Inserting a release at the top of a Keep a Changelog file (<https://keepachangelog.com>):
//! below `## [Unreleased]`, above the newest release, idempotently.

/// The header of a new changelog.
pub const NEW_CHANGELOG: &str = "# Changelog\n\n\
All notable changes to this project will be documented in this file.\n\n\
The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n\
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n\
## [Unreleased]\n";

/// True when `line` is a level-2 heading for `version` or `tag` (`## [1.2.0] - …`,
/// `## 1.2.0`, `## [v1.2.0]`).
fn is_heading_for(line: &str, version: &str, tag: &str) -> bool {
    let Some(rest) = line.strip_prefix("## ") else {
        return false;
    };
    let rest = rest.trim_start().trim_start_matches('[');
    [version, tag].iter().any(|name| {
        rest.strip_prefix(name)
            .is_some_and(|after| after.is_empty() || after.starts_with([']', ' ', '\t']))
    })
}

fn is_unreleased(line: &str) -> bool {
    line.strip_prefix("## ").is_some_and(|rest| {
        rest.trim()
            .trim_start_matches('[')
            .to_ascii_lowercase()
            .starts_with("unreleased")
    })
}

/// Inserts the entry for `version` into `existing` (or a new changelog when `None`). `body` is
/// the entry's sections; `link` the compare URL for the reference-style link at the bottom.
/// Returns `None` when the changelog already has an entry for this version or tag.
pub fn insert(
    existing: Option<&str>,
    version: &str,
    tag: &str,
    date: &str,
    body: &str,
    link: Option<&str>,
) -> Option<String> {
    let text = existing
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(NEW_CHANGELOG);
    let lines: Vec<&str> = text.lines().collect();
    if lines.iter().any(|l| is_heading_for(l, version, tag)) {
        return None;
    }
    let heading = if link.is_some() {
        format!("## [{version}] - {date}")
    } else {
        format!("## {version} - {date}")
    };
    let entry = format!("{heading}\n\n{}\n", body.trim_end());
    // Above the first release heading; failing that, before the link references at the bottom.
    let at = lines
        .iter()
        .position(|l| l.starts_with("## ") && !is_unreleased(l))
        .or_else(|| {
            let refs = lines
                .iter()
                .rposition(|l| !l.trim().is_empty() && !is_link_ref(l))
                .map_or(0, |i| i + 1);
            (refs < lines.len()).then_some(refs)
        });
    let mut out = String::with_capacity(text.len() + entry.len() + 100);
    let push_lines = |out: &mut String, ls: &[&str]| {
        for l in ls {
            out.push_str(l);
            out.push('\n');
        }
    };
    match at {
        Some(i) => {
            push_lines(&mut out, &lines[..i]);
            if !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(&entry);
            out.push('\n');
            push_lines(&mut out, &lines[i..]);
        }
        None => {
            push_lines(&mut out, &lines);
            out.push('\n');
            out.push_str(&entry);
        }
    }
    if let Some(url) = link {
        let def = format!("[{version}]: {url}");
        let mut with_link: Vec<&str> = out.lines().collect();
        // Newest first among the version links, below `[unreleased]: …` when present.
        let pos = with_link
            .iter()
            .position(|l| is_link_ref(l) && !l.to_ascii_lowercase().starts_with("[unreleased]"));
        match pos {
            Some(p) => with_link.insert(p, &def),
            None => {
                if with_link.last().is_some_and(|l| !is_link_ref(l)) {
                    with_link.push("");
                }
                with_link.push(&def);
            }
        }
        let mut joined = with_link.join("\n");
        joined.push('\n');
        return Some(joined);
    }
    Some(out)
}

fn is_link_ref(line: &str) -> bool {
    line.starts_with('[') && line.contains("]: ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn new_changelog_then_second_release_then_idempotent() {
        let first = insert(
            None,
            "1.0.0",
            "v1.0.0",
            "2024-01-01",
            "### Features\n\n- a\n",
            None,
        )
        .unwrap();
        assert_eq!(
            first,
            format!("{NEW_CHANGELOG}\n## 1.0.0 - 2024-01-01\n\n### Features\n\n- a\n")
        );
        let second = insert(
            Some(&first),
            "1.1.0",
            "v1.1.0",
            "2024-02-01",
            "### Bug fixes\n\n- b\n\n",
            None,
        )
        .unwrap();
        assert_eq!(
            second,
            format!("{NEW_CHANGELOG}\n## 1.1.0 - 2024-02-01\n\n### Bug fixes\n\n- b\n\n## 1.0.0 - 2024-01-01\n\n### Features\n\n- a\n")
        );
        assert_eq!(
            insert(Some(&second), "1.1.0", "v1.1.0", "x", "y", None),
            None
        );
    }

    #[test]
    fn link_references_stay_at_the_bottom_newest_first() {
        let old = "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n\n- a\n\n[unreleased]: https://x/compare/v1.0.0...HEAD\n[1.0.0]: https://x/releases/tag/v1.0.0\n";
        let new = insert(
            Some(old),
            "1.1.0",
            "v1.1.0",
            "2024-02-01",
            "- b",
            Some("https://x/compare/v1.0.0...v1.1.0"),
        )
        .unwrap();
        assert_eq!(
            new,
            "# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2024-02-01\n\n- b\n\n## [1.0.0] - 2024-01-01\n\n- a\n\n[unreleased]: https://x/compare/v1.0.0...HEAD\n[1.1.0]: https://x/compare/v1.0.0...v1.1.0\n[1.0.0]: https://x/releases/tag/v1.0.0\n"
        );
        assert!(insert(Some(&new), "1.1.0", "v1.1.0", "d", "b", None).is_none());
        assert!(is_heading_for("## [v1.1.0]", "1.1.0", "v1.1.0"));
        assert!(!is_heading_for("## 1.1.0-rc.1", "1.1.0", "v1.1.0"));
    }
}
