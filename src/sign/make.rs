//! Signing: the key from the environment, one signature per file written next to it (or where
//! -o says), the public key exported on request, and the report (text, JSON, job summary,
//! step outputs).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::{Args, Error};
use crate::cli::Ctx;
use crate::exit::{Exit, FileError};
use crate::fsutil::atomic_write;
use crate::minisig::{MinisignKey, COMMENT_PREFIX};
use crate::openpgp::SigningKey;
use crate::signature::Format;

/// The key that signs.
enum Key {
    OpenPgp(Box<SigningKey>),
    Minisign(MinisignKey),
}

impl Key {
    /// Reads the key from the environment; the format is --format's, else the key's own.
    fn load(args: &Args) -> Result<Key, Error> {
        let text = std::env::var(&args.key_env).unwrap_or_default();
        let detected = if text.trim_start().starts_with(COMMENT_PREFIX) {
            Format::Minisign
        } else {
            Format::OpenPgp
        };
        Ok(match args.format.unwrap_or(detected) {
            Format::OpenPgp => Key::OpenPgp(Box::new(SigningKey::from_env(
                &args.key_env,
                &args.passphrase_env,
            )?)),
            Format::Minisign => {
                Key::Minisign(MinisignKey::from_env(&args.key_env, &args.passphrase_env)?)
            }
        })
    }

    fn format(&self) -> Format {
        match self {
            Key::OpenPgp(_) => Format::OpenPgp,
            Key::Minisign(_) => Format::Minisign,
        }
    }

    /// The primary key's fingerprint (OpenPGP) or the key ID (minisign).
    fn fingerprint(&self) -> String {
        match self {
            Key::OpenPgp(k) => k.fingerprint(),
            Key::Minisign(k) => k.key_id(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Key::OpenPgp(k) => match k.user_id() {
                Some(uid) => format!("OpenPGP key {} ({uid})", k.fingerprint()),
                None => format!("OpenPGP key {}", k.fingerprint()),
            },
            Key::Minisign(k) => format!("minisign key {}", k.key_id()),
        }
    }
}

/// What kind of signature each file gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Armored,
    Binary,
    Clear,
    Minisign,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Armored | Kind::Clear => "asc",
            Kind::Binary => "sig",
            Kind::Minisign => "minisig",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Armored => "detached, armoured",
            Kind::Binary => "detached, binary",
            Kind::Clear => "cleartext",
            Kind::Minisign => "minisign",
        }
    }
}

/// One signed file.
struct Signed {
    file: String,
    signature: String,
    bytes: u64,
}

/// Counts the bytes read through it, for the report.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Signs the files and exports the public key, as the arguments say.
pub fn run(args: &Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    if args.files.is_empty() && args.export_key.is_none() {
        return Err(Error::Usage(
            "no files given; pass the files to sign (or --export-key PATH, or --verify FILE)"
                .to_string(),
        ));
    }
    if args.output.is_some() && args.files.len() > 1 {
        return Err(Error::Usage(format!(
            "-o names one signature, but {} files were given; drop -o to write each FILE's signature next to it",
            args.files.len()
        )));
    }
    let to_stdout = args.files.iter().any(|f| f.as_os_str() == "-") && args.output.is_none()
        || args.output.as_deref().is_some_and(|o| o.as_os_str() == "-");
    if to_stdout && args.output_args.json {
        return Err(Error::Usage(
            "--json and a signature on standard output would mix; pass -o FILE".to_string(),
        ));
    }
    let key = Key::load(args)?;
    if let Ok(pass) = std::env::var(&args.passphrase_env) {
        if !pass.is_empty() {
            ctx.gha.mask(&pass);
        }
    }
    let kind =
        match (key.format(), args.binary, args.clearsign) {
            (Format::Minisign, true, _) | (Format::Minisign, _, true) => return Err(Error::Usage(
                "--binary and --clearsign are OpenPGP forms; a minisign key makes .minisig files"
                    .to_string(),
            )),
            (Format::Minisign, false, false) => Kind::Minisign,
            (Format::OpenPgp, true, _) => Kind::Binary,
            (Format::OpenPgp, false, true) => Kind::Clear,
            (Format::OpenPgp, false, false) => Kind::Armored,
        };
    let mut signed = Vec::new();
    for file in &args.files {
        signed.push(sign_one(args, &key, kind, file, ctx)?);
    }
    if let Some(path) = &args.export_key {
        atomic_write(path, &public_key(&key, path)?)?;
    }
    report(args, ctx, &key, kind, &signed, to_stdout)?;
    Ok(Exit::Ok)
}

/// The public key's bytes for `path`: armoured for `.asc`, binary otherwise (OpenPGP); the
/// `minisign.pub` form for minisign.
fn public_key(key: &Key, path: &Path) -> Result<Vec<u8>, Error> {
    Ok(match key {
        Key::OpenPgp(k) if path.extension().is_some_and(|e| e == "asc") => {
            k.public_key_armored()?.into_bytes()
        }
        Key::OpenPgp(k) => k.public_key_binary()?,
        Key::Minisign(k) => k.public_key_text()?.into_bytes(),
    })
}

