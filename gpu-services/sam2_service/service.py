"""The SAM2 HTTP service: GET /health, POST /segment (contract: gpu-services/README.md, "## SAM2").

    python -m sam2_service --port 8001               # real SAM2 (GPU), from gpu-services/
    python -m sam2_service --model double --port 0   # test double; prints the URL
"""
import numpy as np

from atelier_gpu_base import ModelHost, RequestError, base_arguments, make_handler, make_server, serve
from sam2_service.cache import EmbeddingCache
from sam2_service.codec import decode_image, encode_mask, mask_bbox, sha256_hex
from sam2_service.salient import rank_salient
from sam2_service.scaling import logits_to_masks, resize_rgb, scale_box, scale_points, working_scale

DEFAULT_PORT = 8001


class Sam2Service:
    """Validates requests, keeps embeddings by image hash, serialises model calls (one GPU)."""

    def __init__(self, model, cache_size=16, max_side=2048):
        self.model = model
        self.host = ModelHost("sam2", model, not_ready_retry_after=5)
        self.cache = EmbeddingCache(cache_size)
        self.max_side = max_side

    def load(self):
        self.host.load()

    def health(self):
        return self.host.health()

    def routes(self):
        return {"/segment": self.segment}

    def segment(self, body):
        self.host.require_ready()
        points, labels, box, multimask = parse_prompt(body)
        sha, entry, reused = self._image(body)
        width, height = entry["width"], entry["height"]
        if points is None and box is None:
            return self._salient(entry, sha, reused, multimask)
        check_inside(points, box, width, height)
        sx, sy = entry["sx"], entry["sy"]
        with self.host.lock:
            logits, scores = self.model.predict(
                entry["embedding"], scale_points(points, sx, sy), None if labels is None else np.asarray(labels, dtype=np.int32),
                scale_box(box, sx, sy), multimask,
            )
        masks = logits_to_masks(logits, width, height)
        scores = [float(s) for s in np.asarray(scores).reshape(-1)]
        return self._answer(masks, scores, sha, reused)

    def _salient(self, entry, sha, reused, multimask):
        """No points, no box: the model's automatic masks, ranked (see salient.py)."""
        with self.host.lock:
            candidates = self.model.automatic(entry["rgb"])
        ranked, considered = rank_salient(candidates, 3 if multimask else 1)
        if not ranked:
            raise RequestError("no object stands out in the image: give a point or a box", field="points")
        width, height = entry["width"], entry["height"]
        masks = [_to_source_size(r["mask"], width, height) for r in ranked]
        top = ranked[0]
        answer = self._answer(masks, [round(r["rank_score"], 4) for r in ranked], sha, reused)
        answer["salient"] = {
            "candidates": considered,
            "stability": top["stability"],
            "predicted_iou": top["predicted_iou"],
            "centrality": top["centrality"],
            "area": top["area"],
        }
        return answer

    def _answer(self, masks, scores, sha, reused):
        best = int(np.argmax(scores))
        return {
            "masks": [encode_mask(m) for m in masks],
            "scores": scores,
            "bbox": mask_bbox(masks[best]),
            "image_sha256": sha,
            "embedding_reused": reused,
        }

    def _image(self, body):
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
            return sha, entry, reused
        if claimed is not None:
            sha = claimed.lower()
            entry = self.cache.get(sha)
            if entry is None:
                raise RequestError(f"unknown image_sha256 {sha}: send the image", status=404, code="unknown_image", field="image_sha256")
            return sha, entry, True
        raise RequestError("give image (base64 PNG) or image_sha256", field="image")

    def _embed(self, rgb):
        height, width = rgb.shape[:2]
        scale = working_scale(width, height, self.max_side)
        working = resize_rgb(rgb, scale)
        with self.host.lock:
            embedding = self.model.embed(working)
        return {
            "embedding": embedding,
            # kept for prompt-less requests: automatic masks need the pixels, not the embedding
            "rgb": working,
            "width": width,
            "height": height,
            "sx": working.shape[1] / width,
            "sy": working.shape[0] / height,
        }


def _to_source_size(mask, width, height):
    if mask.shape == (height, width):
        return mask
    logits = np.where(mask, 8.0, -8.0).astype(np.float32)[None]
    return logits_to_masks(logits, width, height)[0]


def parse_prompt(body):
    """Points, labels, box, multimask; no points and no box = segment the most salient object."""
    points = body.get("points") or None
    labels = body.get("labels") or None
    if points is not None:
        if not isinstance(points, list) or not all(isinstance(p, list) and len(p) == 2 and all(_number(v) for v in p) for p in points):
            raise RequestError("points must be a list of [x, y] in source-image pixels", field="points")
        if not isinstance(labels, list) or len(labels) != len(points) or any(label not in (0, 1) for label in labels):
            raise RequestError("labels must list 0 or 1 for each point", field="labels")
    elif labels:
        raise RequestError("labels given without points", field="labels")
    box = body.get("box")
    if box is not None:
        if not isinstance(box, list) or len(box) != 4 or not all(_number(v) for v in box) or box[2] <= box[0] or box[3] <= box[1]:
            raise RequestError("box must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0", field="box")
    if points is not None and box is None and 1 not in labels:
        raise RequestError("background points alone do not say which object: add an object point or a box, or send no prompt for the most salient object", field="points")
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


def build_model(kind, model_id, device):
    if kind == "double":
        from sam2_service.double import DiscModel

        return DiscModel()
    from sam2_service.models import Sam2Model

    return Sam2Model(model_id, device)


def main(argv=None):
    parser = base_arguments("SAM2 segmentation service", DEFAULT_PORT)
    parser.add_argument("--model", choices=["sam2", "double"], default="sam2", help="double = the deterministic test double")
    parser.add_argument("--model-id", default=None, help="Hugging Face id (default $SAM2_MODEL or facebook/sam2.1-hiera-large)")
    parser.add_argument("--device", default=None, help="cuda (default, or $SAM2_DEVICE) or cpu")
    parser.add_argument("--cache-size", type=int, default=16, help="images kept with their embeddings (LRU)")
    parser.add_argument("--max-side", type=int, default=2048, help="images are embedded at most this long side")
    args = parser.parse_args(argv)

    service = Sam2Service(build_model(args.model, args.model_id, args.device), args.cache_size, args.max_side)
    server = make_server(make_handler(service.host, service.routes(), failure_code="model_error", quiet=args.quiet), args.host, args.port)
    serve(service.host, server, "sam2")


if __name__ == "__main__":
    main()
