//! `asset-upload`: publish release assets to GitHub Releases, surviving re-runs, faults and big files.
fn main() -> std::process::ExitCode {
    relkit::upload::main(std::env::args_os().collect())
}
