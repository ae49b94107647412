//! Black-box tests of the `coverage-gate` binary: real reports from real tools (committed
//! fixtures and live regeneration), hand-written edge cases, merging, gates, diff coverage on
//! real git repositories, baselines, badges and the Actions integration.

mod harness;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_coverage-gate");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/coverage-gate")
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .unwrap()
}

fn run(args: &[&str]) -> Output {
    run_in(&fixtures(), args)
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Runs with `--json` and returns the document, asserting the exit code.
fn json_of(dir: &Path, args: &[&str], expect: i32) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let o = run_in(dir, &all);
    assert_eq!(code(&o), expect, "stderr: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `(covered, total)` of a metric in a JSON document.
fn ct(doc: &Value, metric: &str) -> Option<(u64, u64)> {
    let m = doc.get(metric)?;
    Some((m.get("covered")?.as_u64()?, m.get("total")?.as_u64()?))
}

/// The numbers in `text` after `label` on its line, e.g. "lines......: 52.4% (11 of 21 lines)".
fn numbers_after(text: &str, label: &str) -> Vec<String> {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no '{label}' in {text}"));
    let rest = &line[line.find(label).unwrap() + label.len()..];
    rest.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|s| s.trim_matches('.').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn n(s: &str) -> u64 {
    s.parse().unwrap()
}

// ---- the tools' own printed totals -------------------------------------------------------

/// coverage.py: `coverage report`'s TOTAL line and the JSON's own branch totals.
fn check_coveragepy(out: &Path) {
    let report = std::fs::read_to_string(out.join("coverage-report.txt")).unwrap();
    let t = numbers_after(&report, "TOTAL");
    let (stmts, miss) = (n(&t[0]), n(&t[1]));
    let cover = t.last().unwrap().clone();
    let own: Value =
        serde_json::from_slice(&std::fs::read(out.join("coverage.json")).unwrap()).unwrap();
    let branches = (
        own["totals"]["covered_branches"].as_u64().unwrap(),
        own["totals"]["num_branches"].as_u64().unwrap(),
    );
    assert_eq!(n(&t[2]), branches.1);
    let root = fixtures().join("python/src");
    for report in ["coverage.json", "coverage.xml", "coverage.lcov"] {
        let path = out.join(report);
        let doc = json_of(&root, &[path.to_str().unwrap()], 0);
        assert_eq!(ct(&doc, "lines"), Some((stmts - miss, stmts)), "{report}");
        assert_eq!(ct(&doc, "branches"), Some(branches), "{report}");
        if report != "coverage.lcov" {
            assert_eq!(
                doc["native"],
                json!({"tool": "coverage.py", "percent": cover.parse::<f64>().unwrap()}),
                "{report}"
            );
        }
    }
}

/// lcov: `lcov --summary` of one capture and of lcov's own merge of two TN: sections.
fn check_lcov(out: &Path, strip: &str) {
    let root = fixtures().join("gcc/src");
    for (info, summary) in [
        ("unit.info", "lcov-summary-unit.txt"),
        ("two-sections.info", "lcov-summary-merged.txt"),
    ] {
        let text = std::fs::read_to_string(out.join(summary)).unwrap();
        let doc = json_of(
            &root,
            &[out.join(info).to_str().unwrap(), "--strip-prefix", strip],
            0,
        );
        for (label, metric) in [
            ("lines", "lines"),
            ("functions", "functions"),
            ("branches", "branches"),
        ] {
            let v = numbers_after(&text, &format!("{label}."));
            assert_eq!(
                ct(&doc, metric),
                Some((n(&v[1]), n(&v[2]))),
                "{info} {metric}"
            );
        }
        let lines = numbers_after(&text, "lines.");
        assert_eq!(
            doc["native"],
            json!({"tool": "lcov", "percent": lines[0].parse::<f64>().unwrap()})
        );
        assert_eq!(doc["files"], json!(1));
    }
}

/// gcovr: `--print-summary` against its own Cobertura XML.
fn check_gcovr(out: &Path) {
    let text = std::fs::read_to_string(out.join("gcovr-summary.txt")).unwrap();
    let doc = json_of(
        &fixtures().join("gcc/src"),
        &[out.join("gcovr.xml").to_str().unwrap()],
        0,
    );
    for metric in ["lines", "functions", "branches"] {
        let v = numbers_after(&text, &format!("{metric}:"));
        assert_eq!(ct(&doc, metric), Some((n(&v[1]), n(&v[2]))), "{metric}");
    }
    let lines = numbers_after(&text, "lines:");
    assert_eq!(
        doc["native"],
        json!({"tool": "gcovr", "percent": lines[0].parse::<f64>().unwrap()})
    );
}

/// llvm-cov: the TOTAL line of `llvm-cov report`.
fn check_llvm(out: &Path, strip: &str) {
    let text = std::fs::read_to_string(out.join("llvm-report.txt")).unwrap();
    let t = numbers_after(&text, "TOTAL");
    // regions, missed, cover, functions, missed, executed, lines, missed, cover, branches, missed, cover
    let doc = json_of(
        &fixtures().join("gcc/src"),
        &[
            out.join("llvm-export.json").to_str().unwrap(),
            "--strip-prefix",
            strip,
        ],
        0,
    );
    assert_eq!(ct(&doc, "functions"), Some((n(&t[3]) - n(&t[4]), n(&t[3]))));
    assert_eq!(ct(&doc, "lines"), Some((n(&t[6]) - n(&t[7]), n(&t[6]))));
    assert_eq!(ct(&doc, "branches"), Some((n(&t[9]) - n(&t[10]), n(&t[9]))));
    assert_eq!(
        doc["native"],
        json!({"tool": "llvm-cov", "percent": t[8].parse::<f64>().unwrap()})
    );
}

/// The lines `llvm-cov show` gives a count, and how many of them ran (the file views, not the
/// per-instantiation views under them).
fn llvm_show_lines(text: &str) -> (u64, u64) {
    let mut c = (0, 0);
    for line in text.lines() {
        let mut cols = line.splitn(3, '|');
        let (Some(num), Some(count)) = (cols.next(), cols.next()) else {
            continue;
        };
        if num.trim().parse::<u64>().is_err() || count.trim().is_empty() {
            continue;
        }
        c.1 += 1;
        c.0 += u64::from(count.trim() != "0");
    }
    c
}

/// llvm-cov on a multi-file C library: coverage-gate's totals are exactly `llvm-cov report`'s
/// TOTAL line (lines, branches, functions) for the export with and without -skip-expansions, and
/// `--json` says they are llvm-cov's summary.
fn check_llvm_lib(out: &Path, strip: &str) {
    let text = std::fs::read_to_string(out.join("llvm-report.txt")).unwrap();
    let t = numbers_after(&text, "TOTAL");
    // regions, missed, cover, functions, missed, executed, lines, missed, cover, branches, missed, cover
    let pair = |i: usize| Some((n(&t[i]) - n(&t[i + 1]), n(&t[i])));
    for export in ["llvm-export.json", "llvm-export-skip-expansions.json"] {
        let doc = json_of(
            &fixtures().join("llvm-lib/src"),
            &[out.join(export).to_str().unwrap(), "--strip-prefix", strip],
            0,
        );
        assert_eq!(
            [
                ct(&doc, "lines"),
                ct(&doc, "branches"),
                ct(&doc, "functions")
            ],
            [pair(6), pair(9), pair(3)],
            "{export} against llvm-cov report's TOTAL line"
        );
        assert_eq!(
            (&doc["numbers"], &doc["native"]),
            (
                &json!({"source": "summary", "tool": "llvm-cov", "why": "every file has llvm-cov's own summary, so the totals are llvm-cov's (what its report prints); changed-line coverage is counted from the per-line records"}),
                &json!({"tool": "llvm-cov", "percent": t[8].parse::<f64>().unwrap()})
            ),
            "{export}"
        );
    }
}

/// Go: `go tool cover -func`'s total, for count and set profiles.
fn check_go(out: &Path) {
    let text = std::fs::read_to_string(out.join("cover-func.txt")).unwrap();
    let total = numbers_after(&text, "total:");
    for profile in ["cover-count.out", "cover-set.out"] {
        let doc = json_of(
            &fixtures().join("go/src"),
            &[out.join(profile).to_str().unwrap()],
            0,
        );
        assert_eq!(
            doc["native"],
            json!({"tool": "go", "percent": total[0].parse::<f64>().unwrap()}),
            "{profile}"
        );
        assert_eq!(doc["format"], json!(["go"]));
    }
}

/// Istanbul: nyc's text-summary against every report nyc wrote.
fn check_istanbul(out: &Path, strip: &str) {
    let text = std::fs::read_to_string(out.join("text-summary.txt")).unwrap();
    let want = |label: &str| {
        let v = numbers_after(&text, label);
        (n(&v[1]), n(&v[2]))
    };
    let root = fixtures().join("istanbul/src");
    for report in ["coverage-final.json", "coverage-summary.json"] {
        let doc = json_of(
            &root,
            &[out.join(report).to_str().unwrap(), "--strip-prefix", strip],
            0,
        );
        assert_eq!(ct(&doc, "statements"), Some(want("Statements")), "{report}");
        assert_eq!(ct(&doc, "branches"), Some(want("Branches")), "{report}");
        assert_eq!(ct(&doc, "functions"), Some(want("Functions")), "{report}");
        assert_eq!(ct(&doc, "lines"), Some(want("Lines")), "{report}");
        let pct = numbers_after(&text, "Statements")[0]
            .parse::<f64>()
            .unwrap();
        assert_eq!(
            doc["native"],
            json!({"tool": "istanbul", "percent": pct}),
            "{report}"
        );
    }
    for report in ["lcov.info", "cobertura-coverage.xml"] {
        let doc = json_of(
            &root,
            &[out.join(report).to_str().unwrap(), "--strip-prefix", strip],
            0,
        );
        assert_eq!(ct(&doc, "lines"), Some(want("Lines")), "{report}");
        assert_eq!(ct(&doc, "branches"), Some(want("Branches")), "{report}");
        assert_eq!(ct(&doc, "functions"), Some(want("Functions")), "{report}");
    }
    let doc = json_of(
        &root,
        &[
            out.join("clover.xml").to_str().unwrap(),
            "--strip-prefix",
            strip,
        ],
        0,
    );
    assert_eq!(ct(&doc, "lines"), Some(want("Lines")));
    assert_eq!(ct(&doc, "branches"), Some(want("Branches")));
}

/// The c8 and nyc major versions node/generate.sh runs (.ci/deps/coverage-gate.npm).
const NODE_TOOLS: [&str; 6] = [
    "c8-v10", "c8-v11", "c8-v12", "nyc-v15", "nyc-v17", "nyc-v18",
];

/// c8 / nyc: the four totals of the tool's own text-summary against coverage-gate's reading of
/// its coverage-final.json (the whole set of totals, compared at once).
fn check_node(out: &Path, strip: &str) {
    let text = std::fs::read_to_string(out.join("text-summary.txt")).unwrap();
    let want = |label: &str| {
        let v = numbers_after(&text, label);
        Some((n(&v[1]), n(&v[2])))
    };
    let doc = json_of(
        &fixtures().join("node/src"),
        &[
            out.join("coverage-final.json").to_str().unwrap(),
            "--strip-prefix",
            strip,
        ],
        0,
    );
    let totals = |get: &dyn Fn(&str) -> Option<(u64, u64)>| {
        ["Statements", "Branches", "Functions", "Lines"].map(|m| (m, get(m)))
    };
    assert_eq!(
        totals(&|m| ct(&doc, &m.to_lowercase())),
        totals(&want),
        "{}",
        out.display()
    );
    // lib/unused.js is never loaded: it is in the report only through --all.
    assert_eq!(doc["files"], json!(5), "{}", out.display());
}

/// JaCoCo: the bundle totals JaCoCo computed (jacoco-summary.txt, the same as the report-level
/// counters of jacoco.xml) and its HTML report's headline against coverage-gate's reading of
/// jacoco.xml.
fn check_jacoco(out: &Path) {
    let text = std::fs::read_to_string(out.join("jacoco-summary.txt")).unwrap();
    // "LINE        missed 7 covered 23 total 30"
    let own = |counter: &str| {
        let v = numbers_after(&text, counter);
        assert_eq!(n(&v[0]) + n(&v[1]), n(&v[2]), "{counter}");
        (n(&v[1]), n(&v[2]))
    };
    let report = out.join("jacoco.xml");
    let o = run_in(
        &fixtures().join("jacoco/src"),
        &[report.to_str().unwrap(), "--json"],
    );
    // No note: the report's own LINE, BRANCH and METHOD counters agree with its elements.
    assert_eq!((code(&o), stderr(&o)), (0, String::new()));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["format"], json!(["jacoco"]));
    assert_eq!(doc["files"], json!(2));
    assert_eq!(ct(&doc, "lines"), Some(own("LINE")));
    assert_eq!(ct(&doc, "branches"), Some(own("BRANCH")));
    assert_eq!(ct(&doc, "functions"), Some(own("METHOD")));
    assert_eq!(ct(&doc, "statements"), None);
    // The Total row of JaCoCo's HTML report: "Total 19 of 143 86% 7 of 19 63% …" (missed and
    // total instructions, their coverage floored, the same for branches).
    let html = std::fs::read_to_string(out.join("jacoco-html-total.txt")).unwrap();
    let t = numbers_after(&html, "Total");
    let (covered, total) = own("INSTRUCTION");
    assert_eq!((n(&t[0]), n(&t[1])), (total - covered, total));
    assert_eq!(
        doc["native"],
        json!({"tool": "jacoco", "percent": t[2].parse::<f64>().unwrap()})
    );
    // jacoco.csv has JaCoCo's per-class counters: methods and branches add up to the totals, lines
    // do not (the anonymous class on Calc.java:42 shares that line with Calc), which is why the
    // per-source-file lines of the XML are read.
    let csv = std::fs::read_to_string(out.join("jacoco.csv")).unwrap();
    let mut rows = csv.lines();
    let head: Vec<&str> = rows.next().unwrap().split(',').collect();
    let sum = |name: &str| -> (u64, u64) {
        let missed = head
            .iter()
            .position(|h| *h == format!("{name}_MISSED"))
            .unwrap();
        let covered = head
            .iter()
            .position(|h| *h == format!("{name}_COVERED"))
            .unwrap();
        csv.lines().skip(1).fold((0, 0), |(c, t), row| {
            let f: Vec<&str> = row.split(',').collect();
            (c + n(f[covered]), t + n(f[missed]) + n(f[covered]))
        })
    };
    assert_eq!(rows.count(), 4, "classes: Calc, Calc$1, Calc$Counter, Main");
    assert_eq!(sum("METHOD"), own("METHOD"));
    assert_eq!(sum("BRANCH"), own("BRANCH"));
    let (lines, (covered, total)) = (sum("LINE"), own("LINE"));
    assert_eq!(lines, (covered + 1, total + 1));
}

/// Devel::Cover: its own counts (`cover -report json`'s Total) and the percentages `cover`
/// printed, against coverage-gate's reading of Devel::Cover::Report::Clover's clover.xml.
fn check_devel_cover(out: &Path) {
    let own: Value =
        serde_json::from_slice(&std::fs::read(out.join("cover.json")).unwrap()).unwrap();
    let total = &own["summary"]["Total"];
    let counts = |criterion: &str| {
        (
            total[criterion]["covered"].as_u64().unwrap(),
            total[criterion]["total"].as_u64().unwrap(),
        )
    };
    // The table `cover` printed: "Total  87.5  50.0  33.3  90.9  100.0  77.9" (stmt, bran,
    // cond, sub, time, total).
    let printed = std::fs::read_to_string(out.join("cover-summary.txt")).unwrap();
    let t = numbers_after(&printed, "Total");
    let pct = |(c, t): (u64, u64)| format!("{:.1}", 100.0 * c as f64 / t as f64);
    assert_eq!(
        [&t[0], &t[1], &t[3]],
        [
            &pct(counts("statement")),
            &pct(counts("branch")),
            &pct(counts("subroutine"))
        ]
    );
    let report = out.join("clover.xml");
    let o = run_in(
        &fixtures().join("clover/src"),
        &[report.to_str().unwrap(), "--json"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["format"], json!(["clover"]));
    assert_eq!(doc["files"], json!(2));
    assert_eq!(ct(&doc, "statements"), Some(counts("statement")));
    assert_eq!(ct(&doc, "branches"), Some(counts("branch")));
    assert_eq!(ct(&doc, "functions"), Some(counts("subroutine")));
    // Devel::Cover's own headline (the `total` column) adds conditions and pod the report has
    // no lines for: no native number rather than a wrong one.
    assert_eq!(doc["native"], Value::Null);
    // The header's conditionals are branches + conditions; the note says so.
    let (bc, bt) = counts("branch");
    let (cc, ctot) = counts("condition");
    assert_eq!(
        stderr(&o),
        format!(
            "coverage-gate: {}: note: the report's <metrics> say conditionals {}/{}, its <line> \
             elements {bc}/{bt} (Devel::Cover adds its `cond` criterion, &&/||, to the \
             conditionals but writes no <line> for it); the per-line data is used\n",
            report.display(),
            bc + cc,
            bt + ctot
        )
    );
}

const PREFIX: &str = "/tmp/coverage-gate-fixtures";

#[test]
fn llvm_multi_tu_fixture_agrees_with_llvm_cov_reports_total() {
    check_llvm_lib(
        &fixtures().join("llvm-lib/out"),
        &format!("{PREFIX}/llvm-lib/"),
    );
}

/// Merged llvm-cov exports cannot use llvm-cov's per-file summaries: the totals are counted from
/// the records, `--json` and stderr say why, and the per-line records are `llvm-cov show`'s.
#[test]
fn merged_llvm_exports_are_counted_from_the_records_and_say_why() {
    let out = fixtures().join("llvm-lib/out");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("again.json");
    std::fs::copy(out.join("llvm-export.json"), &copy).unwrap();
    let strip = format!("{PREFIX}/llvm-lib/");
    let first = out.join("llvm-export.json");
    let args = [
        first.to_str().unwrap(),
        copy.to_str().unwrap(),
        "--strip-prefix",
        &strip,
    ];
    let doc = json_of(&fixtures().join("llvm-lib/src"), &args, 0);
    let why = "a.c is in more than one report (or twice in one) and llvm-cov's per-file summaries cannot be merged, so every total is counted from the records (line hits, branches, functions) and can differ from llvm-cov's own report";
    assert_eq!(
        doc["numbers"],
        json!({"source": "records", "tool": null, "why": why})
    );
    let show = llvm_show_lines(&std::fs::read_to_string(out.join("llvm-show.txt")).unwrap());
    // Merged per line, hits add up: the same lines are covered as in one report.
    assert_eq!(ct(&doc, "lines"), Some(show));
    let o = run_in(&fixtures().join("llvm-lib/src"), &args);
    assert_eq!(stderr(&o), format!("coverage-gate: note: {why}\n"));
}

/// Changed-line coverage uses the per-line records, which agree line for line in number with
/// `llvm-cov show` (not with the summary, which LLVM 14 counts per function group).
#[test]
fn llvm_changed_lines_are_llvm_cov_shows_lines() {
    let out = fixtures().join("llvm-lib/out");
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    git(d, &["init", "-q"]);
    std::fs::write(d.join("README.md"), "readme\n").unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "one"]);
    git(d, &["checkout", "-qb", "feature"]);
    for f in ["a.c", "b.c", "main.c", "util.h"] {
        std::fs::copy(fixtures().join("llvm-lib/src").join(f), d.join(f)).unwrap();
    }
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "two"]);
    let doc = json_of(
        d,
        &[
            out.join("llvm-export-skip-expansions.json")
                .to_str()
                .unwrap(),
            "--strip-prefix",
            &format!("{PREFIX}/llvm-lib/"),
            "--diff-base",
            "main",
        ],
        0,
    );
    let show = llvm_show_lines(&std::fs::read_to_string(out.join("llvm-show.txt")).unwrap());
    assert_eq!(ct(&doc["diff"], "lines"), Some(show));
    assert_eq!(doc["numbers"]["source"], json!("summary"));
}

