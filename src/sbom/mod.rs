//! `sbom`: a CycloneDX SBOM and a third-party licence bundle from the lockfiles a repository
//! already has (Cargo, npm, Python, Go), offline and byte-for-byte reproducible.

pub mod cyclonedx;
pub mod resolve;

// The readers live in the shared crate::lockfile (vuln-check reads the same lockfiles); sbom's
// own modules keep reaching them as `super::cargo`, `super::model`, ….
pub use crate::lockfile::{cargo, golang, licenses, model, npm, purl, python};

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::cli::Ctx;
use crate::exit::{Exit, FileError, ToolError};
use crate::gha::{Annotation, Level};
use crate::output::{Align, Table};

use cyclonedx::{BomInput, Root, SpecVersion};
use licenses::{Pattern, Verdict};
use model::{Component, Ecosystem, Inventory, License, LicenseSource, Malformed};

/// Command-line arguments of `sbom`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "sbom",
    about = "Write a CycloneDX SBOM (and optionally a third-party licence bundle) from lockfiles",
    long_about = "Write a CycloneDX SBOM (and optionally a third-party licence bundle) from lockfiles.\n\n\
        Reads Cargo.lock, package-lock.json/npm-shrinkwrap.json (v1-v3) or node_modules, \
        requirements*.txt, poetry.lock, uv.lock, Pipfile.lock, *.dist-info in site-packages or a \
        virtualenv, and go.mod/go.sum under the given paths (default: the current directory), \
        offline. With --licenses online, the licences still unknown are asked of cargo metadata \
        and the registries (crates.io, PyPI, npm), the answers cached. With SOURCE_DATE_EPOCH \
        set, the output is byte-for-byte reproducible.",
    disable_version_flag = true,
    after_help = crate::after_help!(
        "  sbom -o sbom.cdx.json\n  \
         sbom . --spec-version 1.6 --name myapp --version 1.4.0 -o dist/SBOM.json\n  \
         sbom Cargo.lock web/package-lock.json --licenses-dir dist/LICENSES -o dist/SBOM.json\n  \
         sbom --deny 'GPL-*' --deny AGPL-3.0-only -o sbom.json\n  \
         sbom Cargo.lock --licenses online --fail-on-unknown-license -o sbom.json\n  \
         SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) sbom -o sbom.json"
    )
)]
pub struct Args {
    /// Lockfiles, or directories searched for them (default: `.`); hidden directories,
    /// `target` and `node_modules` are not descended into. A virtualenv or site-packages
    /// directory given here is read for its installed distributions.
    #[arg(value_name = "PATH")]
    pub paths: Vec<OsString>,
    /// Write the SBOM to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", env = "SBOM_OUTPUT")]
    pub output: Option<PathBuf>,
    /// CycloneDX specification version.
    #[arg(long, value_enum, default_value = "1.5", env = "SBOM_SPEC_VERSION")]
    pub spec_version: SpecVersion,
    /// The project's name (default: from its manifest, else the directory name).
    #[arg(long, env = "SBOM_NAME")]
    pub name: Option<String>,
    /// The project's version (default: from its manifest). `relkit --version` prints the tool's.
    #[arg(long, env = "SBOM_VERSION")]
    pub version: Option<String>,
    /// Copy every dependency's licence text found locally into DIR, one file per component.
    #[arg(long, value_name = "DIR", env = "SBOM_LICENSES_DIR")]
    pub licenses_dir: Option<PathBuf>,
    /// Fail (exit 1) when a component can only be used under this licence (SPDX id; `GPL-*`
    /// matches a prefix). Repeatable, or comma-separated.
    #[arg(long, value_name = "LICENSE", value_delimiter = ',', value_parser = Pattern::parse, env = "SBOM_DENY")]
    pub deny: Vec<Pattern>,
    /// Fail (exit 1) unless every component can be used under these licences alone; unknown
    /// licences fail too. Repeatable, or comma-separated.
    #[arg(long, value_name = "LICENSE", value_delimiter = ',', value_parser = Pattern::parse, env = "SBOM_ALLOW")]
    pub allow: Vec<Pattern>,
    /// Where licences come from: `local` (the lockfiles, the manifests beside them, installed
    /// packages; no network), or `online`: also `cargo metadata` and the registries' APIs
    /// (crates.io, PyPI, npm) for those still unknown, with a cache.
    #[arg(
        long,
        value_enum,
        default_value = "local",
        value_name = "MODE",
        env = "SBOM_LICENSES"
    )]
    pub licenses: resolve::Mode,
    /// Fail (exit 1) when a component's licence is still unknown (exit 3 when a registry
    /// lookup failed); the SBOM is written either way.
    #[arg(long, env = "SBOM_FAIL_ON_UNKNOWN_LICENSE", value_parser = clap::builder::FalseyValueParser::new())]
    pub fail_on_unknown_license: bool,
    /// crates.io base URL (`--licenses online`).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://crates.io",
        env = "SBOM_CRATES_IO_URL"
    )]
    pub crates_io_url: String,
    /// PyPI base URL, for its JSON API (`--licenses online`).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://pypi.org",
        env = "SBOM_PYPI_URL"
    )]
    pub pypi_url: String,
    /// npm registry base URL (`--licenses online`).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://registry.npmjs.org",
        env = "SBOM_NPM_REGISTRY"
    )]
    pub npm_registry: String,
    /// Cache of registry answers [default: $XDG_CACHE_HOME/relkit/sbom, else the platform's
    /// cache directory, e.g. ~/.cache/relkit/sbom].
    #[arg(long, value_name = "DIR", env = "SBOM_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the registry cache.
    #[arg(long, env = "SBOM_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,
    /// Deadline of one registry request.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = crate::cli::parse_duration, env = "SBOM_TIMEOUT")]
    pub timeout: Duration,
    /// Attempts per registry request, the first included (transport errors, 429 and 5xx are
    /// retried).
    #[arg(long, value_name = "N", default_value_t = 4, env = "SBOM_ATTEMPTS")]
    pub attempts: u32,
    /// Total time one registry request may take, retries included.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = crate::cli::parse_duration, env = "SBOM_DEADLINE")]
    pub deadline: Duration,
    /// First backoff between tries (doubling, with jitter).
    #[arg(long, hide = true, default_value = "500ms", value_parser = crate::cli::parse_duration, env = "SBOM_RETRY_BASE")]
    pub retry_base: Duration,
    /// Least time between two crates.io requests (its crawler policy asks for at most one a
    /// second).
    #[arg(long, hide = true, default_value = "1s", value_parser = crate::cli::parse_duration, env = "SBOM_CRATES_IO_INTERVAL")]
    pub crates_io_interval: Duration,
    /// Cargo home holding the registry sources (licences of crates) [default: ~/.cargo].
    #[arg(long, env = "CARGO_HOME", value_name = "DIR")]
    pub cargo_home: Option<PathBuf>,
    /// Go module cache (licence texts of Go modules) [default: $GOPATH/pkg/mod, ~/go/pkg/mod].
    #[arg(long, env = "GOMODCACHE", value_name = "DIR")]
    pub gomodcache: Option<PathBuf>,
    /// Output options.
    #[command(flatten)]
    pub output_args: crate::cli::OutputArgs,
}

