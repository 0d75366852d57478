"""Wire encodings: base64 PNG images in, single-channel base64 PNG masks out."""
import base64
import binascii
import hashlib
import io

import numpy as np
from PIL import Image

from atelier_gpu_base.errors import RequestError


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def decode_image(b64):
    """base64 PNG (or any PIL-readable image) -> (RGB uint8 array HxWx3, raw bytes)."""
    if not isinstance(b64, str) or not b64:
        raise RequestError("image must be a base64-encoded PNG string", field="image")
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError("image is not valid base64", field="image")
    try:
        with Image.open(io.BytesIO(data)) as img:
            rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    except Exception as error:  # PIL raises several types for undecodable bytes
        raise RequestError(f"image could not be decoded: {error}", field="image")
    return rgb, data


def encode_mask(mask):
    """Boolean HxW mask -> base64 of a single-channel (mode L) PNG, 255 = object."""
    img = Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), mode="L")
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def mask_bbox(mask):
    """Tight {x, y, width, height} around the object pixels; zeros for an empty mask."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return {"x": 0, "y": 0, "width": 0, "height": 0}
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max())
    return {"x": x0, "y": y0, "width": x1 - x0 + 1, "height": y1 - y0 + 1}
