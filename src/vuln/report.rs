//! Findings (one per component and vulnerability, aliases merged) and the documents made of them:
//! the table, the `--json` report, SARIF 2.1.0 for code scanning, a CycloneDX VDR/VEX document,
//! and the job summary.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{json, Value};

use super::cvss::Severity;
use super::input::{Component, Unchecked};
use super::osv::Record;
use crate::output::{Align, Table};

/// One vulnerability in one component, with every record that describes it merged.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The id shown (a record's own id, GHSA preferred).
    pub id: String,
    /// Every other id: the other records' ids and all aliases, sorted.
    pub aliases: Vec<String>,
    /// The component's purl.
    pub purl: String,
    /// OSV ecosystem.
    pub ecosystem: &'static str,
    /// OSV package name.
    pub package: String,
    /// The installed version.
    pub version: String,
    /// The rating.
    pub severity: Severity,
    /// The CVSS base score it comes from, when computed.
    pub score: Option<f64>,
    /// That vector.
    pub vector: Option<String>,
    /// The version to upgrade to (lowest fixed version above the installed one that clears every
    /// merged record), or none.
    pub fixed: Option<String>,
    /// When no fix exists: the last affected version a record names.
    pub last_affected: Option<String>,
    /// One-line summary.
    pub summary: String,
    /// The input file declaring the component.
    pub source: String,
    /// Its line there, when known.
    pub line: Option<usize>,
    /// Why it is accepted (ignore file or VEX), when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
}

/// A record that hits a component, how, and its rating.
pub type RatedHit<'a> = (&'a Record, super::osv::Hit, super::osv::Rating);

/// Merged hits of one component: records linked by shared ids become one finding.
pub struct Group<'a> {
    /// The records, with their hit.
    pub records: Vec<RatedHit<'a>>,
}

/// Groups records hitting one component by shared ids (union-find over id and aliases).
pub fn group<'a>(hits: Vec<RatedHit<'a>>) -> Vec<Group<'a>> {
    let mut parent: Vec<usize> = (0..hits.len()).collect();
    fn find(p: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (r, _, _)) in hits.iter().enumerate() {
        for id in r.ids() {
            match owner.get(id) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    owner.insert(id, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..hits.len() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut slots: Vec<Option<_>> = hits.into_iter().map(Some).collect();
    groups
        .into_values()
        .map(|members| Group {
            records: members
                .into_iter()
                .filter_map(|i| slots[i].take())
                .collect(),
        })
        .collect()
}

/// Orders versions as text with numbers compared numerically, for picking the highest fix among
/// merged records when they are not all parseable in one order.
fn pick_highest(fixes: &[(super::version::Version, String)]) -> Option<String> {
    let mut best: Option<&(super::version::Version, String)> = None;
    for f in fixes {
        if best.is_none_or_less(&f.0) {
            best = Some(f);
        }
    }
    best.map(|(_, t)| t.clone())
}

trait LessThan {
    fn is_none_or_less(&self, v: &super::version::Version) -> bool;
}

impl LessThan for Option<&(super::version::Version, String)> {
    fn is_none_or_less(&self, v: &super::version::Version) -> bool {
        match self {
            None => true,
            Some((b, _)) => b.partial_cmp(v) == Some(std::cmp::Ordering::Less),
        }
    }
}

impl Group<'_> {
    /// The finding of this group for `component`.
    pub fn finding(&self, component: &Component) -> Finding {
        let key = component.key.as_ref();
        let mut own: Vec<&str> = self.records.iter().map(|(r, _, _)| r.id.as_str()).collect();
        own.sort_by_key(|id| (!id.starts_with("GHSA-"), id.starts_with("CVE-"), *id));
        let id = own.first().copied().unwrap_or_default().to_string();
        let aliases: BTreeSet<String> = self
            .records
            .iter()
            .flat_map(|(r, _, _)| r.ids())
            .filter(|i| *i != id)
            .map(str::to_string)
            .collect();
        let best = self.records.iter().map(|(_, _, s)| s).max_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
        });
        // Known severities beat unknown: one record's vector tells more than another's silence.
        let known = self
            .records
            .iter()
            .map(|(_, _, s)| s)
            .filter(|s| s.0 != Severity::Unknown)
            .max_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
            });
        let (severity, score, vector) =
            known
                .or(best)
                .cloned()
                .unwrap_or((Severity::Unknown, None, None));
        let fixes: Vec<(super::version::Version, String)> = self
            .records
            .iter()
            .filter_map(|(_, h, _)| h.fixed.clone())
            .filter_map(|f| {
                let v = key?.ecosystem.parse(&f).ok()?;
                Some((v, f))
            })
            .collect();
        let fixed = if self.records.iter().all(|(_, h, _)| h.fixed.is_some()) {
            pick_highest(&fixes)
        } else {
            None
        };
        let last_affected = self
            .records
            .iter()
            .find_map(|(_, h, _)| h.last_affected.clone());
        let summary = self
            .records
            .iter()
            .find_map(|(r, _, _)| r.summary.clone().filter(|s| !s.trim().is_empty()))
            .or_else(|| {
                self.records.iter().find_map(|(r, _, _)| {
                    r.details
                        .as_ref()
                        .and_then(|d| d.lines().next())
                        .map(str::to_string)
                })
            })
            .unwrap_or_default();
        Finding {
            id,
            aliases: aliases.into_iter().collect(),
            purl: component.purl.clone(),
            ecosystem: key.map_or("", |k| k.ecosystem.osv_name()),
            package: key.map_or(String::new(), |k| k.name.clone()),
            version: component.version.clone().unwrap_or_default(),
            severity,
            score,
            vector,
            fixed,
            last_affected,
            summary,
            source: component.source.clone(),
            line: component.line,
            ignored: None,
        }
    }
}

