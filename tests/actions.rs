//! Tests of the composite-action harness itself, of the root `action.yml`, of the shared
//! installer (`actions/setup`) and of `actions/lib.sh`, including shell-injection attempts.

mod harness;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use harness::{Action, HarnessError, Outcome};
use pretty_assertions::assert_eq;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// The two injection attempts the issue names: command substitution, and breaking out of a
/// double-quoted string to delete HOME.
const INJECTIONS: [&str; 2] = ["$(touch pwned)", "\"; rm -rf ~ #"];

fn fixture(case: &str) -> Action {
    Action::load(format!("tests/fixtures/actions/{case}"))
}

fn tempdir() -> TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// Writes `yaml` as the action.yml of a fresh directory, for short error-case actions.
fn inline_action(yaml: &str) -> (TempDir, Action) {
    let dir = tempdir();
    fs::write(dir.path().join("action.yml"), yaml).expect("write action.yml");
    let action = Action::load(dir.path());
    (dir, action)
}

fn outcomes(result: &harness::ActionResult) -> Vec<(String, Outcome)> {
    result
        .steps
        .iter()
        .map(|s| (s.id.clone().unwrap_or_default(), s.outcome))
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn write_executable(path: &Path, text: &str) {
    fs::write(path, text).expect("write script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------

#[test]
fn outputs_from_both_file_command_forms_reach_action_outputs() {
    let result = fixture("outputs").input("who", "relkit").run().unwrap();
    assert!(result.success, "{result}");
    assert_eq!(
        result.outputs,
        map(&[
            ("greeting", "hello relkit"),
            ("multi", "line one\n\nline three"),
            ("empty", ""),
            ("equals", "a=b<<c"),
            ("echoed", "prefix-hello relkit-suffix"),
            ("unset", ""),
        ])
    );
    assert_eq!(
        result
            .step("first")
            .outputs
            .get("MULTI")
            .map(String::as_str),
        None,
        "outputs keep the case they were written with"
    );
}

#[test]
fn github_env_and_path_reach_later_steps_but_not_over_the_callers_env() {
    let result = fixture("env-path")
        .env("CALLER_VAR", "from the caller")
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert_eq!(
        result.outputs,
        map(&[
            ("plain", "set by step one"),
            ("context", "set by step one"),
            ("multi", "first\nsecond"),
            ("tool", "hello from extra-bin"),
            // The runner's env context and process env put the calling step's env: above
            // the global env that $GITHUB_ENV writes to.
            ("caller", "from the caller"),
        ])
    );
    assert_eq!(
        result.github_path,
        vec![result.runner_temp.join("extra-bin").display().to_string()]
    );
    assert_eq!(
        result.github_env.get("MULTI_VAR").map(String::as_str),
        Some("first\nsecond")
    );
}

#[test]
fn input_defaults_apply_and_names_are_case_insensitive() {
    let result = fixture("defaults")
        .input("NO-DEFAULT", "given")
        .github("token", "ghs_test_token")
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert_eq!(
        result.outputs,
        map(&[
            ("plain", "the default"),
            ("token", "ghs_test_token"),
            ("mixed", "mixed default"),
            ("no-default", "given"),
            ("boolean", "false"),
            ("from-env", "the default"),
        ])
    );

    let result = fixture("defaults").input("plain", "").run().unwrap();
    assert_eq!(
        (
            result.outputs["plain"].as_str(),
            result.outputs["no-default"].as_str()
        ),
        ("", ""),
        "an input given as '' stays empty, and one never given has no value"
    );
}

#[test]
fn failing_step_runs_only_failure_and_always_steps() {
    let result = fixture("conditions")
        .input("fail", "true")
        .input("mode", "RELEASE")
        .run()
        .unwrap();
    assert!(!result.success, "{result}");
    assert_eq!(
        outcomes(&result),
        vec![
            ("first".into(), Outcome::Failure),
            ("after-success".into(), Outcome::Skipped),
            ("on-failure".into(), Outcome::Success),
            ("always".into(), Outcome::Success),
            ("release-mode".into(), Outcome::Skipped),
            ("not-release-mode".into(), Outcome::Skipped),
            ("truthy".into(), Outcome::Skipped),
        ]
    );
    assert_eq!(result.step("first").exit_code, Some(3));
    assert_eq!(
        result.step("on-failure").stdout,
        "ran on-failure, partial=written before failing\n",
        "outputs written before a failure are kept"
    );
    let errors = result.commands();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (
            errors[0].name.as_str(),
            errors[0].properties.get("title").map(String::as_str),
            errors[0].data.as_str()
        ),
        ("error", Some("Step one"), "failing on purpose")
    );
}

#[test]
fn conditions_compare_case_insensitively_and_treat_false_as_truthy() {
    let result = fixture("conditions")
        .input("mode", "RELEASE")
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert_eq!(
        outcomes(&result),
        vec![
            ("first".into(), Outcome::Success),
            ("after-success".into(), Outcome::Success),
            ("on-failure".into(), Outcome::Skipped),
            ("always".into(), Outcome::Success),
            ("release-mode".into(), Outcome::Success),
            ("not-release-mode".into(), Outcome::Skipped),
            // `if: inputs.fail` with fail = 'false': a non-empty string, so true.
            ("truthy".into(), Outcome::Success),
        ]
    );
    let result = fixture("conditions").run().unwrap();
    assert_eq!(result.step("release-mode").outcome, Outcome::Skipped);
    assert_eq!(result.step("not-release-mode").outcome, Outcome::Success);
}

#[test]
fn unsupported_expression_fails_loudly_before_any_step() {
    let workspace = tempdir();
    let error = fixture("unsupported-expression")
        .workspace(workspace.path())
        .run()
        .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, HarnessError::UnsupportedExpression { .. }),
        "{message}"
    );
    assert_eq!(
        message,
        format!(
            "{}: runs.steps[1].env.GREETING: unsupported expression `${{{{ format('hello {{0}}', inputs.name) }}}}`: function `format(…)` with arguments is not supported",
            harness::crate_root()
                .join("tests/fixtures/actions/unsupported-expression/action.yml")
                .display()
        )
    );
    assert!(
        !workspace.path().join("never-ran").exists(),
        "no step may run when an expression is unsupported"
    );
}

