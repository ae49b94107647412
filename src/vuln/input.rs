//! What vuln-check scans: CycloneDX JSON 1.4–1.6 and SPDX 2.3 JSON SBOMs, and the lockfiles
//! `sbom` reads (through sbom's own readers), as a list of components identified by purl, each
//! with the file and, when it can be found, the line that declares it.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::osv::PackageKey;
use super::purl::Purl;
use super::Error;
use crate::exit::FileError;
use crate::lockfile::model::{Inventory, Malformed};
use crate::lockfile::{cargo, golang, npm, python};

/// One component to check.
#[derive(Debug, Clone)]
pub struct Component {
    /// Its purl as the input wrote it.
    pub purl: String,
    /// Its OSV package, when the purl type is one vuln-check checks.
    pub key: Option<PackageKey>,
    /// The purl type.
    pub kind: String,
    /// Its version, when known.
    pub version: Option<String>,
    /// The file it came from.
    pub source: String,
    /// The line of that file declaring it, when known.
    pub line: Option<usize>,
    /// Its CycloneDX `bom-ref`, for VEX statements that point at it.
    pub bom_ref: Option<String>,
}

/// A component that could not be checked, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unchecked {
    /// The purl, or the component's name when it has none.
    pub component: String,
    /// The file it came from.
    pub source: String,
    /// Why it cannot be checked.
    pub reason: String,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Components to check.
    pub components: Vec<Component>,
    /// Components that cannot be checked.
    pub unchecked: Vec<Unchecked>,
}

fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound(path.display().to_string())
        } else {
            Error::File(FileError::Read {
                path: path.display().to_string(),
                source,
            })
        }
    })
}

fn malformed(path: &Path, m: Malformed) -> Error {
    Error::Malformed {
        path: m.file.as_deref().unwrap_or(path).display().to_string(),
        line: m.line,
        reason: m.reason,
        hint: "fix the file or regenerate it with its package manager",
    }
}

/// The lockfile kinds sbom reads, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lockfile {
    Cargo,
    Npm,
    Requirements,
    Poetry,
    Uv,
    Pipfile,
    GoMod,
}

fn lockfile_kind(path: &Path) -> Option<Lockfile> {
    let name = path.file_name()?.to_str()?;
    Some(match name {
        "Cargo.lock" => Lockfile::Cargo,
        "package-lock.json" | "npm-shrinkwrap.json" => Lockfile::Npm,
        "poetry.lock" => Lockfile::Poetry,
        "uv.lock" => Lockfile::Uv,
        "Pipfile.lock" => Lockfile::Pipfile,
        "go.mod" => Lockfile::GoMod,
        n if n.starts_with("requirements") && n.ends_with(".txt") => Lockfile::Requirements,
        _ => return None,
    })
}

/// Reads one input file (SBOM or lockfile) into `inputs`.
pub fn read(path: &Path, inputs: &mut Inputs) -> Result<(), Error> {
    let text = read_text(path)?;
    let source = path.display().to_string();
    if let Some(kind) = lockfile_kind(path) {
        let inventory = read_lockfile(kind, path, &text)?;
        for c in inventory.components {
            let line = locate(kind, &text, &c.name, c.version.as_deref());
            add(inputs, &c.purl, &source, line, None);
        }
        return Ok(());
    }
    let doc: Value = serde_json::from_str(&text).map_err(|e| Error::Malformed {
        path: source.clone(),
        line: Some(e.line()),
        reason: format!("not JSON ({e})"),
        hint: "pass a CycloneDX or SPDX JSON SBOM, or a lockfile",
    })?;
    if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        read_cyclonedx(&doc, &text, &source, inputs)
    } else if doc.get("spdxVersion").is_some() {
        read_spdx(&doc, &text, &source, inputs)
    } else {
        Err(Error::Malformed {
            path: source,
            line: None,
            reason: "neither a CycloneDX SBOM (no \"bomFormat\": \"CycloneDX\") nor an SPDX one (no \"spdxVersion\")".into(),
            hint: "pass a CycloneDX 1.4-1.6 or SPDX 2.3 JSON SBOM, or a lockfile",
        })
    }
}

fn read_lockfile(kind: Lockfile, path: &Path, text: &str) -> Result<Inventory, Error> {
    let m = |e| malformed(path, e);
    Ok(match kind {
        Lockfile::Cargo => cargo::parse(path, text, None).map_err(m)?,
        Lockfile::Npm => npm::parse_lock(path, text).map_err(m)?,
        Lockfile::Requirements => python::parse_requirements(text).map_err(m)?,
        Lockfile::Poetry => python::parse_poetry(path, text).map_err(m)?,
        Lockfile::Uv => python::parse_uv(text).map_err(m)?,
        Lockfile::Pipfile => python::parse_pipfile(text).map_err(m)?,
        Lockfile::GoMod => golang::parse(path, text, None).map_err(|e| match e {
            golang::GoError::GoMod(e) => malformed(path, e),
            golang::GoError::GoSum(sum, e) => malformed(&sum, e),
            golang::GoError::ReadGoSum(sum, source) => Error::File(FileError::Read {
                path: sum.display().to_string(),
                source,
            }),
        })?,
    })
}

