import unittest

import numpy as np

from sam2_service.scaling import logits_to_masks, resize_rgb, scale_box, scale_points, working_scale


class ScalingTest(unittest.TestCase):
    def test_working_scale_bounds_the_long_side(self):
        self.assertEqual(working_scale(4000, 3000, 2000), 0.5)
        self.assertEqual(working_scale(800, 600, 2000), 1.0)
        rgb = np.zeros((300, 400, 3), dtype=np.uint8)
        self.assertEqual(resize_rgb(rgb, 0.5).shape, (150, 200, 3))
        self.assertIs(resize_rgb(rgb, 1.0), rgb)

    def test_prompts_scale_into_the_working_frame(self):
        np.testing.assert_allclose(scale_points([[100, 50], [10, 20]], 0.5, 0.25), [[50, 12.5], [5, 5]])
        np.testing.assert_allclose(scale_box([10, 20, 110, 220], 0.5, 0.25), [5, 5, 55, 55])
        self.assertIsNone(scale_points(None, 0.5, 0.5))
        self.assertIsNone(scale_box(None, 0.5, 0.5))

    def test_logits_scale_back_to_the_source_size_before_thresholding(self):
        logits = np.full((2, 10, 20), -5.0, dtype=np.float32)
        logits[0, 2:8, 5:15] = 5.0
        masks = logits_to_masks(logits, 40, 20)
        self.assertEqual(masks.shape, (2, 20, 40))
        self.assertEqual(masks.dtype, bool)
        self.assertFalse(masks[1].any())
        ys, xs = np.nonzero(masks[0])
        # the object spans x 5..15, y 2..8 at half size -> about x 10..30, y 4..16 at full size
        self.assertTrue(9 <= xs.min() <= 11 and 28 <= xs.max() <= 30, (xs.min(), xs.max()))
        self.assertTrue(3 <= ys.min() <= 5 and 14 <= ys.max() <= 16, (ys.min(), ys.max()))


if __name__ == "__main__":
    unittest.main()
