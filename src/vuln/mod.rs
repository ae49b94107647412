//! `vuln-check`: scan what a release ships (CycloneDX/SPDX SBOMs, lockfiles) for known
//! vulnerabilities in OSV data, online or from an offline export, and gate on their severity.

pub mod api;
pub mod cvss;
pub mod db;
pub mod ignore;
pub mod input;
pub mod osv;
pub mod purl;
pub mod report;
pub mod version;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::cli::Ctx;
use crate::exit::{Exit, FileError, ToolError};
use crate::gha::{Annotation, Level};

use cvss::Severity;
use ignore::{bare_purl, IgnoreEntry, VexStatement};
use input::Inputs;
use osv::PackageKey;
use report::Finding;

/// Default OSV API.
pub const DEFAULT_API: &str = "https://api.osv.dev";

/// The level from which findings fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Every known vulnerability fails (the default).
    Any,
    /// Low and above (and unknown).
    Low,
    /// Medium and above (and unknown).
    Medium,
    /// High and above (and unknown).
    High,
    /// Critical (and unknown).
    Critical,
    /// Never fail on findings (report only).
    Never,
}

impl FailOn {
    /// Whether a finding of `s` fails the run. Unknown severity fails every threshold but
    /// `never`: it may be anything.
    pub fn fails(self, s: Severity) -> bool {
        let min = match self {
            FailOn::Any => return true,
            FailOn::Never => return false,
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        };
        s >= min
    }
}

/// Command-line arguments of `vuln-check`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "vuln-check",
    about = "Check an SBOM or lockfiles for known vulnerabilities (OSV) and gate on their severity",
    long_about = "Check an SBOM or lockfiles for known vulnerabilities (OSV) and gate on their severity.\n\n\
        Reads CycloneDX JSON 1.4-1.6 and SPDX 2.3 JSON SBOMs, and the lockfiles sbom reads \
        (Cargo.lock, package-lock.json, requirements*.txt, poetry.lock, uv.lock, Pipfile.lock, \
        go.mod). Components are identified by purl; pypi, npm, cargo, golang, maven and gem are \
        checked. Vulnerabilities come from the OSV API (querybatch, then the full records, cached \
        by id and modified time) or, with --db, from OSV's per-ecosystem all.zip exports \
        (DIR/PyPI/all.zip, DIR/npm/all.zip, DIR/crates.io/all.zip, DIR/Go/all.zip, ...). \
        Severity is the CVSS v3.x base score computed from the record's vector (a record with only \
        a CVSS v4.0 vector, or none, uses the database's label, else is 'unknown', which fails \
        every --fail-on level but never).",
    disable_version_flag = true,
    after_help = crate::after_help!(
        "  vuln-check dist/SBOM.cdx.json\n  \
         vuln-check Cargo.lock web/package-lock.json --fail-on high\n  \
         vuln-check sbom.json --db osv-db/ --sarif vuln.sarif --vdr dist/VDR.cdx.json\n  \
         vuln-check sbom.spdx.json --vex vex.cdx.json --ignore-file .vuln-ignore.toml --json"
    )
)]
pub struct Args {
    /// SBOMs (CycloneDX or SPDX JSON) and lockfiles to check.
    #[arg(value_name = "FILE", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Fail (exit 1) on findings of this severity or above.
    #[arg(long, value_enum, default_value = "any", env = "VULN_CHECK_FAIL_ON")]
    pub fail_on: FailOn,
    /// Offline database: a directory of OSV exports, DIR/<Ecosystem>/all.zip.
    #[arg(long, value_name = "DIR", env = "VULN_CHECK_DB")]
    pub db: Option<PathBuf>,
    /// OSV API base URL.
    #[arg(long, value_name = "URL", default_value = DEFAULT_API, env = "VULN_CHECK_API_URL")]
    pub api_url: String,
    /// Cache of full OSV records fetched online [default: $XDG_CACHE_HOME/relkit/osv, else the platform's cache directory, e.g. ~/.cache/relkit/osv].
    #[arg(long, value_name = "DIR", env = "VULN_CHECK_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the record cache.
    #[arg(long, env = "VULN_CHECK_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,
    /// Deadline of one API request.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = crate::cli::parse_duration, env = "VULN_CHECK_TIMEOUT")]
    pub timeout: Duration,
    /// Attempts per API request, the first included (transport errors, 429 and 5xx are retried).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 4,
        env = "VULN_CHECK_ATTEMPTS"
    )]
    pub attempts: u32,
    /// Total time one API request may take, retries included.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = crate::cli::parse_duration, env = "VULN_CHECK_DEADLINE")]
    pub deadline: Duration,
    /// Accepted vulnerabilities (TOML: [[ignore]] id, reason, expires) [default: .vuln-ignore.toml when present].
    #[arg(long, value_name = "FILE", env = "VULN_CHECK_IGNORE_FILE")]
    pub ignore_file: Option<PathBuf>,
    /// CycloneDX VEX documents; `not_affected` (with a justification) and `false_positive`
    /// statements accept a vulnerability. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Write a SARIF 2.1.0 log (for code scanning) to FILE.
    #[arg(long, value_name = "FILE", env = "VULN_CHECK_SARIF")]
    pub sarif: Option<PathBuf>,
    /// Write a CycloneDX 1.6 vulnerability disclosure report (VDR/VEX) to FILE.
    #[arg(long, value_name = "FILE", env = "VULN_CHECK_VDR")]
    pub vdr: Option<PathBuf>,
    /// Report components that cannot be checked (unknown purl type, no purl, no version) as
    /// warnings instead of failing with exit 2.
    #[arg(long, env = "VULN_CHECK_ALLOW_UNCHECKED", value_parser = clap::builder::FalseyValueParser::new())]
    pub allow_unchecked: bool,
    /// Output options.
    #[command(flatten)]
    pub output_args: crate::cli::OutputArgs,
}

