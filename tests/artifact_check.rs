//! Black-box tests of the `artifact-check` binary on real artifacts built here: ELF binaries from
//! gcc and Debian's aarch64 cross compiler, PE from mingw-w64, Mach-O (thin and universal) from
//! clang + lld + llvm-lipo, archives from GNU tar and Python's tarfile/zipfile, and Debian
//! packages from `dpkg-deb --build`.

mod harness;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pretty_assertions::assert_eq;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_artifact-check");
const HELLO_C: &str = "int main(void) { return 0; }\n";

/// Runs artifact-check in `dir` with `args` and extra environment.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).args(args);
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_REF_NAME",
        "GITHUB_REF_TYPE",
        "RELKIT_JSON",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_in(dir, args, &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Runs a tool that must succeed.
fn sh(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (see .ci/deps/artifact-check.apt)"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Compiles the trivial C program with `compiler` and extra flags into `dir/name`.
fn compile(dir: &Path, compiler: &str, flags: &[&str], name: &str) -> PathBuf {
    let src = dir.join("hello.c");
    if !src.exists() {
        fs::write(&src, HELLO_C).unwrap();
    }
    let out = dir.join(name);
    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    let mut args: Vec<&str> = flags.to_vec();
    let out_text = out.to_str().unwrap().to_string();
    args.extend(["hello.c", "-o", &out_text]);
    sh(dir, compiler, &args);
    out
}

fn elf_x86_64(dir: &Path, name: &str) -> PathBuf {
    compile(dir, "gcc", &[], name)
}

fn elf_aarch64(dir: &Path, name: &str) -> PathBuf {
    compile(dir, "aarch64-linux-gnu-gcc", &[], name)
}

/// The llvm-lipo program: `llvm-lipo`, or Debian's versioned `llvm-lipo-NN`.
fn lipo() -> String {
    if Command::new("llvm-lipo").arg("-version").output().is_ok() {
        return "llvm-lipo".to_string();
    }
    let mut found: Vec<String> = fs::read_dir("/usr/bin")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("llvm-lipo-"))
        .collect();
    found.sort();
    found
        .pop()
        .expect("llvm-lipo not found; install Debian's llvm package")
}

/// The JSON report with sizes zeroed and findings kept, for whole-document comparison.
fn json(out: &Output) -> Value {
    let mut doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    fn zero(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    if k == "size" {
                        *x = Value::from(0);
                    } else {
                        zero(x);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(zero),
            _ => {}
        }
    }
    zero(&mut doc);
    doc
}

/// One line per artifact: `path status arch-column: finding; finding`.
fn digest(out: &Output) -> Vec<String> {
    let doc = json(out);
    let mut lines = Vec::new();
    for a in doc["artifacts"].as_array().unwrap() {
        let findings: Vec<String> = a["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}: {}",
                    f["severity"].as_str().unwrap(),
                    f["check"].as_str().unwrap(),
                    f["message"].as_str().unwrap()
                )
            })
            .collect();
        lines.push(format!(
            "{} [{}] {}",
            a["path"].as_str().unwrap(),
            a["status"].as_str().unwrap(),
            findings.join(" | ")
        ));
    }
    for m in doc["manifests"].as_array().unwrap() {
        let findings: Vec<&str> = m["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["message"].as_str().unwrap())
            .collect();
        lines.push(format!(
            "manifest {} {} {}",
            m["path"].as_str().unwrap(),
            m["version"].as_str().unwrap_or("-"),
            findings.join(" | ")
        ));
    }
    lines
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn help_has_examples_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--help"]);
    assert_eq!(code(&out), 0);
    let help = text(&out.stdout);
    assert!(
        help.contains("\nExamples:\n  artifact-check dist/ --min-size 1MB --max-size 3GB\n"),
        "{help}"
    );
    assert!(
        help.contains("Exit status:\n  0  success\n  1  a check failed"),
        "{help}"
    );
    let version = run(dir.path(), &["-V"]);
    assert_eq!(
        text(&version.stdout),
        format!("artifact-check {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_usage_exits_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), "x").unwrap();
    let cases: &[(&[&str], &str)] = &[
        // clap's own message: its first line, then usage and a hint.
        (&["--bogus"], "error: unexpected argument '--bogus' found\n"),
        (&[], "artifact-check: nothing to check; pass artifact paths (files, directories, globs) or --expect patterns\n"),
        (&["f", "--min-size", "1M"], "artifact-check: --min-size '1M': '1M': unknown size unit 'M'; use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)\n"),
        (&["f", "--expect-arch", "sparc"], "artifact-check: --expect-arch 'sparc': unknown architecture 'sparc'; use x86_64, aarch64, arm, x86, riscv64, powerpc64le, s390x (or amd64, arm64, …)\n"),
        (&["--expect", "dist/app-{os}"], "artifact-check: --expect 'dist/app-{os}': no value for {os}; add --matrix os=…\n"),
        (
            &["--expect", "a-{os}", "--matrix", "=linux", "f"],
            "artifact-check: --matrix '=linux': the key must be letters, digits or '_'\n",
        ),
        (&["missing-file"], "artifact-check: missing-file: no such file or directory\n"),
    ];
    for (args, stderr) in cases {
        let out = run(dir.path(), args);
        assert_eq!(code(&out), 2, "{args:?}: {}", text(&out.stderr));
        if args == &["--bogus"] {
            let first = text(&out.stderr)
                .split_inclusive('\n')
                .next()
                .map(str::to_string);
            assert_eq!(first.as_deref(), Some(*stderr), "{args:?}");
        } else {
            assert_eq!(text(&out.stderr), *stderr, "{args:?}");
        }
    }
}

#[test]
fn expected_files_over_a_matrix_list_missing_and_unexpected() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    fs::create_dir(&dist).unwrap();
    for name in [
        "app-1.2.3-linux-x86_64",
        "app-1.2.3-linux-aarch64",
        "app-1.2.3-windows-x86_64.exe",
        "app-1.2.2-linux-x86_64.old",
        "SHA256SUMS",
    ] {
        fs::write(dist.join(name), format!("{name}\n")).unwrap();
    }
    let args = [
        "--version",
        "1.2.3",
        "--expect",
        "dist/app-{version}-{os}-{arch}{ext}",
        "--expect",
        "dist/SHA256SUMS",
        "--skip",
        "arch",
        "--matrix",
        "os=linux,windows",
        "arch=x86_64,aarch64",
    ];
    let out = run(dir.path(), &args);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        fs::read_to_string(fixture("matrix/expected.txt")).unwrap()
    );
    // Without the combination nobody builds, and with the stale file allowed, it passes.
    let mut more = args.to_vec();
    more.extend([
        "--matrix-exclude",
        "os=windows arch=aarch64",
        "--allow-unexpected",
        "--skip",
        "version",
        "--json",
    ]);
    let out = run(dir.path(), &more);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    assert_eq!(
        digest(&out),
        vec![
            "dist/SHA256SUMS [present] ",
            "dist/app-1.2.2-linux-x86_64.old [unexpected] warning expect: not named by any --expect pattern (a stale or stray file?)",
            "dist/app-1.2.3-linux-aarch64 [present] ",
            "dist/app-1.2.3-linux-x86_64 [present] ",
            "dist/app-1.2.3-windows-x86_64.exe [present] ",
        ]
    );
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/artifact-check")
        .join(rel)
}

