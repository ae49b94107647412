//! minisign (signify-compatible Ed25519) signing and verification, shared by `sign` and
//! `checksum --signature`: secret keys from an environment variable, prehashed signatures with a
//! trusted comment, and files the `minisign` binary reads and writes (`minisign -S`, `-V`).

use std::io::{Read, Seek};

use minisign::{PublicKey, PublicKeyBox, SecretKey, SecretKeyBox, SignatureBox};

use crate::exit::{Exit, ToolError};

/// The first line of every minisign file (key or signature).
pub const COMMENT_PREFIX: &str = "untrusted comment:";

/// Errors of minisign signing and verification.
#[derive(Debug, thiserror::Error)]
pub enum MinisignError {
    /// The environment variable that should hold the secret key is unset or empty.
    #[error("{var} is not set: put the minisign secret key file's content in it (`cat ~/.minisign/minisign.key`), e.g. from a repository secret")]
    KeyNotSet {
        /// The variable.
        var: String,
    },
    /// The secret key could not be parsed.
    #[error("{origin}: not a minisign secret key ({reason}); pass the content of the file `minisign -G` wrote")]
    BadKey {
        /// Where the key came from.
        origin: String,
        /// What the parser said.
        reason: String,
    },
    /// The secret key is encrypted and no passphrase was given.
    #[error("{origin}: the minisign secret key is encrypted and no passphrase was given; set {pass_var}")]
    PassphraseNeeded {
        /// Where the key came from.
        origin: String,
        /// The variable the passphrase is read from.
        pass_var: String,
    },
    /// The passphrase does not decrypt the key.
    #[error(
        "{origin}: cannot decrypt the minisign secret key ({reason}); is the passphrase right?"
    )]
    Unlock {
        /// Where the key came from.
        origin: String,
        /// What the library said.
        reason: String,
    },
    /// A public key could not be parsed.
    #[error("{origin}: not a minisign public key ({reason}); pass the `minisign.pub` file or its second line (`RW…`)")]
    BadPublicKey {
        /// The key file or text.
        origin: String,
        /// What the parser said.
        reason: String,
    },
    /// A signature file could not be parsed.
    #[error("{origin}: not a readable minisign signature ({reason}); is the file complete?")]
    BadSignatureFile {
        /// The signature file.
        origin: String,
        /// What the parser said.
        reason: String,
    },
    /// A trusted comment that minisign could not store.
    #[error("the trusted comment must be one line; it holds a line break")]
    Comment,
    /// Signing or reading the data failed.
    #[error("{origin}: {reason}")]
    Io {
        /// What was being read or signed.
        origin: String,
        /// What went wrong.
        reason: String,
    },
    /// The signature was made by another key.
    #[error("{origin}: signed by minisign key {issuer}, not by the trusted key {trusted}; wrong --key, or the file was signed by someone else")]
    WrongKey {
        /// The signature file.
        origin: String,
        /// The key ID the signature names.
        issuer: String,
        /// The key ID of the public key given.
        trusted: String,
    },
    /// The signature does not match the data or its trusted comment was changed.
    #[error("{origin}: BAD signature by minisign key {key_id}: {reason}")]
    Bad {
        /// The signature file.
        origin: String,
        /// The key ID.
        key_id: String,
        /// What was wrong.
        reason: String,
    },
}

impl ToolError for MinisignError {
    fn exit(&self) -> Exit {
        match self {
            MinisignError::WrongKey { .. } | MinisignError::Bad { .. } => Exit::Failed,
            MinisignError::Io { .. } => Exit::Env,
            _ => Exit::Usage,
        }
    }
}

/// A key ID as minisign prints it: the 8-byte key number read little-endian, 16 hex digits.
pub fn key_id(keynum: &[u8]) -> String {
    let mut bytes = [0u8; 8];
    for (dst, src) in bytes.iter_mut().zip(keynum) {
        *dst = *src;
    }
    format!("{:016X}", u64::from_le_bytes(bytes))
}

/// A minisign secret key ready to sign.
pub struct MinisignKey {
    secret: SecretKey,
    public: PublicKey,
}