#[test]
fn jacoco_fixture_agrees_with_jacocos_own_totals() {
    check_jacoco(&fixtures().join("jacoco/out"));
}

#[test]
fn devel_cover_clover_fixture_agrees_with_cover() {
    check_devel_cover(&fixtures().join("clover/out"));
}

#[test]
fn coveragepy_fixtures_agree_with_coverage_report() {
    check_coveragepy(&fixtures().join("python/out"));
}

#[test]
fn lcov_fixtures_agree_with_lcov_summary() {
    check_lcov(&fixtures().join("gcc/out"), &format!("{PREFIX}/gcc/"));
}

#[test]
fn gcovr_fixture_agrees_with_gcovr_summary() {
    check_gcovr(&fixtures().join("gcc/out"));
}

#[test]
fn llvm_fixture_agrees_with_llvm_cov_report() {
    check_llvm(&fixtures().join("llvm/out"), &format!("{PREFIX}/llvm/"));
}

#[test]
fn go_fixtures_agree_with_go_tool_cover() {
    check_go(&fixtures().join("go/out"));
}

#[test]
fn istanbul_fixtures_agree_with_nyc_text_summary() {
    check_istanbul(
        &fixtures().join("istanbul/out"),
        &format!("{PREFIX}/istanbul/"),
    );
}

