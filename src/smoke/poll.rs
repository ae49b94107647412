//! Polling until a check passes: a fast start that backs off towards `--interval`, consecutive
//! successes (`--success-threshold`), a cap on failed attempts (`--failure-threshold`,
//! `--retries`) and a deadline that every wait has.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cli::human_duration;

/// The shortest wait between attempts: a service that is ready in 300 ms is seen within about
/// 50 ms of being ready instead of after a fixed one-second sleep.
pub const FIRST_DELAY: Duration = Duration::from_millis(50);

/// At most this many attempts are kept in a report; later ones are only counted.
pub const MAX_RECORDED_ATTEMPTS: usize = 1000;

/// How a check is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The whole budget, from the start of the check.
    pub timeout: Duration,
    /// The longest wait between two attempts.
    pub interval: Duration,
    /// The budget of one attempt.
    pub attempt_timeout: Duration,
    /// Consecutive passes needed.
    pub success_threshold: u32,
    /// Failed attempts after which the check fails, deadline or not.
    pub failure_threshold: Option<u32>,
}

impl Policy {
    /// The wait after an attempt that ended `elapsed` after the start of the check.
    ///
    /// Waiting for a service to come up, the wait is a twentieth of the time waited so far,
    /// between [`FIRST_DELAY`] and `interval`: detection lags readiness by at most 5 % (and at
    /// most the 50 ms floor during the first second) while a slow service is not hammered. With a failure threshold the user
    /// counts retries of something that should already be up (a deployment), so they are spaced
    /// a full `interval` apart.
    pub fn delay(&self, elapsed: Duration) -> Duration {
        if self.failure_threshold.is_some() {
            return self.interval;
        }
        (elapsed / 20).clamp(FIRST_DELAY.min(self.interval), self.interval)
    }
}

/// One attempt of a check, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// When the attempt started, in milliseconds since the check started.
    pub at_ms: u64,
    /// How long the attempt took, in milliseconds.
    pub latency_ms: u64,
    /// Whether it passed.
    pub ok: bool,
    /// The HTTP status, when there was an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What happened: `200 OK`, `connection refused`, `status 500, expected 2xx`.
    pub detail: String,
}

/// What one probe attempt saw, before timing is added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Whether it passed.
    pub ok: bool,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// What happened.
    pub detail: String,
}

impl Seen {
    /// A passing attempt.
    pub fn pass(status: Option<u16>, detail: impl Into<String>) -> Self {
        Seen {
            ok: true,
            status,
            detail: detail.into(),
        }
    }

    /// A failing attempt.
    pub fn fail(status: Option<u16>, detail: impl Into<String>) -> Self {
        Seen {
            ok: false,
            status,
            detail: detail.into(),
        }
    }
}

/// What the waiting between attempts can report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// Nothing happened; attempt again.
    Again,
    /// Ready by another sign (a log line matched), with that sign.
    Ready(String),
    /// Stop waiting: the watched process is gone.
    Abort(String),
}

/// How a poll ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Passed `elapsed` after the start; `by` names another sign of readiness when that ended it.
    Ready {
        /// Time to ready.
        elapsed: Duration,
        /// The sign other than a passing attempt that ended the wait.
        by: Option<String>,
    },
    /// Failed: deadline or failure threshold, with the last error seen.
    Failed(String),
    /// Stopped by the waiting function.
    Aborted(String),
}

/// The attempts made and how the poll ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The attempts, up to [`MAX_RECORDED_ATTEMPTS`].
    pub attempts: Vec<Attempt>,
    /// Attempts made beyond those recorded.
    pub dropped: usize,
    /// How it ended.
    pub verdict: Verdict,
}

/// `1 attempt`, `3 attempts`.
pub fn attempts(n: usize) -> String {
    if n == 1 {
        "1 attempt".to_string()
    } else {
        format!("{n} attempts")
    }
}

