//! Black-box tests of `apt-repo` with the real clients: repositories built from `.deb` files
//! made by `dpkg-deb`, signed with keys `gpg` generates in the test, served on 127.0.0.1 by
//! Python's http.server, and read by the real `apt-get update`, `apt-get download` and
//! `apt-get install --simulate` with their own state directories (nothing touches the
//! machine's APT state). Tampered indices, a wrong key, an expired Valid-Until and a missing
//! by-hash file must each make `apt-get update` fail; the indices must agree with
//! `apt-ftparchive` on the same pool.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use gpg::{output, Gpg, Out};
use pretty_assertions::assert_eq;
use sha2::{Digest, Sha256};

mod gpg;
mod harness;

const APT_REPO: &str = env!("CARGO_BIN_EXE_apt-repo");
const RELKIT: &str = env!("CARGO_BIN_EXE_relkit");

/// Runs apt-repo in `dir` with the signing key in RELKIT_SIGNING_KEY (when given) and a fixed
/// environment: no Actions, no colour.
fn apt_repo(dir: &Path, key: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(APT_REPO);
    cmd.current_dir(dir)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("RELKIT_SIGNING_KEY")
        .env_remove("RELKIT_SIGNING_PASSPHRASE")
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1");
    if let Some(key) = key {
        cmd.env("RELKIT_SIGNING_KEY", key);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    output(&mut cmd)
}

fn ok(out: Out) -> Out {
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    out
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("apt").tempdir().unwrap()
}

/// Builds `name_version_arch.deb` in `dir` with `dpkg-deb`; `payload` changes the content.
fn deb(dir: &Path, name: &str, version: &str, arch: &str, payload: &str) -> PathBuf {
    deb_compressed(dir, name, version, arch, payload, "xz")
}

/// [`deb`] with the members compressed by `compression` (`dpkg-deb -Z`: gzip, xz, zstd, none).
fn deb_compressed(
    dir: &Path,
    name: &str,
    version: &str,
    arch: &str,
    payload: &str,
    compression: &str,
) -> PathBuf {
    let root = tempdir();
    let control = root.path().join("DEBIAN");
    // hello needs hello-data, so installing it resolves a relationship within the repository.
    let depends = if name == "hello" {
        "Depends: hello-data (>= 1.0) | hello-extra\n"
    } else {
        ""
    };
    fs::create_dir_all(&control).unwrap();
    fs::write(
        control.join("control"),
        format!(
            "Package: {name}\nVersion: {version}\nArchitecture: {arch}\nMaintainer: Release Team <release@example.org>\n\
             Installed-Size: 1\nSection: utils\nPriority: optional\n{depends}\
             Description: {name}, a test package\n It says hello.\n .\n  An indented line.\n"
        ),
    )
    .unwrap();
    let doc = root.path().join("usr/share/doc").join(name);
    fs::create_dir_all(&doc).unwrap();
    fs::write(doc.join("README"), payload).unwrap();
    let file_version = version.split_once(':').map_or(version, |(_, v)| v);
    let out = dir.join(format!("{name}_{file_version}_{arch}.deb"));
    let status = Command::new("dpkg-deb")
        .args(["--build", "--root-owner-group"])
        .arg(format!("-Z{compression}"))
        .arg(root.path())
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "dpkg-deb --build");
    out
}

/// A key made by `gpg --quick-gen-key` (gpg's default algorithm, no passphrase), with the
/// GnuPG home it lives in.
struct Key {
    _gpg: Gpg,
    fingerprint: String,
    secret: String,
}

impl Key {
    fn new(uid: &str) -> Key {
        let gpg = Gpg::new();
        gpg.gen(uid, "default", "default", "never", "", &[]);
        let key = gpg.key(uid, "");
        Key {
            _gpg: gpg,
            fingerprint: key.fingerprint,
            secret: key.secret,
        }
    }
}

/// Python's http.server serving `dir` on 127.0.0.1; stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Server { child, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real apt-get with its own configuration, lists, cache and dpkg status, for one
/// architecture: nothing of the machine's APT state is read or written.
struct Apt {
    root: tempfile::TempDir,
    config: PathBuf,
}

