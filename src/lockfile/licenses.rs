//! Licences: turning what packages declare into SPDX expressions, finding licence texts on
//! disk, copying them into a bundle, and judging components against `--deny`/`--allow`.

use std::path::{Path, PathBuf};

use spdx::{Expression, LicenseItem, LicenseReq, ParseMode};

use super::model::License;

/// Turns a declared licence string into an SPDX expression when it is one (leniently: `MIT/Apache-2.0`,
/// lowercase operators, `GPL-2.0+`, well-known imprecise names), otherwise keeps it as a name.
/// Empty and placeholder values (`UNKNOWN`, `UNLICENSED` is kept as a name) give `None`.
pub fn from_declared(text: &str) -> Option<License> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("unknown") || text.eq_ignore_ascii_case("none")
    {
        return None;
    }
    match canonical(text) {
        Some(expr) => Some(License::Expression(expr)),
        None => Some(License::Name(text.to_string())),
    }
}

/// The canonical SPDX form of `text`, or `None` when it does not parse as an expression.
pub fn canonical(text: &str) -> Option<String> {
    let canon = match Expression::canonicalize(text) {
        Ok(Some(c)) => c,
        Ok(None) => text.to_string(),
        Err(_) => return None,
    };
    Expression::parse_mode(&canon, ParseMode::STRICT).ok()?;
    Some(canon)
}

/// The SPDX id for a Python trove classifier (`License :: OSI Approved :: MIT License`), for the
/// classifiers that name exactly one licence.
pub fn from_classifier(classifier: &str) -> Option<&'static str> {
    let last = classifier.rsplit("::").next()?.trim();
    Some(match last {
        "MIT License" => "MIT",
        "MIT No Attribution License (MIT-0)" => "MIT-0",
        "Apache Software License" => "Apache-2.0",
        "BSD License" => return None, // which BSD is not said
        "ISC License (ISCL)" => "ISC",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "Python Software Foundation License" => "PSF-2.0",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v2 (LGPLv2)" => "LGPL-2.0-only",
        "GNU Lesser General Public License v2 or later (LGPLv2+)" => "LGPL-2.0-or-later",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Lesser General Public License v3 or later (LGPLv3+)" => "LGPL-3.0-or-later",
        "GNU Affero General Public License v3" => "AGPL-3.0-only",
        "GNU Affero General Public License v3 or later (AGPLv3+)" => "AGPL-3.0-or-later",
        "The Unlicense (Unlicense)" => "Unlicense",
        "Boost Software License 1.0 (BSL-1.0)" => "BSL-1.0",
        "zlib/libpng License" => "Zlib",
        "Eclipse Public License 2.0 (EPL-2.0)" => "EPL-2.0",
        _ => return None,
    })
}

/// Whether a file name looks like a licence text (`LICENSE`, `LICENCE-MIT.md`, `COPYING`,
/// `UNLICENSE`, `NOTICE`, `AUTHORS` is not one).
pub fn is_license_file(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "LICENSE",
        "LICENCE",
        "COPYING",
        "UNLICENSE",
        "NOTICE",
        "COPYRIGHT",
    ]
    .iter()
    .any(|p| upper.starts_with(p))
}

/// The licence files directly inside `dir`, sorted by name; nothing when it cannot be read.
pub fn license_files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter(|e| is_license_file(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// The licence texts of a component installed in `dirs`: licence-named files at the top of each
/// directory, and every file under its `licenses/` or `LICENSES/` subdirectory (PEP 639
/// `.dist-info/licenses/`, the REUSE layout), sorted.
pub fn files_for(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in dirs {
        files.extend(license_files_in(dir));
        for sub in ["licenses", "LICENSES"] {
            let sub = dir.join(sub);
            if sub.is_dir() {
                files.extend(
                    walkdir::WalkDir::new(&sub)
                        .sort_by_file_name()
                        .into_iter()
                        .filter_map(Result::ok)
                        .filter(|e| e.file_type().is_file())
                        .map(walkdir::DirEntry::into_path),
                );
            }
        }
    }
    files.dedup();
    files
}

/// The licence texts inside a `.crate` (a gzip-compressed tar whose entries all sit under
/// `NAME-VERSION/`): licence-named files at its top and files under its `LICENSES/` directory,
/// as `(file name, bytes)` sorted by name.
pub fn texts_in_crate(archive: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let file = std::fs::File::open(archive)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    let mut texts = Vec::new();
    for entry in tar.entries()? {
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path()?.into_owned();
        let parts: Vec<String> = path
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let wanted = match parts.as_slice() {
            [_, name] => is_license_file(name),
            [_, dir, _, ..] => dir == "LICENSES" || dir == "licenses",
            _ => false,
        };
        if wanted {
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut body)?;
            texts.push((parts[1..].join("/"), body));
        }
    }
    texts.sort();
    Ok(texts)
}

/// The `Cargo.toml` inside a `.crate` archive (`NAME-VERSION/Cargo.toml`), if it has one.
pub fn manifest_in_crate(archive: &Path, leaf: &str) -> Option<String> {
    let file = std::fs::File::open(archive).ok()?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    let want = Path::new(leaf).join("Cargo.toml");
    for entry in tar.entries().ok()? {
        let mut entry = entry.ok()?;
        if entry.path().ok()?.as_ref() == want {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).ok()?;
            return Some(text);
        }
    }
    None
}

