//! `checksum`: create, verify, lint and merge checksum manifests, byte-compatible with GNU
//! `sha256sum` and hashing files in parallel on every core.

mod create;
mod lint;
mod merge;
mod paths;
mod verify;

// The digests and the manifest format live in the shared crate::digest; checksum's own
// submodules keep reaching them as `super::algo`, `super::hash` and `super::manifest`.
pub use crate::digest::{algo, hash, manifest};

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli::{Ctx, OutputArgs};
use crate::exit::{Exit, FileError, ToolError};
use crate::select::SelectError;

use algo::Algorithm;

/// Create, verify, lint or merge checksum manifests.
#[derive(Debug, clap::Parser)]
#[command(
    name = "checksum",
    version,
    about = "Create, verify, lint and merge SHA-256/384/512 checksum manifests (byte-compatible with sha256sum)",
    long_about = "Create, verify, lint and merge SHA-256/384/512 checksum manifests.\n\n\
        Without a mode flag, hashes the files, directories (walked, sorted) and glob patterns given and \
        writes a manifest in GNU coreutils format (`<hex>  <name>`, sorted by name, names relative to \
        --base), which `sha256sum -c` verifies. --check verifies manifests, --lint reports what would \
        break other verifiers, --merge joins partial manifests from matrix jobs.\n\n\
        File names are bytes, as in GNU: a name that is not UTF-8 (Latin-1) is written and verified \
        byte for byte. Only text outputs escape it, losslessly: --json, the job summary, \
        annotations and step outputs show each byte that is not UTF-8 as \\xNN and each \\ in such a name as \\\\, \
        with a warning naming the file; a JSON field holding such a name or path gets a sibling \
        `<field>_hex` with the exact bytes as hex.",
    after_help = crate::after_help!(
        "  checksum dist/ --base dist -o dist/SHA256SUMS     hash every file under dist/\n  \
         checksum -a sha512 'dist/*.tar.gz' --sidecar       also write dist/x.tar.gz.sha512\n  \
         checksum --check SHA256SUMS                        verify, like sha256sum -c\n  \
         checksum --check SHA256SUMS --signature SHA256SUMS.asc --key KEY.asc\n  \
         checksum --check --ignore-missing --quiet SHA256SUMS\n  \
         checksum --lint SHA256SUMS                         find CRLF, ./ prefixes, duplicates\n  \
         checksum --merge linux/SHA256SUMS macos/SHA256SUMS -o SHA256SUMS"
    )
)]
pub struct Args {
    /// Files, directories or glob patterns to hash; with --check, --lint or --merge, the
    /// manifests to read (`-` is standard input).
    #[arg(value_name = "PATH|GLOB|MANIFEST")]
    pub paths: Vec<OsString>,

    /// Verify the manifests given (every line; the algorithm comes from each line).
    #[arg(short = 'c', long, conflicts_with_all = ["lint", "merge"])]
    pub check: bool,

    /// Report what in the manifests given would break other verifiers.
    #[arg(long, conflicts_with = "merge")]
    pub lint: bool,

    /// Merge partial manifests into one sorted manifest.
    #[arg(long)]
    pub merge: bool,

    /// Digest algorithm when creating.
    #[arg(short, long, value_enum, default_value_t = Algorithm::Sha256, env = "CHECKSUM_ALGORITHM")]
    pub algorithm: Algorithm,

    /// Write the manifest to FILE atomically instead of standard output.
    #[arg(short, long, value_name = "FILE", conflicts_with_all = ["check", "lint"])]
    pub output: Option<PathBuf>,

    /// Names in the manifest are relative to DIR when creating; names are looked up under DIR
    /// when checking. Defaults to the current directory.
    #[arg(long, value_name = "DIR", env = "CHECKSUM_BASE")]
    pub base: Option<PathBuf>,

    /// Write BSD-style lines: `SHA256 (name) = hex`.
    #[arg(long, conflicts_with_all = ["check", "lint"])]
    pub tag: bool,

    /// Also write `<file>.sha256` (or .sha384, .sha512) next to each file: one full manifest line
    /// that `sha256sum -c` reads in that directory.
    #[arg(long, conflicts_with_all = ["check", "lint", "merge"])]
    pub sidecar: bool,

    /// Follow symbolic links while walking directories (links named explicitly are always
    /// followed).
    #[arg(long)]
    pub follow: bool,