#[test]
fn expressions_outside_the_subset_are_refused() {
    let cases = [
        ("inputs.a || 'default'", "run"),
        ("contains(inputs.a, 'x')", "run"),
        ("fromJSON(inputs.a)", "run"),
        ("secrets.TOKEN", "run"),
        ("github.event_name", "run"),
        ("runner.name", "run"),
        ("inputs.undeclared", "run"),
        ("steps.nope.outputs.x", "run"),
        ("steps.later.outputs.x", "run"),
        ("steps.later.outcome", "run"),
        ("inputs.a == 'x'", "run"),
        ("inputs.a['x']", "run"),
        ("1", "run"),
        ("cancelled()", "if"),
        ("inputs.a == inputs.a", "if"),
        ("env.X", "if"),
        ("!inputs.a", "if"),
        ("inputs.a && always()", "if"),
    ];
    for (expression, place) in cases {
        let step = match place {
            "if" => format!("if: ${{{{ {expression} }}}}\n      run: 'true'"),
            _ => format!("run: echo \"${{{{ {expression} }}}}\""),
        };
        let yaml = format!(
            "name: t\ndescription: t\ninputs:\n  a:\n    description: a\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      {step}\n    - id: later\n      shell: bash\n      run: 'true'\n"
        );
        let (_dir, action) = inline_action(&yaml);
        match action.check() {
            Err(HarnessError::UnsupportedExpression {
                expression: named, ..
            }) => assert_eq!(named, expression),
            other => {
                panic!("`{expression}` in {place}: expected UnsupportedExpression, got {other:?}")
            }
        }
    }
}

#[test]
fn uses_step_is_refused() {
    let workspace = tempdir();
    let error = fixture("uses-step")
        .workspace(workspace.path())
        .run()
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, HarnessError::Refused { .. }), "{message}");
    assert!(
        message.contains("uses: ./actions/setup") && message.contains("runs.steps[1]"),
        "{message}"
    );
    assert!(!workspace.path().join("never-ran").exists());
}

#[test]
fn non_bash_shells_and_other_action_kinds_are_refused() {
    let cases = [
        "runs:\n  using: node20\n  main: index.js\n",
        "runs:\n  using: composite\n  steps:\n    - shell: sh\n      run: 'true'\n",
        "runs:\n  using: composite\n  steps:\n    - run: 'true'\n",
        "runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: 'true'\n      continue-on-error: true\n",
    ];
    for yaml in cases {
        let (_dir, action) = inline_action(&format!("name: t\ndescription: t\n{yaml}"));
        let error = action.check().expect_err(yaml);
        assert!(
            matches!(
                error,
                HarnessError::Refused { .. } | HarnessError::Load { .. }
            ),
            "{yaml}: {error}"
        );
    }
}

#[test]
fn undeclared_inputs_and_github_fields_are_refused() {
    let error = fixture("outputs").input("whom", "x").run().unwrap_err();
    assert!(
        matches!(error, HarnessError::Usage { .. }) && error.to_string().contains("`whom`"),
        "{error}"
    );
    let error = fixture("outputs")
        .github("event_name", "push")
        .run()
        .unwrap_err();
    assert!(error.to_string().contains("event_name"), "{error}");
}

#[test]
fn step_summaries_are_concatenated_and_working_directory_applies() {
    let result = fixture("summary").run().unwrap();
    assert!(result.success, "{result}");
    assert_eq!(
        result.summary,
        "## First\nno trailing newline\n- second step in sub/dir\n"
    );
    assert_eq!(
        result.step("second").outputs["cwd"],
        result.workspace.join("sub/dir").display().to_string()
    );
}

#[test]
fn invalid_file_commands_fail_the_step() {
    let (_dir, action) = inline_action(
        "name: t\ndescription: t\nruns:\n  using: composite\n  steps:\n    - id: bad\n      shell: bash\n      run: printf 'x<<EOF\\nvalue\\n' >> \"$GITHUB_OUTPUT\"\n    - id: next\n      shell: bash\n      run: 'true'\n",
    );
    let result = action.run().unwrap();
    assert!(!result.success, "{result}");
    assert_eq!(
        outcomes(&result),
        vec![
            ("bad".into(), Outcome::Failure),
            ("next".into(), Outcome::Skipped)
        ]
    );
    assert_eq!(result.step("bad").exit_code, Some(0));
    assert!(
        result.messages[0].contains("Matching delimiter not found 'EOF'"),
        "{:?}",
        result.messages
    );
}

