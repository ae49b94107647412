//! `deploy`: deployment records on GitHub's Deployments API (`start`, `finish`, `previous`) and
//! notifications to Slack, Microsoft Teams or any webhook (`notify`), for the reusable
//! `deploy.yml` workflow (issue 17). relkit does not deploy anything itself: the user's command
//! does, and this tool records, finds what to roll back to, and tells people.
//!
//! It talks HTTP through crate::http (blocking ureq), not octocrab: four small JSON calls do not
//! need an async runtime, and the binary stays small and starts fast.

pub mod github;
pub mod notify;

use std::ffi::OsString;
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde_json::{json, Value};

use crate::cli::{parse_duration, Ctx, OutputArgs};
use crate::exit::{Exit, FileError, ToolError};
use crate::gha::{Annotation, Level};
use crate::http::{Client, Policy, Request};
use crate::retry::Backoff;
use github::{Api, ApiError, Deployment};
use notify::{Event, Kind};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "deploy",
    version,
    about = "Record deployments on GitHub (start, finish, previous) and notify Slack, Teams or a webhook",
    after_help = crate::after_help!(
        "  deploy start --environment production --ref \"$GITHUB_SHA\" --version v1.4.2
  deploy finish --id 42 --state success --environment-url https://app.example
  deploy previous --environment production --before 42
  RELKIT_WEBHOOK_URL=… deploy notify --kind slack --environment production --version v1.4.2 --state success"
    )
)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The repository and API settings every GitHub subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct GitHubArgs {
    /// The repository.
    #[arg(long, env = "GITHUB_REPOSITORY", value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// Name of the environment variable holding the token (never pass a token itself); it needs
    /// `deployments: write`.
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
    /// Retry settings.
    #[command(flatten)]
    pub retry: RetryArgs,
    /// Output flags.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// How requests are retried.
#[derive(Debug, Clone, clap::Args)]
pub struct RetryArgs {
    /// Deadline of one HTTP attempt.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
    /// Tries per request, the first included.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub attempts: u32,
    /// Total time one request may take, retries included.
    #[arg(long, default_value = "25s", value_parser = parse_duration, value_name = "DURATION")]
    pub deadline: Duration,
    /// First backoff between tries (doubling, with jitter).
    #[arg(long, hide = true, env = "RELKIT_DEPLOY_RETRY_BASE", default_value = "500ms", value_parser = parse_duration)]
    pub retry_base: Duration,
}

impl RetryArgs {
    fn policy(&self) -> Policy {
        Policy {
            timeout: self.timeout,
            attempts: self.attempts.max(1),
            deadline: self.deadline,
            backoff: Backoff {
                base: self.retry_base,
                cap: Duration::from_secs(8),
            },
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a deployment of REF to an environment and set it `in_progress`; prints its id.
    Start {
        /// The environment (production, staging, …).
        #[arg(long, env = "RELKIT_ENVIRONMENT")]
        environment: String,
        /// Branch, tag or SHA deployed.
        #[arg(long = "ref", env = "GITHUB_SHA", value_name = "REF")]
        git_ref: String,
        /// The version deployed (kept in the deployment's payload as `version`).
        #[arg(long, env = "RELKIT_VERSION")]
        version: String,
        /// Extra payload, a JSON object (its `version` key is set to --version).
        #[arg(long, value_name = "JSON")]
        payload: Option<String>,
        /// A commit status context that must be `success` on REF (repeatable); none given: no
        /// context is required (GitHub's default would require every context).
        #[arg(long = "required-context", value_name = "CONTEXT")]
        required_contexts: Vec<String>,
        /// The environment ends with this deployment (a review app).
        #[arg(long)]
        transient: bool,
        /// Whether end users use the environment (GitHub's default: true for `production`).
        #[arg(long, value_name = "true|false")]
        production: Option<bool>,
        /// Short description.
        #[arg(long)]
        description: Option<String>,
        /// The log URL (default: this workflow run).
        #[arg(long, value_name = "URL")]
        log_url: Option<String>,
        /// API settings.
        #[command(flatten)]
        github: GitHubArgs,
    },
    /// Set a deployment's final state; on success GitHub marks earlier ones `inactive`.
    Finish {
        /// The deployment id (`deploy start`'s output).
        #[arg(long, env = "RELKIT_DEPLOYMENT_ID")]
        id: u64,
        /// The final state.
        #[arg(long, value_parser = ["success", "failure", "error", "inactive"])]
        state: String,
        /// Where the deployed service is.
        #[arg(long, value_name = "URL")]
        environment_url: Option<String>,
        /// The log URL (default: this workflow run).
        #[arg(long, value_name = "URL")]
        log_url: Option<String>,
        /// Leave earlier deployments of the environment as they are on success.
        #[arg(long)]
        no_auto_inactive: bool,
        /// Short description.
        #[arg(long)]
        description: Option<String>,
        /// API settings.
        #[command(flatten)]
        github: GitHubArgs,
    },
    /// The last deployment of an environment that succeeded, before the current one (exit 1
    /// when there is none).
    Previous {
        /// The environment.
        #[arg(long, env = "RELKIT_ENVIRONMENT")]
        environment: String,
        /// The current deployment's id: only deployments created before it count.
        #[arg(long, env = "RELKIT_DEPLOYMENT_ID", value_name = "ID")]
        before: Option<u64>,
        /// API settings.
        #[command(flatten)]
        github: GitHubArgs,
    },
    /// Post a notification to a Slack, Teams or any webhook (a warning on failure unless
    /// --required).
    Notify(NotifyArgs),
}

/// `deploy notify`.
#[derive(Debug, clap::Args)]
pub struct NotifyArgs {
    /// Which webhook format.
    #[arg(long, value_enum, default_value = "json")]
    pub kind: Kind,
    /// Name of the environment variable holding the webhook URL (a secret; never pass it).
    #[arg(long, default_value = "RELKIT_WEBHOOK_URL", value_name = "NAME")]
    pub webhook_url_env: String,
    /// Name of the environment variable holding the HMAC secret; set: the request carries
    /// `X-Relkit-Signature-256: sha256=<hex>`.
    #[arg(long, value_name = "NAME")]
    pub secret_env: Option<String>,
    /// The environment.
    #[arg(long, env = "RELKIT_ENVIRONMENT")]
    pub environment: String,
    /// The version.
    #[arg(long, env = "RELKIT_VERSION", default_value = "")]
    pub version: String,
    /// The commit.
    #[arg(long, env = "GITHUB_SHA", default_value = "")]
    pub sha: String,
    /// Who started it.
    #[arg(long, env = "GITHUB_ACTOR", default_value = "")]
    pub actor: String,
    /// The final state.
    #[arg(long)]
    pub state: String,
    /// When the deployment started (Unix seconds, `deploy start`'s `started-at`).
    #[arg(long, value_name = "SECONDS")]
    pub started_at: Option<u64>,
    /// Where the deployed service is.
    #[arg(long, value_name = "URL", default_value = "")]
    pub environment_url: String,
    /// The log URL (default: this workflow run).
    #[arg(long, value_name = "URL")]
    pub log_url: Option<String>,
    /// The deployment id.
    #[arg(long, env = "RELKIT_DEPLOYMENT_ID")]
    pub deployment_id: Option<u64>,
    /// The rollback's state, when one was tried (`success`, `failure`, `none`).
    #[arg(long)]
    pub rollback_state: Option<String>,
    /// The version rolled back to.
    #[arg(long)]
    pub rollback_version: Option<String>,
    /// The message template (placeholders: see README).
    #[arg(long, default_value = notify::DEFAULT_TEMPLATE)]
    pub template: String,
    /// The repository, shown in the message.
    #[arg(long, env = "GITHUB_REPOSITORY", default_value = "")]
    pub repo: String,
    /// Fail (exit 3) when the notification cannot be delivered, instead of warning.
    #[arg(long)]
    pub required: bool,
    /// Retry settings.
    #[command(flatten)]
    pub retry: RetryArgs,
    /// Output flags.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A GitHub API call failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// No token.
    #[error("no token: ${env} is unset or empty; put a token with `deployments: write` in it (workflow: `env: {env}: ${{{{ secrets.GITHUB_TOKEN }}}}` and `permissions: deployments: write`) or name another variable with --token-env")]
    NoToken {
        /// The variable.
        env: String,
    },
    /// No repository.
    #[error("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")]
    NoRepo,
    /// The repository is not OWNER/NAME.
    #[error("--repo '{0}': expected OWNER/NAME, like octo-org/tool")]
    Repo(String),
    /// A value on the command line is wrong.
    #[error("{flag}: {reason}")]
    Value {
        /// The flag.
        flag: &'static str,
        /// Why.
        reason: String,
    },
    /// No webhook URL.
    #[error("no webhook URL: ${env} is unset or empty; put the webhook URL in it from a secret (`env: {env}: ${{{{ secrets.DEPLOY_WEBHOOK }}}}`) or name another variable with --webhook-url-env")]
    NoWebhook {
        /// The variable.
        env: String,
    },
    /// The notification could not be delivered and --required was given.
    #[error("notification to {url} failed: {reason}")]
    Delivery {
        /// The redacted URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A runner file could not be written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The report could not be written.
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::Api(e) => e.exit(),
            Error::File(e) => e.exit(),
            Error::NoToken { .. } | Error::NoWebhook { .. } | Error::Delivery { .. } => Exit::Env,
            Error::Output(_) => Exit::Env,
            Error::NoRepo | Error::Repo(_) | Error::Value { .. } => Exit::Usage,
        }
    }
}

/// Entry point of the `deploy` binary.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("deploy", argv, run)
}

/// The run's log URL from the runner's variables, when inside Actions, in `repo` (OWNER/NAME;
/// empty: `$GITHUB_REPOSITORY`).
fn run_url(repo: &str) -> Option<String> {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let server = var("GITHUB_SERVER_URL")?;
    let repo = Some(repo.to_string())
        .filter(|r| !r.is_empty())
        .or_else(|| var("GITHUB_REPOSITORY"))?;
    let run = var("GITHUB_RUN_ID")?;
    let mut url = format!("{}/{repo}/actions/runs/{run}", server.trim_end_matches('/'));
    if let Some(attempt) = var("GITHUB_RUN_ATTEMPT") {
        url.push_str(&format!("/attempts/{attempt}"));
    }
    Some(url)
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn api(args: &GitHubArgs, ctx: &Ctx) -> Result<Api, Error> {
    let repo = args
        .repo
        .clone()
        .filter(|r| !r.is_empty())
        .ok_or(Error::NoRepo)?;
    let valid = repo
        .split_once('/')
        .is_some_and(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'));
    if !valid {
        return Err(Error::Repo(repo));
    }
    let token = std::env::var(&args.token_env)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::NoToken {
            env: args.token_env.clone(),
        })?;
    ctx.gha.mask(&token);
    let gha = ctx.gha.clone();
    let log = Box::new(move |line: &str| {
        gha.annotate(Level::Warning, &Annotation::new(line).title("deploy"))
    });
    Ok(Api::new(
        &args.api_url,
        &repo,
        token,
        args.retry.policy(),
        log,
    ))
}

/// Writes the outputs, the summary and the report (JSON or text).
fn finish_report(
    ctx: &mut Ctx,
    json_out: bool,
    report: &Value,
    outputs: &[(&str, String)],
    summary: &str,
    text: &str,
) -> Result<(), Error> {
    for (name, value) in outputs {
        ctx.gha.set_output(name, value)?;
    }
    ctx.gha.append_summary(summary)?;
    if json_out {
        writeln!(
            ctx.out,
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        )?;
    } else {
        writeln!(ctx.out, "{text}")?;
    }
    Ok(())
}

/// Runs the tool.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    match args.command {
        Command::Start {
            environment,
            git_ref,
            version,
            payload,
            required_contexts,
            transient,
            production,
            description,
            log_url,
            github,
        } => {
            if environment.trim().is_empty() {
                return Err(Error::Value {
                    flag: "--environment",
                    reason: "empty; name the environment, e.g. production".into(),
                });
            }
            if git_ref.trim().is_empty() {
                return Err(Error::Value {
                    flag: "--ref",
                    reason: "empty; pass the branch, tag or SHA deployed".into(),
                });
            }
            let mut extra = match payload.as_deref().map(serde_json::from_str::<Value>) {
                None => json!({}),
                Some(Ok(v @ Value::Object(_))) => v,
                Some(Ok(_)) => {
                    return Err(Error::Value {
                        flag: "--payload",
                        reason: "not a JSON object; write e.g. '{\"region\":\"eu\"}'".into(),
                    })
                }
                Some(Err(e)) => {
                    return Err(Error::Value {
                        flag: "--payload",
                        reason: format!("not JSON ({e})"),
                    })
                }
            };
            extra["version"] = json!(version);
            let api = api(&github, ctx)?;
            let mut body = json!({
                "ref": git_ref,
                "task": "deploy",
                "auto_merge": false,
                "required_contexts": required_contexts,
                "payload": extra,
                "environment": environment,
                "description": description.unwrap_or_else(|| format!("Deploy {version}")),
                "transient_environment": transient,
            });
            if let Some(p) = production {
                body["production_environment"] = json!(p);
            }
            let started = now_secs();
            let deployment = api.create_deployment(&body)?;
            let log_url = log_url
                .or_else(|| run_url(github.repo.as_deref().unwrap_or("")))
                .unwrap_or_default();
            let mut status =
                json!({"state": "in_progress", "description": format!("Deploying {version}")});
            if !log_url.is_empty() {
                status["log_url"] = json!(log_url);
            }
            api.create_status(deployment.id, &status)?;
            let report = json!({
                "deployment": deployment,
                "version": version,
                "state": "in_progress",
                "log_url": log_url,
                "started_at": started,
            });
            let summary = format!(
                "### deploy start\n\n| Deployment | Environment | Version | Ref | Commit |\n|---|---|---|---|---|\n| {} | {} | {} | `{}` | `{}` |\n",
                deployment.id, deployment.environment, version, deployment.git_ref, deployment.sha
            );
            let text = format!(
                "deployment {} of {version} ({}) to {}: in_progress",
                deployment.id, deployment.sha, deployment.environment
            );
            let outputs = [
                ("deployment-id", deployment.id.to_string()),
                ("sha", deployment.sha.clone()),
                ("ref", deployment.git_ref.clone()),
                ("version", version.clone()),
                ("environment", deployment.environment.clone()),
                ("started-at", started.to_string()),
                ("log-url", log_url.clone()),
            ];
            finish_report(ctx, github.output.json, &report, &outputs, &summary, &text)?;
            Ok(Exit::Ok)
        }
        Command::Finish {
            id,
            state,
            environment_url,
            log_url,
            no_auto_inactive,
            description,
            github,
        } => {
            let api = api(&github, ctx)?;
            let log_url = log_url
                .or_else(|| run_url(github.repo.as_deref().unwrap_or("")))
                .unwrap_or_default();
            let mut body = json!({"state": state, "auto_inactive": !no_auto_inactive});
            if !log_url.is_empty() {
                body["log_url"] = json!(log_url);
            }
            if let Some(u) = environment_url.as_deref().filter(|u| !u.is_empty()) {
                body["environment_url"] = json!(u);
            }
            if let Some(d) = description {
                body["description"] = json!(d);
            }
            let status = api.create_status(id, &body)?;
            let deployment = api.deployment(id)?;
            let report = json!({"deployment": deployment, "status": status});
            let summary = format!(
                "### deploy finish\n\n| Deployment | Environment | Version | State |\n|---|---|---|---|\n| {id} | {} | {} | **{state}** |\n",
                deployment.environment,
                deployment.version().unwrap_or("")
            );
            let text = format!("deployment {id} to {}: {state}", deployment.environment);
            let outputs = [
                ("deployment-id", id.to_string()),
                ("state", state.clone()),
                ("sha", deployment.sha.clone()),
                ("version", deployment.version().unwrap_or("").to_string()),
            ];
            finish_report(ctx, github.output.json, &report, &outputs, &summary, &text)?;
            Ok(Exit::Ok)
        }
        Command::Previous {
            environment,
            before,
            github,
        } => {
            let api = api(&github, ctx)?;
            let mut found: Option<Deployment> = None;
            for d in api.deployments(&environment)? {
                if before.is_some_and(|b| d.id >= b) || d.environment != environment {
                    continue;
                }
                let statuses = api.statuses(d.id)?;
                // Newest first. A deployment that succeeded and was later superseded (GitHub
                // marks it `inactive` when a newer one succeeds) still ran fine; a manual
                // rollback after a bad success needs it.
                let latest = statuses.first().map(|s| s.state.as_str());
                let good = latest == Some("success")
                    || (latest == Some("inactive")
                        && statuses.iter().any(|s| s.state == "success"));
                if good {
                    found = Some(d);
                    break;
                }
            }
            let Some(d) = found else {
                let message = format!(
                    "no earlier successful deployment to {environment}{}: nothing to roll back to",
                    before.map(|b| format!(" before {b}")).unwrap_or_default()
                );
                ctx.gha.set_output("found", "false")?;
                ctx.gha
                    .append_summary(&format!("### deploy previous\n\n{message}\n"))?;
                if github.output.json {
                    writeln!(
                        ctx.out,
                        "{}",
                        json!({"found": false, "environment": environment})
                    )?;
                } else {
                    writeln!(ctx.out, "{message}")?;
                }
                ctx.gha
                    .annotate(Level::Error, &Annotation::new(message).title("deploy"));
                return Ok(Exit::Failed);
            };
            let version = d.version().unwrap_or("").to_string();
            let report = json!({"found": true, "deployment": d, "version": version});
            let summary = format!(
                "### deploy previous\n\n| Deployment | Environment | Version | Ref | Commit |\n|---|---|---|---|---|\n| {} | {} | {version} | `{}` | `{}` |\n",
                d.id, d.environment, d.git_ref, d.sha
            );
            let text = format!(
                "previous successful deployment to {environment}: {} {version} ({} at {})",
                d.id, d.git_ref, d.sha
            );
            let outputs = [
                ("found", "true".to_string()),
                ("deployment-id", d.id.to_string()),
                ("ref", d.git_ref.clone()),
                ("sha", d.sha.clone()),
                ("version", version.clone()),
            ];
            finish_report(ctx, github.output.json, &report, &outputs, &summary, &text)?;
            Ok(Exit::Ok)
        }
        Command::Notify(n) => notify_run(n, ctx),
    }
}

