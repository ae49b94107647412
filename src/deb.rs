//! Debian packages and their control data, shared by artifact-check (which checks packages)
//! and apt-repo (which indexes them): the `ar` container dpkg-deb writes
//! (<https://manpages.debian.org/deb.5>), the control file's deb822 fields, package names,
//! and Debian version syntax and ordering
//! (<https://www.debian.org/doc/debian-policy/ch-controlfields.html#version>).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::OnceLock;

use regex::Regex;

/// A decompressing reader for a tar stream compressed as `compression` (`gz`, `xz`, `zst`, or
/// empty for none).
pub fn decompress<'a, R: Read + 'a>(
    compression: &str,
    reader: R,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        "" => Box::new(reader),
        "gz" => Box::new(flate2::read::MultiGzDecoder::new(reader)),
        "xz" => Box::new(liblzma::read::XzDecoder::new_multi_decoder(reader)),
        "zst" => Box::new(zstd::stream::read::Decoder::new(reader)?),
        other => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("{other} compression is not supported (gz, xz and zst are)"),
            ))
        }
    })
}

/// Parses a binary package's control file (one deb822 paragraph) into fields; continuation
/// lines are joined with newlines.
pub fn parse_control(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut last: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            if fields.is_empty() {
                continue;
            }
            if text.lines().skip(i).any(|l| !l.trim().is_empty()) {
                return Err(format!("line {n}: blank line inside the paragraph"));
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            let Some(key) = &last else {
                return Err(format!("line {n}: continuation line before any field"));
            };
            if let Some(value) = fields.get_mut(key) {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("line {n}: '{line}' is not 'Field: value'"));
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!("line {n}: '{key}' is not a field name"));
        }
        if fields
            .insert(key.to_string(), value.trim().to_string())
            .is_some()
        {
            return Err(format!("line {n}: field '{key}' appears twice"));
        }
        last = Some(key.to_string());
    }
    Ok(fields)
}

fn package_name_re() -> &'static Option<Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[a-z0-9][a-z0-9+.-]+$").ok())
}

/// Whether `s` is a valid Debian package name (lower case letters, digits, `+`, `-`, `.`).
pub fn is_package_name(s: &str) -> bool {
    package_name_re().as_ref().is_some_and(|re| re.is_match(s))
}

/// Why a Debian version string is invalid, if it is
/// (<https://www.debian.org/doc/debian-policy/ch-controlfields.html#version>).
pub fn version_problem(version: &str) -> Option<String> {
    let (epoch, rest) = match version.split_once(':') {
        Some((e, r)) => (Some(e), r),
        None => (None, version),
    };
    if let Some(e) = epoch {
        if e.is_empty() || !e.chars().all(|c| c.is_ascii_digit()) {
            return Some(format!("'{version}': the epoch '{e}' is not a number"));
        }
    }
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) => (u, Some(r)),
        None => (rest, None),
    };
    if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
        return Some(format!(
            "'{version}': the upstream version must start with a digit"
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".+~-".contains(c);
    if let Some(bad) = upstream.chars().find(|&c| !allowed(c) && c != ':') {
        return Some(format!("'{version}': '{bad}' is not allowed in a version"));
    }
    if upstream.contains(':') {
        return Some(format!("'{version}': more than one ':'"));
    }
    if let Some(r) = revision {
        if r.is_empty()
            || r.chars()
                .any(|c| !(c.is_ascii_alphanumeric() || "+.~".contains(c)))
        {
            return Some(format!(
                "'{version}': the Debian revision '{r}' is not valid"
            ));
        }
    }
    None
}

/// Checks the first member of a `.deb`, named `name`: `debian-binary`, holding format 2.x.
pub fn check_format_member(name: &str, member: &mut dyn Read) -> Result<(), String> {
    let mut text = String::new();
    let ok = name == "debian-binary"
        && member.take(64).read_to_string(&mut text).is_ok()
        && text.starts_with("2.");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "first member is '{name}', not 'debian-binary' with format 2.x: not a Debian package"
        ))
    }
}

