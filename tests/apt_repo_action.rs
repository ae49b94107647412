//! `actions/apt-repo` end to end through the action harness: real packages built with
//! `dpkg-deb`, a key made by GnuPG passed as the secret input, the step outputs and the files of
//! the repository, a re-run that changes nothing, and inputs that try to inject shell.
//! (The tool's own black-box tests are in tests/apt_repo.rs.)

mod gpg;
mod harness;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use gpg::{Gpg, Key};
use pretty_assertions::assert_eq;

fn action() -> harness::Action {
    harness::Action::load("actions/apt-repo")
}

/// Runs `cmd`, failing the test with its stderr unless it exits 0; returns its stdout.
fn ok(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Builds `dir/file` with `dpkg-deb --build --root-owner-group` from a staging tree holding one
/// documentation file.
fn deb(dir: &Path, file: &str, package: &str, version: &str, arch: &str) {
    let root = tempfile::tempdir().unwrap();
    let doc = root.path().join("usr/share/doc").join(package);
    fs::create_dir_all(&doc).unwrap();
    fs::write(doc.join("README"), format!("{package} {version}\n")).unwrap();
    fs::create_dir_all(root.path().join("DEBIAN")).unwrap();
    fs::write(
        root.path().join("DEBIAN/control"),
        format!(
            "Package: {package}\nVersion: {version}\nArchitecture: {arch}\n\
             Maintainer: Release Bot <bot@example.invalid>\nDescription: {package} for the action test\n \
             Built by tests/apt_repo_action.rs.\n"
        ),
    )
    .unwrap();
    let target = dir.join(file);
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    ok(Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(root.path())
        .arg(&target)
        .stdout(Stdio::null()));
}

/// An Ed25519 key made by `gpg --quick-gen-key` in `gpg`'s home, protected by `passphrase`.
fn ed25519_key(gpg: &Gpg, uid: &str, passphrase: &str) -> Key {
    gpg.gen(uid, "ed25519", "default", "never", passphrase, &[]);
    gpg.key(uid, passphrase)
}

/// Files under `dir`, relative, sorted (the repository's layout at a glance).
fn tree(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

const PASSPHRASE: &str = "apt repo pass";

#[test]
fn action_publishes_a_signed_repository_and_a_rerun_changes_nothing() {
    let gpg = Gpg::new();
    let key = ed25519_key(&gpg, "APT Action <apt-action@example.org>", PASSPHRASE);
    let ws = tempfile::tempdir().unwrap();
    // A file name that would run a command if the input reached the shell as code.
    let odd = "dist/hello $(touch pwned)_1.0.0_amd64.deb";
    deb(ws.path(), odd, "hello", "1.0.0", "amd64");
    deb(
        ws.path(),
        "dist/tools_2.1-1_all.deb",
        "tools",
        "2.1-1",
        "all",
    );
    let run = || {
        action()
            .input("packages", &format!("{odd}\ndist/tools_*.deb\n"))
            .input("repo", "site")
            .input("origin", "Octo Org")
            .input("url", "https://octo-org.github.io/tool")
            .input("name", "octo-tool")
            .input("signing-key", &key.secret)
            .input("signing-passphrase", PASSPHRASE)
            .workspace(ws.path())
            .run()
            .unwrap()
    };

    let first = run();
    assert!(first.success, "{first}");
    assert!(!ws.path().join("pwned").exists(), "an input ran as shell");
    assert!(!first.home.join("pwned").exists(), "an input ran as shell");
    let out = &first.outputs;
    assert_eq!(out["repo"], "site");
    assert_eq!(out["changed"], "true");
    assert_eq!(out["packages"], "2");
    assert_eq!(out["added"], "hello_1.0.0_amd64\ntools_2.1-1_all");
    assert_eq!(out["removed"], "");
    assert_eq!(out["fingerprint"], key.fingerprint);
    assert_eq!(
        out["apt-line"],
        "deb [signed-by=/etc/apt/keyrings/octo-tool.gpg] https://octo-org.github.io/tool stable main"
    );
    assert_eq!(
        out["sources"],
        "Types: deb\nURIs: https://octo-org.github.io/tool\nSuites: stable\nComponents: main\n\
         Signed-By: /etc/apt/keyrings/octo-tool.gpg\n"
    );
    assert_eq!(
        out["keyring-command"],
        "curl -fsSL https://octo-org.github.io/tool/KEY.gpg | sudo tee /etc/apt/keyrings/octo-tool.gpg > /dev/null"
    );
    // The passphrase is masked before use and never printed otherwise; the key never is.
    let log = first
        .log()
        .replace(&format!("::add-mask::{PASSPHRASE}"), "");
    assert!(
        first.log().contains(&format!("::add-mask::{PASSPHRASE}")),
        "{first}"
    );
    assert!(!log.contains(PASSPHRASE), "{first}");
    let key_body = key.secret.lines().nth(3).unwrap();
    assert!(!log.contains(key_body), "the secret key reached the log");
    assert!(
        first.summary.contains(&key.fingerprint),
        "the summary names the key:\n{}",
        first.summary
    );

    let site = ws.path().join("site");
    let files = tree(&site);
    for expected in [
        "KEY.asc",
        "KEY.gpg",
        "dists/stable/InRelease",
        "dists/stable/Release",
        "dists/stable/Release.gpg",
        "dists/stable/main/binary-amd64/Packages",
        "dists/stable/main/binary-amd64/Packages.gz",
        "dists/stable/main/binary-amd64/Packages.xz",
        "pool/main/h/hello/hello_1.0.0_amd64.deb",
        "pool/main/t/tools/tools_2.1-1_all.deb",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "no {expected} in {files:#?}"
        );
    }
    // The pool holds the very files given, and APT's own verifier accepts InRelease with the
    // key gpg exported (not the one the tool wrote).
    assert_eq!(
        fs::read(site.join("pool/main/h/hello/hello_1.0.0_amd64.deb")).unwrap(),
        fs::read(ws.path().join(odd)).unwrap()
    );
    let keyring = ws.path().join("trusted.gpg");
    fs::write(&keyring, &key.public_gpg).unwrap();
    ok(Command::new("gpgv")
        .arg("--keyring")
        .arg(&keyring)
        .arg(site.join("dists/stable/InRelease")));
    let packages =
        fs::read_to_string(site.join("dists/stable/main/binary-amd64/Packages")).unwrap();
    for line in [
        "Filename: pool/main/h/hello/hello_1.0.0_amd64.deb",
        "Filename: pool/main/t/tools/tools_2.1-1_all.deb",
    ] {
        assert!(packages.lines().any(|l| l == line), "{line}:\n{packages}");
    }

    // The same packages again: nothing changes, not a byte of Release.
    let release = fs::read(site.join("dists/stable/Release")).unwrap();
    let second = run();
    assert!(second.success, "{second}");
    assert_eq!(second.outputs["changed"], "false");
    assert_eq!(second.outputs["packages"], "2");
    assert_eq!(second.outputs["added"], "");
    assert_eq!(second.outputs["fingerprint"], key.fingerprint);
    assert_eq!(tree(&site), files);
    assert_eq!(
        fs::read(site.join("dists/stable/Release")).unwrap(),
        release
    );
}

#[test]
fn action_inputs_are_data_not_shell() {
    let gpg = Gpg::new();
    let key = ed25519_key(&gpg, "Inject <inject@example.org>", "");
    let ws = tempfile::tempdir().unwrap();
    deb(
        ws.path(),
        "dist/hello_1.0.0_amd64.deb",
        "hello",
        "1.0.0",
        "amd64",
    );
    // Each would run `touch pwned` (in the workspace, the step's directory) if it reached the
    // shell as code; the tool refuses the names as invalid (exit 2), and nothing is written.
    for (input, value, error) in [
        (
            "suite",
            "x\"; touch pwned; \"",
            "--suite 'x\"; touch pwned; \"' is not a valid name (letters, digits, '-', '_', '.', '+')",
        ),
        (
            "component",
            "$(touch pwned)",
            "--component '$(touch pwned)' is not a valid name (letters, digits, '-', '_', '.', '+')",
        ),
    ] {
        let result = action()
            .input("packages", "dist/hello_1.0.0_amd64.deb")
            .input(input, value)
            .input("signing-key", &key.secret)
            .workspace(ws.path())
            .run()
            .unwrap();
        assert!(!result.success, "{result}");
        assert_eq!(result.step("run").exit_code, Some(2), "{result}");
        assert_eq!(
            result
                .errors()
                .iter()
                .map(|e| e.trim_start_matches("apt-repo: "))
                .collect::<Vec<_>>(),
            [error],
            "{result}"
        );
        assert!(!ws.path().join("pwned").exists(), "{input} ran as shell");
        assert!(!result.home.join("pwned").exists(), "{input} ran as shell");
        assert!(!ws.path().join("apt-repo").exists(), "nothing is written");
    }
    // A boolean input that is not one is refused by lib.sh before the tool runs.
    let result = action()
        .input("packages", "dist/hello_1.0.0_amd64.deb")
        .input("no-sign", "yes; touch pwned")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(!result.success, "{result}");
    assert_eq!(
        result.errors(),
        ["input for --no-sign must be true or false, got 'yes; touch pwned'"]
    );
    assert!(!ws.path().join("pwned").exists());
    assert!(!ws.path().join("apt-repo").exists());
}
