//! Runs a composite GitHub Action (`action.yml`) the way the GitHub runner does, for the subset
//! relkit's actions use, so integration tests can exercise every action end to end.
//!
//! Included by integration tests as `mod harness;`. The model is actions/runner
//! (`CompositeActionHandler.cs`, `FileCommandManager.cs`, `ActionCommand.cs`); where this module
//! deliberately differs, it is stricter, never more lenient:
//!
//! - Only `runs.using: composite` with `shell: bash` steps. A `uses:` step is refused: inside a
//!   composite action `uses: ./…` resolves against the *caller's* workspace, not this repository.
//! - Expressions are limited to plain values (`inputs.NAME`, `env.NAME`, `github.{action_path,
//!   workspace, token, repository, ref_name, sha, api_url, server_url, action_repository,
//!   action_ref}`, `steps.ID.outputs.NAME`, `runner.{os, arch, temp}`, `'literals'`) and, in
//!   `if:`, `always()`, `success()`, `failure()`, `VALUE == 'lit'`, `VALUE != 'lit'` and the bare
//!   truthiness of an `inputs.*` / `steps.*` value. Anything else (`format()`, `||`, `secrets`,
//!   …) is a [`HarnessError::UnsupportedExpression`] naming the expression and the file, raised
//!   before any step runs — never silently the empty string.
//! - `inputs.X` naming an input that `action.yml` does not declare, and `steps.ID` naming a step
//!   that does not exist or has not run yet, are errors (the runner would yield `''`).
//! - Inputs given to [`Action::input`] that `action.yml` does not declare are errors (the runner
//!   only warns).
//!
//! Where it is not stricter it follows the runner, including its surprises: string comparison
//! ignores case, the string `'false'` is truthy, a step's `if:` without a status function means
//! `success() && (…)`, and variables set through `$GITHUB_ENV` do not override the caller's
//! `env:` (here: [`Action::env`]).
//!
//! Each step runs as `bash --noprofile --norc -eo pipefail SCRIPT` (the runner's command line)
//! in `GITHUB_WORKSPACE`, in a clean environment: `PATH` with the freshly built binaries first
//! (their directory is also `RELKIT_BIN_DIR`, which the installer uses), a scratch `HOME`, the
//! real `CARGO_HOME`/`RUSTUP_HOME`, the runner's `GITHUB_*`/`RUNNER_*` variables, and fresh
//! `GITHUB_OUTPUT`/`GITHUB_ENV`/`GITHUB_PATH`/`GITHUB_STEP_SUMMARY` files, read after the step
//! exactly as the runner reads them.
//!
//! ```text
//! let result = harness::Action::load("actions/checksum") // dir with action.yml, from the crate root
//!     .input("paths", "dist/*")                          // unset inputs take their `default:`
//!     .env("GITHUB_TOKEN", "x")                          // the calling step's `env:`
//!     .workspace(dir.path())                             // default: a fresh temporary directory
//!     .run()?;                                           // Err only when the harness cannot run it
//! assert!(result.success, "{result}");                   // Display shows every step's output
//! assert_eq!(result.outputs["manifest"], "...");
//! let step = result.step("run");                         // exit_code, stdout, stderr, outputs
//! let annotations = result.commands();                   // ::error:: etc., parsed like the runner
//! ```
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_yaml_ng::Value;
use tempfile::TempDir;

