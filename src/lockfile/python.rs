//! Python: pinned `requirements.txt` (with `--hash` options), `poetry.lock`, `uv.lock`,
//! `Pipfile.lock`, and installed distributions (`*.dist-info/METADATA` in a site-packages
//! directory or a virtualenv). Names are compared PEP 503-normalised, as pip does.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::licenses;
use super::model::{
    propagate_scopes, read_toml_manifest, Component, Ecosystem, Hash, Inventory, License,
    Malformed, Scope,
};
use super::purl::{self, pep503};

/// A component for a Python distribution.
fn component(name: &str, version: Option<&str>) -> Component {
    Component::new(Ecosystem::Pypi, name, version, purl::pypi(name, version))
}

/// The distribution name at the start of a PEP 508 requirement (`Jinja2[i18n]>=3 ; …` → `Jinja2`).
fn requirement_name(req: &str) -> &str {
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(req.len());
    &req[..end]
}

/// Parses a pip requirements file: one requirement per logical line (`\` continues a line),
/// `name[extras]==version ; markers --hash=alg:hex …`; options (`-r`, `--index-url`, …) and
/// comments are passed over. Unpinned requirements are kept without a version. The `# via`
/// annotations pip-compile and `uv pip compile` write under each requirement give the graph:
/// `# via jinja2` is an edge from jinja2, `# via -r requirements.in` marks a direct dependency.
pub fn parse_requirements(text: &str) -> Result<Inventory, Malformed> {
    let mut inv = Inventory::default();
    let mut logical = String::new();
    let mut start = 0;
    // Per component: the parents its `# via` names, and whether it is wanted directly.
    let mut via: Vec<(Vec<String>, bool)> = Vec::new();
    let mut in_via = false;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = i + 1;
        }
        // A comment line ends a `\` continuation, as pip strips comments before joining lines.
        let comment = raw.trim_start().strip_prefix('#').map(str::trim);
        if let Some(comment) = comment.filter(|_| logical.is_empty()) {
            let entries = match comment.strip_prefix("via") {
                Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
                    in_via = true;
                    rest.trim()
                }
                _ if in_via && !comment.is_empty() => comment,
                _ => {
                    in_via = false;
                    ""
                }
            };
            if let Some((parents, direct)) =
                via.last_mut().filter(|_| in_via && !entries.is_empty())
            {
                for e in entries.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                    // `-r requirements.in`, `-c constraints.txt`, `tiny-py (pyproject.toml)`
                    if e.starts_with('-') || e.contains('(') {
                        *direct = true;
                    } else {
                        parents.push(e.to_string());
                    }
                }
            }
            continue;
        }
        in_via = false;
        // A comment starts at `#` at the line start or after whitespace (URLs keep `#egg=`).
        let line = if raw.trim_start().starts_with('#') {
            ""
        } else {
            raw.find(" #")
                .or_else(|| raw.find("\t#"))
                .map_or(raw, |p| &raw[..p])
        };
        if let Some(cont) = line.trim_end().strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let entry = std::mem::take(&mut logical);
        let entry = entry.trim();
        if entry.is_empty() || entry.starts_with('-') {
            continue;
        }
        let mut words = entry.split_whitespace().peekable();
        let mut spec = String::new();
        let mut hashes = Vec::new();
        while let Some(w) = words.next() {
            if let Some(h) = w
                .strip_prefix("--hash=")
                .or_else(|| (w == "--hash").then(|| words.next().unwrap_or_default()))
            {
                hashes.push(Hash::from_prefixed(h).ok_or_else(|| {
                    Malformed::at(start, format!("`--hash={h}` is not ALGORITHM:HEX with a known algorithm (sha256, sha384, sha512)"))
                })?);
            } else if w.starts_with("--") {
                // Per-requirement options such as --config-settings.
            } else {
                spec.push_str(w);
                spec.push(' ');
            }
        }
        let spec = spec.split(';').next().unwrap_or("").trim();
        let name = requirement_name(spec);
        if name.is_empty() {
            return Err(Malformed::at(
                start,
                format!("`{spec}` is not a requirement (expected NAME==VERSION)"),
            ));
        }
        let rest = spec[name.len()..].trim_start();
        let rest = match rest.strip_prefix('[') {
            Some(r) => r
                .split_once(']')
                .map(|(_, after)| after.trim_start())
                .ok_or_else(|| {
                    Malformed::at(start, format!("`{spec}`: unclosed `[` in the extras"))
                })?,
            None => rest,
        };
        let version = match rest.strip_prefix("===").or_else(|| rest.strip_prefix("==")) {
            Some(v) if v.trim().is_empty() || v.contains(',') => {
                return Err(Malformed::at(
                    start,
                    format!("`{spec}`: the pin has no single version"),
                ))
            }
            Some(v) => Some(v.trim()),
            None => None,
        };
        let mut c = component(name, version);
        c.hashes = hashes;
        inv.components.push(c);
        via.push((Vec::new(), false));
    }
    let annotated = via
        .iter()
        .any(|(parents, direct)| *direct || !parents.is_empty());
    let index: HashMap<String, String> = inv
        .components
        .iter()
        .map(|c| (pep503(&c.name), c.purl.clone()))
        .collect();
    let purls: Vec<String> = inv.components.iter().map(|c| c.purl.clone()).collect();
    for (purl, (parents, direct)) in purls.iter().zip(&via) {
        if !annotated || *direct || parents.is_empty() {
            inv.direct.push(purl.clone());
        }
        for p in parents {
            if let Some(from) = index.get(&pep503(p)) {
                inv.edge(from, purl);
            }
        }
    }
    Ok(inv)
}

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
    #[serde(default)]
    metadata: PoetryMetadata,
}

