//! `asset-upload`: publishes files as assets of a GitHub release so that re-runs, transient
//! faults, parallel jobs and multi-GiB files all end in a complete, verified release.

pub mod api;
pub mod body;
pub mod plan;
pub mod progress;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use octocrab::models::repos::{Asset, Release};
use serde::Serialize;

use self::api::{ApiError, Attempt, Client, RetryPolicy};
use self::plan::{Action, Decision, ExistingAsset, LocalFile, OnExisting};
use self::progress::{Progress, Tracker};
use crate::cli::{parse_duration, Ctx, OutputArgs};
use crate::digest::algo::hex;
use crate::exit::{Exit, FileError, ToolError};
use crate::gha::{Annotation, Level};
use crate::output::{human_bytes, write_json, Align, Table};
use crate::parallel::{parallel_map, BUF_SIZE};
use crate::select::{select, SelectError, SelectOptions};

/// Which release GitHub marks as latest when this one is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MakeLatest {
    /// Mark it latest.
    True,
    /// Do not.
    False,
    /// By date and semantic version (GitHub's default).
    Legacy,
}

impl MakeLatest {
    fn as_str(self) -> &'static str {
        match self {
            MakeLatest::True => "true",
            MakeLatest::False => "false",
            MakeLatest::Legacy => "legacy",
        }
    }
}

/// Command-line arguments of `asset-upload`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "asset-upload",
    version,
    about = "Upload release assets to GitHub Releases: finds or creates the release (drafts too), \
             skips identical assets, replaces safely, streams big files, retries transient faults",
    after_help = crate::after_help!(
"  asset-upload --tag v1.2.0 dist/*.tar.gz dist/SHA256SUMS
  asset-upload --tag v1.2.0 --notes-file NOTES.md --publish 'dist/**'
  asset-upload --tag v1.2.0 --on-existing replace --dry-run --json dist/
  GH_TOKEN=… asset-upload --token-env GH_TOKEN --repo octo/tool --tag v2 app.dmg"
    )
)]
pub struct Args {
    /// Files, directories (walked) or glob patterns to upload.
    #[arg(value_name = "FILE|GLOB", required = true)]
    pub paths: Vec<OsString>,

    /// The release's tag.
    #[arg(long, env = "RELKIT_TAG")]
    pub tag: String,

    /// The repository.
    #[arg(long, env = "GITHUB_REPOSITORY", value_name = "OWNER/NAME")]
    pub repo: Option<String>,

    /// Name of the environment variable holding the token (never pass a token itself).
    #[arg(long, default_value = "GITHUB_TOKEN", value_name = "NAME")]
    pub token_env: String,

