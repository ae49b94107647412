//! Cargo: `Cargo.lock` (format versions 1–4) for the packages, checksums and graph; the
//! workspace's `Cargo.toml` files for the root and for which dependencies are normal, optional or
//! dev-only; the local registry sources under `$CARGO_HOME/registry/src` for licences.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::licenses;
use super::model::{
    propagate_scopes, read_toml_manifest, Component, Ecosystem, Hash, HashAlg, Inventory,
    Malformed, Scope,
};
use super::purl;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockPackage>,
    /// Format 1 kept checksums here: `"checksum NAME VERSION (SOURCE)" = "HEX"`.
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// The parts of a `Cargo.toml` sbom reads.
#[derive(Deserialize, Default)]
struct Manifest {
    package: Option<ManifestPackage>,
    workspace: Option<Workspace>,
    #[serde(flatten)]
    deps: DepTables,
    /// `[target.'cfg(…)'.dependencies]` and friends.
    #[serde(default)]
    target: BTreeMap<String, DepTables>,
}

/// The three dependency tables, at the top or under a `[target.…]`.
#[derive(Deserialize, Default)]
struct DepTables {
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "build-dependencies")]
    build_dependencies: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct ManifestPackage {
    name: Option<String>,
    version: Option<toml::Value>,
    license: Option<toml::Value>,
}

#[derive(Deserialize)]
struct Workspace {
    #[serde(default)]
    members: Vec<String>,
}

/// The licence fields of a registry crate's normalised `Cargo.toml`.
#[derive(Deserialize)]
struct RegistryManifest {
    package: Option<RegistryPackage>,
}

#[derive(Deserialize)]
struct RegistryPackage {
    license: Option<String>,
}

/// The `package.license` of a registry crate's manifest. Cargo normalises published manifests
/// (`[package]` first, one `key = "value"` per line), so a line scan finds it without parsing
/// the whole file — hundreds of crates per run make that the hot path; anything unusual (escapes,
/// another layout) falls back to the TOML parser.
fn registry_license(text: &str) -> Option<String> {
    let mut in_package = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            if in_package {
                return None;
            }
            in_package = l == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some(value) = l
            .strip_prefix("license")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
        else {
            continue;
        };
        let value = value.trim();
        match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) if !inner.contains(['"', '\\']) => return Some(inner.to_string()),
            _ => break,
        }
    }
    toml::from_str::<RegistryManifest>(text)
        .ok()?
        .package?
        .license
}

/// crates.io as it appears in `source` (git index and sparse index).
fn is_crates_io(source: &str) -> bool {
    source == "registry+https://github.com/rust-lang/crates.io-index"
        || source == "sparse+https://index.crates.io/"
}

/// The purl of a locked package: crates.io plain, other registries with `repository_url`, git
/// sources with `vcs_url` pinned to the locked commit.
fn package_purl(p: &LockPackage) -> String {
    purl_of(&p.name, &p.version, p.source.as_deref())
}

/// The purl of a package by name, version and cargo `source` (as `Cargo.lock` and
/// `cargo metadata` write it).
pub fn purl_of(name: &str, version: &str, source: Option<&str>) -> String {
    match source {
        None => purl::cargo(name, version, &[]),
        Some(s) if is_crates_io(s) => purl::cargo(name, version, &[]),
        Some(s) => {
            if let Some(git) = s.strip_prefix("git+") {
                // `git+URL?branch=x#COMMIT` → `git+URL@COMMIT`
                let (url, commit) = git.split_once('#').unwrap_or((git, ""));
                let url = url.split('?').next().unwrap_or(url);
                let vcs = if commit.is_empty() {
                    format!("git+{url}")
                } else {
                    format!("git+{url}@{commit}")
                };
                purl::cargo(name, version, &[("vcs_url", &vcs)])
            } else {
                let url = s.split_once('+').map_or(s, |(_, u)| u);
                purl::cargo(name, version, &[("repository_url", url)])
            }
        }
    }
}

/// How a workspace member declares each dependency (by package name, after `package = …`
/// renames): the strongest kind wins.
fn declared_kinds(manifest: &Manifest) -> HashMap<String, Scope> {
    let mut kinds: HashMap<String, Scope> = HashMap::new();
    let mut add = |table: &BTreeMap<String, toml::Value>, dev: bool| {
        for (key, value) in table {
            let name = value
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key)
                .to_string();
            let optional = value
                .get("optional")
                .and_then(toml::Value::as_bool)
                .unwrap_or(false);
            let scope = match (dev, optional) {
                (true, _) => Scope::Dev,
                (false, true) => Scope::Optional,
                (false, false) => Scope::Required,
            };
            let e = kinds.entry(name).or_insert(scope);
            *e = e.strongest(scope);
        }
    };
    for t in std::iter::once(&manifest.deps).chain(manifest.target.values()) {
        add(&t.dependencies, false);
        add(&t.build_dependencies, false);
        add(&t.dev_dependencies, true);
    }
    kinds
}

