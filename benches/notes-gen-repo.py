#!/usr/bin/env python3
"""Writes a deterministic `git fast-import` stream for the notes-gen benchmark: COMMITS commits
(conventional and not, scopes, breaking changes, spec IDs, PR refs, co-authors, 20 authors) on
one branch, with a release tag every TAG_EVERY commits (alternately lightweight and annotated).

Usage: notes-gen-repo.py COMMITS TAG_EVERY | git fast-import --quiet
"""
import sys

commits = int(sys.argv[1])
tag_every = int(sys.argv[2])
out = sys.stdout.buffer
TYPES = ["feat", "fix", "fix", "chore", "docs", "perf", "refactor", "test", "ci", None]
SCOPES = [None, "api", "cli", "core", "docs", "build"]
AUTHORS = [(f"Dev {i:02d}", f"dev{i:02d}@example.com") for i in range(20)]
T0 = 1600000000


def data(text: bytes) -> None:
    out.write(b"data %d\n" % len(text))
    out.write(text)
    out.write(b"\n")


version = [0, 0, 0]
for i in range(1, commits + 1):
    name, email = AUTHORS[i % len(AUTHORS)]
    t = T0 + i * 600
    ty = TYPES[i % len(TYPES)]
    scope = SCOPES[(i // 3) % len(SCOPES)]
    breaking = i % 997 == 0
    if ty is None:
        header = f"Update component {i % 37} for release work"
    else:
        header = f"{ty}{'(' + scope + ')' if scope else ''}{'!' if breaking else ''}: change number {i}"
    if i % 7 == 0:
        header += f" (#{i // 7})"
    body = f"Longer explanation of change {i}, touching module {i % 101}.\n"
    if i % 11 == 0:
        body += f"Implements FR-{i % 500} and 0{i % 90 + 10}-feature-area.\n"
    footers = []
    if breaking:
        footers.append(f"BREAKING CHANGE: behaviour {i} changed")
    if i % 13 == 0:
        co = AUTHORS[(i + 5) % len(AUTHORS)]
        footers.append(f"Co-authored-by: {co[0]} <{co[1]}>")
    if i % 5 == 0:
        footers.append(f"Refs: #{i % 400}")
    message = header + "\n\n" + body + ("\n" + "\n".join(footers) + "\n" if footers else "")
    out.write(b"commit refs/heads/main\n")
    out.write(b"mark :%d\n" % i)
    out.write(f"author {name} <{email}> {t} +0000\n".encode())
    out.write(f"committer {name} <{email}> {t} +0000\n".encode())
    data(message.encode())
    if i > 1:
        out.write(b"from :%d\n" % (i - 1))
    out.write(f"M 644 inline src/file{i % 200}.txt\n".encode())
    data(f"content {i}\n".encode())
    out.write(b"\n")
    if i % tag_every == 0:
        version[2] += 1
        if version[2] == 10:
            version = [version[0], version[1] + 1, 0]
        tag = "v%d.%d.%d" % tuple(version)
        if (i // tag_every) % 2:
            out.write(f"reset refs/tags/{tag}\nfrom :{i}\n\n".encode())
        else:
            out.write(f"tag {tag}\nfrom :{i}\ntagger {name} <{email}> {t + 60} +0000\n".encode())
            data(f"Release {tag}\n".encode())
