//! Black-box tests of the `checksum` binary, with the real GNU coreutils, perl `shasum` and
//! `openssl` on this machine for interop both ways, and `actions/checksum` end to end through
//! the harness.

mod harness;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pretty_assertions::assert_eq;

const BIN: &str = env!("CARGO_BIN_EXE_checksum");

/// What a process did.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, program: &str, args: &[&str]) -> Out {
    run_env(dir, program, args, &[])
}

fn run_env(dir: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) -> Out {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CHECKSUM_ALGORITHM")
        .env_remove("CHECKSUM_BASE")
        .env_remove("RELKIT_JSON")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn checksum(dir: &Path, args: &[&str]) -> Out {
    run_in(dir, BIN, args)
}

/// Files whose names exercise every escaping rule, with fixed contents.
const FILES: &[(&str, &str)] = &[
    ("a.txt", "hello\n"),
    ("with space.bin", "spaces\n"),
    ("ünïcödé.txt", "unicode\n"),
    ("back\\slash.txt", "backslash\n"),
    ("new\nline.txt", "newline\n"),
    ("sub/dir/nested.tar.gz", "nested\n"),
];

/// The names of [`FILES`] in byte order, as GNU `sort` sorts them with `LC_ALL=C`.
fn sorted_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
    names.sort();
    names
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in FILES {
        let p = dir.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    dir
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, content).unwrap();
    p
}

/// The GNU tool's own output over the same files, in sorted order.
fn gnu(dir: &Path, tool: &str, extra: &[&str]) -> String {
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(sorted_names());
    let out = run_in(dir, tool, &args);
    assert_eq!(out.code, 0, "{tool}: {}", out.stderr);
    out.stdout
}

