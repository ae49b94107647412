//! Checksum manifests: writing GNU coreutils and BSD (`--tag`) lines byte for byte as
//! `sha256sum` 9.x does, and reading every format GNU, BSD, perl `shasum` and `openssl dgst`
//! write.
//!
//! GNU escaping (coreutils `md5sum.c`): a name containing `\`, LF or CR is written with `\\`,
//! `\n`, `\r` and the whole line starts with a `\`, so `sha256sum -c` reads it back; names
//! without those characters are written verbatim.
//!
//! Names are bytes, as in coreutils: a name that is not UTF-8 (a Latin-1 `caf\xe9.txt`) is
//! written and read back byte for byte; only outputs that must be text (JSON, the job summary)
//! escape it, with [`crate::fsutil::escaped_text`] (issue 13).

use std::borrow::Cow;

use super::algo::Algorithm;

/// One checksum: algorithm, digest and file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The algorithm of the digest.
    pub algorithm: Algorithm,
    /// The digest, lowercase hex.
    pub digest: String,
    /// The file name, unescaped, with `/` separators: raw bytes, as GNU tools keep them (a
    /// Latin-1 name is not UTF-8, and a manifest must still name that file exactly).
    pub name: Vec<u8>,
}

impl Entry {
    /// The name as text for messages, JSON and the job summary: itself when it is UTF-8, else
    /// escaped losslessly ([`crate::fsutil::escaped_text`]).
    pub fn text_name(&self) -> Cow<'_, str> {
        crate::fsutil::escaped_text(&self.name)
    }
}

/// The exact bytes of a name as lowercase hex, for the `…_hex` field JSON reports carry next to
/// a name that is not UTF-8 (and so is shown escaped); `None` for a UTF-8 name, shown as it is.
pub fn hex_unless_utf8(bytes: &[u8]) -> Option<String> {
    match std::str::from_utf8(bytes) {
        Ok(_) => None,
        Err(_) => Some(super::algo::hex(bytes)),
    }
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
pub fn needs_escape(name: &[u8]) -> bool {
    name.iter().any(|b| matches!(b, b'\\' | b'\n' | b'\r'))
}

/// The name as GNU writes it: `\\`, `\n`, `\r` escaped when [`needs_escape`], verbatim otherwise.
/// Every other byte, UTF-8 or not, is written as it is.
pub fn escape_name(name: &[u8]) -> Cow<'_, [u8]> {
    if !needs_escape(name) {
        return Cow::Borrowed(name);
    }
    let mut out = Vec::with_capacity(name.len() + 4);
    for &b in name {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
    Cow::Owned(out)
}

/// The name as GNU `sha256sum -c` prints it in `name: OK` lines, as bytes. Coreutils 9.1 escapes
/// it (with a leading `\`) only when it contains a newline, which would otherwise split the
/// report line; a lone `\` or CR, and bytes that are not UTF-8, are printed as they are (checked
/// against `sha256sum -c` 9.1).
pub fn display_name(name: &[u8]) -> Cow<'_, [u8]> {
    if name.contains(&b'\n') {
        let mut out = b"\\".to_vec();
        out.extend_from_slice(&escape_name(name));
        Cow::Owned(out)
    } else {
        Cow::Borrowed(name)
    }
}

/// Formats one manifest line, with its LF.
pub fn format_line(entry: &Entry, style: LineStyle) -> Vec<u8> {
    let mut line = Vec::with_capacity(entry.digest.len() + entry.name.len() + 16);
    if needs_escape(&entry.name) {
        line.push(b'\\');
    }
    let name = escape_name(&entry.name);
    match style {
        LineStyle::Gnu => {
            line.extend_from_slice(entry.digest.as_bytes());
            line.extend_from_slice(b"  ");
            line.extend_from_slice(&name);
        }
        LineStyle::Tag => {
            line.extend_from_slice(entry.algorithm.tag().as_bytes());
            line.extend_from_slice(b" (");
            line.extend_from_slice(&name);
            line.extend_from_slice(b") = ");
            line.extend_from_slice(entry.digest.as_bytes());
        }
    }
    line.push(b'\n');
    line
}

