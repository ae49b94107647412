//! Debian packages read directly, as dpkg-deb writes them: an `ar` archive of `debian-binary`,
//! `control.tar[.gz|.xz|.zst]` and `data.tar[.gz|.xz|.zst]`
//! (<https://manpages.debian.org/deb.5>). Checks the control fields (`Package`, `Version`,
//! `Architecture` present and consistent with the file name and the expected architecture,
//! relationship fields such as `Depends` well-formed), lists the maintainer scripts, and reads
//! every ELF in `data.tar` to check it is of the declared architecture.

use std::io::Read;
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use super::arch;
use super::archive::Scanner;
use super::report::{Check, Finding, Member};
use super::ArchExpect;
use crate::deb::{
    check_format_member, decompress, is_package_name, parse_control, version_problem,
};

/// The maintainer scripts dpkg runs.
const SCRIPTS: &[&str] = &["preinst", "postinst", "prerm", "postrm", "config"];

/// The fields that hold package relationships, all with the same grammar.
const RELATION_FIELDS: &[&str] = &[
    "Depends",
    "Pre-Depends",
    "Recommends",
    "Suggests",
    "Enhances",
    "Breaks",
    "Conflicts",
    "Replaces",
    "Provides",
];

/// What a package says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DebInfo {
    /// `Package:`.
    pub package: Option<String>,
    /// `Version:`.
    pub version: Option<String>,
    /// `Architecture:`.
    pub architecture: Option<String>,
    /// `Depends:`, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depends: Option<String>,
    /// Maintainer scripts present in control.tar (`postinst`, …).
    pub maintainer_scripts: Vec<String>,
    /// Other control files (`conffiles`, `md5sums`, `triggers`, …).
    pub control_files: Vec<String>,
    /// Compression of data.tar (`xz`, `gz`, `zst`, `none`).
    pub data_compression: String,
    /// Number of entries in data.tar.
    pub data_entries: usize,
    /// The binaries in data.tar.
    pub binaries: Vec<Member>,
}

impl DebInfo {
    /// One line for people: `hello 1.0-1 amd64, Depends: libc6 (>= 2.34), maintainer scripts:
    /// postinst, prerm`.
    pub fn describe(&self) -> String {
        let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".to_string());
        let mut text = format!(
            "{} {} {}",
            field(&self.package),
            field(&self.version),
            field(&self.architecture)
        );
        if let Some(depends) = &self.depends {
            text.push_str(&format!(", Depends: {}", depends.replace('\n', " ")));
        }
        text.push_str(", maintainer scripts: ");
        if self.maintainer_scripts.is_empty() {
            text.push_str("none");
        } else {
            text.push_str(&self.maintainer_scripts.join(", "));
        }
        text
    }
}

/// What the caller knows that the package must agree with.
pub struct DebExpect<'a> {
    /// The package's file name (`hello_1.0-1_amd64.deb`).
    pub file_name: &'a str,
    /// An architecture required by `--expect-arch` or the matrix (not by the file name).
    pub arch: &'a ArchExpect,
    /// The release version.
    pub version: Option<&'a str>,
    /// Whether each check runs.
    pub check_arch: bool,
    /// Whether the executable-bit check runs.
    pub check_exec: bool,
    /// Whether the version check runs.
    pub check_version: bool,
}

/// Reads a package from `reader` and checks it.
pub fn check(reader: &mut dyn Read, expect: &DebExpect) -> (DebInfo, Vec<Finding>) {
    let mut info = DebInfo::default();
    let mut findings = Vec::new();
    if let Err(message) = read(reader, expect, &mut info, &mut findings) {
        findings.push(Finding::error(Check::Deb, message));
    }
    (info, findings)
}