/// One line per binary: `path: format arch bits kind [linkage interpreter | subsystem]`.
fn binaries(out: &Output) -> Vec<String> {
    fn slice(s: &Value) -> String {
        let mut parts = vec![
            s["arch"].as_str().unwrap().to_string(),
            format!("{}-bit", s["bits"]),
            s["kind"].as_str().unwrap().to_string(),
        ];
        for key in ["os_abi", "linkage", "interpreter", "subsystem"] {
            if let Some(v) = s[key].as_str() {
                parts.push(format!("{key}={v}"));
            }
        }
        parts.join(" ")
    }
    fn binary(path: &str, b: &Value) -> String {
        let slices: Vec<String> = b["slices"].as_array().unwrap().iter().map(slice).collect();
        format!(
            "{path}: {} [{}]",
            b["format"].as_str().unwrap(),
            slices.join("; ")
        )
    }
    let doc = json(out);
    let mut lines = Vec::new();
    for a in doc["artifacts"].as_array().unwrap() {
        let path = a["path"].as_str().unwrap();
        if a["binary"].is_object() {
            lines.push(binary(path, &a["binary"]));
        }
        let members = a["archive"]["binaries"]
            .as_array()
            .or_else(|| a["deb"]["binaries"].as_array());
        for m in members.into_iter().flatten() {
            lines.push(binary(
                &format!("{path}!{}", m["path"].as_str().unwrap()),
                m,
            ));
        }
    }
    lines
}

