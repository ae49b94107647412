//! `notes-gen`: release notes and Keep a Changelog entries from git history — Conventional
//! Commits sections, spec references, issue/PR links, a Downloads table from a SHA256SUMS
//! manifest, contributors — plus the next version, with the previous release tag chosen by semver
//! order and explained.

pub mod changelog;
pub mod commit;
pub mod config;
pub mod history;
pub mod render;
pub mod sums;
pub mod version;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use git2::{Oid, Repository};
use semver::Version;

use crate::cli::{Ctx, OutputArgs};
use crate::exit::{Exit, FileError, ToolError};
use config::Config;
use history::{Considered, Tags};
use render::{CommitInfo, Contributor, Download, Failure, Notes, Person, SectionOut, SpecRef};
use version::Level;

/// Command-line arguments of `notes-gen`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "notes-gen",
    version,
    about = "Release notes, changelog entries and the next version from git history",
    long_about = "Release notes, changelog entries and the next version from git history.\n\n\
        Reads the commits between the previous release tag (highest semver tag reachable from \
        --to; pre-releases only count for pre-releases) and --to, parses them as Conventional \
        Commits and writes Markdown: breaking changes, features, fixes and the other sections, \
        spec references, issue/PR links, a Downloads table and contributors.",
    after_help = crate::after_help!(
        "  notes-gen                                   # notes for HEAD (or the tag in GITHUB_REF)\n  \
         notes-gen --to v1.4.0 --explain             # why v1.3.2 and not v1.4.0-rc.1 was taken\n  \
         notes-gen --bump --pre rc                   # prints e.g. 1.5.0-rc.1\n  \
         notes-gen --checksums dist/SHA256SUMS -o notes.md --changelog CHANGELOG.md\n  \
         notes-gen --tag-prefix api/v --json | jq .next_version"
    )
)]
pub struct Args {
    /// The repository (any directory inside it).
    #[arg(
        short = 'C',
        long = "repo-path",
        value_name = "DIR",
        default_value = "."
    )]
    pub repo_path: PathBuf,
    /// The release: a tag, branch or commit [default: the tag in GITHUB_REF when it is a tag,
    /// else HEAD].
    #[arg(long, value_name = "REF")]
    pub to: Option<String>,
    /// The start of the range (exclusive) [default: the previous release tag].
    #[arg(long, value_name = "REF")]
    pub from: Option<String>,
    /// The tag the release will get, when --to is not tagged yet [default: prefix + next
    /// version].
    #[arg(long, value_name = "TAG", env = "NOTES_GEN_TAG")]
    pub tag: Option<String>,
    /// Release tags are this prefix followed by a semver version (`v`, `api/v`, or `` for none).
    #[arg(
        long,
        value_name = "PREFIX",
        default_value = "v",
        env = "NOTES_GEN_TAG_PREFIX"
    )]
    pub tag_prefix: String,
    /// Print only the next version computed from the commits (no notes, no changelog: with
    /// `--output` or `--changelog` it is a usage error rather than a flag that is quietly ignored).
    #[arg(long, conflicts_with_all = ["output", "changelog"])]
    pub bump: bool,
    /// Pre-release channel for the next version (`rc` → 1.3.0-rc.1, then 1.3.0-rc.2).
    #[arg(long, value_name = "CHANNEL", env = "NOTES_GEN_PRE")]
    pub pre: Option<String>,
    /// Explain on stderr which tags were considered as the previous release and why.
    #[arg(long)]
    pub explain: bool,
    /// Drop commits that are not conventional (they are still counted and listed).
    #[arg(long)]
    pub conventional_only: bool,
    /// Exit 1 when a commit could not be parsed as a conventional commit.
    #[arg(long)]
    pub strict: bool,
    /// List the commits that could not be parsed on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// TOML configuration: sections, titles, spec patterns (see the notes-gen section of README.md).
    #[arg(long, value_name = "FILE", env = "NOTES_GEN_CONFIG")]
    pub config: Option<PathBuf>,
    /// The GitHub repository, for links [default: GITHUB_REPOSITORY, else the origin remote].
    #[arg(long, value_name = "OWNER/NAME", env = "GITHUB_REPOSITORY")]
    pub repo: Option<String>,
    /// SHA-256 manifest (`sha256sum` format) for the Downloads table.
    #[arg(long, value_name = "FILE")]
    pub checksums: Option<PathBuf>,
    /// A key that signed the manifest, named in the notes' verification hints: an OpenPGP
    /// fingerprint (40 or 64 hex digits) or a minisign key ID (16); once per format.
    /// Signatures are found next to the manifest (`.asc`, `.sig`, `.minisig`).
    #[arg(long, value_name = "FINGERPRINT", requires = "checksums", value_parser = parse_signer)]
    pub signed_by: Vec<String>,
    /// Where the manifest's files are, for their sizes [default: the manifest's directory].
    #[arg(long, value_name = "DIR")]
    pub artifacts_dir: Option<PathBuf>,
    /// Insert the release into this Keep a Changelog file (created when missing; an existing
    /// entry for the version is left alone).
    #[arg(long, value_name = "FILE")]
    pub changelog: Option<PathBuf>,
    /// Write the notes to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output_args: OutputArgs,
}

