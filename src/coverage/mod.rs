//! `coverage-gate`: reads every common coverage format, merges reports per line, and gates on
//! totals, on the lines a change touched, and on regressions against a baseline.

pub mod clover;
pub mod cobertura;
pub mod coveragepy;
pub mod diff;
pub mod formats;
pub mod gates;
pub mod golang;
pub mod istanbul;
pub mod jacoco;
pub mod lcov;
pub mod llvm;
pub mod model;
pub mod paths;
pub mod report;
pub mod xml;

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::cli::{Ctx, OutputArgs};
use crate::exit::{Exit, FileError, ToolError};
use crate::gha::{Annotation, Level};

use formats::{Format, ParseError, Sink, Tool};
use gates::{Baseline, Gate, Hundredths, Metrics};
use model::Coverage;
use paths::{PathMapper, PathOptions};

/// Command-line arguments of `coverage-gate`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "coverage-gate",
    version,
    about = "Read LCOV, Cobertura, JaCoCo, Clover, coverage.py, Istanbul, Go and llvm-cov reports, merge them per line, and gate on totals, changed lines and regressions",
    after_help = crate::after_help!(
        "  coverage-gate coverage.xml --min-lines 70\n  \
         coverage-gate lcov.info unit.info --min-lines 80 --min-branches 60\n  \
         coverage-gate 'coverage/**/coverage-final.json' --diff-base origin/main --min-diff 90\n  \
         coverage-gate cover.out --min-native 75 --badge coverage.svg\n  \
         coverage-gate lcov.info --strip-prefix /app/ --baseline base.json --max-drop 0.5 --json"
    )
)]
pub struct Args {
    /// Coverage reports (files, directories or glob patterns); the format is detected from the
    /// content.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<OsString>,
    /// Read every report as this format instead of detecting it.
    #[arg(long, value_enum, env = "COVERAGE_GATE_FORMAT")]
    pub format: Option<Format>,
    /// The repository root report paths are made relative to.
    #[arg(long, default_value = ".", env = "COVERAGE_GATE_ROOT")]
    pub root: PathBuf,
    /// Remove this prefix from report paths (reports made inside a container); repeatable.
    #[arg(long, value_name = "PREFIX")]
    pub strip_prefix: Vec<String>,
    /// Rewrite report paths starting with FROM to start with TO; repeatable.
    #[arg(long, value_name = "FROM=TO", value_parser = parse_map)]
    pub path_map: Vec<(String, String)>,
    /// Only count files matching this glob (repository-relative); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Do not count files matching this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Minimum line coverage, in percent (e.g. 70 or 72.5).
    #[arg(long, value_name = "PCT", value_parser = gates::parse_percent, env = "COVERAGE_GATE_MIN_LINES")]
    pub min_lines: Option<Hundredths>,
    /// Minimum branch coverage, in percent.
    #[arg(long, value_name = "PCT", value_parser = gates::parse_percent, env = "COVERAGE_GATE_MIN_BRANCHES")]
    pub min_branches: Option<Hundredths>,
    /// Minimum function coverage, in percent.
    #[arg(long, value_name = "PCT", value_parser = gates::parse_percent, env = "COVERAGE_GATE_MIN_FUNCTIONS")]
    pub min_functions: Option<Hundredths>,
    /// Minimum statement coverage, in percent.
    #[arg(long, value_name = "PCT", value_parser = gates::parse_percent, env = "COVERAGE_GATE_MIN_STATEMENTS")]
    pub min_statements: Option<Hundredths>,
    /// Minimum line coverage of every single file, in percent.
    #[arg(long, value_name = "PCT", value_parser = gates::parse_percent, env = "COVERAGE_GATE_MIN_FILE_LINES")]
    pub min_file_lines: Option<Hundredths>,
    /// Minimum of the producing tool's own headline number (coverage.py's combined percentage,
    /// Istanbul's statements, Go's statements, …), in percent.
    #[arg(long, value_name = "PCT", value_parser = gates::parse_percent, env = "COVERAGE_GATE_MIN_NATIVE")]
    pub min_native: Option<Hundredths>,
    /// Minimum coverage of the coverable lines changed since --diff-base, in percent.
    #[arg(long, value_name = "PCT", value_parser = gates::parse_percent, env = "COVERAGE_GATE_MIN_DIFF")]
    pub min_diff: Option<Hundredths>,
    /// Measure the lines changed since the merge base of this revision and HEAD (in a
    /// pull-request workflow the default is the pull request's base commit).
    #[arg(long, value_name = "REF", env = "COVERAGE_GATE_DIFF_BASE")]
    pub diff_base: Option<String>,
    /// Fail when a metric dropped more than --max-drop below this baseline file.
    #[arg(long, value_name = "FILE", env = "COVERAGE_GATE_BASELINE")]
    pub baseline: Option<PathBuf>,
    /// How far (percentage points) a metric may drop below --baseline.
    #[arg(long, value_name = "PCT", value_parser = gates::parse_percent, default_value = "0", env = "COVERAGE_GATE_MAX_DROP")]
    pub max_drop: Hundredths,
    /// Write the merged totals as a baseline file for later --baseline runs.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Write a coverage badge (SVG) for the line coverage.
    #[arg(long, value_name = "FILE.svg", env = "COVERAGE_GATE_BADGE")]
    pub badge: Option<PathBuf>,
    /// How many of the least covered files to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

fn parse_map(s: &str) -> Result<(String, String), String> {
    let (from, to) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not FROM=TO (e.g. /app/=)"))?;
    if from.is_empty() {
        return Err(format!("'{s}': FROM is empty"));
    }
    Ok((from.to_string(), to.to_string()))
}

/// Errors of `coverage-gate`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A report or baseline could not be read or a badge or baseline written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The report arguments matched nothing.
    #[error(transparent)]
    Select(#[from] crate::select::SelectError),
    /// A report is malformed, truncated or of an unknown format.
    #[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        /// The report.
        path: String,
        /// 1-based line, when known.
        line: Option<u64>,
        /// What is wrong and what to do.
        message: String,
    },
    /// An `--include`/`--exclude` glob is malformed.
    #[error("{0}")]
    Glob(String),
    /// The reports (after --include/--exclude) name no files.
    #[error("the reports contain no files{0}; a report without files cannot pass a gate")]
    NoFiles(String),
    /// The reports have files but not one coverable line or statement.
    #[error("the reports have {0} files but zero coverable lines; check that the tests ran with coverage enabled")]
    NothingCoverable(usize),
    /// A gate names a metric none of the reports has.
    #[error("--min-{metric} given, but no report has {metric} data ({formats}); drop the flag or produce the metric")]
    NoMetric {
        /// The metric.
        metric: String,
        /// The input formats.
        formats: String,
    },
    /// --min-native given but the reports do not come from one known tool.
    #[error(
        "--min-native needs reports from one tool whose headline number is known; these are {0}"
    )]
    NoNative(String),
    /// --min-diff given without a base.
    #[error("--min-diff needs --diff-base REF (e.g. origin/main), or a pull_request event")]
    NoDiffBase,
    /// The changed lines could not be read from git.
    #[error("diff coverage: {0}")]
    Diff(#[from] diff::DiffError),
    /// Not one changed line matched a coverable line of the reports.
    #[error("diff coverage: none of the {changed} changed lines in {files} files since {base} is a coverable line of the reports; {diagnosis}")]
    DiffUnmatched {
        /// Changed lines.
        changed: usize,
        /// Changed files.
        files: usize,
        /// The merge base.
        base: String,
        /// Why and what to do.
        diagnosis: String,
    },
    /// The baseline file is not a coverage-gate baseline.
    #[error("{path}: not a coverage-gate baseline ({message}); write one with --write-baseline")]
    BadBaseline {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Writing to stdout failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::File(e) => e.exit(),
            Error::Select(e) => e.exit(),
            Error::Io(_) => Exit::Env,
            _ => Exit::Usage,
        }
    }
}

