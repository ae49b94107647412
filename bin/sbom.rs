//! `sbom`: a CycloneDX SBOM and third-party licence bundle from lockfiles, offline and reproducible.
fn main() -> std::process::ExitCode {
    relkit::sbom::main(std::env::args_os().collect())
}