#[test]
fn c8_and_nyc_fixtures_agree_with_their_text_summary() {
    for tool in NODE_TOOLS {
        let out = fixtures().join("node/out").join(tool);
        if tool.starts_with("c8") {
            // The reason for issue 13: c8 writes negative columns, which were rejected (exit 2).
            let raw = std::fs::read_to_string(out.join("coverage-final.json")).unwrap();
            assert!(
                raw.contains("\"column\":-1}") && raw.contains("\"column\":-2}"),
                "{tool}"
            );
        }
        check_node(&out, &format!("{PREFIX}/node/{tool}/"));
    }
}

/// Regenerates a tool's reports with the real tool into a temporary directory.
fn regenerate(tool: &str) -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let out = tmp.path().join("out");
    let o = Command::new("bash")
        .arg(fixtures().join(tool).join("generate.sh"))
        .arg(&work)
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{tool}/generate.sh failed (is the tool installed? see .ci/deps/coverage-gate.*): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let prefix = format!("{}/", work.display());
    (tmp, out, prefix)
}

#[test]
fn live_coveragepy_agrees() {
    let (_tmp, out, _) = regenerate("python");
    check_coveragepy(&out);
}

#[test]
fn live_lcov_and_gcovr_agree() {
    let (_tmp, out, prefix) = regenerate("gcc");
    check_lcov(&out, &prefix);
    check_gcovr(&out);
}

