//! `smoke-check`: prove that a built artifact starts, serves and stops cleanly, and gate
//! deployments on health checks.

mod command;
mod file;
mod poll;
mod port;
mod probe;
mod process;
mod report;
mod serve;
mod wait;

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

use crate::cli::{parse_duration, Ctx, OutputArgs};
use crate::exit::{Exit, FileError, ToolError};
use crate::gha::{Annotation, Level};

pub use port::PortSpec;
pub use probe::{Header, JsonExpect, Method, StatusSpec, TcpProbe};
pub use report::{CheckReport, Report};

/// Command-line arguments of `smoke-check`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "smoke-check",
    version,
    about = "Smoke-test a built artifact: run it, wait for its ports and health URLs, probe it, \
             and stop its whole process group",
    after_help = crate::after_help!(
"  smoke-check run --expect-stdout '^app 1\\.' -- ./dist/app --version
  smoke-check http http://localhost:8000/api/health --json status=ok --timeout 20s
  smoke-check http https://staging.example.com/health --max-latency 2s --retries 3
  smoke-check tcp localhost:5432 localhost:6379
  smoke-check serve --port 8000-8010 --health /api/health -- ./dist/app --port {port}
  smoke-check --checks smoke.toml --report smoke-report.json

  Exit status 3 also means the command could not be started or no port was free."
    )
)]
pub struct Args {
    /// What to check (or --checks FILE).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Run the checks listed in FILE: TOML, or JSON when the name ends in `.json`
    /// (`[[check]]` tables holding one of run/http/tcp/serve and that subcommand's options).
    #[arg(long, value_name = "FILE", env = "SMOKE_CHECK_CHECKS")]
    pub checks: Option<PathBuf>,
    /// Also write the JSON report to FILE (inside Actions it is always written, by default to
    /// $RUNNER_TEMP/smoke-check-report-PID.json, and its path is the `report` output).
    #[arg(long, value_name = "FILE", env = "SMOKE_CHECK_REPORT", global = true)]
    pub report: Option<PathBuf>,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The checks.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Run a command and check its exit code and output.
    Run(RunArgs),
    /// Probe URLs until they pass or the budget runs out.
    Http(HttpArgs),
    /// Wait for ports to accept connections.
    Tcp(TcpArgs),
    /// Start a service on a free port, wait until it is healthy, probe it, stop it cleanly.
    Serve(ServeArgs),
}

/// Options shared by the polled checks.
#[derive(Debug, Clone, clap::Args)]
pub struct PollArgs {
    /// Longest wait between attempts; polling starts at 50ms and backs off to this.
    #[arg(long, value_name = "DUR", default_value = "1s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Time allowed for one attempt.
    #[arg(long, value_name = "DUR", default_value = "5s", value_parser = parse_duration)]
    pub attempt_timeout: Duration,
    /// Consecutive passes needed.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub success_threshold: u32,
    /// Fail after N failed attempts, deadline or not; attempts are then --interval apart.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub failure_threshold: Option<u32>,
}

/// What `run` and `serve` start, and how it is reported.
#[derive(Debug, Clone, clap::Args)]
pub struct Launch {
    /// Extra environment for the command (`serve`: `{port}` in a value is replaced).
    #[arg(long, value_name = "K=V", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Lines of output shown on failure.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub tail: usize,
    /// A label for reports.
    #[arg(long)]
    pub name: Option<String>,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
    /// The command and its arguments.
    #[arg(
        value_name = "CMD",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<OsString>,
}

impl Launch {
    /// The label of the check: `--name`, or the command line.
    fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| report::command_line(&self.command))
    }
}

/// `smoke-check run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The exit code expected.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub expect_exit: i32,
    /// A regex stdout must match (the whole output without its final newline; `(?m)` makes `^`
    /// and `$` match at every line).
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub expect_stdout: Option<Regex>,
    /// A regex stderr must match.
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub expect_stderr: Option<Regex>,
    /// Kill the command (its whole process group) after this long.
    #[arg(long, value_name = "DUR", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// The command.
    #[command(flatten)]
    pub launch: Launch,
}

