"""A deterministic stand-in for SAM2 with the same interface, for tests and for wiring checks
(`--model double`): the "object" is the box, or a disc around the first object point; background
points carve discs out. With multimask it answers three sizes, the middle one scored best.
Its automatic masks: the whole frame (background), a small very stable disc in the top-left corner,
and a disc at the centre — the one a salient-object ranking must pick."""
import numpy as np


class DiscModel:
    name = "test-double"
    device = "cpu"

    def __init__(self):
        self.embed_calls = 0
        self.predict_calls = []

    def load(self):
        pass

    def automatic(self, rgb):
        h, w = rgb.shape[:2]
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
        r = 0.2 * min(h, w)
        disc = lambda cx, cy, radius: (xs - cx) ** 2 + (ys - cy) ** 2 <= radius**2  # noqa: E731
        return [
            {"segmentation": np.ones((h, w), dtype=bool), "stability_score": 0.99, "predicted_iou": 0.95},
            {"segmentation": disc(0.12 * w, 0.12 * h, 0.5 * r), "stability_score": 0.99, "predicted_iou": 0.97},
            {"segmentation": disc(w / 2, h / 2, r), "stability_score": 0.96, "predicted_iou": 0.92},
        ]

    def embed(self, rgb):
        self.embed_calls += 1
        return {"height": rgb.shape[0], "width": rgb.shape[1]}

    def predict(self, embedding, point_coords, point_labels, box, multimask):
        self.predict_calls.append({"points": point_coords, "labels": point_labels, "box": box, "multimask": multimask})
        h, w = embedding["height"], embedding["width"]
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
        factors = [0.6, 1.0, 1.4] if multimask else [1.0]
        logits = []
        for factor in factors:
            if box is not None:
                x0, y0, x1, y1 = box
                cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 * factor, (y1 - y0) / 2 * factor
                inside = (np.abs(xs - cx) <= hw) & (np.abs(ys - cy) <= hh)
            else:
                objects = [p for p, label in zip(point_coords, point_labels) if label == 1]
                radius = 0.15 * min(h, w) * factor
                inside = np.zeros((h, w), dtype=bool)
                if objects:
                    inside = (xs - objects[0][0]) ** 2 + (ys - objects[0][1]) ** 2 <= radius**2
            if point_coords is not None:
                for (px, py), label in zip(point_coords, point_labels):
                    if label == 0:
                        inside &= (xs - px) ** 2 + (ys - py) ** 2 > (0.05 * min(h, w)) ** 2
            logits.append(np.where(inside, 8.0, -8.0).astype(np.float32))
        scores = np.array([0.61, 0.93, 0.77] if multimask else [0.9], dtype=np.float32)
        return np.stack(logits), scores