/// The directory holding the freshly built relkit binaries (`target/<profile>/`).
pub fn bin_dir() -> PathBuf {
    let relkit = Path::new(env!("CARGO_BIN_EXE_relkit"));
    relkit
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The crate root (`CARGO_MANIFEST_DIR`); relative action directories are resolved against it.
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Largest `$GITHUB_STEP_SUMMARY` the runner uploads (`CreateStepSummaryCommand`).
const SUMMARY_LIMIT: u64 = 1024 * 1024;

/// Fields of the `github` context the harness provides, with their defaults.
const GITHUB_DEFAULTS: &[(&str, &str)] = &[
    ("token", "ghs_harness0000000000000000000000000000"),
    ("repository", "octo-org/octo-repo"),
    ("ref_name", "main"),
    ("sha", "ffac537e6cbbf934b08745a378932722df287a53"),
    ("api_url", "https://api.github.com"),
    ("server_url", "https://github.com"),
    ("action_repository", ""),
    ("action_ref", ""),
];

/// Commands the runner recognises in step output (`ActionCommandManager` registrations).
const REGISTERED_COMMANDS: &[&str] = &[
    "add-mask",
    "add-matcher",
    "add-path",
    "debug",
    "echo",
    "endgroup",
    "error",
    "group",
    "notice",
    "remove-matcher",
    "save-state",
    "set-env",
    "set-output",
    "stop-commands",
    "warning",
];

/// Why the harness could not run an action. A *failing* action is not an error: it is an
/// [`ActionResult`] with `success == false`.
#[derive(Debug)]
pub enum HarnessError {
    /// `action.yml` is missing, is not valid YAML, or breaks the action metadata schema.
    Load {
        /// The `action.yml` in question.
        file: PathBuf,
        /// What is wrong, with the YAML position when known.
        message: String,
    },
    /// An expression outside the supported subset, or naming an undeclared input or step.
    UnsupportedExpression {
        /// The `action.yml` that contains it.
        file: PathBuf,
        /// Where in the file, e.g. `runs.steps[1].env.INPUT_PATHS`.
        location: String,
        /// The text between `${{` and `}}`.
        expression: String,
        /// Why it is refused.
        reason: String,
    },
    /// A construct the harness refuses to run: `uses:` steps, shells other than bash, …
    Refused {
        /// The `action.yml` that contains it.
        file: PathBuf,
        /// Where in the file.
        location: String,
        /// What is refused and why.
        message: String,
    },
    /// The test's inputs or settings do not match `action.yml` (undeclared input, unknown
    /// `github` field, …).
    Usage {
        /// The `action.yml` being run.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Preparing or running a step failed at the operating-system level.
    Io {
        /// What the harness was doing.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A step ran longer than [`Action::timeout`]; its process group was killed.
    Timeout {
        /// The `action.yml` being run.
        file: PathBuf,
        /// Which step.
        location: String,
        /// The limit that was exceeded.
        after: Duration,
        /// What the step printed before it was killed.
        output: String,
    },
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarnessError::Load { file, message } => {
                write!(f, "{}: cannot load action: {message}", file.display())
            }
            HarnessError::UnsupportedExpression {
                file,
                location,
                expression,
                reason,
            } => write!(
                f,
                "{}: {location}: unsupported expression `${{{{ {expression} }}}}`: {reason}",
                file.display()
            ),
            HarnessError::Refused {
                file,
                location,
                message,
            } => write!(f, "{}: {location}: {message}", file.display()),
            HarnessError::Usage { file, message } => write!(f, "{}: {message}", file.display()),
            HarnessError::Io { context, source } => write!(f, "{context}: {source}"),
            HarnessError::Timeout {
                file,
                location,
                after,
                output,
            } => write!(
                f,
                "{}: {location}: step still running after {after:?}, killed; output so far:\n{output}",
                file.display()
            ),
        }
    }
}

impl std::error::Error for HarnessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HarnessError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> HarnessError {
    let context = context.into();
    move |source| HarnessError::Io { context, source }
}

/// A composite action ready to run; build it with [`Action::load`] and the setters, then
/// [`Action::run`] it.
#[derive(Debug, Clone)]
pub struct Action {
    dir: PathBuf,
    inputs: Vec<(String, String)>,
    env: BTreeMap<String, String>,
    workspace: Option<PathBuf>,
    tool_cache: Option<PathBuf>,
    github: Vec<(String, String)>,
    built_binaries: bool,
    timeout: Duration,
}

impl Action {
    /// The action whose `action.yml` lives in `dir`; a relative `dir` is taken from the crate
    /// root (`"actions/checksum"`, `"."` for the root action), an absolute one as is. Nothing is
    /// read until [`Action::check`] or [`Action::run`].
    pub fn load(dir: impl AsRef<Path>) -> Action {
        Action {
            dir: crate_root().join(dir),
            inputs: Vec::new(),
            env: BTreeMap::new(),
            workspace: None,
            tool_cache: None,
            github: Vec::new(),
            built_binaries: true,
            timeout: Duration::from_secs(300),
        }
    }

    /// Sets input `name` (matched case-insensitively, like the runner) as a workflow's `with:`
    /// would. Inputs not given take their `default:` from `action.yml`.
    pub fn input(mut self, name: &str, value: &str) -> Action {
        self.inputs.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets an environment variable the way the calling step's `env:` does: every step's
    /// process sees it, the `env` context holds it, and `$GITHUB_ENV` cannot override it.
    /// Also overrides the harness's base environment (`HOME`, `PATH`, `RELKIT_BIN_DIR`, …), but
    /// not the variables the runner sets (`GITHUB_*`, `RUNNER_*`; see [`Action::github`]).
    pub fn env(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Action {
        self.env.insert(
            name.to_owned(),
            value.as_ref().to_string_lossy().into_owned(),
        );
        self
    }

    /// Runs the steps in `dir` (`GITHUB_WORKSPACE`) instead of a fresh temporary directory.
    pub fn workspace(mut self, dir: impl AsRef<Path>) -> Action {
        self.workspace = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Uses `dir` as `RUNNER_TOOL_CACHE` instead of a fresh temporary directory, so two runs
    /// can share what they installed.
    pub fn tool_cache(mut self, dir: impl AsRef<Path>) -> Action {
        self.tool_cache = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Sets a field of the `github` context: `token`, `repository`, `ref_name`, `sha`,
    /// `api_url`, `server_url`, `action_repository` or `action_ref`. All but `token` are also
    /// exported as `GITHUB_<FIELD>` to the steps, as the runner does.
    pub fn github(mut self, field: &str, value: &str) -> Action {
        self.github.push((field.to_owned(), value.to_owned()));
        self
    }

    /// Leaves the freshly built binaries off `PATH` and unsets `RELKIT_BIN_DIR`, as on a real
    /// runner, for tests of the installer's other strategies.
    pub fn without_built_binaries(mut self) -> Action {
        self.built_binaries = false;
        self
    }

    /// Kills a step (and everything it started) that runs longer than `limit` (default 300 s).
    pub fn timeout(mut self, limit: Duration) -> Action {
        self.timeout = limit;
        self
    }

    /// Loads and validates `action.yml` — schema, steps, every expression — without running
    /// anything.
    pub fn check(&self) -> Result<(), HarnessError> {
        self.load_manifest().map(|_| ())
    }

    /// Runs the action to completion and reports what happened.
    pub fn run(&self) -> Result<ActionResult, HarnessError> {
        let action = self.load_manifest()?;
        let mut keep = Vec::new();
        let mut fresh_dir = |what: &str| -> Result<PathBuf, HarnessError> {
            let dir = tempfile::Builder::new()
                .prefix(&format!("harness-{what}-"))
                .tempdir()
                .map_err(io_err(format!("creating a temporary {what} directory")))?;
            let path = dir.path().to_path_buf();
            keep.push(dir);
            Ok(path)
        };
        let workspace = match &self.workspace {
            Some(dir) => dir.clone(),
            None => fresh_dir("workspace")?,
        };
        let runner_temp = fresh_dir("runner-temp")?;
        let tool_cache = match &self.tool_cache {
            Some(dir) => dir.clone(),
            None => fresh_dir("tool-cache")?,
        };
        let home = match self.env.get("HOME") {
            Some(home) => PathBuf::from(home),
            None => fresh_dir("home")?,
        };
        let commands_dir = runner_temp.join("_runner_file_commands");
        fs::create_dir_all(&commands_dir).map_err(io_err("creating the file-command directory"))?;

        let github = self.github_context(&action, &workspace)?;
        let mut runner = BTreeMap::new();
        runner.insert("os".to_owned(), runner_os().to_owned());
        runner.insert("arch".to_owned(), runner_arch().to_owned());
        runner.insert("temp".to_owned(), path_text(&runner_temp)?);
        let base_env = self.base_env(&home)?;
        let runner_env = Action::runner_env(&github, &runner, &tool_cache)?;
        let inputs = self.input_values(&action, &github, &runner)?;

        let mut job = Job {
            action: &action,
            timeout: self.timeout,
            workspace: &workspace,
            runner_temp: &runner_temp,
            commands_dir: &commands_dir,
            inputs: &inputs,
            github: &github,
            runner: &runner,
            base_env: &base_env,
            runner_env: &runner_env,
            caller_env: &self.env,
            global_env: BTreeMap::new(),
            prepend_path: Vec::new(),
            step_outputs: vec![Vec::new(); action.steps.len()],
            failed: false,
            summary: String::new(),
            messages: Vec::new(),
        };
        let mut steps = Vec::new();
        for (index, step) in action.steps.iter().enumerate() {
            steps.push(job.run_step(index, step)?);
        }
        // The runner evaluates the action's outputs after all steps, failed or not.
        let env = job.env_context(&BTreeMap::new());
        let ctx = job.contexts(&env);
        let outputs = action
            .outputs
            .iter()
            .map(|(name, template)| (name.clone(), template.render(&ctx)))
            .collect();

        Ok(ActionResult {
            success: !job.failed,
            outputs,
            summary: job.summary,
            steps,
            github_env: job.global_env,
            github_path: job.prepend_path,
            messages: job.messages,
            file: action.file.clone(),
            workspace,
            home,
            runner_temp,
            tool_cache,
            _dirs: keep,
        })
    }

    /// The `github` context: defaults, overridden by [`Action::github`].
    fn github_context(
        &self,
        action: &Loaded,
        workspace: &Path,
    ) -> Result<BTreeMap<String, String>, HarnessError> {
        let mut github: BTreeMap<String, String> = GITHUB_DEFAULTS
            .iter()
            .map(|(field, value)| ((*field).to_owned(), (*value).to_owned()))
            .collect();
        for (field, value) in &self.github {
            if !github.contains_key(field) {
                let known: Vec<&str> = GITHUB_DEFAULTS.iter().map(|(f, _)| *f).collect();
                return Err(HarnessError::Usage {
                    file: action.file.clone(),
                    message: format!(
                        "unknown github context field `{field}` (known: {})",
                        known.join(", ")
                    ),
                });
            }
            github.insert(field.clone(), value.clone());
        }
        github.insert("action_path".into(), path_text(&action.dir)?);
        github.insert("workspace".into(), path_text(workspace)?);
        Ok(github)
    }

    /// Input values in declaration order: as given (names match case-insensitively, like the
    /// runner) or the evaluated `default:`.
    fn input_values(
        &self,
        action: &Loaded,
        github: &BTreeMap<String, String>,
        runner: &BTreeMap<String, String>,
    ) -> Result<Vec<String>, HarnessError> {
        let mut given: Vec<Option<String>> = vec![None; action.inputs.len()];
        for (name, value) in &self.inputs {
            let declared = action
                .inputs
                .iter()
                .position(|input| input.name.eq_ignore_ascii_case(name));
            let Some(index) = declared else {
                let names: Vec<&str> = action.inputs.iter().map(|i| i.name.as_str()).collect();
                return Err(HarnessError::Usage {
                    file: action.file.clone(),
                    message: format!(
                        "input `{name}` is not declared in action.yml (declared: {})",
                        names.join(", ")
                    ),
                });
            };
            given[index] = Some(value.clone());
        }
        let ctx = Contexts {
            inputs: &[],
            env: &self.env,
            github,
            runner,
            steps: &[],
        };
        Ok(action
            .inputs
            .iter()
            .zip(given)
            .map(|(input, value)| match (value, &input.default) {
                (Some(value), _) => value,
                (None, Some(default)) => default.render(&ctx),
                (None, None) => String::new(),
            })
            .collect())
    }

    /// The machine's part of every step's environment, lowest precedence: a clean environment,
    /// not the test process's, with the built binaries first on `PATH`.
    fn base_env(&self, home: &Path) -> Result<BTreeMap<String, String>, HarnessError> {
        let mut env = BTreeMap::new();
        let inherited_path = std::env::var("PATH").unwrap_or_default();
        if self.built_binaries {
            let bin = path_text(&bin_dir())?;
            env.insert("PATH".into(), format!("{bin}:{inherited_path}"));
            env.insert("RELKIT_BIN_DIR".into(), bin);
        } else {
            env.insert("PATH".into(), inherited_path);
        }
        env.insert("HOME".into(), path_text(home)?);
        // HOME is a scratch directory, so point cargo and rustup at the real toolchain.
        let real_home = std::env::var_os("HOME").map(PathBuf::from);
        for (var, sub) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
            if let Ok(value) = std::env::var(var) {
                env.insert(var.into(), value);
            } else if let Some(dir) = real_home.as_ref().map(|h| h.join(sub)) {
                if dir.is_dir() {
                    env.insert(var.into(), path_text(&dir)?);
                }
            }
        }
        for var in ["RUSTUP_TOOLCHAIN", "LANG", "LC_ALL", "TMPDIR", "USER"] {
            if let Ok(value) = std::env::var(var) {
                env.insert(var.into(), value);
            }
        }
        Ok(env)
    }

    /// The variables the runner sets for every step from its contexts; they override any
    /// `env:` (only [`Action::github`] and [`Action::tool_cache`] change them).
    fn runner_env(
        github: &BTreeMap<String, String>,
        runner: &BTreeMap<String, String>,
        tool_cache: &Path,
    ) -> Result<BTreeMap<String, String>, HarnessError> {
        let mut env = BTreeMap::new();
        env.insert("CI".into(), "true".into());
        env.insert("GITHUB_ACTIONS".into(), "true".into());
        for (field, value) in github {
            // The token is never exported; action_repository/ref only for repository actions.
            if field == "token" || (field.starts_with("action_") && value.is_empty()) {
                continue;
            }
            env.insert(
                format!("GITHUB_{}", field.to_ascii_uppercase()),
                value.clone(),
            );
        }
        for (field, value) in runner {
            env.insert(
                format!("RUNNER_{}", field.to_ascii_uppercase()),
                value.clone(),
            );
        }
        env.insert("RUNNER_TOOL_CACHE".into(), path_text(tool_cache)?);
        Ok(env)
    }

    fn load_manifest(&self) -> Result<Loaded, HarnessError> {
        let file = ["action.yml", "action.yaml"]
            .iter()
            .map(|name| self.dir.join(name))
            .find(|path| path.is_file())
            .ok_or_else(|| HarnessError::Load {
                file: self.dir.join("action.yml"),
                message: "no action.yml or action.yaml in this directory".into(),
            })?;
        let text = fs::read_to_string(&file).map_err(|e| HarnessError::Load {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let manifest: Manifest =
            serde_yaml_ng::from_str(&text).map_err(|e| HarnessError::Load {
                file: file.clone(),
                message: e.to_string(),
            })?;
        let dir = fs::canonicalize(&self.dir).map_err(|e| HarnessError::Load {
            file: file.clone(),
            message: format!("cannot resolve the action directory: {e}"),
        })?;
        Loaded::new(file, dir, manifest)
    }
}

fn runner_os() -> &'static str {
    match std::env::consts::OS {
        "macos" => "macOS",
        "windows" => "Windows",
        _ => "Linux",
    }
}

fn runner_arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "ARM64",
        "arm" => "ARM",
        "x86" => "X86",
        _ => "X64",
    }
}

fn path_text(path: &Path) -> Result<String, HarnessError> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| HarnessError::Io {
            context: format!("{} is not valid UTF-8", path.display()),
            source: io::Error::from(io::ErrorKind::InvalidData),
        })
}

/// The state of one run of an action's steps: what the runner keeps between steps.
struct Job<'a> {
    action: &'a Loaded,
    timeout: Duration,
    workspace: &'a Path,
    runner_temp: &'a Path,
    commands_dir: &'a Path,
    inputs: &'a [String],
    github: &'a BTreeMap<String, String>,
    runner: &'a BTreeMap<String, String>,
    base_env: &'a BTreeMap<String, String>,
    runner_env: &'a BTreeMap<String, String>,
    /// The calling step's `env:` ([`Action::env`]).
    caller_env: &'a BTreeMap<String, String>,
    /// Variables set through `$GITHUB_ENV` (the runner's global environment).
    global_env: BTreeMap<String, String>,
    /// Directories added through `$GITHUB_PATH`, oldest first.
    prepend_path: Vec<String>,
    /// Each step's outputs by index, case-insensitive names.
    step_outputs: Vec<Vec<(String, String)>>,
    failed: bool,
    summary: String,
    messages: Vec<String>,
}

