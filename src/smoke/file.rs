//! `--checks FILE`: several checks for one run, in TOML (or JSON when the name ends in `.json`).
//!
//! Each `[[check]]` table holds exactly one of `run`, `http`, `tcp` or `serve` (the command as
//! an array, or the URLs/addresses as a string or array) and that subcommand's long options
//! without the dashes. Every table is turned into the subcommand's command line and parsed by
//! the same clap definition as the command line, so the file accepts exactly what the CLI
//! accepts and says so in the same words:
//!
//! ```toml
//! [[check]]
//! serve = ["./dist/app", "--port", "{port}"]
//! port = "8000-8010"
//! health = "/api/health"
//! probe = ["/api/version=200"]
//!
//! [[check]]
//! http = "https://staging.example.com/health"
//! json = { status = "ok", "checks.db.ok" = true }
//! max-latency = "2s"
//! retries = 3
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;

use clap::Parser;
use serde::Deserialize;

use super::{Command, Error};
use crate::exit::FileError;

/// The subcommands a check table may name.
const KINDS: [&str; 4] = ["run", "http", "tcp", "serve"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecksFile {
    check: Vec<BTreeMap<String, Value>>,
}

/// A scalar option value.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(n) => n.to_string(),
            Scalar::Float(x) => x.to_string(),
            Scalar::Text(s) => s.clone(),
        }
    }
}

/// An option value: a scalar, a list (a repeated option) or a table (`json`, `env`, `header`,
/// `probe`: one `KEY=VALUE` option per entry).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Value {
    Scalar(Scalar),
    List(Vec<Scalar>),
    Table(BTreeMap<String, Scalar>),
}

/// The one-subcommand parser a check table is fed to.
#[derive(Debug, Parser)]
#[command(name = "check", no_binary_name = true)]
struct One {
    #[command(subcommand)]
    command: Command,
}

/// Reads and validates the checks in `path`.
pub fn load(path: &Path) -> Result<Vec<Command>, Error> {
    let shown = path.to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
        path: shown.clone(),
        source,
    })?;
    parse(&text, is_json(path)).map_err(|message| Error::ChecksFile {
        path: shown,
        message,
    })
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Parses the text of a checks file into subcommands.
fn parse(text: &str, json: bool) -> Result<Vec<Command>, String> {
    let file: ChecksFile = if json {
        serde_json::from_str(text).map_err(|e| format!("not valid checks JSON: {e}"))?
    } else {
        toml::from_str(text).map_err(|e| format!("not valid checks TOML: {e}"))?
    };
    if file.check.is_empty() {
        return Err("no checks; add a [[check]] table".to_string());
    }
    file.check
        .iter()
        .enumerate()
        .map(|(i, table)| {
            let argv = argv(table).map_err(|e| format!("check {}: {e}", i + 1))?;
            One::try_parse_from(argv)
                .map(|one| one.command)
                .map_err(|e| format!("check {}: {}", i + 1, clap_message(&e)))
        })
        .collect()
}

/// The first line of a clap error, without its `error: ` prefix.
fn clap_message(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("");
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

/// The subcommand line of one check table.
fn argv(table: &BTreeMap<String, Value>) -> Result<Vec<OsString>, String> {
    let kinds: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|k| table.contains_key(*k))
        .collect();
    let [kind] = kinds.as_slice() else {
        return Err(format!(
            "needs exactly one of {}, found {}",
            KINDS.join(", "),
            if kinds.is_empty() {
                "none".to_string()
            } else {
                kinds.join(", ")
            }
        ));
    };
    let mut argv: Vec<OsString> = vec![(*kind).into()];
    for (key, value) in table.iter().filter(|(k, _)| k.as_str() != *kind) {
        let flag = format!("--{key}");
        match value {
            Value::Scalar(Scalar::Bool(true)) => argv.push(flag.into()),
            Value::Scalar(Scalar::Bool(false)) => {}
            Value::Scalar(s) => argv.extend([flag.into(), s.text().into()]),
            Value::List(items) => {
                for item in items {
                    argv.extend([flag.clone().into(), item.text().into()]);
                }
            }
            Value::Table(entries) => {
                let join = if key == "header" { ":" } else { "=" };
                for (k, v) in entries {
                    argv.extend([flag.clone().into(), format!("{k}{join}{}", v.text()).into()]);
                }
            }
        }
    }
    let positional: Vec<String> = match &table[*kind] {
        Value::Scalar(s) => vec![s.text()],
        Value::List(items) => items.iter().map(Scalar::text).collect(),
        Value::Table(_) => {
            return Err(format!(
                "'{kind}' must be a string or an array, e.g. {}",
                if matches!(*kind, "run" | "serve") {
                    "[\"./dist/app\", \"--version\"]"
                } else {
                    "\"http://localhost:8000/health\""
                }
            ))
        }
    };
    if matches!(*kind, "run" | "serve") {
        argv.push("--".into());
    }
    argv.extend(positional.into_iter().map(OsString::from));
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_become_subcommands() {
        let text = r#"
[[check]]
serve = ["./app", "--port", "{port}"]
port = "8000-8010"
health = "/api/health"
probe = ["/api/version=200", "/metrics=2xx"]
env = { RUST_LOG = "info" }
require-graceful = true

[[check]]
http = "http://localhost:8000/health"
json = { status = "ok", "checks.db.ok" = true }
header = { Accept = "application/json" }
retries = 3
"#;
        let commands = parse(text, false).unwrap();
        let Command::Serve(serve) = &commands[0] else {
            panic!("{commands:?}")
        };
        assert_eq!(
            serve.launch.command,
            vec![OsString::from("./app"), "--port".into(), "{port}".into()]
        );
        assert_eq!(serve.port, Some(crate::smoke::PortSpec::Range(8000, 8010)));
        assert_eq!(serve.probe.len(), 2);
        assert_eq!(
            serve.launch.env,
            vec![("RUST_LOG".to_string(), "info".to_string())]
        );
        assert!(serve.require_graceful);
        let Command::Http(http) = &commands[1] else {
            panic!("{commands:?}")
        };
        let fields: Vec<String> = http
            .json_fields
            .iter()
            .map(|j| format!("{}={}", j.path, j.value))
            .collect();
        assert_eq!(fields, vec!["checks.db.ok=true", "status=ok"]);
        assert_eq!(http.headers[0].value, "application/json");
        assert_eq!(http.retries, Some(3));
    }

    #[test]
    fn json_files_work_the_same() {
        let commands = parse(
            r#"{"check": [{"tcp": ["localhost:5432"], "timeout": "5s"}]}"#,
            true,
        )
        .unwrap();
        assert!(matches!(&commands[0], Command::Tcp(t) if t.targets.len() == 1));
    }

    #[test]
    fn mistakes_name_the_check() {
        let err = |text: &str| parse(text, false).unwrap_err();
        assert_eq!(
            err("[[check]]\nhttp = \"http://x/\"\ntcp = \"x:1\"\n"),
            "check 1: needs exactly one of run, http, tcp, serve, found http, tcp"
        );
        assert_eq!(
            err("[[check]]\ntcp = \"x:1\"\ntimeout = \"5\"\n"),
            "check 1: invalid value '5' for '--timeout <DUR>': '5' has no unit; write e.g. '5s' or '5ms'"
        );
        assert!(err("[[check]]\ntcp = \"x:1\"\nbogus = 1\n")
            .starts_with("check 1: unexpected argument '--bogus'"));
        assert_eq!(err("check = []\n"), "no checks; add a [[check]] table");
        assert!(err("[[check]\n").starts_with("not valid checks TOML"));
    }
}
