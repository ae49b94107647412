//! The `relkit` multicall binary: `relkit <tool> ARGS…`, `relkit --help` listing the tools, and
//! busybox-style dispatch when invoked through a link named like a tool.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::exit::Exit;

/// One tool reachable through the multicall binary.
pub struct ToolEntry {
    /// The tool's binary name.
    pub name: &'static str,
    /// One line saying what it does.
    pub about: &'static str,
    /// Its entry point; takes argv with the program name first.
    pub main: fn(Vec<OsString>) -> ExitCode,
}

/// Every tool, in the order `relkit --help` lists them.
pub const TOOLS: &[ToolEntry] = &[
    ToolEntry { name: "checksum", about: "Create, verify, lint and merge checksum manifests (sha256sum-compatible)", main: crate::checksum::main },
    ToolEntry { name: "smoke-check", about: "Smoke-test a build: run it, wait for health, probe it, stop it cleanly", main: crate::smoke::main },
    ToolEntry { name: "notes-gen", about: "Release notes, changelog entries and the next version from git history", main: crate::notes::main },
    ToolEntry { name: "asset-upload", about: "Upload release assets to GitHub Releases (re-runnable, fault-tolerant, streaming)", main: crate::upload::main },
    ToolEntry { name: "coverage-gate", about: "Gate on coverage totals, changed lines and regressions, from any common report format", main: crate::coverage::main },
    ToolEntry { name: "sbom", about: "CycloneDX SBOM and licence bundle from lockfiles", main: crate::sbom::main },
    ToolEntry { name: "artifact-check", about: "Verify release artifacts: presence, size, architecture, archive and package contents, versions", main: crate::artifact::main },
    ToolEntry { name: "vuln-check", about: "Check SBOMs and lockfiles for known vulnerabilities (OSV) and gate on their severity", main: crate::vuln::main },
    ToolEntry { name: "deploy", about: "Record deployments on GitHub, find the one to roll back to, notify Slack, Teams or a webhook", main: crate::deploy::main },
    ToolEntry { name: "sign", about: "Sign release files and verify signatures (OpenPGP and minisign, no gpg needed)", main: crate::sign::main },
    ToolEntry { name: "apt-repo", about: "Publish .deb packages as a signed APT repository (incremental, by-hash, InRelease)", main: crate::apt_repo::main },
];

/// Finds a tool by name.
pub fn find(name: &str) -> Option<&'static ToolEntry> {
    TOOLS.iter().find(|t| t.name == name)
}

/// The text of `relkit --help`.
pub fn help() -> String {
    let mut text = format!(
        "relkit {}: a GitHub Actions-native release toolkit\n\n\
         Usage: relkit <TOOL> [ARGS]...\n       \
         <TOOL> [ARGS]...   (through a link named like the tool)\n\nTools:\n",
        env!("CARGO_PKG_VERSION")
    );
    let width = TOOLS.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for tool in TOOLS {
        text.push_str(&format!("  {:width$}  {}\n", tool.name, tool.about));
    }
    text.push_str(
        "\nOptions:\n  -h, --help     Print this help (relkit <TOOL> --help for a tool's own)\n  \
         -V, --version  Print the version\n\n\
         Examples:\n  relkit checksum dist/ -o SHA256SUMS\n  relkit help smoke-check\n\n",
    );
    text.push_str(crate::cli::EXIT_STATUS_HELP);
    text.push('\n');
    text
}

/// The tool name a program path stands for: its file name without `.exe`.
fn program_name(argv0: &OsString) -> String {
    let name = Path::new(argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.strip_suffix(".exe").unwrap_or(&name).to_string()
}

/// Runs the multicall binary with `argv` (program name first).
pub fn main(argv: Vec<OsString>) -> ExitCode {
    let mut args = argv.into_iter();
    let argv0 = args.next().unwrap_or_else(|| OsString::from("relkit"));
    let rest: Vec<OsString> = args.collect();
    if let Some(tool) = find(&program_name(&argv0)) {
        return (tool.main)(std::iter::once(argv0).chain(rest).collect());
    }
    let Some(first) = rest.first() else {
        eprint!("{}", help());
        return Exit::Usage.into();
    };
    let first = first.to_string_lossy().into_owned();
    match first.as_str() {
        "-h" | "--help" => print_stdout(&help()),
        "-V" | "--version" => print_stdout(&format!("relkit {}\n", env!("CARGO_PKG_VERSION"))),
        "help" => match rest.get(1).map(|n| n.to_string_lossy().into_owned()) {
            None => print_stdout(&help()),
            Some(name) => match find(&name) {
                Some(tool) => (tool.main)(vec![
                    OsString::from(format!("relkit {name}")),
                    OsString::from("--help"),
                ]),
                None => unknown(&name),
            },
        },
        name => match find(name) {
            Some(tool) => {
                let mut tool_argv = vec![OsString::from(format!("relkit {name}"))];
                tool_argv.extend(rest.into_iter().skip(1));
                (tool.main)(tool_argv)
            }
            None => unknown(name),
        },
    }
}

fn print_stdout(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    // A closed pipe while printing help is not worth an error.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Exit::Ok.into()
}

fn unknown(name: &str) -> ExitCode {
    let names: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
    eprintln!(
        "relkit: unknown tool '{name}'; the tools are: {}. Run 'relkit --help'.",
        names.join(", ")
    );
    Exit::Usage.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names_drop_directories_and_exe() {
        assert_eq!(
            program_name(&OsString::from("/usr/bin/checksum")),
            "checksum"
        );
        assert!(program_name(&OsString::from("C:\\x\\checksum.exe")).ends_with("checksum"));
        assert_eq!(program_name(&OsString::from("relkit")), "relkit");
    }

    #[test]
    fn help_lists_every_tool() {
        let text = help();
        for tool in TOOLS {
            assert!(text.contains(tool.name), "{} missing from help", tool.name);
        }
        assert!(text.contains("Exit status:"));
    }
}
