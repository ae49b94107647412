//! Percentages in exact integer arithmetic, the tools' own headline numbers, and the gates.
//!
//! Every percentage is shown floored to hundredths and every threshold has at most two decimals,
//! so "actual ≥ min" on the exact fraction is the same as on the shown number: 69.995 % shows as
//! 69.99 and fails a 70 gate; no output ever says "70.00% < 70".

use serde::{Deserialize, Serialize};

use super::formats::Tool;
use super::model::Counts;

/// A percentage in hundredths (7250 = 72.50 %).
pub type Hundredths = u64;

/// Parses a threshold such as `70`, `72.5` or `72.55` into hundredths; more decimals, negative
/// numbers or more than 100 are refused (clap value parser).
pub fn parse_percent(s: &str) -> Result<Hundredths, String> {
    let t = s.trim().trim_end_matches('%');
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !(frac.is_empty() || digits(frac)) || frac.len() > 2 || int.len() > 3 {
        return Err(format!(
            "'{s}' is not a percentage with at most two decimals (e.g. 70 or 72.5)"
        ));
    }
    let int: u64 = int.parse().map_err(|_| format!("'{s}' is not a number"))?;
    let frac: u64 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    let value = int * 100 + frac;
    if value > 10_000 {
        return Err(format!("'{s}' is more than 100%"));
    }
    Ok(value)
}

/// `covered / total` in hundredths of a percent, floored; 100 % when there is nothing to cover.
pub fn floor_hundredths(c: Counts) -> Hundredths {
    if c.total == 0 {
        return 10_000;
    }
    let v = u128::from(c.covered.min(c.total)) * 10_000 / u128::from(c.total);
    v as u64
}

/// Hundredths as a JSON number (7250 → 72.5).
pub fn as_number(h: Hundredths) -> f64 {
    h as f64 / 100.0
}

/// Hundredths as text with two decimals (7250 → "72.50").
pub fn as_text(h: Hundredths) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

/// A tool's headline number, computed its way.
#[derive(Debug, Clone, PartialEq)]
pub struct Native {
    /// The tool's name as shown.
    pub tool: &'static str,
    /// The number as the tool prints it (e.g. "85.7").
    pub text: String,
    /// The same number in hundredths, for gating.
    pub hundredths: Hundredths,
}