impl Apt {
    fn new(arch: &str, source: &str) -> Apt {
        let root = tempdir();
        let r = root.path();
        for d in [
            "etc/apt/sources.list.d",
            "etc/apt/apt.conf.d",
            "etc/apt/preferences.d",
            "etc/apt/trusted.gpg.d",
            "state/lists/partial",
            "cache/archives/partial",
            "log",
        ] {
            fs::create_dir_all(r.join(d)).unwrap();
        }
        fs::write(r.join("etc/apt/sources.list"), format!("{source}\n")).unwrap();
        fs::write(r.join("status"), "").unwrap();
        let config = r.join("apt.conf");
        let p = |s: &str| r.join(s).display().to_string();
        fs::write(
            &config,
            format!(
                "Dir::Etc \"{}/\";\nDir::Etc::sourcelist \"{}\";\nDir::Etc::sourceparts \"{}/\";\n\
                 Dir::Etc::parts \"{}/\";\nDir::Etc::preferencesparts \"{}/\";\nDir::Etc::trustedparts \"{}/\";\n\
                 Dir::State \"{}/\";\nDir::State::status \"{}\";\nDir::Cache \"{}/\";\nDir::Log \"{}/\";\n\
                 APT::Architecture \"{arch}\";\nAPT::Architectures {{ \"{arch}\"; }};\n\
                 APT::Sandbox::User \"root\";\nDebug::NoLocking \"true\";\nAcquire::Languages \"none\";\n\
                 Acquire::Retries \"0\";\nAcquire::http::Proxy \"DIRECT\";\n",
                p("etc/apt"),
                p("etc/apt/sources.list"),
                p("etc/apt/sources.list.d"),
                p("etc/apt/apt.conf.d"),
                p("etc/apt/preferences.d"),
                p("etc/apt/trusted.gpg.d"),
                p("state"),
                p("status"),
                p("cache"),
                p("log"),
            ),
        )
        .unwrap();
        Apt { root, config }
    }

    fn run(&self, program: &str, args: &[&str]) -> Out {
        output(
            Command::new(program)
                .current_dir(self.root.path())
                .env("APT_CONFIG", &self.config)
                .env_remove("http_proxy")
                .env_remove("HTTP_PROXY")
                .args(args),
        )
    }

    fn update(&self) -> Out {
        self.run("apt-get", &["update"])
    }
}

/// A signed repository served on loopback, with a keyring file for `signed-by=`.
fn sources_line(server: &Server, keyring: &Path, suite: &str, components: &str) -> String {
    format!(
        "deb [signed-by={}] {} {suite} {components}",
        keyring.display(),
        server.url()
    )
}

fn sha256(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file under `dir` with its SHA-256, for "nothing changed" checks.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                sha256(e.path()),
            )
        })
        .collect()
}

/// The deb822 paragraphs of a text, each as a field map.
fn paragraphs(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::new();
    let mut cur: BTreeMap<String, String> = BTreeMap::new();
    let mut last = String::new();
    for line in text.lines() {
        if line.is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else if line.starts_with(' ') {
            let v = cur.get_mut(&last).unwrap();
            v.push('\n');
            v.push_str(line);
        } else {
            let (k, v) = line.split_once(':').unwrap();
            last = k.to_string();
            cur.insert(k.to_string(), v.trim().to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Three packages in two versions each, over amd64, arm64 and all.
fn packages(dir: &Path) -> Vec<PathBuf> {
    let mut debs = Vec::new();
    for version in ["1.0-1", "1.1-1"] {
        debs.push(deb(
            dir,
            "hello",
            version,
            "amd64",
            &format!("hello {version} amd64"),
        ));
        debs.push(deb(
            dir,
            "hello",
            version,
            "arm64",
            &format!("hello {version} arm64"),
        ));
        debs.push(deb(
            dir,
            "hello-data",
            version,
            "all",
            &format!("data {version}"),
        ));
    }
    debs
}

fn strs(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).collect()
}

#[test]
fn apt_get_updates_downloads_and_installs_from_the_signed_repository() {
    let work = tempdir();
    let w = work.path();
    let debs = packages(w);
    let key = Key::new("Repo Test <repo@example.org>");
    let mut args = vec!["--repo".to_string(), "site".into(), "--json".into()];
    args.extend(strs(&debs));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(apt_repo(w, Some(&key.secret), &args, &[]));
    let doc = out.json();
    assert_eq!(doc["changed"], true);
    assert_eq!(doc["packages"], 6);
    assert_eq!(doc["architectures"], serde_json::json!(["amd64", "arm64"]));
    assert_eq!(doc["fingerprint"], key.fingerprint.as_str());
    let site = w.join("site");
    for f in [
        "KEY.asc",
        "KEY.gpg",
        "dists/stable/InRelease",
        "dists/stable/Release.gpg",
    ] {
        assert!(site.join(f).is_file(), "{f}");
    }
    assert_eq!(
        sha256(&site.join("pool/main/h/hello/hello_1.1-1_arm64.deb")),
        sha256(&w.join("hello_1.1-1_arm64.deb"))
    );
    // Every file as a plain `File::create` makes it (0666 less the umask): a web server or
    // GitHub Pages running as another user must be able to read them.
    let umask = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    nix::sys::stat::umask(umask);
    for e in walkdir::WalkDir::new(&site) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            use std::os::unix::fs::PermissionsExt;
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o666 & !umask.bits(), "{}", e.path().display());
        }
    }

    let server = Server::start(&site);
    let line = sources_line(&server, &site.join("KEY.gpg"), "stable", "main");
    let apt = Apt::new("amd64", &line);
    let update = apt.update();
    assert_eq!(update.code, 0, "{}\n{}", update.stdout, update.stderr);
    assert!(
        !update.stderr.contains("W:") && !update.stderr.contains("E:"),
        "apt-get update warned: {}",
        update.stderr
    );
    let madison = apt.run("apt-cache", &["madison", "hello", "hello-data"]);
    let mut listed: Vec<String> = madison
        .stdout
        .lines()
        .map(|l| {
            l.split('|')
                .map(str::trim)
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            "hello 1.0-1",
            "hello 1.1-1",
            "hello-data 1.0-1",
            "hello-data 1.1-1"
        ],
        "{}",
        madison.stderr
    );
    // apt-get download checks the file against the Packages hashes.
    let download = apt.run("apt-get", &["download", "hello=1.0-1", "hello-data"]);
    assert_eq!(download.code, 0, "{}", download.stderr);
    assert_eq!(
        sha256(&apt.root.path().join("hello_1.0-1_amd64.deb")),
        sha256(&w.join("hello_1.0-1_amd64.deb"))
    );
    assert!(apt.root.path().join("hello-data_1.1-1_all.deb").is_file());
    let install = apt.run(
        "apt-get",
        &["install", "--simulate", "--no-install-recommends", "hello"],
    );
    let inst: Vec<&str> = install
        .stdout
        .lines()
        .filter(|l| l.starts_with("Inst "))
        .collect();
    assert!(
        inst.iter()
            .any(|l| l.starts_with("Inst hello (1.1-1 ") && l.contains("[amd64]")),
        "{}\n{}",
        install.stdout,
        install.stderr
    );
    assert!(
        inst.iter()
            .any(|l| l.starts_with("Inst hello-data (1.1-1 ") && l.contains("[all]")),
        "{}",
        install.stdout
    );

    // An arm64 machine sees its own build and the all package.
    let arm = Apt::new("arm64", &line);
    let update = arm.update();
    assert_eq!(update.code, 0, "{}", update.stderr);
    let policy = arm.run("apt-cache", &["show", "hello=1.1-1"]);
    assert!(
        policy.stdout.contains("Architecture: arm64"),
        "{}",
        policy.stdout
    );
    let data = arm.run("apt-cache", &["show", "hello-data=1.0-1"]);
    assert!(data.stdout.contains("Architecture: all"), "{}", data.stdout);
}