#[test]
fn loose_binaries_format_arch_and_executable_bit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    elf_x86_64(d, "dist/app-linux-x86_64");
    elf_aarch64(d, "dist/app-linux-aarch64");
    compile(
        d,
        "aarch64-linux-gnu-gcc",
        &["-static"],
        "dist/app-linux-arm64-static",
    );
    // A cross build that silently produced the wrong architecture.
    elf_aarch64(d, "dist/wrong-linux-x86_64");
    let noexec = elf_x86_64(d, "dist/noexec-linux-amd64");
    chmod(&noexec, 0o644);
    compile(
        d,
        "x86_64-w64-mingw32-gcc",
        &[],
        "dist/app-windows-x86_64.exe",
    );
    compile(
        d,
        "x86_64-w64-mingw32-gcc",
        &["-mwindows"],
        "dist/gui-windows-x86_64.exe",
    );
    let mac = ["-fuse-ld=lld", "-nostdlib", "-Wl,-e,_main"];
    let mac_x86 = [&["-target", "x86_64-apple-macos11"][..], &mac[..]].concat();
    let mac_arm = [&["-target", "arm64-apple-macos11"][..], &mac[..]].concat();
    compile(d, "clang", &mac_x86, "dist/app-macos-x86_64");
    compile(d, "clang", &mac_arm, "dist/app-macos-arm64");
    sh(
        d,
        &lipo(),
        &[
            "-create",
            "dist/app-macos-x86_64",
            "dist/app-macos-arm64",
            "-output",
            "dist/app-macos-universal",
        ],
    );
    fs::copy(
        d.join("dist/app-macos-x86_64"),
        d.join("dist/thin-macos-universal"),
    )
    .unwrap();
    fs::write(d.join("dist/README.md"), "# app\n").unwrap();
    // A Windows build uploaded under a Linux name.
    fs::copy(
        d.join("dist/app-windows-x86_64.exe"),
        d.join("dist/pe-linux-x86_64"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("app-linux-x86_64", d.join("dist/app-latest")).unwrap();

    let out = run(d, &["dist", "--json", "--expect-arch", "gui-*=aarch64"]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert_eq!(
        binaries(&out),
        vec![
            "dist/app-linux-aarch64: ELF [aarch64 64-bit executable os_abi=SYSV linkage=dynamic interpreter=/lib/ld-linux-aarch64.so.1]",
            "dist/app-linux-arm64-static: ELF [aarch64 64-bit executable os_abi=GNU/Linux linkage=static]",
            "dist/app-linux-x86_64: ELF [x86_64 64-bit executable os_abi=SYSV linkage=dynamic interpreter=/lib64/ld-linux-x86-64.so.2]",
            "dist/app-macos-arm64: Mach-O [aarch64 64-bit executable]",
            "dist/app-macos-universal: Mach-O universal [x86_64 64-bit executable; aarch64 64-bit executable]",
            "dist/app-macos-x86_64: Mach-O [x86_64 64-bit executable]",
            "dist/app-windows-x86_64.exe: PE [x86_64 64-bit executable subsystem=console]",
            "dist/gui-windows-x86_64.exe: PE [x86_64 64-bit executable subsystem=gui]",
            "dist/noexec-linux-amd64: ELF [x86_64 64-bit executable os_abi=SYSV linkage=dynamic interpreter=/lib64/ld-linux-x86-64.so.2]",
            "dist/pe-linux-x86_64: PE [x86_64 64-bit executable subsystem=console]",
            "dist/thin-macos-universal: Mach-O [x86_64 64-bit executable]",
            "dist/wrong-linux-x86_64: ELF [aarch64 64-bit executable os_abi=SYSV linkage=dynamic interpreter=/lib/ld-linux-aarch64.so.1]",
        ]
    );
    assert_eq!(
        digest(&out),
        vec![
            "dist/app-latest [skipped] warning expect: not checked: a symbolic link met while walking a directory; name it explicitly to check its target",
            "dist/README.md [present] ",
            "dist/app-linux-aarch64 [present] ",
            "dist/app-linux-arm64-static [present] ",
            "dist/app-linux-x86_64 [present] ",
            "dist/app-macos-arm64 [present] ",
            "dist/app-macos-universal [present] ",
            "dist/app-macos-x86_64 [present] ",
            "dist/app-windows-x86_64.exe [present] ",
            "dist/gui-windows-x86_64.exe [present] error arch: PE32+ gui for x86_64, expected aarch64 (--expect-arch)",
            "dist/noexec-linux-amd64 [present] error exec: executable without the executable bit (mode 644); chmod +x it",
            "dist/pe-linux-x86_64 [present] error arch: PE32+ console but the name says linux, which runs ELF",
            "dist/thin-macos-universal [present] error arch: Mach-O 64-bit executable for x86_64, expected x86_64+aarch64 (from the file name)",
            "dist/wrong-linux-x86_64 [present] error arch: ELF 64-bit dynamic for aarch64, expected x86_64 (from the file name)",
        ]
    );
    // The same tree passes once the bad files are gone; the exit status says so.
    for bad in [
        "pe-linux-x86_64",
        "gui-windows-x86_64.exe",
        "noexec-linux-amd64",
        "thin-macos-universal",
        "wrong-linux-x86_64",
    ] {
        fs::remove_file(d.join("dist").join(bad)).unwrap();
    }
    let out = run(
        d,
        &[
            "dist",
            "--min-size",
            "1KB",
            "--max-size",
            "3GB",
            "--min-size",
            "*.md=1B",
        ],
    );
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("\nartifact-check: 8 artifact(s) ok\n"),
        "{}",
        text(&out.stdout)
    );
}

fn python(dir: &Path, script: &str) {
    sh(dir, "python3", &["-c", script]);
}

#[test]
fn archives_are_listed_in_stream_with_contents_and_binaries_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("dist")).unwrap();
    let good = "stage/app-1.2.3-linux-x86_64";
    elf_x86_64(d, &format!("{good}/app"));
    fs::create_dir_all(d.join(good).join("LICENSES")).unwrap();
    fs::write(d.join(good).join("LICENSES/MIT.txt"), "MIT\n").unwrap();
    fs::write(d.join(good).join("README.md"), "# app\n").unwrap();
    sh(
        d,
        "tar",
        &[
            "czf",
            "dist/app-1.2.3-linux-x86_64.tar.gz",
            "-C",
            "stage",
            "app-1.2.3-linux-x86_64",
        ],
    );
    // An "aarch64" tarball whose binary is x86_64 and whose README was forgotten.
    let bad = "stage/app-1.2.3-linux-aarch64";
    elf_x86_64(d, &format!("{bad}/app"));
    fs::create_dir_all(d.join(bad).join("LICENSES")).unwrap();
    fs::write(d.join(bad).join("LICENSES/MIT.txt"), "MIT\n").unwrap();
    sh(
        d,
        "tar",
        &[
            "cJf",
            "dist/app-1.2.3-linux-aarch64.tar.xz",
            "-C",
            "stage",
            "app-1.2.3-linux-aarch64",
        ],
    );
    compile(d, "x86_64-w64-mingw32-gcc", &[], "stage/app.exe");
    python(
        d,
        "import zipfile\n\
         with zipfile.ZipFile('dist/app-1.2.3-windows-x86_64.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n\
         \x20   z.write('stage/app.exe', 'app.exe')\n\
         \x20   z.writestr('LICENSES/MIT.txt', 'MIT\\n')\n\
         \x20   z.writestr('README.md', '# app\\n')\n",
    );
    fs::write(
        d.join("dist/app-1.2.3-linux-riscv64.tar.gz"),
        "not gzip at all\n",
    )
    .unwrap();
    // The executable bit lost on the way into the archive.
    let noexec = "stage/noexec";
    chmod(&elf_x86_64(d, &format!("{noexec}/app")), 0o644);
    fs::create_dir_all(d.join(noexec).join("LICENSES")).unwrap();
    fs::write(d.join(noexec).join("LICENSES/MIT.txt"), "MIT\n").unwrap();
    fs::write(d.join(noexec).join("README.md"), "# app\n").unwrap();
    sh(
        d,
        "tar",
        &[
            "czf",
            "dist/app-1.2.3-linux-amd64.tar.gz",
            "-C",
            noexec,
            ".",
        ],
    );

    let out = run(
        d,
        &[
            "dist",
            "--json",
            "--contains",
            "app{ext}",
            "--contains",
            "LICENSES/",
            "--contains",
            "README.md",
        ],
    );
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert_eq!(
        digest(&out),
        vec![
            "dist/app-1.2.3-linux-aarch64.tar.xz [present] error arch: app-1.2.3-linux-aarch64/app: ELF 64-bit dynamic for x86_64, expected aarch64 (from the file name) | error contents: 'README.md' is not in the archive",
            "dist/app-1.2.3-linux-amd64.tar.gz [present] error exec: ./app: executable without the executable bit (mode 644)",
            "dist/app-1.2.3-linux-riscv64.tar.gz [present] error contents: named like a tar.gz archive but its content is not one",
            "dist/app-1.2.3-linux-x86_64.tar.gz [present] ",
            "dist/app-1.2.3-windows-x86_64.zip [present] ",
        ]
    );
    assert_eq!(
        binaries(&out),
        vec![
            "dist/app-1.2.3-linux-aarch64.tar.xz!app-1.2.3-linux-aarch64/app: ELF [x86_64 64-bit executable os_abi=SYSV linkage=dynamic interpreter=/lib64/ld-linux-x86-64.so.2]",
            "dist/app-1.2.3-linux-amd64.tar.gz!app: ELF [x86_64 64-bit executable os_abi=SYSV linkage=dynamic interpreter=/lib64/ld-linux-x86-64.so.2]",
            "dist/app-1.2.3-linux-x86_64.tar.gz!app-1.2.3-linux-x86_64/app: ELF [x86_64 64-bit executable os_abi=SYSV linkage=dynamic interpreter=/lib64/ld-linux-x86-64.so.2]",
            "dist/app-1.2.3-windows-x86_64.zip!app.exe: PE [x86_64 64-bit executable subsystem=console]",
        ]
    );
    let doc = json(&out);
    assert_eq!(doc["artifacts"][3]["archive"]["kind"], "tar.gz");
    assert_eq!(doc["artifacts"][3]["archive"]["entries"], 5);
    // Nothing was extracted next to the archives.
    let mut left: Vec<String> = fs::read_dir(d.join("dist"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left.len(), 5, "{left:?}");
}