/// Formats a whole manifest: the entries in the order given (callers sort them).
pub fn format_manifest(entries: &[Entry], style: LineStyle) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 96);
    for e in entries {
        out.extend_from_slice(&format_line(e, style));
    }
    out
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

/// Parses a manifest. Never fails: bad lines are collected in [`Manifest::malformed`]. Lines are
/// bytes: a file name that is not UTF-8 (Latin-1, say) is read as GNU `sha256sum -c` reads it.
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
        match parse_line(raw) {
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
pub fn parse_line(line: &[u8]) -> Result<Option<(Entry, LineForm, bool)>, String> {
    // GNU skips leading blanks before the digest or tag.
    let start = line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(line.len());
    let text = &line[start..];
    if text.is_empty() || text.starts_with(b"#") {
        return Ok(None);
    }
    let (escaped, rest) = match text.strip_prefix(b"\\") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let hex_run = hex_prefix_len(rest);
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
        name.to_vec()
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

/// The number of hex digits `s` starts with.
fn hex_prefix_len(s: &[u8]) -> usize {
    s.iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(s.len())
}

/// A line like `SHA256 (…` or `SHA2-256(…`: a word and an opening parenthesis.
fn looks_tagged(s: &[u8]) -> bool {
    let word = s
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .unwrap_or(s.len());
    let after = &s[word..];
    word > 0 && (after.starts_with(b" (") || after.starts_with(b"("))
}

const NOT_A_LINE: &str =
    "not a checksum line (expected `<hex>  <name>` or `SHA256 (<name>) = <hex>`)";

/// Algorithm, digest (ASCII hex), name (raw bytes, still escaped) and form.
type Parsed<'a> = (Algorithm, &'a str, &'a [u8], LineForm);

/// The digest's ASCII hex digits as text (they are ASCII, so this cannot fail in practice).
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

fn parse_gnu(s: &[u8]) -> Result<Parsed<'_>, String> {
    let hex_end = hex_prefix_len(s);
    if hex_end == s.len() {
        return Err("a digest without a file name".to_string());
    }
    let digest = ascii(&s[..hex_end]);
    let algorithm = Algorithm::from_hex_len(digest.len()).ok_or_else(|| {
        format!(
            "a digest of {} hex digits matches no supported algorithm (64 sha256, 96 sha384, 128 sha512)",
            digest.len()
        )
    })?;
    let rest = match &s[hex_end..] {
        [b' ' | b'\t', rest @ ..] => rest,
        _ => return Err("expected a space after the digest".to_string()),
    };
    // `<hex>  name` (text) or `<hex> *name` (binary); anything else is BSD's one-space form.
    match rest {
        [b' ' | b'*', name @ ..] if !name.is_empty() => {
            Ok((algorithm, digest, name, LineForm::Gnu))
        }
        _ => Ok((algorithm, digest, rest, LineForm::OneSpace)),
    }
}

/// The position of the last `needle` in `hay`.
fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn parse_tagged(s: &[u8]) -> Result<Parsed<'_>, String> {
    let open = s.iter().position(|&b| b == b'(').ok_or(NOT_A_LINE)?;
    let tag = &s[..open];
    let (tag, form) = match tag.strip_suffix(b" ") {
        Some(t) => (t, LineForm::Tag),
        None => (tag, LineForm::Openssl),
    };
    // `looks_tagged` let through only ASCII letters, digits, `-` and `_` before the `(`.
    let tag = ascii(tag);
    let algorithm = Algorithm::from_tag(tag).ok_or_else(|| {
        format!("unsupported algorithm {tag:?}; checksum reads SHA256, SHA384 and SHA512 lines")
    })?;
    let inner = &s[open + 1..];
    // BSD tools do not escape names, so the name ends at the last `) = ` (or `)= `).
    let (close, sep_len) = match (rfind(inner, b") = "), rfind(inner, b")= ")) {
        (Some(a), Some(b)) if b > a => (b, 3),
        (Some(a), _) => (a, 4),
        (None, Some(b)) => (b, 3),
        (None, None) => return Err("expected `) = <hex>` after the file name".to_string()),
    };
    let name = &inner[..close];
    let digest = &inner[close + sep_len..];
    if digest.len() != algorithm.hex_len() || !digest.iter().all(u8::is_ascii_hexdigit) {
        return Err(format!(
            "expected {} hex digits for {}, found {:?}",
            algorithm.hex_len(),
            algorithm.tag(),
            crate::fsutil::escaped_text(digest)
        ));
    }
    Ok((algorithm, ascii(digest), name, form))
}