/// Adds one component by purl, or records why it cannot be checked.
fn add(
    inputs: &mut Inputs,
    purl: &str,
    source: &str,
    line: Option<usize>,
    bom_ref: Option<String>,
) {
    let parsed = match Purl::parse(purl) {
        Ok(p) => p,
        Err(reason) => {
            inputs.unchecked.push(Unchecked {
                component: purl.to_string(),
                source: source.to_string(),
                reason,
            });
            return;
        }
    };
    let key = parsed.package();
    if key.is_none() {
        inputs.unchecked.push(Unchecked {
            component: purl.to_string(),
            source: source.to_string(),
            reason: format!("purl type '{}' has no OSV ecosystem vuln-check checks (pypi, npm, cargo, golang, maven, gem)", parsed.kind),
        });
        return;
    }
    if parsed.version.is_none() {
        inputs.unchecked.push(Unchecked {
            component: purl.to_string(),
            source: source.to_string(),
            reason: "no version (pin it in the lockfile, or give the SBOM component a version)"
                .into(),
        });
        return;
    }
    inputs.components.push(Component {
        purl: purl.to_string(),
        key,
        kind: parsed.kind,
        version: parsed.version,
        source: source.to_string(),
        line,
        bom_ref,
    });
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of_text(text: &str, needle: &str) -> Option<usize> {
    text.find(needle)
        .map(|at| crate::lockfile::model::line_of(text, at))
}

/// The line of every JSON string starting with `pkg:` in an SBOM's text, first occurrence
/// kept: one pass, instead of a search through the whole document per component.
fn purl_lines(text: &str) -> HashMap<&str, usize> {
    let mut lines = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("\"pkg:") {
            let tail = &rest[at + 1..];
            let Some(end) = tail.find('"') else { break };
            lines.entry(&tail[..end]).or_insert(n + 1);
            rest = &tail[end..];
        }
    }
    lines
}

fn read_cyclonedx(doc: &Value, text: &str, source: &str, inputs: &mut Inputs) -> Result<(), Error> {
    let spec = doc.get("specVersion").and_then(Value::as_str).unwrap_or("");
    if !matches!(spec, "1.4" | "1.5" | "1.6") {
        return Err(Error::Malformed {
            path: source.to_string(),
            line: line_of_text(text, "\"specVersion\""),
            reason: format!("CycloneDX specVersion '{spec}'; vuln-check reads 1.4, 1.5 and 1.6"),
            hint: "write the SBOM as CycloneDX 1.4 or later",
        });
    }
    let mut stack: Vec<&Value> = Vec::new();
    match doc.get("components") {
        None => {}
        Some(Value::Array(list)) => stack.extend(list.iter().rev()),
        Some(_) => {
            return Err(Error::Malformed {
                path: source.to_string(),
                line: line_of_text(text, "\"components\""),
                reason: "\"components\" is not an array".into(),
                hint: "fix the SBOM",
            })
        }
    }
    let lines = purl_lines(text);
    while let Some(c) = stack.pop() {
        let bom_ref = c.get("bom-ref").and_then(Value::as_str).map(str::to_string);
        match c.get("purl").and_then(Value::as_str) {
            Some(purl) => {
                add(inputs, purl, source, lines.get(purl).copied(), bom_ref);
            }
            None => inputs.unchecked.push(Unchecked {
                component: describe(c),
                source: source.to_string(),
                reason: "no purl".into(),
            }),
        }
        if let Some(Value::Array(children)) = c.get("components") {
            stack.extend(children.iter().rev());
        }
    }
    Ok(())
}

fn describe(c: &Value) -> String {
    let name = c.get("name").and_then(Value::as_str).unwrap_or("(unnamed)");
    match c.get("version").and_then(Value::as_str) {
        Some(v) => format!("{name}@{v}"),
        None => name.to_string(),
    }
}

