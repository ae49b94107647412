//! What artifact-check found and how it is shown: findings per artifact, the per-artifact table
//! (text and Markdown for the job summary), the `--json` document, and one `::error` per
//! failure inside Actions.

use serde::Serialize;

use super::binary::Binary;
use super::deb::DebInfo;
use crate::gha::{Annotation, Gha, Level};
use crate::output::{human_bytes, Align, Style, Table};

/// Findings listed in the job summary; the rest are counted (the summary is capped at 1 MiB).
const SUMMARY_FINDINGS: usize = 200;

/// Findings emitted as `::error`/`::warning` annotations; the rest are plain log lines.
pub const ANNOTATIONS: usize = 50;

/// The checks, each selectable with `--skip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Expected files present, nothing unexpected.
    Expect,
    /// Size bounds.
    Size,
    /// Binary headers readable and architecture as expected.
    Arch,
    /// Executable bit on Unix executables.
    Exec,
    /// Archive contents: readable, no traversal or escaping links, `--contains` present.
    Contents,
    /// Debian package structure and control fields.
    Deb,
    /// Versions in file names and manifests.
    Version,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The check failed.
    Error,
    /// Worth knowing; does not fail the run.
    Warning,
}

/// One thing a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which check.
    pub check: Check,
    /// How bad.
    pub severity: Severity,
    /// What and where (an archive member is named), and what to do.
    pub message: String,
}

impl Finding {
    /// A failed check.
    pub fn error(check: Check, message: impl Into<String>) -> Self {
        Finding {
            check,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// A warning.
    pub fn warning(check: Check, message: impl Into<String>) -> Self {
        Finding {
            check,
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

/// A binary found inside an archive or package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// Its path inside the archive.
    pub path: String,
    /// Its headers.
    #[serde(flatten)]
    pub binary: Binary,
}

/// What was learnt about an archive's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArchiveInfo {
    /// `tar.gz`, `tar.xz`, `tar.zst`, `tar`, `zip`.
    pub kind: String,
    /// Number of entries.
    pub entries: usize,
    /// The binaries inside.
    pub binaries: Vec<Member>,
}

/// Everything about one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct ArtifactReport {
    /// The path as given or found (slash-separated).
    pub path: String,
    /// `present`, `missing`, `unexpected` or `skipped` (a symbolic link met while walking).
    pub status: &'static str,
    /// The `--expect` pattern it answers, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Size in bytes (present files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The architecture(s) expected, if known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected_arch: Vec<String>,
    /// Loose executables: their headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<Binary>,
    /// Archives: their contents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive: Option<ArchiveInfo>,
    /// Debian packages: control fields and contents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deb: Option<DebInfo>,
    /// What the checks found.
    pub findings: Vec<Finding>,
}

impl ArtifactReport {
    /// A report with nothing in it yet.
    pub fn new(path: String, status: &'static str) -> Self {
        ArtifactReport {
            path,
            status,
            pattern: None,
            size: None,
            expected_arch: Vec::new(),
            binary: None,
            archive: None,
            deb: None,
            findings: Vec::new(),
        }
    }

    /// True when no check failed.
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|f| f.severity != Severity::Error)
    }

    /// Number of failed checks.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    fn format_cell(&self) -> String {
        if let Some(b) = &self.binary {
            return b.describe();
        }
        if let Some(d) = &self.deb {
            return format!("deb ({})", d.data_compression);
        }
        if let Some(a) = &self.archive {
            let noun = if a.entries == 1 { "entry" } else { "entries" };
            return format!("{} ({} {noun})", a.kind, a.entries);
        }
        if self.status == "missing" || self.status == "skipped" {
            return String::new();
        }
        "-".to_string()
    }

    fn arch_cell(&self) -> String {
        if let Some(b) = &self.binary {
            return b.arches();
        }
        if let Some(d) = &self.deb {
            return d.architecture.clone().unwrap_or_default();
        }
        if let Some(a) = &self.archive {
            let mut arches: Vec<String> = Vec::new();
            for m in &a.binaries {
                let name = m.binary.arches();
                if !arches.contains(&name) {
                    arches.push(name);
                }
            }
            return arches.join(", ");
        }
        String::new()
    }
}

