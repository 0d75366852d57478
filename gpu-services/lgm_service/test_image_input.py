import base64
import io
import unittest

import numpy as np
from PIL import Image

from lgm_service.image_input import InputError, decode_rgba_png, has_object_alpha


def png_b64(array, mode):
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


class DecodeTest(unittest.TestCase):
    def test_rgba_png_keeps_its_alpha(self):
        rgba = np.zeros((6, 8, 4), dtype=np.uint8)
        rgba[2:4, 3:6] = [10, 20, 30, 255]
        out = decode_rgba_png(png_b64(rgba, "RGBA"))
        self.assertEqual(out.shape, (6, 8, 4))
        np.testing.assert_array_equal(out, rgba)
        self.assertTrue(has_object_alpha(out))

    def test_rgb_png_becomes_opaque_rgba(self):
        rgb = np.full((4, 5, 3), 7, dtype=np.uint8)
        out = decode_rgba_png(png_b64(rgb, "RGB"))
        self.assertEqual(out.shape, (4, 5, 4))
        self.assertTrue((out[..., 3] == 255).all())
        self.assertFalse(has_object_alpha(out))

    def test_data_url_prefix_is_accepted(self):
        rgba = np.full((2, 2, 4), 255, dtype=np.uint8)
        self.assertEqual(decode_rgba_png("data:image/png;base64," + png_b64(rgba, "RGBA")).shape, (2, 2, 4))

    def test_errors_name_the_problem(self):
        cases = [
            (None, "base64-encoded PNG string"),
            ("", "base64-encoded PNG string"),
            ("not base64!", "not valid base64"),
            (base64.b64encode(b"GIF89a....").decode(), "must be a PNG"),
            (base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 20).decode(), "cannot be decoded"),
        ]
        for value, message in cases:
            with self.subTest(value=value):
                with self.assertRaisesRegex(InputError, message) as caught:
                    decode_rgba_png(value)
                self.assertEqual(caught.exception.field, "image")


if __name__ == "__main__":
    unittest.main()