/// A duration in whole milliseconds, for reports.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Attempts with `attempt` (given the attempt's own timeout) until the policy says ready or
/// failed; between attempts `wait` is given the delay and may end the poll early.
pub fn poll(
    policy: &Policy,
    start: Instant,
    mut attempt: impl FnMut(Duration) -> Seen,
    mut wait: impl FnMut(Duration) -> Wake,
) -> Outcome {
    let deadline = start + policy.timeout;
    let mut attempts = Vec::new();
    let mut dropped = 0;
    let (mut passes, mut failures) = (0u32, 0u32);
    let mut last: Option<String> = None;
    let verdict = loop {
        let begun = Instant::now();
        let remaining = deadline.saturating_duration_since(begun);
        if remaining.is_zero() {
            break Verdict::Failed(format!(
                "not passed within {} ({}){}",
                human_duration(policy.timeout),
                self::attempts(attempts.len() + dropped),
                last.as_deref()
                    .map(|l| format!("; last: {l}"))
                    .unwrap_or_default()
            ));
        }
        let seen = attempt(policy.attempt_timeout.min(remaining));
        let ended = Instant::now();
        if ended >= deadline && !seen.ok && seen.status.is_none() && last.is_some() {
            // The overall deadline, not the service, ended this attempt (it got less than its
            // own timeout and timed out): the last real answer stays the reason, and the cut-off
            // attempt is no evidence either way. On a loaded runner this was a flaky extra
            // "no answer within 3ms" row and reason.
            continue;
        }
        let record = Attempt {
            at_ms: millis(begun - start),
            latency_ms: millis(ended - begun),
            ok: seen.ok,
            status: seen.status,
            detail: seen.detail.clone(),
        };
        if attempts.len() < MAX_RECORDED_ATTEMPTS {
            attempts.push(record);
        } else {
            dropped += 1;
        }
        if seen.ok {
            passes += 1;
            if passes >= policy.success_threshold {
                break Verdict::Ready {
                    elapsed: ended - start,
                    by: None,
                };
            }
        } else {
            passes = 0;
            failures += 1;
            last = Some(seen.detail);
            if let Some(max) = policy.failure_threshold.filter(|&max| failures >= max) {
                break Verdict::Failed(format!(
                    "{} failed (--failure-threshold/--retries); last: {}",
                    self::attempts(max as usize),
                    last.as_deref().unwrap_or("")
                ));
            }
        }
        let pause = policy
            .delay(ended - start)
            .min(deadline.saturating_duration_since(ended));
        match wait(pause) {
            Wake::Again => {}
            Wake::Ready(by) => {
                break Verdict::Ready {
                    elapsed: start.elapsed(),
                    by: Some(by),
                }
            }
            Wake::Abort(why) => break Verdict::Aborted(why),
        }
    };
    Outcome {
        attempts,
        dropped,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            timeout: Duration::from_secs(10),
            interval: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(1),
            success_threshold: 1,
            failure_threshold: None,
        }
    }

    #[test]
    fn backoff_starts_at_50ms_and_grows_to_the_interval() {
        let p = policy();
        assert_eq!(p.delay(Duration::ZERO), FIRST_DELAY);
        assert_eq!(p.delay(Duration::from_millis(300)), FIRST_DELAY);
        assert_eq!(p.delay(Duration::from_millis(900)), FIRST_DELAY);
        assert_eq!(
            p.delay(Duration::from_millis(2000)),
            Duration::from_millis(100)
        );
        assert_eq!(p.delay(Duration::from_secs(60)), p.interval);
        let tiny = Policy {
            interval: Duration::from_millis(10),
            ..p
        };
        assert_eq!(tiny.delay(Duration::ZERO), Duration::from_millis(10));
        let retries = Policy {
            failure_threshold: Some(3),
            ..p
        };
        assert_eq!(retries.delay(Duration::ZERO), p.interval);
    }

    #[test]
    fn consecutive_passes_are_needed() {
        let script = [true, false, true, true, true];
        let mut i = 0;
        let out = poll(
            &Policy {
                success_threshold: 3,
                ..policy()
            },
            Instant::now(),
            |_| {
                i += 1;
                if script[i - 1] {
                    Seen::pass(Some(200), "200 OK")
                } else {
                    Seen::fail(Some(500), "status 500")
                }
            },
            |_| Wake::Again,
        );
        assert!(matches!(out.verdict, Verdict::Ready { by: None, .. }));
        assert_eq!(out.attempts.len(), 5);
    }

    #[test]
    fn an_attempt_cut_off_by_the_deadline_does_not_replace_the_last_answer() {
        let mut n = 0;
        let out = poll(
            &Policy {
                timeout: Duration::from_millis(200),
                ..policy()
            },
            Instant::now(),
            |budget| {
                n += 1;
                if n == 1 {
                    Seen::fail(Some(503), "503 Service Unavailable")
                } else {
                    // A slow machine: the attempt uses all the time left and gets no answer.
                    std::thread::sleep(budget);
                    Seen::fail(None, "no answer within 1ms")
                }
            },
            |_| Wake::Again,
        );
        let Verdict::Failed(why) = &out.verdict else {
            panic!("{:?}", out.verdict)
        };
        assert!(why.ends_with("; last: 503 Service Unavailable"), "{why}");
        assert_eq!(out.attempts.len(), 1);
    }

    #[test]
    fn failure_threshold_stops_with_the_last_error() {
        let out = poll(
            &Policy {
                failure_threshold: Some(2),
                ..policy()
            },
            Instant::now(),
            |_| Seen::fail(None, "connection refused"),
            |_| Wake::Again,
        );
        assert_eq!(
            out.verdict,
            Verdict::Failed(
                "2 attempts failed (--failure-threshold/--retries); last: connection refused"
                    .into()
            )
        );
    }

    #[test]
    fn the_deadline_ends_the_poll() {
        let out = poll(
            &Policy {
                timeout: Duration::from_millis(120),
                ..policy()
            },
            Instant::now(),
            |_| Seen::fail(None, "connection refused"),
            |d| {
                std::thread::sleep(d);
                Wake::Again
            },
        );
        let Verdict::Failed(why) = out.verdict else {
            panic!("{:?}", out.verdict)
        };
        assert!(why.starts_with("not passed within 120ms ("), "{why}");
        assert!(why.ends_with("; last: connection refused"), "{why}");
    }

    #[test]
    fn waking_can_end_the_poll() {
        let abort = poll(
            &policy(),
            Instant::now(),
            |_| Seen::fail(None, "x"),
            |_| Wake::Abort("exited".into()),
        );
        assert_eq!(abort.verdict, Verdict::Aborted("exited".into()));
        let ready = poll(
            &policy(),
            Instant::now(),
            |_| Seen::fail(None, "x"),
            |_| Wake::Ready("log".into()),
        );
        assert!(matches!(ready.verdict, Verdict::Ready { by: Some(b), .. } if b == "log"));
    }
}
