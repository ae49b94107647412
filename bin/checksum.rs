//! `checksum`: create, verify, lint and merge checksum manifests, byte-compatible with sha256sum.
fn main() -> std::process::ExitCode {
    relkit::checksum::main(std::env::args_os().collect())
}
