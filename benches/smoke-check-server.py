"""Benchmark server for benches/smoke-check.sh: sleeps DELAY seconds, then listens on 127.0.0.1:PORT
and answers GET/HEAD /health with 200 and a small JSON body. It writes, in nanoseconds since the
epoch, when it started listening (READY_FILE) and when it sent its first 200 (FIRST_FILE)."""

import http.server
import sys
import time

port, delay, ready_file, first_file = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
answered = False


class Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self, body):
        global answered
        data = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)
        self.wfile.flush()
        if not answered:
            answered = True
            with open(first_file, "w") as f:
                f.write(str(time.time_ns()))

    def do_GET(self):
        self._answer(True)

    def do_HEAD(self):
        self._answer(False)

    def log_message(self, *args):
        pass


time.sleep(delay)
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
with open(ready_file, "w") as f:
    f.write(str(time.time_ns()))
server.serve_forever()