#[test]
fn live_llvm_cov_agrees() {
    let (_tmp, out, prefix) = regenerate("llvm");
    check_llvm(&out, &prefix);
}

#[test]
fn live_llvm_multi_tu_agrees() {
    let (_tmp, out, prefix) = regenerate("llvm-lib");
    check_llvm_lib(&out, &prefix);
}

#[test]
fn live_go_agrees() {
    let (_tmp, out, _) = regenerate("go");
    check_go(&out);
}

#[test]
fn live_nyc_agrees() {
    let (_tmp, out, prefix) = regenerate("istanbul");
    check_istanbul(&out, &prefix);
}

#[test]
fn live_c8_and_nyc_agree() {
    for tool in NODE_TOOLS {
        let tmp = tempfile::tempdir().unwrap();
        let (work, out) = (tmp.path().join("work"), tmp.path().join("out"));
        let o = Command::new("bash")
            .arg(fixtures().join("node/generate.sh"))
            .args([&work, &out])
            .arg(tool)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "node/generate.sh {tool} failed (run .ci/install-deps): {}",
            String::from_utf8_lossy(&o.stderr)
        );
        check_node(&out.join(tool), &format!("{}/{tool}/", work.display()));
    }
}

#[test]
fn live_jacoco_agrees() {
    let (_tmp, out, _) = regenerate("jacoco");
    check_jacoco(&out);
}