#[derive(Deserialize, Default)]
struct PoetryMetadata {
    /// Poetry 1.0–1.1 kept file hashes here by package name.
    #[serde(default)]
    files: BTreeMap<String, Vec<PoetryFile>>,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: String,
    version: String,
    category: Option<String>,
    groups: Option<Vec<String>>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    files: Vec<PoetryFile>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct PoetryFile {
    hash: String,
}

/// Parses `poetry.lock` (lock formats 1.x and 2.x): dev packages from `category = "dev"` (1.x) or
/// `groups` without `main` (2.1), optional from `optional = true`.
pub fn parse_poetry(path: &Path, text: &str) -> Result<Inventory, Malformed> {
    let lock: PoetryLock = toml::from_str(text).map_err(|e| Malformed::toml(text, &e))?;
    let mut inv = Inventory::default();
    let index: HashMap<String, String> = lock
        .package
        .iter()
        .map(|p| (pep503(&p.name), purl::pypi(&p.name, Some(&p.version))))
        .collect();
    for p in &lock.package {
        let mut c = component(&p.name, Some(&p.version));
        let dev = p.category.as_deref() == Some("dev")
            || p.groups
                .as_ref()
                .is_some_and(|g| !g.is_empty() && !g.iter().any(|g| g == "main"));
        c.scope = if dev {
            Scope::Dev
        } else if p.optional {
            Scope::Optional
        } else {
            Scope::Required
        };
        let files = if p.files.is_empty() {
            lock.metadata.files.get(&p.name)
        } else {
            Some(&p.files)
        };
        c.hashes = files
            .into_iter()
            .flatten()
            .filter_map(|f| Hash::from_prefixed(&f.hash))
            .collect();
        for dep in p.dependencies.keys() {
            if let Some(to) = index.get(&pep503(dep)) {
                inv.edge(&c.purl, to);
            }
        }
        inv.components.push(c);
    }
    let project = read_pyproject(path)?;
    inv.direct = project
        .deps
        .iter()
        .filter_map(|d| index.get(&pep503(d)).cloned())
        .collect();
    inv.root = project.root;
    Ok(inv)
}

/// What sbom reads from `pyproject.toml`: the project's name and version, and the names it
/// depends on directly (PEP 621 and `[tool.poetry]`).
#[derive(Default)]
struct Project {
    root: Option<(String, Option<String>)>,
    deps: Vec<String>,
}

fn read_pyproject(lock_path: &Path) -> Result<Project, Malformed> {
    let dir = lock_path.parent().unwrap_or(Path::new("."));
    let Some(doc) = read_toml_manifest::<toml::Table>(&dir.join("pyproject.toml"))? else {
        return Ok(Project::default());
    };
    let project = doc.get("project");
    let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
    let field = |k: &str| {
        project
            .and_then(|p| p.get(k))
            .or_else(|| poetry.and_then(|p| p.get(k)))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    let mut deps = Vec::new();
    let strings = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(toml::Value::as_str)
                    .map(|r| requirement_name(r).to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    deps.extend(strings(project.and_then(|p| p.get("dependencies"))));
    if let Some(opt) = project
        .and_then(|p| p.get("optional-dependencies"))
        .and_then(toml::Value::as_table)
    {
        for v in opt.values() {
            deps.extend(strings(Some(v)));
        }
    }
    if let Some(groups) = doc.get("dependency-groups").and_then(toml::Value::as_table) {
        for v in groups.values() {
            deps.extend(strings(Some(v)));
        }
    }
    if let Some(p) = poetry {
        let mut tables = vec![p.get("dependencies"), p.get("dev-dependencies")];
        if let Some(groups) = p.get("group").and_then(toml::Value::as_table) {
            tables.extend(groups.values().map(|g| g.get("dependencies")));
        }
        for t in tables
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_table)
        {
            deps.extend(t.keys().filter(|k| *k != "python").cloned());
        }
    }
    Ok(Project {
        root: field("name").map(|n| (n, field("version"))),
        deps,
    })
}

#[derive(Deserialize)]
struct UvLock {
    #[serde(default)]
    package: Vec<UvPackage>,
}

#[derive(Deserialize)]
struct UvPackage {
    name: String,
    version: Option<String>,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dependencies: Vec<UvDep>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<UvDep>>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Vec<UvDep>>,
    sdist: Option<UvFile>,
    #[serde(default)]
    wheels: Vec<UvFile>,
}

#[derive(Deserialize)]
struct UvDep {
    name: String,
    version: Option<String>,
}

#[derive(Deserialize)]
struct UvFile {
    hash: Option<String>,
}

/// Parses `uv.lock`: the project is the package whose source is `editable`/`virtual` `"."`;
/// scopes follow from its dependencies, optional dependencies and dependency groups.
pub fn parse_uv(text: &str) -> Result<Inventory, Malformed> {
    let lock: UvLock = toml::from_str(text).map_err(|e| Malformed::toml(text, &e))?;
    let purls: Vec<String> = lock
        .package
        .iter()
        .map(|p| purl::pypi(&p.name, p.version.as_deref()))
        .collect();
    let find = |d: &UvDep| -> Option<usize> {
        let n = pep503(&d.name);
        lock.package
            .iter()
            .position(|p| pep503(&p.name) == n && (d.version.is_none() || d.version == p.version))
    };
    let is_project = |p: &UvPackage| {
        ["editable", "virtual"]
            .iter()
            .any(|k| p.source.get(*k).and_then(toml::Value::as_str) == Some("."))
    };
    let root = lock.package.iter().position(is_project);
    let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); lock.package.len()];
    let mut seeds = Vec::new();
    for (i, p) in lock.package.iter().enumerate() {
        let all = p
            .dependencies
            .iter()
            .map(|d| (d, Scope::Required))
            .chain(
                p.optional_dependencies
                    .values()
                    .flatten()
                    .map(|d| (d, Scope::Optional)),
            )
            .chain(
                p.dev_dependencies
                    .values()
                    .flatten()
                    .map(|d| (d, Scope::Dev)),
            );
        for (d, scope) in all {
            let Some(j) = find(d) else {
                return Err(Malformed::whole(format!(
                    "package {} depends on {}, which the lockfile does not list; run `uv lock`",
                    p.name, d.name
                )));
            };
            if Some(i) == root {
                seeds.push((j, scope));
            } else {
                adjacency[i].push(j);
            }
        }
    }
    if root.is_none() {
        seeds.extend((0..lock.package.len()).map(|i| (i, Scope::Required)));
    }
    let scopes = propagate_scopes(&adjacency, &seeds);
    let mut inv = Inventory::default();
    for (i, p) in lock.package.iter().enumerate() {
        if Some(i) == root {
            inv.root = Some((p.name.clone(), p.version.clone()));
            continue;
        }
        let mut c = component(&p.name, p.version.as_deref());
        c.scope = scopes[i].unwrap_or(Scope::Required);
        c.hashes = p
            .sdist
            .iter()
            .chain(&p.wheels)
            .filter_map(|f| f.hash.as_deref().and_then(Hash::from_prefixed))
            .collect();
        for &j in &adjacency[i] {
            inv.edge(&purls[i], &purls[j]);
        }
        inv.components.push(c);
    }
    inv.direct = seeds.iter().map(|&(j, _)| purls[j].clone()).collect();
    Ok(inv)
}

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(default)]
    default: BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
}

