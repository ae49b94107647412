//! GitHub Actions I/O: step outputs, job summaries, annotations, log groups and secret masks,
//! with the runner's escaping rules; outside Actions the same calls print plain human text and
//! touch no files.
//!
//! Workflow commands go to stderr. The runner scans both streams for `::` commands, and keeping
//! them off stdout leaves stdout for the data a tool prints (a manifest, a `--json` document).

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::PathBuf;

use crate::exit::FileError;

/// How serious an annotation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `::error`
    Error,
    /// `::warning`
    Warning,
    /// `::notice`
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// An annotation on a file and line range, shown by GitHub next to the code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotation {
    /// Short title shown in bold.
    pub title: Option<String>,
    /// Repository-relative file.
    pub file: Option<String>,
    /// First line (1-based).
    pub line: Option<u64>,
    /// Last line (1-based, inclusive).
    pub end_line: Option<u64>,
    /// Column (1-based).
    pub col: Option<u64>,
    /// The message.
    pub message: String,
}

impl Annotation {
    /// An annotation with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        Annotation {
            message: message.into(),
            ..Annotation::default()
        }
    }

    /// Sets the file and, optionally, the line.
    pub fn at(mut self, file: impl Into<String>, line: Option<u64>) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// Escapes the data part of a workflow command (after the final `::`).
///
/// <https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts>: `%`, CR and LF.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command: as data, plus `:` and `,` which delimit
/// properties.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Formats one workflow command line (without the trailing newline).
pub fn format_command(name: &str, properties: &[(&str, String)], data: &str) -> String {
    let mut line = format!("::{name}");
    let mut first = true;
    for (key, value) in properties {
        line.push(if first { ' ' } else { ',' });
        first = false;
        line.push_str(key);
        line.push('=');
        line.push_str(&escape_property(value));
    }
    line.push_str("::");
    line.push_str(&escape_data(data));
    line
}

/// A handle on the GitHub Actions runner, or on a plain terminal when not inside Actions.
#[derive(Debug, Clone, Default)]
pub struct Gha {
    actions: bool,
    output_file: Option<PathBuf>,
    summary_file: Option<PathBuf>,
}

impl Gha {
    /// Reads the environment: inside Actions when `GITHUB_ACTIONS=true`.
    pub fn from_env() -> Self {
        let actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        let file = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if actions {
            Gha {
                actions,
                output_file: file("GITHUB_OUTPUT"),
                summary_file: file("GITHUB_STEP_SUMMARY"),
            }
        } else {
            Gha::disabled()
        }
    }

    /// Not inside Actions: plain output, no files touched. For tests and library callers.
    pub fn disabled() -> Self {
        Gha::default()
    }

    /// An Actions handle writing to the given files, for tests.
    pub fn with_files(output_file: Option<PathBuf>, summary_file: Option<PathBuf>) -> Self {
        Gha {
            actions: true,
            output_file,
            summary_file,
        }
    }

    /// True when running inside GitHub Actions.
    pub fn is_actions(&self) -> bool {
        self.actions
    }

    /// Writes a step output. Multi-line values use the heredoc form with a random delimiter that
    /// does not occur in the value. Does nothing outside Actions.
    ///
    /// A later step reads the output, so failing to write it is an environment failure (exit 3)
    /// in every tool; the error names `$GITHUB_OUTPUT` and its file.
    pub fn set_output(&self, name: &str, value: &str) -> Result<(), FileError> {
        let Some(path) = self.output_file.as_ref().filter(|_| self.actions) else {
            return Ok(());
        };
        let write = || -> io::Result<()> {
            let entry = output_entry(name, value)?;
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?
                .write_all(entry.as_bytes())
        };
        write().map_err(|source| file_error("GITHUB_OUTPUT", path, source))
    }

    /// Appends Markdown to the job summary. Does nothing outside Actions. Failing to write it is
    /// an environment failure, as for [`Gha::set_output`].
    pub fn append_summary(&self, markdown: &str) -> Result<(), FileError> {
        let Some(path) = self.summary_file.as_ref().filter(|_| self.actions) else {
            return Ok(());
        };
        let append = || -> io::Result<()> {
            let mut file = OpenOptions::new().create(true).append(true).open(path)?;
            file.write_all(markdown.as_bytes())?;
            if !markdown.ends_with('\n') {
                file.write_all(b"\n")?;
            }
            Ok(())
        };
        append().map_err(|source| file_error("GITHUB_STEP_SUMMARY", path, source))
    }

    /// Emits an annotation (`::error file=…,line=…::msg`); outside Actions prints
    /// `error: file:line: msg` to stderr.
    pub fn annotate(&self, level: Level, annotation: &Annotation) {
        eprintln!("{}", self.annotation_line(level, annotation));
    }

