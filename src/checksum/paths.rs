//! Paths in manifests: names relative to the base directory when creating, and the safety check
//! that keeps a manifest from pointing the tool outside the base directory when verifying.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::exit::FileError;
use crate::fsutil::{escaped_text, slash_path_bytes};

/// The current directory, read once per run: resolving 10,000 relative paths against it must not
/// cost 10,000 `getcwd` calls.
pub fn current_dir() -> Result<PathBuf, FileError> {
    std::env::current_dir().map_err(|source| FileError::Read {
        path: ".".to_string(),
        source,
    })
}

/// The absolute, lexically normalised form of `path` (`.` dropped, `..` applied) taken from
/// `cwd`, without touching the filesystem.
pub fn normalize(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The manifest name of the normalised `path`: relative to the normalised `base`,
/// `/`-separated, the name's raw bytes (UTF-8 or not, as GNU writes them). `None` when the file
/// is not under the base directory.
pub fn name_under(path: &Path, base: &Path) -> Option<Vec<u8>> {
    match path.strip_prefix(base) {
        Ok(rel) if !rel.as_os_str().is_empty() => Some(slash_path_bytes(rel)),
        _ => None,
    }
}

/// True when a manifest name stays inside the base directory: relative, no `..` component, and
/// no Windows drive or root (`C:\`, `\\server`), whatever OS reads the manifest.
pub fn stays_inside(name: &[u8]) -> bool {
    if name.starts_with(b"/") || name.starts_with(b"\\") {
        return false;
    }
    if name.len() >= 2 && name[0].is_ascii_alphabetic() && name[1] == b':' {
        return false;
    }
    // On Windows `\` separates too; a `..` between either separator leaves the directory.
    !name
        .split(|&b| b == b'/' || b == b'\\')
        .any(|part| part == b"..")
        && crate::fsutil::path_from_bytes(name).is_some_and(|p| {
            p.components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        })
}

/// How a manifest argument is shown in messages: `-` is standard input; a path that is not
/// UTF-8 is escaped losslessly, never lossily.
pub fn manifest_label(arg: &OsStr) -> String {
    if arg == "-" {
        "standard input".to_string()
    } else {
        escaped_text(crate::fsutil::path_bytes(Path::new(arg))).into_owned()
    }
}

/// Reads a manifest (`-` is standard input). Manifests are small text files, so they are read
/// whole; the files they list are streamed.
pub fn read_manifest(arg: &OsStr) -> Result<Vec<u8>, FileError> {
    let err = |source| FileError::Read {
        path: manifest_label(arg),
        source,
    };
    if arg == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(err)?;
        Ok(bytes)
    } else {
        std::fs::read(arg).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_relative_to_the_base() {
        let cwd = Path::new("/work");
        let base = normalize(cwd, Path::new("dist"));
        let name = |p: &str| {
            name_under(&normalize(cwd, Path::new(p)), &base).map(|n| String::from_utf8(n).unwrap())
        };
        assert_eq!(name("/work/dist/a.zip"), Some("a.zip".to_string()));
        assert_eq!(name("/work/dist/./sub/../b.zip"), Some("b.zip".to_string()));
        assert_eq!(name("/work/dist/sub/c.zip"), Some("sub/c.zip".to_string()));
        assert_eq!(name("/work/other/a.zip"), None);
        assert_eq!(name("/work/dist"), None);
        assert_eq!(name("dist/x/../../dist/y"), Some("y".to_string()));
        assert_eq!(name("/work/distx/a"), None);
    }

    #[test]
    fn traversal_and_absolute_names_are_refused() {
        for bad in [
            "/etc/shadow",
            "../x",
            "a/../../x",
            "a/..",
            "C:\\Windows\\x",
            "c:x",
            "\\\\srv\\x",
            "a\\..\\..\\x",
        ] {
            assert!(!stays_inside(bad.as_bytes()), "{bad}");
        }
        for good in ["a", "dist/a.zip", "./a", "a..b", "..a", "a/b..", "ü/x y"] {
            assert!(stays_inside(good.as_bytes()), "{good}");
        }
        assert!(stays_inside(b"caf\xe9/x"));
        assert!(!stays_inside(b"caf\xe9/../../x"));
    }
}