fn unescape(name: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(name.len());
    let mut bytes = name.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'\\') => out.push(b'\\'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(other) => {
                let shown = if other.is_ascii() {
                    char::from(other).to_string()
                } else {
                    format!("\\x{other:02x}")
                };
                return Err(format!(
                    "unknown escape `\\{shown}` in the file name (GNU knows `\\\\`, `\\n`, `\\r`)"
                ));
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
            name: name.as_bytes().to_vec(),
        }
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn gnu_lines_escape_like_coreutils_9() {
        assert_eq!(
            text(format_line(&entry("a b.zip"), LineStyle::Gnu)),
            format!("{H}  a b.zip\n")
        );
        assert_eq!(
            text(format_line(&entry("a\\b\nc\rd"), LineStyle::Gnu)),
            format!("\\{H}  a\\\\b\\nc\\rd\n")
        );
        assert_eq!(
            text(format_line(&entry("x\\y"), LineStyle::Tag)),
            format!("\\SHA256 (x\\\\y) = {H}\n")
        );
        assert_eq!(&*display_name(b"a\nb\\c"), b"\\a\\nb\\\\c");
        assert_eq!(&*display_name(b"back\\slash\r"), b"back\\slash\r");
        // Bytes that are not UTF-8 are written as they are, as `sha256sum` 9.1 writes them.
        let latin1 = Entry {
            name: b"caf\xe9\\\n.txt".to_vec(),
            ..entry("x")
        };
        let mut want = format!("\\{H}  caf").into_bytes();
        want.extend_from_slice(b"\xe9\\\\\\n.txt\n");
        assert_eq!(format_line(&latin1, LineStyle::Gnu), want);
        assert_eq!(&*display_name(b"caf\xe9"), b"caf\xe9");
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
                let m = parse(&line);
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
            .map(|l| {
                (
                    l.number,
                    std::str::from_utf8(&l.entry.name).unwrap(),
                    l.form,
                )
            })
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
        let m = parse(&[format!("\\{H}  a\\").as_bytes(), b"\xe9b\n"].concat());
        assert!(
            m.malformed[0].reason.contains("unknown escape `\\\\xe9`"),
            "{:?}",
            m.malformed
        );
    }

    proptest::proptest! {
        #[test]
        fn any_name_round_trips(name in "[^\u{0}]{1,40}", tag in proptest::bool::ANY) {
            let style = if tag { LineStyle::Tag } else { LineStyle::Gnu };
            let line = format_line(&entry(&name), style);
            let m = parse(&line);
            proptest::prop_assert_eq!(&m.lines[0].entry.name, name.as_bytes());
        }

        #[test]
        fn any_byte_name_round_trips(
            name in proptest::collection::vec(1u8..=255, 1..40),
            tag in proptest::bool::ANY,
        ) {
            let style = if tag { LineStyle::Tag } else { LineStyle::Gnu };
            let e = Entry { name: name.clone(), ..entry("x") };
            let m = parse(&format_line(&e, style));
            proptest::prop_assert_eq!(&m.lines[0].entry.name, &name);
        }

        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse(&bytes);
        }
    }
}
