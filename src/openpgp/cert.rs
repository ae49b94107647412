//! Whether a certificate's keys may sign right now: self-signatures, expiry, revocation and key
//! flags, checked the way GnuPG checks them (RFC 9580 §5.2.3.x, §10.1), shared by signing (which
//! key of a secret key signs) and verification (is the key behind a signature still good).

use std::fmt;

use pgp::composed::{SignedPublicKey, SignedPublicSubKey};
use pgp::packet::{Signature, SignatureType, SubpacketData};
use pgp::types::{KeyDetails, Tag};

/// Why a key cannot make (or vouch for) a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// The key expired at this time (seconds since the Unix epoch).
    Expired {
        /// When it expired.
        at: u32,
    },
    /// The key was revoked by its owner.
    Revoked {
        /// The reason given in the revocation, or `no reason given`.
        reason: String,
    },
    /// The key is not marked for signing (key flags), or a signing subkey lacks the primary key
    /// binding ("back signature") that proves the subkey agreed to it.
    NotForSigning,
    /// No valid self-signature binds this key (or subkey) to the certificate.
    Unbound,
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::Expired { at } => write!(f, "the key expired on {}", utc(*at)),
            KeyProblem::Revoked { reason } => write!(f, "the key was revoked ({reason})"),
            KeyProblem::NotForSigning => write!(f, "the key is not marked for signing"),
            KeyProblem::Unbound => {
                write!(
                    f,
                    "no valid self-signature binds the key to its certificate"
                )
            }
        }
    }
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(secs: u32) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::from(secs));
    let s = humantime::format_rfc3339_seconds(t).to_string();
    // `2026-01-02T03:04:05Z` → `2026-01-02 03:04:05 UTC`
    format!("{} UTC", s.trim_end_matches('Z').replacen('T', " ", 1))
}

/// The current time as OpenPGP counts it (seconds since the epoch, 32 bits).
pub fn now() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// Which key of a certificate: the primary key or the n-th public subkey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The primary key.
    Primary,
    /// `public_subkeys[n]`.
    Subkey(usize),
}

fn created(sig: &Signature) -> u32 {
    sig.created().map_or(0, |t| t.as_secs())
}

fn has_key_flags(sig: &Signature) -> bool {
    sig.config().is_some_and(|c| {
        c.hashed_subpackets
            .iter()
            .any(|p| matches!(p.data, SubpacketData::KeyFlags(_)))
    })
}

fn expiry(key_created: u32, sig: &Signature) -> Option<u32> {
    match sig.key_expiration_time() {
        Some(d) if d.as_secs() > 0 => Some(key_created.saturating_add(d.as_secs())),
        _ => None,
    }
}

fn revocation_reason(sig: &Signature) -> String {
    let code = sig.revocation_reason_code().map(|c| format!("{c:?}"));
    let text = sig
        .revocation_reason_string()
        .map(|s| String::from_utf8_lossy(s).trim().to_string())
        .filter(|s| !s.is_empty());
    match (code, text) {
        (Some(c), Some(t)) => format!("{c}: {t}"),
        (Some(c), None) => c,
        (None, Some(t)) => t,
        (None, None) => "no reason given".to_string(),
    }
}

/// The primary key's newest valid self-signature: a direct-key signature or a user ID
/// certification made by the primary key itself.
fn primary_self_signature(cert: &SignedPublicKey) -> Option<&Signature> {
    let primary = &cert.primary_key;
    let direct = cert
        .details
        .direct_signatures
        .iter()
        .filter(|sig| sig.typ() == Some(SignatureType::Key) && sig.verify_key(primary).is_ok());
    let certifications = cert.details.users.iter().flat_map(|user| {
        user.signatures.iter().filter(move |sig| {
            matches!(
                sig.typ(),
                Some(
                    SignatureType::CertGeneric
                        | SignatureType::CertPersona
                        | SignatureType::CertCasual
                        | SignatureType::CertPositive
                )
            ) && sig
                .verify_certification(primary, Tag::UserId, &user.id)
                .is_ok()
        })
    });
    direct.chain(certifications).max_by_key(|sig| created(sig))
}

/// The first user ID with a valid self-signature, as text.
pub fn user_id(cert: &SignedPublicKey) -> Option<String> {
    let primary = &cert.primary_key;
    cert.details
        .users
        .iter()
        .find(|user| {
            user.signatures.iter().any(|sig| {
                sig.verify_certification(primary, Tag::UserId, &user.id)
                    .is_ok()
            })
        })
        .map(|user| String::from_utf8_lossy(user.id.id()).into_owned())
}

/// What is wrong with the certificate as a whole (its primary key) at time `now`, if anything.
pub fn primary_problem(cert: &SignedPublicKey, now: u32) -> Option<KeyProblem> {
    let primary = &cert.primary_key;
    if let Some(rev) = cert.details.revocation_signatures.iter().find(|sig| {
        sig.typ() == Some(SignatureType::KeyRevocation) && sig.verify_key(primary).is_ok()
    }) {
        return Some(KeyProblem::Revoked {
            reason: revocation_reason(rev),
        });
    }
    let Some(selfsig) = primary_self_signature(cert) else {
        return Some(KeyProblem::Unbound);
    };
    match expiry(primary.created_at().as_secs(), selfsig) {
        Some(at) if at <= now => Some(KeyProblem::Expired { at }),
        _ => None,
    }
}

