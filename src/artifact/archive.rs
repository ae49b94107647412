//! Archives listed as streams, never extracted to disk: `.tar.gz`, `.tar.xz`, `.tar.zst`, `.tar`
//! and `.zip`. Every entry is checked for path traversal (`../`, absolute paths) and links that
//! escape the archive; binaries inside are read into memory and checked like loose files;
//! `--contains` entries must be present.

use std::io::{self, Read, Seek};

use globset::GlobBuilder;

use super::binary::{self, Binary};
use super::report::{ArchiveInfo, Check, Finding, Member};
use super::ArchExpect;

/// Members larger than this are listed but their headers are not read (they would have to be
/// held in memory).
const MAX_INSPECT: u64 = 1 << 30;

/// The archive formats this tool reads, told by the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// gzip-compressed tar.
    TarGz,
    /// xz-compressed tar.
    TarXz,
    /// zstd-compressed tar.
    TarZst,
    /// Uncompressed tar.
    Tar,
    /// zip.
    Zip,
}

impl Kind {
    /// The format a file name says, if it names an archive.
    pub fn from_name(name: &str) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        let ends = |suffixes: &[&str]| suffixes.iter().any(|s| lower.ends_with(s));
        if ends(&[".tar.gz", ".tgz"]) {
            Some(Kind::TarGz)
        } else if ends(&[".tar.xz", ".txz"]) {
            Some(Kind::TarXz)
        } else if ends(&[".tar.zst", ".tzst"]) {
            Some(Kind::TarZst)
        } else if ends(&[".tar"]) {
            Some(Kind::Tar)
        } else if ends(&[".zip"]) {
            Some(Kind::Zip)
        } else {
            None
        }
    }

    /// The short name shown in the table.
    pub fn name(self) -> &'static str {
        match self {
            Kind::TarGz => "tar.gz",
            Kind::TarXz => "tar.xz",
            Kind::TarZst => "tar.zst",
            Kind::Tar => "tar",
            Kind::Zip => "zip",
        }
    }
}

/// Checks the magic number of a compressed stream against what its name says.
pub fn magic_matches(kind: Kind, magic: &[u8]) -> bool {
    match kind {
        Kind::TarGz => magic.starts_with(&[0x1f, 0x8b]),
        Kind::TarXz => magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]),
        Kind::TarZst => magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]),
        Kind::Tar => magic.len() >= 262 && &magic[257..262] == b"ustar",
        Kind::Zip => magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06"),
    }
}

pub use crate::deb::decompress;

/// What kind of entry an archive member is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link to the target.
    Symlink(String),
    /// A hard link to another member.
    Hardlink(String),
    /// Devices, FIFOs and the like.
    Other,
}

/// Why an archive path is unsafe to extract, if it is: absolute, a drive or UNC path, or with a
/// `..` component (`/` and `\` both count as separators: zip tools on Windows honour either).
pub fn unsafe_path(path: &str) -> Option<&'static str> {
    if path.starts_with('/') || path.starts_with('\\') {
        return Some("absolute path");
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Some("drive-letter path");
    }
    if path.split(['/', '\\']).any(|c| c == "..") {
        return Some("'..' component (path traversal)");
    }
    None
}

