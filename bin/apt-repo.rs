//! `apt-repo`: publish .deb packages as a signed APT repository.
fn main() -> std::process::ExitCode {
    relkit::apt_repo::main(std::env::args_os().collect())
}
