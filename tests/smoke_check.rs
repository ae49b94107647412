//! Black-box tests of the `smoke-check` binary against real servers on 127.0.0.1: a small HTTP
//! server in this file (delayed, never ready, 500 then 200, slow, JSON bodies),
//! `python3 -m http.server`, and shell scripts that ignore SIGTERM or fork grandchildren.
//!
//! Unix only: the process-group and signal behaviour under test is Unix's (Windows builds
//! and unit-tests the library on CI).
#![cfg(unix)]

mod harness;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use pretty_assertions::assert_eq;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_smoke-check");

fn smoke(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("RELKIT_JSON")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The `--json` report with timings (`*_ms`) zeroed and the given strings (ports, pids)
/// replaced, so whole documents can be compared.
fn report(o: &Output, replace: &[(&str, &str)]) -> Value {
    let mut text = stdout(o);
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    let mut doc: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}\nstderr:\n{}", stderr(o)));
    zero_timings(&mut doc);
    doc
}

fn zero_timings(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k.ends_with("_ms") || k == "pid" {
                    *v = Value::from(0);
                } else {
                    zero_timings(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(zero_timings),
        _ => {}
    }
}

/// Human output with timings and the given strings replaced.
fn text(o: &Output, replace: &[(&str, &str)]) -> String {
    let mut text = stdout(o);
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    regex::Regex::new(r"\d+(-\d+)?ms")
        .unwrap()
        .replace_all(&text, "Nms")
        .into_owned()
}

/// What the test server answers.
struct Reply {
    status: u16,
    body: String,
    delay: Duration,
}

impl Reply {
    fn new(status: u16, body: &str) -> Self {
        Reply {
            status,
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }
}

type Handler = dyn Fn(usize, &str) -> Reply + Send + Sync;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A tiny HTTP/1.1 server on `addr` (port 0 for any), answering each request with
/// `handler(request_number, path)`; starts listening after `delay`. Returns the port.
fn http_server(
    addr: &str,
    delay: Duration,
    handler: impl Fn(usize, &str) -> Reply + Send + Sync + 'static,
) -> u16 {
    let handler: Arc<Handler> = Arc::new(handler);
    let listener = if delay.is_zero() {
        Some(TcpListener::bind(addr).unwrap())
    } else {
        None
    };
    let port = match &listener {
        Some(l) => l.local_addr().unwrap().port(),
        None => free_port(),
    };
    let addr = addr.replace(":0", &format!(":{port}"));
    let hits = Arc::new(AtomicUsize::new(0));
    thread::spawn(move || {
        let listener = listener.unwrap_or_else(|| {
            thread::sleep(delay);
            TcpListener::bind(&addr).unwrap()
        });
        for stream in listener.incoming().flatten() {
            let n = hits.fetch_add(1, Ordering::SeqCst);
            let handler = Arc::clone(&handler);
            thread::spawn(move || answer(stream, n, &*handler));
        }
    });
    port
}

fn answer(mut stream: TcpStream, n: usize, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let reply = handler(n, &path);
    thread::sleep(reply.delay);
    let reason = match reply.status {
        200 => "OK",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{}",
        reply.status,
        reply.body.len(),
        reply.body
    );
}

/// Processes whose process group is `pgid`, from /proc.
fn in_group(pgid: u64) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        if fields.get(2).and_then(|g| g.parse::<u64>().ok()) == Some(pgid) {
            found.push(stat.clone());
        }
    }
    found
}

/// The processes of group `pgid` that still run (zombies left for a non-reaping PID 1 do not).
fn running_in_group(pgid: u64) -> Vec<String> {
    in_group(pgid)
        .into_iter()
        .filter(|stat| {
            let state = stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].split_whitespace().next());
            state != Some("Z")
        })
        .collect()
}

fn pid_exists(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
}

// ---------------------------------------------------------------- general