#[test]
fn help_has_examples_and_exit_codes() {
    let out = checksum(Path::new("."), &["--help"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("\nExamples:\n  checksum dist/"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Exit status:\n  0  success"),
        "{}",
        out.stdout
    );
}

#[test]
fn invalid_options_exit_2() {
    let out = checksum(Path::new("."), &["--no-such-flag"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--no-such-flag"), "{}", out.stderr);
    let out = checksum(Path::new("."), &["--check", "--merge", "x"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = checksum(Path::new("."), &["--check"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "checksum: no manifest given; pass the manifest(s) to read\n"
        )
    );
}

#[test]
fn manifests_are_byte_identical_to_gnu_and_deterministic() {
    let dir = tree();
    for (algo, tool) in [
        ("sha256", "sha256sum"),
        ("sha384", "sha384sum"),
        ("sha512", "sha512sum"),
    ] {
        let ours = checksum(dir.path(), &["-a", algo, "."]);
        assert_eq!(ours.code, 0, "{}", ours.stderr);
        assert_eq!(ours.stdout, gnu(dir.path(), tool, &[]), "{algo}");
        let tagged = checksum(dir.path(), &["-a", algo, "--tag", "."]);
        assert_eq!(
            tagged.stdout,
            gnu(dir.path(), tool, &["--tag"]),
            "{algo} --tag"
        );
        let again = checksum(dir.path(), &["-a", algo, "."]);
        assert_eq!(again.stdout, ours.stdout, "two runs differ");
    }
}

#[test]
fn written_manifests_pass_gnu_check_and_never_list_themselves() {
    for (algo, tool, file) in [
        ("sha256", "sha256sum", "SHA256SUMS"),
        ("sha512", "sha512sum", "SHA512SUMS"),
    ] {
        let dir = tree();
        // Twice: the second run sees the first manifest in the directory and must skip it.
        for _ in 0..2 {
            let out = checksum(dir.path(), &["-a", algo, "-o", file, "."]);
            assert_eq!(
                (out.code, out.stdout.as_str(), out.stderr),
                (
                    0,
                    "",
                    format!("checksum: wrote 6 {algo} checksums to {file}\n")
                )
            );
        }
        let manifest = fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(!manifest.contains(file), "{manifest}");
        let check = run_in(dir.path(), tool, &["--strict", "-c", file]);
        assert_eq!(check.code, 0, "{}", check.stderr);
        assert_eq!(
            check.stdout,
            "a.txt: OK\nback\\slash.txt: OK\n\\new\\nline.txt: OK\nsub/dir/nested.tar.gz: OK\nwith space.bin: OK\nünïcödé.txt: OK\n"
        );
    }
}

#[test]
fn names_are_relative_to_base_without_dot_slash() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "dist/b.zip", "b");
    write(dir.path(), "dist/a.tar.gz", "a");
    let out = checksum(dir.path(), &["--base", "dist", "./dist/"]);
    let gnu = run_in(
        &dir.path().join("dist"),
        "sha256sum",
        &["a.tar.gz", "b.zip"],
    );
    assert_eq!(out.stdout, gnu.stdout);
    let out = checksum(dir.path(), &["dist/*.zip", "dist/a.tar.gz"]);
    let gnu = run_in(dir.path(), "sha256sum", &["dist/a.tar.gz", "dist/b.zip"]);
    assert_eq!(out.stdout, gnu.stdout);
    let outside = checksum(
        &dir.path().join("dist"),
        &["--base", ".", "../dist/a.tar.gz", "/etc/hostname"],
    );
    assert_eq!(outside.code, 2);
    assert!(
        outside
            .stderr
            .contains("/etc/hostname: not under the base directory"),
        "{}",
        outside.stderr
    );
}

#[test]
fn manifests_written_by_gnu_shasum_and_openssl_pass_check() {
    let dir = tree();
    let names = sorted_names();
    let expected = "a.txt: OK\nback\\slash.txt: OK\n\\new\\nline.txt: OK\nsub/dir/nested.tar.gz: OK\nwith space.bin: OK\nünïcödé.txt: OK\n";
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("sha256sum", vec![]),
        ("sha256sum", vec!["-b"]),
        ("sha256sum", vec!["--tag"]),
        ("sha384sum", vec!["--tag"]),
        ("sha512sum", vec![]),
        ("shasum", vec!["-a", "256"]),
        ("shasum", vec!["-a", "512", "-b"]),
    ];
    for (tool, flags) in cases {
        let manifest = gnu(dir.path(), tool, &flags);
        fs::write(dir.path().join("M"), &manifest).unwrap();
        let out = checksum(dir.path(), &["--check", "--strict", "M"]);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (0, expected),
            "{tool} {flags:?}: {manifest}\n{}",
            out.stderr
        );
    }
    // openssl cannot escape names, so only the plain ones.
    let plain: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !n.contains(['\\', '\n']))
        .collect();
    for flags in [vec!["dgst", "-sha256", "-r"], vec!["dgst", "-sha512"]] {
        let mut args = flags.clone();
        args.extend(&plain);
        let manifest = run_in(dir.path(), "openssl", &args).stdout;
        fs::write(dir.path().join("M"), &manifest).unwrap();
        let out = checksum(dir.path(), &["--check", "M"]);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (
                0,
                "a.txt: OK\nsub/dir/nested.tar.gz: OK\nwith space.bin: OK\nünïcödé.txt: OK\n"
            ),
            "openssl {flags:?}: {manifest}\n{}",
            out.stderr
        );
    }
}

#[test]
fn recorded_fixtures_of_other_tools_verify() {
    // Manifests recorded from real tools (see tests/fixtures/checksum/interop/COMMAND), so a CI
    // machine with other tool versions still checks the formats they once wrote.
    // `--strict` and the whole report: a line we failed to read would otherwise only warn.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checksum/interop");
    let dir = tree();
    let all = "a.txt: OK\nback\\slash.txt: OK\n\\new\\nline.txt: OK\nsub/dir/nested.tar.gz: OK\nwith space.bin: OK\nünïcödé.txt: OK\n";
    // openssl cannot escape names, so its fixtures hold only the plain ones.
    let plain = "a.txt: OK\nsub/dir/nested.tar.gz: OK\nwith space.bin: OK\nünïcödé.txt: OK\n";
    let mut checked = Vec::new();
    for entry in fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name == "COMMAND" {
            continue;
        }
        let out = checksum(dir.path(), &["--check", "--strict", path.to_str().unwrap()]);
        let expected = if name.starts_with("openssl") {
            plain
        } else {
            all
        };
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, expected, ""),
            "{name}"
        );
        checked.push(name);
    }
    checked.sort();
    assert_eq!(
        checked,
        [
            "openssl-dgst-r.txt",
            "openssl-dgst.txt",
            "sha256sum-b.txt",
            "sha256sum-tag.txt",
            "sha256sum.txt",
            "sha384sum-tag.txt",
            "sha512sum.txt",
            "shasum-256.txt",
            "shasum-512-b.txt"
        ]
    );
}