/// A manifest's version, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestReport {
    /// The manifest file.
    pub path: String,
    /// The version it declares, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What the check found.
    pub findings: Vec<Finding>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// True when nothing failed.
    pub ok: bool,
    /// The release version checked against, if any.
    pub version: Option<String>,
    /// Number of failed checks.
    pub failures: usize,
    /// Every artifact: present, missing and unexpected.
    pub artifacts: Vec<ArtifactReport>,
    /// The manifests given with `--manifest`.
    pub manifests: Vec<ManifestReport>,
}

impl Report {
    /// Builds the report and counts failures.
    pub fn new(
        version: Option<String>,
        artifacts: Vec<ArtifactReport>,
        manifests: Vec<ManifestReport>,
    ) -> Self {
        let failures = artifacts.iter().map(|a| a.errors()).sum::<usize>()
            + manifests
                .iter()
                .flat_map(|m| &m.findings)
                .filter(|f| f.severity == Severity::Error)
                .count();
        Report {
            ok: failures == 0,
            version,
            failures,
            artifacts,
            manifests,
        }
    }

    /// The per-artifact table.
    pub fn table(&self, style: Option<&Style>) -> Table {
        let mut table = Table::new(&[
            ("artifact", Align::Left),
            ("size", Align::Right),
            ("format", Align::Left),
            ("arch", Align::Left),
            ("result", Align::Left),
        ]);
        for a in &self.artifacts {
            let result = match (a.status, a.errors()) {
                ("missing", _) => "missing".to_string(),
                ("skipped", _) => "skipped".to_string(),
                ("unexpected", 0) => "unexpected (allowed)".to_string(),
                ("unexpected", _) => "unexpected".to_string(),
                (_, 0) => "ok".to_string(),
                (_, 1) => "FAIL (1 check)".to_string(),
                (_, n) => format!("FAIL ({n} checks)"),
            };
            let result = match style {
                Some(s) if a.ok() => s.ok(&result),
                Some(s) => s.bad(&result),
                None => result,
            };
            table.row([
                a.path.clone(),
                a.size.map(human_bytes).unwrap_or_default(),
                a.format_cell(),
                a.arch_cell(),
                result,
            ]);
        }
        table
    }

    /// Every finding as `(file, finding)`, artifacts first, then manifests.
    pub fn findings(&self) -> Vec<(&str, &Finding)> {
        let mut all: Vec<(&str, &Finding)> = Vec::new();
        for a in &self.artifacts {
            all.extend(a.findings.iter().map(|f| (a.path.as_str(), f)));
        }
        for m in &self.manifests {
            all.extend(m.findings.iter().map(|f| (m.path.as_str(), f)));
        }
        all
    }

    /// The human report: the table, package details, then one line per finding, then a verdict.
    pub fn to_text(&self, style: &Style) -> String {
        let mut out = self.table(Some(style)).to_text();
        for (path, deb) in self
            .artifacts
            .iter()
            .filter_map(|a| a.deb.as_ref().map(|d| (&a.path, d)))
        {
            out.push_str(&format!("package {path}: {}\n", deb.describe()));
        }
        for m in &self.manifests {
            out.push_str(&format!(
                "manifest {}: version {}\n",
                m.path,
                m.version.as_deref().unwrap_or("unreadable")
            ));
        }
        let findings = self.findings();
        if !findings.is_empty() {
            out.push('\n');
        }
        for (file, f) in findings {
            let level = match f.severity {
                Severity::Error => style.bad("error"),
                Severity::Warning => style.warn("warning"),
            };
            out.push_str(&format!(
                "{level}: {file}: [{}] {}\n",
                check_name(f.check),
                f.message
            ));
        }
        out.push('\n');
        out.push_str(&self.verdict());
        out.push('\n');
        out
    }

