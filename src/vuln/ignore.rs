//! Accepted vulnerabilities: `.vuln-ignore.toml` entries (id, reason, optional expiry date) and
//! CycloneDX VEX statements (`not_affected` with a justification, or `false_positive`).

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::Error;

/// One `[[ignore]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreEntry {
    /// The vulnerability id or any of its aliases.
    pub id: String,
    /// Why it is accepted; required.
    pub reason: String,
    /// The last day the ignore applies (`YYYY-MM-DD`); after it the run fails.
    #[serde(default)]
    pub expires: Option<toml::value::Datetime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreFile {
    #[serde(default)]
    ignore: Vec<IgnoreEntry>,
}

/// Reads an ignore file.
pub fn read_ignore_file(path: &Path) -> Result<Vec<IgnoreEntry>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        Error::File(crate::exit::FileError::Read {
            path: path.display().to_string(),
            source,
        })
    })?;
    let file: IgnoreFile = toml::from_str(&text).map_err(|e| {
        let m = crate::lockfile::model::Malformed::toml(&text, &e);
        Error::Malformed {
            path: path.display().to_string(),
            line: m.line,
            reason: m.reason,
            hint: "each entry is [[ignore]] with id = \"…\", reason = \"…\" and optionally expires = 2026-12-31",
        }
    })?;
    for entry in &file.ignore {
        if entry.reason.trim().is_empty() {
            return Err(Error::Malformed {
                path: path.display().to_string(),
                line: None,
                reason: format!("the ignore of {} has an empty reason", entry.id),
                hint: "say why the vulnerability does not apply",
            });
        }
        if let Some(d) = &entry.expires {
            if d.date.is_none() || d.time.is_some() {
                return Err(Error::Malformed {
                    path: path.display().to_string(),
                    line: None,
                    reason: format!("the ignore of {}: expires = {d} is not a date", entry.id),
                    hint: "write expires = YYYY-MM-DD",
                });
            }
        }
    }
    Ok(file.ignore)
}

/// Today's date (UTC) as `(year, month, day)`.
pub fn today() -> (i64, u8, u8) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    civil_from_days(secs.div_euclid(86_400))
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl IgnoreEntry {
    /// Whether the expiry date is in the past.
    pub fn expired(&self, today: (i64, u8, u8)) -> bool {
        match self.expires.as_ref().and_then(|d| d.date) {
            Some(d) => (i64::from(d.year), d.month, d.day) < today,
            None => false,
        }
    }
}

/// One VEX statement that suppresses a vulnerability.
#[derive(Debug, Clone)]
pub struct VexStatement {
    /// The vulnerability id.
    pub id: String,
    /// `not_affected` or `false_positive`.
    pub state: String,
    /// The CycloneDX justification (`code_not_reachable`, …), or the detail text.
    pub justification: String,
    /// The components it is about (bom-refs or purls); empty means every component.
    pub refs: Vec<String>,
    /// The VEX file.
    pub source: String,
}

/// Reads the suppressing statements of a CycloneDX VEX document.
pub fn read_vex(path: &Path) -> Result<Vec<VexStatement>, Error> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::File(crate::exit::FileError::Read {
            path: source.clone(),
            source: e,
        })
    })?;
    let bad = |line: Option<usize>, reason: String| Error::Malformed {
        path: source.clone(),
        line,
        reason,
        hint: "pass a CycloneDX VEX document (JSON, with a vulnerabilities array)",
    };
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| bad(Some(e.line()), format!("not JSON ({e})")))?;
    if doc.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(bad(None, "not a CycloneDX document".into()));
    }
    // bom-refs of the VEX document's own components resolve to their purls.
    let mut refs = std::collections::HashMap::new();
    if let Some(list) = doc.get("components").and_then(Value::as_array) {
        for c in list {
            if let (Some(r), Some(p)) = (
                c.get("bom-ref").and_then(Value::as_str),
                c.get("purl").and_then(Value::as_str),
            ) {
                refs.insert(r.to_string(), p.to_string());
            }
        }
    }
    let mut out = Vec::new();
    let Some(vulns) = doc.get("vulnerabilities").and_then(Value::as_array) else {
        return Err(bad(None, "no \"vulnerabilities\" array".into()));
    };
    for v in vulns {
        let Some(id) = v.get("id").and_then(Value::as_str) else {
            return Err(bad(None, "a vulnerability has no id".into()));
        };
        let analysis = v.get("analysis");
        let state = analysis
            .and_then(|a| a.get("state"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if state != "not_affected" && state != "false_positive" {
            continue;
        }
        let justification = analysis
            .and_then(|a| a.get("justification").and_then(Value::as_str))
            .or_else(|| analysis.and_then(|a| a.get("detail").and_then(Value::as_str)))
            .unwrap_or("");
        if state == "not_affected" && justification.trim().is_empty() {
            return Err(bad(
                None,
                format!("{id} is not_affected without a justification"),
            ));
        }
        let targets = v
            .get("affects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.get("ref").and_then(Value::as_str))
            .map(|r| {
                // A BOM-Link (urn:cdx:serial/version#ref) points at a bom-ref of another BOM.
                let r = r
                    .rsplit_once('#')
                    .filter(|_| r.starts_with("urn:cdx:"))
                    .map_or(r, |(_, f)| f);
                refs.get(r).cloned().unwrap_or_else(|| r.to_string())
            })
            .collect();
        out.push(VexStatement {
            id: id.to_string(),
            state: state.to_string(),
            justification: justification.to_string(),
            refs: targets,
            source: source.clone(),
        });
    }
    Ok(out)
}

/// A purl without qualifiers and subpath, for comparing references.
pub fn bare_purl(p: &str) -> &str {
    let p = p.split_once('#').map_or(p, |(a, _)| a);
    p.split_once('?').map_or(p, |(a, _)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
    }
}