impl Job<'_> {
    /// The `env` context: the global env, stomped by the caller's env, then the step's.
    fn env_context(&self, step_env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut env = self.global_env.clone();
        env.extend(self.caller_env.clone());
        env.extend(step_env.clone());
        env
    }

    fn contexts<'c>(&'c self, env: &'c BTreeMap<String, String>) -> Contexts<'c> {
        Contexts {
            inputs: self.inputs,
            env,
            github: self.github,
            runner: self.runner,
            steps: &self.step_outputs,
        }
    }

    fn run_step(&mut self, index: usize, step: &StepDecl) -> Result<StepResult, HarnessError> {
        let mut result = StepResult {
            index,
            id: step.id.clone(),
            name: step.name.clone(),
            outcome: Outcome::Skipped,
            exit_code: None,
            stdout: String::new(),
            stderr: String::new(),
            outputs: BTreeMap::new(),
        };
        // The runner evaluates the step's env: first, then its if: with that env in context.
        let step_env: BTreeMap<String, String> = {
            let env = self.env_context(&BTreeMap::new());
            let ctx = self.contexts(&env);
            step.env
                .iter()
                .map(|(name, template)| (name.clone(), template.render(&ctx)))
                .collect()
        };
        let env_context = self.env_context(&step_env);
        let ctx = self.contexts(&env_context);
        if !step.condition.evaluate(&ctx, self.failed) {
            return Ok(result);
        }
        let script = step.run.render(&ctx);
        let cwd = match &step.working_directory {
            Some(dir) => self.workspace.join(dir.render(&ctx)),
            None => self.workspace.to_path_buf(),
        };

        let files = FileCommands::create(self.commands_dir, index)?;
        let script_path = self.runner_temp.join(format!("step-{index}.sh"));
        fs::write(&script_path, &script)
            .map_err(io_err(format!("writing the script of {}", step.location)))?;
        let env = self.process_env(step_env, &files)?;

        let mut messages = Vec::new();
        if cwd.is_dir() {
            let exec = execute(&script_path, &cwd, &env, self.timeout).map_err(|e| match e {
                ExecError::Io(source) => HarnessError::Io {
                    context: format!("running {}", step.location),
                    source,
                },
                ExecError::Timeout(output) => HarnessError::Timeout {
                    file: self.action.file.clone(),
                    location: step.location.clone(),
                    after: self.timeout,
                    output,
                },
            })?;
            result.exit_code = exec.exit_code;
            result.stdout = exec.stdout;
            result.stderr = exec.stderr;
        } else {
            // The runner fails the step without starting a process.
            messages.push(format!(
                "An error occurred trying to start process 'bash' with working directory '{}'. No such file or directory",
                cwd.display()
            ));
        }
        // File commands are processed whatever the exit code (ActionRunner's `finally`).
        let commands_ok = self.apply_file_commands(index, &files, &mut messages)?;
        result.outcome = if result.exit_code == Some(0) && commands_ok {
            Outcome::Success
        } else {
            self.failed = true;
            Outcome::Failure
        };
        result.outputs = self.step_outputs[index].iter().cloned().collect();
        eprintln!("{}", result.log(&step.location));
        for message in &messages {
            eprintln!("[harness] runner: {message}");
        }
        self.messages.extend(messages);
        Ok(result)
    }

    /// The step's process environment: base, `$GITHUB_ENV`, the caller's `env:`, the step's
    /// `env:`, the runner's own variables, and `$GITHUB_PATH` entries prepended to `PATH`.
    fn process_env(
        &self,
        step_env: BTreeMap<String, String>,
        files: &FileCommands,
    ) -> Result<BTreeMap<String, String>, HarnessError> {
        let mut env = self.base_env.clone();
        env.extend(self.global_env.clone());
        env.extend(self.caller_env.clone());
        env.extend(step_env);
        env.extend(self.runner_env.clone());
        env.extend(files.env()?);
        if !self.prepend_path.is_empty() {
            let prepend: Vec<&str> = self.prepend_path.iter().rev().map(String::as_str).collect();
            let mut path = prepend.join(":");
            if let Some(original) = env.get("PATH").filter(|p| !p.is_empty()) {
                path = format!("{path}:{original}");
            }
            env.insert("PATH".into(), path);
        }
        Ok(env)
    }

    /// Reads the step's file commands like the runner's `FileCommandManager`; false when one
    /// is invalid, which fails the step.
    fn apply_file_commands(
        &mut self,
        index: usize,
        files: &FileCommands,
        messages: &mut Vec<String>,
    ) -> Result<bool, HarnessError> {
        let mut ok = true;
        match parse_file_command(&files.read(FileCommand::Output)?) {
            Ok(pairs) => {
                for (name, value) in pairs {
                    set_ci(&mut self.step_outputs[index], name, value);
                }
            }
            Err(e) => {
                messages.push(format!(
                    "Unable to process file command 'output' successfully. {e}"
                ));
                ok = false;
            }
        }
        match parse_file_command(&files.read(FileCommand::Env)?) {
            Ok(pairs) => {
                for (name, value) in pairs {
                    if name.eq_ignore_ascii_case("NODE_OPTIONS") {
                        messages.push(
                            "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command."
                                .into(),
                        );
                        continue;
                    }
                    self.global_env.insert(name, value);
                }
            }
            Err(e) => {
                messages.push(format!(
                    "Unable to process file command 'env' successfully. {e}"
                ));
                ok = false;
            }
        }
        for line in split_lines(&files.read(FileCommand::Path)?) {
            if !line.is_empty() {
                self.prepend_path.retain(|p| p != line);
                self.prepend_path.push(line.to_owned());
            }
        }
        let summary = files.read(FileCommand::Summary)?;
        if summary.len() as u64 > SUMMARY_LIMIT {
            messages.push(format!(
                "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of {}k, got {}k.",
                SUMMARY_LIMIT / 1024,
                summary.len() / 1024
            ));
        } else {
            // The runner copies the summary line by line (ReadLine/WriteLine).
            for line in split_lines(&summary) {
                self.summary.push_str(line);
                self.summary.push('\n');
            }
        }
        Ok(ok)
    }
}

