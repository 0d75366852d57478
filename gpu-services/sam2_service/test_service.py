"""The HTTP layer over a real socket, with the test double as the model."""
import base64
import hashlib
import io
import json
import threading
import unittest
import urllib.error
import urllib.request

import numpy as np
from PIL import Image

from atelier_gpu_base import make_handler, make_server
from sam2_service.double import DiscModel
from sam2_service.service import Sam2Service


def png_bytes(width, height, seed=0):
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def decode_mask(b64):
    with Image.open(io.BytesIO(base64.b64decode(b64))) as img:
        return img.mode, np.asarray(img)


class Sam2ServiceHttpTest(unittest.TestCase):
    def start(self, cache_size=4, max_side=2048, load=True):
        self.model = DiscModel()
        self.service = Sam2Service(self.model, cache_size=cache_size, max_side=max_side)
        if load:
            self.service.load()
        self.server = make_server(make_handler(self.service.host, self.service.routes(), quiet=True))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, json.loads(res.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def test_health_reports_service_model_device_ready(self):
        self.start(load=False)
        self.assertEqual(self.request("GET", "/health"), (200, {"service": "sam2", "model": "test-double", "device": "cpu", "ready": False, "version": "2"}))
        status, body = self.request("POST", "/segment", {"image": "x", "points": [[1, 1]], "labels": [1]})
        self.assertEqual((status, body["error"]["code"]), (503, "not_ready"))
        req = urllib.request.Request(self.url + "/segment", data=b'{"box": [0, 0, 1, 1]}', method="POST")
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(caught.exception.headers["retry-after"], "5")
        self.service.load()
        self.assertTrue(self.request("GET", "/health")[1]["ready"])

    def test_segment_returns_source_size_masks_scores_bbox_and_hash(self):
        self.start()
        png = png_bytes(120, 80)
        status, body = self.request("POST", "/segment", {
            "image": base64.b64encode(png).decode(), "points": [[50, 40]], "labels": [1],
            "box": [20, 10, 100, 70], "multimask": True,
        })
        self.assertEqual(status, 200, body)
        self.assertEqual(body["image_sha256"], hashlib.sha256(png).hexdigest())
        self.assertEqual(len(body["masks"]), 3)
        self.assertEqual(len(body["scores"]), 3)
        for encoded in body["masks"]:
            mode, mask = decode_mask(encoded)
            self.assertEqual((mode, mask.shape), ("L", (80, 120)))
        # the best-scoring mask (index 1 for the double) is the box itself
        self.assertEqual(int(np.argmax(body["scores"])), 1)
        self.assertEqual(body["bbox"], {"x": 20, "y": 10, "width": 80, "height": 60})
        self.assertEqual(self.model.predict_calls[0]["labels"].tolist(), [1])

    def test_a_known_hash_skips_the_encoder_and_an_unknown_one_gets_404(self):
        self.start()
        png = png_bytes(64, 48)
        sha = hashlib.sha256(png).hexdigest()
        prompt = {"points": [[10, 10]], "labels": [1], "multimask": False}
        self.assertEqual(self.request("POST", "/segment", {"image_sha256": sha, **prompt})[0], 404)
        status, first = self.request("POST", "/segment", {"image": base64.b64encode(png).decode(), "image_sha256": sha, **prompt})
        self.assertEqual((status, first["embedding_reused"]), (200, False))
        status, second = self.request("POST", "/segment", {"image_sha256": sha, **prompt})
        self.assertEqual((status, second["embedding_reused"]), (200, True))
        self.assertEqual(second["masks"], first["masks"])
        self.assertEqual(self.model.embed_calls, 1)
        self.assertEqual(len(self.model.predict_calls), 2)

    def test_the_embedding_cache_is_bounded(self):
        self.start(cache_size=1)
        a, b = png_bytes(32, 32, seed=1), png_bytes(32, 32, seed=2)
        prompt = {"points": [[5, 5]], "labels": [1]}
        for png in (a, b):
            self.assertEqual(self.request("POST", "/segment", {"image": base64.b64encode(png).decode(), **prompt})[0], 200)
        status, body = self.request("POST", "/segment", {"image_sha256": hashlib.sha256(a).hexdigest(), **prompt})
        self.assertEqual((status, body["error"]["code"]), (404, "unknown_image"))
        self.assertEqual(self.request("POST", "/segment", {"image_sha256": hashlib.sha256(b).hexdigest(), **prompt})[0], 200)

    def test_large_images_are_embedded_smaller_and_masks_come_back_at_source_size(self):
        self.start(max_side=100)
        png = png_bytes(400, 200)
        status, body = self.request("POST", "/segment", {
            "image": base64.b64encode(png).decode(), "box": [100, 40, 300, 160], "multimask": False,
        })
        self.assertEqual(status, 200, body)
        call = self.model.predict_calls[0]
        np.testing.assert_allclose(call["box"], [25, 10, 75, 40])  # scaled by 1/4 into the 100x50 frame
        mode, mask = decode_mask(body["masks"][0])
        self.assertEqual(mask.shape, (200, 400))
        bbox = body["bbox"]
        self.assertTrue(abs(bbox["x"] - 100) <= 2 and abs(bbox["width"] - 200) <= 4, bbox)
        self.assertTrue(abs(bbox["y"] - 40) <= 2 and abs(bbox["height"] - 120) <= 4, bbox)

    def test_bad_requests_get_400_naming_the_field(self):
        self.start()
        png64 = base64.b64encode(png_bytes(40, 30)).decode()
        cases = [
            ({"image": png64, "points": [[1, 2]], "labels": [0]}, "points"),
            ({"image": png64, "points": [[1, 2]], "labels": [2]}, "labels"),
            ({"image": png64, "points": [[1]], "labels": [1]}, "points"),
            ({"image": png64, "box": [10, 10, 5, 20]}, "box"),
            ({"image": png64, "points": [[40, 2]], "labels": [1]}, "points[0]"),
            ({"image": png64, "box": [0, 0, 41, 30]}, "box"),
            ({"image": png64, "image_sha256": "0" * 64, "points": [[1, 2]], "labels": [1]}, "image_sha256"),
            ({"image": "!!", "points": [[1, 2]], "labels": [1]}, "image"),
            ({"points": [[1, 2]], "labels": [1]}, "image"),
            ({"image": png64, "points": [[1, 2]], "labels": [1], "multimask": "yes"}, "multimask"),
        ]
        for body, field in cases:
            status, answer = self.request("POST", "/segment", body)
            self.assertEqual(status, 400, (body.keys(), answer))
            self.assertIn(field, answer["error"]["message"])
            self.assertEqual(answer["error"]["field"].split("[")[0], field.split("[")[0], answer)
        req = urllib.request.Request(self.url + "/segment", data=b"{nope", method="POST")
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(caught.exception.code, 400)
        self.assertEqual(self.request("GET", "/nowhere")[0], 404)


    def test_no_prompt_segments_the_most_salient_object(self):
        self.start()
        png = png_bytes(120, 80)
        status, body = self.request("POST", "/segment", {"image": base64.b64encode(png).decode(), "multimask": True})
        self.assertEqual(status, 200, body)
        # the whole frame is filtered out as background; the centred disc outranks the stabler corner disc
        self.assertEqual(len(body["masks"]), 2)
        self.assertEqual(body["salient"]["candidates"], 2)
        self.assertEqual(int(np.argmax(body["scores"])), 0)
        self.assertGreater(body["salient"]["centrality"], 0.95)
        mode, mask = decode_mask(body["masks"][0])
        self.assertEqual((mode, mask.shape, mask[40, 60], mask[5, 5]), ("L", (80, 120), 255, 0))
        bbox = body["bbox"]
        self.assertTrue(abs(bbox["x"] + bbox["width"] / 2 - 60) <= 1 and abs(bbox["y"] + bbox["height"] / 2 - 40) <= 1, bbox)
        self.assertEqual(self.model.predict_calls, [])

    def test_a_load_failure_is_a_503_that_says_why(self):
        class Broken(DiscModel):
            def load(self):
                raise RuntimeError("no weights")

        self.model = Broken()
        self.service = Sam2Service(self.model)
        self.service.load()
        self.server = make_server(make_handler(self.service.host, self.service.routes(), quiet=True))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        health = self.request("GET", "/health")[1]
        self.assertEqual((health["ready"], health["error"]), (False, "RuntimeError: no weights"))
        status, body = self.request("POST", "/segment", {"box": [0, 0, 1, 1]})
        self.assertEqual((status, body["error"]["code"]), (503, "load_failed"))
        self.assertIn("no weights", body["error"]["message"])


if __name__ == "__main__":
    unittest.main()
