//! Reading the packages to publish: each `.deb`'s control paragraph (through the shared
//! crate::deb reader), validated, and its size and four digests in one pass, on every core.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::Error;
use crate::deb::{is_package_name, parse_paragraphs, read_control, version_problem, Paragraph};
use crate::digest::algo::hex;
use crate::parallel::parallel_map;

/// What identifies a package in a repository: APT holds one file per name, version and
/// architecture.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// `Package:`.
    pub name: String,
    /// `Version:`.
    pub version: String,
    /// `Architecture:`.
    pub arch: String,
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}_{}", self.name, self.version, self.arch)
    }
}

/// A file's size and digests, as Packages and Release list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// Bytes.
    pub size: u64,
    /// `MD5sum`, lowercase hex.
    pub md5: String,
    /// `SHA1`.
    pub sha1: String,
    /// `SHA256`.
    pub sha256: String,
    /// `SHA512`.
    pub sha512: String,
}

/// A digest a `Packages` entry can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Hash {
    /// `MD5sum`: kept by Debian's archive for old tools; APT does not rely on it.
    Md5,
    /// `SHA1`: weak; Debian's archive dropped it.
    Sha1,
    /// `SHA256`: what APT checks; always written.
    Sha256,
    /// `SHA512`.
    Sha512,
}

/// All four digests, as `Release` lists them.
pub const ALL_HASHES: [Hash; 4] = [Hash::Md5, Hash::Sha1, Hash::Sha256, Hash::Sha512];

impl Digests {
    /// The digests in `which` (the others are left empty) of everything `reader` yields.
    pub fn of_reader(reader: &mut dyn Read, buf: &mut [u8], which: &[Hash]) -> io::Result<Digests> {
        let on = |h: Hash| which.contains(&h);
        let mut md5 = on(Hash::Md5).then(Md5::new);
        let mut sha1 = on(Hash::Sha1).then(Sha1::new);
        let mut sha256 = on(Hash::Sha256).then(Sha256::new);
        let mut sha512 = on(Hash::Sha512).then(Sha512::new);
        let mut size = 0u64;
        loop {
            let n = match reader.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let chunk = &buf[..n];
            if let Some(h) = md5.as_mut() {
                h.update(chunk);
            }
            if let Some(h) = sha1.as_mut() {
                h.update(chunk);
            }
            if let Some(h) = sha256.as_mut() {
                h.update(chunk);
            }
            if let Some(h) = sha512.as_mut() {
                h.update(chunk);
            }
            size += n as u64;
        }
        Ok(Digests {
            size,
            md5: md5.map(|h| hex(&h.finalize())).unwrap_or_default(),
            sha1: sha1.map(|h| hex(&h.finalize())).unwrap_or_default(),
            sha256: sha256.map(|h| hex(&h.finalize())).unwrap_or_default(),
            sha512: sha512.map(|h| hex(&h.finalize())).unwrap_or_default(),
        })
    }

    /// All four digests of a byte slice.
    pub fn of_bytes(mut bytes: &[u8]) -> Digests {
        let mut buf = vec![0u8; 64 * 1024];
        // Reading from a slice cannot fail.
        Digests::of_reader(&mut bytes, &mut buf, &ALL_HASHES).unwrap_or_else(|_| Digests {
            size: 0,
            md5: String::new(),
            sha1: String::new(),
            sha256: String::new(),
            sha512: String::new(),
        })
    }
}

/// A package read from a `.deb` given on the command line.
#[derive(Debug, Clone)]
pub struct Scanned {
    /// Where it was read from.
    pub path: PathBuf,
    /// Name, version, architecture.
    pub key: Key,
    /// The control paragraph, fields as written.
    pub control: Paragraph,
    /// The file's size and digests.
    pub digests: Digests,
}

impl Scanned {
    /// The binary package's source package name (`Source:` without a version, else the name).
    pub fn source(&self) -> String {
        source_name(&self.control).unwrap_or_else(|| self.key.name.clone())
    }
}

/// The source name of a control or Packages paragraph (`Source: foo (1.2-1)` → `foo`).
pub fn source_name(p: &Paragraph) -> Option<String> {
    let source = p.get("Source")?.split_whitespace().next()?.to_string();
    (!source.is_empty()).then_some(source)
}