/// What happened to one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Ran and exited 0, and its file commands were valid.
    Success,
    /// Exited non-zero, was killed by a signal, or wrote invalid file commands.
    Failure,
    /// Its `if:` was false.
    Skipped,
}

/// One step's result.
#[derive(Debug, Clone)]
pub struct StepResult {
    /// Position in `runs.steps`.
    pub index: usize,
    /// The step's `id:`, if it has one.
    pub id: Option<String>,
    /// The step's `name:` as written (unevaluated).
    pub name: Option<String>,
    /// Whether it succeeded, failed or was skipped.
    pub outcome: Outcome,
    /// Exit code; `None` when skipped, killed by a signal or never started.
    pub exit_code: Option<i32>,
    /// Everything the step wrote to stdout (lossily decoded).
    pub stdout: String,
    /// Everything the step wrote to stderr (lossily decoded).
    pub stderr: String,
    /// What the step wrote to `$GITHUB_OUTPUT` (the runner's `steps.<id>.outputs`).
    pub outputs: BTreeMap<String, String>,
}

impl StepResult {
    /// Workflow commands (`::error::…` etc.) in the step's stdout, then its stderr; the
    /// runner reads both.
    pub fn commands(&self) -> Vec<WorkflowCommand> {
        let mut commands = workflow_commands(&self.stdout);
        commands.extend(workflow_commands(&self.stderr));
        commands
    }

    fn log(&self, location: &str) -> String {
        format!(
            "[harness] {location}: {:?}, exit code {:?}\n--- stdout ---\n{}--- stderr ---\n{}--- end ---",
            self.outcome, self.exit_code, self.stdout, self.stderr
        )
    }
}

/// The result of [`Action::run`]. Temporary directories it created (workspace, `HOME`,
/// `RUNNER_TEMP`, tool cache) live as long as this value.
pub struct ActionResult {
    /// False when any step failed.
    pub success: bool,
    /// The action's `outputs:`, evaluated after the steps as the runner does.
    pub outputs: BTreeMap<String, String>,
    /// Every step's `$GITHUB_STEP_SUMMARY`, concatenated, lines ending in `\n`.
    pub summary: String,
    /// One entry per step in `runs.steps`, skipped ones included.
    pub steps: Vec<StepResult>,
    /// Variables the steps set through `$GITHUB_ENV`.
    pub github_env: BTreeMap<String, String>,
    /// Directories the steps added through `$GITHUB_PATH`, oldest first (the last one is
    /// first on `PATH`).
    pub github_path: Vec<String>,
    /// Errors the runner itself would have logged (invalid file commands, oversized summary).
    pub messages: Vec<String>,
    /// The `action.yml` that ran.
    pub file: PathBuf,
    /// `GITHUB_WORKSPACE`.
    pub workspace: PathBuf,
    /// `HOME` as the steps saw it.
    pub home: PathBuf,
    /// `RUNNER_TEMP`.
    pub runner_temp: PathBuf,
    /// `RUNNER_TOOL_CACHE`.
    pub tool_cache: PathBuf,
    _dirs: Vec<TempDir>,
}

impl ActionResult {
    /// The step with `id:` `id`; panics (listing the ids) if there is none.
    pub fn step(&self, id: &str) -> &StepResult {
        self.steps
            .iter()
            .find(|s| s.id.as_deref() == Some(id))
            .unwrap_or_else(|| {
                panic!(
                    "no step with id `{id}` in {} (ids: {:?})",
                    self.file.display(),
                    self.steps.iter().map(|s| &s.id).collect::<Vec<_>>()
                )
            })
    }

    /// Workflow commands printed by all steps, in step order.
    pub fn commands(&self) -> Vec<WorkflowCommand> {
        self.steps.iter().flat_map(StepResult::commands).collect()
    }

    /// The data of every `::error::` command printed by any step.
    pub fn errors(&self) -> Vec<String> {
        self.commands()
            .into_iter()
            .filter(|c| c.name.eq_ignore_ascii_case("error"))
            .map(|c| c.data)
            .collect()
    }