#[test]
fn traversal_entries_and_escaping_links_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("dist")).unwrap();
    python(
        d,
        "import io, tarfile, zipfile\n\
         def add(t, name, data=b'x', kind=tarfile.REGTYPE, link=''):\n\
         \x20   i = tarfile.TarInfo(name); i.type = kind; i.linkname = link; i.size = len(data) if kind == tarfile.REGTYPE else 0\n\
         \x20   t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)\n\
         with tarfile.open('dist/evil.tar.gz', 'w:gz') as t:\n\
         \x20   add(t, 'app/ok.txt')\n\
         \x20   add(t, '../evil.sh')\n\
         \x20   add(t, 'app/../../up.txt')\n\
         \x20   add(t, '/etc/cron.d/evil')\n\
         \x20   add(t, 'app/passwd', kind=tarfile.SYMTYPE, link='../../etc/passwd')\n\
         \x20   add(t, 'app/lib', kind=tarfile.SYMTYPE, link='../app/ok.txt')\n\
         \x20   add(t, 'app/hard', kind=tarfile.LNKTYPE, link='/etc/shadow')\n\
         with zipfile.ZipFile('dist/evil.zip', 'w') as z:\n\
         \x20   z.writestr('ok.txt', 'ok')\n\
         \x20   z.writestr('../../outside.txt', 'x')\n\
         \x20   z.writestr('dir\\\\..\\\\..\\\\win.txt', 'x')\n\
         \x20   link = zipfile.ZipInfo('link'); link.external_attr = 0o120777 << 16\n\
         \x20   z.writestr(link, '/etc/passwd')\n",
    );
    let out = run(d, &["dist", "--json"]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert_eq!(
        digest(&out),
        vec![
            "dist/evil.tar.gz [present] \
             error contents: ../evil.sh: '..' component (path traversal); extracting it writes outside the target directory | \
             error contents: app/../../up.txt: '..' component (path traversal); extracting it writes outside the target directory | \
             error contents: /etc/cron.d/evil: absolute path; extracting it writes outside the target directory | \
             error contents: app/passwd: symbolic link to '../../etc/passwd' points outside the archive | \
             error contents: app/hard: hard link to '/etc/shadow' points outside the archive",
            "dist/evil.zip [present] \
             error contents: ../../outside.txt: '..' component (path traversal); extracting it writes outside the target directory | \
             error contents: dir\\..\\..\\win.txt: '..' component (path traversal); extracting it writes outside the target directory | \
             error contents: link: symbolic link to '/etc/passwd' points outside the archive",
        ]
    );
}

