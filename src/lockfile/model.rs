//! The ecosystem-neutral inventory every lockfile parser fills in and the CycloneDX writer reads:
//! components with their identity, hashes, licences and scope, and the edges between them.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The package ecosystem a component comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// Rust crates (`Cargo.lock`).
    Cargo,
    /// npm packages (`package-lock.json`, `node_modules`).
    Npm,
    /// Python distributions (requirements, poetry, uv, Pipfile, dist-info).
    Pypi,
    /// Go modules (`go.mod`/`go.sum`).
    Golang,
}

impl Ecosystem {
    /// The purl type and display name.
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Golang => "golang",
        }
    }
}

/// How a component is needed, in CycloneDX terms plus the development case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Needed at run time.
    Required,
    /// Needed only when an optional feature or platform asks for it.
    Optional,
    /// Needed only to develop or test the project (CycloneDX `excluded`: not part of the
    /// delivered artifact).
    Dev,
}

impl Scope {
    /// The CycloneDX `scope` value.
    pub fn cyclonedx(self) -> &'static str {
        match self {
            Scope::Required => "required",
            Scope::Optional => "optional",
            Scope::Dev => "excluded",
        }
    }

    /// The stronger of two scopes: a component required by one path is required.
    pub fn strongest(self, other: Scope) -> Scope {
        self.min(other)
    }
}

/// A hash algorithm, by its CycloneDX name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlg {
    /// `SHA-1`.
    Sha1,
    /// `SHA-256`.
    Sha256,
    /// `SHA-384`.
    Sha384,
    /// `SHA-512`.
    Sha512,
    /// `MD5`.
    Md5,
}

impl HashAlg {
    /// The CycloneDX `alg` value.
    pub fn cyclonedx(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "SHA-1",
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
            HashAlg::Md5 => "MD5",
        }
    }

    /// The algorithm for a lockfile prefix such as `sha256` or `sha512`, if CycloneDX has it.
    pub fn from_prefix(prefix: &str) -> Option<HashAlg> {
        match prefix.to_ascii_lowercase().as_str() {
            "sha1" => Some(HashAlg::Sha1),
            "sha256" => Some(HashAlg::Sha256),
            "sha384" => Some(HashAlg::Sha384),
            "sha512" => Some(HashAlg::Sha512),
            "md5" => Some(HashAlg::Md5),
            _ => None,
        }
    }

    /// The length of the digest in lowercase hex.
    pub fn hex_len(self) -> usize {
        match self {
            HashAlg::Md5 => 32,
            HashAlg::Sha1 => 40,
            HashAlg::Sha256 => 64,
            HashAlg::Sha384 => 96,
            HashAlg::Sha512 => 128,
        }
    }
}

/// One digest of a component's artifact, hex-encoded in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash {
    /// The algorithm.
    pub alg: HashAlg,
    /// The digest, lowercase hex.
    pub hex: String,
}

impl Hash {
    /// A hash from a hex digest, checked for length and digits; `None` when it is not one.
    pub fn from_hex(alg: HashAlg, hex: &str) -> Option<Hash> {
        (hex.len() == alg.hex_len() && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Hash {
            alg,
            hex: hex.to_ascii_lowercase(),
        })
    }

    /// A hash from a `prefix:hex` pair as pip, poetry, uv and Pipfile write them.
    pub fn from_prefixed(text: &str) -> Option<Hash> {
        let (prefix, hex) = text.split_once(':')?;
        Hash::from_hex(HashAlg::from_prefix(prefix)?, hex)
    }
}

/// A licence as declared by a package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum License {
    /// A valid SPDX expression, canonicalised (`MIT OR Apache-2.0`).
    Expression(String),
    /// Free text that is not an SPDX expression (`BSD-like`, a classifier that maps to nothing).
    Name(String),
}

/// Where a component's licence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum LicenseSource {
    /// The lockfile, or a manifest on disk (the workspace's, the cargo registry's sources or
    /// `.crate` archives, `node_modules`, `.dist-info`).
    Local,
    /// An earlier registry answer kept in sbom's cache.
    Cache,
    /// `cargo metadata`.
    CargoMetadata,
    /// The registry's API, asked during this run.
    Registry,
    /// Nowhere: the licence is unknown.
    #[default]
    Unknown,
}

