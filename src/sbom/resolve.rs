//! Licences the lockfiles and local manifests do not give (`--licenses online`): `cargo metadata`
//! for Cargo projects, then the registries' own APIs (crates.io, PyPI's JSON API, the npm
//! registry), every registry answer cached on disk by ecosystem, name and version.
//!
//! Response shapes followed: crates.io `GET /api/v1/crates/{name}/{version}` →
//! `{"version": {"license": …}}`; PyPI `GET /pypi/{name}/{version}/json` →
//! `{"info": {"license_expression", "license", "classifiers"}}`
//! (<https://docs.pypi.org/api/json/>); npm `GET /{name}/{version}` → the version's manifest with
//! `license` (or the legacy `licenses` array)
//! (<https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md>). A 404 means the version is
//! not published there.
//!
//! Failure policy: a lookup that fails (transport errors, 429 and 5xx retried until the budget is
//! spent, any other status, an answer that is not the documented JSON) leaves that component's
//! licence unknown with the reason, is warned about, and counts as a failed lookup, which makes
//! `--fail-on-unknown-license` exit 3 (the environment failed) rather than pass or blame the
//! package.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::model::{Component, Ecosystem, License, LicenseSource};
use super::{cargo, licenses, npm, python};
use crate::http::{Client, Policy, Request};

/// Where licences may come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Only the lockfiles, the manifests beside them and installed packages: no network, no
    /// subprocess.
    Local,
    /// Also `cargo metadata` (Cargo projects) and the registries' APIs for the licences still
    /// unknown, with an on-disk cache of the answers.
    Online,
}

/// The CycloneDX property naming where a licence came from when it was not read from disk.
pub const SOURCE_PROPERTY: &str = "relkit:sbom:license-source";

/// Parallel requests to PyPI and the npm registry.
const WORKERS: usize = 8;

/// How the registries are reached.
#[derive(Debug, Clone)]
pub struct Settings {
    /// crates.io base URL (`https://crates.io`).
    pub crates_io: String,
    /// PyPI base URL (`https://pypi.org`).
    pub pypi: String,
    /// npm registry base URL.
    pub npm: String,
    /// Where registry answers are cached; `None` disables the cache.
    pub cache: Option<PathBuf>,
    /// Retries of one request.
    pub policy: Policy,
    /// Least time between two crates.io requests (its crawler policy asks for one a second).
    pub crates_io_interval: Duration,
    /// The cargo home handed to `cargo metadata`.
    pub cargo_home: Option<PathBuf>,
}

/// Why a component's licence is still unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    /// The component.
    pub purl: String,
    /// What was tried and what it said.
    pub reason: String,
    /// True when a lookup failed (network, server error, an answer that is not JSON) rather than
    /// the package declaring no licence.
    pub lookup_failed: bool,
}

/// What resolving found beyond the components' own licences.
#[derive(Debug, Default)]
pub struct Resolution {
    /// The components still without a licence, sorted by purl.
    pub unknown: Vec<Unresolved>,
    /// Things the user should see: a `cargo metadata` that failed, a cache that cannot be written,
    /// every failed lookup.
    pub warnings: Vec<String>,
}

/// A registry's answer about one package version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// The registry knows the version; the licence it declares, if any.
    Found(Option<License>),
    /// The registry does not have the version (HTTP 404/410).
    Absent(u16),
    /// The lookup failed.
    Failed(String),
}

/// A cached registry answer (only `Found` answers are cached: a version once published keeps its
/// metadata, while a missing one may still appear).
#[derive(Debug, Serialize, Deserialize)]
struct CacheEntry {
    /// Where the answer came from.
    url: String,
    /// The licence as sbom normalised it, `null` when the registry declares none.
    license: Option<String>,
}

