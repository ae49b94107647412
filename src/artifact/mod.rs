//! artifact-check: verifies release artifacts before they ship — expected files present and
//! nothing unexpected, sizes within bounds, binaries of the right format and architecture,
//! archives and Debian packages with safe, complete contents, versions consistent.

pub mod arch;
pub mod archive;
pub mod binary;
pub mod deb;
pub mod expect;
pub mod report;
pub mod size;
pub mod version;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use crate::cli::{Ctx, OutputArgs};
use crate::exit::{Exit, FileError, ToolError};
use crate::fsutil::slash_path;
use crate::select::{select, SelectError, SelectOptions};
use binary::Binary;
use expect::Expected;
use report::{ArtifactReport, Check, Finding, ManifestReport, Report};

/// Command-line arguments of `artifact-check`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "artifact-check",
    version,
    disable_version_flag = true,
    about = "Verify release artifacts before they ship: presence, size, naming, architecture, archive and package contents, versions",
    after_help = crate::after_help!(
"  artifact-check dist/ --min-size 1MB --max-size 3GB
  artifact-check --version 1.2.3 --expect 'dist/app-{version}-{os}-{arch}{ext}' \\
      --matrix os=linux,windows arch=x86_64,aarch64
  artifact-check dist/*.tar.gz --contains 'app{ext}' --contains LICENSES/ --contains README.md
  artifact-check dist/*.deb --expect-arch '*_arm64.deb=aarch64' --manifest Cargo.toml
  artifact-check dist/ --json --skip exec"
    )
)]
pub struct Args {
    /// Artifacts to check: files, directories (walked) or glob patterns. Without them, the
    /// directories named by the --expect patterns are checked.
    #[arg(value_name = "PATH")]
    pub paths: Vec<OsString>,

    /// An expected artifact, with placeholders {version}, {os}, {arch}, {target}, {ext} and the
    /// --matrix keys, expanded over the matrix; may be a glob. Missing and unexpected files fail.
    #[arg(long = "expect", value_name = "PATTERN")]
    pub expect: Vec<String>,

    /// Build-matrix dimensions for --expect: KEY=VALUE,VALUE… (several after one flag, or the
    /// flag repeated; values without '=' after it are artifact paths).
    #[arg(long, value_name = "KEY=VALUES", num_args = 1..)]
    pub matrix: Vec<String>,

    /// Drops matrix combinations: KEY=VALUE pairs that must all match, e.g.
    /// 'os=windows arch=aarch64' (repeatable).
    #[arg(long = "matrix-exclude", value_name = "KEY=VALUE…")]
    pub matrix_exclude: Vec<String>,

    /// Smallest allowed size, e.g. 1MB, 512KiB; GLOB=SIZE applies it only to matching files.
    #[arg(long = "min-size", value_name = "[GLOB=]SIZE")]
    pub min_size: Vec<String>,

    /// Largest allowed size, e.g. 3GB, 2GiB; GLOB=SIZE applies it only to matching files.
    #[arg(long = "max-size", value_name = "[GLOB=]SIZE")]
    pub max_size: Vec<String>,

    /// Architecture binaries must have (x86_64, aarch64, arm, x86, riscv64, …; aliases such as
    /// amd64 and arm64 work); GLOB=ARCH applies it only to matching files. Without it the arch
    /// comes from the --matrix or from the file name.
    #[arg(long = "expect-arch", value_name = "[GLOB=]ARCH")]
    pub expect_arch: Vec<String>,

    /// An entry every archive (.tar.gz, .tar.xz, .zip) must contain, relative to its top-level
    /// directory; a trailing / asks for a directory; globs and placeholders allowed.
    #[arg(long, value_name = "PATH")]
    pub contains: Vec<String>,

    /// The release version the file names, packages and manifests must carry. Default: the tag
    /// in GITHUB_REF_NAME without its leading 'v'.
    #[arg(long = "version", value_name = "VERSION")]
    pub release_version: Option<String>,

    /// A manifest whose version must equal the release version: Cargo.toml, package.json or
    /// pyproject.toml.
    #[arg(long, value_name = "FILE")]
    pub manifest: Vec<PathBuf>,

    /// Report files no --expect pattern names as warnings instead of failures.
    #[arg(long = "allow-unexpected")]
    pub allow_unexpected: bool,

    /// Checks to skip: expect, size, arch, exec, contents, deb, version (repeatable or
    /// comma-separated).
    #[arg(long, value_name = "CHECK", value_delimiter = ',')]
    pub skip: Vec<Check>,

    /// Print the tool's version.
    #[arg(short = 'V', long = "tool-version", action = clap::ArgAction::Version)]
    pub tool_version: Option<bool>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// Errors of artifact-check that stop it before any artifact is checked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag's value is malformed (size, matrix, pattern, architecture).
    #[error("{0}")]
    Usage(String),
    /// The paths given select no file.
    #[error(transparent)]
    Select(#[from] SelectError),
    /// The report could not be written to stdout.
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
    /// The job summary or a step output could not be written.
    #[error(transparent)]
    Actions(#[from] FileError),
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::Usage(_) | Error::Select(_) => Exit::Usage,
            Error::Output(_) => Exit::Env,
            Error::Actions(e) => e.exit(),
        }
    }
}

/// The architecture(s) a binary must have, and where that expectation comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchExpect {
    /// Canonical names; a binary must have all of them (one, or the slices of a universal
    /// binary).
    pub arches: Vec<String>,
    /// Where the expectation comes from (`--expect-arch`, `file name`, `Architecture: arm64`).
    pub source: String,
    /// No binary at all may be there (a Debian package of `Architecture: all`).
    pub none: bool,
}

impl ArchExpect {
    /// True when nothing is expected.
    pub fn is_empty(&self) -> bool {
        self.arches.is_empty() && !self.none
    }

    /// What a file name announces.
    pub fn from_name(path: &str) -> Self {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        ArchExpect {
            arches: arch::from_file_name(name)
                .into_iter()
                .map(str::to_string)
                .collect(),
            source: "from the file name".to_string(),
            none: false,
        }
    }

    /// Why `binary` does not meet the expectation, if it does not.
    pub fn check(&self, binary: &Binary) -> Option<String> {
        let found: Vec<&str> = binary.slices.iter().map(|s| s.arch.as_str()).collect();
        if self.none {
            return Some(format!(
                "{} for {} in a package of {}",
                binary.describe(),
                found.join("+"),
                self.source
            ));
        }
        if self.arches.is_empty() {
            return None;
        }
        let lacking: Vec<&str> = self
            .arches
            .iter()
            .map(String::as_str)
            .filter(|e| !found.contains(e))
            .collect();
        if lacking.is_empty() {
            return None;
        }
        Some(format!(
            "{} for {}, expected {} ({})",
            binary.describe(),
            found.join("+"),
            self.arches.join("+"),
            self.source
        ))
    }
}

/// A flag value that may apply to all files or, as `GLOB=VALUE`, only to matching ones.
struct Scoped<T> {
    glob: Option<(String, GlobMatcher)>,
    value: T,
}

impl<T> Scoped<T> {
    fn applies(&self, path: &str) -> bool {
        match &self.glob {
            None => true,
            Some((glob, m)) => {
                let name = path.rsplit('/').next().unwrap_or(path);
                m.is_match(if glob.contains('/') { path } else { name })
            }
        }
    }
}

fn parse_scoped<T>(
    flag: &str,
    items: &[String],
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<Scoped<T>>, Error> {
    items
        .iter()
        .map(|item| {
            let (glob, value) = match item.rsplit_once('=') {
                Some((g, v)) => (Some(g), v),
                None => (None, item.as_str()),
            };
            let value =
                parse(value).map_err(|e| Error::Usage(format!("--{flag} '{item}': {e}")))?;
            let glob = match glob {
                None => None,
                Some(g) => Some((
                    g.to_string(),
                    GlobBuilder::new(g)
                        .literal_separator(true)
                        .build()
                        .map_err(|e| {
                            Error::Usage(format!("--{flag} '{item}': '{g}' is not a glob: {e}"))
                        })?
                        .compile_matcher(),
                )),
            };
            Ok(Scoped { glob, value })
        })
        .collect()
}

fn parse_arch(text: &str) -> Result<String, String> {
    arch::canonical(text).map(str::to_string).ok_or_else(|| {
        format!("unknown architecture '{text}'; use x86_64, aarch64, arm, x86, riscv64, powerpc64le, s390x (or amd64, arm64, …)")
    })
}

/// Everything `run` decided before looking at files.
struct Plan {
    version: Option<String>,
    expected: Vec<Expected>,
    min: Vec<Scoped<u64>>,
    max: Vec<Scoped<u64>>,
    arch: Vec<Scoped<String>>,
    skip: Vec<Check>,
    contains: Vec<String>,
    allow_unexpected: bool,
}

impl Plan {
    fn on(&self, check: Check) -> bool {
        !self.skip.contains(&check)
    }
}

/// The release version when none is given: the tag being built, as Actions names it.
fn version_from_env() -> Option<String> {
    let ref_type = std::env::var("GITHUB_REF_TYPE").unwrap_or_default();
    if !ref_type.is_empty() && ref_type != "tag" {
        return None;
    }
    std::env::var("GITHUB_REF_NAME")
        .ok()
        .and_then(|n| version::from_ref_name(&n))
}

/// Runs artifact-check with parsed arguments; testable without a process.
pub fn run(mut args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    // `--matrix` takes several values (`--matrix os=linux arch=x86_64`, as in the issue), so
    // clap also hands it the paths written after it; a value without `=` is one of those.
    let (matrix_items, stray): (Vec<String>, Vec<String>) =
        args.matrix.drain(..).partition(|m| m.contains('='));
    args.matrix = matrix_items;
    args.paths.extend(stray.into_iter().map(OsString::from));
    if args.paths.is_empty() && args.expect.is_empty() {
        return Err(Error::Usage(
            "nothing to check; pass artifact paths (files, directories, globs) or --expect patterns"
                .to_string(),
        ));
    }
    if !(args.matrix.is_empty() && args.matrix_exclude.is_empty()) && args.expect.is_empty() {
        return Err(Error::Usage(
            "--matrix is only used by --expect patterns; add --expect".to_string(),
        ));
    }
    let mut version = args.release_version.clone().or_else(version_from_env);
    let (mut manifests, mut exit) = read_manifests(&args.manifest);
    // Without --version or a tag, the first manifest sets the version the rest must agree with.
    if version.is_none() {
        version = manifests.iter().find_map(|m| m.version.clone());
    }
    if let (Some(v), false) = (&version, args.skip.contains(&Check::Version)) {
        for m in manifests.iter_mut() {
            if let Some(found) = m.version.as_ref().filter(|f| *f != v) {
                m.findings.push(Finding::error(
                    Check::Version,
                    format!("declares version {found}, but the release version is {v}"),
                ));
            }
        }
    }
    let matrix = expect::parse_matrix(&args.matrix).map_err(Error::Usage)?;
    let excludes = expect::parse_excludes(&args.matrix_exclude, &matrix).map_err(Error::Usage)?;
    let mut expected = Vec::new();
    for pattern in &args.expect {
        expected.extend(
            expect::expand(pattern, &matrix, &excludes, version.as_deref())
                .map_err(Error::Usage)?,
        );
    }
    let plan = Plan {
        min: parse_scoped("min-size", &args.min_size, size::parse_size)?,
        max: parse_scoped("max-size", &args.max_size, size::parse_size)?,
        arch: parse_scoped("expect-arch", &args.expect_arch, parse_arch)?,
        version,
        expected,
        skip: args.skip.clone(),
        contains: args.contains.clone(),
        allow_unexpected: args.allow_unexpected,
    };

    let (files, skipped) = collect(&args.paths, &plan.expected)?;
    let mut artifacts = Vec::new();
    // The shared walker's reason names a flag this tool does not have; say it in our words.
    for (path, _) in skipped {
        let shown = slash_path(&path).unwrap_or_else(|_| path.to_string_lossy().into_owned());
        let mut report = ArtifactReport::new(shown, "skipped");
        report.findings.push(Finding::warning(
            Check::Expect,
            "not checked: a symbolic link met while walking a directory; name it explicitly to check its target",
        ));
        artifacts.push(report);
    }
    let mut answered = vec![false; plan.expected.len()];
    for file in &files {
        let key = match_key(file);
        let shown = slash_path(file).unwrap_or_else(|_| file.to_string_lossy().into_owned());
        // A pattern may be written relative to the current directory or as the path was given.
        // Every expectation a file matches is answered; the first one describes the file.
        let mut hit = None;
        for (i, e) in plan.expected.iter().enumerate() {
            if e.matches(&key) || e.matches(&shown) {
                answered[i] = true;
                hit = hit.or(Some(i));
            }
        }
        let status = if hit.is_none() && !plan.expected.is_empty() {
            "unexpected"
        } else {
            "present"
        };
        let mut report = ArtifactReport::new(shown, status);
        if status == "unexpected" && plan.on(Check::Expect) {
            let message = "not named by any --expect pattern (a stale or stray file?)";
            report.findings.push(if plan.allow_unexpected {
                Finding::warning(Check::Expect, message)
            } else {
                Finding::error(Check::Expect, message)
            });
        }
        let exp = hit.map(|i| &plan.expected[i]);
        report.pattern = exp.map(|e| e.pattern.clone());
        exit = exit.worst(check_file(file, exp, &plan, &mut report));
        artifacts.push(report);
    }
    if plan.on(Check::Expect) {
        let missing = plan.expected.iter().zip(&answered).filter(|(_, a)| !**a);
        artifacts.extend(missing.map(|(e, _)| missing_report(e)));
    }

    let report = Report::new(plan.version.clone(), artifacts, manifests);
    if !report.ok {
        exit = exit.worst(Exit::Failed);
    }
    exit = exit.worst(write_report(&report, args.output.json, ctx)?);
    Ok(exit)
}

/// Reads each `--manifest`'s version; an unreadable one is bad input (exit 2).
fn read_manifests(paths: &[PathBuf]) -> (Vec<ManifestReport>, Exit) {
    let mut exit = Exit::Ok;
    let mut manifests = Vec::new();
    for path in paths {
        let mut m = ManifestReport {
            path: path.display().to_string(),
            version: None,
            findings: Vec::new(),
        };
        let read = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| version::manifest_version(path, &text));
        match read {
            Ok(v) => m.version = Some(v),
            Err(e) => {
                exit = Exit::Usage;
                m.findings.push(Finding::error(Check::Version, e));
            }
        }
        manifests.push(m);
    }
    (manifests, exit)
}

/// The report row of an expected artifact no file matched.
fn missing_report(e: &Expected) -> ArtifactReport {
    let mut report = ArtifactReport::new(e.path.clone(), "missing");
    report.pattern = Some(e.pattern.clone());
    let values: Vec<String> = e
        .values
        .iter()
        .filter(|(k, v)| !v.is_empty() && e.pattern.contains(&format!("{{{k}}}")))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let from = if values.is_empty() {
        format!("--expect '{}'", e.pattern)
    } else {
        format!("--expect '{}' with {}", e.pattern, values.join(", "))
    };
    report.findings.push(Finding::error(
        Check::Expect,
        format!("missing (expected by {from})"),
    ));
    report
}

/// Prints the report (text or JSON) and, inside Actions, the annotations, the job summary and
/// the step outputs; failing to write those is the environment's failure (exit 3).
fn write_report(report: &Report, json: bool, ctx: &mut Ctx) -> Result<Exit, Error> {
    if json {
        crate::output::write_json(ctx.out, report)?;
    } else {
        write!(ctx.out, "{}", report.to_text(&ctx.style))?;
    }
    if !ctx.gha.is_actions() {
        return Ok(Exit::Ok);
    }
    report.annotate(&ctx.gha);
    let checked: Vec<&str> = report
        .artifacts
        .iter()
        .filter(|a| a.status == "present" || a.status == "unexpected")
        .map(|a| a.path.as_str())
        .collect();
    let result = if report.ok { "pass" } else { "fail" };
    ctx.gha.append_summary(&report.to_markdown())?;
    ctx.gha.set_output("result", result)?;
    ctx.gha
        .set_output("failures", &report.failures.to_string())?;
    ctx.gha.set_output("artifacts", &checked.join("\n"))?;
    Ok(Exit::Ok)
}

/// The files to check: those given, or those in the directories the --expect patterns name.
/// Also returns what a directory walk passed over (symbolic links), with the reason.
fn collect(paths: &[OsString], expected: &[Expected]) -> Result<Collected, Error> {
    let opts = SelectOptions::default();
    if !paths.is_empty() {
        let selection = select(paths, &opts)?;
        return Ok((
            selection.files.into_iter().map(|s| s.path).collect(),
            selection.skipped,
        ));
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    for e in expected {
        let mut dir = crate::select::literal_prefix(&e.path);
        if dir.as_os_str().is_empty() {
            dir.push(".");
        }
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let selection = select(&[dir.into_os_string()], &opts)?;
        for s in selection.files {
            if !files.contains(&s.path) {
                files.push(s.path);
            }
        }
        skipped.extend(selection.skipped);
    }
    Ok((files, skipped))
}

/// The files to check, and the entries passed over with the reason.
type Collected = (Vec<PathBuf>, Vec<(PathBuf, String)>);

/// The slash path an --expect pattern is matched against: relative to the current directory
/// when the file is under it.
fn match_key(path: &Path) -> String {
    let rel = match std::env::current_dir() {
        Ok(cwd) if path.is_absolute() => path.strip_prefix(&cwd).unwrap_or(path),
        _ => path,
    };
    slash_path(rel).unwrap_or_else(|_| rel.to_string_lossy().replace('\\', "/"))
}

/// Runs every check on one present file; returns the exit status its reading alone calls for
/// (2 when it cannot be read at all).
fn check_file(
    path: &Path,
    exp: Option<&Expected>,
    plan: &Plan,
    report: &mut ArtifactReport,
) -> Exit {
    let shown = report.path.clone();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            report
                .findings
                .push(Finding::error(Check::Expect, format!("cannot read: {e}")));
            return Exit::Usage;
        }
    };
    let size = meta.len();
    report.size = Some(size);
    if plan.on(Check::Size) {
        if let Some(min) = plan.min.iter().rev().find(|s| s.applies(&shown)) {
            if size < min.value {
                report.findings.push(Finding::error(
                    Check::Size,
                    format!("{size} bytes, smaller than the minimum {} bytes", min.value),
                ));
            }
        }
        if let Some(max) = plan.max.iter().rev().find(|s| s.applies(&shown)) {
            if size > max.value {
                report.findings.push(Finding::error(
                    Check::Size,
                    format!("{size} bytes, larger than the maximum {} bytes", max.value),
                ));
            }
        }
    }
    // Where the expected architecture comes from, strongest first.
    let explicit = plan
        .arch
        .iter()
        .rev()
        .find(|s| s.applies(&shown))
        .map(|s| ArchExpect {
            arches: vec![s.value.clone()],
            source: "--expect-arch".to_string(),
            none: false,
        });
    let from_matrix = exp.and_then(|e| e.arch()).map(|a| ArchExpect {
        arches: vec![a.to_string()],
        source: "--matrix".to_string(),
        none: false,
    });
    let required = explicit.or(from_matrix);
    let os = exp
        .and_then(|e| e.values.get("os"))
        .and_then(|v| arch::os_from_file_name(v))
        .or_else(|| arch::os_from_file_name(&name));
    let arch_expect = required
        .clone()
        .unwrap_or_else(|| ArchExpect::from_name(&name));
    report.expected_arch = arch_expect.arches.clone();
    if let (Some(v), true) = (&plan.version, plan.on(Check::Version)) {
        if let version::NameVersion::Other(found) = version::in_file_name(&name, v) {
            report.findings.push(Finding::error(
                Check::Version,
                format!("the file name has version {found}, but the release version is {v}"),
            ));
        }
    }
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            report
                .findings
                .push(Finding::error(Check::Expect, format!("cannot open: {e}")));
            return Exit::Usage;
        }
    };
    if meta.is_dir() {
        return Exit::Ok;
    }
    if name.to_ascii_lowercase().ends_with(".deb") {
        let none = ArchExpect::default();
        let expect = deb::DebExpect {
            file_name: &name,
            arch: required.as_ref().unwrap_or(&none),
            version: plan.version.as_deref(),
            check_arch: plan.on(Check::Arch),
            check_exec: plan.on(Check::Exec),
            check_version: plan.on(Check::Version),
        };
        let (info, findings) = deb::check(&mut std::io::BufReader::new(file), &expect);
        // data.tar's entries are checked like an archive's: `--skip contents` applies to them too.
        report
            .findings
            .extend(findings.into_iter().filter(|f| plan.on(f.check)));
        report.deb = Some(info);
        return Exit::Ok;
    }
    if let Some(kind) = archive::Kind::from_name(&name) {
        return check_archive(file, kind, exp, (&arch_expect, os), &name, plan, report);
    }
    let mut magic = [0u8; 8];
    let n = match read_prefix(&mut file, &mut magic) {
        Ok(n) => n,
        Err(e) => {
            report
                .findings
                .push(Finding::error(Check::Expect, format!("cannot read: {e}")));
            return Exit::Usage;
        }
    };
    if !binary::looks_binary(&magic[..n]) {
        return Exit::Ok;
    }
    let cache = object::ReadCache::new(file);
    match binary::inspect(&cache) {
        Ok(Some(found)) => {
            if plan.on(Check::Arch) {
                if let Some(problem) = arch_expect.check(&found) {
                    report.findings.push(Finding::error(Check::Arch, problem));
                }
                if let Some(problem) = os.and_then(|os| binary::os_problem(os, &found)) {
                    report.findings.push(Finding::error(Check::Arch, problem));
                }
            }
            #[cfg(unix)]
            if plan.on(Check::Exec) && found.runnable() {
                use std::os::unix::fs::PermissionsExt;
                let mode = meta.permissions().mode();
                if mode & 0o111 == 0 {
                    report.findings.push(Finding::error(
                        Check::Exec,
                        format!(
                            "executable without the executable bit (mode {:o}); chmod +x it",
                            mode & 0o7777
                        ),
                    ));
                }
            }
            report.binary = Some(found);
        }
        Ok(None) => {}
        Err(e) => report.findings.push(Finding::error(
            Check::Arch,
            format!("looks like an executable but its headers are broken: {e}"),
        )),
    }
    Exit::Ok
}

/// Fills `buf` from the start of `file` as far as the file goes; returns the bytes read.
fn read_prefix(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Lists an archive as a stream and checks its entries; returns 2 when it cannot be read at all.
fn check_archive(
    mut file: File,
    kind: archive::Kind,
    exp: Option<&Expected>,
    (arch_expect, os): (&ArchExpect, Option<&'static str>),
    name: &str,
    plan: &Plan,
    report: &mut ArtifactReport,
) -> Exit {
    let mut magic = [0u8; 512];
    let n = match read_prefix(&mut file, &mut magic) {
        Ok(n) => n,
        Err(e) => {
            report
                .findings
                .push(Finding::error(Check::Expect, format!("cannot read: {e}")));
            return Exit::Usage;
        }
    };
    if !archive::magic_matches(kind, &magic[..n]) {
        report.findings.push(Finding::error(
            Check::Contents,
            format!(
                "named like a {} archive but its content is not one",
                kind.name()
            ),
        ));
        return Exit::Ok;
    }
    let mut scanner = archive::Scanner::new(arch_expect);
    scanner.os = os;
    scanner.check_arch = plan.on(Check::Arch);
    scanner.check_exec = plan.on(Check::Exec);
    use std::io::Seek;
    let rewound = file.rewind();
    let result = match (kind, rewound) {
        (_, Err(e)) => Err(e.to_string()),
        (archive::Kind::Zip, Ok(())) => scanner.zip(std::io::BufReader::new(file)),
        (_, Ok(())) => {
            let compression = match kind {
                archive::Kind::TarGz => "gz",
                archive::Kind::TarXz => "xz",
                archive::Kind::TarZst => "zst",
                _ => "",
            };
            decompress_and_list(&mut scanner, compression, file)
        }
    };
    let entries = match result {
        Ok(n) => n,
        Err(e) => {
            scanner.findings.push(Finding::error(
                Check::Contents,
                format!("cannot list the {} archive: {e}", kind.name()),
            ));
            0
        }
    };
    if plan.on(Check::Contents) && !plan.contains.is_empty() {
        let values = placeholder_values(exp, name, plan.version.as_deref());
        let wanted: Vec<String> = plan
            .contains
            .iter()
            .map(|c| expect::substitute(c, &values))
            .collect();
        for (want, raw) in wanted.iter().zip(&plan.contains) {
            if let Some(left) = expect::placeholders(want).first() {
                scanner.findings.push(Finding::error(
                    Check::Contents,
                    format!("--contains '{raw}': no value for {{{left}}} for this archive (name it in --matrix or in the file name)"),
                ));
            }
        }
        scanner.contains(&wanted);
    }
    let findings = std::mem::take(&mut scanner.findings);
    report.archive = Some(scanner.info(kind.name(), entries));
    report
        .findings
        .extend(findings.into_iter().filter(|f| plan.on(f.check)));
    Exit::Ok
}

fn decompress_and_list(
    scanner: &mut archive::Scanner,
    compression: &str,
    file: File,
) -> Result<usize, String> {
    let mut stream = archive::decompress(compression, std::io::BufReader::new(file))
        .map_err(|e| e.to_string())?;
    scanner.tar(&mut stream)
}

/// The placeholder values for an artifact's --contains entries: the matrix's, else what its
/// file name says.
fn placeholder_values(
    exp: Option<&Expected>,
    name: &str,
    version: Option<&str>,
) -> BTreeMap<String, String> {
    let mut values = exp.map(|e| e.values.clone()).unwrap_or_default();
    if !values.contains_key("os") {
        if let Some(os) = arch::os_from_file_name(name) {
            values.insert("os".to_string(), os.to_string());
        }
    }
    if !values.contains_key("arch") {
        if let [one] = arch::from_file_name(name)[..] {
            values.insert("arch".to_string(), one.to_string());
        }
    }
    expect::derive(&mut values);
    if let Some(v) = version {
        values.insert("version".to_string(), v.to_string());
    }
    values
}

/// Entry point of the `artifact-check` binary and of `relkit artifact-check`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("artifact-check", argv, run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn run_args(args: &[&str]) -> (Exit, String) {
        let args =
            Args::try_parse_from(std::iter::once("artifact-check").chain(args.iter().copied()))
                .unwrap();
        let mut out = Vec::new();
        let exit = {
            let mut ctx = Ctx::plain(&mut out);
            match run(args, &mut ctx) {
                Ok(e) => e,
                Err(e) => e.exit(),
            }
        };
        (exit, String::from_utf8(out).unwrap())
    }

    #[test]
    fn nothing_to_check_is_usage() {
        assert_eq!(run_args(&[]).0, Exit::Usage);
        assert_eq!(run_args(&["x", "--min-size", "1XB"]).0, Exit::Usage);
    }

    #[test]
    fn paths_after_matrix_values_are_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x-linux");
        std::fs::write(&file, "x").unwrap();
        let p = file.to_str().unwrap();
        let pattern = format!("{}/x-{{os}}", dir.path().to_str().unwrap());
        let (exit, out) = run_args(&["--expect", &pattern, "--matrix", "os=linux", p]);
        assert_eq!(exit, Exit::Ok, "{out}");
        assert!(out.ends_with("artifact-check: 1 artifact(s) ok\n"), "{out}");
    }

    #[test]
    fn size_bounds_and_scoped_values() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.txt");
        std::fs::write(&small, vec![b'x'; 1500]).unwrap();
        let p = small.to_str().unwrap();
        assert_eq!(run_args(&[p, "--min-size", "1KB"]).0, Exit::Ok);
        assert_eq!(run_args(&[p, "--min-size", "2KiB"]).0, Exit::Failed);
        assert_eq!(run_args(&[p, "--min-size", "*.bin=2KiB"]).0, Exit::Ok);
        let (exit, out) = run_args(&[p, "--max-size", "1KiB"]);
        assert_eq!(exit, Exit::Failed);
        assert!(
            out.contains("1500 bytes, larger than the maximum 1024 bytes"),
            "{out}"
        );
    }

    /// A tar stream of `(name, content)` regular files; names are written into the header
    /// as they are (`set_path` refuses `..`).
    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, content) in files {
            let mut h = tar::Header::new_gnu();
            h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_size(content.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            h.set_cksum();
            b.append(&h, *content).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn skip_contents_covers_a_packages_data_tar() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hello_1.0_all.deb");
        let control = tar_of(&[(
            "./control",
            b"Package: hello\nVersion: 1.0\nArchitecture: all\nMaintainer: a <a@b.c>\nDescription: hi\n",
        )]);
        let data = tar_of(&[("../escape", b"hi")]);
        let mut ar = ar::Builder::new(std::fs::File::create(&path).unwrap());
        for (name, content) in [
            ("debian-binary", &b"2.0\n"[..]),
            ("control.tar", &control[..]),
            ("data.tar", &data[..]),
        ] {
            let header = ar::Header::new(name.as_bytes().to_vec(), content.len() as u64);
            ar.append(&header, content).unwrap();
        }
        drop(ar);
        let p = path.to_str().unwrap();
        let (exit, out) = run_args(&[p]);
        assert_eq!(exit, Exit::Failed, "{out}");
        // The one finding, and nothing else.
        let tail = format!(
            "\n\nerror: {p}: [contents] data.tar: ../escape: '..' component (path traversal); \
             extracting it writes outside the target directory\n\n\
             artifact-check: 1 failed check(s) in 1 artifact(s)\n"
        );
        assert!(out.ends_with(&tail), "{out}");
        let (exit, out) = run_args(&[p, "--skip", "contents"]);
        assert_eq!(exit, Exit::Ok, "{out}");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_error_is_not_an_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        // Opening a directory succeeds on Unix; reading it fails (EISDIR).
        let mut file = File::open(dir.path()).unwrap();
        assert!(read_prefix(&mut file, &mut [0u8; 8]).is_err());
        let f = dir.path().join("f");
        std::fs::write(&f, "abc").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(
            read_prefix(&mut File::open(&f).unwrap(), &mut buf).unwrap(),
            3
        );
        assert_eq!(&buf[..3], b"abc");
    }

    #[test]
    fn arch_expectations_compare_every_slice() {
        let slice = |a: &str| binary::Slice {
            arch: a.to_string(),
            bits: 64,
            endian: "little",
            kind: "executable".into(),
            runnable: true,
            os_abi: None,
            linkage: None,
            interpreter: None,
            subsystem: None,
        };
        let fat = Binary {
            format: "Mach-O universal",
            slices: vec![slice("x86_64"), slice("aarch64")],
        };
        let thin = Binary {
            format: "Mach-O",
            slices: vec![slice("x86_64")],
        };
        let universal = ArchExpect::from_name("app-macos-universal");
        assert_eq!(universal.check(&fat), None);
        assert_eq!(
            universal.check(&thin).unwrap(),
            "Mach-O 64-bit executable for x86_64, expected x86_64+aarch64 (from the file name)"
        );
        assert_eq!(ArchExpect::from_name("app-arm64").check(&fat), None);
        assert_eq!(ArchExpect::from_name("app").check(&thin), None);
    }
}