/// Signs one file (`-`: standard input) and writes its signature.
fn sign_one(
    args: &Args,
    key: &Key,
    kind: Kind,
    file: &Path,
    ctx: &mut Ctx,
) -> Result<Signed, Error> {
    let stdin = file.as_os_str() == "-";
    let label = if stdin {
        "standard input".to_string()
    } else {
        file.display().to_string()
    };
    let read_err = |source| FileError::Read {
        path: label.clone(),
        source,
    };
    let input: Box<dyn Read> = if stdin {
        Box::new(std::io::stdin().lock())
    } else {
        if file.is_dir() {
            return Err(Error::Usage(format!(
                "{label}: is a directory; sign the files in it (e.g. its SHA256SUMS), not the directory"
            )));
        }
        Box::new(std::fs::File::open(file).map_err(read_err)?)
    };
    let mut input = Counting {
        inner: input,
        count: 0,
    };
    let bytes = match (key, kind) {
        (Key::OpenPgp(k), Kind::Clear) => {
            let mut raw = Vec::new();
            input.read_to_end(&mut raw).map_err(read_err)?;
            let text = String::from_utf8(raw).map_err(|_| {
                Error::Usage(format!(
                    "{label}: not UTF-8 text; a cleartext signature holds text, so sign it detached (without --clearsign)"
                ))
            })?;
            k.sign_cleartext(&text)?.into_bytes()
        }
        (Key::OpenPgp(k), _) => k.sign_detached(&mut input, kind == Kind::Armored)?,
        (Key::Minisign(k), _) => {
            let comment = match &args.trusted_comment {
                Some(c) => c.clone(),
                None => {
                    let name = if stdin {
                        "-".to_string()
                    } else {
                        file.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    };
                    format!(
                        "timestamp:{}\tfile:{name}\thashed",
                        crate::openpgp::cert::now()
                    )
                }
            };
            k.sign(&mut input, &label, &comment)?.into_bytes()
        }
    };
    let target: Option<PathBuf> = match &args.output {
        Some(o) if o.as_os_str() == "-" => None,
        Some(o) => Some(o.clone()),
        None if stdin => None,
        None => {
            let mut name = file.as_os_str().to_owned();
            name.push(".");
            name.push(kind.extension());
            Some(PathBuf::from(name))
        }
    };
    let signature = match target {
        Some(path) => {
            atomic_write(&path, &bytes)?;
            path.display().to_string()
        }
        None => {
            ctx.out.write_all(&bytes)?;
            "-".to_string()
        }
    };
    Ok(Signed {
        file: label,
        signature,
        bytes: input.count,
    })
}

/// The report: human text (stderr when the signature went to stdout), JSON, job summary and
/// step outputs.
fn report(
    args: &Args,
    ctx: &mut Ctx,
    key: &Key,
    kind: Kind,
    signed: &[Signed],
    to_stdout: bool,
) -> Result<(), Error> {
    let export = args.export_key.as_ref().map(|p| p.display().to_string());
    let (signer, user_id) = match key {
        Key::OpenPgp(k) => (k.signer_fingerprint().to_string(), k.user_id()),
        Key::Minisign(k) => (k.key_id(), None),
    };
    if args.output_args.json {
        let files: Vec<_> = signed
            .iter()
            .map(|s| json!({"file": s.file, "signature": s.signature, "bytes": s.bytes}))
            .collect();
        crate::output::write_json(
            ctx.out,
            &json!({
                "format": key.format(),
                "kind": kind.name(),
                "fingerprint": key.fingerprint(),
                "signer": signer,
                "user_id": user_id,
                "files": files,
                "public_key": export,
            }),
        )?;
    } else {
        let mut text = String::new();
        for s in signed {
            text.push_str(&format!(
                "{}: signed {} ({}) with {}\n",
                s.signature,
                s.file,
                kind.name(),
                key.describe()
            ));
        }
        if let Some(path) = &export {
            text.push_str(&format!("{path}: public key of {}\n", key.describe()));
        }
        if to_stdout {
            eprint!("{text}");
        } else {
            ctx.out.write_all(text.as_bytes())?;
        }
    }
    let list: Vec<&str> = signed.iter().map(|s| s.signature.as_str()).collect();
    for (name, value) in [
        ("format", key.format().to_string().to_lowercase()),
        ("fingerprint", key.fingerprint()),
        ("signature", list.first().copied().unwrap_or("").to_string()),
        ("signatures", list.join("\n")),
        ("public-key", export.clone().unwrap_or_default()),
    ] {
        ctx.gha.set_output(name, &value)?;
    }
    if ctx.gha.is_actions() {
        let mut md = format!(
            "### sign\n\nSigned with {} ({}).\n\n| File | Signature |\n| --- | --- |\n",
            key.describe(),
            kind.name()
        );
        for s in signed {
            md.push_str(&format!("| `{}` | `{}` |\n", s.file, s.signature));
        }
        if let Some(path) = &export {
            md.push_str(&format!("\nPublic key: `{path}`\n"));
        }
        ctx.gha.append_summary(&md)?;
    }
    Ok(())
}