/// Errors of `notes-gen`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory is not inside a git repository.
    #[error("{path}: not a git repository ({message}); run inside a clone or pass -C DIR")]
    NotARepo {
        /// The directory.
        path: String,
        /// libgit2's message.
        message: String,
    },
    /// The clone is shallow: the history would be incomplete.
    #[error("{path}: the repository is a shallow clone, so the notes would silently miss commits and tags; fetch the whole history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow --tags`)")]
    Shallow {
        /// The repository.
        path: String,
    },
    /// A revision does not resolve to a commit.
    #[error("{flag} {rev}: not a commit in this repository ({message}); check the tag name and that tags were fetched (`git fetch --tags`)")]
    BadRef {
        /// `--to` or `--from`.
        flag: &'static str,
        /// The revision.
        rev: String,
        /// libgit2's message.
        message: String,
    },
    /// Reading the repository failed.
    #[error("reading the repository failed while {doing}: {source}")]
    Git {
        /// What was being done.
        doing: &'static str,
        /// The libgit2 error.
        source: git2::Error,
    },
    /// The configuration file is invalid.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: String,
        /// What is wrong, with the fix.
        message: String,
    },
    /// The checksum manifest is malformed.
    #[error("{path}:{line}: {message}")]
    Checksums {
        /// The manifest.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A command-line value is invalid.
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// Writing to stdout or to the Actions files failed.
    #[error("cannot write {what}: {source}")]
    Io {
        /// What was being written.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::NotARepo { .. }
            | Error::BadRef { .. }
            | Error::Config { .. }
            | Error::Checksums { .. }
            | Error::Usage(_) => Exit::Usage,
            Error::Shallow { .. } | Error::Git { .. } | Error::Io { .. } => Exit::Env,
            Error::File(e) => e.exit(),
        }
    }
}

fn git(doing: &'static str) -> impl FnOnce(git2::Error) -> Error {
    move |source| Error::Git { doing, source }
}

/// `YYYY-MM-DD` (UTC) of a git time.
fn day(time: git2::Time) -> String {
    // humantime formats years 1970..=9999; clamp anything outside (hand-crafted commits).
    let secs = u64::try_from(time.seconds())
        .unwrap_or(0)
        .min(253_402_300_799);
    let text =
        humantime::format_rfc3339_seconds(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            .to_string();
    text.get(..10).unwrap_or(&text).to_string()
}

/// `OWNER/NAME` and the web address of a GitHub-style remote URL (`https://host/o/n(.git)`,
/// `ssh://git@host/o/n`, `git@host:o/n.git`).
pub fn remote_repo(url: &str) -> Option<(String, String)> {
    let (host, path) = if let Ok(parsed) = url::Url::parse(url) {
        if !matches!(parsed.scheme(), "https" | "http" | "ssh" | "git") {
            return None;
        }
        (parsed.host_str()?.to_string(), parsed.path().to_string())
    } else {
        let (user_host, path) = url.split_once(':')?;
        let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
        (host.to_string(), path.to_string())
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let (owner, name) = path.split_once('/')?;
    if owner.is_empty() || name.is_empty() || name.contains('/') || host.is_empty() {
        return None;
    }
    Some((
        format!("{owner}/{name}"),
        format!("https://{host}/{owner}/{name}"),
    ))
}

fn valid_slug(repo: &str) -> bool {
    repo.split_once('/').is_some_and(|(o, n)| {
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        ok(o) && ok(n)
    })
}

/// The repository identity: `--repo`/`GITHUB_REPOSITORY`, else the origin remote.
fn identify(repo: &Repository, flag: Option<&str>) -> Result<Option<(String, String)>, Error> {
    if let Some(slug) = flag.map(str::trim).filter(|s| !s.is_empty()) {
        if !valid_slug(slug) {
            return Err(Error::Usage(format!(
                "--repo {slug:?}: expected OWNER/NAME, e.g. octo-org/relkit"
            )));
        }
        let server = std::env::var("GITHUB_SERVER_URL")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "https://github.com".to_string());
        let web = format!("{}/{slug}", server.trim_end_matches('/'));
        return Ok(Some((slug.to_string(), web)));
    }
    Ok(repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().ok().and_then(remote_repo)))
}

