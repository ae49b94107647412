//! Black-box tests of `deploy` against the test GitHub server's Deployments API and a webhook
//! receiver, both on 127.0.0.1: start → finish → previous with GitHub's `inactive` transitions and
//! pagination, refusals (no previous deployment, failing required contexts, bad token, unknown
//! repository), and notifications to Slack, Teams and signed JSON webhooks that fail, hang or
//! answer 429, with the token and the webhook URL never printed; and the composite action,
//! end to end, with inputs that try to inject shell.

mod github_server;
mod harness;
mod webhook_server;

use std::path::Path;
use std::process::{Command, Output};

use github_server::{Config, Fault, Server};
use pretty_assertions::assert_eq;
use serde_json::{json, Value};
use webhook_server::{Answer, Receiver};

const BIN: &str = env!("CARGO_BIN_EXE_deploy");
const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2";
const SHA_C: &str = "ccccccccccccccccccccccccccccccccccccccc3";

/// `deploy ARGS` against `server`, outside Actions unless `env` says otherwise.
fn command(server: &Server, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .args(["--api-url", &server.api_url(), "--repo", "octo-org/tool"])
        .env("GITHUB_TOKEN", &server.config().token)
        .env("RELKIT_DEPLOY_RETRY_BASE", "20ms");
    clean(&mut cmd);
    cmd
}

fn clean(cmd: &mut Command) {
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_REPOSITORY",
        "GITHUB_API_URL",
        "GITHUB_SHA",
        "GITHUB_ACTOR",
        "GITHUB_SERVER_URL",
        "GITHUB_RUN_ID",
        "GITHUB_RUN_ATTEMPT",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "RELKIT_ENVIRONMENT",
        "RELKIT_VERSION",
        "RELKIT_DEPLOYMENT_ID",
        "RELKIT_WEBHOOK_URL",
        "RELKIT_JSON",
    ] {
        cmd.env_remove(var);
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(out: Output) -> Output {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    out
}

/// The JSON report with the server's address replaced by `HOST`.
fn report(server: &Server, out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&server.addr.to_string(), "HOST");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}\n{}", text(out)))
}

/// Starts a deployment of `sha` as `version` and finishes it with `state`; returns its id.
fn deploy(server: &Server, environment: &str, sha: &str, version: &str, state: &str) -> u64 {
    let out = ok(command(
        server,
        &[
            "start",
            "--environment",
            environment,
            "--ref",
            sha,
            "--version",
            version,
            "--json",
        ],
    )
    .output()
    .unwrap());
    let id = report(server, &out)["deployment"]["id"].as_u64().unwrap();
    let id_text = id.to_string();
    ok(
        command(server, &["finish", "--id", &id_text, "--state", state])
            .output()
            .unwrap(),
    );
    id
}

/// Each deployment's version and its states, oldest first.
fn history(server: &Server) -> Vec<(String, Vec<String>)> {
    server
        .deployments()
        .iter()
        .map(|d| {
            (
                d.payload["version"].as_str().unwrap_or("").to_string(),
                d.statuses.iter().map(|s| s.state.clone()).collect(),
            )
        })
        .collect()
}

fn states(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn help_has_examples_and_exit_codes() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    for want in [
        "Examples:\n  deploy start --environment production",
        "Exit status:\n  0  success",
        "start ",
        "finish ",
        "previous ",
        "notify ",
    ] {
        assert!(help.contains(want), "{want:?} not in:\n{help}");
    }
}