/// Whether `arch` is a Debian architecture name (`amd64`, `arm64`, `armhf`, `all`, …).
pub fn is_arch_name(arch: &str) -> bool {
    !arch.is_empty()
        && arch
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !arch.starts_with('-')
}

/// The pool directory of a source package, as Debian lays it out: `pool/<component>/<p>/<source>`
/// where `<p>` is the first letter, or `lib` and the next letter for `lib*` sources.
pub fn pool_dir(component: &str, source: &str) -> String {
    let prefix: String = if source.len() > 3 && source.starts_with("lib") {
        source.chars().take(4).collect()
    } else {
        source.chars().take(1).collect()
    };
    format!("pool/{component}/{prefix}/{source}")
}

/// The canonical file name of a package (`name_version_arch.deb`, the epoch left out as
/// dpkg-name does).
pub fn file_name(key: &Key) -> String {
    let version = key
        .version
        .split_once(':')
        .map_or(key.version.as_str(), |(_, v)| v);
    format!("{}_{}_{}.deb", key.name, version, key.arch)
}

/// Reads every package with the digests in `which`, in parallel; all problems are reported
/// together.
pub fn scan(paths: &[PathBuf], which: &[Hash]) -> Result<Vec<Scanned>, Error> {
    let results = parallel_map(paths, |path, buf| scan_one(path, buf, which));
    let mut scanned = Vec::new();
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(s) => scanned.push(s),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(scanned)
    } else {
        Err(Error::BadPackages(problems))
    }
}

fn scan_one(path: &Path, buf: &mut [u8], which: &[Hash]) -> Result<Scanned, String> {
    let shown = path.display();
    let open = || File::open(path).map_err(|e| format!("{shown}: cannot read: {e}"));
    let text =
        read_control(&mut io::BufReader::new(open()?)).map_err(|e| format!("{shown}: {e}"))?;
    let control = match parse_paragraphs(&text) {
        Ok(mut ps) if ps.len() == 1 => ps.remove(0),
        Ok(ps) => {
            return Err(format!(
                "{shown}: control: {} paragraphs, a binary package has one",
                ps.len()
            ))
        }
        Err(e) => return Err(format!("{shown}: control: {e}")),
    };
    let field = |name: &str| {
        control.get(name).map(str::to_string).ok_or_else(|| {
            format!("{shown}: control: no {name} field; rebuild the package with dpkg-deb")
        })
    };
    let key = Key {
        name: field("Package")?,
        version: field("Version")?,
        arch: field("Architecture")?,
    };
    if !is_package_name(&key.name) {
        return Err(format!(
            "{shown}: control: '{}' is not a valid package name",
            key.name
        ));
    }
    if let Some(problem) = version_problem(&key.version) {
        return Err(format!("{shown}: control: Version {problem}"));
    }
    if !is_arch_name(&key.arch) {
        return Err(format!(
            "{shown}: control: '{}' is not an architecture name",
            key.arch
        ));
    }
    let digests = Digests::of_reader(&mut open()?, buf, which)
        .map_err(|e| format!("{shown}: cannot read: {e}"))?;
    Ok(Scanned {
        path: path.to_path_buf(),
        key,
        control,
        digests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_paths_follow_debian() {
        assert_eq!(pool_dir("main", "hello"), "pool/main/h/hello");
        assert_eq!(pool_dir("main", "libfoo"), "pool/main/libf/libfoo");
        assert_eq!(pool_dir("contrib", "lib"), "pool/contrib/l/lib");
        let key = Key {
            name: "hello".into(),
            version: "1:2.0-1".into(),
            arch: "amd64".into(),
        };
        assert_eq!(file_name(&key), "hello_2.0-1_amd64.deb");
        assert_eq!(key.to_string(), "hello_1:2.0-1_amd64");
    }

    #[test]
    fn digests_of_known_input() {
        let d = Digests::of_bytes(b"abc");
        assert_eq!(d.size, 3);
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(d.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(d.sha512.starts_with("ddaf35a193617aba"));
    }

    #[test]
    fn architecture_names() {
        for ok in ["amd64", "arm64", "all", "armhf", "musl-linux-arm64"] {
            assert!(is_arch_name(ok), "{ok}");
        }
        for bad in ["", "AMD64", "amd 64", "-x", "../x"] {
            assert!(!is_arch_name(bad), "{bad}");
        }
    }
}
