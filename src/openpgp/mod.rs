//! OpenPGP signing and verification in pure Rust (rpgp), shared by `sign`, `checksum --signature`
//! and `apt-repo`: a secret key read from the environment, detached and cleartext signatures that
//! `gpg --verify` and `gpgv` accept, and verification of signatures against public keys.
//!
//! Only SHA-256 or stronger digests are made or accepted; keys that are expired, revoked or not
//! marked for signing are refused with the reason (issue 14).

pub mod cert;
mod verify;

use std::fmt;
use std::io::{self, Read};

use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, DetachedSignature, PublicOrSecret, SignedPublicKey,
    SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{Signature, SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::ser::Serialize;
use pgp::types::{KeyDetails, KeyVersion, Password, SecretParams, Timestamp};

use crate::exit::{Exit, ToolError};

pub use cert::KeyProblem;
pub use verify::{Failure, Keyring, Verified};

/// Size of the buffer data is streamed through while it is hashed: big enough that read calls
/// are a rounding error next to SHA-256 on the CPU's SHA extensions.
pub const BUF_SIZE: usize = 512 * 1024;

/// Errors of OpenPGP signing and verification.
#[derive(Debug, thiserror::Error)]
pub enum OpenPgpError {
    /// The environment variable that should hold the secret key is unset or empty.
    #[error("{var} is not set: put the ASCII-armoured secret key in it (`gpg --export-secret-keys --armor KEYID`), e.g. from a repository secret")]
    KeyNotSet {
        /// The variable.
        var: String,
    },
    /// An environment variable holds bytes that are not UTF-8.
    #[error("{var} is not valid UTF-8; it must hold ASCII-armoured text")]
    EnvNotUtf8 {
        /// The variable.
        var: String,
    },
    /// The secret key could not be parsed.
    #[error("{origin}: not an OpenPGP secret key ({reason}); export one with `gpg --export-secret-keys --armor KEYID`")]
    BadKey {
        /// Where the key came from (a variable or file name).
        origin: String,
        /// What the parser said.
        reason: String,
    },
    /// The input holds public keys only.
    #[error("{origin}: holds only a public key ({fingerprint}); signing needs the secret key (`gpg --export-secret-keys --armor {fingerprint}`)")]
    NotSecret {
        /// Where the key came from.
        origin: String,
        /// The public key's fingerprint.
        fingerprint: String,
    },
    /// The input holds more than one secret key, so which one signs would be a guess.
    #[error("{origin}: holds {count} secret keys ({fingerprints}); export exactly one")]
    ManyKeys {
        /// Where the keys came from.
        origin: String,
        /// How many.
        count: usize,
        /// Their fingerprints, comma-separated.
        fingerprints: String,
    },
    /// No key of the certificate may sign now.
    #[error("key {fingerprint} cannot sign: {problem}; use a valid key (`gpg --list-secret-keys --with-subkey-fingerprints` shows what is expired or revoked)")]
    CannotSign {
        /// The primary key's fingerprint.
        fingerprint: String,
        /// Why.
        problem: KeyProblem,
    },
    /// The export lacks the secret part of the key that should sign (a `gpg` stub).
    #[error("key {fingerprint}: the secret part of signing key {signer} is not in the export; export it with `gpg --export-secret-subkeys --armor {signer}!`")]
    SecretMissing {
        /// The primary key's fingerprint.
        fingerprint: String,
        /// The signing (sub)key's fingerprint.
        signer: String,
    },
    /// The secret key is protected by a passphrase and none was given.
    #[error("key {fingerprint} is protected by a passphrase and none was given; set {var}")]
    PassphraseNeeded {
        /// The primary key's fingerprint.
        fingerprint: String,
        /// The environment variable the passphrase is read from.
        var: String,
    },
    /// The secret key could not be unlocked.
    #[error(
        "key {fingerprint}: cannot unlock the secret key ({reason}); is the passphrase right?"
    )]
    Unlock {
        /// The primary key's fingerprint.
        fingerprint: String,
        /// What the library said.
        reason: String,
    },
    /// The data to sign or verify could not be read.
    #[error("{origin}: cannot read: {source}")]
    Read {
        /// What was being read.
        origin: String,
        /// Why.
        source: io::Error,
    },
    /// Making the signature failed inside the OpenPGP library.
    #[error("signing with key {fingerprint} failed: {reason}")]
    Sign {
        /// The primary key's fingerprint.
        fingerprint: String,
        /// What the library said.
        reason: String,
    },
    /// A public key (keyring) could not be parsed.
    #[error("{origin}: not an OpenPGP public key ({reason}); pass the output of `gpg --export --armor KEYID`")]
    BadKeyring {
        /// The key file.
        origin: String,
        /// What the parser said.
        reason: String,
    },
    /// A key file or directory holds no OpenPGP keys.
    #[error("{origin}: holds no OpenPGP keys; pass the output of `gpg --export --armor KEYID`")]
    EmptyKeyring {
        /// The key file or directory.
        origin: String,
    },
    /// A signature file could not be parsed (garbage, truncated armour, not a signature).
    #[error("{origin}: not a readable OpenPGP signature ({reason}); is the file complete?")]
    BadSignatureFile {
        /// The signature file.
        origin: String,
        /// What the parser said.
        reason: String,
    },
    /// The signature was checked and is not good.
    #[error("{origin}: BAD signature by key {fingerprint}: {failure}")]
    Bad {
        /// The signature file.
        origin: String,
        /// The fingerprint of the certificate whose key made the signature.
        fingerprint: String,
        /// What was wrong.
        failure: Failure,
    },
    /// The signature was made by a key that is not among the keys given.
    #[error("{origin}: signed by key {issuer}, which is not among the trusted keys ({known}); wrong --key, or the file was signed by someone else")]
    UnknownKey {
        /// The signature file.
        origin: String,
        /// The issuer's fingerprint or key ID, as the signature names it.
        issuer: String,
        /// The fingerprints of the keys given, comma-separated.
        known: String,
    },
}

