"""Decodes the `image` field of POST /reconstruct: a base64 PNG, returned as RGBA uint8 [H, W, 4]."""
import base64
import binascii
import io

import numpy as np
from PIL import Image

MAX_PIXELS = 4096 * 4096


class InputError(ValueError):
    """A request problem the client must fix; `field` names the offending JSON field."""

    def __init__(self, message, field="image"):
        super().__init__(message)
        self.field = field


def decode_rgba_png(value):
    if not isinstance(value, str) or not value:
        raise InputError("image must be a base64-encoded PNG string")
    if value.startswith("data:"):
        value = value.split(",", 1)[-1]
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InputError(f"image is not valid base64: {error}") from None
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InputError("image must be a PNG (RGBA, the object's alpha as its mask)")
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise InputError(f"image is {im.width}x{im.height}; at most {MAX_PIXELS} pixels")
            rgba = np.array(im.convert("RGBA"))
    except InputError:
        raise
    except Exception as error:  # PIL raises many types for corrupt data
        raise InputError(f"image cannot be decoded: {error}") from None
    return rgba


def has_object_alpha(rgba):
    """True when the alpha channel marks an object (some pixels transparent, some opaque)."""
    alpha = rgba[..., 3]
    return bool((alpha < 255).any() and (alpha >= 128).any())
