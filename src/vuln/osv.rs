//! OSV records (<https://ossf.github.io/osv-schema/>) and the evaluation of their `affected`
//! entries against one package version: `SEMVER` and `ECOSYSTEM` ranges with `introduced`,
//! `fixed`, `last_affected` and `limit` events, explicit `versions` lists, and the severity of a
//! record from its CVSS vectors.

use std::cmp::Ordering;

use serde::Deserialize;

use super::cvss::{self, Severity};
use super::version::{Ecosystem, SemVer, Version};

/// One OSV vulnerability record, with the fields vuln-check reads.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Record {
    /// The record's id (`GHSA-…`, `PYSEC-…`, `RUSTSEC-…`, `GO-…`).
    pub id: String,
    /// When the record last changed (RFC 3339); the cache key together with the id.
    #[serde(default)]
    pub modified: String,
    /// Set when the record was withdrawn; such records never match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Other ids of the same vulnerability (CVE, GHSA, …).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer description (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Severity vectors of the whole record.
    #[serde(default)]
    pub severity: Vec<SeverityEntry>,
    /// The packages and versions affected.
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// Database-specific fields; only `severity` (a label) is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<DatabaseSpecific>,
    /// Links (advisory, fix, report).
    #[serde(default)]
    pub references: Vec<Reference>,
}

/// `severity[]`: a scoring system and its vector.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct SeverityEntry {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector (for CVSS) or label.
    pub score: String,
}

/// `database_specific`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct DatabaseSpecific {
    /// The advisory's own severity label (GitHub: LOW, MODERATE, HIGH, CRITICAL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<serde_json::Value>,
}

/// `references[]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Reference {
    /// `ADVISORY`, `WEB`, `FIX`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The link.
    pub url: String,
}

/// `affected[]`: one package and the versions of it affected.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Affected {
    /// The package; absent in some records that only name a repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    /// Version ranges.
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Explicitly enumerated affected versions.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Per-package severity, overriding nothing but adding to the record's.
    #[serde(default)]
    pub severity: Vec<SeverityEntry>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Package {
    /// The OSV ecosystem name (`PyPI`, `npm`, `crates.io`, `Go`, `Maven`, `RubyGems`, …).
    #[serde(default)]
    pub ecosystem: String,
    /// The package name in that ecosystem.
    #[serde(default)]
    pub name: String,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The events, in any order.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One range event; exactly one field is set.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct Event {
    /// The first affected version (`0`: from the beginning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// The first version no longer affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// The last version known affected (everything after it is not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    /// An upper bound of the range's applicability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// A package as vuln-check asks about it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageKey {
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// Its name as OSV writes it (PyPI names in PEP 503 form).
    pub name: String,
}

/// A record's rating: level, CVSS base score and the vector it comes from.
pub type Rating = (Severity, Option<f64>, Option<String>);

/// How a record affects one package version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hit {
    /// The version to upgrade to: the lowest `fixed` above the version, if any.
    pub fixed: Option<String>,
    /// When there is no fix: the last affected version the record names.
    pub last_affected: Option<String>,
}

/// The PEP 503 form of a PyPI name, which is how OSV's PyPI records and purls compare.
pub fn normalize_name(eco: Ecosystem, name: &str) -> String {
    match eco {
        Ecosystem::PyPI => crate::lockfile::purl::pep503(name),
        _ => name.to_string(),
    }
}

impl Affected {
    /// Whether this entry is about `key`.
    pub fn is_about(&self, key: &PackageKey) -> bool {
        self.package.as_ref().is_some_and(|p| {
            Ecosystem::from_osv(&p.ecosystem) == Some(key.ecosystem)
                && normalize_name(key.ecosystem, &p.name) == key.name
        })
    }
}

/// Parses one range event version in the range's order.
fn parse_event(kind: &str, eco: Ecosystem, text: &str) -> Result<Version, String> {
    if kind == "SEMVER" {
        SemVer::parse(text).map(Version::SemVer)
    } else if eco == Ecosystem::PyPI && text == "0" {
        eco.parse("0")
    } else {
        eco.parse(text)
    }
}