/// True when a symbolic link at `entry` pointing to `target` resolves outside the archive root.
pub fn link_escapes(entry: &str, target: &str) -> bool {
    if target.starts_with('/')
        || target.starts_with('\\')
        || unsafe_path(target) == Some("drive-letter path")
    {
        return true;
    }
    let mut depth: i64 = 0;
    let mut parts: Vec<&str> = entry
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    parts.pop();
    for _ in &parts {
        depth += 1;
    }
    for component in target.split(['/', '\\']) {
        match component {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// An archive path without `./` prefixes or trailing `/`.
pub fn normalize(path: &str) -> String {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.trim_end_matches('/').to_string()
}

/// Walks archive entries one by one, collecting what the checks find.
pub struct Scanner<'a> {
    /// The architecture binaries must have.
    pub expect: &'a ArchExpect,
    /// Only ELF binaries are checked for architecture (Debian packages).
    pub elf_only: bool,
    /// Whether the executable-bit check runs.
    pub check_exec: bool,
    /// Whether the architecture check runs.
    pub check_arch: bool,
    /// What was found.
    pub findings: Vec<Finding>,
    /// The binaries found.
    pub binaries: Vec<Member>,
    /// Every entry path (normalized) and whether it is a directory.
    pub paths: Vec<(String, bool)>,
    /// Where the findings say they are (`data.tar` for a package).
    pub prefix: String,
    /// The operating system the archive is for (`linux`, `windows`, `macos`), if known.
    pub os: Option<&'static str>,
}

impl<'a> Scanner<'a> {
    /// A scanner expecting binaries of `expect`.
    pub fn new(expect: &'a ArchExpect) -> Self {
        Scanner {
            expect,
            elf_only: false,
            check_exec: true,
            check_arch: true,
            findings: Vec::new(),
            binaries: Vec::new(),
            paths: Vec::new(),
            prefix: String::new(),
            os: None,
        }
    }

    fn place(&self, path: &str) -> String {
        if self.prefix.is_empty() {
            path.to_string()
        } else {
            format!("{}: {path}", self.prefix)
        }
    }

    /// Checks one entry; `data` reads its content (regular files only).
    pub fn entry(
        &mut self,
        path: &str,
        kind: EntryKind,
        size: u64,
        mode: Option<u32>,
        data: &mut dyn Read,
    ) {
        if let Some(why) = unsafe_path(path) {
            self.findings.push(Finding::error(
                Check::Contents,
                format!(
                    "{}: {why}; extracting it writes outside the target directory",
                    self.place(path)
                ),
            ));
        }
        match &kind {
            EntryKind::Symlink(target) if link_escapes(path, target) => {
                self.findings.push(Finding::error(
                    Check::Contents,
                    format!(
                        "{}: symbolic link to '{target}' points outside the archive",
                        self.place(path)
                    ),
                ));
            }
            EntryKind::Hardlink(target) if unsafe_path(target).is_some() => {
                self.findings.push(Finding::error(
                    Check::Contents,
                    format!(
                        "{}: hard link to '{target}' points outside the archive",
                        self.place(path)
                    ),
                ));
            }
            _ => {}
        }
        self.paths.push((
            normalize(path),
            matches!(kind, EntryKind::Dir) || path.ends_with('/'),
        ));
        if kind != EntryKind::File {
            return;
        }
        let mut magic = Vec::with_capacity(8);
        if let Err(e) = data.take(8).read_to_end(&mut magic) {
            self.findings.push(Finding::error(
                Check::Contents,
                format!("{}: cannot read: {e}", self.place(path)),
            ));
            return;
        }
        if !binary::looks_binary(&magic) {
            return;
        }
        if size > MAX_INSPECT {
            self.findings.push(Finding::warning(
                Check::Arch,
                format!(
                    "{}: larger than 1 GiB; its headers were not read",
                    self.place(path)
                ),
            ));
            return;
        }
        let mut bytes = magic;
        if let Err(e) = data.read_to_end(&mut bytes) {
            self.findings.push(Finding::error(
                Check::Contents,
                format!("{}: cannot read: {e}", self.place(path)),
            ));
            return;
        }
        match binary::inspect(&bytes[..]) {
            Ok(Some(found)) => self.binary(path, found, mode),
            Ok(None) => {}
            Err(e) => self.findings.push(Finding::error(
                Check::Arch,
                format!(
                    "{}: looks like an executable but its headers are broken: {e}",
                    self.place(path)
                ),
            )),
        }
    }

    fn binary(&mut self, path: &str, found: Binary, mode: Option<u32>) {
        let place = self.place(path);
        if self.check_arch && (!self.elf_only || found.format == "ELF") {
            let own;
            let expect = if self.expect.is_empty() && !self.elf_only {
                own = ArchExpect::from_name(path);
                &own
            } else {
                self.expect
            };
            if let Some(problem) = expect.check(&found) {
                self.findings
                    .push(Finding::error(Check::Arch, format!("{place}: {problem}")));
            }
            // Packages are for their Debian architecture; their paths say nothing of the OS.
            let os = self.os.or_else(|| super::arch::os_from_file_name(path));
            let os = os.filter(|_| !self.elf_only);
            if let Some(problem) = os.and_then(|os| binary::os_problem(os, &found)) {
                self.findings
                    .push(Finding::error(Check::Arch, format!("{place}: {problem}")));
            }
        }
        if self.check_exec && found.runnable() {
            if let Some(mode) = mode.filter(|m| m & 0o111 == 0) {
                self.findings.push(Finding::error(
                    Check::Exec,
                    format!(
                        "{place}: executable without the executable bit (mode {:o})",
                        mode & 0o7777
                    ),
                ));
            }
        }
        self.binaries.push(Member {
            path: normalize(path),
            binary: found,
        });
    }

    /// Reads a whole tar stream.
    pub fn tar(&mut self, reader: &mut dyn Read) -> Result<usize, String> {
        let mut archive = tar::Archive::new(reader);
        let entries = archive.entries().map_err(|e| e.to_string())?;
        let mut count = 0;
        for entry in entries {
            let mut entry = entry.map_err(|e| format!("after {count} entries: {e}"))?;
            count += 1;
            let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let link = entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned())
                .unwrap_or_default();
            let header = entry.header();
            let kind = match header.entry_type() {
                t if t.is_file() || t == tar::EntryType::Continuous => EntryKind::File,
                t if t.is_dir() => EntryKind::Dir,
                t if t.is_symlink() => EntryKind::Symlink(link),
                t if t.is_hard_link() => EntryKind::Hardlink(link),
                _ => EntryKind::Other,
            };
            let mode = header.mode().ok();
            let size = entry.size();
            self.entry(&path, kind, size, mode, &mut entry);
        }
        Ok(count)
    }

    /// Reads a whole zip archive (its central directory, then each member's stream).
    pub fn zip<R: Read + Seek>(&mut self, reader: R) -> Result<usize, String> {
        let mut archive = zip::ZipArchive::new(reader).map_err(|e| e.to_string())?;
        for i in 0..archive.len() {
            let raw_name = archive.name_for_index(i).unwrap_or("(unnamed)").to_string();
            let mut file = match archive.by_index(i) {
                Ok(file) => file,
                Err(e) => {
                    // Unsupported compression or encryption: list the name, say it was not read.
                    let name = raw_name;
                    self.entry(&name, EntryKind::Other, 0, None, &mut io::empty());
                    self.findings.push(Finding::warning(
                        Check::Contents,
                        format!("{name}: not read: {e}"),
                    ));
                    continue;
                }
            };
            let name = file.name().to_string();
            let mode = file.unix_mode();
            let size = file.size();
            let kind = if file.is_dir() {
                EntryKind::Dir
            } else if file.is_symlink() {
                let mut target = String::new();
                if let Err(e) = (&mut file).take(4096).read_to_string(&mut target) {
                    // Without its target the link cannot be checked for escaping the archive.
                    self.entry(&name, EntryKind::Other, size, mode, &mut io::empty());
                    self.findings.push(Finding::error(
                        Check::Contents,
                        format!("{name}: symbolic link whose target cannot be read: {e}"),
                    ));
                    continue;
                }
                EntryKind::Symlink(target)
            } else {
                EntryKind::File
            };
            self.entry(&name, kind, size, mode, &mut file);
        }
        Ok(archive.len())
    }

    /// Checks that every `--contains` entry (already expanded) is present. Paths match with or
    /// without the archive's single top-level directory; a trailing `/` asks for a directory
    /// with something in it; glob syntax is allowed.
    pub fn contains(&mut self, wanted: &[String]) {
        let top = common_top(&self.paths);
        for want in wanted {
            let dir = want.ends_with('/');
            let want_norm = normalize(want);
            let glob = GlobBuilder::new(&want_norm)
                .literal_separator(true)
                .build()
                .map(|g| g.compile_matcher());
            let found = self.paths.iter().any(|(path, is_dir)| {
                let stripped = top
                    .as_deref()
                    .and_then(|t| path.strip_prefix(t))
                    .and_then(|p| p.strip_prefix('/'));
                [Some(path.as_str()), stripped]
                    .into_iter()
                    .flatten()
                    .any(|p| {
                        if dir {
                            p.starts_with(&format!("{want_norm}/")) || (p == want_norm && *is_dir)
                        } else {
                            p == want_norm || glob.as_ref().is_ok_and(|g| g.is_match(p))
                        }
                    })
            });
            if !found {
                self.findings.push(Finding::error(
                    Check::Contents,
                    format!("'{want}' is not in the archive"),
                ));
            }
        }
    }

    /// The summary of what was scanned.
    pub fn info(&self, kind: &str, entries: usize) -> ArchiveInfo {
        ArchiveInfo {
            kind: kind.to_string(),
            entries,
            binaries: self.binaries.clone(),
        }
    }
}

/// The one top-level directory every entry is under, if there is one.
fn common_top(paths: &[(String, bool)]) -> Option<String> {
    let mut top: Option<&str> = None;
    for (path, is_dir) in paths {
        let first = match path.split_once('/') {
            Some((first, _)) => first,
            None if *is_dir => path.as_str(),
            None => return None,
        };
        match top {
            None => top = Some(first),
            Some(t) if t == first => {}
            Some(_) => return None,
        }
    }
    top.map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_absolute_paths_are_unsafe() {
        assert_eq!(
            unsafe_path("../evil"),
            Some("'..' component (path traversal)")
        );
        assert_eq!(
            unsafe_path("a/../../b"),
            Some("'..' component (path traversal)")
        );
        assert_eq!(
            unsafe_path("a\\..\\b"),
            Some("'..' component (path traversal)")
        );
        assert_eq!(unsafe_path("/etc/passwd"), Some("absolute path"));
        assert_eq!(unsafe_path("C:/x"), Some("drive-letter path"));
        assert_eq!(unsafe_path("./usr/bin/app"), None);
        assert_eq!(unsafe_path("a/..b/c"), None);
    }

    #[test]
    fn links_escape_only_above_the_root() {
        assert!(!link_escapes("app/lib/libx.so", "libx.so.1"));
        assert!(!link_escapes("app/bin/tool", "../lib/tool"));
        assert!(link_escapes("app/bin/tool", "../../../etc/passwd"));
        assert!(link_escapes("tool", "../x"));
        assert!(link_escapes("tool", "/etc/passwd"));
        assert!(!link_escapes("./usr/bin/x", "../lib/x"));
    }

    #[test]
    fn kinds_by_name() {
        assert_eq!(Kind::from_name("a-1.0.tar.gz"), Some(Kind::TarGz));
        assert_eq!(Kind::from_name("a.TXZ"), Some(Kind::TarXz));
        assert_eq!(Kind::from_name("a.zip"), Some(Kind::Zip));
        assert_eq!(Kind::from_name("a.gz"), None);
    }

    #[test]
    fn contains_matches_under_the_top_directory() {
        let expect = ArchExpect::default();
        let mut s = Scanner::new(&expect);
        for p in [
            "app-1.0/",
            "app-1.0/app",
            "app-1.0/LICENSES/MIT.txt",
            "app-1.0/README.md",
        ] {
            let kind = if p.ends_with('/') {
                EntryKind::Dir
            } else {
                EntryKind::File
            };
            s.entry(p, kind, 0, None, &mut io::empty());
        }
        s.contains(&[
            "app".into(),
            "LICENSES/".into(),
            "README*".into(),
            "app-1.0/app".into(),
            "CHANGELOG.md".into(),
            "docs/".into(),
        ]);
        let messages: Vec<&str> = s.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "'CHANGELOG.md' is not in the archive",
                "'docs/' is not in the archive"
            ]
        );
    }

    #[test]
    fn a_tar_with_traversal_is_reported() {
        let mut buf = Vec::new();
        {
            let mut b = tar::Builder::new(&mut buf);
            let mut h = tar::Header::new_gnu();
            h.set_size(2);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            // set_path refuses '..', so the name is written into the header directly.
            h.as_old_mut().name[..9].copy_from_slice(b"../escape");
            h.set_cksum();
            b.append(&h, &b"hi"[..]).unwrap();
            let mut l = tar::Header::new_gnu();
            l.set_entry_type(tar::EntryType::Symlink);
            l.set_size(0);
            b.append_link(&mut l, "link", "/etc/passwd").unwrap();
            b.finish().unwrap();
        }
        let expect = ArchExpect::default();
        let mut s = Scanner::new(&expect);
        assert_eq!(s.tar(&mut &buf[..]), Ok(2));
        let messages: Vec<&str> = s.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "../escape: '..' component (path traversal); extracting it writes outside the target directory",
                "link: symbolic link to '/etc/passwd' points outside the archive",
            ]
        );
    }

    #[test]
    fn a_zip_link_whose_target_cannot_be_read_is_reported() {
        use std::io::Write;
        let mut zipped = io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut zipped);
            let opts = zip::write::SimpleFileOptions::default();
            w.add_symlink("app/link", "../../etc/passwd", opts).unwrap();
            w.start_file("app/README.md", opts).unwrap();
            w.write_all(b"hi").unwrap();
            w.finish().unwrap();
        }
        // Damage the stored target: its checksum no longer matches, so reading it fails.
        let mut bytes = zipped.into_inner();
        let at = bytes.windows(6).position(|w| w == b"passwd").unwrap();
        bytes[at] = b'P';
        let expect = ArchExpect::default();
        let mut s = Scanner::new(&expect);
        assert_eq!(s.zip(io::Cursor::new(bytes)), Ok(2));
        let messages: Vec<&str> = s.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            vec!["app/link: symbolic link whose target cannot be read: Invalid checksum"]
        );
        assert_eq!(
            s.paths,
            vec![
                ("app/link".to_string(), false),
                ("app/README.md".to_string(), false)
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_paths_and_links_never_panic(entry in "\\PC{0,20}", target in "[a-z./\\\\:]{0,20}") {
            let _ = unsafe_path(&entry);
            let _ = link_escapes(&entry, &target);
            let _ = normalize(&entry);
        }
    }
}