/// Fills in the licence source of every component and, in online mode, the licences that
/// `cargo metadata` and the registries know. `cargo_dirs` are the directories of the `Cargo.lock`
/// files read.
pub fn resolve(
    components: &mut [Component],
    mode: Mode,
    cargo_dirs: &[PathBuf],
    settings: &Settings,
) -> Resolution {
    let mut res = Resolution::default();
    let mut reasons: HashMap<usize, (String, bool)> = HashMap::new();
    for c in components.iter_mut() {
        c.license_source = if c.license.is_some() {
            LicenseSource::Local
        } else {
            LicenseSource::Unknown
        };
    }
    if mode == Mode::Online {
        let unknown_cargo = components
            .iter()
            .any(|c| c.ecosystem == Ecosystem::Cargo && c.license.is_none());
        if unknown_cargo {
            from_cargo_metadata(components, cargo_dirs, settings, &mut res, &mut reasons);
        }
        from_registries(components, settings, &mut res, &mut reasons);
    }
    for (i, c) in components.iter().enumerate() {
        if c.license.is_some() {
            continue;
        }
        let (reason, lookup_failed) = reasons
            .remove(&i)
            .unwrap_or_else(|| (default_reason(c, mode), false));
        res.unknown.push(Unresolved {
            purl: c.purl.clone(),
            reason,
            lookup_failed,
        });
    }
    res.unknown.sort_by(|a, b| a.purl.cmp(&b.purl));
    res
}

/// Why a component that nothing was asked about has no licence.
fn default_reason(c: &Component, mode: Mode) -> String {
    match (c.ecosystem, mode) {
        (Ecosystem::Golang, _) => {
            "Go modules declare no licence in go.mod, go.sum or the module cache".into()
        }
        (_, Mode::Local) => format!(
            "no licence in the lockfile or on disk; --licenses online asks {}",
            if c.ecosystem == Ecosystem::Cargo {
                "cargo metadata and crates.io"
            } else {
                registry_name(c.ecosystem)
            }
        ),
        (_, Mode::Online) => {
            "not asked: not a version from a public registry (path, git or another registry)".into()
        }
    }
}

fn registry_name(eco: Ecosystem) -> &'static str {
    match eco {
        Ecosystem::Cargo => "crates.io",
        Ecosystem::Pypi => "PyPI",
        Ecosystem::Npm => "the npm registry",
        Ecosystem::Golang => "the Go module proxy",
    }
}

/// One package's licence fields as `cargo metadata` prints them.
#[derive(Deserialize)]
struct MetaPackage {
    name: String,
    version: String,
    source: Option<String>,
    license: Option<String>,
    license_file: Option<String>,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetaPackage>,
}

/// `(license, license_file)` by purl, as `cargo metadata` gives them.
type MetaLicences = HashMap<String, (Option<String>, Option<String>)>;

/// Runs `cargo metadata --format-version 1 --locked` in `dir` (cargo downloads what it lacks,
/// or honours `CARGO_NET_OFFLINE`), giving each package's `(license, license_file)` by purl.
fn cargo_metadata(dir: &Path, cargo_home: Option<&Path>) -> Result<MetaLicences, String> {
    let cargo = std::env::var_os("CARGO")
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(&cargo);
    cmd.args(["metadata", "--format-version", "1", "--locked"])
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        // Cargo reads `.cargo/config.toml` (source replacement, offline) from the working
        // directory up, not from the manifest's.
        .current_dir(dir)
        .stdin(std::process::Stdio::null());
    if let Some(home) = cargo_home {
        cmd.env("CARGO_HOME", home);
    }
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "{} not found; install cargo (or set CARGO to it) to use cargo metadata",
                cargo.to_string_lossy()
            )
        } else {
            format!("cannot run {}: {e}", cargo.to_string_lossy())
        }
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr
            .lines()
            .find(|l| l.trim_start().starts_with("error"))
            .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
            .unwrap_or("no message")
            .trim();
        return Err(format!("cargo metadata failed ({}): {line}", out.status));
    }
    let meta: Metadata = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("cargo metadata printed something that is not its JSON: {e}"))?;
    Ok(meta
        .packages
        .into_iter()
        .map(|p| {
            (
                cargo::purl_of(&p.name, &p.version, p.source.as_deref()),
                (p.license, p.license_file),
            )
        })
        .collect())
}