    /// All steps' stdout and stderr, for `contains` checks on log lines.
    pub fn log(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("{}{}", s.stdout, s.stderr))
            .collect()
    }
}

impl fmt::Debug for ActionResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ActionResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: success={} outputs={:?}",
            self.file.display(),
            self.success,
            self.outputs
        )?;
        for step in &self.steps {
            let location = format!("runs.steps[{}] (id: {:?})", step.index, step.id);
            writeln!(f, "{}", step.log(&location))?;
        }
        for message in &self.messages {
            writeln!(f, "runner: {message}")?;
        }
        Ok(())
    }
}

/// One workflow command (`::name k=v,k=v::data`) as the runner parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowCommand {
    /// Command name as written (`error`, `warning`, `notice`, `group`, …).
    pub name: String,
    /// Properties (`file`, `line`, `title`, …), unescaped.
    pub properties: BTreeMap<String, String>,
    /// The text after the second `::`, unescaped.
    pub data: String,
}

/// Parses the workflow commands in a step's output the way the runner does
/// (`ActionCommand.TryParseV2`): leading whitespace is ignored, only registered command names
/// count, `::stop-commands::TOKEN` pauses parsing until `::TOKEN::`, data is unescaped
/// `%0D %0A %25` and property values additionally `%3A %2C`.
pub fn workflow_commands(output: &str) -> Vec<WorkflowCommand> {
    let mut commands = Vec::new();
    let mut stop_token: Option<String> = None;
    for line in split_lines(output) {
        let extra = stop_token.clone();
        let Some(command) = parse_command(line, extra.as_deref()) else {
            continue;
        };
        if let Some(token) = &stop_token {
            if command.name.eq_ignore_ascii_case(token) {
                stop_token = None;
            }
            continue;
        }
        if command.name.eq_ignore_ascii_case("stop-commands") {
            if !command.data.is_empty() {
                stop_token = Some(command.data);
            }
            continue;
        }
        commands.push(command);
    }
    commands
}

fn parse_command(line: &str, extra_name: Option<&str>) -> Option<WorkflowCommand> {
    let message = line.trim_start();
    let rest = message.strip_prefix("::")?;
    let end = rest.find("::")?;
    let info = &rest[..end];
    let (name, properties) = match info.find(' ') {
        Some(space) => (&info[..space], Some(&info[space + 1..])),
        None => (info, None),
    };
    let registered = REGISTERED_COMMANDS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(name))
        || extra_name.is_some_and(|t| t.eq_ignore_ascii_case(name));
    if !registered {
        return None;
    }
    let mut parsed = BTreeMap::new();
    if let Some(properties) = properties {
        for property in properties.trim().split(',').filter(|p| !p.is_empty()) {
            if let Some((key, value)) = property.split_once('=') {
                if !key.is_empty() && !value.is_empty() {
                    parsed.insert(key.to_owned(), unescape(value, true));
                }
            }
        }
    }
    Some(WorkflowCommand {
        name: name.to_owned(),
        properties: parsed,
        data: unescape(&rest[end + 2..], false),
    })
}

/// The runner's unescaping: ordered, non-recursive replacements.
fn unescape(text: &str, property: bool) -> String {
    let mut out = text.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        out = out.replace("%3A", ":").replace("%2C", ",");
    }
    out.replace("%25", "%")
}

/// Splits like .NET's `StreamReader.ReadLine`: at `\r\n`, `\n` or `\r`; no empty last line.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\r', '\n']) {
            Some(i) => {
                lines.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
            }
            None => {
                lines.push(rest);
                rest = "";
            }
        }
    }
    lines
}

/// Parses `$GITHUB_OUTPUT` / `$GITHUB_ENV` content exactly like the runner's
/// `EnvFileKeyValuePairs` on Linux: `NAME=VALUE` or `NAME<<DELIM` … `DELIM`, lines split at
/// `\n` only (a `\r` stays part of the value), whichever of `=` / `<<` comes first wins.
pub fn parse_file_command(text: &str) -> Result<Vec<(String, String)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut pairs = Vec::new();
    let mut index = 0;
    while let Some((line, _)) = read_line(text, &mut index) {
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                // The runner checks `line`, not the name, for emptiness: `=x` sets output "".
                pairs.push((line[..e].to_owned(), line[e + 1..].to_owned()));
            }
            (_, Some(h)) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                if name.is_empty() || delimiter.is_empty() {
                    return Err(format!(
                        "Invalid format '{line}'. Name must not be empty and delimiter must not be empty"
                    ));
                }
                let start = index;
                let mut end = index;
                loop {
                    match read_line(text, &mut index) {
                        None => {
                            return Err(format!(
                                "Invalid value. Matching delimiter not found '{delimiter}'"
                            ))
                        }
                        Some((candidate, _)) if candidate == delimiter => break,
                        Some((_, false)) => {
                            return Err("Invalid value. EOF marker missing new line.".into())
                        }
                        Some((_, true)) => end = index - 1,
                    }
                }
                let value = if end > start { &text[start..end] } else { "" };
                pairs.push((name.to_owned(), value.to_owned()));
            }
            _ => return Err(format!("Invalid format '{line}'")),
        }
    }
    Ok(pairs)
}

/// The next `\n`-terminated line from `index`, and whether it had its newline.
fn read_line<'a>(text: &'a str, index: &mut usize) -> Option<(&'a str, bool)> {
    if *index >= text.len() {
        return None;
    }
    let rest = &text[*index..];
    match rest.find('\n') {
        Some(lf) => {
            *index += lf + 1;
            Some((&rest[..lf], true))
        }
        None => {
            *index = text.len();
            Some((rest, false))
        }
    }
}

/// Sets `name` in a case-insensitive map (the runner's `DictionaryContextData`).
fn set_ci(map: &mut Vec<(String, String)>, name: String, value: String) {
    match map.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&name)) {
        Some(entry) => entry.1 = value,
        None => map.push((name, value)),
    }
}

// ---------------------------------------------------------------------------------------------
// Running one step
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum FileCommand {
    Output,
    Env,
    Path,
    Summary,
    State,
}

impl FileCommand {
    const ALL: [FileCommand; 5] = [
        FileCommand::Output,
        FileCommand::Env,
        FileCommand::Path,
        FileCommand::Summary,
        FileCommand::State,
    ];

    fn prefix(self) -> &'static str {
        match self {
            FileCommand::Output => "set_output_",
            FileCommand::Env => "set_env_",
            FileCommand::Path => "add_path_",
            FileCommand::Summary => "step_summary_",
            FileCommand::State => "save_state_",
        }
    }

    fn variable(self) -> &'static str {
        match self {
            FileCommand::Output => "GITHUB_OUTPUT",
            FileCommand::Env => "GITHUB_ENV",
            FileCommand::Path => "GITHUB_PATH",
            FileCommand::Summary => "GITHUB_STEP_SUMMARY",
            FileCommand::State => "GITHUB_STATE",
        }
    }
}

/// The fresh, empty file-command files of one step.
struct FileCommands {
    dir: PathBuf,
    suffix: String,
}

impl FileCommands {
    fn create(dir: &Path, step: usize) -> Result<FileCommands, HarnessError> {
        let files = FileCommands {
            dir: dir.to_path_buf(),
            suffix: format!("step{step}"),
        };
        for command in FileCommand::ALL {
            fs::write(files.path(command), "").map_err(io_err(format!(
                "creating {}",
                files.path(command).display()
            )))?;
        }
        Ok(files)
    }

    fn path(&self, command: FileCommand) -> PathBuf {
        self.dir
            .join(format!("{}{}", command.prefix(), self.suffix))
    }

