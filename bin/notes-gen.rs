//! `notes-gen`: release notes, changelog entries and the next version from git history.
fn main() -> std::process::ExitCode {
    relkit::notes::main(std::env::args_os().collect())
}