#[test]
fn live_devel_cover_agrees() {
    let (_tmp, out, _) = regenerate("clover");
    check_devel_cover(&out);
}

// ---- whole outputs -------------------------------------------------------------------------

#[test]
fn human_report_of_two_lcov_sections() {
    let root = fixtures().join("gcc/src");
    let o = run_in(
        &root,
        &[
            "../out/two-sections.info",
            "../out/unit.info",
            "--strip-prefix",
            "/tmp/coverage-gate-fixtures/gcc/",
            "--min-lines",
            "80",
            "--min-branches",
            "62.5",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let expected = std::fs::read_to_string(fixtures().join("gcc/expected-human.txt")).unwrap();
    assert_eq!(stdout(&o), expected);
    assert_eq!(stderr(&o), "");
}

#[test]
fn json_document_has_the_issue_shape() {
    let root = fixtures().join("python/src");
    let doc = json_of(
        &root,
        &[
            "../out/coverage.json",
            "--min-lines",
            "56.25",
            "--min-native",
            "50",
        ],
        0,
    );
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("python/expected.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(doc, expected);
}

// ---- hand-written edge cases ---------------------------------------------------------------

#[test]
fn lcov_edge_cases_crlf_windows_line_zero_duplicates_unhit_branches() {
    let doc = json_of(
        &fixtures().join("edge"),
        &["windows-crlf.info", "--strip-prefix", "C:\\build\\"],
        0,
    );
    assert_eq!(ct(&doc, "lines"), Some((2, 3)));
    assert_eq!(ct(&doc, "functions"), Some((1, 2)));
    assert_eq!(ct(&doc, "branches"), Some((1, 4)));
    assert_eq!(doc["files"], json!(1));
}

#[test]
fn cobertura_edge_cases_windows_paths_and_disagreeing_header() {
    let o = run_in(
        &fixtures().join("edge"),
        &["cobertura-windows.xml", "--json"],
    );
    assert_eq!(code(&o), 0);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(ct(&doc, "lines"), Some((2, 4)));
    assert_eq!(ct(&doc, "branches"), Some((1, 2)));
    assert_eq!(ct(&doc, "functions"), Some((1, 2)));
    assert_eq!(doc["native"], Value::Null);
    assert!(stderr(&o).contains("cobertura-windows.xml: note: the header says lines-covered=9 lines-valid=10, its <line> elements 2/4; the per-file data is used"), "{}", stderr(&o));
}

#[test]
fn go_blocks_spanning_and_sharing_lines() {
    let doc = json_of(&fixtures().join("edge"), &["go-spanning.out"], 0);
    assert_eq!(ct(&doc, "statements"), Some((4, 7)));
    assert_eq!(ct(&doc, "lines"), Some((6, 11)));
    assert_eq!(doc["native"], json!({"tool": "go", "percent": 57.1}));
}

#[test]
fn jacoco_and_openclover() {
    let doc = json_of(&fixtures().join("edge"), &["jacoco.xml"], 0);
    assert_eq!(
        (
            ct(&doc, "lines"),
            ct(&doc, "branches"),
            ct(&doc, "functions")
        ),
        (Some((4, 6)), Some((3, 4)), Some((2, 3)))
    );
    assert_eq!(doc["format"], json!(["jacoco"]));
    let doc = json_of(&fixtures().join("edge"), &["openclover.xml"], 0);
    assert_eq!(
        (
            ct(&doc, "statements"),
            ct(&doc, "branches"),
            ct(&doc, "functions")
        ),
        (Some((3, 4)), Some((1, 2)), Some((1, 2)))
    );
    assert_eq!(doc["native"], json!({"tool": "clover", "percent": 62.5}));
}

#[test]
fn format_is_detected_from_content_not_name_and_can_be_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let odd = tmp.path().join("report.txt");
    std::fs::copy(fixtures().join("edge/jacoco.xml"), &odd).unwrap();
    let doc = json_of(tmp.path(), &["report.txt"], 0);
    assert_eq!(doc["format"], json!(["jacoco"]));
    let o = run_in(tmp.path(), &["report.txt", "--format", "lcov"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o), "coverage-gate: report.txt:1: not an LCOV record: '<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><!DOC' (read as --format lcov)\n");
}

#[test]
fn html_is_not_a_report() {
    let o = run(&["edge/html.xml"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o), "coverage-gate: edge/html.xml:2: not a Cobertura, JaCoCo or Clover document (root element <html>); pass --format to force one\n");
}

#[test]
fn malformed_and_truncated_reports_fail_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        "gcc/out/unit.info",
        "gcc/out/gcovr.xml",
        "python/out/coverage.json",
        "python/out/coverage.xml",
        "istanbul/out/coverage-final.json",
        "istanbul/out/coverage-summary.json",
        "istanbul/out/clover.xml",
        "llvm/out/llvm-export.json",
        "edge/jacoco.xml",
        "jacoco/out/jacoco.xml",
        "clover/out/clover.xml",
        "go/out/cover-count.out",
    ];
    for case in cases {
        let bytes = std::fs::read(fixtures().join(case)).unwrap();
        let cut = tmp.path().join(case.replace('/', "_"));
        // Cut inside a record, about two thirds in.
        let mut at = bytes.len() * 2 / 3;
        while bytes[at] == b'\n' || bytes[at - 1] == b'\n' {
            at += 1;
        }
        std::fs::write(&cut, &bytes[..at]).unwrap();
        let o = run_in(tmp.path(), &[cut.file_name().unwrap().to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{case}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!(
                "coverage-gate: {}:",
                cut.file_name().unwrap().to_str().unwrap()
            )),
            "{case}: {err}"
        );
    }
}

