"""The LGM service: GET /health, POST /reconstruct (see gpu-services/README.md, "## LGM").

Run from gpu-services/:  python -m lgm.server --port 8002 --lgm-repo ~/LGM
"""
import argparse
import json
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lgm.image_input import InputError, decode_rgba_png
from lgm.ply import ply_bytes

MAX_BODY_BYTES = 64 * 1024 * 1024


class LgmService:
    """Holds the pipeline, loads it in the background, and serialises reconstructions (one GPU)."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.ready = False
        self.load_error = None
        self._lock = threading.Lock()

    def load(self):
        try:
            self.pipeline.load()
            self.ready = True
        except Exception as error:  # reported by /health; the service stays up to say why
            self.load_error = f"{type(error).__name__}: {error}"
            traceback.print_exc()

    def health(self):
        body = {"service": "lgm", "model": self.pipeline.name, "device": self.pipeline.device, "ready": self.ready}
        if self.load_error:
            body["error"] = self.load_error
        return body

    def reconstruct(self, rgba):
        with self._lock:
            return ply_bytes(self.pipeline.reconstruct(rgba))


def make_handler(service):
    class Handler(BaseHTTPRequestHandler):
        server_version = "atelier-lgm/1"

        def log_message(self, fmt, *args):
            sys.stderr.write("lgm: " + (fmt % args) + "\n")

        def send_json(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def send_error_json(self, status, code, message, field=None, headers=()):
            error = {"code": code, "message": message}
            if field:
                error["field"] = field
            self.send_json(status, {"error": error}, headers)

        def do_GET(self):
            if self.path == "/health":
                self.send_json(200, service.health())
            else:
                self.send_error_json(404, "not_found", f"no route GET {self.path}")

        def do_POST(self):
            if self.path != "/reconstruct":
                self.send_error_json(404, "not_found", f"no route POST {self.path}")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.send_error_json(413, "too_large", f"request body over {MAX_BODY_BYTES} bytes")
                self.close_connection = True
                return
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError as error:
                self.send_error_json(400, "invalid_request", f"body is not JSON: {error}")
                return
            if not isinstance(body, dict):
                self.send_error_json(400, "invalid_request", 'body must be a JSON object {"image": <base64 RGBA PNG>}')
                return
            try:
                rgba = decode_rgba_png(body.get("image"))
            except InputError as error:
                self.send_error_json(400, "invalid_request", str(error), field=error.field)
                return
            if not service.ready:
                why = service.load_error or "the model is still loading"
                self.send_error_json(503, "not_ready", why, headers=[("Retry-After", "10")])
                return
            try:
                data, count = service.reconstruct(rgba)
            except Exception as error:
                traceback.print_exc()
                self.send_error_json(500, "reconstruction_failed", f"{type(error).__name__}: {error}")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ply")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Gaussian-Count", str(count))
            self.send_header("X-Model", service.pipeline.name)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def make_server(service, host="127.0.0.1", port=8002):
    server = ThreadingHTTPServer((host, port), make_handler(service))
    server.daemon_threads = True
    return server


def build_pipeline(args):
    if args.pipeline == "test-double":
        from lgm.pipeline_double import TestDoublePipeline

        return TestDoublePipeline()
    if not args.lgm_repo:
        raise SystemExit("--lgm-repo (a clone of https://github.com/3DTopia/LGM) is required for the real pipeline")
    from lgm.pipeline import LGMPipeline

    return LGMPipeline(args.lgm_repo, checkpoint=args.checkpoint, device=args.device)


def main(argv=None):
    parser = argparse.ArgumentParser(description="LGM image-to-3D service for Atelier")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002, help="0 picks a free port (printed on start)")
    parser.add_argument("--pipeline", choices=["lgm", "test-double"], default="lgm")
    parser.add_argument("--lgm-repo", help="path to a clone of 3DTopia/LGM")
    parser.add_argument("--checkpoint", help="default: <lgm-repo>/pretrained/model_fp16_fixrot.safetensors")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args(argv)

    service = LgmService(build_pipeline(args))
    server = make_server(service, args.host, args.port)
    threading.Thread(target=service.load, daemon=True).start()
    host, port = server.server_address[:2]
    print(f"LGM service listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
