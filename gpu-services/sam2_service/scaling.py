"""Working-size scaling: huge images are embedded at a bounded long side, prompts are scaled into that
frame, and mask logits are scaled back to the source size before thresholding (smooth edges)."""
import numpy as np
from PIL import Image


def working_scale(width, height, max_side):
    """The factor (<= 1) that brings the long side down to max_side."""
    return min(1.0, float(max_side) / float(max(width, height)))


def resize_rgb(rgb, scale):
    if scale >= 1.0:
        return rgb
    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.BILINEAR))


def scale_points(points, sx, sy):
    """Source-pixel [[x, y], ...] -> working-frame float32 Nx2 (None stays None)."""
    if points is None:
        return None
    arr = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    return arr * np.array([sx, sy], dtype=np.float32)


def scale_box(box, sx, sy):
    if box is None:
        return None
    x0, y0, x1, y1 = box
    return np.array([x0 * sx, y0 * sy, x1 * sx, y1 * sy], dtype=np.float32)


def logits_to_masks(logits, width, height):
    """Logits CxhxW (any size) -> boolean masks Cxheightxwidth: bilinear on the logits, then > 0."""
    masks = []
    for plane in np.asarray(logits, dtype=np.float32):
        if plane.shape != (height, width):
            plane = np.asarray(Image.fromarray(plane, mode="F").resize((width, height), Image.BILINEAR))
        masks.append(plane > 0)
    return np.stack(masks) if masks else np.zeros((0, height, width), dtype=bool)
