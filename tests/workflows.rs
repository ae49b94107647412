//! Local proof of the reusable workflows (`package.yml`, `build-packages.yml`) and of relkit's own
//! `release.yml`: their structure (permissions, timeouts, concurrency, pinned actions, the
//! draft → publish order), and their jobs run on this machine, step by step, from the workflow
//! files themselves.
//!
//! The jobs run through a small workflow runner ([`JobRun`]): `run:` steps run in bash with the
//! step's `env:` evaluated, relkit's actions (`./.relkit/actions/<tool>`) run through the action
//! harness with the step's `with:` evaluated, artifacts move between jobs through a directory, and
//! job outputs become `needs.<job>.outputs.*` of the next job. Expressions are evaluated strictly:
//! a reference to an undeclared input, an unknown step or an undeclared job output fails the
//! test, so every value one step or job hands to the next is checked. What cannot run here is
//! replaced by the test and said so at the step: the container build (dpkg-buildpackage and
//! lintian run natively instead) and the systemd container (the service binary from the package
//! runs instead).

mod github_server;
mod harness;
mod webhook_server;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use pretty_assertions::assert_eq;
use serde_yaml_ng::Value;

// ---------------------------------------------------------------------------------------------
// Workflow files
// ---------------------------------------------------------------------------------------------

fn load(path: &str) -> Value {
    let file = harness::crate_root().join(path);
    let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping().and_then(|m| m.get(key))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => serde_yaml_ng::to_string(other).unwrap_or_default(),
    }
}

fn jobs(workflow: &Value) -> Vec<(String, &Value)> {
    get(workflow, "jobs")
        .and_then(Value::as_mapping)
        .expect("jobs")
        .iter()
        .map(|(k, v)| (text(k), v))
        .collect()
}

fn steps(job: &Value) -> &Vec<Value> {
    get(job, "steps")
        .and_then(Value::as_sequence)
        .expect("steps")
}

fn step_key(step: &Value) -> String {
    get(step, "id")
        .or_else(|| get(step, "name"))
        .map(text)
        .unwrap_or_else(|| get(step, "uses").map(text).unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Expressions: the subset the workflows use, evaluated strictly
// ---------------------------------------------------------------------------------------------

/// A value of the expression language.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Bool(bool),
    Str(String),
    Json(serde_json::Value),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Null => false,
            Val::Bool(b) => *b,
            Val::Str(s) => !s.is_empty(),
            Val::Json(_) => true,
        }
    }
    fn render(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Bool(b) => b.to_string(),
            Val::Str(s) => s.clone(),
            Val::Json(j) => j.to_string(),
        }
    }
}

/// The contexts: `inputs.*`, `matrix.*`, `steps.*`, `needs.*`, `github.*`, `runner.*`,
/// `secrets.*`, with the names that may be referenced.
#[derive(Debug, Clone, Default)]
struct Contexts {
    values: BTreeMap<String, Val>,
    /// Steps of the current job that exist (ran or were skipped): their outputs are `''` when
    /// not set, as on GitHub; other step ids are errors.
    step_ids: BTreeSet<String>,
}

impl Contexts {
    fn set(&mut self, key: &str, value: Val) {
        self.values.insert(key.to_string(), value);
    }
    fn lookup(&self, path: &str) -> Result<Val, String> {
        if let Some(v) = self.values.get(path) {
            return Ok(v.clone());
        }
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["steps", id, "outputs", _] if self.step_ids.contains(*id) => {
                Ok(Val::Str(String::new()))
            }
            ["secrets", _] => Ok(Val::Str(String::new())),
            _ => Err(format!(
                "expression references `{path}`, which is not defined here"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Op(&'static str),
}

fn tokenize(expr: &str) -> Vec<Tok> {
    let chars: Vec<char> = expr.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                assert!(i < chars.len(), "unterminated string in `{expr}`");
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            toks.push(Tok::Str(s));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_-.".contains(chars[i]))
            {
                i += 1;
            }
            toks.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = match ["==", "!=", "&&", "||"].into_iter().find(|op| *op == two) {
                Some(op) => {
                    i += 2;
                    op
                }
                None => {
                    i += 1;
                    match c {
                        '!' => "!",
                        '(' => "(",
                        ')' => ")",
                        ',' => ",",
                        _ => panic!("unsupported character `{c}` in expression `{expr}`"),
                    }
                }
            };
            toks.push(Tok::Op(op));
        }
    }
    toks
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    ctx: &'a Contexts,
    expr: &'a str,
    /// The first reference to something undefined.
    error: Option<String>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat(&mut self, op: &str) -> bool {
        let found = matches!(self.peek(), Some(Tok::Op(o)) if *o == op);
        if found {
            self.pos += 1;
        }
        found
    }
    /// `next (op next)*`; the result is the left value while `keep_left` holds, as GitHub's
    /// `||` (first truthy) and `&&` (first falsy) return operands, not booleans.
    fn chain(&mut self, op: &str, next: fn(&mut Self) -> Val, keep_left: fn(&Val) -> bool) -> Val {
        let mut left = next(self);
        while self.eat(op) {
            let right = next(self);
            if !keep_left(&left) {
                left = right;
            }
        }
        left
    }
    fn or(&mut self) -> Val {
        self.chain("||", Self::and, Val::truthy)
    }
    fn and(&mut self) -> Val {
        self.chain("&&", Self::cmp, |v| !v.truthy())
    }
    fn cmp(&mut self) -> Val {
        let left = self.unary();
        for (op, want) in [("==", true), ("!=", false)] {
            if self.eat(op) {
                let right = self.unary();
                // GitHub compares strings case-insensitively.
                let same = left.render().to_lowercase() == right.render().to_lowercase();
                return Val::Bool(same == want);
            }
        }
        left
    }
    fn unary(&mut self) -> Val {
        if self.eat("!") {
            return Val::Bool(!self.unary().truthy());
        }
        self.primary()
    }
    fn primary(&mut self) -> Val {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match tok {
            Some(Tok::Op("(")) => {
                let v = self.or();
                assert!(self.eat(")"), "missing `)` in `{}`", self.expr);
                v
            }
            Some(Tok::Str(s)) => Val::Str(s),
            Some(Tok::Ident(name)) if self.eat("(") => {
                let mut args = Vec::new();
                if !self.eat(")") {
                    loop {
                        args.push(self.or());
                        if self.eat(")") {
                            break;
                        }
                        assert!(self.eat(","), "expected `,` in `{}`", self.expr);
                    }
                }
                call(&name, &args, self.expr)
            }
            Some(Tok::Ident(name)) if name == "true" || name == "false" => {
                Val::Bool(name == "true")
            }
            Some(Tok::Ident(name)) => self.ctx.lookup(&name).unwrap_or_else(|e| {
                self.error.get_or_insert(e);
                Val::Null
            }),
            other => panic!("unexpected {other:?} in expression `{}`", self.expr),
        }
    }
}

fn call(name: &str, args: &[Val], expr: &str) -> Val {
    match (name, args) {
        // Every job here runs to the end or fails the test, so the status functions are fixed.
        ("always" | "success", []) => Val::Bool(true),
        ("cancelled" | "failure", []) => Val::Bool(false),
        ("startsWith", [a, b]) => Val::Bool(
            a.render()
                .to_lowercase()
                .starts_with(&b.render().to_lowercase()),
        ),
        ("fromJSON", [a]) => Val::Json(
            serde_json::from_str(&a.render())
                .unwrap_or_else(|e| panic!("fromJSON({}) in `{expr}`: {e}", a.render())),
        ),
        _ => panic!(
            "unsupported function call {name}/{} in `{expr}`",
            args.len()
        ),
    }
}

/// Evaluates `expr`; a reference to anything not defined in `ctx` is an error.
fn try_eval(expr: &str, ctx: &Contexts) -> Result<Val, String> {
    let mut p = Parser {
        toks: tokenize(expr),
        pos: 0,
        ctx,
        expr,
        error: None,
    };
    let v = p.or();
    assert!(p.pos == p.toks.len(), "trailing tokens in `{expr}`");
    match p.error {
        Some(e) => Err(e),
        None => Ok(v),
    }
}

fn eval(expr: &str, ctx: &Contexts) -> Val {
    try_eval(expr, ctx).unwrap_or_else(|e| panic!("{e}"))
}

/// Evaluates a field: text with `${{ … }}` interpolations (a field that is exactly one
/// expression keeps the expression's value).
fn interpolate(template: &str, ctx: &Contexts) -> Val {
    let trimmed = template.trim();
    if let Some(inner) = trimmed
        .strip_prefix("${{")
        .and_then(|s| s.strip_suffix("}}"))
        .filter(|s| !s.contains("${{"))
    {
        return eval(inner, ctx);
    }
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("unterminated expression in `{template}`"));
        out.push_str(&eval(&rest[start + 3..start + end], ctx).render());
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    Val::Str(out)
}

/// An `if:` condition: an expression with or without `${{ }}`.
fn condition(v: Option<&Value>, ctx: &Contexts) -> bool {
    match v {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            let t = text(v);
            if t.trim_start().starts_with("${{") {
                interpolate(&t, ctx).truthy()
            } else {
                eval(&t, ctx).truthy()
            }
        }
    }
}

#[test]
fn expressions_follow_github_semantics() {
    let mut ctx = Contexts::default();
    ctx.set("inputs.a", Val::Str("x".into()));
    ctx.set("inputs.empty", Val::Str(String::new()));
    ctx.set("inputs.draft", Val::Bool(false));
    ctx.set("matrix.arch", Val::Str("arm64".into()));
    ctx.step_ids.insert("s".into());
    let e = |x: &str| eval(x, &ctx);
    assert_eq!(e("inputs.empty || inputs.a"), Val::Str("x".into()));
    assert_eq!(e("inputs.a && inputs.empty"), Val::Str(String::new()));
    assert_eq!(e("!inputs.draft"), Val::Bool(true));
    assert_eq!(
        e("matrix.arch == 'ARM64' && 'native' || 'qemu'"),
        Val::Str("native".into())
    );
    assert_eq!(e("steps.s.outputs.nothing"), Val::Str(String::new()));
    assert_eq!(
        e("startsWith('refs/tags/v1', 'refs/tags/')"),
        Val::Bool(true)
    );
    assert_eq!(
        interpolate("a-${{ matrix.arch }}-${{ inputs.a }}", &ctx),
        Val::Str("a-arm64-x".into())
    );
    assert_eq!(
        try_eval("steps.typo.outputs.x", &ctx),
        Err("expression references `steps.typo.outputs.x`, which is not defined here".into())
    );
    assert_eq!(
        try_eval("inputs.a || inputs.nope", &ctx),
        Err("expression references `inputs.nope`, which is not defined here".into())
    );
}

// ---------------------------------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------------------------------

const WORKFLOWS: &[&str] = &[
    ".github/workflows/package.yml",
    ".github/workflows/build-packages.yml",
    ".github/workflows/release.yml",
    ".github/workflows/deploy.yml",
    "examples/backend/.github/workflows/release.yml",
    "examples/backend/.github/workflows/deploy.yml",
    "examples/deb-service/.github/workflows/release.yml",
];

fn is_pinned(uses: &str) -> bool {
    if uses.starts_with("./") {
        return true;
    }
    match uses.rsplit_once('@') {
        Some((_, sha)) => sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
        None => false,
    }
}

#[test]
fn every_job_is_least_privilege_bounded_and_pinned() {
    for path in WORKFLOWS {
        let wf = load(path);
        assert_eq!(
            get(&wf, "permissions").map(text).as_deref(),
            Some("{}\n"),
            "{path}: top-level permissions must be {{}}"
        );
        for (id, job) in jobs(&wf) {
            assert!(
                get(job, "permissions").is_some(),
                "{path}: job {id} has no permissions"
            );
            if let Some(uses) = get(job, "uses") {
                // A call of a reusable workflow: its jobs carry their own timeouts.
                let uses = text(uses);
                assert!(uses.contains("/.github/workflows/"), "{path}: {id}: {uses}");
                continue;
            }
            assert!(
                get(job, "timeout-minutes").is_some(),
                "{path}: job {id} has no timeout-minutes"
            );
            for step in steps(job) {
                let key = step_key(step);
                if let Some(uses) = get(step, "uses").map(text) {
                    assert!(
                        is_pinned(&uses) || path.starts_with("examples/"),
                        "{path}: {id}/{key}: {uses} is not pinned to a commit"
                    );
                    if uses.starts_with("actions/checkout@") {
                        let with = get(step, "with").expect("checkout with:");
                        assert_eq!(
                            get(with, "persist-credentials").map(text).as_deref(),
                            Some("false"),
                            "{path}: {id}/{key}: checkout must not persist credentials"
                        );
                    }
                }
                if let Some(run) = get(step, "run").map(text) {
                    assert!(
                        !run.contains("${{"),
                        "{path}: {id}/{key}: expression inside run:"
                    );
                }
            }
        }
    }
}