#[test]
fn step_timeout_kills_the_step_and_its_children() {
    let (_dir, action) = inline_action(
        "name: t\ndescription: t\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: |\n        echo started\n        sleep 30 &\n        sleep 30\n",
    );
    let started = Instant::now();
    let error = action
        .timeout(Duration::from_millis(500))
        .run()
        .unwrap_err();
    assert!(
        matches!(&error, HarnessError::Timeout { output, .. } if output == "started\n"),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn file_command_parsing_matches_the_runner() {
    let parse = harness::parse_file_command;
    assert_eq!(
        parse("a=1\n\nb=x=y\nc<<EOF\nl1\nl2\nEOF\nd<<E\nE\ne=<<f\n"),
        Ok(vec![
            ("a".into(), "1".into()),
            ("b".into(), "x=y".into()),
            ("c".into(), "l1\nl2".into()),
            ("d".into(), "".into()),
            ("e".into(), "<<f".into()),
        ])
    );
    // `<<` before `=`: heredoc named `f`, delimiter `=x`.
    assert_eq!(parse("f<<=x\nv\n=x\n"), Ok(vec![("f".into(), "v".into())]));
    // On Linux a CR is part of the line, so of the delimiter and the value too.
    assert_eq!(
        parse("g<<EOF\r\nv\r\nEOF\r\n"),
        Ok(vec![("g".into(), "v\r".into())])
    );
    assert!(parse("g<<EOF\nv\nEOF\r\n").is_err());
    assert_eq!(parse("h=v\r\n"), Ok(vec![("h".into(), "v\r".into())]));
    // The closing delimiter may end the file without a newline; a value line may not.
    assert_eq!(parse("i<<EOF\nv\nEOF"), Ok(vec![("i".into(), "v".into())]));
    assert_eq!(
        parse("j<<EOF\nv"),
        Err("Invalid value. EOF marker missing new line.".into())
    );
    assert!(parse("no separator\n").is_err());
    assert!(parse("<<EOF\nEOF\n").is_err());
}

#[test]
fn workflow_commands_unescape_like_the_runner() {
    let commands = harness::workflow_commands(
        "plain line\n  ::error file=a%2Cb.rs,line=3,title=x%3Ay%25::multi%0Aline 100%25 %2C\r\n::unknown::x\n::warning::w\n::notice ::n\n",
    );
    assert_eq!(commands.len(), 3, "{commands:?}");
    assert_eq!(commands[0].name, "error");
    assert_eq!(
        commands[0].properties,
        map(&[("file", "a,b.rs"), ("line", "3"), ("title", "x:y%")])
    );
    assert_eq!(commands[0].data, "multi\nline 100% %2C");
    assert_eq!(
        (commands[1].name.as_str(), commands[1].data.as_str()),
        ("warning", "w")
    );
    assert_eq!(
        (commands[2].name.as_str(), commands[2].data.as_str()),
        ("notice", "n")
    );
}

#[test]
fn workflow_commands_honour_stop_commands() {
    let commands = harness::workflow_commands(
        "::stop-commands::tok123\n::error::ignored\n::TOK123::\n::error::seen\n",
    );
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert_eq!(commands[0].data, "seen");
}

// ---------------------------------------------------------------------------------------------
// Injection
// ---------------------------------------------------------------------------------------------

/// A HOME with a canary file, so an executed `rm -rf ~` would be noticed.
fn home_with_canary() -> TempDir {
    let home = tempdir();
    fs::write(home.path().join("canary"), "still here").expect("canary");
    home
}

fn assert_not_pwned(workspace: &Path, home: &Path) {
    assert!(
        !workspace.join("pwned").exists(),
        "injection ran in the workspace"
    );
    assert!(!home.join("pwned").exists(), "injection ran in HOME");
    assert!(home.join("canary").exists(), "HOME was deleted");
}

#[test]
fn fixture_action_passes_injection_attempts_as_data() {
    for value in INJECTIONS {
        let workspace = tempdir();
        let home = home_with_canary();
        let result = fixture("echo-input")
            .input("value", value)
            .workspace(workspace.path())
            .env("HOME", home.path())
            .run()
            .unwrap();
        assert!(result.success, "{result}");
        assert_eq!(result.outputs["value"], value);
        assert_eq!(
            fs::read(workspace.path().join("value.bin")).unwrap(),
            value.as_bytes()
        );
        assert_not_pwned(workspace.path(), home.path());
    }
}

#[test]
fn unsafe_fixture_shows_the_harness_runs_injections_like_the_runner() {
    // Proof that the injection tests can fail: with `${{ inputs.value }}` pasted into `run:`,
    // the runner (and so the harness) executes the command substitution.
    let workspace = tempdir();
    let result = fixture("echo-input-unsafe")
        .input("value", INJECTIONS[0])
        .workspace(workspace.path())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert!(workspace.path().join("pwned").exists());
}

/// A stand-in `relkit` that records its argv (NUL-separated in $GITHUB_WORKSPACE/argv, and as
/// outputs arg0, arg1, …): the root action's job is to deliver arguments, not to run a tool.
fn fake_relkit_dir() -> TempDir {
    let dir = tempdir();
    write_executable(
        &dir.path().join("relkit"),
        r#"#!/usr/bin/env bash
set -eu
if [ "${1:-}" = --version ]; then echo "relkit 0.0.0-fake"; exit 0; fi
printf '%s\0' "$@" > "$GITHUB_WORKSPACE/argv"
delimiter="d_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
i=0
for arg in "$@"; do
  printf 'arg%d<<%s\n%s\n%s\n' "$i" "$delimiter" "$arg" "$delimiter" >> "$GITHUB_OUTPUT"
  i=$((i + 1))
done
"#,
    );
    dir
}

fn read_argv(workspace: &Path) -> Vec<String> {
    let bytes = fs::read(workspace.join("argv")).expect("the tool was not run");
    let text = String::from_utf8(bytes).expect("utf-8 argv");
    let Some(text) = text.strip_suffix('\0') else {
        assert_eq!(text, "", "argv is empty or ends in NUL");
        return Vec::new();
    };
    text.split('\0').map(str::to_owned).collect()
}

fn root_action(fake: &Path, workspace: &Path, home: &Path) -> Action {
    Action::load(".")
        .without_built_binaries()
        .env("RELKIT_BIN_DIR", fake)
        .env("HOME", home)
        .workspace(workspace)
}

#[test]
fn root_action_passes_args_as_data() {
    let fake = fake_relkit_dir();
    let workspace = tempdir();
    let home = home_with_canary();
    let args = format!(
        "{}\n{}\n--flag=`id`\n\n  spaced  arg  \r\n--out=${{HOME}}/x\n",
        INJECTIONS[0], INJECTIONS[1]
    );
    let result = root_action(fake.path(), workspace.path(), home.path())
        .input("tool", "checksum")
        .input("args", &args)
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert_eq!(
        read_argv(workspace.path()),
        vec![
            "checksum",
            INJECTIONS[0],
            INJECTIONS[1],
            "--flag=`id`",
            "  spaced  arg  ",
            "--out=${HOME}/x"
        ]
    );
    let outputs = &result.step("run").outputs;
    assert_eq!(outputs["arg1"], INJECTIONS[0]);
    assert_eq!(outputs["arg2"], INJECTIONS[1]);
    assert_not_pwned(workspace.path(), home.path());
}

#[test]
fn root_action_with_no_args_runs_the_bare_tool() {
    let fake = fake_relkit_dir();
    let workspace = tempdir();
    let home = tempdir();
    let result = root_action(fake.path(), workspace.path(), home.path())
        .input("tool", "sbom")
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert_eq!(read_argv(workspace.path()), vec!["sbom"]);
}

#[test]
fn root_action_refuses_unknown_tools() {
    for tool in [
        "",
        "nope",
        "checksum smoke-check",
        "checksum; touch pwned",
        "$(touch pwned)",
    ] {
        let fake = fake_relkit_dir();
        let workspace = tempdir();
        let home = home_with_canary();
        let result = root_action(fake.path(), workspace.path(), home.path())
            .input("tool", tool)
            .run()
            .unwrap();
        assert!(!result.success, "{result}");
        assert_eq!(
            result.errors(),
            vec![format!(
                "unknown relkit tool '{tool}'; expected one of: checksum smoke-check notes-gen asset-upload coverage-gate sbom artifact-check vuln-check deploy sign apt-repo"
            )]
        );
        assert!(
            result.steps[1..]
                .iter()
                .all(|s| s.outcome == Outcome::Skipped),
            "nothing is installed or run for an unknown tool"
        );
        assert!(!workspace.path().join("argv").exists());
        assert_not_pwned(workspace.path(), home.path());
    }
}

/// `RELKIT_TOOLS` of actions/lib.sh, as bash reads it.
fn lib_tools() -> Vec<String> {
    let out = Command::new("bash")
        .args([
            "--noprofile",
            "--norc",
            "-c",
            "source actions/lib.sh && printf '%s\\n' \"${RELKIT_TOOLS[@]}\"",
        ])
        .current_dir(harness::crate_root())
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_tool_is_listed_wherever_the_tools_are_named() {
    // The installer copies, the release packs and the root action accepts RELKIT_TOOLS: a tool
    // missing there is missing from every release archive.
    let root = harness::crate_root();
    let mut bins: Vec<String> = fs::read_dir(root.join("bin"))
        .expect("read bin/")
        .map(|e| e.expect("dir entry").path())
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .filter(|name| name != "relkit")
        .collect();
    bins.sort();
    let mut listed = lib_tools();
    listed.sort();
    assert_eq!(listed, bins, "actions/lib.sh RELKIT_TOOLS against bin/");
    let descriptions: Vec<(&str, String)> = ["action.yml", "actions/setup/action.yml"]
        .into_iter()
        .map(|file| {
            let yaml: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(&fs::read_to_string(root.join(file)).unwrap()).unwrap();
            let text = yaml["description"].as_str().unwrap_or_default().to_owned();
            (file, text)
        })
        .collect();
    for tool in &bins {
        assert!(
            root.join("actions").join(tool).join("action.yml").is_file(),
            "{tool} has no actions/{tool}/action.yml"
        );
        for (file, text) in &descriptions {
            let named = text
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .any(|word| word == tool);
            assert!(named, "{file}'s description does not name {tool}: {text}");
        }
    }
}

/// Every action.yml relkit ships: the root one and all under actions/.
fn shipped_actions() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("read actions/") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path
                .file_name()
                .is_some_and(|n| n == "action.yml" || n == "action.yaml")
            {
                found.push(path);
            }
        }
    }
    let root = harness::crate_root();
    let mut found = vec![root.join("action.yml")];
    walk(&root.join("actions"), &mut found);
    found
}

