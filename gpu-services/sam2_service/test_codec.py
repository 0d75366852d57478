import base64
import io
import unittest

import numpy as np
from PIL import Image

from atelier_gpu_base import RequestError
from sam2_service.codec import decode_image, encode_mask, mask_bbox, sha256_hex


def png_b64(rgb):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class CodecTest(unittest.TestCase):
    def test_mask_encodes_as_single_channel_png_of_the_same_size(self):
        mask = np.zeros((30, 50), dtype=bool)
        mask[5:10, 20:40] = True
        data = base64.b64decode(encode_mask(mask))
        with Image.open(io.BytesIO(data)) as img:
            self.assertEqual(img.format, "PNG")
            self.assertEqual(img.mode, "L")
            self.assertEqual(img.size, (50, 30))
            back = np.asarray(img)
        self.assertEqual(set(np.unique(back)), {0, 255})
        np.testing.assert_array_equal(back == 255, mask)

    def test_bbox_is_tight_and_empty_masks_give_zeros(self):
        mask = np.zeros((30, 50), dtype=bool)
        mask[5:10, 20:40] = True
        mask[12, 3] = True
        self.assertEqual(mask_bbox(mask), {"x": 3, "y": 5, "width": 37, "height": 8})
        self.assertEqual(mask_bbox(np.zeros((4, 4), dtype=bool)), {"x": 0, "y": 0, "width": 0, "height": 0})

    def test_decode_image_returns_rgb_and_the_hashed_bytes(self):
        rgba = np.zeros((7, 9, 4), dtype=np.uint8)
        rgba[..., 0] = 200
        rgba[..., 3] = 255
        b64 = png_b64(rgba)
        rgb, data = decode_image(b64)
        self.assertEqual(rgb.shape, (7, 9, 3))
        self.assertEqual(int(rgb[0, 0, 0]), 200)
        self.assertEqual(sha256_hex(data), sha256_hex(base64.b64decode(b64)))

    def test_decode_image_rejects_bad_input_naming_the_field(self):
        for bad in ["", "***", base64.b64encode(b"not an image").decode(), 12]:
            with self.assertRaises(RequestError) as caught:
                decode_image(bad)
            self.assertIn("image", str(caught.exception))
            self.assertEqual(caught.exception.status, 400)


if __name__ == "__main__":
    unittest.main()
