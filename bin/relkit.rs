//! `relkit`: the multicall binary that runs any relkit tool by name.
fn main() -> std::process::ExitCode {
    relkit::multicall::main(std::env::args_os().collect())
}
