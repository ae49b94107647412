#!/usr/bin/env python3
"""Generates synthetic coverage reports for benches/coverage-gate.sh.

usage: coverage-gate-gen.py lcov|cobertura SIZE_MB OUT

Files are named src/mod<i>/file<j>.c with 2000 lines each; every line is coverable, two thirds
are hit, every tenth line has two branches, every hundredth starts a function. The first 50 files
are the ones the benchmark repository holds and changes.
"""
import sys

LINES = 2000


def lcov_file(name, out):
    w = out.write
    w(f"TN:bench\nSF:{name}\n")
    for f in range(1, LINES, 100):
        w(f"FN:{f},fn_{f}\n")
    for f in range(1, LINES, 100):
        w(f"FNDA:{f % 3},fn_{f}\n")
    w(f"FNF:{LINES // 100}\n")
    for line in range(1, LINES + 1):
        if line % 10 == 0:
            w(f"BRDA:{line},0,0,{line % 3}\nBRDA:{line},0,1,-\n")
    for line in range(1, LINES + 1):
        w(f"DA:{line},{(line % 3) * 7}\n")
    w(f"LF:{LINES}\nLH:{LINES * 2 // 3}\nend_of_record\n")


def cobertura_file(name, out):
    w = out.write
    w(f'<class name="{name}" filename="{name}" line-rate="0.66" branch-rate="0.5" complexity="0"><methods/><lines>\n')
    for line in range(1, LINES + 1):
        hits = (line % 3) * 7
        if line % 10 == 0:
            w(f'<line number="{line}" hits="{hits}" branch="true" condition-coverage="50% (1/2)"/>\n')
        else:
            w(f'<line number="{line}" hits="{hits}" branch="false"/>\n')
    w("</lines></class>\n")


def main():
    kind, size_mb, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    limit = size_mb * 1024 * 1024
    with open(path, "w", buffering=1 << 20) as out:
        if kind == "cobertura":
            out.write('<?xml version="1.0" ?>\n<coverage version="bench" line-rate="0.66" branch-rate="0.5">\n<sources><source>.</source></sources>\n<packages><package name="src" line-rate="0.66" branch-rate="0.5" complexity="0"><classes>\n')
        i = 0
        while out.tell() < limit:
            name = f"src/mod{i // 50}/file{i % 50}.c"
            (lcov_file if kind == "lcov" else cobertura_file)(name, out)
            i += 1
        if kind == "cobertura":
            out.write("</classes></package></packages></coverage>\n")


main()
