//! CVSS base scores computed from the vector string, and the qualitative severity scale.
//! v3.0 and v3.1 follow the FIRST specification's formulas
//! (<https://www.first.org/cvss/v3.1/specification-document> §7.1 and Appendix A for Roundup).
//! CVSS v4.0 scores come from the MacroVector lookup table and the severity-distance refinement
//! of its specification (<https://www.first.org/cvss/v4.0/specification-document> §8), which
//! RustSec's `cvss` crate implements; relkit checks the vector's base metrics first, for the same
//! messages as v3's (issue 16).

use std::collections::BTreeMap;

/// The qualitative rating of a score (CVSS v3.1 §5), plus "unknown" when no vector could be
/// scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// 0.0.
    None,
    /// 0.1–3.9.
    Low,
    /// 4.0–6.9.
    Medium,
    /// 7.0–8.9.
    High,
    /// 9.0–10.0.
    Critical,
    /// No scorable vector and no usable label: fails every gate, because it may be anything.
    Unknown,
}

impl Severity {
    /// The rating of a base score.
    pub fn from_score(score: f64) -> Severity {
        if score <= 0.0 {
            Severity::None
        } else if score < 4.0 {
            Severity::Low
        } else if score < 7.0 {
            Severity::Medium
        } else if score < 9.0 {
            Severity::High
        } else {
            Severity::Critical
        }
    }

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
            Severity::Unknown => "unknown",
        }
    }

    /// The GitHub advisory label (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`) some databases put in
    /// `database_specific.severity`, used only when a record has no CVSS vector.
    pub fn from_label(label: &str) -> Option<Severity> {
        Some(match label.to_ascii_uppercase().as_str() {
            "LOW" => Severity::Low,
            "MODERATE" | "MEDIUM" => Severity::Medium,
            "HIGH" => Severity::High,
            "CRITICAL" => Severity::Critical,
            _ => return None,
        })
    }
}

/// A scored vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// The base score, 0.0–10.0.
    pub base: f64,
    /// `3.0`, `3.1` or `4.0`.
    pub version: &'static str,
}

/// Parses `CVSS:3.x/AV:N/...` into its metrics, checking that every base metric is there once.
fn metrics<'a>(
    vector: &'a str,
    base: &[(&str, &[&str])],
) -> Result<BTreeMap<&'a str, &'a str>, String> {
    let mut parts = vector.trim().split('/');
    parts.next();
    let mut map = BTreeMap::new();
    for part in parts {
        let (k, v) = part
            .split_once(':')
            .ok_or_else(|| format!("'{part}' is not METRIC:VALUE"))?;
        if map.insert(k, v).is_some() {
            return Err(format!("metric {k} appears twice"));
        }
    }
    for (name, values) in base {
        match map.get(name) {
            None => return Err(format!("base metric {name} is missing")),
            Some(v) if !values.contains(v) => {
                return Err(format!(
                    "{name}:{v} is not a valid value (one of {})",
                    values.join(", ")
                ))
            }
            Some(_) => {}
        }
    }
    Ok(map)
}

const V3_BASE: [(&str, &[&str]); 8] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
];

const V4_BASE: [(&str, &[&str]); 11] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
];

/// CVSS v3.1's Roundup: the smallest number with one decimal that is >= the input, computed on
/// integers so that floating-point noise (e.g. 4.000000001) does not round up a whole tenth.
fn roundup_31(x: f64) -> f64 {
    let int = (x * 100_000.0).round() as i64;
    if int % 10_000 == 0 {
        int as f64 / 100_000.0
    } else {
        ((int / 10_000) + 1) as f64 / 10.0
    }
}

/// CVSS v3.0's Roundup: ceiling to one decimal.
fn roundup_30(x: f64) -> f64 {
    (x * 10.0).ceil() / 10.0
}

