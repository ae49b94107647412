//! `vuln-check`: check SBOMs and lockfiles for known vulnerabilities (OSV) and gate on severity.
fn main() -> std::process::ExitCode {
    relkit::vuln::main(std::env::args_os().collect())
}