#[test]
fn invalid_usage_exits_2_and_says_what_to_fix() {
    let server = Server::start(Config::default());
    for (args, want) in [
        (vec!["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (
            vec![
                "start",
                "--environment",
                "p",
                "--ref",
                "x",
                "--version",
                "1",
                "--bogus",
            ],
            "unexpected argument '--bogus'",
        ),
        (
            vec![
                "start",
                "--environment",
                "p",
                "--ref",
                "x",
                "--version",
                "1",
                "--payload",
                "[1]",
            ],
            "--payload: not a JSON object",
        ),
        (
            vec![
                "start",
                "--environment",
                "p",
                "--ref",
                "x",
                "--version",
                "1",
                "--payload",
                "{",
            ],
            "--payload: not JSON",
        ),
        (
            vec!["finish", "--id", "x", "--state", "success"],
            "invalid value 'x' for '--id <ID>'",
        ),
        (
            vec![
                "start",
                "--environment",
                " ",
                "--ref",
                "x",
                "--version",
                "1",
            ],
            "--environment: empty",
        ),
    ] {
        let out = command(&server, &args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}\n{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(want),
            "{args:?}: {want:?} missing\n{}",
            text(&out)
        );
    }
    let out = Command::new(BIN)
        .args(["previous", "--environment", "p", "--repo", "not-a-repo"])
        .env("GITHUB_TOKEN", "x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("expected OWNER/NAME"),
        "{}",
        text(&out)
    );
    // Nothing reached the server.
    assert_eq!(server.requests().len(), 0, "{:#?}", server.requests());
}

#[test]
fn start_records_the_version_and_run_and_finish_makes_earlier_ones_inactive() {
    let server = Server::start(Config::default());
    server.add_ref("main", SHA_B);
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    let summary = dir.path().join("summary");
    std::fs::write(&output, "").unwrap();
    std::fs::write(&summary, "").unwrap();
    let first = deploy(&server, "staging", SHA_A, "v1.0.0", "success");
    let out = ok(command(
        &server,
        &[
            "start",
            "--environment",
            "staging",
            "--ref",
            "main",
            "--version",
            "v1.1.0",
            "--payload",
            r#"{"region":"eu","version":"overridden"}"#,
            "--json",
        ],
    )
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_OUTPUT", &output)
    .env("GITHUB_STEP_SUMMARY", &summary)
    .env("GITHUB_SERVER_URL", "https://ghe.example")
    .env("GITHUB_RUN_ID", "77")
    .env("GITHUB_RUN_ATTEMPT", "2")
    .output()
    .unwrap());
    let mut rep = report(&server, &out);
    let second = rep["deployment"]["id"].as_u64().unwrap();
    let started = rep["started_at"].as_u64().unwrap();
    rep["started_at"] = json!(0);
    assert_eq!(
        rep,
        json!({
            "deployment": {
                "id": second,
                "ref": "main",
                "sha": SHA_B,
                "environment": "staging",
                "payload": {"region": "eu", "version": "v1.1.0"},
                "created_at": server.deployments()[1].created_at,
                "url": format!("http://HOST/api/v3/repos/octo-org/tool/deployments/{second}"),
            },
            "version": "v1.1.0",
            "state": "in_progress",
            "log_url": "https://ghe.example/octo-org/tool/actions/runs/77/attempts/2",
            "started_at": 0,
        })
    );
    let outputs = std::fs::read_to_string(&output).unwrap();
    for line in [
        format!("deployment-id={second}"),
        format!("sha={SHA_B}"),
        "ref=main".to_string(),
        "version=v1.1.0".to_string(),
        "environment=staging".to_string(),
        format!("started-at={started}"),
    ] {
        assert!(outputs.contains(&line), "{line} not in {outputs}");
    }
    assert!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .contains(&format!(
                "| {second} | staging | v1.1.0 | `main` | `{SHA_B}` |"
            )),
        "summary"
    );
    let d = &server.deployments()[1];
    assert_eq!(
        (d.task.as_str(), d.transient, d.production),
        ("deploy", false, false)
    );
    assert_eq!(
        d.statuses[0].log_url,
        "https://ghe.example/octo-org/tool/actions/runs/77/attempts/2"
    );

    // Finishing the second with success makes the first inactive, as GitHub does.
    let id = second.to_string();
    let out = ok(command(
        &server,
        &[
            "finish",
            "--id",
            &id,
            "--state",
            "success",
            "--environment-url",
            "https://staging.example",
        ],
    )
    .output()
    .unwrap());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("deployment {second} to staging: success\n")
    );
    assert_eq!(
        history(&server),
        vec![
            (
                "v1.0.0".into(),
                states(&["in_progress", "success", "inactive"])
            ),
            ("v1.1.0".into(), states(&["in_progress", "success"])),
        ]
    );
    assert_eq!(
        server.deployments()[1].statuses[1].environment_url,
        "https://staging.example"
    );
    // The inactive one still counts as a good version to roll back to.
    let before = second.to_string();
    let out = ok(command(
        &server,
        &[
            "previous",
            "--environment",
            "staging",
            "--before",
            &before,
            "--json",
        ],
    )
    .output()
    .unwrap());
    let rep = report(&server, &out);
    assert_eq!(
        (
            &rep["found"],
            &rep["version"],
            &rep["deployment"]["id"],
            &rep["deployment"]["sha"]
        ),
        (&json!(true), &json!("v1.0.0"), &json!(first), &json!(SHA_A))
    );
}