/// Rounds like printf's `%.Nf` on the float the tools compute.
fn fixed(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

/// lcov and gcovr never print 100 % or 0 % for a fraction that is neither: the last digit is
/// pulled back (lcov's `rate()`, gcovr's `--decimal-places` rounding).
fn fixed_not_extreme(c: Counts, decimals: usize) -> String {
    let pc = 100.0 * c.covered as f64 / c.total as f64;
    let step = 10f64.powi(-(decimals as i32));
    let text = fixed(pc, decimals);
    if c.covered < c.total && text == fixed(100.0, decimals) {
        fixed(100.0 - step, decimals)
    } else if c.covered > 0 && text == fixed(0.0, decimals) {
        fixed(step, decimals)
    } else {
        text
    }
}

/// The headline of `tool` from the merged metrics.
pub fn native(tool: Tool, m: &Metrics) -> Option<Native> {
    let lines = m.lines.filter(|c| c.total > 0);
    let statements = m.statements.filter(|c| c.total > 0);
    let (name, text) = match tool {
        Tool::Lcov => ("lcov", fixed_not_extreme(lines?, 1)),
        Tool::Gcovr => {
            // gcovr's CoverageStat.percent: round(ratio * 100, 1), clamped to 99.9 unless all
            // is covered (no floor at 0.1, unlike lcov).
            let l = lines?;
            let text = if l.covered < l.total {
                fixed(pct(l), 1).replace("100.0", "99.9")
            } else {
                "100.0".to_string()
            };
            ("gcovr", text)
        }
        Tool::LlvmCov => ("llvm-cov", fixed(pct(lines?), 2)),
        Tool::Jacoco => {
            // The Total row of JaCoCo's HTML report: instruction coverage floored to a whole
            // percent (BigDecimal.valueOf(ratio).setScale(2, FLOOR); the same as the exact
            // integer floor for any counts a report can hold).
            let i = m.instructions.filter(|c| c.total > 0)?;
            let floor = u128::from(i.covered) * 100 / u128::from(i.total);
            ("jacoco", floor.to_string())
        }
        Tool::Go => ("go", fixed(pct(statements?), 1)),
        Tool::Istanbul => {
            let s = statements?;
            // istanbul-lib-coverage: Math.floor(1000 * 100 * covered / total / 10) / 100.
            let v = ((1000.0 * 100.0 * s.covered as f64) / s.total as f64 / 10.0).floor() / 100.0;
            ("istanbul", format!("{v:.2}"))
        }
        Tool::CoveragePy => {
            // coverage.py: (statements + branches) run / (statements + branches), whole percent,
            // pulled off 0 and 100 like lcov (Numbers.display_covered).
            let s = statements.or(lines)?;
            let b = m.branches.unwrap_or_default();
            let all = Counts {
                covered: s.covered + b.covered,
                total: s.total + b.total,
            };
            let pc = pct(all);
            let text = if 0.0 < pc && pc < 1.0 {
                "1".to_string()
            } else if 99.0 < pc && pc < 100.0 {
                "99".to_string()
            } else {
                format!("{}", pc.round_ties_even())
            };
            ("coverage.py", text)
        }
        Tool::Clover => {
            let s = m.statements.unwrap_or_default();
            let b = m.branches.unwrap_or_default();
            let f = m.functions.unwrap_or_default();
            let all = Counts {
                covered: s.covered + b.covered + f.covered,
                total: s.total + b.total + f.total,
            };
            if all.total == 0 {
                return None;
            }
            ("clover", fixed(pct(all), 2))
        }
        Tool::Unknown => return None,
    };
    let hundredths = parse_percent(&text).ok()?;
    Some(Native {
        tool: name,
        text,
        hundredths,
    })
}

fn pct(c: Counts) -> f64 {
    100.0 * c.covered as f64 / c.total as f64
}

/// Totals of the merged data, `None` where no input format has the metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    /// Lines.
    pub lines: Option<Counts>,
    /// Statements.
    pub statements: Option<Counts>,
    /// Branches.
    pub branches: Option<Counts>,
    /// Functions.
    pub functions: Option<Counts>,
    /// JaCoCo's instructions: only for its `native` headline, never gated nor kept in baselines.
    #[serde(skip)]
    pub instructions: Option<Counts>,
}

impl Metrics {
    /// The metric called `name`.
    pub fn get(&self, name: &str) -> Option<Counts> {
        match name {
            "lines" => self.lines,
            "statements" => self.statements,
            "branches" => self.branches,
            "functions" => self.functions,
            _ => None,
        }
    }
}

/// One evaluated gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gate {
    /// What was gated: `lines`, `branches`, `native`, `diff`, `file-lines`, `baseline:lines`, …
    pub metric: String,
    /// The threshold, in percent.
    #[serde(serialize_with = "ser_hundredths")]
    pub min: Hundredths,
    /// The measured value, in percent (floored to hundredths, or the tool's native number).
    #[serde(serialize_with = "ser_hundredths")]
    pub actual: Hundredths,
    /// Whether `actual >= min`.
    pub passed: bool,
}

fn ser_hundredths<S: serde::Serializer>(h: &Hundredths, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(as_number(*h))
}

impl Gate {
    /// A gate of `actual` against `min`.
    pub fn new(metric: impl Into<String>, min: Hundredths, actual: Hundredths) -> Self {
        Gate {
            metric: metric.into(),
            min,
            actual,
            passed: actual >= min,
        }
    }
}

/// The file `--write-baseline` writes and `--baseline` reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Baseline {
    /// Always `coverage-gate-baseline/1`.
    pub schema: String,
    /// Covered and total counts per metric.
    pub metrics: Metrics,
}

