//! Version consistency: the release version (from `--version` or the tag in
//! `GITHUB_REF_NAME`), the versions written in file names, and the versions in `Cargo.toml`,
//! `package.json` and `pyproject.toml`.

use std::path::Path;

/// The release version from a tag name: `v1.2.3` → `1.2.3`; `None` when the name is not a
/// version (a branch name such as `main`).
pub fn from_ref_name(name: &str) -> Option<String> {
    let name = name.rsplit('/').next().unwrap_or(name);
    let v = name.strip_prefix('v').unwrap_or(name);
    v.starts_with(|c: char| c.is_ascii_digit())
        .then(|| v.to_string())
}

/// What a file name says about the release version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameVersion {
    /// The name contains the version.
    Matches,
    /// The name contains another version (the first one found).
    Other(String),
    /// The name contains no version at all.
    Absent,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Looks for `version` in a file name. It must stand alone: after the start, a separator or a
/// `v`, and before the end or a separator that does not continue the number (`1.2.3` is not in
/// `1.2.30` nor in `1.2.3.4`). Debian names write `-` of pre-releases as `~` (`1.0~rc1`), which
/// counts as the same version.
pub fn in_file_name(name: &str, version: &str) -> NameVersion {
    let tilde = version.replace('-', "~");
    for candidate in [version, tilde.as_str()] {
        for (at, _) in name.match_indices(candidate) {
            let before = name[..at].chars().last();
            let before_ok = match before {
                None => true,
                Some('v') | Some('V') => name[..at - 1].chars().last().is_none_or(|c| !is_word(c)),
                Some(c) => !is_word(c) && c != '.',
            };
            let rest = &name[at + candidate.len()..];
            let mut after = rest.chars();
            let after_ok = match after.next() {
                None => true,
                Some('.') => after.next().is_none_or(|c| !c.is_ascii_digit()),
                Some(c) => !is_word(c),
            };
            if before_ok && after_ok {
                return NameVersion::Matches;
            }
        }
    }
    let parts = version
        .split(['-', '+', '~'])
        .next()
        .unwrap_or(version)
        .split('.')
        .count()
        .max(2);
    let pattern = format!(
        r"(?:^|[^0-9A-Za-z.])v?(\d+(?:\.\d+){{{}}})(?:$|[^0-9A-Za-z.]|\.[^0-9])",
        parts - 1
    );
    match regex::Regex::new(&pattern) {
        Ok(re) => re
            .captures(name)
            .and_then(|c| c.get(1))
            .map_or(NameVersion::Absent, |m| {
                NameVersion::Other(m.as_str().to_string())
            }),
        Err(_) => NameVersion::Absent,
    }
}

