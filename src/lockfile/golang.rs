//! Go: `go.mod` for the module and its requirements, `go.sum` for their checksums, and the
//! module cache (`$GOMODCACHE`) for licence texts.
//!
//! A `go.sum` `h1:` value is a "dirhash": the SHA-256 of a listing of the module's files and
//! their own SHA-256s (golang.org/x/mod/sumdb/dirhash), not the digest of any one artifact, so it
//! does not belong in CycloneDX `hashes` (which claim to hash the component itself). It is kept
//! as the property `relkit:sbom:go:h1` instead.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::model::{Component, Ecosystem, Inventory, Malformed};
use super::purl;

/// One `require` of `go.mod`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Require {
    path: String,
    version: String,
    indirect: bool,
}

/// The parts of `go.mod` sbom reads.
#[derive(Debug, Default, PartialEq, Eq)]
struct GoMod {
    module: Option<String>,
    requires: Vec<Require>,
    replaces: HashMap<String, String>,
}

/// Splits a go.mod line into tokens, keeping a quoted path as one token and dropping `//`
/// comments (returned separately).
fn tokens(line: &str) -> (Vec<String>, &str) {
    let (code, comment) = match line.find("//") {
        Some(i) => (&line[..i], line[i + 2..].trim()),
        None => (line, ""),
    };
    let toks = code
        .split_whitespace()
        .map(|t| t.trim_matches('"').trim_matches('`').to_string())
        .collect();
    (toks, comment)
}

fn parse_go_mod(text: &str) -> Result<GoMod, Malformed> {
    let mut m = GoMod::default();
    let mut block: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let (toks, comment) = tokens(line);
        if toks.is_empty() {
            continue;
        }
        let (verb, args): (String, &[String]) = match &block {
            Some(_) if toks[0] == ")" => {
                block = None;
                continue;
            }
            Some(b) => (b.clone(), &toks[..]),
            None => {
                if toks.len() == 2 && toks[1] == "(" {
                    block = Some(toks[0].clone());
                    continue;
                }
                (toks[0].clone(), &toks[1..])
            }
        };
        match verb.as_str() {
            "module" => m.module = args.first().cloned(),
            "require" => match args {
                [path, version] => m.requires.push(Require {
                    path: path.clone(),
                    version: version.clone(),
                    indirect: comment.split(';').any(|c| c.trim() == "indirect"),
                }),
                _ => {
                    return Err(Malformed::at(
                        n,
                        format!("`{}`: a require needs MODULE VERSION", line.trim()),
                    ))
                }
            },
            "replace" => {
                let arrow = args.iter().position(|a| a == "=>").ok_or_else(|| {
                    Malformed::at(n, format!("`{}`: a replace needs `=>`", line.trim()))
                })?;
                let (from, to) = (&args[..arrow], &args[arrow + 1..]);
                if from.is_empty() || to.is_empty() {
                    return Err(Malformed::at(
                        n,
                        format!("`{}`: a replace needs MODULE => TARGET", line.trim()),
                    ));
                }
                m.replaces.insert(from[0].clone(), to.join("@"));
            }
            "go" | "toolchain" | "exclude" | "retract" | "godebug" | "tool" | "ignore" => {}
            other => {
                return Err(Malformed::at(
                    n,
                    format!("unknown directive `{other}`; is this a go.mod file?"),
                ))
            }
        }
    }
    if block.is_some() {
        return Err(Malformed::whole("a `(` block is never closed with `)`"));
    }
    Ok(m)
}

/// `go.sum` lines by `module@version` (the `/go.mod` lines are for the module graph only).
fn parse_go_sum(text: &str) -> Result<HashMap<String, String>, Malformed> {
    let mut sums = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            [] => {}
            [module, version, hash] if hash.contains(':') => {
                if !version.ends_with("/go.mod") {
                    sums.insert(format!("{module}@{version}"), hash.to_string());
                }
            }
            _ => return Err(Malformed::at(i + 1, "expected MODULE VERSION h1:HASH")),
        }
    }
    Ok(sums)
}

/// How the module cache spells a path: each capital letter as `!` plus its lowercase.
fn escape_module_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Why a `go.mod` and the `go.sum` beside it could not be read.
pub enum GoError {
    /// `go.mod` is malformed.
    GoMod(Malformed),
    /// `go.sum` (beside it) is malformed.
    GoSum(PathBuf, Malformed),
    /// `go.sum` (beside it) exists but cannot be read.
    ReadGoSum(PathBuf, std::io::Error),
}

/// Parses `go.mod` at `path` (text given) with the `go.sum` beside it and, when given, the module
/// cache for licence texts.
pub fn parse(path: &Path, text: &str, modcache: Option<&Path>) -> Result<Inventory, GoError> {
    let m = parse_go_mod(text).map_err(GoError::GoMod)?;
    let sum_path = path.with_file_name("go.sum");
    let sums = match std::fs::read_to_string(&sum_path) {
        Ok(t) => parse_go_sum(&t).map_err(|e| GoError::GoSum(sum_path.clone(), e))?,
        // A module without dependencies has no go.sum; any other failure is the user's to hear.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
        Err(e) => return Err(GoError::ReadGoSum(sum_path, e)),
    };
    let mut inv = Inventory::default();
    for r in &m.requires {
        let mut c = Component::new(
            Ecosystem::Golang,
            &r.path,
            Some(&r.version),
            purl::golang(&r.path, Some(&r.version)),
        );
        if let Some(h1) = sums.get(&format!("{}@{}", r.path, r.version)) {
            c.properties.insert("relkit:sbom:go:h1".into(), h1.clone());
        }
        if let Some(to) = m.replaces.get(&r.path) {
            c.properties
                .insert("relkit:sbom:go:replace".into(), to.clone());
        }
        if r.indirect {
            c.properties
                .insert("relkit:sbom:go:indirect".into(), "true".into());
        } else {
            inv.direct.push(c.purl.clone());
        }
        if let Some(cache) = modcache {
            c.license_dirs.push(cache.join(format!(
                "{}@{}",
                escape_module_path(&r.path),
                r.version
            )));
        }
        inv.components.push(c);
    }
    inv.root = m.module.map(|module| (module, None));
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_blocks_comments_and_replaces() {
        let m = parse_go_mod(
            "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/google/uuid v1.6.0\n\tgolang.org/x/text v0.14.0 // indirect\n)\n\nrequire github.com/BurntSushi/toml v1.3.2\nreplace golang.org/x/text => ../text\n",
        )
        .unwrap();
        assert_eq!(m.module.as_deref(), Some("example.com/app"));
        assert_eq!(m.requires.len(), 3);
        assert!(m.requires[1].indirect);
        assert_eq!(m.replaces["golang.org/x/text"], "../text");
        assert_eq!(
            escape_module_path("github.com/BurntSushi/toml"),
            "github.com/!burnt!sushi/toml"
        );
    }

    #[test]
    fn malformed_go_files_name_the_line() {
        assert_eq!(
            parse_go_mod("module a\nrequire (\n  b\n)\n")
                .unwrap_err()
                .line,
            Some(3)
        );
        assert_eq!(
            parse_go_mod("module a\nfrobnicate x\n").unwrap_err().line,
            Some(2)
        );
        assert_eq!(
            parse_go_sum("a v1 h1:x=\nbroken\n").unwrap_err().line,
            Some(2)
        );
    }
}
