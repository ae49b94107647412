//! What `coverage-gate` shows: the human table, the `--json` document, the Actions job summary,
//! annotations and outputs, and the SVG badge.

use std::fmt::Write as _;

use serde::Serialize;

use super::diff::DiffCoverage;
use super::gates::{self, as_text, floor_hundredths, Gate, Hundredths, Metrics, Native};
use super::model::{Counts, Coverage, Numbers};
use crate::gha::{Annotation, Gha, Level};
use crate::output::{Align, Style, Table};

/// GitHub shows at most this many annotations of one kind per step.
const MAX_ANNOTATIONS: usize = 10;

/// GitHub refuses job summaries over 1 MiB; stay well below.
const SUMMARY_BUDGET: usize = 900 * 1024;

/// Everything a run found, ready to be shown.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Input formats, in order of appearance.
    pub formats: Vec<&'static str>,
    /// Number of files after merging and filtering.
    pub files: usize,
    /// Totals.
    pub metrics: Metrics,
    /// Where the totals come from.
    pub numbers: Numbers,
    /// The producing tool's headline, when all inputs come from one tool.
    pub native: Option<Native>,
    /// The merge base and the diff coverage, when asked for.
    pub diff: Option<(String, DiffCoverage)>,
    /// Evaluated gates.
    pub gates: Vec<Gate>,
    /// True when every gate passed.
    pub passed: bool,
    /// Files under --min-file-lines.
    pub failing_files: Vec<(String, Hundredths)>,
}

/// One metric in the `--json` document.
#[derive(Debug, Clone, Serialize)]
pub struct MetricJson {
    /// Covered items.
    pub covered: u64,
    /// All items.
    pub total: u64,
    /// Percent, floored to hundredths.
    pub percent: f64,
}

fn counts_json(c: Option<Counts>) -> Option<MetricJson> {
    c.map(|c| MetricJson {
        covered: c.covered,
        total: c.total,
        percent: gates::as_number(floor_hundredths(c)),
    })
}

/// The `native` member of the `--json` document.
#[derive(Debug, Clone, Serialize)]
pub struct NativeJson {
    /// The tool.
    pub tool: &'static str,
    /// Its headline number.
    pub percent: f64,
}

/// The `diff` member of the `--json` document.
#[derive(Debug, Clone, Serialize)]
pub struct DiffJson {
    /// The merge-base commit.
    pub base: String,
    /// Changed coverable lines.
    pub lines: Option<MetricJson>,
    /// Uncovered changed lines.
    pub uncovered: Vec<super::diff::Uncovered>,
}

/// The `--json` document, members in the order issue 7 lists them.
#[derive(Debug, Clone, Serialize)]
pub struct Json {
    /// Input formats.
    pub format: Vec<&'static str>,
    /// Number of files.
    pub files: usize,
    /// Lines.
    pub lines: Option<MetricJson>,
    /// Statements.
    pub statements: Option<MetricJson>,
    /// Branches.
    pub branches: Option<MetricJson>,
    /// Functions.
    pub functions: Option<MetricJson>,
    /// Where the totals come from: the tool's own summary or the records, and why.
    pub numbers: Numbers,
    /// The producing tool's headline.
    pub native: Option<NativeJson>,
    /// Diff coverage.
    pub diff: Option<DiffJson>,
    /// Evaluated gates.
    pub gates: Vec<Gate>,
    /// True when every gate passed.
    pub passed: bool,
}

impl Outcome {
    /// The `--json` document (shape fixed by issue 7).
    pub fn json(&self) -> Json {
        let m = &self.metrics;
        Json {
            format: self.formats.clone(),
            files: self.files,
            lines: counts_json(m.lines),
            statements: counts_json(m.statements),
            branches: counts_json(m.branches),
            functions: counts_json(m.functions),
            numbers: self.numbers.clone(),
            native: self.native.as_ref().map(|n| NativeJson {
                tool: n.tool,
                percent: gates::as_number(n.hundredths),
            }),
            diff: self.diff.as_ref().map(|(base, d)| DiffJson {
                base: base.clone(),
                lines: counts_json(Some(d.lines)),
                uncovered: d.uncovered.clone(),
            }),
            gates: self.gates.clone(),
            passed: self.passed,
        }
    }

