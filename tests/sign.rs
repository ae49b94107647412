//! Black-box tests of `sign` and of `checksum --check --signature`, with the real GnuPG (`gpg`,
//! `gpgv`) and `minisign` for interop both ways: keys are generated in each test in a temporary
//! GNUPGHOME, signatures made by relkit are verified by the real tools and theirs by relkit, and
//! every way a signature can be wrong fails with its exit code. `actions/sign` runs end to end
//! through the harness.

mod gpg;
mod harness;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gpg::{output, Gpg, Key, Out};
use pretty_assertions::assert_eq;
use serde_json::Value;

const SIGN: &str = env!("CARGO_BIN_EXE_sign");
const CHECKSUM: &str = env!("CARGO_BIN_EXE_checksum");

/// A relkit binary in `dir` with a clean environment plus `env`.
fn relkit(bin: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("RELKIT_JSON")
        .env_remove("RELKIT_SIGNING_KEY")
        .env_remove("RELKIT_SIGNING_PASSPHRASE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    output(&mut cmd)
}

fn sign(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    relkit(SIGN, dir, args, env)
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, content).unwrap();
    p
}

/// gpg's verdict on a signature: exit code and the "using … key FPR" line's fingerprint.
fn gpg_verify(gpg: &Gpg, args: &[&str]) -> (i32, String) {
    let mut all = vec!["--verify"];
    all.extend(args);
    let out = gpg.gpg(&all);
    let using = out
        .stderr
        .lines()
        .find_map(|l| l.split(" key ").nth(1).filter(|_| l.contains("using")))
        .unwrap_or("")
        .trim()
        .to_string();
    (out.code, using)
}

/// gpgv (as APT runs it) with the binary keyring `keyring`.
fn gpgv(keyring: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new("gpgv");
    cmd.arg("--keyring").arg(keyring).args(args);
    output(&mut cmd)
}

