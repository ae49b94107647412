//! relkit: a GitHub Actions-native release toolkit. Small single-purpose tools (checksum,
//! smoke-check, notes-gen, asset-upload, coverage-gate, …) share this library; each has a thin
//! binary in `bin/`, a composite action in `actions/`, and is reachable through the `relkit`
//! multicall binary.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod apt_repo;
pub mod artifact;
pub mod checksum;
pub mod cli;
pub mod coverage;
pub mod deb;
pub mod deploy;
pub mod digest;
pub mod exit;
pub mod fsutil;
pub mod gha;
pub mod http;
pub mod lockfile;
pub mod minisig;
pub mod multicall;
pub mod notes;
pub mod openpgp;
pub mod output;
pub mod parallel;
pub mod retry;
pub mod sbom;
pub mod select;
pub mod sign;
pub mod signature;
pub mod smoke;
pub mod upload;
pub mod vuln;