    /// REST API root; GitHub Enterprise Server: https://HOST/api/v3.
    #[arg(
        long,
        env = "GITHUB_API_URL",
        default_value = "https://api.github.com",
        value_name = "URL"
    )]
    pub api_url: String,

    /// Release title when the release is created.
    #[arg(long)]
    pub name: Option<String>,

    /// Release notes (Markdown) when the release is created.
    #[arg(long, value_name = "FILE")]
    pub notes_file: Option<PathBuf>,

    /// Commit-ish the tag is created from if it does not exist yet.
    #[arg(long, value_name = "COMMITISH")]
    pub target: Option<String>,

    /// Keep a newly created release as a draft (default: publish it once every asset is in).
    #[arg(long)]
    pub draft: bool,

    /// Mark a newly created release as a pre-release.
    #[arg(long)]
    pub prerelease: bool,

    /// Whether the release becomes "latest" when published.
    #[arg(long, value_enum, value_name = "true|false|legacy")]
    pub make_latest: Option<MakeLatest>,

    /// Label of an asset, by asset name (repeatable).
    #[arg(long = "label", value_name = "NAME=LABEL")]
    pub labels: Vec<String>,

    /// Uploads in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,

    /// What to do when the release already has an asset with the same name.
    #[arg(long, value_enum, default_value = "skip-identical")]
    pub on_existing: OnExisting,

    /// Upload files whose names GitHub would change under the name GitHub would give them.
    #[arg(long)]
    pub rename_unsafe: bool,

    /// Publish an existing draft release after every asset is uploaded and verified.
    #[arg(long)]
    pub publish: bool,

    /// Print the plan and make no write request.
    #[arg(long)]
    pub dry_run: bool,

    /// Deadline of one API request (uploads get 1 s more per MiB).
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// Retries of one request after a transient failure.
    #[arg(long, default_value_t = 6, value_name = "N")]
    pub retries: u32,

    /// Total time one request may spend retrying.
    #[arg(long, default_value = "15m", value_parser = parse_duration, value_name = "DURATION")]
    pub retry_max_time: Duration,

    /// Least wait after a secondary rate limit that names no time (GitHub: one minute). For tests.
    #[arg(long, hide = true, env = "RELKIT_UPLOAD_RATE_LIMIT_FLOOR", default_value = "60s", value_parser = parse_duration)]
    pub rate_limit_floor: Duration,

    /// First retry backoff (doubles each retry, with jitter). For tests.
    #[arg(long, hide = true, env = "RELKIT_UPLOAD_RETRY_BASE", default_value = "1s", value_parser = parse_duration)]
    pub retry_base: Duration,

    /// Output format.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Errors of asset-upload.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The files could not be selected (missing path, empty glob).
    #[error(transparent)]
    Select(#[from] SelectError),
    /// A file could not be read or named.
    #[error(transparent)]
    File(#[from] FileError),
    /// A GitHub API request failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// No token in the named environment variable.
    #[error("no token: ${env} is unset or empty; put a token with `contents: write` in it (workflow: `env: {env}: ${{{{ secrets.GITHUB_TOKEN }}}}` and `permissions: contents: write`) or name another variable with --token-env")]
    NoToken {
        /// The variable.
        env: String,
    },
    /// The token cannot be sent in an HTTP header.
    #[error("the token in ${env} contains characters that cannot be sent in an HTTP header (a line break or space inside it?); store the token alone")]
    BadToken {
        /// The variable.
        env: String,
    },
    /// No repository given.
    #[error("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")]
    NoRepo,
    /// The repository is not OWNER/NAME.
    #[error("--repo '{value}': expected OWNER/NAME, like octo-org/tool")]
    Repo {
        /// What was given.
        value: String,
    },
    /// A `--label` is not NAME=LABEL or names no file.
    #[error("--label '{value}': {reason}")]
    Label {
        /// What was given.
        value: String,
        /// Why.
        reason: String,
    },
    /// The release is published and immutable.
    #[error("release {tag} ({url}) is published and immutable: GitHub accepts no new assets on it; create the release as a draft, upload, then publish (asset-upload does this for a new release; for an existing one publish with --publish after uploading to a draft)")]
    Immutable {
        /// The tag.
        tag: String,
        /// The release page.
        url: String,
    },
    /// Creating the release said it exists, but it could not be found after.
    #[error("{tag}: GitHub said the release exists but it is not visible to the token; check that the token has `contents: write` (drafts are only visible with push access)")]
    Vanished {
        /// The tag.
        tag: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// The report could not be written.
    #[error("cannot write the report: {0}")]
    Output(std::io::Error),
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::Select(e) => e.exit(),
            Error::File(e) => e.exit(),
            Error::Api(e) => e.exit(),
            Error::NoToken { .. } | Error::Vanished { .. } | Error::Runtime(_) => Exit::Env,
            Error::Output(_) => Exit::Env,
            Error::BadToken { .. }
            | Error::NoRepo
            | Error::Repo { .. }
            | Error::Label { .. }
            | Error::Immutable { .. } => Exit::Usage,
        }
    }
}

/// The release part of the report.
#[derive(Debug, Serialize)]
struct ReleaseReport {
    /// `create` or `reuse` in a plan; `created` or `reused` after a run.
    action: &'static str,
    id: Option<u64>,
    url: Option<String>,
    upload_url: Option<String>,
    draft: bool,
    /// True when this run published the release.
    published: bool,
}

/// One file in the report.
#[derive(Debug, Serialize)]
struct AssetReport {
    path: String,
    name: String,
    size: u64,
    content_type: &'static str,
    action: Action,
    reason: String,
    /// `planned`, `uploaded`, `skipped`, `failed` or `refused`.
    status: &'static str,
    url: Option<String>,
    error: Option<String>,
}