impl std::fmt::Debug for MinisignKey {
    // Never prints key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MinisignKey")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl MinisignKey {
    /// Reads the secret key file's content from `key_var` and its passphrase from `pass_var`
    /// (unset or empty: the key must be unencrypted, `minisign -G -W`). Neither is ever logged.
    pub fn from_env(key_var: &str, pass_var: &str) -> Result<MinisignKey, MinisignError> {
        let text = std::env::var(key_var)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| MinisignError::KeyNotSet {
                var: key_var.to_string(),
            })?;
        let pass = std::env::var(pass_var).ok().filter(|p| !p.is_empty());
        Self::from_text(&text, pass, key_var, pass_var)
    }

    /// Parses a secret key file's content; `origin` and `pass_var` name the sources in errors.
    pub fn from_text(
        text: &str,
        passphrase: Option<String>,
        origin: &str,
        pass_var: &str,
    ) -> Result<MinisignKey, MinisignError> {
        let bad = |reason: String| MinisignError::BadKey {
            origin: origin.to_string(),
            reason,
        };
        if !text.trim_start().starts_with(COMMENT_PREFIX) {
            return Err(bad(format!("it does not start with `{COMMENT_PREFIX}`")));
        }
        let boxed = SecretKeyBox::from_string(text.trim()).map_err(|e| bad(e.to_string()))?;
        let unencrypted = boxed
            .clone()
            .into_unencrypted_secret_key()
            .or_else(|e| unencrypted_c_key(text).ok_or(e));
        let secret = match (unencrypted, passphrase) {
            (Ok(key), _) => key,
            (Err(e), None) if !e.to_string().contains("encrypted") => {
                return Err(bad(e.to_string()));
            }
            (Err(_), None) => {
                // Never let the library prompt on a terminal: ask for the variable instead.
                return Err(MinisignError::PassphraseNeeded {
                    origin: origin.to_string(),
                    pass_var: pass_var.to_string(),
                });
            }
            (Err(_), Some(pass)) => {
                boxed
                    .into_secret_key(Some(pass))
                    .map_err(|e| MinisignError::Unlock {
                        origin: origin.to_string(),
                        reason: e.to_string(),
                    })?
            }
        };
        let public = PublicKey::from_secret_key(&secret).map_err(|e| bad(e.to_string()))?;
        Ok(MinisignKey { secret, public })
    }

    /// The key ID (`C74318F1FE906686`), as `minisign` prints it.
    pub fn key_id(&self) -> String {
        key_id(self.public.keynum())
    }

    /// The public key file's content (`minisign.pub`).
    pub fn public_key_text(&self) -> Result<String, MinisignError> {
        let boxed = self.public.to_box().map_err(|e| MinisignError::Io {
            origin: "the public key".to_string(),
            reason: e.to_string(),
        })?;
        Ok(boxed.into_string())
    }

    /// The public key as `minisign -P` takes it (`RW…`).
    pub fn public_key_base64(&self) -> String {
        self.public.to_base64()
    }

    /// A prehashed signature (what `minisign -S` writes) over the bytes read from `data`, with
    /// `trusted_comment` signed along (one line).
    pub fn sign(
        &self,
        data: &mut dyn Read,
        origin: &str,
        trusted_comment: &str,
    ) -> Result<String, MinisignError> {
        if trusted_comment.contains(['\n', '\r']) {
            return Err(MinisignError::Comment);
        }
        let untrusted = format!("signature from minisign secret key {}", self.key_id());
        let sig = minisign::sign(
            Some(&self.public),
            &self.secret,
            data,
            Some(trusted_comment),
            Some(&untrusted),
        )
        .map_err(|e| MinisignError::Io {
            origin: origin.to_string(),
            reason: e.to_string(),
        })?;
        Ok(sig.into_string())
    }
}

/// An unencrypted key as the C `minisign -G -W` writes it: no KDF and an all-zero checksum,
/// which the crate's loader calls corrupted. The key itself is sound; anything else (a real
/// checksum that does not match, an encrypted key) is left to the crate's error.
fn unencrypted_c_key(text: &str) -> Option<SecretKey> {
    use base64::Engine as _;
    let line = text.trim().lines().nth(1)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(line.trim())
        .ok()?;
    // sig_alg(2) kdf_alg(2) chk_alg(2) salt(32) opslimit(8) memlimit(8) keynum(8) sk(64) chk(32)
    if bytes.len() != 158 || bytes[2..4] != [0, 0] || bytes[126..].iter().any(|b| *b != 0) {
        return None;
    }
    let key = SecretKey::from_bytes(&bytes).ok()?;
    (!key.is_encrypted()).then_some(key)
}