fn ge(a: &Version, b: &Version) -> bool {
    matches!(a.partial_cmp(b), Some(Ordering::Greater | Ordering::Equal))
}

fn gt(a: &Version, b: &Version) -> bool {
    matches!(a.partial_cmp(b), Some(Ordering::Greater))
}

impl Record {
    /// Whether the record affects `version` (its text and parsed form) of `key`. Versions in the
    /// record that cannot be read in the ecosystem's syntax are reported in `problems` and that
    /// range is not evaluated.
    pub fn affects(
        &self,
        key: &PackageKey,
        text: &str,
        version: &Version,
        problems: &mut Vec<String>,
    ) -> Option<Hit> {
        if self.withdrawn.is_some() {
            return None;
        }
        let mut hit: Option<Hit> = None;
        for affected in self.affected.iter().filter(|a| a.is_about(key)) {
            let listed = affected.versions.iter().any(|v| {
                v == text
                    || key
                        .ecosystem
                        .parse(v)
                        .ok()
                        .and_then(|p| p.partial_cmp(version))
                        == Some(Ordering::Equal)
            });
            let mut in_range = false;
            let mut fixes: Vec<(Version, &str)> = Vec::new();
            let mut last: Option<&str> = None;
            for range in &affected.ranges {
                if range.kind != "SEMVER" && range.kind != "ECOSYSTEM" {
                    continue; // GIT ranges name commits, not package versions.
                }
                let version = if range.kind == "SEMVER" {
                    match SemVer::parse(text) {
                        Ok(v) => Version::SemVer(v),
                        Err(e) => {
                            problems.push(format!(
                                "{}: {e}; its SEMVER range is not evaluated",
                                self.id
                            ));
                            continue;
                        }
                    }
                } else {
                    version.clone()
                };
                match eval_range(range, key.ecosystem, &version) {
                    Ok(r) => {
                        in_range |= r.affected;
                        if r.affected {
                            fixes.extend(r.fixes);
                            last = last.or(r.last_affected);
                        } else {
                            // A fix above the version in another range still tells where to go.
                            fixes.extend(r.fixes);
                        }
                    }
                    Err(e) => {
                        problems.push(format!("{}: {e}; that range is not evaluated", self.id))
                    }
                }
            }
            if listed || in_range {
                let fixed = fixes
                    .iter()
                    .filter(|(v, _)| gt(v, version) || v.partial_cmp(version).is_none())
                    .min_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal))
                    .map(|(_, t)| t.to_string());
                let h = hit.get_or_insert_with(Hit::default);
                if h.fixed.is_none() {
                    h.fixed = fixed;
                }
                if h.last_affected.is_none() {
                    h.last_affected = last.map(str::to_string);
                }
            }
        }
        hit
    }

    /// Every id this record is known by: its own and its aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// The record's severity for `key`: the highest CVSS v3 or v4 base score among its vectors (record
    /// level and the package's own); failing that the database's label; else unknown. Vectors
    /// that cannot be read are reported in `problems`.
    pub fn severity(&self, key: &PackageKey, problems: &mut Vec<String>) -> Rating {
        let entries = self.severity.iter().chain(
            self.affected
                .iter()
                .filter(|a| a.is_about(key))
                .flat_map(|a| a.severity.iter()),
        );
        let mut best: Option<(f64, String)> = None;
        for e in entries {
            let score = match e.kind.as_str() {
                "CVSS_V3" => cvss::score_v3(&e.score),
                "CVSS_V4" => cvss::score_v4(&e.score),
                _ => continue,
            };
            match score {
                Ok(s) => {
                    if best.as_ref().is_none_or_lower(s.base) {
                        best = Some((s.base, e.score.clone()));
                    }
                }
                Err(err) => problems.push(format!("{}: CVSS vector: {err}", self.id)),
            }
        }
        if let Some((score, vector)) = best {
            return (Severity::from_score(score), Some(score), Some(vector));
        }
        let label = self
            .database_specific
            .as_ref()
            .and_then(|d| d.severity.as_ref())
            .and_then(|v| v.as_str())
            .and_then(Severity::from_label);
        if let Some(level) = label {
            return (level, None, None);
        }
        (Severity::Unknown, None, None)
    }
}

