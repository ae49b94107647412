//! `smoke-check run`: run a command once and compare its exit code and output with what was
//! expected.

use std::time::Duration;

use super::poll::millis;
use super::process::{self, SpawnOptions, StopHow};
use super::report::{lossy, CheckReport, Expectation, Kind};
use super::{start_error, Error, RunArgs};
use crate::cli::human_duration;

/// Time a command that ran out its `--timeout`, or left processes behind, gets after SIGTERM.
const RUN_GRACE: Duration = Duration::from_secs(2);

/// How much of an output is quoted in a mismatch.
const QUOTE_CHARS: usize = 200;

/// A validated `run`.
pub struct Plan {
    /// The label.
    pub name: String,
    args: RunArgs,
}

impl Plan {
    /// Validates the arguments.
    pub fn new(args: &RunArgs) -> Result<Plan, Error> {
        Ok(Plan {
            name: args.launch.label(),
            args: args.clone(),
        })
    }

    /// Runs the command and checks what came.
    pub fn execute(self) -> Result<CheckReport, Error> {
        let args = self.args;
        let launch = &args.launch;
        let mut child = process::spawn(SpawnOptions {
            command: launch.command.clone(),
            env: launch
                .env
                .iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            tail_lines: launch.tail,
            keep_output: true,
            ..SpawnOptions::default()
        })
        .map_err(|e| start_error(&launch.command, e))?;
        let mut check = CheckReport::new(Kind::Run, self.name);
        check.command = Some(lossy(&launch.command));
        check.pid = Some(child.pid());
        let exit = child.wait_exit(args.timeout);
        if exit.is_some() {
            check.ready_ms = Some(millis(child.started().elapsed()));
        } else {
            check.shutdown = Some(child.stop(RUN_GRACE));
            check.fail(format!(
                "did not exit within {} (--timeout); its process group was stopped",
                human_duration(args.timeout)
            ));
        }
        child.settle_output(Duration::from_secs(1));
        if exit.is_some() {
            // Whatever the command started in the background and left running is stopped too.
            let leftover = child.stop(RUN_GRACE);
            if leftover.how != StopHow::AlreadyExited {
                check.warnings.push(
                    "the command left processes running in its process group; they were stopped"
                        .to_string(),
                );
                check.shutdown = Some(leftover);
            }
        }
        check.exit = child.exit();
        // After a timeout the exit status is the kill's, and the output is cut short: only the
        // timeout is reported.
        if let (Some(info), true) = (check.exit, exit.is_some()) {
            check.expectations.push(Expectation {
                what: "exit code".to_string(),
                expected: args.expect_exit.to_string(),
                // The bare code, or how it ended otherwise (`killed by signal 9 (SIGKILL)`).
                got: info
                    .code
                    .map_or_else(|| info.to_string(), |c| c.to_string()),
                ok: info.code == Some(args.expect_exit),
            });
        }
        let streams = [
            ("stdout", &args.expect_stdout, child.stdout_text()),
            ("stderr", &args.expect_stderr, child.stderr_text()),
        ];
        for (what, re, text) in streams {
            if let (Some(re), true) = (re, exit.is_some()) {
                // Without its final line ending, so `^backend 1\.0$` matches `backend 1.0\n`
                // (the regex crate's `$` does not match before a trailing newline).
                let body = text
                    .strip_suffix('\n')
                    .map(|t| t.strip_suffix('\r').unwrap_or(t))
                    .unwrap_or(&text);
                check.expectations.push(Expectation {
                    what: what.to_string(),
                    expected: format!("/{re}/"),
                    got: quote(&text),
                    ok: re.is_match(body),
                });
            }
        }
        let mismatches: Vec<String> = check
            .expectations
            .iter()
            .filter(|e| !e.ok)
            .map(|e| format!("{} {} (expected {})", e.what, e.got, e.expected))
            .collect();
        if !mismatches.is_empty() {
            check.fail(mismatches.join("; "));
        } else if check.error.is_none() {
            check.passed = true;
        }
        if !check.passed {
            check.log_tail = child.tail();
        }
        Ok(check)
    }
}

/// Output quoted for a mismatch line, cut at [`QUOTE_CHARS`].
fn quote(text: &str) -> String {
    let cut: String = text.chars().take(QUOTE_CHARS).collect();
    if cut.len() < text.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_cut() {
        assert_eq!(quote("a\nb"), r#""a\nb""#);
        assert_eq!(quote(&"x".repeat(300)), format!("{:?}…", "x".repeat(200)));
    }
}
