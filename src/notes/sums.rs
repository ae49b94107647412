//! A small reader for SHA-256 manifests (`sha256sum` output, as written by `checksum`), for the
//! Downloads table. Accepts the GNU format (`HASH  FILE`, `HASH *FILE`, and the `\`-prefixed
//! escaped form for names with `\` or newlines) and the BSD tag format (`SHA256 (FILE) = HASH`).
//!
//! TODO(relkit): `src/checksum/` has the full manifest parser; the two should share one.

use super::Error;

/// One manifest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file name as written in the manifest (unescaped).
    pub file: String,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

/// Parses a manifest; `path` is only for messages. Blank lines and `#` comments are skipped.
pub fn parse(text: &str, path: &str) -> Result<Vec<Entry>, Error> {
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let entry = parse_line(line).ok_or_else(|| Error::Checksums {
            path: path.to_string(),
            line: i + 1,
            message: format!(
                "not a SHA-256 manifest line: {:?}; expected `<64 hex digits>  <file>` as written by `sha256sum` or `checksum`",
                truncate(line, 80)
            ),
        })?;
        entries.push(entry);
    }
    Ok(entries)
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn parse_line(line: &str) -> Option<Entry> {
    if let Some(rest) = line.strip_prefix("SHA256 (") {
        let (file, hash) = rest.rsplit_once(") = ")?;
        return is_sha256(hash).then(|| Entry {
            file: file.to_string(),
            sha256: hash.to_ascii_lowercase(),
        });
    }
    let (escaped, line) = match line.strip_prefix('\\') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let hash = line.get(..64).filter(|h| is_sha256(h))?;
    let rest = &line[64..];
    let name = rest
        .strip_prefix("  ")
        .or_else(|| rest.strip_prefix(" *"))?;
    if name.is_empty() {
        return None;
    }
    let file = if escaped {
        unescape(name)?
    } else {
        name.to_string()
    };
    Some(Entry {
        file,
        sha256: hash.to_ascii_lowercase(),
    })
}

/// GNU coreutils escapes `\` as `\\`, newline as `\n` and CR as `\r` in escaped lines.
fn unescape(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
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
        let files: Vec<String> = parse(&text, "SUMS")
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
        let err = parse(&format!("{H}  ok\nnot a line\n"), "dist/SHA256SUMS").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("dist/SHA256SUMS:2: not a SHA-256 manifest line: \"not a line\""),
            "{err}"
        );
        assert!(parse(&format!("{H} one-space"), "S").is_err());
        assert!(parse("é", "S").is_err());
    }
}