/// Builds `dist/<file>` with `dpkg-deb --build` from a control file, an ELF at usr/bin/hello,
/// and maintainer scripts.
fn deb(d: &Path, file: &str, control: &str, elf: Option<&str>, scripts: &[&str], extra: &[&str]) {
    let root = d.join("pkgroot").join(file);
    let debian = root.join("DEBIAN");
    fs::create_dir_all(&debian).unwrap();
    fs::write(debian.join("control"), control).unwrap();
    for script in scripts {
        let path = debian.join(script);
        fs::write(&path, "#!/bin/sh\nset -e\nexit 0\n").unwrap();
        chmod(&path, 0o755);
    }
    if let Some(compiler) = elf {
        let rel = format!("pkgroot/{file}/usr/bin/hello");
        compile(d, compiler, &[], &rel);
    }
    fs::create_dir_all(root.join("usr/share/doc/hello")).unwrap();
    fs::write(root.join("usr/share/doc/hello/README"), "hello\n").unwrap();
    for dir in walk_dirs(&root) {
        chmod(&dir, 0o755);
    }
    fs::create_dir_all(d.join("dist")).unwrap();
    let root_text = root.to_str().unwrap().to_string();
    let out_text = format!("dist/{file}");
    let mut args: Vec<&str> = vec!["--root-owner-group"];
    args.extend(extra);
    args.extend(["--build", &root_text, &out_text]);
    sh(d, "dpkg-deb", &args);
}

