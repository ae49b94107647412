//! The structured result of `notes-gen` (what `--json` prints) and its Markdown rendering: the
//! release notes and the Keep a Changelog entry.

use std::fmt::Write as _;
use std::sync::OnceLock;

use regex::{Captures, Regex};
use serde::Serialize;

use super::commit::Footer;
use super::history::Considered;

/// Everything `notes-gen` found, as printed by `--json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Notes {
    /// The release tag (existing, or the one the release will get).
    pub tag: String,
    /// The release version (the tag's, or the next version when the release is not tagged yet).
    pub version: String,
    /// The version computed from the commits (`--bump`).
    pub next_version: String,
    /// The previous release tag, if any.
    pub previous_tag: Option<String>,
    /// `OWNER/NAME` when known.
    pub repo: Option<String>,
    /// The web address of the repository (`https://github.com/OWNER/NAME`), when known.
    pub web_url: Option<String>,
    /// The commit range.
    pub range: Range,
    /// Every tag considered as the previous release, and why it was or was not chosen.
    pub tag_selection: Vec<Considered>,
    /// How many tags were ignored because they do not start with the tag prefix.
    pub tags_without_prefix: usize,
    /// The commits in the range, newest first, merges excluded.
    pub commits: Vec<CommitInfo>,
    /// The sections, in order, with the SHAs of their commits.
    pub sections: Vec<SectionOut>,
    /// Spec IDs and the commits that reference them.
    pub specs: Vec<SpecRef>,
    /// Authors and co-authors.
    pub contributors: Vec<Contributor>,
    /// The Downloads table.
    pub downloads: Vec<Download>,
    /// Signatures of the checksum manifest found next to it, for the verification hints.
    pub signatures: Vec<ManifestSignature>,
    /// Merge commits in the range (skipped).
    pub skipped_merges: usize,
    /// Commits that are not (clean) conventional commits.
    pub parse_failures: ParseFailures,
    /// The rendered notes.
    pub markdown: String,
}

/// The range of commits.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Range {
    /// The start (exclusive): a tag or revision; none for a first release.
    pub from: Option<String>,
    /// Its commit.
    pub from_sha: Option<String>,
    /// The end (inclusive), as given or found.
    pub to: String,
    /// The release commit.
    pub to_sha: String,
    /// The release commit's committer date, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// `…/compare/FROM...TO`, when the repository and a previous tag are known.
    pub compare_url: Option<String>,
}

/// A person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
}

/// One commit of the range.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CommitInfo {
    /// Full SHA.
    pub sha: String,
    /// The conventional type, lower case; none when not conventional.
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// The scope.
    pub scope: Option<String>,
    /// Breaking change (`!` or footer).
    pub breaking: bool,
    /// The `BREAKING CHANGE` text.
    pub breaking_description: Option<String>,
    /// The description (or first line).
    pub subject: String,
    /// True for a conventional header.
    pub conventional: bool,
    /// For revert commits: the SHA reverted.
    pub reverts: Option<String>,
    /// Footers.
    pub footers: Vec<Footer>,
    /// Author.
    pub author: Person,
    /// Author date, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Issue and PR numbers mentioned (`#12`, `GH-12`).
    pub refs: Vec<u64>,
    /// The PR of a squash merge (`subject (#12)`).
    pub pr: Option<u64>,
    /// Spec IDs mentioned.
    pub specs: Vec<String>,
    /// The section title it is listed under; none when dropped (`--conventional-only`, or a
    /// commit and its revert in the same range).
    pub section: Option<String>,
}

/// A section of the notes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SectionOut {
    /// Heading.
    pub title: String,
    /// SHAs of its commits, newest first.
    pub commits: Vec<String>,
}

/// A spec ID and the commits mentioning it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SpecRef {
    /// The ID (`FR-401`).
    pub id: String,
    /// SHAs, newest first.
    pub commits: Vec<String>,
}

/// One contributor.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Contributor {
    /// Name (as first seen).
    pub name: String,
    /// E-mail (deduplication key, case-insensitive).
    pub email: String,
    /// Commits authored or co-authored.
    pub commits: usize,
}

/// A signature of the checksum manifest, published with it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ManifestSignature {
    /// `openpgp` or `minisign`.
    pub format: String,
    /// The manifest's file name (`SHA256SUMS`).
    pub manifest: String,
    /// The signature's file name (`SHA256SUMS.asc`).
    pub file: String,
    /// The key that signed, as the workflow said (`--signed-by`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
}

/// One row of the Downloads table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Download {
    /// File name from the manifest, as text: escaped losslessly
    /// ([`crate::fsutil::escaped_text`]) when the manifest's name is not UTF-8.
    pub file: String,
    /// The name's exact bytes as hex when it is not UTF-8 (and `file` is escaped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_hex: Option<String>,
    /// Size in bytes, when the file is present.
    pub size: Option<u64>,
    /// SHA-256.
    pub sha256: String,
    /// `https://github.com/OWNER/NAME/releases/download/TAG/FILE`, when the repository is known.
    pub url: Option<String>,
}

