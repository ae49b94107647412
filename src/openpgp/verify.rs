//! Verifying OpenPGP signatures against a set of trusted public keys: detached (armoured or
//! binary) and cleartext-signed, with the reason a signature is not good (modified data, wrong
//! key, expired or revoked key, weak digest).

use std::fmt;
use std::io::{self, BufReader, Read};
use std::path::Path;

use pgp::composed::{
    CleartextSignedMessage, Deserializable, DetachedSignature, PublicOrSecret, SignedPublicKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{Signature, SignatureType};
use pgp::types::{KeyDetails, VerifyingKey};

use super::cert::{self, Component, KeyProblem};
use super::{digest_is_strong, digest_name, OpenPgpError, BUF_SIZE};

/// What was wrong with a signature that was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The signature does not match the data.
    Modified,
    /// The signature uses a digest weaker than SHA-256.
    WeakDigest {
        /// The digest's name (`SHA1`).
        digest: String,
    },
    /// The signature is not a signature over data (a key certification, a timestamp).
    NotDataSignature,
    /// The key that made the signature is expired, revoked, or may not sign.
    Key {
        /// The signing (sub)key's fingerprint.
        signer: String,
        /// What is wrong with it.
        problem: KeyProblem,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Modified => write!(
                f,
                "the signature does not match the data: the file was modified, or the signature belongs to another file"
            ),
            Failure::WeakDigest { digest } => write!(
                f,
                "weak digest {digest}: only SHA-256 or stronger is accepted; re-sign with `gpg --digest-algo SHA256`"
            ),
            Failure::NotDataSignature => write!(f, "not a signature over a file or text"),
            Failure::Key { signer, problem } => {
                write!(f, "{problem} (signing key {signer})")
            }
        }
    }
}

/// A good signature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verified {
    /// Fingerprint of the certificate (primary key), uppercase hex.
    pub fingerprint: String,
    /// Fingerprint of the (sub)key that made the signature.
    pub signer: String,
    /// The certificate's first self-signed user ID.
    pub user_id: Option<String>,
    /// When the signature was made (seconds since the Unix epoch).
    pub created: Option<u32>,
    /// The digest (`SHA256`).
    pub digest: String,
}

/// Trusted public keys.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    certs: Vec<SignedPublicKey>,
}

impl Keyring {
    /// A keyring of these certificates.
    pub fn from_certs(certs: Vec<SignedPublicKey>) -> Keyring {
        Keyring { certs }
    }

    /// Parses every key in `data`: armoured or binary, public or secret (only the public part is
    /// kept), one or many. `origin` names the source in errors.
    pub fn from_bytes(data: &[u8], origin: &str) -> Result<Keyring, OpenPgpError> {
        let bad = |reason: String| OpenPgpError::BadKeyring {
            origin: origin.to_string(),
            reason,
        };
        let (keys, _) = PublicOrSecret::from_reader_many(data).map_err(|e| bad(e.to_string()))?;
        let mut certs = Vec::new();
        for key in keys {
            certs.push(match key.map_err(|e| bad(e.to_string()))? {
                PublicOrSecret::Public(k) => k,
                PublicOrSecret::Secret(k) => k.to_public_key(),
            });
        }
        if certs.is_empty() {
            return Err(OpenPgpError::EmptyKeyring {
                origin: origin.to_string(),
            });
        }
        Ok(Keyring { certs })
    }

    /// Reads the keys in the file at `path`.
    pub fn from_file(path: &Path) -> Result<Keyring, OpenPgpError> {
        let origin = path.display().to_string();
        let data = std::fs::read(path).map_err(|source| OpenPgpError::Read {
            origin: origin.clone(),
            source,
        })?;
        Self::from_bytes(&data, &origin)
    }

