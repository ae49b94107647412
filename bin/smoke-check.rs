//! `smoke-check`: proves a built artifact starts, serves and stops cleanly, and gates deployments on health.
fn main() -> std::process::ExitCode {
    relkit::smoke::main(std::env::args_os().collect())
}