/// Errors of `sbom`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A lockfile could not be parsed.
    #[error("{path}{}: {reason}; fix the file or regenerate it with its package manager", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Malformed {
        /// The file.
        path: String,
        /// The line, when known.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// A path given does not exist.
    #[error("{0}: no such file or directory")]
    NotFound(String),
    /// Nothing sbom can read was found.
    #[error("no lockfile found under {paths}{skipped}; pass a Cargo.lock, package-lock.json, requirements.txt, poetry.lock, uv.lock, Pipfile.lock, go.mod or a site-packages directory")]
    NoLockfiles {
        /// The paths searched.
        paths: String,
        /// What was skipped, as text.
        skipped: String,
    },
    /// `SOURCE_DATE_EPOCH` is not a number of seconds.
    #[error("SOURCE_DATE_EPOCH={0} is not a number of seconds since 1970; set it to e.g. $(git log -1 --format=%ct)")]
    SourceDateEpoch(String),
    /// `--json` needs the SBOM to go to a file.
    #[error("--json prints a summary on stdout, so the SBOM needs -o FILE")]
    JsonNeedsOutput,
    /// Reading or writing a file failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// The SBOM could not be serialised (should not happen).
    #[error("cannot serialise the SBOM: {0}")]
    Render(#[from] serde_json::Error),
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::File(e) => e.exit(),
            Error::Render(_) => Exit::Env,
            _ => Exit::Usage,
        }
    }
}