#[test]
fn shipped_actions_never_expand_expressions_in_run() {
    let actions = shipped_actions();
    let root = harness::crate_root();
    assert!(actions.contains(&root.join("actions/setup/action.yml")));
    let mut violations = Vec::new();
    for file in &actions {
        let text = fs::read_to_string(file).unwrap();
        let yaml: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let steps = yaml["runs"]["steps"]
            .as_sequence()
            .cloned()
            .unwrap_or_default();
        for (index, step) in steps.iter().enumerate() {
            if let Some(run) = step["run"].as_str() {
                if run.contains("${{") {
                    violations.push(format!(
                        "{}: runs.steps[{index}].run contains ${{{{ }}}}; pass inputs through env:",
                        file.strip_prefix(&root).unwrap_or(file).display()
                    ));
                }
            }
        }
    }
    assert_eq!(violations, Vec::<String>::new());
}

#[test]
fn shipped_actions_load_in_the_harness() {
    for file in shipped_actions() {
        let dir = file.parent().unwrap();
        if let Err(e) = Action::load(dir).check() {
            panic!("{e}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// actions/lib.sh
// ---------------------------------------------------------------------------------------------

/// Runs the `lib` fixture (a script that builds an argv with actions/lib.sh and hands it to a
/// fake tool) with `inputs`; the argv lands in the returned workspace (see [`read_argv`]).
fn run_lib(inputs: &[(&str, &str)]) -> (TempDir, harness::ActionResult) {
    let workspace = tempdir();
    let mut action = fixture("lib").workspace(workspace.path());
    for (name, value) in inputs {
        action = action.input(name, value);
    }
    let result = action.run().unwrap();
    (workspace, result)
}

#[test]
fn lib_builds_argv_from_inputs() {
    let (workspace, result) = run_lib(&[
        ("draft", "true"),
        ("algorithm", "-sha512 $(id)"),
        ("labels", "x\r\n\ny z\n"),
        ("paths", "a.txt\r\n-b.txt\n\n  c d.txt\n"),
    ]);
    assert!(result.success, "{result}");
    assert_eq!(
        read_argv(workspace.path()),
        vec![
            "--draft",
            "--algorithm=-sha512 $(id)",
            "--label=x",
            "--label=y z",
            "--",
            "a.txt",
            "-b.txt",
            "  c d.txt"
        ]
    );
}

#[test]
fn lib_empty_inputs_add_nothing() {
    let (workspace, result) = run_lib(&[("draft", "false"), ("paths", "\n\r\n")]);
    assert!(result.success, "{result}");
    assert_eq!(read_argv(workspace.path()), Vec::<String>::new());
}

#[test]
fn lib_rejects_non_boolean_flags() {
    for value in ["yes", "True", "1", "true "] {
        let (workspace, result) = run_lib(&[("draft", value)]);
        assert!(!result.success, "{value}: {result}");
        assert_eq!(
            result.errors(),
            vec![format!(
                "input for --draft must be true or false, got '{value}'"
            )]
        );
        assert!(!workspace.path().join("argv").exists());
    }
}

#[test]
fn lib_refuses_options_after_positionals() {
    let (workspace, result) = run_lib(&[("paths", "a"), ("late-option", "true")]);
    assert!(!result.success, "{result}");
    assert_eq!(
        result.errors(),
        vec!["relkit lib.sh: --late added after add_lines; add options first"]
    );
    assert!(!workspace.path().join("argv").exists());
}

// ---------------------------------------------------------------------------------------------
// actions/setup: the installer
// ---------------------------------------------------------------------------------------------

#[test]
fn setup_uses_relkit_bin_dir() {
    let _guard = lock_built_binaries();
    let result = Action::load("actions/setup").run().unwrap();
    assert!(result.success, "{result}");
    let bin = harness::bin_dir().canonicalize().unwrap();
    let version = Command::new(bin.join("relkit"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout)
        .trim_end()
        .to_owned();
    assert_eq!(
        result.outputs,
        map(&[("path", &bin.display().to_string()), ("version", &version)])
    );
    assert_eq!(result.github_path, vec![bin.display().to_string()]);
    assert!(
        result.log().contains(&format!(
            "strategy: local binaries from RELKIT_BIN_DIR={}",
            harness::bin_dir().display()
        )),
        "{result}"
    );
}

#[test]
fn setup_outside_actions_prints_the_export_line() {
    let _guard = lock_built_binaries();
    let bin = harness::bin_dir().canonicalize().unwrap();
    let home = tempdir();
    let output = Command::new("bash")
        .arg(harness::crate_root().join("actions/setup/install.sh"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("RELKIT_BIN_DIR", &bin)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.lines().last(),
        Some(format!("export PATH={}:\"$PATH\"", bin.display()).as_str()),
        "{stdout}"
    );
}

#[test]
fn setup_rejects_a_version_that_is_not_a_release() {
    let result = Action::load("actions/setup")
        .without_built_binaries()
        .input("version", "main; touch pwned")
        .run()
        .unwrap();
    assert!(!result.success, "{result}");
    assert_eq!(
        result.errors(),
        vec!["relkit setup: input version 'main; touch pwned' is not a release version (vX.Y.Z); leave it empty to use the ref this action is used at"]
    );
    assert!(!result.workspace.join("pwned").exists());
}

/// PATH without the directories that hold cargo.
fn path_without_cargo() -> String {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|dir| !Path::new(dir).join("cargo").exists())
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn setup_without_cargo_explains_how_to_get_it() {
    let empty = tempdir();
    let result = Action::load("actions/setup")
        .without_built_binaries()
        .env("RELKIT_BIN_DIR", empty.path())
        .env("PATH", path_without_cargo())
        .github("action_ref", "main")
        .run()
        .unwrap();
    assert!(!result.success, "{result}");
    let warnings: Vec<String> = result
        .commands()
        .into_iter()
        .filter(|c| c.name == "warning")
        .map(|c| c.data)
        .collect();
    assert_eq!(
        warnings,
        vec![format!(
            "relkit setup: RELKIT_BIN_DIR={} has no executable relkit; ignoring it",
            empty.path().display()
        )]
    );
    assert_eq!(
        result.errors(),
        vec![
            "relkit setup: cargo is not installed, and relkit has to be built from source here \
             (action ref 'main' is not a release tag vX.Y.Z). Install Rust before this step \
             (uses: actions-rust-lang/setup-rust-toolchain@v1, or rustup from https://rustup.rs), \
             or use relkit at a release tag (@vX.Y.Z) to get prebuilt binaries."
        ]
    );
}

/// Serves fixed files over HTTP on 127.0.0.1 until dropped (at most 60 s), recording the
/// paths requested. Anything else gets a 404.
struct FileServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl FileServer {
    fn start(files: BTreeMap<String, Vec<u8>>) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, requests) = (stop.clone(), requests.clone());
            thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(60);
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            if let Some(path) = serve_one(stream, &files) {
                                requests.lock().expect("lock").push(path);
                            }
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        FileServer {
            addr,
            stop,
            requests,
            thread: Some(thread),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_one(mut stream: TcpStream, files: &BTreeMap<String, Vec<u8>>) -> Option<String> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buffer).ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buffer[..n]);
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1)?.to_owned();
    let (status, body) = match files.get(&path) {
        Some(body) => ("200 OK", body.as_slice()),
        None => ("404 Not Found", &b"not found"[..]),
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    Some(path)
}

/// The release target triple the installer picks on this machine.
fn release_target() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("macos", "aarch64") => "aarch64-apple-darwin",
        ("macos", _) => "x86_64-apple-darwin",
        (_, "aarch64") => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    }
}

fn tool_cache_arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        _ => "x64",
    }
}