/// Builds a signed repository of two packages in `w/site`.
fn small_repo(w: &Path, key: &Key, extra: &[&str], env: &[(&str, &str)]) -> PathBuf {
    let a = deb(w, "hello", "1.0-1", "amd64", "a");
    let b = deb(w, "hello-data", "1.0-1", "all", "b");
    let mut args = vec!["--repo", "site"];
    args.extend(extra);
    let (a, b) = (a.display().to_string(), b.display().to_string());
    args.extend([a.as_str(), b.as_str()]);
    ok(apt_repo(w, Some(&key.secret), &args, env));
    w.join("site")
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// `apt-get update` against `site` (served) with `keyring`: the exit code and what it said.
fn update_against(site: &Path, keyring: &Path) -> Out {
    let server = Server::start(site);
    let apt = Apt::new("amd64", &sources_line(&server, keyring, "stable", "main"));
    apt.update()
}

#[test]
fn apt_get_update_fails_on_a_tampered_index_a_wrong_key_an_expired_release_and_a_missing_by_hash_file(
) {
    let work = tempdir();
    let w = work.path();
    let key = Key::new("Repo Test <repo@example.org>");
    let site = small_repo(w, &key, &[], &[]);
    let good = update_against(&site, &site.join("KEY.gpg"));
    assert_eq!(
        good.code, 0,
        "the untouched repository must pass: {}",
        good.stderr
    );

    // Tampered: every form of the amd64 index (and its by-hash copies) gets one more entry.
    let tampered = w.join("tampered");
    copy_tree(&site, &tampered);
    for e in walkdir::WalkDir::new(tampered.join("dists/stable/main/binary-amd64")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let mut bytes = fs::read(e.path()).unwrap();
            bytes.extend_from_slice(b"\nPackage: evil\n");
            fs::write(e.path(), bytes).unwrap();
        }
    }
    let out = update_against(&tampered, &tampered.join("KEY.gpg"));
    assert_ne!(out.code, 0, "tampered index accepted: {}", out.stderr);
    assert!(
        out.stderr.contains("Hash Sum mismatch") || out.stderr.contains("File has unexpected size"),
        "{}",
        out.stderr
    );

    // Signed by another key than the one the user trusts.
    let other = Key::new("Someone Else <else@example.org>");
    let elsewhere = tempdir();
    let other_site = small_repo(elsewhere.path(), &other, &[], &[]);
    let out = update_against(&site, &other_site.join("KEY.gpg"));
    assert_ne!(out.code, 0, "wrong key accepted: {}", out.stderr);
    assert!(
        out.stderr.contains("NO_PUBKEY") || out.stderr.contains("not signed"),
        "{}",
        out.stderr
    );

    // Valid-Until in the past: a Release signed two days ago, valid for one.
    let expired_dir = tempdir();
    let two_days_ago = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 2 * 86400)
        .to_string();
    let expired = small_repo(
        expired_dir.path(),
        &key,
        &["--valid-for", "1d"],
        &[("SOURCE_DATE_EPOCH", &two_days_ago)],
    );
    let release = fs::read_to_string(expired.join("dists/stable/Release")).unwrap();
    assert!(release.contains("\nValid-Until: "), "{release}");
    let out = update_against(&expired, &expired.join("KEY.gpg"));
    assert_ne!(out.code, 0, "expired Release accepted: {}", out.stderr);
    assert!(out.stderr.contains("expired"), "{}", out.stderr);

    // By-hash: a client holding the InRelease of a moment ago while the next run has already
    // replaced the indices (a mirror mid-sync, a CDN serving two generations) still finds the
    // indices its InRelease names under by-hash/, because a run keeps the previous generation;
    // without those files, apt-get update fails on the mismatching plain index.
    let gen1 = [
        fs::read(site.join("dists/stable/InRelease")).unwrap(),
        fs::read(site.join("dists/stable/Release")).unwrap(),
    ];
    let newer = deb(w, "hello", "1.1-1", "amd64", "gen2");
    ok(apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", newer.to_str().unwrap()],
        &[],
    ));
    let mixed = w.join("mixed");
    copy_tree(&site, &mixed);
    fs::write(mixed.join("dists/stable/InRelease"), &gen1[0]).unwrap();
    fs::write(mixed.join("dists/stable/Release"), &gen1[1]).unwrap();
    let out = update_against(&mixed, &mixed.join("KEY.gpg"));
    assert_eq!(
        out.code, 0,
        "the previous generation's by-hash files are gone: {}",
        out.stderr
    );
    fs::remove_dir_all(mixed.join("dists/stable/main/binary-amd64/by-hash")).unwrap();
    let out = update_against(&mixed, &mixed.join("KEY.gpg"));
    assert_ne!(out.code, 0, "missing by-hash file accepted: {}", out.stderr);
    assert!(
        out.stderr.contains("Hash Sum mismatch") || out.stderr.contains("File has unexpected size"),
        "{}",
        out.stderr
    );
}