    /// The line [`Gha::annotate`] prints.
    pub fn annotation_line(&self, level: Level, a: &Annotation) -> String {
        if self.actions {
            let mut props: Vec<(&str, String)> = Vec::new();
            if let Some(title) = &a.title {
                props.push(("title", title.clone()));
            }
            if let Some(file) = &a.file {
                props.push(("file", file.clone()));
            }
            if let Some(line) = a.line {
                props.push(("line", line.to_string()));
            }
            if let Some(end) = a.end_line {
                props.push(("endLine", end.to_string()));
            }
            if let Some(col) = a.col {
                props.push(("col", col.to_string()));
            }
            format_command(level.command(), &props, &a.message)
        } else {
            let mut place = String::new();
            if let Some(file) = &a.file {
                place.push_str(file);
                if let Some(line) = a.line {
                    place.push_str(&format!(":{line}"));
                    if let Some(end) = a.end_line.filter(|&e| e != line) {
                        place.push_str(&format!("-{end}"));
                    }
                }
                place.push_str(": ");
            }
            format!("{}: {place}{}", level.command(), a.message)
        }
    }

    /// Starts a collapsible log group; outside Actions prints the title as a heading.
    pub fn group(&self, title: &str) {
        if self.actions {
            eprintln!("{}", format_command("group", &[], title));
        } else {
            eprintln!("== {title}");
        }
    }

    /// Ends the current log group.
    pub fn end_group(&self) {
        if self.actions {
            eprintln!("::endgroup::");
        }
    }

    /// Registers a secret so the runner masks it in every later log line. Does nothing outside
    /// Actions (and never prints the secret there).
    pub fn mask(&self, secret: &str) {
        if self.actions && !secret.is_empty() {
            // Each line of a multi-line secret is masked on its own, as the runner documents.
            for line in secret.lines().filter(|l| !l.trim().is_empty()) {
                eprintln!("{}", format_command("add-mask", &[], line));
            }
        }
    }
}

/// A failed write to one of the runner's files, named by its variable and path.
fn file_error(variable: &str, path: &std::path::Path, source: io::Error) -> FileError {
    FileError::Write {
        path: format!("${variable} ({})", path.display()),
        source,
    }
}

fn output_entry(name: &str, value: &str) -> io::Result<String> {
    if name.is_empty() || name.contains(['\n', '\r', '=', '<']) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid step output name {name:?}"),
        ));
    }
    if !value.contains(['\n', '\r']) {
        return Ok(format!("{name}={value}\n"));
    }
    loop {
        let delimiter = format!("ghadelimiter_{}", random_hex()?);
        if !value.contains(&delimiter) {
            return Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        }
    }
}

fn random_hex() -> io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_escape_differently() {
        assert_eq!(escape_data("50% a:b,c\r\n"), "50%25 a:b,c%0D%0A");
        assert_eq!(escape_property("50% a:b,c\r\n"), "50%25 a%3Ab%2Cc%0D%0A");
    }

    #[test]
    fn annotation_inside_actions_is_a_workflow_command() {
        let gha = Gha::with_files(None, None);
        let a = Annotation::new("bad\nhash")
            .at("dist/a,b.tar.gz", Some(3))
            .title("checksum");
        assert_eq!(
            gha.annotation_line(Level::Error, &a),
            "::error title=checksum,file=dist/a%2Cb.tar.gz,line=3::bad%0Ahash"
        );
    }

    #[test]
    fn annotation_outside_actions_is_plain_text() {
        let a = Annotation {
            end_line: Some(9),
            ..Annotation::new("uncovered").at("src/x.rs", Some(4))
        };
        assert_eq!(
            Gha::disabled().annotation_line(Level::Warning, &a),
            "warning: src/x.rs:4-9: uncovered"
        );
    }

    #[test]
    fn multi_line_output_uses_a_heredoc_with_a_fresh_delimiter() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let gha = Gha::with_files(Some(out.clone()), None);
        gha.set_output("one", "single").unwrap();
        gha.set_output("many", "a\nb").unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "one=single");
        let delim = lines[1].strip_prefix("many<<").unwrap();
        assert!(delim.starts_with("ghadelimiter_") && delim.len() > 20);
        assert_eq!(&lines[2..], &["a", "b", delim]);
    }

    #[test]
    fn outside_actions_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let gha = Gha {
            actions: false,
            output_file: Some(out.clone()),
            summary_file: Some(out.clone()),
        };
        gha.set_output("a", "b").unwrap();
        gha.append_summary("# hi").unwrap();
        assert!(!out.exists());
    }

    #[test]
    fn failed_writes_name_the_runner_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir/out");
        let gha = Gha::with_files(Some(missing.clone()), Some(missing.clone()));
        let err = gha.set_output("a", "b").unwrap_err();
        assert!(
            err.to_string().starts_with(&format!(
                "$GITHUB_OUTPUT ({}): cannot write: ",
                missing.display()
            )),
            "{err}"
        );
        assert_eq!(crate::exit::ToolError::exit(&err), crate::exit::Exit::Env);
        let err = gha.append_summary("# x").unwrap_err();
        assert!(
            err.to_string().starts_with("$GITHUB_STEP_SUMMARY ("),
            "{err}"
        );
    }

    #[test]
    fn bad_output_names_are_refused() {
        assert!(output_entry("a=b", "x").is_err());
        assert!(output_entry("", "x").is_err());
    }
}