const TAG: &str = "v9.9.9";

fn asset_name() -> String {
    format!("relkit-9.9.9-{}.tar.gz", release_target())
}

/// A release archive like the release workflow's: one top-level directory holding stand-in
/// binaries (`relkit --version` prints `version_line`).
fn release_archive(version_line: &str) -> Vec<u8> {
    let staging = tempdir();
    let top = format!("relkit-9.9.9-{}", release_target());
    let dir = staging.path().join(&top);
    fs::create_dir(&dir).unwrap();
    write_executable(
        &dir.join("relkit"),
        &format!("#!/bin/sh\necho '{version_line}'\n"),
    );
    write_executable(&dir.join("checksum"), "#!/bin/sh\necho checksum\n");
    fs::write(dir.join("README.md"), "not a binary\n").unwrap();
    let archive = staging.path().join("out.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(staging.path())
        .arg(&top)
        .status()
        .unwrap();
    assert!(status.success());
    fs::read(archive).unwrap()
}

/// Files of a GitHub release `TAG` of relkit/relkit: `archive` as the asset, and SHA256SUMS
/// listing `listed_hash` for it.
fn release_files(archive: &[u8], listed_hash: &str) -> BTreeMap<String, Vec<u8>> {
    let base = format!("/relkit/relkit/releases/download/{TAG}");
    let sums = format!(
        "{}  relkit-9.9.9-other-target.tar.gz\n{listed_hash}  {}\n",
        "0".repeat(64),
        asset_name()
    );
    BTreeMap::from([
        (format!("{base}/{}", asset_name()), archive.to_vec()),
        (format!("{base}/SHA256SUMS"), sums.into_bytes()),
    ])
}

/// The setup action as used at release tag `TAG` of relkit/relkit, downloading from `server`.
fn release_setup(dir: impl AsRef<Path>, server: &FileServer, tool_cache: &Path) -> Action {
    Action::load(dir)
        .without_built_binaries()
        .github("action_repository", "relkit/relkit")
        .github("action_ref", TAG)
        .env("RELKIT_DOWNLOAD_BASE", server.base_url())
        .env("PATH", path_without_cargo())
        .tool_cache(tool_cache)
}

#[test]
fn setup_downloads_verifies_and_caches_a_release() {
    let archive = release_archive("relkit 9.9.9");
    let server = FileServer::start(release_files(&archive, &sha256_hex(&archive)));
    let tool_cache = tempdir();
    let result = release_setup("actions/setup", &server, tool_cache.path())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    let bin = tool_cache
        .path()
        .join(format!("relkit/{TAG}/{}/bin", tool_cache_arch()));
    assert_eq!(
        result.outputs,
        map(&[
            ("path", &bin.display().to_string()),
            ("version", "relkit 9.9.9")
        ])
    );
    assert_eq!(result.github_path, vec![bin.display().to_string()]);
    let mut installed: Vec<String> = fs::read_dir(&bin)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    installed.sort();
    assert_eq!(installed, vec!["checksum", "relkit"]);
    let log = result.log();
    for line in [
        format!(
            "relkit setup: strategy: prebuilt release {TAG} (action ref {TAG}): {}/relkit/relkit/releases/download/{TAG}/{}",
            server.base_url(),
            asset_name()
        ),
        format!(
            "relkit setup: no checksums committed for {TAG} in this checkout; verifying against the release's SHA256SUMS only"
        ),
        format!(
            "relkit setup: checksum of {} matches the release's SHA256SUMS",
            asset_name()
        ),
    ] {
        assert!(log.contains(&line), "missing `{line}` in:\n{log}");
    }
    assert_eq!(
        server.requests(),
        vec![
            format!("/relkit/relkit/releases/download/{TAG}/{}", asset_name()),
            format!("/relkit/relkit/releases/download/{TAG}/SHA256SUMS"),
        ]
    );

    // Strategy b: a second install in the same job finds the tool cache, without the network.
    drop(server);
    let offline = FileServer::start(BTreeMap::new());
    let result = release_setup("actions/setup", &offline, tool_cache.path())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert!(
        result.log().contains(&format!(
            "strategy: already installed in the tool cache ({TAG})"
        )),
        "{result}"
    );
    assert_eq!(result.outputs["path"], bin.display().to_string());
    assert_eq!(offline.requests(), Vec::<String>::new());
}

fn assert_refused(result: &harness::ActionResult, tool_cache: &Path, reason: &str) {
    assert!(!result.success, "{result}");
    let errors = result.errors();
    assert_eq!(errors, vec![format!("relkit setup: {reason}")], "{result}");
    let cache = tool_cache.join(format!("relkit/{TAG}"));
    assert!(
        !cache
            .join(format!("{}.complete", tool_cache_arch()))
            .exists()
            && !cache.join(tool_cache_arch()).exists(),
        "nothing may be installed from a refused archive"
    );
    assert_eq!(result.github_path, Vec::<String>::new());
    assert_eq!(result.outputs["path"], "");
}

#[test]
fn setup_refuses_a_tampered_archive() {
    let genuine = release_archive("relkit 9.9.9");
    let tampered = release_archive("relkit 9.9.9 with a backdoor");
    let server = FileServer::start(release_files(&tampered, &sha256_hex(&genuine)));
    let tool_cache = tempdir();
    let result = release_setup("actions/setup", &server, tool_cache.path())
        .run()
        .unwrap();
    assert_refused(
        &result,
        tool_cache.path(),
        &format!(
            "checksum mismatch for {} against the release's SHA256SUMS; refusing to install it",
            asset_name()
        ),
    );
}

#[test]
fn setup_refuses_a_release_without_a_checksum_entry() {
    let archive = release_archive("relkit 9.9.9");
    let mut files = release_files(&archive, &sha256_hex(&archive));
    files.insert(
        format!("/relkit/relkit/releases/download/{TAG}/SHA256SUMS"),
        format!("{}  something-else.tar.gz\n", sha256_hex(&archive)).into_bytes(),
    );
    let server = FileServer::start(files);
    let tool_cache = tempdir();
    let result = release_setup("actions/setup", &server, tool_cache.path())
        .run()
        .unwrap();
    assert_refused(
        &result,
        tool_cache.path(),
        &format!(
            "checksum verification failed: the release's SHA256SUMS has no single entry for {}; refusing to install it",
            asset_name()
        ),
    );
}

/// A PATH of one directory that links every program of this PATH except those in `without`.
fn path_without(without: &[&str]) -> TempDir {
    let bin = tempdir();
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let link = bin.path().join(&name);
            if without.iter().any(|w| name == *w) || link.exists() {
                continue;
            }
            std::os::unix::fs::symlink(entry.path(), link).unwrap();
        }
    }
    bin
}

