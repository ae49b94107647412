//! Lockfile and manifest readers and the component model they fill, shared by sbom (which writes
//! CycloneDX from them) and vuln-check (which checks the same components against OSV):
//! `Cargo.lock`, `go.mod`/`go.sum`, npm's `package-lock.json`, Python's requirements, Poetry and
//! uv locks, purls, and the licences found on disk.

pub mod cargo;
pub mod golang;
pub mod licenses;
pub mod model;
pub mod npm;
pub mod purl;
pub mod python;