fn read(
    reader: &mut dyn Read,
    expect: &DebExpect,
    info: &mut DebInfo,
    findings: &mut Vec<Finding>,
) -> Result<(), String> {
    let mut archive = ar::Archive::new(reader);
    let mut index = 0;
    let mut seen_control = false;
    let mut seen_data = false;
    let mut data_expect = ArchExpect::default();
    while let Some(member) = archive.next_entry() {
        let mut member =
            member.map_err(|e| format!("not a valid ar archive (member {}): {e}", index + 1))?;
        let name = String::from_utf8_lossy(member.header().identifier()).into_owned();
        let name = name.trim_end_matches('/').to_string();
        index += 1;
        if index == 1 {
            check_format_member(&name, &mut member)?;
            continue;
        }
        if let Some(compression) = name.strip_prefix("control.tar") {
            let compression = compression.trim_start_matches('.');
            let mut stream =
                decompress(compression, &mut member).map_err(|e| format!("{name}: {e}"))?;
            control(&mut stream, &name, info, findings)?;
            seen_control = true;
            fields_checks(expect, info, findings);
            data_expect = declared_arch(info);
        } else if let Some(compression) = name.strip_prefix("data.tar") {
            if !seen_control {
                return Err(
                    "data.tar comes before control.tar; dpkg refuses such a package".to_string(),
                );
            }
            let compression = compression.trim_start_matches('.');
            info.data_compression = if compression.is_empty() {
                "none"
            } else {
                compression
            }
            .to_string();
            let mut stream = match decompress(compression, &mut member) {
                Ok(s) => s,
                Err(e) => {
                    findings.push(Finding::warning(
                        Check::Deb,
                        format!("{name}: not read: {e}"),
                    ));
                    seen_data = true;
                    continue;
                }
            };
            let mut scanner = Scanner::new(&data_expect);
            scanner.elf_only = true;
            scanner.check_arch = expect.check_arch;
            scanner.check_exec = expect.check_exec;
            scanner.prefix = name.clone();
            info.data_entries = scanner
                .tar(&mut stream)
                .map_err(|e| format!("{name}: corrupt: {e}"))?;
            findings.append(&mut scanner.findings);
            info.binaries = scanner.binaries;
            seen_data = true;
        } else if !name.starts_with('_') {
            findings.push(Finding::error(
                Check::Deb,
                format!("unknown ar member '{name}'; dpkg refuses it (only names starting with '_' may be added)"),
            ));
        }
    }
    if index == 0 {
        return Err("empty or not an ar archive: not a Debian package".to_string());
    }
    if !seen_control {
        return Err("no control.tar member".to_string());
    }
    if !seen_data {
        return Err("no data.tar member".to_string());
    }
    Ok(())
}

/// The architecture data.tar's ELF files must have: the declared one; for `all`, none at all.
fn declared_arch(info: &DebInfo) -> ArchExpect {
    match info.architecture.as_deref() {
        Some("all") => ArchExpect {
            arches: Vec::new(),
            source: "Architecture: all".to_string(),
            none: true,
        },
        Some(a) => match arch::from_debian(a) {
            Some(c) => ArchExpect {
                arches: vec![c.to_string()],
                source: format!("Architecture: {a}"),
                none: false,
            },
            None => ArchExpect::default(),
        },
        None => ArchExpect::default(),
    }
}

fn control(
    stream: &mut dyn Read,
    member: &str,
    info: &mut DebInfo,
    findings: &mut Vec<Finding>,
) -> Result<(), String> {
    let mut archive = tar::Archive::new(stream);
    let entries = archive
        .entries()
        .map_err(|e| format!("{member}: corrupt: {e}"))?;
    let mut control_text = None;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("{member}: corrupt: {e}"))?;
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let name = super::archive::normalize(&path);
        if name.is_empty() || entry.header().entry_type().is_dir() {
            continue;
        }
        if name == "control" {
            let mut text = String::new();
            (&mut entry)
                .take(1 << 20)
                .read_to_string(&mut text)
                .map_err(|e| {
                    format!("{member}: control: cannot read (corrupt, or not UTF-8 text): {e}")
                })?;
            control_text = Some(text);
        } else if SCRIPTS.contains(&name.as_str()) {
            let mode = entry.header().mode().unwrap_or(0o755);
            if mode & 0o111 == 0 {
                findings.push(Finding::error(
                    Check::Deb,
                    format!("maintainer script {name} is not executable (mode {:o}); dpkg cannot run it", mode & 0o7777),
                ));
            }
            info.maintainer_scripts.push(name);
        } else {
            info.control_files.push(name);
        }
    }
    let text = control_text.ok_or_else(|| format!("{member} has no 'control' file"))?;
    let fields = parse_control(&text).map_err(|e| format!("{member}: control: {e}"))?;
    info.package = fields.get("Package").cloned();
    info.version = fields.get("Version").cloned();
    info.architecture = fields.get("Architecture").cloned();
    info.depends = fields.get("Depends").cloned();
    for field in RELATION_FIELDS {
        if let Some(value) = fields.get(*field) {
            for problem in relation_problems(value) {
                findings.push(Finding::error(Check::Deb, format!("{field}: {problem}")));
            }
        }
    }
    Ok(())
}

