//! Checksum manifests: writing GNU coreutils and BSD (`--tag`) lines byte for byte as
//! `sha256sum` 9.x does, and reading every format GNU, BSD, perl `shasum` and `openssl dgst`
//! write.
//!
//! GNU escaping (coreutils `md5sum.c`): a name containing `\`, LF or CR is written with `\\`,
//! `\n`, `\r` and the whole line starts with a `\`, so `sha256sum -c` reads it back; names
//! without those characters are written verbatim.

use std::fmt::Write as _;

use super::algo::Algorithm;

/// One checksum: algorithm, digest and file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The algorithm of the digest.
    pub algorithm: Algorithm,
    /// The digest, lowercase hex.
    pub digest: String,
    /// The file name, unescaped, with `/` separators.
    pub name: String,
}

/// How manifest lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStyle {
    /// `<hex>  <name>` as `sha256sum` writes it.
    Gnu,
    /// `SHA256 (<name>) = <hex>` as `sha256sum --tag` writes it.
    Tag,
}

/// True when GNU tools escape this name.
pub fn needs_escape(name: &str) -> bool {
    name.contains(['\\', '\n', '\r'])
}

/// The name as GNU writes it: `\\`, `\n`, `\r` escaped when [`needs_escape`], verbatim otherwise.
pub fn escape_name(name: &str) -> String {
    if !needs_escape(name) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// The name as GNU `sha256sum -c` prints it in `name: OK` lines. Coreutils 9.1 escapes it (with a
/// leading `\`) only when it contains a newline, which would otherwise split the report line; a
/// lone `\` or CR is printed as is (checked against `sha256sum -c` 9.1).
pub fn display_name(name: &str) -> String {
    if name.contains('\n') {
        format!("\\{}", escape_name(name))
    } else {
        name.to_string()
    }
}

/// Formats one manifest line, with its LF.
pub fn format_line(entry: &Entry, style: LineStyle) -> String {
    let mut line = String::new();
    if needs_escape(&entry.name) {
        line.push('\\');
    }
    let name = escape_name(&entry.name);
    // Writing to a String cannot fail.
    let _ = match style {
        LineStyle::Gnu => writeln!(line, "{}  {name}", entry.digest),
        LineStyle::Tag => writeln!(
            line,
            "{} ({name}) = {}",
            entry.algorithm.tag(),
            entry.digest
        ),
    };
    line
}

/// Formats a whole manifest: the entries in the order given (callers sort them).
pub fn format_manifest(entries: &[Entry], style: LineStyle) -> String {
    entries.iter().map(|e| format_line(e, style)).collect()
}

/// Which format a line was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineForm {
    /// `<hex>  <name>` (text mode) or `<hex> *<name>` (binary mode, also `openssl dgst -r`).
    Gnu,
    /// `<hex> <name>` with one space, as BSD `sha256 -r` writes it; GNU reads it, `shasum`
    /// does not.
    OneSpace,
    /// `SHA256 (<name>) = <hex>`.
    Tag,
    /// `SHA2-256(<name>)= <hex>`, the default output of `openssl dgst`.
    Openssl,
}

/// A checksum line read from a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// The checksum.
    pub entry: Entry,
    /// The format it was written in.
    pub form: LineForm,
    /// True when the name was escaped (the line started with `\`).
    pub escaped: bool,
}

/// A line that is neither a checksum, a comment nor blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based line number.
    pub number: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// A parsed manifest, with what lint needs to know about its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The checksum lines, in file order.
    pub lines: Vec<Line>,
    /// Lines that could not be read.
    pub malformed: Vec<Malformed>,
    /// The file starts with a UTF-8 byte order mark.
    pub bom: bool,
    /// Numbers of the lines that end in CRLF.
    pub crlf: Vec<usize>,
    /// The last line has no LF.
    pub no_final_newline: bool,
}

/// Parses a manifest. Never fails: bad lines are collected in [`Manifest::malformed`].
pub fn parse(bytes: &[u8]) -> Manifest {
    let mut manifest = Manifest::default();
    let mut bytes = bytes;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        manifest.bom = true;
        bytes = rest;
    }
    if bytes.is_empty() {
        return manifest;
    }
    manifest.no_final_newline = !bytes.ends_with(b"\n");
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        let raw = match raw.strip_suffix(b"\r") {
            Some(r) => {
                manifest.crlf.push(number);
                r
            }
            None => raw,
        };
        let Ok(text) = std::str::from_utf8(raw) else {
            manifest.malformed.push(Malformed {
                number,
                reason: "the line is not valid UTF-8".to_string(),
            });
            continue;
        };
        match parse_line(text) {
            Ok(None) => {}
            Ok(Some((entry, form, escaped))) => manifest.lines.push(Line {
                number,
                entry,
                form,
                escaped,
            }),
            Err(reason) => manifest.malformed.push(Malformed { number, reason }),
        }
    }
    manifest
}

