//! Black-box tests of the `notes-gen` binary on real repositories built with the git CLI.
//!
//! Each directory under `tests/fixtures/notes-gen/` is a case: `commit.sh` builds the repository
//! (after `lib.sh`, which fixes names and dates so SHAs are exact), `COMMAND` is the command
//! line (a `REPO` file instead of `commit.sh` names the case whose repository to reuse), and
//! `expected.md`/`expected.json`/`expected.txt` is its exact stdout (`expected.stderr`
//! its stderr, `EXIT` its exit status when not 0). `NOTES_GEN_BLESS=1 cargo test --test notes_gen`
//! rewrites the expected files from the real output; review the diff before committing.

mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pretty_assertions::assert_eq;

const BIN: &str = env!("CARGO_BIN_EXE_notes-gen");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notes-gen")
}

/// A command with a clean environment: no GitHub variables, no user git configuration.
fn clean(program: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("LC_ALL", "C")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    cmd
}

/// Builds a case's repository in a fresh directory.
fn build_repo(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = clean("bash", dir.path())
        .arg("-c")
        .arg(r#"source "$1"; source "$2""#)
        .arg("commit.sh")
        .arg(fixtures().join("lib.sh"))
        .arg(fixtures().join(case).join("commit.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{case}/commit.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn notes_gen(dir: &Path, args: &[&str]) -> Output {
    clean(BIN, dir).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn check(path: &Path, actual: &str) {
    if std::env::var_os("NOTES_GEN_BLESS").is_some() {
        if actual.is_empty() && !path.exists() {
            return;
        }
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(expected, actual, "{}", path.display());
}

fn run_case(case: &str) {
    let case_dir = fixtures().join(case);
    let repo = match std::fs::read_to_string(case_dir.join("REPO")) {
        Ok(other) => build_repo(other.trim()),
        Err(_) => build_repo(case),
    };
    let command = std::fs::read_to_string(case_dir.join("COMMAND")).unwrap();
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[0], "notes-gen");
    let out = notes_gen(repo.path(), &words[1..]);
    let stdout = text(&out.stdout);
    let name = ["expected.md", "expected.json", "expected.txt"]
        .into_iter()
        .find(|n| case_dir.join(n).exists())
        .unwrap_or(if words.contains(&"--json") {
            "expected.json"
        } else if words.contains(&"--bump") {
            "expected.txt"
        } else {
            "expected.md"
        });
    check(&case_dir.join(name), &stdout);
    check(&case_dir.join("expected.stderr"), &text(&out.stderr));
    let exit =
        std::fs::read_to_string(case_dir.join("EXIT")).map_or(0, |s| s.trim().parse().unwrap());
    assert_eq!(out.status.code(), Some(exit), "{case}: exit status");
}

macro_rules! cases {
    ($($name:ident => $dir:literal,)*) => {
        $(#[test] fn $name() { run_case($dir); })*
    };
}

cases! {
    conventional_commits_sections_links_specs => "conventional",
    conventional_commits_json => "conventional-json",
    stable_release_skips_pre_releases => "prerelease",
    pre_release_compares_with_pre_releases => "prerelease-rc",
    previous_tag_by_semver_not_date => "semver-order",
    monorepo_tag_prefix => "prefix",
    first_release_without_tags => "no-tags",
    bump_counts_pre_release_channel => "bump-pre",
    links_from_origin_remote => "origin-links",
    downloads_from_checksum_manifest => "downloads",
    downloads_with_a_latin1_name => "downloads-latin1",
    signed_manifest_gets_verify_hints => "downloads-signed",
    configured_sections_and_spec_patterns => "config",
    odd_messages_are_counted_not_dropped => "odd-messages",
}

#[test]
fn help_has_examples_and_exit_codes() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    assert!(help.contains("Examples:\n  notes-gen "), "{help}");
    assert!(help.contains("Exit status:"), "{help}");
}

#[test]
fn invalid_option_is_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = notes_gen(dir.path(), &["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: unexpected argument '--no-such-flag' found\n"),
        "{}",
        text(&out.stderr)
    );
    // The channel is checked before the repository is opened.
    let out = notes_gen(dir.path(), &["--pre", "rc.1"]);
    assert_eq!(
        (out.status.code(), text(&out.stderr).as_str()),
        (
            Some(2),
            "notes-gen: --pre \"rc.1\": a channel is letters, digits and `-` (e.g. rc, beta, alpha)\n"
        )
    );
}

#[test]
fn not_a_repository_and_bad_refs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = notes_gen(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a git repository"));
    clean("git", dir.path())
        .args(["init", "-q"])
        .status()
        .unwrap();
    let out = notes_gen(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "notes-gen: .: the repository has no commits yet; there is nothing to release\n"
    );
    let repo = build_repo("prerelease");
    let out = notes_gen(repo.path(), &["--to", "v9.9.9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("notes-gen: --to v9.9.9: not a commit in this repository")
    );
    std::fs::write(repo.path().join("bad.toml"), "section = 3\n").unwrap();
    let out = notes_gen(repo.path(), &["--config", "bad.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("notes-gen: bad.toml: "));
}

#[test]
fn shallow_clone_is_refused_with_the_fix() {
    let origin = build_repo("prerelease");
    let parent = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    let out = clean("git", parent.path())
        .args(["clone", "-q", "--depth", "1", &url, "shallow"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let clone = parent.path().join("shallow");
    let out = notes_gen(&clone, &[]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr),
        format!(
            "notes-gen: {}/: the repository is a shallow clone, so the notes would silently miss commits and tags; fetch the whole history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow --tags`)\n",
            clone.display()
        )
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn strict_fails_on_non_conventional_commits() {
    let repo = build_repo("no-tags");
    let out = notes_gen(repo.path(), &["--strict", "--bump"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "0.1.0\n");
    let repo = build_repo("prerelease");
    assert_eq!(notes_gen(repo.path(), &["--strict"]).status.code(), Some(0));
}

#[test]
fn changelog_insertion_is_idempotent() {
    let repo = build_repo("prerelease");
    let args = [
        "--repo",
        "acme/widgets",
        "--changelog",
        "CHANGELOG.md",
        "-o",
        "notes.md",
    ];
    let first = notes_gen(
        repo.path(),
        &["--to", "v1.0.0"]
            .iter()
            .chain(&args)
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(first.stdout.is_empty());
    for _ in 0..2 {
        let out = notes_gen(repo.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let changelog = std::fs::read_to_string(repo.path().join("CHANGELOG.md")).unwrap();
    check(&fixtures().join("CHANGELOG.expected.md"), &changelog);
    let notes = std::fs::read_to_string(repo.path().join("notes.md")).unwrap();
    assert!(notes.starts_with("## v1.1.0 (2024-01-07)\n"), "{notes}");
}

#[test]
fn actions_outputs_summary_and_github_ref() {
    let repo = build_repo("prerelease");
    let dir = repo.path();
    let out = clean(BIN, dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REF", "refs/tags/v1.1.0-rc.2")
        .env("GITHUB_REPOSITORY", "acme/widgets")
        .env("GITHUB_OUTPUT", dir.join("out"))
        .env("GITHUB_STEP_SUMMARY", dir.join("summary"))
        .env("RUNNER_TEMP", dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let notes = std::fs::read_to_string(dir.join("release-notes.md")).unwrap();
    assert_eq!(text(&out.stdout), notes);
    assert_eq!(std::fs::read_to_string(dir.join("summary")).unwrap(), notes);
    assert_eq!(
        std::fs::read_to_string(dir.join("out")).unwrap(),
        format!(
            "notes-file={}\nversion=1.1.0-rc.2\nnext-version=1.1.0\nprevious-tag=v1.1.0-rc.1\ntag=v1.1.0-rc.2\n",
            dir.join("release-notes.md").display()
        )
    );
}

#[test]
fn multicall_runs_notes_gen() {
    let repo = build_repo("bump-pre");
    let relkit = env!("CARGO_BIN_EXE_relkit");
    let out = clean(relkit, repo.path())
        .args(["notes-gen", "--bump"])
        .output()
        .unwrap();
    assert_eq!(
        (out.status.code(), text(&out.stdout).as_str()),
        (Some(0), "1.3.0\n")
    );
}

#[test]
fn action_end_to_end_with_shell_injection_attempts() {
    let repo = build_repo("prerelease");
    let result = harness::Action::load("actions/notes-gen")
        .input("to", "v1.1.0")
        .input("changelog", "CHANGELOG.md")
        .workspace(repo.path())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    let notes_file = result.runner_temp.join("release-notes.md");
    let expected: Vec<(&str, String)> = vec![
        ("next-version", "1.1.0".into()),
        ("notes-file", notes_file.display().to_string()),
        ("previous-tag", "v1.0.0".into()),
        ("tag", "v1.1.0".into()),
        ("version", "1.1.0".into()),
    ];
    let outputs: Vec<(&str, String)> = result
        .outputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    assert_eq!(outputs, expected);
    let direct = notes_gen(
        repo.path(),
        &["--to", "v1.1.0", "--repo", "octo-org/octo-repo"],
    );
    let notes = std::fs::read_to_string(&notes_file).unwrap();
    assert_eq!(notes, text(&direct.stdout));
    assert_eq!(result.summary, notes);
    assert!(
        result.step("run").stderr.contains("chosen  v1.0.0"),
        "{result}"
    );
    assert!(repo.path().join("CHANGELOG.md").exists());

    // Inputs are data, never shell code.
    for injection in ["$(touch pwned)", "\"; rm -rf ~ #"] {
        let result = harness::Action::load("actions/notes-gen")
            .input("tag", injection)
            .input("to", "HEAD~1")
            .workspace(repo.path())
            .run()
            .unwrap();
        assert!(result.success, "{result}");
        assert_eq!(result.outputs["tag"], injection);
        assert!(!repo.path().join("pwned").exists());
        assert!(result.home.exists());
    }
}

#[test]
fn output_to_a_device_writes_through_it() {
    // Renaming a temporary file over /dev/null would replace the device (as root).
    let repo = build_repo("bump-pre");
    let out = notes_gen(repo.path(), &["-o", "/dev/null"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(!meta.is_file(), "/dev/null became a regular file");
    assert!(out.stdout.is_empty());
}

#[test]
fn bump_refuses_outputs_it_would_not_write() {
    // `--bump` prints only the next version: a notes file or changelog asked for alongside it is
    // a usage error, not silently skipped.
    let dir = tempfile::tempdir().unwrap();
    for extra in [["-o", "NOTES.md"], ["--changelog", "CHANGELOG.md"]] {
        let mut args = vec!["--bump"];
        args.extend(extra);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_notes-gen"))
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: the argument '--bump' cannot be used with '"),
            "{stderr}"
        );
        assert!(!dir.path().join(extra[1]).exists());
    }
}