fn read_spdx(doc: &Value, text: &str, source: &str, inputs: &mut Inputs) -> Result<(), Error> {
    let version = doc.get("spdxVersion").and_then(Value::as_str).unwrap_or("");
    if version != "SPDX-2.3" && version != "SPDX-2.2" {
        return Err(Error::Malformed {
            path: source.to_string(),
            line: line_of_text(text, "\"spdxVersion\""),
            reason: format!("spdxVersion '{version}'; vuln-check reads SPDX-2.3 (and 2.2) JSON"),
            hint: "write the SBOM as SPDX 2.3 JSON",
        });
    }
    let Some(packages) = doc.get("packages").and_then(Value::as_array) else {
        return Err(Error::Malformed {
            path: source.to_string(),
            line: None,
            reason: "no \"packages\" array".into(),
            hint: "fix the SBOM",
        });
    };
    // The packages the document describes are the project itself, not a dependency.
    let described: Vec<&str> = doc
        .get("documentDescribes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let lines = purl_lines(text);
    for p in packages {
        let purl = p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
            .and_then(|r| r.get("referenceLocator").and_then(Value::as_str));
        let id = p.get("SPDXID").and_then(Value::as_str);
        match purl {
            Some(purl) => {
                add(
                    inputs,
                    purl,
                    source,
                    lines.get(purl).copied(),
                    id.map(str::to_string),
                );
            }
            None if id.is_some_and(|id| described.contains(&id)) => {}
            None => {
                let mut name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("(unnamed)")
                    .to_string();
                if let Some(v) = p.get("versionInfo").and_then(Value::as_str) {
                    name = format!("{name}@{v}");
                }
                inputs.unchecked.push(Unchecked {
                    component: name,
                    source: source.to_string(),
                    reason: "no purl external reference".into(),
                });
            }
        }
    }
    Ok(())
}

/// The line of a lockfile that declares a package, found by the lockfile's own syntax.
fn locate(kind: Lockfile, text: &str, name: &str, version: Option<&str>) -> Option<usize> {
    // sbom's components carry the full name (npm scope, Go module path) in `name`.
    let full = name;
    let lines: Vec<&str> = text.lines().collect();
    let find = |pred: &dyn Fn(usize, &str) -> bool| {
        lines
            .iter()
            .enumerate()
            .find(|(i, l)| pred(*i, l))
            .map(|(i, _)| i + 1)
    };
    match kind {
        Lockfile::Cargo | Lockfile::Poetry | Lockfile::Uv => {
            let decl = format!("name = \"{full}\"");
            let ver = version.map(|v| format!("version = \"{v}\""));
            find(&|i, l| {
                l.trim() == decl
                    && ver
                        .as_ref()
                        .is_none_or_eq(lines.get(i + 1).map(|n| n.trim()))
            })
            .or_else(|| find(&|_, l| l.trim() == decl))
        }
        Lockfile::Npm => {
            let key = format!("node_modules/{full}\"");
            find(&|_, l| l.trim_start().starts_with('"') && l.contains(&key))
                .or_else(|| find(&|_, l| l.trim_start().starts_with(&format!("\"{full}\": {{"))))
        }
        Lockfile::Pipfile => find(&|_, l| l.trim_start().starts_with(&format!("\"{full}\": {{"))),
        Lockfile::Requirements => {
            let want = crate::lockfile::purl::pep503(full);
            find(&|_, l| {
                let l = l.trim_start();
                let end = l
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
                    .unwrap_or(l.len());
                end > 0 && crate::lockfile::purl::pep503(&l[..end]) == want
            })
        }
        Lockfile::GoMod => find(&|_, l| {
            let mut words = l.split_whitespace();
            let first = words.next();
            let first = if first == Some("require") {
                words.next()
            } else {
                first
            };
            first == Some(full)
        }),
    }
}

/// `Option<&String>` helper for the line after a declaration.
trait OptEq {
    fn is_none_or_eq(&self, other: Option<&str>) -> bool;
}

impl OptEq for Option<&String> {
    fn is_none_or_eq(&self, other: Option<&str>) -> bool {
        match self {
            None => true,
            Some(want) => other == Some(want.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfile_lines_are_found() {
        let cargo = "[[package]]\nname = \"time\"\nversion = \"0.1.45\"\n\n[[package]]\nname = \"time\"\nversion = \"0.2.22\"\n";
        assert_eq!(
            locate(Lockfile::Cargo, cargo, "time", Some("0.2.22")),
            Some(6)
        );
        let req = "# pinned\nJinja2==2.10\nrequests == 2.19.1\n";
        assert_eq!(locate(Lockfile::Requirements, req, "jinja2", None), Some(2));
        assert_eq!(
            locate(Lockfile::Requirements, req, "requests", None),
            Some(3)
        );
        let gomod = "module x\n\nrequire (\n\tgolang.org/x/text v0.3.6\n)\n";
        assert_eq!(
            locate(Lockfile::GoMod, gomod, "golang.org/x/text", None),
            Some(4)
        );
    }
}