#[test]
fn tampering_truncating_and_deleting_fail_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.bin", "original content");
    write(dir.path(), "b.bin", "other content");
    write(dir.path(), "c.bin", "third");
    assert_eq!(checksum(dir.path(), &["-o", "SHA256SUMS", "."]).code, 0);
    write(dir.path(), "a.bin", "original contenT");
    write(dir.path(), "b.bin", "other");
    fs::remove_file(dir.path().join("c.bin")).unwrap();
    let out = checksum(dir.path(), &["-c", "SHA256SUMS"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "a.bin: FAILED\nb.bin: FAILED\nc.bin: MISSING\n");
    assert_eq!(
        out.stderr,
        "checksum: WARNING: 1 listed file is missing\nchecksum: WARNING: 2 computed checksums did NOT match\n"
    );
    let gnu = run_in(dir.path(), "sha256sum", &["-c", "SHA256SUMS"]);
    assert_eq!(gnu.code, 1, "GNU agrees");

    let quiet = checksum(
        dir.path(),
        &["-c", "--quiet", "--ignore-missing", "SHA256SUMS"],
    );
    assert_eq!(
        (quiet.code, quiet.stdout.as_str()),
        (1, "a.bin: FAILED\nb.bin: FAILED\n")
    );
    let status = checksum(dir.path(), &["-c", "--status", "SHA256SUMS"]);
    assert_eq!(
        (status.code, status.stdout.as_str(), status.stderr.as_str()),
        (1, "", "")
    );
}

#[test]
fn ignore_missing_with_nothing_verified_fails() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", "a");
    assert_eq!(checksum(dir.path(), &["-o", "SUMS", "a"]).code, 0);
    let ok = checksum(dir.path(), &["-c", "--ignore-missing", "SUMS"]);
    assert_eq!((ok.code, ok.stdout.as_str()), (0, "a: OK\n"));
    fs::remove_file(dir.path().join("a")).unwrap();
    let out = checksum(dir.path(), &["-c", "--ignore-missing", "SUMS"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            1,
            "",
            "checksum: SUMS: no file was verified (all listed files are missing)\n"
        )
    );
}

#[test]
fn malformed_lines_warn_or_fail_with_strict() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", "a");
    let good = checksum(dir.path(), &["a"]).stdout;
    write(dir.path(), "SUMS", &format!("{good}not a checksum\n"));
    let out = checksum(dir.path(), &["-c", "SUMS"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "a: OK\n"));
    assert_eq!(
        out.stderr,
        "warning: SUMS:2: skipping malformed line: not a checksum line (expected `<hex>  <name>` or `SHA256 (<name>) = <hex>`)\n\
         checksum: WARNING: 1 line is improperly formatted\n"
    );
    let strict = checksum(dir.path(), &["-c", "--strict", "SUMS"]);
    assert_eq!(strict.code, 2);
    assert_eq!(
        strict.stderr,
        "checksum: SUMS:2: malformed checksum line: not a checksum line (expected `<hex>  <name>` or `SHA256 (<name>) = <hex>`)\n"
    );
    write(dir.path(), "JUNK", "<html>\n</html>\n");
    let junk = checksum(dir.path(), &["-c", "--status", "JUNK"]);
    assert_eq!(junk.code, 2);
    assert!(junk.stderr.ends_with("checksum: JUNK: no properly formatted checksum lines found; is it a checksum manifest?\n"), "{}", junk.stderr);
    let missing = checksum(dir.path(), &["-c", "NOPE"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.starts_with("checksum: NOPE: cannot read:"),
        "{}",
        missing.stderr
    );
}