#[test]
fn previous_is_the_last_success_before_the_current_one_across_pages() {
    // Three deployments a page: the good one is on the third page of production's list, behind
    // failures, an error and a deployment to another environment.
    let server = Server::start(Config {
        max_per_page: 3,
        ..Config::default()
    });
    let good = deploy(&server, "production", SHA_A, "v1.0.0", "success");
    for (i, state) in ["failure", "error", "failure", "failure", "error", "failure"]
        .iter()
        .enumerate()
    {
        deploy(&server, "production", SHA_B, &format!("v1.1.{i}"), state);
    }
    deploy(&server, "staging", SHA_C, "v9.9.9", "success");
    let current = deploy(&server, "production", SHA_C, "v1.2.0", "failure");
    let before = current.to_string();
    let out = ok(command(
        &server,
        &[
            "previous",
            "--environment",
            "production",
            "--before",
            &before,
        ],
    )
    .output()
    .unwrap());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "previous successful deployment to production: {good} v1.0.0 ({SHA_A} at {SHA_A})\n"
        )
    );
    // Pages were followed with the environment filter kept.
    let lists: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("/deployments?"))
        .map(|r| r.path.replace("/api/v3/repos/octo-org/tool", ""))
        .collect();
    assert_eq!(
        lists,
        [
            "/deployments?environment=production&per_page=100",
            "/deployments?environment=production&per_page=3&page=2",
            "/deployments?environment=production&per_page=3&page=3",
        ]
    );
    // A production deployment that succeeded is not made inactive (the REST reference: only
    // non-production, non-transient ones are), and both count.
    let newest = deploy(&server, "production", SHA_C, "v1.3.0", "success");
    let out = ok(command(
        &server,
        &["previous", "--environment", "production", "--json"],
    )
    .output()
    .unwrap());
    assert_eq!(report(&server, &out)["deployment"]["id"], json!(newest));
}

