"""The SAM2 HTTP service: GET /health, POST /segment (contract: gpu-services/README.md, "## SAM2").

    python gpu-services/sam2/sam2_service.py --port 8001              # real SAM2 (GPU)
    python gpu-services/sam2/sam2_service.py --model double --port 0  # test double; prints the URL
"""
import argparse
import json
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from sam2_cache import EmbeddingCache
from sam2_codec import RequestError, decode_image, encode_mask, mask_bbox, sha256_hex
from sam2_scaling import logits_to_masks, resize_rgb, scale_box, scale_points, working_scale

MAX_BODY_BYTES = 64 * 1024 * 1024
DEFAULT_PORT = 8001


class Sam2Service:
    """Validates requests, keeps embeddings by image hash, serialises model calls (one GPU)."""

    def __init__(self, model, cache_size=16, max_side=2048):
        self.model = model
        self.cache = EmbeddingCache(cache_size)
        self.max_side = max_side
        self.ready = False
        self.load_error = None
        self._lock = threading.Lock()

    def load(self):
        try:
            self.model.load()
            self.ready = True
        except Exception as error:  # reported by /health; the service stays up to say why
            self.load_error = f"{type(error).__name__}: {error}"
            traceback.print_exc()

    def health(self):
        body = {"service": "sam2", "model": self.model.name, "device": self.model.device, "ready": self.ready}
        if self.load_error:
            body["error"] = self.load_error
        return body

    def segment(self, body):
        if not self.ready:
            raise RequestError(self.load_error or "the model is still loading", status=503, code="not_ready")
        if not isinstance(body, dict):
            raise RequestError("body must be a JSON object")
        points, labels, box, multimask = parse_prompt(body)
        claimed = body.get("image_sha256")
        if claimed is not None and not isinstance(claimed, str):
            raise RequestError("image_sha256 must be a hex string", field="image_sha256")

        if body.get("image") is not None:
            rgb, data = decode_image(body["image"])
            sha = sha256_hex(data)
            if claimed is not None and claimed.lower() != sha:
                raise RequestError(f"image_sha256 {claimed} does not match the image's SHA-256 {sha}", field="image_sha256")
            entry = self.cache.get(sha)
            reused = entry is not None
            if entry is None:
                entry = self._embed(rgb)
                self.cache.put(sha, entry)
        elif claimed is not None:
            sha = claimed.lower()
            entry = self.cache.get(sha)
            if entry is None:
                raise RequestError(f"unknown image_sha256 {sha}: send the image", status=404, code="unknown_image", field="image_sha256")
            reused = True
        else:
            raise RequestError("give image (base64 PNG) or image_sha256", field="image")

        width, height = entry["width"], entry["height"]
        check_inside(points, box, width, height)
        sx, sy = entry["sx"], entry["sy"]
        with self._lock:
            logits, scores = self.model.predict(
                entry["embedding"], scale_points(points, sx, sy), None if labels is None else np.asarray(labels, dtype=np.int32),
                scale_box(box, sx, sy), multimask,
            )
        masks = logits_to_masks(logits, width, height)
        scores = [float(s) for s in np.asarray(scores).reshape(-1)]
        best = int(np.argmax(scores))
        return {
            "masks": [encode_mask(m) for m in masks],
            "scores": scores,
            "bbox": mask_bbox(masks[best]),
            "image_sha256": sha,
            "embedding_reused": reused,
        }

    def _embed(self, rgb):
        height, width = rgb.shape[:2]
        scale = working_scale(width, height, self.max_side)
        working = resize_rgb(rgb, scale)
        with self._lock:
            embedding = self.model.embed(working)
        return {
            "embedding": embedding,
            "width": width,
            "height": height,
            "sx": working.shape[1] / width,
            "sy": working.shape[0] / height,
        }


def parse_prompt(body):
    points = body.get("points") or None
    labels = body.get("labels") or None
    if points is not None:
        if not isinstance(points, list) or not all(isinstance(p, list) and len(p) == 2 and all(_number(v) for v in p) for p in points):
            raise RequestError("points must be a list of [x, y] in source-image pixels", field="points")
        if not isinstance(labels, list) or len(labels) != len(points) or any(l not in (0, 1) for l in labels):
            raise RequestError("labels must list 0 or 1 for each point", field="labels")
    elif labels:
        raise RequestError("labels given without points", field="labels")
    box = body.get("box")
    if box is not None:
        if not isinstance(box, list) or len(box) != 4 or not all(_number(v) for v in box) or box[2] <= box[0] or box[3] <= box[1]:
            raise RequestError("box must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0", field="box")
    if points is None and box is None:
        raise RequestError("give at least one point (points) or a box", field="points")
    multimask = body.get("multimask", False)
    if not isinstance(multimask, bool):
        raise RequestError("multimask must be true or false", field="multimask")
    return points, labels, box, multimask


def check_inside(points, box, width, height):
    for i, (x, y) in enumerate(points or []):
        if not (0 <= x < width and 0 <= y < height):
            raise RequestError(f"points[{i}] ({x}, {y}) lies outside the {width}x{height} image", field=f"points[{i}]")
    if box is not None and not (box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height):
        raise RequestError(f"box {box} lies outside the {width}x{height} image", field="box")


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def make_handler(service, quiet=False):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            if not quiet:
                sys.stderr.write("sam2: " + (fmt % args) + "\n")

        def _json(self, status, body, headers=None):
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status, code, message, field=None, headers=None):
            error = {"code": code, "message": message}
            if field:
                error["field"] = field
            self._json(status, {"error": error}, headers)

        def do_GET(self):
            if self.path.split("?")[0] == "/health":
                return self._json(200, service.health())
            self._error(404, "not_found", f"no route GET {self.path}")

        def do_POST(self):
            if self.path.split("?")[0] != "/segment":
                return self._error(404, "not_found", f"no route POST {self.path}")
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                self.close_connection = True
                return self._error(413, "too_large", f"body over {MAX_BODY_BYTES} bytes")
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                return self._error(400, "invalid_json", "body is not JSON")
            try:
                return self._json(200, service.segment(body))
            except RequestError as error:
                retry = {"retry-after": "5"} if error.status == 503 else None
                return self._error(error.status, error.code, str(error), error.field, retry)
            except Exception as error:  # a model failure is the service's fault: 500, and keep serving
                traceback.print_exc()
                return self._error(500, "model_error", f"{type(error).__name__}: {error}")

    return Handler


def build_model(kind, model_id, device):
    if kind == "double":
        from sam2_double import DiscModel

        return DiscModel()
    from sam2_models import Sam2Model

    return Sam2Model(model_id, device)


def main(argv=None):
    parser = argparse.ArgumentParser(description="SAM2 segmentation service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 = any free port (printed on start)")
    parser.add_argument("--model", choices=["sam2", "double"], default="sam2", help="double = the deterministic test double")
    parser.add_argument("--model-id", default=None, help="Hugging Face id (default $SAM2_MODEL or facebook/sam2.1-hiera-large)")
    parser.add_argument("--device", default=None, help="cuda (default, or $SAM2_DEVICE) or cpu")
    parser.add_argument("--cache-size", type=int, default=16, help="image embeddings kept (LRU)")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    parser.add_argument("--max-side", type=int, default=2048, help="images are embedded at most this long side")
    args = parser.parse_args(argv)

    service = Sam2Service(build_model(args.model, args.model_id, args.device), args.cache_size, args.max_side)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(service, args.quiet))
    threading.Thread(target=service.load, daemon=True).start()
    host, port = server.server_address[:2]
    print(f"sam2 service listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
