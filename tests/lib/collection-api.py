#!/usr/bin/env python3
"""A stand-in for the collection system's HTTP API, for black-box tests.

    collection-api.py DIR PORT

GET /api/interventions/<n> answers from DIR:
  <n>.json    200, application/json, the file's bytes
  <n>.status  the HTTP status to answer instead (e.g. 500), with an HTML body
  <n>.sleep   seconds to wait before answering
  <n>.type    the Content-Type to send with <n>.json (default application/json)
anything else: 404. Files are read at each request, so a test changes the
answers while the server runs. It serves 127.0.0.1 only.
"""
import http.server
import os
import sys
import time
import urllib.parse

ROOT = sys.argv[1]


def read(name):
    try:
        with open(os.path.join(ROOT, name), "rb") as f:
            return f.read()
    except OSError:
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = urllib.parse.unquote(urllib.parse.urlparse(self.path).path)
        prefix = "/api/interventions/"
        if not path.startswith(prefix) or "/" in path[len(prefix):]:
            return self.answer(404, b"not found", "text/plain")
        n = path[len(prefix):]
        sleep = read(n + ".sleep")
        if sleep:
            time.sleep(float(sleep))
        status = read(n + ".status")
        if status:
            return self.answer(int(status), b"<html><body>error</body></html>", "text/html")
        body = read(n + ".json")
        if body is None:
            return self.answer(404, b"no such intervention", "text/plain")
        ctype = (read(n + ".type") or b"application/json").decode().strip()
        self.answer(200, body, ctype)

    def answer(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except BrokenPipeError:
            pass

    def log_message(self, fmt, *args):
        sys.stderr.write("collection-api: " + fmt % args + "\n")


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