/// The `control` file of a package, as its bytes were written (for indices, which copy the
/// fields verbatim), read from the `control.tar[.gz|.xz|.zst]` member of the `.deb` in `reader`.
/// Stops reading at the control member: data.tar, usually most of the file, is never read.
pub fn read_control(reader: &mut dyn Read) -> Result<String, String> {
    let mut archive = ar::Archive::new(reader);
    let mut index = 0;
    while let Some(member) = archive.next_entry() {
        let mut member =
            member.map_err(|e| format!("not a valid ar archive (member {}): {e}", index + 1))?;
        index += 1;
        let name = String::from_utf8_lossy(member.header().identifier()).into_owned();
        let name = name.trim_end_matches('/');
        if index == 1 {
            check_format_member(name, &mut member)?;
            continue;
        }
        let Some(compression) = name.strip_prefix("control.tar") else {
            if name.starts_with("data.tar") {
                return Err(
                    "data.tar comes before control.tar; dpkg refuses such a package".into(),
                );
            }
            continue;
        };
        let compression = compression.trim_start_matches('.');
        let name = name.to_string();
        let stream = decompress(compression, &mut member).map_err(|e| format!("{name}: {e}"))?;
        let mut tar = tar::Archive::new(stream);
        let entries = tar.entries().map_err(|e| format!("{name}: corrupt: {e}"))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| format!("{name}: corrupt: {e}"))?;
            let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            if path.trim_start_matches("./") == "control" {
                let mut text = String::new();
                (&mut entry)
                    .take(1 << 20)
                    .read_to_string(&mut text)
                    .map_err(|e| {
                        format!("{name}: control: cannot read (corrupt, or not UTF-8 text): {e}")
                    })?;
                return Ok(text);
            }
        }
        return Err(format!("{name} has no 'control' file"));
    }
    if index == 0 {
        return Err("empty or not an ar archive: not a Debian package".to_string());
    }
    Err("no control.tar member: not a Debian package".to_string())
}

/// One deb822 paragraph with its fields in their order and their values as written:
/// continuation lines keep their leading space, so a `Description` round-trips byte for byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    /// `(name, value)`: the value without the space after the colon, continuation lines joined
    /// with `\n` and kept verbatim.
    pub fields: Vec<(String, String)>,
}

impl Paragraph {
    /// The value of a field (names compare case-insensitively, as deb822 says).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets a field, replacing it in place or adding it at the end.
    pub fn set(&mut self, name: &str, value: String) {
        match self
            .fields
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(field) => field.1 = value,
            None => self.fields.push((name.to_string(), value)),
        }
    }

    /// Removes a field.
    pub fn remove(&mut self, name: &str) {
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The paragraph as deb822 text, ending in a newline.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (name, value) in &self.fields {
            out.push_str(name);
            out.push(':');
            if !value.is_empty() && !value.starts_with('\n') {
                out.push(' ');
            }
            out.push_str(value);
            out.push('\n');
        }
        out
    }
}

/// Parses deb822 text (a `Packages` index, a `Release` file, a control file) into paragraphs;
/// an error names the line. Comment lines (`#`) are skipped, as in control files.
pub fn parse_paragraphs(text: &str) -> Result<Vec<Paragraph>, String> {
    let mut paragraphs = Vec::new();
    let mut current = Paragraph::default();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            if !current.fields.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = current.fields.last_mut() else {
                return Err(format!("line {n}: continuation line before any field"));
            };
            value.push('\n');
            value.push_str(line);
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("line {n}: '{line}' is not 'Field: value'"));
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!("line {n}: '{key}' is not a field name"));
        }
        if current.get(key).is_some() {
            return Err(format!("line {n}: field '{key}' appears twice"));
        }
        current
            .fields
            .push((key.to_string(), value.trim().to_string()));
    }
    if !current.fields.is_empty() {
        paragraphs.push(current);
    }
    Ok(paragraphs)
}

