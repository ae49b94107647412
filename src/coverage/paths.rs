//! Path normalisation: report paths (absolute, `./`, Windows backslashes, Cobertura `<sources>`
//! roots, container prefixes, Go import paths) become repository-relative paths, and paths that
//! match nothing in the repository are diagnosed with the prefix that would fix them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Options that say how report paths map onto the repository.
#[derive(Debug, Clone, Default)]
pub struct PathOptions {
    /// The repository root.
    pub root: PathBuf,
    /// Prefixes removed from report paths.
    pub strip: Vec<String>,
    /// `FROM=TO` prefix rewrites.
    pub maps: Vec<(String, String)>,
    /// Globs a file must match (any), when non-empty.
    pub include: Vec<String>,
    /// Globs that drop a file.
    pub exclude: Vec<String>,
}

/// Turns report paths into repository-relative ones.
#[derive(Debug, Clone)]
pub struct PathMapper {
    root: PathBuf,
    root_text: String,
    strip: Vec<String>,
    maps: Vec<(String, String)>,
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    go_module: Option<String>,
}

fn globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        builder.add(Glob::new(p).map_err(|e| format!("bad glob '{p}': {e}"))?);
    }
    builder.build().map(Some).map_err(|e| e.to_string())
}

/// Backslashes become slashes; a trailing slash is dropped from prefixes.
fn slashes(s: &str) -> String {
    s.trim().replace('\\', "/")
}

/// True for `/x` and `C:/x`.
fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with('/')
        || (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/')
}

/// Removes `.` segments, empty segments and resolves `..` lexically; keeps a leading `/`.
pub fn clean(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// The `module` path declared in `go.mod`, if any.
fn go_module(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("go.mod")).ok()?;
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("module")?;
        let name = rest.trim().trim_matches('"');
        (!name.is_empty() && rest.starts_with(char::is_whitespace)).then(|| name.to_string())
    })
}

impl PathMapper {
    /// A mapper for these options; errors name the bad glob.
    pub fn new(opts: &PathOptions) -> Result<Self, String> {
        let root = opts
            .root
            .canonicalize()
            .unwrap_or_else(|_| opts.root.clone());
        let root_text = clean(&slashes(&root.to_string_lossy()));
        Ok(PathMapper {
            go_module: go_module(&root),
            root,
            root_text,
            strip: opts.strip.iter().map(|s| slashes(s)).collect(),
            maps: opts
                .maps
                .iter()
                .map(|(f, t)| (slashes(f), slashes(t)))
                .collect(),
            include: globs(&opts.include)?,
            exclude: globs(&opts.exclude)?,
        })
    }

    /// Rewrites, strips and relativises one path (without `<sources>` roots).
    fn rewrite(&self, raw: &str) -> String {
        let mut p = slashes(raw);
        if let Some((from, to)) = self.maps.iter().find(|(f, _)| p.starts_with(f.as_str())) {
            p = format!("{to}{}", &p[from.len()..]);
            if to.is_empty() {
                p = p.trim_start_matches('/').to_string();
            }
        }
        if let Some(prefix) = self.strip.iter().find(|s| p.starts_with(s.as_str())) {
            p = p[prefix.len()..].trim_start_matches('/').to_string();
        }
        if let Some(module) = &self.go_module {
            if let Some(rest) = p
                .strip_prefix(module.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                p = rest.to_string();
            }
        }
        let p = clean(&p);
        match p.strip_prefix(self.root_text.as_str()) {
            Some(rest) if !self.root_text.is_empty() && rest.starts_with('/') => {
                rest[1..].to_string()
            }
            _ if is_absolute(&p) => p,
            _ => p.trim_start_matches('/').to_string(),
        }
    }

    /// True when `rel` (repository-relative) names an existing file.
    pub fn exists(&self, rel: &str) -> bool {
        !is_absolute(rel) && self.root.join(rel).is_file()
    }

    /// The repository-relative path of a report path; Cobertura `<sources>` roots are tried in
    /// order and the first that names an existing file wins.
    pub fn normalize(&self, raw: &str, sources: &[String]) -> String {
        let direct = self.rewrite(raw);
        if sources.is_empty() || is_absolute(&slashes(raw)) {
            return direct;
        }
        let joined: Vec<String> = sources
            .iter()
            .map(|s| self.rewrite(&format!("{}/{}", slashes(s), slashes(raw))))
            .collect();
        if self.exists(&direct) {
            return direct;
        }
        if let Some(hit) = joined.iter().find(|j| self.exists(j)) {
            return hit.clone();
        }
        // Nothing exists (sources not checked out here): a source root inside the repository
        // still says where the file lives; otherwise the report's relative name is the best guess.
        joined
            .into_iter()
            .find(|j| !is_absolute(j))
            .unwrap_or(direct)
    }

