//! `apt-repo`: publish `.deb` packages as a signed APT repository users can `apt install` from
//! (issue 15). Packages go to `pool/<component>/<prefix>/<source>/`, the indices to
//! `dists/<suite>/<component>/binary-<arch>/Packages{,.gz,.xz}` with `by-hash` copies, and a
//! `Release` listing them is signed as `InRelease` and `Release.gpg` with the shared OpenPGP
//! module (no `gpg` process). Runs are incremental: an existing repository (a directory, or a
//! URL it is fetched from and verified against) keeps its packages, a re-run with the same files
//! changes nothing, and a different file under a name, version and architecture already
//! published is refused.

mod index;
mod package;
mod remote;
mod setup;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use crate::cli::{Ctx, OutputArgs};
use crate::exit::{Exit, FileError, ToolError};
use crate::openpgp::{OpenPgpError, SigningKey};
use crate::select::{select, SelectError, SelectOptions};

/// Build or update a signed APT repository.
#[derive(Debug, clap::Parser)]
#[command(
    name = "apt-repo",
    version,
    about = "Publish .deb packages as a signed APT repository (Packages, Release, InRelease, by-hash), incrementally",
    long_about = "Publish .deb packages as a signed APT repository that apt-get and apt read.\n\n\
        Each DEB (a file, a directory of them, or a glob) is placed under pool/COMPONENT/ and listed in \
        dists/SUITE/COMPONENT/binary-ARCH/Packages (plain, .gz and .xz, with by-hash copies); \
        dists/SUITE/Release lists every index with its MD5, SHA-1, SHA-256 and SHA-512 and is signed as \
        InRelease (cleartext) and Release.gpg (detached) with the OpenPGP secret key in --key-env \
        (default RELKIT_SIGNING_KEY; passphrase in --passphrase-env). KEY.asc and KEY.gpg hold the \
        public key for users.\n\n\
        The repository in --repo is updated in place: its packages stay (the newest --keep N per package \
        and architecture, when given), a re-run with the same files changes nothing, and a file that differs \
        from the published one of the same name, version and architecture is refused (exit 1). --from URL \
        first fetches a published repository into an empty --repo, checking its InRelease signature with the \
        signing key and every file against the hashes it lists (for GitHub Pages, where no branch holds \
        the site).\n\n\
        Architecture: all packages are listed under every architecture of the suite (--architectures, \
        default: those of the packages).",
    after_help = crate::after_help!(
        "  apt-repo --repo site dist/*.deb                     sign with $RELKIT_SIGNING_KEY
  apt-repo --repo site --suite stable --component main --architectures amd64,arm64 debs/
  apt-repo --repo site --keep 3 --valid-for 30d --url https://example.github.io/app dist/
  apt-repo --repo site --from https://example.github.io/app dist/*.deb
  apt-repo --repo site --no-sign dist/*.deb               unsigned: clients need [trusted=yes]"
    )
)]
pub struct Args {
    /// Packages to add: `.deb` files, directories holding them, or globs.
    #[arg(value_name = "DEB")]
    pub debs: Vec<OsString>,

    /// The repository directory (created when missing).
    #[arg(
        long,
        env = "APT_REPO_DIR",
        default_value = "apt-repo",
        value_name = "DIR"
    )]
    pub repo: PathBuf,

    /// Fetch the published repository at URL into the empty --repo first (its InRelease checked
    /// against the signing key, every file against Release's and Packages' hashes). A URL with no
    /// repository yet (404) starts a new one.
    #[arg(long, env = "APT_REPO_FROM", value_name = "URL")]
    pub from: Option<String>,

    /// The suite (`dists/<suite>`), e.g. `stable` or a codename.
    #[arg(
        long,
        env = "APT_REPO_SUITE",
        default_value = "stable",
        value_name = "NAME"
    )]
    pub suite: String,

    /// The `Codename:` of the suite (default: the suite's name).
    #[arg(long, value_name = "NAME")]
    pub codename: Option<String>,

    /// The component packages are added to.
    #[arg(
        long,
        env = "APT_REPO_COMPONENT",
        default_value = "main",
        value_name = "NAME"
    )]
    pub component: String,

    /// The suite's binary architectures (comma-separated), added to those already published and
    /// those of the packages. Needed when every package is `Architecture: all`.
    #[arg(long, value_delimiter = ',', value_name = "ARCH,...")]
    pub architectures: Vec<String>,

    /// The digests each package's `Packages` entry lists (comma-separated: md5, sha1, sha256,
    /// sha512). The default is what Debian's own archive writes; APT checks SHA256, which is
    /// always included. The Release file lists every index under all four.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "md5,sha256",
        value_name = "HASH,..."
    )]
    pub hashes: Vec<package::Hash>,

    /// `Origin:` of the Release file.
    #[arg(long, value_name = "TEXT")]
    pub origin: Option<String>,

    /// `Label:` of the Release file (default: the origin).
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,

    /// `Description:` of the Release file.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// Write `Valid-Until:` this long after `Date:` (`30d`, `12h`); APT refuses the repository
    /// after it, so a re-signing job must run before (see --refresh).
    #[arg(long, value_parser = crate::cli::parse_duration, value_name = "DURATION")]
    pub valid_for: Option<Duration>,

    /// Keep only the newest N versions of each package and architecture (older pool files are
    /// deleted).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: Option<u32>,

    /// Write and sign a new Release (new Date and Valid-Until) even when nothing changed.
    #[arg(long)]
    pub refresh: bool,

    /// Environment variable holding the OpenPGP secret key (armoured).
    #[arg(long, default_value = "RELKIT_SIGNING_KEY", value_name = "NAME")]
    pub key_env: String,

    /// Environment variable holding the key's passphrase (unset or empty: none).
    #[arg(long, default_value = "RELKIT_SIGNING_PASSPHRASE", value_name = "NAME")]
    pub passphrase_env: String,

    /// Do not sign: no InRelease, Release.gpg or KEY files (clients then need `[trusted=yes]`).
    #[arg(long)]
    pub no_sign: bool,

    /// Where users reach the repository, for the setup lines printed (default: a placeholder).
    #[arg(long, env = "APT_REPO_URL", value_name = "URL")]
    pub url: Option<String>,

    /// The file name users give the key and the sources entry (`/etc/apt/keyrings/<name>.gpg`).
    #[arg(long, default_value = "relkit", value_name = "NAME")]
    pub name: String,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub output_args: OutputArgs,
}

/// Errors of `apt-repo`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The packages could not be selected.
    #[error(transparent)]
    Select(#[from] SelectError),
    /// Packages are not readable, valid `.deb` files (one line each: file and problem).
    #[error("{}", .0.join("\n"))]
    BadPackages(Vec<String>),
    /// The repository on disk is malformed or incomplete.
    #[error("{path}: {reason}")]
    BadRepo {
        /// The file or directory.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Packages differ from those already published under the same name, version and
    /// architecture (one line each).
    #[error("{} package(s) conflict with the published ones; publish them under a new version:\n{}", .0.len(), .0.join("\n"))]
    Conflict(Vec<String>),
    /// The published repository at `--from` could not be fetched.
    #[error("{0}")]
    Fetch(String),
    /// The published repository at `--from` failed its signature or hash checks.
    #[error("{0}")]
    Untrusted(String),
    /// A signing key or signature problem.
    #[error(transparent)]
    OpenPgp(#[from] OpenPgpError),
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A usage error clap cannot express.
    #[error("{0}")]
    Usage(String),
    /// Standard output could not be written.
    #[error("cannot write to standard output: {0}")]
    Stdout(#[from] std::io::Error),
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::Select(e) => e.exit(),
            Error::BadPackages(_) | Error::BadRepo { .. } | Error::Usage(_) => Exit::Usage,
            Error::Conflict(_) | Error::Untrusted(_) => Exit::Failed,
            Error::Fetch(_) | Error::Stdout(_) => Exit::Env,
            Error::OpenPgp(e) => e.exit(),
            Error::File(e) => e.exit(),
        }
    }
}

/// Runs apt-repo with parsed arguments; testable without a process.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    for (what, value) in [("--suite", &args.suite), ("--component", &args.component)] {
        if value.is_empty()
            || value.starts_with('.')
            || !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c))
        {
            return Err(Error::Usage(format!(
                "{what} '{value}' is not a valid name (letters, digits, '-', '_', '.', '+')"
            )));
        }
    }
    for arch in &args.architectures {
        if arch == "all" || !package::is_arch_name(arch) {
            return Err(Error::Usage(format!(
                "--architectures: '{arch}' is not a binary architecture (amd64, arm64, armhf, i386, …)"
            )));
        }
    }
    // The key first: a missing secret fails before any file is written.
    let key = if args.no_sign {
        None
    } else {
        let key = SigningKey::from_env(&args.key_env, &args.passphrase_env)?;
        Some(key)
    };
    let fetched = match &args.from {
        Some(url) => Some(remote::fetch(url, &args, key.as_ref(), &ctx.gha)?),
        None => None,
    };
    let debs = if args.debs.is_empty() {
        Vec::new()
    } else {
        let selection = select(&args.debs, &SelectOptions::default())?;
        for (path, why) in &selection.skipped {
            eprintln!("apt-repo: {}: not read: {why}", path.display());
        }
        // A directory (dist/) also holds checksums, notes and the like: its `.deb` files are
        // the packages, and what else was found is named, not passed over in silence.
        let (debs, others): (Vec<_>, Vec<_>) = selection.files.into_iter().partition(|f| {
            f.explicit
                || f.path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("deb"))
        });
        if !others.is_empty() {
            let names: Vec<String> = others
                .iter()
                .map(|f| f.path.display().to_string())
                .collect();
            eprintln!(
                "apt-repo: left out {} file(s) found in directories that are not .deb: {}",
                names.len(),
                names.join(", ")
            );
        }
        debs.into_iter().map(|f| f.path).collect()
    };
    if debs.is_empty() && !index::exists(&args.repo, &args.suite) {
        return Err(Error::Usage(format!(
            "no .deb files given and {} holds no suite '{}' yet; name the packages to publish",
            args.repo.display(),
            args.suite
        )));
    }
    let mut hashes = args.hashes.clone();
    if !hashes.contains(&package::Hash::Sha256) {
        hashes.push(package::Hash::Sha256);
    }
    let scanned = package::scan(&debs, &hashes)?;
    let outcome = index::update(&args, scanned, key.as_ref())?;
    report(&args, ctx, &outcome, key.as_ref(), fetched.as_ref())?;
    Ok(Exit::Ok)
}

/// Prints the outcome (text or JSON), and inside Actions writes the step outputs and the job
/// summary.
fn report(
    args: &Args,
    ctx: &mut Ctx,
    outcome: &index::Outcome,
    key: Option<&SigningKey>,
    fetched: Option<&remote::Fetched>,
) -> Result<(), Error> {
    let lines = setup::Lines::new(args, key.is_some());
    let fingerprint = key.map(SigningKey::fingerprint);
    let names = |list: &[package::Key]| list.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    if args.output_args.json {
        let doc = json!({
            "repo": args.repo.display().to_string(),
            "suite": args.suite,
            "component": args.component,
            "architectures": outcome.architectures,
            "components": outcome.components,
            "changed": outcome.changed,
            "packages": outcome.packages,
            "added": names(&outcome.added),
            "unchanged": names(&outcome.unchanged),
            "removed": names(&outcome.removed),
            "signed": key.is_some(),
            "fingerprint": fingerprint,
            "valid_until": outcome.valid_until,
            "fetched": fetched.map(|f| json!({"url": f.url, "files": f.files, "bytes": f.bytes})),
            "setup": lines.json(),
        });
        crate::output::write_json(ctx.out, &doc)?;
    } else {
        let style = &ctx.style;
        if let Some(f) = fetched {
            writeln!(
                ctx.out,
                "fetched {} file(s), {} from {}",
                f.files,
                crate::output::human_bytes(f.bytes),
                f.url
            )?;
        }
        for k in &outcome.added {
            writeln!(ctx.out, "{} {k}", style.ok("added"))?;
        }
        for k in &outcome.unchanged {
            writeln!(ctx.out, "unchanged {k} (already published, same file)")?;
        }
        for k in &outcome.removed {
            writeln!(ctx.out, "{} {k} (--keep)", style.warn("removed"))?;
        }
        let state = if outcome.changed {
            "updated"
        } else {
            "unchanged"
        };
        writeln!(
            ctx.out,
            "{}: {state}: {} package(s) in {}/{} for {}",
            args.repo.display(),
            outcome.packages,
            args.suite,
            args.component,
            outcome.architectures.join(", ")
        )?;
        match &fingerprint {
            Some(fp) => writeln!(ctx.out, "signed by {fp}")?,
            None => writeln!(
                ctx.out,
                "{}",
                style.warn("not signed (--no-sign): clients need [trusted=yes]")
            )?,
        }
        writeln!(ctx.out, "\n{}", lines.text())?;
    }
    let gha = &ctx.gha;
    if gha.is_actions() {
        let joined = |list: &[package::Key]| names(list).join("\n");
        let outputs = [
            ("repo", args.repo.display().to_string()),
            ("changed", outcome.changed.to_string()),
            ("packages", outcome.packages.to_string()),
            ("added", joined(&outcome.added)),
            ("removed", joined(&outcome.removed)),
            ("fingerprint", fingerprint.clone().unwrap_or_default()),
            ("apt-line", lines.deb_line.clone()),
            ("sources", lines.sources.clone()),
            (
                "keyring-command",
                lines.keyring_command.clone().unwrap_or_default(),
            ),
        ];
        for (name, value) in outputs {
            gha.set_output(name, &value)?;
        }
        gha.append_summary(&setup::summary(
            args,
            outcome,
            fingerprint.as_deref(),
            &lines,
        ))?;
    }
    Ok(())
}

/// Entry point of the `apt-repo` binary and of `relkit apt-repo`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("apt-repo", argv, run)
}
