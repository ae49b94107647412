//! Verifying manifests (`--check`): every line of every manifest, files hashed in parallel,
//! results printed in manifest order the way GNU `sha256sum -c` prints them.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use serde::Serialize;

use super::algo::Algorithm;
use super::hash::hash_all;
use super::manifest::{display_name, hex_unless_utf8};
use super::paths::{manifest_label, read_manifest, stays_inside};
use super::{load_manifest, report, set_outputs, warn_not_utf8, Args, Error};
use crate::cli::Ctx;
use crate::exit::Exit;
use crate::fsutil::{escaped_text, path_from_bytes};
use crate::gha::{Annotation, Level};
use crate::output::{write_json, Align, Table};
use crate::signature::{Good, Trusted};

/// What verifying one line found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Failed,
    Missing,
    Unreadable,
}

/// One manifest line to verify.
struct Item {
    manifest: usize,
    line: usize,
    algorithm: Algorithm,
    expected: String,
    /// The name's raw bytes, as the manifest holds them.
    name: Vec<u8>,
    path: PathBuf,
}

/// One verified line, as reported in JSON: `name` is text (escaped losslessly when the name is
/// not UTF-8, with its exact bytes in `name_hex`).
#[derive(Debug, Serialize)]
struct LineResult<'a> {
    manifest: &'a str,
    line: usize,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name_hex: Option<String>,
    /// The raw name, printed as it is in `name: OK` lines like `sha256sum -c`.
    #[serde(skip)]
    raw: &'a [u8],
    algorithm: Algorithm,
    status: Status,
    expected: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct Counts {
    ok: usize,
    failed: usize,
    missing: usize,
    unreadable: usize,
    malformed: usize,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    manifests: &'a [String],
    /// The manifest's good signature, with --signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<&'a Good>,
    results: &'a [LineResult<'a>],
    counts: &'a Counts,
}

