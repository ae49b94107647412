//! What smoke-check reports: one record per check (JSON with `--json` and in the `--report`
//! file), rendered as human text, as a job-summary table, and as Actions outputs.

use std::ffi::OsString;

use serde::Serialize;

use super::poll::Attempt;
use super::process::{ExitInfo, Shutdown, StopHow};
use crate::output::{Align, Style, Table};

/// The kind of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `run`: a command's exit code and output.
    Run,
    /// `http`: a URL until it passes.
    Http,
    /// `tcp`: a port until it accepts connections.
    Tcp,
    /// `serve`: a service's whole lifecycle.
    Serve,
}

impl Kind {
    /// The subcommand's name, as in the JSON report: `run`, `http`, `tcp`, `serve`.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Http => "http",
            Kind::Tcp => "tcp",
            Kind::Serve => "serve",
        }
    }
}

/// One expectation of `run`: expected against what came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// `exit code`, `stdout` or `stderr`.
    pub what: String,
    /// What was expected.
    pub expected: String,
    /// What came.
    pub got: String,
    /// Whether they agree.
    pub ok: bool,
}

/// One `--probe` of `serve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeReport {
    /// The URL probed.
    pub url: String,
    /// The statuses accepted.
    pub expected: String,
    /// The attempt.
    pub attempt: Attempt,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The kind.
    pub kind: Kind,
    /// Its label: `--name`, or the URL, address or command line.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds from the start of the check to passing (`serve`: to the service being
    /// ready; `run`: to the command's exit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_ms: Option<u64>,
    /// What made `serve` ready: the health URL, the port or the log line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_by: Option<String>,
    /// The command (`run`, `serve`), after `{port}` substitution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// The port chosen for `serve`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The process id of the command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// How the command ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<ExitInfo>,
    /// The attempts of a polled check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    /// Attempts made beyond those listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub attempts_dropped: usize,
    /// `run`'s expectations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<Expectation>,
    /// `serve`'s probes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<ProbeReport>,
    /// How `serve` (or a `run` that left processes) was stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown: Option<Shutdown>,
    /// Things worth knowing that did not fail the check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The last lines of the command's output, when it failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log_tail: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl CheckReport {
    /// An empty report of a check, to be filled in.
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        CheckReport {
            kind,
            name: name.into(),
            passed: false,
            error: None,
            ready_ms: None,
            ready_by: None,
            command: None,
            port: None,
            pid: None,
            exit: None,
            attempts: Vec::new(),
            attempts_dropped: 0,
            expectations: Vec::new(),
            probes: Vec::new(),
            shutdown: None,
            warnings: Vec::new(),
            log_tail: Vec::new(),
        }
    }

    /// Marks the check failed with `why`, keeping the first reason.
    pub fn fail(&mut self, why: impl Into<String>) {
        self.passed = false;
        self.error.get_or_insert_with(|| why.into());
    }
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Whether every check passed.
    pub passed: bool,
    /// The longest time-to-ready of the checks, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_ms: Option<u64>,
    /// Each check.
    pub checks: Vec<CheckReport>,
}

impl Report {
    /// The report of these checks.
    pub fn new(checks: Vec<CheckReport>) -> Self {
        Report {
            passed: checks.iter().all(|c| c.passed),
            ready_ms: checks.iter().filter_map(|c| c.ready_ms).max(),
            checks,
        }
    }
}

