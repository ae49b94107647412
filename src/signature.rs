//! Trusted keys and detached signatures in either format relkit knows (OpenPGP and minisign),
//! shared by `sign --verify` and `checksum --check --signature`: keys from files, a directory or
//! a minisign key literal, the format read from the signature itself, one result shape.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use crate::exit::{Exit, FileError, ToolError};
use crate::minisig::{MinisignError, MinisignPublic, COMMENT_PREFIX};
use crate::openpgp::{Keyring, OpenPgpError};

/// The first line of a cleartext-signed OpenPGP document.
pub const CLEARTEXT_HEADER: &str = "-----BEGIN PGP SIGNED MESSAGE-----";

/// Data a signature is checked over: readable and rewindable (minisign needs both).
pub trait Data: Read + Seek {}
impl<T: Read + Seek> Data for T {}

/// Errors of loading keys and checking signatures.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// An OpenPGP key or signature problem, or a bad OpenPGP signature.
    #[error(transparent)]
    OpenPgp(#[from] OpenPgpError),
    /// A minisign key or signature problem, or a bad minisign signature.
    #[error(transparent)]
    Minisign(#[from] MinisignError),
    /// A key or signature file could not be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// No key was given to verify with.
    #[error("no trusted key given: pass --key KEY.asc (OpenPGP), --key minisign.pub (or its `RW…` line), or --keyring DIR")]
    NoKey,
    /// The signature's format has no key among those given.
    #[error("{origin}: the signature is {format}, but no {format} key was given (only {given}); pass the signer's {format} public key with --key")]
    NoKeyOfFormat {
        /// The signature file.
        origin: String,
        /// The signature's format.
        format: Format,
        /// The formats of the keys given.
        given: Format,
    },
}

impl ToolError for SignatureError {
    fn exit(&self) -> Exit {
        match self {
            SignatureError::OpenPgp(e) => e.exit(),
            SignatureError::Minisign(e) => e.exit(),
            SignatureError::File(e) => e.exit(),
            SignatureError::NoKey | SignatureError::NoKeyOfFormat { .. } => Exit::Usage,
        }
    }
}

/// A signature format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// OpenPGP (RFC 4880/9580): what `gpg` and `gpgv` verify.
    #[value(name = "openpgp")]
    OpenPgp,
    /// minisign (signify-compatible Ed25519).
    Minisign,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::OpenPgp => "OpenPGP",
            Format::Minisign => "minisign",
        })
    }
}

impl Format {
    /// The format a signature file's content is in.
    pub fn of_signature(data: &[u8]) -> Format {
        if data.starts_with(COMMENT_PREFIX.as_bytes()) {
            Format::Minisign
        } else {
            Format::OpenPgp
        }
    }
}

/// The keys a signature may be made by.
#[derive(Debug, Default, Clone)]
pub struct Trusted {
    /// OpenPGP certificates.
    pub openpgp: Option<Keyring>,
    /// minisign public keys.
    pub minisign: Vec<MinisignPublic>,
}

/// A good signature, in either format.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Good {
    /// The signature's format.
    pub format: Format,
    /// The OpenPGP certificate's fingerprint, or the minisign key ID.
    pub fingerprint: String,
    /// The (sub)key that signed (OpenPGP), else the key ID again.
    pub signer: String,
    /// The signer's user ID (OpenPGP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// When the signature was made, seconds since the epoch (OpenPGP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<u32>,
    /// The digest (OpenPGP: `SHA256`; minisign: `BLAKE2b-512`).
    pub digest: String,
    /// The signed trusted comment (minisign).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_comment: Option<String>,
}

impl Good {
    /// One line for people: `key FPR (Name <mail>), made …, SHA256`.
    pub fn describe(&self) -> String {
        let mut text = format!("{} key {}", self.format, self.fingerprint);
        if let Some(uid) = &self.user_id {
            text.push_str(&format!(" ({uid})"));
        }
        if let Some(created) = self.created {
            text.push_str(&format!(", made {}", crate::openpgp::cert::utc(created)));
        }
        text.push_str(&format!(", {}", self.digest));
        if let Some(comment) = &self.trusted_comment {
            text.push_str(&format!(", trusted comment: {comment}"));
        }
        text
    }
}

impl Trusted {
    /// Loads the keys named by `keys` (files: OpenPGP armoured or binary, or minisign public key
    /// files; or a minisign `RW…` key literal) and the OpenPGP keys in `keyring` (a directory).
    pub fn load(keys: &[PathBuf], keyring: Option<&Path>) -> Result<Trusted, SignatureError> {
        let mut trusted = Trusted::default();
        for key in keys {
            trusted.add_key(key)?;
        }
        if let Some(dir) = keyring {
            let ring = Keyring::from_dir(dir)?;
            trusted.add_openpgp(ring);
        }
        if trusted.openpgp.is_none() && trusted.minisign.is_empty() {
            return Err(SignatureError::NoKey);
        }
        Ok(trusted)
    }