impl LicenseSource {
    /// Every source, in report order.
    pub const ALL: [LicenseSource; 5] = [
        LicenseSource::Local,
        LicenseSource::Cache,
        LicenseSource::CargoMetadata,
        LicenseSource::Registry,
        LicenseSource::Unknown,
    ];

    /// The key in `--json` (`local`, `cache`, `cargo-metadata`, `registry-api`, `unknown`).
    pub fn key(self) -> &'static str {
        match self {
            LicenseSource::Local => "local",
            LicenseSource::Cache => "cache",
            LicenseSource::CargoMetadata => "cargo-metadata",
            LicenseSource::Registry => "registry-api",
            LicenseSource::Unknown => "unknown",
        }
    }

    /// The label in the human summaries.
    pub fn label(self) -> &'static str {
        match self {
            LicenseSource::Local => "lockfile or manifest on disk",
            LicenseSource::Cache => "registry cache",
            LicenseSource::CargoMetadata => "cargo metadata",
            LicenseSource::Registry => "registry API",
            LicenseSource::Unknown => "not found",
        }
    }
}

/// One package in the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Where it comes from.
    pub ecosystem: Ecosystem,
    /// The group (npm scope such as `@babel`; empty elsewhere).
    pub group: Option<String>,
    /// The name as the ecosystem spells it.
    pub name: String,
    /// The exact version.
    pub version: Option<String>,
    /// The package URL, also used as the CycloneDX `bom-ref`.
    pub purl: String,
    /// Digests of the artifact the lockfile pinned.
    pub hashes: Vec<Hash>,
    /// The declared licence, when known.
    pub license: Option<License>,
    /// How it is needed.
    pub scope: Scope,
    /// True when the source cannot tell how the component is needed (installed distributions,
    /// a bare `node_modules`): a lockfile's scope then wins when the two are merged.
    pub scope_inferred: bool,
    /// Extra `name=value` facts recorded as CycloneDX properties (sorted on output).
    pub properties: BTreeMap<String, String>,
    /// Directories that hold the component's licence texts when installed locally (the crate
    /// source, the `node_modules` package, the `.dist-info`); searched only when a licence
    /// bundle is asked for.
    pub license_dirs: Vec<PathBuf>,
    /// Package archives (a `.crate` in cargo's download cache) whose top directory holds the
    /// licence texts, for when the unpacked sources are gone.
    pub license_archives: Vec<PathBuf>,
    /// Where the licence came from (set once every lockfile is merged).
    pub license_source: LicenseSource,
    /// True for packages the project holds itself (Cargo path dependencies, workspace members):
    /// never looked up in a registry, where a same-named package would be someone else's.
    pub local_source: bool,
}

impl Component {
    /// A component with identity only; parsers fill in the rest.
    pub fn new(ecosystem: Ecosystem, name: &str, version: Option<&str>, purl: String) -> Self {
        Component {
            ecosystem,
            group: None,
            name: name.to_string(),
            version: version.map(str::to_string),
            purl,
            hashes: Vec::new(),
            license: None,
            scope: Scope::Required,
            scope_inferred: false,
            properties: BTreeMap::new(),
            license_dirs: Vec::new(),
            license_archives: Vec::new(),
            license_source: LicenseSource::Unknown,
            local_source: false,
        }
    }

    /// Folds a second sighting of the same purl into this one (another lockfile, another path in
    /// the tree): the stronger scope wins, hashes, licence and licence directories are kept from
    /// whichever has them.
    pub fn merge(&mut self, other: Component) {
        match (self.scope_inferred, other.scope_inferred) {
            (true, false) => {
                self.scope = other.scope;
                self.scope_inferred = false;
            }
            (false, true) => {}
            _ => self.scope = self.scope.strongest(other.scope),
        }
        for h in other.hashes {
            if !self.hashes.contains(&h) {
                self.hashes.push(h);
            }
        }
        if self.license.is_none() {
            self.license = other.license;
        }
        for d in other.license_dirs {
            if !self.license_dirs.contains(&d) {
                self.license_dirs.push(d);
            }
        }
        for a in other.license_archives {
            if !self.license_archives.contains(&a) {
                self.license_archives.push(a);
            }
        }
        for (k, v) in other.properties {
            self.properties.entry(k).or_insert(v);
        }
        self.local_source |= other.local_source;
    }
}