    fn env(&self) -> Result<Vec<(String, String)>, HarnessError> {
        FileCommand::ALL
            .iter()
            .map(|c| Ok((c.variable().to_owned(), path_text(&self.path(*c))?)))
            .collect()
    }

    fn read(&self, command: FileCommand) -> Result<String, HarnessError> {
        match fs::read(self.path(command)) {
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
            // A step may delete its file; the runner treats that as empty.
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(io_err(format!("reading {}", self.path(command).display()))(
                e,
            )),
        }
    }
}

struct Exec {
    exit_code: Option<i32>,
    stdout: String,
    stderr: String,
}

enum ExecError {
    Io(io::Error),
    Timeout(String),
}

/// Runs `bash --noprofile --norc -eo pipefail SCRIPT` (the runner's command line for
/// `shell: bash`) in its own process group, so a timeout kills everything it started.
fn execute(
    script: &Path,
    cwd: &Path,
    env: &BTreeMap<String, String>,
    timeout: Duration,
) -> Result<Exec, ExecError> {
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(script)
        .env_clear()
        .envs(env)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(ExecError::Io)?;
    let (sender, receiver) = mpsc::channel();
    for (stream, pipe) in [
        (
            0,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            1,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let sender = sender.clone();
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                // A read error just ends the capture; the exit status still tells the story.
                let _ = pipe.read_to_end(&mut bytes);
            }
            let _ = sender.send((stream, bytes));
        });
    }
    drop(sender);

    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(ExecError::Io)? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            kill_group(&mut child);
            timed_out = true;
            break child.wait().ok();
        }
        thread::sleep(Duration::from_millis(5));
    };
    // Background processes the script left behind may hold the pipes open; give them until
    // the deadline, then kill the group.
    let mut streams = [None, None];
    while streams.iter().any(Option::is_none) {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left.max(Duration::from_millis(1))) {
            Ok((stream, bytes)) => streams[stream] = Some(bytes),
            Err(mpsc::RecvTimeoutError::Timeout) if !timed_out => {
                kill_group(&mut child);
                timed_out = true;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => thread::sleep(Duration::from_millis(50)),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let [stdout, stderr] =
        streams.map(|s| String::from_utf8_lossy(&s.unwrap_or_default()).into_owned());
    if timed_out {
        return Err(ExecError::Timeout(format!("{stdout}{stderr}")));
    }
    Ok(Exec {
        exit_code: status.and_then(|s| s.code()),
        stdout,
        stderr,
    })
}

fn kill_group(child: &mut std::process::Child) {
    // Best effort: the group may already be gone.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
}

// ---------------------------------------------------------------------------------------------
// action.yml
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    name: Option<String>,
    description: Option<String>,
    author: Option<String>,
    #[serde(default)]
    inputs: Option<BTreeMap<String, InputSpec>>,
    #[serde(default)]
    outputs: Option<BTreeMap<String, OutputSpec>>,
    runs: Runs,
    branding: Option<Branding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputSpec {
    description: Option<String>,
    required: Option<Value>,
    default: Option<Value>,
    #[serde(rename = "deprecationMessage")]
    deprecation_message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSpec {
    description: Option<String>,
    value: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Branding {
    icon: Option<String>,
    color: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Runs {
    using: String,
    #[serde(default)]
    steps: Vec<StepSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "if")]
    condition: Option<Value>,
    run: Option<String>,
    shell: Option<String>,
    #[serde(default)]
    env: Option<BTreeMap<String, Value>>,
    #[serde(rename = "working-directory")]
    working_directory: Option<String>,
    uses: Option<String>,
    with: Option<Value>,
}

struct InputDecl {
    name: String,
    default: Option<Template>,
}

struct StepDecl {
    id: Option<String>,
    name: Option<String>,
    location: String,
    condition: Condition,
    env: Vec<(String, Template)>,
    run: Template,
    working_directory: Option<Template>,
}

/// `action.yml`, validated: every template parsed and every name resolved.
struct Loaded {
    file: PathBuf,
    dir: PathBuf,
    inputs: Vec<InputDecl>,
    outputs: Vec<(String, Template)>,
    steps: Vec<StepDecl>,
}

/// What an expression may refer to at a given place in `action.yml`.
struct Scope<'a> {
    file: &'a Path,
    location: String,
    /// Declared input names; `None` where the `inputs` context does not exist (defaults).
    inputs: Option<&'a [String]>,
    /// Step ids that may be referenced here (earlier steps), with their index.
    steps: &'a [(String, usize)],
}

impl Loaded {
    fn new(file: PathBuf, dir: PathBuf, manifest: Manifest) -> Result<Loaded, HarnessError> {
        if manifest.runs.using != "composite" {
            return Err(HarnessError::Refused {
                file,
                location: "runs.using".into(),
                message: format!(
                    "`{}` actions are not supported; only `composite`",
                    manifest.runs.using
                ),
            });
        }
        let input_names: Vec<String> = manifest
            .inputs
            .iter()
            .flatten()
            .map(|(name, _)| name.clone())
            .collect();
        let mut inputs = Vec::new();
        for (name, spec) in manifest.inputs.iter().flatten() {
            let location = format!("inputs.{name}.default");
            let default = match &spec.default {
                None => None,
                Some(value) => {
                    let text = scalar(value).ok_or_else(|| HarnessError::Load {
                        file: file.clone(),
                        message: format!("{location}: must be a string, number or boolean"),
                    })?;
                    let scope = Scope {
                        file: &file,
                        location,
                        inputs: None,
                        steps: &[],
                    };
                    Some(Template::parse(&text, &scope)?)
                }
            };
            inputs.push(InputDecl {
                name: name.clone(),
                default,
            });
        }

        let mut known_steps: Vec<(String, usize)> = Vec::new();
        let mut steps = Vec::new();
        for (index, spec) in manifest.runs.steps.iter().enumerate() {
            let location = match &spec.id {
                Some(id) => format!("runs.steps[{index}] (id: {id})"),
                None => format!("runs.steps[{index}]"),
            };
            let refuse = |message: String| HarnessError::Refused {
                file: file.clone(),
                location: location.clone(),
                message,
            };
            if let Some(uses) = &spec.uses {
                return Err(refuse(format!(
                    "`uses: {uses}` steps are refused: in a composite action `uses: ./…` resolves against the caller's workspace, not this repository; run the script directly (e.g. `bash \"${{GITHUB_ACTION_PATH}}/../setup/install.sh\"`)"
                )));
            }
            if spec.with.is_some() {
                return Err(refuse("`with:` without `uses:`".into()));
            }
            let Some(run) = &spec.run else {
                return Err(refuse("a step needs `run:`".into()));
            };
            match spec.shell.as_deref() {
                Some("bash") => {}
                Some(other) => {
                    return Err(refuse(format!(
                        "`shell: {other}` is not supported; use `shell: bash`"
                    )))
                }
                None => {
                    return Err(refuse(
                        "`shell:` is required for `run:` steps in composite actions".into(),
                    ))
                }
            }
            if let Some(id) = &spec.id {
                let valid = id
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && !id.starts_with("__");
                if !valid {
                    return Err(refuse(format!(
                        "invalid step id `{id}`: must start with a letter or `_`, contain only letters, digits, `-` and `_`, and not start with `__`"
                    )));
                }
                if known_steps.iter().any(|(k, _)| k.eq_ignore_ascii_case(id)) {
                    return Err(refuse(format!("duplicate step id `{id}`")));
                }
            }

            let scope_at = |what: &str| Scope {
                file: &file,
                location: format!("{location}.{what}"),
                inputs: Some(&input_names),
                steps: &known_steps,
            };
            if let Some(name) = &spec.name {
                Template::parse(name, &scope_at("name"))?;
            }
            let mut env = Vec::new();
            for (name, value) in spec.env.iter().flatten() {
                let text = scalar(value).ok_or_else(|| HarnessError::Load {
                    file: file.clone(),
                    message: format!("{location}.env.{name}: must be a string, number or boolean"),
                })?;
                env.push((
                    name.clone(),
                    Template::parse(&text, &scope_at(&format!("env.{name}")))?,
                ));
            }
            let condition = match &spec.condition {
                None => Condition::Status(Status::Success),
                Some(value) => {
                    let text = match value {
                        Value::String(s) => s.clone(),
                        _ => {
                            return Err(HarnessError::UnsupportedExpression {
                                file: file.clone(),
                                location: format!("{location}.if"),
                                expression: format!("{value:?}"),
                                reason: "`if:` must be a string".into(),
                            })
                        }
                    };
                    Condition::parse(&text, &scope_at("if"))?
                }
            };
            let run = Template::parse(run, &scope_at("run"))?;
            let working_directory = match &spec.working_directory {
                Some(dir) => Some(Template::parse(dir, &scope_at("working-directory"))?),
                None => None,
            };
            steps.push(StepDecl {
                id: spec.id.clone(),
                name: spec.name.clone(),
                location: location.clone(),
                condition,
                env,
                run,
                working_directory,
            });
            if let Some(id) = &spec.id {
                known_steps.push((id.clone(), index));
            }
        }

        let mut outputs = Vec::new();
        for (name, spec) in manifest.outputs.iter().flatten() {
            let location = format!("outputs.{name}.value");
            let Some(value) = &spec.value else {
                return Err(HarnessError::Load {
                    file,
                    message: format!("{location}: composite action outputs need a `value:`"),
                });
            };
            let text = scalar(value).ok_or_else(|| HarnessError::Load {
                file: file.clone(),
                message: format!("{location}: must be a string"),
            })?;
            let scope = Scope {
                file: &file,
                location,
                inputs: Some(&input_names),
                steps: &known_steps,
            };
            outputs.push((name.clone(), Template::parse(&text, &scope)?));
        }

        Ok(Loaded {
            file,
            dir,
            inputs,
            outputs,
            steps,
        })
    }
}

/// A YAML scalar as the runner stringifies it.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

/// The context values an expression is evaluated against.
struct Contexts<'a> {
    /// Input values in declaration order.
    inputs: &'a [String],
    env: &'a BTreeMap<String, String>,
    github: &'a BTreeMap<String, String>,
    runner: &'a BTreeMap<String, String>,
    /// Outputs of each step by index (empty for steps that did not run).
    steps: &'a [Vec<(String, String)>],
}

