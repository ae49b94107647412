//! Go coverprofile parser (`go test -coverprofile`, modes `set`, `count` and `atomic`): blocks
//! are statements weighted by their statement count; lines are derived from the blocks.

use std::collections::BTreeMap;
use std::io::BufRead;

use super::formats::{ParseError, Sink};
use super::lcov::parse_u64;
use super::model::FileCov;

/// Longest block, in lines, accepted (a guard against absurd input).
const MAX_SPAN: u32 = 1_000_000;

fn position(s: &str) -> Option<(u32, u32)> {
    let (l, c) = s.split_once('.')?;
    Some((l.parse().ok()?, c.parse().ok()?))
}

/// Parses a coverprofile into `sink`. Duplicate blocks (one per test binary with `-coverpkg`)
/// are merged first, as `go tool cover` does; then a line counts as covered only when every block
/// touching it ran, so `} else {` is not covered by the branch that ran.
pub fn parse(reader: &mut dyn BufRead, sink: &mut Sink) -> Result<(), ParseError> {
    let mut files: BTreeMap<String, FileCov> = BTreeMap::new();
    let mut lineno = 0u64;
    let mut line = String::new();
    let mut mode_seen = false;
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| ParseError::at(lineno + 1, format!("cannot read: {e}")))?;
        if read == 0 {
            break;
        }
        lineno += 1;
        let text = line.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        if let Some(mode) = text.strip_prefix("mode:") {
            if !matches!(mode.trim(), "set" | "count" | "atomic") {
                return Err(ParseError::at(
                    lineno,
                    format!("unknown coverprofile mode '{}'", mode.trim()),
                ));
            }
            mode_seen = true;
            continue;
        }
        if !mode_seen {
            return Err(ParseError::at(
                lineno,
                "a coverprofile starts with 'mode: set|count|atomic'",
            ));
        }
        let bad = || {
            ParseError::at(
                lineno,
                format!("malformed block '{text}' (want file:l.c,l.c stmts count)"),
            )
        };
        let mut fields = text.rsplitn(3, ' ');
        let (Some(count), Some(stmts), Some(rest)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(bad());
        };
        let (file, span) = rest.rsplit_once(':').ok_or_else(bad)?;
        let (start, end) = span.split_once(',').ok_or_else(bad)?;
        let (sl, sc) = position(start).ok_or_else(bad)?;
        let (el, ec) = position(end).ok_or_else(bad)?;
        let stmts = parse_u64(stmts.as_bytes())
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(bad)?;
        let count = parse_u64(count.as_bytes()).ok_or_else(bad)?;
        if el < sl || el - sl > MAX_SPAN || file.is_empty() {
            return Err(bad());
        }
        files
            .entry(file.to_string())
            .or_default()
            .statement((sl, sc, el, ec), stmts, count);
    }
    if !mode_seen {
        return Err(ParseError::new("an empty coverprofile (no 'mode:' line)"));
    }
    for (path, mut data) in files {
        data.normalize();
        for &((sl, _, el, _), weight, hits) in &data.statements {
            if weight == 0 {
                continue;
            }
            for l in sl..=el {
                data.lines.add_min(l, hits);
            }
        }
        sink.add(&path, &[], data);
    }
    Ok(())
}
