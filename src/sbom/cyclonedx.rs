//! The CycloneDX JSON document (1.5, or 1.6 on request): the serde model of the parts sbom
//! writes and the writer that makes it reproducible (sorted components, timestamp from
//! `SOURCE_DATE_EPOCH`, serialNumber derived from the content).
//!
//! Spec: <https://cyclonedx.org/docs/1.5/json/>. Licences go out as one `{"expression": …}` when
//! they are SPDX expressions and as `{"license": {"name": …}}` otherwise, which both versions
//! accept; development-only dependencies get scope `excluded` ("not part of the delivered
//! artifact", the spec's words for test and build-time use).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::model::{Component, License};

/// The CycloneDX specification version written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SpecVersion {
    /// CycloneDX 1.5.
    #[value(name = "1.5")]
    V1_5,
    /// CycloneDX 1.6.
    #[value(name = "1.6")]
    V1_6,
}

impl SpecVersion {
    /// The `specVersion` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_5 => "1.5",
            SpecVersion::V1_6 => "1.6",
        }
    }
}

/// The project the SBOM describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// Its name.
    pub name: String,
    /// Its version, when known.
    pub version: Option<String>,
    /// Its purl, when its ecosystem is known.
    pub purl: Option<String>,
}

impl Root {
    /// The `bom-ref` of the root: its purl, or `NAME@VERSION`.
    pub fn bom_ref(&self) -> String {
        match (&self.purl, &self.version) {
            (Some(p), _) => p.clone(),
            (None, Some(v)) => format!("{}@{v}", self.name),
            (None, None) => self.name.clone(),
        }
    }
}

/// Everything the document is made of.
pub struct BomInput<'a> {
    /// The project.
    pub root: &'a Root,
    /// The components, any order (sorted by purl on output).
    pub components: &'a [Component],
    /// `purl → purls it depends on`.
    pub edges: &'a BTreeMap<String, Vec<String>>,
    /// Purls the project depends on directly.
    pub direct: &'a BTreeSet<String>,
    /// Which specification version to write.
    pub spec: SpecVersion,
    /// The `metadata.timestamp`, RFC 3339.
    pub timestamp: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom<'a> {
    bom_format: &'static str,
    spec_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    version: u32,
    metadata: Metadata<'a>,
    components: Vec<CdxComponent<'a>>,
    dependencies: Vec<Dependency<'a>>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    timestamp: &'a str,
    tools: Tools,
    component: CdxComponent<'a>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Tool>,
}

#[derive(Serialize)]
struct Tool {
    #[serde(rename = "type")]
    kind: &'static str,
    group: &'static str,
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct CdxComponent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<CdxHash<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<CdxLicense<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property<'a>>,
}

#[derive(Serialize)]
struct CdxHash<'a> {
    alg: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum CdxLicense<'a> {
    Expression { expression: &'a str },
    Named { license: NamedLicense<'a> },
}

#[derive(Serialize)]
struct NamedLicense<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Property<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    depends_on: Vec<&'a str>,
}

fn component(c: &Component) -> CdxComponent<'_> {
    let mut hashes: Vec<&_> = c.hashes.iter().collect();
    hashes.sort();
    CdxComponent {
        kind: "library",
        bom_ref: &c.purl,
        group: c.group.as_deref(),
        name: c.group.as_deref().map_or(&c.name, |g| {
            c.name
                .strip_prefix(g)
                .and_then(|n| n.strip_prefix('/'))
                .unwrap_or(&c.name)
        }),
        version: c.version.as_deref(),
        scope: Some(c.scope.cyclonedx()),
        hashes: hashes
            .into_iter()
            .map(|h| CdxHash {
                alg: h.alg.cyclonedx(),
                content: &h.hex,
            })
            .collect(),
        licenses: match &c.license {
            Some(License::Expression(e)) => vec![CdxLicense::Expression { expression: e }],
            Some(License::Name(n)) => vec![CdxLicense::Named {
                license: NamedLicense { name: n },
            }],
            None => Vec::new(),
        },
        purl: Some(&c.purl),
        properties: c
            .properties
            .iter()
            .map(|(name, value)| Property { name, value })
            .collect(),
    }
}