#[test]
fn empty_and_uncoverable_reports_are_errors_not_passes() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("empty.info"), "").unwrap();
    std::fs::write(tmp.path().join("nofiles.info"), "TN:\n").unwrap();
    std::fs::write(tmp.path().join("nolines.info"), "SF:a.c\nend_of_record\n").unwrap();
    std::fs::write(tmp.path().join("empty.json"), "{}").unwrap();
    let o = run_in(tmp.path(), &["empty.info"]);
    assert_eq!(
        (code(&o), stderr(&o)),
        (
            2,
            "coverage-gate: empty.info: the report is empty\n".to_string()
        )
    );
    let o = run_in(tmp.path(), &["nofiles.info", "--min-lines", "0"]);
    assert_eq!((code(&o), stderr(&o)), (2, "coverage-gate: the reports contain no files; a report without files cannot pass a gate\n".to_string()));
    let o = run_in(tmp.path(), &["empty.json"]);
    assert_eq!(code(&o), 2);
    let o = run_in(tmp.path(), &["nolines.info"]);
    assert_eq!((code(&o), stderr(&o)), (2, "coverage-gate: the reports have 1 files but zero coverable lines; check that the tests ran with coverage enabled\n".to_string()));
    let o = run_in(tmp.path(), &["missing.info"]);
    assert_eq!(code(&o), 2);
}

// ---- merging -------------------------------------------------------------------------------

#[test]
fn reports_merge_per_line_across_formats() {
    // coverage.py's JSON and its LCOV describe the same run: merged, nothing is counted twice.
    let root = fixtures().join("python/src");
    let doc = json_of(&root, &["../out/coverage.json", "../out/coverage.lcov"], 0);
    assert_eq!(ct(&doc, "lines"), Some((9, 16)));
    assert_eq!(doc["format"], json!(["coverage.py", "lcov"]));
    assert_eq!(doc["native"], Value::Null);
    // Istanbul's per-line report and its summary of the same run count once.
    let root = fixtures().join("istanbul/src");
    let strip = format!("{PREFIX}/istanbul/");
    let both = json_of(
        &root,
        &[
            "../out/coverage-final.json",
            "../out/coverage-summary.json",
            "--strip-prefix",
            &strip,
        ],
        0,
    );
    let one = json_of(
        &root,
        &["../out/coverage-final.json", "--strip-prefix", &strip],
        0,
    );
    assert_eq!(
        (
            both["statements"].clone(),
            both["lines"].clone(),
            both["native"].clone()
        ),
        (
            one["statements"].clone(),
            one["lines"].clone(),
            one["native"].clone()
        )
    );
    // Two matrix jobs covering different lines: a line is covered if any job covers it.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("a.info"),
        "SF:/ci/a/src/x.c\nDA:1,1\nDA:2,0\nDA:3,0\nend_of_record\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("b.xml"), "<coverage><sources><source>/ci/b</source></sources><packages><package><classes><class filename=\"src/x.c\"><lines><line number=\"2\" hits=\"3\"/><line number=\"3\" hits=\"0\"/><line number=\"4\" hits=\"0\"/></lines></class></classes></package></packages></coverage>").unwrap();
    let doc = json_of(
        tmp.path(),
        &["a.info", "b.xml", "--strip-prefix", "/ci/a/"],
        0,
    );
    assert_eq!(ct(&doc, "lines"), Some((2, 4)));
    assert_eq!(doc["files"], json!(1));
}

#[test]
fn include_exclude_and_path_map() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("r.info"), "SF:/app/src/a.c\nDA:1,1\nend_of_record\nSF:/app/tests/t.c\nDA:1,0\nend_of_record\nSF:/app/src/gen/g.c\nDA:1,0\nend_of_record\n").unwrap();
    let doc = json_of(
        tmp.path(),
        &[
            "r.info",
            "--path-map",
            "/app/=",
            "--include",
            "src/**",
            "--exclude",
            "src/gen/**",
        ],
        0,
    );
    assert_eq!(
        (doc["files"].clone(), ct(&doc, "lines")),
        (json!(1), Some((1, 1)))
    );
    let o = run_in(tmp.path(), &["r.info", "--include", "nothing/**"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no files after --include/--exclude (3 before)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unmatched_paths_are_diagnosed_with_the_fixing_prefix() {
    let root = fixtures().join("gcc/src");
    let o = run_in(&root, &["../out/unit.info"]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        stderr(&o),
        format!("warning: 1 of 1 files in the reports match nothing under {} (e.g. /tmp/coverage-gate-fixtures/gcc/prog.c); --strip-prefix '/tmp/coverage-gate-fixtures/gcc/' would fix 1 of them\n", root.canonicalize().unwrap().display())
    );
}

// ---- gates ---------------------------------------------------------------------------------

fn lcov_with(covered: u32, total: u32) -> String {
    let mut s = String::from("SF:a.c\n");
    for l in 1..=total {
        s.push_str(&format!("DA:{l},{}\n", u32::from(l <= covered)));
    }
    s.push_str("end_of_record\n");
    s
}

#[test]
fn gates_use_exact_arithmetic() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("r.info"), lcov_with(13_999, 20_000)).unwrap();
    // 69.995 % is not 70 %, and the output never says "70.00% < 70".
    let doc = json_of(tmp.path(), &["r.info", "--min-lines", "70"], 1);
    assert_eq!(
        doc["gates"],
        json!([{"metric": "lines", "min": 70.0, "actual": 69.99, "passed": false}])
    );
    assert_eq!(
        doc["lines"],
        json!({"covered": 13999, "total": 20000, "percent": 69.99})
    );
    assert_eq!(doc["passed"], json!(false));
    let doc = json_of(tmp.path(), &["r.info", "--min-lines", "69.99"], 0);
    assert_eq!(doc["passed"], json!(true));
    let o = run_in(tmp.path(), &["r.info", "--min-lines", "69.995"]);
    assert_eq!(code(&o), 2);
    let o = run_in(tmp.path(), &["r.info", "--min-branches", "50"]);
    assert_eq!((code(&o), stderr(&o)), (2, "coverage-gate: --min-branches given, but no report has branches data (lcov); drop the flag or produce the metric\n".to_string()));
}

