//! The shared entry point of every tool: argument parsing with clap, the run context (stdout,
//! Actions handle, colour), and the mapping of a tool's result to a message and an exit status.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use crate::exit::{Exit, ToolError};
use crate::gha::{Annotation, Gha, Level};
use crate::output::{stdout_color, Style};

/// The exit-status section of every `--help`, as a literal so that [`after_help!`] can
/// `concat!` it; [`EXIT_STATUS_HELP`] is the same text as a constant.
#[macro_export]
#[doc(hidden)]
macro_rules! exit_status_help {
    () => {
        "Exit status:
  0  success
  1  a check failed (gate, mismatch, health check)
  2  bad usage or bad input (unknown flag, unreadable or malformed file)
  3  the environment failed (network, permissions, missing program)"
    };
}

/// The exit-status section appended to every tool's `--help`.
pub const EXIT_STATUS_HELP: &str = exit_status_help!();

/// Builds a tool's `after_help` text from its examples, followed by the shared exit-status
/// section.
#[macro_export]
macro_rules! after_help {
    ($examples:expr) => {
        concat!(
            "Examples:\n",
            $examples,
            "\n\n",
            $crate::exit_status_help!()
        )
    };
}

/// Output flags every tool has.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OutputArgs {
    /// Print one JSON document on stdout instead of human text.
    #[arg(long, env = "RELKIT_JSON", value_parser = clap::builder::FalseyValueParser::new())]
    pub json: bool,
}

/// What a tool's `run` gets besides its arguments.
pub struct Ctx<'a> {
    /// Where the tool's data and human report go (stdout in the binary, a buffer in tests).
    pub out: &'a mut dyn Write,
    /// The GitHub Actions handle (disabled outside Actions).
    pub gha: Gha,
    /// Colours for human output.
    pub style: Style,
}

impl<'a> Ctx<'a> {
    /// A context for tests and library callers: no Actions, no colour.
    pub fn plain(out: &'a mut dyn Write) -> Self {
        Ctx {
            out,
            gha: Gha::disabled(),
            style: Style::new(false),
        }
    }
}

/// Parses `argv` (whose first item is the program name) into `A`, runs the tool, and maps the
/// outcome to an exit status. Help and version print to stdout and exit 0; usage errors print
/// clap's message and exit 2.
pub fn run_tool<A, E, F>(tool: &str, argv: Vec<OsString>, run: F) -> ExitCode
where
    A: Parser,
    E: ToolError,
    F: FnOnce(A, &mut Ctx) -> Result<Exit, E>,
{
    let args = match A::try_parse_from(argv) {
        Ok(args) => args,
        Err(err) => {
            // Help and version are "errors" to clap; they go to stdout with exit 0. Any failure
            // to print is ignored: there is nowhere left to report it.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                Exit::Usage.code()
            } else {
                0
            });
        }
    };
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    let mut ctx = Ctx {
        out: &mut lock,
        gha: Gha::from_env(),
        style: Style::new(stdout_color()),
    };
    let result = run(args, &mut ctx);
    let flushed = ctx.out.flush();
    let gha = ctx.gha.clone();
    drop(lock);
    match (report(tool, &gha, result), flushed) {
        // A closed pipe (`tool | head`) is not a failure of the tool.
        (exit, Err(e)) if e.kind() != io::ErrorKind::BrokenPipe && exit == Exit::Ok => {
            eprintln!("{tool}: cannot write to stdout: {e}");
            Exit::Env.into()
        }
        (exit, _) => exit.into(),
    }
}

/// Reports a tool's result: errors become one message on stderr (an `::error` annotation inside
/// Actions) and their exit code.
pub fn report<E: ToolError>(tool: &str, gha: &Gha, result: Result<Exit, E>) -> Exit {
    match result {
        Ok(exit) => exit,
        Err(err) => {
            if gha.is_actions() {
                gha.annotate(Level::Error, &Annotation::new(err.to_string()).title(tool));
            } else {
                eprintln!("{tool}: {err}");
            }
            err.exit()
        }
    }
}

/// The time a reproducible build is stamped with: `SOURCE_DATE_EPOCH` when set
/// (<https://reproducible-builds.org/specs/source-date-epoch/>), else now. The error is the
/// variable's value, which is not a number of seconds.
pub fn build_time() -> Result<std::time::SystemTime, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<u64>()
            .map(|secs| std::time::UNIX_EPOCH + Duration::from_secs(secs))
            .map_err(|_| v),
        _ => Ok(std::time::SystemTime::now()),
    }
}

/// Parses a duration such as `500ms`, `5s`, `2m` or `1m30s` (clap value parser).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let trimmed = s.trim();
    if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "'{s}' has no unit; write e.g. '{trimmed}s' or '{trimmed}ms'"
        ));
    }
    humantime::parse_duration(trimmed)
        .map_err(|e| format!("'{s}' is not a duration ({e}); write e.g. '500ms', '5s' or '2m'"))
}

/// Formats a duration for people: `45ms`, `1.20s`, `2m05s`.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.2}s", d.as_secs_f64())
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("5").unwrap_err().contains("no unit"));
        assert!(parse_duration("fast").is_err());
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(Duration::from_millis(45)), "45ms");
        assert_eq!(human_duration(Duration::from_millis(1200)), "1.20s");
        assert_eq!(human_duration(Duration::from_secs(125)), "2m05s");
    }

    #[test]
    fn after_help_is_examples_then_exit_status() {
        assert_eq!(
            after_help!("  x"),
            format!("Examples:\n  x\n\n{EXIT_STATUS_HELP}")
        );
    }
}