/// `smoke-check http`.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// The URLs, probed in parallel (`localhost` is tried on IPv4 and IPv6).
    #[arg(value_name = "URL", required = true)]
    pub urls: Vec<String>,
    /// Accepted statuses: 200, 2xx, 200|204.
    #[arg(long, value_name = "STATUS", default_value = "2xx")]
    pub status: StatusSpec,
    /// A regex the body must match.
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub body: Option<Regex>,
    /// A JSON field of the body (dotted path, e.g. checks.db.ok) must equal VALUE. (For a JSON
    /// report, put --json before `http`: smoke-check --json http URL.)
    #[arg(long = "json", value_name = "FIELD=VALUE")]
    pub json_fields: Vec<JsonExpect>,
    /// A request header (its value is never printed).
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    pub headers: Vec<Header>,
    /// The request method.
    #[arg(long, value_enum, default_value = "get")]
    pub method: Method,
    /// Answers slower than this fail.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub max_latency: Option<Duration>,
    /// The whole budget.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Retries after a failed attempt (fails after N+1 failed attempts, --interval apart).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Polling options.
    #[command(flatten)]
    pub poll: PollArgs,
    /// A label for reports.
    #[arg(long)]
    pub name: Option<String>,
}

/// `smoke-check tcp`.
#[derive(Debug, Clone, clap::Args)]
pub struct TcpArgs {
    /// HOST:PORT addresses, waited for in parallel.
    #[arg(value_name = "HOST:PORT", required = true)]
    pub targets: Vec<TcpProbe>,
    /// The whole budget.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Polling options.
    #[command(flatten)]
    pub poll: PollArgs,
    /// A label for reports.
    #[arg(long)]
    pub name: Option<String>,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--probe PATH=STATUS` of `serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSpec {
    /// A path on the service, or a whole URL.
    pub path: String,
    /// The statuses accepted.
    pub status: StatusSpec,
}

impl std::str::FromStr for ProbeSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        // The status never holds `=`; a query string may.
        match s.rsplit_once('=') {
            Some((path, status)) if !path.is_empty() => Ok(ProbeSpec {
                path: path.to_string(),
                status: status.parse()?,
            }),
            _ if !s.is_empty() && !s.contains('=') => Ok(ProbeSpec {
                path: s.to_string(),
                status: StatusSpec::success(),
            }),
            _ => Err(format!(
                "'{s}' is not PATH=STATUS; write e.g. '/api/version=200'"
            )),
        }
    }
}

/// `smoke-check serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The port: auto (any free one), N, or LOW-HIGH (the first free one). `{port}` in the
    /// command and --env is replaced by it, and PORT is set. Default: auto when `{port}` is used.
    #[arg(long, value_name = "PORT")]
    pub port: Option<PortSpec>,
    /// Health check: a path on the service (needs a port) or a URL; ready when it answers.
    #[arg(long, value_name = "PATH|URL")]
    pub health: Option<String>,
    /// Statuses the health check accepts.
    #[arg(long, value_name = "STATUS", default_value = "2xx")]
    pub health_status: StatusSpec,
    /// Ready when a line of output matches this regex.
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub ready_log: Option<Regex>,
    /// How long the service may take to become ready.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_duration)]
    pub ready_timeout: Duration,
    /// Once ready, GET this path (or URL) once and expect the status.
    #[arg(long, value_name = "PATH=STATUS")]
    pub probe: Vec<ProbeSpec>,
    /// Time between SIGTERM and SIGKILL.
    #[arg(long, value_name = "DUR", default_value = "5s", value_parser = parse_duration)]
    pub grace: Duration,
    /// Fail when the service had to be killed after the grace period.
    #[arg(long)]
    pub require_graceful: bool,
    /// Copy the service's output to FILE.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Polling options of the health check.
    #[command(flatten)]
    pub poll: PollArgs,
    /// The command.
    #[command(flatten)]
    pub launch: Launch,
}