/// The whole report (`--json`).
#[derive(Debug, Serialize)]
struct Report {
    repo: String,
    tag: String,
    dry_run: bool,
    release: Option<ReleaseReport>,
    assets: Vec<AssetReport>,
}

/// The release settings given on the command line that a reused release does not take: title,
/// notes, target and pre-release only apply on creation; `--make-latest` also on publishing, so
/// it is listed only when the release is already published.
fn release_settings_given(args: &Args, notes: bool, published: bool) -> Vec<&'static str> {
    let mut given = Vec::new();
    if args.name.is_some() {
        given.push("--name");
    }
    if notes {
        given.push("--notes-file");
    }
    if args.target.is_some() {
        given.push("--target");
    }
    if args.prerelease {
        given.push("--prerelease");
    }
    if published && args.make_latest.is_some() {
        given.push("--make-latest");
    }
    given
}

fn log_line(line: &str) {
    eprintln!("asset-upload: {line}");
}

/// Runs asset-upload with parsed arguments; testable without a process.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let token = read_token(&args.token_env, args.dry_run)?;
    if let Some(token) = &token {
        ctx.gha.mask(token);
    }
    let repo = match args.repo.as_deref().filter(|r| !r.is_empty()) {
        None => return Err(Error::NoRepo),
        Some(r) if valid_repo(r) => r.to_string(),
        Some(r) => {
            return Err(Error::Repo {
                value: r.to_string(),
            })
        }
    };
    let files = local_files(&args)?;
    let notes = match &args.notes_file {
        Some(path) => Some(
            std::fs::read_to_string(path).map_err(|source| FileError::Read {
                path: path.display().to_string(),
                source,
            })?,
        ),
        None => None,
    };
    let mut report = Report {
        repo: repo.clone(),
        tag: args.tag.clone(),
        dry_run: args.dry_run,
        release: None,
        assets: files.iter().map(planned).collect(),
    };
    let refused = plan::local_refusals(&files);
    if !refused.is_empty() {
        // Refused before any request: nothing is uploaded when one file cannot be.
        for (i, reason) in &refused {
            report.assets[*i].action = Action::Refuse;
            report.assets[*i].status = "refused";
            report.assets[*i].reason = reason.clone();
        }
        return finish(ctx, &args, &report, Exit::Usage);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let policy = RetryPolicy {
        attempts: args.retries.saturating_add(1),
        max_total: args.retry_max_time,
        base: args.retry_base,
        cap: Duration::from_secs(60),
        secondary_floor: args.rate_limit_floor,
        timeout: args.timeout,
    };
    let exit = runtime.block_on(async {
        // octocrab spawns its service on the current runtime, so it is built inside it.
        let client = Arc::new(Client::new(
            &args.api_url,
            token,
            &args.token_env,
            &repo,
            policy,
            log_line,
        )?);
        upload(&args, ctx, client, files, notes, &mut report).await
    })?;
    finish(ctx, &args, &report, exit)
}