/// Verifies the manifests in `args.paths`.
pub fn run(args: &Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let base = args.base.clone().unwrap_or_else(|| PathBuf::from("."));
    let labels: Vec<String> = args.paths.iter().map(|a| manifest_label(a)).collect();
    let mut worst = Exit::Ok;
    let mut counts = Counts::default();
    let mut items = Vec::new();
    let mut has_lines = vec![false; labels.len()];
    let (mut signed, signature) = match &args.signature {
        Some(sig) => {
            let (manifest, good) = signed_manifest(args, sig)?;
            (Some(manifest), Some(good))
        }
        None => (None, None),
    };
    if let Some(good) = &signature {
        if !args.status && !args.output_args.json {
            eprintln!(
                "checksum: {}: Good signature from {}",
                labels[0],
                good.describe()
            );
        }
    }
    for (m, arg) in args.paths.iter().enumerate() {
        let label = &labels[m];
        let Some(manifest) = signed
            .take()
            .or_else(|| load_manifest(ctx, arg, &mut worst))
        else {
            continue;
        };
        if manifest.bom && !args.status {
            warn(
                ctx,
                label,
                None,
                "the UTF-8 byte order mark is ignored (older sha256sum and shasum reject it)",
            );
        }
        for bad in &manifest.malformed {
            counts.malformed += 1;
            if args.strict {
                worst = worst.worst(report(
                    ctx,
                    Error::Malformed {
                        file: label.clone(),
                        line: bad.number,
                        reason: bad.reason.clone(),
                    },
                ));
            } else if !args.status {
                warn(
                    ctx,
                    label,
                    Some(bad.number),
                    &format!("skipping malformed line: {}", bad.reason),
                );
            }
        }
        if manifest.lines.is_empty() {
            worst = worst.worst(report(
                ctx,
                Error::NoLines {
                    file: label.clone(),
                },
            ));
            continue;
        }
        has_lines[m] = true;
        for line in manifest.lines {
            if !args.allow_outside && !stays_inside(&line.entry.name) {
                worst = worst.worst(report(
                    ctx,
                    Error::Outside {
                        file: label.clone(),
                        line: line.number,
                        name: line.entry.text_name().into_owned(),
                    },
                ));
                continue;
            }
            // The file is looked up by the name's exact bytes (a Latin-1 name included), as
            // `sha256sum -c` does; only an OS whose names must be Unicode cannot hold it.
            let Some(path) = path_from_bytes(&line.entry.name).map(|p| base.join(p)) else {
                worst = worst.worst(report(
                    ctx,
                    Error::Malformed {
                        file: label.clone(),
                        line: line.number,
                        reason: format!(
                            "{}: the file name is not UTF-8, which this OS cannot hold",
                            line.entry.text_name()
                        ),
                    },
                ));
                continue;
            };
            items.push(Item {
                manifest: m,
                line: line.number,
                algorithm: line.entry.algorithm,
                path,
                expected: line.entry.digest,
                name: line.entry.name,
            });
        }
    }

    let hashed = hash_all(&items, |item| (item.algorithm, item.path.as_path()));
    let mut results = Vec::with_capacity(items.len());
    let mut verified = vec![0usize; labels.len()];
    for (item, result) in items.iter().zip(hashed) {
        let (status, actual, error) = match result {
            Ok(h) if h.digest == item.expected => (Status::Ok, Some(h.digest), None),
            Ok(h) => (Status::Failed, Some(h.digest), None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Status::Missing, None, None),
            Err(e) => (Status::Unreadable, None, Some(e.to_string())),
        };
        if status == Status::Missing && args.ignore_missing {
            continue;
        }
        verified[item.manifest] += 1;
        match status {
            Status::Ok => counts.ok += 1,
            Status::Failed => counts.failed += 1,
            Status::Missing => counts.missing += 1,
            Status::Unreadable => counts.unreadable += 1,
        }
        results.push(LineResult {
            manifest: &labels[item.manifest],
            line: item.line,
            name: escaped_text(&item.name).into_owned(),
            name_hex: hex_unless_utf8(&item.name),
            raw: &item.name,
            algorithm: item.algorithm,
            status,
            expected: &item.expected,
            actual,
            error,
        });
    }
    for (m, label) in labels.iter().enumerate() {
        if args.ignore_missing && has_lines[m] && verified[m] == 0 {
            worst = worst.worst(report(
                ctx,
                Error::NothingVerified {
                    file: label.clone(),
                },
            ));
        }
    }

    warn_not_utf8(ctx, args, results.iter().map(|r| r.raw));
    if args.output_args.json {
        write_json(
            ctx.out,
            &Report {
                manifests: &labels,
                signature: signature.as_ref(),
                results: &results,
                counts: &counts,
            },
        )?;
    } else if !args.status {
        for r in &results {
            let word = match r.status {
                Status::Ok if args.quiet => continue,
                Status::Ok => "OK",
                Status::Failed => "FAILED",
                Status::Missing => "MISSING",
                Status::Unreadable => "FAILED open or read",
            };
            if let Some(e) = &r.error {
                eprintln!("checksum: {}: {e}", r.name);
            }
            // Bytes, not text: a name that is not UTF-8 is printed as GNU prints it.
            ctx.out.write_all(&display_name(r.raw))?;
            writeln!(ctx.out, ": {word}")?;
        }
        summary_warnings(&counts, args.strict);
    }
    annotate_failures(ctx, &results);
    publish(ctx, &labels, &results, signature.as_ref())?;
    let failed = counts.failed + counts.missing + counts.unreadable > 0;
    Ok(worst.worst(if failed { Exit::Failed } else { Exit::Ok }))
}

/// With --signature: reads the one manifest and its signature, checks the signature with the
/// trusted keys, and only then parses the manifest. A bad or untrusted signature is exit 1
/// before any file is hashed.
fn signed_manifest(
    args: &Args,
    sig: &std::path::Path,
) -> Result<(super::manifest::Manifest, Good), Error> {
    let [manifest] = args.paths.as_slice() else {
        return Err(Error::Usage(format!(
            "--signature covers one manifest, but {} were given; check them one at a time",
            args.paths.len()
        )));
    };
    if manifest == "-" && sig.as_os_str() == "-" {
        return Err(Error::Usage(
            "the manifest and its signature cannot both come from standard input".to_string(),
        ));
    }
    let trusted = Trusted::load(&args.key, args.keyring.as_deref())?;
    let bytes = read_manifest(manifest)?;
    let sig_bytes = read_manifest(sig.as_os_str())?;
    let good = trusted.verify_detached(
        &sig_bytes,
        &manifest_label(sig.as_os_str()),
        &mut io::Cursor::new(&bytes),
    )?;
    Ok((super::manifest::parse(&bytes), good))
}