fn parse_regex(s: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| format!("not a valid regex: {e}"))
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("'{s}' is not K=V; write e.g. 'RUST_LOG=info'")),
    }
}

/// The error for a command that could not be started, saying what to do.
fn start_error(command: &[OsString], e: io::Error) -> Error {
    let program = command
        .first()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let reason = match e.kind() {
        io::ErrorKind::NotFound => {
            "no such program (not found in PATH, or the path is wrong); build it first or fix the path"
                .to_string()
        }
        io::ErrorKind::PermissionDenied => {
            "permission denied; is it executable (chmod +x)?".to_string()
        }
        _ => e.to_string(),
    };
    Error::Start { program, reason }
}

/// Errors of smoke-check.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Neither or both of a subcommand and `--checks`.
    #[error("{0}")]
    Usage(String),
    /// A value that parsed but cannot work (a URL without host, a health path without a port).
    #[error("{0}")]
    BadInput(String),
    /// The checks file is not valid.
    #[error("{path}: {message}")]
    ChecksFile {
        /// The file.
        path: String,
        /// What is wrong and where.
        message: String,
    },
    /// Reading the checks file or writing the report or log failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// The command could not be started.
    #[error("cannot start {program}: {reason}")]
    Start {
        /// The program.
        program: String,
        /// Why, and what to do.
        reason: String,
    },
    /// No port was free.
    #[error("{0}")]
    Port(String),
    /// Stdout could not be written.
    #[error("cannot write to stdout: {0}")]
    Output(#[source] io::Error),
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::Usage(_) | Error::BadInput(_) | Error::ChecksFile { .. } => Exit::Usage,
            Error::File(e) => e.exit(),
            Error::Start { .. } | Error::Port(_) | Error::Output(_) => Exit::Env,
        }
    }
}

/// A check, validated and ready to execute.
enum Plan {
    Run(command::Plan),
    Wait(wait::Plan),
    Serve(Box<serve::Plan>),
}

impl Plan {
    fn new(command: &Command) -> Result<Plan, Error> {
        Ok(match command {
            Command::Run(a) => Plan::Run(command::Plan::new(a)?),
            Command::Http(a) => Plan::Wait(wait::Plan::http(a)?),
            Command::Tcp(a) => Plan::Wait(wait::Plan::tcp(a)),
            Command::Serve(a) => Plan::Serve(Box::new(serve::Plan::new(a)?)),
        })
    }

    /// Runs the check; an error of the environment (the command would not start) becomes a
    /// failed check with exit code 3, so the report is still written and later checks run.
    fn execute(self) -> (Vec<CheckReport>, Exit) {
        let (kind, name, result) = match self {
            Plan::Run(p) => (
                report::Kind::Run,
                p.name.clone(),
                p.execute().map(|c| vec![c]),
            ),
            Plan::Wait(p) => return (p.execute(), Exit::Ok),
            Plan::Serve(p) => (
                report::Kind::Serve,
                p.name.clone(),
                p.execute().map(|c| vec![c]),
            ),
        };
        match result {
            Ok(checks) => (checks, Exit::Ok),
            Err(e) => {
                let mut check = CheckReport::new(kind, name);
                check.fail(e.to_string());
                (vec![check], e.exit())
            }
        }
    }
}

/// Runs smoke-check with parsed arguments; testable without a process.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let commands = match (args.command, &args.checks) {
        (Some(command), None) => vec![command],
        (None, Some(path)) => file::load(path)?,
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "give either a subcommand or --checks FILE, not both".to_string(),
            ))
        }
        (None, None) => {
            return Err(Error::Usage(
                "say what to check: run, http, tcp or serve, or --checks FILE; \
                 see 'smoke-check --help'"
                    .to_string(),
            ))
        }
    };
    let json = args.output.json
        || commands.iter().any(|c| match c {
            Command::Run(a) => a.launch.output.json,
            Command::Tcp(a) => a.output.json,
            Command::Serve(a) => a.launch.output.json,
            Command::Http(_) => false,
        });
    // Everything is validated before anything runs.
    let plans = commands
        .iter()
        .map(Plan::new)
        .collect::<Result<Vec<_>, _>>()?;
    let mut checks = Vec::new();
    let mut exit = Exit::Ok;
    for plan in plans {
        let (mut done, worst) = plan.execute();
        exit = exit.worst(worst);
        if done.iter().any(|c| !c.passed) {
            exit = exit.worst(Exit::Failed);
        }
        checks.append(&mut done);
    }
    let report = Report::new(checks);
    publish(&report, args.report, json, ctx)?;
    Ok(exit)
}

