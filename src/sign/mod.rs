//! `sign`: sign release files and verify their signatures, OpenPGP (detached armoured `.asc`,
//! binary `.sig`, cleartext-signed like APT's `InRelease`) and minisign (`.minisig`), in pure
//! Rust: no `gpg` process, the same on Linux, macOS and Windows runners (issue 14).

mod check;
mod make;

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli::{Ctx, OutputArgs};
use crate::exit::{Exit, FileError, ToolError};
use crate::minisig::MinisignError;
use crate::openpgp::OpenPgpError;
use crate::signature::{Format, SignatureError};

/// Sign files, or verify a signature.
#[derive(Debug, clap::Parser)]
#[command(
    name = "sign",
    version,
    about = "Sign release files and verify signatures: OpenPGP (.asc, .sig, cleartext InRelease) and minisign, no gpg needed",
    long_about = "Sign release files and verify signatures: OpenPGP (.asc, .sig, cleartext InRelease) and minisign.\n\n\
        Signing reads the secret key from an environment variable (--key-env, default RELKIT_SIGNING_KEY: an \
        ASCII-armoured OpenPGP secret key, or a minisign secret key file's content) and its passphrase from \
        --passphrase-env (default RELKIT_SIGNING_PASSPHRASE). The format follows the key unless --format says. \
        Each FILE gets its signature next to it: FILE.asc (armoured, the default), FILE.sig (--binary), \
        FILE.asc holding the text and its signature (--clearsign), or FILE.minisig. Expired, revoked and \
        non-signing keys are refused; only SHA-256 or stronger digests are made.\n\n\
        --verify FILE checks FILE against --signature (default: FILE.asc, FILE.sig or FILE.minisig, \
        whichever exists; none for a cleartext-signed FILE) with the keys of --key and --keyring: exit 0 \
        good, 1 bad or untrusted (with the key's fingerprint and what was wrong), 2 bad input.",
    after_help = crate::after_help!(
        "  sign SHA256SUMS                                   writes SHA256SUMS.asc
  sign --binary dist/app.tar.gz                     writes dist/app.tar.gz.sig
  sign --clearsign -o InRelease Release             APT's cleartext form
  RELKIT_SIGNING_KEY=\"$(cat minisign.key)\" sign SHA256SUMS   writes SHA256SUMS.minisig
  sign --export-key KEY.asc                         the public key, for users
  sign --verify SHA256SUMS --signature SHA256SUMS.asc --key KEY.asc
  sign --verify SHA256SUMS --key RWSGZpD+8RhDx+IVC17xXb+xcddUJZY1qZxPE3PGc+L1zL8Z3mAh5Q/D"
    )
)]
pub struct Args {
    /// Files to sign (`-`: standard input, signature on standard output).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Signature format; default: the key's (signing) or the signature's (verifying).
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// OpenPGP: binary detached signatures (FILE.sig) instead of armoured ones (FILE.asc).
    #[arg(long, conflicts_with_all = ["clearsign", "verify"])]
    pub binary: bool,

    /// OpenPGP: write the text with its signature around it (cleartext signature, `InRelease`).
    #[arg(long, conflicts_with = "verify")]
    pub clearsign: bool,

    /// Where to write the signature (one FILE only; `-` is standard output). With --verify of a
    /// cleartext-signed file: where to write the verified text.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Environment variable holding the secret key.
    #[arg(long, default_value = "RELKIT_SIGNING_KEY", value_name = "NAME")]
    pub key_env: String,

    /// Environment variable holding the key's passphrase (unset or empty: none).
    #[arg(long, default_value = "RELKIT_SIGNING_PASSPHRASE", value_name = "NAME")]
    pub passphrase_env: String,

    /// minisign: the trusted comment signed with each file (default: timestamp and file name,
    /// as `minisign -S` writes).
    #[arg(long, value_name = "TEXT", conflicts_with = "verify")]
    pub trusted_comment: Option<String>,

    /// Write the signing key's public key to PATH: OpenPGP armoured (`.asc`) or binary (any other
    /// name, e.g. `KEY.gpg` for APT's `signed-by=`), or minisign's `minisign.pub` form.
    #[arg(long, value_name = "PATH", conflicts_with = "verify")]
    pub export_key: Option<PathBuf>,

    /// Verify the signature of FILE instead of signing.
    #[arg(long, value_name = "FILE", conflicts_with = "files")]
    pub verify: Option<PathBuf>,

    /// With --verify: the signature file (default: FILE.asc, FILE.sig or FILE.minisig).
    #[arg(long, value_name = "SIG", requires = "verify")]
    pub signature: Option<PathBuf>,

    /// With --verify: a trusted public key: OpenPGP (armoured or binary, `gpg --export`), a
    /// minisign public key file, or minisign's `RW…` key text. Repeatable.
    #[arg(long, value_name = "KEY", requires = "verify")]
    pub key: Vec<PathBuf>,

    /// With --verify: a directory of trusted OpenPGP public keys (`*.asc`, `*.gpg`, `*.pgp`,
    /// `*.key`).
    #[arg(long, value_name = "DIR", requires = "verify")]
    pub keyring: Option<PathBuf>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub output_args: OutputArgs,
}

/// Errors of `sign`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An OpenPGP key or signature problem.
    #[error(transparent)]
    OpenPgp(#[from] OpenPgpError),
    /// A minisign key or signature problem.
    #[error(transparent)]
    Minisign(#[from] MinisignError),
    /// A signature check failed or could not be made.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A usage error clap cannot express.
    #[error("{0}")]
    Usage(String),
    /// Standard output could not be written.
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),
}

impl ToolError for Error {
    fn exit(&self) -> Exit {
        match self {
            Error::OpenPgp(e) => e.exit(),
            Error::Minisign(e) => e.exit(),
            Error::Signature(e) => e.exit(),
            Error::File(e) => e.exit(),
            Error::Usage(_) => Exit::Usage,
            Error::Stdout(_) => Exit::Env,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Stdout(e)
    }
}

/// Runs sign with parsed arguments; testable without a process.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    if args.verify.is_some() {
        check::run(&args, ctx)
    } else {
        make::run(&args, ctx)
    }
}

/// Entry point of the `sign` binary and of `relkit sign`.
pub fn main(argv: Vec<OsString>) -> std::process::ExitCode {
    crate::cli::run_tool("sign", argv, run)
}
