//! Reading package URLs (purl, ECMA-427) back into their parts, and mapping the purl types
//! vuln-check can check to OSV ecosystems and package names (sbom's `purl` module builds them).

use percent_encoding::percent_decode_str;

use super::osv::{normalize_name, PackageKey};
use super::version::Ecosystem;

/// A parsed purl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// The type (`pypi`, `npm`, `cargo`, `golang`, `maven`, `gem`, …), lowercase.
    pub kind: String,
    /// The namespace segments joined with `/`, decoded.
    pub namespace: Option<String>,
    /// The name, decoded.
    pub name: String,
    /// The version, decoded.
    pub version: Option<String>,
}

fn decode(s: &str) -> Result<String, String> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| format!("'{s}' is not valid percent-encoded UTF-8"))
}

impl Purl {
    /// Parses `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH`.
    pub fn parse(text: &str) -> Result<Purl, String> {
        let rest = text
            .strip_prefix("pkg:")
            .ok_or_else(|| format!("'{text}' is not a purl (it must start with pkg:)"))?;
        let rest = rest.trim_start_matches('/');
        let rest = rest.split_once('#').map_or(rest, |(a, _)| a);
        let rest = rest.split_once('?').map_or(rest, |(a, _)| a);
        let (path, version) = match rest.rfind('@') {
            Some(at) if at > rest.rfind('/').unwrap_or(0) => {
                (&rest[..at], Some(decode(&rest[at + 1..])?))
            }
            _ => (rest, None),
        };
        let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segs.len() < 2 {
            return Err(format!("'{text}' has no name (pkg:TYPE/NAME@VERSION)"));
        }
        let kind = segs.remove(0).to_ascii_lowercase();
        let name = decode(segs.pop().unwrap_or_default())?;
        let namespace = if segs.is_empty() {
            None
        } else {
            Some(
                segs.iter()
                    .map(|s| decode(s))
                    .collect::<Result<Vec<_>, _>>()?
                    .join("/"),
            )
        };
        Ok(Purl {
            kind,
            namespace,
            name,
            version: version.filter(|v| !v.is_empty()),
        })
    }

    /// The OSV ecosystem and package name this purl stands for, or `None` for a type OSV has no
    /// package ecosystem for here.
    pub fn package(&self) -> Option<PackageKey> {
        let ns = self.namespace.as_deref();
        let (ecosystem, name) = match self.kind.as_str() {
            "pypi" => (Ecosystem::PyPI, self.name.clone()),
            "npm" => (
                Ecosystem::Npm,
                match ns {
                    Some(scope) => format!("{scope}/{}", self.name),
                    None => self.name.clone(),
                },
            ),
            "cargo" => (Ecosystem::CratesIo, self.name.clone()),
            "golang" => (
                Ecosystem::Go,
                match ns {
                    Some(ns) => format!("{ns}/{}", self.name),
                    None => self.name.clone(),
                },
            ),
            "maven" => (Ecosystem::Maven, format!("{}:{}", ns?, self.name)),
            "gem" => (Ecosystem::RubyGems, self.name.clone()),
            _ => return None,
        };
        Some(PackageKey {
            ecosystem,
            name: normalize_name(ecosystem, &name),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(purl: &str) -> Option<(Ecosystem, String, Option<String>)> {
        let p = Purl::parse(purl).unwrap();
        p.package().map(|k| (k.ecosystem, k.name, p.version))
    }

    #[test]
    fn purls_map_to_osv_packages() {
        assert_eq!(
            key("pkg:npm/%40babel/core@7.0.0"),
            Some((Ecosystem::Npm, "@babel/core".into(), Some("7.0.0".into())))
        );
        assert_eq!(
            key("pkg:pypi/Jinja2@2.10?extension=whl#x"),
            Some((Ecosystem::PyPI, "jinja2".into(), Some("2.10".into())))
        );
        assert_eq!(
            key("pkg:golang/golang.org/x/text@v0.3.6"),
            Some((
                Ecosystem::Go,
                "golang.org/x/text".into(),
                Some("v0.3.6".into())
            ))
        );
        assert_eq!(
            key("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"),
            Some((
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core".into(),
                Some("2.14.1".into())
            ))
        );
        assert_eq!(
            key("pkg:cargo/smallvec@1.6.0"),
            Some((Ecosystem::CratesIo, "smallvec".into(), Some("1.6.0".into())))
        );
        assert_eq!(key("pkg:deb/debian/curl@7.88.1"), None);
        assert!(Purl::parse("npm/lodash").is_err());
        assert!(Purl::parse("pkg:npm").is_err());
        assert_eq!(Purl::parse("pkg:npm/lodash").unwrap().version, None);
    }

    #[test]
    fn any_text_parses_or_errs_without_panicking() {
        proptest::proptest!(|(s in "(pkg:)?[a-z@%/.:?#=&0-9-]{0,30}")| {
            if let Ok(p) = Purl::parse(&s) {
                let _ = p.package();
            }
        });
    }
}