    /// With --check: don't fail or report for files that are missing.
    #[arg(long, requires = "check")]
    pub ignore_missing: bool,

    /// With --check: malformed lines are errors (exit 2), not warnings.
    #[arg(long, requires = "check")]
    pub strict: bool,

    /// With --check: print only failures, not `name: OK`.
    #[arg(short, long, requires = "check")]
    pub quiet: bool,

    /// With --check: print nothing; the exit status says it all.
    #[arg(long, requires = "check")]
    pub status: bool,

    /// With --check: allow names that are absolute or leave the base directory (`..`).
    #[arg(long, requires = "check")]
    pub allow_outside: bool,

    /// With --check: the manifest's detached signature (OpenPGP `.asc`/`.sig` or minisign
    /// `.minisig`; `-` is standard input), verified before any file is checked: a bad or
    /// untrusted signature stops with exit 1. Needs --key or --keyring.
    #[arg(long, value_name = "SIG", requires = "check")]
    pub signature: Option<PathBuf>,

    /// With --signature: a trusted public key (OpenPGP armoured or binary, a minisign public key
    /// file, or minisign's `RW…` key text). Repeatable.
    #[arg(long, value_name = "KEY", requires = "signature")]
    pub key: Vec<PathBuf>,

    /// With --signature: a directory of trusted OpenPGP public keys.
    #[arg(long, value_name = "DIR", requires = "signature")]
    pub keyring: Option<PathBuf>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub output_args: OutputArgs,
}

/// Errors of `checksum`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The files to hash could not be selected (no match, missing path, bad pattern).
    #[error(transparent)]
    Select(#[from] SelectError),
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A file to hash is not under the base directory, so it has no name relative to it.
    #[error("{path}: not under the base directory {base}; pass a --base that contains it")]
    OutsideBase {
        /// The file.
        path: String,
        /// The base directory.
        base: String,
    },
    /// Nothing is left to hash: empty directories, or only the manifest itself and sidecars.
    #[error("no files to hash: the directories given are empty or hold only the manifest and sidecars; an empty manifest is never written")]
    NothingLeft,
    /// A manifest line could not be read (with --strict, or while merging).
    #[error("{file}:{line}: malformed checksum line: {reason}")]
    Malformed {
        /// The manifest.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A manifest has no checksum lines at all.
    #[error("{file}: no properly formatted checksum lines found; is it a checksum manifest?")]
    NoLines {
        /// The manifest.
        file: String,
    },
    /// A manifest line names a file outside the base directory.
    #[error("{file}:{line}: refusing {name:?}: the name is absolute or leaves the base directory; pass --allow-outside if the manifest is trusted")]
    Outside {
        /// The manifest.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The name in the line.
        name: String,
    },
    /// With --ignore-missing, not one file of a manifest was there to verify.
    #[error("{file}: no file was verified (all listed files are missing)")]
    NothingVerified {
        /// The manifest.
        file: String,
    },
    /// Two parts give the same name different digests.
    #[error("{name}: conflicting digests: {first}, {second}; the builds produced different files under one name")]
    Conflict {
        /// The file name.
        name: String,
        /// Where it was first listed.
        first: Box<Listing>,
        /// Where it was listed again with another digest.
        second: Box<Listing>,
    },
    /// Parts to merge use different algorithms.
    #[error("{file}:{line}: {found} line, but the other parts are {expected}; merge manifests of one algorithm")]
    MixedAlgorithms {
        /// The manifest.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The algorithm of the line.
        found: Algorithm,
        /// The algorithm of the first line merged.
        expected: Algorithm,
    },
    /// The manifest's signature is bad or untrusted, or the keys could not be read.
    #[error(transparent)]
    Signature(#[from] crate::signature::SignatureError),
    /// A usage error clap cannot express.
    #[error("{0}")]
    Usage(String),
    /// Standard output could not be written.
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),
}

/// Where a manifest lists a digest, for messages naming both sides of a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The manifest.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The hex digest.
    pub digest: String,
}

impl std::fmt::Display for Listing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} has {}", self.file, self.line, self.digest)
    }
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::File(e) => e.exit(),
            Error::Signature(e) => e.exit(),
            Error::NothingVerified { .. } => Exit::Failed,
            Error::Stdout(_) => Exit::Env,
            Error::Select(_)
            | Error::OutsideBase { .. }
            | Error::NothingLeft
            | Error::Malformed { .. }
            | Error::NoLines { .. }
            | Error::Outside { .. }
            | Error::Conflict { .. }
            | Error::MixedAlgorithms { .. }
            | Error::Usage(_) => Exit::Usage,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Stdout(e)
    }
}