fn from_cargo_metadata(
    components: &mut [Component],
    cargo_dirs: &[PathBuf],
    settings: &Settings,
    res: &mut Resolution,
    reasons: &mut HashMap<usize, (String, bool)>,
) {
    let mut known = MetaLicences::new();
    for dir in cargo_dirs {
        if !dir.join("Cargo.toml").is_file() {
            res.warnings.push(format!(
                "{}: no Cargo.toml beside Cargo.lock, so cargo metadata cannot run there",
                dir.display()
            ));
            continue;
        }
        match cargo_metadata(dir, settings.cargo_home.as_deref()) {
            Ok(map) => known.extend(map),
            Err(e) => res.warnings.push(format!("{}: {e}", dir.display())),
        }
    }
    for (i, c) in components.iter_mut().enumerate() {
        if c.ecosystem != Ecosystem::Cargo || c.license.is_some() {
            continue;
        }
        let Some((license, file)) = known.get(&c.purl) else {
            continue;
        };
        match license.as_deref().and_then(licenses::from_declared) {
            Some(l) => {
                c.license = Some(l);
                c.license_source = LicenseSource::CargoMetadata;
                c.properties
                    .insert(SOURCE_PROPERTY.into(), "cargo-metadata".into());
            }
            None => {
                // cargo read the crate's own manifest: the registry would say the same. The
                // licence stays unknown (and counted so), with cargo's answer as the reason.
                let why = match file {
                    Some(f) => format!(
                        "its Cargo.toml declares only license-file = \"{f}\", no SPDX expression (cargo metadata)"
                    ),
                    None => "its Cargo.toml declares no licence (cargo metadata)".into(),
                };
                reasons.insert(i, (why, false));
            }
        }
    }
}

/// What kept a component unknown: `(reason, lookup_failed)`.
type Reason = (String, bool);

/// One registry lookup to make.
struct Job {
    index: usize,
    eco: Ecosystem,
    name: String,
    version: String,
}

fn from_registries(
    components: &mut [Component],
    settings: &Settings,
    res: &mut Resolution,
    reasons: &mut HashMap<usize, Reason>,
) {
    let mut jobs = Vec::new();
    for (i, c) in components.iter_mut().enumerate() {
        if c.license.is_some() || c.local_source || reasons.contains_key(&i) {
            continue;
        }
        let Some(version) = c.version.clone() else {
            continue;
        };
        let eligible = match c.ecosystem {
            // Only crates.io crates have a plain purl; other registries, git and path sources
            // carry qualifiers or are the workspace's own.
            Ecosystem::Cargo => !c.purl.contains('?') && !c.local_source,
            Ecosystem::Npm => semver::Version::parse(&version).is_ok(),
            Ecosystem::Pypi => true,
            Ecosystem::Golang => false,
        };
        if !eligible {
            continue;
        }
        let job = Job {
            index: i,
            eco: c.ecosystem,
            name: c.name.clone(),
            version,
        };
        match settings.cache.as_deref().and_then(|d| cached(d, &job)) {
            Some(Ok(license)) => apply(c, license, LicenseSource::Cache, reasons, &job),
            Some(Err(warning)) => {
                res.warnings.push(warning);
                jobs.push(job);
            }
            None => jobs.push(job),
        }
    }
    if jobs.is_empty() {
        return;
    }
    let client = Client::new(
        settings.policy.clone(),
        concat!("relkit-sbom/", env!("CARGO_PKG_VERSION")),
    );
    let (crates, others): (Vec<Job>, Vec<Job>) =
        jobs.into_iter().partition(|j| j.eco == Ecosystem::Cargo);
    let answers: Mutex<Vec<(usize, Answer, String)>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let log = |line: &str| eprintln!("sbom: {line}");
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut last: Option<Instant> = None;
            for job in &crates {
                if let Some(t) = last {
                    let wait = settings.crates_io_interval.saturating_sub(t.elapsed());
                    std::thread::sleep(wait);
                }
                last = Some(Instant::now());
                let (answer, url) = ask(&client, settings, job, &log);
                push(&answers, (job.index, answer, url));
            }
        });
        for _ in 0..WORKERS.min(others.len()) {
            s.spawn(|| {
                while let Some(job) = others.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (answer, url) = ask(&client, settings, job, &log);
                    push(&answers, (job.index, answer, url));
                }
            });
        }
    });
    let answers = answers.into_inner().unwrap_or_else(|p| p.into_inner());
    let jobs: HashMap<usize, &Job> = crates.iter().chain(&others).map(|j| (j.index, j)).collect();
    let mut cache_warned = false;
    for (index, answer, url) in answers {
        let (Some(c), Some(job)) = (components.get_mut(index), jobs.get(&index)) else {
            continue;
        };
        let registry = registry_name(job.eco);
        match answer {
            Answer::Found(license) => {
                if let Some(dir) = &settings.cache {
                    if let Err(e) = store(dir, job, &url, license.as_ref()) {
                        if !cache_warned {
                            res.warnings.push(format!(
                                "{}: cannot write the registry cache ({e}); continuing without it",
                                dir.display()
                            ));
                            cache_warned = true;
                        }
                    }
                }
                apply(c, license, LicenseSource::Registry, reasons, job);
            }
            Answer::Absent(status) => {
                reasons.insert(
                    index,
                    (
                        format!("not published on {registry} (HTTP {status} from {url})"),
                        false,
                    ),
                );
            }
            Answer::Failed(why) => {
                let reason = format!("{registry} lookup failed: {why}");
                res.warnings.push(format!("{}: {reason}", c.purl));
                reasons.insert(index, (reason, true));
            }
        }
    }
}

