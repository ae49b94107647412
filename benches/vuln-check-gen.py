#!/usr/bin/env python3
"""Benchmark input for benches/vuln-check.sh: an offline OSV database of three ecosystems
(DIR/<Ecosystem>/all.zip, OSV export layout) of realistic size, a CycloneDX SBOM with N
components across them, and the PyPI part as a pinned requirements.txt (for pip-audit).

    python3 benches/vuln-check-gen.py OUT_DIR [COMPONENTS]

Deterministic (seeded). Record shapes follow OSV's exports: PyPI records list ECOSYSTEM ranges
and the enumerated affected versions, npm and crates.io records SEMVER ranges; every record has
aliases, a summary, details, a CVSS v3.1 vector and references.
"""
import json
import os
import random
import sys
import zipfile

out = sys.argv[1]
components = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
rng = random.Random(16)

# Record counts of the same order as OSV's exports of these ecosystems (without npm's MAL-*).
SIZES = {"PyPI": 16000, "npm": 18000, "crates.io": 2000}
NAMES = {"PyPI": 9000, "npm": 12000, "crates.io": 1500}
VECTORS = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
]
WORDS = ("denial of service via crafted input in the parser allows remote attackers to cause "
         "excessive memory use and a crash when processing untrusted archives headers cookies "
         "templates paths redirects with prototype pollution and injection").split()


def name(eco, i):
    return {"PyPI": f"py-pkg-{i}", "npm": f"js-pkg-{i}", "crates.io": f"rs-pkg-{i}"}[eco]


def version(major, minor, patch):
    return f"{major}.{minor}.{patch}"


def text(n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def record(eco, n):
    pkg = name(eco, rng.randrange(NAMES[eco]))
    major = rng.randrange(4)
    intro = version(major, rng.randrange(5), 0)
    fixed = version(major, rng.randrange(5, 15), rng.randrange(10))
    prefix = {"PyPI": "PYSEC", "npm": "GHSA", "crates.io": "RUSTSEC"}[eco]
    rid = f"{prefix}-2099-{n:05d}"
    affected = {
        "package": {"ecosystem": eco, "name": pkg, "purl": f"pkg:{ {'PyPI': 'pypi', 'npm': 'npm', 'crates.io': 'cargo'}[eco]}/{pkg}"},
        "ranges": [{"type": "ECOSYSTEM" if eco == "PyPI" else "SEMVER",
                    "events": [{"introduced": intro if rng.random() < 0.7 else "0"}, {"fixed": fixed}]}],
    }
    if eco == "PyPI":
        affected["versions"] = [version(major, m, p) for m in range(5) for p in range(6)]
    return {
        "schema_version": "1.6.0",
        "id": rid,
        "modified": "2099-01-01T00:00:00Z",
        "published": "2098-06-01T00:00:00Z",
        "aliases": [f"CVE-2099-{n:05d}", f"GHSA-{n:04x}-{rng.randrange(65536):04x}-bench"],
        "summary": text(8),
        "details": text(60),
        "severity": [{"type": "CVSS_V3", "score": rng.choice(VECTORS)}],
        "affected": [affected],
        "references": [{"type": "ADVISORY", "url": f"https://example.invalid/advisories/{rid}"},
                       {"type": "FIX", "url": f"https://example.invalid/{pkg}/commit/{rng.getrandbits(64):016x}"}],
        "database_specific": {"severity": "HIGH", "cwe_ids": ["CWE-400"]},
    }


n = 0
for eco, size in SIZES.items():
    os.makedirs(os.path.join(out, "db", eco), exist_ok=True)
    with zipfile.ZipFile(os.path.join(out, "db", eco, "all.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        for _ in range(size):
            n += 1
            r = record(eco, n)
            z.writestr(f"{r['id']}.json", json.dumps(r, indent=2))

# Components: 40% PyPI, 40% npm, 20% crates.io; distinct names, random versions.
share = {"PyPI": 0.4, "npm": 0.4, "crates.io": 0.2}
comps, reqs = [], []
for eco, frac in share.items():
    count = int(components * frac)
    for i in rng.sample(range(NAMES[eco]), count):
        v = version(rng.randrange(4), rng.randrange(15), rng.randrange(10))
        pkg = name(eco, i)
        kind = {"PyPI": "pypi", "npm": "npm", "crates.io": "cargo"}[eco]
        comps.append({"type": "library", "bom-ref": f"pkg:{kind}/{pkg}@{v}", "name": pkg,
                      "version": v, "purl": f"pkg:{kind}/{pkg}@{v}"})
        if eco == "PyPI":
            reqs.append(f"{pkg}=={v}")
bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": comps}
with open(os.path.join(out, "sbom.cdx.json"), "w") as f:
    json.dump(bom, f, indent=2)
py = dict(bom, components=[c for c in comps if c["purl"].startswith("pkg:pypi/")])
with open(os.path.join(out, "sbom-pypi.cdx.json"), "w") as f:
    json.dump(py, f, indent=2)
with open(os.path.join(out, "requirements.txt"), "w") as f:
    f.write("\n".join(reqs) + "\n")
print(f"{n} records, {len(comps)} components ({len(reqs)} PyPI) in {out}")