impl ToolError for OpenPgpError {
    fn exit(&self) -> Exit {
        match self {
            OpenPgpError::Bad { .. } | OpenPgpError::UnknownKey { .. } => Exit::Failed,
            OpenPgpError::Sign { .. } => Exit::Env,
            _ => Exit::Usage,
        }
    }
}

/// Digests this module makes and accepts: SHA-256 or stronger. SHA-1, MD5, RIPEMD-160 and
/// SHA-224 are refused.
pub fn digest_is_strong(alg: HashAlgorithm) -> bool {
    matches!(
        alg,
        HashAlgorithm::Sha256
            | HashAlgorithm::Sha384
            | HashAlgorithm::Sha512
            | HashAlgorithm::Sha3_256
            | HashAlgorithm::Sha3_512
    )
}

/// The digest's name as GnuPG prints it (`SHA256`).
pub fn digest_name(alg: HashAlgorithm) -> String {
    match alg {
        HashAlgorithm::Sha256 => "SHA256".into(),
        HashAlgorithm::Sha384 => "SHA384".into(),
        HashAlgorithm::Sha512 => "SHA512".into(),
        HashAlgorithm::Sha3_256 => "SHA3-256".into(),
        HashAlgorithm::Sha3_512 => "SHA3-512".into(),
        HashAlgorithm::Sha224 => "SHA224".into(),
        HashAlgorithm::Sha1 => "SHA1".into(),
        HashAlgorithm::Md5 => "MD5".into(),
        HashAlgorithm::Ripemd160 => "RIPEMD160".into(),
        other => format!("{other:?}"),
    }
}

/// A secret key ready to sign: the certificate, the (sub)key chosen to sign, and its passphrase.
pub struct SigningKey {
    secret: SignedSecretKey,
    public: SignedPublicKey,
    /// Fingerprint of the signing (sub)key; the primary key's when it signs itself.
    signer: String,
    password: Password,
}