/// The tool behind a parsed report.
fn tool_of(format: Format, sink_tool: Option<Tool>) -> Tool {
    match format {
        Format::Lcov => Tool::Lcov,
        Format::Cobertura => sink_tool.unwrap_or(Tool::Unknown),
        Format::Jacoco => Tool::Jacoco,
        Format::Clover => sink_tool.unwrap_or(Tool::Clover),
        Format::CoveragePy => Tool::CoveragePy,
        Format::Istanbul | Format::IstanbulSummary => Tool::Istanbul,
        Format::Go => Tool::Go,
        Format::LlvmCov => Tool::LlvmCov,
    }
}

/// The 1-based line of byte `offset` in `path` (for XML errors, which know only offsets).
fn line_of(path: &Path, offset: u64) -> Option<u64> {
    let file = File::open(path).ok()?;
    let mut reader = BufReader::new(file).take(offset);
    let mut buf = [0u8; 64 * 1024];
    let mut lines = 1;
    loop {
        let n = reader.read(&mut buf).ok()?;
        if n == 0 {
            return Some(lines);
        }
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
}

/// Parses `reader` as `format` into `sink`.
fn parse_as(format: Format, r: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    match format {
        Format::Lcov => lcov::parse(r, sink),
        Format::Cobertura => cobertura::parse(r, sink),
        Format::Jacoco => jacoco::parse(r, sink),
        Format::Clover => clover::parse(r, sink),
        Format::CoveragePy => coveragepy::parse(r, sink),
        Format::Istanbul => istanbul::parse_final(r, sink),
        Format::IstanbulSummary => istanbul::parse_summary(r, sink),
        Format::Go => golang::parse(r, sink),
        Format::LlvmCov => llvm::parse(r, sink),
    }
}

/// Parses one report into `cov`; returns its format, tool and notes.
fn read_report(
    path: &Path,
    forced: Option<Format>,
    cov: &mut Coverage,
    mapper: &PathMapper,
) -> Result<(Format, Tool, Vec<String>), Error> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|source| FileError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let parse_err = |e: ParseError| Error::Parse {
        path: shown.clone(),
        line: e.line.or_else(|| e.byte.and_then(|b| line_of(path, b))),
        message: e.message,
    };
    let format = match forced {
        Some(f) => f,
        None => formats::detect(&mut reader).map_err(parse_err)?,
    };
    let mut sink = Sink::new(cov, mapper);
    parse_as(format, &mut reader, &mut sink).map_err(|e| {
        let mut err = parse_err(e);
        if let (Error::Parse { message, .. }, Some(_)) = (&mut err, forced) {
            message.push_str(&format!(" (read as --format {})", format.name()));
        }
        err
    })?;
    let tool = tool_of(format, sink.tool);
    Ok((format, tool, sink.notes))
}

