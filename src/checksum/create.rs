//! Creating manifests: select the files, name them relative to the base directory, hash them in
//! parallel, and write the sorted manifest (and sidecars) atomically.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::algo::Algorithm;
use super::hash::{hash_all, Hashed};
use super::manifest::{format_line, format_manifest, hex_unless_utf8, Entry, LineStyle};
use super::paths::{current_dir, name_under, normalize};
use super::{report, warn_not_utf8, Args, Error};
use crate::cli::Ctx;
use crate::exit::{Exit, FileError};
use crate::fsutil::{atomic_write, escaped_text, path_bytes};
use crate::gha::{Annotation, Level};
use crate::output::{human_bytes, write_json, Align, Table};
use crate::select::{select, SelectOptions};

/// A file to hash and the name it gets in the manifest.
struct Job {
    path: PathBuf,
    /// The manifest name: raw bytes, as the manifest holds them.
    name: Vec<u8>,
}

/// One hashed file, as reported in JSON. Every name and path is text: a UTF-8 one as it is, any
/// other escaped losslessly ([`escaped_text`]) with its exact bytes in the `…_hex` field beside
/// it (absent for UTF-8).
#[derive(Debug, Serialize)]
struct FileReport {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name_hex: Option<String>,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_hex: Option<String>,
    size: u64,
    digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sidecar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sidecar_hex: Option<String>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    algorithm: Algorithm,
    manifest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manifest_hex: Option<String>,
    count: usize,
    files: &'a [FileReport],
    skipped: Vec<Skipped>,
}

#[derive(Debug, Serialize)]
struct Skipped {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_hex: Option<String>,
    reason: String,
    /// The path's bytes, for the warning when it is not UTF-8.
    #[serde(skip)]
    raw: Vec<u8>,
}

impl Skipped {
    fn new(path: &Path, reason: String) -> Self {
        let raw = path_bytes(path).to_vec();
        Skipped {
            path: escaped_text(&raw).into_owned(),
            path_hex: hex_unless_utf8(&raw),
            reason,
            raw,
        }
    }
}

/// A path as text for messages: as it is when UTF-8, else escaped losslessly.
fn shown(path: &Path) -> String {
    escaped_text(path_bytes(path)).into_owned()
}

/// Creates a manifest from `args.paths`.
pub fn run(args: &Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let algo = args.algorithm;
    let style = if args.tag {
        LineStyle::Tag
    } else {
        LineStyle::Gnu
    };
    let selection = select(
        &args.paths,
        &SelectOptions {
            follow_links: args.follow,
        },
    )?;
    let mut skipped: Vec<Skipped> = selection
        .skipped
        .iter()
        .map(|(p, reason)| {
            Skipped::new(
                p,
                if reason == crate::select::LINK_NOT_FOLLOWED {
                    "symbolic link not followed while walking (pass --follow, or name the file explicitly)"
                        .to_string()
                } else {
                    reason.clone()
                },
            )
        })
        .collect();
    // Links passed over are worth a notice; the manifest itself and old sidecars, skipped on
    // every re-run, are only listed in the JSON report.
    if !args.output_args.json {
        for s in &skipped {
            ctx.gha.annotate(
                Level::Notice,
                &Annotation::new(format!("skipped {}: {}", s.path, s.reason)).title("checksum"),
            );
        }
    }

    let cwd = current_dir()?;
    let base = normalize(&cwd, args.base.as_deref().unwrap_or(Path::new(".")));
    // The manifest never lists itself, nor (with --sidecar) the sidecars of an earlier run.
    let own = args.output.as_deref().map(|o| normalize(&cwd, o));
    let sidecar_ext = format!(".{}", algo.name());
    let mut jobs: Vec<Job> = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &selection.files {
        let absolute = normalize(&cwd, &file.path);
        if own.as_deref() == Some(absolute.as_path())
            || is_output(args.output.as_deref(), &file.path)
        {
            skipped.push(Skipped::new(
                &file.path,
                "the manifest being written".to_string(),
            ));
            continue;
        }
        if args.sidecar
            && !file.explicit
            && path_bytes(&file.path).ends_with(sidecar_ext.as_bytes())
        {
            skipped.push(Skipped::new(
                &file.path,
                "a sidecar checksum file".to_string(),
            ));
            continue;
        }
        let Some(name) = name_under(&absolute, &base) else {
            return Err(Error::OutsideBase {
                path: shown(&file.path),
                base: shown(&base),
            });
        };
        if seen.insert(name.clone()) {
            jobs.push(Job {
                path: file.path.clone(),
                name,
            });
        }
    }
    if jobs.is_empty() {
        return Err(Error::NothingLeft);
    }
    // Sorted by name, byte order (what `LC_ALL=C sort` gives), whatever order the walk found.
    jobs.sort_by(|a, b| a.name.cmp(&b.name));

    let results = hash_all(&jobs, |job| (algo, job.path.as_path()));
    let mut worst = Exit::Ok;
    let mut hashed: Vec<(&Job, Hashed)> = Vec::with_capacity(jobs.len());
    for (job, result) in jobs.iter().zip(results) {
        match result {
            Ok(h) => hashed.push((job, h)),
            Err(source) => {
                worst = worst.worst(report(
                    ctx,
                    Error::File(FileError::Read {
                        path: shown(&job.path),
                        source,
                    }),
                ));
            }
        }
    }
    if worst != Exit::Ok {
        // Never a manifest with holes in it.
        return Ok(worst);
    }

    let entries: Vec<Entry> = hashed
        .iter()
        .map(|(job, h)| Entry {
            algorithm: algo,
            digest: h.digest.clone(),
            name: job.name.clone(),
        })
        .collect();
    let text = format_manifest(&entries, style);
    if let Some(out) = &args.output {
        atomic_write(out, &text)?;
    }

    let mut files = Vec::with_capacity(hashed.len());
    for ((job, h), entry) in hashed.iter().zip(&entries) {
        let sidecar = if args.sidecar {
            Some(write_sidecar(&job.path, entry, style, &sidecar_ext)?)
        } else {
            None
        };
        let path = path_bytes(&job.path);
        let sidecar = sidecar.as_deref().map(path_bytes);
        files.push(FileReport {
            name: escaped_text(&job.name).into_owned(),
            name_hex: hex_unless_utf8(&job.name),
            path: escaped_text(path).into_owned(),
            path_hex: hex_unless_utf8(path),
            size: h.size,
            digest: h.digest.clone(),
            sidecar: sidecar.map(|s| escaped_text(s).into_owned()),
            sidecar_hex: sidecar.and_then(hex_unless_utf8),
        });
    }
    let manifest = args.output.as_deref().map(path_bytes);
    // The names (and paths, which hold them) shown escaped in a text output are named in a
    // warning; the manifest itself keeps their bytes.
    let mut escaped: Vec<&[u8]> = Vec::new();
    if args.output_args.json {
        escaped.extend(manifest);
        escaped.extend(skipped.iter().map(|s| s.raw.as_slice()));
    }
    escaped.extend(hashed.iter().map(|(job, _)| path_bytes(&job.path)));
    warn_not_utf8(ctx, args, escaped);
    let manifest_hex = manifest.and_then(hex_unless_utf8);
    let manifest = manifest.map(|m| escaped_text(m).into_owned());

    if args.output_args.json {
        write_json(
            ctx.out,
            &Report {
                algorithm: algo,
                manifest: manifest.clone(),
                manifest_hex,
                count: files.len(),
                files: &files,
                skipped,
            },
        )?;
    } else if args.output.is_none() {
        ctx.out.write_all(&text)?;
    } else if !ctx.gha.is_actions() {
        eprintln!(
            "checksum: wrote {} {} checksums to {}",
            files.len(),
            algo,
            manifest.as_deref().unwrap_or_default()
        );
    }
    publish(ctx, algo, manifest.as_deref(), &hashed, &files)?;
    Ok(Exit::Ok)
}