#[test]
fn file_gate_names_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("r.info"),
        "SF:good.c\nDA:1,1\nend_of_record\nSF:bad.c\nDA:1,1\nDA:2,0\nend_of_record\n",
    )
    .unwrap();
    let o = run_in(tmp.path(), &["r.info", "--min-file-lines", "60"]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("files under --min-file-lines:\n  bad.c: 50.00%\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn native_gate_uses_the_tools_number() {
    let root = fixtures().join("go/src");
    let doc = json_of(
        &root,
        &["../out/cover-count.out", "--min-native", "40.1"],
        1,
    );
    assert_eq!(
        doc["gates"],
        json!([{"metric": "native", "min": 40.1, "actual": 40.0, "passed": false}])
    );
    let o = run(&[
        "gcc/out/unit.info",
        "python/out/coverage.json",
        "--min-native",
        "1",
    ]);
    assert_eq!(code(&o), 2);
}

#[test]
fn baseline_ratchet() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("old.info"), lcov_with(80, 100)).unwrap();
    std::fs::write(tmp.path().join("new.info"), lcov_with(79, 100)).unwrap();
    let o = run_in(tmp.path(), &["old.info", "--write-baseline", "base.json"]);
    assert_eq!(code(&o), 0);
    let base: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("base.json")).unwrap()).unwrap();
    assert_eq!(
        base,
        json!({"schema": "coverage-gate-baseline/1", "metrics": {"lines": {"covered": 80, "total": 100}, "statements": null, "branches": null, "functions": null}})
    );
    let doc = json_of(tmp.path(), &["new.info", "--baseline", "base.json"], 1);
    assert_eq!(
        doc["gates"],
        json!([{"metric": "baseline:lines", "min": 80.0, "actual": 79.0, "passed": false}])
    );
    json_of(
        tmp.path(),
        &["new.info", "--baseline", "base.json", "--max-drop", "1"],
        0,
    );
    std::fs::write(tmp.path().join("bad.json"), "{}").unwrap();
    assert_eq!(
        code(&run_in(tmp.path(), &["new.info", "--baseline", "bad.json"])),
        2
    );
}

#[test]
fn badge_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("r.info"), lcov_with(857, 1000)).unwrap();
    let o = run_in(tmp.path(), &["r.info", "--badge", "badge.svg"]);
    assert_eq!(code(&o), 0);
    let svg = std::fs::read_to_string(tmp.path().join("badge.svg")).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(
        svg.contains("<title>coverage: 85.7%</title>") && svg.contains("#97ca00"),
        "{svg}"
    );
}

#[cfg(unix)]
#[test]
fn a_linked_report_in_a_walked_directory_is_named_not_silently_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    fs::create_dir(&reports).unwrap();
    fs::write(dir.path().join("a.c"), "int a;\nint b;\n").unwrap();
    fs::write(
        reports.join("unit.info"),
        "SF:a.c\nDA:1,1\nDA:2,0\nend_of_record\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(reports.join("unit.info"), reports.join("linked.info")).unwrap();
    let o = run_in(dir.path(), &["reports", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "warning: reports/linked.info: not read: symbolic link not followed while walking \
         (name the file explicitly to include it)\n"
    );
}

#[test]
fn unwritable_badge_or_baseline_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("r.info"), lcov_with(1, 2)).unwrap();
    std::fs::write(tmp.path().join("a.c"), "").unwrap();
    for flag in ["--badge", "--write-baseline"] {
        let o = run_in(tmp.path(), &["r.info", flag, "missing-dir/out"]);
        assert_eq!(code(&o), 3, "{flag}: {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            "coverage-gate: missing-dir/out: cannot write: No such file or directory (os error 2)\n",
            "{flag}"
        );
    }
}

// ---- diff coverage on real git repositories ------------------------------------------------

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A repository with `src/a.c` on main and a feature branch that changes lines 3–6 and 10.
fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    git(d, &["init", "-q"]);
    std::fs::create_dir(d.join("src")).unwrap();
    let v1: String = (1..=10).map(|i| format!("line {i}\n")).collect();
    std::fs::write(d.join("src/a.c"), &v1).unwrap();
    std::fs::write(d.join("README.md"), "readme\n").unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "one"]);
    git(d, &["checkout", "-qb", "feature"]);
    let v2: String = (1..=10)
        .map(|i| {
            if (3..=6).contains(&i) || i == 10 {
                format!("changed {i}\n")
            } else {
                format!("line {i}\n")
            }
        })
        .collect();
    std::fs::write(d.join("src/a.c"), v2).unwrap();
    std::fs::write(d.join("README.md"), "readme 2\n").unwrap();
    git(d, &["commit", "-qam", "two"]);
    tmp
}

#[test]
fn diff_coverage_of_changed_lines() {
    let tmp = repo();
    let d = tmp.path();
    // Lines 3, 4, 6 and 10 are coverable; 4 is covered; 5 is a comment (not in the report).
    std::fs::write(
        d.join("lcov.info"),
        format!(
            "SF:{}/src/a.c\nDA:1,1\nDA:3,0\nDA:4,2\nDA:6,0\nDA:10,0\nend_of_record\n",
            d.canonicalize().unwrap().display()
        ),
    )
    .unwrap();
    let doc = json_of(
        d,
        &["lcov.info", "--diff-base", "main", "--min-diff", "25"],
        0,
    );
    let base = String::from_utf8(
        Command::new("git")
            .args(["rev-parse", "main"])
            .current_dir(d)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        doc["diff"],
        json!({"base": base.trim(), "lines": {"covered": 1, "total": 4, "percent": 25.0}, "uncovered": [{"file": "src/a.c", "lines": [[3, 3], [6, 10]]}]})
    );
    assert_eq!(
        doc["gates"],
        json!([{"metric": "diff", "min": 25.0, "actual": 25.0, "passed": true}])
    );
    let o = run_in(d, &["lcov.info", "--diff-base", "main", "--min-diff", "30"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "diff coverage since {}: 1/4 changed lines covered (25.00%)\n  src/a.c: 3, 6-10\n",
            &base.trim()[..12]
        )),
        "{out}"
    );
}

