//! `smoke-check serve`: the whole lifecycle of a service under test. Pick a port, start the
//! command in its own process group, wait until it is ready (health URL, port or log line) while
//! watching it for an early exit, run the probes, then stop the group and check nothing is left.

use std::ffi::OsString;
use std::fs::File;
use std::time::{Duration, Instant};

use super::poll::{self, millis, Attempt, Outcome, Verdict, Wake};
use super::port::{self, PortSpec};
use super::probe::{HttpProbe, TcpProbe};
use super::process::{self, Child, Event, SpawnOptions, StopHow};
use super::report::{lossy, CheckReport, Kind, ProbeReport};
use super::wait::{policy, record, redacted, validate_url};
use super::{start_error, Error, ServeArgs};
use crate::cli::human_duration;
use crate::exit::FileError;

/// How long the output readers get to catch up before a failure shows the log tail.
const SETTLE: Duration = Duration::from_millis(500);

/// A validated `serve`.
pub struct Plan {
    /// The label.
    pub name: String,
    args: ServeArgs,
}

/// How readiness is seen.
enum Readiness {
    Probe(Box<HttpProbe>),
    Port(TcpProbe),
    LogOnly,
}

/// The URL of `path_or_url` on the service: a path goes to `http://localhost:PORT`.
fn service_url(path_or_url: &str, port: Option<u16>) -> Option<String> {
    let with_port = |s: &str| match port {
        Some(p) => s.replace(port::PLACEHOLDER, &p.to_string()),
        None => s.to_string(),
    };
    if path_or_url.contains("://") {
        return Some(with_port(path_or_url));
    }
    let port = port?;
    let path = with_port(path_or_url);
    let slash = if path.starts_with('/') { "" } else { "/" };
    Some(format!("http://localhost:{port}{slash}{path}"))
}

impl Plan {
    /// Validates the arguments: every URL must be usable and every path needs a port.
    pub fn new(args: &ServeArgs) -> Result<Plan, Error> {
        let will_have_port = args.port.is_some() || uses_placeholder(args);
        let needs_port = |what: &str, value: &str| {
            Error::BadInput(format!(
                "{what} '{value}' is a path, so the service needs a port: pass --port auto (or \
                 e.g. --port 8000-8010) and '{{port}}' in the command, or give a full URL"
            ))
        };
        // A stand-in port, only to check the URLs' shape before the real one is picked.
        let trial = will_have_port.then_some(1);
        if let Some(health) = &args.health {
            let url = service_url(health, trial).ok_or_else(|| needs_port("--health", health))?;
            validate_url(&url)?;
        }
        for probe in &args.probe {
            let url = service_url(&probe.path, trial)
                .ok_or_else(|| needs_port("--probe", &probe.path))?;
            validate_url(&url)?;
        }
        if args.health.is_none() && args.ready_log.is_none() && !will_have_port {
            return Err(Error::BadInput(
                "serve needs a sign of readiness: --health PATH|URL, --ready-log REGEX, or a \
                 port (--port) to wait for"
                    .to_string(),
            ));
        }
        Ok(Plan {
            name: args.launch.label(),
            args: args.clone(),
        })
    }

    /// Runs the lifecycle.
    pub fn execute(self) -> Result<CheckReport, Error> {
        let args = self.args;
        let port = match (args.port, uses_placeholder(&args)) {
            (Some(spec), _) => Some(port::pick(spec).map_err(Error::Port)?),
            (None, true) => Some(port::pick(PortSpec::Auto).map_err(Error::Port)?),
            (None, false) => None,
        };
        let sub = |s: &OsString| match port {
            Some(p) => port::substitute(s, p),
            None => s.clone(),
        };
        let command: Vec<OsString> = args.launch.command.iter().map(sub).collect();
        let mut env: Vec<(OsString, OsString)> = args
            .launch
            .env
            .iter()
            .map(|(k, v)| (k.into(), sub(&v.into())))
            .collect();
        if let Some(p) = port {
            if !args.launch.env.iter().any(|(k, _)| k == "PORT") {
                env.push(("PORT".into(), p.to_string().into()));
            }
        }
        let log = match &args.log {
            Some(path) => Some(File::create(path).map_err(|e| FileError::Write {
                path: path.to_string_lossy().into_owned(),
                source: e,
            })?),
            None => None,
        };
        let readiness = match (&args.health, port) {
            (Some(health), _) => {
                let url = service_url(health, port).unwrap_or_default();
                let mut probe = HttpProbe::new(url);
                probe.status = args.health_status.clone();
                Readiness::Probe(Box::new(probe))
            }
            (None, Some(p)) if args.ready_log.is_none() => Readiness::Port(TcpProbe {
                host: "localhost".to_string(),
                port: p,
            }),
            _ => Readiness::LogOnly,
        };
        let mut child = process::spawn(SpawnOptions {
            command: command.clone(),
            env,
            log,
            ready_line: args.ready_log.clone(),
            tail_lines: args.launch.tail,
            keep_output: false,
        })
        .map_err(|e| start_error(&command, e))?;

        let mut check = CheckReport::new(Kind::Serve, self.name);
        check.command = Some(lossy(&command));
        check.port = port;
        check.pid = Some(child.pid());
        let start = child.started();
        let policy = policy(&args.poll, args.ready_timeout, None);
        let outcome = match &readiness {
            Readiness::Probe(p) => poll::poll(
                &policy,
                start,
                |t| p.attempt(t),
                |pause| watch(&mut child, pause),
            ),
            Readiness::Port(p) => poll::poll(
                &policy,
                start,
                |t| p.attempt(t),
                |pause| watch(&mut child, pause),
            ),
            Readiness::LogOnly => wait_for_log(&mut child, args.ready_timeout, &args),
        };
        let ready = matches!(outcome.verdict, Verdict::Ready { .. });
        // An aborted wait already says the command exited, and how.
        let aborted = matches!(outcome.verdict, Verdict::Aborted(_));
        record(&mut check, outcome);
        if ready && check.ready_by.is_none() {
            check.ready_by = Some(match &readiness {
                Readiness::Probe(p) => format!("health {}", redacted(&p.url)),
                Readiness::Port(p) => format!("port {p}"),
                Readiness::LogOnly => "log line".to_string(),
            });
        }
        if ready {
            probes(&mut check, &mut child, &args, port, start);
            child.drain_events();
            if let Some(exit) = child.exit() {
                check.fail(format!("the command exited before it was stopped: {exit}"));
            }
        } else if let (Some(exit), false) = (child.exit(), aborted) {
            if let Some(error) = &mut check.error {
                error.push_str(&format!("; the command ended: {exit}"));
            }
        }
        let shutdown = child.stop(args.grace);
        if shutdown.how == StopHow::Killed {
            let text = format!(
                "it did not stop within --grace {} after SIGTERM and was killed",
                human_duration(args.grace)
            );
            if args.require_graceful {
                check.fail(text);
            } else {
                check.warnings.push(text);
            }
        }
        if !shutdown.left.is_empty() {
            let pids: Vec<String> = shutdown.left.iter().map(|p| p.pid.to_string()).collect();
            check.fail(format!(
                "processes of its group are still running after SIGKILL: {}",
                pids.join(", ")
            ));
        }
        check.shutdown = Some(shutdown);
        check.exit = child.exit();
        if let (Some(path), Some(why)) = (&args.log, child.log_error()) {
            check.warnings.push(format!(
                "--log {}: cannot write: {why}; the rest of the output was not copied",
                path.display()
            ));
        }
        if !check.passed {
            child.settle_output(SETTLE);
            check.log_tail = child.tail();
        }
        Ok(check)
    }
}