/// The schema name of baseline files.
pub const BASELINE_SCHEMA: &str = "coverage-gate-baseline/1";

/// Ratchet gates: each metric present in both may drop by at most `max_drop` from the
/// baseline's shown percentage.
pub fn ratchet(baseline: &Metrics, now: &Metrics, max_drop: Hundredths) -> Vec<Gate> {
    ["lines", "statements", "branches", "functions"]
        .iter()
        .filter_map(|name| {
            let (b, n) = (baseline.get(name)?, now.get(name)?);
            let min = floor_hundredths(b).saturating_sub(max_drop);
            Some(Gate::new(
                format!("baseline:{name}"),
                min,
                floor_hundredths(n),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::coverage::model::counts as c;

    #[test]
    fn parses_thresholds_exactly() {
        assert_eq!(parse_percent("70"), Ok(7000));
        assert_eq!(parse_percent("72.5"), Ok(7250));
        assert_eq!(parse_percent("72.55"), Ok(7255));
        assert_eq!(parse_percent("100"), Ok(10_000));
        assert!(parse_percent("72.555").is_err());
        assert!(parse_percent("101").is_err());
        assert!(parse_percent("-1").is_err());
        assert!(parse_percent("abc").is_err());
    }

    #[test]
    fn no_float_surprises() {
        // 69.995 % is not 70 %.
        let c = c(13_999, 20_000);
        assert_eq!(floor_hundredths(c), 6999);
        let g = Gate::new("lines", 7000, floor_hundredths(c));
        assert!(!g.passed);
        assert_eq!(as_text(g.actual), "69.99");
        assert!(Gate::new("lines", 7000, floor_hundredths(self::c(7, 10))).passed);
        assert_eq!(floor_hundredths(self::c(0, 0)), 10_000);
        assert_eq!(floor_hundredths(self::c(u64::MAX, u64::MAX)), 10_000);
    }

    #[test]
    fn native_numbers_follow_each_tool() {
        let m = Metrics {
            lines: Some(c(999, 1000)),
            statements: Some(c(2, 3)),
            branches: Some(c(1, 2)),
            functions: None,
            instructions: Some(c(199, 200)),
        };
        assert_eq!(native(Tool::Lcov, &m).unwrap().text, "99.9");
        // JaCoCo floors: 99.5 % is 99 %, and no instructions means no headline.
        assert_eq!(native(Tool::Jacoco, &m).unwrap().text, "99");
        assert_eq!(native(Tool::Jacoco, &Metrics::default()), None);
        assert_eq!(native(Tool::Gcovr, &m).unwrap().text, "99.9");
        let tiny = Metrics {
            lines: Some(c(1, 10_000)),
            ..Metrics::default()
        };
        assert_eq!(native(Tool::Lcov, &tiny).unwrap().text, "0.1");
        assert_eq!(native(Tool::Gcovr, &tiny).unwrap().text, "0.0");
        // Ties round to even, like Python's round() and Go's and C's printf.
        assert_eq!(fixed(12.25, 1), "12.2");
        assert_eq!(fixed(12.75, 1), "12.8");
        assert_eq!(native(Tool::Istanbul, &m).unwrap().text, "66.66");
        assert_eq!(native(Tool::Go, &m).unwrap().text, "66.7");
        assert_eq!(native(Tool::CoveragePy, &m).unwrap().text, "60");
        assert_eq!(native(Tool::Unknown, &m), None);
    }

    #[test]
    fn ratchet_allows_the_drop() {
        let base = Metrics {
            lines: Some(c(80, 100)),
            ..Metrics::default()
        };
        let now = Metrics {
            lines: Some(c(79, 100)),
            branches: Some(c(1, 2)),
            ..Metrics::default()
        };
        assert_eq!(
            ratchet(&base, &now, 100),
            vec![Gate::new("baseline:lines", 7900, 7900)]
        );
        assert!(!ratchet(&base, &now, 50)[0].passed);
    }
}