/// What sbom found at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    CargoLock(PathBuf),
    NpmLock(PathBuf),
    NodeModules(PathBuf),
    Requirements(PathBuf),
    PoetryLock(PathBuf),
    UvLock(PathBuf),
    PipfileLock(PathBuf),
    GoMod(PathBuf),
    SitePackages(PathBuf),
}

impl Source {
    fn path(&self) -> &Path {
        match self {
            Source::CargoLock(p)
            | Source::NpmLock(p)
            | Source::NodeModules(p)
            | Source::Requirements(p)
            | Source::PoetryLock(p)
            | Source::UvLock(p)
            | Source::PipfileLock(p)
            | Source::GoMod(p)
            | Source::SitePackages(p) => p,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Source::CargoLock(_) => "Cargo.lock",
            Source::NpmLock(_) => "package-lock",
            Source::NodeModules(_) => "node_modules",
            Source::Requirements(_) => "requirements",
            Source::PoetryLock(_) => "poetry.lock",
            Source::UvLock(_) => "uv.lock",
            Source::PipfileLock(_) => "Pipfile.lock",
            Source::GoMod(_) => "go.mod",
            Source::SitePackages(_) => "site-packages",
        }
    }

    fn ecosystem(&self) -> Ecosystem {
        match self {
            Source::CargoLock(_) => Ecosystem::Cargo,
            Source::NpmLock(_) | Source::NodeModules(_) => Ecosystem::Npm,
            Source::GoMod(_) => Ecosystem::Golang,
            _ => Ecosystem::Pypi,
        }
    }
}

/// Lockfiles of package managers sbom does not read: listed as skipped, never silently ignored.
fn unsupported(name: &str) -> Option<&'static str> {
    Some(match name {
        "yarn.lock" => "yarn",
        "pnpm-lock.yaml" => "pnpm",
        "bun.lock" | "bun.lockb" => "bun",
        "deno.lock" => "deno",
        "Gemfile.lock" => "Bundler",
        "composer.lock" => "Composer",
        "Podfile.lock" => "CocoaPods",
        "pubspec.lock" => "Dart pub",
        "mix.lock" => "Mix",
        "packages.lock.json" => "NuGet",
        "gradle.lockfile" => "Gradle",
        "flake.lock" => "Nix flakes",
        "conan.lock" => "Conan",
        "Package.resolved" => "SwiftPM",
        "pdm.lock" => "PDM",
        "pixi.lock" => "pixi",
        "go.work.sum" => "Go workspaces",
        _ => return None,
    })
}

/// Classifies a file by name.
fn classify(path: &Path, explicit: bool) -> Result<Option<Source>, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let p = path.to_path_buf();
    Ok(Some(match name.as_str() {
        "Cargo.lock" => Source::CargoLock(p),
        "package-lock.json" | "npm-shrinkwrap.json" => Source::NpmLock(p),
        "poetry.lock" => Source::PoetryLock(p),
        "uv.lock" => Source::UvLock(p),
        "Pipfile.lock" => Source::PipfileLock(p),
        "go.mod" => Source::GoMod(p),
        n if n.starts_with("requirements") && n.ends_with(".txt") => Source::Requirements(p),
        n if explicit && n.ends_with(".txt") => Source::Requirements(p),
        n => {
            if let Some(pm) = unsupported(n) {
                return Err(format!("{pm} lockfiles are not supported"));
            }
            if explicit {
                return Err("not a lockfile type sbom reads".into());
            }
            return Ok(None);
        }
    }))
}

/// Files passed over, with the reason.
type SkippedList = Vec<(PathBuf, String)>;