/// Reads the version a manifest declares. `Cargo.toml`: `package.version` (or
/// `workspace.package.version`); `package.json`: `version`; `pyproject.toml`: `project.version`
/// or `tool.poetry.version`. The kind is told by the file name.
pub fn manifest_version(path: &Path, text: &str) -> Result<String, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.as_str() {
        "Cargo.toml" => {
            let doc: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
            let package = doc.get("package").and_then(|p| p.get("version"));
            let workspace = doc
                .get("workspace")
                .and_then(|w| w.get("package"))
                .and_then(|p| p.get("version"));
            match (package, workspace) {
                (Some(toml::Value::String(v)), _) => Ok(v.clone()),
                (Some(toml::Value::Table(t)), Some(toml::Value::String(v)))
                    if t.get("workspace").and_then(|w| w.as_bool()) == Some(true) =>
                {
                    Ok(v.clone())
                }
                (Some(toml::Value::Table(_)), _) => Err(
                    "package.version comes from the workspace; pass the workspace root's Cargo.toml"
                        .to_string(),
                ),
                (None, Some(toml::Value::String(v))) => Ok(v.clone()),
                _ => Err("no package.version".to_string()),
            }
        }
        "package.json" => {
            let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            doc.get("version")
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| "no \"version\" field".to_string())
        }
        "pyproject.toml" => {
            let doc: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
            let project = doc.get("project");
            if let Some(v) = project.and_then(|p| p.get("version")).and_then(|v| v.as_str()) {
                return Ok(v.to_string());
            }
            let poetry = doc
                .get("tool")
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("version"))
                .and_then(|v| v.as_str());
            if let Some(v) = poetry {
                return Ok(v.to_string());
            }
            let dynamic = project
                .and_then(|p| p.get("dynamic"))
                .and_then(|d| d.as_array())
                .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("version")));
            if dynamic {
                Err("project.version is dynamic (set by the build backend); it cannot be checked here".to_string())
            } else {
                Err("no project.version or tool.poetry.version".to_string())
            }
        }
        _ => Err(format!(
            "'{name}' is not a manifest this tool reads; pass Cargo.toml, package.json or pyproject.toml"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_become_versions() {
        assert_eq!(from_ref_name("v1.2.3").as_deref(), Some("1.2.3"));
        assert_eq!(from_ref_name("1.0.0-rc.1").as_deref(), Some("1.0.0-rc.1"));
        assert_eq!(from_ref_name("refs/tags/v2.0.0").as_deref(), Some("2.0.0"));
        assert_eq!(from_ref_name("main"), None);
    }

    #[test]
    fn versions_in_names_stand_alone() {
        use NameVersion::*;
        assert_eq!(
            in_file_name("app-1.2.3-linux-x86_64.tar.gz", "1.2.3"),
            Matches
        );
        assert_eq!(in_file_name("app-v1.2.3.zip", "1.2.3"), Matches);
        assert_eq!(in_file_name("app_1.2.3-1_amd64.deb", "1.2.3"), Matches);
        assert_eq!(
            in_file_name("app_1.2.3~rc1-1_amd64.deb", "1.2.3-rc1"),
            Matches
        );
        assert_eq!(
            in_file_name("app-1.2.30-linux.tar.gz", "1.2.3"),
            Other("1.2.30".into())
        );
        assert_eq!(in_file_name("app-1.2.3.4.tar.gz", "1.2.3"), Absent);
        assert_eq!(
            in_file_name("app-1.2.2-linux.tar.gz", "1.2.3"),
            Other("1.2.2".into())
        );
        assert_eq!(in_file_name("app-linux-x86_64.tar.gz", "1.2.3"), Absent);
        assert_eq!(in_file_name("app-ubuntu22.04.tar.gz", "1.2.3"), Absent);
        assert_eq!(in_file_name("1.2.3", "1.2.3"), Matches);
    }

    #[test]
    fn manifests() {
        let v = |name: &str, text: &str| manifest_version(Path::new(name), text);
        assert_eq!(
            v("Cargo.toml", "[package]\nname='a'\nversion='1.0.0'\n"),
            Ok("1.0.0".into())
        );
        assert_eq!(
            v(
                "Cargo.toml",
                "[workspace.package]\nversion='2.0.0'\n[package]\nversion.workspace=true\n"
            ),
            Ok("2.0.0".into())
        );
        assert!(v("Cargo.toml", "[package]\nversion.workspace=true\n").is_err());
        assert_eq!(
            v("package.json", r#"{"version":"3.1.0"}"#),
            Ok("3.1.0".into())
        );
        assert_eq!(
            v("pyproject.toml", "[project]\nversion='0.4.0'\n"),
            Ok("0.4.0".into())
        );
        assert_eq!(
            v("pyproject.toml", "[tool.poetry]\nversion='0.5.0'\n"),
            Ok("0.5.0".into())
        );
        assert!(v("pyproject.toml", "[project]\ndynamic=['version']\n")
            .unwrap_err()
            .contains("dynamic"));
        assert!(v("setup.cfg", "").is_err());
        assert!(v("package.json", "{").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_name_and_version_are_safe(name in "\\PC{0,30}", version in "[0-9v.~é-]{1,8}") {
            let _ = in_file_name(&name, &version);
            let _ = in_file_name(&format!("vé{version}"), &version);
            let _ = from_ref_name(&name);
        }
    }
}
