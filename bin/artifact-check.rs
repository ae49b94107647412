//! `artifact-check`: verifies release artifacts before they ship.
fn main() -> std::process::ExitCode {
    relkit::artifact::main(std::env::args_os().collect())
}
