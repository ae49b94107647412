//! Digests and checksum manifests, shared by the tools that hash files or read manifests:
//! checksum (creates and verifies them), notes-gen (the download table from `SHA256SUMS`),
//! asset-upload (GitHub's `sha256:` asset digests) and apt-repo (hex digests).

pub mod algo;
pub mod hash;
pub mod manifest;
