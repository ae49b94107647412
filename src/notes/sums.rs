//! The Downloads table's view of a SHA-256 manifest (as written by `checksum` or `sha256sum`),
//! read with the checksum tool's own parser so both tools accept exactly the same files.

use super::Error;
use crate::digest::algo::Algorithm;
use crate::digest::manifest;

/// One manifest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file name as text for the Markdown table: as written in the manifest (unescaped)
    /// when it is UTF-8; a name that is not (GNU `sha256sum` writes a Latin-1 name's bytes as they
    /// are) is escaped losslessly with [`crate::fsutil::escaped_text`].
    pub file: String,
    /// The file name's exact bytes, to find the file on disk.
    pub name: Vec<u8>,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

/// Parses a manifest's bytes; `path` is only for messages. Blank lines and `#` comments are
/// skipped; a malformed line, or a digest other than SHA-256, is an error naming the line. A
/// name that is not UTF-8 is read (see [`Entry::file`]); the caller warns about it.
pub fn parse(bytes: &[u8], path: &str) -> Result<Vec<Entry>, Error> {
    let parsed = manifest::parse(bytes);
    if let Some(bad) = parsed.malformed.first() {
        return Err(Error::Checksums {
            path: path.to_string(),
            line: bad.number,
            message: format!(
                "{}; expected `<64 hex digits>  <file>` as written by `sha256sum` or `checksum`",
                bad.reason
            ),
        });
    }
    parsed
        .lines
        .into_iter()
        .map(|line| {
            if line.entry.algorithm != Algorithm::Sha256 {
                return Err(Error::Checksums {
                    path: path.to_string(),
                    line: line.number,
                    message: format!(
                        "a {} digest; the Downloads table lists SHA-256, so pass a SHA256SUMS manifest",
                        line.entry.algorithm.name()
                    ),
                });
            }
            Ok(Entry {
                file: line.entry.text_name().into_owned(),
                name: line.entry.name,
                sha256: line.entry.digest,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn gnu_bsd_and_escaped_lines() {
        let text = format!(
            "{H}  a.tar.gz\n{H} *b.zip\n\\{H}  c\\nd\\\\e\nSHA256 (f g) = {}\n\n# comment\n",
            H.to_uppercase()
        );
        let files: Vec<String> = parse(text.as_bytes(), "SUMS")
            .unwrap()
            .into_iter()
            .map(|e| {
                assert_eq!(e.sha256, H);
                e.file
            })
            .collect();
        assert_eq!(files, vec!["a.tar.gz", "b.zip", "c\nd\\e", "f g"]);
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let err = parse(
            format!("{H}  ok\nnot a line\n").as_bytes(),
            "dist/SHA256SUMS",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("dist/SHA256SUMS:2: "), "{err}");
        let sha512 = "0".repeat(128);
        let err = parse(format!("{sha512}  x\n").as_bytes(), "S").unwrap_err();
        assert!(err.to_string().contains("a sha512 digest"), "{err}");
        let err = parse(b"\xff\n", "S").unwrap_err();
        assert_eq!(
            err.to_string(),
            "S:1: not a checksum line (expected `<hex>  <name>` or `SHA256 (<name>) = <hex>`); expected `<64 hex digits>  <file>` as written by `sha256sum` or `checksum`"
        );
        assert!(parse("é".as_bytes(), "S").is_err());
    }

    #[test]
    fn names_that_are_not_utf8_are_escaped_for_the_table() {
        // `\` starts a line whose name is escaped, as sha256sum writes `caf<E9>\x.zip`.
        let text = [format!("\\{H}  caf").as_bytes(), b"\xe9\\\\x.zip\n"].concat();
        let entries = parse(&text, "S").unwrap();
        assert_eq!(entries[0].file, "caf\\xe9\\\\x.zip");
        assert_eq!(entries[0].name, b"caf\xe9\\x.zip");
    }
}