/// The release job of each workflow: serialised per tag, uploads to a draft, attests, and only
/// then publishes.
#[test]
fn release_jobs_upload_to_a_draft_then_publish_once_per_tag() {
    for (path, job_id, prefix) in [
        (
            ".github/workflows/package.yml",
            "release",
            "./.relkit/actions/",
        ),
        (
            ".github/workflows/build-packages.yml",
            "release",
            "./.relkit/actions/",
        ),
        (".github/workflows/release.yml", "release", "./actions/"),
    ] {
        let wf = load(path);
        let job = get(get(&wf, "jobs").unwrap(), job_id).unwrap();
        let concurrency = get(job, "concurrency")
            .or_else(|| get(&wf, "concurrency"))
            .unwrap_or_else(|| panic!("{path}: no concurrency"));
        let group = text(get(concurrency, "group").unwrap());
        assert!(
            group.contains("github.ref") || group.contains("inputs.tag"),
            "{path}: concurrency group `{group}` is not per tag"
        );
        assert_eq!(
            get(concurrency, "cancel-in-progress").map(text).as_deref(),
            Some("false"),
            "{path}: a release in progress must not be cancelled"
        );
        let perms = get(job, "permissions").unwrap();
        assert_eq!(
            get(perms, "contents").map(text).as_deref(),
            Some("write"),
            "{path}"
        );
        let order: Vec<String> = steps(job)
            .iter()
            .filter_map(|s| {
                let uses = get(s, "uses").map(text)?;
                let with = get(s, "with");
                let flag = |k: &str| with.and_then(|w| get(w, k)).map(text);
                if uses == format!("{prefix}asset-upload") {
                    match (flag("draft").as_deref(), flag("publish").as_deref()) {
                        (Some("true"), None) => Some("upload-draft".to_string()),
                        (None, Some("true")) => Some("publish".to_string()),
                        other => panic!("{path}: asset-upload with draft/publish {other:?}"),
                    }
                } else if uses.starts_with("actions/attest-build-provenance@") {
                    Some("attest".to_string())
                } else if uses == format!("{prefix}notes-gen") {
                    Some("notes".to_string())
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(
            order,
            ["notes", "upload-draft", "attest", "publish"],
            "{path}: release order"
        );
        // No step hands the token around: asset-upload's `token` input defaults to it.
        for step in steps(job) {
            let step_text = serde_yaml_ng::to_string(step).unwrap();
            assert!(
                !step_text.contains("github.token") && !step_text.contains("GITHUB_TOKEN"),
                "{path}: {} passes the token on",
                step_key(step)
            );
        }
    }
}

/// Every example calls a workflow of this repository with inputs it declares, all required ones
/// given, and passes `relkit-ref` equal to the ref it calls the workflow at.
#[test]
fn example_callers_match_the_workflows_they_call() {
    for path in WORKFLOWS.iter().filter(|p| p.starts_with("examples/")) {
        let wf = load(path);
        for (id, job) in jobs(&wf) {
            let uses = text(get(job, "uses").expect("a caller job"));
            let (target, reference) = uses.split_once('@').unwrap();
            let file = target
                .strip_prefix("relkit/relkit/")
                .unwrap_or_else(|| panic!("{path}: {id} calls {uses}"));
            let called = load(file);
            let call = get(get(&called, "on").unwrap(), "workflow_call").unwrap();
            let declared = get(call, "inputs").and_then(Value::as_mapping).unwrap();
            let with = get(job, "with").and_then(Value::as_mapping).unwrap();
            for key in with.keys() {
                assert!(
                    declared.contains_key(key),
                    "{path}: input {} is not declared by {file}",
                    text(key)
                );
            }
            for (name, spec) in declared {
                if get(spec, "required").map(text).as_deref() == Some("true") {
                    assert!(
                        with.contains_key(name),
                        "{path}: required input {} missing",
                        text(name)
                    );
                }
            }
            // Secrets passed must be declared, or GitHub refuses the call.
            if let Some(passed) = get(job, "secrets").and_then(Value::as_mapping) {
                let declared = get(call, "secrets").and_then(Value::as_mapping);
                for key in passed.keys() {
                    assert!(
                        declared.is_some_and(|d| d.contains_key(key)),
                        "{path}: secret {} is not declared by {file}",
                        text(key)
                    );
                }
            }
            assert_eq!(
                with.get("relkit-ref").map(text).as_deref(),
                Some(reference),
                "{path}: relkit-ref must be the ref the workflow is called at"
            );
            // A caller grants what the called workflow's jobs ask for.
            let perms = get(job, "permissions").unwrap();
            let scopes: &[&str] = if file.ends_with("/deploy.yml") {
                &["deployments"]
            } else {
                &["contents", "id-token", "attestations"]
            };
            for scope in scopes {
                assert_eq!(
                    get(perms, scope).map(text).as_deref(),
                    Some("write"),
                    "{path}: {scope}"
                );
            }
            // GitHub checks every job's permissions against the caller's grant before it
            // evaluates any `if:` (actions/runner#4151): the run fails to start unless the
            // caller grants what each job asks for, skipped jobs included (apt-pages: pages).
            for (job_id, called_job) in jobs(&called) {
                let asked = get(called_job, "permissions")
                    .and_then(Value::as_mapping)
                    .unwrap_or_else(|| panic!("{file}: {job_id} has no permissions"));
                for (scope, level) in asked {
                    let (scope, level) = (text(scope), text(level));
                    let granted = get(perms, &scope).map(text).unwrap_or_default();
                    assert!(
                        granted == "write" || (level == "read" && granted == "read"),
                        "{path}: {file}'s job {job_id} asks for {scope}: {level}, the caller grants {scope}: {granted:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn build_packages_runs_arm64_on_a_native_runner_and_amd64_on_x64() {
    let wf = load(".github/workflows/build-packages.yml");
    let mut ctx = workflow_defaults(&wf, &BTreeMap::new());
    let build = get(get(&wf, "jobs").unwrap(), "build").unwrap();
    let matrix = get(get(build, "strategy").unwrap(), "matrix").unwrap();
    let arches = interpolate(&text(get(matrix, "arch").unwrap()), &ctx);
    assert_eq!(arches, Val::Json(serde_json::json!(["amd64", "arm64"])));
    let mut runners = Vec::new();
    for arch in ["amd64", "arm64"] {
        ctx.set("matrix.arch", Val::Str(arch.into()));
        runners.push(interpolate(&text(get(build, "runs-on").unwrap()), &ctx).render());
    }
    assert_eq!(runners, ["ubuntu-24.04", "ubuntu-24.04-arm"]);
}

// ---------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------

/// `inputs.*` of a reusable workflow: the declared defaults, overridden by `given`; an input
/// that is not declared is an error.
fn workflow_defaults(workflow: &Value, given: &BTreeMap<&str, Val>) -> Contexts {
    let call = get(get(workflow, "on").unwrap(), "workflow_call").unwrap();
    let declared = get(call, "inputs").and_then(Value::as_mapping).unwrap();
    let mut ctx = Contexts::default();
    for (name, spec) in declared {
        let name = text(name);
        let kind = get(spec, "type").map(text).unwrap_or_default();
        let value = match (get(spec, "default"), kind.as_str()) {
            (Some(Value::Bool(b)), _) => Val::Bool(*b),
            (None, "boolean") => Val::Bool(false),
            (Some(v), _) => Val::Str(text(v)),
            (None, _) => Val::Str(String::new()),
        };
        ctx.set(&format!("inputs.{name}"), value);
    }
    for (name, value) in given {
        assert!(
            declared.contains_key(*name),
            "input {name} is not declared by the workflow"
        );
        ctx.set(&format!("inputs.{name}"), value.clone());
    }
    ctx
}

/// What the test does instead of a step that cannot run here; returns the step's outputs.
type Replacement<'a> = Box<dyn FnMut(&JobEnv) -> BTreeMap<String, String> + 'a>;

/// Where a job runs.
struct JobEnv {
    workspace: PathBuf,
    runner_temp: PathBuf,
}

/// What ran: `(job, step key, outcome)`, outcome `ran`, `skipped`, `replaced`, `emulated`.
type Trace = Vec<(String, String, &'static str)>;

/// One job of a workflow, run on this machine.
struct JobRun<'a> {
    workflow: &'a Value,
    job_id: &'a str,
    ctx: Contexts,
    /// The caller's repository, copied in by `actions/checkout` without `path:`.
    source: &'a Path,
    /// Workflow artifacts, one directory per name, shared by the jobs of a run.
    artifacts: &'a Path,
    replacements: BTreeMap<&'a str, Replacement<'a>>,
    /// Extra environment of every step (GITHUB_REF, …).
    env: BTreeMap<String, String>,
    /// `github.*` fields for the harness.
    github: Vec<(&'static str, String)>,
    runner_arch: &'a str,
    /// The test expects a step (without `continue-on-error`) to fail the job.
    may_fail: bool,
    /// Where `actions/deploy-pages` deploys (a directory a local web server serves) and the
    /// URL it reports.
    pages: Option<(&'a Path, String)>,
}

/// The outcome of a job: its outputs, every step's outputs, and where it ran.
struct JobResult {
    outputs: BTreeMap<String, String>,
    steps: BTreeMap<String, BTreeMap<String, String>>,
    workspace: tempfile::TempDir,
    /// Its RUNNER_TEMP (the notes are written there).
    #[allow(dead_code)]
    runner_temp: tempfile::TempDir,
    /// The output of every step that ran, for assertions.
    #[allow(dead_code)]
    logs: String,
    /// The step that failed the job (only with [`JobRun::failing`]).
    #[allow(dead_code)]
    failed: Option<String>,
}

fn read_file_command(path: &Path) -> Vec<(String, String)> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    harness::parse_file_command(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

/// What the jobs of one workflow run share.
struct WorkflowRun<'a> {
    workflow: &'a Value,
    /// The caller's repository, copied in by `actions/checkout` without `path:`.
    source: &'a Path,
    /// Workflow artifacts, one directory per name, shared by the jobs of the run.
    artifacts: &'a Path,
    /// Extra environment of every step (GITHUB_REF, …).
    env: BTreeMap<String, String>,
    /// `github.*` fields for the harness.
    github: Vec<(&'static str, String)>,
}

impl<'a> WorkflowRun<'a> {
    /// Job `job_id` of this run with contexts `ctx`, on an X64 runner, nothing replaced.
    fn job(&self, job_id: &'a str, ctx: Contexts) -> JobRun<'a> {
        JobRun {
            workflow: self.workflow,
            job_id,
            ctx,
            source: self.source,
            artifacts: self.artifacts,
            replacements: BTreeMap::new(),
            env: self.env.clone(),
            github: self.github.clone(),
            runner_arch: "X64",
            may_fail: false,
            pages: None,
        }
    }
}

impl<'a> JobRun<'a> {
    /// Runs `replacement` instead of step `id`.
    fn replace(mut self, id: &'a str, replacement: Replacement<'a>) -> JobRun<'a> {
        self.replacements.insert(id, replacement);
        self
    }

    /// Points the actions at the test GitHub server: its API URL and token.
    fn api(mut self, server: &github_server::Server) -> JobRun<'a> {
        self.github.push(("api_url", server.api_url()));
        self.github.push(("token", server.config().token.clone()));
        self
    }

    /// Lets a step fail the job (the test then asserts that one did): the steps after it are
    /// skipped, as on GitHub for steps without `always()`/`failure()`, which are refused here.
    fn failing(mut self) -> JobRun<'a> {
        self.may_fail = true;
        self
    }

    /// Runs as on a runner of this RUNNER_ARCH (X64, ARM64).
    fn runner_arch(mut self, arch: &'a str) -> JobRun<'a> {
        self.runner_arch = arch;
        self
    }

    /// Lets `actions/deploy-pages` deploy into `site`, served at `url`.
    fn pages(mut self, site: &'a Path, url: &str) -> JobRun<'a> {
        self.pages = Some((site, url.to_string()));
        self
    }

    fn run(mut self, trace: &mut Trace) -> JobResult {
        let job = get(get(self.workflow, "jobs").unwrap(), self.job_id)
            .unwrap_or_else(|| panic!("no job {}", self.job_id));
        let workspace = tempfile::Builder::new()
            .prefix("wf-workspace-")
            .tempdir()
            .unwrap();
        let runner_temp = tempfile::Builder::new()
            .prefix("wf-runner-temp-")
            .tempdir()
            .unwrap();
        let env_dir = JobEnv {
            workspace: workspace.path().to_path_buf(),
            runner_temp: runner_temp.path().to_path_buf(),
        };
        self.ctx.set(
            "runner.temp",
            Val::Str(runner_temp.path().display().to_string()),
        );
        for step in steps(job) {
            if let Some(id) = get(step, "id") {
                self.ctx.step_ids.insert(text(id));
            }
        }
        let mut job_env: BTreeMap<String, String> = self.env.clone();
        for scope in [get(self.workflow, "env"), get(job, "env")]
            .into_iter()
            .flatten()
        {
            for (k, v) in scope.as_mapping().unwrap() {
                job_env.insert(text(k), interpolate(&text(v), &self.ctx).render());
            }
        }
        let mut step_outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut logs = String::new();
        let mut failed: Option<String> = None;
        for step in steps(job) {
            let key = step_key(step);
            let id = get(step, "id").map(text);
            if let Some(failed) = &failed {
                let cond = get(step, "if").map(text).unwrap_or_default();
                assert!(
                    !cond.contains("always()") && !cond.contains("failure()"),
                    "{}/{key}: runs after the failure of {failed}, which this runner does not model",
                    self.job_id
                );
                trace.push((self.job_id.to_string(), key, "skipped"));
                continue;
            }
            if !condition(get(step, "if"), &self.ctx) {
                if let Some(id) = &id {
                    // GitHub: a skipped step's outcome and conclusion are `skipped`.
                    for field in ["outcome", "conclusion"] {
                        self.ctx
                            .set(&format!("steps.{id}.{field}"), Val::Str("skipped".into()));
                    }
                }
                trace.push((self.job_id.to_string(), key, "skipped"));
                continue;
            }
            let continue_on_error =
                get(step, "continue-on-error").map(text).as_deref() == Some("true");
            let mut success = true;
            let mut env = job_env.clone();
            if let Some(step_env) = get(step, "env").and_then(Value::as_mapping) {
                for (k, v) in step_env {
                    env.insert(text(k), interpolate(&text(v), &self.ctx).render());
                }
            }
            let outputs: BTreeMap<String, String>;
            if let Some(replace) = id.as_deref().and_then(|i| self.replacements.get_mut(i)) {
                outputs = replace(&env_dir);
                trace.push((self.job_id.to_string(), key.clone(), "replaced"));
            } else if let Some(run) = get(step, "run").map(text) {
                let tolerate = continue_on_error || self.may_fail;
                (success, outputs) = self.run_script(
                    &run,
                    &env,
                    &env_dir,
                    &mut job_env,
                    &key,
                    &mut logs,
                    tolerate,
                );
                trace.push((self.job_id.to_string(), key.clone(), "ran"));
            } else {
                let uses = text(get(step, "uses").unwrap());
                let with: BTreeMap<String, String> = get(step, "with")
                    .and_then(Value::as_mapping)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (text(k), interpolate(&text(v), &self.ctx).render()))
                            .collect()
                    })
                    .unwrap_or_default();
                let tool = uses
                    .strip_prefix("./.relkit/actions/")
                    .or_else(|| uses.strip_prefix("./actions/"));
                if let Some(tool) = tool {
                    let mut action = harness::Action::load(format!("actions/{tool}"))
                        .workspace(workspace.path());
                    for (k, v) in &with {
                        action = action.input(k, v);
                    }
                    for (k, v) in &env {
                        action = action.env(k, v);
                    }
                    for (field, value) in &self.github {
                        action = action.github(field, value);
                    }
                    let result = action.run().unwrap();
                    success = result.success;
                    assert!(
                        success || continue_on_error || self.may_fail,
                        "{}/{key} ({uses}) failed:\n{result}",
                        self.job_id
                    );
                    logs.push_str(&result.log());
                    logs.push_str(&result.summary);
                    outputs = result.outputs.clone();
                    trace.push((self.job_id.to_string(), key.clone(), "ran"));
                } else {
                    outputs = self.emulate(&uses, &with, &env_dir);
                    trace.push((self.job_id.to_string(), key.clone(), "emulated"));
                }
            }
            if let Some(id) = id {
                for (k, v) in &outputs {
                    self.ctx
                        .set(&format!("steps.{id}.outputs.{k}"), Val::Str(v.clone()));
                }
                // GitHub: `outcome` is the step's own result, `conclusion` the one after
                // `continue-on-error`.
                let outcome = if success { "success" } else { "failure" };
                let conclusion = if success || continue_on_error {
                    "success"
                } else {
                    "failure"
                };
                self.ctx
                    .set(&format!("steps.{id}.outcome"), Val::Str(outcome.into()));
                self.ctx.set(
                    &format!("steps.{id}.conclusion"),
                    Val::Str(conclusion.into()),
                );
                step_outputs.insert(id, outputs);
            }
            if !success && !continue_on_error {
                failed = Some(key);
            }
        }
        assert!(
            !self.may_fail || failed.is_some(),
            "{}: expected a step to fail the job, none did:\n{logs}",
            self.job_id
        );
        let outputs = get(job, "outputs")
            .and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (text(k), interpolate(&text(v), &self.ctx).render()))
                    .collect()
            })
            .unwrap_or_default();
        JobResult {
            outputs,
            steps: step_outputs,
            workspace,
            runner_temp,
            logs,
            failed,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_script(
        &self,
        script: &str,
        env: &BTreeMap<String, String>,
        dirs: &JobEnv,
        job_env: &mut BTreeMap<String, String>,
        key: &str,
        logs: &mut String,
        tolerate: bool,
    ) -> (bool, BTreeMap<String, String>) {
        let files = tempfile::tempdir().unwrap();
        let output = files.path().join("output");
        let github_env = files.path().join("env");
        let summary = files.path().join("summary");
        for f in [&output, &github_env, &summary] {
            fs::write(f, "").unwrap();
        }
        let run = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(&dirs.workspace)
            .envs(env)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_ENV", &github_env)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_WORKSPACE", &dirs.workspace)
            .env("RUNNER_TEMP", &dirs.runner_temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", self.runner_arch)
            .output()
            .unwrap();
        assert!(
            run.status.success() || tolerate,
            "{}/{key} failed ({}):\n{}{}",
            self.job_id,
            run.status,
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        logs.push_str(&String::from_utf8_lossy(&run.stdout));
        logs.push_str(&String::from_utf8_lossy(&run.stderr));
        for (k, v) in read_file_command(&github_env) {
            job_env.insert(k, v);
        }
        (
            run.status.success(),
            read_file_command(&output).into_iter().collect(),
        )
    }

    /// GitHub's own actions, done the way they behave for these workflows.
    fn emulate(
        &self,
        uses: &str,
        with: &BTreeMap<String, String>,
        dirs: &JobEnv,
    ) -> BTreeMap<String, String> {
        let (name, _) = uses.split_once('@').unwrap();
        let arg = |k: &str| with.get(k).cloned().unwrap_or_default();
        match name {
            "actions/checkout" => {
                let path = arg("path");
                if path.is_empty() {
                    copy_dir(self.source, &dirs.workspace);
                    let reference = arg("ref");
                    if !reference.is_empty() {
                        git(&dirs.workspace, &["checkout", "-q", "--detach", &reference]);
                    }
                } else if with.contains_key("repository") {
                    // relkit's own checkout: this tree (the harness runs its actions from here).
                    std::os::unix::fs::symlink(harness::crate_root(), dirs.workspace.join(path))
                        .unwrap();
                } else {
                    // The caller's repository into a directory, as a clone whose `origin` is
                    // the source (every branch, as with fetch-depth 0), so that a push reaches
                    // it.
                    assert_eq!(
                        arg("fetch-depth"),
                        "0",
                        "{}: a clone into {path}",
                        self.job_id
                    );
                    let to = dirs.workspace.join(&path);
                    git(
                        &dirs.workspace,
                        &["clone", "-q", &self.source.display().to_string(), &path],
                    );
                    let reference = arg("ref");
                    if !reference.is_empty() {
                        git(&to, &["checkout", "-q", "--detach", &reference]);
                    }
                }
            }
            "actions/upload-pages-artifact" => {
                // The artifact the action makes: a tar of the directory, without .git.
                let to = self.artifacts.join("github-pages");
                assert!(!to.exists(), "artifact github-pages uploaded twice");
                fs::create_dir_all(&to).unwrap();
                let status = Command::new("tar")
                    .args(["--dereference", "--hard-dereference", "--exclude=.git"])
                    .arg("--directory")
                    .arg(dirs.workspace.join(arg("path")))
                    .arg("-cf")
                    .arg(to.join("artifact.tar"))
                    .arg(".")
                    .status()
                    .unwrap();
                assert!(status.success(), "tar of {}", arg("path"));
            }
            "actions/deploy-pages" => {
                let (site, url) = self
                    .pages
                    .as_ref()
                    .unwrap_or_else(|| panic!("{}: deploy-pages without a site", self.job_id));
                let unpacked = tempfile::tempdir().unwrap();
                let status = Command::new("tar")
                    .arg("-xf")
                    .arg(self.artifacts.join("github-pages/artifact.tar"))
                    .arg("-C")
                    .arg(unpacked.path())
                    .status()
                    .unwrap();
                assert!(status.success(), "no github-pages artifact to deploy");
                // Pages refuses a site with files others cannot read or directories they
                // cannot enter (deployment_perms_error).
                let find = Command::new("find")
                    .arg(unpacked.path())
                    .args(["(", "(", "-type", "f", "!", "-perm", "-o=r", ")", "-o"])
                    .args(["(", "-type", "d", "!", "-perm", "-o=rx", ")", ")", "-print"])
                    .output()
                    .unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&find.stdout),
                    "",
                    "deploy-pages: deployment_perms_error"
                );
                // A deployment replaces the whole site.
                for entry in fs::read_dir(site).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        fs::remove_dir_all(&path).unwrap();
                    } else {
                        fs::remove_file(&path).unwrap();
                    }
                }
                copy_dir(unpacked.path(), site);
                return BTreeMap::from([("page_url".to_string(), format!("{url}/"))]);
            }
            "actions/upload-artifact" => {
                let name = arg("name");
                let to = self.artifacts.join(&name);
                assert!(!to.exists(), "artifact {name} uploaded twice");
                fs::create_dir_all(&to).unwrap();
                let from = dirs.workspace.join(arg("path"));
                if from.is_dir() {
                    copy_dir(&from, &to);
                } else {
                    fs::copy(&from, to.join(from.file_name().unwrap())).unwrap();
                }
            }
            "actions/download-artifact" => {
                let to = dirs.workspace.join(arg("path"));
                fs::create_dir_all(&to).unwrap();
                let names: Vec<String> = fs::read_dir(self.artifacts)
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| match (with.get("name"), with.get("pattern")) {
                        (Some(name), _) => n == name,
                        (None, Some(p)) => n.starts_with(p.trim_end_matches('*')),
                        (None, None) => true,
                    })
                    .collect();
                assert!(
                    !names.is_empty(),
                    "download-artifact {with:?}: nothing matches"
                );
                let merge = with.get("name").is_some() || arg("merge-multiple") == "true";
                for n in names {
                    let dest = if merge { to.clone() } else { to.join(&n) };
                    fs::create_dir_all(&dest).unwrap();
                    copy_dir(&self.artifacts.join(&n), &dest);
                }
            }
            "actions/attest-build-provenance" => {
                let pattern = arg("subject-path");
                let matched = Command::new("bash")
                    .args(["-c", "shopt -s nullglob; set -- $1; echo $#", "-", &pattern])
                    .current_dir(&dirs.workspace)
                    .output()
                    .unwrap();
                let count: usize = String::from_utf8_lossy(&matched.stdout)
                    .trim()
                    .parse()
                    .unwrap();
                assert!(count > 0, "attestation subject {pattern} matches no file");
            }
            other => panic!("{}: no emulation of {other}", self.job_id),
        }
        BTreeMap::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures: a caller repository with release history, a free port, the service
// ---------------------------------------------------------------------------------------------

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Release Bot")
        .env("GIT_AUTHOR_EMAIL", "bot@example.invalid")
        .env("GIT_COMMITTER_NAME", "Release Bot")
        .env("GIT_COMMITTER_EMAIL", "bot@example.invalid")
        .env("GIT_AUTHOR_DATE", "2026-11-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-01T12:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The deb-service example as its own repository: v0.9.0, then two commits with spec
/// references, tagged v1.0.0 (the version in debian/changelog).
fn example_repository() -> tempfile::TempDir {
    let repo = tempfile::Builder::new()
        .prefix("wf-repo-")
        .tempdir()
        .unwrap();
    let example = harness::crate_root().join("examples/deb-service");
    for item in ["debian", "src", "Makefile"] {
        let status = Command::new("cp")
            .arg("-a")
            .arg(example.join(item))
            .arg(repo.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let p = repo.path();
    git(p, &["init", "-q", "-b", "main"]);
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "feat: hello-health service"]);
    git(p, &["tag", "v0.9.0"]);
    fs::write(p.join("NOTES"), "health endpoint documented\n").unwrap();
    git(p, &["add", "-A"]);
    git(
        p,
        &[
            "commit",
            "-q",
            "-m",
            "feat: answer /health with JSON (FR-101)",
        ],
    );
    fs::write(p.join("NOTES"), "port from $PORT\n").unwrap();
    git(p, &["add", "-A"]);
    git(
        p,
        &[
            "commit",
            "-q",
            "-m",
            "fix: read the port from $PORT (FR-102)",
        ],
    );
    git(p, &["tag", "v1.0.0"]);
    repo
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the service started in place of systemd when the test ends, however it ends.
struct Service(Option<Child>);

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn needs(ctx: &mut Contexts, job: &str, result: &JobResult) {
    ctx.set(&format!("needs.{job}.result"), Val::Str("success".into()));
    for (k, v) in &result.outputs {
        ctx.set(&format!("needs.{job}.outputs.{k}"), Val::Str(v.clone()));
    }
}

fn ls(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The `(digest, name)` entries of a SHA256SUMS file.
fn sums_entries(sums: &str) -> Vec<(&str, &str)> {
    sums.lines()
        .map(|l| {
            l.split_once("  ")
                .unwrap_or_else(|| panic!("not a SHA256SUMS line: {l:?}\n{sums}"))
        })
        .collect()
}

/// Asserts that the downloads table of the release notes has a row for every entry of `sums`.
fn assert_notes_list(notes: &str, sums: &str) {
    for (digest, name) in sums_entries(sums) {
        assert!(
            notes
                .lines()
                .any(|l| l.contains(name) && l.contains(digest)),
            "the notes' downloads table lacks {name} {digest}:\n{notes}"
        );
    }
}

/// The `workflow_call` outputs of `workflow`, evaluated from the outputs of its job `job`.
fn workflow_outputs(
    workflow: &Value,
    job: &str,
    job_outputs: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut ctx = Contexts::default();
    for (k, v) in job_outputs {
        ctx.set(&format!("jobs.{job}.outputs.{k}"), Val::Str(v.clone()));
    }
    let call = get(get(workflow, "on").unwrap(), "workflow_call").unwrap();
    get(call, "outputs")
        .and_then(Value::as_mapping)
        .expect("workflow_call outputs")
        .iter()
        .map(|(k, spec)| {
            let value = interpolate(&text(get(spec, "value").unwrap()), &ctx).render();
            (text(k), value)
        })
        .collect()
}

/// A run of `workflow` triggered by pushing the tag v1.0.0 of `repository` (checked out from
/// `source`), and its contexts on top of `base` (a reusable workflow's inputs).
fn tag_run<'a>(
    workflow: &'a Value,
    source: &'a Path,
    artifacts: &'a Path,
    mut base: Contexts,
    repository: &str,
) -> (Contexts, WorkflowRun<'a>) {
    for (k, v) in [
        ("github.ref", "refs/tags/v1.0.0"),
        ("github.ref_name", "v1.0.0"),
        ("github.repository", repository),
        ("github.token", "ghs_testtoken0123456789abcdefSECRET"),
        ("github.sha", "ffac537e6cbbf934b08745a378932722df287a53"),
    ] {
        base.set(k, Val::Str(v.into()));
    }
    let env = BTreeMap::from([
        ("GITHUB_REF".to_string(), "refs/tags/v1.0.0".to_string()),
        ("GITHUB_REF_NAME".to_string(), "v1.0.0".to_string()),
        ("GITHUB_REF_TYPE".to_string(), "tag".to_string()),
        ("GITHUB_REPOSITORY".to_string(), repository.to_string()),
    ]);
    let github = vec![
        ("ref_name", "v1.0.0".to_string()),
        ("repository", repository.to_string()),
    ];
    let run = WorkflowRun {
        workflow,
        source,
        artifacts,
        env,
        github,
    };
    (base, run)
}

// ---------------------------------------------------------------------------------------------
// build-packages.yml, end to end
// ---------------------------------------------------------------------------------------------

#[test]
fn build_packages_pipeline_runs_locally() {
    let wf = load(".github/workflows/build-packages.yml");
    let repo = example_repository();
    let artifacts = tempfile::tempdir().unwrap();
    let port = free_port();
    let health = format!("http://127.0.0.1:{port}/health");
    let given = BTreeMap::from([
        ("package", Val::Str("hello-health".into())),
        ("health-url", Val::Str(health.clone())),
        // One architecture: this machine builds amd64 natively; arm64 needs a runner (or
        // QEMU) that this test does not have.
        ("architectures", Val::Str(r#"["amd64"]"#.into())),
        ("spec-patterns", Val::Str("\\bFR-\\d+\\b\n".into())),
        // Not a release ref: the installer would build from source; the harness points it
        // at the binaries this test build made.
        ("relkit-ref", Val::Str("main".into())),
    ]);
    let (base, run) = tag_run(
        &wf,
        repo.path(),
        artifacts.path(),
        workflow_defaults(&wf, &given),
        "octo-org/tool",
    );
    let mut trace = Trace::new();

    // build (amd64): the container step is replaced by the same commands run natively.
    let mut ctx = base.clone();
    ctx.set("matrix.arch", Val::Str("amd64".into()));
    let build_dir = tempfile::tempdir().unwrap();
    let build = run
        .job("build", ctx.clone())
        .replace(
            "deb",
            Box::new(|dirs: &JobEnv| {
                let src = build_dir.path().join("src");
                copy_dir(&dirs.workspace, {
                    fs::create_dir_all(&src).unwrap();
                    &src
                });
                let out = Command::new("dpkg-buildpackage")
                    .args(["-us", "-uc", "-b"])
                    .current_dir(&src)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "dpkg-buildpackage: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                let debs: Vec<String> = ls(build_dir.path())
                    .into_iter()
                    .filter(|n| n.ends_with(".deb"))
                    .collect();
                let lintian = Command::new("lintian")
                    .args(["--fail-on", "error", "--display-info"])
                    .args(debs.iter().map(|d| build_dir.path().join(d)))
                    .output()
                    .unwrap();
                assert!(
                    lintian.status.success(),
                    "lintian: {}{}",
                    String::from_utf8_lossy(&lintian.stdout),
                    String::from_utf8_lossy(&lintian.stderr)
                );
                let dist = dirs.workspace.join("dist");
                fs::create_dir_all(&dist).unwrap();
                for d in &debs {
                    fs::copy(build_dir.path().join(d), dist.join(d)).unwrap();
                }
                let files: Vec<String> = debs.iter().map(|d| format!("dist/{d}")).collect();
                BTreeMap::from([
                    ("dir".to_string(), "dist".to_string()),
                    ("files".to_string(), files.join("\n")),
                ])
            }) as Replacement,
        )
        .run(&mut trace);
    let debs = [
        "hello-health-dbgsym_1.0.0_amd64.deb",
        "hello-health_1.0.0_amd64.deb",
    ];
    assert_eq!(
        build.steps["deb"]["files"],
        debs.map(|d| format!("dist/{d}")).join("\n")
    );
    assert_eq!(build.steps["check"]["result"], "pass");
    assert_eq!(build.steps["sums"]["count"], "2");
    assert_eq!(
        ls(&artifacts.path().join("deb-amd64")),
        ["SHA256SUMS.amd64", debs[0], debs[1]]
    );
    let sha256sum = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS.amd64"])
        .current_dir(artifacts.path().join("deb-amd64"))
        .output()
        .unwrap();
    assert!(sha256sum.status.success(), "sha256sum -c of the part");

    // install (amd64): no systemd container here; the package's own service binary is started
    // the way its unit file says, and the workflow's health check runs against it.
    let mut ctx = base.clone();
    needs(&mut ctx, "build", &build);
    ctx.set("matrix.arch", Val::Str("amd64".into()));
    let root = tempfile::tempdir().unwrap();
    let service = std::cell::RefCell::new(Service(None));
    let install = run
        .job("install", ctx)
        .replace(
            "install",
            Box::new(|dirs: &JobEnv| {
                let deb = dirs.workspace.join("dist/hello-health_1.0.0_amd64.deb");
                let x = Command::new("dpkg-deb")
                    .arg("-x")
                    .arg(&deb)
                    .arg(root.path())
                    .status()
                    .unwrap();
                assert!(x.success());
                let unit = fs::read_to_string(
                    root.path()
                        .join("usr/lib/systemd/system/hello-health.service"),
                )
                .or_else(|_| {
                    fs::read_to_string(root.path().join("lib/systemd/system/hello-health.service"))
                })
                .expect("the package installs hello-health.service");
                assert!(unit.contains("ExecStart=/usr/bin/hello-health\n"), "{unit}");
                let child = Command::new(root.path().join("usr/bin/hello-health"))
                    .arg(port.to_string())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                service.borrow_mut().0 = Some(child);
                BTreeMap::new()
            }) as Replacement,
        )
        .replace(
            "service-log",
            Box::new(|_: &JobEnv| {
                service.borrow_mut().0.take().map(|mut c| {
                    let _ = c.kill();
                    c.wait()
                });
                BTreeMap::new()
            }) as Replacement,
        )
        .run(&mut trace);
    assert_eq!(install.steps["health"]["passed"], "true");
    drop(install);

    // release: against the test GitHub API server, with a signing key in the secrets.
    let server = github_server::Server::start(github_server::Config::default());
    let gpg = gpg_key();
    let secret = gpg.secret.clone();
    let mut ctx = base.clone();
    ctx.set("secrets.GPG_PRIVATE_KEY", Val::Str(secret));
    for job in ["build", "install"] {
        ctx.set(&format!("needs.{job}.result"), Val::Str("success".into()));
    }
    let job = get(get(&wf, "jobs").unwrap(), "release").unwrap();
    assert!(condition(get(job, "if"), &ctx), "release runs on a tag");
    let release = run.job("release", ctx).api(&server).run(&mut trace);
    assert_eq!(release.steps["tag"]["tag"], "v1.0.0");
    assert_eq!(release.steps["merge"]["manifest"], "dist/SHA256SUMS");
    let dist = release.workspace.path().join("dist");
    let sums = fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let part = fs::read_to_string(artifacts.path().join("deb-amd64/SHA256SUMS.amd64")).unwrap();
    assert_eq!(sums, part, "one architecture: SHA256SUMS is its part");
    assert_eq!(
        ls(&dist),
        ["SHA256SUMS", "SHA256SUMS.asc", debs[0], debs[1]],
        "no partial sums; the signature"
    );
    // The detached signature verifies with the public key; the private key never reached the log.
    let verify = Command::new("gpg")
        .args(["--batch", "--verify"])
        .arg(dist.join("SHA256SUMS.asc"))
        .arg(dist.join("SHA256SUMS"))
        .env("GNUPGHOME", gpg.home.path())
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let key_body = gpg.secret.lines().nth(3).unwrap().to_string();
    assert!(
        !release.logs.contains(&key_body),
        "the private key reached the log"
    );

    // The sign action signed with the secret's key and named it; the notes say how to verify.
    assert_eq!(
        release.steps["sign-openpgp"]["fingerprint"],
        gpg.fingerprint
    );
    assert!(
        release.logs.contains(&gpg.fingerprint),
        "the summary names the key"
    );
    let notes = fs::read_to_string(&release.steps["notes"]["notes-file"]).unwrap();
    assert_notes_list(&notes, &sums);
    for hint in [
        format!("OpenPGP key `{}`", gpg.fingerprint),
        "`gpg --verify SHA256SUMS.asc SHA256SUMS`".to_string(),
        "`checksum --check SHA256SUMS --signature SHA256SUMS.asc".to_string(),
    ] {
        assert!(notes.contains(&hint), "notes lack {hint}:\n{notes}");
    }
    for spec in ["FR-101", "FR-102"] {
        assert!(notes.contains(spec), "notes lack {spec}:\n{notes}");
    }
    assert_eq!(release.steps["notes"]["version"], "1.0.0");

    let state = server.state();
    assert_eq!(state.releases.len(), 1, "one release");
    let published = &state.releases[0];
    assert_eq!(published.tag, "v1.0.0");
    assert!(!published.draft && published.published, "published");
    assert_eq!(published.body.as_deref(), Some(notes.as_str()));
    let mut names: Vec<&str> = published.assets.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["SHA256SUMS", "SHA256SUMS.asc", debs[0], debs[1]]);
    // Published only once every asset was in.
    let at_publish: Vec<String> = published
        .assets_at_publish
        .as_ref()
        .expect("published through the API")
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
    assert_eq!(at_publish.len(), 4, "{at_publish:?}");
    for asset in &published.assets {
        let on_disk = fs::read(dist.join(&asset.name)).unwrap();
        assert_eq!(asset.data, on_disk, "{} uploaded intact", asset.name);
    }
    let outputs = &release.outputs;
    assert_eq!(outputs["version"], "1.0.0");
    assert_eq!(
        &workflow_outputs(&wf, "release", outputs),
        outputs,
        "the workflow's outputs"
    );
    assert_eq!(
        outputs["release-url"],
        release.steps["publish"]["release-url"]
    );
    assert!(!outputs["release-url"].is_empty());
    drop(state);
    let ran: Vec<String> = trace
        .iter()
        .filter(|(job, _, _)| job == "release")
        .map(|(_, step, how)| format!("{step}: {how}"))
        .collect();
    assert_eq!(
        ran,
        [
            "Check out the repository (full history for the notes): emulated",
            "Check out relkit (its actions): emulated",
            "tag: ran",
            "Download every architecture's packages: emulated",
            // The packaging repository has no lockfile: no SBOM, no vulnerability gate.
            "lockfiles: ran",
            "sbom: skipped",
            "vulns: skipped",
            "Checksums of the SBOM and the vulnerability report: skipped",
            "parts: ran",
            "merge: ran",
            "Verify the packages against SHA256SUMS: ran",
            "Drop the partial checksums: ran",
            // Only the OpenPGP key secret is set: signing auto makes SHA256SUMS.asc alone.
            "keys: ran",
            "sign-openpgp: ran",
            "sign-minisign: skipped",
            "Verify SHA256SUMS and its OpenPGP signature (checksum): ran",
            "Verify SHA256SUMS and its minisign signature (checksum): skipped",
            "notes: ran",
            "upload: ran",
            "Attest build provenance: emulated",
            "publish: ran",
        ]
    );
}

/// A throwaway signing key in its own GNUPGHOME, as a release manager would store it in the
/// GPG_PRIVATE_KEY secret.
struct GpgKey {
    home: tempfile::TempDir,
    secret: String,
    fingerprint: String,
}

fn gpg_key() -> GpgKey {
    let home = tempfile::Builder::new()
        .prefix("wf-gnupg-")
        .tempdir()
        .unwrap();
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .args(["--batch", "--quiet"])
            .args(args)
            .env("GNUPGHOME", home.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    gpg(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        "Release Bot <bot@example.invalid>",
        "ed25519",
        "sign",
        "never",
    ]);
    let secret = gpg(&["--armor", "--export-secret-keys", "bot@example.invalid"]);
    let listing = gpg(&["--with-colons", "--list-keys", "bot@example.invalid"]);
    let fingerprint = listing
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.trim_end_matches(':').rsplit(':').next())
        .unwrap()
        .to_string();
    GpgKey {
        home,
        secret,
        fingerprint,
    }
}

/// A throwaway minisign key made by `minisign -G`, as a release manager would store its secret
/// key file in the MINISIGN_KEY secret.
struct MinisignKey {
    secret: String,
    /// The key ID as minisign prints it (16 hex digits).
    key_id: String,
}

fn minisign_key(password: &str) -> MinisignKey {
    let dir = tempfile::tempdir().unwrap();
    let (sec, public) = (dir.path().join("key.sec"), dir.path().join("key.pub"));
    let mut child = Command::new("minisign")
        .args(["-G", "-f", "-p"])
        .arg(&public)
        .arg("-s")
        .arg(&sec)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let stdin = child.stdin.as_mut().unwrap();
        writeln!(stdin, "{password}\n{password}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "minisign -G: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let comment = fs::read_to_string(&public).unwrap();
    let key_id = comment
        .lines()
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .to_string();
    MinisignKey {
        secret: fs::read_to_string(&sec).unwrap(),
        key_id,
    }
}

// ---------------------------------------------------------------------------------------------
// build-packages.yml: the APT repository (apt-repository: branch | pages)
// ---------------------------------------------------------------------------------------------

/// The jobs that publish the APT repository, one per apt-repository mode.
const APT_JOBS: [&str; 2] = ["apt-repo", "apt-pages"];

#[test]
fn build_packages_apt_repository_is_opt_in_after_the_release_and_pinned() {
    let wf = load(".github/workflows/build-packages.yml");
    let all = get(&wf, "jobs").unwrap();
    let job = |id: &str| get(all, id).unwrap_or_else(|| panic!("no job {id}"));
    // Which of apt-repo and apt-pages run, by the input (GitHub compares case-insensitively);
    // any other value reaches apt-repo, whose settings step refuses it.
    for (mode, expected) in [
        (None, [false, false]),
        (Some("none"), [false, false]),
        (Some("branch"), [true, false]),
        (Some("pages"), [false, true]),
        (Some("Pages"), [false, true]),
        (Some("gh-pages"), [true, false]),
    ] {
        let mut given = BTreeMap::new();
        if let Some(mode) = mode {
            given.insert("apt-repository", Val::Str(mode.into()));
        }
        let ctx = workflow_defaults(&wf, &given);
        let runs = APT_JOBS.map(|id| condition(get(job(id), "if"), &ctx));
        assert_eq!(runs, expected, "apt-repository {mode:?}");
    }
    let mut groups = BTreeSet::new();
    for id in APT_JOBS {
        let j = job(id);
        let needs: Vec<String> = get(j, "needs")
            .and_then(Value::as_sequence)
            .unwrap_or_else(|| panic!("{id}: needs"))
            .iter()
            .map(text)
            .collect();
        // After the install test and the release (its vulnerability gate) passed.
        assert_eq!(needs, ["build", "install", "release"], "{id}");
        assert!(get(j, "timeout-minutes").is_some(), "{id}: timeout-minutes");
        let concurrency = get(j, "concurrency").unwrap_or_else(|| panic!("{id}: concurrency"));
        assert_eq!(
            get(concurrency, "cancel-in-progress").map(text).as_deref(),
            Some("false"),
            "{id}: a publication in progress is never cancelled"
        );
        groups.insert(text(get(concurrency, "group").unwrap()));
        let mut tools = Vec::new();
        for step in steps(j) {
            let Some(uses) = get(step, "uses").map(text) else {
                continue;
            };
            if let Some(tool) = uses.strip_prefix("./.relkit/actions/") {
                tools.push(tool.to_string());
            } else {
                let (_, sha) = uses
                    .rsplit_once('@')
                    .unwrap_or_else(|| panic!("{id}: {uses}"));
                assert!(
                    sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                    "{id}: {uses} is not pinned to a commit"
                );
            }
        }
        assert_eq!(tools, ["checksum", "apt-repo"], "{id}: relkit's actions");
    }
    // One group for both jobs and every release of the repository, not one per tag: two runs
    // never start from the same published state.
    assert_eq!(
        groups,
        BTreeSet::from(["relkit-build-packages-apt-${{ github.repository }}".to_string()])
    );
    // Each job has only what its mode needs.
    let perms = |id: &str| -> BTreeMap<String, String> {
        get(job(id), "permissions")
            .and_then(Value::as_mapping)
            .unwrap()
            .iter()
            .map(|(k, v)| (text(k), text(v)))
            .collect()
    };
    assert_eq!(
        perms("apt-repo"),
        BTreeMap::from([("contents".to_string(), "write".to_string())])
    );
    assert_eq!(
        perms("apt-pages"),
        BTreeMap::from([
            ("contents".to_string(), "read".to_string()),
            ("id-token".to_string(), "write".to_string()),
            ("pages".to_string(), "write".to_string()),
        ])
    );
    assert!(get(job("apt-repo"), "environment").is_none());
    let environment = get(job("apt-pages"), "environment").unwrap();
    assert_eq!(
        get(environment, "name").map(text).as_deref(),
        Some("github-pages")
    );
    // The Pages actions, pinned with the release they are, as every other action here.
    let raw =
        fs::read_to_string(harness::crate_root().join(".github/workflows/build-packages.yml"))
            .unwrap();
    for action in ["actions/upload-pages-artifact@", "actions/deploy-pages@"] {
        let line = raw
            .lines()
            .find(|l| l.contains(action))
            .unwrap_or_else(|| panic!("no {action}"));
        assert!(
            line.contains(" # v"),
            "{action} has no version comment: {line}"
        );
    }
}

/// A package of `version` for `arch`, built by `dpkg-deb` into `dir`.
fn apt_deb(dir: &Path, version: &str, arch: &str) -> String {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("DEBIAN")).unwrap();
    fs::create_dir_all(root.path().join("usr/share/doc/hello-health")).unwrap();
    fs::write(
        root.path().join("usr/share/doc/hello-health/README"),
        format!("hello-health {version} {arch}\n"),
    )
    .unwrap();
    fs::write(
        root.path().join("DEBIAN/control"),
        format!(
            "Package: hello-health\nVersion: {version}\nArchitecture: {arch}\n\
             Maintainer: Release Bot <bot@example.invalid>\nDescription: health endpoint\n \
             The example service.\n"
        ),
    )
    .unwrap();
    let name = format!("hello-health_{version}_{arch}.deb");
    let out = Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(root.path())
        .arg(dir.join(&name))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dpkg-deb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    name
}

/// The artifacts the build jobs leave: deb-<arch> with the package of `version` and its
/// SHA256SUMS.<arch>, for amd64 and arm64.
fn apt_artifacts(version: &str) -> tempfile::TempDir {
    let artifacts = tempfile::tempdir().unwrap();
    for arch in ["amd64", "arm64"] {
        let dir = artifacts.path().join(format!("deb-{arch}"));
        fs::create_dir_all(&dir).unwrap();
        let name = apt_deb(&dir, version, arch);
        let sums = Command::new("sha256sum")
            .arg(&name)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(sums.status.success());
        fs::write(dir.join(format!("SHA256SUMS.{arch}")), sums.stdout).unwrap();
    }
    artifacts
}

/// The contexts of the APT jobs: a tag run of octo-org/tool with `given` inputs, the signing
/// key in the secrets, and build, install and release done.
fn apt_contexts(wf: &Value, given: &[(&'static str, &str)], key: &GpgKey) -> Contexts {
    let mut inputs = BTreeMap::from([
        ("package", Val::Str("hello-health".into())),
        ("relkit-ref", Val::Str("main".into())),
    ]);
    for (k, v) in given {
        inputs.insert(*k, Val::Str((*v).into()));
    }
    let mut ctx = workflow_defaults(wf, &inputs);
    for (k, v) in [
        ("github.ref", "refs/tags/v1.0.0"),
        ("github.ref_name", "v1.0.0"),
        ("github.repository", "octo-org/tool"),
        ("github.token", "ghs_testtoken0123456789abcdefSECRET"),
        ("github.sha", "ffac537e6cbbf934b08745a378932722df287a53"),
    ] {
        ctx.set(k, Val::Str(v.into()));
    }
    ctx.set("secrets.GPG_PRIVATE_KEY", Val::Str(key.secret.clone()));
    for job in ["build", "install", "release"] {
        ctx.set(&format!("needs.{job}.result"), Val::Str("success".into()));
    }
    ctx
}

/// A tag run of octo-org/tool whose repository is `source`, with `artifacts`.
fn apt_run<'a>(wf: &'a Value, source: &'a Path, artifacts: &'a Path) -> WorkflowRun<'a> {
    let (_, mut run) = tag_run(wf, source, artifacts, Contexts::default(), "octo-org/tool");
    run.env
        .insert("GITHUB_REPOSITORY_OWNER".into(), "octo-org".into());
    run
}

/// `git` in `dir`, its stdout.
fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// gpg's verdict on a cleartext-signed file with `key`'s keyring.
fn gpg_verifies(key: &GpgKey, signed: &[u8]) -> bool {
    let file = tempfile::NamedTempFile::new().unwrap();
    fs::write(file.path(), signed).unwrap();
    Command::new("gpg")
        .args(["--batch", "--quiet", "--verify"])
        .arg(file.path())
        .env("GNUPGHOME", key.home.path())
        .output()
        .unwrap()
        .status
        .success()
}

fn apt_trace(trace: &Trace) -> Vec<String> {
    trace
        .iter()
        .map(|(job, step, how)| format!("{job}/{step}: {how}"))
        .collect()
}

#[test]
fn build_packages_publishes_the_apt_repository_to_a_branch() {
    let wf = load(".github/workflows/build-packages.yml");
    let key = gpg_key();
    // The caller's repository as GitHub holds it: a bare repository, cloned by the job's
    // checkout and pushed to.
    let example = example_repository();
    let hosting = tempfile::tempdir().unwrap();
    let remote = hosting.path().join("tool.git");
    git(
        hosting.path(),
        &[
            "clone",
            "-q",
            "--bare",
            &example.path().display().to_string(),
            "tool.git",
        ],
    );
    let main_before = git_out(&remote, &["rev-parse", "main"]);
    let ctx = apt_contexts(&wf, &[("apt-repository", "branch")], &key);
    assert!(condition(
        get(get(get(&wf, "jobs").unwrap(), "apt-repo").unwrap(), "if"),
        &ctx
    ));
    let publish = |artifacts: &Path, ctx: Contexts, trace: &mut Trace| {
        apt_run(&wf, &remote, artifacts)
            .job("apt-repo", ctx)
            .run(trace)
    };

    // First release: gh-pages does not exist yet; it is made with the repository alone.
    let v1 = apt_artifacts("1.0.0");
    let mut trace = Trace::new();
    let first = publish(v1.path(), ctx.clone(), &mut trace);
    let out = &first.steps["publish"];
    assert_eq!(out["changed"], "true");
    assert_eq!(out["packages"], "2");
    assert_eq!(
        out["added"],
        "hello-health_1.0.0_amd64\nhello-health_1.0.0_arm64"
    );
    assert_eq!(out["fingerprint"], key.fingerprint);
    assert_eq!(
        out["apt-line"],
        "deb [signed-by=/etc/apt/keyrings/hello-health.gpg] https://octo-org.github.io/tool stable main"
    );
    assert_eq!(
        apt_trace(&trace),
        [
            "apt-repo/Check out relkit (its actions): emulated",
            "apt-repo/settings: ran",
            "apt-repo/Download every architecture's packages: emulated",
            "apt-repo/parts: ran",
            "apt-repo/Verify the downloads: ran",
            "apt-repo/Check out the repository for apt-branch: emulated",
            "apt-repo/branch: ran",
            "apt-repo/publish: ran",
            "apt-repo/Commit the repository and push apt-branch: ran",
        ]
    );
    assert!(first
        .logs
        .contains("apt-branch gh-pages does not exist yet"));
    let files = git_out(&remote, &["ls-tree", "-r", "--name-only", "gh-pages"]);
    let files: Vec<&str> = files.lines().collect();
    for expected in [
        ".nojekyll",
        "KEY.asc",
        "KEY.gpg",
        "dists/stable/InRelease",
        "dists/stable/Release",
        "dists/stable/Release.gpg",
        "dists/stable/main/binary-amd64/Packages",
        "dists/stable/main/binary-arm64/Packages.xz",
        "pool/main/h/hello-health/hello-health_1.0.0_amd64.deb",
        "pool/main/h/hello-health/hello-health_1.0.0_arm64.deb",
    ] {
        assert!(
            files.contains(&expected),
            "gh-pages lacks {expected}: {files:#?}"
        );
    }
    // Only the repository: nothing of the caller's sources came along into the orphan branch.
    assert!(
        files
            .iter()
            .all(|f| !f.starts_with("debian/") && !f.starts_with("src/")),
        "{files:#?}"
    );
    let in_release = Command::new("git")
        .args(["show", "gh-pages:dists/stable/InRelease"])
        .current_dir(&remote)
        .output()
        .unwrap()
        .stdout;
    assert!(
        gpg_verifies(&key, &in_release),
        "InRelease is signed by the secret's key"
    );
    assert_eq!(
        git_out(&remote, &["rev-list", "--count", "gh-pages"]),
        "1\n"
    );
    let message = git_out(
        &remote,
        &["log", "-1", "--format=%an <%ae>%n%B", "gh-pages"],
    );
    assert_eq!(
        message,
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\n\
         APT repository: packages of v1.0.0\n\nAdded:\nhello-health_1.0.0_amd64\nhello-health_1.0.0_arm64\n\n"
    );
    assert_eq!(git_out(&remote, &["rev-parse", "main"]), main_before);
    let key_body = key.secret.lines().nth(3).unwrap().to_string();
    assert!(
        !first.logs.contains(&key_body),
        "the private key reached the log"
    );

    // The same packages again (a re-run): nothing changes, nothing is pushed.
    let mut trace = Trace::new();
    let again = publish(v1.path(), ctx.clone(), &mut trace);
    assert_eq!(again.steps["publish"]["changed"], "false");
    assert!(again.logs.contains("apt-branch gh-pages at "));
    assert_eq!(
        apt_trace(&trace).last().map(String::as_str),
        Some("apt-repo/Commit the repository and push apt-branch: skipped")
    );
    assert_eq!(
        git_out(&remote, &["rev-list", "--count", "gh-pages"]),
        "1\n"
    );

    // The next release, keeping one version: 1.0.1 is added on top of the branch, 1.0.0 goes.
    let v2 = apt_artifacts("1.0.1");
    let ctx = apt_contexts(
        &wf,
        &[("apt-repository", "branch"), ("apt-keep", "1")],
        &key,
    );
    let mut trace = Trace::new();
    let next = publish(v2.path(), ctx, &mut trace);
    let out = &next.steps["publish"];
    assert_eq!(out["changed"], "true");
    assert_eq!(out["packages"], "2");
    assert_eq!(
        out["removed"],
        "hello-health_1.0.0_amd64\nhello-health_1.0.0_arm64"
    );
    assert_eq!(
        git_out(&remote, &["rev-list", "--count", "gh-pages"]),
        "2\n"
    );
    let files = git_out(
        &remote,
        &["ls-tree", "-r", "--name-only", "gh-pages", "pool"],
    );
    assert_eq!(
        files,
        "pool/main/h/hello-health/hello-health_1.0.1_amd64.deb\n\
         pool/main/h/hello-health/hello-health_1.0.1_arm64.deb\n"
    );
    assert!(git_out(&remote, &["log", "-1", "--format=%B", "gh-pages"])
        .contains("\nRemoved (apt-keep):\nhello-health_1.0.0_amd64\nhello-health_1.0.0_arm64\n"));
}

#[test]
fn build_packages_refuses_an_unknown_apt_repository_mode_or_a_missing_key() {
    let wf = load(".github/workflows/build-packages.yml");
    let key = gpg_key();
    let artifacts = apt_artifacts("1.0.0");
    let source = tempfile::tempdir().unwrap();
    for (given, secret, error) in [
        (
            "gh-pages",
            true,
            "::error::input apt-repository must be none, pages or branch, got 'gh-pages'",
        ),
        (
            "branch",
            false,
            "::error::apt-repository: branch needs the GPG_PRIVATE_KEY secret to sign the repository; pass it with secrets:",
        ),
    ] {
        let mut ctx = apt_contexts(&wf, &[("apt-repository", given)], &key);
        if !secret {
            ctx.set("secrets.GPG_PRIVATE_KEY", Val::Str(String::new()));
        }
        let mut trace = Trace::new();
        let result = apt_run(&wf, source.path(), artifacts.path())
            .job("apt-repo", ctx)
            .failing()
            .run(&mut trace);
        assert_eq!(result.failed.as_deref(), Some("settings"), "{given}");
        assert!(result.logs.contains(error), "{given}: {}", result.logs);
        assert!(
            apt_trace(&trace)[2..]
                .iter()
                .all(|s| s.ends_with(": skipped")),
            "{trace:?}"
        );
    }
}

/// `python3 -m http.server` serving `dir` on a free loopback port: a stand-in for GitHub
/// Pages; returns the service and its URL.
fn serve_directory(dir: &Path) -> (Service, String) {
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--directory")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let service = Service(Some(child));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "http.server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (service, format!("http://127.0.0.1:{port}"))
}

#[test]
fn build_packages_publishes_the_apt_repository_to_pages_and_keeps_what_was_published() {
    let wf = load(".github/workflows/build-packages.yml");
    let key = gpg_key();
    let site = tempfile::tempdir().unwrap();
    let (_server, url) = serve_directory(site.path());
    let source = tempfile::tempdir().unwrap();
    let ctx = apt_contexts(
        &wf,
        &[("apt-repository", "pages"), ("apt-url", url.as_str())],
        &key,
    );
    let publish = |artifacts: &Path, trace: &mut Trace| {
        apt_run(&wf, source.path(), artifacts)
            .job("apt-pages", ctx.clone())
            .pages(site.path(), &url)
            .run(trace)
    };

    // Nothing published yet: a new repository, deployed.
    let v1 = apt_artifacts("1.0.0");
    let mut trace = Trace::new();
    let first = publish(v1.path(), &mut trace);
    assert_eq!(first.steps["publish"]["changed"], "true");
    assert_eq!(first.steps["publish"]["packages"], "2");
    assert_eq!(first.steps["deploy"]["page_url"], format!("{url}/"));
    assert_eq!(
        apt_trace(&trace),
        [
            "apt-pages/Check out relkit (its actions): emulated",
            "apt-pages/settings: ran",
            "apt-pages/Download every architecture's packages: emulated",
            "apt-pages/parts: ran",
            "apt-pages/Verify the downloads: ran",
            "apt-pages/publish: ran",
            "apt-pages/Upload the site: emulated",
            "apt-pages/deploy: emulated",
        ]
    );
    assert!(gpg_verifies(
        &key,
        &fs::read(site.path().join("dists/stable/InRelease")).unwrap()
    ));

    // The next release: the published repository is fetched back (verified) and kept.
    let v2 = apt_artifacts("1.0.1");
    let mut trace = Trace::new();
    let next = publish(v2.path(), &mut trace);
    assert_eq!(next.steps["publish"]["changed"], "true");
    assert_eq!(next.steps["publish"]["packages"], "4");
    assert_eq!(
        next.steps["publish"]["added"],
        "hello-health_1.0.1_amd64\nhello-health_1.0.1_arm64"
    );
    let pool: Vec<String> = ls(&site.path().join("pool/main/h/hello-health"));
    assert_eq!(
        pool,
        [
            "hello-health_1.0.0_amd64.deb",
            "hello-health_1.0.0_arm64.deb",
            "hello-health_1.0.1_amd64.deb",
            "hello-health_1.0.1_arm64.deb",
        ]
    );

    // A re-run of that release: nothing changes and nothing is deployed.
    fs::remove_dir_all(v2.path().join("github-pages")).unwrap();
    let mut trace = Trace::new();
    let again = publish(v2.path(), &mut trace);
    assert_eq!(again.steps["publish"]["changed"], "false");
    assert_eq!(
        apt_trace(&trace)[6..],
        [
            "apt-pages/Upload the site: skipped",
            "apt-pages/deploy: skipped",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// package.yml, end to end
// ---------------------------------------------------------------------------------------------

/// package.yml with the service's C source as the caller's project: the build command compiles
/// it per runner, smoke-check serves each binary and checks /health, the parts are merged into
/// one SHA256SUMS, and the release is made. Both matrix entries run on this machine; the second
/// is labelled as an ARM64 runner (RUNNER_ARCH) so that its artifact and partial checksums get
/// the names an arm64 runner would give them — the binary itself is this machine's.
#[test]
fn package_pipeline_runs_locally() {
    let wf = load(".github/workflows/package.yml");
    let repo = example_repository();
    let artifacts = tempfile::tempdir().unwrap();
    let given = BTreeMap::from([
        ("os", Val::Str(r#"["ubuntu-24.04", "ubuntu-24.04-arm"]"#.into())),
        (
            "build-command",
            Val::Str(
                "mkdir -p dist\ncc -O2 -Wall -o \"dist/hello-health-$RELKIT_OS-$RELKIT_ARCH$RELKIT_EXE\" src/hello-health.c\n"
                    .into(),
            ),
        ),
        ("artifacts", Val::Str("dist/hello-health-*\n".into())),
        ("smoke-command", Val::Str("dist/hello-health-{os}-{arch}{exe} {port}".into())),
        ("smoke-health", Val::Str("/health".into())),
        ("smoke-timeout", Val::Str("20s".into())),
        ("relkit-ref", Val::Str("main".into())),
    ]);
    let (base, run) = tag_run(
        &wf,
        repo.path(),
        artifacts.path(),
        workflow_defaults(&wf, &given),
        "octo-org/tool",
    );
    let mut trace = Trace::new();
    let jobs_map = get(&wf, "jobs").unwrap();

    // Without reports there is no coverage job, and the build still runs.
    let coverage_job = get(jobs_map, "coverage").unwrap();
    let build_job = get(jobs_map, "build").unwrap();
    assert!(!condition(get(coverage_job, "if"), &base));
    let mut no_gate = base.clone();
    no_gate.set("needs.coverage.result", Val::Str("skipped".into()));
    assert!(condition(get(build_job, "if"), &no_gate));
    // With reports the gate runs first, on the report the caller's command writes.
    let mut base = base;
    for (k, v) in [
        (
            "coverage-command",
            "printf 'TN:\\nSF:src/hello-health.c\\nDA:1,1\\nDA:2,1\\nDA:3,0\\nLF:3\\nLH:2\\nend_of_record\\n' > coverage.lcov",
        ),
        ("coverage-reports", "coverage.lcov"),
        ("coverage-min-lines", "60"),
    ] {
        base.set(&format!("inputs.{k}"), Val::Str(v.into()));
    }
    assert!(condition(get(coverage_job, "if"), &base));
    let coverage = run.job("coverage", base.clone()).run(&mut trace);
    assert_eq!(coverage.steps["gate"]["passed"], "true");
    assert_eq!(coverage.steps["gate"]["lines"], "66.66");
    let mut after_gate = base.clone();
    after_gate.set("needs.coverage.result", Val::Str("success".into()));

    assert!(
        condition(get(build_job, "if"), &after_gate),
        "build runs after the gate"
    );
    let matrix = get(get(build_job, "strategy").unwrap(), "matrix").unwrap();
    let Val::Json(oses) = interpolate(&text(get(matrix, "os").unwrap()), &after_gate) else {
        panic!("matrix.os is not a list");
    };
    let mut names = Vec::new();
    for (os, arch, runner_arch) in [
        ("ubuntu-24.04", "x64", "X64"),
        ("ubuntu-24.04-arm", "arm64", "ARM64"),
    ] {
        assert!(oses.as_array().unwrap().contains(&serde_json::json!(os)));
        let mut ctx = after_gate.clone();
        ctx.set("matrix.os", Val::Str(os.into()));
        assert_eq!(
            interpolate(&text(get(build_job, "runs-on").unwrap()), &ctx).render(),
            os
        );
        let build = run
            .job("build", ctx)
            .runner_arch(runner_arch)
            .run(&mut trace);
        let name = format!("hello-health-linux-{arch}");
        assert_eq!(
            build.steps["platform"]["smoke-command"],
            format!("dist/{name} {{port}}")
        );
        assert_eq!(build.steps["smoke-serve"]["passed"], "true");
        assert_eq!(build.steps["sums"]["count"], "1");
        let part = format!("SHA256SUMS.linux-{arch}");
        assert_eq!(
            ls(&artifacts.path().join(format!("relkit-part-linux-{arch}"))),
            [part, name.clone()]
        );
        names.push(name);
    }

    names.sort();
    let release_job = get(jobs_map, "release").unwrap();
    let mut ctx = after_gate.clone();
    ctx.set("needs.build.result", Val::Str("success".into()));
    assert!(
        condition(get(release_job, "if"), &ctx),
        "release runs on a tag"
    );
    // Asking for an OpenPGP signature without its key secret stops before anything is made.
    let mut refused = ctx.clone();
    refused.set("inputs.signing", Val::Str("both".into()));
    refused.set("secrets.MINISIGN_KEY", Val::Str("set".into()));
    let server = github_server::Server::start(github_server::Config::default());
    let stopped = run
        .job("release", refused)
        .api(&server)
        .failing()
        .run(&mut trace);
    assert_eq!(stopped.failed.as_deref(), Some("keys"));
    assert!(
        stopped
            .logs
            .contains("asks for an OpenPGP signature but the GPG_PRIVATE_KEY secret is not set"),
        "{}",
        stopped.logs
    );
    assert!(server.state().releases.is_empty(), "nothing published");
    drop(stopped);

    // A minisign key (with a password) in the secrets: SHA256SUMS.minisig, which minisign
    // verifies with the exported public key.
    let minisign = minisign_key("wf pass");
    ctx.set("secrets.MINISIGN_KEY", Val::Str(minisign.secret.clone()));
    ctx.set("secrets.MINISIGN_PASSPHRASE", Val::Str("wf pass".into()));
    let release = run.job("release", ctx).api(&server).run(&mut trace);
    let dist = release.workspace.path().join("dist");
    let public = &release.steps["sign-minisign"]["public-key"];
    let verified = Command::new("minisign")
        .args(["-V", "-q", "-p", public, "-m"])
        .arg(dist.join("SHA256SUMS"))
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert_eq!(
        release.steps["sign-minisign"]["fingerprint"],
        minisign.key_id
    );
    assert_eq!(
        release
            .steps
            .get("sign-openpgp")
            .and_then(|s| s.get("fingerprint")),
        None,
        "no OpenPGP key secret, no OpenPGP signature"
    );
    // Only in the mask command, which the runner consumes instead of printing.
    for line in release.logs.lines().filter(|l| l.contains("wf pass")) {
        assert_eq!(line, "::add-mask::wf pass", "the password reached the log");
    }
    let sums = fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let listed: Vec<&str> = sums_entries(&sums)
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    assert_eq!(listed, names, "SHA256SUMS merges both runners' parts");
    assert_eq!(
        ls(&dist),
        [
            "SHA256SUMS",
            "SHA256SUMS.minisig",
            names[0].as_str(),
            names[1].as_str()
        ]
    );
    let notes = fs::read_to_string(&release.steps["notes"]["notes-file"]).unwrap();
    assert_notes_list(&notes, &sums);
    for hint in [
        format!("minisign key `{}`", minisign.key_id),
        "`minisign -Vm SHA256SUMS -x SHA256SUMS.minisig".to_string(),
    ] {
        assert!(notes.contains(&hint), "notes lack {hint}:\n{notes}");
    }
    let state = server.state();
    assert_eq!(state.releases.len(), 1, "one release");
    let published = &state.releases[0];
    assert!(!published.draft && published.published, "published");
    assert_eq!(published.assets_at_publish.as_ref().map(Vec::len), Some(4));
    let outputs = &release.outputs;
    assert_eq!(outputs["version"], "1.0.0");
    assert_eq!(
        &workflow_outputs(&wf, "release", outputs),
        outputs,
        "the workflow's outputs"
    );
    assert_eq!(
        outputs["release-url"],
        release.steps["publish"]["release-url"]
    );
}

// ---------------------------------------------------------------------------------------------
// release.yml (relkit's own), its release job
// ---------------------------------------------------------------------------------------------

/// The archive the build job of release.yml uploads for `target`: the x86_64 Linux one holds
/// the relkit binaries of this test build (the release job runs its actions with them); the
/// others hold a program compiled for their target by the cross compilers, named like relkit's.
fn target_archive(work: &Path, target: &str) -> PathBuf {
    let name = format!("relkit-1.0.0-{target}");
    let dir = work.join(&name);
    fs::create_dir_all(&dir).unwrap();
    let hello = work.join("hello.c");
    fs::write(&hello, "int main(void) { return 0; }\n").unwrap();
    let cc = |compiler: &str, flags: &[&str], out: &str| {
        let status = Command::new(compiler)
            .args(flags)
            .arg(&hello)
            .arg("-o")
            .arg(dir.join(out))
            .status()
            .unwrap();
        assert!(status.success(), "{compiler} for {target}");
    };
    let mac = ["-fuse-ld=lld", "-nostdlib", "-Wl,-e,_main"];
    match target {
        "x86_64-unknown-linux-musl" => {
            // The multicall binary is all the actions need; stripped, it packs and hashes fast.
            let bin = dir.join("relkit");
            fs::copy(harness::bin_dir().join("relkit"), &bin).unwrap();
            let status = Command::new("strip").arg(&bin).status().unwrap();
            assert!(status.success(), "strip relkit");
        }
        "aarch64-unknown-linux-musl" => cc("aarch64-linux-gnu-gcc", &[], "relkit"),
        "x86_64-apple-darwin" => cc(
            "clang",
            &[&["-target", "x86_64-apple-macos11"][..], &mac].concat(),
            "relkit",
        ),
        "aarch64-apple-darwin" => cc(
            "clang",
            &[&["-target", "arm64-apple-macos11"][..], &mac].concat(),
            "relkit",
        ),
        "x86_64-pc-windows-msvc" => cc("x86_64-w64-mingw32-gcc", &[], "relkit.exe"),
        other => panic!("unknown target {other}"),
    }
    let (archive, status) = if target.contains("windows") {
        let archive = work.join(format!("{name}.zip"));
        let status = Command::new("zip")
            .args(["-qr"])
            .arg(&archive)
            .arg(&name)
            .current_dir(work)
            .status()
            .unwrap();
        (archive, status)
    } else {
        let archive = work.join(format!("{name}.tar.gz"));
        let status = Command::new("tar")
            .arg("-czf")
            .arg(&archive)
            .arg(&name)
            .current_dir(work)
            .status()
            .unwrap();
        (archive, status)
    };
    assert!(status.success(), "packing {name}");
    archive
}

#[test]
fn relkit_release_job_runs_locally() {
    let wf = load(".github/workflows/release.yml");
    let build = get(get(&wf, "jobs").unwrap(), "build").unwrap();
    let include = get(
        get(get(build, "strategy").unwrap(), "matrix").unwrap(),
        "include",
    )
    .and_then(Value::as_sequence)
    .unwrap();
    let targets: Vec<String> = include
        .iter()
        .map(|e| text(get(e, "target").unwrap()))
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc",
        ],
        "the targets actions/setup/install.sh downloads"
    );

    // relkit's repository at v1.0.0, and the build jobs' artifacts.
    let repo = tempfile::Builder::new()
        .prefix("wf-relkit-")
        .tempdir()
        .unwrap();
    let p = repo.path();
    fs::write(
        p.join("Cargo.toml"),
        "[package]\nname = \"relkit\"\nversion = \"0.9.0\"\n",
    )
    .unwrap();
    git(p, &["init", "-q", "-b", "main"]);
    git(p, &["add", "-A"]);
    git(
        p,
        &["commit", "-q", "-m", "feat: checksum manifests (FR-001)"],
    );
    git(p, &["tag", "v0.9.0"]);
    fs::write(
        p.join("Cargo.toml"),
        "[package]\nname = \"relkit\"\nversion = \"1.0.0\"\n",
    )
    .unwrap();
    git(p, &["add", "-A"]);
    git(
        p,
        &[
            "commit",
            "-q",
            "-m",
            "feat: release notes with spec references (FR-002)",
        ],
    );
    git(p, &["tag", "v1.0.0"]);
    let artifacts = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    for target in &targets {
        let archive = target_archive(work.path(), target);
        let dir = artifacts.path().join(format!("relkit-{target}"));
        fs::create_dir_all(&dir).unwrap();
        fs::copy(&archive, dir.join(archive.file_name().unwrap())).unwrap();
    }

    let (mut ctx, run) = tag_run(
        &wf,
        repo.path(),
        artifacts.path(),
        Contexts::default(),
        "relkit/relkit",
    );
    ctx.set("needs.build.result", Val::Str("success".into()));
    let server = github_server::Server::start(github_server::Config {
        owner: "relkit".to_string(),
        repo: "relkit".to_string(),
        ..github_server::Config::default()
    });
    let mut trace = Trace::new();
    let release = run.job("release", ctx).api(&server).run(&mut trace);
    // Every archive was checked (names for every target, architectures, version) first.
    assert_eq!(release.steps["check"]["result"], "pass");
    assert_eq!(release.steps["check"]["failures"], "0");
    let dist = release.workspace.path().join("dist");
    let mut archives: Vec<String> = targets
        .iter()
        .map(|t| {
            let ext = if t.contains("windows") {
                "zip"
            } else {
                "tar.gz"
            };
            format!("relkit-1.0.0-{t}.{ext}")
        })
        .collect();
    archives.sort();
    let sums = fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let listed: Vec<&str> = sums_entries(&sums)
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    assert_eq!(listed, archives, "SHA256SUMS lists every archive");
    let state = server.state();
    assert_eq!(state.releases.len(), 1, "one release");
    let published = &state.releases[0];
    assert!(!published.draft && published.published, "published");
    let mut names: Vec<&str> = published.assets.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    let mut expected: Vec<&str> = archives.iter().map(String::as_str).collect();
    expected.insert(0, "SHA256SUMS");
    assert_eq!(names, expected);
    assert_eq!(published.assets_at_publish.as_ref().map(Vec::len), Some(6));
    let notes = published.body.clone().unwrap_or_default();
    assert!(notes.contains("FR-002"), "{notes}");
}

// ---------------------------------------------------------------------------------------------
// package.yml's vulnerability gate
// ---------------------------------------------------------------------------------------------

/// An offline OSV database (`DIR/PyPI/all.zip`) holding vuln-check's jinja2 fixture records.
fn jinja2_osv_db() -> tempfile::TempDir {
    use std::io::Write;
    let db = tempfile::tempdir().unwrap();
    fs::create_dir_all(db.path().join("PyPI")).unwrap();
    let file = fs::File::create(db.path().join("PyPI/all.zip")).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    for id in ["GHSA-462w-v97r-4m45", "PYSEC-2019-217", "PYSEC-2021-66"] {
        let record = harness::crate_root().join(format!("tests/fixtures/vuln-check/osv/{id}.json"));
        zip.start_file(
            format!("{id}.json"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(&fs::read(record).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    db
}

#[test]
fn package_release_gates_on_vulnerabilities_before_publishing() {
    let wf = load(".github/workflows/package.yml");
    let db = jinja2_osv_db();
    for (pin, passes) in [("jinja2==2.11.3\n", true), ("jinja2==2.10\n", false)] {
        let repo = example_repository();
        fs::write(repo.path().join("requirements.txt"), pin).unwrap();
        // One runner's artifacts, as the build job leaves them.
        let artifacts = tempfile::tempdir().unwrap();
        let part = artifacts.path().join("relkit-part-linux-x64");
        fs::create_dir_all(&part).unwrap();
        fs::write(part.join("hello-health-linux-x64"), "binary\n").unwrap();
        let sums = Command::new("sha256sum")
            .arg("hello-health-linux-x64")
            .current_dir(&part)
            .output()
            .unwrap();
        fs::write(part.join("SHA256SUMS.linux-x64"), &sums.stdout).unwrap();
        let given = BTreeMap::from([
            ("build-command", Val::Str("true".into())),
            ("artifacts", Val::Str("dist/*\n".into())),
            ("relkit-ref", Val::Str("main".into())),
        ]);
        let (base, mut run) = tag_run(
            &wf,
            repo.path(),
            artifacts.path(),
            workflow_defaults(&wf, &given),
            "octo-org/tool",
        );
        run.env
            .insert("VULN_CHECK_DB".to_string(), db.path().display().to_string());
        let mut ctx = base.clone();
        ctx.set("needs.build.result", Val::Str("success".into()));
        let server = github_server::Server::start(github_server::Config::default());
        let mut trace = Trace::new();
        if passes {
            let release = run.job("release", ctx).api(&server).run(&mut trace);
            assert_eq!(release.steps["lockfiles"]["found"], "true");
            assert_eq!(release.steps["vulns"]["passed"], "true");
            assert_eq!(release.steps["vulns"]["total"], "0");
            let dist = release.workspace.path().join("dist");
            assert_eq!(
                ls(&dist),
                [
                    "SBOM.cdx.json",
                    "SHA256SUMS",
                    "VULNERABILITIES.cdx.json",
                    "hello-health-linux-x64"
                ]
            );
            let sums = fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
            let listed: Vec<&str> = sums_entries(&sums).into_iter().map(|(_, n)| n).collect();
            assert_eq!(
                listed,
                [
                    "SBOM.cdx.json",
                    "VULNERABILITIES.cdx.json",
                    "hello-health-linux-x64"
                ]
            );
            let state = server.state();
            assert_eq!(state.releases.len(), 1);
            assert_eq!(
                state.releases[0].assets_at_publish.as_ref().map(Vec::len),
                Some(4)
            );
        } else {
            // The gate fails the job before the draft release is even created.
            let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run.job("release", ctx).api(&server).run(&mut trace)
            }));
            let message = failed
                .err()
                .and_then(|p| p.downcast::<String>().ok())
                .expect("the release job fails");
            assert!(
                message.starts_with("release/vulns (./.relkit/actions/vuln-check) failed:"),
                "{message}"
            );
            assert!(
                message.contains("jinja2 2.10 is affected by GHSA-462w-v97r-4m45 (high)"),
                "{message}"
            );
            assert!(server.state().releases.is_empty(), "nothing published");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// deploy.yml, end to end
// ---------------------------------------------------------------------------------------------

/// The example backend as its own repository: v1.0.0 healthy, then v1.1.0 and v1.2.0 whose
/// /api/health answers 503; returns it and the three commits.
fn backend_repository() -> (tempfile::TempDir, [String; 3]) {
    let repo = tempfile::Builder::new()
        .prefix("wf-backend-")
        .tempdir()
        .unwrap();
    let example = harness::crate_root().join("examples/backend");
    for item in ["app", "tests", "deploy", "requirements.txt"] {
        let status = Command::new("cp")
            .arg("-a")
            .arg(example.join(item))
            .arg(repo.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let p = repo.path();
    git(p, &["init", "-q", "-b", "main"]);
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "feat: health endpoint (FR-006)"]);
    let main_py = p.join("app/main.py");
    let good = fs::read_to_string(&main_py).unwrap();
    let healthy = "    return {\"status\": \"ok\", \"version\": VERSION, \"checks\": {\"app\": {\"ok\": True}}}";
    assert!(
        good.contains(healthy),
        "examples/backend/app/main.py changed"
    );
    for (i, version) in ["1.1.0", "1.2.0"].iter().enumerate() {
        let broken = good
            .replace("from fastapi import FastAPI", "from fastapi import FastAPI, HTTPException")
            .replace(
                healthy,
                &format!("    raise HTTPException(status_code=503, detail=\"database unreachable ({i})\")"),
            )
            .replace("VERSION = \"1.0.0\"", &format!("VERSION = \"{version}\""));
        fs::write(&main_py, broken).unwrap();
        git(
            p,
            &["commit", "-q", "-am", &format!("feat: version {version}")],
        );
    }
    let shas: Vec<String> = ["HEAD~2", "HEAD~1", "HEAD"]
        .iter()
        .map(|r| {
            let out = Command::new("git")
                .args(["rev-parse", r])
                .current_dir(p)
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        })
        .collect();
    (repo, [shas[0].clone(), shas[1].clone(), shas[2].clone()])
}

/// The stand-in platform of the example (`deploy/standin.sh`): its directory and port; stops
/// the service it runs when the test ends, however it ends.
struct Standin {
    root: tempfile::TempDir,
    port: u16,
}

impl Standin {
    fn new() -> Standin {
        Standin {
            root: tempfile::Builder::new()
                .prefix("wf-standin-")
                .tempdir()
                .unwrap(),
            port: free_port(),
        }
    }
    fn command(&self) -> String {
        format!(
            "STANDIN_ROOT={} STANDIN_PORT={} bash deploy/standin.sh",
            self.root.path().display(),
            self.port
        )
    }
    /// The version the platform runs now.
    fn serving(&self) -> String {
        fs::read_to_string(self.root.path().join("current.version"))
            .unwrap_or_default()
            .trim()
            .to_string()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        if let Ok(pid) = fs::read_to_string(self.root.path().join("current.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

/// One run of deploy.yml for `sha` as `version`, against `server`, notifying `receiver`.
struct DeployCase<'a> {
    server: &'a github_server::Server,
    receiver: &'a webhook_server::Receiver,
    standin: &'a Standin,
    repo: &'a Path,
}

/// The notification template the cases compare whole.
const DEPLOY_TEMPLATE: &str =
    "{state} {environment} {version} {sha7} rollback={rollback_state} to={rollback_version}";

impl DeployCase<'_> {
    fn contexts(&self, wf: &Value, sha: &str, version: &str, extra: &[(&str, Val)]) -> Contexts {
        let mut given: BTreeMap<&str, Val> = BTreeMap::from([
            ("environment", Val::Str("production".into())),
            ("deploy-command", Val::Str(self.standin.command())),
            (
                "health-url",
                Val::Str(format!("http://127.0.0.1:{}/api/health", self.standin.port)),
            ),
            ("health-timeout", Val::Str("10s".into())),
            ("ref", Val::Str(sha.into())),
            ("version", Val::Str(version.into())),
            (
                "environment-url",
                Val::Str(format!("http://127.0.0.1:{}/", self.standin.port)),
            ),
            (
                "coverage-command",
                Val::Str(
                    "python3 -m coverage run --source=app -m unittest discover -s tests && python3 -m coverage xml"
                        .into(),
                ),
            ),
            ("coverage-reports", Val::Str("coverage.xml".into())),
            ("notify-template", Val::Str(DEPLOY_TEMPLATE.into())),
            ("relkit-ref", Val::Str("main".into())),
        ]);
        for (k, v) in extra {
            given.insert(k, v.clone());
        }
        let mut ctx = workflow_defaults(wf, &given);
        for (k, v) in [
            ("github.sha", sha),
            ("github.ref_name", "main"),
            ("github.repository", "octo-org/tool"),
        ] {
            ctx.set(k, Val::Str(v.into()));
        }
        ctx.set("secrets.webhook-url", Val::Str(self.receiver.url()));
        ctx.set("needs.coverage.result", Val::Str("success".into()));
        ctx
    }

    /// Runs the deploy job (`failing`: the test expects it to fail); returns it and the trace.
    fn run(&self, wf: &Value, ctx: Contexts, failing: bool) -> (JobResult, Vec<String>) {
        let artifacts = tempfile::tempdir().unwrap();
        let run = WorkflowRun {
            workflow: wf,
            source: self.repo,
            artifacts: artifacts.path(),
            env: BTreeMap::from([
                ("GITHUB_REPOSITORY".to_string(), "octo-org/tool".to_string()),
                ("RELKIT_DEPLOY_RETRY_BASE".to_string(), "50ms".to_string()),
            ]),
            github: vec![("repository", "octo-org/tool".to_string())],
        };
        let mut trace = Trace::new();
        let mut job = run.job("deploy", ctx).api(self.server);
        if failing {
            job = job.failing();
        }
        let result = job.run(&mut trace);
        let steps = trace
            .iter()
            .map(|(_, step, outcome)| format!("{step}: {outcome}"))
            .collect();
        (result, steps)
    }

    /// The notifications received so far, as their `text`.
    fn notifications(&self) -> Vec<String> {
        self.receiver
            .received()
            .iter()
            .filter(|r| r.answer == webhook_server::Answer::Accept)
            .map(|r| r.json()["text"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// Prints the time from the newest final status on GitHub to the newest notification.
    fn report_latency(&self, case: &str) {
        let last_status = self
            .server
            .deployments()
            .iter()
            .flat_map(|d| d.statuses.clone())
            .filter(|s| s.state != "in_progress")
            .map(|s| s.at)
            .max()
            .unwrap();
        let received = self.receiver.received().last().unwrap().at;
        println!(
            "deploy.yml {case}: status change -> notification received in {} ms (spec: under 30 s)",
            received.saturating_duration_since(last_status).as_millis()
        );
    }
}

/// Each deployment's version and its states on the test GitHub server, oldest first.
fn deployment_history(server: &github_server::Server) -> Vec<(String, String, Vec<String>)> {
    server
        .deployments()
        .iter()
        .map(|d| {
            (
                d.payload["version"].as_str().unwrap_or("").to_string(),
                d.sha.clone(),
                d.statuses.iter().map(|s| s.state.clone()).collect(),
            )
        })
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

const DEPLOY_STEPS_OK: &[&str] = &[
    "Check out the repository: emulated",
    "Check out relkit (its actions): emulated",
    "Which relkit release: ran",
    "start: ran",
    "deploy: ran",
    "health: ran",
    "verdict: ran",
    "finish: ran",
    "previous: skipped",
    "rollback-start: skipped",
    "rollback: skipped",
    "rollback-health: skipped",
    "outcome: ran",
    "rollback-finish: skipped",
    "target: ran",
    "notify: ran",
    "Fail the job when the deployment failed: skipped",
];

/// Success: the coverage gate passes on the example's own tests, the deployment is recorded with
/// its version and commit, the health check passes, and the notification says so.
#[test]
fn deploy_workflow_success_records_checks_and_notifies() {
    let wf = load(".github/workflows/deploy.yml");
    let (repo, shas) = backend_repository();
    let server = github_server::Server::start(github_server::Config::default());
    let receiver = webhook_server::Receiver::accepting();
    let standin = Standin::new();
    let case = DeployCase {
        server: &server,
        receiver: &receiver,
        standin: &standin,
        repo: repo.path(),
    };
    let ctx = case.contexts(&wf, &shas[0], "v1.0.0", &[]);

    // The coverage job: coverage.py on the example's tests, gated at the default 70 %.
    let artifacts = tempfile::tempdir().unwrap();
    let run = WorkflowRun {
        workflow: &wf,
        source: repo.path(),
        artifacts: artifacts.path(),
        env: BTreeMap::new(),
        github: vec![("repository", "octo-org/tool".to_string())],
    };
    let mut trace = Trace::new();
    let coverage = run.job("coverage", ctx.clone()).run(&mut trace);
    assert!(coverage.logs.contains("coverage-gate"), "{}", coverage.logs);
    assert_eq!(
        trace.iter().map(|t| t.2).collect::<Vec<_>>(),
        ["emulated", "emulated", "ran", "ran", "ran"]
    );

    let (job, steps) = case.run(&wf, ctx, false);
    assert_eq!(steps, strings(DEPLOY_STEPS_OK));
    assert_eq!(job.outputs["state"], "success");
    assert_eq!(job.outputs["rollback-state"], "");
    assert_eq!(
        deployment_history(&server),
        vec![(
            "v1.0.0".into(),
            shas[0].clone(),
            strings(&["in_progress", "success"])
        )]
    );
    let d = &server.deployments()[0];
    assert_eq!((d.environment.as_str(), d.production), ("production", true));
    assert_eq!(
        d.statuses[1].environment_url,
        format!("http://127.0.0.1:{}/", standin.port)
    );
    assert_eq!(standin.serving(), "v1.0.0");
    assert_eq!(
        case.notifications(),
        [format!(
            "success production v1.0.0 {} rollback= to=",
            &shas[0][..7]
        )]
    );
    // The webhook URL never reaches a log but as the value to mask.
    let rest = job
        .logs
        .replace(&format!("::add-mask::{}", receiver.url()), "");
    assert!(!rest.contains("xoxbSecretPathToken"), "{}", job.logs);
    case.report_latency("success");
}

/// The health check fails (503): the deployment is `failure`, the last successful one is
/// redeployed and checked, recorded as its own deployment, and the notification tells both.
#[test]
fn deploy_workflow_health_failure_rolls_back() {
    let wf = load(".github/workflows/deploy.yml");
    let (repo, shas) = backend_repository();
    let server = github_server::Server::start(github_server::Config::default());
    let receiver = webhook_server::Receiver::accepting();
    let standin = Standin::new();
    let case = DeployCase {
        server: &server,
        receiver: &receiver,
        standin: &standin,
        repo: repo.path(),
    };
    let (first, _) = case.run(&wf, case.contexts(&wf, &shas[0], "v1.0.0", &[]), false);
    assert_eq!(first.outputs["state"], "success");
    let (job, steps) = case.run(&wf, case.contexts(&wf, &shas[1], "v1.1.0", &[]), true);
    assert_eq!(
        steps,
        strings(&[
            "Check out the repository: emulated",
            "Check out relkit (its actions): emulated",
            "Which relkit release: ran",
            "start: ran",
            "deploy: ran",
            "health: ran",
            "verdict: ran",
            "finish: ran",
            "previous: ran",
            "rollback-start: ran",
            "rollback: ran",
            "rollback-health: ran",
            "outcome: ran",
            "rollback-finish: ran",
            "target: ran",
            "notify: ran",
            "Fail the job when the deployment failed: ran",
        ])
    );
    assert_eq!(
        job.failed.as_deref(),
        Some("Fail the job when the deployment failed")
    );
    assert_eq!(
        (
            job.outputs["state"].as_str(),
            job.outputs["rollback-state"].as_str(),
            job.outputs["rollback-version"].as_str()
        ),
        ("failure", "success", "v1.0.0")
    );
    assert_eq!(
        deployment_history(&server),
        vec![
            (
                "v1.0.0".into(),
                shas[0].clone(),
                strings(&["in_progress", "success"])
            ),
            (
                "v1.1.0".into(),
                shas[1].clone(),
                strings(&["in_progress", "failure"])
            ),
            (
                "v1.0.0".into(),
                shas[0].clone(),
                strings(&["in_progress", "success"])
            ),
        ]
    );
    assert_eq!(
        server.deployments()[2].description.as_deref(),
        Some("Rollback to v1.0.0")
    );
    assert_eq!(standin.serving(), "v1.0.0");
    let sha7 = |i: usize| shas[i][..7].to_string();
    assert_eq!(
        case.notifications(),
        [
            format!("success production v1.0.0 {} rollback= to=", sha7(0)),
            format!(
                "failure production v1.1.0 {} rollback=success to=v1.0.0",
                sha7(1)
            ),
        ]
    );
    assert!(
        job.logs
            .contains("the deployment failed (deploy command: success, health check: failure)"),
        "{}",
        job.logs
    );
    case.report_latency("health failure, rollback succeeded");
}

/// The version rolled back to fails its health check too (recorded as a success earlier): both
/// deployments are `failure`, the job fails, and the notification says the rollback failed.
#[test]
fn deploy_workflow_rollback_failing_too_is_reported() {
    let wf = load(".github/workflows/deploy.yml");
    let (repo, shas) = backend_repository();
    let server = github_server::Server::start(github_server::Config::default());
    let receiver = webhook_server::Receiver::accepting();
    let standin = Standin::new();
    let case = DeployCase {
        server: &server,
        receiver: &receiver,
        standin: &standin,
        repo: repo.path(),
    };
    // v1.1.0 passed once (its health broke since); recorded as GitHub would have it.
    let deploy_bin = harness::bin_dir().join("deploy");
    let record = |args: &[&str]| {
        let out = Command::new(&deploy_bin)
            .args(args)
            .args([
                "--api-url",
                &server.api_url(),
                "--repo",
                "octo-org/tool",
                "--json",
            ])
            .env("GITHUB_TOKEN", &server.config().token)
            .env_remove("GITHUB_ACTIONS")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let seeded = record(&[
        "start",
        "--environment",
        "production",
        "--ref",
        &shas[1],
        "--version",
        "v1.1.0",
    ]);
    let id = seeded["deployment"]["id"].to_string();
    record(&["finish", "--id", &id, "--state", "success"]);

    let (job, _) = case.run(&wf, case.contexts(&wf, &shas[2], "v1.2.0", &[]), true);
    assert_eq!(
        (
            job.outputs["state"].as_str(),
            job.outputs["rollback-state"].as_str(),
            job.outputs["rollback-version"].as_str()
        ),
        ("failure", "failure", "v1.1.0")
    );
    assert_eq!(
        deployment_history(&server),
        vec![
            (
                "v1.1.0".into(),
                shas[1].clone(),
                strings(&["in_progress", "success"])
            ),
            (
                "v1.2.0".into(),
                shas[2].clone(),
                strings(&["in_progress", "failure"])
            ),
            (
                "v1.1.0".into(),
                shas[1].clone(),
                strings(&["in_progress", "failure"])
            ),
        ]
    );
    assert_eq!(
        case.notifications(),
        [format!(
            "failure production v1.2.0 {} rollback=failure to=v1.1.0",
            &shas[2][..7]
        )]
    );
    assert!(
        job.logs
            .contains("the rollback failed too (deploy command: success, health check: failure)"),
        "{}",
        job.logs
    );
    case.report_latency("rollback failed too");
}

/// Nothing succeeded before: `previous` refuses to guess, no rollback is tried, and the
/// notification says there was none.
#[test]
fn deploy_workflow_without_previous_deployment_does_not_guess() {
    let wf = load(".github/workflows/deploy.yml");
    let (repo, shas) = backend_repository();
    let server = github_server::Server::start(github_server::Config::default());
    let receiver = webhook_server::Receiver::accepting();
    let standin = Standin::new();
    let case = DeployCase {
        server: &server,
        receiver: &receiver,
        standin: &standin,
        repo: repo.path(),
    };
    let (job, steps) = case.run(&wf, case.contexts(&wf, &shas[1], "v1.1.0", &[]), true);
    assert_eq!(
        steps[8..14],
        strings(&[
            "previous: ran",
            "rollback-start: skipped",
            "rollback: skipped",
            "rollback-health: skipped",
            "outcome: ran",
            "rollback-finish: skipped",
        ])
    );
    assert_eq!(job.steps["previous"]["found"], "false");
    assert_eq!(
        (
            job.outputs["state"].as_str(),
            job.outputs["rollback-state"].as_str()
        ),
        ("failure", "none")
    );
    assert_eq!(
        deployment_history(&server),
        vec![(
            "v1.1.0".into(),
            shas[1].clone(),
            strings(&["in_progress", "failure"])
        )]
    );
    assert_eq!(
        case.notifications(),
        [format!(
            "failure production v1.1.0 {} rollback=none to=",
            &shas[1][..7]
        )]
    );
    assert!(
        job.logs
            .contains("no earlier successful deployment to production before"),
        "{}",
        job.logs
    );
    case.report_latency("no previous deployment");
}

/// The notification endpoint is down (500 on every try): the deployment still succeeds, with a
/// warning; with notify-required the job fails instead.
#[test]
fn deploy_workflow_with_notification_endpoint_down_warns() {
    let wf = load(".github/workflows/deploy.yml");
    let (repo, shas) = backend_repository();
    let server = github_server::Server::start(github_server::Config::default());
    let receiver = webhook_server::Receiver::start(Vec::new(), webhook_server::Answer::Fail(500));
    let standin = Standin::new();
    let case = DeployCase {
        server: &server,
        receiver: &receiver,
        standin: &standin,
        repo: repo.path(),
    };
    let (job, steps) = case.run(&wf, case.contexts(&wf, &shas[0], "v1.0.0", &[]), false);
    assert_eq!(steps, strings(DEPLOY_STEPS_OK));
    assert_eq!(job.outputs["state"], "success");
    assert_eq!(job.steps["notify"]["delivered"], "false");
    assert_eq!(receiver.received().len(), 4, "the default 4 attempts");
    assert!(
        job.logs
            .contains("not delivered: gave up after 4 attempt(s)")
            && job.logs.contains("the deployment is unaffected"),
        "{}",
        job.logs
    );
    assert_eq!(
        deployment_history(&server),
        vec![(
            "v1.0.0".into(),
            shas[0].clone(),
            strings(&["in_progress", "success"])
        )]
    );
    let rest = job
        .logs
        .replace(&format!("::add-mask::{}", receiver.url()), "");
    assert!(!rest.contains("xoxbSecretPathToken"), "{}", job.logs);

    let ctx = case.contexts(
        &wf,
        &shas[0],
        "v1.0.0",
        &[("notify-required", Val::Bool(true))],
    );
    let (job, _) = case.run(&wf, ctx, true);
    assert_eq!(job.failed.as_deref(), Some("notify"));
    assert_eq!(receiver.received().len(), 8);
}