impl fmt::Debug for SigningKey {
    // Never prints key material or the passphrase.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.fingerprint())
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Parses an armoured (or binary) secret key; picks the signing-capable (sub)key; refuses
    /// expired or revoked keys and a wrong or missing passphrase.
    pub fn from_armored(text: &str, passphrase: Option<&str>) -> Result<SigningKey, OpenPgpError> {
        Self::from_bytes(text.as_bytes(), passphrase, "the signing key")
    }

    /// Reads the key from the environment variable `key_var` and the passphrase from `pass_var`
    /// (unset or empty: no passphrase). Neither value is ever logged.
    pub fn from_env(key_var: &str, pass_var: &str) -> Result<SigningKey, OpenPgpError> {
        let text = match std::env::var(key_var) {
            Ok(t) if !t.trim().is_empty() => t,
            Ok(_) | Err(std::env::VarError::NotPresent) => {
                return Err(OpenPgpError::KeyNotSet {
                    var: key_var.to_string(),
                })
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(OpenPgpError::EnvNotUtf8 {
                    var: key_var.to_string(),
                })
            }
        };
        let pass = match std::env::var(pass_var) {
            Ok(p) => Some(p).filter(|p| !p.is_empty()),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(OpenPgpError::EnvNotUtf8 {
                    var: pass_var.to_string(),
                })
            }
        };
        Self::from_bytes(text.as_bytes(), pass.as_deref(), key_var).map_err(|e| match e {
            OpenPgpError::PassphraseNeeded { fingerprint, .. } => OpenPgpError::PassphraseNeeded {
                fingerprint,
                var: pass_var.to_string(),
            },
            other => other,
        })
    }

    /// Parses an armoured or binary secret key; `origin` names where it came from in errors.
    pub fn from_bytes(
        data: &[u8],
        passphrase: Option<&str>,
        origin: &str,
    ) -> Result<SigningKey, OpenPgpError> {
        let bad = |reason: String| OpenPgpError::BadKey {
            origin: origin.to_string(),
            reason,
        };
        let (keys, _) = PublicOrSecret::from_reader_many(data).map_err(|e| bad(e.to_string()))?;
        let mut secrets = Vec::new();
        let mut public = None;
        for key in keys {
            match key.map_err(|e| bad(e.to_string()))? {
                PublicOrSecret::Secret(k) => secrets.push(k),
                PublicOrSecret::Public(k) => {
                    public.get_or_insert(cert::hex(&k.primary_key.fingerprint()));
                }
            }
        }
        let secret = match secrets.len() {
            1 => secrets.remove(0),
            0 => {
                return Err(match public {
                    Some(fingerprint) => OpenPgpError::NotSecret {
                        origin: origin.to_string(),
                        fingerprint,
                    },
                    None => bad("no key found".to_string()),
                })
            }
            count => {
                return Err(OpenPgpError::ManyKeys {
                    origin: origin.to_string(),
                    count,
                    fingerprints: secrets
                        .iter()
                        .map(|k| cert::hex(&k.primary_key.fingerprint()))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        let public = secret.to_public_key();
        let fingerprint = cert::hex(&public.primary_key.fingerprint());
        let component = cert::choose_signer(&public, cert::now()).map_err(|problem| {
            OpenPgpError::CannotSign {
                fingerprint: fingerprint.clone(),
                problem,
            }
        })?;
        let signer = cert::component_fingerprint(&public, component).unwrap_or_default();
        let key = SigningKey {
            secret,
            public,
            signer,
            password: passphrase.map_or_else(Password::empty, Password::from),
        };
        key.check_unlock(passphrase.is_some())?;
        Ok(key)
    }

    /// Unlocks the signing key once, so that a wrong passphrase fails before any data is read.
    fn check_unlock(&self, have_passphrase: bool) -> Result<(), OpenPgpError> {
        let fingerprint = self.fingerprint();
        let (params, unlocked) = if let Some(sub) = self.secret_subkey() {
            (
                sub.key.secret_params(),
                sub.key.unlock(&self.password, |_, _| Ok(())),
            )
        } else if self.signer == fingerprint {
            let k = &self.secret.primary_key;
            (k.secret_params(), k.unlock(&self.password, |_, _| Ok(())))
        } else {
            return Err(OpenPgpError::SecretMissing {
                fingerprint,
                signer: self.signer.clone(),
            });
        };
        if matches!(params, SecretParams::Encrypted(_)) && !have_passphrase {
            return Err(OpenPgpError::PassphraseNeeded {
                fingerprint,
                var: "RELKIT_SIGNING_PASSPHRASE".to_string(),
            });
        }
        match unlocked {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) | Err(e) => Err(OpenPgpError::Unlock {
                fingerprint,
                reason: e.to_string(),
            }),
        }
    }

    fn secret_subkey(&self) -> Option<&pgp::composed::SignedSecretSubKey> {
        self.secret
            .secret_subkeys
            .iter()
            .find(|s| cert::hex(&s.key.fingerprint()) == self.signer)
    }

    /// Runs `f` with the secret (sub)key that signs.
    fn with_signer<T>(
        &self,
        f: impl FnOnce(&dyn pgp::types::SigningKey) -> pgp::errors::Result<T>,
    ) -> Result<T, OpenPgpError> {
        let result = match self.secret_subkey() {
            Some(sub) => f(&sub.key),
            None => f(&self.secret.primary_key),
        };
        result.map_err(|e| self.sign_error(e))
    }

    fn sign_error(&self, e: impl fmt::Display) -> OpenPgpError {
        OpenPgpError::Sign {
            fingerprint: self.fingerprint(),
            reason: e.to_string(),
        }
    }

    /// Primary key fingerprint, uppercase hex (what `gpg --fingerprint` shows, without spaces).
    pub fn fingerprint(&self) -> String {
        cert::hex(&self.public.primary_key.fingerprint())
    }

    /// Fingerprint of the (sub)key that makes the signatures (the primary key's when it signs).
    pub fn signer_fingerprint(&self) -> &str {
        &self.signer
    }

    /// The first user ID (`Name <email>`) with a valid self-signature, if any.
    pub fn user_id(&self) -> Option<String> {
        cert::user_id(&self.public)
    }

    /// The signature settings for `typ`: the key's digest (SHA-256 for RSA and Ed25519, larger
    /// for larger curves), creation time and issuer fingerprint hashed, key ID unhashed for v4.
    fn config(
        key: &dyn pgp::types::SigningKey,
        typ: SignatureType,
    ) -> pgp::errors::Result<SignatureConfig> {
        let mut hash = key.hash_alg();
        if !digest_is_strong(hash) {
            hash = HashAlgorithm::Sha256;
        }
        let mut config = match key.version() {
            KeyVersion::V6 => {
                let mut salt = vec![0u8; hash.salt_len().unwrap_or(32)];
                getrandom::fill(&mut salt).map_err(|e| io::Error::other(e.to_string()))?;
                SignatureConfig::v6_with_salt(typ, key.algorithm(), hash, salt)
            }
            _ => SignatureConfig::v4(typ, key.algorithm(), hash),
        };
        config.hashed_subpackets = vec![
            Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::now()))?,
            Subpacket::regular(SubpacketData::IssuerFingerprint(key.fingerprint()))?,
        ];
        if key.version() <= KeyVersion::V4 {
            config.unhashed_subpackets = vec![Subpacket::regular(SubpacketData::IssuerKeyId(
                key.legacy_key_id(),
            ))?];
        }
        Ok(config)
    }

    /// A signature of type `typ` over the bytes read from `data`, streamed through [`BUF_SIZE`]
    /// buffers (never held whole).
    fn signature(
        &self,
        typ: SignatureType,
        data: &mut dyn Read,
    ) -> Result<Signature, OpenPgpError> {
        let mut config = None;
        self.with_signer(|key| {
            config = Some(Self::config(key, typ)?);
            Ok(())
        })?;
        let Some(config) = config else {
            return Err(self.sign_error("no signature settings"));
        };
        let mut hasher = config.into_hasher().map_err(|e| self.sign_error(e))?;
        let mut buf = vec![0u8; BUF_SIZE];
        loop {
            let n = match data.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(OpenPgpError::Read {
                        origin: "the data to sign".to_string(),
                        source,
                    })
                }
            };
            io::Write::write_all(&mut hasher, &buf[..n]).map_err(|e| self.sign_error(e))?;
        }
        self.with_signer(|key| hasher.sign(key, &self.password))
    }

    /// Detached signature over the bytes read from `data` (streamed); ASCII-armoured
    /// (`-----BEGIN PGP SIGNATURE-----`) when `armor`, binary (`.sig`) otherwise.
    pub fn sign_detached(&self, data: &mut dyn Read, armor: bool) -> Result<Vec<u8>, OpenPgpError> {
        let detached = DetachedSignature::new(self.signature(SignatureType::Binary, data)?);
        if armor {
            detached.to_armored_bytes(ArmorOptions::default())
        } else {
            detached.to_bytes()
        }
        .map_err(|e| self.sign_error(e))
    }

    /// Cleartext-signed document (the `InRelease` form APT reads): the text, dash-escaped, then an
    /// armoured signature over its lines as OpenPGP normalises them (CRLF endings).
    pub fn sign_cleartext(&self, text: &str) -> Result<String, OpenPgpError> {
        // The line break before the signature armour ends the text's last line, so a file
        // ending in a newline is signed without it and round-trips unchanged, as with
        // `gpg --clearsign` (otherwise an `InRelease` would hold one more line than `Release`).
        let text = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(text);
        let mut failed = None;
        let message = CleartextSignedMessage::new_many(text, |normalized| {
            // RFC 9580 7.1: trailing spaces and tabs of each line are not signed (readers,
            // gpg and rpgp's own, drop them before hashing); rpgp leaves that to the signer.
            let hashed = strip_trailing_whitespace(normalized);
            match self.signature(SignatureType::Text, &mut hashed.as_bytes()) {
                Ok(sig) => Ok(vec![sig]),
                Err(e) => {
                    let shown = e.to_string();
                    failed = Some(e);
                    Err(io::Error::other(shown).into())
                }
            }
        });
        let message = match (message, failed) {
            (_, Some(e)) => return Err(e),
            (Ok(m), None) => m,
            (Err(e), None) => return Err(self.sign_error(e)),
        };
        let mut armored = message
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| self.sign_error(e))?;
        // A text file ends in a newline, as `gpg --clearsign` writes it.
        if !armored.ends_with('\n') {
            armored.push('\n');
        }
        Ok(armored)
    }

    /// The public key (certificate), ASCII-armoured (`KEY.asc`, what `gpg --export --armor`
    /// writes).
    pub fn public_key_armored(&self) -> Result<String, OpenPgpError> {
        self.public
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| self.sign_error(e))
    }

    /// The public key (certificate) in binary (`KEY.gpg`, for `/etc/apt/keyrings` and
    /// `signed-by=`).
    pub fn public_key_binary(&self) -> Result<Vec<u8>, OpenPgpError> {
        self.public.to_bytes().map_err(|e| self.sign_error(e))
    }

    /// The public certificate, for verifying this key's own signatures.
    pub fn keyring(&self) -> Keyring {
        Keyring::from_certs(vec![self.public.clone()])
    }
}

/// Each CRLF-separated line of `text` without its trailing spaces and tabs.
fn strip_trailing_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split("\r\n").enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(line.trim_end_matches([' ', '\t']));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleartext_hashing_drops_trailing_blanks_per_line_only() {
        assert_eq!(
            strip_trailing_whitespace("a \t\r\n b\r\nc  "),
            "a\r\n b\r\nc"
        );
        assert_eq!(strip_trailing_whitespace("\r\n\r\n"), "\r\n\r\n");
    }
}