/// True when `output` exists and is the same file as `path` reached another way (a link to a
/// directory on the way). Only files with the output's name are resolved, to keep 10,000-file
/// runs free of extra syscalls.
fn is_output(output: Option<&Path>, path: &Path) -> bool {
    let Some(output) = output else { return false };
    if output.file_name() != path.file_name() {
        return false;
    }
    match (std::fs::canonicalize(output), std::fs::canonicalize(path)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes `<file>.<algo>` next to the file: one line naming the file by its bare name, so
/// `sha256sum -c` in that directory verifies it.
fn write_sidecar(
    path: &Path,
    entry: &Entry,
    style: LineStyle,
    ext: &str,
) -> Result<PathBuf, Error> {
    let file_name = path.file_name().unwrap_or(path.as_os_str());
    let bare = Entry {
        name: file_name.as_encoded_bytes().to_vec(),
        ..entry.clone()
    };
    let mut target = path.as_os_str().to_owned();
    target.push(ext);
    let target = PathBuf::from(target);
    atomic_write(&target, &format_line(&bare, style))?;
    Ok(target)
}

/// Step outputs and the job summary table, inside Actions.
fn publish(
    ctx: &Ctx,
    algo: Algorithm,
    manifest: Option<&str>,
    hashed: &[(&Job, Hashed)],
    files: &[FileReport],
) -> Result<(), Error> {
    if !ctx.gha.is_actions() {
        return Ok(());
    }
    let digests: BTreeMap<&[u8], &str> = hashed
        .iter()
        .map(|(job, h)| (job.name.as_slice(), h.digest.as_str()))
        .collect();
    let mut table = Table::new(&[
        ("File", Align::Left),
        ("Size", Align::Right),
        (algo.tag(), Align::Left),
    ]);
    for f in files {
        table.row([
            f.name.clone(),
            human_bytes(f.size),
            format!("`{}`", f.digest),
        ]);
    }
    let title = match manifest {
        Some(m) => format!("### Checksums: `{m}` ({} files)\n\n", files.len()),
        None => format!("### Checksums ({} files)\n\n", files.len()),
    };
    super::set_outputs(ctx, manifest.unwrap_or_default(), digests)?;
    ctx.gha
        .append_summary(&format!("{title}{}", table.to_markdown()))?;
    Ok(())
}
