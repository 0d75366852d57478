"""A stand-in for LGMPipeline in tests: no model, deterministic Gaussians from the object's alpha.

It recentres the object like LGM (bbox centre to the origin, longer side to LGM's extent) and puts
one Gaussian per opaque cell of a 32x32 grid on the z = 0 plane, coloured from the image. It is
injected by the tests and started with `--pipeline test-double`; it is never chosen by default.
"""
import math

import numpy as np

from lgm_service.image_input import has_object_alpha

GRID = 32
OBJECT_EXTENT = 0.8 * 2 * 1.5 * math.tan(math.radians(49.1) / 2)


class TestDoublePipeline:
    name = "test-double"
    device = "cpu"

    def __init__(self, fail_with=None):
        self.calls = []
        self.fail_with = fail_with
        self.loaded = False

    def load(self):
        self.loaded = True

    def reconstruct(self, rgba):
        self.calls.append(rgba)
        if self.fail_with:
            raise RuntimeError(self.fail_with)
        if not has_object_alpha(rgba):
            raise ValueError("the test double needs an RGBA image whose alpha marks the object")
        ys, xs = np.nonzero(rgba[..., 3] >= 128)
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        side = max(x1 - x0, y1 - y0)
        units_per_px = OBJECT_EXTENT / side
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        rows = []
        for gy in range(GRID):
            for gx in range(GRID):
                px = int(cx - side / 2 + (gx + 0.5) * side / GRID)
                py = int(cy - side / 2 + (gy + 0.5) * side / GRID)
                if not (0 <= px < rgba.shape[1] and 0 <= py < rgba.shape[0]) or rgba[py, px, 3] < 128:
                    continue
                r, g, b = rgba[py, px, :3] / 255.0
                s = 0.5 * side / GRID * units_per_px
                rows.append([(px + 0.5 - cx) * units_per_px, -(py + 0.5 - cy) * units_per_px, 0.0, 0.9, s, s, s, 1, 0, 0, 0, r, g, b])
        return np.array(rows, dtype=np.float32).reshape(-1, 14)