fn notify_run(n: NotifyArgs, ctx: &mut Ctx) -> Result<Exit, Error> {
    let url = std::env::var(&n.webhook_url_env)
        .ok()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Error::NoWebhook {
            env: n.webhook_url_env.clone(),
        })?;
    ctx.gha.mask(&url);
    let shown = notify::redact(&url);
    let secret = match &n.secret_env {
        Some(env) => {
            let s = std::env::var(env).ok().filter(|s| !s.is_empty()).ok_or_else(|| Error::Value {
                flag: "--secret-env",
                reason: format!("${env} is unset or empty; put the signing secret in it or drop --secret-env"),
            })?;
            ctx.gha.mask(&s);
            Some(s)
        }
        None => None,
    };
    let event = Event {
        repository: n.repo.clone(),
        environment: n.environment.clone(),
        version: n.version.clone(),
        sha: n.sha.clone(),
        actor: n.actor.clone(),
        state: n.state.clone(),
        duration_seconds: n.started_at.map(|s| now_secs().saturating_sub(s)),
        log_url: n
            .log_url
            .clone()
            .or_else(|| run_url(&n.repo))
            .unwrap_or_default(),
        environment_url: n.environment_url.clone(),
        deployment_id: n.deployment_id,
        rollback_state: n.rollback_state.clone().filter(|s| !s.is_empty()),
        rollback_version: n.rollback_version.clone().filter(|s| !s.is_empty()),
    };
    let message = event.render(&n.template).map_err(|reason| Error::Value {
        flag: "--template",
        reason,
    })?;
    let body = event.body(n.kind, &message).to_string();
    let mut headers = vec![("content-type", "application/json".to_string())];
    if let Some(s) = &secret {
        headers.push((
            "x-relkit-signature-256",
            notify::signature(s.as_bytes(), body.as_bytes()),
        ));
    }
    let client = Client::new(
        n.retry.policy(),
        concat!("relkit-deploy/", env!("CARGO_PKG_VERSION")),
    );
    let req = Request {
        method: "POST",
        url: &url,
        shown: &shown,
        headers,
        body: Some(body.as_bytes()),
    };
    let gha = ctx.gha.clone();
    let log = move |line: &str| {
        gha.annotate(
            Level::Warning,
            &Annotation::new(line).title("deploy notify"),
        )
    };
    let result = match client.send(&req, &log) {
        Ok(r) if (200..300).contains(&r.status) => Ok(r.attempts),
        Ok(r) => Err(format!(
            "HTTP {} after {} attempt(s): {}",
            r.status,
            r.attempts,
            r.body
                .chars()
                .take(200)
                .collect::<String>()
                .replace(&url, &shown)
        )),
        Err(e) => Err(format!(
            "gave up after {} attempt(s) in {}: {}",
            e.attempts, e.elapsed, e.last
        )),
    };
    let delivered = result.is_ok();
    let kind = format!("{:?}", n.kind).to_lowercase();
    ctx.gha
        .set_output("delivered", if delivered { "true" } else { "false" })?;
    ctx.gha.append_summary(&format!(
        "### deploy notify\n\n{kind} notification to {shown}: {}\n\n> {message}\n",
        if delivered {
            "delivered"
        } else {
            "**not delivered**"
        }
    ))?;
    let report = json!({
        "delivered": delivered,
        "kind": kind,
        "url": shown,
        "message": message,
        "attempts": result.as_ref().ok(),
        "error": result.as_ref().err(),
    });
    if n.output.json {
        writeln!(
            ctx.out,
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        )?;
    }
    match result {
        Ok(attempts) => {
            if !n.output.json {
                writeln!(
                    ctx.out,
                    "{kind} notification delivered to {shown} ({attempts} attempt(s)): {message}"
                )?;
            }
            Ok(Exit::Ok)
        }
        Err(reason) if n.required => Err(Error::Delivery { url: shown, reason }),
        Err(reason) => {
            let text = format!(
                "notification to {shown} not delivered: {reason}; the deployment is unaffected (pass --required to fail instead)"
            );
            if !n.output.json {
                writeln!(ctx.out, "{text}")?;
            }
            ctx.gha.annotate(
                Level::Warning,
                &Annotation::new(text).title("deploy notify"),
            );
            Ok(Exit::Ok)
        }
    }
}