/// The totals of the merged data; a metric is absent when no file has any item of it.
pub fn metrics(cov: &Coverage) -> Metrics {
    let mut m = [model::Counts::default(); 5];
    for f in cov.files.values() {
        m[0] += f.line_counts();
        m[1] += f.statement_counts();
        m[2] += f.branch_counts();
        m[3] += f.function_counts();
        m[4] += f.instruction_counts();
    }
    let some = |c: model::Counts| (c.total > 0).then_some(c);
    Metrics {
        lines: some(m[0]),
        statements: some(m[1]),
        branches: some(m[2]),
        functions: some(m[3]),
        instructions: some(m[4]),
    }
}

/// The pull request's base commit from the Actions event, if this is a pull-request run.
fn event_base() -> Option<String> {
    let path = std::env::var_os("GITHUB_EVENT_PATH")?;
    let text = std::fs::read_to_string(path).ok()?;
    let event: serde_json::Value = serde_json::from_str(&text).ok()?;
    event
        .pointer("/pull_request/base/sha")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// Runs `coverage-gate` with parsed arguments; testable without a process.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let mapper = PathMapper::new(&PathOptions {
        root: args.root.clone(),
        strip: args.strip_prefix.clone(),
        maps: args.path_map.clone(),
        include: args.include.clone(),
        exclude: args.exclude.clone(),
    })
    .map_err(Error::Glob)?;
    let selection = crate::select::select(&args.reports, &crate::select::SelectOptions::default())?;
    // A report reached only through a link while walking a directory is not read: say so, since
    // a gate must not pass on less than the user pointed it at.
    for (path, why) in &selection.skipped {
        ctx.gha.annotate(
            Level::Warning,
            &Annotation::new(format!("{}: not read: {why}", path.display())).title("coverage-gate"),
        );
    }
    let mut cov = Coverage::default();
    let mut formats: Vec<Format> = Vec::new();
    let mut tools: Vec<Tool> = Vec::new();
    for report in &selection.files {
        let (format, tool, notes) = read_report(&report.path, args.format, &mut cov, &mapper)?;
        for note in notes {
            eprintln!("coverage-gate: {}: note: {note}", report.path.display());
        }
        if !formats.contains(&format) {
            formats.push(format);
        }
        if !tools.contains(&tool) {
            tools.push(tool);
        }
    }
    let before = cov.files.len();
    cov.files.retain(|path, _| mapper.keep(path));
    let format_names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
    if cov.files.is_empty() {
        let why = if before > 0 {
            format!(" after --include/--exclude ({before} before)")
        } else {
            String::new()
        };
        return Err(Error::NoFiles(why));
    }
    // Only llvm-cov exports carry a per-file summary next to their records.
    let numbers = cov.settle(Format::LlvmCov.name());
    if numbers.source == "records" && tools.contains(&Tool::LlvmCov) {
        eprintln!("coverage-gate: note: {}", numbers.why);
    }
    cov.normalize();
    let m = metrics(&cov);
    if m.lines.is_none() && m.statements.is_none() {
        return Err(Error::NothingCoverable(cov.files.len()));
    }
    let native = match tools.as_slice() {
        [tool] => gates::native(*tool, &m),
        _ => None,
    };

    let mut gate_list: Vec<Gate> = Vec::new();
    for (name, min) in [
        ("lines", args.min_lines),
        ("statements", args.min_statements),
        ("branches", args.min_branches),
        ("functions", args.min_functions),
    ] {
        let Some(min) = min else { continue };
        let counts = m.get(name).ok_or_else(|| Error::NoMetric {
            metric: name.to_string(),
            formats: format_names.join(", "),
        })?;
        gate_list.push(Gate::new(name, min, gates::floor_hundredths(counts)));
    }
    if let Some(min) = args.min_native {
        let n = native
            .as_ref()
            .ok_or_else(|| Error::NoNative(format_names.join(", ")))?;
        gate_list.push(Gate::new("native", min, n.hundredths));
    }
    let mut failing_files: Vec<(String, Hundredths)> = Vec::new();
    if let Some(min) = args.min_file_lines {
        let mut worst = 10_000;
        for (path, f) in cov.sorted() {
            let c = f.line_counts();
            if c.total == 0 {
                continue;
            }
            let p = gates::floor_hundredths(c);
            worst = worst.min(p);
            if p < min {
                failing_files.push((path.clone(), p));
            }
        }
        gate_list.push(Gate::new("file-lines", min, worst));
    }

    let diff_base = args
        .diff_base
        .clone()
        .or_else(|| args.min_diff.and_then(|_| event_base()));
    let diff = match &diff_base {
        Some(base) => {
            let changes = diff::changes(&args.root, base)?;
            let measured = diff::measure(&changes, &cov);
            if measured.lines.total == 0 {
                let changed: usize = changes.files.values().map(Vec::len).sum();
                let diagnosis = if changes.files.is_empty() {
                    "nothing changed; there is nothing to measure".to_string()
                } else if measured.matched_files == 0 {
                    let example = changes.files.keys().next().cloned().unwrap_or_default();
                    let known = cov
                        .sorted()
                        .first()
                        .map(|(p, _)| p.to_string())
                        .unwrap_or_default();
                    let mut d = format!(
                        "no changed file is in the reports (changed: {example}; reports have: {known})"
                    );
                    if let Some(paths) = mapper.diagnose(cov.files.keys()) {
                        d.push_str(&format!("; {paths}"));
                    }
                    d
                } else {
                    "the changed lines in reported files are not coverable (comments, declarations); \
                     drop --min-diff for this change"
                        .to_string()
                };
                return Err(Error::DiffUnmatched {
                    changed,
                    files: changes.files.len(),
                    base: changes.base.clone(),
                    diagnosis,
                });
            }
            if let Some(min) = args.min_diff {
                gate_list.push(Gate::new(
                    "diff",
                    min,
                    gates::floor_hundredths(measured.lines),
                ));
            }
            Some((changes.base, measured))
        }
        None if args.min_diff.is_some() => return Err(Error::NoDiffBase),
        None => None,
    };

    if let Some(path) = &args.baseline {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
            path: shown.clone(),
            source,
        })?;
        let base: Baseline = serde_json::from_str(&text).map_err(|e| Error::BadBaseline {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        if base.schema != gates::BASELINE_SCHEMA {
            return Err(Error::BadBaseline {
                path: shown,
                message: format!("schema '{}'", base.schema),
            });
        }
        gate_list.extend(gates::ratchet(&base.metrics, &m, args.max_drop));
    }
    if let Some(path) = &args.write_baseline {
        let base = Baseline {
            schema: gates::BASELINE_SCHEMA.to_string(),
            metrics: m,
        };
        let mut bytes = serde_json::to_vec_pretty(&base).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        crate::fsutil::atomic_write(path, &bytes)?;
    }
    if let Some(diagnosis) = mapper.diagnose(cov.files.keys()) {
        ctx.gha.annotate(
            Level::Warning,
            &Annotation::new(diagnosis).title("coverage-gate: paths"),
        );
    }
    let passed = gate_list.iter().all(|g| g.passed);
    let outcome = report::Outcome {
        formats: format_names,
        files: cov.files.len(),
        metrics: m,
        numbers,
        native,
        diff,
        gates: gate_list,
        passed,
        failing_files,
    };
    if let Some(path) = &args.badge {
        let percent = m
            .lines
            .or(m.statements)
            .map(gates::floor_hundredths)
            .unwrap_or(0);
        crate::fsutil::atomic_write(path, report::badge(percent).as_bytes())?;
    }
    if args.output.json {
        crate::output::write_json(ctx.out, &outcome.json())?;
    } else {
        ctx.out
            .write_all(report::human(&outcome, &cov, args.worst, &ctx.style).as_bytes())?;
    }
    report::actions(&outcome, &cov, &ctx.gha)?;
    Ok(if passed { Exit::Ok } else { Exit::Failed })
}

