//! The report formats: detection from content, the tools behind them, parse errors, and the
//! sink every parser feeds files into.

use std::io::BufRead;

use super::model::{Coverage, FileCov};
use super::paths::PathMapper;

/// A coverage report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// LCOV tracefile (`.info`).
    Lcov,
    /// Cobertura XML.
    Cobertura,
    /// JaCoCo XML.
    Jacoco,
    /// Clover XML.
    Clover,
    /// coverage.py JSON (`coverage json`).
    #[value(name = "coverage.py")]
    CoveragePy,
    /// Istanbul `coverage-final.json`.
    Istanbul,
    /// Istanbul `coverage-summary.json`.
    #[value(name = "istanbul-summary")]
    IstanbulSummary,
    /// Go coverprofile (`go test -coverprofile`).
    Go,
    /// `llvm-cov export` JSON.
    #[value(name = "llvm-cov")]
    LlvmCov,
}

impl Format {
    /// The name used in `--format`, JSON and messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Lcov => "lcov",
            Format::Cobertura => "cobertura",
            Format::Jacoco => "jacoco",
            Format::Clover => "clover",
            Format::CoveragePy => "coverage.py",
            Format::Istanbul => "istanbul",
            Format::IstanbulSummary => "istanbul-summary",
            Format::Go => "go",
            Format::LlvmCov => "llvm-cov",
        }
    }
}

/// The tool that produced a report, as far as its content tells; decides the `native` headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    /// LCOV (`lcov --summary`, genhtml): lines, one decimal.
    Lcov,
    /// coverage.py: statements and branches combined, whole percent.
    CoveragePy,
    /// gcovr: lines, one decimal.
    Gcovr,
    /// Istanbul (nyc, c8, Jest): statements, floored to two decimals.
    Istanbul,
    /// Go: statements, one decimal.
    Go,
    /// llvm-cov: lines, two decimals.
    LlvmCov,
    /// JaCoCo: instructions, floored to a whole percent (its HTML report's Total row).
    Jacoco,
    /// Clover: statements, conditionals and methods combined.
    Clover,
    /// A Cobertura report from a tool not recognised, or a Clover report from Devel::Cover
    /// (whose headline adds criteria the report has no lines for): no native headline.
    Unknown,
}

/// Why a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the report, when known.
    pub line: Option<u64>,
    /// Byte offset in the report, when the line is not known yet (XML parsers).
    pub byte: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    /// An error at `line`.
    pub fn at(line: u64, message: impl Into<String>) -> Self {
        ParseError {
            line: Some(line),
            byte: None,
            message: message.into(),
        }
    }

    /// An error without a line.
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            line: None,
            byte: None,
            message: message.into(),
        }
    }
}

impl From<std::io::Error> for ParseError {
    fn from(e: std::io::Error) -> Self {
        ParseError::new(format!("cannot read: {e}"))
    }
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        let line = (e.line() > 0).then_some(e.line() as u64);
        ParseError {
            line,
            byte: None,
            message: format!("not valid JSON for this format: {e}"),
        }
    }
}

/// Where parsers put files: normalises each path and merges with what is already known.
pub struct Sink<'a> {
    /// The merged data.
    pub cov: &'a mut Coverage,
    /// Path normalisation.
    pub paths: &'a PathMapper,
    /// Notes for stderr (header totals that disagree with per-file data, …).
    pub notes: Vec<String>,
    /// The tool behind the report, when the parser can tell better than the format.
    pub tool: Option<Tool>,
    /// Files this report contributed.
    pub files: usize,
}

impl<'a> Sink<'a> {
    /// A sink into `cov`.
    pub fn new(cov: &'a mut Coverage, paths: &'a PathMapper) -> Self {
        Sink {
            cov,
            paths,
            notes: Vec::new(),
            tool: None,
            files: 0,
        }
    }

    /// Adds one file's data under the normalised form of `raw` (tried against `sources`).
    pub fn add(&mut self, raw: &str, sources: &[String], mut data: FileCov) {
        let path = self.paths.normalize(raw, sources);
        // Merging duplicates per section keeps memory proportional to the distinct items.
        data.normalize();
        self.files += 1;
        match self.cov.files.get_mut(&path) {
            Some(existing) => existing.merge(data),
            None => {
                self.cov.files.insert(path, data);
            }
        }
    }
}

/// How many bytes detection looks at.
const SNIFF: usize = 64 * 1024;

/// Detects the format of a report from its first bytes.
pub fn detect(reader: &mut dyn BufRead) -> Result<Format, ParseError> {
    let head = reader.fill_buf()?;
    let head = &head[..head.len().min(SNIFF)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return Err(ParseError::new("the report is empty"));
    }
    if text.starts_with('<') {
        return detect_xml(text);
    }
    if text.starts_with('{') {
        return detect_json(text);
    }
    if text.starts_with("mode:") {
        return Ok(Format::Go);
    }
    let first = text.lines().next().unwrap_or("");
    const LCOV: &[&str] = &[
        "TN:",
        "SF:",
        "FN:",
        "FNDA:",
        "FNF:",
        "FNH:",
        "DA:",
        "LF:",
        "LH:",
        "BRDA:",
        "VER:",
        "end_of_record",
    ];
    if LCOV.iter().any(|p| first.trim_end().starts_with(p)) {
        return Ok(Format::Lcov);
    }
    let shown: String = first.chars().take(40).collect();
    Err(ParseError::at(
        1,
        format!(
            "not a coverage report this tool knows (starts with '{shown}'); pass --format to force one"
        ),
    ))
}

