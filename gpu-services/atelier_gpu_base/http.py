"""The JSON HTTP layer both services use: GET /health plus the service's POST routes.

A route is `handler(body) -> dict | Reply`: a dict is answered as 200 JSON; a `Reply` carries its own
status, bytes and headers. `RequestError` becomes its status and JSON error; anything else is a model
failure: 500 with the service's `failure_code`, and the service keeps serving.
"""
import argparse
import json
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from atelier_gpu_base.errors import RequestError

MAX_BODY_BYTES = 64 * 1024 * 1024


class Reply:
    def __init__(self, status, body, content_type, headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


def make_handler(host, routes, failure_code="model_error", quiet=False):
    """`routes` maps a POST path ("/segment") to its handler."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"atelier-{host.service}/2"

        def log_message(self, fmt, *args):
            if not quiet:
                sys.stderr.write(f"{host.service}: " + (fmt % args) + "\n")

        def _send(self, status, data, content_type, headers=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status, body, headers=None):
            self._send(status, json.dumps(body).encode("utf-8"), "application/json", headers)

        def _error(self, status, code, message, field=None, headers=None):
            error = {"code": code, "message": message}
            if field:
                error["field"] = field
            self._json(status, {"error": error}, headers)

        def do_GET(self):
            if self.path.split("?")[0] == "/health":
                return self._json(200, host.health())
            self._error(404, "not_found", f"no route GET {self.path}")

        def do_POST(self):
            route = routes.get(self.path.split("?")[0])
            if route is None:
                return self._error(404, "not_found", f"no route POST {self.path}")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.close_connection = True
                return self._error(413, "too_large", f"request body over {MAX_BODY_BYTES} bytes")
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"null")
            except ValueError as error:
                return self._error(400, "invalid_request", f"body is not JSON: {error}")
            if not isinstance(body, dict):
                return self._error(400, "invalid_request", "body must be a JSON object")
            try:
                answer = route(body)
            except RequestError as error:
                headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
                return self._error(error.status, error.code, str(error), error.field, headers)
            except Exception as error:  # the model failed: the service's fault, and it keeps serving
                traceback.print_exc()
                return self._error(500, failure_code, f"{type(error).__name__}: {error}")
            if isinstance(answer, Reply):
                return self._send(answer.status, answer.body, answer.content_type, answer.headers)
            return self._json(200, answer)

    return Handler


def make_server(handler, host="127.0.0.1", port=0):
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def base_arguments(description, default_port):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve other machines (and in Docker)")
    parser.add_argument("--port", type=int, default=default_port, help="0 = any free port (printed on start)")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    return parser


def serve(model_host, server, label):
    """Starts loading, prints the URL (tests read it), and serves until interrupted."""
    model_host.load_in_background()
    host, port = server.server_address[:2]
    print(f"{label} service listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
