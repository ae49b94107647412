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

/// `program args…` in `dir` with a clean checksum environment (plus `env`), `LC_ALL=C`.
fn command<A: AsRef<std::ffi::OsStr>>(
    dir: &Path,
    program: &str,
    args: &[A],
    env: &[(&str, &Path)],
) -> Command {
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
    cmd
}

fn run_env(dir: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) -> Out {
    let out = command(dir, program, args, env).output().unwrap();
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

/// Issue 13 §4: names that are not UTF-8 (Latin-1), as GNU `sha256sum` writes and reads them:
/// byte for byte in manifests, escaped losslessly (and warned about) only in text outputs.
#[cfg(unix)]
mod not_utf8 {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::ffi::{OsStr, OsString};
    use std::os::unix::ffi::{OsStrExt, OsStringExt};

    /// Latin-1 names, one combined with each GNU escape (`\`, LF, CR), a Latin-1 directory, and
    /// UTF-8 names sorted among them.
    const FILES: &[(&[u8], &str)] = &[
        (b"caf\xe9.txt", "cafe\n"),
        (b"na\xefve/\xfcber.tar.gz", "nested\n"),
        (b"back\\sl\xe4sh.txt", "backslash\n"),
        (b"new\nl\xefne.txt", "newline\n"),
        (b"cr\r\xff.bin", "carriage return\n"),
        ("ünï.txt".as_bytes(), "utf8\n"),
        (b"plain.txt", "plain\n"),
    ];

    fn os(bytes: &[u8]) -> &OsStr {
        OsStr::from_bytes(bytes)
    }

    /// The names of [`FILES`] in byte order (`LC_ALL=C sort`).
    fn sorted() -> Vec<&'static [u8]> {
        let mut names: Vec<&[u8]> = FILES.iter().map(|(n, _)| *n).collect();
        names.sort();
        names
    }

    fn latin1_tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in FILES {
            let p = dir.path().join(os(name));
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, content).unwrap();
        }
        dir
    }

    /// What a process did, stdout as bytes.
    #[derive(Debug)]
    struct Raw {
        code: i32,
        stdout: Vec<u8>,
        stderr: String,
    }

    fn raw(dir: &Path, program: &str, args: &[&OsStr], env: &[(&str, &Path)]) -> Raw {
        let out = command(dir, program, args, env).output().unwrap();
        Raw {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ours(dir: &Path, args: &[&str]) -> Raw {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        raw(dir, BIN, &args, &[])
    }

    /// `tool extra… names…`, which must succeed.
    fn gnu(dir: &Path, tool: &str, extra: &[&str], names: &[&[u8]]) -> Vec<u8> {
        let mut args: Vec<&OsStr> = extra.iter().map(OsStr::new).collect();
        args.extend(names.iter().map(|n| os(n)));
        let out = raw(dir, tool, &args, &[]);
        assert_eq!(out.code, 0, "{tool}: {}", out.stderr);
        out.stdout
    }

    /// Bytes shown line by line with non-ASCII bytes as `\xNN`, so a failing comparison prints a
    /// readable diff of the whole output.
    fn lines(bytes: &[u8]) -> String {
        bytes
            .split(|&b| b == b'\n')
            .map(|l| l.escape_ascii().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// GNU `sha256sum -c`'s report for every file verifying: the name's bytes, as they are, but
    /// escaped with a leading `\` when it holds a newline.
    fn ok_lines(names: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for name in names {
            if name.contains(&b'\n') {
                out.push(b'\\');
                for &b in *name {
                    match b {
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        b => out.push(b),
                    }
                }
            } else {
                out.extend_from_slice(name);
            }
            out.extend_from_slice(b": OK\n");
        }
        out
    }

    #[test]
    fn relkit_writes_latin1_names_byte_for_byte_as_gnu_and_gnu_verifies_them() {
        let dir = latin1_tree();
        for (algo, tool, file) in [
            ("sha256", "sha256sum", "SHA256SUMS"),
            ("sha512", "sha512sum", "SHA512SUMS"),
        ] {
            let out = ours(dir.path(), &["-a", algo, "-o", file, "."]);
            assert_eq!(
                (out.code, out.stderr),
                (0, format!("checksum: wrote 7 {algo} checksums to {file}\n"))
            );
            let manifest = fs::read(dir.path().join(file)).unwrap();
            assert_eq!(
                lines(&manifest),
                lines(&gnu(dir.path(), tool, &[], &sorted()))
            );
            let check = raw(
                dir.path(),
                tool,
                &[os(b"--strict"), os(b"-c"), os(file.as_bytes())],
                &[],
            );
            assert_eq!((check.code, check.stderr.as_str()), (0, ""));
            assert_eq!(lines(&check.stdout), lines(&ok_lines(&sorted())));
            fs::remove_file(dir.path().join(file)).unwrap();
        }
        // --tag, and standard output, too.
        let tagged = ours(dir.path(), &["--tag", "."]);
        assert_eq!(tagged.code, 0, "{}", tagged.stderr);
        assert_eq!(
            lines(&tagged.stdout),
            lines(&gnu(dir.path(), "sha256sum", &["--tag"], &sorted()))
        );
    }

    #[test]
    fn gnu_written_latin1_manifests_verify_with_gnus_own_report() {
        let dir = latin1_tree();
        for extra in [&[][..], &["--tag"], &["-b"]] {
            let manifest = gnu(dir.path(), "sha256sum", extra, &sorted());
            fs::write(dir.path().join("SUMS"), &manifest).unwrap();
            let theirs = raw(dir.path(), "sha256sum", &[os(b"-c"), os(b"SUMS")], &[]);
            let mine = ours(dir.path(), &["--check", "--strict", "SUMS"]);
            assert_eq!((mine.code, mine.stderr.as_str()), (0, ""), "{extra:?}");
            assert_eq!(lines(&mine.stdout), lines(&theirs.stdout), "{extra:?}");
            assert_eq!(lines(&mine.stdout), lines(&ok_lines(&sorted())));
        }

        // A modified file is found, and reported by its raw name, as GNU reports it.
        let manifest = gnu(dir.path(), "sha256sum", &[], &sorted());
        fs::write(dir.path().join("SUMS"), &manifest).unwrap();
        fs::write(dir.path().join(os(b"caf\xe9.txt")), "tampered\n").unwrap();
        let theirs = raw(dir.path(), "sha256sum", &[os(b"-c"), os(b"SUMS")], &[]);
        let mine = ours(dir.path(), &["--check", "SUMS"]);
        assert_eq!(theirs.code, 1);
        assert_eq!(
            (mine.code, mine.stderr.as_str()),
            (1, "checksum: WARNING: 1 computed checksum did NOT match\n")
        );
        assert_eq!(lines(&mine.stdout), lines(&theirs.stdout));
        let quiet = ours(dir.path(), &["--check", "--quiet", "SUMS"]);
        assert_eq!(lines(&quiet.stdout), lines(b"caf\xe9.txt: FAILED\n"));

        // The file is found by its exact bytes: the same name in UTF-8 is another file.
        fs::remove_file(dir.path().join(os(b"caf\xe9.txt"))).unwrap();
        fs::write(dir.path().join("café.txt"), "cafe\n").unwrap();
        let mine = ours(dir.path(), &["--check", "--quiet", "SUMS"]);
        assert_eq!(
            (mine.code, lines(&mine.stdout)),
            (1, lines(b"caf\xe9.txt: MISSING\n"))
        );
    }

    #[test]
    fn json_escapes_latin1_names_losslessly_with_their_bytes_and_warns() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(os(b"caf\xe9\\x.txt")), "abc").unwrap();
        fs::write(dir.path().join("a.txt"), "abc").unwrap();
        std::os::unix::fs::symlink("a.txt", dir.path().join(os(b"l\xefnk"))).unwrap();
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let out = ours(dir.path(), &["--json", "-o", "SUMS", "."]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({
                "algorithm": "sha256",
                "manifest": "SUMS",
                "count": 2,
                "files": [
                    {"name": "a.txt", "path": "a.txt", "size": 3, "digest": abc},
                    {"name": "caf\\xe9\\\\x.txt", "name_hex": "636166e95c782e747874",
                     "path": "caf\\xe9\\\\x.txt", "path_hex": "636166e95c782e747874",
                     "size": 3, "digest": abc},
                ],
                "skipped": [{"path": "l\\xefnk", "path_hex": "6cef6e6b",
                             "reason": "symbolic link not followed while walking (pass --follow, or name the file explicitly)"}]
            })
        );
        let how = "it is shown escaped in the JSON report (\\xNN for each byte that is not UTF-8, \\\\ for a backslash), with its exact bytes as hex in the `_hex` field next to it; the manifest has its exact bytes";
        assert_eq!(
            out.stderr,
            format!("warning: l\\xefnk: the file name is not valid UTF-8; {how}\nwarning: caf\\xe9\\\\x.txt: the file name is not valid UTF-8; {how}\n")
        );
        // The manifest itself has the raw bytes.
        let mut want = format!("{abc}  a.txt\n\\{abc}  caf").into_bytes();
        want.extend_from_slice(b"\xe9\\\\x.txt\n");
        assert_eq!(
            lines(&fs::read(dir.path().join("SUMS")).unwrap()),
            lines(&want)
        );

        let check = ours(dir.path(), &["--check", "--json", "SUMS"]);
        assert_eq!(check.code, 0, "{}", check.stderr);
        let doc: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
        assert_eq!(
            doc["results"],
            serde_json::json!([
                {"manifest": "SUMS", "line": 1, "name": "a.txt", "algorithm": "sha256",
                 "status": "ok", "expected": abc, "actual": abc},
                {"manifest": "SUMS", "line": 2, "name": "caf\\xe9\\\\x.txt",
                 "name_hex": "636166e95c782e747874", "algorithm": "sha256",
                 "status": "ok", "expected": abc, "actual": abc},
            ])
        );
        assert_eq!(
            check.stderr,
            format!("warning: caf\\xe9\\\\x.txt: the file name is not valid UTF-8; {how}\n")
        );
        // `name_hex` is the exact bytes of the file on disk.
        let hex = doc["results"][1]["name_hex"].as_str().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert!(dir.path().join(OsString::from_vec(bytes)).is_file());
        // The scheme is documented where users look.
        let help = String::from_utf8(ours(dir.path(), &["--help"]).stdout).unwrap();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            help.contains(
                "each byte that is not UTF-8 as \\xNN and each \\ in such a name as \\\\"
            ) && help.contains("a sibling `<field>_hex` with the exact bytes as hex"),
            "{help}"
        );
    }

    #[test]
    fn inside_actions_latin1_names_are_escaped_in_outputs_and_summary_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(os(b"caf\xe9.zip")), "abc").unwrap();
        let output = dir.path().join("gh-output");
        let summary = dir.path().join("gh-summary");
        let env = [
            ("GITHUB_ACTIONS", Path::new("true")),
            ("GITHUB_OUTPUT", output.as_path()),
            ("GITHUB_STEP_SUMMARY", summary.as_path()),
        ];
        let out = raw(
            dir.path(),
            BIN,
            &[os(b"-o"), os(b"SHA256SUMS"), os(b"caf\xe9.zip")],
            &env,
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        let a = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(
            fs::read_to_string(&output).unwrap(),
            format!("manifest=SHA256SUMS\ncount=1\ndigests={{\"caf\\\\xe9.zip\":\"{a}\"}}\n")
        );
        assert_eq!(
            fs::read_to_string(&summary).unwrap(),
            format!("### Checksums: `SHA256SUMS` (1 files)\n\n| File | Size | SHA256 |\n| --- | ---: | --- |\n| caf\\xe9.zip | 3 B | `{a}` |\n")
        );
        assert_eq!(
            out.stderr,
            "::warning title=checksum::caf\\xe9.zip: the file name is not valid UTF-8; it is shown escaped in the job summary, step outputs and annotations (\\xNN for each byte that is not UTF-8, \\\\ for a backslash); the manifest has its exact bytes\n"
        );
        let mut want = format!("{a}  caf").into_bytes();
        want.extend_from_slice(b"\xe9.zip\n");
        assert_eq!(fs::read(dir.path().join("SHA256SUMS")).unwrap(), want);
    }

    #[test]
    fn latin1_sidecars_hold_the_raw_name_and_gnu_verifies_them() {
        let dir = latin1_tree();
        let out = raw(
            dir.path(),
            BIN,
            &[os(b"--sidecar"), os(b"na\xefve/\xfcber.tar.gz")],
            &[],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        let sub = dir.path().join(os(b"na\xefve"));
        let sidecar = fs::read(sub.join(os(b"\xfcber.tar.gz.sha256"))).unwrap();
        assert_eq!(
            lines(&sidecar),
            lines(&gnu(&sub, "sha256sum", &[], &[b"\xfcber.tar.gz"]))
        );
        let check = raw(
            &sub,
            "sha256sum",
            &[os(b"-c"), os(b"\xfcber.tar.gz.sha256")],
            &[],
        );
        assert_eq!(
            (check.code, lines(&check.stdout)),
            (0, lines(b"\xfcber.tar.gz: OK\n"))
        );
    }

    #[test]
    fn latin1_parts_merge_byte_for_byte_and_conflicts_name_them_escaped() {
        let dir = latin1_tree();
        let names = sorted();
        // Two matrix parts written by GNU, overlapping in one identical entry.
        fs::write(
            dir.path().join("p1"),
            gnu(dir.path(), "sha256sum", &[], &names[..4]),
        )
        .unwrap();
        fs::write(
            dir.path().join("p2"),
            gnu(dir.path(), "sha256sum", &[], &names[3..]),
        )
        .unwrap();
        let out = ours(dir.path(), &["--merge", "p2", "p1", "-o", "SHA256SUMS"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(
            lines(&fs::read(dir.path().join("SHA256SUMS")).unwrap()),
            lines(&gnu(dir.path(), "sha256sum", &[], &names))
        );
        let check = raw(
            dir.path(),
            "sha256sum",
            &[os(b"-c"), os(b"SHA256SUMS")],
            &[],
        );
        assert_eq!(check.code, 0, "{}", check.stderr);

        let json = ours(dir.path(), &["--merge", "--json", "p1"]);
        assert_eq!(json.code, 0, "{}", json.stderr);
        let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let keys: Vec<&str> = doc["digests"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            vec![
                "back\\\\sl\\xe4sh.txt",
                "caf\\xe9.txt",
                "cr\r\\xff.bin",
                "na\\xefve/\\xfcber.tar.gz"
            ]
        );
        let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            doc["names_hex"],
            serde_json::json!({
                "back\\\\sl\\xe4sh.txt": hex(b"back\\sl\xe4sh.txt"),
                "caf\\xe9.txt": hex(b"caf\xe9.txt"),
                "cr\r\\xff.bin": hex(b"cr\r\xff.bin"),
                "na\\xefve/\\xfcber.tar.gz": hex(b"na\xefve/\xfcber.tar.gz"),
            })
        );
        assert_eq!(
            json.stderr.matches("warning: ").count(),
            4,
            "{}",
            json.stderr
        );

        // The same Latin-1 name with another digest: the conflict names it, escaped.
        fs::write(dir.path().join(os(b"caf\xe9.txt")), "other\n").unwrap();
        fs::write(
            dir.path().join("p3"),
            gnu(dir.path(), "sha256sum", &[], &[b"caf\xe9.txt"]),
        )
        .unwrap();
        let conflict = ours(dir.path(), &["--merge", "p1", "p3"]);
        assert_eq!(conflict.code, 2);
        let digest = |part: &str, line: usize| {
            let text = fs::read(dir.path().join(part)).unwrap();
            let line = text.split(|&b| b == b'\n').nth(line - 1).unwrap().to_vec();
            String::from_utf8(line[..64].to_vec()).unwrap()
        };
        assert_eq!(
            conflict.stderr,
            format!(
                "checksum: caf\\xe9.txt: conflicting digests: p1:2 has {}, p3:1 has {}; the builds produced different files under one name\n",
                digest("p1", 2),
                digest("p3", 1)
            )
        );
    }

    #[test]
    fn lint_reads_latin1_names_and_says_they_cannot_be_release_assets() {
        let dir = latin1_tree();
        let names = sorted();
        fs::write(
            dir.path().join("SUMS"),
            gnu(dir.path(), "sha256sum", &[], &names),
        )
        .unwrap();
        let out = ours(dir.path(), &["--lint", "SUMS"]);
        let why = "the file name is not valid UTF-8 (Latin-1?); GNU sha256sum verifies it, but a GitHub release asset, macOS and Windows cannot have that name, so users cannot verify the download; rename the file to UTF-8";
        assert_eq!(
            (out.code, String::from_utf8(out.stdout).unwrap()),
            (
                1,
                format!(
                    "SUMS:1: not-utf8: back\\\\sl\\xe4sh.txt: {why}\n\
                     SUMS:2: not-utf8: caf\\xe9.txt: {why}\n\
                     SUMS:3: not-utf8: cr\r\\xff.bin: {why}\n\
                     SUMS:4: not-utf8: na\\xefve/\\xfcber.tar.gz: {why}\n\
                     SUMS:5: not-utf8: new\nl\\xefne.txt: {why}\n"
                )
            )
        );
        // Sorted in byte order, as GNU's `LC_ALL=C` glob gave it: no `unsorted` above; out of
        // order, it is found; no line is ever malformed.
        let reversed: [&[u8]; 2] = [b"caf\xe9.txt", b"back\\sl\xe4sh.txt"];
        fs::write(
            dir.path().join("REV"),
            gnu(dir.path(), "sha256sum", &[], &reversed),
        )
        .unwrap();
        let out = ours(dir.path(), &["--lint", "REV"]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("REV:2: unsorted: "), "{text}");
        assert!(!text.contains("malformed"), "{text}");
    }
}