/// `Option<&(f64, String)>` helper: true when empty or holding a lower score.
trait LowerScore {
    fn is_none_or_lower(&self, score: f64) -> bool;
}

impl LowerScore for Option<&(f64, String)> {
    fn is_none_or_lower(&self, score: f64) -> bool {
        self.is_none_or(|(b, _)| *b < score)
    }
}

/// The outcome of one range.
struct RangeResult<'a> {
    affected: bool,
    fixes: Vec<(Version, &'a str)>,
    last_affected: Option<&'a str>,
}

/// Evaluates a range as the OSV schema's "Evaluation" section describes: events sorted by
/// version, walked in order; `introduced` at or below the version turns affected on, `fixed` at
/// or below and `last_affected` below turn it off; with `limit` events the version must also be
/// below one of them.
fn eval_range<'a>(
    range: &'a Range,
    eco: Ecosystem,
    version: &Version,
) -> Result<RangeResult<'a>, String> {
    let mut events: Vec<(Version, &Event, &str)> = Vec::new();
    let mut limits = Vec::new();
    for e in &range.events {
        let text = e
            .introduced
            .as_deref()
            .or(e.fixed.as_deref())
            .or(e.last_affected.as_deref())
            .or(e.limit.as_deref())
            .ok_or("an event has none of introduced, fixed, last_affected, limit")?;
        if e.limit.is_some() {
            if text != "*" {
                limits.push(parse_event(&range.kind, eco, text)?);
            }
            continue;
        }
        let parsed = if e.introduced.as_deref() == Some("0") {
            None
        } else {
            Some(parse_event(&range.kind, eco, text)?)
        };
        match parsed {
            Some(v) => events.push((v, e, text)),
            None => events.insert(0, (version_floor(&range.kind, eco)?, e, text)),
        }
    }
    events.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
    let mut affected = false;
    let mut last_affected = None;
    let mut fixes = Vec::new();
    for (v, e, text) in &events {
        if e.introduced.is_some() {
            if e.introduced.as_deref() == Some("0") || ge(version, v) {
                affected = true;
            }
        } else if e.fixed.is_some() {
            fixes.push((v.clone(), *text));
            if ge(version, v) {
                affected = false;
            }
        } else if e.last_affected.is_some() {
            if gt(version, v) {
                affected = false;
            } else if affected {
                last_affected = Some(*text);
            }
        }
    }
    if affected && !limits.is_empty() && !limits.iter().any(|l| gt(l, version)) {
        affected = false;
    }
    Ok(RangeResult {
        affected,
        fixes,
        last_affected,
    })
}