/// Finds the sources under the given paths, in a stable order (argument order; sorted within a
/// directory, shallow before deep so the top-level manifest names the project), plus what was
/// skipped and why.
fn discover(paths: &[OsString]) -> Result<(Vec<Source>, SkippedList), Error> {
    let mut sources = Vec::new();
    let mut skipped = Vec::new();
    for arg in paths {
        let path = PathBuf::from(arg);
        if !path.exists() {
            return Err(Error::NotFound(path.display().to_string()));
        }
        if path.is_file() {
            match classify(&path, true) {
                Ok(Some(s)) => sources.push(s),
                Ok(None) => {}
                Err(why) => skipped.push((path, why)),
            }
            continue;
        }
        let mut found = Vec::new();
        if path.join("pyvenv.cfg").is_file() {
            found.extend(
                python::venv_site_packages(&path)
                    .into_iter()
                    .map(Source::SitePackages),
            );
        }
        let walker = walkdir::WalkDir::new(&path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let n = e.file_name().to_string_lossy();
                // Hidden directories (.git, .tox, .venv, caches) hold tooling, not the
                // project's dependencies; pass a virtualenv explicitly to read it.
                !(e.depth() > 0
                    && e.file_type().is_dir()
                    && (n.starts_with('.')
                        || n == "target"
                        || n == "node_modules"
                        || n.ends_with(".dist-info")))
            });
        for entry in walker {
            let entry = entry.map_err(|e| {
                Error::File(FileError::Read {
                    path: e.path().unwrap_or(&path).display().to_string(),
                    source: e.into(),
                })
            })?;
            let p = entry.path();
            if entry.file_type().is_dir() {
                if p.join("node_modules").is_dir()
                    && !p.join("package-lock.json").is_file()
                    && !p.join("npm-shrinkwrap.json").is_file()
                {
                    found.push(Source::NodeModules(p.to_path_buf()));
                }
                let has_dist_info = std::fs::read_dir(p).is_ok_and(|rd| {
                    rd.filter_map(Result::ok)
                        .any(|e| e.file_name().to_string_lossy().ends_with(".dist-info"))
                });
                if has_dist_info {
                    found.push(Source::SitePackages(p.to_path_buf()));
                }
                continue;
            }
            match classify(p, false) {
                Ok(Some(s)) => found.push(s),
                Ok(None) => {}
                Err(why) => skipped.push((p.to_path_buf(), why)),
            }
        }
        found.sort_by_key(|s| (s.path().components().count(), s.path().to_path_buf()));
        sources.extend(found);
    }
    sources.dedup();
    Ok((sources, skipped))
}

fn malformed(path: &Path, m: Malformed) -> Error {
    Error::Malformed {
        path: m.file.as_deref().unwrap_or(path).display().to_string(),
        line: m.line,
        reason: m.reason,
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| {
        Error::File(FileError::Read {
            path: path.display().to_string(),
            source,
        })
    })
}

/// Reads one source into an inventory.
fn parse_source(source: &Source, args: &Args) -> Result<Inventory, Error> {
    let path = source.path();
    let m = |e| malformed(path, e);
    Ok(match source {
        Source::CargoLock(p) => {
            cargo::parse(p, &read(p)?, args.cargo_home.as_deref()).map_err(m)?
        }
        Source::NpmLock(p) => npm::parse_lock(p, &read(p)?).map_err(m)?,
        Source::NodeModules(d) => npm::parse_node_modules(d).map_err(m)?,
        Source::Requirements(p) => python::parse_requirements(&read(p)?).map_err(m)?,
        Source::PoetryLock(p) => python::parse_poetry(p, &read(p)?).map_err(m)?,
        Source::UvLock(p) => python::parse_uv(&read(p)?).map_err(m)?,
        Source::PipfileLock(p) => python::parse_pipfile(&read(p)?).map_err(m)?,
        Source::SitePackages(d) => python::parse_site_packages(d),
        Source::GoMod(p) => {
            golang::parse(p, &read(p)?, args.gomodcache.as_deref()).map_err(|e| match e {
                golang::GoError::GoMod(e) => malformed(p, e),
                golang::GoError::GoSum(sum, e) => malformed(&sum, e),
                golang::GoError::ReadGoSum(sum, source) => Error::File(FileError::Read {
                    path: sum.display().to_string(),
                    source,
                }),
            })?
        }
    })
}

/// The purl of the project itself in its ecosystem.
fn root_purl(eco: Ecosystem, name: &str, version: Option<&str>) -> String {
    match eco {
        Ecosystem::Cargo => purl::build("cargo", None, name, version, &[]),
        Ecosystem::Npm => purl::npm(name, version),
        Ecosystem::Pypi => purl::pypi(name, version),
        Ecosystem::Golang => purl::golang(name, version),
    }
}

/// The document timestamp: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
fn timestamp() -> Result<String, Error> {
    let time = crate::cli::build_time().map_err(Error::SourceDateEpoch)?;
    Ok(humantime::format_rfc3339_seconds(time).to_string())
}

/// One lockfile in the report.
#[derive(Debug, Serialize)]
struct SourceReport {
    path: String,
    kind: &'static str,
    ecosystem: Ecosystem,
    components: usize,
}