/// Entry point of the `coverage-gate` binary and of `relkit coverage-gate`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("coverage-gate", argv, run)
}

#[cfg(test)]
mod fuzz {
    //! Property tests: no input makes any parser (or the totals computed from its output) panic.
    use super::*;
    use proptest::prelude::*;

    const FORMATS: [Format; 9] = [
        Format::Lcov,
        Format::Cobertura,
        Format::Jacoco,
        Format::Clover,
        Format::CoveragePy,
        Format::Istanbul,
        Format::IstanbulSummary,
        Format::Go,
        Format::LlvmCov,
    ];

    const SEEDS: [(&[u8], Format); 11] = [
        (
            include_bytes!("../../tests/fixtures/coverage-gate/gcc/out/two-sections.info"),
            Format::Lcov,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/gcc/out/gcovr.xml"),
            Format::Cobertura,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/edge/jacoco.xml"),
            Format::Jacoco,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/jacoco/out/jacoco.xml"),
            Format::Jacoco,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/istanbul/out/clover.xml"),
            Format::Clover,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/clover/out/clover.xml"),
            Format::Clover,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/python/out/coverage.json"),
            Format::CoveragePy,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/istanbul/out/coverage-final.json"),
            Format::Istanbul,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/istanbul/out/coverage-summary.json"),
            Format::IstanbulSummary,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/go/out/cover-count.out"),
            Format::Go,
        ),
        (
            include_bytes!("../../tests/fixtures/coverage-gate/llvm/out/llvm-export.json"),
            Format::LlvmCov,
        ),
    ];