/// Whether `{port}` appears in the command, the environment or the health URL.
fn uses_placeholder(args: &ServeArgs) -> bool {
    args.launch.command.iter().any(|a| port::has_placeholder(a))
        || args
            .launch
            .env
            .iter()
            .any(|(_, v)| v.contains(port::PLACEHOLDER))
        || args
            .health
            .as_deref()
            .is_some_and(|h| h.contains(port::PLACEHOLDER))
}

/// Waits `pause` between attempts, ending the poll at once when the command exits or prints the
/// ready line.
fn watch(child: &mut Child, pause: Duration) -> Wake {
    let deadline = Instant::now() + pause;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match child.next_event(left) {
            Some(Event::Exited(exit)) => {
                return Wake::Abort(format!("the command exited before it was ready: {exit}"))
            }
            Some(Event::ReadyLine(line)) => return Wake::Ready(format!("log line {line:?}")),
            None if left.is_zero() || Instant::now() >= deadline => return Wake::Again,
            None => {}
        }
    }
}

/// Readiness by `--ready-log` alone: wait for the line, the exit, or the deadline.
fn wait_for_log(child: &mut Child, timeout: Duration, args: &ServeArgs) -> Outcome {
    let deadline = child.started() + timeout;
    let verdict = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let re = args
                .ready_log
                .as_ref()
                .map(|r| r.as_str().to_string())
                .unwrap_or_default();
            break Verdict::Failed(format!(
                "no line of output matched /{re}/ within {} (--ready-timeout)",
                human_duration(timeout)
            ));
        }
        match child.next_event(left) {
            Some(Event::Exited(exit)) => {
                break Verdict::Aborted(format!("the command exited before it was ready: {exit}"))
            }
            Some(Event::ReadyLine(line)) => {
                break Verdict::Ready {
                    elapsed: child.started().elapsed(),
                    by: Some(format!("log line {line:?}")),
                }
            }
            None => {}
        }
    };
    Outcome {
        attempts: Vec::new(),
        dropped: 0,
        verdict,
    }
}

/// Runs each `--probe` once, stopping when the command exits.
fn probes(
    check: &mut CheckReport,
    child: &mut Child,
    args: &ServeArgs,
    port: Option<u16>,
    start: Instant,
) {
    for spec in &args.probe {
        child.drain_events();
        if let Some(exit) = child.exit() {
            check.fail(format!("the command exited during the probes: {exit}"));
            return;
        }
        let url = service_url(&spec.path, port).unwrap_or_default();
        let mut probe = HttpProbe::new(url.clone());
        probe.status = spec.status.clone();
        let url = redacted(&url);
        let begun = Instant::now();
        let seen = probe.attempt(args.poll.attempt_timeout);
        let attempt = Attempt {
            at_ms: millis(begun - start),
            latency_ms: millis(begun.elapsed()),
            ok: seen.ok,
            status: seen.status,
            detail: seen.detail,
        };
        if !attempt.ok {
            check.fail(format!("probe {url}: {}", attempt.detail));
        }
        check.probes.push(ProbeReport {
            url,
            expected: spec.status.to_string(),
            attempt,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_go_to_localhost_on_the_port() {
        assert_eq!(
            service_url("/api/health", Some(8001)).as_deref(),
            Some("http://localhost:8001/api/health")
        );
        assert_eq!(
            service_url("ready", Some(8001)).as_deref(),
            Some("http://localhost:8001/ready")
        );
        assert_eq!(
            service_url("http://127.0.0.1:{port}/h", Some(9)).as_deref(),
            Some("http://127.0.0.1:9/h")
        );
        assert_eq!(service_url("/h", None), None);
    }
}