/// The workspace's manifests by package name: the root manifest and each `members` entry
/// (a trailing `/*` is expanded one level, as most workspaces write it).
fn workspace_manifests(
    dir: &Path,
    root: Option<&Manifest>,
) -> Result<HashMap<String, (PathBuf, Manifest)>, Malformed> {
    let mut found = HashMap::new();
    let Some(root) = root else { return Ok(found) };
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(ws) = &root.workspace {
        for m in &ws.members {
            if let Some(parent) = m.strip_suffix("/*") {
                if let Ok(rd) = std::fs::read_dir(dir.join(parent)) {
                    let mut sub: Vec<PathBuf> =
                        rd.filter_map(Result::ok).map(|e| e.path()).collect();
                    sub.sort();
                    dirs.extend(sub);
                }
            } else {
                dirs.push(dir.join(m));
            }
        }
    }
    for d in dirs {
        if let Some(m) = read_toml_manifest::<Manifest>(&d.join("Cargo.toml"))? {
            if let Some(name) = m.package.as_ref().and_then(|p| p.name.clone()) {
                found.insert(name, (d, m));
            }
        }
    }
    Ok(found)
}

/// The `registry/KIND/*` directories of a cargo home (`src`: unpacked sources, `cache`: the
/// downloaded `.crate` archives), one per registry index, sorted.
fn registry_dirs(cargo_home: &Path, kind: &str) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(cargo_home.join("registry").join(kind)) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    dirs.sort();
    dirs
}

/// Parses `Cargo.lock` at `path` (its text given) with the manifests beside it and, when given,
/// the cargo home holding registry sources.
pub fn parse(path: &Path, text: &str, cargo_home: Option<&Path>) -> Result<Inventory, Malformed> {
    let lock: Lock = toml::from_str(text).map_err(|e| Malformed::toml(text, &e))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let root_manifest: Option<Manifest> = read_toml_manifest(&dir.join("Cargo.toml"))?;
    let mut members = workspace_manifests(dir, root_manifest.as_ref())?;
    let root_pkg = root_manifest.as_ref().and_then(|m| m.package.as_ref());
    let root_name = root_pkg.and_then(|p| p.name.clone());
    let root_version = root_pkg
        .and_then(|p| p.version.as_ref())
        .and_then(toml::Value::as_str)
        .map(str::to_string);
    if let (Some(name), Some(m)) = (&root_name, root_manifest) {
        members.insert(name.clone(), (dir.to_path_buf(), m));
    }

    // Resolve `name`, `name version`, `name version (source)` references to purls.
    let purls: Vec<String> = lock.package.iter().map(package_purl).collect();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in lock.package.iter().enumerate() {
        by_name.entry(p.name.as_str()).or_default().push(i);
    }
    let resolve = |dep: &str| -> Option<usize> {
        let mut parts = dep.splitn(3, ' ');
        let name = parts.next()?;
        let version = parts.next();
        let source = parts
            .next()
            .map(|s| s.trim_start_matches('(').trim_end_matches(')'));
        let candidates = by_name.get(name)?;
        candidates.iter().copied().find(|&i| {
            let p = &lock.package[i];
            version.is_none_or(|v| p.version == v)
                && source.is_none_or(|s| p.source.as_deref() == Some(s))
        })
    };

    let mut inv = Inventory::default();
    let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); lock.package.len()];
    for (i, p) in lock.package.iter().enumerate() {
        for d in &p.dependencies {
            match resolve(d) {
                Some(j) => adjacency[i].push(j),
                None => {
                    return Err(Malformed::whole(format!(
                        "package {} {} depends on \"{d}\", which the lockfile does not list; run `cargo generate-lockfile`",
                        p.name, p.version
                    )))
                }
            }
        }
    }

    // Scopes: reachability from the workspace members, by how each member declares the
    // dependency (normal, optional, dev).
    let locals: Vec<usize> = (0..lock.package.len())
        .filter(|&i| lock.package[i].source.is_none())
        .collect();
    let mut seeds: Vec<(usize, Scope)> = locals.iter().map(|&l| (l, Scope::Required)).collect();
    for &l in &locals {
        let kinds = members
            .get(&lock.package[l].name)
            .map(|(_, m)| declared_kinds(m));
        for &j in &adjacency[l] {
            let kind = kinds
                .as_ref()
                .and_then(|k| k.get(&lock.package[j].name).copied())
                .unwrap_or(Scope::Required);
            seeds.push((j, kind));
        }
    }
    // Members reach their dependencies only through the seeds above, so the walk starts from
    // the dependencies: cut the members' own edges.
    let mut walk = adjacency.clone();
    for &l in &locals {
        walk[l].clear();
    }
    let scope = propagate_scopes(&walk, &seeds);

    let v1_checksums = v1_checksums(&lock.metadata);
    let src_dirs = cargo_home
        .map(|h| registry_dirs(h, "src"))
        .unwrap_or_default();
    let cache_dirs = cargo_home
        .map(|h| registry_dirs(h, "cache"))
        .unwrap_or_default();
    let root_index = lock
        .package
        .iter()
        .position(|p| p.source.is_none() && Some(&p.name) == root_name.as_ref());
    for (i, p) in lock.package.iter().enumerate() {
        if Some(i) == root_index {
            continue;
        }
        let mut c = Component::new(
            Ecosystem::Cargo,
            &p.name,
            Some(&p.version),
            purls[i].clone(),
        );
        c.scope = scope[i].unwrap_or(Scope::Required);
        let checksum = p.checksum.as_deref().or_else(|| {
            v1_checksums
                .get(&(p.name.as_str(), p.version.as_str()))
                .map(String::as_str)
        });
        if let Some(h) = checksum.and_then(|h| Hash::from_hex(HashAlg::Sha256, h)) {
            c.hashes.push(h);
        }
        match p.source.as_deref() {
            None => {
                c.local_source = true;
                if let Some((mdir, m)) = members.get(&p.name) {
                    c.license = m
                        .package
                        .as_ref()
                        .and_then(|pk| pk.license.as_ref())
                        .and_then(toml::Value::as_str)
                        .and_then(licenses::from_declared);
                    c.license_dirs.push(mdir.clone());
                }
            }
            Some(s) if s.starts_with("registry+") || s.starts_with("sparse+") => {
                let leaf = format!("{}-{}", p.name, p.version);
                if let Some(crate_dir) = src_dirs.iter().map(|d| d.join(&leaf)).find(|d| d.is_dir())
                {
                    if let Ok(text) = std::fs::read_to_string(crate_dir.join("Cargo.toml")) {
                        c.license =
                            registry_license(&text).and_then(|l| licenses::from_declared(&l));
                    }
                    c.license_dirs.push(crate_dir);
                } else if let Some(archive) = cache_dirs
                    .iter()
                    .map(|d| d.join(format!("{leaf}.crate")))
                    .find(|a| a.is_file())
                {
                    // Only the downloaded archive is left (CI caches often keep
                    // registry/cache and drop registry/src): read the manifest from it.
                    c.license = licenses::manifest_in_crate(&archive, &leaf)
                        .and_then(|text| registry_license(&text))
                        .and_then(|l| licenses::from_declared(&l));
                    c.license_archives.push(archive);
                }
            }
            Some(_) => {}
        }
        inv.components.push(c);
    }
    for (i, adj) in adjacency.iter().enumerate() {
        for &j in adj {
            if Some(i) == root_index {
                inv.direct.push(purls[j].clone());
            } else {
                inv.edge(&purls[i], &purls[j]);
            }
        }
    }
    if root_index.is_none() {
        // A virtual workspace: the project depends on its members.
        inv.direct.extend(locals.iter().map(|&i| purls[i].clone()));
    }
    inv.root = root_name.map(|n| (n, root_version));
    Ok(inv)
}