/// One licence policy violation.
#[derive(Debug, Serialize)]
struct Violation {
    purl: String,
    license: Option<String>,
    reason: String,
}

/// The `--json` summary.
#[derive(Debug, Serialize)]
struct Report {
    sbom_file: Option<String>,
    spec_version: &'static str,
    serial_number: String,
    components: usize,
    ecosystems: BTreeMap<&'static str, usize>,
    licenses: BTreeMap<String, usize>,
    sources: Vec<SourceReport>,
    skipped: Vec<Skipped>,
    missing_license_texts: Vec<String>,
    license_files_written: usize,
    violations: Vec<Violation>,
    /// Components by where their licence came from (every source listed).
    license_sources: BTreeMap<&'static str, usize>,
    /// The components whose licence is still unknown, with the reason.
    unknown_licenses: Vec<resolve::Unresolved>,
}

#[derive(Debug, Serialize)]
struct Skipped {
    path: String,
    reason: String,
}

fn license_text(l: Option<&License>) -> String {
    match l {
        Some(License::Expression(e)) | Some(License::Name(e)) => e.clone(),
        None => "(unknown)".into(),
    }
}

/// Writes the licence bundle; returns how many files were written and the purls whose licence
/// text was not found.
fn write_license_bundle(
    dir: &Path,
    components: &[Component],
) -> Result<(usize, Vec<String>), Error> {
    std::fs::create_dir_all(dir).map_err(|source| FileError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let mut written = 0;
    let mut missing = Vec::new();
    for c in components {
        let mut texts = Vec::new();
        for f in licenses::files_for(&c.license_dirs) {
            let body = std::fs::read(&f).map_err(|source| FileError::Read {
                path: f.display().to_string(),
                source,
            })?;
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            texts.push((name, body));
        }
        for a in &c.license_archives {
            texts.extend(
                licenses::texts_in_crate(a).map_err(|source| FileError::Read {
                    path: a.display().to_string(),
                    source,
                })?,
            );
        }
        if texts.is_empty() {
            missing.push(c.purl.clone());
            continue;
        }
        let mut text = format!(
            "Component: {}\nVersion: {}\nPackage URL: {}\nDeclared license: {}\n",
            c.name,
            c.version.as_deref().unwrap_or("(none)"),
            c.purl,
            license_text(c.license.as_ref())
        );
        for (name, body) in &texts {
            text.push_str(&format!("\n==> {name} <==\n"));
            text.push_str(&String::from_utf8_lossy(body));
            if !text.ends_with('\n') {
                text.push('\n');
            }
        }
        let file = dir.join(licenses::bundle_file_name(
            c.ecosystem.name(),
            &c.name,
            c.version.as_deref(),
        ));
        crate::fsutil::atomic_write(&file, text.as_bytes())?;
        written += 1;
    }
    Ok((written, missing))
}

/// Runs `sbom` with parsed arguments; testable without a process.
pub fn run(mut args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    // The tools' own defaults when their variables are unset.
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    if args.cargo_home.is_none() {
        args.cargo_home = home.as_ref().map(|h| h.join(".cargo"));
    }
    if args.gomodcache.is_none() {
        args.gomodcache = std::env::var_os("GOPATH")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join("go")))
            .map(|p| p.join("pkg").join("mod"));
    }
    let json = args.output_args.json;
    if json && args.output.is_none() {
        return Err(Error::JsonNeedsOutput);
    }
    let paths = if args.paths.is_empty() {
        vec![OsString::from(".")]
    } else {
        args.paths.clone()
    };
    let (sources, skipped) = discover(&paths)?;
    for (p, why) in &skipped {
        let msg = format!("{}: skipped: {why}", p.display());
        if ctx.gha.is_actions() {
            ctx.gha
                .annotate(Level::Warning, &Annotation::new(msg).title("sbom"));
        } else {
            eprintln!("sbom: {msg}");
        }
    }
    if sources.is_empty() {
        return Err(Error::NoLockfiles {
            paths: paths
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(", "),
            skipped: if skipped.is_empty() {
                String::new()
            } else {
                format!(
                    " (skipped: {})",
                    skipped
                        .iter()
                        .map(|(p, w)| format!("{}: {w}", p.display()))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            },
        });
    }

    // Parse everything, reporting every malformed file before failing on the first.
    let mut inventories = Vec::new();
    let mut errors = Vec::new();
    for s in &sources {
        match parse_source(s, &args) {
            Ok(inv) => inventories.push((s, inv)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        let first = errors.remove(0);
        for e in errors {
            crate::cli::report("sbom", &ctx.gha, Err::<Exit, _>(e));
        }
        return Err(first);
    }

    // Merge: one component per purl, the union of edges and direct dependencies.
    let mut by_purl: BTreeMap<String, Component> = BTreeMap::new();
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut direct: BTreeSet<String> = BTreeSet::new();
    let mut root: Option<(Ecosystem, String, Option<String>)> = None;
    let mut source_reports = Vec::new();
    for (s, inv) in inventories {
        source_reports.push(SourceReport {
            path: crate::fsutil::slash_path(s.path())?,
            kind: s.kind(),
            ecosystem: s.ecosystem(),
            components: inv.components.len(),
        });
        if root.is_none() {
            root = inv.root.map(|(n, v)| (s.ecosystem(), n, v));
        }
        for c in inv.components {
            match by_purl.get_mut(&c.purl) {
                Some(existing) => existing.merge(c),
                None => {
                    by_purl.insert(c.purl.clone(), c);
                }
            }
        }
        for (from, to) in inv.edges {
            edges.entry(from).or_default().extend(to);
        }
        direct.extend(inv.direct);
    }
    let root = {
        let fallback_name = || {
            let first = PathBuf::from(&paths[0]);
            let dir = if first.is_file() {
                first.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                first
            };
            std::fs::canonicalize(&dir)
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "project".into())
        };
        let (eco, name, version) = match root {
            Some((eco, n, v)) => (Some(eco), n, v),
            None => (None, fallback_name(), None),
        };
        let name = args.name.clone().unwrap_or(name);
        let version = args.version.clone().or(version);
        Root {
            purl: eco.map(|e| root_purl(e, &name, version.as_deref())),
            name,
            version,
        }
    };
    // The project is not its own dependency (an npm workspace root, a uv project listed in
    // another lockfile).
    if let Some(p) = &root.purl {
        by_purl.remove(p);
        direct.remove(p);
    }
    let mut components: Vec<Component> = by_purl.into_values().collect();
    let cargo_dirs: Vec<PathBuf> = sources
        .iter()
        .filter(|s| matches!(s, Source::CargoLock(_)))
        .map(|s| {
            s.path()
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf()
        })
        .collect();
    let resolution = resolve::resolve(
        &mut components,
        args.licenses,
        &cargo_dirs,
        &resolve::Settings {
            crates_io: args.crates_io_url.clone(),
            pypi: args.pypi_url.clone(),
            npm: args.npm_registry.clone(),
            cache: if args.no_cache {
                None
            } else {
                args.cache_dir
                    .clone()
                    .or_else(|| crate::fsutil::user_cache_dir("sbom"))
            },
            policy: crate::http::Policy {
                timeout: args.timeout,
                attempts: args.attempts.max(1),
                deadline: args.deadline,
                backoff: crate::retry::Backoff {
                    base: args.retry_base,
                    cap: Duration::from_secs(8),
                },
            },
            crates_io_interval: args.crates_io_interval,
            cargo_home: args.cargo_home.clone(),
        },
    );
    for w in &resolution.warnings {
        if ctx.gha.is_actions() {
            ctx.gha
                .annotate(Level::Warning, &Annotation::new(w).title("sbom: licences"));
        } else {
            eprintln!("sbom: {w}");
        }
    }

    let (bytes, serial) = cyclonedx::render(&BomInput {
        root: &root,
        components: &components,
        edges: &edges,
        direct: &direct,
        spec: args.spec_version,
        timestamp: timestamp()?,
    })?;
    match &args.output {
        Some(path) => {
            // `-o dist/SBOM.json` before anything else made `dist/`: create it.
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| FileError::Write {
                    path: parent.display().to_string(),
                    source,
                })?;
            }
            crate::fsutil::atomic_write(path, &bytes)?
        }
        None => ctx
            .out
            .write_all(&bytes)
            .map_err(|source| FileError::Write {
                path: "stdout".into(),
                source,
            })?,
    }

    let (written, missing) = match &args.licenses_dir {
        Some(dir) => write_license_bundle(dir, &components)?,
        None => (0, Vec::new()),
    };
    let mut violations = Vec::new();
    if !args.deny.is_empty() || !args.allow.is_empty() {
        for c in &components {
            let reason = match licenses::judge(c.license.as_ref(), &args.deny, &args.allow) {
                Verdict::Ok => continue,
                Verdict::Violates(ids) => format!("not allowed: {}", ids.join(", ")),
                Verdict::Unknown => {
                    "licence unknown or not SPDX, and --allow is in force".to_string()
                }
            };
            violations.push(Violation {
                purl: c.purl.clone(),
                license: c.license.as_ref().map(|l| license_text(Some(l))),
                reason,
            });
        }
    }

    let mut ecosystems: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut license_counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in &components {
        *ecosystems.entry(c.ecosystem.name()).or_default() += 1;
        *license_counts
            .entry(license_text(c.license.as_ref()))
            .or_default() += 1;
    }
    let report = Report {
        sbom_file: args
            .output
            .as_deref()
            .map(crate::fsutil::slash_path)
            .transpose()?,
        spec_version: args.spec_version.as_str(),
        serial_number: serial,
        components: components.len(),
        ecosystems,
        licenses: license_counts,
        sources: source_reports,
        skipped: skipped
            .iter()
            .map(|(p, r)| {
                Ok(Skipped {
                    path: crate::fsutil::slash_path(p)?,
                    reason: r.clone(),
                })
            })
            .collect::<Result<_, FileError>>()?,
        missing_license_texts: missing,
        license_files_written: written,
        violations,
        license_sources: resolve::counts(&components),
        unknown_licenses: resolution.unknown,
    };
    publish(&report, &args, ctx)?;
    let mut exit = if report.violations.is_empty() {
        Exit::Ok
    } else {
        Exit::Failed
    };
    if args.fail_on_unknown_license && !report.unknown_licenses.is_empty() {
        // A registry that could not be read leaves the gate undecided: that is the
        // environment's failure, not the package's.
        exit = exit.worst(if report.unknown_licenses.iter().any(|u| u.lookup_failed) {
            Exit::Env
        } else {
            Exit::Failed
        });
    }
    Ok(exit)
}