    fn gate(&self, metric: &str) -> Option<&Gate> {
        self.gates.iter().find(|g| g.metric == metric)
    }
}

fn percent_cell(c: Counts) -> String {
    format!("{}%", as_text(floor_hundredths(c)))
}

fn ranges_text(ranges: &[[u32; 2]]) -> String {
    ranges
        .iter()
        .map(|[a, b]| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn totals_table(o: &Outcome, style: Option<&Style>) -> Table {
    let mut t = Table::new(&[
        ("metric", Align::Left),
        ("covered", Align::Right),
        ("total", Align::Right),
        ("percent", Align::Right),
        ("min", Align::Right),
        ("", Align::Left),
    ]);
    let verdict = |g: &Gate| {
        let word = if g.passed { "ok" } else { "FAIL" };
        match style {
            Some(s) if g.passed => s.ok(word),
            Some(s) => s.bad(word),
            None => word.to_string(),
        }
    };
    for name in ["lines", "statements", "branches", "functions"] {
        let Some(c) = o.metrics.get(name) else {
            continue;
        };
        let (min, v) = match o.gate(name) {
            Some(g) => (format!("{}%", as_text(g.min)), verdict(g)),
            None => (String::new(), String::new()),
        };
        t.row([
            name.to_string(),
            c.covered.to_string(),
            c.total.to_string(),
            percent_cell(c),
            min,
            v,
        ]);
    }
    if let Some((_, d)) = &o.diff {
        let (min, v) = match o.gate("diff") {
            Some(g) => (format!("{}%", as_text(g.min)), verdict(g)),
            None => (String::new(), String::new()),
        };
        t.row([
            "changed lines".to_string(),
            d.lines.covered.to_string(),
            d.lines.total.to_string(),
            percent_cell(d.lines),
            min,
            v,
        ]);
    }
    for g in &o.gates {
        if matches!(
            g.metric.as_str(),
            "lines" | "statements" | "branches" | "functions" | "diff"
        ) {
            continue;
        }
        let label = match (g.metric.as_str(), &o.native) {
            ("native", Some(n)) => format!("native ({})", n.tool),
            ("file-lines", _) => "lines, worst file".to_string(),
            (m, _) => m.to_string(),
        };
        t.row([
            label,
            String::new(),
            String::new(),
            format!("{}%", as_text(g.actual)),
            format!("{}%", as_text(g.min)),
            verdict(g),
        ]);
    }
    t
}

/// Files with the lowest line coverage, worst first.
fn worst_files(cov: &Coverage, n: usize) -> Vec<(&String, Counts)> {
    let mut files: Vec<(&String, Counts)> = cov
        .files
        .iter()
        .map(|(p, f)| (p, f.line_counts()))
        .filter(|(_, c)| c.total > 0 && c.covered < c.total)
        .collect();
    files.sort_by(|a, b| {
        floor_hundredths(a.1)
            .cmp(&floor_hundredths(b.1))
            .then(b.1.total.cmp(&a.1.total))
            .then(a.0.cmp(b.0))
    });
    files.truncate(n);
    files
}

/// The human report.
pub fn human(o: &Outcome, cov: &Coverage, worst: usize, style: &Style) -> String {
    let mut out = String::new();
    let plural = if o.files == 1 { "" } else { "s" };
    let formats = o.formats.join(", ");
    let _ = writeln!(
        out,
        "coverage-gate: {} file{plural} from {formats}",
        o.files
    );
    out.push('\n');
    out.push_str(&totals_table(o, Some(style)).to_text());
    if let Some(n) = &o.native {
        let _ = writeln!(out, "\nnative ({}): {}%", n.tool, n.text);
    }
    let files = worst_files(cov, worst);
    if !files.is_empty() {
        let _ = writeln!(out, "\nleast covered files (lines):");
        let mut t = Table::new(&[
            ("file", Align::Left),
            ("covered", Align::Right),
            ("total", Align::Right),
            ("percent", Align::Right),
        ]);
        for (p, c) in files {
            t.row([
                p.clone(),
                c.covered.to_string(),
                c.total.to_string(),
                percent_cell(c),
            ]);
        }
        out.push_str(&t.to_text());
    }
    if !o.failing_files.is_empty() {
        let _ = writeln!(out, "\nfiles under --min-file-lines:");
        for (p, h) in &o.failing_files {
            let _ = writeln!(out, "  {p}: {}%", as_text(*h));
        }
    }
    if let Some((base, d)) = &o.diff {
        let short = &base[..base.len().min(12)];
        let _ = writeln!(
            out,
            "\ndiff coverage since {short}: {}/{} changed lines covered ({})",
            d.lines.covered,
            d.lines.total,
            percent_cell(d.lines)
        );
        for u in &d.uncovered {
            let _ = writeln!(out, "  {}: {}", u.file, ranges_text(&u.lines));
        }
    }
    let verdict = if o.passed {
        style.ok("passed")
    } else {
        style.bad("FAILED")
    };
    let failed = o.gates.iter().filter(|g| !g.passed).count();
    let _ = writeln!(
        out,
        "\n{verdict}: {} of {} gates passed",
        o.gates.len() - failed,
        o.gates.len()
    );
    out
}

/// The Markdown job summary, kept under GitHub's 1 MiB limit.
pub fn summary(o: &Outcome, cov: &Coverage, overflow: &[(String, [u32; 2])]) -> String {
    let mut md = String::new();
    let icon = if o.passed { "✅" } else { "❌" };
    let _ = writeln!(md, "### {icon} Coverage ({})\n", o.formats.join(", "));
    md.push_str(&totals_table(o, None).to_markdown());
    if let Some(n) = &o.native {
        let _ = writeln!(md, "\nNative headline ({}): **{}%**", n.tool, n.text);
    }
    if let Some((base, d)) = &o.diff {
        let _ = writeln!(
            md,
            "\n#### Changed lines since `{}`: {}/{} covered ({})\n",
            &base[..base.len().min(12)],
            d.lines.covered,
            d.lines.total,
            percent_cell(d.lines)
        );
        let mut t = Table::new(&[
            ("file", Align::Left),
            ("uncovered changed lines", Align::Left),
        ]);
        for u in &d.uncovered {
            t.row([format!("`{}`", u.file), ranges_text(&u.lines)]);
        }
        if !t.is_empty() {
            md.push_str(&t.to_markdown());
        }
        if !overflow.is_empty() {
            let _ = writeln!(md, "\n{} more uncovered ranges than GitHub shows as annotations; all are listed above.", overflow.len());
        }
    }
    let _ = writeln!(md, "\n<details><summary>{} files</summary>\n", o.files);
    let mut t = Table::new(&[
        ("file", Align::Left),
        ("lines", Align::Right),
        ("branches", Align::Right),
        ("functions", Align::Right),
    ]);
    let mut size = md.len();
    let mut cut = 0;
    for (path, f) in cov.sorted() {
        let cell = |c: Counts| {
            if c.total == 0 {
                "–".to_string()
            } else {
                format!("{} ({}/{})", percent_cell(c), c.covered, c.total)
            }
        };
        let row = [
            format!("`{path}`"),
            cell(f.line_counts()),
            cell(f.branch_counts()),
            cell(f.function_counts()),
        ];
        let len: usize = row.iter().map(|c| c.len() + 3).sum();
        if size + len > SUMMARY_BUDGET {
            cut += 1;
            continue;
        }
        size += len;
        t.row(row);
    }
    md.push_str(&t.to_markdown());
    if cut > 0 {
        let _ = writeln!(
            md,
            "\n{cut} more files left out to stay under GitHub's 1 MiB summary limit."
        );
    }
    md.push_str("\n</details>\n");
    md
}

/// Inside Actions: annotations on uncovered changed lines (at most ten, merged into ranges),
/// the job summary, and the outputs `lines`, `branches`, `diff` and `passed`.
pub fn actions(o: &Outcome, cov: &Coverage, gha: &Gha) -> Result<(), crate::exit::FileError> {
    if !gha.is_actions() {
        return Ok(());
    }
    let mut ranges: Vec<(String, [u32; 2])> = Vec::new();
    if let Some((_, d)) = &o.diff {
        for u in &d.uncovered {
            for r in &u.lines {
                ranges.push((u.file.clone(), *r));
            }
        }
    }
    let overflow = if ranges.len() > MAX_ANNOTATIONS {
        &ranges[MAX_ANNOTATIONS..]
    } else {
        &[][..]
    };
    for (file, [a, b]) in ranges.iter().take(MAX_ANNOTATIONS) {
        let mut note = Annotation::new(if a == b {
            format!("line {a} was changed but not covered by tests")
        } else {
            format!("lines {a}-{b} were changed but not covered by tests")
        })
        .at(file.clone(), Some(u64::from(*a)))
        .title("coverage-gate: uncovered change");
        note.end_line = Some(u64::from(*b));
        gha.annotate(Level::Warning, &note);
    }
    gha.append_summary(&summary(o, cov, overflow))?;
    let pct = |c: Option<Counts>| c.map(|c| as_text(floor_hundredths(c))).unwrap_or_default();
    gha.set_output("lines", &pct(o.metrics.lines))?;
    gha.set_output("branches", &pct(o.metrics.branches))?;
    gha.set_output("diff", &pct(o.diff.as_ref().map(|(_, d)| d.lines)))?;
    gha.set_output("passed", if o.passed { "true" } else { "false" })?;
    Ok(())
}

/// A self-contained SVG badge for `percent` (hundredths), coloured like shields.io's coverage
/// badges.
pub fn badge(percent: Hundredths) -> String {
    let colour = match percent / 100 {
        90.. => "#4c1",
        80..=89 => "#97ca00",
        70..=79 => "#a4a61d",
        60..=69 => "#dfb317",
        50..=59 => "#fe7d37",
        _ => "#e05d44",
    };
    let value = format!(
        "{}%",
        as_text(percent).trim_end_matches('0').trim_end_matches('.')
    );
    // Verdana 11px averages about 7 px per character; good enough for a fixed-width badge.
    let left = 63;
    let right = 10 + 7 * value.len() as u32;
    let width = left + right;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"20\" role=\"img\" aria-label=\"coverage: {value}\">\
<title>coverage: {value}</title>\
<linearGradient id=\"s\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>\
<clipPath id=\"r\"><rect width=\"{width}\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>\
<g clip-path=\"url(#r)\"><rect width=\"{left}\" height=\"20\" fill=\"#555\"/><rect x=\"{left}\" width=\"{right}\" height=\"20\" fill=\"{colour}\"/><rect width=\"{width}\" height=\"20\" fill=\"url(#s)\"/></g>\
<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">\
<text x=\"{lx}\" y=\"14\">coverage</text><text x=\"{rx}\" y=\"14\">{value}</text></g></svg>\n",
        lx = left / 2,
        rx = left + right / 2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badge_colours_and_text() {
        let svg = badge(8571);
        assert!(svg.contains("coverage: 85.71%"));
        assert!(svg.contains("#97ca00"));
        assert!(badge(10_000).contains("coverage: 100%"));
        assert!(badge(4000).contains("#e05d44"));
    }

    #[test]
    fn ranges_read_well() {
        assert_eq!(ranges_text(&[[1, 1], [3, 5]]), "1, 3-5");
    }
}