async fn upload(
    args: &Args,
    ctx: &mut Ctx<'_>,
    client: Arc<Client>,
    files: Vec<LocalFile>,
    notes: Option<String>,
    report: &mut Report,
) -> Result<Exit, Error> {
    let found = find_release(&client, &args.tag).await?;
    if let Some(release) = &found {
        if release.immutable == Some(true) && !release.draft {
            return Err(Error::Immutable {
                tag: args.tag.clone(),
                url: release.html_url.to_string(),
            });
        }
    }
    let existing: Vec<ExistingAsset> = match &found {
        Some(release) => client
            .assets(release.id.0)
            .await?
            .iter()
            .map(api::existing)
            .collect(),
        None => Vec::new(),
    };
    let decisions = decide_all(&files, &existing, args.on_existing).await;
    let mut worst = Exit::Ok;
    for (i, decision) in decisions.iter().enumerate() {
        let entry = &mut report.assets[i];
        entry.action = decision.action;
        entry.reason = decision.reason.clone();
        match decision.action {
            Action::Refuse => {
                entry.status = "refused";
                worst = worst.worst(Exit::Failed);
            }
            Action::Skip => {
                entry.url = existing
                    .iter()
                    .find(|a| a.name == entry.name)
                    .map(|a| a.browser_download_url.clone());
            }
            _ => {}
        }
    }
    let new_names = decisions
        .iter()
        .filter(|d| d.action == Action::Upload)
        .count();
    if existing.len() + new_names > plan::MAX_ASSETS {
        for (i, d) in decisions.iter().enumerate() {
            if d.action == Action::Upload {
                report.assets[i].action = Action::Refuse;
                report.assets[i].status = "refused";
                report.assets[i].reason = format!(
                    "the release has {} assets and {new_names} more would exceed GitHub's limit of {}; split the assets over several releases",
                    existing.len(),
                    plan::MAX_ASSETS
                );
            }
        }
        worst = worst.worst(Exit::Usage);
    }
    report.release = Some(match &found {
        Some(r) => release_report("reuse", r, false),
        None => ReleaseReport {
            action: "create",
            id: None,
            url: None,
            upload_url: None,
            draft: true,
            published: false,
        },
    });
    if args.dry_run || worst != Exit::Ok {
        return Ok(worst);
    }

    let notes_given = notes.is_some();
    let (release, created) = match found {
        Some(r) => (r, false),
        None => create_release(&client, args, notes).await?,
    };
    report.release = Some(release_report(
        if created { "created" } else { "reused" },
        &release,
        false,
    ));
    if !created {
        let ignored = release_settings_given(args, notes_given, !release.draft);
        if !ignored.is_empty() {
            log_line(&format!(
                "{}: the release already exists, so {} left unchanged (they apply when asset-upload creates{} the release)",
                args.tag,
                ignored.join(", "),
                if release.draft { "" } else { " or publishes" }
            ));
        }
    }
    let progress = Progress::detect(ctx.gha.is_actions());
    let outcomes = upload_all(
        args, progress, &client, &release, &files, &decisions, &existing,
    )
    .await;
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let entry = &mut report.assets[i];
        match outcome {
            None => entry.status = "skipped",
            Some(Ok(asset)) => {
                entry.status = "uploaded";
                entry.url = Some(asset.browser_download_url.to_string());
            }
            Some(Err(e)) => {
                entry.status = "failed";
                worst = worst.worst(e.exit());
                entry.error = Some(e.to_string());
            }
        }
    }
    if worst == Exit::Ok {
        worst = verify_release(&client, &release, report).await?;
    }
    let publish = release.draft && (args.publish || (created && !args.draft));
    if worst == Exit::Ok && publish {
        let mut body = serde_json::json!({ "draft": false });
        if let Some(latest) = args.make_latest {
            body["make_latest"] = latest.as_str().into();
        }
        let path = format!("{}/releases/{}", client.repo_path(), release.id.0);
        let published: Release = client.json(Method::PATCH, &path, Some(&body)).await?;
        report.release = Some(release_report(
            if created { "created" } else { "reused" },
            &published,
            true,
        ));
    }
    Ok(worst)
}

fn release_report(action: &'static str, r: &Release, published: bool) -> ReleaseReport {
    ReleaseReport {
        action,
        id: Some(r.id.0),
        url: Some(r.html_url.to_string()),
        upload_url: Some(r.upload_url.clone()),
        draft: r.draft,
        published,
    }
}

/// Re-reads the release's assets and checks every file is there, uploaded, with its size.
async fn verify_release(
    client: &Client,
    release: &Release,
    report: &mut Report,
) -> Result<Exit, Error> {
    let assets: Vec<ExistingAsset> = client
        .assets(release.id.0)
        .await?
        .iter()
        .map(api::existing)
        .collect();
    let mut worst = Exit::Ok;
    for entry in &mut report.assets {
        let ok = assets
            .iter()
            .any(|a| a.name == entry.name && a.state == "uploaded" && a.size == entry.size);
        if !ok {
            entry.status = "failed";
            entry.error = Some(format!(
                "{}: after the upload the release has no uploaded asset '{}' of {} bytes; re-run the job",
                entry.path, entry.name, entry.size
            ));
            worst = Exit::Env;
        }
    }
    Ok(worst)
}

fn read_token(env: &str, dry_run: bool) -> Result<Option<String>, Error> {
    let value = match std::env::var(env) {
        Ok(value) => value,
        Err(std::env::VarError::NotPresent) => String::new(),
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Error::BadToken {
                env: env.to_string(),
            })
        }
    };
    let token = value.trim();
    if token.is_empty() {
        if dry_run {
            return Ok(None);
        }
        return Err(Error::NoToken {
            env: env.to_string(),
        });
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::BadToken {
            env: env.to_string(),
        });
    }
    Ok(Some(token.to_string()))
}

