//! npm: `package-lock.json`/`npm-shrinkwrap.json` (lockfile versions 1, 2 and 3) and, without a
//! lockfile, an installed `node_modules` tree. Every form is turned into npm's own flat model —
//! package paths such as `node_modules/a/node_modules/b` — so dependency resolution is Node's:
//! look in the package's own `node_modules`, then in each ancestor's.
//! Lockfile format: <https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json>.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use base64::Engine;
use serde::Deserialize;

use super::licenses;
use super::model::{Component, Ecosystem, Hash, HashAlg, Inventory, License, Malformed, Scope};
use super::purl;

/// One package as the lockfile (or its `package.json`) describes it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    integrity: Option<String>,
    license: Option<serde_json::Value>,
    licenses: Option<serde_json::Value>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    dev_optional: bool,
    #[serde(default)]
    link: bool,
    resolved: Option<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    peer_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, serde_json::Value>,
    /// Version 1: what this package requires (name → range).
    #[serde(default)]
    requires: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lockfile {
    name: Option<String>,
    version: Option<String>,
    lockfile_version: Option<u32>,
    packages: Option<BTreeMap<String, Entry>>,
    /// Version 1 tree (also present, redundantly, in version 2).
    dependencies: Option<BTreeMap<String, V1Entry>>,
}

#[derive(Deserialize)]
struct V1Entry {
    #[serde(flatten)]
    entry: Entry,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Entry>,
}

/// The declared licence of a `package.json` or lock entry.
fn declared_license(e: &Entry) -> Option<License> {
    manifest_license(e.license.as_ref(), e.licenses.as_ref())
}

/// The licence in a package manifest's (or registry version document's) `license` and
/// `licenses` fields: `"MIT"`, `{"type": "MIT"}`, or the legacy `licenses: [{"type": …}]` array
/// (joined with OR, as npm documents it).
pub fn manifest_license(
    license: Option<&serde_json::Value>,
    legacy: Option<&serde_json::Value>,
) -> Option<License> {
    let text = |v: &serde_json::Value| -> Option<String> {
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => {
                o.get("type").and_then(|t| t.as_str()).map(str::to_string)
            }
            _ => None,
        }
    };
    if let Some(l) = license.and_then(text) {
        return licenses::from_declared(&l);
    }
    let list: Vec<String> = legacy?.as_array()?.iter().filter_map(text).collect();
    (!list.is_empty())
        .then(|| list.join(" OR "))
        .and_then(|l| licenses::from_declared(&l))
}

/// Hashes from an SRI `integrity` value (`sha512-BASE64`, several separated by spaces), as hex.
pub fn integrity_hashes(integrity: &str) -> Vec<Hash> {
    integrity
        .split_whitespace()
        .filter_map(|sri| {
            let (alg, b64) = sri.split_once('-')?;
            let alg = HashAlg::from_prefix(alg)?;
            // SRI allows `?options` after the digest.
            let b64 = b64.split('?').next()?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            Hash::from_hex(alg, &hex)
        })
        .collect()
}

/// The package name a path such as `node_modules/@s/a/node_modules/b` installs (`b`).
fn name_from_path(key: &str) -> &str {
    key.rsplit_once("node_modules/").map_or(key, |(_, n)| n)
}

/// Finds where `name` resolves from the package at `from`, Node-style.
fn resolve<'a>(entries: &'a HashMap<String, Entry>, from: &str, name: &str) -> Option<&'a str> {
    let mut base = from.to_string();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{base}/node_modules/{name}")
        };
        if let Some((k, _)) = entries.get_key_value(&candidate) {
            return Some(k.as_str());
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("/node_modules/") {
            Some(i) => base[..i].to_string(),
            None if base.starts_with("node_modules/") => String::new(),
            // A workspace package (`packages/x`) falls back to the root's node_modules.
            None => String::new(),
        };
    }
}

/// Flattens a version 1 tree into `node_modules/…` paths.
fn flatten_v1(prefix: &str, deps: BTreeMap<String, V1Entry>, out: &mut HashMap<String, Entry>) {
    for (name, v1) in deps {
        let key = if prefix.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{prefix}/node_modules/{name}")
        };
        let mut entry = v1.entry;
        entry.dependencies = std::mem::take(&mut entry.requires);
        // In version 1 a `version` may be an alias (`npm:real@1.0.0`) or a URL.
        if let Some(alias) = entry
            .version
            .as_deref()
            .and_then(|v| v.strip_prefix("npm:"))
        {
            if let Some((real, version)) = alias.rsplit_once('@').filter(|(r, _)| !r.is_empty()) {
                entry.name = Some(real.to_string());
                entry.version = Some(version.to_string());
            }
        }
        flatten_v1(&key, v1.dependencies, out);
        out.insert(key, entry);
    }
}