fn resolve(repo: &Repository, flag: &'static str, rev: &str) -> Result<Oid, Error> {
    let bad = |e: git2::Error| Error::BadRef {
        flag,
        rev: rev.to_string(),
        message: e.message().to_string(),
    };
    let object = repo.revparse_single(rev).map_err(bad)?;
    Ok(object.peel_to_commit().map_err(bad)?.id())
}

/// A commit read from the walk, before it is placed in a section.
struct Walked {
    info: CommitInfo,
    level: Level,
    problem: Option<String>,
    coauthors: Vec<Person>,
}

/// A message as text: UTF-8, or Latin-1 when the commit declares it (`git -c
/// i18n.commitEncoding=ISO-8859-1`), else lossily (the flag says so).
fn decode(bytes: &[u8], encoding: Option<&str>) -> (String, bool) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), false);
    }
    let latin1 = encoding.is_some_and(|e| {
        let e = e.to_ascii_lowercase().replace('_', "-");
        matches!(
            e.as_str(),
            "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1"
        )
    });
    if latin1 {
        (bytes.iter().map(|&b| char::from(b)).collect(), false)
    } else {
        (String::from_utf8_lossy(bytes).into_owned(), true)
    }
}

fn read_commit(c: &git2::Commit, config: &Config) -> Walked {
    let (message, lossy) = decode(c.message_bytes(), c.message_encoding().ok().flatten());
    let parsed = commit::parse(&message);
    let mut problem = parsed.problem.clone();
    if lossy {
        let note = "message is not valid UTF-8 (shown with U+FFFD)";
        problem = Some(match problem {
            Some(p) => format!("{p}; {note}"),
            None => note.to_string(),
        });
    }
    let mut specs: Vec<String> = Vec::new();
    for re in &config.spec_patterns {
        for caps in re.captures_iter(&message) {
            let id = caps.get(1).or_else(|| caps.get(0)).map(|m| m.as_str());
            if let Some(id) = id.filter(|id| !specs.iter().any(|s| s == id)) {
                specs.push(id.to_string());
            }
        }
    }
    let author = c.author();
    let sha = c.id().to_string();
    let coauthors = parsed
        .footers
        .iter()
        .filter(|f| f.token.eq_ignore_ascii_case("co-authored-by"))
        .map(|f| match f.value.split_once('<') {
            Some((name, email)) => Person {
                name: name.trim().to_string(),
                email: email.trim().trim_end_matches('>').trim().to_string(),
            },
            None => Person {
                name: f.value.trim().to_string(),
                email: f.value.trim().to_string(),
            },
        })
        .collect();
    let kind = parsed.kind.as_ref();
    Walked {
        level: Level::of(kind.map(|k| k.ty.as_str()), parsed.breaking),
        info: CommitInfo {
            ty: kind.map(|k| k.ty.clone()),
            scope: kind.and_then(|k| k.scope.clone()),
            breaking: parsed.breaking,
            breaking_description: parsed.breaking_description,
            conventional: kind.is_some(),
            reverts: parsed.reverts,
            refs: render::issue_refs(&message),
            pr: render::squash_pr(&parsed.subject),
            subject: parsed.subject,
            footers: parsed.footers,
            author: Person {
                name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
                email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            },
            date: day(author.when()),
            specs,
            section: None,
            sha,
        },
        problem,
        coauthors,
    }
}

/// What the range walk collected.
#[derive(Default)]
struct Collected {
    walked: Vec<Walked>,
    merges: usize,
}

fn collect(
    repo: &Repository,
    to: Oid,
    hide: Option<Oid>,
    config: &Config,
) -> Result<Collected, Error> {
    let mut out = Collected::default();
    history::walk(repo, to, hide, |c| {
        if c.parent_count() > 1 {
            out.merges += 1;
        } else {
            out.walked.push(read_commit(c, config));
        }
        Ok(())
    })
    .map_err(git("walking the commits"))?;
    Ok(out)
}

/// Commit levels since `base` (only when it differs from the notes range).
fn level_since(repo: &Repository, to: Oid, base: Option<Oid>) -> Result<Level, Error> {
    let mut level = Level::Patch;
    history::walk(repo, to, base, |c| {
        if c.parent_count() <= 1 {
            let parsed = commit::parse(&String::from_utf8_lossy(c.message_bytes()));
            let ty = parsed.kind.as_ref().map(|k| k.ty.as_str());
            level = level.max(Level::of(ty, parsed.breaking));
        }
        Ok(())
    })
    .map_err(git("walking the commits since the last stable release"))?;
    Ok(level)
}