/// Parses one line (without its line ending): `Ok(None)` for blank lines and comments.
pub fn parse_line(text: &str) -> Result<Option<(Entry, LineForm, bool)>, String> {
    // GNU skips leading blanks before the digest or tag.
    let text = text.trim_start_matches([' ', '\t']);
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    let (escaped, rest) = match text.strip_prefix('\\') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let hex_run = rest
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(rest.len());
    let parsed = if Algorithm::from_hex_len(hex_run).is_some() {
        parse_gnu(rest)?
    } else if looks_tagged(rest) {
        parse_tagged(rest)?
    } else if hex_run > 0 {
        // Reports the digest length that matches nothing.
        parse_gnu(rest)?
    } else {
        return Err(NOT_A_LINE.to_string());
    };
    let (algorithm, digest, name, form) = parsed;
    let name = if escaped {
        unescape(name)?
    } else {
        name.to_string()
    };
    if name.is_empty() {
        return Err("the file name is empty".to_string());
    }
    Ok(Some((
        Entry {
            algorithm,
            digest: digest.to_ascii_lowercase(),
            name,
        },
        form,
        escaped,
    )))
}

/// A line like `SHA256 (…` or `SHA2-256(…`: a word and an opening parenthesis.
fn looks_tagged(s: &str) -> bool {
    let word = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map_or(s, |end| &s[..end]);
    let after = &s[word.len()..];
    !word.is_empty() && (after.starts_with(" (") || after.starts_with('('))
}

const NOT_A_LINE: &str =
    "not a checksum line (expected `<hex>  <name>` or `SHA256 (<name>) = <hex>`)";

type Parsed<'a> = (Algorithm, &'a str, &'a str, LineForm);

fn parse_gnu(s: &str) -> Result<Parsed<'_>, String> {
    let hex_end = s
        .find(|c: char| !c.is_ascii_hexdigit())
        .ok_or("a digest without a file name")?;
    let digest = &s[..hex_end];
    let algorithm = Algorithm::from_hex_len(digest.len()).ok_or_else(|| {
        format!(
            "a digest of {} hex digits matches no supported algorithm (64 sha256, 96 sha384, 128 sha512)",
            digest.len()
        )
    })?;
    let rest = &s[hex_end..];
    let Some(rest) = rest.strip_prefix([' ', '\t']) else {
        return Err("expected a space after the digest".to_string());
    };
    // `<hex>  name` (text) or `<hex> *name` (binary); anything else is BSD's one-space form.
    match rest.strip_prefix([' ', '*']) {
        Some(name) if !name.is_empty() => Ok((algorithm, digest, name, LineForm::Gnu)),
        _ => Ok((algorithm, digest, rest, LineForm::OneSpace)),
    }
}

fn parse_tagged(s: &str) -> Result<Parsed<'_>, String> {
    let open = s
        .find('(')
        .ok_or("not a checksum line (expected `<hex>  <name>` or `SHA256 (<name>) = <hex>`)")?;
    let tag = &s[..open];
    let (tag, form) = match tag.strip_suffix(' ') {
        Some(t) => (t, LineForm::Tag),
        None => (tag, LineForm::Openssl),
    };
    let algorithm = Algorithm::from_tag(tag).ok_or_else(|| {
        format!("unsupported algorithm {tag:?}; checksum reads SHA256, SHA384 and SHA512 lines")
    })?;
    let inner = &s[open + 1..];
    // BSD tools do not escape names, so the name ends at the last `) = ` (or `)= `).
    let (close, sep_len) = match (inner.rfind(") = "), inner.rfind(")= ")) {
        (Some(a), Some(b)) if b > a => (b, 3),
        (Some(a), _) => (a, 4),
        (None, Some(b)) => (b, 3),
        (None, None) => return Err("expected `) = <hex>` after the file name".to_string()),
    };
    let name = &inner[..close];
    let digest = &inner[close + sep_len..];
    if digest.len() != algorithm.hex_len() || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "expected {} hex digits for {}, found {:?}",
            algorithm.hex_len(),
            algorithm.tag(),
            digest
        ));
    }
    Ok((algorithm, digest, name, form))
}