fn push(answers: &Mutex<Vec<(usize, Answer, String)>>, item: (usize, Answer, String)) {
    answers.lock().unwrap_or_else(|p| p.into_inner()).push(item);
}

/// Records a registry's answer on the component (a licence, or why there is none: the source
/// then stays `Unknown`, so the counts by source add up to the unknown ones listed).
fn apply(
    c: &mut Component,
    license: Option<License>,
    source: LicenseSource,
    reasons: &mut HashMap<usize, Reason>,
    job: &Job,
) {
    match license {
        Some(l) => {
            c.license = Some(l);
            c.license_source = source;
            // The same value for a fresh and a cached answer, so the SBOM stays reproducible.
            c.properties
                .insert(SOURCE_PROPERTY.into(), "registry-api".into());
        }
        None => {
            reasons.insert(
                job.index,
                (
                    format!(
                        "{} declares no licence for this version{}",
                        registry_name(job.eco),
                        if source == LicenseSource::Cache {
                            " (cached answer)"
                        } else {
                            ""
                        }
                    ),
                    false,
                ),
            );
        }
    }
}

/// What a path segment keeps unencoded: letters, digits, `-` and `_` (so `.`, `/` and `%` are
/// always encoded: a name can never climb out of the cache directory, and the encoding is
/// lossless).
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_');

/// What a URL path segment keeps unencoded: the unreserved characters.
const URL_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(text: &str, set: &'static percent_encoding::AsciiSet) -> String {
    percent_encoding::utf8_percent_encode(text, set).to_string()
}

/// The cache file of one answer: `DIR/ECOSYSTEM/NAME/VERSION.json`, name and version encoded.
fn cache_file(dir: &Path, job: &Job) -> PathBuf {
    dir.join(job.eco.name())
        .join(enc(&job.name, SEGMENT))
        .join(format!("{}.json", enc(&job.version, SEGMENT)))
}