fn walk_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    let mut i = 0;
    while i < dirs.len() {
        for e in fs::read_dir(&dirs[i]).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            }
        }
        i += 1;
    }
    dirs
}

fn control(package: &str, arch: &str, depends: &str) -> String {
    format!(
        "Package: {package}\nVersion: 1.2.3-1\nArchitecture: {arch}\nMaintainer: Relkit Tests <tests@example.com>\n\
         Depends: {depends}\nDescription: test package\n a package built by the artifact-check tests\n"
    )
}

#[test]
fn debian_packages_built_by_dpkg_deb() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let libc = "libc6 (>= 2.34)";
    // dpkg-deb's default compression (xz on Debian 12), a good amd64 package.
    deb(
        d,
        "hello_1.2.3-1_amd64.deb",
        &control("hello", "amd64", libc),
        Some("gcc"),
        &["postinst", "prerm"],
        &[],
    );
    // arm64 by name and control, but the binary inside is x86_64: the classic broken cross build.
    deb(
        d,
        "hello_1.2.3-1_arm64.deb",
        &control("hello", "arm64", libc),
        Some("gcc"),
        &[],
        &["-Zzstd"],
    );
    // A good arm64 package, gzip-compressed.
    deb(
        d,
        "good_1.2.3-1_arm64.deb",
        &control("good", "arm64", libc),
        Some("aarch64-linux-gnu-gcc"),
        &["postrm"],
        &["-Zgzip"],
    );
    // The file name disagrees with the control file.
    deb(
        d,
        "renamed_1.2.4-1_amd64.deb",
        &control("hello", "arm64", libc),
        Some("aarch64-linux-gnu-gcc"),
        &[],
        &[],
    );
    // Malformed relationships (dpkg-deb would refuse them without --nocheck, other tools do not).
    deb(
        d,
        "badrel_1.2.3-1_all.deb",
        &control("badrel", "all", "libc6 (> 2.3), , Foo"),
        None,
        &[],
        &["--nocheck"],
    );
    // Architecture: all with an ELF inside.
    deb(
        d,
        "doc_1.2.3-1_all.deb",
        &control("doc", "all", libc),
        Some("gcc"),
        &[],
        &[],
    );

    let out = run(d, &["dist", "--json", "--version", "1.2.3"]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert_eq!(
        digest(&out),
        vec![
            "dist/badrel_1.2.3-1_all.deb [present] \
             error deb: Depends: 'libc6 (> 2.3)': the relation '>' is obsolete; use '>>' or '>=' | \
             error deb: Depends: empty entry 2 (a stray ',') | \
             error deb: Depends: 'Foo' is not a package name (lowercase letters, digits, '+', '-', '.'; at least 2 characters)",
            "dist/doc_1.2.3-1_all.deb [present] error arch: data.tar.xz: ./usr/bin/hello: ELF 64-bit dynamic for x86_64 in a package of Architecture: all",
            "dist/good_1.2.3-1_arm64.deb [present] ",
            "dist/hello_1.2.3-1_amd64.deb [present] ",
            "dist/hello_1.2.3-1_arm64.deb [present] error arch: data.tar.zst: ./usr/bin/hello: ELF 64-bit dynamic for x86_64, expected aarch64 (Architecture: arm64)",
            "dist/renamed_1.2.4-1_amd64.deb [present] \
             error version: the file name has version 1.2.4, but the release version is 1.2.3 | \
             error deb: file name says Package 'renamed' but control says 'hello' | \
             error deb: file name says Version '1.2.4-1' but control says '1.2.3-1' | \
             error deb: file name says Architecture 'amd64' but control says 'arm64'",
        ]
    );
    let doc = json(&out);
    let amd64 = &doc["artifacts"][3]["deb"];
    assert_eq!(
        amd64,
        &serde_json::json!({
            "package": "hello",
            "version": "1.2.3-1",
            "architecture": "amd64",
            "depends": "libc6 (>= 2.34)",
            "maintainer_scripts": ["postinst", "prerm"],
            "control_files": [],
            "data_compression": "xz",
            "data_entries": 8,
            "binaries": [{
                "path": "usr/bin/hello",
                "format": "ELF",
                "slices": [{
                    "arch": "x86_64", "bits": 64, "endian": "little", "kind": "executable",
                    "runnable": true, "os_abi": "SYSV", "linkage": "dynamic",
                    "interpreter": "/lib64/ld-linux-x86-64.so.2"
                }]
            }]
        })
    );
    // --expect-arch binds a package to an architecture whatever its name says.
    let out = run(
        d,
        &[
            "dist/good_1.2.3-1_arm64.deb",
            "--json",
            "--expect-arch",
            "amd64",
        ],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(
        digest(&out),
        vec!["dist/good_1.2.3-1_arm64.deb [present] error arch: Architecture: arm64 is aarch64, expected x86_64 (--expect-arch)"]
    );
}

/// A small real tar.gz holding README.md.
fn readme_tarball(d: &Path, file: &str) {
    fs::create_dir_all(d.join("stage-readme")).unwrap();
    fs::write(d.join("stage-readme/README.md"), "# app\n").unwrap();
    fs::create_dir_all(d.join("dist")).unwrap();
    sh(
        d,
        "tar",
        &[
            "czf",
            &format!("dist/{file}"),
            "-C",
            "stage-readme",
            "README.md",
        ],
    );
}

#[test]
fn versions_from_the_tag_names_and_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    readme_tarball(d, "app-1.2.3-linux-x86_64.tar.gz");
    readme_tarball(d, "app-v1.2.2-windows-x86_64.tar.gz");
    fs::write(d.join("dist/notes.txt"), "no version in this name\n").unwrap();
    fs::write(
        d.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"1.2.3\"\n",
    )
    .unwrap();
    fs::write(
        d.join("package.json"),
        "{\"name\": \"app\", \"version\": \"1.2.4\"}\n",
    )
    .unwrap();
    fs::write(
        d.join("pyproject.toml"),
        "[project]\nname = \"app\"\ndynamic = [\"version\"]\n",
    )
    .unwrap();

    // On a tag, GITHUB_REF_NAME without its `v` is the release version.
    let tag = [("GITHUB_REF_NAME", "v1.2.3"), ("GITHUB_REF_TYPE", "tag")];
    let out = run_in(
        d,
        &[
            "dist",
            "--json",
            "--manifest",
            "Cargo.toml",
            "--manifest",
            "package.json",
        ],
        &tag,
    );
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert_eq!(json(&out)["version"], "1.2.3");
    assert_eq!(
        digest(&out),
        vec![
            "dist/app-1.2.3-linux-x86_64.tar.gz [present] ",
            "dist/app-v1.2.2-windows-x86_64.tar.gz [present] error version: the file name has version 1.2.2, but the release version is 1.2.3",
            "dist/notes.txt [present] ",
            "manifest Cargo.toml 1.2.3 ",
            "manifest package.json 1.2.4 declares version 1.2.4, but the release version is 1.2.3",
        ]
    );
    // --version wins over the tag; an unreadable manifest is bad input (exit 2).
    let out = run_in(
        d,
        &[
            "dist/app-1.2.3-linux-x86_64.tar.gz",
            "--json",
            "--version",
            "1.2.3",
            "--manifest",
            "pyproject.toml",
        ],
        &tag,
    );
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert_eq!(
        digest(&out),
        vec![
            "dist/app-1.2.3-linux-x86_64.tar.gz [present] ",
            "manifest pyproject.toml - project.version is dynamic (set by the build backend); it cannot be checked here",
        ]
    );
    // On a branch there is no release version unless a manifest gives one.
    let branch = [("GITHUB_REF_NAME", "main"), ("GITHUB_REF_TYPE", "branch")];
    let out = run_in(d, &["dist", "--json"], &branch);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    assert_eq!(json(&out)["version"], Value::Null);
    let out = run_in(d, &["dist", "--json", "--manifest", "Cargo.toml"], &branch);
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["version"], "1.2.3");
}

