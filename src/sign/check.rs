//! Verifying: the signature file found or given, its format read from it, the trusted keys
//! loaded, and the verdict reported (exit 0 good, 1 bad or untrusted, 2 bad input).

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{Args, Error};
use crate::cli::Ctx;
use crate::exit::{Exit, FileError, ToolError};
use crate::fsutil::atomic_write;
use crate::minisig::MinisignError;
use crate::openpgp::OpenPgpError;
use crate::signature::{Format, Good, SignatureError, Trusted, CLEARTEXT_HEADER};

/// Where the signature is.
enum Source {
    /// A detached signature file.
    Detached(PathBuf),
    /// FILE itself is cleartext-signed.
    Cleartext,
}

/// The signature file for `file`: --signature, FILE itself when it is cleartext-signed, or the
/// first of FILE.asc, FILE.sig, FILE.minisig that exists and is of a format a trusted key is of
/// (a release may publish both; the keys say which one the user checks).
fn find_signature(args: &Args, file: &Path, trusted: &Trusted) -> Result<Source, Error> {
    if let Some(sig) = &args.signature {
        return Ok(Source::Detached(sig.clone()));
    }
    let mut head = [0u8; CLEARTEXT_HEADER.len()];
    if let Ok(mut f) = std::fs::File::open(file) {
        if std::io::Read::read_exact(&mut f, &mut head).is_ok()
            && head == *CLEARTEXT_HEADER.as_bytes()
        {
            return Ok(Source::Cleartext);
        }
    }
    let mut exts = Vec::new();
    if trusted.openpgp.is_some() {
        exts.extend(["asc", "sig"]);
    }
    if !trusted.minisign.is_empty() {
        exts.push("minisig");
    }
    let tried: Vec<PathBuf> = exts
        .iter()
        .map(|ext| {
            let mut name = file.as_os_str().to_owned();
            name.push(".");
            name.push(ext);
            PathBuf::from(name)
        })
        .collect();
    match tried.iter().find(|p| p.is_file()) {
        Some(p) => Ok(Source::Detached(p.clone())),
        None => Err(Error::Usage(format!(
            "{}: no signature found ({} do not exist); pass --signature FILE",
            file.display(),
            tried
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The key a failed check names: the signer's fingerprint or key ID.
fn failure_key(err: &SignatureError) -> Option<String> {
    match err {
        SignatureError::OpenPgp(OpenPgpError::Bad { fingerprint, .. }) => Some(fingerprint.clone()),
        SignatureError::OpenPgp(OpenPgpError::UnknownKey { issuer, .. }) => Some(issuer.clone()),
        SignatureError::Minisign(MinisignError::Bad { key_id, .. }) => Some(key_id.clone()),
        SignatureError::Minisign(MinisignError::WrongKey { issuer, .. }) => Some(issuer.clone()),
        _ => None,
    }
}

/// Verifies `--verify FILE`.
pub fn run(args: &Args, ctx: &mut Ctx) -> Result<Exit, Error> {
    let Some(file) = args.verify.as_deref() else {
        return Err(Error::Usage("--verify needs a FILE".to_string()));
    };
    let label = file.display().to_string();
    let trusted = Trusted::load(&args.key, args.keyring.as_deref())?;
    let source = find_signature(args, file, &trusted)?;
    let read_err = |path: &str, source| FileError::Read {
        path: path.to_string(),
        source,
    };
    let (sig_label, result) = match &source {
        Source::Cleartext => {
            let raw = std::fs::read(file).map_err(|e| read_err(&label, e))?;
            let text = String::from_utf8(raw).map_err(|_| {
                Error::Usage(format!(
                    "{label}: a cleartext-signed file must be UTF-8 text, and this one is not"
                ))
            })?;
            if args.format == Some(Format::Minisign) {
                return Err(Error::Usage(format!(
                    "{label}: an OpenPGP cleartext-signed file, not a minisign signature; drop --format minisign"
                )));
            }
            let checked = trusted
                .verify_cleartext(&text, &label)
                .map(|(good, signed)| {
                    if let Some(out) = &args.output {
                        // What gpg --output writes: the text with the line endings it had.
                        let mut plain = signed.replace("\r\n", "\n");
                        plain.push('\n');
                        if out.as_os_str() == "-" {
                            return ctx
                                .out
                                .write_all(plain.as_bytes())
                                .map(|_| good)
                                .map_err(Error::from);
                        }
                        return atomic_write(out, plain.as_bytes())
                            .map(|_| good)
                            .map_err(Error::from);
                    }
                    Ok(good)
                });
            (label.clone(), checked)
        }
        Source::Detached(sig) => {
            let sig_label = sig.display().to_string();
            let bytes = std::fs::read(sig).map_err(|e| read_err(&sig_label, e))?;
            if let Some(want) = args.format {
                let found = Format::of_signature(&bytes);
                if found != want {
                    return Err(Error::Usage(format!(
                        "{sig_label}: a {found} signature, not {want}; drop --format or pass the {want} signature"
                    )));
                }
            }
            if file.is_dir() {
                return Err(Error::Usage(format!(
                    "{label}: is a directory, not a signed file"
                )));
            }
            let mut data = std::fs::File::open(file).map_err(|e| read_err(&label, e))?;
            let checked = trusted.verify_detached(&bytes, &sig_label, &mut data);
            (sig_label, checked.map(Ok))
        }
    };
    let result = match result {
        Ok(Ok(good)) => Ok(good),
        Ok(Err(e)) => return Err(e),
        Err(e) => Err(e),
    };
    report(ctx, args, &label, &sig_label, &result)?;
    match result {
        Ok(_) => Ok(Exit::Ok),
        Err(e) => Err(e.into()),
    }
}

/// Reports a check that was made (good or not): text, JSON, job summary, step outputs. Errors
/// that stop before a check (exit 2, 3) are not reported here.
fn report(
    ctx: &mut Ctx,
    args: &Args,
    file: &str,
    signature: &str,
    result: &Result<Good, SignatureError>,
) -> Result<(), Error> {
    if let Err(e) = result {
        if e.exit() != Exit::Failed {
            return Ok(());
        }
    }
    let key = match result {
        Ok(good) => Some(good.fingerprint.clone()),
        Err(e) => failure_key(e),
    };
    let to_stdout = args.output.as_deref().is_some_and(|o| o.as_os_str() == "-");
    if args.output_args.json && !to_stdout {
        let value = match result {
            Ok(good) => json!({"valid": true, "file": file, "signature": signature, "good": good}),
            Err(e) => json!({
                "valid": false, "file": file, "signature": signature,
                "fingerprint": key, "error": e.to_string(),
            }),
        };
        crate::output::write_json(ctx.out, &value)?;
    } else if let Ok(good) = result {
        let line = format!("{file}: Good signature from {}\n", good.describe());
        if to_stdout {
            eprint!("{line}");
        } else {
            ctx.out.write_all(line.as_bytes())?;
        }
    }
    ctx.gha
        .set_output("valid", if result.is_ok() { "true" } else { "false" })?;
    ctx.gha
        .set_output("fingerprint", key.as_deref().unwrap_or(""))?;
    if ctx.gha.is_actions() {
        let verdict = match result {
            Ok(good) => format!("Good signature from {}.", good.describe()),
            Err(e) => format!("**BAD**: {e}"),
        };
        ctx.gha.append_summary(&format!(
            "### sign --verify\n\n`{file}` (signature `{signature}`): {verdict}\n"
        ))?;
    }
    Ok(())
}
