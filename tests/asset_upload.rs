//! Black-box tests of `asset-upload` against the test GitHub Releases API server on 127.0.0.1:
//! happy path, re-runs, changed files, broken assets, every injected fault, racing jobs, draft →
//! publish, up-front refusals, the token never printed, dry runs, and the composite action.

mod github_server;
mod harness;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use axum::http::Method;
use github_server::{Config, Fault, Server};
use pretty_assertions::assert_eq;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_asset-upload");

/// A workspace with `dist/` holding a few files of deterministic content.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    fs::create_dir(&dist).unwrap();
    fs::write(dist.join("tool-1.0-linux-x64.tar.gz"), pattern(300_000, 1)).unwrap();
    fs::write(dist.join("tool-1.0-windows-x64.zip"), pattern(70_000, 2)).unwrap();
    fs::write(dist.join("SHA256SUMS"), b"abc  tool-1.0-linux-x64.tar.gz\n").unwrap();
    dir
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + usize::from(seed) * 7) % 251) as u8)
        .collect()
}

fn command(server: &Server, dir: &Path, args: &[&str]) -> Command {
    command_for(server, dir, "octo-org/tool", args)
}

fn command_for(server: &Server, dir: &Path, repo: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .args(["--api-url", &server.api_url(), "--repo", repo])
        .args(args)
        .env("GITHUB_TOKEN", &server.config().token)
        .env("RELKIT_UPLOAD_RETRY_BASE", "20ms")
        .env("RELKIT_UPLOAD_RATE_LIMIT_FLOOR", "100ms")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_API_URL")
        .env_remove("RELKIT_JSON")
        .env_remove("RELKIT_TAG");
    cmd
}

fn run(server: &Server, dir: &Path, args: &[&str]) -> Output {
    command(server, dir, args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The JSON report with the server's address replaced by `HOST`.
fn json(server: &Server, out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&server.addr.to_string(), "HOST");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}\n{}", text(out)))
}

/// Asset names and bytes of the only release, sorted by name.
fn stored(server: &Server) -> Vec<(String, String, Vec<u8>)> {
    let releases = server.releases();
    assert_eq!(releases.len(), 1, "{releases:#?}");
    let mut assets: Vec<(String, String, Vec<u8>)> = releases[0]
        .assets
        .iter()
        .map(|a| (a.name.clone(), a.state.clone(), a.data.clone()))
        .collect();
    assets.sort();
    assets
}

fn expected(dir: &Path) -> Vec<(String, String, Vec<u8>)> {
    let mut files: Vec<(String, String, Vec<u8>)> = fs::read_dir(dir.join("dist"))
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                "uploaded".to_string(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn writes(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.method != Method::GET)
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect()
}

#[test]
fn help_has_examples_and_exit_codes() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("Examples:\n  asset-upload --tag v1.2.0"),
        "{help}"
    );
    assert!(help.contains("Exit status:"), "{help}");
    assert!(
        !help.contains("rate-limit-floor"),
        "hidden test flags leak: {help}"
    );
}