/// The base score of a CVSS v3.0/v3.1 vector.
pub fn score_v3(vector: &str) -> Result<Score, String> {
    let version = if vector.starts_with("CVSS:3.1/") {
        "3.1"
    } else if vector.starts_with("CVSS:3.0/") {
        "3.0"
    } else {
        return Err(format!(
            "'{vector}' does not start with CVSS:3.0/ or CVSS:3.1/"
        ));
    };
    let m = metrics(vector, &V3_BASE)?;
    let get = |k: &str| m.get(k).copied().unwrap_or("");
    let changed = get("S") == "C";
    let av: f64 = match get("AV") {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        _ => 0.2,
    };
    let ac = if get("AC") == "L" { 0.77 } else { 0.44 };
    let pr = match (get("PR"), changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        (_, false) => 0.27,
        (_, true) => 0.5,
    };
    let ui = if get("UI") == "N" { 0.85 } else { 0.62 };
    let cia = |k: &str| -> f64 {
        match get(k) {
            "H" => 0.56,
            "L" => 0.22,
            _ => 0.0,
        }
    };
    let iss = 1.0 - (1.0 - cia("C")) * (1.0 - cia("I")) * (1.0 - cia("A"));
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    let roundup = if version == "3.1" {
        roundup_31
    } else {
        roundup_30
    };
    let base = if impact <= 0.0 {
        0.0
    } else if changed {
        roundup((1.08 * (impact + exploitability)).min(10.0))
    } else {
        roundup((impact + exploitability).min(10.0))
    };
    Ok(Score { base, version })
}

/// The CVSS-B (base) score of a CVSS v4.0 vector.
pub fn score_v4(vector: &str) -> Result<Score, String> {
    if !vector.starts_with("CVSS:4.0/") {
        return Err(format!("'{vector}' does not start with CVSS:4.0/"));
    }
    let map = metrics(vector, &V4_BASE)?;
    // The base score (CVSS-B) of the base metrics alone: threat and environmental metrics a
    // record may add would make it CVSS-BT/-BE, which is not what the severity scale rates.
    let base: String = std::iter::once("CVSS:4.0".to_string())
        .chain(
            V4_BASE
                .iter()
                .map(|(name, _)| format!("{name}:{}", map[name])),
        )
        .collect::<Vec<_>>()
        .join("/");
    let parsed: ::cvss::v4::Vector = base
        .parse()
        .map_err(|e| format!("'{vector}' is not a CVSS v4.0 vector: {e}"))?;
    Ok(Score {
        base: parsed.score().value(),
        version: "4.0",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v40_scores_match_the_first_calculator() {
        // Scores as published with each vector (FIRST's CVSS v4.0 calculator, GitHub advisories).
        for (vector, want) in [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                8.7,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N",
                8.7,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N",
                5.3,
            ),
            (
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                8.5,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                0.0,
            ),
            // Threat metrics are left out of the base score.
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
                9.3,
            ),
        ] {
            let got = score_v4(vector).unwrap();
            assert_eq!((got.base, got.version), (want, "4.0"), "{vector}");
        }
        assert!(
            score_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:X/SC:N/SI:N/SA:N").is_err()
        );
    }

    #[test]
    fn v31_scores_match_the_first_calculator() {
        // Scores as published with each vector (NVD / FIRST calculator).
        for (vector, want) in [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 5.9),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", 6.1),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N", 8.6),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N/E:P/RL:O", 6.4),
        ] {
            assert_eq!(score_v3(vector).unwrap().base, want, "{vector}");
        }
    }

    #[test]
    fn bad_vectors_say_why() {
        assert_eq!(
            score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H").unwrap_err(),
            "base metric A is missing"
        );
        assert_eq!(
            score_v3("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap_err(),
            "AV:X is not a valid value (one of N, A, L, P)"
        );
        assert!(score_v3("AV:N/AC:L/Au:N/C:P/I:P/A:P").is_err());
        assert!(
            score_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").is_ok()
        );
        assert!(score_v4("CVSS:4.0/AV:N").is_err());
    }

    #[test]
    fn ratings() {
        let r: Vec<Severity> = [0.0, 0.1, 3.9, 4.0, 6.9, 7.0, 8.9, 9.0, 10.0]
            .into_iter()
            .map(Severity::from_score)
            .collect();
        use Severity::*;
        assert_eq!(
            r,
            vec![None, Low, Low, Medium, Medium, High, High, Critical, Critical]
        );
        assert_eq!(Severity::from_label("MODERATE"), Some(Medium));
    }

    #[test]
    fn any_vector_scores_or_errs_without_panicking() {
        proptest::proptest!(|(s in "CVSS:3\\.[01]/([A-Z]{1,2}:[A-Z]/){0,10}")| {
            if let Ok(score) = score_v3(&s) {
                proptest::prop_assert!((0.0..=10.0).contains(&score.base));
            }
        });
    }
}