/// The entry names of a directory, sorted; none when it cannot be read.
fn sorted_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Reads the `package.json` files of an installed `node_modules` tree into lock entries.
fn walk_node_modules(
    dir: &Path,
    prefix: &str,
    out: &mut HashMap<String, Entry>,
) -> Result<(), Malformed> {
    for name in sorted_names(dir) {
        if name.starts_with('.') {
            continue;
        }
        if name.starts_with('@') {
            for n in sorted_names(&dir.join(&name)) {
                visit_package(dir, &format!("{name}/{n}"), prefix, out)?;
            }
        } else {
            visit_package(dir, &name, prefix, out)?;
        }
    }
    Ok(())
}

/// One installed package. A directory without a `package.json` is not a package; one whose
/// `package.json` cannot be parsed is an error naming it, never a component quietly missing from
/// the SBOM.
fn visit_package(
    dir: &Path,
    name: &str,
    prefix: &str,
    out: &mut HashMap<String, Entry>,
) -> Result<(), Malformed> {
    let pkg_dir = dir.join(name);
    let Some(entry) = read_manifest(&pkg_dir.join("package.json"))? else {
        return Ok(());
    };
    let key = format!("{prefix}node_modules/{name}");
    walk_node_modules(&pkg_dir.join("node_modules"), &format!("{key}/"), out)?;
    out.insert(key, entry);
    Ok(())
}

/// Parses `package-lock.json`/`npm-shrinkwrap.json` at `path` (text given), with the
/// `node_modules` beside it for licences when installed.
pub fn parse_lock(path: &Path, text: &str) -> Result<Inventory, Malformed> {
    let lock: Lockfile = serde_json::from_str(text).map_err(|e| Malformed::json(&e))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let manifest = read_manifest(&dir.join("package.json"))?;
    let mut entries: HashMap<String, Entry> = HashMap::new();
    match (lock.lockfile_version, lock.packages, lock.dependencies) {
        (Some(2 | 3), Some(packages), _) => entries.extend(packages),
        (Some(1) | None, _, Some(deps)) => {
            flatten_v1("", deps, &mut entries);
            let mut root = manifest.clone().unwrap_or_default();
            root.name = root.name.or(lock.name.clone());
            root.version = root.version.or(lock.version.clone());
            entries.insert(String::new(), root);
        }
        (Some(1) | None, _, None) => {
            entries.insert(String::new(), manifest.clone().unwrap_or_default());
        }
        (Some(v), _, _) => {
            return Err(Malformed::at(
                text.lines().position(|l| l.contains("lockfileVersion")).map_or(1, |i| i + 1),
                format!("lockfileVersion {v} is not one sbom knows (1, 2, 3); regenerate with npm 7 or later"),
            ))
        }
    }
    Ok(build(dir, entries, lock.name, lock.version))
}

/// Reads an installed `node_modules` tree (no lockfile) under `dir`.
pub fn parse_node_modules(dir: &Path) -> Result<Inventory, Malformed> {
    let mut entries = HashMap::new();
    walk_node_modules(&dir.join("node_modules"), "", &mut entries)?;
    let root = read_manifest(&dir.join("package.json"))?.unwrap_or_default();
    let (name, version) = (root.name.clone(), root.version.clone());
    entries.insert(String::new(), root);
    let mut inv = build(dir, entries, name, version);
    // Installed package.json files do not say whether a package is dev-only.
    for c in &mut inv.components {
        c.scope_inferred = true;
    }
    Ok(inv)
}

/// A `package.json` (the project's own, or an installed package's in a lockless `node_modules`):
/// none is fine, but one that cannot be read or parsed is an error naming it.
fn read_manifest(path: &Path) -> Result<Option<Entry>, Malformed> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Malformed::whole(format!("cannot read: {e}")).in_file(path)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Malformed::json(&e).in_file(path))
}

