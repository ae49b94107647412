//! Reading the repository: the tag map (built once), the choice of the previous release tag by
//! semver order with the reason for every tag passed over, and the one revwalk over the range.

use std::collections::HashMap;

use git2::{Oid, Repository, Sort};
use semver::Version;
use serde::Serialize;

/// A tag whose name is the prefix followed by a semver version.
#[derive(Debug, Clone)]
pub struct Tag {
    /// The full tag name (`v1.2.0`, `api/v1.2.0`).
    pub name: String,
    /// The version after the prefix.
    pub version: Version,
    /// The commit it points at (annotated tags peeled).
    pub commit: Oid,
}

/// Every release tag of the repository, read once.
#[derive(Debug, Default)]
pub struct Tags {
    /// Release tags, newest version first (ties by name).
    pub tags: Vec<Tag>,
    /// Tag names with the prefix whose rest is not a semver version, with the reason.
    pub ignored: Vec<Considered>,
    /// How many tags do not start with the prefix.
    pub other_prefix: usize,
    by_commit: HashMap<Oid, Vec<usize>>,
}

/// One tag considered as the previous release, and what was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Considered {
    /// The tag name.
    pub tag: String,
    /// `chosen` or `skipped`.
    pub decision: &'static str,
    /// Why.
    pub reason: String,
}

/// A tag's version after the prefix (`v1.2.0` → `1.2.0`), if it has the prefix and is semver.
pub fn tag_version(name: &str, prefix: &str) -> Option<Version> {
    Version::parse(name.strip_prefix(prefix)?).ok()
}

impl Tags {
    /// Reads every tag under `refs/tags/` once: lightweight and annotated alike.
    pub fn load(repo: &Repository, prefix: &str) -> Result<Tags, git2::Error> {
        let mut tags = Tags::default();
        for reference in repo.references()? {
            let reference = reference?;
            let Some(name) = reference
                .name_bytes()
                .strip_prefix(b"refs/tags/")
                .and_then(|n| std::str::from_utf8(n).ok())
            else {
                continue;
            };
            let name = name.to_string();
            let Some(rest) = name.strip_prefix(prefix) else {
                tags.other_prefix += 1;
                continue;
            };
            let version = match Version::parse(rest) {
                Ok(v) => v,
                Err(e) => {
                    tags.ignored.push(Considered {
                        tag: name.clone(),
                        decision: "skipped",
                        reason: format!("`{rest}` after the prefix `{prefix}` is not semver: {e}"),
                    });
                    continue;
                }
            };
            match reference.peel(git2::ObjectType::Commit) {
                Ok(commit) => tags.tags.push(Tag {
                    name,
                    version,
                    commit: commit.id(),
                }),
                Err(_) => tags.ignored.push(Considered {
                    tag: name,
                    decision: "skipped",
                    reason: "does not point at a commit".to_string(),
                }),
            }
        }
        tags.tags
            .sort_by(|a, b| b.version.cmp(&a.version).then_with(|| a.name.cmp(&b.name)));
        for (i, tag) in tags.tags.iter().enumerate() {
            tags.by_commit.entry(tag.commit).or_default().push(i);
        }
        Ok(tags)
    }

    /// The release tags pointing at `commit`, newest version first.
    pub fn at(&self, commit: Oid) -> impl Iterator<Item = &Tag> {
        self.by_commit
            .get(&commit)
            .into_iter()
            .flatten()
            .map(|&i| &self.tags[i])
    }

    /// The previous release of `to`: the highest semver tag reachable from `to`, older than the
    /// release, not on the release commit, and stable unless the release is a pre-release.
    /// Every tag looked at gets a line saying why it was or was not chosen.
    pub fn previous(
        &self,
        repo: &Repository,
        to: Oid,
        release: Option<&Version>,
        prerelease: bool,
    ) -> Result<(Option<&Tag>, Vec<Considered>), git2::Error> {
        let mut considered = Vec::new();
        let mut chosen: Option<&Tag> = None;
        for tag in &self.tags {
            let skip = |reason: String| Considered {
                tag: tag.name.clone(),
                decision: "skipped",
                reason,
            };
            if let Some(best) = chosen {
                considered.push(skip(format!("older than {}", best.name)));
                continue;
            }
            if tag.commit == to {
                considered.push(skip("points at the release commit".to_string()));
            } else if let Some(v) = release.filter(|v| tag.version >= **v) {
                considered.push(skip(format!("not older than the release ({v})")));
            } else if !tag.version.pre.is_empty() && !prerelease {
                considered.push(skip(
                    "pre-release, and the release is stable (pre-releases are only compared with pre-releases)"
                        .to_string(),
                ));
            } else if !repo.graph_descendant_of(to, tag.commit)? {
                considered.push(skip(
                    "not reachable from the release commit (another branch)".to_string(),
                ));
            } else {
                considered.push(Considered {
                    tag: tag.name.clone(),
                    decision: "chosen",
                    reason: "the highest semver version reachable from the release commit"
                        .to_string(),
                });
                chosen = Some(tag);
            }
        }
        Ok((chosen, considered))
    }

    /// The highest stable tag reachable from `to` at or below `below` (for version bumps when
    /// the previous tag is a pre-release).
    pub fn previous_stable(
        &self,
        repo: &Repository,
        to: Oid,
        below: &Version,
    ) -> Result<Option<&Tag>, git2::Error> {
        for tag in &self.tags {
            if tag.version.pre.is_empty()
                && tag.version <= *below
                && tag.commit != to
                && repo.graph_descendant_of(to, tag.commit)?
            {
                return Ok(Some(tag));
            }
        }
        Ok(None)
    }
}

/// Walks the commits reachable from `to` and not from `hide`, newest first (topological, then
/// by time), calling `each` with every commit. One walk; no diffs.
pub fn walk(
    repo: &Repository,
    to: Oid,
    hide: Option<Oid>,
    mut each: impl FnMut(&git2::Commit) -> Result<(), git2::Error>,
) -> Result<(), git2::Error> {
    let mut revwalk = repo.revwalk()?;
    revwalk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    revwalk.push(to)?;
    if let Some(hide) = hide {
        revwalk.hide(hide)?;
    }
    for oid in revwalk {
        let commit = repo.find_commit(oid?)?;
        each(&commit)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_versions_need_the_prefix() {
        assert_eq!(tag_version("v1.2.3", "v"), Some(Version::new(1, 2, 3)));
        assert_eq!(
            tag_version("api/v2.0.0", "api/v"),
            Some(Version::new(2, 0, 0))
        );
        assert_eq!(tag_version("1.2.3", "v"), None);
        assert_eq!(tag_version("v1.2", "v"), None);
    }
}
