//! The digest algorithms `checksum` supports, their names in each manifest style, and the
//! streaming hashers behind them.
//!
//! The `sha2` crate picks its fastest backend at run time: on x86-64 CPUs with the SHA extensions
//! (`sha_ni`) SHA-256 runs on the `sha256rnds2` instructions, SHA-384/512 on AVX2 where present,
//! with a portable fallback elsewhere; nothing has to be enabled at build time.

use sha2::Digest;

/// A supported digest algorithm.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// SHA-256 (64 hex digits), the default.
    Sha256,
    /// SHA-384 (96 hex digits).
    Sha384,
    /// SHA-512 (128 hex digits).
    Sha512,
}

impl Algorithm {
    /// Every algorithm, in order.
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512];

    /// The lowercase name used on the command line, in JSON and as the sidecar extension.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The tag of BSD-style lines as GNU `sha256sum --tag` writes it (`SHA256 (name) = hex`).
    pub fn tag(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha384 => "SHA384",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// The tag OpenSSL 3 writes (`SHA2-256(name)= hex`).
    pub fn openssl_tag(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "SHA2-256",
            Algorithm::Sha384 => "SHA2-384",
            Algorithm::Sha512 => "SHA2-512",
        }
    }

    /// The number of hex digits of a digest.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    /// The algorithm whose digests have `len` hex digits.
    pub fn from_hex_len(len: usize) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.hex_len() == len)
    }

    /// The algorithm named by a BSD tag (`SHA256`, `SHA2-256`, case-insensitive).
    pub fn from_tag(tag: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| {
            tag.eq_ignore_ascii_case(a.tag()) || tag.eq_ignore_ascii_case(a.openssl_tag())
        })
    }

    /// The conventional manifest file name: `SHA256SUMS`, `SHA384SUMS`, `SHA512SUMS`.
    pub fn manifest_name(self) -> String {
        format!("{}SUMS", self.tag())
    }

    /// A fresh streaming hasher.
    pub fn hasher(self) -> Hasher {
        match self {
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            Algorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A streaming hasher of one of the supported algorithms.
#[derive(Clone)]
pub enum Hasher {
    /// SHA-256.
    Sha256(sha2::Sha256),
    /// SHA-384.
    Sha384(sha2::Sha384),
    /// SHA-512.
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha384(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// The digest as lowercase hex.
    pub fn finish_hex(self) -> String {
        match self {
            Hasher::Sha256(h) => hex(&h.finalize()),
            Hasher::Sha384(h) => hex(&h.finalize()),
            Hasher::Sha512(h) => hex(&h.finalize()),
        }
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(algo: Algorithm, data: &[u8]) -> String {
        let mut h = algo.hasher();
        h.update(data);
        h.finish_hex()
    }

    #[test]
    fn known_answers() {
        // FIPS 180-2 "abc" vectors.
        assert_eq!(
            digest(Algorithm::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            digest(Algorithm::Sha384, b"abc"),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(
            digest(Algorithm::Sha512, b"abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn names_lengths_and_tags_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_hex_len(a.hex_len()), Some(a));
            assert_eq!(Algorithm::from_tag(a.tag()), Some(a));
            assert_eq!(Algorithm::from_tag(a.openssl_tag()), Some(a));
            assert_eq!(digest(a, b"").len(), a.hex_len());
        }
        assert_eq!(Algorithm::from_tag("MD5"), None);
        assert_eq!(Algorithm::from_hex_len(40), None);
        assert_eq!(Algorithm::Sha384.manifest_name(), "SHA384SUMS");
    }
}