/// Compares two Debian versions as dpkg does (`dpkg --compare-versions`): epoch numerically,
/// then the upstream version and the revision, each by alternating non-digit parts (where `~`
/// sorts before everything, even the end, and letters before other characters) and numbers.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> (u64, &str, &str) {
        let (epoch, rest) = match v.split_once(':') {
            Some((e, r)) => (e.parse().unwrap_or(0), r),
            None => (0, v),
        };
        match rest.rsplit_once('-') {
            Some((u, r)) => (epoch, u, r),
            None => (epoch, rest, ""),
        }
    }
    fn order(c: Option<u8>) -> i32 {
        match c {
            None => 0,
            Some(b'~') => -1,
            Some(c) if c.is_ascii_digit() => 0,
            Some(c) if c.is_ascii_alphabetic() => i32::from(c),
            Some(c) => i32::from(c) + 256,
        }
    }
    fn part(a: &str, b: &str) -> Ordering {
        let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
        while !a.is_empty() || !b.is_empty() {
            while a.first().is_some_and(|c| !c.is_ascii_digit())
                || b.first().is_some_and(|c| !c.is_ascii_digit())
            {
                let (ca, cb) = (
                    order(a.first().copied().filter(|c| !c.is_ascii_digit())),
                    order(b.first().copied().filter(|c| !c.is_ascii_digit())),
                );
                if ca != cb {
                    return ca.cmp(&cb);
                }
                if a.first().is_some_and(|c| !c.is_ascii_digit()) {
                    a = &a[1..];
                }
                if b.first().is_some_and(|c| !c.is_ascii_digit()) {
                    b = &b[1..];
                }
            }
            let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
            let (na, nb) = (digits(a), digits(b));
            let trim = |s: &[u8]| {
                let z = s.iter().take_while(|&&c| c == b'0').count();
                s[z..].to_vec()
            };
            let (da, db) = (trim(&a[..na]), trim(&b[..nb]));
            let by_number = da.len().cmp(&db.len()).then_with(|| da.cmp(&db));
            if by_number != Ordering::Equal {
                return by_number;
            }
            a = &a[na..];
            b = &b[nb..];
        }
        Ordering::Equal
    }
    let (ea, ua, ra) = split(a);
    let (eb, ub, rb) = split(b);
    ea.cmp(&eb)
        .then_with(|| part(ua, ub))
        .then_with(|| part(ra, rb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_paragraphs() {
        let f = parse_control("Package: hello\nVersion: 1.0-1\nDescription: hi\n more\n").unwrap();
        assert_eq!(f["Package"], "hello");
        assert_eq!(f["Description"], "hi\nmore");
        assert!(parse_control("Package: a\nPackage: b\n")
            .unwrap_err()
            .contains("twice"));
        assert!(parse_control(" x\n").is_err());
        assert!(parse_control("Package a\n").is_err());
    }

    #[test]
    fn versions() {
        assert_eq!(version_problem("1:2.0~rc1-3+deb12u1"), None);
        assert_eq!(version_problem("2.0"), None);
        assert!(version_problem("a:1.0").is_some());
        assert!(version_problem("1.0-").is_some());
        assert!(version_problem("1.0 beta").is_some());
    }

    #[test]
    fn versions_compare_like_dpkg() {
        // Pairs checked with `dpkg --compare-versions A lt B`.
        let ascending = [
            ("1.0~rc1", "1.0"),
            ("1.0", "1.0-1"),
            ("1.0-1", "1.0-2"),
            ("1.0-9", "1.0-10"),
            ("1.0", "1.0a"),
            ("1.0a", "1.0+"),
            ("1.9", "1.10"),
            ("2.0", "1:0.1"),
            ("1.0~~", "1.0~"),
            ("1.0-1~bpo1", "1.0-1"),
            ("0.9.9", "1.0"),
        ];
        for (a, b) in ascending {
            assert_eq!(compare_versions(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(compare_versions(b, a), Ordering::Greater, "{b} > {a}");
        }
        assert_eq!(compare_versions("1.01", "1.1"), Ordering::Equal);
        assert_eq!(compare_versions("0:1.0", "1.0"), Ordering::Equal);
    }

    #[test]
    fn paragraphs_keep_values_verbatim() {
        let text = "Package: hello\nDescription: hi\n more text\n .\n  indented\n\nPackage: b\nVersion: 1\n";
        let ps = parse_paragraphs(text).unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(
            ps[0].get("description"),
            Some("hi\n more text\n .\n  indented")
        );
        assert_eq!(ps[0].to_text() + "\n" + &ps[1].to_text(), text);
        assert!(parse_paragraphs(" x\n").is_err());
        assert!(parse_paragraphs("A: 1\nA: 2\n")
            .unwrap_err()
            .contains("line 2"));
    }

    #[test]
    fn control_of_something_else_is_an_error() {
        assert!(read_control(&mut &b"not an ar archive at all"[..]).is_err());
        assert!(read_control(&mut &b""[..]).is_err());
    }
}