/// A command as text for the report (lossy only for arguments that are not Unicode).
pub fn lossy(command: &[OsString]) -> Vec<String> {
    command
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// A command line for people, arguments with spaces or quotes in single quotes.
pub fn command_line(command: &[OsString]) -> String {
    command
        .iter()
        .map(|a| {
            let text = a.to_string_lossy();
            let plain = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%{}".contains(c));
            if plain {
                text.into_owned()
            } else {
                format!("'{}'", text.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn range(a: u64, b: u64, unit: &str) -> String {
    if a == b {
        format!("{a}{unit}")
    } else {
        format!("{a}-{b}{unit}")
    }
}

/// Attempts folded into runs of the same outcome: `#1-6  connection refused  0-1ms`.
pub fn attempt_lines(attempts: &[Attempt], first_number: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut i = 0;
    while i < attempts.len() {
        let mut j = i;
        while j + 1 < attempts.len()
            && attempts[j + 1].ok == attempts[i].ok
            && attempts[j + 1].detail == attempts[i].detail
        {
            j += 1;
        }
        let run = &attempts[i..=j];
        let low = run.iter().map(|a| a.latency_ms).min().unwrap_or(0);
        let high = run.iter().map(|a| a.latency_ms).max().unwrap_or(0);
        let numbers = range((first_number + i) as u64, (first_number + j) as u64, "");
        lines.push(format!(
            "#{numbers}  {}  {}",
            attempts[i].detail,
            range(low, high, "ms")
        ));
        i = j + 1;
    }
    lines
}

fn shutdown_text(s: &Shutdown) -> String {
    let how = match s.how {
        StopHow::AlreadyExited => "had already exited".to_string(),
        StopHow::Graceful => format!("stopped gracefully {}ms after SIGTERM", s.took_ms),
        StopHow::Killed => format!(
            "killed with SIGKILL after the grace period ({}ms)",
            s.took_ms
        ),
    };
    if s.left.is_empty() {
        format!("{how}; no process left")
    } else {
        let left: Vec<String> = s
            .left
            .iter()
            .map(|p| format!("{} ({})", p.pid, p.name))
            .collect();
        format!("{how}; STILL RUNNING: {}", left.join(", "))
    }
}

/// The human report of one check.
pub fn check_text(check: &CheckReport, style: &Style) -> String {
    let mut lines = Vec::new();
    let verdict = if check.passed {
        style.ok("PASS")
    } else {
        style.bad("FAIL")
    };
    lines.push(format!("{verdict}  {} {}", check.kind.word(), check.name));
    let mut body = Vec::new();
    if let (Some(port), Some(pid)) = (check.port, check.pid) {
        body.push(format!("port {port}, pid {pid}"));
    }
    if check.kind != Kind::Run {
        if let Some(ms) = check.ready_ms {
            let by = check
                .ready_by
                .as_deref()
                .map(|b| format!(" ({b})"))
                .unwrap_or_default();
            let count = check.attempts.len() + check.attempts_dropped;
            let attempts = if count > 0 {
                format!(", {}", super::poll::attempts(count))
            } else {
                String::new()
            };
            body.push(format!("ready after {ms}ms{by}{attempts}"));
        }
    }
    body.extend(
        attempt_lines(&check.attempts, 1)
            .into_iter()
            .map(|l| format!("  {l}")),
    );
    if check.attempts_dropped > 0 {
        body.push(format!(
            "  … {} more attempts not listed",
            check.attempts_dropped
        ));
    }
    for e in &check.expectations {
        if !e.ok || !check.passed {
            let mark = if e.ok { "ok" } else { "MISMATCH" };
            body.push(format!(
                "{}: expected {}, got {}  {mark}",
                e.what, e.expected, e.got
            ));
        }
    }
    for p in &check.probes {
        let verdict = if p.attempt.ok {
            style.ok("pass")
        } else {
            style.bad("FAIL")
        };
        body.push(format!(
            "probe {}: {} in {}ms  {verdict}",
            p.url, p.attempt.detail, p.attempt.latency_ms
        ));
    }
    // A run's mismatches are listed above as expected against got; the error would repeat them.
    let listed = check.kind == Kind::Run && check.expectations.iter().any(|e| !e.ok);
    if let Some(error) = check.error.as_ref().filter(|_| !listed) {
        body.push(style.bad(error));
    }
    if let Some(s) = &check.shutdown {
        body.push(shutdown_text(s));
    }
    for w in &check.warnings {
        body.push(format!("{}: {w}", style.warn("warning")));
    }
    if !check.log_tail.is_empty() {
        body.push(format!("output (last {} lines):", check.log_tail.len()));
        body.extend(check.log_tail.iter().map(|l| format!("| {l}")));
    }
    for line in body {
        lines.push(format!("      {line}"));
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The human report of the whole run.
pub fn text(report: &Report, style: &Style) -> String {
    let mut out = String::new();
    for check in &report.checks {
        out.push_str(&check_text(check, style));
    }
    if report.checks.len() > 1 {
        let failed = report.checks.iter().filter(|c| !c.passed).count();
        out.push_str(&format!(
            "{} of {} checks passed\n",
            report.checks.len() - failed,
            report.checks.len()
        ));
    }
    out
}

/// The job summary: a heading and one table row per check.
pub fn markdown(report: &Report) -> String {
    let mut table = Table::new(&[
        ("Check", Align::Left),
        ("Result", Align::Left),
        ("Ready", Align::Right),
        ("Attempts", Align::Right),
        ("Details", Align::Left),
    ]);
    for c in &report.checks {
        let mut details = Vec::new();
        if let Some(e) = &c.error {
            details.push(e.clone());
        }
        for p in &c.probes {
            details.push(format!("{}: {}", p.url, p.attempt.detail));
        }
        if let Some(s) = &c.shutdown {
            details.push(shutdown_text(s));
        }
        details.extend(c.warnings.iter().cloned());
        let count = c.attempts.len() + c.attempts_dropped;
        table.row([
            format!("{} `{}`", c.kind.word(), c.name.replace('`', "'")),
            if c.passed { "✅ pass" } else { "❌ fail" }.to_string(),
            c.ready_ms.map(|ms| format!("{ms} ms")).unwrap_or_default(),
            if count > 0 {
                count.to_string()
            } else {
                String::new()
            },
            details.join("; "),
        ]);
    }
    let verdict = if report.passed {
        "all checks passed"
    } else {
        "a check failed"
    };
    format!("### smoke-check: {verdict}\n\n{}", table.to_markdown())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(ok: bool, latency_ms: u64, detail: &str) -> Attempt {
        Attempt {
            at_ms: 0,
            latency_ms,
            ok,
            status: None,
            detail: detail.into(),
        }
    }

    #[test]
    fn attempts_fold_into_runs() {
        let attempts = [
            attempt(false, 0, "connection refused"),
            attempt(false, 1, "connection refused"),
            attempt(false, 2, "500 Internal Server Error, expected 2xx"),
            attempt(true, 3, "200 OK"),
        ];
        assert_eq!(
            attempt_lines(&attempts, 1),
            vec![
                "#1-2  connection refused  0-1ms",
                "#3  500 Internal Server Error, expected 2xx  2ms",
                "#4  200 OK  3ms",
            ]
        );
    }

    #[test]
    fn command_lines_quote_what_needs_it() {
        let cmd: Vec<OsString> = ["sh", "-c", "echo it's", "--port={port}"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(command_line(&cmd), r"sh -c 'echo it'\''s' --port={port}");
    }

    #[test]
    fn the_summary_is_a_table() {
        let mut c = CheckReport::new(Kind::Http, "GET http://localhost:1/");
        c.fail("not passed within 1s (3 attempts); last: connection refused");
        c.attempts = vec![attempt(false, 0, "connection refused"); 3];
        let report = Report::new(vec![c]);
        assert_eq!(
            markdown(&report),
            "### smoke-check: a check failed\n\n\
             | Check | Result | Ready | Attempts | Details |\n\
             | --- | --- | ---: | ---: | --- |\n\
             | http `GET http://localhost:1/` | ❌ fail |  | 3 | not passed within 1s (3 attempts); last: connection refused |\n"
        );
    }
}
