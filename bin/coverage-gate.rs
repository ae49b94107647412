//! `coverage-gate`: read any common coverage report, merge, and gate on totals, diff and baseline.
fn main() -> std::process::ExitCode {
    relkit::coverage::main(std::env::args_os().collect())
}
