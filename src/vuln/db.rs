//! The offline database: OSV's per-ecosystem `all.zip` exports (`DIR/<Ecosystem>/all.zip`, the
//! layout of OSV's export bucket and of `osv-scanner --offline`'s cache), read in parallel and
//! indexed by the packages being checked, so that only the records that matter are kept whole.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::osv::{normalize_name, PackageKey, Record};
use super::version::Ecosystem;
use super::Error;

/// Records by the package they affect.
pub type Index = HashMap<PackageKey, Vec<Arc<Record>>>;

/// Just enough of a record to see which packages it is about, without allocating the rest.
#[derive(Deserialize)]
struct Lite<'a> {
    #[serde(default, borrow)]
    affected: Vec<LiteAffected<'a>>,
}

#[derive(Deserialize)]
struct LiteAffected<'a> {
    #[serde(default, borrow)]
    package: Option<LitePackage<'a>>,
}

#[derive(Deserialize)]
struct LitePackage<'a> {
    #[serde(default, borrow)]
    ecosystem: Cow<'a, str>,
    #[serde(default, borrow)]
    name: Cow<'a, str>,
}

/// The export file of one ecosystem under `dir`.
pub fn export_path(dir: &Path, eco: Ecosystem) -> PathBuf {
    dir.join(eco.osv_name()).join("all.zip")
}

fn broken(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::DbBroken {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Loads the records affecting `wanted` from the exports under `dir`.
pub fn load(dir: &Path, wanted: &BTreeSet<PackageKey>) -> Result<(Index, usize), Error> {
    let mut index = Index::new();
    let mut total = 0;
    let ecosystems: BTreeSet<Ecosystem> = wanted.iter().map(|k| k.ecosystem).collect();
    for eco in ecosystems {
        let path = export_path(dir, eco);
        if !path.is_file() {
            return Err(Error::DbMissing {
                path: path.display().to_string(),
                ecosystem: eco.osv_name(),
            });
        }
        let names: BTreeSet<&str> = wanted
            .iter()
            .filter(|k| k.ecosystem == eco)
            .map(|k| k.name.as_str())
            .collect();
        total += load_zip(&path, eco, &names, &mut index)?;
    }
    Ok((index, total))
}

/// Reads one `all.zip`; returns the number of records in it.
fn load_zip(
    path: &Path,
    eco: Ecosystem,
    names: &BTreeSet<&str>,
    index: &mut Index,
) -> Result<usize, Error> {
    let open = || -> Result<zip::ZipArchive<BufReader<File>>, Error> {
        let file = File::open(path).map_err(|e| broken(path, e))?;
        zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| broken(path, format!("not a readable zip archive ({e})")))
    };
    let len = open()?.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(len.max(1));
    let chunk = len.div_ceil(threads.max(1)).max(1);
    let results: Vec<Result<(Vec<Record>, usize), Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || -> Result<(Vec<Record>, usize), Error> {
                    let mut zip = open()?;
                    let mut kept = Vec::new();
                    let mut count = 0;
                    // One inflater and two buffers for the whole archive: a decompressor per
                    // entry (what ZipFile's reader makes) leaves a hole in the heap beside every
                    // record kept, which tripled the peak memory on a 36,000-record database.
                    let mut inflater = flate2::Decompress::new(false);
                    let mut raw = Vec::new();
                    let mut buf = Vec::new();
                    for i in (t * chunk)..((t + 1) * chunk).min(len) {
                        let mut entry = zip.by_index_raw(i).map_err(|e| broken(path, e))?;
                        if !entry.is_file() || !entry.name().ends_with(".json") {
                            continue;
                        }
                        let entry_name = entry.name().to_string();
                        let damaged = |e: &dyn std::fmt::Display| {
                            broken(path, format!("{entry_name}: cannot be unpacked ({e}); the archive is damaged or truncated"))
                        };
                        let method = entry.compression();
                        let size = usize::try_from(entry.size()).map_err(|e| damaged(&e))?;
                        // No OSV record comes near this; a header claiming more is damage.
                        if size > 64 << 20 {
                            return Err(damaged(&format!("an entry of {size} bytes")));
                        }
                        raw.clear();
                        entry.read_to_end(&mut raw).map_err(|e| damaged(&e))?;
                        drop(entry);
                        buf.clear();
                        match method {
                            zip::CompressionMethod::Stored => buf.extend_from_slice(&raw),
                            zip::CompressionMethod::Deflated => {
                                inflater.reset(false);
                                buf.reserve(size);
                                let status = inflater
                                    .decompress_vec(&raw, &mut buf, flate2::FlushDecompress::Finish)
                                    .map_err(|e| damaged(&e))?;
                                if status != flate2::Status::StreamEnd || buf.len() != size {
                                    return Err(damaged(&"the compressed data ends early"));
                                }
                            }
                            other => return Err(damaged(&format!("compression method {other} is not supported"))),
                        }
                        count += 1;
                        let lite: Lite = serde_json::from_slice(&buf).map_err(|e| Error::DbRecord {
                            path: path.display().to_string(),
                            entry: entry_name.clone(),
                            reason: e.to_string(),
                        })?;
                        let relevant = lite.affected.iter().any(|a| {
                            a.package.as_ref().is_some_and(|p| {
                                Ecosystem::from_osv(&p.ecosystem) == Some(eco)
                                    && names.contains(normalize_name(eco, &p.name).as_str())
                            })
                        });
                        if relevant {
                            let record: Record = serde_json::from_slice(&buf).map_err(|e| Error::DbRecord {
                                path: path.display().to_string(),
                                entry: entry_name,
                                reason: e.to_string(),
                            })?;
                            kept.push(record);
                        }
                    }
                    Ok((kept, count))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(broken(path, "a reader thread panicked")))
            })
            .collect()
    });
    let mut total = 0;
    for r in results {
        let (records, count) = r?;
        total += count;
        for record in records {
            add_record(index, Arc::new(record));
        }
    }
    Ok(total)
}

/// Files a record under every supported package it affects.
pub fn add_record(index: &mut Index, record: Arc<Record>) {
    let mut keys: Vec<PackageKey> = record
        .affected
        .iter()
        .filter_map(|a| a.package.as_ref())
        .filter_map(|p| {
            let eco = Ecosystem::from_osv(&p.ecosystem)?;
            Some(PackageKey {
                ecosystem: eco,
                name: normalize_name(eco, &p.name),
            })
        })
        .collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let list = index.entry(key).or_default();
        if !list.iter().any(|r| r.id == record.id) {
            list.push(Arc::clone(&record));
        }
    }
}