/// The digest algorithm id of a signature, from `gpg --list-packets` (8 SHA256, 10 SHA512).
fn digest_algo(gpg: &Gpg, sig: &Path) -> u32 {
    let out = gpg.gpg(&["--list-packets", sig.to_str().unwrap()]);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("digest algo"))
        .unwrap_or_else(|| panic!("no digest in {}", out.stdout));
    line.split("digest algo ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

const TEXT: &str =
    "Origin: relkit\nLabel: test\n- a line starting with a dash\nFrom the start\n\nlast line  \n";

// ---------------------------------------------------------------------------------------------
// OpenPGP: relkit signs, gpg and gpgv verify
// ---------------------------------------------------------------------------------------------

/// Signs a binary file detached (armoured and binary) and a text file cleartext with `key`, and
/// checks each with gpg and gpgv: good, made by `signer`, with SHA-256 or stronger.
fn relkit_signs_gpg_verifies(gpg: &Gpg, key: &Key, passphrase: &str, signer: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    write(dir.path(), "app.tar.gz", &data);
    write(dir.path(), "Release", TEXT.as_bytes());
    let keyring = dir.path().join("trusted.gpg");
    fs::write(&keyring, &key.public_gpg).unwrap();
    let env = [
        ("RELKIT_SIGNING_KEY", key.secret.as_str()),
        ("RELKIT_SIGNING_PASSPHRASE", passphrase),
    ];
    for (args, sig) in [
        (vec!["app.tar.gz"], "app.tar.gz.asc"),
        (vec!["--binary", "app.tar.gz"], "app.tar.gz.sig"),
        (
            vec!["--clearsign", "-o", "InRelease", "Release"],
            "InRelease",
        ),
    ] {
        let out = sign(dir.path(), &args, &env);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(out.stdout.contains(&key.fingerprint), "{}", out.stdout);
        let sig_path = dir.path().join(sig);
        let sig_s = sig_path.to_str().unwrap();
        let data_path = dir.path().join("app.tar.gz");
        let verify_args: Vec<&str> = if sig == "InRelease" {
            vec![sig_s]
        } else {
            vec![sig_s, data_path.to_str().unwrap()]
        };
        let (code, using) = gpg_verify(gpg, &verify_args);
        assert_eq!((code, using.as_str()), (0, signer), "gpg --verify {sig}");
        let v = gpgv(&keyring, &verify_args);
        assert_eq!(v.code, 0, "gpgv {sig}: {}", v.stderr);
        assert!(v.stderr.contains("Good signature"), "{}", v.stderr);
        if sig == "InRelease" {
            let text = fs::read_to_string(&sig_path).unwrap();
            assert!(
                text.contains("\nHash: SHA256\n") || text.contains("\nHash: SHA512\n"),
                "{text}"
            );
        } else {
            assert!(
                digest_algo(gpg, &sig_path) >= 8,
                "{sig}: digest weaker than SHA-256"
            );
        }
        // And relkit verifies its own signature with the exported public key.
        write(dir.path(), "key.asc", key.public_asc.as_bytes());
        let mut mine = vec!["--verify"];
        if sig == "InRelease" {
            mine.push("InRelease");
        } else {
            mine.extend(["app.tar.gz", "--signature", sig]);
        }
        mine.extend(["--key", "key.asc"]);
        let out = sign(dir.path(), &mine, &[]);
        assert_eq!(out.code, 0, "{mine:?}: {}", out.stderr);
    }
    // gpg reads back the signed text (without the trailing blanks of a line, which a cleartext
    // signature does not cover), and relkit gives the same text.
    let plain = gpg.ok(&[
        "--output",
        "-",
        "--decrypt",
        dir.path().join("InRelease").to_str().unwrap(),
    ]);
    // Exactly: a file ending in a newline round-trips without an extra line, as with gpg.
    assert_eq!(plain.stdout, TEXT.replace("last line  \n", "last line\n"));
    write(dir.path(), "key.asc", key.public_asc.as_bytes());
    let mine = sign(
        dir.path(),
        &["--verify", "InRelease", "--key", "key.asc", "-o", "-"],
        &[],
    );
    assert_eq!(mine.stdout, plain.stdout);
}

#[test]
fn gpg_default_key_signs_for_gpg_and_gpgv() {
    let gpg = Gpg::new();
    gpg.gen(
        "Default <default@example.org>",
        "default",
        "default",
        "never",
        "",
        &[],
    );
    let key = gpg.key("Default <default@example.org>", "");
    relkit_signs_gpg_verifies(&gpg, &key, "", &key.fingerprint);
}

#[test]
fn rsa_and_ed25519_keys_sign_for_gpg_and_gpgv() {
    let gpg = Gpg::new();
    gpg.gen("Rsa <rsa@example.org>", "rsa4096", "sign", "never", "", &[]);
    gpg.gen("Ed <ed@example.org>", "ed25519", "sign", "2y", "", &[]);
    for uid in ["Rsa <rsa@example.org>", "Ed <ed@example.org>"] {
        let key = gpg.key(uid, "");
        relkit_signs_gpg_verifies(&gpg, &key, "", &key.fingerprint);
    }
}

#[test]
fn the_valid_signing_subkey_signs_not_the_certify_only_primary_or_an_expired_subkey() {
    let gpg = Gpg::new();
    let uid = "Sub <sub@example.org>";
    // Made in the past, so that a subkey can have expired since.
    gpg.gen(
        uid,
        "ed25519",
        "cert",
        "never",
        "s3cret pass",
        &["--faked-system-time", "20191201T000000!"],
    );
    let primary = gpg.fingerprints(uid)[0].clone();
    // An encryption subkey, a signing subkey made in 2020 that expired after a day, and the
    // valid signing subkey.
    for (algo, usage, expire, extra) in [
        ("cv25519", "encr", "never", vec![]),
        (
            "ed25519",
            "sign",
            "1d",
            vec!["--faked-system-time", "20200101T000000!"],
        ),
        ("ed25519", "sign", "never", vec![]),
    ] {
        let mut args = extra.clone();
        args.extend([
            "--passphrase",
            "s3cret pass",
            "--quick-add-key",
            &primary,
            algo,
            usage,
            expire,
        ]);
        gpg.ok(&args);
    }
    let fprs = gpg.fingerprints(uid);
    assert_eq!(fprs.len(), 4, "{fprs:?}");
    let key = gpg.key(uid, "s3cret pass");
    relkit_signs_gpg_verifies(&gpg, &key, "s3cret pass", &fprs[3]);
}

// ---------------------------------------------------------------------------------------------
// OpenPGP: gpg signs, relkit verifies
// ---------------------------------------------------------------------------------------------

#[test]
fn gpg_signatures_verify_with_relkit() {
    let gpg = Gpg::new();
    let uid = "Signer <signer@example.org>";
    gpg.gen(uid, "default", "default", "never", "", &[]);
    let key = gpg.key(uid, "");
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "SHA256SUMS", b"abc  app.tar.gz\n");
    write(dir.path(), "Release", TEXT.as_bytes());
    write(dir.path(), "keys/signer.asc", key.public_asc.as_bytes());
    write(dir.path(), "keys/README", b"not a key");
    let f = file.to_str().unwrap();
    gpg.ok(&[
        "-u",
        uid,
        "--detach-sign",
        "--armor",
        "--output",
        &format!("{f}.asc"),
        f,
    ]);
    gpg.ok(&[
        "-u",
        uid,
        "--detach-sign",
        "--output",
        &format!("{f}.sig"),
        f,
    ]);
    let release = dir.path().join("Release");
    let inrelease = dir.path().join("InRelease");
    gpg.ok(&[
        "-u",
        uid,
        "--clearsign",
        "--output",
        inrelease.to_str().unwrap(),
        release.to_str().unwrap(),
    ]);

    for (args, what) in [
        (
            vec![
                "--verify",
                "SHA256SUMS",
                "--key",
                "keys/signer.asc",
                "--json",
            ],
            "default .asc",
        ),
        (
            vec![
                "--verify",
                "SHA256SUMS",
                "--signature",
                "SHA256SUMS.sig",
                "--keyring",
                "keys",
                "--json",
            ],
            ".sig",
        ),
        (
            vec![
                "--verify",
                "InRelease",
                "--key",
                "keys/signer.asc",
                "--json",
            ],
            "cleartext",
        ),
    ] {
        let out = sign(dir.path(), &args, &[]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        let v = out.json();
        assert_eq!(v["valid"], true, "{what}");
        assert_eq!(v["good"]["format"], "openpgp");
        assert_eq!(v["good"]["fingerprint"], key.fingerprint.as_str(), "{what}");
        assert_eq!(v["good"]["user_id"], uid);
        assert!(
            matches!(v["good"]["digest"].as_str(), Some("SHA256" | "SHA512")),
            "{v}"
        );
    }
    // The verified cleartext: what was signed, so without the trailing blanks of a line, which a
    // cleartext signature does not cover.
    let out = sign(
        dir.path(),
        &[
            "--verify",
            "InRelease",
            "--key",
            "keys/signer.asc",
            "-o",
            "-",
        ],
        &[],
    );
    let signed = TEXT.replace("last line  \n", "last line\n");
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, signed.as_str()),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("Good signature"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Bad signatures, keys and input
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_signatures_fail_with_the_right_exit_code_and_name_the_key() {
    let gpg = Gpg::new();
    gpg.gen(
        "Good <good@example.org>",
        "ed25519",
        "sign",
        "never",
        "",
        &[],
    );
    gpg.gen(
        "Other <other@example.org>",
        "ed25519",
        "sign",
        "never",
        "",
        &[],
    );
    let good = gpg.key("Good <good@example.org>", "");
    let other = gpg.key("Other <other@example.org>", "");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.bin", b"the release");
    write(d, "b.bin", b"another file");
    write(d, "good.asc", good.public_asc.as_bytes());
    write(d, "other.asc", other.public_asc.as_bytes());
    let env = [("RELKIT_SIGNING_KEY", good.secret.as_str())];
    assert_eq!(sign(d, &["a.bin", "b.bin"], &env).code, 0);
    let sig = fs::read_to_string(d.join("a.bin.asc")).unwrap();
    write(d, "truncated.asc", &sig.as_bytes()[..sig.len() / 2]);
    write(
        d,
        "garbage.asc",
        b"-----BEGIN PGP SIGNATURE-----\n\nnot base64 at all!\n-----END PGP SIGNATURE-----\n",
    );
    write(
        d,
        "random.sig",
        &[0x89, 0x01, 0x33, 0x04, 0x00, 0xff, 0x13, 0x37],
    );
    write(d, "empty.sig", b"");
    // SHA-1, which relkit never accepts.
    let a = d.join("a.bin");
    gpg.ok(&[
        "-u",
        "good@example.org",
        "--digest-algo",
        "SHA1",
        "--detach-sign",
        "--output",
        d.join("sha1.sig").to_str().unwrap(),
        a.to_str().unwrap(),
    ]);

    let verify = |file: &str, sig: &str, key: &str| {
        sign(
            d,
            &["--verify", file, "--signature", sig, "--key", key],
            &[],
        )
    };
    // Exit 1: checked and bad, naming the key's fingerprint and what was wrong.
    write(d, "a.bin", b"the release, modified");
    let modified = verify("a.bin", "a.bin.asc", "good.asc");
    assert_eq!(modified.code, 1, "{}", modified.stderr);
    assert!(
        modified.stderr.contains(&good.fingerprint) && modified.stderr.contains("modified"),
        "{}",
        modified.stderr
    );
    write(d, "a.bin", b"the release");
    assert_eq!(verify("a.bin", "a.bin.asc", "good.asc").code, 0);
    let other_file = verify("a.bin", "b.bin.asc", "good.asc");
    assert_eq!(other_file.code, 1, "{}", other_file.stderr);
    assert!(
        other_file.stderr.contains("another file"),
        "{}",
        other_file.stderr
    );
    let wrong_key = verify("a.bin", "a.bin.asc", "other.asc");
    assert_eq!(wrong_key.code, 1, "{}", wrong_key.stderr);
    assert!(
        wrong_key.stderr.contains(&good.fingerprint)
            && wrong_key.stderr.contains("not among the trusted keys"),
        "{}",
        wrong_key.stderr
    );
    let weak = verify("a.bin", "sha1.sig", "good.asc");
    assert_eq!(weak.code, 1, "{}", weak.stderr);
    assert!(weak.stderr.contains("weak digest SHA1"), "{}", weak.stderr);
    // JSON says so too, with the fingerprint.
    let json = sign(
        d,
        &[
            "--verify",
            "a.bin",
            "--signature",
            "b.bin.asc",
            "--key",
            "good.asc",
            "--json",
        ],
        &[],
    );
    assert_eq!(json.code, 1);
    let v = json.json();
    assert_eq!(
        (v["valid"].clone(), v["fingerprint"].clone()),
        (Value::Bool(false), Value::from(good.fingerprint.as_str()))
    );

    // Exit 2: nothing could be checked.
    for (sig, key) in [
        ("truncated.asc", "good.asc"),
        ("garbage.asc", "good.asc"),
        ("random.sig", "good.asc"),
        ("empty.sig", "good.asc"),
        ("missing.asc", "good.asc"),
        ("a.bin.asc", "a.bin"),
        ("a.bin.asc", "missing.asc"),
    ] {
        let out = verify("a.bin", sig, key);
        assert_eq!(out.code, 2, "{sig} with {key}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("sign: ") && !out.stderr.contains("panicked"),
            "{}",
            out.stderr
        );
    }
    let no_sig = sign(d, &["--verify", "b.bin", "--key", "good.asc"], &[]);
    assert_eq!(
        no_sig.code, 0,
        "b.bin.asc is found next to b.bin: {}",
        no_sig.stderr
    );
    let none = sign(d, &["--verify", "good.asc", "--key", "good.asc"], &[]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("no signature found"),
        "{}",
        none.stderr
    );

    // Signing with garbage or public-only keys is bad input, never a panic.
    for key in [
        "garbage",
        good.public_asc.as_str(),
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n",
    ] {
        let out = sign(d, &["a.bin"], &[("RELKIT_SIGNING_KEY", key)]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    let unset = sign(d, &["a.bin"], &[]);
    assert_eq!(unset.code, 2);
    assert!(
        unset.stderr.contains("RELKIT_SIGNING_KEY is not set"),
        "{}",
        unset.stderr
    );
}

#[test]
fn expired_and_revoked_keys_are_refused_for_signing_and_fail_verification() {
    let gpg = Gpg::new();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = write(d, "a.bin", b"data");
    let f = file.to_str().unwrap();
    // A key made in 2020 that expired a day later, and a signature made while it was valid.
    let then = ["--faked-system-time", "20200101T000000!"];
    gpg.gen("Old <old@example.org>", "ed25519", "sign", "1d", "", &then);
    gpg.ok(&[
        "--faked-system-time",
        "20200101T120000!",
        "-u",
        "old@example.org",
        "--detach-sign",
        "--armor",
        "--output",
        &format!("{f}.asc"),
        f,
    ]);
    let old = gpg.key("old@example.org", "");
    write(d, "old.asc", old.public_asc.as_bytes());
    let out = sign(d, &["--verify", "a.bin", "--key", "old.asc"], &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("expired") && out.stderr.contains(&old.fingerprint),
        "{}",
        out.stderr
    );
    let out = sign(
        d,
        &["a.bin", "-o", "new.asc"],
        &[("RELKIT_SIGNING_KEY", &old.secret)],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot sign") && out.stderr.contains("expired"),
        "{}",
        out.stderr
    );
    assert!(!d.join("new.asc").exists());

    // A key that signed, then was revoked with the certificate gpg made for it.
    gpg.gen(
        "Gone <gone@example.org>",
        "ed25519",
        "sign",
        "never",
        "",
        &[],
    );
    let gone_fpr = gpg.fingerprints("gone@example.org")[0].clone();
    gpg.ok(&[
        "-u",
        "gone@example.org",
        "--detach-sign",
        "--output",
        &format!("{f}.sig"),
        f,
    ]);
    let rev = gpg
        .home
        .path()
        .join("openpgp-revocs.d")
        .join(format!("{gone_fpr}.rev"));
    let cert = fs::read_to_string(&rev)
        .unwrap()
        .replace(":-----BEGIN", "-----BEGIN");
    let rev_file = write(d, "rev.asc", cert.as_bytes());
    gpg.ok(&["--import", rev_file.to_str().unwrap()]);
    let gone = gpg.key("gone@example.org", "");
    write(d, "gone.asc", gone.public_asc.as_bytes());
    let out = sign(
        d,
        &[
            "--verify",
            "a.bin",
            "--signature",
            "a.bin.sig",
            "--key",
            "gone.asc",
        ],
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("revoked") && out.stderr.contains(&gone_fpr),
        "{}",
        out.stderr
    );
    let out = sign(
        d,
        &["a.bin", "-o", "new.asc"],
        &[("RELKIT_SIGNING_KEY", &gone.secret)],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("revoked"), "{}", out.stderr);
}

#[test]
fn passphrases_and_keys_never_reach_the_output() {
    let gpg = Gpg::new();
    let pass = "correct horse battery staple";
    gpg.gen(
        "Pass <pass@example.org>",
        "ed25519",
        "sign",
        "never",
        pass,
        &[],
    );
    let key = gpg.key("pass@example.org", pass);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.bin", b"data");
    // A line from the middle of the armoured secret key.
    let lines: Vec<&str> = key.secret.lines().filter(|l| l.len() > 40).collect();
    let secret_line = lines[lines.len() / 2];
    for (pass_env, code, says) in [
        (Some(pass), 0, key.fingerprint.as_str()),
        (
            None,
            2,
            "protected by a passphrase and none was given; set RELKIT_SIGNING_PASSPHRASE",
        ),
        (Some("wrong"), 2, "cannot unlock"),
    ] {
        let mut env = vec![("RELKIT_SIGNING_KEY", key.secret.as_str())];
        if let Some(p) = pass_env {
            env.push(("RELKIT_SIGNING_PASSPHRASE", p));
        }
        for json in [false, true] {
            let mut args = vec!["a.bin"];
            if json {
                args.push("--json");
            }
            let out = sign(d, &args, &env);
            assert_eq!(out.code, code, "{}", out.stderr);
            let all = format!("{}{}", out.stdout, out.stderr);
            assert!(all.contains(says), "{all}");
            assert!(
                !all.contains(pass) && !all.contains(secret_line) && !all.contains("wrong\n"),
                "{all}"
            );
        }
    }
    // Another variable, named in the message.
    let out = sign(
        d,
        &[
            "a.bin",
            "--key-env",
            "MY_KEY",
            "--passphrase-env",
            "MY_PASS",
        ],
        &[("MY_KEY", &key.secret)],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("set MY_PASS"), "{}", out.stderr);
}

#[test]
fn exported_public_keys_work_with_gpg_gpgv_and_apt_style_keyrings() {
    let gpg = Gpg::new();
    gpg.gen(
        "Export <export@example.org>",
        "default",
        "default",
        "never",
        "",
        &[],
    );
    let key = gpg.key("export@example.org", "");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "SHA256SUMS", b"x  y\n");
    let env = [("RELKIT_SIGNING_KEY", key.secret.as_str())];
    let out = sign(
        d,
        &["SHA256SUMS", "--export-key", "KEY.asc", "--json"],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["public_key"], "KEY.asc");
    assert_eq!(v["fingerprint"], key.fingerprint.as_str());
    assert_eq!(v["files"][0]["signature"], "SHA256SUMS.asc");
    assert_eq!(sign(d, &["--export-key", "KEY.gpg"], &env).code, 0);
    // The binary export is a keyring gpgv (APT's verifier) reads.
    let ok = gpgv(
        &d.join("KEY.gpg"),
        &[
            d.join("SHA256SUMS.asc").to_str().unwrap(),
            d.join("SHA256SUMS").to_str().unwrap(),
        ],
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    // The armoured one imports into a fresh GnuPG with the same fingerprint.
    let fresh = Gpg::new();
    fresh.ok(&["--import", d.join("KEY.asc").to_str().unwrap()]);
    assert_eq!(fresh.fingerprints("export@example.org")[0], key.fingerprint);
    // and the secret key was never written anywhere.
    for entry in fs::read_dir(d).unwrap() {
        let text = fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        assert!(!text.contains("PRIVATE KEY"), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// minisign
// ---------------------------------------------------------------------------------------------

/// `minisign -G` in `dir`: `name.pub` and `name.key`, encrypted with `password` when given.
fn minisign_keygen(dir: &Path, name: &str, password: Option<&str>) {
    let mut cmd = Command::new("minisign");
    cmd.current_dir(dir).args([
        "-G",
        "-f",
        "-p",
        &format!("{name}.pub"),
        "-s",
        &format!("{name}.key"),
    ]);
    if password.is_none() {
        cmd.arg("-W");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        if let Some(p) = password {
            // minisign reads the password twice from standard input when it is not a terminal.
            writeln!(stdin, "{p}\n{p}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn minisign(dir: &Path, args: &[&str]) -> Out {
    output(Command::new("minisign").current_dir(dir).args(args))
}

#[test]
fn minisign_signatures_interoperate_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    minisign_keygen(d, "ms", None);
    minisign_keygen(d, "other", None);
    let data: Vec<u8> = (0..500_000u32).map(|i| (i % 253) as u8).collect();
    write(d, "app.tar.gz", &data);
    let secret = fs::read_to_string(d.join("ms.key")).unwrap();
    let env = [("RELKIT_SIGNING_KEY", secret.as_str())];

    // relkit signs (format from the key), minisign verifies, with the trusted comment.
    let out = sign(
        d,
        &[
            "app.tar.gz",
            "--trusted-comment",
            "relkit v1.2.3",
            "--export-key",
            "exported.pub",
        ],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = minisign(d, &["-V", "-p", "ms.pub", "-m", "app.tar.gz"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    assert!(
        v.stdout.contains("Trusted comment: relkit v1.2.3")
            || v.stderr.contains("Trusted comment: relkit v1.2.3"),
        "{v:?}"
    );
    let v = minisign(d, &["-V", "-p", "exported.pub", "-m", "app.tar.gz"]);
    assert_eq!(
        v.code, 0,
        "the exported public key is minisign's: {}",
        v.stderr
    );
    // The default trusted comment is minisign's: timestamp and file name.
    assert_eq!(
        sign(d, &["app.tar.gz", "-o", "default.minisig"], &env).code,
        0
    );
    let v = minisign(
        d,
        &[
            "-V",
            "-p",
            "ms.pub",
            "-m",
            "app.tar.gz",
            "-x",
            "default.minisig",
        ],
    );
    assert_eq!(v.code, 0, "{}", v.stderr);
    assert!(
        format!("{}{}", v.stdout, v.stderr).contains("\tfile:app.tar.gz\thashed"),
        "{v:?}"
    );

    // minisign signs, relkit verifies: with the key file and with the `RW…` key text.
    let s = minisign(
        d,
        &[
            "-S",
            "-s",
            "ms.key",
            "-m",
            "app.tar.gz",
            "-x",
            "theirs.minisig",
            "-t",
            "their comment",
        ],
    );
    assert_eq!(s.code, 0, "{}", s.stderr);
    let pub_line = fs::read_to_string(d.join("ms.pub"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    for key in ["ms.pub", pub_line.as_str()] {
        let out = sign(
            d,
            &[
                "--verify",
                "app.tar.gz",
                "--signature",
                "theirs.minisig",
                "--key",
                key,
                "--json",
            ],
            &[],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        let j = out.json();
        assert_eq!(j["good"]["format"], "minisign");
        assert_eq!(j["good"]["trusted_comment"], "their comment");
    }
    // minisign's legacy (not prehashed) format verifies too, as with `minisign -V`.
    let s = minisign(
        d,
        &[
            "-S",
            "-l",
            "-s",
            "ms.key",
            "-m",
            "app.tar.gz",
            "-x",
            "legacy.minisig",
        ],
    );
    assert_eq!(s.code, 0, "{}", s.stderr);
    let out = sign(
        d,
        &[
            "--verify",
            "app.tar.gz",
            "--signature",
            "legacy.minisig",
            "--key",
            "ms.pub",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    write(d, "legacy-other.bin", b"another file");
    let out = sign(
        d,
        &[
            "--verify",
            "legacy-other.bin",
            "--signature",
            "legacy.minisig",
            "--key",
            "ms.pub",
        ],
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);

    // Bad: modified file, wrong key, edited trusted comment (exit 1); garbage (exit 2).
    let theirs = fs::read_to_string(d.join("theirs.minisig")).unwrap();
    write(
        d,
        "edited.minisig",
        theirs.replace("their comment", "their commenT").as_bytes(),
    );
    write(
        d,
        "truncated.minisig",
        theirs
            .lines()
            .take(2)
            .collect::<Vec<_>>()
            .join("\n")
            .as_bytes(),
    );
    write(
        d,
        "garbage.minisig",
        b"untrusted comment: x\n!!!!\ntrusted comment: y\n????\n",
    );
    write(d, "modified.tar.gz", &data[1..]);
    for (file, sig, key, code, says) in [
        ("modified.tar.gz", "theirs.minisig", "ms.pub", 1, "modified"),
        (
            "app.tar.gz",
            "theirs.minisig",
            "other.pub",
            1,
            "not by the trusted key",
        ),
        (
            "app.tar.gz",
            "edited.minisig",
            "ms.pub",
            1,
            "trusted comment was changed",
        ),
        (
            "app.tar.gz",
            "truncated.minisig",
            "ms.pub",
            2,
            "not a readable minisign signature",
        ),
        (
            "app.tar.gz",
            "garbage.minisig",
            "ms.pub",
            2,
            "not a readable minisign signature",
        ),
        (
            "app.tar.gz",
            "theirs.minisig",
            "ms.key",
            2,
            "not a minisign public key",
        ),
    ] {
        let out = sign(
            d,
            &["--verify", file, "--signature", sig, "--key", key],
            &[],
        );
        assert_eq!(out.code, code, "{file} {sig} {key}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{}", out.stderr);
    }
    // An OpenPGP-only form with a minisign key is a usage error.
    let out = sign(d, &["--binary", "app.tar.gz"], &env);
    assert_eq!(out.code, 2);
}

#[test]
fn encrypted_minisign_keys_need_their_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    minisign_keygen(d, "enc", Some("pw 123"));
    write(d, "a.txt", b"hello\n");
    let secret = fs::read_to_string(d.join("enc.key")).unwrap();
    let out = sign(d, &["a.txt"], &[("RELKIT_SIGNING_KEY", &secret)]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("encrypted and no passphrase was given"),
        "{}",
        out.stderr
    );
    let out = sign(
        d,
        &["a.txt"],
        &[
            ("RELKIT_SIGNING_KEY", &secret),
            ("RELKIT_SIGNING_PASSPHRASE", "nope"),
        ],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("is the passphrase right"),
        "{}",
        out.stderr
    );
    let out = sign(
        d,
        &["a.txt"],
        &[
            ("RELKIT_SIGNING_KEY", &secret),
            ("RELKIT_SIGNING_PASSPHRASE", "pw 123"),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!format!("{}{}", out.stdout, out.stderr).contains("pw 123"));
    assert_eq!(minisign(d, &["-V", "-p", "enc.pub", "-m", "a.txt"]).code, 0);
}

// ---------------------------------------------------------------------------------------------
// checksum --check --signature
// ---------------------------------------------------------------------------------------------

#[test]
fn checksum_verifies_the_manifest_signature_before_any_file() {
    let gpg = Gpg::new();
    gpg.gen("Rel <rel@example.org>", "ed25519", "sign", "never", "", &[]);
    gpg.gen(
        "Else <else@example.org>",
        "ed25519",
        "sign",
        "never",
        "",
        &[],
    );
    let key = gpg.key("rel@example.org", "");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "app.tar.gz", b"app");
    write(d, "app.zip", b"zip");
    write(d, "evil.sh", b"rm -rf /");
    write(d, "KEY.asc", key.public_asc.as_bytes());
    gpg.export_to("else@example.org", &d.join("else.gpg"));
    let made = relkit(
        CHECKSUM,
        d,
        &["app.tar.gz", "app.zip", "-o", "SHA256SUMS"],
        &[],
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    let manifest = d.join("SHA256SUMS");
    let m = manifest.to_str().unwrap();
    gpg.ok(&[
        "-u",
        "rel@example.org",
        "--detach-sign",
        "--armor",
        "--output",
        &format!("{m}.asc"),
        m,
    ]);

    let good = relkit(
        CHECKSUM,
        d,
        &[
            "--check",
            "SHA256SUMS",
            "--signature",
            "SHA256SUMS.asc",
            "--key",
            "KEY.asc",
        ],
        &[],
    );
    assert_eq!(good.code, 0, "{}", good.stderr);
    assert_eq!(good.stdout, "app.tar.gz: OK\napp.zip: OK\n");
    assert!(
        good.stderr.contains(&format!(
            "SHA256SUMS: Good signature from OpenPGP key {}",
            key.fingerprint
        )),
        "{}",
        good.stderr
    );
    let json = relkit(
        CHECKSUM,
        d,
        &[
            "--check",
            "SHA256SUMS",
            "--signature",
            "SHA256SUMS.asc",
            "--key",
            "KEY.asc",
            "--json",
        ],
        &[],
    );
    assert_eq!(
        json.json()["signature"]["fingerprint"],
        key.fingerprint.as_str()
    );

    // From standard input, as --check reads manifests.
    let mut cmd = Command::new(CHECKSUM);
    cmd.current_dir(d)
        .args([
            "--check",
            "-",
            "--signature",
            "SHA256SUMS.asc",
            "--key",
            "KEY.asc",
        ])
        .stdin(fs::File::open(&manifest).unwrap());
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A line added to the manifest: every listed file still matches, so without the signature
    // the check would pass; with it, nothing is checked and the exit is 1.
    let sha = String::from_utf8(
        output(Command::new("sha256sum").current_dir(d).arg("evil.sh"))
            .stdout
            .into_bytes(),
    )
    .unwrap();
    let mut text = fs::read_to_string(&manifest).unwrap();
    text.push_str(&sha);
    fs::write(&manifest, &text).unwrap();
    assert_eq!(relkit(CHECKSUM, d, &["--check", "SHA256SUMS"], &[]).code, 0);
    let bad = relkit(
        CHECKSUM,
        d,
        &[
            "--check",
            "SHA256SUMS",
            "--signature",
            "SHA256SUMS.asc",
            "--key",
            "KEY.asc",
        ],
        &[],
    );
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert_eq!(bad.stdout, "", "no file is checked after a bad signature");
    assert!(
        bad.stderr.contains("BAD signature") && bad.stderr.contains(&key.fingerprint),
        "{}",
        bad.stderr
    );
    // Signed by a key that is not trusted.
    let wrong = relkit(
        CHECKSUM,
        d,
        &[
            "--check",
            "SHA256SUMS",
            "--signature",
            "SHA256SUMS.asc",
            "--key",
            "else.gpg",
        ],
        &[],
    );
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    // Usage: keys needed; one manifest per signature.
    assert_eq!(
        relkit(
            CHECKSUM,
            d,
            &["--check", "SHA256SUMS", "--signature", "SHA256SUMS.asc"],
            &[]
        )
        .code,
        2
    );
    assert_eq!(
        relkit(
            CHECKSUM,
            d,
            &[
                "--check",
                "SHA256SUMS",
                "SHA256SUMS",
                "--signature",
                "SHA256SUMS.asc",
                "--key",
                "KEY.asc"
            ],
            &[]
        )
        .code,
        2
    );

    // minisign signatures work the same way.
    minisign_keygen(d, "ms", None);
    fs::write(
        &manifest,
        text.lines()
            .take(2)
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let secret = fs::read_to_string(d.join("ms.key")).unwrap();
    assert_eq!(
        sign(d, &["SHA256SUMS"], &[("RELKIT_SIGNING_KEY", &secret)]).code,
        0
    );
    let ok = relkit(
        CHECKSUM,
        d,
        &[
            "--check",
            "SHA256SUMS",
            "--signature",
            "SHA256SUMS.minisig",
            "--key",
            "ms.pub",
        ],
        &[],
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    fs::write(&manifest, &text).unwrap();
    let bad = relkit(
        CHECKSUM,
        d,
        &[
            "--check",
            "SHA256SUMS",
            "--signature",
            "SHA256SUMS.minisig",
            "--key",
            "ms.pub",
        ],
        &[],
    );
    assert_eq!((bad.code, bad.stdout.as_str()), (1, ""), "{}", bad.stderr);
}

// ---------------------------------------------------------------------------------------------
// Inside Actions, and actions/sign end to end
// ---------------------------------------------------------------------------------------------

#[test]
fn outputs_and_summary_name_the_key() {
    let gpg = Gpg::new();
    gpg.gen("Ci <ci@example.org>", "ed25519", "sign", "never", "", &[]);
    let key = gpg.key("ci@example.org", "");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "SHA256SUMS", b"x  y\n");
    write(d, "KEY.asc", key.public_asc.as_bytes());
    let out_file = d.join("out.txt");
    let summary = d.join("summary.md");
    let env = [
        ("RELKIT_SIGNING_KEY", key.secret.as_str()),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_OUTPUT", out_file.to_str().unwrap()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    let out = sign(d, &["SHA256SUMS"], &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let outputs: std::collections::BTreeMap<String, String> =
        harness::parse_file_command(&fs::read_to_string(&out_file).unwrap())
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(outputs["fingerprint"], key.fingerprint);
    assert_eq!(outputs["signature"], "SHA256SUMS.asc");
    assert_eq!(outputs["format"], "openpgp");
    let md = fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains(&key.fingerprint) && md.contains("`SHA256SUMS.asc`"),
        "{md}"
    );

    fs::write(&out_file, "").unwrap();
    write(d, "SHA256SUMS", b"changed\n");
    let out = sign(d, &["--verify", "SHA256SUMS", "--key", "KEY.asc"], &env);
    assert_eq!(out.code, 1);
    let outputs: std::collections::BTreeMap<String, String> =
        harness::parse_file_command(&fs::read_to_string(&out_file).unwrap())
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(
        (outputs["valid"].as_str(), outputs["fingerprint"].as_str()),
        ("false", key.fingerprint.as_str())
    );
    assert!(
        out.stderr.starts_with("::error title=sign::") && out.stderr.contains("BAD signature"),
        "{}",
        out.stderr
    );
}

fn action() -> harness::Action {
    harness::Action::load("actions/sign")
}

#[test]
fn action_signs_with_the_secret_input_and_verifies() {
    let gpg = Gpg::new();
    let pass = "p4ss phrase";
    gpg.gen(
        "Action <action@example.org>",
        "ed25519",
        "sign",
        "never",
        pass,
        &[],
    );
    let key = gpg.key("action@example.org", pass);
    let ws = tempfile::tempdir().unwrap();
    // A file name that would run a command if the input were interpolated into the script.
    let name = "dist/app $(touch pwned).tar.gz";
    write(ws.path(), name, b"app");
    let signed = action()
        .input("files", name)
        .input("signing-key", &key.secret)
        .input("passphrase", pass)
        .input("export-key", "KEY.gpg")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(signed.success, "{signed}");
    assert!(!ws.path().join("pwned").exists());
    assert_eq!(signed.outputs["fingerprint"], key.fingerprint);
    assert_eq!(signed.outputs["signature"], format!("{name}.asc"));
    assert!(!signed.log().contains(pass) || signed.log().contains(&format!("::add-mask::{pass}")));
    let sig = ws.path().join(format!("{name}.asc"));
    let v = gpgv(
        &ws.path().join("KEY.gpg"),
        &[
            sig.to_str().unwrap(),
            ws.path().join(name).to_str().unwrap(),
        ],
    );
    assert_eq!(v.code, 0, "{}", v.stderr);

    let ok = action()
        .input("verify", name)
        .input("keys", "KEY.gpg")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(ok.success, "{ok}");
    assert_eq!(ok.outputs["valid"], "true");
    write(ws.path(), name, b"app, modified");
    let bad = action()
        .input("verify", name)
        .input("keys", "KEY.gpg")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(!bad.success);
    assert_eq!(bad.step("run").exit_code, Some(1));
    assert_eq!(bad.outputs["valid"], "false");
}

#[test]
fn checksum_action_checks_the_manifest_signature() {
    let gpg = Gpg::new();
    gpg.gen(
        "Release <release@example.org>",
        "ed25519",
        "sign",
        "never",
        "",
        &[],
    );
    let key = gpg.key("release@example.org", "");
    let ws = tempfile::tempdir().unwrap();
    write(ws.path(), "dist/app.tar.gz", b"app");
    let sums = relkit(
        CHECKSUM,
        ws.path(),
        &["-o", "dist/SHA256SUMS", "--base", "dist", "dist/app.tar.gz"],
        &[],
    );
    assert_eq!(sums.code, 0, "{}", sums.stderr);
    let signed = action()
        .input("files", "dist/SHA256SUMS")
        .input("signing-key", &key.secret)
        .input("export-key", "KEY.asc")
        .workspace(ws.path())
        .run()
        .unwrap();
    assert!(signed.success, "{signed}");
    let check = || {
        harness::Action::load("actions/checksum")
            .input("check", "dist/SHA256SUMS")
            .input("base", "dist")
            .input("signature", "dist/SHA256SUMS.asc")
            .input("keys", "KEY.asc")
            .workspace(ws.path())
            .run()
            .unwrap()
    };
    let ok = check();
    assert!(ok.success, "{ok}");
    assert_eq!(ok.outputs["count"], "1");
    // A manifest changed after signing is refused before any file is looked at.
    let mut manifest = fs::read(ws.path().join("dist/SHA256SUMS")).unwrap();
    manifest.extend_from_slice(
        b"0000000000000000000000000000000000000000000000000000000000000000  evil.sh\n",
    );
    fs::write(ws.path().join("dist/SHA256SUMS"), manifest).unwrap();
    let bad = check();
    assert!(!bad.success, "{bad}");
    assert_eq!(bad.step("run").exit_code, Some(1));
    assert!(bad.log().contains(&key.fingerprint), "{bad}");
    assert!(!bad.log().contains("evil.sh: FAILED"), "{bad}");
}

#[test]
fn the_signature_beside_the_file_is_the_one_of_the_keys_format() {
    // A release publishes SHA256SUMS.asc and SHA256SUMS.minisig; a user holding only the
    // minisign key (or only the OpenPGP key) checks the signature of that format.
    let gpg = Gpg::new();
    gpg.gen(
        "Both <both@example.org>",
        "ed25519",
        "sign",
        "never",
        "",
        &[],
    );
    let key = gpg.key("both@example.org", "");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    minisign_keygen(d, "ms", None);
    write(d, "SHA256SUMS", b"sums\n");
    write(d, "KEY.asc", key.public_asc.as_bytes());
    let pgp = sign(d, &["SHA256SUMS"], &[("RELKIT_SIGNING_KEY", &key.secret)]);
    assert_eq!(pgp.code, 0, "{}", pgp.stderr);
    let ms_secret = fs::read_to_string(d.join("ms.key")).unwrap();
    let ms = sign(d, &["SHA256SUMS"], &[("RELKIT_SIGNING_KEY", &ms_secret)]);
    assert_eq!(ms.code, 0, "{}", ms.stderr);
    for (keyfile, expected) in [
        ("ms.pub", "SHA256SUMS.minisig"),
        ("KEY.asc", "SHA256SUMS.asc"),
    ] {
        let out = sign(
            d,
            &["--verify", "SHA256SUMS", "--key", keyfile, "--json"],
            &[],
        );
        assert_eq!(out.code, 0, "{keyfile}: {}", out.stderr);
        assert_eq!(out.json()["signature"], expected, "{}", out.stdout);
    }
    // The message for a signature of the other format reads right.
    let wrong = sign(
        d,
        &[
            "--verify",
            "SHA256SUMS",
            "--signature",
            "SHA256SUMS.asc",
            "--key",
            "ms.pub",
        ],
        &[],
    );
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(
        wrong
            .stderr
            .contains("the signature is OpenPGP, but no OpenPGP key was given (only minisign)"),
        "{}",
        wrong.stderr
    );
}
