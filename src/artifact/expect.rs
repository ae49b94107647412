//! Expected artifact names: patterns with `{version}`, `{os}`, `{arch}`, `{target}` and `{ext}`
//! placeholders expanded over a build matrix (`os=linux,windows arch=x86_64,aarch64`), each
//! expansion a literal path or a glob.
//!
//! A placeholder the matrix does not give is derived when it can be: `{ext}` from `{os}` (`.exe`
//! on Windows), `{target}` from `{os}` and `{arch}` (Rust's target triples), `{os}` and `{arch}`
//! from `{target}`. Only the keys a pattern uses are expanded, so `dist/SHA256SUMS` stays one
//! expectation whatever the matrix.

use std::collections::BTreeMap;

use globset::{GlobBuilder, GlobMatcher};

use super::arch;

/// The placeholders every pattern may use besides the matrix's own keys.
const KNOWN: &[&str] = &["version", "os", "arch", "target", "ext"];

/// One build-matrix dimension: a key and its values.
pub type Dimension = (String, Vec<String>);

/// One expected artifact: a pattern expanded for one combination of matrix values.
#[derive(Debug, Clone)]
pub struct Expected {
    /// The pattern as given.
    pub pattern: String,
    /// The expanded path (may contain glob syntax).
    pub path: String,
    /// The placeholder values used (including derived ones).
    pub values: BTreeMap<String, String>,
    matcher: GlobMatcher,
}

impl Expected {
    /// True when the slash-separated `path` is this expectation.
    pub fn matches(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }

    /// The architecture the matrix says this artifact is for (canonical), if it says.
    pub fn arch(&self) -> Option<&'static str> {
        self.values
            .get("arch")
            .and_then(|a| arch::canonical(a))
            .or_else(|| {
                self.values
                    .get("target")
                    .and_then(|t| t.split('-').next())
                    .and_then(arch::canonical)
            })
    }
}

/// Parses `--matrix` items (`os=linux,windows`), in order; a key given twice is an error.
pub fn parse_matrix(items: &[String]) -> Result<Vec<Dimension>, String> {
    let mut matrix: Vec<Dimension> = Vec::new();
    for item in items {
        let Some((key, values)) = item.split_once('=') else {
            return Err(format!(
                "--matrix '{item}': expected KEY=VALUE[,VALUE…], e.g. os=linux,windows"
            ));
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "--matrix '{item}': the key must be letters, digits or '_'"
            ));
        }
        if key == "version" {
            return Err("--matrix: 'version' is not a matrix key; pass --version".to_string());
        }
        let values: Vec<String> = values
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            return Err(format!("--matrix '{item}': no values after '='"));
        }
        if matrix.iter().any(|(k, _)| k == key) {
            return Err(format!("--matrix: key '{key}' given twice"));
        }
        matrix.push((key.to_string(), values));
    }
    Ok(matrix)
}

/// One `--matrix-exclude` entry: the combinations where every pair matches are dropped.
pub type Exclude = Vec<(String, String)>;

/// Parses `--matrix-exclude` items (`os=windows arch=aarch64`, pairs separated by spaces or
/// commas); each key must be a matrix key or one derived from them.
pub fn parse_excludes(items: &[String], matrix: &[Dimension]) -> Result<Vec<Exclude>, String> {
    let mut excludes = Vec::new();
    for item in items {
        let mut pairs = Vec::new();
        for pair in item.split([' ', ',']).filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(format!(
                    "--matrix-exclude '{item}': '{pair}' is not KEY=VALUE; write e.g. 'os=windows arch=aarch64'"
                ));
            };
            let known =
                matrix.iter().any(|(k, _)| k == key) || (KNOWN.contains(&key) && key != "version");
            if !known {
                return Err(format!(
                    "--matrix-exclude '{item}': '{key}' is not a --matrix key"
                ));
            }
            pairs.push((key.to_string(), value.to_string()));
        }
        if pairs.is_empty() {
            return Err(format!("--matrix-exclude '{item}': no KEY=VALUE pairs"));
        }
        excludes.push(pairs);
    }
    Ok(excludes)
}