fn valid_repo(repo: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    matches!(repo.split_once('/'), Some((owner, name)) if ok(owner) && ok(name))
}

fn local_files(args: &Args) -> Result<Vec<LocalFile>, Error> {
    let selection = select(&args.paths, &SelectOptions::default())?;
    for (path, why) in &selection.skipped {
        log_line(&format!("{}: skipped: {why}", path.display()));
    }
    let mut labels: HashMap<String, String> = HashMap::new();
    for value in &args.labels {
        match value.split_once('=') {
            Some((name, label)) if !name.is_empty() => {
                if labels.insert(name.to_string(), label.to_string()).is_some() {
                    return Err(Error::Label {
                        value: value.clone(),
                        reason: format!("'{name}' already has a label; give one --label per asset"),
                    });
                }
            }
            _ => {
                return Err(Error::Label {
                    value: value.clone(),
                    reason: "expected NAME=LABEL".to_string(),
                })
            }
        }
    }
    let mut files = Vec::new();
    for selected in selection.files {
        let path = selected.path;
        let display = path.display().to_string();
        let meta = std::fs::metadata(&path).map_err(|source| FileError::Read {
            path: display.clone(),
            source,
        })?;
        let file_name = path.file_name().unwrap_or(path.as_os_str());
        let original = crate::fsutil::path_text(std::path::Path::new(file_name))?.to_string();
        let name = if args.rename_unsafe {
            plan::github_name(&original)
        } else {
            original.clone()
        };
        let label = labels.remove(&name).or_else(|| labels.remove(&original));
        files.push(LocalFile {
            content_type: plan::content_type(&name),
            path,
            display,
            name,
            size: meta.len(),
            label,
        });
    }
    if let Some(name) = labels.keys().next() {
        return Err(Error::Label {
            value: format!("{name}={}", labels[name]),
            reason: format!("no file has the asset name '{name}'"),
        });
    }
    Ok(files)
}

fn planned(file: &LocalFile) -> AssetReport {
    AssetReport {
        path: file.display.clone(),
        name: file.name.clone(),
        size: file.size,
        content_type: file.content_type,
        action: Action::Upload,
        reason: "new asset".to_string(),
        status: "planned",
        url: None,
        error: None,
    }
}

async fn decide_all(
    files: &[LocalFile],
    existing: &[ExistingAsset],
    policy: OnExisting,
) -> Vec<Decision> {
    let (files, existing) = (files.to_vec(), existing.to_vec());
    let count = files.len();
    // Hashing big files is blocking work: it runs on every core, off the async workers.
    let decided = tokio::task::spawn_blocking(move || {
        parallel_map(&files, |file, buf| {
            let current = existing.iter().find(|a| a.name == file.name);
            plan::decide(file, current, policy, || plan::file_digest(&file.path, buf))
        })
    })
    .await;
    decided.unwrap_or_else(|e| {
        let refuse = Decision {
            action: Action::Refuse,
            reason: format!("internal error while planning: {e}"),
        };
        vec![refuse; count]
    })
}

fn encode_segment(segment: &str) -> String {
    let mut url = match url::Url::parse("http://x/") {
        Ok(u) => u,
        Err(_) => return segment.to_string(),
    };
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.push(segment);
    }
    url.path().trim_start_matches('/').to_string()
}

/// Finds the release of `tag`, drafts included: the by-tag endpoint does not return drafts, so
/// a 404 there falls back to listing every release. When several releases share the tag
/// (GitHub allows several drafts), the oldest wins so that parallel jobs agree.
async fn find_release(client: &Client, tag: &str) -> Result<Option<Release>, ApiError> {
    let path = format!(
        "{}/releases/tags/{}",
        client.repo_path(),
        encode_segment(tag)
    );
    let resp = client.request(Method::GET, &path, None).await?;
    if resp.status != 404 {
        return client.decode(&Method::GET, &path, &resp).map(Some);
    }
    Ok(releases_of(client, tag).await?.into_iter().next())
}