#[test]
fn crlf_and_bom_manifests_verify_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a b", "a");
    let good = checksum(dir.path(), &["a b"]).stdout;
    write(
        dir.path(),
        "SUMS",
        &format!("\u{feff}# made on Windows\r\n{}\r\n", good.trim_end()),
    );
    let out = checksum(dir.path(), &["-c", "--strict", "SUMS"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "a b: OK\n"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr,
        "warning: SUMS: the UTF-8 byte order mark is ignored (older sha256sum and shasum reject it)\n"
    );
}

#[test]
fn path_traversal_lines_are_refused() {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "secret", "top secret");
    write(root.path(), "work/a", "a");
    let work = root.path().join("work");
    let secret = checksum(root.path(), &["secret"]).stdout;
    let digest = &secret[..64];
    write(
        &work,
        "SUMS",
        &format!("{digest}  ../secret\n{digest}  /etc/shadow\n"),
    );
    let out = checksum(&work, &["-c", "SUMS"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "checksum: SUMS:1: refusing \"../secret\": the name is absolute or leaves the base directory; pass --allow-outside if the manifest is trusted\n\
         checksum: SUMS:2: refusing \"/etc/shadow\": the name is absolute or leaves the base directory; pass --allow-outside if the manifest is trusted\n"
    );
    write(&work, "SUMS", &format!("{digest}  ../secret\n"));
    let allowed = checksum(&work, &["-c", "--allow-outside", "SUMS"]);
    assert_eq!(
        (allowed.code, allowed.stdout.as_str()),
        (0, "../secret: OK\n")
    );
}

#[test]
fn zero_files_and_unreadable_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("empty")).unwrap();
    let none = checksum(dir.path(), &["dist/*.tar.gz"]);
    assert_eq!(none.code, 2);
    assert_eq!(none.stdout, "");
    let empty = checksum(dir.path(), &["empty"]);
    assert_eq!(empty.code, 2);
    assert!(
        empty.stderr.contains("no files to hash"),
        "{}",
        empty.stderr
    );
    #[cfg(unix)]
    {
        write(dir.path(), "ok", "ok");
        std::os::unix::fs::symlink("gone", dir.path().join("dangling")).unwrap();
        let out = checksum(dir.path(), &["-o", "SUMS", "ok", "dangling"]);
        assert_eq!(out.code, 2);
        assert_eq!(
            out.stderr,
            "checksum: dangling: cannot read: No such file or directory (os error 2)\n"
        );
        assert!(!dir.path().join("SUMS").exists(), "no manifest with holes");
    }
}

#[test]
fn unwritable_output_is_an_environment_failure() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", "a");
    let out = checksum(dir.path(), &["-o", "no/such/dir/SUMS", "a"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("checksum: no/such/dir/SUMS: cannot write:"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unwritable_step_output_is_an_environment_failure() {
    // A later step reads `manifest`, `count` and `digests`: not writing them is exit 3, never a
    // warning and a green step. The manifest itself is written first.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", "a");
    let env: [(&str, &Path); 2] = [
        ("GITHUB_ACTIONS", Path::new("true")),
        ("GITHUB_OUTPUT", dir.path()),
    ];
    let out = run_env(dir.path(), BIN, &["-o", "SUMS", "a"], &env);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "::error title=checksum::$GITHUB_OUTPUT ({}): cannot write: Is a directory (os error 21)\n",
            dir.path().display()
        )
    );
    assert!(dir.path().join("SUMS").exists());
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_only_when_named_or_with_follow() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "outside/target", "t");
    write(dir.path(), "dist/a", "a");
    std::os::unix::fs::symlink("../outside/target", dir.path().join("dist/link")).unwrap();
    let walked = checksum(dir.path(), &["--base", "dist", "dist"]);
    assert_eq!(walked.stdout.lines().count(), 1, "{}", walked.stdout);
    assert_eq!(
        walked.stderr,
        "notice: skipped dist/link: symbolic link not followed while walking (pass --follow, or name the file explicitly)\n"
    );
    let followed = checksum(dir.path(), &["--base", "dist", "--follow", "dist"]);
    assert_eq!(followed.stdout.lines().count(), 2, "{}", followed.stdout);
    let named = checksum(dir.path(), &["--base", "dist", "dist/link"]);
    assert!(named.stdout.ends_with("  link\n"), "{}", named.stdout);
}

