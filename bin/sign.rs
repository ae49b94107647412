//! `sign`: sign release files and verify signatures (OpenPGP and minisign).
fn main() -> std::process::ExitCode {
    relkit::sign::main(std::env::args_os().collect())
}