/// Every release with the tag, oldest first.
async fn releases_of(client: &Client, tag: &str) -> Result<Vec<Release>, ApiError> {
    let all: Vec<Release> = client
        .list(&format!("{}/releases?per_page=100", client.repo_path()))
        .await?;
    let mut matching: Vec<Release> = all.into_iter().filter(|r| r.tag_name == tag).collect();
    matching.sort_by_key(|r| r.id.0);
    Ok(matching)
}

/// Creates the release as a draft. A concurrent job may create it first: GitHub then answers
/// 422 `already_exists` and the release is read back; if GitHub let both create a draft, the
/// younger draft (still empty) is deleted and both jobs use the oldest.
async fn create_release(
    client: &Client,
    args: &Args,
    notes: Option<String>,
) -> Result<(Release, bool), Error> {
    let mut body = serde_json::json!({
        "tag_name": args.tag,
        "draft": true,
        "prerelease": args.prerelease,
    });
    if let Some(name) = &args.name {
        body["name"] = name.clone().into();
    }
    if let Some(notes) = notes {
        body["body"] = notes.into();
    }
    if let Some(target) = &args.target {
        body["target_commitish"] = target.clone().into();
    }
    if let Some(latest) = args.make_latest {
        body["make_latest"] = latest.as_str().into();
    }
    let path = format!("{}/releases", client.repo_path());
    let resp = client.request(Method::POST, &path, Some(&body)).await?;
    if resp.already_exists() {
        log_line(&format!(
            "{}: the release was created meanwhile (another job?); using it",
            args.tag
        ));
        for wait in [0u64, 500, 1000, 2000, 4000] {
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if let Some(release) = find_release(client, &args.tag).await? {
                return Ok((release, false));
            }
        }
        return Err(Error::Vanished {
            tag: args.tag.clone(),
        });
    }
    let ours: Release = client.decode(&Method::POST, &path, &resp)?;
    let all = releases_of(client, &args.tag).await?;
    match all.first() {
        Some(oldest) if oldest.id.0 < ours.id.0 => {
            log_line(&format!(
                "{}: another job created a release for this tag first; deleting ours ({}) and using {}",
                args.tag, ours.id.0, oldest.id.0
            ));
            let path = format!("{}/releases/{}", client.repo_path(), ours.id.0);
            let resp = client.request(Method::DELETE, &path, None).await?;
            if resp.status != 204 && resp.status != 404 {
                return Err(client.status_error(&Method::DELETE, &path, &resp).into());
            }
            Ok((oldest.clone(), false))
        }
        _ => Ok((ours, true)),
    }
}

/// Uploads, replaces or re-uploads every file that needs it, `--concurrency` at a time. Returns
/// one entry per file: `None` when nothing was to be done.
async fn upload_all(
    args: &Args,
    progress: Progress,
    client: &Arc<Client>,
    release: &Release,
    files: &[LocalFile],
    decisions: &[Decision],
    existing: &[ExistingAsset],
) -> Vec<Option<Result<Asset, ApiError>>> {
    let limit = Arc::new(tokio::sync::Semaphore::new(usize::from(args.concurrency)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut index = HashMap::new();
    for (i, (file, decision)) in files.iter().zip(decisions).enumerate() {
        if decision.action == Action::Skip {
            continue;
        }
        let job = Job {
            client: client.clone(),
            release_id: release.id.0,
            upload_url: release.upload_url.clone(),
            file: file.clone(),
            action: decision.action,
            old: existing.iter().find(|a| a.name == file.name).cloned(),
        };
        let (limit, progress) = (limit.clone(), progress.clone());
        let task = tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let tracker = progress.start(&job.file.name, job.file.size);
            let result = job.run(&tracker).await;
            tracker.finish(match &result {
                Ok(_) => "done",
                Err(_) => "FAILED",
            });
            result
        });
        index.insert(task.id(), i);
    }
    // Failures are annotated once, by `finish`, with the rest of the report.
    let mut outcomes: Vec<Option<Result<Asset, ApiError>>> = files.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, result) = match joined {
            Ok(done) => done,
            Err(e) => {
                let path = index
                    .get(&e.id())
                    .map_or("", |&i| files[i].display.as_str());
                let aborted = ApiError::Aborted {
                    path: path.to_string(),
                    reason: e.to_string(),
                };
                (e.id(), Err(aborted))
            }
        };
        if let Some(&i) = index.get(&id) {
            outcomes[i] = Some(result);
        }
    }
    outcomes
}