/// Prints the report and hands it to Actions (summary, outputs, annotations, report file).
fn publish(report: &Report, path: Option<PathBuf>, json: bool, ctx: &mut Ctx) -> Result<(), Error> {
    let path = path.or_else(|| {
        ctx.gha.is_actions().then(|| {
            std::env::var_os("RUNNER_TEMP")
                .filter(|t| !t.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir)
                // One file per run: a job may smoke-check several times.
                .join(format!("smoke-check-report-{}.json", std::process::id()))
        })
    });
    if let Some(path) = &path {
        let mut bytes = Vec::new();
        crate::output::write_json(&mut bytes, report).map_err(|source| FileError::Write {
            path: path.display().to_string(),
            source,
        })?;
        crate::fsutil::atomic_write(path, &bytes)?;
    }
    if json {
        crate::output::write_json(ctx.out, report).map_err(Error::Output)?;
    } else {
        ctx.out
            .write_all(report::text(report, &ctx.style).as_bytes())
            .map_err(Error::Output)?;
    }
    if ctx.gha.is_actions() {
        for check in report.checks.iter().filter(|c| !c.passed) {
            let why = check.error.as_deref().unwrap_or("failed");
            let mut message = format!("{}: {why}", check.name);
            if !check.log_tail.is_empty() {
                message.push('\n');
                message.push_str(&check.log_tail.join("\n"));
            }
            ctx.gha.annotate(
                Level::Error,
                &Annotation::new(message).title(format!("smoke-check {}", check.kind.word())),
            );
        }
        ctx.gha.append_summary(&report::markdown(report))?;
        let ready = report.ready_ms.map(|ms| ms.to_string()).unwrap_or_default();
        ctx.gha.set_output("ready-ms", &ready)?;
        ctx.gha
            .set_output("passed", if report.passed { "true" } else { "false" })?;
        // The output is a path a later step opens: lossless, or an error.
        let report_path = match path.as_deref() {
            Some(p) => crate::fsutil::path_text(p)?,
            None => "",
        };
        ctx.gha.set_output("report", report_path)?;
    }
    Ok(())
}

/// Entry point of the `smoke-check` binary and of `relkit smoke-check`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("smoke-check", argv, run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn probes_take_a_status() {
        let p: ProbeSpec = "/api?x=1=204".parse().unwrap();
        assert_eq!(p.path, "/api?x=1");
        assert_eq!(p.status.to_string(), "204");
        let plain: ProbeSpec = "/ready".parse().unwrap();
        assert_eq!(plain.status, StatusSpec::success());
        assert!("=200".parse::<ProbeSpec>().is_err());
        assert!("/x=abc".parse::<ProbeSpec>().is_err());
    }

    #[test]
    fn the_arguments_are_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }

    #[test]
    fn commands_keep_their_own_flags() {
        let args = Args::try_parse_from([
            "smoke-check",
            "run",
            "--expect-exit",
            "-1",
            "--",
            "app",
            "--version",
        ])
        .unwrap();
        let Some(Command::Run(run)) = args.command else {
            panic!()
        };
        assert_eq!(run.expect_exit, -1);
        assert_eq!(
            run.launch.command,
            vec![OsString::from("app"), "--version".into()]
        );
    }

    #[test]
    fn nothing_to_do_is_a_usage_error() {
        let mut out = Vec::new();
        let mut ctx = Ctx::plain(&mut out);
        let args = Args::try_parse_from(["smoke-check"]).unwrap();
        let err = run(args, &mut ctx).unwrap_err();
        assert_eq!(err.exit(), Exit::Usage);
    }
}