#[test]
fn indices_agree_with_apt_ftparchive_on_the_same_pool() {
    let work = tempdir();
    let w = work.path();
    let debs = packages(w);
    let key = Key::new("Repo Test <repo@example.org>");
    let key_of = |p: &BTreeMap<String, String>| {
        (
            p["Package"].clone(),
            p["Version"].clone(),
            p["Architecture"].clone(),
        )
    };
    // The default digests are Debian's archive's (MD5sum and SHA256): apt-ftparchive told to
    // write those; --hashes with all four: apt-ftparchive's default.
    let variants: [(&str, &[&str], &[&str]); 2] = [
        (
            "site",
            &[],
            &[
                "-o",
                "APT::FTPArchive::SHA1=false",
                "-o",
                "APT::FTPArchive::SHA512=false",
            ],
        ),
        ("site4", &["--hashes", "md5,sha1,sha256,sha512"], &[]),
    ];
    for (dir, flags, ftp_options) in variants {
        let mut args = vec!["--repo".to_string(), dir.into()];
        args.extend(flags.iter().map(|f| f.to_string()));
        args.extend(strs(&debs));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(apt_repo(w, Some(&key.secret), &args, &[]));
        let site = w.join(dir);
        let theirs = output(
            Command::new("apt-ftparchive")
                .current_dir(&site)
                .args(ftp_options)
                .args(["packages", "pool"]),
        );
        assert_eq!(theirs.code, 0, "{}", theirs.stderr);
        let theirs: BTreeMap<_, _> = paragraphs(&theirs.stdout)
            .into_iter()
            .map(|p| (key_of(&p), p))
            .collect();
        let mut ours = BTreeMap::new();
        for arch in ["amd64", "arm64"] {
            let text =
                fs::read_to_string(site.join(format!("dists/stable/main/binary-{arch}/Packages")))
                    .unwrap();
            for p in paragraphs(&text) {
                let k = key_of(&p);
                assert!(k.2 == arch || k.2 == "all", "{k:?} listed under {arch}");
                ours.insert(k, p);
            }
        }
        assert_eq!(ours.len(), 6);
        let fields: BTreeSet<&str> = ours
            .values()
            .next()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let want = if flags.is_empty() {
            ["MD5sum", "SHA256"].as_slice()
        } else {
            ["MD5sum", "SHA1", "SHA256", "SHA512"].as_slice()
        };
        for hash in ["MD5sum", "SHA1", "SHA256", "SHA512"] {
            assert_eq!(
                fields.contains(hash),
                want.contains(&hash),
                "{dir}: {hash} in {fields:?}"
            );
        }
        assert_eq!(
            ours, theirs,
            "{dir}: same packages, same fields, same hashes"
        );
    }
    let site = w.join("site");

    // The Release hash sections list the same files with the same sizes and digests.
    let release = output(
        Command::new("apt-ftparchive")
            .current_dir(site.join("dists/stable"))
            .args(["release", "."]),
    );
    assert_eq!(release.code, 0, "{}", release.stderr);
    let ours = fs::read_to_string(site.join("dists/stable/Release")).unwrap();
    let theirs = paragraphs(&release.stdout).remove(0);
    let ours = paragraphs(&ours).remove(0);
    for section in ["MD5Sum", "SHA1", "SHA256", "SHA512"] {
        // apt-ftparchive, run over the finished suite directory, also lists the Release file
        // already there; a Release never lists itself.
        let lines = |p: &BTreeMap<String, String>| -> BTreeSet<Vec<String>> {
            p[section]
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.ends_with(" Release"))
                .map(|l| l.split_whitespace().map(str::to_string).collect())
                .collect()
        };
        assert_eq!(lines(&ours), lines(&theirs), "{section}");
    }
    // And dpkg-scanpackages, Debian's other indexer, finds the same packages in the pool.
    let scan = output(
        Command::new("dpkg-scanpackages")
            .current_dir(&site)
            .args(["--multiversion", "pool"]),
    );
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let scanned: BTreeSet<_> = paragraphs(&scan.stdout)
        .iter()
        .map(|p| (key_of(p), p["SHA256"].clone(), p["Filename"].clone()))
        .collect();
    let theirs_keys: BTreeSet<_> = paragraphs(
        &fs::read_to_string(site.join("dists/stable/main/binary-amd64/Packages")).unwrap(),
    )
    .iter()
    .chain(
        paragraphs(
            &fs::read_to_string(site.join("dists/stable/main/binary-arm64/Packages")).unwrap(),
        )
        .iter(),
    )
    .map(|p| (key_of(p), p["SHA256"].clone(), p["Filename"].clone()))
    .collect();
    assert_eq!(scanned, theirs_keys);
}