/// A resolved reference: validated at load time, looked up at run time.
#[derive(Debug, Clone)]
enum ValueRef {
    Literal(String),
    Input(usize),
    Env(String),
    Github(String),
    Runner(String),
    StepOutput(usize, String),
}

impl ValueRef {
    fn value(&self, ctx: &Contexts<'_>) -> String {
        match self {
            ValueRef::Literal(s) => s.clone(),
            ValueRef::Input(i) => ctx.inputs.get(*i).cloned().unwrap_or_default(),
            // The env context is case-sensitive on Linux (CaseSensitiveDictionaryContextData);
            // an unset variable is null, i.e. ''.
            ValueRef::Env(name) => ctx.env.get(name).cloned().unwrap_or_default(),
            ValueRef::Github(field) => ctx.github.get(field).cloned().unwrap_or_default(),
            ValueRef::Runner(field) => ctx.runner.get(field).cloned().unwrap_or_default(),
            ValueRef::StepOutput(step, name) => ctx
                .steps
                .get(*step)
                .and_then(|outputs| outputs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        }
    }
}

enum Piece {
    Text(String),
    Value(ValueRef),
}

/// A string with `${{ }}` expressions, validated.
struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    fn parse(text: &str, scope: &Scope<'_>) -> Result<Template, HarnessError> {
        let mut pieces = Vec::new();
        for raw in split_template(text, scope)? {
            match raw {
                RawPiece::Text(t) => pieces.push(Piece::Text(t.to_owned())),
                RawPiece::Expr(e) => {
                    let parsed = parse_expression(e).map_err(|reason| scope.error(e, reason))?;
                    let Expr::Value(value) = parsed else {
                        return Err(scope.error(
                            e,
                            "only plain values (inputs.X, env.X, github.X, steps.ID.outputs.X, runner.X, 'literal') are supported outside `if:`",
                        ));
                    };
                    pieces.push(Piece::Value(scope.resolve(e, &value)?));
                }
            }
        }
        Ok(Template { pieces })
    }

    fn render(&self, ctx: &Contexts<'_>) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Value(v) => v.value(ctx),
            })
            .collect()
    }
}

enum RawPiece<'a> {
    Text(&'a str),
    Expr(&'a str),
}

/// Splits `text` at `${{ … }}`, finding the closing `}}` outside single-quoted literals.
fn split_template<'a>(text: &'a str, scope: &Scope<'_>) -> Result<Vec<RawPiece<'a>>, HarnessError> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        if start > 0 {
            pieces.push(RawPiece::Text(&rest[..start]));
        }
        let body = &rest[start + 3..];
        let bytes = body.as_bytes();
        let mut in_literal = false;
        let mut end = None;
        for i in 0..bytes.len() {
            match bytes[i] {
                b'\'' => in_literal = !in_literal,
                b'}' if !in_literal && bytes.get(i + 1) == Some(&b'}') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            return Err(scope.error(body.trim(), "no closing `}}`"));
        };
        pieces.push(RawPiece::Expr(body[..end].trim()));
        rest = &body[end + 2..];
    }
    if !rest.is_empty() {
        pieces.push(RawPiece::Text(rest));
    }
    Ok(pieces)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Always,
    Success,
    Failure,
}

enum Condition {
    Status(Status),
    /// `success() && (left == right)`, or `!=` when `negate`.
    Compare {
        left: ValueRef,
        right: ValueRef,
        negate: bool,
    },
    /// `success() && value` (non-empty string is true; `'false'` is true, as in the runner).
    Truthy(ValueRef),
}

impl Condition {
    fn parse(text: &str, scope: &Scope<'_>) -> Result<Condition, HarnessError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Condition::Status(Status::Success));
        }
        let expression = if trimmed.contains("${{") {
            match split_template(trimmed, scope)?.as_slice() {
                [RawPiece::Expr(e)] => *e,
                _ => {
                    return Err(scope.error(
                        trimmed,
                        "text mixed with `${{ }}` in `if:` is a non-empty string, always true in the runner",
                    ))
                }
            }
        } else {
            trimmed
        };
        match parse_expression(expression).map_err(|reason| scope.error(expression, reason))? {
            Expr::Call(name) => match name.to_ascii_lowercase().as_str() {
                "always" => Ok(Condition::Status(Status::Always)),
                "success" => Ok(Condition::Status(Status::Success)),
                "failure" => Ok(Condition::Status(Status::Failure)),
                _ => Err(scope.error(
                    expression,
                    "only always(), success() and failure() are supported",
                )),
            },
            Expr::Compare {
                left,
                right,
                negate,
            } => {
                if matches!(left, Value0::Literal(_)) == matches!(right, Value0::Literal(_)) {
                    return Err(scope.error(
                        expression,
                        "a comparison must be between one value and one 'literal'",
                    ));
                }
                Ok(Condition::Compare {
                    left: scope.resolve(expression, &left)?,
                    right: scope.resolve(expression, &right)?,
                    negate,
                })
            }
            Expr::Value(value) => {
                let is_input_or_step = matches!(&value, Value0::Path(p)
                    if p[0].eq_ignore_ascii_case("inputs") || p[0].eq_ignore_ascii_case("steps"));
                if !is_input_or_step {
                    return Err(scope.error(
                        expression,
                        "bare truthiness is supported for inputs.X and steps.ID.outputs.X only",
                    ));
                }
                Ok(Condition::Truthy(scope.resolve(expression, &value)?))
            }
        }
    }

    fn evaluate(&self, ctx: &Contexts<'_>, failed: bool) -> bool {
        match self {
            Condition::Status(Status::Always) => true,
            Condition::Status(Status::Success) => !failed,
            Condition::Status(Status::Failure) => failed,
            Condition::Compare {
                left,
                right,
                negate,
            } => {
                // String comparison in expressions ignores case.
                let equal = left.value(ctx).to_lowercase() == right.value(ctx).to_lowercase();
                !failed && equal != *negate
            }
            Condition::Truthy(value) => !failed && !value.value(ctx).is_empty(),
        }
    }
}

