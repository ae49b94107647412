//! `smoke-check http` and `smoke-check tcp`: poll URLs or ports, all in parallel, until each
//! passes or its budget runs out.

use std::thread;
use std::time::{Duration, Instant};

use super::poll::{self, millis, Outcome, Policy, Verdict, Wake};
use super::probe::{HttpProbe, Method, TcpProbe};
use super::report::{CheckReport, Kind};
use super::{Error, HttpArgs, PollArgs, TcpArgs};

/// The retry policy of a check from its options; `--retries N` means at most N+1 failed
/// attempts, and the smaller of it and `--failure-threshold` wins.
pub fn policy(poll: &PollArgs, timeout: Duration, retries: Option<u32>) -> Policy {
    let from_retries = retries.map(|r| r.saturating_add(1));
    let failure_threshold = match (poll.failure_threshold, from_retries) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Policy {
        timeout,
        interval: poll.interval,
        attempt_timeout: poll.attempt_timeout,
        success_threshold: poll.success_threshold,
        failure_threshold,
    }
}

/// Copies a poll's attempts and verdict into a report.
pub fn record(check: &mut CheckReport, outcome: Outcome) {
    check.attempts = outcome.attempts;
    check.attempts_dropped = outcome.dropped;
    match outcome.verdict {
        Verdict::Ready { elapsed, by } => {
            check.passed = check.error.is_none();
            check.ready_ms = Some(millis(elapsed));
            if by.is_some() {
                check.ready_by = by;
            }
        }
        Verdict::Failed(why) | Verdict::Aborted(why) => check.fail(why),
    }
}

/// Checks an http(s) URL for what a probe needs, naming the fix.
pub fn validate_url(text: &str) -> Result<(), Error> {
    let bad = |why: String| {
        Error::BadInput(format!(
            "'{text}' is not a usable URL ({why}); write e.g. 'http://localhost:8000/health'"
        ))
    };
    let url = url::Url::parse(text).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!(
            "scheme '{}' is not http or https",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host".to_string()));
    }
    Ok(())
}

/// A URL for reports, with any password replaced by `***`.
pub fn redacted(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => text.to_string(),
    }
}

enum Target {
    Http(Box<HttpProbe>),
    Tcp(TcpProbe),
}

/// A validated `http` or `tcp` check of one or more targets.
pub struct Plan {
    targets: Vec<(String, Target)>,
    kind: Kind,
    policy: Policy,
}

/// The label of target `target` when the user named the check `name`.
fn label(name: &Option<String>, count: usize, target: String) -> String {
    match name {
        Some(name) if count > 1 => format!("{name} {target}"),
        Some(name) => name.clone(),
        None => target,
    }
}

impl Plan {
    /// Validates `http` arguments.
    pub fn http(args: &HttpArgs) -> Result<Plan, Error> {
        let mut targets = Vec::new();
        for url in &args.urls {
            validate_url(url)?;
            let mut probe = HttpProbe::new(url.clone());
            probe.method = args.method;
            probe.headers = args.headers.clone();
            probe.status = args.status.clone();
            probe.body = args.body.clone();
            probe.json = args.json_fields.clone();
            probe.max_latency = args.max_latency;
            if args.method == Method::Head && (probe.body.is_some() || !probe.json.is_empty()) {
                return Err(Error::BadInput(
                    "--method head gets no body to check with --body or --json; use GET"
                        .to_string(),
                ));
            }
            let method = match args.method {
                Method::Get => "GET",
                Method::Head => "HEAD",
            };
            let name = label(
                &args.name,
                args.urls.len(),
                format!("{method} {}", redacted(url)),
            );
            targets.push((name, Target::Http(Box::new(probe))));
        }
        Ok(Plan {
            targets,
            kind: Kind::Http,
            policy: policy(&args.poll, args.timeout, args.retries),
        })
    }

    /// Takes `tcp` arguments.
    pub fn tcp(args: &TcpArgs) -> Plan {
        Plan {
            targets: args
                .targets
                .iter()
                .map(|t| {
                    let name = label(&args.name, args.targets.len(), t.to_string());
                    (name, Target::Tcp(t.clone()))
                })
                .collect(),
            kind: Kind::Tcp,
            policy: policy(&args.poll, args.timeout, None),
        }
    }

    /// Polls every target at once; one report each, in the order given.
    pub fn execute(self) -> Vec<CheckReport> {
        let policy = self.policy;
        let kind = self.kind;
        thread::scope(|scope| {
            let handles: Vec<_> = self
                .targets
                .iter()
                .map(|(name, target)| {
                    scope.spawn(move || {
                        let outcome = poll::poll(
                            &policy,
                            Instant::now(),
                            |timeout| match target {
                                Target::Http(p) => p.attempt(timeout),
                                Target::Tcp(p) => p.attempt(timeout),
                            },
                            |pause| {
                                thread::sleep(pause);
                                Wake::Again
                            },
                        );
                        let mut check = CheckReport::new(kind, name.clone());
                        record(&mut check, outcome);
                        check
                    })
                })
                .collect();
            handles
                .into_iter()
                .zip(&self.targets)
                .map(|(h, (name, _))| {
                    h.join().unwrap_or_else(|_| {
                        let mut check = CheckReport::new(kind, name.clone());
                        check.fail("internal error: the check panicked");
                        check
                    })
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert!(validate_url("http://localhost:8000/health").is_ok());
        assert!(validate_url("https://[::1]/").is_ok());
        for bad in ["localhost:8000", "ftp://x/", "http://", "/health"] {
            assert!(validate_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_in_urls_are_not_reported() {
        assert_eq!(
            redacted("https://deploy:s3cret@example.com/health"),
            "https://deploy:***@example.com/health"
        );
        assert_eq!(redacted("http://localhost:1/"), "http://localhost:1/");
    }

    #[test]
    fn retries_and_failure_threshold_combine() {
        let poll = PollArgs {
            interval: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(5),
            success_threshold: 1,
            failure_threshold: Some(10),
        };
        let t = Duration::from_secs(30);
        assert_eq!(policy(&poll, t, Some(3)).failure_threshold, Some(4));
        assert_eq!(policy(&poll, t, None).failure_threshold, Some(10));
    }
}