#[test]
fn setup_without_a_sha256_tool_refuses_to_install() {
    let archive = release_archive("relkit 9.9.9");
    let server = FileServer::start(release_files(&archive, &sha256_hex(&archive)));
    let tool_cache = tempdir();
    let bin = path_without(&["sha256sum", "shasum", "cargo"]);
    let result = release_setup("actions/setup", &server, tool_cache.path())
        .env("PATH", bin.path())
        .run()
        .unwrap();
    assert_refused(
        &result,
        tool_cache.path(),
        &format!(
            "neither sha256sum nor shasum is installed; cannot verify {}",
            asset_name()
        ),
    );
}

/// Copies the setup action and lib.sh into `root`, laid out as in this repository.
fn copy_setup_action(root: &Path) -> PathBuf {
    let setup = root.join("actions/setup");
    fs::create_dir_all(&setup).unwrap();
    let crate_root = harness::crate_root();
    for file in [
        "actions/setup/action.yml",
        "actions/setup/install.sh",
        "actions/lib.sh",
    ] {
        fs::copy(crate_root.join(file), root.join(file)).unwrap();
    }
    setup
}

#[test]
fn setup_checks_committed_checksums_before_the_release_ones() {
    // An attacker who controls the release can replace both the archive and SHA256SUMS; the
    // checksums committed in the repository still catch it.
    let genuine = release_archive("relkit 9.9.9");
    let replaced = release_archive("relkit 9.9.9 with a backdoor");
    let checkout = tempdir();
    let setup = copy_setup_action(checkout.path());
    fs::create_dir(setup.join("checksums")).unwrap();
    fs::write(
        setup.join(format!("checksums/{TAG}.sha256")),
        format!("{}  {}\r\n", sha256_hex(&genuine), asset_name()),
    )
    .unwrap();

    let server = FileServer::start(release_files(&replaced, &sha256_hex(&replaced)));
    let tool_cache = tempdir();
    let result = release_setup(&setup, &server, tool_cache.path())
        .run()
        .unwrap();
    assert_refused(
        &result,
        tool_cache.path(),
        &format!(
            "checksum mismatch for {} against the checksums committed in relkit/relkit (actions/setup/checksums/{TAG}.sha256); refusing to install it",
            asset_name()
        ),
    );
    drop(server);

    let server = FileServer::start(release_files(&genuine, &sha256_hex(&genuine)));
    let result = release_setup(&setup, &server, tool_cache.path())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert!(
        result.log().contains(&format!(
            "checksum of {} matches the checksums committed in relkit/relkit",
            asset_name()
        )) && result.log().contains("matches the release's SHA256SUMS"),
        "{result}"
    );
    assert_eq!(result.outputs["version"], "relkit 9.9.9");
}