#[test]
fn no_previous_success_exits_1_instead_of_guessing() {
    let server = Server::start(Config::default());
    let only = deploy(&server, "production", SHA_A, "v1.0.0", "failure");
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    std::fs::write(&output, "").unwrap();
    let before = only.to_string();
    let out = command(
        &server,
        &[
            "previous",
            "--environment",
            "production",
            "--before",
            &before,
        ],
    )
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_OUTPUT", &output)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("no earlier successful deployment to production before {only}: nothing to roll back to\n")
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("::error title=deploy::no earlier"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "found=false\n");
    // An environment with no deployment at all: the same.
    let out = command(&server, &["previous", "--environment", "qa"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn github_refusals_name_the_fix_and_exit_codes_follow() {
    let server = Server::start(Config::default());
    server.state().commit_statuses.insert(
        SHA_A.to_string(),
        vec![
            ("ci/test".to_string(), "failure".to_string()),
            ("ci/lint".to_string(), "success".to_string()),
        ],
    );
    let start = |extra: &[&str]| {
        let mut args = vec![
            "start",
            "--environment",
            "production",
            "--ref",
            SHA_A,
            "--version",
            "v1",
        ];
        args.extend_from_slice(extra);
        command(&server, &args).output().unwrap()
    };
    // A required context that failed: GitHub's 409, a failed check (exit 1).
    let out = start(&["--required-context", "ci/test"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("HTTP 409 Conflict: Commit status checks failed"),
        "{}",
        text(&out)
    );
    // Only the contexts asked for count (none given: none required, as relkit sends []).
    ok(start(&["--required-context", "ci/lint"]));
    ok(start(&[]));
    // An unknown ref: GitHub's 422.
    let out = command(
        &server,
        &[
            "start",
            "--environment",
            "production",
            "--ref",
            "nope",
            "--version",
            "v1",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("HTTP 422 No ref found for: nope"),
        "{}",
        text(&out)
    );

    // A rejected token, a token without the permission, an unknown repository: exit 3, naming
    // `deployments: write`, and the token never printed.
    let bad = command(&server, &["previous", "--environment", "production"])
        .env("GITHUB_TOKEN", "ghs_wrongtoken")
        .output()
        .unwrap();
    server.inject(None, "/deployments", Fault::Status(403), 1);
    let forbidden = command(&server, &["previous", "--environment", "production"])
        .output()
        .unwrap();
    let unknown = command(&server, &["finish", "--id", "999999", "--state", "success"])
        .output()
        .unwrap();
    for (out, want) in [
        (&bad, "HTTP 401 Bad credentials: the token was rejected"),
        (
            &forbidden,
            "HTTP 403 Server Error: the token lacks `deployments: write`",
        ),
        (
            &unknown,
            "HTTP 404 Not Found: deployment 999999 does not exist",
        ),
    ] {
        assert_eq!(out.status.code(), Some(3), "{}", text(out));
        let all = text(out);
        assert!(all.contains(want), "{want:?} missing\n{all}");
        assert!(all.contains("deployments: write"), "{all}");
        assert!(
            !all.contains(&server.config().token),
            "token printed:\n{all}"
        );
    }
    let out = command(&server, &["previous", "--environment", "production"])
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("$GITHUB_TOKEN is unset or empty"),
        "{}",
        text(&out)
    );
}

#[test]
fn transient_server_errors_are_retried_within_the_budget() {
    let server = Server::start(Config::default());
    server.inject(None, "/deployments", Fault::Status(502), 2);
    server.inject(
        None,
        "/statuses",
        Fault::SecondaryRateLimit {
            retry_after: Some(1),
        },
        1,
    );
    let id = deploy(&server, "production", SHA_A, "v1.0.0", "success");
    assert_eq!(
        history(&server),
        vec![("v1.0.0".into(), states(&["in_progress", "success"]))]
    );
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [502, 502, 201, 403, 201, 201, 200],
        "deployment {id}"
    );
    // Always failing: it gives up after --attempts and says so.
    server.inject(None, "/deployments", Fault::Status(503), 100);
    let out = command(
        &server,
        &["previous", "--environment", "production", "--attempts", "3"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("gave up after 3 attempt(s)"),
        "{}",
        text(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// notify
// ---------------------------------------------------------------------------------------------

fn notify(receiver: &Receiver, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("notify")
        .args(args)
        .env("RELKIT_WEBHOOK_URL", receiver.url())
        .env("RELKIT_DEPLOY_RETRY_BASE", "20ms");
    clean(&mut cmd);
    cmd.env("RELKIT_WEBHOOK_URL", receiver.url());
    cmd
}

const EVENT: &[&str] = &[
    "--environment",
    "production",
    "--version",
    "v1.4.2",
    "--sha",
    "0123456789abcdef0123456789abcdef01234567",
    "--actor",
    "mona",
    "--state",
    "failure",
    "--repo",
    "octo-org/tool",
    "--log-url",
    "https://github.example/octo-org/tool/actions/runs/9",
    "--environment-url",
    "https://app.example",
    "--rollback-state",
    "success",
    "--rollback-version",
    "v1.4.1",
];

/// Asserts the webhook URL's secret path appears nowhere but in the `::add-mask::` line.
fn assert_url_hidden(receiver: &Receiver, out: &Output, files: &[&Path]) {
    let mut all = text(out);
    for f in files {
        all.push_str(&std::fs::read_to_string(f).unwrap_or_default());
    }
    let mask = format!("::add-mask::{}\n", receiver.url());
    let rest = all.replace(&mask, "");
    assert!(
        !rest.contains("xoxbSecretPathToken"),
        "webhook URL printed:\n{all}"
    );
}

#[test]
fn slack_gets_block_kit_with_every_field_and_the_url_stays_secret() {
    let receiver = Receiver::accepting();
    let dir = tempfile::tempdir().unwrap();
    let (output, summary) = (dir.path().join("output"), dir.path().join("summary"));
    std::fs::write(&output, "").unwrap();
    std::fs::write(&summary, "").unwrap();
    let out = ok(notify(&receiver, &[&["--kind", "slack"], EVENT].concat())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap());
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method, "POST");
    assert_eq!(
        got[0].path,
        "/services/T0SECRET/B0SECRET/xoxbSecretPathToken"
    );
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    let headline = "❌ octo-org/tool: v1.4.2 (0123456) to production: failure in unknown time by mona; rollback to v1.4.1: success";
    assert_eq!(
        got[0].json(),
        json!({
            "text": headline,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": headline}},
                {"type": "section", "fields": [
                    {"type": "mrkdwn", "text": "*Environment*\nproduction"},
                    {"type": "mrkdwn", "text": "*Version*\nv1.4.2"},
                    {"type": "mrkdwn", "text": "*Commit*\n0123456789abcdef0123456789abcdef01234567"},
                    {"type": "mrkdwn", "text": "*State*\nfailure"},
                    {"type": "mrkdwn", "text": "*Actor*\nmona"},
                    {"type": "mrkdwn", "text": "*Duration*\nunknown time"},
                    {"type": "mrkdwn", "text": "*Rollback*\nsuccess"},
                    {"type": "mrkdwn", "text": "*Rolled back to*\nv1.4.1"},
                ]},
                {"type": "actions", "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Log"}, "url": "https://github.example/octo-org/tool/actions/runs/9"},
                    {"type": "button", "text": {"type": "plain_text", "text": "Environment"}, "url": "https://app.example"},
                ]},
            ],
        })
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "delivered=true\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("::add-mask::{}", receiver.url())),
        "{stderr}"
    );
    assert_url_hidden(&receiver, &out, &[&summary]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "slack notification delivered to http://{}/… (1 attempt(s)): {headline}\n",
            receiver.addr
        )
    );
}

#[test]
fn teams_gets_an_adaptive_card_and_templates_fill_placeholders() {
    let receiver = Receiver::accepting();
    ok(notify(
        &receiver,
        &[
            &[
                "--kind",
                "teams",
                "--started-at",
                "0",
                "--template",
                "{environment}: {version} is {state} ({deployment_id})",
                "--deployment-id",
                "42",
            ],
            &EVENT[..10],
        ]
        .concat(),
    )
    .output()
    .unwrap());
    let body = receiver.received()[0].json();
    assert_eq!(body["type"], "message");
    let card = &body["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(
        card["content"]["body"][0]["text"],
        "production: v1.4.2 is failure (42)"
    );
    let facts: Vec<String> = card["content"]["body"][1]["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}={}",
                f["title"].as_str().unwrap(),
                f["value"].as_str().unwrap()
            )
        })
        .filter(|f| !f.starts_with("Duration="))
        .collect();
    assert_eq!(
        facts,
        [
            "Environment=production",
            "Version=v1.4.2",
            "Commit=0123456789abcdef0123456789abcdef01234567",
            "State=failure",
            "Actor=mona",
        ]
    );
    // An unknown placeholder is bad input, and nothing is sent.
    let out = notify(
        &receiver,
        &[&["--template", "{nope}"], &EVENT[..10]].concat(),
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown placeholder {nope}"));
    assert_eq!(receiver.received().len(), 1);
}