/// Parses `Pipfile.lock`: `default` packages are required, `develop` ones dev; no graph.
pub fn parse_pipfile(text: &str) -> Result<Inventory, Malformed> {
    let lock: PipfileLock = serde_json::from_str(text).map_err(|e| Malformed::json(&e))?;
    let mut inv = Inventory::default();
    for (section, scope) in [
        (&lock.default, Scope::Required),
        (&lock.develop, Scope::Dev),
    ] {
        for (name, e) in section {
            let version = e
                .version
                .as_deref()
                .map(|v| v.trim_start_matches('=').trim());
            let mut c = component(name, version);
            c.scope = scope;
            c.hashes = e
                .hashes
                .iter()
                .filter_map(|h| Hash::from_prefixed(h))
                .collect();
            inv.direct.push(c.purl.clone());
            inv.components.push(c);
        }
    }
    Ok(inv)
}

/// The core metadata fields sbom reads from a `METADATA` file.
#[derive(Default, Debug, PartialEq)]
struct Metadata {
    name: Option<String>,
    version: Option<String>,
    license_expression: Option<String>,
    license: Option<String>,
    classifiers: Vec<String>,
    requires: Vec<String>,
}

/// Reads the header part of a core metadata file (RFC 822 style, continuation lines indented).
fn parse_metadata(text: &str) -> Metadata {
    let mut m = Metadata::default();
    let mut last: Option<&str> = None;
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            // A continuation: only a multi-line `License` uses it; it marks the field as text.
            if last == Some("License") {
                if let Some(l) = &mut m.license {
                    l.push('\n');
                    l.push_str(line.trim());
                }
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        last = Some(match key {
            "Name" => {
                m.name = Some(value);
                "Name"
            }
            "Version" => {
                m.version = Some(value);
                "Version"
            }
            "License-Expression" => {
                m.license_expression = Some(value);
                "License-Expression"
            }
            "License" => {
                m.license = Some(value);
                "License"
            }
            "Classifier" => {
                m.classifiers.push(value);
                "Classifier"
            }
            "Requires-Dist" => {
                m.requires.push(value);
                "Requires-Dist"
            }
            _ => "",
        });
    }
    m
}