/// What one lockfile contributed: its components, the edges between them (by purl), and the
/// purls the project itself depends on directly.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The components.
    pub components: Vec<Component>,
    /// `purl → purls it depends on`.
    pub edges: BTreeMap<String, Vec<String>>,
    /// Purls the project's root depends on directly.
    pub direct: Vec<String>,
    /// The project's own name and version, when the lockfile or its manifest says.
    pub root: Option<(String, Option<String>)>,
}

impl Inventory {
    /// Adds an edge, ignoring self-loops.
    pub fn edge(&mut self, from: &str, to: &str) {
        if from != to {
            self.edges
                .entry(from.to_string())
                .or_default()
                .push(to.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_hashes_are_checked_and_lowercased() {
        let h = Hash::from_prefixed(&format!("sha256:{}", "AB".repeat(32))).unwrap();
        assert_eq!(h.alg, HashAlg::Sha256);
        assert_eq!(h.hex, "ab".repeat(32));
        assert_eq!(Hash::from_prefixed("sha256:abc"), None);
        assert_eq!(Hash::from_prefixed(&format!("h1:{}", "a".repeat(64))), None);
        assert_eq!(Hash::from_prefixed("nocolon"), None);
    }

    #[test]
    fn required_outranks_optional_outranks_dev() {
        assert_eq!(Scope::Dev.strongest(Scope::Required), Scope::Required);
        assert_eq!(Scope::Dev.strongest(Scope::Optional), Scope::Optional);
        assert_eq!(Scope::Dev.cyclonedx(), "excluded");
    }
}

/// Why a lockfile could not be read, with the 1-based line when the format tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The file at fault when it is not the lockfile itself (the manifest beside it).
    pub file: Option<PathBuf>,
    /// The line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

impl Malformed {
    /// A problem at a known line.
    pub fn at(line: usize, reason: impl Into<String>) -> Self {
        Malformed {
            file: None,
            line: Some(line),
            reason: reason.into(),
        }
    }

    /// A problem with the file as a whole.
    pub fn whole(reason: impl Into<String>) -> Self {
        Malformed {
            file: None,
            line: None,
            reason: reason.into(),
        }
    }

    /// A TOML syntax or shape error, located by its byte span.
    pub fn toml(text: &str, err: &toml::de::Error) -> Self {
        let line = err.span().map(|s| line_of(text, s.start));
        // The error's own message repeats the snippet over several lines; its first line says it.
        let reason = err
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string();
        Malformed {
            file: None,
            line,
            reason,
        }
    }

    /// A JSON syntax or shape error.
    pub fn json(err: &serde_json::Error) -> Self {
        let msg = err.to_string();
        // serde_json appends " at line L column C"; the line goes into the location instead.
        let reason = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        Malformed {
            file: None,
            line: Some(err.line().max(1)),
            reason,
        }
    }

    /// The same problem, in `file` rather than in the lockfile being parsed.
    pub fn in_file(mut self, file: &std::path::Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }
}

/// Reads a TOML manifest that sits beside a lockfile. A missing one is `None` (the lockfile
/// alone still works); one that exists but cannot be read or parsed is an error naming it, since
/// without it scopes and the project's name would silently be wrong.
pub fn read_toml_manifest<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
) -> Result<Option<T>, Malformed> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Malformed::whole(format!("cannot read: {e}")).in_file(path)),
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| Malformed::toml(&text, &e).in_file(path))
}

/// The 1-based line holding byte `offset` of `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Scopes by reachability: breadth-first from `seeds` (a node and the scope its edge from the
/// project has), all required seeds first, then optional, then dev; a node keeps the strongest
/// scope that reaches it. Nodes never reached stay `None`.
pub fn propagate_scopes(adjacency: &[Vec<usize>], seeds: &[(usize, Scope)]) -> Vec<Option<Scope>> {
    let mut scope: Vec<Option<Scope>> = vec![None; adjacency.len()];
    for pass in [Scope::Required, Scope::Optional, Scope::Dev] {
        let mut queue = std::collections::VecDeque::new();
        for &(n, s) in seeds {
            if s == pass && n < adjacency.len() && scope[n].is_none() {
                scope[n] = Some(pass);
                queue.push_back(n);
            }
        }
        while let Some(i) = queue.pop_front() {
            for &j in &adjacency[i] {
                if scope[j].is_none() {
                    scope[j] = Some(pass);
                    queue.push_back(j);
                }
            }
        }
    }
    scope
}