fn unescape(name: &str) -> Result<String, String> {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => {
                return Err(format!(
                    "unknown escape `\\{other}` in the file name (GNU knows `\\\\`, `\\n`, `\\r`)"
                ))
            }
            None => return Err("the file name ends in a lone backslash".to_string()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const H: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn entry(name: &str) -> Entry {
        Entry {
            algorithm: Algorithm::Sha256,
            digest: H.to_string(),
            name: name.to_string(),
        }
    }

    #[test]
    fn gnu_lines_escape_like_coreutils_9() {
        assert_eq!(
            format_line(&entry("a b.zip"), LineStyle::Gnu),
            format!("{H}  a b.zip\n")
        );
        assert_eq!(
            format_line(&entry("a\\b\nc\rd"), LineStyle::Gnu),
            format!("\\{H}  a\\\\b\\nc\\rd\n")
        );
        assert_eq!(
            format_line(&entry("x\\y"), LineStyle::Tag),
            format!("\\SHA256 (x\\\\y) = {H}\n")
        );
        assert_eq!(display_name("a\nb\\c"), "\\a\\nb\\\\c");
        assert_eq!(display_name("back\\slash\r"), "back\\slash\r");
    }

    #[test]
    fn every_written_line_reads_back() {
        for name in [
            "a",
            "dir/ü ñ.tar.gz",
            "back\\slash",
            "new\nline",
            "cr\rx",
            " lead",
            "*star",
            "p(a)r) = x",
        ] {
            for style in [LineStyle::Gnu, LineStyle::Tag] {
                let line = format_line(&entry(name), style);
                let m = parse(line.as_bytes());
                assert_eq!(m.malformed, vec![], "{line:?}");
                assert_eq!(m.lines[0].entry, entry(name), "{line:?}");
            }
        }
    }

    #[test]
    fn reads_every_format() {
        let upper = H.to_ascii_uppercase();
        let text = format!(
            "\u{feff}# comment\r\n\r\n{H} *bin.zip\r\n{H} one space\n{upper}  upper\nSHA2-256(ossl)= {H}\n  {H}  indented\n{H}\ttab"
        );
        let m = parse(text.as_bytes());
        assert!(m.bom);
        assert_eq!(m.crlf, vec![1, 2, 3]);
        assert!(m.no_final_newline);
        assert_eq!(m.malformed, vec![]);
        let got: Vec<(usize, &str, LineForm)> = m
            .lines
            .iter()
            .map(|l| (l.number, l.entry.name.as_str(), l.form))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "bin.zip", LineForm::Gnu),
                (4, "one space", LineForm::OneSpace),
                (5, "upper", LineForm::Gnu),
                (6, "ossl", LineForm::Openssl),
                (7, "indented", LineForm::Gnu),
                (8, "tab", LineForm::OneSpace),
            ]
        );
        assert!(m.lines.iter().all(|l| l.entry.digest == H));
    }

    #[test]
    fn bad_lines_say_why() {
        let cases = [
            ("abc  x", "matches no supported algorithm"),
            (H, "without a file name"),
            (&format!("{H}x  y"), "expected a space"),
            (
                "MD5 (x) = d41d8cd98f00b204e9800998ecf8427e",
                "unsupported algorithm",
            ),
            ("SHA256 (x) = abc", "expected 64 hex digits"),
            (&format!("\\{H}  a\\tb"), "unknown escape"),
            ("hello world", "not a checksum line"),
            (&format!("{H} "), "file name is empty"),
        ];
        for (line, want) in cases {
            let m = parse(format!("{line}\n").as_bytes());
            assert_eq!(m.lines, vec![], "{line:?}");
            assert!(
                m.malformed[0].reason.contains(want),
                "{line:?}: {}",
                m.malformed[0].reason
            );
        }
        let m = parse(b"\xff\xfe\n");
        assert_eq!(m.malformed[0].number, 1);
    }

    proptest::proptest! {
        #[test]
        fn any_name_round_trips(name in "[^\u{0}]{1,40}", tag in proptest::bool::ANY) {
            let style = if tag { LineStyle::Tag } else { LineStyle::Gnu };
            let line = format_line(&entry(&name), style);
            let m = parse(line.as_bytes());
            proptest::prop_assert_eq!(&m.lines[0].entry.name, &name);
        }

        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse(&bytes);
        }
    }
}
