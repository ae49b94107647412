//! Package URLs (purl) for the ecosystems sbom reads, built by the rules of the purl
//! specification (github.com/package-url/purl-spec, ECMA-427): the type's own name rules (npm
//! scopes as namespace, PEP 503 names for PyPI, module paths for Go) and percent-encoding of
//! every character outside `A-Za-z0-9.-_~` in each segment.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What stays unencoded in a purl segment: the URL "unreserved" set, plus `:` which the spec
/// allows literally.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~')
    .remove(b':');

/// Percent-encodes one purl segment (namespace part, name, version, qualifier value).
pub fn encode(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Builds `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS` from already-normalised parts; the
/// namespace may hold several `/`-separated segments, each encoded on its own. Qualifiers must
/// be given sorted by key, as the canonical form wants them.
pub fn build(
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut purl = format!("pkg:{kind}/");
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        for seg in ns.split('/').filter(|s| !s.is_empty()) {
            purl.push_str(&encode(seg));
            purl.push('/');
        }
    }
    purl.push_str(&encode(name));
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        purl.push('@');
        purl.push_str(&encode(v));
    }
    let mut sep = '?';
    for (k, v) in qualifiers.iter().filter(|(_, v)| !v.is_empty()) {
        purl.push(sep);
        purl.push_str(k);
        purl.push('=');
        purl.push_str(&encode(v));
        sep = '&';
    }
    purl
}

/// The PEP 503 normalised form of a Python distribution name: lowercase, runs of `-`, `_` and
/// `.` become one `-`. The purl `pypi` type requires it.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// `pkg:cargo/NAME@VERSION`.
pub fn cargo(name: &str, version: &str, qualifiers: &[(&str, &str)]) -> String {
    build("cargo", None, name, Some(version), qualifiers)
}

/// `pkg:npm/%40SCOPE/NAME@VERSION` for `@scope/name`, `pkg:npm/NAME@VERSION` otherwise. npm
/// names are lowercase already; the spec says to lowercase them.
pub fn npm(full_name: &str, version: Option<&str>) -> String {
    let lower = full_name.to_lowercase();
    match split_npm_scope(&lower) {
        (Some(scope), name) => build("npm", Some(scope), name, version, &[]),
        (None, name) => build("npm", None, name, version, &[]),
    }
}

/// Splits `@scope/name` into `(Some("@scope"), "name")`.
pub fn split_npm_scope(full_name: &str) -> (Option<&str>, &str) {
    match full_name.split_once('/') {
        Some((scope, name)) if scope.starts_with('@') => (Some(scope), name),
        _ => (None, full_name),
    }
}

/// `pkg:pypi/NAME@VERSION` with the name PEP 503 normalised.
pub fn pypi(name: &str, version: Option<&str>) -> String {
    build("pypi", None, &pep503(name), version, &[])
}

/// `pkg:golang/MODULE/PATH@VERSION`: the module path's last element is the name, the rest the
/// namespace.
pub fn golang(module: &str, version: Option<&str>) -> String {
    match module.rsplit_once('/') {
        Some((ns, name)) => build("golang", Some(ns), name, version, &[]),
        None => build("golang", None, module, version, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values are the purl-spec's own test cases (tests/types/{npm,pypi,cargo,golang}-test.json
    // in github.com/package-url/purl-spec), rebuilt from their "build" inputs.
    #[test]
    fn purl_spec_type_test_cases() {
        assert_eq!(
            pypi("My.PyPI_.--._Package", Some("1.11.1.dev1")),
            "pkg:pypi/my-pypi-package@1.11.1.dev1"
        );
        assert_eq!(pypi("django", Some("1.11.1")), "pkg:pypi/django@1.11.1");
        assert_eq!(
            pypi("django-allauth", Some("12.23")),
            "pkg:pypi/django-allauth@12.23"
        );
        assert_eq!(
            build(
                "pypi",
                None,
                "django",
                Some("1.11.1"),
                &[("filename", "Django-1.11.1.tar.gz")]
            ),
            "pkg:pypi/django@1.11.1?filename=Django-1.11.1.tar.gz"
        );
        assert_eq!(
            npm("@angular/animation", Some("12.3.1")),
            "pkg:npm/%40angular/animation@12.3.1"
        );
        assert_eq!(npm("foobar", Some("12.3.1")), "pkg:npm/foobar@12.3.1");
        assert_eq!(cargo("rand", "0.7.2", &[]), "pkg:cargo/rand@0.7.2");
        assert_eq!(
            golang("github.com/gorilla/context", Some("234fd47e07d1004f0aed9c")),
            "pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c"
        );
        assert_eq!(
            golang("google.golang.org/genproto", None),
            "pkg:golang/google.golang.org/genproto"
        );
    }

    #[test]
    fn versions_and_names_are_percent_encoded() {
        assert_eq!(
            golang("github.com/docker/docker", Some("v17.03.2-ce+incompatible")),
            "pkg:golang/github.com/docker/docker@v17.03.2-ce%2Bincompatible"
        );
        assert_eq!(
            cargo("a", "1.0.0+build.5", &[]),
            "pkg:cargo/a@1.0.0%2Bbuild.5"
        );
        assert_eq!(encode("a b/c@d"), "a%20b%2Fc%40d");
        assert_eq!(pep503("Jinja2"), "jinja2");
        assert_eq!(pep503("zope.interface"), "zope-interface");
    }
}