/// Reports an error the tool keeps going after (a message, or an `::error` annotation inside
/// Actions) and returns its exit code.
fn report(ctx: &Ctx, err: Error) -> Exit {
    crate::cli::report("checksum", &ctx.gha, Err::<Exit, _>(err))
}

/// Reads and parses the manifest `arg` names (`-` is standard input). A failure to read is
/// reported and folded into `worst`, and gives `None`: the caller goes on with the next one.
fn load_manifest(ctx: &Ctx, arg: &std::ffi::OsStr, worst: &mut Exit) -> Option<manifest::Manifest> {
    match paths::read_manifest(arg) {
        Ok(bytes) => Some(manifest::parse(&bytes)),
        Err(e) => {
            *worst = worst.worst(report(ctx, e.into()));
            None
        }
    }
}

/// Runs checksum with parsed arguments; testable without a process.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    if args.paths.is_empty() {
        let what = if args.check || args.lint || args.merge {
            "no manifest given; pass the manifest(s) to read"
        } else {
            "no files given; pass at least one path, directory or glob pattern"
        };
        return Err(Error::Usage(what.to_string()));
    }
    if args.check {
        verify::run(&args, ctx)
    } else if args.lint {
        lint::run(&args, ctx)
    } else if args.merge {
        merge::run(&args, ctx)
    } else {
        create::run(&args, ctx)
    }
}

/// Entry point of the `checksum` binary and of `relkit checksum`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("checksum", argv, run)
}

/// Writes the step outputs every mode sets: `manifest` (path), `count` and `digests` (JSON
/// object name → hex digest; a name that is not UTF-8 is the key in its escaped form, see
/// [`crate::fsutil::escaped_text`]). A later step reads them, so failing to write one is exit 3,
/// as in every tool.
fn set_outputs<'a>(
    ctx: &Ctx,
    manifest: &str,
    digests: impl IntoIterator<Item = (&'a [u8], &'a str)>,
) -> Result<(), Error> {
    let digests: std::collections::BTreeMap<String, &str> = digests
        .into_iter()
        .map(|(name, digest)| (crate::fsutil::escaped_text(name).into_owned(), digest))
        .collect();
    let json = serde_json::to_string(&digests).unwrap_or_else(|_| "{}".to_string());
    for (name, value) in [
        ("manifest", manifest.to_string()),
        ("count", digests.len().to_string()),
        ("digests", json),
    ] {
        ctx.gha.set_output(name, &value)?;
    }
    Ok(())
}

/// The text outputs this run writes file names into, when there are any: the JSON report
/// (`--json`) and, inside Actions, the job summary, step outputs and annotations.
fn text_outputs(args: &Args, ctx: &Ctx) -> Option<&'static str> {
    match (args.output_args.json, ctx.gha.is_actions()) {
        (true, true) => Some("the JSON report and the job summary, step outputs and annotations"),
        (true, false) => Some("the JSON report"),
        (false, true) => Some("the job summary, step outputs and annotations"),
        (false, false) => None,
    }
}

/// Warns once per name that is not UTF-8 and goes into a text output: it is shown there escaped
/// (`\xNN` per byte that is not UTF-8, `\\` per backslash), while the manifest keeps its
/// bytes. Issue 13: a manifest is bytes, JSON and Markdown are text, and neither side may lose
/// the name silently.
fn warn_not_utf8<'a>(ctx: &Ctx, args: &Args, names: impl IntoIterator<Item = &'a [u8]>) {
    let Some(outputs) = text_outputs(args, ctx) else {
        return;
    };
    let mut seen = std::collections::BTreeSet::new();
    for name in names {
        if std::str::from_utf8(name).is_ok() || !seen.insert(name) {
            continue;
        }
        let json = if args.output_args.json {
            ", with its exact bytes as hex in the `_hex` field next to it"
        } else {
            ""
        };
        ctx.gha.annotate(
            crate::gha::Level::Warning,
            &crate::gha::Annotation::new(format!(
                "{}: the file name is not valid UTF-8; it is shown escaped in {outputs} (\\xNN for each byte that is not UTF-8, \\\\ for a backslash){json}; the manifest has its exact bytes",
                crate::fsutil::escaped_text(name)
            ))
            .title("checksum"),
        );
    }
}