/// A warning on stderr (an annotation inside Actions).
fn warn(ctx: &Ctx, file: &str, line: Option<usize>, message: &str) {
    ctx.gha.annotate(
        Level::Warning,
        &Annotation::new(message)
            .at(file, line.map(|l| l as u64))
            .title("checksum"),
    );
}

/// GNU's closing warnings: how many lines failed in which way.
fn summary_warnings(c: &Counts, strict: bool) {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    if c.malformed > 0 && !strict {
        eprintln!(
            "checksum: WARNING: {}",
            plural(
                c.malformed,
                "line is improperly formatted",
                "lines are improperly formatted"
            )
        );
    }
    if c.missing > 0 {
        eprintln!(
            "checksum: WARNING: {}",
            plural(
                c.missing,
                "listed file is missing",
                "listed files are missing"
            )
        );
    }
    if c.unreadable > 0 {
        eprintln!(
            "checksum: WARNING: {}",
            plural(
                c.unreadable,
                "listed file could not be read",
                "listed files could not be read"
            )
        );
    }
    if c.failed > 0 {
        eprintln!(
            "checksum: WARNING: {}",
            plural(
                c.failed,
                "computed checksum did NOT match",
                "computed checksums did NOT match"
            )
        );
    }
}

/// One `::error` per file that did not verify, on the manifest line that lists it.
fn annotate_failures(ctx: &Ctx, results: &[LineResult]) {
    if !ctx.gha.is_actions() {
        return;
    }
    for r in results {
        let message = match r.status {
            Status::Ok => continue,
            Status::Failed => format!(
                "{}: {} checksum mismatch: expected {}, got {}",
                r.name,
                r.algorithm,
                r.expected,
                r.actual.as_deref().unwrap_or_default()
            ),
            Status::Missing => format!("{}: file is missing", r.name),
            Status::Unreadable => format!(
                "{}: cannot read: {}",
                r.name,
                r.error.as_deref().unwrap_or_default()
            ),
        };
        ctx.gha.annotate(
            Level::Error,
            &Annotation::new(message)
                .at(r.manifest, Some(r.line as u64))
                .title("checksum"),
        );
    }
}

/// Step outputs (the verified digests) and the job summary table, inside Actions.
fn publish(
    ctx: &Ctx,
    labels: &[String],
    results: &[LineResult],
    signature: Option<&Good>,
) -> Result<(), Error> {
    if !ctx.gha.is_actions() {
        return Ok(());
    }
    if let Some(good) = signature {
        ctx.gha.set_output("signed-by", &good.fingerprint)?;
    }
    let digests: BTreeMap<&[u8], &str> = results
        .iter()
        .filter(|r| r.status == Status::Ok)
        .map(|r| (r.raw, r.expected))
        .collect();
    let verified = digests.len();
    set_outputs(ctx, &labels.join("\n"), digests)?;
    let mut table = Table::new(&[
        ("File", Align::Left),
        ("Status", Align::Left),
        ("Manifest", Align::Left),
    ]);
    for r in results {
        let status = match r.status {
            Status::Ok => "✅ OK",
            Status::Failed => "❌ FAILED",
            Status::Missing => "❌ MISSING",
            Status::Unreadable => "❌ UNREADABLE",
        };
        table.row([
            r.name.clone(),
            status.to_string(),
            format!("{}:{}", r.manifest, r.line),
        ]);
    }
    let signed = match signature {
        Some(good) => format!("Manifest signature good: {}.\n\n", good.describe()),
        None => String::new(),
    };
    let markdown = format!(
        "### Checksum verification: {} of {} OK\n\n{signed}{}",
        verified,
        results.len(),
        table.to_markdown()
    );
    ctx.gha.append_summary(&markdown)?;
    Ok(())
}