/// Errors of `vuln-check`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input could not be parsed.
    #[error("{path}{}: {reason}; {hint}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Malformed {
        /// The file.
        path: String,
        /// The line, when known.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
        /// What to do.
        hint: &'static str,
    },
    /// An input does not exist.
    #[error("{0}: no such file")]
    NotFound(String),
    /// Components that cannot be checked, without --allow-unchecked.
    #[error("{count} component(s) cannot be checked: {list}; pass --allow-unchecked to report them as warnings and check the rest")]
    Unchecked {
        /// How many.
        count: usize,
        /// The first few, with reasons.
        list: String,
    },
    /// The offline database lacks an ecosystem that components need.
    #[error("{path}: missing; the components include {ecosystem} packages, so put OSV's {ecosystem}/all.zip export there")]
    DbMissing {
        /// The expected file.
        path: String,
        /// The ecosystem.
        ecosystem: &'static str,
    },
    /// An export cannot be read.
    #[error("{path}: {reason}; download the export again")]
    DbBroken {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A record in an export is not OSV JSON.
    #[error("{path}: {entry}: not an OSV record ({reason}); download the export again")]
    DbRecord {
        /// The zip file.
        path: String,
        /// The entry.
        entry: String,
        /// Why.
        reason: String,
    },
    /// The OSV API failed.
    #[error(transparent)]
    Api(#[from] api::ApiError),
    /// Reading or writing a file failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// A document could not be serialised (should not happen).
    #[error("cannot serialise: {0}")]
    Render(#[from] serde_json::Error),
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::Api(e) => e.exit(),
            Error::File(e) => e.exit(),
            Error::Render(_) => Exit::Env,
            _ => Exit::Usage,
        }
    }
}

/// The `--json` report.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    passed: bool,
    fail_on: String,
    components: usize,
    database: String,
    records_in_database: Option<usize>,
    counts: BTreeMap<&'static str, usize>,
    findings: Vec<&'a Finding>,
    ignored: Vec<&'a Finding>,
    expired_ignores: Vec<String>,
    unused_ignores: Vec<String>,
    unchecked: &'a [input::Unchecked],
    warnings: &'a [String],
}

fn default_cache() -> Option<PathBuf> {
    crate::fsutil::user_cache_dir("osv")
}

fn write_file(path: &std::path::Path, value: &serde_json::Value) -> Result<(), Error> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    crate::fsutil::atomic_write(path, &bytes)?;
    Ok(())
}