/// The work for one file.
struct Job {
    client: Arc<Client>,
    release_id: u64,
    upload_url: String,
    file: LocalFile,
    action: Action,
    old: Option<ExistingAsset>,
}

impl Job {
    async fn run(&self, tracker: &Tracker) -> Result<Asset, ApiError> {
        match (self.action, &self.old) {
            (Action::Reupload, Some(old)) => {
                self.client.delete_asset(old.id).await?;
                self.upload_as(&self.file.name, tracker).await
            }
            (Action::Replace, Some(old)) => {
                // The old asset goes only once the new one is safely in, so a failed replace
                // leaves the previous good asset in place.
                let temp = format!("relkit-tmp-{}-{}", random_hex(), self.file.name);
                let new = self.upload_as(&temp, tracker).await?;
                self.client.delete_asset(old.id).await?;
                let renamed = self
                    .client
                    .rename_asset(new.id.0, &self.file.name, self.file.label.as_deref())
                    .await?;
                if renamed.name != self.file.name {
                    return Err(ApiError::Verify {
                        name: self.file.name.clone(),
                        reason: format!("renaming '{temp}' gave '{}'", renamed.name),
                    });
                }
                Ok(renamed)
            }
            _ => self.upload_as(&self.file.name, tracker).await,
        }
    }

    /// Uploads the file as `name`. When GitHub says the name is taken (another job uploading
    /// the same asset), waits for that upload to finish and keeps it if it is identical.
    async fn upload_as(&self, name: &str, tracker: &Tracker) -> Result<Asset, ApiError> {
        match self.upload_retrying(name, tracker).await {
            Err(ApiError::AssetExists { url, name }) => self.adopt(&name, url, tracker).await,
            other => other,
        }
    }

    /// The file's `sha256:` digest, hashed off the async workers.
    async fn local_digest(&self) -> Result<String, ApiError> {
        let path = self.file.path.clone();
        let hashed =
            tokio::task::spawn_blocking(move || plan::file_digest(&path, &mut vec![0u8; BUF_SIZE]))
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        hashed.map_err(|source| ApiError::File {
            path: self.file.display.clone(),
            source,
        })
    }

    async fn adopt(&self, name: &str, url: String, tracker: &Tracker) -> Result<Asset, ApiError> {
        let local = self.local_digest().await?;
        for attempt in 0..8 {
            let assets = self.client.assets(self.release_id).await?;
            match assets.into_iter().find(|a| a.name == name) {
                None => return self.upload_retrying(name, tracker).await,
                Some(a) if a.state == "uploaded" => {
                    return match api::verify(&a, self.file.size, Some(&local)) {
                        Ok(()) => Ok(a),
                        Err(_) => Err(ApiError::AssetExists {
                            url,
                            name: name.to_string(),
                        }),
                    };
                }
                Some(_) => tokio::time::sleep(self.client.policy.backoff(attempt)).await,
            }
        }
        // Never finished: a broken leftover, not a live upload.
        self.clean_up(name).await?;
        self.upload_retrying(name, tracker).await
    }

    /// Uploads the file as `name`, retrying; before a retry, an asset left by the failed
    /// attempt is kept if it is complete and verified, and deleted otherwise.
    async fn upload_retrying(&self, name: &str, tracker: &Tracker) -> Result<Asset, ApiError> {
        let url = format!("{} ({name})", self.upload_url);
        self.client
            .retrying(&Method::POST, &url, |attempt| async move {
                if attempt > 0 {
                    match self.clean_up(name).await {
                        Ok(Some(asset)) => return Attempt::Done(asset),
                        Ok(None) => {}
                        Err(e) => return Attempt::Fatal(e),
                    }
                }
                let tally = tracker.attempt();
                self.client
                    .upload_once(&self.upload_url, &self.file, name, tally)
                    .await
            })
            .await
    }