fn contributors(walked: &[Walked]) -> Vec<Contributor> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Contributor> = Vec::new();
    for w in walked {
        let mut seen_here: Vec<usize> = Vec::new();
        for p in std::iter::once(&w.info.author).chain(&w.coauthors) {
            let key = p.email.to_lowercase();
            let i = *index.entry(key).or_insert_with(|| {
                out.push(Contributor {
                    name: p.name.clone(),
                    email: p.email.clone(),
                    commits: 0,
                });
                out.len() - 1
            });
            if !seen_here.contains(&i) {
                seen_here.push(i);
                out[i].commits += 1;
            }
        }
    }
    out.sort_by(|a, b| {
        b.commits
            .cmp(&a.commits)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    out
}

/// Where the manifest's files are looked up for their sizes: `--artifacts-dir`, else the
/// manifest's directory.
fn artifacts_dir(args: &Args, manifest: &Path) -> PathBuf {
    args.artifacts_dir.clone().unwrap_or_else(|| {
        manifest
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    })
}

/// `--signed-by`: hex digits of an OpenPGP fingerprint or a minisign key ID (spaces allowed, as
/// gpg prints them).
fn parse_signer(value: &str) -> Result<String, String> {
    let key: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let key = key.strip_prefix("0x").unwrap_or(&key).to_ascii_uppercase();
    if key.chars().all(|c| c.is_ascii_hexdigit()) && matches!(key.len(), 16 | 40 | 64) {
        Ok(key)
    } else {
        Err(format!(
            "'{value}' is neither an OpenPGP fingerprint (40 or 64 hex digits) nor a minisign key ID (16 hex digits)"
        ))
    }
}

/// Which signature format a `--signed-by` key belongs to.
fn signer_format(key: &str) -> &'static str {
    if key.len() == 16 {
        "minisign"
    } else {
        "openpgp"
    }
}

/// The signatures published next to the checksum manifest: `SHA256SUMS.asc` or `.sig`
/// (OpenPGP) and `SHA256SUMS.minisig`.
fn manifest_signatures(args: &Args) -> Vec<render::ManifestSignature> {
    let Some(manifest) = &args.checksums else {
        return Vec::new();
    };
    let Some(name) = manifest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (ext, format) in [
        ("asc", "openpgp"),
        ("sig", "openpgp"),
        ("minisig", "minisign"),
    ] {
        let file = format!("{name}.{ext}");
        if manifest.with_file_name(&file).is_file()
            && !found
                .iter()
                .any(|s: &render::ManifestSignature| s.format == format)
        {
            found.push(render::ManifestSignature {
                format: format.to_string(),
                manifest: name.clone(),
                file,
                signed_by: args
                    .signed_by
                    .iter()
                    .find(|key| signer_format(key) == format)
                    .cloned(),
            });
        }
    }
    found
}

fn downloads(args: &Args, tag: &str, web: Option<&str>) -> Result<Vec<Download>, Error> {
    let Some(manifest) = &args.checksums else {
        return Ok(Vec::new());
    };
    let bytes = std::fs::read(manifest).map_err(|source| FileError::Read {
        path: manifest.display().to_string(),
        source,
    })?;
    let entries = sums::parse(&bytes, &manifest.display().to_string())?;
    let dir = artifacts_dir(args, manifest);
    Ok(entries
        .into_iter()
        .map(|e| {
            // Release assets are flat: a manifest path `dist/x.tar.gz` is the asset `x.tar.gz`.
            let asset = e.file.rsplit('/').next().unwrap_or(&e.file).to_string();
            let file_hex = crate::digest::manifest::hex_unless_utf8(&e.name);
            // A release asset's name is UTF-8, so a name that is not has no download link
            // (`run` warns about it); the escaped text would link to a file that is not there.
            let url = web.filter(|_| file_hex.is_none()).and_then(|web| {
                let mut url = url::Url::parse(web).ok()?;
                url.path_segments_mut()
                    .ok()?
                    .extend(["releases", "download", tag, asset.as_str()]);
                Some(url.to_string())
            });
            Download {
                size: crate::fsutil::path_from_bytes(&e.name)
                    .and_then(|name| std::fs::metadata(dir.join(name)).ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len()),
                file: e.file,
                file_hex,
                sha256: e.sha256,
                url,
            }
        })
        .collect())
}