/// A trusted minisign public key.
#[derive(Clone)]
pub struct MinisignPublic {
    key: PublicKey,
}

impl std::fmt::Debug for MinisignPublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MinisignPublic")
            .field("key_id", &self.key_id())
            .finish()
    }
}

/// A good minisign signature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MinisignVerified {
    /// The key ID that signed.
    pub key_id: String,
    /// The signed trusted comment.
    pub trusted_comment: String,
}

impl MinisignPublic {
    /// Parses a public key: the `minisign.pub` file's content or its base64 line (`RW…`).
    pub fn from_text(text: &str, origin: &str) -> Result<MinisignPublic, MinisignError> {
        let bad = |reason: String| MinisignError::BadPublicKey {
            origin: origin.to_string(),
            reason,
        };
        let text = text.trim();
        let key = if text.starts_with(COMMENT_PREFIX) {
            PublicKeyBox::from_string(text)
                .and_then(PublicKeyBox::into_public_key)
                .map_err(|e| bad(e.to_string()))?
        } else {
            PublicKey::from_base64(text).map_err(|e| bad(e.to_string()))?
        };
        Ok(MinisignPublic { key })
    }

    /// The key ID.
    pub fn key_id(&self) -> String {
        key_id(self.key.keynum())
    }

    /// Verifies a minisign signature file's content over `data`. Legacy (not prehashed)
    /// signatures are accepted, as `minisign -V` does.
    pub fn verify<R: Read + Seek>(
        &self,
        signature: &str,
        origin: &str,
        data: R,
    ) -> Result<MinisignVerified, MinisignError> {
        let sig = parse_signature(signature, origin)?;
        let issuer = key_id(sig.keynum());
        let trusted = self.key_id();
        if issuer != trusted {
            return Err(MinisignError::WrongKey {
                origin: origin.to_string(),
                issuer,
                trusted,
            });
        }
        let trusted_comment = sig.trusted_comment().unwrap_or_default();
        match minisign::verify(&self.key, &sig, data, true, false, true) {
            Ok(()) => Ok(MinisignVerified {
                key_id: trusted,
                trusted_comment,
            }),
            Err(e) if matches!(e.kind(), minisign::ErrorKind::Io) => Err(MinisignError::Io {
                origin: origin.to_string(),
                reason: e.to_string(),
            }),
            Err(e) => Err(MinisignError::Bad {
                origin: origin.to_string(),
                key_id: trusted,
                reason: match e.to_string().as_str() {
                    "Comment signature verification failed" => {
                        "the trusted comment was changed".to_string()
                    }
                    "Signature verification failed" => {
                        "the signature does not match the data: the file was modified, or the signature belongs to another file".to_string()
                    }
                    other => other.to_string(),
                },
            }),
        }
    }
}

/// Parses a minisign signature file's content.
fn parse_signature(text: &str, origin: &str) -> Result<SignatureBox, MinisignError> {
    let bad = |reason: String| MinisignError::BadSignatureFile {
        origin: origin.to_string(),
        reason,
    };
    if !text.starts_with(COMMENT_PREFIX) {
        return Err(bad(format!("it does not start with `{COMMENT_PREFIX}`")));
    }
    if text.lines().count() < 4 {
        return Err(bad("fewer than the four lines minisign writes".to_string()));
    }
    SignatureBox::from_string(text).map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_read_the_key_number_little_endian() {
        assert_eq!(
            key_id(&[0x86, 0x66, 0x90, 0xFE, 0xF1, 0x18, 0x43, 0xC7]),
            "C74318F1FE906686"
        );
    }

    #[test]
    fn garbage_is_a_clear_error_not_a_panic() {
        for text in [
            "",
            "x",
            "untrusted comment: x\n",
            "untrusted comment: x\nRW\n\n\n",
        ] {
            let err = MinisignPublic::from_text(text, "k").err();
            assert!(
                matches!(err, Some(MinisignError::BadPublicKey { .. })),
                "{text:?}"
            );
        }
        assert!(matches!(
            parse_signature(
                "untrusted comment: x\nAAAA\ntrusted comment: y\nAAAA\n",
                "s"
            ),
            Err(MinisignError::BadSignatureFile { .. })
        ));
    }
}