/// A `--deny`/`--allow` pattern: an SPDX id compared without regard to case, `*` at the end
/// matching any suffix (`GPL-*`), `LicenseRef-…` literally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(String);

impl Pattern {
    /// Parses a pattern (clap value parser): an SPDX id, optionally ending in `*`.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let t = text.trim();
        let stem = t.strip_suffix('*').unwrap_or(t);
        if stem.is_empty()
            || !stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.+".contains(c))
        {
            return Err(format!(
                "'{text}' is not an SPDX licence id (e.g. GPL-3.0-only, MIT) or a prefix pattern (GPL-*)"
            ));
        }
        Ok(Pattern(t.to_ascii_lowercase()))
    }

    /// Whether the licence id `id` matches.
    pub fn matches(&self, id: &str) -> bool {
        let id = id.to_ascii_lowercase();
        match self.0.strip_suffix('*') {
            Some(prefix) => id.starts_with(prefix),
            None => id == self.0,
        }
    }
}

/// The licence id a requirement names, as written in SPDX (`GPL-3.0-or-later`, `LicenseRef-x`).
fn req_id(req: &LicenseReq) -> String {
    match &req.license {
        LicenseItem::Spdx { id, or_later } => {
            // The parser folds `GPL-3.0-only`/`GPL-3.0-or-later` into the GNU base id and a flag;
            // spell them back out the way SPDX 3 lists them.
            let gnu_base =
                id.is_gnu() && !id.name.ends_with("-only") && !id.name.ends_with("-or-later");
            match (gnu_base, *or_later) {
                (true, true) => format!("{}-or-later", id.name),
                (true, false) => format!("{}-only", id.name),
                (false, true) if !id.name.ends_with("-or-later") => format!("{}+", id.name),
                _ => id.name.to_string(),
            }
        }
        LicenseItem::Other { lic_ref, .. } => format!("LicenseRef-{lic_ref}"),
    }
}

/// The verdict on one component's licence under the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Acceptable.
    Ok,
    /// Every way to satisfy the expression needs a denied or not-allowed licence; the ids that
    /// were in the way.
    Violates(Vec<String>),
    /// An allow-list is in force and the licence is unknown or not SPDX.
    Unknown,
}

/// Judges a licence: with `deny`, the expression must be satisfiable without any denied id
/// (`MIT OR GPL-3.0-only` passes `--deny GPL-*`: the MIT choice is open); with `allow`, it must
/// be satisfiable with allowed ids only, and unknown licences fail.
pub fn judge(license: Option<&License>, deny: &[Pattern], allow: &[Pattern]) -> Verdict {
    let expr = match license {
        Some(License::Expression(e)) => match Expression::parse(e) {
            Ok(expr) => expr,
            Err(_) => {
                return if allow.is_empty() {
                    Verdict::Ok
                } else {
                    Verdict::Unknown
                }
            }
        },
        Some(License::Name(name)) => {
            // A free-text name can still be denied by its exact text (`--deny Proprietary`).
            if deny.iter().any(|p| p.matches(name)) {
                return Verdict::Violates(vec![name.clone()]);
            }
            return if allow.is_empty() {
                Verdict::Ok
            } else {
                Verdict::Unknown
            };
        }
        None => {
            return if allow.is_empty() {
                Verdict::Ok
            } else {
                Verdict::Unknown
            }
        }
    };
    let acceptable = |req: &LicenseReq| {
        let id = req_id(req);
        !deny.iter().any(|p| p.matches(&id))
            && (allow.is_empty() || allow.iter().any(|p| p.matches(&id)))
    };
    if expr.evaluate(acceptable) {
        return Verdict::Ok;
    }
    let mut offending: Vec<String> = expr
        .requirements()
        .map(|r| req_id(&r.req))
        .filter(|id| {
            deny.iter().any(|p| p.matches(id))
                || (!allow.is_empty() && !allow.iter().any(|p| p.matches(id)))
        })
        .collect();
    offending.sort();
    offending.dedup();
    Verdict::Violates(offending)
}

