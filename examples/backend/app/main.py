"""A small FastAPI backend: the example that relkit's package.yml builds into a single
executable with PyInstaller and smoke-checks on /api/health."""

import argparse
import os
import signal
import sys

from fastapi import FastAPI
import uvicorn

VERSION = "1.0.0"

app = FastAPI(title="relkit example backend", version=VERSION)


@app.get("/api/health")
def health() -> dict:
    """Liveness and readiness in one: the process is up and answering."""
    return {"status": "ok", "version": VERSION, "checks": {"app": {"ok": True}}}


@app.get("/api/version")
def version() -> dict:
    return {"version": VERSION}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="backend", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    args = parser.parse_args(argv)
    if args.version:
        print(f"backend {VERSION}")
        return 0
    # uvicorn installs its own SIGTERM handler and shuts down gracefully.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
