//! Black-box tests of the `relkit` multicall binary: the tool list, dispatch by subcommand and by
//! link name, and its exit codes.

use std::path::Path;
use std::process::{Command, Output};

use pretty_assertions::assert_eq;

const RELKIT: &str = env!("CARGO_BIN_EXE_relkit");

fn relkit(args: &[&str]) -> Output {
    Command::new(RELKIT).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every `[[bin]]` of the package except `relkit` itself, read from Cargo.toml.
fn tool_bins() -> Vec<String> {
    let manifest: toml::Table =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
    let mut names: Vec<String> = manifest["bin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .filter(|n| n != "relkit")
        .collect();
    names.sort();
    names
}

#[test]
fn help_lists_exactly_the_tool_binaries() {
    let out = relkit(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    let mut listed: Vec<String> = help
        .split("Tools:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    listed.sort();
    assert_eq!(listed, tool_bins());
    assert!(help.contains("\nExamples:\n"), "{help}");
    assert!(help.contains("\nExit status:\n"), "{help}");
}

#[test]
fn version_and_usage_errors() {
    let out = relkit(&["--version"]);
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(0), format!("relkit {}\n", env!("CARGO_PKG_VERSION")))
    );
    let out = relkit(&["no-such-tool"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("relkit: unknown tool 'no-such-tool'; the tools are: "),
        "{}",
        text(&out.stderr)
    );
    let out = relkit(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Usage: relkit <TOOL>"));
}

#[test]
fn every_tool_runs_as_a_subcommand_with_the_same_help_as_its_binary() {
    for tool in tool_bins() {
        let via_relkit = relkit(&[&tool, "--help"]);
        assert_eq!(via_relkit.status.code(), Some(0), "relkit {tool} --help");
        let own = Command::new(Path::new(RELKIT).with_file_name(&tool))
            .arg("--help")
            .output()
            .unwrap();
        assert_eq!(own.status.code(), Some(0), "{tool} --help");
        // The usage line names the program it was invoked as; everything else is identical.
        let strip = |s: String| s.replace(&format!("relkit {tool}"), &tool);
        assert_eq!(strip(text(&via_relkit.stdout)), text(&own.stdout), "{tool}");
        assert!(
            text(&own.stdout).contains("\nExamples:\n"),
            "{tool} --help has no examples"
        );

        let bad = relkit(&[&tool, "--no-such-flag"]);
        assert_eq!(bad.status.code(), Some(2), "relkit {tool} --no-such-flag");

        let help = relkit(&["help", &tool]);
        assert_eq!(
            text(&help.stdout),
            text(&via_relkit.stdout),
            "relkit help {tool}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_link_named_like_a_tool_behaves_as_that_tool() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("checksum");
    std::os::unix::fs::symlink(RELKIT, &link).unwrap();
    std::fs::write(dir.path().join("a.txt"), "hello\n").unwrap();
    let out = Command::new(&link)
        .arg("a.txt")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a.txt\n"
    );
}