/// The licence a distribution declares in its `METADATA`.
fn metadata_license(m: &Metadata) -> Option<License> {
    declared_license(
        m.license_expression.as_deref(),
        m.license.as_deref(),
        &m.classifiers,
    )
}

/// The licence a distribution declares (core metadata, or PyPI's JSON `info`):
/// `License-Expression` (PEP 639), else a one-line `License` that is SPDX, else the licence
/// classifiers, else a short `License` as a name.
pub fn declared_license(
    expression: Option<&str>,
    license: Option<&str>,
    classifiers: &[String],
) -> Option<License> {
    if let Some(e) = expression.and_then(licenses::from_declared) {
        return Some(e);
    }
    let short = license.filter(|l| !l.contains('\n') && l.len() <= 100);
    if let Some(License::Expression(e)) = short.and_then(licenses::from_declared) {
        return Some(License::Expression(e));
    }
    let mut ids: Vec<&str> = classifiers
        .iter()
        .filter(|c| c.starts_with("License ::"))
        .filter_map(|c| licenses::from_classifier(c))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if !ids.is_empty() {
        return licenses::from_declared(&ids.join(" OR "));
    }
    short.and_then(licenses::from_declared)
}

/// Reads every `*.dist-info` in a site-packages directory: licences, and the graph from
/// `Requires-Dist` (requirements that only apply to an extra are left out).
pub fn parse_site_packages(dir: &Path) -> Inventory {
    let mut dist_infos: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    dist_infos.retain(|p| {
        p.extension().is_some_and(|e| e == "dist-info") && p.join("METADATA").is_file()
    });
    dist_infos.sort();
    let mut inv = Inventory::default();
    let mut metas = Vec::new();
    for d in &dist_infos {
        let Ok(text) = std::fs::read_to_string(d.join("METADATA")) else {
            continue;
        };
        let m = parse_metadata(&text);
        let Some(name) = m.name.clone() else { continue };
        let mut c = component(&name, m.version.as_deref());
        c.license = metadata_license(&m);
        c.scope_inferred = true;
        c.license_dirs.push(d.clone());
        metas.push((c.purl.clone(), m));
        inv.components.push(c);
    }
    let index: HashMap<String, String> = inv
        .components
        .iter()
        .map(|c| (pep503(&c.name), c.purl.clone()))
        .collect();
    for (from, m) in &metas {
        for r in &m.requires {
            if r.split(';')
                .nth(1)
                .is_some_and(|marker| marker.contains("extra"))
            {
                continue;
            }
            if let Some(to) = index.get(&pep503(requirement_name(r.trim()))) {
                inv.edge(from, to);
            }
        }
    }
    // Which distributions the project wants is not recorded; the ones nothing else requires
    // are its direct dependencies.
    let required: std::collections::HashSet<&String> = inv.edges.values().flatten().collect();
    inv.direct = inv
        .components
        .iter()
        .map(|c| c.purl.clone())
        .filter(|p| !required.contains(p))
        .collect();
    inv
}