    fn add_openpgp(&mut self, ring: Keyring) {
        match &mut self.openpgp {
            Some(have) => have.extend(ring),
            None => self.openpgp = Some(ring),
        }
    }

    fn add_key(&mut self, key: &Path) -> Result<(), SignatureError> {
        let origin = key.display().to_string();
        let data = match std::fs::read(key) {
            Ok(data) => data,
            // `--key RWS…`: minisign's own `-P` form, a key literal rather than a file.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && looks_like_minisign(key) => {
                let text = key.to_string_lossy();
                self.minisign
                    .push(MinisignPublic::from_text(&text, "--key")?);
                return Ok(());
            }
            Err(source) => {
                return Err(FileError::Read {
                    path: origin,
                    source,
                }
                .into())
            }
        };
        if data.starts_with(COMMENT_PREFIX.as_bytes()) {
            let text = String::from_utf8_lossy(&data);
            self.minisign
                .push(MinisignPublic::from_text(&text, &origin)?);
        } else {
            self.add_openpgp(Keyring::from_bytes(&data, &origin)?);
        }
        Ok(())
    }

    /// The formats of the keys held.
    fn formats(&self) -> Format {
        if self.openpgp.is_some() {
            Format::OpenPgp
        } else {
            Format::Minisign
        }
    }

    /// Checks the detached signature `signature` (read from `origin`) over `data`.
    pub fn verify_detached(
        &self,
        signature: &[u8],
        origin: &str,
        data: &mut dyn Data,
    ) -> Result<Good, SignatureError> {
        let format = Format::of_signature(signature);
        let missing = || SignatureError::NoKeyOfFormat {
            origin: origin.to_string(),
            format,
            given: self.formats(),
        };
        match format {
            Format::OpenPgp => {
                let ring = self.openpgp.as_ref().ok_or_else(missing)?;
                let v = ring.verify_detached(signature, origin, data)?;
                Ok(Good {
                    format,
                    fingerprint: v.fingerprint,
                    signer: v.signer,
                    user_id: v.user_id,
                    created: v.created,
                    digest: v.digest,
                    trusted_comment: None,
                })
            }
            Format::Minisign => {
                if self.minisign.is_empty() {
                    return Err(missing());
                }
                let text = String::from_utf8_lossy(signature);
                self.verify_minisign(&text, origin, data)
            }
        }
    }

    /// minisign: the key the signature names, among those given; a wrong key if none.
    fn verify_minisign(
        &self,
        text: &str,
        origin: &str,
        data: &mut dyn Data,
    ) -> Result<Good, SignatureError> {
        let mut first_err = None;
        for key in &self.minisign {
            data.rewind().map_err(|e| MinisignError::Io {
                origin: origin.to_string(),
                reason: e.to_string(),
            })?;
            match key.verify(text, origin, &mut *data) {
                Ok(v) => {
                    return Ok(Good {
                        format: Format::Minisign,
                        fingerprint: v.key_id.clone(),
                        signer: v.key_id,
                        user_id: None,
                        created: None,
                        digest: "BLAKE2b-512".to_string(),
                        trusted_comment: Some(v.trusted_comment),
                    })
                }
                // Another key of the list may be the one; a bad signature by the right key is
                // final.
                Err(e @ MinisignError::WrongKey { .. }) => {
                    first_err.get_or_insert(e);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(first_err.map_or(SignatureError::NoKey, SignatureError::from))
    }

    /// Checks a cleartext-signed OpenPGP document; returns the signature and the signed text.
    pub fn verify_cleartext(
        &self,
        text: &str,
        origin: &str,
    ) -> Result<(Good, String), SignatureError> {
        let ring = self
            .openpgp
            .as_ref()
            .ok_or_else(|| SignatureError::NoKeyOfFormat {
                origin: origin.to_string(),
                format: Format::OpenPgp,
                given: self.formats(),
            })?;
        let (v, signed) = ring.verify_cleartext(text, origin)?;
        Ok((
            Good {
                format: Format::OpenPgp,
                fingerprint: v.fingerprint,
                signer: v.signer,
                user_id: v.user_id,
                created: v.created,
                digest: v.digest,
                trusted_comment: None,
            },
            signed,
        ))
    }
}

/// Whether a `--key` value that is not a file looks like a minisign public key (`RW` + base64).
fn looks_like_minisign(key: &Path) -> bool {
    key.to_str().is_some_and(|s| {
        s.starts_with("RW")
            && s.len() == 56
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    })
}