/// A tiny crate named relkit with the installer copied in, standing in for this repository in
/// strategy d.
fn fake_source_tree() -> TempDir {
    let tree = tempdir();
    let root = tree.path();
    copy_setup_action(root);
    fs::create_dir(root.join("bin")).unwrap();
    fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"relkit\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[[bin]]\nname = \"relkit\"\npath = \"bin/relkit.rs\"\n\n[[bin]]\nname = \"checksum\"\npath = \"bin/checksum.rs\"\n\n[workspace]\n",
    )
    .unwrap();
    fs::write(
        root.join("Cargo.lock"),
        "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n[[package]]\nname = \"relkit\"\nversion = \"0.0.0\"\n",
    )
    .unwrap();
    fs::write(
        root.join("bin/relkit.rs"),
        "fn main() {\n    println!(\"relkit 0.0.0-from-source\");\n}\n",
    )
    .unwrap();
    fs::write(
        root.join("bin/checksum.rs"),
        "fn main() {\n    println!(\"checksum\");\n}\n",
    )
    .unwrap();
    tree
}

fn source_setup(tree: &Path, tool_cache: &Path) -> Action {
    Action::load(tree.join("actions/setup"))
        .without_built_binaries()
        .github("action_ref", "main")
        .env("RELKIT_PROFILE", "dev")
        .env("CARGO_TARGET_DIR", tree.join("target"))
        .tool_cache(tool_cache)
}

/// The directory name strategy d installs into, from the log line announcing it.
fn source_key(result: &harness::ActionResult) -> String {
    let log = result.log();
    let line = log
        .lines()
        .find(|l| l.starts_with("relkit setup: copied "))
        .unwrap_or_else(|| panic!("no copy line in:\n{log}"));
    let key = line.split("/relkit/").last().unwrap();
    key.split('/').next().unwrap().to_owned()
}

#[test]
fn setup_builds_from_source() {
    // Strategy d on a stand-in crate: changing its sources, or making it a git checkout, is
    // cheap and cannot disturb the binaries other tests run. The script under test is the
    // real one, run from a copy laid out like this repository so `BASH_SOURCE` resolves the
    // source root the same way. The real crate is built by
    // `setup_builds_this_repository_in_the_tests_target_dir`.
    let tree = fake_source_tree();
    let tool_cache = tempdir();
    let result = source_setup(tree.path(), tool_cache.path()).run().unwrap();
    assert!(result.success, "{result}");
    let key = source_key(&result);
    assert!(
        key.starts_with("source-")
            && key.ends_with("-dev")
            && key.len() == "source--dev".len() + 16,
        "not a content-hash key: {key}"
    );
    let bin = tool_cache
        .path()
        .join(format!("relkit/{key}/{}/bin", tool_cache_arch()));
    assert_eq!(
        result.outputs,
        map(&[
            ("path", &bin.display().to_string()),
            ("version", "relkit 0.0.0-from-source")
        ])
    );
    let src = tree.path().canonicalize().unwrap();
    assert!(
        result.log().contains(&format!(
            "relkit setup: strategy: build from source in {} (action ref 'main' is not a release tag vX.Y.Z)",
            src.display()
        )),
        "{result}"
    );
    assert!(tree.path().join("target/debug/relkit").exists());
    assert!(bin.join("checksum").exists());

    // Same sources: reused from the tool cache. Changed sources: a new key and a rebuild.
    let again = source_setup(tree.path(), tool_cache.path()).run().unwrap();
    assert!(
        again.log().contains(&format!(
            "strategy: already installed in the tool cache ({key})"
        )),
        "{again}"
    );
    fs::write(
        tree.path().join("bin/relkit.rs"),
        "fn main() {\n    println!(\"relkit 0.0.1-from-source\");\n}\n",
    )
    .unwrap();
    let changed = source_setup(tree.path(), tool_cache.path()).run().unwrap();
    assert!(changed.success, "{changed}");
    assert_ne!(source_key(&changed), key);
    assert_eq!(changed.outputs["version"], "relkit 0.0.1-from-source");
}

