//! Filesystem helpers shared by the tools: atomic writes and explicit, lossless path-to-text
//! conversion.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::exit::FileError;

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed, then
/// renamed over the target, so a crash never leaves a half-written file behind.
///
/// A target that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written
/// straight through: renaming over it would replace the device node itself, and as root
/// `-o /dev/null` once turned the machine's /dev/null into a plain file.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    replace_file(path, bytes, true)
}

/// [`atomic_write`] without waiting for the data to reach the disk: still all or nothing for
/// readers, but a crash of the machine may leave the old file. For the many small files of a
/// generated tree (an APT repository's indices and their by-hash copies), where one `fsync`
/// each was most of an update's time, and a crashed run is simply run again.
pub fn atomic_write_unsynced(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    replace_file(path, bytes, false)
}

fn replace_file(path: &Path, bytes: &[u8], sync: bool) -> Result<(), FileError> {
    let err = |source| FileError::Write {
        path: path.display().to_string(),
        source,
    };
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() && !meta.is_dir() {
            return std::fs::write(path, bytes).map_err(err);
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // tempfile names its random temporary file in its errors ("… at path .relkit-tmpXyZ"), a
    // file the user never asked for: a missing or unusable directory is reported with the OS's
    // own message instead, against the path the user gave.
    std::fs::metadata(dir).map_err(err)?;
    let mut tmp = temp_file_for(path, dir).map_err(|e| {
        let text = e.to_string();
        let text = text.split(" at path ").next().unwrap_or(&text).to_string();
        err(std::io::Error::new(e.kind(), text))
    })?;
    tmp.write_all(bytes).map_err(err)?;
    if sync {
        tmp.as_file().sync_all().map_err(err)?;
    }
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// A temporary file in `dir` that will be renamed over `target`, created with the permissions
/// the target should end up with: those of the file it replaces, else what a plain
/// `File::create` gives (0666 less the umask). tempfile's own default, 0600, made every
/// written file private: a web server or GitHub Pages then refuses to serve a repository or a
/// manifest written by relkit (issue 15).
pub fn temp_file_for(target: &Path, dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".relkit-tmp");
    #[cfg(unix)]
    let permissions = {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(target) {
            Ok(meta) if meta.is_file() => meta.permissions(),
            _ => std::fs::Permissions::from_mode(0o666),
        }
    };
    #[cfg(unix)]
    builder.permissions(permissions);
    #[cfg(not(unix))]
    let _ = target;
    builder.tempfile_in(dir)
}

/// The per-user cache directory for `name` (e.g. `osv`, `sbom`): `$XDG_CACHE_HOME/relkit/NAME`
/// when that is set, else the platform's cache directory (`~/Library/Caches` on macOS,
/// `%LOCALAPPDATA%` on Windows, `~/.cache` elsewhere) + `relkit/NAME`; `None` without a home.
pub fn user_cache_dir(name: &str) -> Option<PathBuf> {
    let var = |v: &str| {
        std::env::var_os(v)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = var("XDG_CACHE_HOME").or_else(|| {
        if cfg!(windows) {
            var("LOCALAPPDATA")
        } else if cfg!(target_os = "macos") {
            var("HOME").map(|h| h.join("Library").join("Caches"))
        } else {
            var("HOME").map(|h| h.join(".cache"))
        }
    })?;
    Some(base.join("relkit").join(name))
}

/// The path as UTF-8 text, or an error naming it; never a lossy conversion.
pub fn path_text(path: &Path) -> Result<&str, FileError> {
    path.to_str().ok_or_else(|| FileError::NotUtf8 {
        path: path.to_string_lossy().into_owned(),
    })
}

/// The path as text with `/` separators on every OS and without a leading `./`, for manifests,
/// JSON and URLs.
pub fn slash_path(path: &Path) -> Result<String, FileError> {
    let mut parts: Vec<&str> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::RootDir => parts.push(""),
            Component::Prefix(p) => {
                parts.push(p.as_os_str().to_str().ok_or_else(|| FileError::NotUtf8 {
                    path: path.to_string_lossy().into_owned(),
                })?)
            }
            Component::ParentDir => parts.push(".."),
            Component::Normal(s) => parts.push(s.to_str().ok_or_else(|| FileError::NotUtf8 {
                path: path.to_string_lossy().into_owned(),
            })?),
        }
    }
    if parts.len() == 1 && parts[0].is_empty() {
        return Ok("/".to_string());
    }
    Ok(parts.join("/"))
}