/// A dependency's installed `package.json`, for its licence: a broken one in `node_modules` (a
/// cache the project does not own) leaves the licence unknown, where it is reported as missing.
fn read_package_json(path: &Path) -> Option<Entry> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Turns flat entries into components and edges.
fn build(
    dir: &Path,
    entries: HashMap<String, Entry>,
    name: Option<String>,
    version: Option<String>,
) -> Inventory {
    let mut inv = Inventory::default();
    // Links (`node_modules/x` → `packages/x`) resolve to their target.
    let target = |key: &str| -> String {
        match entries.get(key) {
            Some(e) if e.link => e.resolved.clone().unwrap_or_else(|| key.to_string()),
            _ => key.to_string(),
        }
    };
    let mut purl_of: HashMap<&str, String> = HashMap::new();
    let mut keys: Vec<&String> = entries.keys().collect();
    keys.sort();
    for key in &keys {
        let e = &entries[*key];
        if key.is_empty() || e.link {
            continue;
        }
        let full_name = e
            .name
            .clone()
            .unwrap_or_else(|| name_from_path(key).to_string());
        let version = e.version.as_deref();
        let p = purl::npm(&full_name, version);
        purl_of.insert(key.as_str(), p.clone());
        let mut c = Component::new(Ecosystem::Npm, &full_name, version, p);
        c.group = purl::split_npm_scope(&full_name).0.map(str::to_string);
        c.scope = if e.dev || e.dev_optional {
            Scope::Dev
        } else if e.optional {
            Scope::Optional
        } else {
            Scope::Required
        };
        if let Some(i) = &e.integrity {
            c.hashes = integrity_hashes(i);
        }
        let pkg_dir = dir.join(key.as_str());
        c.license = declared_license(e).or_else(|| {
            read_package_json(&pkg_dir.join("package.json")).and_then(|m| declared_license(&m))
        });
        c.license_dirs.push(pkg_dir);
        inv.components.push(c);
    }
    for key in &keys {
        let e = &entries[*key];
        if e.link {
            continue;
        }
        let mut names: Vec<&String> = e
            .dependencies
            .keys()
            .chain(e.optional_dependencies.keys())
            .chain(e.peer_dependencies.keys())
            .collect();
        if key.is_empty() || !key.contains("node_modules/") {
            names.extend(e.dev_dependencies.keys());
        }
        for dep in names {
            let Some(found) = resolve(&entries, key, dep) else {
                continue;
            };
            let Some(to) = purl_of.get(target(found).as_str()) else {
                continue;
            };
            if key.is_empty() {
                inv.direct.push(to.clone());
            } else if let Some(from) = purl_of.get(key.as_str()) {
                inv.edge(from, to);
            }
        }
    }
    let root = entries.get("");
    let name = root.and_then(|r| r.name.clone()).or(name);
    let version = root.and_then(|r| r.version.clone()).or(version);
    inv.root = name.map(|n| (n, version));
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_integrity_becomes_hex() {
        let h = integrity_hashes("sha512-SQ7Kzhh9+D+ZW9MA0zkYv3VXhIDNx+LzM6EJ+/65I3QY+enU6Itte7E5XX7EWrqLW2FN4n06GWzBnPoC3th2aQ==");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].alg, HashAlg::Sha512);
        assert_eq!(&h[0].hex[..16], "490ecace187df83f");
        let sha1 = integrity_hashes("sha1-2kL4bOMUAjFjxDhsHfPI2h9JNZ0= bogus-xx");
        assert_eq!(
            sha1,
            vec![Hash {
                alg: HashAlg::Sha1,
                hex: "da42f86ce314023163c4386c1df3c8da1f49359d".into()
            }]
        );
        assert!(integrity_hashes("sha512-!!!").is_empty());
    }

    #[test]
    fn node_resolution_walks_up() {
        let mut e = HashMap::new();
        for k in [
            "node_modules/a",
            "node_modules/b",
            "node_modules/a/node_modules/b",
            "node_modules/a/node_modules/c",
        ] {
            e.insert(k.to_string(), Entry::default());
        }
        assert_eq!(
            resolve(&e, "node_modules/a", "b"),
            Some("node_modules/a/node_modules/b")
        );
        assert_eq!(
            resolve(&e, "node_modules/a/node_modules/c", "b"),
            Some("node_modules/a/node_modules/b")
        );
        assert_eq!(resolve(&e, "node_modules/b", "b"), Some("node_modules/b"));
        assert_eq!(resolve(&e, "", "c"), None);
    }

    #[test]
    fn unknown_lockfile_version_is_named() {
        let err = parse_lock(
            Path::new("/nonexistent/package-lock.json"),
            "{\n  \"lockfileVersion\": 9,\n  \"packages\": {}\n}",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2));
    }
}