#[test]
fn setup_keys_source_builds_by_git_commit() {
    let tree = fake_source_tree();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(tree.path())
            .env("HOME", tree.path())
            .output()
            .unwrap();
        assert!(status.status.success(), "git {args:?}: {status:?}");
        String::from_utf8(status.stdout).unwrap().trim().to_owned()
    };
    git(&["init", "-q"]);
    fs::write(tree.path().join(".gitignore"), "/target\n").unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "init"]);
    let commit = git(&["rev-parse", "HEAD"]);
    let tool_cache = tempdir();
    let result = source_setup(tree.path(), tool_cache.path()).run().unwrap();
    assert!(result.success, "{result}");
    assert_eq!(source_key(&result), format!("source-{commit}-dev"));
}

#[test]
fn setup_falls_back_to_source_when_the_release_has_no_asset() {
    let tree = fake_source_tree();
    let server = FileServer::start(BTreeMap::new());
    let tool_cache = tempdir();
    let result = source_setup(tree.path(), tool_cache.path())
        .github("action_ref", TAG)
        .github("action_repository", "someone/fork")
        .env("RELKIT_DOWNLOAD_BASE", server.base_url())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    let warnings: Vec<String> = result
        .commands()
        .into_iter()
        .filter(|c| c.name == "warning")
        .map(|c| c.data)
        .collect();
    assert_eq!(
        warnings,
        vec![format!(
            "relkit setup: could not download {}/someone/fork/releases/download/{TAG}/{}; building from source instead",
            server.base_url(),
            asset_name()
        )]
    );
    assert!(
        result.log().contains("strategy: build from source in"),
        "{result}"
    );
    assert_eq!(result.outputs["version"], "relkit 0.0.0-from-source");
    assert!(
        result.outputs["path"].contains("/relkit/source-"),
        "a source build must not be cached as release {TAG}: {}",
        result.outputs["path"]
    );
}

/// Serialises the tests that run the built binaries with the one that rebuilds them in place.
static BUILT_BINARIES: Mutex<()> = Mutex::new(());

fn lock_built_binaries() -> std::sync::MutexGuard<'static, ()> {
    BUILT_BINARIES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn setup_builds_this_repository_in_the_tests_target_dir() {
    // Strategy d on the real crate, in this test run's own target directory. Checked by
    // hand (cargo 1.95): this does not deadlock, because `cargo test` releases the build-
    // directory lock once everything is compiled, before it runs the tests; and the nested
    // `cargo build --bins` is a no-op (about a second) because `cargo test` already built the
    // binaries with the same profile and features. Should a dev-dependency ever add features
    // to a normal dependency, this build recompiles what depends on it, and re-links
    // target/<profile>/relkit, hence the lock shared with the tests that run those binaries.
    let _guard = lock_built_binaries();
    let bin = harness::bin_dir();
    let target_dir = bin.parent().expect("target/<profile>").to_path_buf();
    let profile = match bin.file_name().and_then(|n| n.to_str()) {
        Some("release") => "release",
        _ => "dev",
    };
    let tool_cache = tempdir();
    let mut action = Action::load("actions/setup")
        .without_built_binaries()
        .github("action_ref", "main")
        .env("RELKIT_PROFILE", profile)
        .env("CARGO_TARGET_DIR", &target_dir)
        .tool_cache(tool_cache.path());
    // Whatever changes the outer build's fingerprints must reach the nested one too.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "CARGO_INCREMENTAL",
    ] {
        if let Some(value) = std::env::var_os(var) {
            action = action.env(var, value);
        }
    }
    let result = action.run().unwrap();
    assert!(result.success, "{result}");
    assert!(
        result.log().contains(&format!(
            "relkit setup: strategy: build from source in {} (action ref 'main' is not a release tag vX.Y.Z)",
            harness::crate_root().canonicalize().unwrap().display()
        )),
        "{result}"
    );
    let installed = PathBuf::from(&result.outputs["path"]);
    assert!(installed.starts_with(tool_cache.path()), "{result}");
    let version = Command::new(installed.join("relkit"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        result.outputs["version"],
        String::from_utf8_lossy(&version.stdout).trim_end()
    );
}

#[test]
fn setup_maps_a_major_version_ref_to_the_release_in_the_actions_cargo_toml() {
    // `uses: …/actions/checksum@v9` checks out a commit whose Cargo.toml says 9.9.9: the
    // installer downloads release v9.9.9 instead of building from source.
    let tree = fake_source_tree();
    let manifest = tree.path().join("Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replace("version = \"0.0.0\"", "version = \"9.9.9\""),
    )
    .unwrap();
    let archive = release_archive("relkit 9.9.9");
    let server = FileServer::start(release_files(&archive, &sha256_hex(&archive)));
    let tool_cache = tempdir();
    let result = Action::load(tree.path().join("actions/setup"))
        .without_built_binaries()
        .github("action_repository", "relkit/relkit")
        .github("action_ref", "v9")
        .env("RELKIT_DOWNLOAD_BASE", server.base_url())
        .env("PATH", path_without_cargo())
        .tool_cache(tool_cache.path())
        .run()
        .unwrap();
    assert!(result.success, "{result}");
    assert_eq!(result.outputs["version"], "relkit 9.9.9");
    let expected = format!(
        "strategy: prebuilt release {TAG} (action ref v9 is release {TAG} (version in the action's Cargo.toml))"
    );
    assert!(
        result.log().contains(&expected),
        "missing `{expected}` in:\n{}",
        result.log()
    );

    // A major ref that does not match the source's version is not trusted: build from source
    // (which fails here, with no cargo on PATH, and says so).
    let result = Action::load(tree.path().join("actions/setup"))
        .without_built_binaries()
        .github("action_repository", "relkit/relkit")
        .github("action_ref", "v8")
        .env("RELKIT_DOWNLOAD_BASE", server.base_url())
        .env("PATH", path_without_cargo())
        .tool_cache(tool_cache.path())
        .run()
        .unwrap();
    assert!(!result.success, "{result}");
    assert!(
        result
            .log()
            .contains("action ref 'v8' is not a release tag"),
        "{result}"
    );
}