#[test]
fn runs_are_incremental_idempotent_refuse_conflicts_and_keep_the_newest() {
    let work = tempdir();
    let w = work.path();
    let key = Key::new("Repo Test <repo@example.org>");
    let site = small_repo(w, &key, &[], &[]);
    let before = tree(&site);

    // The same files again: nothing is written, not even a new Date.
    let a = w.join("hello_1.0-1_amd64.deb").display().to_string();
    let b = w.join("hello-data_1.0-1_all.deb").display().to_string();
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", "--json", &a, &b],
        &[],
    ));
    assert_eq!(out.json()["changed"], false);
    assert_eq!(
        out.json()["unchanged"],
        serde_json::json!(["hello_1.0-1_amd64", "hello-data_1.0-1_all"])
    );
    assert_eq!(
        tree(&site),
        before,
        "a re-run with the same files changed the repository"
    );

    // A different file under a published name, version and architecture is refused.
    let other = tempdir();
    let changed = deb(
        other.path(),
        "hello",
        "1.0-1",
        "amd64",
        "rebuilt differently",
    );
    let out = apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", changed.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("hello_1.0-1_amd64"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("pool/main/h/hello/hello_1.0-1_amd64.deb"),
        "{}",
        out.stderr
    );
    assert_eq!(tree(&site), before, "a refused run changed the repository");

    // New versions are added next to the old ones; then --keep 2 and --keep 1 prune.
    let v2 = deb(w, "hello", "1.1-1", "amd64", "v2");
    let v3 = deb(w, "hello", "1:0.9-1", "amd64", "epoch wins");
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", "--json", v2.to_str().unwrap()],
        &[],
    ));
    assert_eq!(
        out.json()["added"],
        serde_json::json!(["hello_1.1-1_amd64"])
    );
    let packages =
        fs::read_to_string(site.join("dists/stable/main/binary-amd64/Packages")).unwrap();
    let versions: Vec<String> = paragraphs(&packages)
        .iter()
        .filter(|p| p["Package"] == "hello")
        .map(|p| p["Version"].clone())
        .collect();
    assert_eq!(versions, ["1.0-1", "1.1-1"]);
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &[
            "--repo",
            "site",
            "--json",
            "--keep",
            "2",
            v3.to_str().unwrap(),
        ],
        &[],
    ));
    // 1:0.9-1 is the newest by its epoch, so 1.0-1 goes.
    assert_eq!(
        out.json()["removed"],
        serde_json::json!(["hello_1.0-1_amd64"])
    );
    assert!(!site
        .join("pool/main/h/hello/hello_1.0-1_amd64.deb")
        .exists());
    assert!(site
        .join("pool/main/h/hello/hello_0.9-1_amd64.deb")
        .exists());
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", "--json", "--keep", "1"],
        &[],
    ));
    assert_eq!(
        out.json()["removed"],
        serde_json::json!(["hello_1.1-1_amd64"])
    );
    assert_eq!(out.json()["packages"], 2);
    // The previous generation's by-hash files stay for clients mid-update; older ones go.
    let by_hash: Vec<_> = fs::read_dir(site.join("dists/stable/main/binary-amd64/by-hash/SHA256"))
        .unwrap()
        .collect();
    assert_eq!(
        by_hash.len(),
        6,
        "three index forms, this Release and the one before"
    );

    // --valid-for: a run re-signs when less than half the period is left, even with nothing
    // new, so a scheduled job keeps the repository valid; with more left it changes nothing.
    let twenty_days_ago = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 20 * 86400)
        .to_string();
    let first = ok(apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", "--json", "--valid-for", "30d"],
        &[("SOURCE_DATE_EPOCH", &twenty_days_ago)],
    ));
    assert_eq!(first.json()["changed"], true, "Valid-Until added");
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", "--json", "--valid-for", "30d"],
        &[],
    ));
    assert_eq!(out.json()["changed"], true, "10 of 30 days left: re-signed");
    assert_ne!(out.json()["valid_until"], first.json()["valid_until"]);
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", "--json", "--valid-for", "30d"],
        &[],
    ));
    assert_eq!(out.json()["changed"], false, "30 days left: nothing to do");

    // Still a repository apt-get reads, with the newest version.
    let server = Server::start(&site);
    let apt = Apt::new(
        "amd64",
        &sources_line(&server, &site.join("KEY.gpg"), "stable", "main"),
    );
    let update = apt.update();
    assert_eq!(update.code, 0, "{}", update.stderr);
    let show = apt.run("apt-cache", &["madison", "hello"]);
    assert!(show.stdout.contains("1:0.9-1"), "{}", show.stdout);
    assert!(!show.stdout.contains("1.1-1"), "{}", show.stdout);
}