    fn verdict(&self) -> String {
        let n = self
            .artifacts
            .iter()
            .filter(|a| a.status == "present" || a.status == "unexpected")
            .count();
        let version = self
            .version
            .as_ref()
            .map(|v| format!(", version {v}"))
            .unwrap_or_default();
        if self.ok {
            format!("artifact-check: {n} artifact(s) ok{version}")
        } else {
            format!(
                "artifact-check: {} failed check(s) in {n} artifact(s){version}",
                self.failures
            )
        }
    }

    /// The job summary: heading, table, failures.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "### artifact-check: {}\n\n",
            if self.ok { "passed" } else { "failed" }
        );
        out.push_str(&self.table(None).to_markdown());
        let findings = self.findings();
        if !findings.is_empty() {
            out.push('\n');
        }
        let total = findings.len();
        for (file, f) in findings.into_iter().take(SUMMARY_FINDINGS) {
            let level = match f.severity {
                Severity::Error => "❌",
                Severity::Warning => "⚠️",
            };
            out.push_str(&format!(
                "- {level} `{file}` ({}): {}\n",
                check_name(f.check),
                f.message.replace('\n', " ")
            ));
        }
        if total > SUMMARY_FINDINGS {
            out.push_str(&format!(
                "- … and {} more (run with `--json` for all)\n",
                total - SUMMARY_FINDINGS
            ));
        }
        out.push('\n');
        out.push_str(&self.verdict());
        out.push('\n');
        out
    }

    /// One annotation per finding, naming the artifact; past [`ANNOTATIONS`] the rest go to the
    /// log as plain lines (the runner shows only the first few annotations of a step anyway).
    pub fn annotate(&self, gha: &Gha) {
        for (i, (file, f)) in self.findings().into_iter().enumerate() {
            let level = match f.severity {
                Severity::Error => Level::Error,
                Severity::Warning => Level::Warning,
            };
            let annotation = Annotation::new(format!("{file}: {}", f.message))
                .title(format!("artifact-check: {}", check_name(f.check)));
            if i < ANNOTATIONS {
                gha.annotate(level, &annotation);
            } else {
                Gha::disabled().annotate(level, &annotation);
            }
        }
    }
}

/// The name of a check as `--skip` spells it.
pub fn check_name(check: Check) -> &'static str {
    match check {
        Check::Expect => "expect",
        Check::Size => "size",
        Check::Arch => "arch",
        Check::Exec => "exec",
        Check::Contents => "contents",
        Check::Deb => "deb",
        Check::Version => "version",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_counted_and_tabled() {
        let mut a = ArtifactReport::new("dist/a".into(), "present");
        a.size = Some(2048);
        a.findings.push(Finding::error(Check::Size, "too small"));
        a.findings
            .push(Finding::warning(Check::Version, "no version"));
        let m = ArtifactReport::new("dist/b".into(), "missing");
        let r = Report::new(Some("1.0.0".into()), vec![a, m], vec![]);
        assert_eq!(r.failures, 1);
        assert!(!r.ok);
        assert_eq!(
            r.to_text(&Style::new(false)),
            "artifact     size  format  arch  result\n\
             dist/a    2.0 KiB  -             FAIL (1 check)\n\
             dist/b                           missing\n\
             \n\
             error: dist/a: [size] too small\n\
             warning: dist/a: [version] no version\n\
             \n\
             artifact-check: 1 failed check(s) in 1 artifact(s), version 1.0.0\n"
        );
    }

    #[test]
    fn the_summary_lists_at_most_200_findings() {
        let mut a = ArtifactReport::new("dist/evil.tar".into(), "present");
        for i in 0..260 {
            a.findings.push(Finding::error(
                Check::Contents,
                format!("../{i}: traversal"),
            ));
        }
        let md = Report::new(None, vec![a], vec![]).to_markdown();
        assert_eq!(md.matches("- ❌").count(), 200);
        assert!(
            md.contains("- … and 60 more (run with `--json` for all)\n"),
            "{md}"
        );
    }
}