/// Prints the human or JSON summary, and the Actions outputs, summary and annotations.
fn publish(report: &Report, args: &Args, ctx: &mut Ctx) -> Result<(), Error> {
    let stdout_err = |source| FileError::Write {
        path: "stdout".into(),
        source,
    };
    for v in &report.violations {
        let msg = format!(
            "{}: licence {} — {}",
            v.purl,
            v.license.as_deref().unwrap_or("(unknown)"),
            v.reason
        );
        if ctx.gha.is_actions() {
            ctx.gha.annotate(
                Level::Error,
                &Annotation::new(msg).title("sbom: licence policy"),
            );
        } else {
            eprintln!("sbom: {msg}");
        }
    }
    let gate = args.fail_on_unknown_license;
    for u in report.unknown_licenses.iter().filter(|_| gate) {
        let msg = format!("{}: licence unknown — {}", u.purl, u.reason);
        if ctx.gha.is_actions() {
            ctx.gha.annotate(
                Level::Error,
                &Annotation::new(msg).title("sbom: unknown licence"),
            );
        } else {
            eprintln!("sbom: {msg}");
        }
    }
    let mut origins = Table::new(&[
        ("licence source", Align::Left),
        ("components", Align::Right),
    ]);
    for s in LicenseSource::ALL {
        origins.row([
            s.label().to_string(),
            report
                .license_sources
                .get(s.key())
                .copied()
                .unwrap_or(0)
                .to_string(),
        ]);
    }
    let mut sources = Table::new(&[
        ("lockfile", Align::Left),
        ("kind", Align::Left),
        ("components", Align::Right),
    ]);
    for s in &report.sources {
        sources.row([s.path.clone(), s.kind.to_string(), s.components.to_string()]);
    }
    let mut lic = Table::new(&[("licence", Align::Left), ("components", Align::Right)]);
    for (l, n) in &report.licenses {
        lic.row([l.clone(), n.to_string()]);
    }
    let per_eco = report
        .ecosystems
        .iter()
        .map(|(e, n)| format!("{e} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let headline = format!(
        "{} components ({per_eco}) from {} lockfile(s), CycloneDX {}{}",
        report.components,
        report.sources.len(),
        report.spec_version,
        report
            .sbom_file
            .as_ref()
            .map(|f| format!(" → {f}"))
            .unwrap_or_default()
    );
    if args.output_args.json {
        crate::output::write_json(ctx.out, report).map_err(stdout_err)?;
    } else {
        let mut text = format!(
            "sbom: {headline}\n\n{}\n{}\n{}",
            sources.to_text(),
            lic.to_text(),
            origins.to_text()
        );
        if !report.unknown_licenses.is_empty() {
            text.push_str(&format!(
                "licence unknown: {} component(s)\n",
                report.unknown_licenses.len()
            ));
            for (reason, purls) in unknown_by_reason(&report.unknown_licenses) {
                text.push_str(&format!("  {reason}:\n"));
                for p in purls {
                    text.push_str(&format!("    {p}\n"));
                }
            }
        }
        for s in &report.skipped {
            text.push_str(&format!("skipped {}: {}\n", s.path, s.reason));
        }
        if args.licenses_dir.is_some() {
            text.push_str(&format!(
                "licence texts: {} written, {} not found locally\n",
                report.license_files_written,
                report.missing_license_texts.len()
            ));
            for m in &report.missing_license_texts {
                text.push_str(&format!("  missing: {m}\n"));
            }
        }
        if !report.violations.is_empty() {
            text.push_str(&format!(
                "licence policy: {} violation(s)\n",
                report.violations.len()
            ));
        }
        // With the SBOM on stdout, the human summary goes to stderr to keep stdout one document.
        if args.output.is_some() {
            ctx.out.write_all(text.as_bytes()).map_err(stdout_err)?;
        } else {
            eprint!("{text}");
        }
    }
    if ctx.gha.is_actions() {
        ctx.gha
            .set_output("sbom-file", report.sbom_file.as_deref().unwrap_or(""))?;
        ctx.gha
            .set_output("components", &report.components.to_string())?;
        let mut md = format!(
            "### SBOM\n\n{headline}\n\n{}\n{}\n{}",
            sources.to_markdown(),
            lic.to_markdown(),
            origins.to_markdown()
        );
        if !report.unknown_licenses.is_empty() {
            md.push_str(&format!(
                "\n**Licence unknown ({}):**\n\n",
                report.unknown_licenses.len()
            ));
            for (reason, purls) in unknown_by_reason(&report.unknown_licenses) {
                md.push_str(&format!("- {reason}:"));
                for p in purls {
                    md.push_str(&format!(" `{p}`"));
                }
                md.push('\n');
            }
        }
        if !report.skipped.is_empty() {
            md.push_str("\n**Skipped:**\n\n");
            for s in &report.skipped {
                md.push_str(&format!("- `{}`: {}\n", s.path, s.reason));
            }
        }
        if args.licenses_dir.is_some() && !report.missing_license_texts.is_empty() {
            md.push_str(&format!(
                "\n**Licence text not found locally ({}):**\n\n",
                report.missing_license_texts.len()
            ));
            for m in &report.missing_license_texts {
                md.push_str(&format!("- `{m}`\n"));
            }
        }
        if !report.violations.is_empty() {
            md.push_str("\n**Licence policy violations:**\n\n");
            for v in &report.violations {
                md.push_str(&format!(
                    "- `{}`: {} ({})\n",
                    v.purl,
                    v.license.as_deref().unwrap_or("unknown"),
                    v.reason
                ));
            }
        }
        ctx.gha.append_summary(&md)?;
    }
    Ok(())
}

/// The unknown licences grouped by reason (reasons sorted, purls in report order).
fn unknown_by_reason(unknown: &[resolve::Unresolved]) -> BTreeMap<&str, Vec<&str>> {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for u in unknown {
        groups.entry(&u.reason).or_default().push(&u.purl);
    }
    groups
}

/// Entry point of the `sbom` binary and of `relkit sbom`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("sbom", argv, run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfiles_are_classified_by_name() {
        assert!(matches!(
            classify(Path::new("a/Cargo.lock"), false),
            Ok(Some(Source::CargoLock(_)))
        ));
        assert!(matches!(
            classify(Path::new("requirements-dev.txt"), false),
            Ok(Some(Source::Requirements(_)))
        ));
        assert!(matches!(
            classify(Path::new("deps.txt"), true),
            Ok(Some(Source::Requirements(_)))
        ));
        assert_eq!(classify(Path::new("deps.txt"), false), Ok(None));
        assert_eq!(
            classify(Path::new("yarn.lock"), false),
            Err("yarn lockfiles are not supported".into())
        );
        assert_eq!(
            classify(Path::new("README.md"), true),
            Err("not a lockfile type sbom reads".into())
        );
    }
}