#[test]
fn suites_and_components_are_kept_side_by_side() {
    let work = tempdir();
    let w = work.path();
    let key = Key::new("Repo Test <repo@example.org>");
    let site = small_repo(
        w,
        &key,
        &["--origin", "Example", "--description", "Example packages"],
        &[],
    );
    let main_index = fs::read(site.join("dists/stable/main/binary-amd64/Packages")).unwrap();
    let extra = deb(w, "hello-extra", "2.0", "amd64", "extra");
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &[
            "--repo",
            "site",
            "--component",
            "contrib",
            "--json",
            extra.to_str().unwrap(),
        ],
        &[],
    ));
    assert_eq!(
        out.json()["components"],
        serde_json::json!(["contrib", "main"])
    );
    assert_eq!(
        fs::read(site.join("dists/stable/main/binary-amd64/Packages")).unwrap(),
        main_index,
        "another component's index was rewritten"
    );
    let release = fs::read_to_string(site.join("dists/stable/Release")).unwrap();
    assert!(
        release.contains("\nComponents: contrib main\n"),
        "{release}"
    );
    assert!(
        release.starts_with("Origin: Example\nLabel: Example\n"),
        "{release}"
    );
    assert!(
        release.contains(" main/binary-amd64/Packages.xz\n"),
        "{release}"
    );
    assert!(
        release.contains(" contrib/binary-amd64/Packages.xz\n"),
        "{release}"
    );
    assert!(site
        .join("pool/contrib/h/hello-extra/hello-extra_2.0_amd64.deb")
        .is_file());
    // A second suite of its own.
    let next = deb(w, "hello", "2.0-1", "amd64", "next");
    ok(apt_repo(
        w,
        Some(&key.secret),
        &[
            "--repo",
            "site",
            "--suite",
            "testing",
            "--codename",
            "trixie",
            next.to_str().unwrap(),
        ],
        &[],
    ));
    let testing = fs::read_to_string(site.join("dists/testing/Release")).unwrap();
    assert!(
        testing.starts_with("Suite: testing\nCodename: trixie\n"),
        "{testing}"
    );

    let server = Server::start(&site);
    let keyring = site.join("KEY.gpg");
    let list = format!(
        "{}\n{}",
        sources_line(&server, &keyring, "stable", "main contrib"),
        sources_line(&server, &keyring, "testing", "main")
    );
    let apt = Apt::new("amd64", &list);
    let update = apt.update();
    assert_eq!(update.code, 0, "{}", update.stderr);
    let madison = apt.run("apt-cache", &["madison", "hello", "hello-extra"]);
    for want in ["hello | 2.0-1", "hello | 1.0-1", "hello-extra |      2.0"] {
        assert!(
            madison.stdout.lines().any(|l| l
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .starts_with(&want.split_whitespace().collect::<Vec<_>>().join(" "))),
            "{want}: {}",
            madison.stdout
        );
    }
}