#[test]
fn invalid_option_is_usage() {
    let out = Command::new(BIN)
        .args(["--tag", "v1", "--bogus", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn happy_path_creates_publishes_and_reports() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let out = run(&server, dir.path(), &["--tag", "v1.0", "--json", "dist/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stored(&server), expected(dir.path()));
    let release = &server.releases()[0];
    assert!(!release.draft, "a new release is published once complete");
    // Published only after every asset was in and uploaded.
    let mut at_publish = release.assets_at_publish.clone().unwrap();
    at_publish.sort();
    assert_eq!(
        at_publish,
        vec![
            ("SHA256SUMS".to_string(), "uploaded".to_string()),
            (
                "tool-1.0-linux-x64.tar.gz".to_string(),
                "uploaded".to_string()
            ),
            (
                "tool-1.0-windows-x64.zip".to_string(),
                "uploaded".to_string()
            ),
        ]
    );
    let dl = |n: &str| format!("http://HOST/octo-org/tool/releases/download/v1.0/{n}");
    let asset = |path: &str, name: &str, size: u64, ct: &str| {
        serde_json::json!({
            "path": path, "name": name, "size": size, "content_type": ct,
            "action": "upload", "reason": "new asset", "status": "uploaded",
            "url": dl(name), "error": null
        })
    };
    assert_eq!(
        json(&server, &out),
        serde_json::json!({
            "repo": "octo-org/tool",
            "tag": "v1.0",
            "dry_run": false,
            "release": {
                "action": "created",
                "id": release.id,
                "url": "http://HOST/octo-org/tool/releases/tag/v1.0",
                "upload_url": format!("http://HOST/api/uploads/repos/octo-org/tool/releases/{}/assets{{?name,label}}", release.id),
                "draft": false,
                "published": true
            },
            "assets": [
                asset("dist/SHA256SUMS", "SHA256SUMS", 31, "text/plain"),
                asset("dist/tool-1.0-linux-x64.tar.gz", "tool-1.0-linux-x64.tar.gz", 300000, "application/gzip"),
                asset("dist/tool-1.0-windows-x64.zip", "tool-1.0-windows-x64.zip", 70000, "application/zip"),
            ]
        })
    );
}

#[test]
fn rerun_is_a_no_op() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let first = run(&server, dir.path(), &["--tag", "v1.0", "dist/"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let before = writes(&server).len();
    let again = run(&server, dir.path(), &["--tag", "v1.0", "--json", "dist/"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(writes(&server).len(), before, "{:#?}", writes(&server));
    let report = json(&server, &again);
    let statuses: Vec<(&str, &str)> = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["status"].as_str().unwrap(), a["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        vec![("skipped", "already uploaded: same size and SHA-256"); 3]
    );
    assert_eq!(stored(&server), expected(dir.path()));
}

#[test]
fn release_settings_a_reused_release_does_not_take_are_named() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let first = run(&server, dir.path(), &["--tag", "v1.0", "dist/"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let again = run(
        &server,
        dir.path(),
        &[
            "--tag",
            "v1.0",
            "--name",
            "Tool 1.0",
            "--make-latest",
            "false",
            "dist/",
        ],
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let stderr = String::from_utf8_lossy(&again.stderr);
    let line = "asset-upload: v1.0: the release already exists, so --name, --make-latest left \
                unchanged (they apply when asset-upload creates or publishes the release)";
    assert!(
        stderr.lines().any(|l| l == line),
        "missing `{line}` in:\n{stderr}"
    );
}

#[test]
fn changed_file_fails_by_default_and_is_replaced_with_replace() {
    let server = Server::start(Config::default());
    let dir = workspace();
    assert!(run(&server, dir.path(), &["--tag", "v1", "dist/"])
        .status
        .success());
    let zip = dir.path().join("dist/tool-1.0-windows-x64.zip");
    fs::write(&zip, pattern(70_000, 9)).unwrap();
    let before = writes(&server).len();
    let out = run(&server, dir.path(), &["--tag", "v1", "dist/"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("dist/tool-1.0-windows-x64.zip: the release already has a different asset named 'tool-1.0-windows-x64.zip'"),
        "{stderr}"
    );
    assert_eq!(
        writes(&server).len(),
        before,
        "nothing written on a refusal"
    );

    let old_id = server.releases()[0]
        .assets
        .iter()
        .find(|a| a.name.ends_with(".zip"))
        .unwrap()
        .id;
    let out = run(
        &server,
        dir.path(),
        &["--tag", "v1", "--on-existing", "replace", "dist/"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stored(&server), expected(dir.path()));
    let new_id = server.releases()[0]
        .assets
        .iter()
        .find(|a| a.name.ends_with(".zip"))
        .unwrap()
        .id;
    assert_ne!(old_id, new_id);
    // Upload under a temporary name first, delete the old asset after, then rename.
    let replace: Vec<String> = writes(&server)[before..]
        .iter()
        .map(|w| w.split('?').next().unwrap().to_string())
        .map(|w| w.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect();
    let rel = server.releases()[0].id;
    assert_eq!(
        replace,
        vec![
            format!("POST /api/uploads/repos/octo-org/tool/releases/{rel}/assets"),
            format!("DELETE /api/v3/repos/octo-org/tool/releases/assets/{old_id}"),
            format!("PATCH /api/v3/repos/octo-org/tool/releases/assets/{new_id}"),
        ]
    );
    let with_fail = run(
        &server,
        dir.path(),
        &["--tag", "v1", "--on-existing", "fail", "dist/SHA256SUMS"],
    );
    assert_eq!(with_fail.status.code(), Some(1), "{}", text(&with_fail));
}

#[test]
fn starter_asset_is_deleted_and_uploaded_again() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let rel = server.add_release("v1", false);
    server.add_asset(rel, "tool-1.0-linux-x64.tar.gz", b"partial", "starter");
    let out = run(&server, dir.path(), &["--tag", "v1", "--json", "dist/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stored(&server), expected(dir.path()));
    let report = json(&server, &out);
    assert_eq!(report["assets"][1]["action"], "reupload");
    assert_eq!(report["assets"][1]["status"], "uploaded");
}

#[test]
fn every_fault_recovers_and_uploads_each_asset_once() {
    let faults: Vec<(&str, Option<Method>, &str, Fault)> = vec![
        (
            "500 on upload",
            Some(Method::POST),
            "/api/uploads/",
            Fault::Status(500),
        ),
        (
            "502 on upload",
            Some(Method::POST),
            "/api/uploads/",
            Fault::Status(502),
        ),
        (
            "503 on list",
            Some(Method::GET),
            "/releases/tags/",
            Fault::Status(503),
        ),
        (
            "reset mid-body",
            Some(Method::POST),
            "/api/uploads/",
            Fault::ResetMidBody,
        ),
        (
            "secondary rate limit",
            Some(Method::POST),
            "/api/uploads/",
            Fault::SecondaryRateLimit {
                retry_after: Some(1),
            },
        ),
        (
            "secondary rate limit on create, no retry-after (waits the floor)",
            Some(Method::POST),
            "/releases",
            Fault::SecondaryRateLimit { retry_after: None },
        ),
        (
            "primary rate limit until x-ratelimit-reset",
            Some(Method::GET),
            "/assets",
            Fault::PrimaryRateLimit { reset_in: 1 },
        ),
        (
            "starter left by upload",
            Some(Method::POST),
            "/api/uploads/",
            Fault::Starter,
        ),
        (
            "slow response",
            Some(Method::GET),
            "/releases/tags/",
            Fault::Slow(std::time::Duration::from_secs(3)),
        ),
        (
            "422 already_exists on create",
            Some(Method::POST),
            "/api/v3/repos/octo-org/tool/releases",
            Fault::AlreadyExists,
        ),
    ];
    for (what, method, path, fault) in faults {
        let server = Server::start(Config::default());
        let dir = workspace();
        // A create happens once, so its race is injected once; the rest hit twice in a row.
        let times = if matches!(fault, Fault::AlreadyExists) {
            1
        } else {
            2
        };
        // The fault really happened and was recovered from, not skipped.
        let recovered = if matches!(fault, Fault::AlreadyExists) {
            "the release was created meanwhile"
        } else {
            "retrying in"
        };
        server.inject(method, path, fault, times);
        let out = run(
            &server,
            dir.path(),
            &["--tag", "v1", "--timeout", "1s", "dist/"],
        );
        assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out));
        let log = text(&out);
        assert!(log.contains(recovered), "{what}: {log}");
        assert!(server.state().faults.iter().all(|f| f.times == 0), "{what}");
        assert_eq!(stored(&server), expected(dir.path()), "{what}");
        let counts = server.state().completed_uploads.clone();
        for (name, _, _) in expected(dir.path()) {
            assert_eq!(counts.get(&name), Some(&1), "{what}: {name}: {counts:?}");
        }
    }
}

#[test]
fn an_upload_failing_past_the_retries_is_reported_once_and_nothing_is_published() {
    let server = Server::start(Config::default());
    let dir = workspace();
    server.inject(Some(Method::POST), "/api/uploads/", Fault::Status(500), 2);
    let out = run(
        &server,
        dir.path(),
        &["--tag", "v1", "--retries", "1", "dist/SHA256SUMS"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&server.addr.to_string(), "HOST");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    let rel = server.releases()[0].id;
    let (head, tail) = errors[0]
        .split_once(" in ")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(
        (errors.len(), head, tail.split_once(": ").map(|t| t.1)),
        (
            1,
            format!("error: POST http://HOST/api/uploads/repos/octo-org/tool/releases/{rel}/assets{{?name,label}} (SHA256SUMS): gave up after 2 attempts").as_str(),
            Some("HTTP 500: Server Error; re-run the job (finished assets are skipped)")
        ),
        "{stderr}"
    );
    assert!(
        server.releases()[0].draft,
        "a release missing an asset stays a draft"
    );
    assert!(server.releases()[0].assets.is_empty());
}

#[test]
fn two_jobs_for_one_new_tag_end_with_one_release() {
    let server = Server::start(Config::default());
    let dir = workspace();
    fs::create_dir(dir.path().join("linux")).unwrap();
    fs::create_dir(dir.path().join("mac")).unwrap();
    fs::write(
        dir.path().join("linux/tool-linux.tar.gz"),
        pattern(200_000, 3),
    )
    .unwrap();
    fs::write(dir.path().join("mac/tool-mac.tar.gz"), pattern(200_000, 4)).unwrap();
    // Both jobs see no release, then both create: slow the lookups so they overlap.
    server.inject(
        Some(Method::GET),
        "/releases/tags/",
        Fault::Slow(std::time::Duration::from_millis(300)),
        2,
    );
    let spawn = |files: &str| {
        command(&server, dir.path(), &["--tag", "v2", "--draft", files])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("linux/"), spawn("mac/"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(a.status.code(), Some(0), "{}", text(&a));
    assert_eq!(b.status.code(), Some(0), "{}", text(&b));
    let releases = server.releases();
    assert_eq!(releases.len(), 1, "{releases:#?}");
    let mut names: Vec<&str> = releases[0].assets.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["tool-linux.tar.gz", "tool-mac.tar.gz"]);
}

#[test]
fn draft_is_published_only_after_all_assets() {
    let server = Server::start(Config {
        max_per_page: 1,
        ..Config::default()
    });
    let dir = workspace();
    // Other releases first, so that finding the draft needs the list and its pagination.
    server.add_release("v0.8", false);
    let rel = server.add_release("v1", true);
    server.add_release("v0.9", false);
    let out = run(&server, dir.path(), &["--tag", "v1", "--publish", "dist/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let release = server.releases().into_iter().find(|r| r.id == rel).unwrap();
    assert!(!release.draft);
    let mut at_publish = release.assets_at_publish.unwrap();
    at_publish.sort();
    assert_eq!(at_publish.len(), 3);
    assert!(at_publish.iter().all(|(_, s)| s == "uploaded"));
    assert_eq!(server.releases().len(), 3, "no duplicate release created");

    // Without --publish an existing draft stays a draft.
    let server = Server::start(Config::default());
    server.add_release("v1", true);
    let out = run(&server, dir.path(), &["--tag", "v1", "dist/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(server.releases()[0].draft);
}

#[test]
fn oversize_file_is_refused_before_any_request() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let big = dir.path().join("dist/huge.iso");
    fs::File::create(&big)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024 + 1)
        .unwrap();
    let out = run(&server, dir.path(), &["--tag", "v1", "dist/"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: dist/huge.iso: 2147483649 bytes is at or over GitHub's 2 GiB per-asset limit (2147483648 bytes); split the file or publish it elsewhere\n"
    );
    assert!(server.requests().is_empty(), "{:#?}", server.requests());
}

#[test]
fn unsafe_names_duplicates_and_empty_globs_are_refused() {
    let server = Server::start(Config::default());
    let dir = workspace();
    fs::write(dir.path().join("dist/My App.exe"), b"x").unwrap();
    fs::create_dir(dir.path().join("other")).unwrap();
    fs::write(dir.path().join("other/SHA256SUMS"), b"y").unwrap();
    let out = run(&server, dir.path(), &["--tag", "v1", "dist/", "other/"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("dist/My App.exe: GitHub would rename asset 'My App.exe' to 'My.App.exe'; rename the file, or pass --rename-unsafe"), "{stderr}");
    assert!(
        stderr.contains(
            "other/SHA256SUMS: asset name 'SHA256SUMS' is also the name of dist/SHA256SUMS"
        ),
        "{stderr}"
    );
    assert!(server.requests().is_empty());

    fs::remove_dir_all(dir.path().join("other")).unwrap();
    let out = run(
        &server,
        dir.path(),
        &["--tag", "v1", "--rename-unsafe", "dist/"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(server.releases()[0]
        .assets
        .iter()
        .any(|a| a.name == "My.App.exe"));

    let out = run(&server, dir.path(), &["--tag", "v1", "dist/*.deb"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("dist/*.deb: the pattern matched no files")
    );
}

#[test]
fn a_second_label_for_one_asset_is_refused() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let out = run(
        &server,
        dir.path(),
        &[
            "--tag",
            "v1",
            "--label",
            "SHA256SUMS=Checksums",
            "--label",
            "SHA256SUMS=Sums",
            "dist/",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "asset-upload: --label 'SHA256SUMS=Sums': 'SHA256SUMS' already has a label; give one --label per asset\n"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn immutable_release_is_refused_with_the_fix() {
    let server = Server::start(Config {
        immutable_on_publish: true,
        ..Config::default()
    });
    let dir = workspace();
    assert!(
        run(&server, dir.path(), &["--tag", "v1", "dist/SHA256SUMS"])
            .status
            .success()
    );
    let out = run(&server, dir.path(), &["--tag", "v1", "dist/"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is published and immutable"), "{stderr}");
    assert!(
        stderr.contains("create the release as a draft, upload, then publish"),
        "{stderr}"
    );
}

#[test]
fn bad_token_fails_at_once_naming_the_permission_and_never_printing_it() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let wrong = "ghp_wrongtoken_SHOULD_NEVER_APPEAR_42";
    let out = command(&server, dir.path(), &["--tag", "v1", "dist/"])
        .env("GITHUB_TOKEN", wrong)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("401 Bad credentials"), "{all}");
    assert!(all.contains("contents: write"), "{all}");
    assert!(!all.contains(wrong), "{all}");
    assert_eq!(server.requests().len(), 1, "401 is not retried");

    let out = command(&server, dir.path(), &["--tag", "v1", "dist/"])
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("no token: $GITHUB_TOKEN is unset or empty"));
}

#[test]
fn token_never_appears_in_any_output() {
    let server = Server::start(Config::default());
    let token = server.config().token.clone();
    let dir = workspace();
    let outputs = dir.path().join("gh-output");
    let summary = dir.path().join("gh-summary");
    server.inject(Some(Method::POST), "/api/uploads/", Fault::ResetMidBody, 1);
    server.inject(Some(Method::POST), "/api/uploads/", Fault::Status(502), 1);
    let mut captured = String::new();
    for args in [
        vec!["--tag", "v1", "dist/"],
        vec!["--tag", "v1", "--json", "dist/"],
        vec!["--tag", "v1", "--dry-run", "--json", "dist/"],
        vec!["--tag", "v1", "--on-existing", "fail", "dist/"],
    ] {
        let out = command(&server, dir.path(), &args)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        captured.push_str(&text(&out));
    }
    captured.push_str(&fs::read_to_string(&outputs).unwrap());
    captured.push_str(&fs::read_to_string(&summary).unwrap());
    let mask = format!("::add-mask::{token}");
    assert_eq!(captured.matches(&mask).count(), 4, "{captured}");
    assert!(
        !captured.replace(&mask, "").contains(&token),
        "token leaked:\n{captured}"
    );
}

#[test]
fn dry_run_plans_without_writing() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let rel = server.add_release("v1", false);
    server.add_asset(rel, "SHA256SUMS", b"old", "uploaded");
    let out = run(
        &server,
        dir.path(),
        &["--tag", "v1", "--dry-run", "--json", "dist/"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(writes(&server), Vec::<String>::new());
    let plan = json(&server, &out);
    let actions: Vec<(&str, &str, &str)> = plan["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap(),
                a["action"].as_str().unwrap(),
                a["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("SHA256SUMS", "refuse", "refused"),
            ("tool-1.0-linux-x64.tar.gz", "upload", "planned"),
            ("tool-1.0-windows-x64.zip", "upload", "planned"),
        ]
    );
    assert_eq!(plan["release"]["action"], "reuse");
    assert_eq!(plan["dry_run"], true);

    let server = Server::start(Config::default());
    let out = run(
        &server,
        dir.path(),
        &["--tag", "v9", "--dry-run", "--json", "dist/"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json(&server, &out)["release"]["action"], "create");
    assert_eq!(writes(&server), Vec::<String>::new());
    assert!(server.releases().is_empty());
}

#[test]
fn action_uploads_and_exports_outputs() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let result = harness::Action::load("actions/asset-upload")
        .input("files", "dist/*.tar.gz\ndist/SHA256SUMS")
        .input("tag", "v3")
        .input("labels", "SHA256SUMS=Checksums $(touch pwned)")
        .github("api_url", &server.api_url())
        .github("repository", "octo-org/tool")
        .github("token", &server.config().token)
        .env("RELKIT_UPLOAD_RETRY_BASE", "20ms")
        .workspace(dir.path())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert!(!dir.path().join("pwned").exists());
    let release = &server.releases()[0];
    assert_eq!(result.outputs["release-id"], release.id.to_string());
    let host = server.addr.to_string();
    assert_eq!(
        result.outputs["release-url"],
        format!("http://{host}/octo-org/tool/releases/tag/v3")
    );
    assert_eq!(
        result.outputs["upload-url"],
        format!(
            "http://{host}/api/uploads/repos/octo-org/tool/releases/{}/assets",
            release.id
        )
    );
    let assets: Value = serde_json::from_str(&result.outputs["assets"]).unwrap();
    assert_eq!(
        assets,
        serde_json::json!({
            "SHA256SUMS": format!("http://{host}/octo-org/tool/releases/download/v3/SHA256SUMS"),
            "tool-1.0-linux-x64.tar.gz": format!("http://{host}/octo-org/tool/releases/download/v3/tool-1.0-linux-x64.tar.gz"),
        })
    );
    let sums = release
        .assets
        .iter()
        .find(|a| a.name == "SHA256SUMS")
        .unwrap();
    assert_eq!(sums.label.as_deref(), Some("Checksums $(touch pwned)"));
    assert!(
        result.summary.contains("| SHA256SUMS |"),
        "{}",
        result.summary
    );
    assert!(!result
        .log()
        .replace(&format!("::add-mask::{}", server.config().token), "")
        .contains(&server.config().token));
}

#[test]
fn unknown_repository_names_the_permission() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let out = command_for(
        &server,
        dir.path(),
        "octo-org/missing",
        &["--tag", "v1", "dist/"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let host = server.addr.to_string();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "asset-upload: GET http://{host}/api/v3/repos/octo-org/missing/releases?per_page=100: 404 Not Found: octo-org/missing does not exist or the token cannot see it; check --repo and give the token `contents: write` on it (in a workflow: `permissions: contents: write`)\n"
        )
    );
}

#[test]
fn a_release_past_1000_assets_is_refused_before_any_write() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let rel = server.add_release("v1", false);
    for i in 0..999 {
        server.add_asset(rel, &format!("old-{i}.txt"), b"x", "uploaded");
    }
    let out = run(&server, dir.path(), &["--tag", "v1", "dist/"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the release has 999 assets and 3 more would exceed GitHub's limit of 1000"),
        "{}",
        text(&out)
    );
    assert_eq!(writes(&server), Vec::<String>::new());
}

#[test]
fn actions_log_has_a_line_per_asset_at_start_and_end() {
    let server = Server::start(Config::default());
    let dir = workspace();
    let out = command(&server, dir.path(), &["--tag", "v1", "dist/SHA256SUMS"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert_eq!(lines[0], "asset-upload: SHA256SUMS: uploading 31 B");
    assert!(
        lines[1].starts_with("asset-upload: SHA256SUMS: done (31 B in ")
            && lines[1].ends_with("/s)"),
        "{stderr}"
    );
}

#[test]
fn racing_jobs_that_both_created_a_draft_converge_on_the_oldest() {
    let server = Server::start(Config {
        duplicate_drafts: true,
        ..Config::default()
    });
    let dir = workspace();
    fs::create_dir(dir.path().join("linux")).unwrap();
    fs::create_dir(dir.path().join("mac")).unwrap();
    fs::write(
        dir.path().join("linux/tool-linux.tar.gz"),
        pattern(100_000, 3),
    )
    .unwrap();
    fs::write(dir.path().join("mac/tool-mac.tar.gz"), pattern(100_000, 4)).unwrap();
    // The other job's draft is created just after this job looked for one.
    server.inject(Some(Method::GET), "/releases?", Fault::StaleList, 1);
    let other = server.add_release("v5", true);
    server.add_asset(other, "tool-mac.tar.gz", &pattern(100_000, 4), "uploaded");
    let out = run(&server, dir.path(), &["--tag", "v5", "--draft", "linux/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let releases = server.releases();
    assert_eq!(releases.len(), 1, "{releases:#?}");
    assert_eq!(releases[0].id, other);
    assert!(
        writes(&server).iter().any(|w| w.starts_with(&format!(
            "DELETE /api/v3/repos/octo-org/tool/releases/{}",
            other + 2
        ))),
        "this job's own duplicate draft was deleted: {:#?}",
        writes(&server)
    );
    let mut names: Vec<&str> = releases[0].assets.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["tool-linux.tar.gz", "tool-mac.tar.gz"]);
}