/// Runs vuln-check.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let mut inputs = Inputs::default();
    for path in &args.inputs {
        input::read(path, &mut inputs)?;
    }
    if !inputs.unchecked.is_empty() && !args.allow_unchecked {
        let list: Vec<String> = inputs
            .unchecked
            .iter()
            .take(5)
            .map(|u| format!("{} in {} ({})", u.component, u.source, u.reason))
            .collect();
        let more = inputs.unchecked.len().saturating_sub(5);
        return Err(Error::Unchecked {
            count: inputs.unchecked.len(),
            list: format!(
                "{}{}",
                list.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
        });
    }
    for u in &inputs.unchecked {
        ctx.gha.annotate(
            Level::Warning,
            &Annotation::new(format!("{}: not checked: {}", u.component, u.reason))
                .at(u.source.clone(), None)
                .title("vuln-check"),
        );
    }
    let ignores: Vec<IgnoreEntry> = match &args.ignore_file {
        Some(p) => ignore::read_ignore_file(p)?,
        None if std::path::Path::new(".vuln-ignore.toml").is_file() => {
            ignore::read_ignore_file(std::path::Path::new(".vuln-ignore.toml"))?
        }
        None => Vec::new(),
    };
    let mut vex: Vec<VexStatement> = Vec::new();
    for p in &args.vex {
        vex.extend(ignore::read_vex(p)?);
    }

    // Unique package versions to look up.
    let mut wanted: BTreeSet<PackageKey> = BTreeSet::new();
    let mut queries: BTreeSet<(PackageKey, String)> = BTreeSet::new();
    for c in &inputs.components {
        if let (Some(k), Some(v)) = (&c.key, &c.version) {
            wanted.insert(k.clone());
            queries.insert((k.clone(), v.clone()));
        }
    }
    let mut warnings: Vec<String> = Vec::new();
    let mut reported = BTreeMap::new();
    let (index, database, total) = match &args.db {
        Some(dir) => {
            let (index, total) = db::load(dir, &wanted)?;
            (index, format!("offline: {}", dir.display()), Some(total))
        }
        None => {
            let cache = if args.no_cache {
                None
            } else {
                args.cache_dir.clone().or_else(default_cache)
            };
            let gha = ctx.gha.clone();
            let client = api::Client::new(
                api::Settings {
                    base: args.api_url.clone(),
                    timeout: args.timeout,
                    attempts: args.attempts,
                    deadline: args.deadline,
                    backoff: crate::retry::Backoff {
                        base: Duration::from_millis(500),
                        cap: Duration::from_secs(8),
                    },
                    cache,
                },
                Box::new(move |line| {
                    gha.annotate(Level::Warning, &Annotation::new(line).title("vuln-check"))
                }),
            );
            let list: Vec<(PackageKey, String)> = queries.iter().cloned().collect();
            let found = client.lookup(&list)?;
            reported = found.reported;
            (found.index, format!("OSV API: {}", args.api_url), None)
        }
    };

    // Match every component against the records of its package.
    let mut findings: Vec<Finding> = Vec::new();
    let mut by_id: BTreeMap<String, &osv::Record> = BTreeMap::new();
    for c in &inputs.components {
        let (Some(key), Some(text)) = (&c.key, &c.version) else {
            continue;
        };
        let version = match key.ecosystem.parse(text) {
            Ok(v) => v,
            Err(e) => {
                let msg = format!("{}: {e}; not checked", c.purl);
                if !args.allow_unchecked {
                    return Err(Error::Unchecked {
                        count: 1,
                        list: msg,
                    });
                }
                warnings.push(msg);
                continue;
            }
        };
        let records = index.get(key).map_or(&[][..], Vec::as_slice);
        let mut hits = Vec::new();
        for r in records {
            let mut problems = Vec::new();
            if let Some(hit) = r.affects(key, text, &version, &mut problems) {
                let sev = r.severity(key, &mut problems);
                hits.push((r.as_ref(), hit, sev));
                by_id.insert(r.id.clone(), r.as_ref());
            }
            warnings.extend(problems);
        }
        // The API matched these ids too; one it reports that the record's own ranges do not
        // confirm is said, not dropped silently.
        if let Some(ids) = reported.get(&(key.clone(), text.clone())) {
            for id in ids {
                if !hits.iter().any(|(r, _, _)| r.ids().any(|i| i == id)) {
                    warnings.push(format!(
                        "the OSV API reports {id} for {}, but the record's ranges do not include {text}; not counted",
                        c.purl
                    ));
                }
            }
        }
        for g in report::group(hits) {
            findings.push(g.finding(c));
        }
    }
    warnings.sort();
    warnings.dedup();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(
                b.score
                    .partial_cmp(&a.score)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then_with(|| a.package.cmp(&b.package))
            .then_with(|| a.version.cmp(&b.version))
            .then_with(|| a.id.cmp(&b.id))
    });
    findings.dedup_by(|a, b| a.id == b.id && a.purl == b.purl);

    // Accepted findings.
    let today = ignore::today();
    let mut used = vec![false; ignores.len()];
    let bom_refs: BTreeMap<&str, &String> = inputs
        .components
        .iter()
        .filter_map(|c| Some((c.purl.as_str(), c.bom_ref.as_ref()?)))
        .collect();
    for f in &mut findings {
        let ids: Vec<&str> = std::iter::once(f.id.as_str())
            .chain(f.aliases.iter().map(String::as_str))
            .collect();
        if let Some((n, e)) = ignores
            .iter()
            .enumerate()
            .find(|(_, e)| ids.contains(&e.id.as_str()))
        {
            used[n] = true;
            if !e.expired(today) {
                f.ignored = Some(format!("ignore file: {}", e.reason));
                continue;
            }
        }
        let purl = bare_purl(&f.purl).to_string();
        let component_ref = bom_refs.get(f.purl.as_str()).copied();
        if let Some(s) = vex.iter().find(|s| {
            ids.contains(&s.id.as_str())
                && (s.refs.is_empty()
                    || s.refs
                        .iter()
                        .any(|r| bare_purl(r) == purl || Some(r) == component_ref))
        }) {
            f.ignored = Some(format!(
                "VEX {} ({}): {}",
                s.source, s.state, s.justification
            ));
        }
    }
    let expired: Vec<String> = ignores
        .iter()
        .filter(|e| e.expired(today))
        .map(|e| {
            let d = e.expires.map(|d| d.to_string()).unwrap_or_default();
            format!("{} (expired {d}: {})", e.id, e.reason)
        })
        .collect();
    let unused: Vec<String> = ignores
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(e, _)| e.id.clone())
        .collect();

    let active: Vec<&Finding> = findings.iter().filter(|f| f.ignored.is_none()).collect();
    let accepted: Vec<&Finding> = findings.iter().filter(|f| f.ignored.is_some()).collect();
    let failing = active
        .iter()
        .filter(|f| args.fail_on.fails(f.severity))
        .count();
    let failed = failing > 0 || !expired.is_empty();
    let counts = report::counts(&active);

    // Outputs.
    if let Some(path) = &args.sarif {
        write_file(path, &report::sarif(&active, &by_id))?;
    }
    if let Some(path) = &args.vdr {
        let all: Vec<&Finding> = findings.iter().collect();
        let ts = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        write_file(path, &report::vdr(&all, &ts))?;
    }
    for w in &warnings {
        ctx.gha.annotate(
            Level::Warning,
            &Annotation::new(w.clone()).title("vuln-check"),
        );
    }
    for id in &unused {
        ctx.gha.annotate(
            Level::Warning,
            &Annotation::new(format!("the ignore of {id} matched no finding; remove it"))
                .title("vuln-check"),
        );
    }
    for e in &expired {
        ctx.gha.annotate(
            Level::Error,
            &Annotation::new(format!(
                "ignore of {e}: renew it with a new date or fix the vulnerability"
            ))
            .title("vuln-check"),
        );
    }
    if ctx.gha.is_actions() {
        for f in &active {
            let mut a = Annotation::new(format!(
                "{} {} is affected by {} ({}): {}; upgrade to {}",
                f.package,
                f.version,
                f.id,
                f.severity.name(),
                f.summary,
                report::fix_text(f)
            ))
            .title("vuln-check");
            a = a.at(f.source.clone(), f.line.map(|l| l as u64));
            let level = if args.fail_on.fails(f.severity) {
                Level::Error
            } else {
                Level::Warning
            };
            ctx.gha.annotate(level, &a);
        }
    }
    for (name, n) in &counts {
        ctx.gha.set_output(name, &n.to_string())?;
    }
    ctx.gha.set_output("total", &active.len().to_string())?;
    ctx.gha.set_output("ignored", &accepted.len().to_string())?;
    ctx.gha
        .set_output("passed", if failed { "false" } else { "true" })?;
    ctx.gha.append_summary(&report::summary(
        &active,
        accepted.len(),
        &inputs.unchecked,
        inputs.components.len(),
        failed,
    ))?;

    let write_err = |e: std::io::Error| {
        Error::File(FileError::Write {
            path: "stdout".into(),
            source: e,
        })
    };
    if args.output_args.json {
        let r = JsonReport {
            passed: !failed,
            fail_on: format!("{:?}", args.fail_on).to_lowercase(),
            components: inputs.components.len(),
            database,
            records_in_database: total,
            counts,
            findings: active.clone(),
            ignored: accepted.clone(),
            expired_ignores: expired.clone(),
            unused_ignores: unused.clone(),
            unchecked: &inputs.unchecked,
            warnings: &warnings,
        };
        crate::output::write_json(ctx.out, &r).map_err(write_err)?;
    } else {
        let mut text = String::new();
        if !active.is_empty() {
            text.push_str(&report::table(&active));
        }
        let st = &ctx.style;
        let verdict = if failed { st.bad("FAIL") } else { st.ok("ok") };
        text.push_str(&format!(
            "{verdict}: {} component(s), {} vulnerabilit{} ({} at or above --fail-on {}), {} accepted{}\n",
            inputs.components.len(),
            active.len(),
            if active.len() == 1 { "y" } else { "ies" },
            failing,
            format!("{:?}", args.fail_on).to_lowercase(),
            accepted.len(),
            if expired.is_empty() { String::new() } else { format!(", {} expired ignore(s)", expired.len()) },
        ));
        ctx.out.write_all(text.as_bytes()).map_err(write_err)?;
    }
    Ok(if failed { Exit::Failed } else { Exit::Ok })
}

/// Entry point of the `vuln-check` binary and `relkit vuln-check`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("vuln-check", argv, run)
}