/// The human table.
pub fn table(findings: &[&Finding]) -> String {
    let mut t = Table::new(&[
        ("SEVERITY", Align::Left),
        ("ID", Align::Left),
        ("PACKAGE", Align::Left),
        ("VERSION", Align::Left),
        ("FIXED IN", Align::Left),
        ("SUMMARY", Align::Left),
    ]);
    for f in findings {
        let sev = match f.score {
            Some(s) => format!("{} {s:.1}", f.severity.name()),
            None => f.severity.name().to_string(),
        };
        t.row([
            sev,
            f.id.clone(),
            format!("{} ({})", f.package, f.ecosystem),
            f.version.clone(),
            fix_text(f),
            f.summary.chars().take(70).collect::<String>(),
        ]);
    }
    t.to_text()
}

/// The fix column: the version, or why there is none.
pub fn fix_text(f: &Finding) -> String {
    match (&f.fixed, &f.last_affected) {
        (Some(v), _) => v.clone(),
        (None, Some(l)) => format!("none (last affected {l})"),
        (None, None) => "none".into(),
    }
}

/// Counts by severity, every level present (zeros included).
pub fn counts(findings: &[&Finding]) -> BTreeMap<&'static str, usize> {
    let mut c: BTreeMap<&'static str, usize> = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::None,
        Severity::Unknown,
    ]
    .into_iter()
    .map(|s| (s.name(), 0))
    .collect();
    for f in findings {
        *c.entry(f.severity.name()).or_default() += 1;
    }
    c
}