#[test]
fn help_has_examples_and_exit_codes() {
    let o = smoke(&["--help"]);
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    assert!(help.contains("Examples:\n  smoke-check run"), "{help}");
    assert!(help.contains("Exit status:\n  0  success"), "{help}");
    for sub in ["run", "http", "tcp", "serve"] {
        assert_eq!(code(&smoke(&[sub, "--help"])), 0, "{sub} --help");
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--bogus"][..],
        &[][..],
        &["http", "http://127.0.0.1:1/", "--timeout", "5"],
        &["http", "http://127.0.0.1:1/", "--body", "("],
        &["http", "not a url"],
        &["run", "--expect-stdout", "[", "--", "true"],
        &["serve", "--health", "/h", "--", "true"],
        &["tcp", "localhost"],
    ] {
        let o = smoke(args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
    let o = smoke(&["http", "not a url"]);
    assert_eq!(
        stderr(&o),
        "smoke-check: 'not a url' is not a usable URL (relative URL without a base); \
         write e.g. 'http://localhost:8000/health'\n"
    );
}

// ---------------------------------------------------------------- run

#[test]
fn run_shows_what_was_expected_and_what_came() {
    let o = smoke(&[
        "run",
        "--expect-stdout",
        "^app 1\\.",
        "--",
        "sh",
        "-c",
        "echo app 0.9; sleep 0.2; echo 'warning: old' >&2; exit 3",
    ]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        text(&o, &[]),
        "FAIL  run sh -c 'echo app 0.9; sleep 0.2; echo '\\''warning: old'\\'' >&2; exit 3'\n      \
         exit code: expected 0, got 3  MISMATCH\n      \
         stdout: expected /^app 1\\./, got \"app 0.9\\n\"  MISMATCH\n      \
         output (last 2 lines):\n      \
         | app 0.9\n      \
         | warning: old\n"
    );
}

#[test]
fn run_passes_on_matching_output() {
    let o = smoke(&[
        "--json",
        "run",
        "--expect-exit",
        "2",
        "--expect-stderr",
        "usage",
        "--",
        "sh",
        "-c",
        "echo usage: x >&2; exit 2",
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(
        report(&o, &[]),
        serde_json::json!({
            "passed": true,
            "ready_ms": 0,
            "checks": [{
                "kind": "run",
                "name": "sh -c 'echo usage: x >&2; exit 2'",
                "passed": true,
                "ready_ms": 0,
                "command": ["sh", "-c", "echo usage: x >&2; exit 2"],
                "pid": 0,
                "exit": {"code": 2},
                "expectations": [
                    {"what": "exit code", "expected": "2", "got": "2", "ok": true},
                    {"what": "stderr", "expected": "/usage/", "got": "\"usage: x\\n\"", "ok": true}
                ]
            }]
        })
    );
}

#[test]
fn run_reports_a_command_killed_by_a_signal() {
    let o = smoke(&["run", "--", "sh", "-c", "kill -9 $$"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stdout(&o),
        "FAIL  run sh -c 'kill -9 $$'\n      \
         exit code: expected 0, got killed by signal 9 (SIGKILL)  MISMATCH\n"
    );
}

#[test]
fn run_kills_a_command_past_its_timeout() {
    let o = smoke(&["run", "--timeout", "300ms", "--", "sleep", "30"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        text(&o, &[]),
        "FAIL  run sleep 30\n      \
         did not exit within Nms (--timeout); its process group was stopped\n      \
         stopped gracefully Nms after SIGTERM; no process left\n"
    );
}

#[test]
fn a_command_that_cannot_start_exits_3() {
    let o = smoke(&["run", "--", "/nonexistent/app", "--version"]);
    assert_eq!(code(&o), 3);
    assert_eq!(
        stdout(&o),
        "FAIL  run /nonexistent/app --version\n      cannot start /nonexistent/app: no such \
         program (not found in PATH, or the path is wrong); build it first or fix the path\n"
    );
}

#[test]
fn a_port_in_use_exits_3() {
    let taken = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let o = smoke(&["serve", "--port", &port, "--", "sleep", "30"]);
    assert_eq!(code(&o), 3);
    assert_eq!(
        text(&o, &[(&port, "PORT")]),
        "FAIL  serve sleep 30\n      port PORT is in use; pass a range such as --port PORT-\
         {} or --port auto\n"
            .replace("{}", &(port.parse::<u16>().unwrap() + 10).to_string())
    );
}

#[test]
fn a_report_that_cannot_be_written_exits_3() {
    let o = smoke(&[
        "--report",
        "/nonexistent/dir/report.json",
        "run",
        "--",
        "true",
    ]);
    assert_eq!(code(&o), 3);
    assert_eq!(
        stderr(&o),
        "smoke-check: /nonexistent/dir/report.json: cannot write: No such file or directory \
         (os error 2)\n"
    );
    assert_eq!(stdout(&o), "");
}

#[test]
fn relkit_runs_it_by_name() {
    let o = Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(["smoke-check", "--version"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    assert_eq!(
        stdout(&o),
        format!("smoke-check {}\n", env!("CARGO_PKG_VERSION"))
    );
}

// ---------------------------------------------------------------- http

#[test]
fn http_waits_for_a_server_that_starts_late() {
    let port = http_server("127.0.0.1:0", Duration::from_millis(400), |_, _| {
        Reply::new(200, "{}")
    });
    let url = format!("http://127.0.0.1:{port}/health");
    let o = smoke(&["--json", "http", &url, "--timeout", "20s"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc = report(&o, &[]);
    let attempts = doc["checks"][0]["attempts"].as_array().unwrap();
    assert!(attempts.len() >= 2, "{doc:#}");
    assert_eq!(attempts[0]["detail"], "connection refused");
    assert_eq!(attempts.last().unwrap()["detail"], "200 OK");
    assert_eq!(doc["passed"], true);
}

#[test]
fn http_fails_when_never_ready_with_the_last_error() {
    let port = http_server("127.0.0.1:0", Duration::ZERO, |_, _| Reply::new(503, "{}"));
    let url = format!("http://127.0.0.1:{port}/health");
    let o = smoke(&["http", &url, "--timeout", "400ms"]);
    assert_eq!(code(&o), 1);
    let out = text(&o, &[(&port.to_string(), "PORT")]);
    let out = regex::Regex::new(r"\(\d+ attempts\)|#1-\d+")
        .unwrap()
        .replace_all(&out, "<n>");
    assert_eq!(
        out,
        "FAIL  http GET http://127.0.0.1:PORT/health\n        \
         <n>  503 Service Unavailable, expected 2xx  Nms\n      \
         not passed within Nms <n>; last: 503 Service Unavailable, expected 2xx\n"
    );
}

#[test]
fn http_retries_a_500_until_200() {
    let port = http_server("127.0.0.1:0", Duration::ZERO, |n, _| {
        if n < 2 {
            Reply::new(500, "oops")
        } else {
            Reply::new(200, "{}")
        }
    });
    let url = format!("http://127.0.0.1:{port}/");
    let o = smoke(&[
        "--json",
        "http",
        &url,
        "--retries",
        "3",
        "--interval",
        "20ms",
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let fail = serde_json::json!({"at_ms": 0, "latency_ms": 0, "ok": false, "status": 500,
        "detail": "500 Internal Server Error, expected 2xx"});
    assert_eq!(
        report(&o, &[(&port.to_string(), "PORT")]),
        serde_json::json!({
            "passed": true,
            "ready_ms": 0,
            "checks": [{
                "kind": "http",
                "name": "GET http://127.0.0.1:PORT/",
                "passed": true,
                "ready_ms": 0,
                "attempts": [fail, fail,
                    {"at_ms": 0, "latency_ms": 0, "ok": true, "status": 200, "detail": "200 OK"}]
            }]
        })
    );
}

#[test]
fn http_gives_up_after_its_retries() {
    let port = http_server("127.0.0.1:0", Duration::ZERO, |_, _| Reply::new(500, "x"));
    let url = format!("http://127.0.0.1:{port}/");
    let o = smoke(&["http", &url, "--retries", "2", "--interval", "10ms"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        text(&o, &[(&port.to_string(), "PORT")]),
        "FAIL  http GET http://127.0.0.1:PORT/\n        \
         #1-3  500 Internal Server Error, expected 2xx  Nms\n      \
         3 attempts failed (--failure-threshold/--retries); last: 500 Internal Server Error, \
         expected 2xx\n"
    );
}

#[test]
fn http_fails_answers_slower_than_max_latency() {
    let port = http_server("127.0.0.1:0", Duration::ZERO, |_, _| Reply {
        delay: Duration::from_millis(1500),
        ..Reply::new(200, "{}")
    });
    let url = format!("http://127.0.0.1:{port}/");
    let o = smoke(&[
        "http",
        &url,
        "--max-latency",
        "200ms",
        "--retries",
        "1",
        "--interval",
        "10ms",
    ]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        text(&o, &[(&port.to_string(), "PORT")]),
        "FAIL  http GET http://127.0.0.1:PORT/\n        \
         #1-2  no answer within --max-latency Nms  Nms\n      \
         2 attempts failed (--failure-threshold/--retries); last: no answer within \
         --max-latency Nms\n"
    );
}

#[test]
fn http_checks_json_health_bodies() {
    let port = http_server("127.0.0.1:0", Duration::ZERO, |_, path| match path {
        "/api/health" => Reply::new(
            200,
            r#"{"status":"ok","checks":{"db":{"ok":true},"cache":{"ok":false}}}"#,
        ),
        _ => Reply::new(200, "not json"),
    });
    let health = format!("http://127.0.0.1:{port}/api/health");
    let ok = smoke(&[
        "http",
        &health,
        "--json",
        "status=ok",
        "--json",
        "checks.db.ok=true",
        "--body",
        "\"db\"",
    ]);
    assert_eq!(code(&ok), 0, "{}", stdout(&ok));

    let bad = smoke(&[
        "--json",
        "http",
        &health,
        "--json",
        "checks.cache.ok=true",
        "--retries",
        "0",
    ]);
    assert_eq!(code(&bad), 1);
    let doc = report(&bad, &[]);
    assert_eq!(
        doc["checks"][0]["error"],
        "1 attempt failed (--failure-threshold/--retries); last: 200 OK, JSON field \
         checks.cache.ok is false, expected true"
    );

    let other = format!("http://127.0.0.1:{port}/other");
    let not_json = smoke(&["--json", "http", &other, "--json", "a=1", "--retries", "0"]);
    assert_eq!(
        report(&not_json, &[])["checks"][0]["attempts"][0]["detail"],
        "200 OK, body is not JSON (expected ident at line 1 column 2): not json"
    );
}

#[test]
fn http_tries_localhost_on_ipv6() {
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here; nothing to test");
        return;
    }
    let port = http_server("[::1]:0", Duration::ZERO, |_, _| Reply::new(200, "{}"));
    let o = smoke(&[
        "http",
        &format!("http://localhost:{port}/"),
        "--timeout",
        "5s",
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn http_against_python_http_server() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<h1>relkit</h1>").unwrap();
    let port = free_port();
    let mut server = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let o = smoke(&[
        "http",
        &format!("http://localhost:{port}/"),
        "--body",
        "<h1>relkit</h1>",
        "--status",
        "200",
        "--success-threshold",
        "2",
        "--timeout",
        "20s",
    ]);
    let head = smoke(&[
        "http",
        &format!("http://localhost:{port}/"),
        "--method",
        "head",
    ]);
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(code(&head), 0, "{}", stdout(&head));
}

// ---------------------------------------------------------------- tcp

#[test]
fn tcp_waits_for_ports() {
    let open = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = open.local_addr().unwrap().port();
    let closed = free_port();
    let o = smoke(&[
        "--json",
        "tcp",
        &format!("127.0.0.1:{port}"),
        &format!("127.0.0.1:{closed}"),
        "--timeout",
        "300ms",
    ]);
    assert_eq!(code(&o), 1);
    let doc = report(
        &o,
        &[(&port.to_string(), "OPEN"), (&closed.to_string(), "CLOSED")],
    );
    assert_eq!(doc["checks"][0]["passed"], true);
    assert_eq!(
        doc["checks"][0]["attempts"][0]["detail"],
        "connected to 127.0.0.1:OPEN"
    );
    assert_eq!(doc["checks"][1]["passed"], false);
    assert_eq!(
        doc["checks"][1]["attempts"][0]["detail"],
        "connection refused"
    );
}

// ---------------------------------------------------------------- serve

#[test]
fn serve_runs_python_on_a_free_port_with_probes() {
    let o = smoke(&[
        "--json",
        "serve",
        "--health",
        "/",
        "--probe",
        "/=200",
        "--probe",
        "/missing=404",
        "--ready-timeout",
        "30s",
        "--",
        "python3",
        "-m",
        "http.server",
        "{port}",
        "--bind",
        "127.0.0.1",
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc = report(&o, &[]);
    let check = &doc["checks"][0];
    let port = check["port"].as_u64().unwrap();
    assert_eq!(
        check["command"][3],
        port.to_string(),
        "{{port}} substituted"
    );
    assert_eq!(
        check["ready_by"],
        format!("health http://localhost:{port}/")
    );
    assert_eq!(check["probes"][0]["attempt"]["detail"], "200 OK");
    assert_eq!(check["probes"][1]["attempt"]["detail"], "404 Not Found");
    assert_eq!(check["shutdown"]["how"], "graceful");
    assert_eq!(check["shutdown"]["left"], serde_json::json!([]));
    assert_eq!(check["exit"], serde_json::json!({"signal": 15}));
}

#[test]
fn serve_skips_a_preferred_port_that_is_taken() {
    let taken = TcpListener::bind("0.0.0.0:0").unwrap();
    let preferred = taken.local_addr().unwrap().port();
    let range = format!("{preferred}-{}", preferred + 20);
    let o = smoke(&[
        "--json",
        "serve",
        "--port",
        &range,
        "--health",
        "http://127.0.0.1:{port}/",
        "--env",
        "APP_PORT={port}",
        "--",
        "sh",
        "-c",
        "exec python3 -m http.server \"$APP_PORT\" --bind 127.0.0.1",
    ]);
    drop(taken);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc = report(&o, &[]);
    let port = doc["checks"][0]["port"].as_u64().unwrap();
    assert!(
        port > u64::from(preferred) && port <= u64::from(preferred) + 20,
        "{port}"
    );
    assert_eq!(
        doc["checks"][0]["ready_by"],
        format!("health http://127.0.0.1:{port}/")
    );
}

#[test]
fn serve_fails_fast_when_the_command_exits_and_shows_its_output() {
    let started = std::time::Instant::now();
    let o = smoke(&[
        "serve",
        "--port",
        "auto",
        "--ready-timeout",
        "60s",
        "--",
        "sh",
        "-c",
        "echo starting on {port}; sleep 0.2; echo 'fatal: config.toml: no such file' >&2; exit 4",
    ]);
    assert_eq!(code(&o), 1);
    // Far below the 60 s budget: the exit ended the wait. (A bound, not a timing assertion.)
    assert!(started.elapsed() < Duration::from_secs(30));
    let port = regex::Regex::new(r"port (\d+), pid (\d+)")
        .unwrap()
        .captures(&stdout(&o))
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .unwrap();
    let out = text(&o, &[(&port.0, "PORT"), (&port.1, "PID")]);
    // The port may be probed a few times before the exit is seen.
    let out = regex::Regex::new(r"\n        #\d+(-\d+)?  connection refused  Nms")
        .unwrap()
        .replace_all(&out, "");
    assert_eq!(
        out,
        "FAIL  serve sh -c 'echo starting on {port}; sleep 0.2; echo '\\''fatal: config.toml: no such file'\\'' >&2; exit 4'\n      \
         port PORT, pid PID\n      \
         the command exited before it was ready: exit code 4\n      \
         had already exited; no process left\n      \
         output (last 2 lines):\n      \
         | starting on PORT\n      \
         | fatal: config.toml: no such file\n"
    );
}

#[test]
fn serve_kills_a_child_that_ignores_sigterm() {
    let args = [
        "--json",
        "serve",
        "--ready-log",
        "^ready$",
        "--grace",
        "300ms",
        "--",
        "sh",
        "-c",
        "trap '' TERM; echo ready; sleep 300",
    ];
    let o = smoke(&args);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc = report(&o, &[]);
    let check = &doc["checks"][0];
    assert_eq!(check["ready_by"], "log line \"ready\"");
    assert_eq!(
        check["shutdown"],
        serde_json::json!({"how": "killed", "took_ms": 0, "left": []})
    );
    assert_eq!(
        check["warnings"],
        serde_json::json!(["it did not stop within --grace 300ms after SIGTERM and was killed"])
    );
    assert_eq!(check["exit"], serde_json::json!({"signal": 9}));
    // The group of this very run is gone (the report above has its pid zeroed).
    let raw: Value = serde_json::from_slice(&o.stdout).unwrap();
    let pgid = raw["checks"][0]["pid"].as_u64().unwrap();
    assert_eq!(in_group(pgid), Vec::<String>::new());

    let mut strict = args.to_vec();
    strict.insert(2, "--require-graceful");
    let o = smoke(&strict);
    assert_eq!(code(&o), 1);
}

#[test]
fn serve_leaves_no_grandchild_behind() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // A background child, and a grandchild orphaned by its parent exiting (double fork).
    let script = format!(
        "sleep 300 & echo $! > {p}; sh -c 'sleep 301 & echo $! >> {p}'; echo ready; wait",
        p = pids.display()
    );
    let log = dir.path().join("service.log");
    let o = smoke(&[
        "--json",
        "serve",
        "--ready-log",
        "ready",
        "--log",
        log.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        &script,
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let check = &doc["checks"][0];
    assert_eq!(check["shutdown"]["how"], "graceful");
    assert_eq!(check["shutdown"]["left"], serde_json::json!([]));
    let pgid = check["pid"].as_u64().unwrap();
    assert_eq!(in_group(pgid), Vec::<String>::new());
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "ready\n");
    let children = std::fs::read_to_string(&pids).unwrap();
    let children: Vec<&str> = children.split_whitespace().collect();
    assert_eq!(children.len(), 2);
    for pid in children {
        assert!(
            !pid_exists(pid),
            "process {pid} is still in the process table"
        );
    }
}

#[test]
fn a_terminated_smoke_check_stops_its_service() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!("echo $$ > {}; sleep 300", pid_file.display());
    let mut child = Command::new(BIN)
        .args(["serve", "--ready-log", "never", "--ready-timeout", "60s"])
        .args(["--", "sh", "-c", &script])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut service = String::new();
    for _ in 0..500 {
        service = std::fs::read_to_string(&pid_file).unwrap_or_default();
        if service.ends_with('\n') {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let pgid: u64 = service.trim().parse().unwrap();
    assert!(!running_in_group(pgid).is_empty());
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().signal(), Some(15));
    let mut left = running_in_group(pgid);
    for _ in 0..250 {
        if left.is_empty() {
            break;
        }
        thread::sleep(Duration::from_millis(20));
        left = running_in_group(pgid);
    }
    assert_eq!(left, Vec::<String>::new());
}

// ---------------------------------------------------------------- checks file, Actions

#[test]
fn a_checks_file_runs_every_check_and_exits_with_the_worst() {
    let port = http_server("127.0.0.1:0", Duration::ZERO, |_, path| match path {
        "/health" => Reply::new(200, r#"{"status":"ok"}"#),
        _ => Reply::new(500, "{}"),
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smoke.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[[check]]
name = "health"
http = "http://127.0.0.1:{port}/health"
json = {{ status = "ok" }}

[[check]]
http = "http://127.0.0.1:{port}/broken"
retries = 0

[[check]]
run = ["sh", "-c", "echo 1.0.0"]
expect-stdout = "^1\\."
"#
        ),
    )
    .unwrap();
    let report_file = dir.path().join("report.json");
    let o = smoke(&[
        "--checks",
        file.to_str().unwrap(),
        "--report",
        report_file.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert_eq!(
        text(&o, &[(&port.to_string(), "PORT")]),
        "PASS  http health\n      \
         ready after Nms, 1 attempt\n        \
         #1  200 OK  Nms\n\
         FAIL  http GET http://127.0.0.1:PORT/broken\n        \
         #1  500 Internal Server Error, expected 2xx  Nms\n      \
         1 attempt failed (--failure-threshold/--retries); last: 500 Internal Server Error, \
         expected 2xx\n\
         PASS  run sh -c 'echo 1.0.0'\n\
         2 of 3 checks passed\n"
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    assert_eq!(written["passed"], false);
    assert_eq!(written["checks"].as_array().unwrap().len(), 3);

    std::fs::write(&file, "[[check]]\nhttp = \"http://x/\"\nstatus = \"abc\"\n").unwrap();
    let bad = smoke(&["--checks", file.to_str().unwrap()]);
    assert_eq!(code(&bad), 2);
    assert_eq!(
        stderr(&bad),
        format!(
            "smoke-check: {}: check 1: invalid value 'abc' for '--status <STATUS>': 'abc' is not \
             a status; write e.g. '200', '2xx' or '200|204'\n",
            file.display()
        )
    );
}

#[test]
fn inside_actions_it_writes_outputs_a_summary_and_the_report() {
    let port = http_server("127.0.0.1:0", Duration::ZERO, |_, _| Reply::new(200, "{}"));
    let dir = tempfile::tempdir().unwrap();
    let (output, summary) = (dir.path().join("output"), dir.path().join("summary"));
    let o = Command::new(BIN)
        .args(["http", &format!("http://127.0.0.1:{port}/")])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", dir.path())
        .env_remove("RELKIT_JSON")
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let outputs = std::fs::read_to_string(&output).unwrap();
    let report_path = regex::Regex::new(r"report=(.*)\n")
        .unwrap()
        .captures(&outputs)
        .map(|c| c[1].to_string())
        .unwrap();
    let outputs = regex::Regex::new(r"ready-ms=\d+")
        .unwrap()
        .replace(&outputs, "ready-ms=N")
        .replace(&report_path, "REPORT");
    assert_eq!(outputs, "ready-ms=N\npassed=true\nreport=REPORT\n");
    assert!(
        Path::new(&report_path).starts_with(dir.path()),
        "{report_path} is not in RUNNER_TEMP"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    let summary = regex::Regex::new(r"\d+ ms")
        .unwrap()
        .replace(&summary, "N ms")
        .replace(&port.to_string(), "PORT");
    assert_eq!(
        summary,
        "### smoke-check: all checks passed\n\n\
         | Check | Result | Ready | Attempts | Details |\n\
         | --- | --- | ---: | ---: | --- |\n\
         | http `GET http://127.0.0.1:PORT/` | ✅ pass | N ms | 1 |  |\n"
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    assert_eq!(written["passed"], true);
}

#[test]
fn inside_actions_a_failure_is_an_error_annotation() {
    let closed = free_port();
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args([
            "tcp",
            &format!("127.0.0.1:{closed}"),
            "--failure-threshold",
            "1",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", dir.path().join("output"))
        .env("RUNNER_TEMP", dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        format!(
            "::error title=smoke-check tcp::127.0.0.1:{closed}: 1 attempt failed \
             (--failure-threshold/--retries); last: connection refused\n"
        )
    );
}

// ---------------------------------------------------------------- the composite action

#[test]
fn the_action_serves_probes_and_stops() {
    let workspace = tempfile::tempdir().unwrap();
    let result = harness::Action::load("actions/smoke-check")
        .workspace(workspace.path())
        .input("check", "serve")
        .input(
            "command",
            "python3 -m http.server {port} --bind 127.0.0.1\n",
        )
        .input("health", "/")
        .input("probes", "/=200\n/nope=404")
        .input("ready-timeout", "30s")
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert_eq!(result.outputs["passed"], "true");
    assert!(
        result.outputs["ready-ms"].parse::<u64>().is_ok(),
        "{result}"
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(&result.outputs["report"]).unwrap()).unwrap();
    let check = &report["checks"][0];
    assert_eq!(check["probes"].as_array().unwrap().len(), 2);
    assert_eq!(check["shutdown"]["how"], "graceful");
    assert!(
        result
            .summary
            .starts_with("### smoke-check: all checks passed\n"),
        "{}",
        result.summary
    );
}

#[test]
fn action_inputs_are_data_not_shell() {
    let workspace = tempfile::tempdir().unwrap();
    let action = || {
        harness::Action::load("actions/smoke-check")
            .workspace(workspace.path())
            .input("check", "run")
    };
    // One line: split on whitespace, nothing expanded.
    let result = action()
        .input("command", "echo $(touch pwned) ; `touch pwned2` $HOME")
        .input("expect-stdout", "\"; touch pwned3 #")
        .run()
        .unwrap();
    assert!(!result.success, "{result}");
    assert_eq!(result.outputs["passed"], "false");
    let report: Value =
        serde_json::from_slice(&std::fs::read(&result.outputs["report"]).unwrap()).unwrap();
    assert_eq!(
        report["checks"][0]["command"],
        serde_json::json!(["echo", "$(touch", "pwned)", ";", "`touch", "pwned2`", "$HOME"])
    );
    // Several lines: one argument each.
    let result = action()
        .input("command", "sh\n-c\necho \"$0\" >/dev/null; echo ok")
        .input("expect-stdout", "^ok$")
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    let names: Vec<String> = std::fs::read_dir(workspace.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("pwned")), "{names:?}");

    let result = action().input("check", "rm -rf /").run().unwrap();
    assert!(!result.success);
    assert_eq!(
        result.errors(),
        vec!["input 'check' must be run, http, tcp or serve (or give 'checks'), got 'rm -rf /'"]
    );
}
