//! Linting manifests (`--lint`): what in a manifest would make another verifier (older GNU
//! coreutils, perl `shasum`, a user's `sha256sum -c` on downloaded release assets) fail.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::manifest::{LineForm, Manifest};
use super::paths::{manifest_label, stays_inside};
use super::{load_manifest, report, set_outputs, Args, Error};
use crate::cli::Ctx;
use crate::exit::Exit;
use crate::fsutil::escaped_text;
use crate::gha::{Annotation, Level};
use crate::output::write_json;

/// One problem found in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// 1-based line, or `None` for the whole file.
    pub line: Option<usize>,
    /// A stable identifier of the kind of problem (`crlf`, `bom`, `one-space`, …).
    pub kind: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

#[derive(Debug, Serialize)]
struct FileReport {
    manifest: String,
    lines: usize,
    findings: Vec<Finding>,
}

/// Everything wrong with a parsed manifest, in line order (whole-file findings first).
pub fn lint(m: &Manifest) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut add = |line: Option<usize>, kind: &'static str, message: String| {
        out.push(Finding {
            line,
            kind,
            message,
        })
    };
    if m.bom {
        add(None, "bom", "starts with a UTF-8 byte order mark, which older sha256sum and perl shasum reject; save the file without BOM".into());
    }
    if let Some(&first) = m.crlf.first() {
        add(Some(first), "crlf", format!("{} line(s) end in CRLF, which older sha256sum and perl shasum reject; write LF line endings", m.crlf.len()));
    }
    let algorithms: BTreeSet<_> = m.lines.iter().map(|l| l.entry.algorithm).collect();
    if algorithms.len() > 1 {
        let names: Vec<&str> = algorithms.iter().map(|a| a.name()).collect();
        add(None, "mixed-algorithms", format!("mixes {}; `sha256sum -c` reads only SHA-256 lines, so keep one algorithm per manifest", names.join(", ")));
    }
    if let Some(prefix) = common_directory(m) {
        let prefix = escaped_text(prefix);
        add(None, "directory-prefix", format!("every name starts with `{prefix}/`; users verifying downloaded release assets have flat files; create the manifest with --base {prefix}"));
    }
    let mut by_line: Vec<Finding> = Vec::new();
    let mut seen: BTreeMap<&[u8], (usize, &str)> = BTreeMap::new();
    let mut previous: Option<&[u8]> = None;
    let mut reported_unsorted = false;
    for bad in &m.malformed {
        by_line.push(Finding {
            line: Some(bad.number),
            kind: "malformed",
            message: format!("malformed line: {}", bad.reason),
        });
    }
    for l in &m.lines {
        let raw = l.entry.name.as_slice();
        let name = l.entry.text_name();
        let mut push = |kind: &'static str, message: String| {
            by_line.push(Finding {
                line: Some(l.number),
                kind,
                message,
            })
        };
        if l.form == LineForm::OneSpace {
            push("one-space", "one space between digest and name; perl shasum rejects it; use two spaces (`<hex>  <name>`)".into());
        }
        if std::str::from_utf8(raw).is_err() {
            push("not-utf8", format!("{name}: the file name is not valid UTF-8 (Latin-1?); GNU sha256sum verifies it, but a GitHub release asset, macOS and Windows cannot have that name, so users cannot verify the download; rename the file to UTF-8"));
        }
        if raw.starts_with(b"./") {
            push(
                "dot-slash",
                format!(
                    "{name}: the `./` prefix does not match names of downloaded files; drop it"
                ),
            );
        }
        if !stays_inside(raw) {
            let kind = if raw.split(|&b| b == b'/' || b == b'\\').any(|p| p == b"..") {
                "parent-dir"
            } else {
                "absolute"
            };
            push(kind, format!("{name}: an absolute or `..` path (a runner's path?) that verifiers refuse or cannot find; write names relative to the release directory"));
        }
        match seen.get(raw) {
            Some(&(first, digest)) if digest == l.entry.digest => push("duplicate", format!("{name}: listed again (first on line {first})")),
            Some(&(first, _)) => push("conflict", format!("{name}: listed again with a different digest (first on line {first}); one of them fails")),
            None => {
                seen.insert(raw, (l.number, &l.entry.digest));
            }
        }
        if let Some(prev) = previous {
            // Byte order, what `LC_ALL=C sort` and `checksum` give.
            if raw < prev && !reported_unsorted {
                reported_unsorted = true;
                let prev = escaped_text(prev);
                push("unsorted", format!("{name}: not sorted by name (comes after {prev}); sorted manifests diff cleanly between releases"));
            }
        }
        previous = Some(raw);
    }
    by_line.sort_by_key(|f| f.line);
    out.extend(by_line);
    out
}