/// The lowest version of an order, standing for `introduced: "0"` while sorting.
fn version_floor(kind: &str, eco: Ecosystem) -> Result<Version, String> {
    if kind == "SEMVER" {
        return SemVer::parse("0.0.0-0").map(Version::SemVer);
    }
    match eco {
        Ecosystem::PyPI => eco.parse("0.dev0"),
        Ecosystem::Npm | Ecosystem::CratesIo | Ecosystem::Go => eco.parse("0.0.0-0"),
        Ecosystem::Maven => eco.parse("0-alpha"),
        Ecosystem::RubyGems => eco.parse("0.a"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(v: serde_json::Value) -> Record {
        serde_json::from_value(v).unwrap()
    }

    fn check(r: &Record, eco: Ecosystem, name: &str, version: &str) -> Option<Hit> {
        let key = PackageKey {
            ecosystem: eco,
            name: name.into(),
        };
        let mut problems = Vec::new();
        let parsed = eco.parse(version).unwrap();
        let hit = r.affects(&key, version, &parsed, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        hit
    }

    fn fixed(v: &str) -> Option<Hit> {
        Some(Hit {
            fixed: Some(v.into()),
            last_affected: None,
        })
    }

    #[test]
    fn two_ranges_with_fixes_pick_the_next_fix() {
        // RUSTSEC-2021-0003 (smallvec): introduced 0.6.3 fixed 0.6.14, introduced 1.0.0 fixed 1.6.1.
        let r = record(
            json!({"id": "X", "affected": [{"package": {"ecosystem": "crates.io", "name": "smallvec"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0.6.3"}, {"fixed": "0.6.14"}, {"introduced": "1.0.0"}, {"fixed": "1.6.1"}]}]}]}),
        );
        let c = Ecosystem::CratesIo;
        assert_eq!(check(&r, c, "smallvec", "0.6.2"), None);
        assert_eq!(check(&r, c, "smallvec", "0.6.3"), fixed("0.6.14"));
        assert_eq!(check(&r, c, "smallvec", "0.6.14"), None);
        assert_eq!(check(&r, c, "smallvec", "1.6.0"), fixed("1.6.1"));
        assert_eq!(check(&r, c, "smallvec", "1.6.1"), None);
        assert_eq!(check(&r, c, "other", "1.6.0"), None);
    }

    #[test]
    fn last_affected_includes_the_named_version() {
        let r = record(
            json!({"id": "X", "affected": [{"package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"last_affected": "1.4"}]}]}]}),
        );
        let p = Ecosystem::PyPI;
        assert_eq!(check(&r, p, "foo-bar", "0.9"), None);
        assert_eq!(
            check(&r, p, "foo-bar", "1.4"),
            Some(Hit {
                fixed: None,
                last_affected: Some("1.4".into())
            })
        );
        assert_eq!(check(&r, p, "foo-bar", "1.4.post1"), None);
        // PEP 440 order: 1.0rc1 is before 1.0, so not affected.
        assert_eq!(check(&r, p, "foo-bar", "1.0rc1"), None);
    }

    #[test]
    fn explicit_versions_limit_and_withdrawn() {
        let r = record(
            json!({"id": "X", "affected": [{"package": {"ecosystem": "npm", "name": "x"},
            "versions": ["0.1.0"],
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"limit": "2.0.0"}]}]}]}),
        );
        let n = Ecosystem::Npm;
        assert!(check(&r, n, "x", "0.1.0").is_some());
        assert!(check(&r, n, "x", "1.5.0").is_some());
        assert_eq!(check(&r, n, "x", "2.0.0"), None);
        let mut w = r.clone();
        w.withdrawn = Some("2024-01-01T00:00:00Z".into());
        assert_eq!(check(&w, n, "x", "1.5.0"), None);
    }

    #[test]
    fn maven_and_go_use_their_orders() {
        let r = record(
            json!({"id": "X", "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}]}]}]}),
        );
        let m = Ecosystem::Maven;
        let name = "org.apache.logging.log4j:log4j-core";
        assert_eq!(check(&r, m, name, "2.14.1"), fixed("2.15.0"));
        assert_eq!(check(&r, m, name, "2.0-alpha1"), None);
        assert_eq!(check(&r, m, name, "2.0"), fixed("2.15.0"));
        let g = record(
            json!({"id": "GO", "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/text"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.7"}]}]}]}),
        );
        let go = Ecosystem::Go;
        assert_eq!(check(&g, go, "golang.org/x/text", "v0.3.6"), fixed("0.3.7"));
        assert_eq!(
            check(
                &g,
                go,
                "golang.org/x/text",
                "v0.3.7-0.20210503195748-5c7c50ebbd4f"
            ),
            fixed("0.3.7")
        );
        assert_eq!(check(&g, go, "golang.org/x/text", "v0.3.7"), None);
    }

    #[test]
    fn severity_prefers_the_computed_score_over_the_label() {
        let r = record(
            json!({"id": "X", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
            "database_specific": {"severity": "CRITICAL"}}),
        );
        let key = PackageKey {
            ecosystem: Ecosystem::Npm,
            name: "x".into(),
        };
        let mut p = Vec::new();
        assert_eq!(r.severity(&key, &mut p).0, Severity::High);
        let l = record(json!({"id": "X", "database_specific": {"severity": "MODERATE"}}));
        assert_eq!(l.severity(&key, &mut p).0, Severity::Medium);
        let none = record(json!({"id": "X"}));
        assert_eq!(none.severity(&key, &mut p).0, Severity::Unknown);
        assert!(p.is_empty());
    }
}