#[test]
fn inside_actions_failures_become_annotations_summary_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    readme_tarball(d, "app-1.2.3-linux-x86_64.tar.gz");
    let output = d.join("github_output");
    let summary = d.join("github_summary");
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_OUTPUT", output.to_str().unwrap()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    let out = run_in(
        d,
        &[
            "dist",
            "--contains",
            "LICENSE",
            "--max-size",
            "10B",
            "--version",
            "1.2.3",
        ],
        &env,
    );
    assert_eq!(code(&out), 1);
    let size = fs::metadata(d.join("dist/app-1.2.3-linux-x86_64.tar.gz"))
        .unwrap()
        .len();
    assert_eq!(
        text(&out.stderr),
        format!(
            "::error title=artifact-check%3A size::dist/app-1.2.3-linux-x86_64.tar.gz: {size} bytes, larger than the maximum 10 bytes\n\
             ::error title=artifact-check%3A contents::dist/app-1.2.3-linux-x86_64.tar.gz: 'LICENSE' is not in the archive\n"
        )
    );
    assert_eq!(
        fs::read_to_string(&summary).unwrap(),
        format!(
            "### artifact-check: failed\n\n\
             | artifact | size | format | arch | result |\n\
             | --- | ---: | --- | --- | --- |\n\
             | dist/app-1.2.3-linux-x86_64.tar.gz | {size} B | tar.gz (1 entry) |  | FAIL (2 checks) |\n\n\
             - ❌ `dist/app-1.2.3-linux-x86_64.tar.gz` (size): {size} bytes, larger than the maximum 10 bytes\n\
             - ❌ `dist/app-1.2.3-linux-x86_64.tar.gz` (contents): 'LICENSE' is not in the archive\n\n\
             artifact-check: 2 failed check(s) in 1 artifact(s), version 1.2.3\n"
        )
    );
    assert_eq!(
        fs::read_to_string(&output).unwrap(),
        "result=fail\nfailures=2\nartifacts=dist/app-1.2.3-linux-x86_64.tar.gz\n"
    );
}

