//! Black-box tests of the `sbom` binary on real lockfiles made by cargo, npm, uv, pipenv, pip and
//! go (tests/fixtures/sbom/*/COMMAND says how), validated against the official CycloneDX schemas.

mod harness;
mod registry_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

const EPOCH: &str = "1700000000";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sbom")
}

/// Runs `sbom` in `dir` with a clean, reproducible environment plus `env`.
fn sbom_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sbom"));
    cmd.current_dir(dir)
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("CARGO_HOME", "/nonexistent/cargo-home")
        .env("GOMODCACHE", "/nonexistent/gomodcache");
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "RELKIT_JSON",
    ] {
        cmd.env_remove(var);
    }
    for var in [
        "SBOM_OUTPUT",
        "SBOM_NAME",
        "SBOM_VERSION",
        "SBOM_SPEC_VERSION",
        "SBOM_LICENSES_DIR",
        "SBOM_DENY",
        "SBOM_ALLOW",
        "SBOM_LICENSES",
        "SBOM_FAIL_ON_UNKNOWN_LICENSE",
        "SBOM_CRATES_IO_URL",
        "SBOM_PYPI_URL",
        "SBOM_NPM_REGISTRY",
        "SBOM_CACHE_DIR",
        "SBOM_NO_CACHE",
        "SBOM_TIMEOUT",
        "SBOM_ATTEMPTS",
        "SBOM_DEADLINE",
        "SBOM_RETRY_BASE",
        "SBOM_CRATES_IO_INTERVAL",
        "CARGO_NET_OFFLINE",
        "GOPATH",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn sbom(args: &[&str]) -> Output {
    sbom_in(&fixtures(), args, &[])
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Validates a document with the vendored CycloneDX schemas (python `jsonschema`).
fn assert_schema_valid(path: &Path) {
    let out = Command::new("python3")
        .arg(fixtures().join("validate.py"))
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} does not validate:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The expected document of a fixture, with the tool version of this build.
fn expected(case: &str) -> String {
    std::fs::read_to_string(fixtures().join(case).join("expected.cdx.json"))
        .unwrap()
        .replace(
            "\"version\": \"0.1.0\"",
            &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        )
}

fn doc(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// `(purl, scope, licence)` of every component.
fn summary(d: &Value) -> Vec<(String, String, String)> {
    d["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let lic = c["licenses"][0]["expression"]
                .as_str()
                .or(c["licenses"][0]["license"]["name"].as_str())
                .unwrap_or("")
                .to_string();
            (
                c["purl"].as_str().unwrap().to_string(),
                c["scope"].as_str().unwrap().to_string(),
                lic,
            )
        })
        .collect()
}

fn t(purl: &str, scope: &str, lic: &str) -> (String, String, String) {
    (purl.into(), scope.into(), lic.into())
}

#[test]
fn help_has_examples_and_exit_codes() {
    let out = sbom(&["--help"]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Examples:\n  sbom -o sbom.cdx.json"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with(relkit::cli::EXIT_STATUS_HELP),
        "{text}"
    );
}

#[test]
fn invalid_option_is_usage_error() {
    let out = sbom(&["--frobnicate"]);
    assert_eq!(code(&out), 2);
    let out = sbom(&["--spec-version", "1.2", "cargo"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("1.5"), "{}", stderr(&out));
}

#[test]
fn relkit_multicall_runs_sbom() {
    let out = Command::new(env!("CARGO_BIN_EXE_relkit"))
        .args(["sbom", "--help"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("CycloneDX"));
}

#[test]
fn cargo_lockfile_with_registry_licences_matches_expected_and_schema() {
    let dir = fixtures().join("cargo");
    let out = sbom_in(&dir, &["--cargo-home", "../cargo-home"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout.clone()).unwrap(),
        expected("cargo")
    );
    let tmp = tempfile::tempdir().unwrap();
    for spec in ["1.5", "1.6"] {
        let file = tmp.path().join(format!("cargo-{spec}.json"));
        let out = sbom_in(
            &dir,
            &[
                "--cargo-home",
                "../cargo-home",
                "--spec-version",
                spec,
                "-o",
                file.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(doc(&std::fs::read(&file).unwrap())["specVersion"], spec);
        assert_schema_valid(&file);
    }
}

#[test]
fn npm_v3_matches_expected_and_v1_v2_agree() {
    let out = sbom_in(&fixtures().join("npm-v3"), &[], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout.clone()).unwrap(),
        expected("npm-v3")
    );
    let v3 = doc(&out.stdout);
    let v2 = doc(&sbom(&["npm-v2"]).stdout);
    let v1 = doc(&sbom(&["npm-v1"]).stdout);
    assert_eq!(v2["components"], v3["components"]);
    assert_eq!(v2["dependencies"], v3["dependencies"]);
    // Version 1 lockfiles carry no licence; everything else is the same.
    let strip = |d: &Value| -> Vec<Value> {
        d["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.as_object_mut().unwrap().remove("licenses");
                c
            })
            .collect()
    };
    assert_eq!(strip(&v1), strip(&v3));
    assert_eq!(v1["dependencies"], v3["dependencies"]);
}

#[test]
fn python_lockfiles_give_normalised_purls_hashes_and_scopes() {
    let uv = sbom_in(&fixtures().join("uv"), &[], &[]);
    assert_eq!(code(&uv), 0, "{}", stderr(&uv));
    assert_eq!(String::from_utf8(uv.stdout).unwrap(), expected("uv"));

    let pipenv = doc(&sbom(&["pipenv"]).stdout);
    assert_eq!(
        summary(&pipenv),
        vec![
            t("pkg:pypi/iniconfig@2.3.1", "excluded", ""),
            t("pkg:pypi/jinja2@3.1.6", "required", ""),
            t("pkg:pypi/markupsafe@3.0.4", "required", ""),
            t("pkg:pypi/python-dateutil@4.0.0", "required", ""),
            t("pkg:pypi/tzdata@2026.6", "required", ""),
        ]
    );
    let poetry = doc(&sbom(&["poetry"]).stdout);
    assert_eq!(summary(&poetry), summary(&pipenv));
    assert_eq!(
        poetry["dependencies"],
        doc(&sbom_in(&fixtures().join("uv"), &[], &[]).stdout)["dependencies"]
    );
    assert_eq!(
        poetry["components"][2]["hashes"].as_array().unwrap().len(),
        151
    );

    let req = doc(&sbom(&["python-requirements/requirements.txt"]).stdout);
    // The `# via` annotations of `uv pip compile` give the same graph as uv.lock.
    let uv_deps = doc(&sbom_in(&fixtures().join("uv"), &[], &[]).stdout)["dependencies"].clone();
    let mut want = uv_deps.as_array().unwrap()[1..].to_vec();
    want.retain(|d| d["ref"] != "pkg:pypi/iniconfig@2.3.1");
    assert_eq!(req["dependencies"].as_array().unwrap()[1..], want[..]);
    let jinja = &req["components"][0];
    assert_eq!(jinja["purl"], "pkg:pypi/jinja2@3.1.6");
    assert_eq!(
        jinja["hashes"],
        json!([
            {"alg": "SHA-256", "content": "0137fb05990d35f1275a587e9aee6d56da821fc83491a0fb838183be43f66d6d"},
            {"alg": "SHA-256", "content": "85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67"}
        ])
    );
    let site = doc(&sbom(&["site-packages/lib"]).stdout);
    assert_eq!(
        summary(&site),
        vec![
            t("pkg:pypi/iniconfig@2.3.1", "required", "MIT"),
            t("pkg:pypi/jinja2@3.1.6", "required", ""),
            t("pkg:pypi/markupsafe@3.0.4", "required", "BSD-3-Clause"),
            t("pkg:pypi/python-dateutil@4.0.0", "required", "BSD-3-Clause"),
            t("pkg:pypi/six@1.17.0", "required", "MIT"),
        ]
    );
    // Jinja2's Requires-Dist: MarkupSafe>=2.0 is an edge; Babel (extra "i18n") is not installed.
    assert_eq!(
        site["dependencies"][2],
        json!({"ref": "pkg:pypi/jinja2@3.1.6", "dependsOn": ["pkg:pypi/markupsafe@3.0.4"]})
    );
}

#[test]
fn go_sum_h1_is_a_property_not_a_hash() {
    let out = sbom_in(&fixtures().join("go"), &[], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout.clone()).unwrap(),
        expected("go")
    );
    let d = doc(&out.stdout);
    assert!(d["components"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c.get("hashes").is_none()));
}

#[test]
fn every_fixture_validates_against_the_schema() {
    let tmp = tempfile::tempdir().unwrap();
    for case in [
        "npm-v1",
        "npm-v2",
        "npm-v3",
        "python-requirements",
        "uv",
        "pipenv",
        "site-packages/lib",
        "go",
        ".",
    ] {
        for spec in ["1.5", "1.6"] {
            let file = tmp.path().join("bom.json");
            let out = sbom(&[case, "--spec-version", spec, "-o", file.to_str().unwrap()]);
            assert_eq!(code(&out), 0, "{case}: {}", stderr(&out));
            assert_schema_valid(&file);
        }
    }
}

#[test]
fn reproducible_with_source_date_epoch() {
    let one = sbom(&["cargo", "npm-v3", "uv", "go"]);
    let two = sbom(&["go", "uv", "npm-v3", "cargo"]);
    assert_eq!(code(&one), 0, "{}", stderr(&one));
    // Same inputs in another order: byte-identical, because components are sorted and the
    // serial number is derived from the content. (The root comes from the first manifest.)
    let d1 = doc(&one.stdout);
    let d2 = doc(&two.stdout);
    assert_eq!(d1["components"], d2["components"]);
    assert_eq!(one.stdout, sbom(&["cargo", "npm-v3", "uv", "go"]).stdout);
    assert_eq!(d1["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    let serial = d1["serialNumber"].as_str().unwrap();
    assert!(
        serial.starts_with("urn:uuid:") && &serial[23..24] == "5",
        "{serial}"
    );
    let later = sbom_in(
        &fixtures(),
        &["cargo", "npm-v3", "uv", "go"],
        &[("SOURCE_DATE_EPOCH", "1700000001")],
    );
    assert_ne!(doc(&later.stdout)["serialNumber"], d1["serialNumber"]);
    let bad = sbom_in(
        &fixtures(),
        &["cargo"],
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("SOURCE_DATE_EPOCH=yesterday"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn root_component_from_manifest_or_flags() {
    let d = doc(&sbom(&["npm-v3"]).stdout);
    assert_eq!(
        d["metadata"]["component"],
        json!({"type": "application", "bom-ref": "pkg:npm/%40acme/tiny-web@1.2.0", "name": "@acme/tiny-web", "version": "1.2.0", "purl": "pkg:npm/%40acme/tiny-web@1.2.0"})
    );
    let d = doc(&sbom(&["pipenv", "--name", "shop", "--version", "2.0.0"]).stdout);
    assert_eq!(
        d["metadata"]["component"],
        json!({"type": "application", "bom-ref": "shop@2.0.0", "name": "shop", "version": "2.0.0"})
    );
    assert_eq!(d["dependencies"][0]["ref"], "shop@2.0.0");
}

/// `sbom --json` on the cargo fixture with a licence bundle.
fn cargo_bundle(cargo_home: &str, lic: &Path, out: &Path) -> Output {
    let args = [
        "--cargo-home",
        cargo_home,
        "--licenses-dir",
        lic.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--json",
    ];
    sbom_in(&fixtures().join("cargo"), &args, &[])
}

#[test]
fn licence_bundle_from_cargo_registry_and_node_modules() {
    let tmp = tempfile::tempdir().unwrap();
    let lic = tmp.path().join("LICENSES");
    let out = cargo_bundle("../cargo-home", &lic, &tmp.path().join("s.json"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = doc(&out.stdout);
    assert_eq!(report["license_files_written"], 5);
    assert_eq!(report["missing_license_texts"], json!([]));
    let mut names: Vec<String> = std::fs::read_dir(&lic)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cargo-hex-0.4.3.txt",
            "cargo-itoa-1.0.18.txt",
            "cargo-memchr-2.8.3.txt",
            "cargo-tinyvec-1.13.3.txt",
            "cargo-unicode-normalization-0.1.26.txt"
        ]
    );
    let src = fixtures().join("cargo-home/registry/src/index.crates.io-1949cf8c6b5b557f/hex-0.4.3");
    let want = format!(
        "Component: hex\nVersion: 0.4.3\nPackage URL: pkg:cargo/hex@0.4.3\nDeclared license: MIT OR Apache-2.0\n\n==> LICENSE-APACHE <==\n{}\n==> LICENSE-MIT <==\n{}",
        std::fs::read_to_string(src.join("LICENSE-APACHE")).unwrap(),
        std::fs::read_to_string(src.join("LICENSE-MIT")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(lic.join("cargo-hex-0.4.3.txt")).unwrap(),
        want
    );

    // npm: an installed tree (kept as installed_node_modules/ in the fixtures).
    let proj = tmp.path().join("web");
    copy_tree(&fixtures().join("npm-installed"), &proj);
    let lic = tmp.path().join("NPM-LICENSES");
    let out = sbom_in(
        &proj,
        &[
            "--licenses-dir",
            lic.to_str().unwrap(),
            "-o",
            "sbom.json",
            "--json",
        ],
        &[],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = doc(&out.stdout);
    assert_eq!(report["license_files_written"], 6);
    assert!(lic
        .join("npm-_isaacs_string-locale-compare-1.1.0.txt")
        .is_file());

    // Go: Debian's module sources carry no licence file, so every module is listed as missing.
    let out = sbom_in(
        &fixtures().join("go"),
        &[
            "--licenses-dir",
            lic.to_str().unwrap(),
            "-o",
            tmp.path().join("g.json").to_str().unwrap(),
            "--json",
        ],
        &[],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        doc(&out.stdout)["missing_license_texts"],
        json!([
            "pkg:golang/github.com/google/uuid@v1.3.0",
            "pkg:golang/github.com/pkg/errors@v0.9.1"
        ])
    );
}

/// Copies a fixture tree, giving `installed_node_modules` back its real name.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        let target = to.join(if name == "installed_node_modules" {
            "node_modules"
        } else {
            &name
        });
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn deny_and_allow_fail_with_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let o = tmp.path().join("s.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--cargo-home",
            "../cargo-home",
            "-o",
            o.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        sbom_in(&fixtures().join("cargo"), &args, &[])
    };
    // Every crate can be used without GPL, and without MIT (Apache-2.0 or another choice).
    assert_eq!(code(&run(&["--deny", "GPL-*,AGPL-3.0-only"])), 0);
    assert_eq!(code(&run(&["--deny", "MIT"])), 0);
    let out = run(&["--deny", "Unicode-3.0"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        doc(&out.stdout)["violations"],
        json!([{"purl": "pkg:cargo/unicode-normalization@0.1.26", "license": "(MIT OR Apache-2.0) AND Unicode-3.0", "reason": "not allowed: Unicode-3.0"}])
    );
    assert!(
        stderr(&out).contains(
            "pkg:cargo/unicode-normalization@0.1.26: licence (MIT OR Apache-2.0) AND Unicode-3.0"
        ),
        "{}",
        stderr(&out)
    );
    let out = run(&["--allow", "MIT", "--allow", "Apache-2.0"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        doc(&out.stdout)["violations"][0]["purl"],
        "pkg:cargo/unicode-normalization@0.1.26"
    );
    assert_eq!(code(&run(&["--allow", "MIT,Apache-2.0,Unicode-3.0"])), 0);
    assert_eq!(code(&run(&["--deny", "not a licence"])), 2);
}

#[test]
fn malformed_lockfiles_are_named_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::write(
        p.join("Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"a\"\nversion = 1\n",
    )
    .unwrap();
    let out = sbom_in(p, &["Cargo.lock"], &[]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "sbom: Cargo.lock:5: invalid type: integer `1`, expected a string; fix the file or regenerate it with its package manager\n"
    );
    std::fs::write(
        p.join("package-lock.json"),
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {}\n  ,}\n}\n",
    )
    .unwrap();
    let out = sbom_in(p, &["package-lock.json"], &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("sbom: package-lock.json:5: trailing comma"),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        p.join("requirements.txt"),
        "six==1.17.0\nfoo==1.0 \\\n    --hash=sha256:nothex\n",
    )
    .unwrap();
    let out = sbom_in(p, &["requirements.txt"], &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("sbom: requirements.txt:2: `--hash=sha256:nothex`"),
        "{}",
        stderr(&out)
    );
    let go = p.join("go");
    std::fs::create_dir(&go).unwrap();
    std::fs::write(
        go.join("go.mod"),
        "module example.com/x\n\nrequire github.com/a/b v1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        go.join("go.sum"),
        "github.com/a/b v1.0.0 h1:abc=\ngarbage\n",
    )
    .unwrap();
    let out = sbom_in(p, &["go"], &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("go/go.sum:2: expected MODULE VERSION h1:HASH"),
        "{}",
        stderr(&out)
    );
    // A manifest beside the lockfile that does not parse is named, not silently ignored (it
    // decides scopes and the project's name).
    let krate = p.join("crate");
    std::fs::create_dir(&krate).unwrap();
    std::fs::copy(
        fixtures().join("cargo/Cargo.lock"),
        krate.join("Cargo.lock"),
    )
    .unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \n",
    )
    .unwrap();
    let out = sbom_in(p, &["crate"], &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("sbom: crate/Cargo.toml:3: "),
        "{}",
        stderr(&out)
    );
    // The same for an npm project's package.json beside its lockfile…
    let npm = p.join("npm");
    std::fs::create_dir(&npm).unwrap();
    std::fs::copy(
        fixtures().join("npm-v3/package-lock.json"),
        npm.join("package-lock.json"),
    )
    .unwrap();
    std::fs::write(
        npm.join("package.json"),
        "{\"name\": \"x\",\n  \"version\": }\n",
    )
    .unwrap();
    let out = sbom_in(p, &["npm/package-lock.json"], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("sbom: npm/package.json:2: "),
        "{}",
        stderr(&out)
    );
    // …and for an installed package's package.json in a lockless node_modules: a component is
    // never silently left out of the SBOM.
    let installed = p.join("installed");
    let pkg = installed.join("node_modules/left-pad");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(installed.join("package.json"), "{\"name\": \"app\"}\n").unwrap();
    std::fs::write(pkg.join("package.json"), "{\"name\": \"left-pad\",\n").unwrap();
    let out = sbom_in(p, &["installed"], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("sbom: installed/node_modules/left-pad/package.json:"),
        "{}",
        stderr(&out)
    );
    // A go.sum that exists but cannot be read is an error, not a module without checksums.
    std::fs::remove_file(go.join("go.sum")).unwrap();
    std::fs::create_dir(go.join("go.sum")).unwrap();
    let out = sbom_in(p, &["go"], &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("sbom: go/go.sum: cannot read: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn human_summary_goes_to_stdout_with_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sbom.json");
    let lic = tmp.path().join("LICENSES");
    let out = sbom_in(
        &fixtures().join("cargo"),
        &[
            "--cargo-home",
            "../cargo-home",
            "-o",
            file.to_str().unwrap(),
            "--licenses-dir",
            lic.to_str().unwrap(),
            "--deny",
            "Unicode-3.0",
        ],
        &[],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout.clone()).unwrap(),
        format!(
            "sbom: 5 components (cargo 5) from 1 lockfile(s), CycloneDX 1.5 → {}\n\n\
             lockfile    kind        components\n\
             Cargo.lock  Cargo.lock           5\n\n\
             licence                              components\n\
             (MIT OR Apache-2.0) AND Unicode-3.0           1\n\
             MIT OR Apache-2.0                             2\n\
             Unlicense OR MIT                              1\n\
             Zlib OR Apache-2.0 OR MIT                     1\n\n\
             licence source                components\n\
             lockfile or manifest on disk           5\n\
             registry cache                         0\n\
             cargo metadata                         0\n\
             registry API                           0\n\
             not found                              0\n\
             licence texts: 5 written, 0 not found locally\n\
             licence policy: 1 violation(s)\n",
            file.display()
        )
    );
    assert_eq!(
        stderr(&out),
        "sbom: pkg:cargo/unicode-normalization@0.1.26: licence (MIT OR Apache-2.0) AND Unicode-3.0 — not allowed: Unicode-3.0\n"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        expected("cargo").into_bytes()
    );
}

#[test]
fn unknown_lockfile_types_are_listed_as_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::write(p.join("yarn.lock"), "# yarn lockfile v1\n").unwrap();
    std::fs::write(p.join("Gemfile.lock"), "GEM\n").unwrap();
    let out = sbom_in(p, &[], &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("./Gemfile.lock: skipped: Bundler lockfiles are not supported"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("no lockfile found under ."),
        "{}",
        stderr(&out)
    );
    std::fs::copy(
        fixtures().join("npm-v3/package-lock.json"),
        p.join("package-lock.json"),
    )
    .unwrap();
    let out = sbom_in(p, &["-o", "sbom.json", "--json"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        doc(&out.stdout)["skipped"],
        json!([
            {"path": "Gemfile.lock", "reason": "Bundler lockfiles are not supported"},
            {"path": "yarn.lock", "reason": "yarn lockfiles are not supported"}
        ])
    );
}

#[test]
fn usage_and_environment_errors() {
    let out = sbom(&["cargo", "--json"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "sbom: --json prints a summary on stdout, so the SBOM needs -o FILE\n"
    );
    let out = sbom(&["no-such-dir"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "sbom: no-such-dir: no such file or directory\n"
    );
    let out = sbom(&["cargo", "-o", "/proc/sbom.json"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
}

#[test]
fn actions_outputs_and_job_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let output = tmp.path().join("output");
    let summary = tmp.path().join("summary");
    let file = tmp.path().join("sbom.json");
    let out = sbom_in(
        &fixtures().join("cargo"),
        &[
            "--cargo-home",
            "../cargo-home",
            "-o",
            file.to_str().unwrap(),
            "--deny",
            "Unicode-3.0",
        ],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", output.to_str().unwrap()),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        format!("sbom-file={}\ncomponents=5\n", file.display())
    );
    let want = format!(
        "### SBOM\n\n5 components (cargo 5) from 1 lockfile(s), CycloneDX 1.5 → {}\n\n\
         | lockfile | kind | components |\n| --- | --- | ---: |\n| Cargo.lock | Cargo.lock | 5 |\n\n\
         | licence | components |\n| --- | ---: |\n\
         | (MIT OR Apache-2.0) AND Unicode-3.0 | 1 |\n| MIT OR Apache-2.0 | 2 |\n| Unlicense OR MIT | 1 |\n| Zlib OR Apache-2.0 OR MIT | 1 |\n\n\
         | licence source | components |\n| --- | ---: |\n\
         | lockfile or manifest on disk | 5 |\n| registry cache | 0 |\n| cargo metadata | 0 |\n| registry API | 0 |\n| not found | 0 |\n\n\
         **Licence policy violations:**\n\n\
         - `pkg:cargo/unicode-normalization@0.1.26`: (MIT OR Apache-2.0) AND Unicode-3.0 (not allowed: Unicode-3.0)\n",
        file.display()
    );
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), want);
    assert!(
        stderr(&out).contains(
            "::error title=sbom%3A licence policy::pkg:cargo/unicode-normalization@0.1.26"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cargo_licences_from_downloaded_crate_archives_when_sources_are_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let lic = tmp.path().join("LICENSES");
    let out = cargo_bundle("../cargo-home-cache", &lic, &tmp.path().join("s.json"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = doc(&out.stdout);
    assert_eq!(
        report["licenses"],
        json!({"(unknown)": 3, "MIT OR Apache-2.0": 2})
    );
    assert_eq!(
        report["missing_license_texts"],
        json!([
            "pkg:cargo/memchr@2.8.3",
            "pkg:cargo/tinyvec@1.13.3",
            "pkg:cargo/unicode-normalization@0.1.26"
        ])
    );
    // The bundle from the archive equals the one from the unpacked sources.
    let from_src = tmp.path().join("FROM-SRC");
    let out = cargo_bundle("../cargo-home", &from_src, &tmp.path().join("t.json"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for f in ["cargo-hex-0.4.3.txt", "cargo-itoa-1.0.18.txt"] {
        assert_eq!(
            std::fs::read_to_string(lic.join(f)).unwrap(),
            std::fs::read_to_string(from_src.join(f)).unwrap()
        );
    }
}

#[test]
fn the_action_writes_the_sbom_and_inputs_stay_data() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    std::fs::create_dir(ws.join("web")).unwrap();
    for f in ["package.json", "package-lock.json"] {
        std::fs::copy(fixtures().join("npm-v3").join(f), ws.join("web").join(f)).unwrap();
    }
    std::fs::write(ws.join("yarn.lock"), "# yarn lockfile v1\n").unwrap();
    let name = "shop\"; touch pwned; echo \"$(touch pwned2)";
    let result = harness::Action::load("actions/sbom")
        .workspace(ws)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .input("output", "dist/SBOM.cdx.json")
        .input("spec-version", "1.6")
        .input("name", name)
        .input("deny", "GPL-*\nAGPL-*")
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert_eq!(result.outputs["sbom-file"], "dist/SBOM.cdx.json");
    assert_eq!(result.outputs["components"], "6");
    assert!(!ws.join("pwned").exists() && !ws.join("pwned2").exists());
    let file = ws.join("dist/SBOM.cdx.json");
    let d = doc(&std::fs::read(&file).unwrap());
    assert_eq!(d["specVersion"], "1.6");
    assert_eq!(d["metadata"]["component"]["name"], name);
    assert_schema_valid(&file);
    assert!(result.summary.starts_with("### SBOM\n\n6 components (npm 6) from 1 lockfile(s), CycloneDX 1.6 → dist/SBOM.cdx.json\n"), "{}", result.summary);
    assert!(
        result
            .summary
            .contains("- `yarn.lock`: yarn lockfiles are not supported\n"),
        "{}",
        result.summary
    );

    // A denied licence fails the step, with the SBOM still written.
    let result = harness::Action::load("actions/sbom")
        .workspace(ws)
        .input("deny", "MIT")
        .run()
        .unwrap();
    assert!(!result.success, "{result}");
    assert_eq!(result.step("run").exit_code, Some(1));
    assert_eq!(result.outputs["components"], "6");

    // Every npm-v3 licence is in its lockfile: the gate passes; a version 1 lockfile carries
    // none, and the gate fails the step.
    let result = harness::Action::load("actions/sbom")
        .workspace(ws)
        .input("fail-on-unknown-license", "true")
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert!(
        result.summary.contains("| not found | 0 |\n"),
        "{}",
        result.summary
    );
    std::fs::copy(
        fixtures().join("npm-v1/package-lock.json"),
        ws.join("web/package-lock.json"),
    )
    .unwrap();
    let result = harness::Action::load("actions/sbom")
        .workspace(ws)
        .input("fail-on-unknown-license", "true")
        .run()
        .unwrap();
    assert!(!result.success, "{result}");
    assert_eq!(result.step("run").exit_code, Some(1));
    assert!(
        result.summary.contains("| not found | 6 |\n"),
        "{}",
        result.summary
    );
    assert!(
        result.summary.contains("**Licence unknown (6):**"),
        "{}",
        result.summary
    );
    // The mode is data, not shell: a hostile value is an invalid choice (exit 2).
    let result = harness::Action::load("actions/sbom")
        .workspace(ws)
        .input("licenses", "online\"; touch pwned3; echo \"")
        .run()
        .unwrap();
    assert_eq!(result.step("run").exit_code, Some(2), "{result}");
    assert!(!ws.join("pwned3").exists());
}

#[test]
fn virtualenvs_are_read_when_named_and_skipped_when_hidden() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    let site = p.join(".venv/lib/python3.11/site-packages");
    copy_tree(&fixtures().join("site-packages/lib"), &site);
    std::fs::write(p.join(".venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    std::fs::copy(
        fixtures().join("pipenv/Pipfile.lock"),
        p.join("Pipfile.lock"),
    )
    .unwrap();
    let walked = doc(&sbom_in(p, &[], &[]).stdout);
    assert_eq!(summary(&walked), summary(&doc(&sbom(&["pipenv"]).stdout)));
    // Named explicitly, the virtualenv adds its distributions and their licences.
    let both = doc(&sbom_in(p, &[".", ".venv"], &[]).stdout);
    assert_eq!(
        summary(&both),
        vec![
            t("pkg:pypi/iniconfig@2.3.1", "excluded", "MIT"),
            t("pkg:pypi/jinja2@3.1.6", "required", ""),
            t("pkg:pypi/markupsafe@3.0.4", "required", "BSD-3-Clause"),
            t("pkg:pypi/python-dateutil@4.0.0", "required", "BSD-3-Clause"),
            t("pkg:pypi/six@1.17.0", "required", "MIT"),
            t("pkg:pypi/tzdata@2026.6", "required", ""),
        ]
    );
}

/// `(purl, licence, licence-source property)` of every component.
fn licences(d: &Value) -> Vec<(String, String, String)> {
    d["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let lic = c["licenses"][0]["expression"]
                .as_str()
                .or(c["licenses"][0]["license"]["name"].as_str())
                .unwrap_or("")
                .to_string();
            let source = c["properties"]
                .as_array()
                .and_then(|ps| {
                    ps.iter()
                        .find(|p| p["name"] == "relkit:sbom:license-source")
                        .map(|p| p["value"].as_str().unwrap().to_string())
                })
                .unwrap_or_default();
            (c["purl"].as_str().unwrap().to_string(), lic, source)
        })
        .collect()
}

fn l(purl: &str, lic: &str, source: &str) -> (String, String, String) {
    (purl.into(), lic.into(), source.into())
}

const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

/// A project with a Cargo.lock (no Cargo.toml: crates.io is asked directly), a version 1
/// package-lock.json (which carries no licences) and a pinned requirements.txt.
fn online_project(dir: &Path) {
    let sum = |c: char| c.to_string().repeat(64);
    std::fs::write(
        dir.join("Cargo.lock"),
        format!(
            "version = 4\n\n\
             [[package]]\nname = \"forked\"\nversion = \"0.2.0\"\nsource = \"git+https://github.com/o/forked?branch=main#0123456789abcdef0123456789abcdef01234567\"\n\n\
             [[package]]\nname = \"gone-crate\"\nversion = \"0.1.0\"\nsource = \"{CRATES_IO}\"\nchecksum = \"{}\"\n\n\
             [[package]]\nname = \"serde\"\nversion = \"1.0.219\"\nsource = \"{CRATES_IO}\"\nchecksum = \"{}\"\n\n\
             [[package]]\nname = \"windows-sys\"\nversion = \"0.59.0\"\nsource = \"{CRATES_IO}\"\nchecksum = \"{}\"\n",
            sum('a'),
            sum('b'),
            sum('c')
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("package-lock.json"),
        r#"{
  "name": "web",
  "version": "1.0.0",
  "lockfileVersion": 1,
  "requires": true,
  "dependencies": {
    "@acme/widget": {"version": "2.0.0"},
    "ghost": {"version": "0.0.1"},
    "left-pad": {"version": "1.3.0"}
  }
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("requirements.txt"),
        "Jinja2==3.1.6\nsix==1.17.0\noldpkg==1.0\nflaky-dist==2.0\n",
    )
    .unwrap();
}

/// The registry answers for [`online_project`], with one 503 and one 429 to retry.
fn online_registry() -> registry_server::Registry {
    use registry_server::Fault;
    let r = registry_server::Registry::start();
    r.add_crate("serde", "1.0.219", Some("MIT OR Apache-2.0"))
        .add_crate("windows-sys", "0.59.0", Some("MIT/Apache-2.0"))
        .add_pypi(
            "jinja2",
            "3.1.6",
            json!({"license": null, "license_expression": "BSD-3-Clause"}),
        )
        .add_pypi("six", "1.17.0", json!({"license": "MIT"}))
        .add_pypi(
            "oldpkg",
            "1.0",
            json!({"license": "", "classifiers": ["Programming Language :: Python", "License :: OSI Approved :: Apache Software License"]}),
        )
        .add_pypi("flaky-dist", "2.0", json!({"license_expression": "ISC"}))
        .add_npm("left-pad", "1.3.0", json!("WTFPL"))
        .add_npm("@acme/widget", "2.0.0", json!({"type": "MIT", "url": "x"}))
        .fault("/api/v1/crates/windows-sys/0.59.0", Fault::Once(503))
        .fault("/pypi/flaky-dist/2.0/json", Fault::Once(429));
    r
}

fn online_args<'a>(url: &'a str, cache: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--licenses",
        "online",
        "--crates-io-url",
        url,
        "--pypi-url",
        url,
        "--npm-registry",
        url,
        "--cache-dir",
        cache,
        "--attempts",
        "3",
        "-o",
        "sbom.json",
        "--json",
    ];
    args.extend_from_slice(extra);
    args
}

const FAST_RETRIES: [(&str, &str); 2] = [
    ("SBOM_RETRY_BASE", "10ms"),
    ("SBOM_CRATES_IO_INTERVAL", "0s"),
];

#[test]
fn online_licences_from_the_registries_with_retries_404_and_a_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("proj");
    std::fs::create_dir(&p).unwrap();
    online_project(&p);
    let cache = tmp.path().join("cache");
    let cache_s = cache.to_str().unwrap();

    // Offline (the default): nothing is asked, everything but nothing is known.
    let local = sbom_in(&p, &["-o", "sbom.json", "--json"], &[]);
    assert_eq!(code(&local), 0, "{}", stderr(&local));
    let report = doc(&local.stdout);
    assert_eq!(
        report["license_sources"],
        json!({"local": 0, "cache": 0, "cargo-metadata": 0, "registry-api": 0, "unknown": 11})
    );
    assert_eq!(
        report["unknown_licenses"][0],
        json!({"purl": "pkg:cargo/forked@0.2.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fo%2Fforked%400123456789abcdef0123456789abcdef01234567", "reason": "no licence in the lockfile or on disk; --licenses online asks cargo metadata and crates.io", "lookup_failed": false})
    );
    let offline_doc = std::fs::read(p.join("sbom.json")).unwrap();

    let registry = online_registry();
    let url = registry.url();
    let out = sbom_in(&p, &online_args(&url, cache_s, &[]), &FAST_RETRIES);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = doc(&out.stdout);
    assert_eq!(
        report["license_sources"],
        json!({"local": 0, "cache": 0, "cargo-metadata": 0, "registry-api": 8, "unknown": 3})
    );
    let git_purl = "pkg:cargo/forked@0.2.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fo%2Fforked%400123456789abcdef0123456789abcdef01234567";
    assert_eq!(
        report["unknown_licenses"],
        json!([
            {"purl": git_purl, "reason": "not asked: not a version from a public registry (path, git or another registry)", "lookup_failed": false},
            {"purl": "pkg:cargo/gone-crate@0.1.0", "reason": format!("not published on crates.io (HTTP 404 from {url}/api/v1/crates/gone-crate/0.1.0)"), "lookup_failed": false},
            {"purl": "pkg:npm/ghost@0.0.1", "reason": format!("not published on the npm registry (HTTP 404 from {url}/ghost/0.0.1)"), "lookup_failed": false},
        ])
    );
    let sbom_doc = std::fs::read(p.join("sbom.json")).unwrap();
    assert_eq!(
        licences(&doc(&sbom_doc)),
        vec![
            l(git_purl, "", ""),
            l("pkg:cargo/gone-crate@0.1.0", "", ""),
            l(
                "pkg:cargo/serde@1.0.219",
                "MIT OR Apache-2.0",
                "registry-api"
            ),
            l(
                "pkg:cargo/windows-sys@0.59.0",
                "MIT OR Apache-2.0",
                "registry-api"
            ),
            l("pkg:npm/%40acme/widget@2.0.0", "MIT", "registry-api"),
            l("pkg:npm/ghost@0.0.1", "", ""),
            l("pkg:npm/left-pad@1.3.0", "WTFPL", "registry-api"),
            l("pkg:pypi/flaky-dist@2.0", "ISC", "registry-api"),
            l("pkg:pypi/jinja2@3.1.6", "BSD-3-Clause", "registry-api"),
            l("pkg:pypi/oldpkg@1.0", "Apache-2.0", "registry-api"),
            l("pkg:pypi/six@1.17.0", "MIT", "registry-api"),
        ]
    );
    // Only the licences changed: same components, graph and everything else.
    let strip = |bytes: &[u8]| -> Vec<Value> {
        doc(bytes)["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut c = c.clone();
                let o = c.as_object_mut().unwrap();
                o.remove("licenses");
                o.remove("properties");
                c
            })
            .collect()
    };
    assert_eq!(strip(&sbom_doc), strip(&offline_doc));
    assert_schema_valid(&p.join("sbom.json"));
    // Each package version asked once, the 503 and the 429 retried once; the git crate is never
    // asked (a same-named crates.io crate would be someone else's).
    let mut paths: Vec<(String, u16)> = registry
        .received()
        .into_iter()
        .map(|r| (r.path, r.status))
        .collect();
    paths.sort();
    let want: Vec<(String, u16)> = [
        ("/@acme%2Fwidget/2.0.0", 200),
        ("/api/v1/crates/gone-crate/0.1.0", 404),
        ("/api/v1/crates/serde/1.0.219", 200),
        ("/api/v1/crates/windows-sys/0.59.0", 200),
        ("/api/v1/crates/windows-sys/0.59.0", 503),
        ("/ghost/0.0.1", 404),
        ("/left-pad/1.3.0", 200),
        ("/pypi/flaky-dist/2.0/json", 200),
        ("/pypi/flaky-dist/2.0/json", 429),
        ("/pypi/jinja2/3.1.6/json", 200),
        ("/pypi/oldpkg/1.0/json", 200),
        ("/pypi/six/1.17.0/json", 200),
    ]
    .into_iter()
    .map(|(p, s)| (p.to_string(), s))
    .collect();
    assert_eq!(paths, want);
    assert!(registry
        .received()
        .iter()
        .all(|r| r.user_agent.starts_with("relkit-sbom/")));
    assert!(
        stderr(&out).contains(&format!(
            "sbom: GET {url}/api/v1/crates/windows-sys/0.59.0: HTTP 503; retrying in"
        )),
        "{}",
        stderr(&out)
    );
    let cached: Value = serde_json::from_slice(
        &std::fs::read(cache.join("npm/%40acme%2Fwidget/2%2E0%2E0.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        cached,
        json!({"url": format!("{url}/@acme%2Fwidget/2.0.0"), "license": "MIT"})
    );

    // The registry gone: every answer found comes from the cache, and the SBOM is the same
    // document. The two 404s are asked again (a missing version is never cached), fail, and
    // leave the gate undecided: exit 3, each named.
    registry.stop();
    let out = sbom_in(
        &p,
        &online_args(&url, cache_s, &["--fail-on-unknown-license"]),
        &FAST_RETRIES,
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let report = doc(&out.stdout);
    assert_eq!(
        report["license_sources"],
        json!({"local": 0, "cache": 8, "cargo-metadata": 0, "registry-api": 0, "unknown": 3})
    );
    assert_eq!(std::fs::read(p.join("sbom.json")).unwrap(), sbom_doc);
    let failed: Vec<(String, bool)> = report["unknown_licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["purl"].as_str().unwrap().to_string(),
                u["lookup_failed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            (git_purl.to_string(), false),
            ("pkg:cargo/gone-crate@0.1.0".to_string(), true),
            ("pkg:npm/ghost@0.0.1".to_string(), true),
        ]
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!("sbom: pkg:cargo/gone-crate@0.1.0: crates.io lookup failed: GET {url}/api/v1/crates/gone-crate/0.1.0: gave up after 3 attempt(s)")),
        "{err}"
    );
    assert!(
        err.contains(
            "sbom: pkg:npm/ghost@0.0.1: licence unknown — the npm registry lookup failed: "
        ),
        "{err}"
    );

    // Without the packages that are not published: all from the cache, the gate passes.
    let q = tmp.path().join("known");
    std::fs::create_dir(&q).unwrap();
    std::fs::copy(p.join("requirements.txt"), q.join("requirements.txt")).unwrap();
    let out = sbom_in(
        &q,
        &online_args(&url, cache_s, &["--fail-on-unknown-license"]),
        &FAST_RETRIES,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        doc(&out.stdout)["license_sources"],
        json!({"local": 0, "cache": 4, "cargo-metadata": 0, "registry-api": 0, "unknown": 0})
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn broken_registry_answers_are_counted_unknown_and_never_pass_the_gate() {
    use registry_server::Fault;
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    online_project(p);
    let registry = online_registry();
    registry
        .fault("/api/v1/crates/serde/1.0.219", Fault::Always(500))
        .fault("/pypi/six/1.17.0/json", Fault::NotJson);
    // Published, with no licence declared: unknown, but not a failure, and cached.
    registry.add_crate("gone-crate", "0.1.0", None);
    let url = registry.url();
    let cache = p.join("cache");
    let cache_s = cache.to_str().unwrap();
    let out = sbom_in(p, &online_args(&url, cache_s, &[]), &FAST_RETRIES);
    // Without the gate the SBOM is written, the failures are warned about and counted.
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = doc(&out.stdout);
    assert_eq!(
        report["license_sources"],
        json!({"local": 0, "cache": 0, "cargo-metadata": 0, "registry-api": 6, "unknown": 5})
    );
    let failed: Vec<(String, String)> = report["unknown_licenses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["lookup_failed"] == true)
        .map(|u| {
            (
                u["purl"].as_str().unwrap().to_string(),
                u["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(
        report["unknown_licenses"][1],
        json!({"purl": "pkg:cargo/gone-crate@0.1.0", "reason": "crates.io declares no licence for this version", "lookup_failed": false})
    );
    assert_eq!(
        std::fs::read_to_string(cache.join("cargo/gone-crate/0%2E1%2E0.json")).unwrap(),
        format!(
            "{{\n  \"url\": \"{url}/api/v1/crates/gone-crate/0.1.0\",\n  \"license\": null\n}}\n"
        )
    );
    assert_eq!(failed[0].0, "pkg:cargo/serde@1.0.219");
    let prefix = format!(
        "crates.io lookup failed: GET {url}/api/v1/crates/serde/1.0.219: gave up after 3 attempt(s) in "
    );
    assert!(
        failed[0].1.starts_with(&prefix) && failed[0].1.ends_with(": HTTP 500"),
        "{}",
        failed[0].1
    );
    assert_eq!(
        failed[1],
        (
            "pkg:pypi/six@1.17.0".to_string(),
            format!("PyPI lookup failed: GET {url}/pypi/six/1.17.0/json: the answer is not the registry's JSON (expected value at line 1 column 1)")
        )
    );
    assert!(
        stderr(&out).contains("sbom: pkg:pypi/six@1.17.0: PyPI lookup failed: "),
        "{}",
        stderr(&out)
    );
    // 500 forever: asked exactly --attempts times.
    let serde_asks = registry
        .received()
        .iter()
        .filter(|r| r.path == "/api/v1/crates/serde/1.0.219")
        .count();
    assert_eq!(serde_asks, 3);
    // Failed answers are not cached.
    assert!(!cache.join("cargo/serde").exists());
    assert!(cache.join("cargo/windows-sys/0%2E59%2E0.json").is_file());

    let out = sbom_in(
        p,
        &online_args(&url, cache_s, &["--fail-on-unknown-license"]),
        &FAST_RETRIES,
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("sbom: pkg:cargo/serde@1.0.219: licence unknown — crates.io lookup failed: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn fail_on_unknown_license_exits_1_listing_them_and_0_when_all_are_known() {
    let tmp = tempfile::tempdir().unwrap();
    let o = tmp.path().join("s.json");
    let run = |home: &str, extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["--cargo-home", home, "-o", o.to_str().unwrap()];
        args.extend_from_slice(extra);
        sbom_in(&fixtures().join("cargo"), &args, env)
    };
    let out = run("../cargo-home", &["--fail-on-unknown-license"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Only the archives of two crates are in this cargo home: three licences are unknown.
    let out = run("../cargo-home-cache", &[], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run("../cargo-home-cache", &["--fail-on-unknown-license"], &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let why = "no licence in the lockfile or on disk; --licenses online asks cargo metadata and crates.io";
    assert_eq!(
        stderr(&out),
        format!(
            "sbom: pkg:cargo/memchr@2.8.3: licence unknown — {why}\n\
             sbom: pkg:cargo/tinyvec@1.13.3: licence unknown — {why}\n\
             sbom: pkg:cargo/unicode-normalization@0.1.26: licence unknown — {why}\n"
        )
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).ends_with(&format!(
            "licence source                components\n\
             lockfile or manifest on disk           2\n\
             registry cache                         0\n\
             cargo metadata                         0\n\
             registry API                           0\n\
             not found                              3\n\
             licence unknown: 3 component(s)\n  {why}:\n    pkg:cargo/memchr@2.8.3\n    pkg:cargo/tinyvec@1.13.3\n    pkg:cargo/unicode-normalization@0.1.26\n"
        )),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(
        "../cargo-home-cache",
        &[],
        &[("SBOM_FAIL_ON_UNKNOWN_LICENSE", "true")],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let out = run("../cargo-home-cache", &["--licenses", "sometimes"], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

/// A crate for a cargo `directory` source: its manifest, a library and the checksum file cargo
/// requires (no per-file sums; `package` is what Cargo.lock records).
fn vendor_crate(vendor: &Path, name: &str, version: &str, licence_line: &str, sum: char) {
    let d = vendor.join(format!("{name}-{version}"));
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::write(
        d.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n{licence_line}\n"),
    )
    .unwrap();
    std::fs::write(d.join("src/lib.rs"), "//! Test crate.\n").unwrap();
    std::fs::write(d.join("LICENSE.txt"), "Custom terms.\n").unwrap();
    std::fs::write(
        d.join(".cargo-checksum.json"),
        format!(
            "{{\"files\": {{}}, \"package\": \"{}\"}}",
            sum.to_string().repeat(64)
        ),
    )
    .unwrap();
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

#[test]
fn cargo_metadata_gives_the_licences_the_local_registry_lacks() {
    // A project whose crates.io dependencies resolve from a vendored directory source (set in
    // its cargo home, as `cargo vendor` tells users to) and a path dependency outside the
    // workspace: cargo resolves everything without the network, while the cargo home holds no
    // registry sources, so the licences are unknown locally.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let vendor = root.join("vendor");
    vendor_crate(&vendor, "vendored-dep", "1.2.0", "license = \"Zlib\"", 'd');
    vendor_crate(
        &vendor,
        "odd-licence",
        "0.3.0",
        "license-file = \"LICENSE.txt\"",
        'e',
    );
    let home = root.join("cargo-home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[source.crates-io]\nreplace-with = \"vendored\"\n\n[source.vendored]\ndirectory = \"{}\"\n",
            vendor.display()
        ),
    )
    .unwrap();
    let app = root.join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::create_dir_all(root.join("local-dep/src")).unwrap();
    std::fs::write(
        root.join("local-dep/Cargo.toml"),
        "[package]\nname = \"local-dep\"\nversion = \"0.4.0\"\nedition = \"2021\"\nlicense = \"BSD-2-Clause\"\n",
    )
    .unwrap();
    std::fs::write(root.join("local-dep/src/lib.rs"), "//! Local.\n").unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n\n\
         [dependencies]\nvendored-dep = \"1.2\"\nodd-licence = \"0.3\"\nlocal-dep = { path = \"../local-dep\" }\n",
    )
    .unwrap();
    std::fs::write(app.join("src/main.rs"), "fn main() {}\n").unwrap();
    let gen = Command::new(cargo_bin())
        .args(["generate-lockfile", "--offline"])
        .current_dir(&app)
        .env("CARGO_HOME", &home)
        .output()
        .unwrap();
    assert!(
        gen.status.success(),
        "{}",
        String::from_utf8_lossy(&gen.stderr)
    );
    let lock = std::fs::read_to_string(app.join("Cargo.lock")).unwrap();
    assert!(
        lock.contains(&format!(
            "name = \"vendored-dep\"\nversion = \"1.2.0\"\nsource = \"{CRATES_IO}\""
        )),
        "{lock}"
    );

    let home_s = home.to_str().unwrap();
    let local = sbom_in(
        &app,
        &["--cargo-home", home_s, "-o", "sbom.json", "--json"],
        &[],
    );
    assert_eq!(code(&local), 0, "{}", stderr(&local));
    assert_eq!(
        doc(&local.stdout)["license_sources"],
        json!({"local": 0, "cache": 0, "cargo-metadata": 0, "registry-api": 0, "unknown": 3})
    );

    // Online with the network off for cargo and a registry that is not there: the licences
    // come from cargo metadata alone, nothing is asked of crates.io.
    let cache = root.join("cache");
    let out = sbom_in(
        &app,
        &[
            "--cargo-home",
            home_s,
            "--licenses",
            "online",
            "--crates-io-url",
            "http://127.0.0.1:9",
            "--cache-dir",
            cache.to_str().unwrap(),
            "--fail-on-unknown-license",
            "-o",
            "sbom.json",
            "--json",
        ],
        &[("CARGO_NET_OFFLINE", "true"), ("CARGO", &cargo_bin())],
    );
    // odd-licence declares only a licence file: still unknown, and not a lookup failure.
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = doc(&out.stdout);
    assert_eq!(
        report["license_sources"],
        json!({"local": 0, "cache": 0, "cargo-metadata": 2, "registry-api": 0, "unknown": 1})
    );
    assert_eq!(
        report["unknown_licenses"],
        json!([{"purl": "pkg:cargo/odd-licence@0.3.0", "reason": "its Cargo.toml declares only license-file = \"LICENSE.txt\", no SPDX expression (cargo metadata)", "lookup_failed": false}])
    );
    assert_eq!(
        licences(&doc(&std::fs::read(app.join("sbom.json")).unwrap())),
        vec![
            l(
                "pkg:cargo/local-dep@0.4.0",
                "BSD-2-Clause",
                "cargo-metadata"
            ),
            l("pkg:cargo/odd-licence@0.3.0", "", ""),
            l("pkg:cargo/vendored-dep@1.2.0", "Zlib", "cargo-metadata"),
        ]
    );
    assert!(!cache.exists(), "nothing was asked of a registry");
    assert_eq!(
        stderr(&out),
        "sbom: pkg:cargo/odd-licence@0.3.0: licence unknown — its Cargo.toml declares only license-file = \"LICENSE.txt\", no SPDX expression (cargo metadata)\n"
    );

    // cargo that cannot run is a warning, and crates.io is asked instead (here: not there).
    let out = sbom_in(
        &app,
        &[
            "--cargo-home",
            home_s,
            "--licenses",
            "online",
            "--crates-io-url",
            "http://127.0.0.1:9",
            "--cache-dir",
            cache.to_str().unwrap(),
            "--attempts",
            "1",
            "-o",
            "sbom.json",
        ],
        &[("CARGO", "/nonexistent/cargo")],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/nonexistent/cargo not found; install cargo (or set CARGO to it) to use cargo metadata"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("sbom: pkg:cargo/vendored-dep@1.2.0: crates.io lookup failed: GET http://127.0.0.1:9/api/v1/crates/vendored-dep/1.2.0: gave up after 1 attempt(s)"),
        "{}",
        stderr(&out)
    );
}