/// The site-packages directories of a virtualenv (`lib/python*/site-packages`,
/// `Lib/site-packages`).
pub fn venv_site_packages(venv: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(rd) = std::fs::read_dir(venv.join("lib")) {
        let mut libs: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path().join("site-packages"))
            .collect();
        libs.sort();
        found.extend(libs.into_iter().filter(|p| p.is_dir()));
    }
    let win = venv.join("Lib").join("site-packages");
    if win.is_dir() {
        found.push(win);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_with_pins_hashes_extras_and_markers() {
        let text = "# top\n--index-url https://example.org/simple\nJinja2[i18n]==3.1.6 ; python_version >= \"3.8\" \\\n    --hash=sha256:0137fb05990d35f1275a587e9aee6d56da821fc83491a0fb838183be43f66d6d  # via x\nzope.interface===6.0\nrequests>=2\n";
        let inv = parse_requirements(text).unwrap();
        let purls: Vec<&str> = inv.components.iter().map(|c| c.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:pypi/jinja2@3.1.6",
                "pkg:pypi/zope-interface@6.0",
                "pkg:pypi/requests"
            ]
        );
        assert_eq!(inv.components[0].hashes.len(), 1);
        assert_eq!(inv.components[0].name, "Jinja2");
    }

    #[test]
    fn via_annotations_give_the_graph() {
        let text = "jinja2==3.1.6\n    # via -r requirements.in\nmarkupsafe==3.0.4\n    # via jinja2\nsix==1.17.0\n    # via\n    #   python-dateutil\n    #   -r requirements.in\npython-dateutil==2.9.0\n    # via -r requirements.in\n";
        let inv = parse_requirements(text).unwrap();
        assert_eq!(
            inv.direct,
            [
                "pkg:pypi/jinja2@3.1.6",
                "pkg:pypi/six@1.17.0",
                "pkg:pypi/python-dateutil@2.9.0"
            ]
        );
        assert_eq!(
            inv.edges["pkg:pypi/jinja2@3.1.6"],
            ["pkg:pypi/markupsafe@3.0.4"]
        );
        assert_eq!(
            inv.edges["pkg:pypi/python-dateutil@2.9.0"],
            ["pkg:pypi/six@1.17.0"]
        );
    }

    #[test]
    fn malformed_requirements_name_the_line() {
        let err = parse_requirements("six==1.0\n\nfoo==1.0 \\\n  --hash=sha256:xyz\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        let err = parse_requirements("==1.0\n").unwrap_err();
        assert_eq!(err.line, Some(1));
    }

    #[test]
    fn poetry_lock_2_groups_and_1_x_categories() {
        let text = r#"
[[package]]
name = "Jinja2"
version = "3.1.6"
groups = ["main"]
optional = false
files = [{file = "jinja2-3.1.6.tar.gz", hash = "sha256:0137fb05990d35f1275a587e9aee6d56da821fc83491a0fb838183be43f66d6d"}]

[package.dependencies]
MarkupSafe = ">=2.0"

[[package]]
name = "markupsafe"
version = "3.0.4"
groups = ["main"]
optional = false
files = []

[[package]]
name = "iniconfig"
version = "2.3.1"
category = "dev"
optional = false
files = []
"#;
        let inv = parse_poetry(Path::new("/nonexistent/poetry.lock"), text).unwrap();
        let got: Vec<(&str, Scope, usize)> = inv
            .components
            .iter()
            .map(|c| (c.purl.as_str(), c.scope, c.hashes.len()))
            .collect();
        assert_eq!(
            got,
            [
                ("pkg:pypi/jinja2@3.1.6", Scope::Required, 1),
                ("pkg:pypi/markupsafe@3.0.4", Scope::Required, 0),
                ("pkg:pypi/iniconfig@2.3.1", Scope::Dev, 0)
            ]
        );
        assert_eq!(
            inv.edges["pkg:pypi/jinja2@3.1.6"],
            ["pkg:pypi/markupsafe@3.0.4"]
        );
    }

    #[test]
    fn metadata_licence_precedence() {
        let m = parse_metadata("Name: six\nVersion: 1\nLicense: MIT\nClassifier: License :: OSI Approved :: MIT License\n\nbody: x\n");
        assert_eq!(
            metadata_license(&m),
            Some(License::Expression("MIT".into()))
        );
        let m = parse_metadata("Name: a\nLicense: Copyright (c) x\n        all rights\nClassifier: License :: OSI Approved :: BSD License\n");
        assert_eq!(metadata_license(&m), None);
        let m = parse_metadata("Name: a\nLicense-Expression: BSD-3-Clause\n");
        assert_eq!(
            metadata_license(&m),
            Some(License::Expression("BSD-3-Clause".into()))
        );
    }
}