/// The file name a component's licence bundle gets: `ECOSYSTEM-NAME-VERSION.txt`, with every
/// character outside `A-Za-z0-9._+-` replaced by `_` (npm scopes, Go module paths).
pub fn bundle_file_name(ecosystem: &str, name: &str, version: Option<&str>) -> String {
    let raw = match version {
        Some(v) => format!("{ecosystem}-{name}-{v}"),
        None => format!("{ecosystem}-{name}"),
    };
    let mut safe: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe.push_str(".txt");
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(s: &str) -> Option<License> {
        Some(License::Expression(s.to_string()))
    }

    #[test]
    fn declared_licences_become_spdx_expressions() {
        assert_eq!(from_declared("MIT/Apache-2.0"), expr("MIT OR Apache-2.0"));
        assert_eq!(
            from_declared("MIT or Apache-2.0"),
            expr("MIT OR Apache-2.0")
        );
        assert_eq!(
            from_declared("(MIT OR Apache-2.0) AND Unicode-3.0"),
            expr("(MIT OR Apache-2.0) AND Unicode-3.0")
        );
        assert_eq!(from_declared("GPL-2.0+"), expr("GPL-2.0-or-later"));
        assert_eq!(
            from_declared("BSD-like, see LICENSE"),
            Some(License::Name("BSD-like, see LICENSE".into()))
        );
        assert_eq!(from_declared("  "), None);
        assert_eq!(from_declared("UNKNOWN"), None);
    }

    #[test]
    fn deny_needs_every_choice_blocked() {
        let gpl = [Pattern::parse("GPL-*").unwrap()];
        assert_eq!(
            judge(expr("MIT OR GPL-3.0-only").as_ref(), &gpl, &[]),
            Verdict::Ok
        );
        assert_eq!(
            judge(expr("MIT AND GPL-3.0-only").as_ref(), &gpl, &[]),
            Verdict::Violates(vec!["GPL-3.0-only".into()])
        );
        assert_eq!(judge(None, &gpl, &[]), Verdict::Ok);
        assert_eq!(
            judge(expr("LGPL-2.1-only").as_ref(), &gpl, &[]),
            Verdict::Ok
        );
    }

    #[test]
    fn allow_lists_fail_on_unknown_and_unlisted() {
        let allow = [
            Pattern::parse("MIT").unwrap(),
            Pattern::parse("apache-2.0").unwrap(),
        ];
        assert_eq!(
            judge(expr("MIT OR Unlicense").as_ref(), &[], &allow),
            Verdict::Ok
        );
        assert_eq!(
            judge(expr("Zlib").as_ref(), &[], &allow),
            Verdict::Violates(vec!["Zlib".into()])
        );
        assert_eq!(judge(None, &[], &allow), Verdict::Unknown);
        assert!(Pattern::parse("GPL 3").is_err());
        assert!(Pattern::parse("*").is_err());
    }

    #[test]
    fn licence_files_and_bundle_names() {
        assert!(is_license_file("LICENSE-MIT"));
        assert!(is_license_file("licence.md"));
        assert!(is_license_file("COPYING"));
        assert!(!is_license_file("README.md"));
        assert_eq!(
            bundle_file_name("npm", "@isaacs/string-locale-compare", Some("1.1.0")),
            "npm-_isaacs_string-locale-compare-1.1.0.txt"
        );
        assert_eq!(
            from_classifier("License :: OSI Approved :: MIT License"),
            Some("MIT")
        );
        assert_eq!(
            from_classifier("License :: OSI Approved :: BSD License"),
            None
        );
    }
}