#[test]
fn the_multicall_binary_runs_it_too() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f.txt"), "x").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relkit"))
        .current_dir(dir.path())
        .args(["artifact-check", "f.txt", "--min-size", "2B"])
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_REF_NAME")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert_eq!(
        text(&out.stdout),
        "artifact  size  format  arch  result\n\
         f.txt      1 B  -             FAIL (1 check)\n\n\
         error: f.txt: [size] 1 bytes, smaller than the minimum 2 bytes\n\n\
         artifact-check: 1 failed check(s) in 1 artifact(s)\n"
    );
}

#[test]
fn the_action_runs_end_to_end_and_inputs_stay_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    elf_x86_64(d, "dist/app-1.2.3-linux-x86_64");
    readme_tarball(d, "app-1.2.3-linux-x86_64.tar.gz");
    let action = || {
        harness::Action::load("actions/artifact-check")
            .workspace(d)
            .input(
                "expect",
                "dist/app-{version}-{os}-{arch}{ext}\ndist/app-{version}-{os}-{arch}.tar.gz",
            )
            .input("matrix", "os=linux\narch=x86_64")
            .input("version", "1.2.3")
            .input("min-size", "1KB\n*.tar.gz=10B")
    };
    let result = action().input("contains", "README.md").run().unwrap();
    assert!(result.success, "{result}");
    assert_eq!(result.outputs["result"], "pass");
    assert_eq!(result.outputs["failures"], "0");
    assert_eq!(
        result.outputs["artifacts"],
        "dist/app-1.2.3-linux-x86_64\ndist/app-1.2.3-linux-x86_64.tar.gz"
    );
    assert!(
        result.summary.starts_with("### artifact-check: passed\n"),
        "{}",
        result.summary
    );

    // A matrix value with no artifact, and inputs that try to run shell: they are data.
    let result = action()
        .input("matrix", "os=linux\narch=x86_64,aarch64")
        .input("contains", "$(touch pwned)\n\"; rm -rf ~ #")
        .run()
        .unwrap();
    assert!(!result.success, "{result}");
    assert_eq!(result.outputs["result"], "fail");
    assert!(!d.join("pwned").exists());
    assert_eq!(
        result.errors(),
        vec![
            "dist/app-1.2.3-linux-x86_64.tar.gz: '$(touch pwned)' is not in the archive",
            "dist/app-1.2.3-linux-x86_64.tar.gz: '\"; rm -rf ~ #' is not in the archive",
            "dist/app-1.2.3-linux-aarch64: missing (expected by --expect 'dist/app-{version}-{os}-{arch}{ext}' with arch=aarch64, os=linux, version=1.2.3)",
            "dist/app-1.2.3-linux-aarch64.tar.gz: missing (expected by --expect 'dist/app-{version}-{os}-{arch}.tar.gz' with arch=aarch64, os=linux, version=1.2.3)",
        ]
    );
    assert_eq!(result.outputs["failures"], "4");
}

#[test]
fn an_unwritable_step_summary_is_an_environment_failure() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f.txt"), "x").unwrap();
    // A directory where the summary file should be: appending to it fails.
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", dir.path().to_str().unwrap()),
    ];
    let out = run_in(dir.path(), &["f.txt"], &env);
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    // Inside Actions the failure is an ::error annotation naming the runner's file.
    assert_eq!(
        text(&out.stderr),
        format!(
            "::error title=artifact-check::$GITHUB_STEP_SUMMARY ({}): cannot write: Is a directory (os error 21)\n",
            dir.path().display()
        )
    );
}