/// The commits that cancel out: a `git revert` of a commit in the same range, and that commit.
/// Neither belongs in the notes (nor in the version bump).
fn cancelled(walked: &[Walked]) -> std::collections::HashSet<String> {
    let in_range: std::collections::HashSet<&str> =
        walked.iter().map(|w| w.info.sha.as_str()).collect();
    let mut out = std::collections::HashSet::new();
    for w in walked {
        if let Some(target) = w.info.reverts.as_deref() {
            // `This reverts commit` may abbreviate; match by prefix.
            let hit = if target.len() == 40 {
                in_range.get(target).copied()
            } else {
                in_range.iter().copied().find(|s| s.starts_with(target))
            };
            if let Some(hit) = hit.filter(|h| !out.contains(*h)) {
                out.insert(hit.to_string());
                out.insert(w.info.sha.clone());
            }
        }
    }
    out
}

/// Places each commit in its section (breaking first, the configured ones, other changes last).
fn sections(
    walked: &mut [Walked],
    config: &Config,
    conventional_only: bool,
    cancelled: &std::collections::HashSet<String>,
) -> Vec<SectionOut> {
    // Slot 0: breaking; 1..=n: configured; n+1: other.
    let titles: Vec<&String> = std::iter::once(&config.breaking_title)
        .chain(config.sections.iter().map(|s| &s.title))
        .chain(std::iter::once(&config.other_title))
        .collect();
    let other = titles.len() - 1;
    let mut slots: Vec<Vec<String>> = vec![Vec::new(); titles.len()];
    for w in walked.iter_mut() {
        let info = &mut w.info;
        let slot = if cancelled.contains(&info.sha) {
            None
        } else if info.breaking {
            Some(0)
        } else if let Some(ty) = &info.ty {
            Some(config.section_of(ty).map_or(other, |i| i + 1))
        } else if conventional_only {
            None
        } else {
            Some(other)
        };
        if let Some(slot) = slot {
            info.section = Some(titles[slot].clone());
            slots[slot].push(info.sha.clone());
        }
    }
    slots
        .into_iter()
        .zip(titles)
        .filter(|(shas, _)| !shas.is_empty())
        .map(|(commits, title)| SectionOut {
            title: title.clone(),
            commits,
        })
        .collect()
}

/// A sort key that orders digit runs by value, so `FR-2` comes before `FR-10` (digits before
/// text, as in ASCII).
fn natural_key(s: &str) -> Vec<(bool, usize, String)> {
    let mut key = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let digits = c.is_ascii_digit();
        let end = rest
            .find(|ch: char| ch.is_ascii_digit() != digits)
            .unwrap_or(rest.len());
        let run = &rest[..end];
        if digits {
            let value = run.trim_start_matches('0');
            key.push((false, value.len(), value.to_string()));
        } else {
            key.push((true, 0, run.to_string()));
        }
        rest = &rest[end..];
    }
    key
}

fn spec_refs(walked: &[Walked]) -> Vec<SpecRef> {
    let mut map: HashMap<&str, Vec<String>> = HashMap::new();
    for w in walked {
        for id in &w.info.specs {
            map.entry(id).or_default().push(w.info.sha.clone());
        }
    }
    let mut specs: Vec<SpecRef> = map
        .into_iter()
        .map(|(id, commits)| SpecRef {
            id: id.to_string(),
            commits,
        })
        .collect();
    specs.sort_by_cached_key(|s| (natural_key(&s.id), s.id.clone()));
    specs
}

fn validate_channel(pre: Option<&str>) -> Result<(), Error> {
    if let Some(ch) = pre {
        let ok = !ch.is_empty()
            && ch.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !ch.chars().all(|c| c.is_ascii_digit());
        if !ok {
            return Err(Error::Usage(format!(
                "--pre {ch:?}: a channel is letters, digits and `-` (e.g. rc, beta, alpha)"
            )));
        }
    }
    Ok(())
}