/// A parsed but unresolved value.
#[derive(Debug, Clone)]
enum Value0 {
    Literal(String),
    Path(Vec<String>),
}

enum Expr {
    Value(Value0),
    Call(String),
    Compare {
        left: Value0,
        right: Value0,
        negate: bool,
    },
}

#[derive(Debug, PartialEq)]
enum Token {
    Literal(String),
    Ident(String),
    Dot,
    LParen,
    RParen,
    Eq,
    Ne,
    /// Anything else (`||`, `&&`, `!`, `,`, `[`, numbers, …): valid GitHub syntax, perhaps,
    /// but outside the subset; the parser names it in its error.
    Other(String),
}

fn tokenize(expression: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = expression.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            _ if c.is_whitespace() => i += 1,
            '\'' => {
                let mut literal = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            literal.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            literal.push(other);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Literal(literal));
            }
            '.' => {
                tokens.push(Token::Dot);
                i += 1;
            }
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            '=' if chars.get(i + 1) == Some(&'=') => {
                tokens.push(Token::Eq);
                i += 2;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                tokens.push(Token::Ne);
                i += 2;
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '-')
                {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            _ => {
                // A run of punctuation (`||`, `<=`) or of digits (`1.5`) as one token.
                let start = i;
                let digits = c.is_ascii_digit();
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '\'' | '(' | ')')
                    && (chars[i].is_ascii_digit() || chars[i] == '.') == digits
                    && (digits || !(chars[i].is_ascii_alphabetic() || chars[i] == '_'))
                {
                    i += 1;
                }
                i = i.max(start + 1);
                tokens.push(Token::Other(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(tokens)
}

fn parse_expression(expression: &str) -> Result<Expr, String> {
    let tokens = tokenize(expression)?;
    let mut pos = 0;
    let first = parse_primary(&tokens, &mut pos)?;
    let result = match tokens.get(pos) {
        None => first,
        Some(op @ (Token::Eq | Token::Ne)) => {
            let negate = *op == Token::Ne;
            pos += 1;
            let (Expr::Value(left), Expr::Value(right)) =
                (first, parse_primary(&tokens, &mut pos)?)
            else {
                return Err("function calls cannot be compared".into());
            };
            Expr::Compare {
                left,
                right,
                negate,
            }
        }
        Some(other) => return Err(unexpected(other)),
    };
    if pos != tokens.len() {
        return Err("only a single value, call or comparison is supported".into());
    }
    Ok(result)
}

fn unexpected(token: &Token) -> String {
    match token {
        Token::Other(text) => {
            format!("`{text}` is not supported (only ==, != and plain values)")
        }
        Token::Literal(text) => format!("unexpected string '{text}'"),
        Token::Ident(name) => format!("unexpected name `{name}`"),
        Token::Dot => "unexpected `.`".into(),
        Token::LParen => "unexpected `(`".into(),
        Token::RParen => "unexpected `)`".into(),
        Token::Eq => "unexpected `==`".into(),
        Token::Ne => "unexpected `!=`".into(),
    }
}

fn parse_primary(tokens: &[Token], pos: &mut usize) -> Result<Expr, String> {
    match tokens.get(*pos) {
        Some(Token::Literal(s)) => {
            *pos += 1;
            Ok(Expr::Value(Value0::Literal(s.clone())))
        }
        Some(Token::Ident(name)) => {
            *pos += 1;
            if tokens.get(*pos) == Some(&Token::LParen) {
                if tokens.get(*pos + 1) != Some(&Token::RParen) {
                    return Err(format!(
                        "function `{name}(…)` with arguments is not supported"
                    ));
                }
                *pos += 2;
                return Ok(Expr::Call(name.clone()));
            }
            let mut path = vec![name.clone()];
            while tokens.get(*pos) == Some(&Token::Dot) {
                match tokens.get(*pos + 1) {
                    Some(Token::Ident(part)) => path.push(part.clone()),
                    _ => return Err("`.` must be followed by a name".into()),
                }
                *pos += 2;
            }
            Ok(Expr::Value(Value0::Path(path)))
        }
        Some(other) => Err(unexpected(other)),
        None => Err("empty expression".into()),
    }
}

impl Scope<'_> {
    fn error(&self, expression: &str, reason: impl Into<String>) -> HarnessError {
        HarnessError::UnsupportedExpression {
            file: self.file.to_path_buf(),
            location: self.location.clone(),
            expression: expression.to_owned(),
            reason: reason.into(),
        }
    }

    /// Checks a path against the supported contexts and the names declared in `action.yml`.
    fn resolve(&self, expression: &str, value: &Value0) -> Result<ValueRef, HarnessError> {
        let path = match value {
            Value0::Literal(s) => return Ok(ValueRef::Literal(s.clone())),
            Value0::Path(path) => path,
        };
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let context = parts[0].to_ascii_lowercase();
        match (context.as_str(), &parts[1..]) {
            ("inputs", [name]) => {
                let Some(inputs) = self.inputs else {
                    return Err(self.error(expression, "the inputs context is not available here"));
                };
                inputs
                    .iter()
                    .position(|i| i.eq_ignore_ascii_case(name))
                    .map(ValueRef::Input)
                    .ok_or_else(|| {
                        self.error(
                            expression,
                            format!("input `{name}` is not declared in action.yml"),
                        )
                    })
            }
            ("env", [name]) => Ok(ValueRef::Env((*name).to_owned())),
            ("github", [field]) => {
                let field = field.to_ascii_lowercase();
                let known = field == "action_path"
                    || field == "workspace"
                    || GITHUB_DEFAULTS.iter().any(|(f, _)| *f == field);
                if known {
                    Ok(ValueRef::Github(field))
                } else {
                    Err(self.error(expression, format!("github.{field} is not supported")))
                }
            }
            ("runner", [field]) => {
                let field = field.to_ascii_lowercase();
                if ["os", "arch", "temp"].contains(&field.as_str()) {
                    Ok(ValueRef::Runner(field))
                } else {
                    Err(self.error(expression, format!("runner.{field} is not supported")))
                }
            }
            ("steps", [id, outputs, name]) if outputs.eq_ignore_ascii_case("outputs") => self
                .steps
                .iter()
                .find(|(known, _)| known.eq_ignore_ascii_case(id))
                .map(|(_, index)| ValueRef::StepOutput(*index, (*name).to_owned()))
                .ok_or_else(|| {
                    self.error(
                        expression,
                        format!("no step with id `{id}` runs before this point"),
                    )
                }),
            _ => Err(self.error(
                expression,
                format!(
                    "`{}` is not supported; supported: inputs.X, env.X, github.X, steps.ID.outputs.X, runner.{{os,arch,temp}}",
                    parts.join(".")
                ),
            )),
        }
    }
}