/// What keeps the primary key from signing at `now`, if anything (certificate-wide problems
/// included).
fn primary_signing_problem(cert: &SignedPublicKey, now: u32) -> Option<KeyProblem> {
    if let Some(problem) = primary_problem(cert, now) {
        return Some(problem);
    }
    let selfsig = primary_self_signature(cert)?;
    // A self-signature without key flags predates them (RFC 4880 keys): such a primary key may
    // sign, as GnuPG allows.
    if has_key_flags(selfsig) && !selfsig.key_flags().sign() {
        return Some(KeyProblem::NotForSigning);
    }
    None
}

/// What keeps a subkey from signing at `now`, if anything (certificate-wide problems excluded).
fn subkey_signing_problem(
    cert: &SignedPublicKey,
    sub: &SignedPublicSubKey,
    now: u32,
) -> Option<KeyProblem> {
    let primary = &cert.primary_key;
    if let Some(rev) = sub.signatures.iter().find(|sig| {
        sig.typ() == Some(SignatureType::SubkeyRevocation)
            && sig.verify_subkey_binding(primary, &sub.key).is_ok()
    }) {
        return Some(KeyProblem::Revoked {
            reason: revocation_reason(rev),
        });
    }
    let Some(binding) = sub
        .signatures
        .iter()
        .filter(|sig| {
            sig.typ() == Some(SignatureType::SubkeyBinding)
                && sig.verify_subkey_binding(primary, &sub.key).is_ok()
        })
        .max_by_key(|sig| created(sig))
    else {
        return Some(KeyProblem::Unbound);
    };
    if !binding.key_flags().sign() {
        return Some(KeyProblem::NotForSigning);
    }
    // A signing subkey must sign the primary key back, or anyone could bind someone else's
    // signing key to their certificate (RFC 9580 §5.2.1, "Primary Key Binding Signature").
    let backsig_ok = binding
        .embedded_signature()
        .is_some_and(|back| back.verify_primary_key_binding(&sub.key, primary).is_ok());
    if !backsig_ok {
        return Some(KeyProblem::NotForSigning);
    }
    match expiry(sub.key.created_at().as_secs(), binding) {
        Some(at) if at <= now => Some(KeyProblem::Expired { at }),
        _ => None,
    }
}

/// What keeps `component` from signing at `now`: the certificate's own problems first, then the
/// component's.
pub fn signing_problem(
    cert: &SignedPublicKey,
    component: Component,
    now: u32,
) -> Option<KeyProblem> {
    match component {
        Component::Primary => primary_signing_problem(cert, now),
        Component::Subkey(i) => {
            if let Some(problem) = primary_problem(cert, now) {
                return Some(problem);
            }
            let sub = cert.public_subkeys.get(i)?;
            subkey_signing_problem(cert, sub, now)
        }
    }
}

/// The key GnuPG would sign with: the newest valid signing subkey, else the primary key if it
/// may sign. Otherwise the reason no key can sign (the certificate's problem, or the closest
/// thing to a signing key's problem).
pub fn choose_signer(cert: &SignedPublicKey, now: u32) -> Result<Component, KeyProblem> {
    if let Some(problem) = primary_problem(cert, now) {
        return Err(problem);
    }
    let mut subkey_problem = None;
    let mut best: Option<(usize, u32)> = None;
    for (i, sub) in cert.public_subkeys.iter().enumerate() {
        match subkey_signing_problem(cert, sub, now) {
            None => {
                let created = sub.key.created_at().as_secs();
                if best.is_none_or(|(_, c)| created >= c) {
                    best = Some((i, created));
                }
            }
            // Remember why a would-be signing subkey failed, to report it if nothing else signs.
            Some(p @ (KeyProblem::Expired { .. } | KeyProblem::Revoked { .. })) => {
                subkey_problem = Some(p)
            }
            Some(_) => {}
        }
    }
    if let Some((i, _)) = best {
        return Ok(Component::Subkey(i));
    }
    match primary_signing_problem(cert, now) {
        None => Ok(Component::Primary),
        Some(p) => Err(subkey_problem.unwrap_or(p)),
    }
}

/// Uppercase hex of a fingerprint, as `gpg --fingerprint` shows it without spaces.
pub fn hex(fp: &pgp::types::Fingerprint) -> String {
    format!("{fp:X}")
}

/// The fingerprint of a component key.
pub fn component_fingerprint(cert: &SignedPublicKey, component: Component) -> Option<String> {
    match component {
        Component::Primary => Some(hex(&cert.primary_key.fingerprint())),
        Component::Subkey(i) => cert
            .public_subkeys
            .get(i)
            .map(|s| hex(&s.key.fingerprint())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_like_a_log_line() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_767_323_045), "2026-01-02 03:04:05 UTC");
    }
}