#[test]
fn sidecars_hold_a_full_line_that_gnu_verifies() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "dist/app-1.0.tar.gz", "tarball");
    write(dir.path(), "dist/sub/app.zip", "zip");
    for _ in 0..2 {
        let out = checksum(
            dir.path(),
            &[
                "--sidecar",
                "--base",
                "dist",
                "-o",
                "dist/SHA256SUMS",
                "dist",
            ],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let manifest = fs::read_to_string(dir.path().join("dist/SHA256SUMS")).unwrap();
    assert_eq!(
        manifest.lines().count(),
        2,
        "sidecars are not listed: {manifest}"
    );
    let sidecar = fs::read_to_string(dir.path().join("dist/sub/app.zip.sha256")).unwrap();
    let gnu = run_in(&dir.path().join("dist/sub"), "sha256sum", &["app.zip"]).stdout;
    assert_eq!(sidecar, gnu);
    let check = run_in(
        &dir.path().join("dist/sub"),
        "sha256sum",
        &["-c", "app.zip.sha256"],
    );
    assert_eq!((check.code, check.stdout.as_str()), (0, "app.zip: OK\n"));
}

#[test]
fn merge_collapses_duplicates_and_refuses_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "linux/app-linux.tar.gz", "linux");
    write(dir.path(), "mac/app-macos.tar.gz", "mac");
    write(dir.path(), "linux/README", "same");
    write(dir.path(), "mac/README", "same");
    assert_eq!(
        checksum(
            dir.path(),
            &["--base", "linux", "-o", "linux.sums", "linux"]
        )
        .code,
        0
    );
    assert_eq!(
        checksum(
            dir.path(),
            &["--base", "mac", "-o", "mac.sums", "mac", "--tag"]
        )
        .code,
        0
    );
    let out = checksum(
        dir.path(),
        &["--merge", "mac.sums", "linux.sums", "-o", "SHA256SUMS"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let merged = fs::read_to_string(dir.path().join("SHA256SUMS")).unwrap();
    let expected = run_in(dir.path(), "sh", &["-c", "cd linux && sha256sum README app-linux.tar.gz && cd ../mac && sha256sum app-macos.tar.gz"]).stdout;
    assert_eq!(merged, expected);

    write(dir.path(), "mac/README", "different");
    assert_eq!(
        checksum(dir.path(), &["--base", "mac", "-o", "mac.sums", "mac"]).code,
        0
    );
    let conflict = checksum(
        dir.path(),
        &["--merge", "linux.sums", "mac.sums", "-o", "OUT"],
    );
    assert_eq!(conflict.code, 2);
    let linux_readme = &fs::read_to_string(dir.path().join("linux.sums")).unwrap()[..64];
    let mac_readme = &fs::read_to_string(dir.path().join("mac.sums")).unwrap()[..64];
    assert_eq!(
        conflict.stderr,
        format!("checksum: README: conflicting digests: linux.sums:1 has {linux_readme}, mac.sums:1 has {mac_readme}; the builds produced different files under one name\n")
    );
    assert!(!dir.path().join("OUT").exists());
}

#[test]
fn lint_reports_what_breaks_other_verifiers() {
    let dir = tempfile::tempdir().unwrap();
    let h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    write(
        dir.path(),
        "BAD",
        &format!("{h}  ./dist/b.zip\r\n{h} dist/a.zip\r\n{h}  dist/a.zip\r\n"),
    );
    let out = checksum(dir.path(), &["--lint", "BAD"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "BAD:1: crlf: 3 line(s) end in CRLF, which older sha256sum and perl shasum reject; write LF line endings\n\
         BAD:1: dot-slash: ./dist/b.zip: the `./` prefix does not match names of downloaded files; drop it\n\
         BAD:2: one-space: one space between digest and name; perl shasum rejects it; use two spaces (`<hex>  <name>`)\n\
         BAD:3: duplicate: dist/a.zip: listed again (first on line 2)\n"
    );
    write(dir.path(), "GOOD", &format!("{h}  a.zip\n{h}  b.zip\n"));
    let ok = checksum(dir.path(), &["--lint", "GOOD"]);
    assert_eq!(
        (ok.code, ok.stdout.as_str()),
        (0, "GOOD: OK, no problems found\n")
    );
    let json = checksum(dir.path(), &["--lint", "--json", "BAD"]);
    assert_eq!(json.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    // The same findings as the text report, which gives each one's message.
    let findings: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| {
            let (place, rest) = l.split_once(": ").unwrap();
            let (kind, message) = rest.split_once(": ").unwrap();
            let line: u64 = place.strip_prefix("BAD:").unwrap().parse().unwrap();
            serde_json::json!({"line": line, "kind": kind, "message": message})
        })
        .collect();
    assert_eq!(
        doc,
        serde_json::json!([{"manifest": "BAD", "lines": 3, "findings": findings}])
    );
}

#[test]
fn json_documents_describe_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", "abc");
    let out = checksum(dir.path(), &["--json", "-o", "SUMS", "a"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({
            "algorithm": "sha256",
            "manifest": "SUMS",
            "count": 1,
            "files": [{"name": "a", "path": "a", "size": 3,
                       "digest": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}],
            "skipped": []
        })
    );
    let check = checksum(dir.path(), &["--check", "--json", "SUMS"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let doc: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(
        doc,
        serde_json::json!({
            "manifests": ["SUMS"],
            "results": [{"manifest": "SUMS", "line": 1, "name": "a", "algorithm": "sha256",
                         "status": "ok", "expected": abc, "actual": abc}],
            "counts": {"ok": 1, "failed": 0, "missing": 0, "unreadable": 0, "malformed": 0}
        })
    );
}

#[test]
fn inside_actions_outputs_summary_and_annotations_are_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.zip", "abc");
    write(dir.path(), "b.zip", "b");
    let output = dir.path().join("gh-output");
    let summary = dir.path().join("gh-summary");
    let env = [
        ("GITHUB_ACTIONS", Path::new("true")),
        ("GITHUB_OUTPUT", output.as_path()),
        ("GITHUB_STEP_SUMMARY", summary.as_path()),
    ];
    let out = run_env(
        dir.path(),
        BIN,
        &["-o", "SHA256SUMS", "a.zip", "b.zip"],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let outputs = fs::read_to_string(&output).unwrap();
    let b = checksum(dir.path(), &["b.zip"]).stdout[..64].to_string();
    let a = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(
        outputs,
        format!("manifest=SHA256SUMS\ncount=2\ndigests={{\"a.zip\":\"{a}\",\"b.zip\":\"{b}\"}}\n")
    );
    assert_eq!(
        fs::read_to_string(&summary).unwrap(),
        format!("### Checksums: `SHA256SUMS` (2 files)\n\n| File | Size | SHA256 |\n| --- | ---: | --- |\n| a.zip | 3 B | `{a}` |\n| b.zip | 1 B | `{b}` |\n")
    );
    write(dir.path(), "b.zip", "tampered");
    let check = run_env(dir.path(), BIN, &["-c", "SHA256SUMS"], &env);
    assert_eq!(check.code, 1);
    let tampered = checksum(dir.path(), &["b.zip"]).stdout[..64].to_string();
    assert_eq!(
        check.stderr,
        format!("checksum: WARNING: 1 computed checksum did NOT match\n::error title=checksum,file=SHA256SUMS,line=2::b.zip: sha256 checksum mismatch: expected {b}, got {tampered}\n")
    );
}

#[test]
fn relkit_multicall_runs_checksum() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", "abc");
    let out = run_in(dir.path(), env!("CARGO_BIN_EXE_relkit"), &["checksum", "a"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            0,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a\n"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// actions/checksum, end to end
// ---------------------------------------------------------------------------------------------

fn action() -> harness::Action {
    harness::Action::load("actions/checksum")
}

#[test]
fn action_creates_then_verifies_with_outputs_summary_and_annotations() {
    let ws = tempfile::tempdir().unwrap();
    write(ws.path(), "dist/app.tar.gz", "abc");
    write(ws.path(), "dist/app.zip", "zip");
    let created = action()
        .input("paths", "dist/")
        .input("base", "dist")
        .input("sidecar", "true")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(created.success, "{created}");
    let gnu = run_in(
        &ws.path().join("dist"),
        "sha256sum",
        &["app.tar.gz", "app.zip"],
    )
    .stdout;
    assert_eq!(
        fs::read_to_string(ws.path().join("SHA256SUMS")).unwrap(),
        gnu
    );
    let a = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let z = &gnu.lines().nth(1).unwrap()[..64];
    assert_eq!(created.outputs["manifest"], "SHA256SUMS");
    assert_eq!(created.outputs["count"], "2");
    assert_eq!(
        created.outputs["digests"],
        format!("{{\"app.tar.gz\":\"{a}\",\"app.zip\":\"{z}\"}}")
    );
    assert_eq!(
        created.summary,
        format!("### Checksums: `SHA256SUMS` (2 files)\n\n| File | Size | SHA256 |\n| --- | ---: | --- |\n| app.tar.gz | 3 B | `{a}` |\n| app.zip | 3 B | `{z}` |\n")
    );
    assert!(ws.path().join("dist/app.zip.sha256").exists());

    let ok = action()
        .input("check", "SHA256SUMS")
        .input("base", "dist")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(ok.success, "{ok}");
    assert_eq!(ok.step("run").stdout, "app.tar.gz: OK\napp.zip: OK\n");
    assert_eq!(ok.outputs["count"], "2");

    write(ws.path(), "dist/app.zip", "tampered");
    let bad = action()
        .input("check", "SHA256SUMS")
        .input("base", "dist")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(!bad.success);
    assert_eq!(bad.step("run").exit_code, Some(1));
    let errors: Vec<(Option<String>, Option<String>)> = bad
        .commands()
        .into_iter()
        .filter(|c| c.name == "error")
        .map(|c| {
            (
                c.properties.get("file").cloned(),
                c.properties.get("line").cloned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![(Some("SHA256SUMS".to_string()), Some("2".to_string()))]
    );
    assert!(
        bad.summary
            .contains("| app.zip | ❌ FAILED | SHA256SUMS:2 |"),
        "{}",
        bad.summary
    );
}

#[test]
fn action_merges_matrix_parts() {
    let ws = tempfile::tempdir().unwrap();
    let h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    write(
        ws.path(),
        "linux.sums",
        &format!("{h}  app-linux\n{h}  README\n"),
    );
    write(
        ws.path(),
        "mac.sums",
        &format!("{h}  README\n{h}  app-mac\n"),
    );
    let merged = action()
        .input("merge", "linux.sums\nmac.sums\n")
        .input("algorithm", "sha512")
        .input("output", "ALL")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(merged.success, "{merged}");
    assert_eq!(
        fs::read_to_string(ws.path().join("ALL")).unwrap(),
        format!("{h}  README\n{h}  app-linux\n{h}  app-mac\n")
    );
    assert_eq!(merged.outputs["count"], "3");
}

#[test]
fn action_inputs_are_data_not_shell() {
    let ws = tempfile::tempdir().unwrap();
    let nasty = [
        "$(touch pwned)",
        "`touch pwned`; touch pwned",
        "--output=/tmp/relkit-pwned",
    ];
    for name in nasty {
        write(ws.path(), name, "x");
    }
    let result = action()
        .input("paths", &nasty.join("\n"))
        .input("output", "$(touch pwned).sums")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert!(!ws.path().join("pwned").exists(), "an input ran as shell");
    let manifest = fs::read_to_string(ws.path().join("$(touch pwned).sums")).unwrap();
    let names: Vec<&str> = manifest.lines().map(|l| &l[66..]).collect();
    assert_eq!(
        names,
        vec![
            "$(touch pwned)",
            "--output=/tmp/relkit-pwned",
            "`touch pwned`; touch pwned"
        ]
    );

    let refused = action()
        .input("sidecar", "yes")
        .input("paths", "x")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(!refused.success);
    assert_eq!(
        refused.errors(),
        vec!["input for --sidecar must be true or false, got 'yes'".to_string()]
    );
}

#[test]
fn manifests_can_come_from_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", "abc");
    let manifest = checksum(dir.path(), &["a"]).stdout;
    let mut child = Command::new(BIN)
        .args(["--check", "-"])
        .current_dir(dir.path())
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(manifest.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "a: OK\n");
}