    /// True when the file passes `--include`/`--exclude`.
    pub fn keep(&self, rel: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(rel))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(rel))
    }

    /// The repository root as text.
    pub fn root_text(&self) -> &str {
        &self.root_text
    }

    /// The prefix whose removal makes `path` name an existing file, if any.
    fn fixing_prefix(&self, path: &str) -> Option<String> {
        let mut rest = path;
        let mut dropped = 0;
        while let Some(i) = rest.find('/') {
            dropped += i + 1;
            rest = &rest[i + 1..];
            if self.exists(rest) {
                return Some(path[..dropped].to_string());
            }
        }
        None
    }

    /// A diagnosis of the paths that match no file in the repository: how many, an example, and
    /// the `--strip-prefix` that would fix most of them. `None` when every path matches.
    pub fn diagnose<'a>(&self, paths: impl Iterator<Item = &'a String>) -> Option<String> {
        let mut all = 0;
        let mut missing: Vec<&String> = Vec::new();
        for p in paths {
            all += 1;
            if !self.exists(p) {
                missing.push(p);
            }
        }
        let first = missing.first()?;
        let mut prefixes: BTreeMap<String, usize> = BTreeMap::new();
        for p in missing.iter().take(2000) {
            if let Some(prefix) = self.fixing_prefix(p) {
                *prefixes.entry(prefix).or_default() += 1;
            }
        }
        let mut text = format!(
            "{} of {all} files in the reports match nothing under {} (e.g. {first})",
            missing.len(),
            self.root_text
        );
        if let Some((prefix, n)) = prefixes.iter().max_by_key(|(_, n)| **n) {
            text.push_str(&format!(
                "; --strip-prefix '{prefix}' would fix {n} of them"
            ));
        } else if let Some(map) = self.source_root(first) {
            text.push_str(&format!(
                "; --path-map '{map}' would fix it (a source root)"
            ));
        } else {
            text.push_str(
                "; pass --root with the checkout the tests ran in, or --path-map FROM=TO",
            );
        }
        Some(text)
    }

    /// For a relative path such as JaCoCo's `com/acme/A.java`, the `--path-map` that prepends the
    /// source root where the repository has that file (`com/=src/main/java/com/`), found by a
    /// bounded walk of the repository.
    fn source_root(&self, path: &str) -> Option<String> {
        if is_absolute(path) || path.starts_with("..") {
            return None;
        }
        let (first, _) = path.split_once('/')?;
        let name = path.rsplit('/').next()?;
        let walk = walkdir::WalkDir::new(&self.root)
            .into_iter()
            .filter_entry(|e| {
                let n = e.file_name().to_string_lossy();
                !(n.starts_with('.') && e.depth() > 0) && n != "target" && n != "node_modules"
            })
            .take(200_000);
        for entry in walk.flatten() {
            if entry.file_name().to_string_lossy() != name {
                continue;
            }
            let rel = entry.path().strip_prefix(&self.root).ok()?;
            let rel = rel.to_string_lossy().replace('\\', "/");
            if let Some(root) = rel.strip_suffix(path).filter(|r| r.ends_with('/')) {
                return Some(format!("{first}/={root}{first}/"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapper(opts: PathOptions) -> PathMapper {
        PathMapper::new(&opts).unwrap()
    }

    #[test]
    fn cleans_paths() {
        assert_eq!(clean("./a//b/./c"), "a/b/c");
        assert_eq!(clean("/x/../y"), "/y");
        assert_eq!(clean("../a"), "../a");
    }

    #[test]
    fn relativises_and_rewrites() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/a.c"), "").unwrap();
        let root = dir.path().canonicalize().unwrap();
        let m = mapper(PathOptions {
            root: root.clone(),
            strip: vec!["/build/".into()],
            maps: vec![("C:\\work".into(), "".into())],
            ..PathOptions::default()
        });
        let abs = format!("{}/src/a.c", root.display());
        assert_eq!(m.normalize(&abs, &[]), "src/a.c");
        assert_eq!(m.normalize("/build/src/a.c", &[]), "src/a.c");
        assert_eq!(m.normalize("C:\\work\\src\\a.c", &[]), "src/a.c");
        assert_eq!(m.normalize("./src/a.c", &[]), "src/a.c");
        assert_eq!(
            m.normalize("a.c", &["/elsewhere".into(), abs.replace("/a.c", "")]),
            "src/a.c"
        );
        assert_eq!(m.diagnose([&"src/a.c".to_string()].into_iter()), None);
        let diag = m
            .diagnose([&"/ci/app/src/a.c".to_string()].into_iter())
            .unwrap();
        assert!(diag.contains("--strip-prefix '/ci/app/'"), "{diag}");
    }

    #[test]
    fn go_import_paths_use_the_module() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("go.mod"),
            "module example.com/m\n\ngo 1.21\n",
        )
        .unwrap();
        let m = mapper(PathOptions {
            root: dir.path().into(),
            ..PathOptions::default()
        });
        assert_eq!(m.normalize("example.com/m/pkg/x.go", &[]), "pkg/x.go");
    }

    #[test]
    fn include_and_exclude() {
        let m = mapper(PathOptions {
            include: vec!["src/**".into()],
            exclude: vec!["**/gen_*".into()],
            ..PathOptions::default()
        });
        assert!(m.keep("src/a.c"));
        assert!(!m.keep("src/gen_a.c"));
        assert!(!m.keep("tests/a.c"));
    }
}
