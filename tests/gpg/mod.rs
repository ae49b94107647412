//! Real processes and GnuPG keys for the tests that sign or verify (sign, checksum
//! --signature, apt-repo and its action): a process's outcome, and keys made by `gpg
//! --quick-gen-key` in a temporary GNUPGHOME, never committed secret material.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// What a process did.
#[derive(Debug)]
pub struct Out {
    /// Exit code (-1: killed by a signal).
    pub code: i32,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl Out {
    /// Standard output as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

/// Runs `cmd` with no standard input.
pub fn output(cmd: &mut Command) -> Out {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A GnuPG home in a temporary directory; its agent is stopped when dropped.
pub struct Gpg {
    /// The GNUPGHOME.
    pub home: tempfile::TempDir,
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

/// A key made by gpg: its primary fingerprint, and its exports.
pub struct Key {
    pub fingerprint: String,
    /// `gpg --armor --export-secret-keys`.
    pub secret: String,
    /// `gpg --armor --export`.
    pub public_asc: String,
    /// `gpg --export` (binary, for gpgv's --keyring).
    pub public_gpg: Vec<u8>,
}

impl Gpg {
    pub fn new() -> Gpg {
        let home = tempfile::Builder::new().prefix("g").tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(home.path(), fs::Permissions::from_mode(0o700)).unwrap();
        Gpg { home }
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new("gpg");
        cmd.arg("--homedir")
            .arg(self.home.path())
            .args(["--batch", "--pinentry-mode", "loopback"]);
        cmd
    }

    pub fn gpg(&self, args: &[&str]) -> Out {
        output(self.cmd().args(args))
    }

    pub fn ok(&self, args: &[&str]) -> Out {
        let out = self.gpg(args);
        assert_eq!(out.code, 0, "gpg {args:?}: {}", out.stderr);
        out
    }

    /// `gpg --quick-gen-key UID ALGO USAGE EXPIRE` (with `extra` options first, e.g. a faked
    /// system time), protected by `passphrase` (empty: none).
    pub fn gen(
        &self,
        uid: &str,
        algo: &str,
        usage: &str,
        expire: &str,
        passphrase: &str,
        extra: &[&str],
    ) {
        let mut args = extra.to_vec();
        args.extend([
            "--passphrase",
            passphrase,
            "--quick-gen-key",
            uid,
            algo,
            usage,
            expire,
        ]);
        self.ok(&args);
    }

    pub fn fingerprints(&self, uid: &str) -> Vec<String> {
        self.ok(&[
            "--with-colons",
            "--with-subkey-fingerprints",
            "--list-keys",
            uid,
        ])
        .stdout
        .lines()
        .filter(|l| l.starts_with("fpr:"))
        .map(|l| l.split(':').nth(9).unwrap().to_string())
        .collect()
    }

    pub fn key(&self, uid: &str, passphrase: &str) -> Key {
        Key {
            fingerprint: self.fingerprints(uid)[0].clone(),
            secret: self
                .ok(&[
                    "--passphrase",
                    passphrase,
                    "--armor",
                    "--export-secret-keys",
                    uid,
                ])
                .stdout,
            public_asc: self.ok(&["--armor", "--export", uid]).stdout,
            public_gpg: self.cmd().args(["--export", uid]).output().unwrap().stdout,
        }
    }

    /// The binary public keys of `uid`, exported to a file (gpg's stdout is bytes).
    pub fn export_to(&self, uid: &str, path: &Path) {
        self.ok(&["--yes", "--output", path.to_str().unwrap(), "--export", uid]);
    }
}