/// Commits that could not be parsed as conventional commits.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ParseFailures {
    /// How many.
    pub count: usize,
    /// Which, and why.
    pub commits: Vec<Failure>,
}

/// One commit that could not be parsed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Failure {
    /// Full SHA.
    pub sha: String,
    /// First line.
    pub subject: String,
    /// Why.
    pub reason: String,
}

/// Subjects longer than this are cut in Markdown (the JSON keeps them whole).
const MAX_SUBJECT_CHARS: usize = 300;

fn refs_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // `#12` not inside a word, an HTML entity (`&#12;`) or a path; `GH-12`.
    RE.get_or_init(|| {
        Regex::new(r"(?P<pre>^|[^\w&/#])#(?P<n>\d+)\b|\bGH-(?P<g>\d+)\b")
            .unwrap_or_else(|_| unreachable!("constant regex"))
    })
}

/// The issue and PR numbers a message mentions, in order, without duplicates.
pub fn issue_refs(message: &str) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for c in refs_regex().captures_iter(message) {
        if let Some(n) = c
            .name("n")
            .or_else(|| c.name("g"))
            .and_then(|m| m.as_str().parse().ok())
        {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// The PR number of a squash-merge subject ending in `(#123)`.
pub fn squash_pr(subject: &str) -> Option<u64> {
    let inner = subject.trim_end().strip_suffix(')')?;
    let (_, n) = inner.rsplit_once("(#")?;
    n.parse().ok()
}

/// The first 7 characters of a full SHA; anything else (a tag name) unchanged.
fn short(sha: &str) -> &str {
    if sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        &sha[..7]
    } else {
        sha
    }
}

fn cut(s: &str) -> String {
    let cut = match s.char_indices().nth(MAX_SUBJECT_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    };
    escape_html(&cut)
}

/// Commit text is data, not markup: GitHub renders raw HTML in release notes, so a subject such
/// as `fix <script> handling` or `<img src=x>` must show as written, not become an element.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Notes {
    fn commit_link(&self, sha: &str) -> String {
        match &self.web_url {
            Some(web) => format!("[{}]({web}/commit/{sha})", short(sha)),
            None => format!("`{}`", short(sha)),
        }
    }

    /// The subject with `#12`/`GH-12` turned into links when the repository is known.
    fn linked_subject(&self, c: &CommitInfo) -> String {
        let subject = cut(&c.subject);
        let Some(web) = &self.web_url else {
            return subject;
        };
        refs_regex()
            .replace_all(&subject, |caps: &Captures| {
                let (pre, text, n) = match (caps.name("n"), caps.name("g")) {
                    (Some(n), _) => (
                        caps.name("pre").map_or("", |m| m.as_str()),
                        format!("#{}", n.as_str()),
                        n.as_str(),
                    ),
                    (None, Some(g)) => ("", format!("GH-{}", g.as_str()), g.as_str()),
                    (None, None) => return caps[0].to_string(),
                };
                let kind = if c.pr.is_some_and(|p| p.to_string() == n) {
                    "pull"
                } else {
                    "issues"
                };
                format!("{pre}[{text}]({web}/{kind}/{n})")
            })
            .into_owned()
    }

    fn item(&self, c: &CommitInfo, out: &mut String) {
        out.push_str("- ");
        if let Some(scope) = &c.scope {
            let _ = write!(out, "**{}:** ", escape_html(scope));
        }
        let _ = writeln!(
            out,
            "{} ({})",
            self.linked_subject(c),
            self.commit_link(&c.sha)
        );
    }

    /// The sections as Markdown (level-3 headings): breaking changes, the configured sections,
    /// other changes, spec references. Shared by the notes and the changelog entry.
    pub fn sections_markdown(&self) -> String {
        let by_sha: std::collections::HashMap<&str, &CommitInfo> =
            self.commits.iter().map(|c| (c.sha.as_str(), c)).collect();
        let mut out = String::new();
        for section in &self.sections {
            let _ = writeln!(out, "### {}\n", section.title);
            for sha in &section.commits {
                let Some(c) = by_sha.get(sha.as_str()) else {
                    continue;
                };
                self.item(c, &mut out);
                if let Some(text) = c.breaking_description.as_ref().filter(|_| c.breaking) {
                    for line in cut(text).lines() {
                        let _ = writeln!(out, "  {line}");
                    }
                }
            }
            out.push('\n');
        }
        if !self.specs.is_empty() {
            out.push_str("### Specifications referenced\n\n");
            for spec in &self.specs {
                let links: Vec<String> = spec.commits.iter().map(|s| self.commit_link(s)).collect();
                let _ = writeln!(out, "- **{}**: {}", spec.id, links.join(", "));
            }
            out.push('\n');
        }
        out
    }

    /// The release notes.
    pub fn markdown(&self) -> String {
        let mut out = format!("## {} ({})\n\n", self.tag, self.range.date);
        let count = self.commits.len();
        let plural = if count == 1 { "commit" } else { "commits" };
        match &self.previous_tag {
            Some(prev) => {
                let _ = write!(out, "{count} {plural} since {prev}");
            }
            None => {
                let _ = write!(out, "{count} {plural} (first release)");
            }
        }
        let sha = &self.range.to_sha;
        match &self.web_url {
            Some(web) => {
                let _ = write!(out, " · release commit [`{sha}`]({web}/commit/{sha})");
            }
            None => {
                let _ = write!(out, " · release commit `{sha}`");
            }
        }
        if let (Some(url), Some(prev)) = (&self.range.compare_url, &self.previous_tag) {
            let to = url.rsplit("...").next().unwrap_or_default();
            let _ = write!(out, " · [compare {prev}...{}]({url})", short(to));
        }
        out.push_str("\n\n");
        if self.sections.is_empty() {
            out.push_str("_No changes._\n\n");
        }
        out.push_str(&self.sections_markdown());
        if !self.downloads.is_empty() {
            out.push_str("### Downloads\n\n");
            let mut table = crate::output::Table::new(&[
                ("File", crate::output::Align::Left),
                ("Size", crate::output::Align::Right),
                ("SHA-256", crate::output::Align::Left),
            ]);
            for d in &self.downloads {
                let file = match &d.url {
                    Some(url) => format!("[{}]({url})", d.file),
                    // An escaped name (not UTF-8) as code, where Markdown keeps `\\` as it is.
                    None if d.file_hex.is_some() => format!("`{}`", d.file),
                    None => d.file.clone(),
                };
                let size = d.size.map(crate::output::human_bytes).unwrap_or_default();
                table.row([file, size, format!("`{}`", d.sha256)]);
            }
            out.push_str(&table.to_markdown());
            out.push('\n');
            out.push_str(&self.verify_markdown());
        }
        if !self.contributors.is_empty() {
            out.push_str("### Contributors\n\n");
            for p in &self.contributors {
                let plural = if p.commits == 1 { "commit" } else { "commits" };
                let _ = writeln!(out, "- {} ({} {plural})", p.name, p.commits);
            }
            out.push('\n');
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
        out
    }
}

impl Notes {
    /// How to verify a download, when the manifest is signed: check the signature, then the
    /// files, with gpg, minisign or relkit's checksum.
    fn verify_markdown(&self) -> String {
        let Some(first) = self.signatures.first() else {
            return String::new();
        };
        let manifest = &first.manifest;
        let mut out = format!("**Verify a download:** `{manifest}` is signed");
        let keys: Vec<String> = self
            .signatures
            .iter()
            .map(|s| match &s.signed_by {
                Some(fpr) => format!("{} key `{fpr}`", format_name(&s.format)),
                None => format!("{} signature `{}`", format_name(&s.format), s.file),
            })
            .collect();
        let _ = writeln!(
            out,
            " ({}). Check the signature, then the files:
",
            keys.join(", ")
        );
        for s in &self.signatures {
            match s.format.as_str() {
                "minisign" => {
                    let _ = writeln!(
                        out,
                        "- `minisign -Vm {manifest} -x {} -P <public key>`",
                        s.file
                    );
                }
                _ => {
                    let _ = writeln!(out, "- `gpg --verify {} {manifest}`", s.file);
                }
            }
        }
        for s in &self.signatures {
            let _ = writeln!(
                out,
                "- `checksum --check {manifest} --signature {} --key <public key> --ignore-missing` (relkit)",
                s.file
            );
        }
        let _ = writeln!(
            out,
            "- then `sha256sum --check --ignore-missing {manifest}`\n"
        );
        out
    }
}

fn format_name(format: &str) -> &str {
    match format {
        "minisign" => "minisign",
        _ => "OpenPGP",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn refs_skip_entities_and_paths() {
        assert_eq!(
            issue_refs("fix #1, GH-2 and (#3); not &#4; nor a/#5 nor x#6 ##7 #1"),
            vec![1, 2, 3]
        );
        assert_eq!(squash_pr("feat: x (#123)"), Some(123));
        assert_eq!(squash_pr("feat: x (#12a)"), None);
    }

    #[test]
    fn html_in_commit_text_is_escaped() {
        assert_eq!(
            cut("fix <script>alert(1)</script> & <img src=x>"),
            "fix &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x&gt;"
        );
    }

    #[test]
    fn subjects_link_issues_and_the_squash_pr() {
        let notes = Notes {
            web_url: Some("https://github.com/o/r".to_string()),
            ..Notes::default()
        };
        let c = CommitInfo {
            subject: "fix #4 again (#9)".to_string(),
            pr: Some(9),
            ..CommitInfo::default()
        };
        assert_eq!(
            notes.linked_subject(&c),
            "fix [#4](https://github.com/o/r/issues/4) again ([#9](https://github.com/o/r/pull/9))"
        );
        let long = CommitInfo {
            subject: "é".repeat(400),
            ..CommitInfo::default()
        };
        assert_eq!(
            notes.linked_subject(&long).chars().count(),
            MAX_SUBJECT_CHARS + 1
        );
    }
}