fn relation_re() -> &'static Option<Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"^(?P<name>[^\s:(\[<]+)(?::(?P<qual>[a-z0-9-]+))?",
            r"\s*(?:\(\s*(?P<op><<|<=|>=|>>|=|<|>)\s*(?P<ver>[^\s)]+)\s*\))?",
            r"\s*(?:\[(?P<arches>[^\]]*)\])?",
            r"\s*(?P<profiles>(?:<[^>]*>\s*)*)$"
        ))
        .ok()
    })
}

/// Everything wrong with a relationship field (`Depends: libc6 (>= 2.34), foo | bar`).
pub fn relation_problems(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if value.contains("${") {
        problems.push(format!(
            "unexpanded substitution variable in '{value}'; run dh_gencontrol/dpkg-gencontrol, or write the dependency out"
        ));
        return problems;
    }
    let Some(re) = relation_re() else {
        return problems;
    };
    let flat = value.replace(['\n', '\t'], " ");
    for (i, group) in flat.split(',').enumerate() {
        let group = group.trim();
        if group.is_empty() {
            problems.push(format!("empty entry {} (a stray ',')", i + 1));
            continue;
        }
        for alternative in group.split('|').map(str::trim) {
            let Some(caps) = re.captures(alternative) else {
                problems.push(format!(
                    "'{alternative}' is not 'package [(op version)] [[arch…]]'"
                ));
                continue;
            };
            let name = caps.name("name").map_or("", |m| m.as_str());
            if !is_package_name(name) {
                problems.push(format!(
                    "'{name}' is not a package name (lowercase letters, digits, '+', '-', '.'; at least 2 characters)"
                ));
            }
            if let Some(op) = caps.name("op").map(|m| m.as_str()) {
                if op == "<" || op == ">" {
                    problems.push(format!(
                        "'{alternative}': the relation '{op}' is obsolete; use '{op}{op}' or '{op}='"
                    ));
                }
            }
            if let Some(ver) = caps.name("ver") {
                if let Some(p) = version_problem(ver.as_str()) {
                    problems.push(p);
                }
            }
        }
    }
    problems
}

/// The version part of a package file name (`hello_1.0-1_amd64.deb` → `1.0-1`), and the
/// package and architecture parts, when the name follows Debian's `name_version_arch.deb`.
fn name_parts(file_name: &str) -> Option<(&str, &str, &str)> {
    let stem = file_name.strip_suffix(".deb")?;
    let mut parts = stem.split('_');
    let (p, v, a) = (parts.next()?, parts.next()?, parts.next()?);
    parts.next().is_none().then_some((p, v, a))
}

