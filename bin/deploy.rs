//! `deploy`: record deployments on GitHub, find the one to roll back to, and notify people.
fn main() -> std::process::ExitCode {
    relkit::deploy::main(std::env::args_os().collect())
}