/// The SARIF 2.1.0 log (<https://docs.oasis-open.org/sarif/sarif/v2.1.0/>): one rule per
/// vulnerability id, one result per finding, located on the line declaring the package.
pub fn sarif(findings: &[&Finding], records: &BTreeMap<String, &Record>) -> Value {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for f in findings {
        rules.entry(f.id.as_str()).or_insert_with(|| {
            let help = records
                .get(&f.id)
                .and_then(|r| r.details.clone())
                .unwrap_or_else(|| f.summary.clone());
            let mut rule = json!({
                "id": f.id,
                "shortDescription": {"text": if f.summary.is_empty() { f.id.clone() } else { f.summary.clone() }},
                "fullDescription": {"text": help},
                "helpUri": format!("https://osv.dev/vulnerability/{}", f.id),
                "properties": {"tags": ["security", "vulnerability"]},
            });
            if let Some(score) = f.score {
                // GitHub code scanning reads this to rank security alerts.
                rule["properties"]["security-severity"] = json!(format!("{score:.1}"));
            }
            rule
        });
    }
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let level = match f.severity {
                Severity::Critical | Severity::High | Severity::Unknown => "error",
                Severity::Medium => "warning",
                _ => "note",
            };
            let mut region = json!({});
            if let Some(line) = f.line {
                region = json!({"startLine": line});
            }
            let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": f.source}}});
            if f.line.is_some() {
                location["physicalLocation"]["region"] = region;
            }
            json!({
                "ruleId": f.id,
                "level": level,
                "message": {"text": format!(
                    "{} {} is affected by {} ({}{}); upgrade to {}",
                    f.package, f.version, f.id, f.severity.name(),
                    f.score.map(|s| format!(" {s:.1}")).unwrap_or_default(),
                    fix_text(f)
                )},
                "locations": [location],
                "partialFingerprints": {"vulnerability/package": format!("{}/{}@{}", f.id, f.package, f.version)},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "relkit vuln-check",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/relkit/relkit",
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}

/// A CycloneDX 1.6 VDR: every finding as a vulnerability affecting its component, with its
/// rating, fix advice and, for accepted ones, the analysis that accepted it.
pub fn vdr(findings: &[&Finding], timestamp: &str) -> Value {
    let mut components: BTreeMap<&str, Value> = BTreeMap::new();
    let mut by_id: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        components.entry(f.purl.as_str()).or_insert_with(|| {
            json!({"type": "library", "bom-ref": f.purl, "name": f.package, "version": f.version, "purl": f.purl})
        });
        by_id.entry(f.id.as_str()).or_default().push(f);
    }
    let vulns: Vec<Value> = by_id
        .into_iter()
        .map(|(id, fs)| {
            let f = fs[0];
            let mut v = json!({
                "bom-ref": format!("vuln-{id}"),
                "id": id,
                "source": {"name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}")},
                "description": f.summary,
                "affects": fs.iter().map(|f| json!({"ref": f.purl})).collect::<Vec<_>>(),
            });
            if !f.aliases.is_empty() {
                v["references"] = json!(f
                    .aliases
                    .iter()
                    .map(|a| json!({"id": a, "source": {"name": "OSV"}}))
                    .collect::<Vec<_>>());
            }
            let sev = match f.severity {
                Severity::Unknown => "unknown",
                s => s.name(),
            };
            let mut rating = json!({"severity": sev});
            if let (Some(score), Some(vector)) = (f.score, &f.vector) {
                rating["score"] = json!(score);
                rating["vector"] = json!(vector);
                rating["method"] = json!(if vector.starts_with("CVSS:3.0") {
                    "CVSSv3"
                } else {
                    "CVSSv31"
                });
            }
            v["ratings"] = json!([rating]);
            let fixes: Vec<String> = fs
                .iter()
                .map(|f| format!("{}: upgrade to {}", f.purl, fix_text(f)))
                .collect();
            v["recommendation"] = json!(fixes.join("; "));
            if let Some(reason) = &f.ignored {
                v["analysis"] = json!({"state": "not_affected", "detail": reason});
            } else {
                v["analysis"] = json!({"state": "exploitable"});
            }
            v
        })
        .collect();
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": {"components": [{"type": "application", "name": "relkit vuln-check", "version": env!("CARGO_PKG_VERSION")}]},
        },
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulns,
    })
}

/// The job summary.
pub fn summary(
    findings: &[&Finding],
    ignored: usize,
    unchecked: &[Unchecked],
    components: usize,
    failed: bool,
) -> String {
    let mut md = format!(
        "### vuln-check: {}\n\n{} component(s) checked, {} finding(s), {} accepted, {} not checkable.\n\n",
        if failed { "failed" } else { "passed" },
        components,
        findings.len(),
        ignored,
        unchecked.len()
    );
    if !findings.is_empty() {
        let mut t = Table::new(&[
            ("Severity", Align::Left),
            ("ID", Align::Left),
            ("Package", Align::Left),
            ("Version", Align::Left),
            ("Fixed in", Align::Left),
            ("Summary", Align::Left),
        ]);
        for f in findings {
            t.row([
                f.severity.name().to_string(),
                format!("[{}](https://osv.dev/vulnerability/{})", f.id, f.id),
                f.package.clone(),
                f.version.clone(),
                fix_text(f),
                f.summary.clone(),
            ]);
        }
        md.push_str(&t.to_markdown());
    }
    md
}
