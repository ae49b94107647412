//! LCOV tracefile parser (`geninfo(1)` format): streamed line by line, several `TN:` sections of
//! the same file merged per line.

use std::collections::HashMap;
use std::io::BufRead;

use super::formats::{ParseError, Sink};
use super::model::FileCov;

/// Parses an unsigned decimal; `None` on anything else.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// A hit count: gcov writes huge or (buggy) negative counts and `-` for "never executed".
fn parse_hits(s: &[u8]) -> Option<u64> {
    match s {
        b"-" => Some(0),
        [b'-', rest @ ..] => parse_u64(rest).map(|_| 0),
        _ => parse_u64(s).or_else(|| {
            let f: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
            (f.is_finite() && f >= 0.0).then_some(f as u64)
        }),
    }
}

fn parse_line(s: &[u8]) -> Option<u32> {
    parse_u64(s).and_then(|n| u32::try_from(n).ok())
}

/// A stable number for an LCOV 2 branch expression such as `(x > 1) == True`.
fn id(s: &[u8]) -> u64 {
    match parse_u64(s) {
        Some(n) => n,
        None => {
            s.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            }) | (1 << 63)
        }
    }
}

fn text(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

fn split2(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = s.iter().position(|b| *b == b',')?;
    Some((&s[..i], &s[i + 1..]))
}

struct Section {
    path: String,
    start: u64,
    data: FileCov,
    /// LCOV 2.2 `FNL:index,line` records, waiting for their `FNA:`.
    fnl: HashMap<u64, u32>,
}

/// Parses an LCOV tracefile into `sink`.
pub fn parse(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let mut buf = Vec::with_capacity(256);
    let mut lineno: u64 = 0;
    let mut current: Option<Section> = None;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        lineno += 1;
        let mut line = buf.as_slice();
        while let [rest @ .., b'\n' | b'\r'] = line {
            line = rest;
        }
        if lineno == 1 {
            line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
        }
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| {
            ParseError::at(
                lineno,
                format!(
                    "malformed {what} record '{}'",
                    String::from_utf8_lossy(line)
                ),
            )
        };
        if line == b"end_of_record" {
            match current.take() {
                Some(section) => sink.add(&section.path, &[], section.data),
                None => return Err(ParseError::at(lineno, "end_of_record without SF:")),
            }
            continue;
        }
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            return Err(ParseError::at(
                lineno,
                format!(
                    "not an LCOV record: '{}'",
                    String::from_utf8_lossy(&line[..line.len().min(60)])
                ),
            ));
        };
        let (key, value) = (&line[..colon], &line[colon + 1..]);
        if key == b"SF" {
            if let Some(open) = &current {
                return Err(ParseError::at(
                    lineno,
                    format!(
                        "SF: while the section for {} (line {}) has no end_of_record",
                        open.path, open.start
                    ),
                ));
            }
            current = Some(Section {
                path: text(value),
                start: lineno,
                data: FileCov::default(),
                fnl: HashMap::new(),
            });
            continue;
        }
        if matches!(key, b"TN" | b"VER") {
            continue;
        }
        let Some(section) = current.as_mut() else {
            // Records outside SF … end_of_record carry no file; geninfo never writes them.
            return Err(ParseError::at(
                lineno,
                format!(
                    "{} record outside an SF: section",
                    String::from_utf8_lossy(key)
                ),
            ));
        };
        let data = &mut section.data;
        match key {
            b"DA" => {
                let (l, rest) = split2(value).ok_or_else(|| bad("DA"))?;
                let hits = match split2(rest) {
                    Some((h, _checksum)) => h,
                    None => rest,
                };
                let l = parse_line(l).ok_or_else(|| bad("DA"))?;
                let h = parse_hits(hits).ok_or_else(|| bad("DA"))?;
                data.lines.add(l, h);
            }
            b"BRDA" => {
                let (l, rest) = split2(value).ok_or_else(|| bad("BRDA"))?;
                let (block, rest) = split2(rest).ok_or_else(|| bad("BRDA"))?;
                // The branch may be an expression containing commas; the count is the last field.
                let cut = rest
                    .iter()
                    .rposition(|b| *b == b',')
                    .ok_or_else(|| bad("BRDA"))?;
                let (branch, taken) = (&rest[..cut], &rest[cut + 1..]);
                let l = parse_line(l).ok_or_else(|| bad("BRDA"))?;
                let block = block.strip_prefix(b"e").unwrap_or(block);
                let taken = parse_hits(taken).ok_or_else(|| bad("BRDA"))?;
                data.branch((l, id(block), id(branch)), taken);
            }
            b"FN" => {
                let (l, rest) = split2(value).ok_or_else(|| bad("FN"))?;
                let l = parse_line(l).ok_or_else(|| bad("FN"))?;
                // LCOV 2: FN:<start>,<end>,<name>.
                let name = match split2(rest) {
                    Some((end, name)) if parse_u64(end).is_some() => name,
                    _ => rest,
                };
                if name.is_empty() {
                    return Err(bad("FN"));
                }
                data.function(&String::from_utf8_lossy(name), l, 0);
            }
            b"FNDA" => {
                let (h, name) = split2(value).ok_or_else(|| bad("FNDA"))?;
                let h = parse_hits(h).ok_or_else(|| bad("FNDA"))?;
                data.function(&String::from_utf8_lossy(name), 0, h);
            }
            b"FNL" => {
                let (index, rest) = split2(value).ok_or_else(|| bad("FNL"))?;
                let l = split2(rest).map_or(rest, |(l, _end)| l);
                let index = parse_u64(index).ok_or_else(|| bad("FNL"))?;
                let l = parse_line(l).ok_or_else(|| bad("FNL"))?;
                section.fnl.insert(index, l);
            }
            b"FNA" => {
                let (index, rest) = split2(value).ok_or_else(|| bad("FNA"))?;
                let (h, name) = split2(rest).ok_or_else(|| bad("FNA"))?;
                let index = parse_u64(index).ok_or_else(|| bad("FNA"))?;
                let h = parse_hits(h).ok_or_else(|| bad("FNA"))?;
                let l = section.fnl.get(&index).copied().unwrap_or(0);
                section.data.function(&String::from_utf8_lossy(name), l, h);
            }
            // Per-file totals and checksums: recomputed from the records above, as lcov does.
            _ => {}
        }
    }
    if let Some(open) = current {
        return Err(ParseError::at(
            lineno,
            format!(
                "truncated: the section for {} (line {}) has no end_of_record",
                open.path, open.start
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::model::{counts, Coverage};

    fn run(text: &str) -> Result<Coverage, ParseError> {
        crate::coverage::formats::parse_text(parse, text).map(|(cov, _)| cov)
    }

    #[test]
    fn merges_tn_sections_and_duplicate_lines() {
        let cov = run("TN:unit\nSF:a.c\nFN:3,main\nFNDA:0,main\nDA:3,0\nDA:4,0\nDA:4,0\nBRDA:4,0,0,-\nBRDA:4,0,1,1\nend_of_record\nTN:integration\r\nSF:a.c\r\nFN:3,main\r\nFNDA:2,main\r\nDA:3,2\r\nDA:5,0\r\nBRDA:4,0,0,1\r\nend_of_record\r\n").unwrap();
        let f = &cov.files["a.c"];
        assert_eq!(f.line_counts(), counts(1, 3));
        assert_eq!(f.branch_counts(), counts(2, 2));
        assert_eq!(f.function_counts(), counts(1, 1));
    }

    #[test]
    fn lcov2_records() {
        let cov = run("SF:b.c\nFN:1,9,f\nFNL:0,12,20\nFNA:0,3,g\nBRDA:2,e0,(x > 1) == True,1\nBRDA:2,e0,(x > 1) == False,0\nDA:0,1\nend_of_record\n").unwrap();
        let f = &cov.files["b.c"];
        assert_eq!(f.function_counts(), counts(1, 2));
        assert_eq!(f.functions[1], ("g".to_string(), 12, 3));
        assert_eq!(f.branch_counts(), counts(1, 2));
        assert_eq!(f.line_counts(), counts(1, 1));
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            run("SF:a\nDA:x,1\nend_of_record\n").unwrap_err().line,
            Some(2)
        );
        assert_eq!(run("SF:a\nDA:1,1\n").unwrap_err().line, Some(2));
        assert_eq!(run("DA:1,1\n").unwrap_err().line, Some(1));
        assert_eq!(run("SF:a\nSF:b\n").unwrap_err().line, Some(2));
        assert!(run("SF:a\ngarbage\nend_of_record\n").is_err());
    }
}