fn fields_checks(expect: &DebExpect, info: &DebInfo, findings: &mut Vec<Finding>) {
    let mut missing = Vec::new();
    if info.package.is_none() {
        missing.push("Package");
    }
    if info.version.is_none() {
        missing.push("Version");
    }
    if info.architecture.is_none() {
        missing.push("Architecture");
    }
    if !missing.is_empty() {
        findings.push(Finding::error(
            Check::Deb,
            format!("control has no {} field", missing.join(", no ")),
        ));
    }
    if let Some(p) = info.package.as_deref().filter(|p| !is_package_name(p)) {
        findings.push(Finding::error(
            Check::Deb,
            format!("Package '{p}' is not a valid package name"),
        ));
    }
    if let Some(problem) = info.version.as_deref().and_then(version_problem) {
        findings.push(Finding::error(Check::Deb, format!("Version {problem}")));
    }
    let declared = info.architecture.as_deref();
    if let Some(a) = declared {
        if a != "all" && arch::from_debian(a).is_none() {
            findings.push(Finding::warning(
                Check::Deb,
                format!(
                    "Architecture '{a}' is not one this tool knows; its binaries were not checked"
                ),
            ));
        }
    }
    // The file name, when it follows name_version_arch.deb, must agree field by field.
    if let Some((p, v, a)) = name_parts(expect.file_name) {
        let no_epoch = info
            .version
            .as_deref()
            .map(|v| v.split_once(':').map_or(v, |(_, r)| r));
        for (what, in_name, in_control) in [
            ("Package", p, info.package.as_deref()),
            ("Version", v, no_epoch),
            ("Architecture", a, declared),
        ] {
            if let Some(c) = in_control.filter(|c| *c != in_name) {
                findings.push(Finding::error(
                    Check::Deb,
                    format!("file name says {what} '{in_name}' but control says '{c}'"),
                ));
            }
        }
    } else if let (Some(a), Some(canon)) = (declared, declared.and_then(arch::from_debian)) {
        let named = arch::from_file_name(expect.file_name);
        if !named.is_empty() && !named.contains(&canon) {
            findings.push(Finding::error(
                Check::Deb,
                format!(
                    "file name says {} but control says Architecture: {a}",
                    named.join("+")
                ),
            ));
        }
    }
    if expect.check_arch && !expect.arch.is_empty() {
        if let Some(canon) = declared.and_then(arch::from_debian) {
            if !expect.arch.arches.iter().any(|e| e == canon) {
                findings.push(Finding::error(
                    Check::Arch,
                    format!(
                        "Architecture: {} is {canon}, expected {} ({})",
                        declared.unwrap_or_default(),
                        expect.arch.arches.join("+"),
                        expect.arch.source
                    ),
                ));
            }
        }
    }
    if let (true, Some(release), Some(v)) = (
        expect.check_version,
        expect.version,
        info.version.as_deref(),
    ) {
        let upstream = v.split_once(':').map_or(v, |(_, r)| r);
        let upstream = match upstream.rsplit_once('-') {
            Some((u, _)) => u,
            None => upstream,
        };
        if upstream != release && upstream != release.replace('-', "~") {
            findings.push(Finding::error(
                Check::Version,
                format!(
                    "control Version '{v}' has upstream version '{upstream}', expected '{release}'"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_are_checked() {
        assert!(relation_problems(
            "libc6 (>= 2.34), libssl3 | libssl1.1, foo:any [amd64] <!nocheck>"
        )
        .is_empty());
        assert_eq!(
            relation_problems("libc6 (> 2.34)"),
            vec!["'libc6 (> 2.34)': the relation '>' is obsolete; use '>>' or '>='"]
        );
        assert_eq!(
            relation_problems("libc6,, foo"),
            vec!["empty entry 2 (a stray ',')"]
        );
        assert_eq!(relation_problems("${shlibs:Depends}").len(), 1);
        assert_eq!(
            relation_problems("LibFoo"),
            vec!["'LibFoo' is not a package name (lowercase letters, digits, '+', '-', '.'; at least 2 characters)"]
        );
        assert_eq!(
            relation_problems("foo (>= x1)"),
            vec!["'x1': the upstream version must start with a digit"]
        );
        assert_eq!(
            relation_problems("foo (>= 1.0"),
            vec!["'foo (>= 1.0' is not 'package [(op version)] [[arch…]]'"]
        );
    }

    #[test]
    fn not_a_deb() {
        let expect = ArchExpect::default();
        let e = DebExpect {
            file_name: "x.deb",
            arch: &expect,
            version: None,
            check_arch: true,
            check_exec: true,
            check_version: true,
        };
        let (_, findings) = check(&mut &b"hello world"[..], &e);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].check, Check::Deb);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_ar_archives_never_panic(
            rest in proptest::collection::vec(proptest::num::u8::ANY, 0..1024),
        ) {
            let expect = ArchExpect::default();
            let e = DebExpect {
                file_name: "x_1_amd64.deb",
                arch: &expect,
                version: Some("1"),
                check_arch: true,
                check_exec: true,
                check_version: true,
            };
            let mut data = b"!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n".to_vec();
            data.extend(rest);
            let _ = check(&mut &data[..], &e);
        }

        #[test]
        fn relation_fields_never_panic(value in ".{0,60}") {
            let _ = relation_problems(&value);
            let _ = version_problem(&value);
            let _ = parse_control(&value);
        }
    }
}