#[test]
fn from_url_fetches_the_published_repository_verified_and_adds_to_it() {
    let work = tempdir();
    let w = work.path();
    let key = Key::new("Repo Test <repo@example.org>");
    let published = small_repo(w, &key, &[], &[]);
    let server = Server::start(&published);
    let newer = deb(w, "hello", "1.1-1", "amd64", "newer");

    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &[
            "--repo",
            "next",
            "--from",
            &server.url(),
            "--json",
            newer.to_str().unwrap(),
        ],
        &[],
    ));
    let doc = out.json();
    assert_eq!(doc["added"], serde_json::json!(["hello_1.1-1_amd64"]));
    assert_eq!(doc["packages"], 3, "the published two and the new one");
    assert!(doc["fetched"]["files"].as_u64().unwrap() >= 6, "{doc}");
    let next = w.join("next");
    assert_eq!(
        sha256(&next.join("pool/main/h/hello/hello_1.0-1_amd64.deb")),
        sha256(&published.join("pool/main/h/hello/hello_1.0-1_amd64.deb"))
    );
    let out = update_against(&next, &next.join("KEY.gpg"));
    assert_eq!(out.code, 0, "{}", out.stderr);

    // A URL with nothing published yet starts a new repository.
    let empty = tempdir();
    let nothing = Server::start(empty.path());
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &[
            "--repo",
            "fresh",
            "--from",
            &nothing.url(),
            "--json",
            newer.to_str().unwrap(),
        ],
        &[],
    ));
    assert_eq!(out.json()["packages"], 1);

    // Published by another key: refused before anything is added.
    let other = Key::new("Someone Else <else@example.org>");
    let out = apt_repo(
        w,
        Some(&other.secret),
        &[
            "--repo",
            "other",
            "--from",
            &server.url(),
            newer.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains(&other.fingerprint), "{}", out.stderr);
    assert!(!w.join("other/pool").exists());

    // A pool file changed on the server: its hash no longer matches the signed index.
    drop(server);
    let tampered = w.join("tampered");
    copy_tree(&published, &tampered);
    fs::write(
        tampered.join("pool/main/h/hello/hello_1.0-1_amd64.deb"),
        b"not the package",
    )
    .unwrap();
    let bad = Server::start(&tampered);
    let out = apt_repo(
        w,
        Some(&key.secret),
        &[
            "--repo",
            "bad",
            "--from",
            &bad.url(),
            newer.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("hello_1.0-1_amd64.deb"),
        "{}",
        out.stderr
    );
    drop(bad);

    // Nobody listening: an environment failure, exit 3.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = apt_repo(
        w,
        Some(&key.secret),
        &[
            "--repo",
            "down",
            "--from",
            &format!("http://127.0.0.1:{port}"),
            newer.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("127.0.0.1:{port}")),
        "{}",
        out.stderr
    );

    // --from into a directory that already holds the suite is a usage error.
    let out = apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", "--from", &nothing.url()],
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn outputs_summary_and_setup_lines_inside_actions() {
    let work = tempdir();
    let w = work.path();
    let key = Key::new("Repo Test <repo@example.org>");
    let a = deb(w, "hello", "1.0-1", "amd64", "a");
    let outputs = w.join("outputs");
    let summary = w.join("summary");
    fs::write(&outputs, "").unwrap();
    fs::write(&summary, "").unwrap();
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &[
            "--repo",
            "site",
            "--url",
            "https://example.github.io/app/",
            "--name",
            "app",
            a.to_str().unwrap(),
        ],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    ));
    assert!(!out.stdout.contains("PRIVATE KEY"), "{}", out.stdout);
    assert!(!out.stderr.contains("PRIVATE KEY"), "{}", out.stderr);
    let got: BTreeMap<String, String> =
        harness::parse_file_command(&fs::read_to_string(&outputs).unwrap())
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(got["changed"], "true");
    assert_eq!(got["packages"], "1");
    assert_eq!(got["added"], "hello_1.0-1_amd64");
    assert_eq!(got["fingerprint"], key.fingerprint);
    assert_eq!(
        got["apt-line"],
        "deb [signed-by=/etc/apt/keyrings/app.gpg] https://example.github.io/app stable main"
    );
    assert_eq!(
        got["keyring-command"],
        "curl -fsSL https://example.github.io/app/KEY.gpg | sudo tee /etc/apt/keyrings/app.gpg > /dev/null"
    );
    assert_eq!(
        got["sources"],
        "Types: deb\nURIs: https://example.github.io/app\nSuites: stable\nComponents: main\nSigned-By: /etc/apt/keyrings/app.gpg\n"
    );
    let md = fs::read_to_string(&summary).unwrap();
    assert!(md.contains("| `hello` | `1.0-1` | amd64 | added |"), "{md}");
    assert!(
        md.contains(&format!("Signed by `{}`", key.fingerprint)),
        "{md}"
    );
    assert!(md.contains(&got["apt-line"]), "{md}");
}

#[test]
fn unsigned_repositories_work_with_trusted_yes() {
    let work = tempdir();
    let w = work.path();
    let a = deb(w, "hello", "1.0-1", "amd64", "a");
    let out = ok(apt_repo(
        w,
        None,
        &["--repo", "site", "--no-sign", a.to_str().unwrap()],
        &[],
    ));
    assert!(out.stdout.contains("not signed"), "{}", out.stdout);
    assert!(!w.join("site/dists/stable/InRelease").exists());
    assert!(!w.join("site/KEY.gpg").exists());
    let server = Server::start(&w.join("site"));
    let apt = Apt::new(
        "amd64",
        &format!("deb [trusted=yes] {} stable main", server.url()),
    );
    let update = apt.update();
    assert_eq!(update.code, 0, "{}", update.stderr);
    let show = apt.run("apt-cache", &["show", "hello"]);
    assert!(show.stdout.contains("Version: 1.0-1"), "{}", show.stdout);
}