    /// Detects (or forces) and parses `bytes`, then computes everything shown from the result.
    fn exercise(bytes: &[u8], forced: Option<Format>) {
        let mapper = PathMapper::new(&PathOptions::default()).unwrap();
        let mut reader: &[u8] = bytes;
        let format = match forced {
            Some(f) => f,
            None => match formats::detect(&mut reader) {
                Ok(f) => f,
                Err(_) => return,
            },
        };
        let mut cov = Coverage::default();
        let mut sink = Sink::new(&mut cov, &mapper);
        // Errors are expected here; only panics fail the property.
        let _ = parse_as(format, &mut reader, &mut sink);
        cov.normalize();
        let m = metrics(&cov);
        for tool in [
            Tool::Lcov,
            Tool::CoveragePy,
            Tool::Gcovr,
            Tool::Istanbul,
            Tool::Go,
            Tool::LlvmCov,
            Tool::Jacoco,
            Tool::Clover,
        ] {
            let _ = gates::native(tool, &m);
        }
        let _ = mapper.diagnose(cov.files.keys());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), f in 0usize..10) {
            exercise(&bytes, FORMATS.get(f).copied());
        }

        #[test]
        fn mutated_real_reports_never_panic(seed in 0usize..SEEDS.len(), cut in any::<prop::sample::Index>(), flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8), detect in any::<bool>()) {
            let (bytes, format) = SEEDS[seed];
            let mut bytes = bytes[..cut.index(bytes.len() + 1).min(bytes.len())].to_vec();
            if !bytes.is_empty() {
                for (at, b) in &flips {
                    let i = at.index(bytes.len());
                    bytes[i] = *b;
                }
            }
            exercise(&bytes, if detect { None } else { Some(format) });
        }

        #[test]
        fn structured_lcov_never_panics(records in proptest::collection::vec(
            prop_oneof![
                Just("SF:a.c".to_string()),
                Just("end_of_record".to_string()),
                (any::<u64>(), any::<i64>()).prop_map(|(l, h)| format!("DA:{l},{h}")),
                (any::<u32>(), any::<u32>(), "[a-z,()= ]{0,8}", "-|[0-9]{1,3}").prop_map(|(l, b, e, t)| format!("BRDA:{l},{b},{e},{t}")),
                (any::<u32>(), "[a-z,]{0,6}").prop_map(|(l, n)| format!("FN:{l},{n}")),
                (any::<u64>(), "[a-z]{0,6}").prop_map(|(h, n)| format!("FNDA:{h},{n}")),
                (any::<u64>(), any::<u32>()).prop_map(|(i, l)| format!("FNL:{i},{l}")),
                (any::<u64>(), any::<u64>(), "[a-z]{0,6}").prop_map(|(i, h, n)| format!("FNA:{i},{h},{n}")),
            ], 0..40)) {
            exercise(records.join("\n").as_bytes(), Some(Format::Lcov));
        }

        #[test]
        fn structured_go_never_panics(blocks in proptest::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<u64>()), 0..20)) {
            let mut text = String::from("mode: count\n");
            for (sl, sc, span, ec, n, c) in blocks {
                text.push_str(&format!("m/a.go:{sl}.{sc},{}.{ec} {n} {c}\n", sl.saturating_add(span % 50)));
            }
            exercise(text.as_bytes(), None);
        }
    }
}
