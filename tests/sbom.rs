//! Black-box tests of the `sbom` binary on real lockfiles made by cargo, npm, uv, pipenv, pip and
//! go (tests/fixtures/sbom/*/COMMAND says how), validated against the official CycloneDX schemas.

mod harness;

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
             Zlib OR Apache-2.0 OR MIT                     1\n\
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