/// A cached answer: `None` when there is none, `Some(Err(warning))` when the file is unreadable
/// (it is then asked again and overwritten).
fn cached(dir: &Path, job: &Job) -> Option<Result<Option<License>, String>> {
    let path = cache_file(dir, job);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            return Some(Err(format!(
                "{}: cannot read: {e}; asking again",
                path.display()
            )))
        }
    };
    Some(
        serde_json::from_slice::<CacheEntry>(&bytes)
            .map(|e| e.license.as_deref().and_then(licenses::from_declared))
            .map_err(|e| {
                format!(
                    "{}: not a cache entry ({e}); asking the registry again",
                    path.display()
                )
            }),
    )
}

fn store(dir: &Path, job: &Job, url: &str, license: Option<&License>) -> Result<(), String> {
    let path = cache_file(dir, job);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    let entry = CacheEntry {
        url: url.to_string(),
        license: license.map(|l| match l {
            License::Expression(e) | License::Name(e) => e.clone(),
        }),
    };
    let mut bytes = serde_json::to_vec_pretty(&entry).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    crate::fsutil::atomic_write(&path, &bytes).map_err(|e| e.to_string())
}

/// The URL of one lookup.
fn url_for(settings: &Settings, job: &Job) -> String {
    let base = |b: &str| b.trim_end_matches('/').to_string();
    let v = enc(&job.version, URL_SEGMENT);
    match job.eco {
        Ecosystem::Cargo => format!(
            "{}/api/v1/crates/{}/{v}",
            base(&settings.crates_io),
            enc(&job.name, URL_SEGMENT)
        ),
        // PyPI's canonical project URLs use the normalised name (PEP 503).
        Ecosystem::Pypi => format!(
            "{}/pypi/{}/{v}/json",
            base(&settings.pypi),
            enc(&super::purl::pep503(&job.name), URL_SEGMENT)
        ),
        // A scoped name keeps its `@` and has its `/` encoded, as npm's own client sends it.
        Ecosystem::Npm => format!(
            "{}/{}/{v}",
            base(&settings.npm),
            enc(&job.name, URL_SEGMENT).replacen("%40", "@", 1)
        ),
        Ecosystem::Golang => String::new(),
    }
}

/// Asks the registry about one package version.
fn ask(client: &Client, settings: &Settings, job: &Job, log: &dyn Fn(&str)) -> (Answer, String) {
    let url = url_for(settings, job);
    let req = Request {
        method: "GET",
        url: &url,
        shown: &url,
        headers: vec![("accept", "application/json".into())],
        body: None,
    };
    let answer = match client.send(&req, log) {
        Err(e) => Answer::Failed(e.to_string()),
        Ok(r) if r.status == 404 || r.status == 410 => Answer::Absent(r.status),
        Ok(r) if r.status != 200 => Answer::Failed(format!(
            "GET {url}: HTTP {}: {}",
            r.status,
            r.body.chars().take(200).collect::<String>().trim()
        )),
        Ok(r) => match parse_answer(job.eco, &r.body) {
            Ok(license) => Answer::Found(license),
            Err(why) => Answer::Failed(format!("GET {url}: {why}")),
        },
    };
    (answer, url)
}

#[derive(Deserialize)]
struct CratesAnswer {
    version: CratesVersion,
}

#[derive(Deserialize)]
struct CratesVersion {
    license: Option<String>,
}

#[derive(Deserialize)]
struct PypiAnswer {
    info: PypiInfo,
}

#[derive(Deserialize)]
struct PypiInfo {
    license_expression: Option<String>,
    license: Option<String>,
    #[serde(default)]
    classifiers: Vec<String>,
}

#[derive(Deserialize)]
struct NpmAnswer {
    license: Option<serde_json::Value>,
    licenses: Option<serde_json::Value>,
}

/// The licence in a registry's 200 answer, or why the answer is not the documented JSON.
fn parse_answer(eco: Ecosystem, body: &str) -> Result<Option<License>, String> {
    let not_json = |e: serde_json::Error| format!("the answer is not the registry's JSON ({e})");
    Ok(match eco {
        Ecosystem::Cargo => serde_json::from_str::<CratesAnswer>(body)
            .map_err(not_json)?
            .version
            .license
            .as_deref()
            .and_then(licenses::from_declared),
        Ecosystem::Pypi => {
            let info = serde_json::from_str::<PypiAnswer>(body)
                .map_err(not_json)?
                .info;
            python::declared_license(
                info.license_expression.as_deref(),
                info.license.as_deref(),
                &info.classifiers,
            )
        }
        Ecosystem::Npm => {
            let a = serde_json::from_str::<NpmAnswer>(body).map_err(not_json)?;
            npm::manifest_license(a.license.as_ref(), a.licenses.as_ref())
        }
        Ecosystem::Golang => None,
    })
}