    async fn clean_up(&self, name: &str) -> Result<Option<Asset>, ApiError> {
        let assets = self.client.assets(self.release_id).await?;
        let Some(left) = assets.into_iter().find(|a| a.name == name) else {
            return Ok(None);
        };
        if left.state == "uploaded" {
            let digest = self.local_digest().await?;
            if api::verify(&left, self.file.size, Some(&digest)).is_ok() {
                return Ok(Some(left));
            }
        }
        log_line(&format!(
            "{name}: deleting the asset a failed attempt left behind (state '{}')",
            left.state
        ));
        self.client.delete_asset(left.id.0).await?;
        Ok(None)
    }
}

/// Eight random hex digits for a temporary asset name.
fn random_hex() -> String {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        // The name only has to differ between jobs replacing the same asset at once.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        bytes = (nanos ^ std::process::id()).to_le_bytes();
    }
    hex(&bytes)
}

/// Prints the report (text or JSON), the job summary and the step outputs.
fn finish(ctx: &mut Ctx, args: &Args, report: &Report, exit: Exit) -> Result<Exit, Error> {
    for asset in &report.assets {
        let message = match (asset.status, &asset.error) {
            ("refused", _) => Some(asset.reason.clone()),
            (_, Some(e)) if asset.status == "failed" => Some(e.clone()),
            _ => None,
        };
        if let Some(message) = message {
            ctx.gha.annotate(
                Level::Error,
                &Annotation::new(message).title("asset-upload"),
            );
        }
    }
    let mut table = Table::new(&[
        ("asset", Align::Left),
        ("size", Align::Right),
        ("action", Align::Left),
        ("status", Align::Left),
        ("download", Align::Left),
        ("reason", Align::Left),
    ]);
    for a in &report.assets {
        let action = serde_json::to_value(a.action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        table.row([
            a.name.clone(),
            human_bytes(a.size),
            action,
            a.status.to_string(),
            a.url.clone().unwrap_or_default(),
            match a.status {
                "failed" => a.error.clone().unwrap_or_default(),
                _ => a.reason.clone(),
            },
        ]);
    }
    if args.output.json {
        write_json(ctx.out, report).map_err(Error::Output)?;
    } else {
        let place = match &report.release {
            Some(r) if r.action == "create" => "a new release".to_string(),
            Some(r) => r.url.clone().unwrap_or_default(),
            None => "nothing read from GitHub: refused up front".to_string(),
        };
        let heading = if args.dry_run {
            format!("Plan (dry run) for {} {}: {place}", report.repo, report.tag)
        } else {
            format!("{} {}: {place}", report.repo, report.tag)
        };
        writeln!(ctx.out, "{}", ctx.style.bold(&heading)).map_err(Error::Output)?;
        write!(ctx.out, "{}", table.to_text()).map_err(Error::Output)?;
    }
    if args.dry_run {
        return Ok(exit);
    }
    if let Some(release) = &report.release {
        let mut summary = format!(
            "### Release {} assets\n\n",
            match &release.url {
                Some(url) => format!("[{}]({url})", report.tag),
                None => report.tag.clone(),
            }
        );
        summary.push_str(&table.to_markdown());
        ctx.gha.append_summary(&summary)?;
        let assets: serde_json::Map<String, serde_json::Value> = report
            .assets
            .iter()
            .filter_map(|a| a.url.as_ref().map(|u| (a.name.clone(), u.clone().into())))
            .collect();
        let outputs = [
            ("release-id", release.id.map(|i| i.to_string())),
            ("release-url", release.url.clone()),
            (
                "upload-url",
                release
                    .upload_url
                    .as_ref()
                    .map(|u| u.split('{').next().unwrap_or(u).to_string()),
            ),
            (
                "assets",
                serde_json::to_string(&serde_json::Value::Object(assets)).ok(),
            ),
        ];
        for (name, value) in outputs {
            if let Some(value) = value {
                ctx.gha.set_output(name, &value)?;
            }
        }
    }
    Ok(exit)
}

/// Entry point of the `asset-upload` binary and of `relkit asset-upload`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("asset-upload", argv, run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repos_are_owner_slash_name() {
        assert!(valid_repo("octo-org/tool.rs"));
        assert!(!valid_repo("tool"));
        assert!(!valid_repo("a/b/c"));
        assert!(!valid_repo("/b"));
    }

    #[test]
    fn tags_are_path_encoded() {
        assert_eq!(encode_segment("v1.0"), "v1.0");
        assert_eq!(encode_segment("release/1 2"), "release%2F1%202");
    }
}