fn detect_xml(text: &str) -> Result<Format, ParseError> {
    // The root element: skip the declaration, comments and DOCTYPE.
    let mut rest = text;
    let mut line = 1;
    loop {
        let Some(start) = rest.find('<') else {
            return Err(ParseError::new("an XML document without a root element"));
        };
        line += rest[..start].matches('\n').count() as u64;
        rest = &rest[start..];
        if rest.starts_with("<?") || rest.starts_with("<!") {
            let end = if rest.starts_with("<!--") {
                rest.find("-->").map(|i| i + 3)
            } else {
                rest.find('>').map(|i| i + 1)
            };
            match end {
                Some(end) => {
                    line += rest[..end].matches('\n').count() as u64;
                    rest = &rest[end..];
                }
                None => return Err(ParseError::at(line, "truncated XML prolog")),
            }
            continue;
        }
        let name: String = rest[1..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
            .collect();
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..tag_end];
        return match name.as_str() {
            "report" => Ok(Format::Jacoco),
            "coverage" if tag.contains("clover=") || tag.contains("generated=") => Ok(Format::Clover),
            "coverage" if rest.contains("<project") && !rest.contains("<packages") => {
                Ok(Format::Clover)
            }
            "coverage" => Ok(Format::Cobertura),
            other => Err(ParseError::at(
                line,
                format!(
                    "not a Cobertura, JaCoCo or Clover document (root element <{other}>); pass --format to force one"
                ),
            )),
        };
    }
}

fn detect_json(text: &str) -> Result<Format, ParseError> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(4096)
        .collect();
    if compact.starts_with("{\"data\":") || text.contains("llvm.coverage.json.export") {
        Ok(Format::LlvmCov)
    } else if text.contains("\"statementMap\"") {
        Ok(Format::Istanbul)
    } else if compact.starts_with("{\"meta\":")
        || (text.contains("\"meta\"") && text.contains("\"executed_lines\""))
    {
        Ok(Format::CoveragePy)
    } else if compact.starts_with("{\"total\":") || text.contains("\"pct\"") {
        Ok(Format::IstanbulSummary)
    } else if compact == "{}" {
        // An Istanbul report of a run that loaded no files.
        Ok(Format::Istanbul)
    } else {
        Err(ParseError::at(
            1,
            "a JSON document that is not coverage.py, Istanbul or llvm-cov export JSON; pass --format to force one",
        ))
    }
}

/// Test helper: runs `parse` over `text` with default path options and returns the normalised
/// coverage and the notes.
#[cfg(test)]
pub(crate) fn parse_text(
    parse: fn(&mut dyn BufRead, &mut Sink) -> Result<(), ParseError>,
    text: &str,
) -> Result<(Coverage, Vec<String>), ParseError> {
    let mut cov = Coverage::default();
    let paths = PathMapper::new(&super::paths::PathOptions::default()).map_err(ParseError::new)?;
    let mut sink = Sink::new(&mut cov, &paths);
    parse(&mut text.as_bytes(), &mut sink)?;
    let notes = sink.notes;
    cov.normalize();
    Ok((cov, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(s: &str) -> Result<Format, ParseError> {
        detect(&mut s.as_bytes())
    }

    #[test]
    fn detects_by_content() {
        assert_eq!(sniff("TN:\nSF:a.c\n"), Ok(Format::Lcov));
        assert_eq!(sniff("\u{feff}SF:a.c\r\n"), Ok(Format::Lcov));
        assert_eq!(sniff("mode: set\n"), Ok(Format::Go));
        assert_eq!(
            sniff("<?xml version=\"1.0\" ?>\n<!DOCTYPE coverage SYSTEM 'x'>\n<!-- c -->\n<coverage line-rate=\"1\"><packages/></coverage>"),
            Ok(Format::Cobertura)
        );
        assert_eq!(
            sniff("<coverage generated=\"1\" clover=\"3\"><project/>"),
            Ok(Format::Clover)
        );
        assert_eq!(sniff("<report name=\"x\">"), Ok(Format::Jacoco));
        assert_eq!(
            sniff("{\"meta\": {\"format\": 3}, \"files\": {}}"),
            Ok(Format::CoveragePy)
        );
        assert_eq!(
            sniff("{\"/a.js\": {\"path\": \"/a.js\", \"statementMap\": {}}}"),
            Ok(Format::Istanbul)
        );
        assert_eq!(
            sniff("{\"total\": {\"lines\": {\"pct\": 1}}}"),
            Ok(Format::IstanbulSummary)
        );
        assert_eq!(
            sniff("{\"data\":[{\"files\":[]}],\"type\":\"llvm.coverage.json.export\"}"),
            Ok(Format::LlvmCov)
        );
    }

    #[test]
    fn rejects_unknown_content() {
        let err = sniff("<html><body/></html>").unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(
            err.message.contains("root element <html>"),
            "{}",
            err.message
        );
        assert!(sniff("").is_err());
        assert!(sniff("hello").is_err());
        assert!(sniff("[1,2]").is_err());
    }
}