/// Counts of components by licence source, every source listed.
pub fn counts(components: &[Component]) -> BTreeMap<&'static str, usize> {
    let mut counts: BTreeMap<&'static str, usize> =
        LicenseSource::ALL.iter().map(|s| (s.key(), 0)).collect();
    for c in components {
        *counts.entry(c.license_source.key()).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(eco: Ecosystem, name: &str, version: &str) -> Job {
        Job {
            index: 0,
            eco,
            name: name.into(),
            version: version.into(),
        }
    }

    #[test]
    fn cache_files_cannot_escape_and_are_lossless() {
        let dir = Path::new("/c");
        assert_eq!(
            cache_file(dir, &job(Ecosystem::Npm, "@types/node", "1.0.0-rc.1")),
            Path::new("/c/npm/%40types%2Fnode/1%2E0%2E0-rc%2E1.json")
        );
        assert_eq!(
            cache_file(dir, &job(Ecosystem::Cargo, "..", "../x")),
            Path::new("/c/cargo/%2E%2E/%2E%2E%2Fx.json")
        );
    }

    #[test]
    fn registry_urls() {
        let s = Settings {
            crates_io: "http://127.0.0.1:1/".into(),
            pypi: "http://127.0.0.1:2".into(),
            npm: "http://127.0.0.1:3".into(),
            cache: None,
            policy: Policy {
                timeout: Duration::from_secs(1),
                attempts: 1,
                deadline: Duration::from_secs(1),
                backoff: crate::retry::Backoff {
                    base: Duration::from_millis(1),
                    cap: Duration::from_millis(1),
                },
            },
            crates_io_interval: Duration::ZERO,
            cargo_home: None,
        };
        assert_eq!(
            url_for(&s, &job(Ecosystem::Cargo, "windows-sys", "0.59.0")),
            "http://127.0.0.1:1/api/v1/crates/windows-sys/0.59.0"
        );
        assert_eq!(
            url_for(&s, &job(Ecosystem::Pypi, "Jinja2", "3.1.6")),
            "http://127.0.0.1:2/pypi/jinja2/3.1.6/json"
        );
        assert_eq!(
            url_for(&s, &job(Ecosystem::Npm, "@isaacs/cliui", "8.0.2")),
            "http://127.0.0.1:3/@isaacs%2Fcliui/8.0.2"
        );
    }

    #[test]
    fn answers_follow_the_documented_shapes() {
        assert_eq!(
            parse_answer(
                Ecosystem::Cargo,
                r#"{"version": {"num": "1.0.0", "license": "MIT/Apache-2.0"}}"#
            ),
            Ok(Some(License::Expression("MIT OR Apache-2.0".into())))
        );
        assert_eq!(
            parse_answer(Ecosystem::Cargo, r#"{"version": {"license": null}}"#),
            Ok(None)
        );
        assert_eq!(
            parse_answer(
                Ecosystem::Pypi,
                r#"{"info": {"license": "", "license_expression": null, "classifiers": ["License :: OSI Approved :: MIT License"]}}"#
            ),
            Ok(Some(License::Expression("MIT".into())))
        );
        assert_eq!(
            parse_answer(Ecosystem::Npm, r#"{"license": {"type": "ISC"}}"#),
            Ok(Some(License::Expression("ISC".into())))
        );
        assert!(parse_answer(Ecosystem::Npm, "<html>").is_err());
        assert!(parse_answer(Ecosystem::Cargo, r#"{"errors": []}"#).is_err());
    }
}