/// Builds the notes: the tag choice, the walk, sections, versions, links. Testable without a
/// process; `github_ref` is `GITHUB_REF`.
pub fn build(args: &Args, config: &Config, github_ref: Option<&str>) -> Result<Notes, Error> {
    validate_channel(args.pre.as_deref())?;
    // Every object is read once per walk and then dropped: libgit2's object cache would only
    // hold ~1 KiB per commit until exit (50,000 commits: +40 MiB), and re-hashing every object
    // read from a local pack buys nothing when nothing is written. Both are process-wide
    // settings, harmless in a process that runs one tool.
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    let repo = Repository::discover(&args.repo_path).map_err(|e| Error::NotARepo {
        path: args.repo_path.display().to_string(),
        message: e.message().to_string(),
    })?;
    if repo.is_shallow() {
        return Err(Error::Shallow {
            path: repo
                .workdir()
                .unwrap_or_else(|| repo.path())
                .display()
                .to_string(),
        });
    }
    if repo.is_empty().unwrap_or(false) {
        return Err(Error::Usage(format!(
            "{}: the repository has no commits yet; there is nothing to release",
            args.repo_path.display()
        )));
    }
    let prefix = args.tag_prefix.as_str();
    let tags = Tags::load(&repo, prefix).map_err(git("reading the tags"))?;

    let to_spec = match (
        &args.to,
        github_ref.and_then(|r| r.strip_prefix("refs/tags/")),
    ) {
        (Some(to), _) => to.clone(),
        (None, Some(tag)) => tag.to_string(),
        (None, None) => "HEAD".to_string(),
    };
    let to = resolve(&repo, "--to", &to_spec)?;
    let to_tag_name = to_spec.strip_prefix("refs/tags/").unwrap_or(&to_spec);
    let release_tag: Option<String> = match &args.tag {
        Some(t) => Some(t.clone()),
        // `--to` names a tag (even one without the prefix), or a release tag points at it.
        None if repo
            .find_reference(&format!("refs/tags/{to_tag_name}"))
            .is_ok() =>
        {
            Some(to_tag_name.to_string())
        }
        None => tags.at(to).next().map(|t| t.name.clone()),
    };
    let release_version = release_tag
        .as_deref()
        .and_then(|t| history::tag_version(t, prefix));
    let prerelease = match &release_version {
        Some(v) => !v.pre.is_empty(),
        None => args.pre.is_some(),
    };

    let (chosen, mut considered) = tags
        .previous(&repo, to, release_version.as_ref(), prerelease)
        .map_err(git("choosing the previous tag"))?;
    considered.extend(tags.ignored.iter().cloned());
    let (from_name, from_oid) = match &args.from {
        Some(from) => {
            let oid = resolve(&repo, "--from", from)?;
            for c in considered.iter_mut().filter(|c| c.decision == "chosen") {
                c.decision = "skipped";
                c.reason = format!("--from {from} was given");
            }
            considered.insert(
                0,
                Considered {
                    tag: from.clone(),
                    decision: "chosen",
                    reason: "given with --from".to_string(),
                },
            );
            (Some(from.clone()), Some(oid))
        }
        None => (chosen.map(|t| t.name.clone()), chosen.map(|t| t.commit)),
    };

    let Collected { mut walked, merges } = collect(&repo, to, from_oid, config)?;

    // The version bump counts from the last stable release, even when the notes start at a
    // pre-release (1.3.0-rc.1 → rc.2 still needs the features since 1.2.0).
    let stable = match chosen {
        Some(t) if t.version.pre.is_empty() => Some(t),
        Some(t) => tags
            .previous_stable(&repo, to, &t.version)
            .map_err(git("finding the last stable release"))?,
        None => None,
    };
    let previous_pre = chosen.filter(|t| !t.version.pre.is_empty());
    let cancelled = cancelled(&walked);
    let level = if stable.map(|t| t.commit) == from_oid {
        walked
            .iter()
            .filter(|w| !cancelled.contains(&w.info.sha))
            .map(|w| w.level)
            .max()
            .unwrap_or(Level::Patch)
    } else {
        level_since(&repo, to, stable.map(|t| t.commit))?
    };
    let existing: Vec<&Version> = tags
        .tags
        .iter()
        .filter(|t| t.commit != to)
        .map(|t| &t.version)
        .collect();
    let next = version::next(
        stable.map(|t| &t.version),
        previous_pre.map(|t| &t.version),
        level,
        &config.initial_version,
        args.pre.as_deref(),
        existing,
    );

    let identity = identify(&repo, args.repo.as_deref())?;
    let web = identity.as_ref().map(|(_, w)| w.clone());
    let tag = release_tag
        .clone()
        .unwrap_or_else(|| format!("{prefix}{next}"));
    let version = release_version.map_or_else(|| next.to_string(), |v| v.to_string());
    let to_commit = repo
        .find_commit(to)
        .map_err(git("reading the release commit"))?;
    // Compare against the tag only when it exists (or was promised with --tag).
    let compare_to = if release_tag.is_some() {
        tag.clone()
    } else {
        to.to_string()
    };
    let compare_url = match (&web, &from_name) {
        (Some(web), Some(from)) => Some(format!("{web}/compare/{from}...{compare_to}")),
        _ => None,
    };

    let section_list = sections(&mut walked, config, args.conventional_only, &cancelled);
    let failures: Vec<Failure> = walked
        .iter()
        .filter_map(|w| {
            w.problem.as_ref().map(|reason| Failure {
                sha: w.info.sha.clone(),
                subject: w.info.subject.clone(),
                reason: reason.clone(),
            })
        })
        .collect();
    let mut notes = Notes {
        tag,
        version,
        next_version: next.to_string(),
        previous_tag: from_name.clone(),
        repo: identity.map(|(slug, _)| slug),
        web_url: web.clone(),
        range: render::Range {
            from: from_name,
            from_sha: from_oid.map(|o| o.to_string()),
            to: to_spec.clone(),
            to_sha: to.to_string(),
            date: day(to_commit.committer().when()),
            compare_url,
        },
        tag_selection: considered,
        tags_without_prefix: tags.other_prefix,
        sections: section_list,
        specs: spec_refs(&walked),
        contributors: contributors(&walked),
        downloads: Vec::new(),
        signatures: Vec::new(),
        skipped_merges: merges,
        parse_failures: render::ParseFailures {
            count: failures.len(),
            commits: failures,
        },
        commits: walked.into_iter().map(|w| w.info).collect(),
        markdown: String::new(),
    };
    notes.downloads = downloads(args, &notes.tag, web.as_deref())?;
    notes.signatures = manifest_signatures(args);
    notes.markdown = notes.markdown();
    Ok(notes)
}

