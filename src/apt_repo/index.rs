//! The repository on disk: the published packages read back from the `Packages` indices, the
//! new ones merged in (conflicts refused, `--keep` applied), and, when anything changed, the
//! pool files, the indices with their `by-hash` copies, the `Release` file and its signatures
//! written. Layout and fields follow Debian's repository format
//! (<https://wiki.debian.org/DebianRepository/Format>).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::package::{file_name, pool_dir, Digests, Hash, Key, Scanned};
use super::{Args, Error};
use crate::deb::{compare_versions, parse_paragraphs, Paragraph};
use crate::exit::FileError;
use crate::fsutil::atomic_write_unsynced;
use crate::openpgp::SigningKey;
use crate::parallel::parallel_map;

/// The index files written for each architecture, as `Release` lists them.
pub const INDEX_NAMES: [&str; 3] = ["Packages", "Packages.gz", "Packages.xz"];

/// Reads one digest out of [`Digests`].
type DigestOf = fn(&Digests) -> &str;

/// The hash sections of `Release`, their `by-hash` directory names, and how to read each
/// from [`Digests`]. APT fetches by-hash with the strongest hash the Release lists.
const HASHES: [(&str, DigestOf, bool); 4] = [
    ("MD5Sum", |d| &d.md5, false),
    ("SHA1", |d| &d.sha1, false),
    ("SHA256", |d| &d.sha256, true),
    ("SHA512", |d| &d.sha512, true),
];

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Whether any file was written.
    pub changed: bool,
    /// Packages in the component after the run.
    pub packages: usize,
    /// Packages added.
    pub added: Vec<Key>,
    /// Packages given again with the same file.
    pub unchanged: Vec<Key>,
    /// Packages removed by `--keep`.
    pub removed: Vec<Key>,
    /// The suite's architectures.
    pub architectures: Vec<String>,
    /// The suite's components.
    pub components: Vec<String>,
    /// `Valid-Until:` of the Release, if any.
    pub valid_until: Option<String>,
}

/// A package listed in the component's indices.
#[derive(Debug, Clone)]
struct Entry {
    key: Key,
    /// The Packages paragraph (control fields, `Filename`, `Size`, digests).
    para: Paragraph,
    /// The `.deb` to copy into the pool, for packages added in this run.
    from: Option<PathBuf>,
}

impl Entry {
    fn filename(&self) -> &str {
        self.para.get("Filename").unwrap_or_default()
    }
    fn sha256(&self) -> &str {
        self.para.get("SHA256").unwrap_or_default()
    }
}

/// Whether `repo` holds a Release for `suite`.
pub fn exists(repo: &Path, suite: &str) -> bool {
    repo.join("dists").join(suite).join("Release").is_file()
}

fn read_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| {
        Error::File(FileError::Read {
            path: path.display().to_string(),
            source,
        })
    }
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| {
        Error::File(FileError::Write {
            path: path.display().to_string(),
            source,
        })
    }
}

