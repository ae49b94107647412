//! Merging partial manifests (`--merge`) from matrix jobs into one sorted manifest: identical
//! entries collapse, the same name with two digests is an error naming both parts.

use std::collections::BTreeMap;

use serde::Serialize;

use super::algo::Algorithm;
use super::manifest::{format_manifest, hex_unless_utf8, Entry, LineStyle, Manifest};
use super::paths::manifest_label;
use super::{load_manifest, report, set_outputs, warn_not_utf8, Args, Error, Listing};
use crate::cli::Ctx;
use crate::exit::Exit;
use crate::fsutil::{atomic_write, escaped_text, path_bytes};
use crate::output::write_json;

/// Where an entry came from.
#[derive(Debug, Clone)]
struct Source {
    entry: Entry,
    file: String,
    line: usize,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    manifest: Option<&'a str>,
    parts: &'a [String],
    count: usize,
    /// Name → digest; a name that is not UTF-8 is the key in its escaped form.
    digests: BTreeMap<String, &'a str>,
    /// Escaped name → its exact bytes as hex, for the names that are not UTF-8.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    names_hex: BTreeMap<String, String>,
}

/// Merges parsed parts; every problem is returned, not just the first.
fn merge(parts: Vec<(String, Manifest)>) -> (Vec<Entry>, Vec<Error>) {
    let mut errors = Vec::new();
    // Keyed by the raw bytes: sorted in byte order, what `LC_ALL=C sort` gives.
    let mut merged: BTreeMap<Vec<u8>, Source> = BTreeMap::new();
    let mut algorithm: Option<Algorithm> = None;
    for (file, manifest) in parts {
        for bad in manifest.malformed {
            errors.push(Error::Malformed {
                file: file.clone(),
                line: bad.number,
                reason: bad.reason,
            });
        }
        if manifest.lines.is_empty() {
            errors.push(Error::NoLines { file: file.clone() });
        }
        for l in manifest.lines {
            let expected = *algorithm.get_or_insert(l.entry.algorithm);
            if l.entry.algorithm != expected {
                errors.push(Error::MixedAlgorithms {
                    file: file.clone(),
                    line: l.number,
                    found: l.entry.algorithm,
                    expected,
                });
                continue;
            }
            match merged.get(&l.entry.name) {
                Some(first) if first.entry.digest == l.entry.digest => {}
                Some(first) => errors.push(Error::Conflict {
                    name: l.entry.text_name().into_owned(),
                    first: Box::new(Listing {
                        file: first.file.clone(),
                        line: first.line,
                        digest: first.entry.digest.clone(),
                    }),
                    second: Box::new(Listing {
                        file: file.clone(),
                        line: l.number,
                        digest: l.entry.digest.clone(),
                    }),
                }),
                None => {
                    merged.insert(
                        l.entry.name.clone(),
                        Source {
                            entry: l.entry,
                            file: file.clone(),
                            line: l.number,
                        },
                    );
                }
            }
        }
    }
    (merged.into_values().map(|s| s.entry).collect(), errors)
}

/// Merges the manifests in `args.paths` into `args.output` (or standard output).
pub fn run(args: &Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let mut worst = Exit::Ok;
    let mut parts = Vec::new();
    let labels: Vec<String> = args.paths.iter().map(|a| manifest_label(a)).collect();
    for (arg, label) in args.paths.iter().zip(&labels) {
        if let Some(m) = load_manifest(ctx, arg, &mut worst) {
            parts.push((label.clone(), m));
        }
    }
    let (entries, errors) = merge(parts);
    for e in errors {
        worst = worst.worst(report(ctx, e));
    }
    if worst != Exit::Ok {
        // A merged manifest with a conflict or a hole in it would be worse than none.
        return Ok(worst);
    }
    let style = if args.tag {
        LineStyle::Tag
    } else {
        LineStyle::Gnu
    };
    let text = format_manifest(&entries, style);
    let manifest = match &args.output {
        Some(out) => {
            atomic_write(out, &text)?;
            Some(escaped_text(path_bytes(out)).into_owned())
        }
        None => None,
    };
    warn_not_utf8(ctx, args, entries.iter().map(|e| e.name.as_slice()));
    if args.output_args.json {
        write_json(
            ctx.out,
            &Report {
                manifest: manifest.as_deref(),
                parts: &labels,
                count: entries.len(),
                digests: entries
                    .iter()
                    .map(|e| (e.text_name().into_owned(), e.digest.as_str()))
                    .collect(),
                names_hex: entries
                    .iter()
                    .filter_map(|e| Some((e.text_name().into_owned(), hex_unless_utf8(&e.name)?)))
                    .collect(),
            },
        )?;
    } else if manifest.is_none() {
        ctx.out.write_all(&text)?;
    } else if !ctx.gha.is_actions() {
        eprintln!(
            "checksum: merged {} parts into {} ({} entries)",
            labels.len(),
            manifest.as_deref().unwrap_or_default(),
            entries.len()
        );
    }
    if ctx.gha.is_actions() {
        set_outputs(
            ctx,
            manifest.as_deref().unwrap_or_default(),
            entries
                .iter()
                .map(|e| (e.name.as_slice(), e.digest.as_str())),
        )?;
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::manifest::parse;

    fn part(file: &str, text: &str) -> (String, Manifest) {
        (file.to_string(), parse(text.as_bytes()))
    }

    #[test]
    fn identical_entries_collapse_and_the_result_is_sorted() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let (entries, errors) = merge(vec![
            part("l", &format!("{b}  z\n{a}  x\n")),
            part("m", &format!("{a}  x\n{a}  y\n")),
        ]);
        assert!(errors.is_empty());
        let names: Vec<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
        assert_eq!(names, vec![b"x", b"y", b"z"]);
    }

    #[test]
    fn conflicts_name_both_parts() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let (_, errors) = merge(vec![
            part("linux/SHA256SUMS", &format!("{a}  x\n")),
            part("mac/SHA256SUMS", &format!("{b}  x\n")),
        ]);
        let msg = errors[0].to_string();
        assert!(
            msg.starts_with("x: conflicting digests: linux/SHA256SUMS:1 has aaaa"),
            "{msg}"
        );
        assert!(msg.contains("mac/SHA256SUMS:1 has bbbb"), "{msg}");
    }

    #[test]
    fn mixed_algorithms_are_refused() {
        let (_, errors) = merge(vec![part(
            "p",
            &format!("{}  x\n{}  y\n", "a".repeat(64), "a".repeat(128)),
        )]);
        assert!(matches!(errors[0], Error::MixedAlgorithms { line: 2, .. }));
    }
}