/// The first directory every name shares, when all names have one (`dist` for `dist/a`,
/// `dist/b`).
fn common_directory(m: &Manifest) -> Option<&[u8]> {
    let mut first: Option<&[u8]> = None;
    for l in &m.lines {
        let slash = l.entry.name.iter().position(|&b| b == b'/')?;
        let dir = &l.entry.name[..slash];
        if dir.is_empty() || dir == b"." || dir == b".." {
            return None;
        }
        match first {
            None => first = Some(dir),
            Some(d) if d == dir => {}
            Some(_) => return None,
        }
    }
    first
}

/// Lints the manifests in `args.paths`.
pub fn run(args: &Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let mut worst = Exit::Ok;
    let mut reports = Vec::new();
    let mut entries = Vec::new();
    for arg in &args.paths {
        let label = manifest_label(arg);
        let Some(m) = load_manifest(ctx, arg, &mut worst) else {
            continue;
        };
        if m.lines.is_empty() {
            worst = worst.worst(report(ctx, Error::NoLines { file: label }));
            continue;
        }
        let findings = lint(&m);
        if !findings.is_empty() {
            worst = worst.worst(Exit::Failed);
        }
        reports.push(FileReport {
            manifest: label,
            lines: m.lines.len(),
            findings,
        });
        entries.extend(m.lines.into_iter().map(|l| l.entry));
    }
    // Names only reach text here inside findings' messages, escaped, and the step outputs.
    if ctx.gha.is_actions() {
        super::warn_not_utf8(ctx, args, entries.iter().map(|e| e.name.as_slice()));
    }
    if args.output_args.json {
        write_json(ctx.out, &reports)?;
    } else {
        for r in &reports {
            if r.findings.is_empty() {
                writeln!(ctx.out, "{}: OK, no problems found", r.manifest)?;
            }
            for f in &r.findings {
                let place = f
                    .line
                    .map(|l| format!("{}:{l}", r.manifest))
                    .unwrap_or_else(|| r.manifest.clone());
                writeln!(ctx.out, "{place}: {}: {}", f.kind, f.message)?;
            }
        }
    }
    if ctx.gha.is_actions() {
        for r in &reports {
            for f in &r.findings {
                ctx.gha.annotate(
                    Level::Warning,
                    &Annotation::new(f.message.clone())
                        .at(r.manifest.clone(), f.line.map(|l| l as u64))
                        .title(format!("checksum lint: {}", f.kind)),
                );
            }
        }
        let labels: Vec<&str> = reports.iter().map(|r| r.manifest.as_str()).collect();
        let digests: BTreeMap<&[u8], &str> = entries
            .iter()
            .map(|e| (e.name.as_slice(), e.digest.as_str()))
            .collect();
        set_outputs(ctx, &labels.join("\n"), digests)?;
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::manifest::parse;
    use pretty_assertions::assert_eq;

    const H: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn kinds(text: &str) -> Vec<(Option<usize>, &'static str)> {
        lint(&parse(text.as_bytes()))
            .into_iter()
            .map(|f| (f.line, f.kind))
            .collect()
    }

    #[test]
    fn clean_manifests_have_no_findings() {
        assert_eq!(kinds(&format!("{H}  a\n{H}  b/c\n")), vec![]);
    }

    #[test]
    fn finds_what_breaks_other_verifiers() {
        let sha512 = "a".repeat(128);
        let text = format!(
            "\u{feff}{H}  ./b\r\n{H} a\n{H}  /home/runner/work/x\n{H}  a\n{H}  ../up\n{sha512}  z\n"
        );
        assert_eq!(
            kinds(&text),
            vec![
                (None, "bom"),
                (Some(1), "crlf"),
                (None, "mixed-algorithms"),
                (Some(1), "dot-slash"),
                (Some(2), "one-space"),
                (Some(3), "absolute"),
                (Some(3), "unsorted"),
                (Some(4), "duplicate"),
                (Some(5), "parent-dir"),
            ]
        );
    }

    #[test]
    fn a_shared_build_directory_is_reported_once() {
        assert_eq!(
            kinds(&format!("{H}  dist/a\n{H}  dist/b\n")),
            vec![(None, "directory-prefix")]
        );
        assert_eq!(kinds(&format!("{H}  dist/a\n{H}  z\n")), vec![]);
        assert_eq!(
            kinds(&format!("{H}  a\n{}  a\nnonsense\n", "b".repeat(64))),
            vec![(Some(2), "conflict"), (Some(3), "malformed")]
        );
    }
}