fn explain(notes: &Notes) -> String {
    let mut text = format!(
        "notes-gen: release {} at {}; previous release: {}\n",
        notes.tag,
        &notes.range.to_sha[..notes.range.to_sha.len().min(12)],
        notes
            .previous_tag
            .as_deref()
            .unwrap_or("none (whole history)")
    );
    if notes.tag_selection.is_empty() {
        text.push_str("  no release tags found\n");
    }
    for c in &notes.tag_selection {
        text.push_str(&format!("  {:7} {}: {}\n", c.decision, c.tag, c.reason));
    }
    if notes.tags_without_prefix > 0 {
        text.push_str(&format!(
            "  ignored {} tag(s) without the prefix (--tag-prefix)\n",
            notes.tags_without_prefix
        ));
    }
    text
}

/// Runs `notes-gen` with parsed arguments; testable without a process.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default_config(),
    };
    let github_ref = std::env::var("GITHUB_REF").ok();
    let notes = build(&args, &config, github_ref.as_deref())?;
    let io = |what: &'static str| move |source| Error::Io { what, source };

    if args.explain {
        eprint!("{}", explain(&notes));
    }
    let failures = &notes.parse_failures;
    if args.verbose {
        for f in &failures.commits {
            eprintln!(
                "notes-gen: {} {:?}: {}",
                &f.sha[..f.sha.len().min(12)],
                f.subject.chars().take(120).collect::<String>(),
                f.reason
            );
        }
    }
    if failures.count > 0 {
        eprintln!(
            "notes-gen: {} of {} commits are not clean conventional commits{}",
            failures.count,
            notes.commits.len(),
            if args.verbose {
                ""
            } else {
                " (list them with --verbose)"
            }
        );
    }

    if let Some(manifest) = &args.checksums {
        for d in notes.downloads.iter().filter(|d| d.file_hex.is_some()) {
            let message = format!(
                "{}: the file name in {} is not valid UTF-8; the Downloads table shows it escaped (\\xNN for each byte that is not UTF-8, \\\\ for a backslash) and without a download link, since a release asset's name is UTF-8; rename the file",
                d.file,
                manifest.display()
            );
            ctx.gha.annotate(
                crate::gha::Level::Warning,
                &crate::gha::Annotation::new(message).title("notes-gen"),
            );
        }
        let missing: Vec<&str> = notes
            .downloads
            .iter()
            .filter(|d| d.size.is_none())
            .map(|d| d.file.as_str())
            .collect();
        if !missing.is_empty() {
            let message = format!(
                "{} of {} files listed in {} are not in {}, so the Downloads table has no size for them: {}; pass --artifacts-dir if they are elsewhere",
                missing.len(),
                notes.downloads.len(),
                manifest.display(),
                artifacts_dir(&args, manifest).display(),
                missing.join(", ")
            );
            ctx.gha.annotate(
                crate::gha::Level::Warning,
                &crate::gha::Annotation::new(message).title("notes-gen"),
            );
        }
    }

    let mut notes_file: Option<PathBuf> = args.output.clone();
    if notes_file.is_none() && ctx.gha.is_actions() && !args.bump {
        if let Some(tmp) = std::env::var_os("RUNNER_TEMP").filter(|t| !t.is_empty()) {
            notes_file = Some(PathBuf::from(tmp).join("release-notes.md"));
        }
    }
    if !args.bump {
        if let Some(path) = &notes_file {
            crate::fsutil::atomic_write(path, notes.markdown.as_bytes())?;
        }
    }
    if let Some(path) = &args.changelog {
        let existing = match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(FileError::Read {
                    path: path.display().to_string(),
                    source,
                }
                .into())
            }
        };
        let changelog_link = notes.range.compare_url.clone().or_else(|| {
            let web = notes.web_url.as_ref()?;
            Some(format!("{web}/releases/tag/{}", notes.tag))
        });
        match changelog::insert(
            existing.as_deref(),
            &notes.version,
            &notes.tag,
            &notes.range.date,
            &notes.sections_markdown(),
            changelog_link.as_deref(),
        ) {
            Some(text) => crate::fsutil::atomic_write(path, text.as_bytes())?,
            None => eprintln!(
                "notes-gen: {}: already has an entry for {}; left unchanged",
                path.display(),
                notes.version
            ),
        }
    }

    if args.output_args.json {
        crate::output::write_json(ctx.out, &notes).map_err(io("the JSON document"))?;
    } else if args.bump {
        writeln!(ctx.out, "{}", notes.next_version).map_err(io("stdout"))?;
    } else if args.output.is_none() {
        ctx.out
            .write_all(notes.markdown.as_bytes())
            .map_err(io("stdout"))?;
    }

    let gha = &ctx.gha;
    let file_text = match &notes_file {
        Some(p) if !args.bump => crate::fsutil::path_text(p)?.to_string(),
        _ => String::new(),
    };
    for (name, value) in [
        ("notes-file", file_text.as_str()),
        ("version", notes.version.as_str()),
        ("next-version", notes.next_version.as_str()),
        ("previous-tag", notes.previous_tag.as_deref().unwrap_or("")),
        ("tag", notes.tag.as_str()),
    ] {
        gha.set_output(name, value)?;
    }
    if !args.bump {
        gha.append_summary(&notes.markdown)?;
    }
    Ok(if args.strict && failures.count > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

/// Entry point of the `notes-gen` binary and of `relkit notes-gen`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("notes-gen", argv, run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls() {
        let gh = Some(("o/r".to_string(), "https://github.com/o/r".to_string()));
        assert_eq!(remote_repo("https://github.com/o/r.git"), gh);
        assert_eq!(remote_repo("git@github.com:o/r.git"), gh);
        assert_eq!(remote_repo("ssh://git@github.com/o/r"), gh);
        assert_eq!(remote_repo("file:///tmp/x"), None);
        assert_eq!(remote_repo("/tmp/x"), None);
        assert_eq!(remote_repo("https://github.com/o"), None);
    }

    #[test]
    fn slugs_and_channels() {
        assert!(valid_slug("octo-org/relkit.rs"));
        assert!(!valid_slug("octo org/x"));
        assert!(!valid_slug("a/b/c"));
        assert!(validate_channel(Some("rc")).is_ok());
        assert!(validate_channel(Some("rc.1")).is_err());
        assert!(validate_channel(Some("1")).is_err());
    }

    #[test]
    fn messages_decode_utf8_latin1_or_lossily() {
        assert_eq!(decode("é".as_bytes(), None), ("é".to_string(), false));
        assert_eq!(
            decode(b"caf\xe9", Some("ISO-8859-1")),
            ("café".to_string(), false)
        );
        assert_eq!(decode(b"caf\xe9", None), ("caf\u{FFFD}".to_string(), true));
    }

    #[test]
    fn spec_ids_sort_naturally() {
        let mut ids = vec!["FR-10", "FR-2", "AC-404", "007-x", "FR-02", "10-y"];
        ids.sort_by_cached_key(|s| (natural_key(s), s.to_string()));
        assert_eq!(
            ids,
            vec!["007-x", "10-y", "AC-404", "FR-02", "FR-2", "FR-10"]
        );
    }

    #[test]
    fn days_are_utc_and_clamped() {
        assert_eq!(day(git2::Time::new(1_700_000_000, 600)), "2023-11-14");
        assert_eq!(day(git2::Time::new(-5, 0)), "1970-01-01");
        assert_eq!(day(git2::Time::new(i64::MAX, 0)), "9999-12-31");
    }
}
