#!/usr/bin/env python3
"""A local OSV API for benches/vuln-check.sh, serving the records of an OSV export directory
(DIR/<Ecosystem>/all.zip) the way OSV documents its endpoints: POST /v1/query (full records, what
pip-audit asks), POST /v1/querybatch (ids and modified times) and GET /v1/vulns/{id}.

    python3 benches/vuln-check-server.py DB_DIR PORT_FILE

Run with the python of pip-audit's venv: it orders PyPI versions with `packaging`, as OSV
does. Prints nothing; writes the port it listens on to PORT_FILE once ready.
"""
import json
import sys
import zipfile
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from pathlib import Path

from packaging.version import InvalidVersion, Version

db, port_file = Path(sys.argv[1]), sys.argv[2]
by_id, by_pkg = {}, {}
for zpath in db.glob("*/all.zip"):
    with zipfile.ZipFile(zpath) as z:
        for n in z.namelist():
            r = json.loads(z.read(n))
            by_id[r["id"]] = r
            for a in r.get("affected", []):
                p = a.get("package", {})
                by_pkg.setdefault((p.get("ecosystem"), p.get("name")), []).append(r)


def key(eco, v):
    if eco == "PyPI":
        return Version(v)
    core = v.lstrip("v").split("-")[0].split("+")[0]
    return tuple(int(x) for x in core.split("."))


def affected(r, eco, name, v):
    try:
        mine = key(eco, v)
    except (InvalidVersion, ValueError):
        return False
    for a in r.get("affected", []):
        p = a.get("package", {})
        if p.get("ecosystem") != eco or p.get("name") != name:
            continue
        if v in a.get("versions", []):
            return True
        for rng in a.get("ranges", []):
            hit = False
            events = []
            for e in rng.get("events", []):
                (k, x), = e.items()
                events.append((key(eco, "0.0.0" if x == "0" and eco != "PyPI" else x), k))
            for x, k in sorted(events, key=lambda e: e[0]):
                if k == "introduced" and mine >= x:
                    hit = True
                elif k == "fixed" and mine >= x:
                    hit = False
            if hit:
                return True
    return False


def matches(q):
    eco, name = q["package"]["ecosystem"], q["package"]["name"]
    if eco == "PyPI":
        name = name.lower().replace("_", "-").replace(".", "-")
    return [r for r in by_pkg.get((eco, name), []) if affected(r, eco, name, q["version"])]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle and delayed ACKs add 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        q = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self.path == "/v1/query":
            vulns = matches(q)
            self.answer(200, {"vulns": vulns} if vulns else {})
        elif self.path == "/v1/querybatch":
            results = []
            for one in q["queries"]:
                vulns = [{"id": r["id"], "modified": r["modified"]} for r in matches(one)]
                results.append({"vulns": vulns} if vulns else {})
            self.answer(200, {"results": results})
        else:
            self.answer(404, {"code": 5, "message": "Not found."})

    def do_GET(self):
        rid = self.path.removeprefix("/v1/vulns/")
        if rid in by_id:
            self.answer(200, by_id[rid])
        else:
            self.answer(404, {"code": 5, "message": "Bug not found."})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
Path(port_file).write_text(str(server.server_address[1]))
server.serve_forever()