fn bad_repo(path: &Path, reason: impl Into<String>) -> Error {
    Error::BadRepo {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Reads a deb822 file that must hold exactly one paragraph (`Release`).
fn read_release(path: &Path) -> Result<Option<Paragraph>, Error> {
    if !path.exists() {
        return Ok(None);
    }
    let text = fs::read_to_string(path).map_err(read_err(path))?;
    let mut ps = parse_paragraphs(&text).map_err(|e| bad_repo(path, e))?;
    if ps.len() != 1 {
        return Err(bad_repo(
            path,
            "not a Release file (one paragraph of fields)",
        ));
    }
    Ok(Some(ps.remove(0)))
}

/// The words of a whitespace-separated field (`Architectures`, `Components`).
fn words(p: Option<&Paragraph>, field: &str) -> BTreeSet<String> {
    p.and_then(|p| p.get(field))
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The text of an index file, uncompressed, from the plain, `.xz` or `.gz` form.
pub fn read_index(dir: &Path) -> Result<Option<(PathBuf, String)>, Error> {
    for name in INDEX_NAMES {
        let path = dir.join(name);
        if !path.is_file() {
            continue;
        }
        let raw = fs::read(&path).map_err(read_err(&path))?;
        // `Packages`, `Packages.gz`, `Packages.xz`: the compressions crate::deb reads.
        let compression = name.trim_start_matches("Packages").trim_start_matches('.');
        let mut bytes = Vec::new();
        crate::deb::decompress(compression, &raw[..])
            .and_then(|mut r| r.read_to_end(&mut bytes))
            .map_err(|e| bad_repo(&path, format!("cannot decompress: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| bad_repo(&path, "not UTF-8 text"))?;
        return Ok(Some((path, text)));
    }
    Ok(None)
}

/// The `binary-<arch>` directories of a component, by architecture.
fn arch_dirs(component_dir: &Path) -> Result<BTreeMap<String, PathBuf>, Error> {
    let mut dirs = BTreeMap::new();
    if !component_dir.is_dir() {
        return Ok(dirs);
    }
    for item in fs::read_dir(component_dir).map_err(read_err(component_dir))? {
        let item = item.map_err(read_err(component_dir))?;
        let name = item.file_name();
        let Some(arch) = name.to_str().and_then(|n| n.strip_prefix("binary-")) else {
            continue;
        };
        if item.path().is_dir() {
            dirs.insert(arch.to_string(), item.path());
        }
    }
    Ok(dirs)
}

/// The packages the component's indices list, each once (an `all` package is listed under
/// every architecture), checked against the pool.
fn load(repo: &Path, component_dir: &Path) -> Result<Vec<Entry>, Error> {
    let mut entries: BTreeMap<Key, Entry> = BTreeMap::new();
    for dir in arch_dirs(component_dir)?.values() {
        let Some((path, text)) = read_index(dir)? else {
            continue;
        };
        let paragraphs = parse_paragraphs(&text).map_err(|e| bad_repo(&path, e))?;
        for para in paragraphs {
            let field = |name: &str| {
                para.get(name).map(str::to_string).ok_or_else(|| {
                    bad_repo(
                        &path,
                        format!("a paragraph without {name}: not an APT Packages index"),
                    )
                })
            };
            let key = Key {
                name: field("Package")?,
                version: field("Version")?,
                arch: field("Architecture")?,
            };
            let filename = field("Filename")?;
            let sha256 = field("SHA256")?;
            if let Some(seen) = entries.get(&key) {
                if seen.sha256() != sha256 {
                    return Err(bad_repo(
                        &path,
                        format!("{key} is listed with two different SHA256 digests"),
                    ));
                }
                continue;
            }
            let pool = repo.join(&filename);
            let size: Option<u64> = para.get("Size").and_then(|s| s.parse().ok());
            match fs::metadata(&pool) {
                Ok(meta) if Some(meta.len()) == size => {}
                Ok(meta) => {
                    return Err(bad_repo(
                        &pool,
                        format!(
                            "{} bytes, but {} lists {key} with Size {}; the repository is damaged",
                            meta.len(),
                            path.display(),
                            para.get("Size").unwrap_or("(none)")
                        ),
                    ))
                }
                Err(_) => {
                    return Err(bad_repo(
                        &pool,
                        format!(
                            "missing, but {} lists {key}; the repository is incomplete: give the whole checkout, or fetch it with --from URL",
                            path.display()
                        ),
                    ))
                }
            }
            entries.insert(
                key.clone(),
                Entry {
                    key,
                    para,
                    from: None,
                },
            );
        }
    }
    Ok(entries.into_values().collect())
}

/// The Packages paragraph of a new package: its control fields as written, with `Filename`,
/// `Size` and the digests before `Description`, where Debian's indices have them.
fn paragraph(scanned: &Scanned, filename: &str) -> Paragraph {
    let d = &scanned.digests;
    // The digests asked for (--hashes), in the order Debian's indices have them.
    let added: Vec<(&str, String)> = [
        ("Filename", filename.to_string()),
        ("Size", d.size.to_string()),
        ("MD5sum", d.md5.clone()),
        ("SHA1", d.sha1.clone()),
        ("SHA256", d.sha256.clone()),
        ("SHA512", d.sha512.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let mut para = scanned.control.clone();
    for (name, _) in [
        ("Filename", ()),
        ("Size", ()),
        ("MD5sum", ()),
        ("SHA1", ()),
        ("SHA256", ()),
        ("SHA512", ()),
    ] {
        para.remove(name);
    }
    let at = para
        .fields
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case("Description"))
        .unwrap_or(para.fields.len());
    for (i, (name, value)) in added.into_iter().enumerate() {
        para.fields.insert(at + i, (name.to_string(), value));
    }
    para
}

/// Merges the packages given into the published ones: new ones added, the same file again
/// counted as unchanged, a different file under a published name, version and architecture
/// refused.
fn merge(
    repo: &Path,
    component: &str,
    entries: &mut Vec<Entry>,
    scanned: Vec<Scanned>,
    outcome: &mut Outcome,
) -> Result<(), Error> {
    let mut conflicts = Vec::new();
    let mut index: BTreeMap<Key, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.clone(), i))
        .collect();
    let pool_files: HashSet<String> = entries.iter().map(|e| e.filename().to_string()).collect();
    for s in scanned {
        if let Some(&i) = index.get(&s.key) {
            let e = &entries[i];
            if e.sha256() == s.digests.sha256 {
                if e.from.is_none() && !outcome.unchanged.contains(&s.key) {
                    outcome.unchanged.push(s.key.clone());
                }
            } else {
                let published = match &e.from {
                    Some(p) => format!("{} given too", p.display()),
                    None => format!("the published {}", e.filename()),
                };
                conflicts.push(format!(
                    "  {}: {} (SHA256 {}) differs from {published} (SHA256 {})",
                    s.key,
                    s.path.display(),
                    s.digests.sha256,
                    e.sha256()
                ));
            }
            continue;
        }
        let filename = format!("{}/{}", pool_dir(component, &s.source()), file_name(&s.key));
        if !pool_files.contains(&filename) {
            // A file in the pool that no index lists (left by an interrupted run, or put there
            // by hand) is reused only when it is the same file.
            let target = repo.join(&filename);
            // The package given may be the pool file itself (a pool laid out beforehand and
            // indexed in place): nothing to compare or copy.
            let same_file = match (fs::canonicalize(&target), fs::canonicalize(&s.path)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if target.exists() && !same_file {
                let mut buf = vec![0u8; crate::parallel::BUF_SIZE];
                let on_disk = fs::File::open(&target)
                    .and_then(|mut f| Digests::of_reader(&mut f, &mut buf, &[Hash::Sha256]))
                    .map_err(read_err(&target))?;
                if on_disk.sha256 != s.digests.sha256 {
                    conflicts.push(format!(
                        "  {}: {} differs from {filename}, already in the pool but in no index; remove it or publish a new version",
                        s.key,
                        s.path.display()
                    ));
                    continue;
                }
            }
        } else {
            conflicts.push(format!(
                "  {}: {filename} already holds another package",
                s.key
            ));
            continue;
        }
        index.insert(s.key.clone(), entries.len());
        outcome.added.push(s.key.clone());
        entries.push(Entry {
            key: s.key.clone(),
            para: paragraph(&s, &filename),
            from: Some(s.path),
        });
    }
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(Error::Conflict(conflicts))
    }
}

/// Keeps the newest `keep` versions of each package and architecture; returns the others.
fn prune(entries: &mut Vec<Entry>, keep: usize) -> Vec<Entry> {
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        groups
            .entry((e.key.name.clone(), e.key.arch.clone()))
            .or_default()
            .push(i);
    }
    let mut drop = HashSet::new();
    for mut members in groups.into_values() {
        members
            .sort_by(|&a, &b| compare_versions(&entries[b].key.version, &entries[a].key.version));
        drop.extend(members.into_iter().skip(keep));
    }
    let mut removed = Vec::new();
    let mut kept = Vec::new();
    for (i, e) in entries.drain(..).enumerate() {
        if drop.contains(&i) {
            removed.push(e);
        } else {
            kept.push(e);
        }
    }
    *entries = kept;
    removed
}

/// The Release date: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
fn release_time() -> Result<SystemTime, Error> {
    crate::cli::build_time().map_err(|v| {
        Error::Usage(format!(
            "SOURCE_DATE_EPOCH '{v}' is not a number of seconds since 1970; set it to e.g. $(git log -1 --format=%ct)"
        ))
    })
}

/// A time as Release files write it (RFC 2822 in UTC: `Mon, 07 Dec 2026 01:23:15 UTC`).
fn release_date(t: SystemTime) -> String {
    httpdate::fmt_http_date(t).replace(" GMT", " UTC")
}

/// Updates the repository; writes nothing unless something changed.
pub fn update(
    args: &Args,
    scanned: Vec<Scanned>,
    key: Option<&SigningKey>,
) -> Result<Outcome, Error> {
    let repo = &args.repo;
    let suite_dir = repo.join("dists").join(&args.suite);
    let component_dir = suite_dir.join(&args.component);
    let release_path = suite_dir.join("Release");
    let old = read_release(&release_path)?;
    let mut outcome = Outcome::default();

    let mut entries = load(repo, &component_dir)?;
    merge(repo, &args.component, &mut entries, scanned, &mut outcome)?;
    let removed = match args.keep {
        Some(n) => prune(&mut entries, n as usize),
        None => Vec::new(),
    };
    // A package added and at once pruned (older than the N kept) is neither.
    outcome
        .added
        .retain(|k| !removed.iter().any(|e| &e.key == k));
    outcome.removed = removed
        .iter()
        .filter(|e| e.from.is_none())
        .map(|e| e.key.clone())
        .collect();

    let old_arches = words(old.as_ref(), "Architectures");
    let mut arches = old_arches.clone();
    arches.extend(args.architectures.iter().cloned());
    arches.extend(arch_dirs(&component_dir)?.into_keys());
    arches.extend(entries.iter().map(|e| e.key.arch.clone()));
    arches.remove("all");
    if arches.is_empty() {
        return Err(Error::Usage(
            "every package is Architecture: all, so the suite has no architecture to list them under; name the ones your users have with --architectures amd64,arm64".into(),
        ));
    }
    let old_components = words(old.as_ref(), "Components");
    let mut components = old_components.clone();
    components.insert(args.component.clone());
    outcome.architectures = arches.iter().cloned().collect();
    outcome.components = components.iter().cloned().collect();
    outcome.packages = entries.len();
    outcome.valid_until = old
        .as_ref()
        .and_then(|p| p.get("Valid-Until"))
        .map(str::to_string);

    let signed_files_present =
        suite_dir.join("InRelease").is_file() && suite_dir.join("Release.gpg").is_file();
    let missing_index = arches.iter().any(|a| {
        !component_dir
            .join(format!("binary-{a}"))
            .join("Packages")
            .is_file()
    });
    outcome.changed = !outcome.added.is_empty()
        || !outcome.removed.is_empty()
        || old.is_none()
        || arches != old_arches
        || components != old_components
        || args.refresh
        || missing_index
        || key.is_some() != signed_files_present
        || metadata_changed(args, old.as_ref());
    if !outcome.changed {
        return Ok(outcome);
    }

    copy_to_pool(repo, &entries)?;
    entries.sort_by(|a, b| {
        a.key
            .name
            .cmp(&b.key.name)
            .then_with(|| compare_versions(&a.key.version, &b.key.version))
            .then_with(|| a.key.arch.cmp(&b.key.arch))
    });
    let arch_list: Vec<&String> = arches.iter().collect();
    let written = parallel_map(&arch_list, |arch, _| {
        let text: String = entries
            .iter()
            .filter(|e| &e.key.arch == *arch || e.key.arch == "all")
            .map(|e| e.para.to_text())
            .collect::<Vec<_>>()
            .join("\n");
        write_indices(
            &component_dir.join(format!("binary-{arch}")),
            text.as_bytes(),
        )
    });
    written.into_iter().collect::<Result<(), Error>>()?;

    let now = release_time()?;
    let valid_until = args.valid_for.map(|d| release_date(now + d));
    let release = release_text(
        args,
        old.as_ref(),
        &suite_dir,
        &arches,
        &components,
        now,
        valid_until.as_deref(),
    )?;
    outcome.valid_until = valid_until;
    atomic_write_unsynced(&release_path, release.as_bytes())?;
    let in_release = suite_dir.join("InRelease");
    let release_gpg = suite_dir.join("Release.gpg");
    match key {
        Some(key) => {
            atomic_write_unsynced(&in_release, key.sign_cleartext(&release)?.as_bytes())?;
            atomic_write_unsynced(
                &release_gpg,
                &key.sign_detached(&mut release.as_bytes(), true)?,
            )?;
            atomic_write_unsynced(&repo.join("KEY.asc"), key.public_key_armored()?.as_bytes())?;
            atomic_write_unsynced(&repo.join("KEY.gpg"), &key.public_key_binary()?)?;
        }
        None => {
            // Signatures of an earlier Release no longer match this one.
            for stale in [&in_release, &release_gpg] {
                if stale.exists() {
                    fs::remove_file(stale).map_err(write_err(stale))?;
                }
            }
        }
    }
    prune_by_hash(&suite_dir, &release, old.as_ref())?;
    for e in &removed {
        let path = repo.join(e.filename());
        if e.from.is_none() && path.exists() {
            fs::remove_file(&path).map_err(write_err(&path))?;
        }
    }
    Ok(outcome)
}

/// Whether a Release field the flags set would change.
fn metadata_changed(args: &Args, old: Option<&Paragraph>) -> bool {
    let Some(old) = old else { return true };
    let differs = |field: &str, want: Option<&String>| {
        want.is_some_and(|w| old.get(field) != Some(w.as_str()))
    };
    differs("Origin", args.origin.as_ref())
        || differs("Label", args.label.as_ref())
        || differs("Description", args.description.as_ref())
        || differs("Codename", args.codename.as_ref())
        || (args.valid_for.is_some() != old.get("Valid-Until").is_some())
        || expires_soon(args, old)
}

/// Whether the published Release's `Valid-Until` is less than half of `--valid-for` away (or
/// unreadable): a run then re-signs even with no new package, so a repository published by a
/// regular job never expires on its users.
fn expires_soon(args: &Args, old: &Paragraph) -> bool {
    let (Some(period), Some(until)) = (args.valid_for, old.get("Valid-Until")) else {
        return false;
    };
    let Ok(until) = httpdate::parse_http_date(&until.replace(" UTC", " GMT")) else {
        return true;
    };
    let now = release_time().unwrap_or_else(|_| SystemTime::now());
    until
        .duration_since(now)
        .map_or(true, |left| left < period / 2)
}

/// Copies the packages added in this run into the pool, in parallel; each file appears under
/// its final name only when complete.
fn copy_to_pool(repo: &Path, entries: &[Entry]) -> Result<(), Error> {
    let jobs: Vec<(&Path, PathBuf)> = entries
        .iter()
        .filter_map(|e| {
            e.from
                .as_deref()
                .map(|from| (from, repo.join(e.filename())))
        })
        .filter(|(_, to)| !to.exists())
        .collect();
    let results = parallel_map(&jobs, |(from, to), _buf| -> Result<(), Error> {
        let dir = to.parent().unwrap_or(repo);
        fs::create_dir_all(dir).map_err(write_err(dir))?;
        let mut tmp = crate::fsutil::temp_file_for(to, dir).map_err(write_err(to))?;
        let mut source = fs::File::open(from).map_err(read_err(from))?;
        std::io::copy(&mut source, tmp.as_file_mut()).map_err(write_err(to))?;
        tmp.persist(to).map_err(|e| write_err(to)(e.error))?;
        Ok(())
    });
    results.into_iter().collect()
}

/// An xz encoder at xz's default level (6, as Debian compresses its indices), in blocks
/// compressed on every core once the index is big enough to split: a thousand packages' index
/// took 0.15 s on one core, most of an update's time. Clients read multi-block streams as any.
fn xz_stream(len: usize) -> std::io::Result<liblzma::stream::Stream> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    // Blocks under 256 KiB would cost compression for no gain.
    let block = (len as u64).div_ceil(threads).max(256 << 10);
    liblzma::stream::MtStreamBuilder::new()
        .threads(u32::try_from(threads).unwrap_or(1))
        .block_size(block)
        .preset(6)
        .check(liblzma::stream::Check::Crc64)
        .encoder()
        .map_err(std::io::Error::other)
}

/// Writes `Packages`, `Packages.gz` and `Packages.xz` into `dir` with their by-hash copies.
fn write_indices(dir: &Path, text: &[u8]) -> Result<(), Error> {
    fs::create_dir_all(dir).map_err(write_err(dir))?;
    // xz at its default level is most of an update's time: it runs beside gzip.
    let (gz, xz) = std::thread::scope(|scope| {
        let xz = scope.spawn(|| {
            let mut xz = liblzma::write::XzEncoder::new_stream(Vec::new(), xz_stream(text.len())?);
            xz.write_all(text)?;
            xz.finish()
        });
        let gz = (|| {
            let mut gz = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::best());
            gz.write_all(text)?;
            gz.finish()
        })();
        let xz = xz
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the xz compressor failed")));
        (gz, xz)
    });
    let (gz, xz) = (gz.map_err(write_err(dir))?, xz.map_err(write_err(dir))?);
    for (name, bytes) in INDEX_NAMES.iter().zip([text, &gz[..], &xz[..]]) {
        let digests = Digests::of_bytes(bytes);
        for (hash, get, by_hash) in HASHES {
            if by_hash {
                let path = dir.join("by-hash").join(hash).join(get(&digests));
                if !path.exists() {
                    fs::create_dir_all(path.parent().unwrap_or(dir)).map_err(write_err(dir))?;
                    atomic_write_unsynced(&path, bytes)?;
                }
            }
        }
        atomic_write_unsynced(&dir.join(name), bytes)?;
    }
    Ok(())
}

/// Every index file of the suite (all components), relative to the suite directory, sorted.
fn suite_indices(suite_dir: &Path) -> Result<Vec<String>, Error> {
    let mut found = Vec::new();
    for component in fs::read_dir(suite_dir).map_err(read_err(suite_dir))? {
        let component = component.map_err(read_err(suite_dir))?;
        if !component.path().is_dir() {
            continue;
        }
        let Some(cname) = component.file_name().to_str().map(str::to_string) else {
            return Err(bad_repo(
                &component.path(),
                "a directory name that is not UTF-8",
            ));
        };
        for (arch, dir) in arch_dirs(&component.path())? {
            for name in INDEX_NAMES {
                if dir.join(name).is_file() {
                    found.push(format!("{cname}/binary-{arch}/{name}"));
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The Release file: the suite's fields, then each index with its size under every hash.
#[allow(clippy::too_many_arguments)]
fn release_text(
    args: &Args,
    old: Option<&Paragraph>,
    suite_dir: &Path,
    arches: &BTreeSet<String>,
    components: &BTreeSet<String>,
    now: SystemTime,
    valid_until: Option<&str>,
) -> Result<String, Error> {
    let keep = |field: &str, flag: Option<&String>| -> Option<String> {
        flag.cloned()
            .or_else(|| old.and_then(|p| p.get(field)).map(str::to_string))
    };
    let origin = keep("Origin", args.origin.as_ref());
    let label = keep("Label", args.label.as_ref()).or_else(|| origin.clone());
    let mut p = Paragraph::default();
    let mut set = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            p.fields.push((name.to_string(), v));
        }
    };
    set("Origin", origin);
    set("Label", label);
    set("Suite", Some(args.suite.clone()));
    set(
        "Codename",
        keep("Codename", args.codename.as_ref()).or_else(|| Some(args.suite.clone())),
    );
    set("Date", Some(release_date(now)));
    set("Valid-Until", valid_until.map(str::to_string));
    set(
        "Architectures",
        Some(arches.iter().cloned().collect::<Vec<_>>().join(" ")),
    );
    set(
        "Components",
        Some(components.iter().cloned().collect::<Vec<_>>().join(" ")),
    );
    set(
        "Description",
        keep("Description", args.description.as_ref()),
    );
    set("Acquire-By-Hash", Some("yes".into()));
    let files = suite_indices(suite_dir)?;
    let digests = files
        .iter()
        .map(|f| {
            let path = suite_dir.join(f);
            fs::read(&path)
                .map(|b| Digests::of_bytes(&b))
                .map_err(read_err(&path))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (section, get, _) in HASHES {
        let lines: String = files
            .iter()
            .zip(&digests)
            .map(|(f, d)| format!("\n {} {:>16} {f}", get(d), d.size))
            .collect();
        p.fields.push((section.to_string(), lines));
    }
    Ok(p.to_text())
}

/// The `(path, hash)` pairs a Release lists under the by-hash sections.
fn listed_hashes(release: &Paragraph) -> HashSet<(String, String)> {
    let mut listed = HashSet::new();
    for (section, _, by_hash) in HASHES {
        if !by_hash {
            continue;
        }
        for line in release.get(section).unwrap_or_default().lines() {
            let mut parts = line.split_whitespace();
            if let (Some(hash), Some(_), Some(path)) = (parts.next(), parts.next(), parts.next()) {
                let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
                listed.insert((format!("{dir}/by-hash/{section}"), hash.to_string()));
            }
        }
    }
    listed
}

/// Removes by-hash files that neither this Release nor the one before lists: a client that
/// read the previous InRelease a moment ago still finds its indices, older ones go.
fn prune_by_hash(suite_dir: &Path, release: &str, old: Option<&Paragraph>) -> Result<(), Error> {
    let current = parse_paragraphs(release)
        .ok()
        .and_then(|mut v| v.pop())
        .map(|p| listed_hashes(&p))
        .unwrap_or_default();
    let previous = old.map(listed_hashes).unwrap_or_default();
    for rel in suite_indices(suite_dir)? {
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        for (section, _, by_hash) in HASHES {
            if !by_hash {
                continue;
            }
            let rel_dir = format!("{dir}/by-hash/{section}");
            let abs = suite_dir.join(&rel_dir);
            let Ok(items) = fs::read_dir(&abs) else {
                continue;
            };
            for item in items {
                let item = item.map_err(read_err(&abs))?;
                let name = item.file_name().to_string_lossy().into_owned();
                let pair = (rel_dir.clone(), name);
                if !current.contains(&pair) && !previous.contains(&pair) {
                    fs::remove_file(item.path()).map_err(write_err(&item.path()))?;
                }
            }
        }
    }
    Ok(())
}

/// Writes by-hash copies of the index files a fetched Release lists, so the generation
/// before this run's stays reachable (crate::apt_repo::remote).
pub fn by_hash_copies(suite_dir: &Path) -> Result<(), Error> {
    for rel in suite_indices(suite_dir)? {
        let path = suite_dir.join(&rel);
        let bytes = fs::read(&path).map_err(read_err(&path))?;
        let digests = Digests::of_bytes(&bytes);
        let dir = path.parent().unwrap_or(suite_dir);
        for (hash, get, by_hash) in HASHES {
            if by_hash {
                let target = dir.join("by-hash").join(hash).join(get(&digests));
                if !target.exists() {
                    fs::create_dir_all(target.parent().unwrap_or(dir)).map_err(write_err(dir))?;
                    atomic_write_unsynced(&target, &bytes)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn release_dates_are_rfc2822_utc() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_606_595);
        assert_eq!(release_date(t), "Mon, 07 Dec 2026 01:23:15 UTC");
    }

    #[test]
    fn by_hash_pairs_from_a_release() {
        let text = "Suite: s\nSHA256:\n aaaa 10 main/binary-amd64/Packages\n bbbb 5 main/binary-amd64/Packages.gz\nMD5Sum:\n cccc 10 main/binary-amd64/Packages\n";
        let p = parse_paragraphs(text).unwrap().remove(0);
        let got = listed_hashes(&p);
        assert!(got.contains(&("main/binary-amd64/by-hash/SHA256".into(), "aaaa".into())));
        assert!(got.contains(&("main/binary-amd64/by-hash/SHA256".into(), "bbbb".into())));
        assert_eq!(got.len(), 2, "MD5Sum has no by-hash copies");
    }
}
