import base64
import io
import json
import threading
import unittest
import urllib.error
import urllib.request

import numpy as np
from PIL import Image

from lgm_service.ply import read_ply
from lgm_service.server import LgmService, make_lgm_server
from lgm_service.pipeline_double import OBJECT_EXTENT, TestDoublePipeline


def rgba_png_b64(width=64, height=48):
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    rgba[10:30, 20:52] = [200, 100, 50, 255]  # the object: 32x20 px
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


class Running:
    """The real HTTP server on a free port, with a pipeline injected."""

    def __init__(self, pipeline, load=True):
        self.service = LgmService(pipeline)
        if load:
            self.service.load()
        self.server = make_lgm_server(self.service, "127.0.0.1", 0, quiet=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def request(self, method, path, body=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


class ServerTest(unittest.TestCase):
    def setUp(self):
        self.pipeline = TestDoublePipeline()
        self.running = Running(self.pipeline)

    def tearDown(self):
        self.running.close()

    def test_health(self):
        status, _, body = self.running.request("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"service": "lgm", "model": "test-double", "device": "cpu", "ready": True, "version": "2"})

    def test_reconstruct_returns_ply_with_its_count(self):
        status, headers, body = self.running.request("POST", "/reconstruct", {"image": rgba_png_b64()})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], "application/x-ply")
        gaussians = read_ply(body)
        self.assertEqual(int(headers["X-Gaussian-Count"]), gaussians.shape[0])
        # 32x20 object on a 32x32 grid: 20 of 32 rows hold Gaussians
        self.assertEqual(gaussians.shape[0], 32 * 20)
        # recentred and scaled like LGM: bbox longer side spans OBJECT_EXTENT, centred on the origin
        self.assertAlmostEqual(gaussians[:, 0].max() - gaussians[:, 0].min(), OBJECT_EXTENT * 31 / 32, places=4)
        self.assertAlmostEqual(float(gaussians[:, 0].mean()), 0.0, places=4)
        np.testing.assert_allclose(gaussians[0, 11:14], [200 / 255, 100 / 255, 50 / 255], atol=1e-4)
        # the pipeline got the decoded RGBA pixels
        self.assertEqual(self.pipeline.calls[0].shape, (48, 64, 4))

    def test_bad_requests_get_400_with_the_field(self):
        cases = [
            ({"image": "!!"}, None, "not valid base64"),
            ({}, None, "base64-encoded PNG string"),
            (None, b"{not json", "not JSON"),
            (None, b"[1]", "JSON object"),
        ]
        for body, raw, message in cases:
            with self.subTest(message=message):
                status, _, answer = self.running.request("POST", "/reconstruct", body, raw=raw)
                self.assertEqual(status, 400)
                error = json.loads(answer)["error"]
                self.assertEqual(error["code"], "invalid_request")
                self.assertIn(message, error["message"])
        self.assertEqual(self.pipeline.calls, [])

    def test_unknown_route_is_404(self):
        self.assertEqual(self.running.request("GET", "/nope")[0], 404)
        self.assertEqual(self.running.request("POST", "/segment", {})[0], 404)

    def test_pipeline_failure_is_500_with_its_message(self):
        self.pipeline.fail_with = "CUDA out of memory"
        status, _, body = self.running.request("POST", "/reconstruct", {"image": rgba_png_b64()})
        self.assertEqual(status, 500)
        self.assertEqual(json.loads(body)["error"], {"code": "reconstruction_failed", "message": "RuntimeError: CUDA out of memory"})


class NotReadyTest(unittest.TestCase):
    def test_not_ready_until_loaded(self):
        running = Running(TestDoublePipeline(), load=False)
        try:
            self.assertFalse(json.loads(running.request("GET", "/health")[2])["ready"])
            status, headers, body = running.request("POST", "/reconstruct", {"image": rgba_png_b64()})
            self.assertEqual(status, 503)
            self.assertEqual(headers["Retry-After"], "10")
            self.assertEqual(json.loads(body)["error"]["code"], "not_ready")
            running.service.load()
            self.assertTrue(json.loads(running.request("GET", "/health")[2])["ready"])
        finally:
            running.close()

    def test_load_failure_is_reported_by_health(self):
        class Broken(TestDoublePipeline):
            def load(self):
                raise RuntimeError("checkpoint not found: /x.safetensors")

        running = Running(Broken(), load=False)
        try:
            running.service.load()
            health = json.loads(running.request("GET", "/health")[2])
            self.assertFalse(health["ready"])
            self.assertIn("checkpoint not found", health["error"])
            status, _, body = running.request("POST", "/reconstruct", {"image": rgba_png_b64()})
            self.assertEqual(status, 503)
            self.assertEqual(json.loads(body)["error"]["code"], "load_failed")
            self.assertIn("checkpoint not found", json.loads(body)["error"]["message"])
        finally:
            running.close()


if __name__ == "__main__":
    unittest.main()