/// The placeholders in `pattern`: `{name}` with a lowercase identifier; other braces
/// (`{a,b}` glob alternatives) are left alone.
pub fn placeholders(pattern: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if is_ident(&after[..end]) => {
                let name = after[..end].to_string();
                if !names.contains(&name) {
                    names.push(name);
                }
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    names
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Replaces every known placeholder in `text` with its value; unknown ones stay.
pub fn substitute(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

/// Fills in the placeholders the matrix does not give but that follow from those it does.
pub fn derive(values: &mut BTreeMap<String, String>) {
    if let Some(target) = values.get("target").cloned() {
        if !values.contains_key("arch") {
            if let Some(a) = target.split('-').next() {
                values.insert("arch".to_string(), a.to_string());
            }
        }
        if !values.contains_key("os") {
            if let Some(os) = arch::os_from_file_name(&target) {
                values.insert("os".to_string(), os.to_string());
            }
        }
    }
    let os = values.get("os").cloned();
    if !values.contains_key("ext") {
        if let Some(os) = &os {
            let ext = if os_is_windows(os) { ".exe" } else { "" };
            values.insert("ext".to_string(), ext.to_string());
        }
    }
    if !values.contains_key("target") {
        if let (Some(os), Some(a)) = (&os, values.get("arch")) {
            let cpu = arch::canonical(a).unwrap_or(a.as_str());
            let rest = match os.to_ascii_lowercase().as_str() {
                "linux" => Some("unknown-linux-gnu"),
                "windows" | "win" => Some("pc-windows-msvc"),
                "macos" | "darwin" | "osx" | "apple" => Some("apple-darwin"),
                _ => None,
            };
            if let Some(rest) = rest {
                values.insert("target".to_string(), format!("{cpu}-{rest}"));
            }
        }
    }
}

fn os_is_windows(os: &str) -> bool {
    matches!(
        os.to_ascii_lowercase().as_str(),
        "windows" | "win" | "win32" | "win64"
    )
}

/// Which matrix keys a placeholder needs when it is not a matrix key itself.
fn sources(name: &str) -> &'static [&'static str] {
    match name {
        "ext" => &["os", "target"],
        "target" => &["os", "arch"],
        "os" | "arch" => &["target"],
        _ => &[],
    }
}

/// Expands one `--expect` pattern over the matrix.
pub fn expand(
    pattern: &str,
    matrix: &[Dimension],
    excludes: &[Exclude],
    version: Option<&str>,
) -> Result<Vec<Expected>, String> {
    let used = placeholders(pattern);
    let mut keys: Vec<&Dimension> = Vec::new();
    for name in &used {
        if name == "version" {
            if version.is_none() {
                return Err(format!(
                    "--expect '{pattern}' uses {{version}} but no version is known; pass --version or run on a tag (GITHUB_REF_NAME)"
                ));
            }
            continue;
        }
        let wanted: Vec<&str> = if matrix.iter().any(|(k, _)| k == name) {
            vec![name.as_str()]
        } else {
            sources(name).to_vec()
        };
        let found: Vec<&Dimension> = matrix
            .iter()
            .filter(|(k, _)| wanted.contains(&k.as_str()))
            .collect();
        if found.is_empty() {
            let hint = if KNOWN.contains(&name.as_str()) {
                format!("add --matrix {name}=…")
            } else {
                format!(
                    "the placeholders are {{{}}} and the matrix keys",
                    KNOWN.join("}, {")
                )
            };
            return Err(format!(
                "--expect '{pattern}': no value for {{{name}}}; {hint}"
            ));
        }
        for dim in found {
            if !keys.iter().any(|(k, _)| k == &dim.0) {
                keys.push(dim);
            }
        }
    }
    let mut combos: Vec<BTreeMap<String, String>> = vec![BTreeMap::new()];
    for (key, values) in &keys {
        combos = combos
            .into_iter()
            .flat_map(|base| {
                values.iter().map(move |v| {
                    let mut next = base.clone();
                    next.insert(key.clone(), v.clone());
                    next
                })
            })
            .collect();
    }
    let mut out: Vec<Expected> = Vec::new();
    for mut values in combos {
        derive(&mut values);
        // A combination is excluded when it has every pair of an exclude entry; a pattern that
        // does not use a key of the entry (`{os}` only, excluding os+arch) keeps its files.
        let excluded = excludes.iter().any(|pairs| {
            pairs
                .iter()
                .all(|(k, v)| values.get(k).is_some_and(|x| x.eq_ignore_ascii_case(v)))
        });
        if excluded {
            continue;
        }
        if let Some(v) = version {
            values.insert("version".to_string(), v.to_string());
        }
        let path = substitute(pattern, &values);
        let path = path.strip_prefix("./").unwrap_or(&path).to_string();
        if let Some(left) = placeholders(&path).into_iter().find(|n| used.contains(n)) {
            return Err(format!(
                "--expect '{pattern}': cannot derive {{{left}}} from {values:?}; add --matrix {left}=…"
            ));
        }
        if out.iter().any(|e| e.path == path) {
            continue;
        }
        let matcher = GlobBuilder::new(&path)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("--expect '{pattern}': '{path}' is not a valid glob: {e}"))?
            .compile_matcher();
        out.push(Expected {
            pattern: pattern.to_string(),
            path,
            values,
            matcher,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(items: &[&str]) -> Vec<Dimension> {
        parse_matrix(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn paths(e: &[Expected]) -> Vec<&str> {
        e.iter().map(|e| e.path.as_str()).collect()
    }

    #[test]
    fn expands_over_the_product_of_used_keys() {
        let m = matrix(&["os=linux,windows", "arch=x86_64,aarch64"]);
        let e = expand(
            "dist/app-{version}-{os}-{arch}{ext}",
            &m,
            &[],
            Some("1.2.3"),
        )
        .unwrap();
        assert_eq!(
            paths(&e),
            vec![
                "dist/app-1.2.3-linux-x86_64",
                "dist/app-1.2.3-linux-aarch64",
                "dist/app-1.2.3-windows-x86_64.exe",
                "dist/app-1.2.3-windows-aarch64.exe",
            ]
        );
        assert_eq!(e[1].arch(), Some("aarch64"));
        let one = expand("./dist/SHA256SUMS", &m, &[], None).unwrap();
        assert_eq!(paths(&one), vec!["dist/SHA256SUMS"]);
        assert_eq!(one[0].arch(), None);
    }

    #[test]
    fn targets_derive_and_are_derived() {
        let m = matrix(&["target=aarch64-apple-darwin,x86_64-pc-windows-msvc"]);
        let e = expand("app-{arch}-{os}{ext}", &m, &[], None).unwrap();
        assert_eq!(
            paths(&e),
            vec!["app-aarch64-macos", "app-x86_64-windows.exe"]
        );
        let m = matrix(&["os=linux", "arch=arm64"]);
        let e = expand("app-{target}.tar.gz", &m, &[], None).unwrap();
        assert_eq!(paths(&e), vec!["app-aarch64-unknown-linux-gnu.tar.gz"]);
    }

    #[test]
    fn globs_and_their_braces_pass_through() {
        let m = matrix(&["os=linux"]);
        let e = expand("dist/app-{os}.{tar.gz,zip}", &m, &[], None).unwrap();
        assert!(e[0].matches("dist/app-linux.zip"));
        assert!(!e[0].matches("dist/app-windows.zip"));
    }

    #[test]
    fn missing_values_are_usage_errors() {
        let err = expand("app-{arch}", &[], &[], None).unwrap_err();
        assert!(err.contains("add --matrix arch="), "{err}");
        let err = expand("app-{version}", &[], &[], None).unwrap_err();
        assert!(err.contains("pass --version"), "{err}");
        let err = expand("app-{flavour}", &[], &[], None).unwrap_err();
        assert!(err.contains("the placeholders are"), "{err}");
        assert!(parse_matrix(&["os".to_string()]).is_err());
        assert!(parse_matrix(&["os=".to_string()]).is_err());
        assert!(parse_matrix(&["os=a".to_string(), "os=b".to_string()]).is_err());
    }

    #[test]
    fn excluded_combinations_are_not_expected() {
        let m = matrix(&["os=linux,windows", "arch=x86_64,aarch64"]);
        let ex = parse_excludes(&["os=windows arch=aarch64".to_string()], &m).unwrap();
        let e = expand("app-{os}-{arch}", &m, &ex, None).unwrap();
        assert_eq!(
            paths(&e),
            vec![
                "app-linux-x86_64",
                "app-linux-aarch64",
                "app-windows-x86_64"
            ]
        );
        let by_os = expand("app-{os}", &m, &ex, None).unwrap();
        assert_eq!(paths(&by_os), vec!["app-linux", "app-windows"]);
        assert!(parse_excludes(&["flavour=x".to_string()], &m).is_err());
        assert!(parse_excludes(&["os=windows,linux".to_string()], &m).is_err());
        assert!(parse_excludes(&[" ".to_string()], &m).is_err());
    }

    #[test]
    fn custom_matrix_keys_are_placeholders() {
        let m = matrix(&["flavour=gnu,musl"]);
        let e = expand("app-{flavour}", &m, &[], None).unwrap();
        assert_eq!(paths(&e), vec!["app-gnu", "app-musl"]);
    }
}