/// Renders the document: pretty JSON with a final newline. The serialNumber is a UUID (version
/// 5, in the relkit namespace) of the SHA-256 of the document rendered without it, so equal
/// inputs and timestamps give byte-identical output and different ones a different serial.
/// Returns the document and its serialNumber (`urn:uuid:…`).
pub fn render(input: &BomInput) -> Result<(Vec<u8>, String), serde_json::Error> {
    let mut components: Vec<&Component> = input.components.iter().collect();
    components.sort_by(|a, b| a.purl.cmp(&b.purl));
    let known: BTreeSet<&str> = components.iter().map(|c| c.purl.as_str()).collect();
    let root_ref = input.root.bom_ref();
    let mut dependencies = Vec::with_capacity(components.len() + 1);
    dependencies.push(Dependency {
        reference: &root_ref,
        depends_on: input
            .direct
            .iter()
            .map(String::as_str)
            .filter(|p| known.contains(p))
            .collect(),
    });
    for c in &components {
        let mut deps: Vec<&str> = input
            .edges
            .get(&c.purl)
            .map(|v| {
                v.iter()
                    .map(String::as_str)
                    .filter(|p| known.contains(p))
                    .collect()
            })
            .unwrap_or_default();
        deps.sort_unstable();
        deps.dedup();
        dependencies.push(Dependency {
            reference: &c.purl,
            depends_on: deps,
        });
    }
    let mut bom = Bom {
        bom_format: "CycloneDX",
        spec_version: input.spec.as_str(),
        serial_number: None,
        version: 1,
        metadata: Metadata {
            timestamp: &input.timestamp,
            tools: Tools {
                components: vec![Tool {
                    kind: "application",
                    group: "relkit",
                    name: "sbom",
                    version: env!("CARGO_PKG_VERSION"),
                }],
            },
            component: CdxComponent {
                kind: "application",
                bom_ref: &root_ref,
                group: None,
                name: &input.root.name,
                version: input.root.version.as_deref(),
                scope: None,
                hashes: Vec::new(),
                licenses: Vec::new(),
                purl: input.root.purl.as_deref(),
                properties: Vec::new(),
            },
        },
        components: components.iter().map(|c| component(c)).collect(),
        dependencies,
    };
    let unsigned = serde_json::to_vec(&bom)?;
    let digest = Sha256::digest(&unsigned);
    let serial = format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&RELKIT_NAMESPACE, &digest)
    );
    bom.serial_number = Some(serial.clone());
    let mut out = serde_json::to_vec_pretty(&bom)?;
    out.push(b'\n');
    Ok((out, serial))
}

/// The UUID namespace of relkit sbom serial numbers: a fixed arbitrary value (not derived from
/// any name). Changing it changes every serial number sbom has ever written for the same input.
const RELKIT_NAMESPACE: uuid::Uuid = uuid::Uuid::from_bytes([
    0x6b, 0x1e, 0x52, 0x0e, 0x3c, 0x2a, 0x5b, 0x8f, 0x9d, 0x47, 0x0a, 0x51, 0x7c, 0x3e, 0x21, 0x90,
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sbom::model::{Ecosystem, Hash, HashAlg, Scope};

    fn sample() -> (
        Root,
        Vec<Component>,
        BTreeMap<String, Vec<String>>,
        BTreeSet<String>,
    ) {
        let root = Root {
            name: "app".into(),
            version: Some("1.0.0".into()),
            purl: None,
        };
        let mut a = Component::new(
            Ecosystem::Npm,
            "@s/a",
            Some("1.0.0"),
            "pkg:npm/%40s/a@1.0.0".into(),
        );
        a.group = Some("@s".into());
        a.hashes
            .push(Hash::from_hex(HashAlg::Sha1, &"a".repeat(40)).unwrap());
        a.license = Some(License::Expression("MIT".into()));
        let mut b = Component::new(Ecosystem::Npm, "b", Some("2.0.0"), "pkg:npm/b@2.0.0".into());
        b.scope = Scope::Dev;
        b.license = Some(License::Name("Custom".into()));
        let mut edges = BTreeMap::new();
        edges.insert(
            a.purl.clone(),
            vec![b.purl.clone(), "pkg:npm/missing@1".into()],
        );
        let direct = BTreeSet::from([a.purl.clone()]);
        (root, vec![b, a], edges, direct)
    }

    #[test]
    fn renders_sorted_with_graph_and_content_serial() {
        let (root, comps, edges, direct) = sample();
        let input = BomInput {
            root: &root,
            components: &comps,
            edges: &edges,
            direct: &direct,
            spec: SpecVersion::V1_5,
            timestamp: "2024-01-01T00:00:00Z".into(),
        };
        let (one, serial) = render(&input).unwrap();
        assert_eq!(one, render(&input).unwrap().0);
        let doc: serde_json::Value = serde_json::from_slice(&one).unwrap();
        assert_eq!(doc["components"][0]["name"], "a");
        assert_eq!(doc["components"][0]["group"], "@s");
        assert_eq!(doc["components"][1]["scope"], "excluded");
        assert_eq!(
            doc["components"][1]["licenses"][0]["license"]["name"],
            "Custom"
        );
        assert_eq!(
            doc["dependencies"][1]["dependsOn"],
            serde_json::json!(["pkg:npm/b@2.0.0"])
        );
        assert_eq!(doc["serialNumber"], serial.as_str());
        assert!(serial.starts_with("urn:uuid:"), "{serial}");
        let later = BomInput {
            timestamp: "2024-01-02T00:00:00Z".into(),
            ..input
        };
        let doc2: serde_json::Value = serde_json::from_slice(&render(&later).unwrap().0).unwrap();
        assert_ne!(doc["serialNumber"], doc2["serialNumber"]);
    }
}