/// Format 1 checksums from `[metadata]`, by name and version.
fn v1_checksums(metadata: &BTreeMap<String, String>) -> HashMap<(&str, &str), String> {
    metadata
        .iter()
        .filter_map(|(k, v)| {
            let mut parts = k.strip_prefix("checksum ")?.split(' ');
            Some(((parts.next()?, parts.next()?), v.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_and_alternative_registry_purls() {
        let p = LockPackage {
            name: "foo".into(),
            version: "0.1.0".into(),
            source: Some("git+https://github.com/o/foo?branch=main#abc123".into()),
            checksum: None,
            dependencies: vec![],
        };
        assert_eq!(
            package_purl(&p),
            "pkg:cargo/foo@0.1.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fo%2Ffoo%40abc123"
        );
        let p = LockPackage {
            source: Some("sparse+https://index.crates.io/".into()),
            ..p
        };
        assert_eq!(package_purl(&p), "pkg:cargo/foo@0.1.0");
    }

    #[test]
    fn registry_licence_line_scan_and_fallback() {
        let normal = "[package]\nname = \"a\"\nlicense-file = \"L\"\nlicense = \"MIT OR Apache-2.0\"\n[dependencies]\n";
        assert_eq!(
            registry_license(normal).as_deref(),
            Some("MIT OR Apache-2.0")
        );
        let escaped = "[package]\nname = \"a\"\nlicense = \"MIT \\u0041\"\n";
        assert_eq!(registry_license(escaped).as_deref(), Some("MIT A"));
        assert_eq!(
            registry_license("[package]\nname = \"a\"\n[lib]\nlicense = \"x\"\n"),
            None
        );
    }

    #[test]
    fn malformed_lockfiles_name_the_line() {
        let err = parse(
            Path::new("Cargo.lock"),
            "version = 4\n\n[[package]]\nname = \"a\"\nversion = 3\n",
            None,
        )
        .unwrap_err();
        assert_eq!(err.line, Some(5));
    }

    #[test]
    fn version_1_checksums_come_from_metadata() {
        let text = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[metadata]\n\"checksum a 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)\" = \"".to_string()
            + &"ab".repeat(32)
            + "\"\n";
        let inv = parse(Path::new("/nonexistent/Cargo.lock"), &text, None).unwrap();
        assert_eq!(inv.components[0].hashes[0].hex, "ab".repeat(32));
    }
}