#[test]
fn diff_with_no_matched_line_is_an_error_not_100() {
    let tmp = repo();
    let d = tmp.path();
    std::fs::write(
        d.join("lcov.info"),
        "SF:/elsewhere/src/b.c\nDA:1,1\nend_of_record\n",
    )
    .unwrap();
    let o = run_in(d, &["lcov.info", "--diff-base", "main", "--min-diff", "80"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("diff coverage: none of the 6 changed lines in 2 files since") && err.contains("no changed file is in the reports (changed: README.md; reports have: /elsewhere/src/b.c)"), "{err}");
}

#[test]
fn shallow_clone_without_the_base_says_fetch_depth_0() {
    let origin = repo();
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git(
        tmp.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "feature", &url, "clone",
        ],
    );
    let d = tmp.path().join("clone");
    std::fs::write(d.join("lcov.info"), "SF:src/a.c\nDA:3,1\nend_of_record\n").unwrap();
    let o = run_in(
        &d,
        &[
            "lcov.info",
            "--diff-base",
            "origin/main",
            "--min-diff",
            "80",
        ],
    );
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o), "coverage-gate: diff coverage: the diff base 'origin/main' is not in this clone (this is a shallow clone: fetch the history with `fetch-depth: 0` on actions/checkout, or `git fetch --unshallow`)\n");
    let o = run_in(&d, &["lcov.info", "--min-diff", "80"]);
    assert_eq!((code(&o), stderr(&o)), (2, "coverage-gate: --min-diff needs --diff-base REF (e.g. origin/main), or a pull_request event\n".to_string()));
}

#[test]
fn pull_request_event_supplies_the_base() {
    let tmp = repo();
    let d = tmp.path();
    std::fs::write(d.join("lcov.info"), "SF:src/a.c\nDA:3,1\nend_of_record\n").unwrap();
    let base = String::from_utf8(
        Command::new("git")
            .args(["rev-parse", "main"])
            .current_dir(d)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::write(
        d.join("event.json"),
        json!({"pull_request": {"base": {"sha": base.trim()}}}).to_string(),
    )
    .unwrap();
    let o = Command::new(BIN)
        .args(["lcov.info", "--min-diff", "100", "--json"])
        .current_dir(d)
        .env("GITHUB_EVENT_PATH", d.join("event.json"))
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        doc["diff"]["lines"],
        json!({"covered": 1, "total": 1, "percent": 100.0})
    );
}

// ---- GitHub Actions ------------------------------------------------------------------------

#[test]
fn actions_outputs_summary_and_at_most_ten_annotations() {
    let tmp = repo();
    let d = tmp.path();
    // 12 separate uncovered ranges on changed lines: 10 annotations, the rest in the summary.
    let body: String = (1..=48).map(|i| format!("changed {i}\n")).collect();
    std::fs::write(d.join("src/a.c"), body).unwrap();
    let mut info = String::from("SF:src/a.c\n");
    for l in 1..=48 {
        info.push_str(&format!("DA:{l},{}\n", u32::from(l % 4 != 0)));
    }
    info.push_str("end_of_record\n");
    std::fs::write(d.join("lcov.info"), info).unwrap();
    let o = Command::new(BIN)
        .args(["lcov.info", "--diff-base", "main", "--min-lines", "70"])
        .current_dir(d)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", d.join("out.txt"))
        .env("GITHUB_STEP_SUMMARY", d.join("summary.md"))
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("::warning title=coverage-gate%3A uncovered change,file=src/a.c"))
        .collect();
    assert_eq!(warnings.len(), 10, "{err}");
    assert_eq!(warnings[0], "::warning title=coverage-gate%3A uncovered change,file=src/a.c,line=4,endLine=4::line 4 was changed but not covered by tests");
    let outputs = std::fs::read_to_string(d.join("out.txt")).unwrap();
    assert_eq!(outputs, "lines=75.00\nbranches=\ndiff=75.00\npassed=true\n");
    let summary = std::fs::read_to_string(d.join("summary.md")).unwrap();
    assert!(
        summary.contains("| `src/a.c` | 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48 |"),
        "{summary}"
    );
    assert!(
        summary.contains("2 more uncovered ranges than GitHub shows as annotations"),
        "{summary}"
    );
    assert!(summary.len() < 1024 * 1024);
}

// ---- the command line ----------------------------------------------------------------------

#[test]
fn help_has_examples_and_exit_codes() {
    let o = run(&["--help"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(
        out.contains("Examples:\n  coverage-gate coverage.xml --min-lines 70\n"),
        "{out}"
    );
    assert!(out.contains("Exit status:"));
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(code(&run(&["--no-such-flag"])), 2);
    assert_eq!(code(&run(&[])), 2);
    assert_eq!(code(&run(&["gcc/out/unit.info", "--min-lines", "abc"])), 2);
    assert_eq!(code(&run(&["gcc/out/unit.info", "--path-map", "nope"])), 2);
}

#[test]
fn action_runs_end_to_end_and_inputs_cannot_inject_shell() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir(ws.path().join("src")).unwrap();
    std::fs::write(ws.path().join("src/a.c"), "int main() {}\n").unwrap();
    std::fs::write(
        ws.path().join("lcov.info"),
        "SF:/app/src/a.c\nDA:1,1\nDA:2,1\nDA:3,0\nBRDA:1,0,0,1\nBRDA:1,0,1,0\nend_of_record\n",
    )
    .unwrap();
    let result = harness::Action::load("actions/coverage-gate")
        .input("reports", "lcov.info")
        .input("strip-prefix", "/app/\n$(touch pwned); `touch pwned2`")
        .input("min-lines", "66.66")
        .input("badge", "badge.svg")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert_eq!(
        result.outputs,
        std::collections::BTreeMap::from([
            ("branches".to_string(), "50.00".to_string()),
            ("diff".to_string(), String::new()),
            ("lines".to_string(), "66.66".to_string()),
            ("passed".to_string(), "true".to_string()),
        ])
    );
    assert!(
        result.summary.contains("### ✅ Coverage (lcov)"),
        "{}",
        result.summary
    );
    assert!(ws.path().join("badge.svg").exists());
    assert!(!ws.path().join("pwned").exists() && !ws.path().join("pwned2").exists());

    let failing = harness::Action::load("actions/coverage-gate")
        .input("reports", "lcov.info")
        .input("strip-prefix", "/app/")
        .input("min-lines", "70")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(!failing.success);
    assert_eq!(failing.step("run").exit_code, Some(1));
    assert_eq!(failing.outputs["passed"], "false");
}