#[test]
fn json_webhooks_are_signed_like_openssl_computes_it() {
    let receiver = Receiver::accepting();
    let out = ok(notify(
        &receiver,
        &[&["--secret-env", "HOOK_SECRET"], EVENT].concat(),
    )
    .env("HOOK_SECRET", "s3cr3t-key")
    .output()
    .unwrap());
    assert!(!text(&out).contains("s3cr3t-key"));
    let got = &receiver.received()[0];
    let body = got.json();
    assert_eq!(
        (
            &body["event"],
            &body["state"],
            &body["rollback_version"],
            &body["version"]
        ),
        (
            &json!("deployment"),
            &json!("failure"),
            &json!("v1.4.1"),
            &json!("v1.4.2")
        )
    );
    // The receiver's check, done with OpenSSL on the bytes received.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("body");
    std::fs::write(&file, &got.body).unwrap();
    let openssl = Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", "s3cr3t-key", "-r"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(openssl.status.success(), "{}", text(&openssl));
    let hex = String::from_utf8_lossy(&openssl.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        got.header("x-relkit-signature-256"),
        Some(format!("sha256={hex}").as_str())
    );
}

#[test]
fn a_failing_endpoint_is_a_warning_unless_required() {
    let receiver = Receiver::start(Vec::new(), Answer::Fail(500));
    let out = ok(notify(&receiver, &[&["--attempts", "3"], EVENT].concat())
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap());
    assert_eq!(receiver.received().len(), 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("::warning title=deploy notify::notification to http://127.0.0.1:")
            && stderr.contains("not delivered: gave up after 3 attempt(s)")
            && stderr.contains("pass --required to fail instead"),
        "{stderr}"
    );
    assert_url_hidden(&receiver, &out, &[]);
    let out = notify(
        &receiver,
        &[&["--attempts", "2", "--required"], EVENT].concat(),
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_url_hidden(&receiver, &out, &[]);
    // A client error is not retried.
    let receiver = Receiver::start(Vec::new(), Answer::Fail(404));
    let out = notify(&receiver, &[&["--required"], EVENT].concat())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 404 after 1 attempt(s)"));
    assert_eq!(receiver.received().len(), 1);
}

#[test]
fn rate_limits_wait_for_retry_after_and_hangs_time_out() {
    let receiver = Receiver::start(vec![Answer::TooMany { retry_after: 1 }], Answer::Accept);
    let out = ok(notify(&receiver, EVENT).output().unwrap());
    let got = receiver.received();
    assert_eq!(
        got.iter().map(|r| r.answer.clone()).collect::<Vec<_>>(),
        [Answer::TooMany { retry_after: 1 }, Answer::Accept]
    );
    assert!(
        got[1].at.duration_since(got[0].at) >= std::time::Duration::from_millis(900),
        "Retry-After: 1 was not honoured"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("(2 attempt(s))"));

    let receiver = Receiver::start(Vec::new(), Answer::Hang);
    let out = notify(
        &receiver,
        &[
            &["--timeout", "300ms", "--attempts", "2", "--required"],
            EVENT,
        ]
        .concat(),
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no answer within 300ms"),
        "{}",
        text(&out)
    );
    assert_eq!(receiver.received().len(), 2);
    assert_url_hidden(&receiver, &out, &[]);
}

#[test]
fn a_missing_webhook_url_is_an_environment_failure_naming_the_variable() {
    let receiver = Receiver::accepting();
    let out = notify(&receiver, EVENT)
        .env_remove("RELKIT_WEBHOOK_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("$RELKIT_WEBHOOK_URL is unset or empty"));
}

#[test]
fn status_change_to_notification_latency_is_reported() {
    let server = Server::start(Config::default());
    let receiver = Receiver::accepting();
    let id = deploy(&server, "production", SHA_A, "v1.0.0", "success");
    let status_at = server.deployments()[0].statuses.last().unwrap().at;
    ok(notify(
        &receiver,
        &["--environment", "production", "--state", "success"],
    )
    .output()
    .unwrap());
    let received = receiver.received()[0].at;
    let latency = received.duration_since(status_at);
    // Reported, not asserted (the spec's goal is 30 s; loopback should be well under 1 s).
    println!("deployment {id}: status `success` -> notification received in {latency:?}");
    eprintln!(
        "deploy latency: status change -> notification {} ms",
        latency.as_millis()
    );
}

// ---------------------------------------------------------------------------------------------
// The composite action
// ---------------------------------------------------------------------------------------------

fn action(server: &Server, workspace: &Path, command: &str) -> harness::Action {
    harness::Action::load("actions/deploy")
        .input("command", command)
        .github("api_url", &server.api_url())
        .github("repository", "octo-org/tool")
        .github("token", &server.config().token)
        .github("sha", SHA_B)
        .env("RELKIT_DEPLOY_RETRY_BASE", "20ms")
        .workspace(workspace)
}

#[test]
fn action_runs_every_command_and_passes_inputs_as_data() {
    let server = Server::start(Config::default());
    let receiver = Receiver::accepting();
    let dir = tempfile::tempdir().unwrap();
    let first = deploy(&server, "staging", SHA_A, "v1.0.0", "success");
    let evil = "v2 $(touch pwned) `touch pwned`; touch pwned";
    let start = action(&server, dir.path(), "start")
        .input("environment", "staging")
        .input("version", evil)
        .input("required-contexts", "")
        .run()
        .unwrap();
    assert!(start.success, "{start}");
    let id = start.outputs["deployment-id"].clone();
    let d = server.deployments()[1].clone();
    assert_eq!(id, d.id.to_string());
    assert_eq!(
        (
            d.sha.as_str(),
            d.payload["version"].as_str(),
            start.outputs["version"].as_str()
        ),
        (SHA_B, Some(evil), evil)
    );
    let finish = action(&server, dir.path(), "finish")
        .input("deployment-id", &id)
        .input("state", "failure")
        .run()
        .unwrap();
    assert!(finish.success, "{finish}");
    assert_eq!(finish.outputs["state"], "failure");
    let previous = action(&server, dir.path(), "previous")
        .input("environment", "staging")
        .input("deployment-id", &id)
        .run()
        .unwrap();
    assert!(previous.success, "{previous}");
    assert_eq!(
        (
            previous.outputs["found"].as_str(),
            previous.outputs["deployment-id"].clone(),
            previous.outputs["version"].as_str()
        ),
        ("true", first.to_string(), "v1.0.0")
    );
    let notify = action(&server, dir.path(), "notify")
        .input("kind", "slack")
        .input("environment", "staging")
        .input("version", evil)
        .input("state", "failure")
        .input("rollback-state", "success")
        .input("rollback-version", "v1.0.0")
        .input("webhook-url", &receiver.url())
        .input("webhook-secret", "hook-key")
        .run()
        .unwrap();
    assert!(notify.success, "{notify}");
    assert_eq!(notify.outputs["delivered"], "true");
    let body = receiver.received()[0].json();
    assert_eq!(
        body["text"],
        format!("❌ octo-org/tool: {evil} (bbbbbbb) to staging: failure in unknown time by ; rollback to v1.0.0: success")
    );
    assert!(receiver.received()[0]
        .header("x-relkit-signature-256")
        .is_some());
    // The URL and the key were masked first; the runner would hide them, the harness shows the
    // raw log, which has them only in the add-mask commands.
    let log = notify.log();
    let rest = log
        .replace(&format!("::add-mask::{}", receiver.url()), "")
        .replace("::add-mask::hook-key", "");
    assert!(
        !rest.contains("xoxbSecretPathToken") && !rest.contains("hook-key"),
        "{log}"
    );
    assert!(!dir.path().join("pwned").exists());
    for result in [&start, &finish, &previous, &notify] {
        let log = result
            .log()
            .replace(&format!("::add-mask::{}", server.config().token), "");
        assert!(
            !log.contains(&server.config().token),
            "token printed:\n{result}"
        );
    }
    // An unknown command is refused before anything runs.
    let bad = action(&server, dir.path(), "stop; touch pwned")
        .run()
        .unwrap();
    assert!(!bad.success, "{bad}");
    assert_eq!(
        bad.errors(),
        ["deploy: command must be start, finish, previous or notify, got 'stop; touch pwned'"]
    );
    assert!(!dir.path().join("pwned").exists());
}