#[test]
fn bad_input_is_exit_2_with_the_file_and_the_fix() {
    let work = tempdir();
    let w = work.path();
    let key = Key::new("Repo Test <repo@example.org>");
    fs::write(w.join("fake.deb"), b"not a package").unwrap();
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (
            vec!["--repo", "site", "fake.deb"],
            Some(&key.secret),
            "fake.deb: not a valid ar archive",
        ),
        (
            vec!["--repo", "site", "missing.deb"],
            Some(&key.secret),
            "missing.deb",
        ),
        (
            vec!["--repo", "site"],
            Some(&key.secret),
            "no .deb files given",
        ),
        (
            vec!["--repo", "site", "--suite", "../x", "fake.deb"],
            Some(&key.secret),
            "--suite '../x' is not a valid name",
        ),
        (
            vec!["--repo", "site", "--architectures", "all", "fake.deb"],
            Some(&key.secret),
            "not a binary architecture",
        ),
        (
            vec!["--repo", "site", "fake.deb"],
            None,
            "RELKIT_SIGNING_KEY",
        ),
        (
            vec!["--repo", "site", "--keep", "0", "fake.deb"],
            Some(&key.secret),
            "--keep",
        ),
        (vec!["--bogus"], Some(&key.secret), "--bogus"),
    ];
    for (args, k, want) in cases {
        let out = apt_repo(w, k, &args, &[]);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(want),
            "{args:?}: want {want:?} in {}",
            out.stderr
        );
    }
    // Only Architecture: all packages: the suite needs to be told its architectures.
    let all = deb(w, "hello-data", "1.0", "all", "x");
    let out = apt_repo(
        w,
        Some(&key.secret),
        &["--repo", "site", all.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--architectures amd64,arm64"),
        "{}",
        out.stderr
    );
    let out = ok(apt_repo(
        w,
        Some(&key.secret),
        &[
            "--repo",
            "site",
            "--architectures",
            "amd64,arm64",
            "--json",
            all.to_str().unwrap(),
        ],
        &[],
    ));
    assert_eq!(
        out.json()["architectures"],
        serde_json::json!(["amd64", "arm64"])
    );
    // A repository whose index lists a pool file that is not there is reported, not rebuilt.
    fs::remove_file(w.join("site/pool/main/h/hello-data/hello-data_1.0_all.deb")).unwrap();
    let out = apt_repo(w, Some(&key.secret), &["--repo", "site", "--refresh"], &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("hello-data_1.0_all.deb: missing"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--from"), "{}", out.stderr);
}

#[test]
fn packages_of_every_compression_dpkg_deb_writes_are_read() {
    let work = tempdir();
    let w = work.path();
    let mut args = vec![
        "--repo".to_string(),
        "site".into(),
        "--no-sign".into(),
        "--json".into(),
    ];
    for (i, z) in ["gzip", "xz", "zstd", "none"].iter().enumerate() {
        let path = deb_compressed(w, &format!("hello-{z}"), &format!("1.{i}"), "amd64", z, z);
        args.push(path.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(apt_repo(w, None, &args, &[]));
    assert_eq!(out.json()["packages"], 4);
    let text = fs::read_to_string(w.join("site/dists/stable/main/binary-amd64/Packages")).unwrap();
    let names: Vec<String> = paragraphs(&text)
        .iter()
        .map(|p| p["Package"].clone())
        .collect();
    assert_eq!(
        names,
        ["hello-gzip", "hello-none", "hello-xz", "hello-zstd"]
    );

    // A directory: its .deb files are the packages, the other files are named as left out.
    let dist = w.join("dist");
    fs::create_dir_all(&dist).unwrap();
    deb(&dist, "hello-dir", "1.0", "amd64", "dir");
    fs::write(dist.join("SHA256SUMS"), "").unwrap();
    let out = ok(apt_repo(
        w,
        None,
        &["--repo", "site", "--no-sign", "--json", "dist"],
        &[],
    ));
    assert_eq!(
        out.json()["added"],
        serde_json::json!(["hello-dir_1.0_amd64"])
    );
    assert!(
        out.stderr
            .contains("left out 1 file(s) found in directories that are not .deb: dist/SHA256SUMS"),
        "{}",
        out.stderr
    );
}

#[test]
fn help_and_the_multicall_binary() {
    let work = tempdir();
    let out = ok(apt_repo(work.path(), None, &["--help"], &[]));
    assert!(out.stdout.contains("--keep <N>"), "{}", out.stdout);
    assert!(out.stdout.contains("Exit status"), "{}", out.stdout);
    let out = output(Command::new(RELKIT).args(["apt-repo", "--version"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("apt-repo "), "{}", out.stdout);
}