/// The raw bytes of a path: the file name exactly as the OS holds it (on Unix, any bytes but NUL;
/// on Windows the WTF-8 form, which is UTF-8 for every valid name). Never fails, never lossy.
pub fn path_bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// The path whose raw bytes are `bytes` (a name read from a manifest). On Unix every byte string
/// is a path; elsewhere it must be UTF-8, and `None` says it is not.
pub fn path_from_bytes(bytes: &[u8]) -> Option<&Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(Path::new(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).ok().map(Path::new)
    }
}

/// [`slash_path`] as raw bytes: `/` separators, no leading `./`, and any name the filesystem
/// holds, UTF-8 or not. For outputs that are bytes (checksum manifests), where GNU tools write
/// a name's bytes as they are.
pub fn slash_path_bytes(path: &Path) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut first = true;
    for component in path.components() {
        let part: &[u8] = match component {
            Component::CurDir => continue,
            Component::RootDir => b"",
            Component::ParentDir => b"..",
            Component::Prefix(p) => p.as_os_str().as_encoded_bytes(),
            Component::Normal(s) => s.as_encoded_bytes(),
        };
        if !first {
            out.push(b'/');
        }
        first = false;
        out.extend_from_slice(part);
    }
    if out.is_empty() && path.has_root() {
        out.push(b'/');
    }
    out
}

/// Bytes (a file name) as text, losslessly: valid UTF-8 is returned as it is; otherwise every
/// byte that is not part of a UTF-8 character is written `\xNN` (two lowercase hex digits) and
/// every `\` as `\\`, so the text maps back to exactly one byte string. Callers that emit it
/// say the name was escaped (a JSON `…_hex` field, a warning), since a UTF-8 name is not escaped.
pub fn escaped_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn written_files_get_the_usual_permissions_or_keep_their_own() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let current = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
        nix::sys::stat::umask(current);
        let new = dir.path().join("new");
        atomic_write(&new, b"x").unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode,
            0o666 & !current.bits(),
            "a new file is as File::create makes it"
        );
        let old = dir.path().join("old");
        std::fs::write(&old, b"1").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap();
        atomic_write(&old, b"2").unwrap();
        let mode = std::fs::metadata(&old).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "a replaced file keeps its mode");
    }

    #[test]
    fn atomic_write_replaces_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("SHA256SUMS");
        std::fs::write(&f, "old content that is longer").unwrap();
        atomic_write(&f, b"new").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_through_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        atomic_write(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        atomic_write(Path::new("/dev/null"), b"discarded").unwrap();
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
    }

    #[test]
    fn errors_name_the_target_not_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("missing-dir/SHA256SUMS");
        let err = atomic_write(&target, b"x").unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: cannot write: No such file or directory (os error 2)",
                target.display()
            )
        );
    }

    #[test]
    fn slash_paths_drop_dot_and_use_slashes() {
        assert_eq!(slash_path(Path::new("./dist/a.zip")).unwrap(), "dist/a.zip");
        assert_eq!(slash_path(Path::new("/abs/x")).unwrap(), "/abs/x");
        assert_eq!(slash_path(Path::new("a/../b")).unwrap(), "a/../b");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_are_an_error_not_a_lossy_string() {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(b"bad\xff.bin"));
        assert!(matches!(path_text(p), Err(FileError::NotUtf8 { .. })));
        assert!(slash_path(p).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn raw_paths_round_trip_as_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(b"./dist/caf\xe9/x"));
        assert_eq!(slash_path_bytes(p), b"dist/caf\xe9/x");
        assert_eq!(slash_path_bytes(Path::new("/")), b"/");
        assert_eq!(slash_path_bytes(Path::new("/a/./b")), b"/a/b");
        assert_eq!(path_bytes(p), b"./dist/caf\xe9/x");
        assert_eq!(
            path_from_bytes(b"caf\xe9").map(path_bytes),
            Some(&b"caf\xe9"[..])
        );
    }

    /// The decoding a consumer of [`escaped_text`] does.
    fn unescape(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' && b[i + 1] == b'\\' {
                out.push(b'\\');
                i += 2;
            } else if b[i] == b'\\' {
                out.push(u8::from_str_radix(&text[i + 2..i + 4], 16).unwrap());
                i += 4;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out
    }

    #[test]
    fn escaped_text_is_lossless() {
        assert_eq!(escaped_text(b"caf\xc3\xa9 a\\b"), "caf\u{e9} a\\b");
        assert_eq!(escaped_text(b"caf\xe9\\x.txt"), "caf\\xe9\\\\x.txt");
        for bytes in [
            &b"\xff\xfe"[..],
            b"a\\xe9\xe9",
            b"\xc3",
            b"\xe2\x82",
            b"ok\xc3\xa9\x80",
        ] {
            assert_eq!(unescape(&escaped_text(bytes)), bytes, "{bytes:?}");
        }
    }
}
