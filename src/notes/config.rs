//! The optional TOML configuration of `notes-gen`: sections and the commit types they collect,
//! their titles and order, spec-reference patterns, and the first version. Every key has a
//! default, so an empty file is valid.

use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use super::Error;

/// One section of the notes and the commit types it collects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The heading (`Features`).
    pub title: String,
    /// The conventional types it collects (`["feat"]`), lower case.
    pub types: Vec<String>,
}

/// The configuration file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    breaking_title: Option<String>,
    other_title: Option<String>,
    spec_patterns: Option<Vec<String>>,
    initial_version: Option<String>,
    #[serde(default, rename = "section")]
    sections: Vec<Section>,
}

/// The configuration in effect.
#[derive(Debug, Clone)]
pub struct Config {
    /// Heading of the breaking-changes section, always first.
    pub breaking_title: String,
    /// Heading of the section for non-conventional commits and unknown types, always last.
    pub other_title: String,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Regexes whose matches are spec IDs (capture group 1 when the pattern has one).
    pub spec_patterns: Vec<Regex>,
    /// The version of a first release (no previous tag).
    pub initial_version: semver::Version,
}

/// The default spec patterns: requirement IDs (`FR-401`, `NFR-12`, `AC-404`, `SC-001`) and
/// numbered spec directories (`007-packaging-distribution`).
pub const DEFAULT_SPEC_PATTERNS: [&str; 2] = [
    r"\b(?:FR|NFR|AC|SC)-\d+\b",
    r"\b\d{3}(?:-[a-z][a-z0-9]*)+\b",
];

fn default_sections() -> Vec<Section> {
    [
        ("Features", &["feat"][..]),
        ("Bug fixes", &["fix"]),
        ("Performance", &["perf"]),
        ("Reverts", &["revert"]),
        ("Security", &["security", "sec"]),
        ("Documentation", &["docs", "doc"]),
        ("Refactoring", &["refactor"]),
        ("Tests", &["test", "tests"]),
        ("Build system", &["build", "deps"]),
        ("Continuous integration", &["ci"]),
        ("Style", &["style"]),
        ("Chores", &["chore"]),
    ]
    .iter()
    .map(|(title, types)| Section {
        title: title.to_string(),
        types: types.iter().map(|t| t.to_string()).collect(),
    })
    .collect()
}

impl Config {
    /// The built-in configuration.
    pub fn default_config() -> Self {
        Config {
            breaking_title: "Breaking changes".to_string(),
            other_title: "Other changes".to_string(),
            sections: default_sections(),
            spec_patterns: compile(&DEFAULT_SPEC_PATTERNS, Path::new("(built in)"))
                .unwrap_or_default(),
            initial_version: semver::Version::new(0, 1, 0),
        }
    }

    /// Reads a configuration file; keys it does not set keep their defaults.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            Error::File(crate::exit::FileError::Read {
                path: path.display().to_string(),
                source,
            })
        })?;
        Self::parse(&text, path)
    }

    /// Parses configuration text; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let bad = |message: String| Error::Config {
            path: path.display().to_string(),
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut config = Config::default_config();
        if let Some(title) = file.breaking_title {
            config.breaking_title = title;
        }
        if let Some(title) = file.other_title {
            config.other_title = title;
        }
        if !file.sections.is_empty() {
            for section in &file.sections {
                if section.types.is_empty() {
                    return Err(bad(format!(
                        "section \"{}\" lists no types; add e.g. types = [\"feat\"]",
                        section.title
                    )));
                }
            }
            config.sections = file
                .sections
                .into_iter()
                .map(|s| Section {
                    title: s.title,
                    types: s.types.iter().map(|t| t.to_ascii_lowercase()).collect(),
                })
                .collect();
        }
        if let Some(patterns) = file.spec_patterns {
            config.spec_patterns = compile(&patterns, path)?;
        }
        if let Some(v) = file.initial_version {
            config.initial_version = semver::Version::parse(&v).map_err(|e| {
                bad(format!(
                    "initial_version = \"{v}\" is not a semver version ({e}); write e.g. \"0.1.0\""
                ))
            })?;
        }
        Ok(config)
    }

    /// The index of the section collecting `ty`, if any.
    pub fn section_of(&self, ty: &str) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.types.iter().any(|t| t == ty))
    }
}

fn compile<S: AsRef<str>>(patterns: &[S], path: &Path) -> Result<Vec<Regex>, Error> {
    patterns
        .iter()
        .map(|p| {
            Regex::new(p.as_ref()).map_err(|e| Error::Config {
                path: path.display().to_string(),
                message: format!("spec pattern {:?} is not a valid regex: {e}", p.as_ref()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_default() {
        let c = Config::parse("", Path::new("x.toml")).unwrap();
        assert_eq!(c.sections, default_sections());
        assert_eq!(c.spec_patterns.len(), 2);
        assert_eq!(c.section_of("fix"), Some(1));
        assert_eq!(c.section_of("wip"), None);
    }

    #[test]
    fn sections_and_patterns_replace_the_defaults() {
        let c = Config::parse(
            "other_title = \"Misc\"\nspec_patterns = ['REQ-(\\d+)']\n[[section]]\ntitle = \"New\"\ntypes = [\"FEAT\", \"add\"]\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.other_title, "Misc");
        assert_eq!(c.sections.len(), 1);
        assert_eq!(c.section_of("add"), Some(0));
        assert_eq!(c.section_of("feat"), Some(0));
        assert_eq!(c.spec_patterns[0].as_str(), "REQ-(\\d+)");
    }

    #[test]
    fn mistakes_name_the_file_and_the_fix() {
        let err = Config::parse("spec_patterns = ['(']", Path::new("n.toml")).unwrap_err();
        assert!(
            err.to_string().starts_with("n.toml: spec pattern \"(\""),
            "{err}"
        );
        let err = Config::parse("sections = 1", Path::new("n.toml")).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let err =
            Config::parse("[[section]]\ntitle='x'\ntypes=[]", Path::new("n.toml")).unwrap_err();
        assert!(err.to_string().contains("lists no types"), "{err}");
    }

    #[test]
    fn default_spec_patterns_match_the_documented_ids() {
        let c = Config::default_config();
        let text = "FR-401 NFR-12 AC-404 SC-001 007-packaging-distribution 2024-01 XFR-1";
        let ids: Vec<&str> = c
            .spec_patterns
            .iter()
            .flat_map(|r| r.find_iter(text).map(|m| m.as_str()))
            .collect();
        assert_eq!(
            ids,
            vec![
                "FR-401",
                "NFR-12",
                "AC-404",
                "SC-001",
                "007-packaging-distribution"
            ]
        );
    }
}