    /// Reads the keys of every `*.asc`, `*.gpg`, `*.pgp` and `*.key` file in the directory `dir`
    /// (not recursive; GnuPG's own `pubring.kbx` is not OpenPGP data and is not read).
    pub fn from_dir(dir: &Path) -> Result<Keyring, OpenPgpError> {
        let origin = dir.display().to_string();
        let read_err = |source| OpenPgpError::Read {
            origin: origin.clone(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let path = entry.map_err(read_err)?.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(ext, "asc" | "gpg" | "pgp" | "key") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut ring = Keyring::default();
        for path in paths {
            ring.extend(Self::from_file(&path)?);
        }
        if ring.certs.is_empty() {
            return Err(OpenPgpError::EmptyKeyring { origin });
        }
        Ok(ring)
    }

    /// Adds the keys of `other`.
    pub fn extend(&mut self, other: Keyring) {
        self.certs.extend(other.certs);
    }

    /// The certificates' fingerprints.
    pub fn fingerprints(&self) -> Vec<String> {
        self.certs
            .iter()
            .map(|c| cert::hex(&c.primary_key.fingerprint()))
            .collect()
    }

    /// The certificate and component key that made `sig`, by issuer fingerprint or key ID.
    fn find(&self, sig: &Signature) -> Option<(&SignedPublicKey, Component)> {
        let fps = sig.issuer_fingerprint();
        let ids = sig.issuer_key_id();
        let matches = |k: &dyn KeyDetails| {
            fps.iter().any(|f| **f == k.fingerprint())
                || ids.iter().any(|id| **id == k.legacy_key_id())
        };
        self.certs.iter().find_map(|cert| {
            if matches(&cert.primary_key) {
                return Some((cert, Component::Primary));
            }
            cert.public_subkeys
                .iter()
                .position(|s| matches(&s.key))
                .map(|i| (cert, Component::Subkey(i)))
        })
    }

    fn unknown(&self, origin: &str, sigs: &[Signature]) -> OpenPgpError {
        let issuer = sigs
            .iter()
            .find_map(|s| {
                s.issuer_fingerprint()
                    .first()
                    .map(|f| cert::hex(f))
                    .or_else(|| {
                        s.issuer_key_id()
                            .first()
                            .map(|id| id.to_string().to_uppercase())
                    })
            })
            .unwrap_or_else(|| "(the signature names no key)".to_string());
        let known = self.fingerprints();
        OpenPgpError::UnknownKey {
            origin: origin.to_string(),
            issuer,
            known: if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            },
        }
    }

    /// Checks one signature: `verify` hashes the data and checks the signature with a key.
    fn check(
        &self,
        origin: &str,
        sig: &Signature,
        verify: impl FnOnce(&dyn VerifyingKeyRef) -> pgp::errors::Result<()>,
    ) -> Result<Verified, OpenPgpError> {
        let Some((cert, component)) = self.find(sig) else {
            return Err(self.unknown(origin, std::slice::from_ref(sig)));
        };
        let fingerprint = cert::hex(&cert.primary_key.fingerprint());
        let signer = cert::component_fingerprint(cert, component).unwrap_or_default();
        let bad = |failure| OpenPgpError::Bad {
            origin: origin.to_string(),
            fingerprint: fingerprint.clone(),
            failure,
        };
        if !matches!(sig.typ(), Some(SignatureType::Binary | SignatureType::Text)) {
            return Err(bad(Failure::NotDataSignature));
        }
        let hash = sig.hash_alg().unwrap_or(HashAlgorithm::None);
        if !digest_is_strong(hash) {
            return Err(bad(Failure::WeakDigest {
                digest: digest_name(hash),
            }));
        }
        let result = match component {
            Component::Primary => verify(&cert.primary_key),
            Component::Subkey(i) => match cert.public_subkeys.get(i) {
                Some(sub) => verify(&sub.key),
                None => return Err(bad(Failure::Modified)),
            },
        };
        if let Err(e) = result {
            // An I/O error while hashing is unreadable data, not a bad signature.
            if let pgp::errors::Error::IO { source, .. } = e {
                return Err(OpenPgpError::Read {
                    origin: "the signed data".to_string(),
                    source,
                });
            }
            return Err(bad(Failure::Modified));
        }
        if let Some(problem) = cert::signing_problem(cert, component, cert::now()) {
            return Err(bad(Failure::Key {
                signer: signer.clone(),
                problem,
            }));
        }
        Ok(Verified {
            fingerprint: fingerprint.clone(),
            signer,
            user_id: cert::user_id(cert),
            created: sig.created().map(|t| t.as_secs()),
            digest: digest_name(hash),
        })
    }

    /// Verifies a detached signature (armoured or binary) over the bytes read from `data`
    /// (streamed). `origin` names the signature file in errors. When the file holds several
    /// signatures, the first one made by a key of this keyring is checked.
    pub fn verify_detached(
        &self,
        signature: &[u8],
        origin: &str,
        data: &mut dyn Read,
    ) -> Result<Verified, OpenPgpError> {
        let sigs = parse_detached(signature, origin)?;
        let Some(sig) = sigs.iter().find(|s| self.find(s).is_some()) else {
            return Err(self.unknown(origin, &sigs));
        };
        let reader = BufReader::with_capacity(BUF_SIZE, data);
        self.check(origin, sig, |key| key.verify_data(sig, Box::new(reader)))
    }

    /// Verifies a cleartext-signed document (`gpg --clearsign`, an APT `InRelease`). Returns the
    /// good signature and the signed text as it was hashed (dash-escaping removed, lines ending in
    /// CRLF).
    pub fn verify_cleartext(
        &self,
        text: &str,
        origin: &str,
    ) -> Result<(Verified, String), OpenPgpError> {
        let (message, _) = CleartextSignedMessage::from_string(text).map_err(|e| {
            OpenPgpError::BadSignatureFile {
                origin: origin.to_string(),
                reason: e.to_string(),
            }
        })?;
        let sigs = message.signatures();
        let Some(sig) = sigs.iter().find(|s| self.find(s).is_some()) else {
            return Err(self.unknown(origin, sigs));
        };
        let signed = message.signed_text();
        let verified = self.check(origin, sig, |key| {
            key.verify_data(sig, Box::new(io::Cursor::new(signed.as_bytes())))
        })?;
        Ok((verified, signed))
    }
}

/// The signature packets in a detached signature file.
fn parse_detached(signature: &[u8], origin: &str) -> Result<Vec<Signature>, OpenPgpError> {
    let bad = |reason: String| OpenPgpError::BadSignatureFile {
        origin: origin.to_string(),
        reason,
    };
    let (sigs, _) =
        DetachedSignature::from_reader_many(signature).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::new();
    for sig in sigs {
        out.push(sig.map_err(|e| bad(e.to_string()))?.signature);
    }
    if out.is_empty() {
        return Err(bad("no signature packet".to_string()));
    }
    Ok(out)
}

/// A public key that can check a signature over data; lets primary keys and subkeys be used
/// through one `dyn` reference.
trait VerifyingKeyRef {
    fn verify_data(&self, sig: &Signature, data: Box<dyn Read + '_>) -> pgp::errors::Result<()>;
}

impl<K: VerifyingKey> VerifyingKeyRef for K {
    fn verify_data(&self, sig: &Signature, data: Box<dyn Read + '_>) -> pgp::errors::Result<()> {
        sig.verify(self, data)
    }
}
