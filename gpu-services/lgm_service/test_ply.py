import struct
import unittest

import numpy as np

from lgm_service.ply import PROPERTIES, SH_C0, ply_bytes, read_ply


def gaussians(n):
    rng = np.random.default_rng(1)
    g = np.zeros((n, 14), dtype=np.float32)
    g[:, 0:3] = rng.uniform(-0.5, 0.5, (n, 3))
    g[:, 3] = rng.uniform(0.05, 0.99, n)
    g[:, 4:7] = rng.uniform(0.001, 0.02, (n, 3))
    g[:, 7:11] = [1, 0, 0, 0]
    g[:, 11:14] = rng.uniform(0, 1, (n, 3))
    return g


class PlyTest(unittest.TestCase):
    def test_header_is_lgm_layout(self):
        data, count = ply_bytes(gaussians(3))
        header = data[: data.index(b"end_header\n")].decode().splitlines()
        self.assertEqual(count, 3)
        self.assertEqual(
            header,
            ["ply", "format binary_little_endian 1.0", "element vertex 3"] + [f"property float {p}" for p in PROPERTIES],
        )

    def test_round_trip(self):
        g = gaussians(100)
        data, count = ply_bytes(g)
        back = read_ply(data)
        self.assertEqual(back.shape, (100, 14))
        np.testing.assert_allclose(back, g, rtol=1e-4, atol=1e-5)

    def test_stored_values_are_pre_activation(self):
        g = np.array([[0.1, 0.2, 0.3, 0.75, np.e, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0, 0.5, 0.0]], dtype=np.float32)
        data, _ = ply_bytes(g)
        body = data[data.index(b"end_header\n") + len(b"end_header\n"):]
        values = struct.unpack("<14f", body)
        self.assertAlmostEqual(values[3], 0.5 / SH_C0, places=5)
        self.assertAlmostEqual(values[4], 0.0, places=6)
        self.assertAlmostEqual(values[5], -0.5 / SH_C0, places=5)
        self.assertAlmostEqual(values[6], np.log(3), places=5)
        self.assertAlmostEqual(values[7], 1.0, places=5)
        self.assertAlmostEqual(values[9], np.log(0.5), places=5)
        self.assertEqual(values[10:], (0.5, 0.5, 0.5, 0.5))

    def test_prunes_nearly_transparent_gaussians_like_lgm(self):
        g = gaussians(10)
        g[[2, 5], 3] = 0.001
        data, count = ply_bytes(g)
        self.assertEqual(count, 8)
        self.assertEqual(read_ply(data).shape[0], 8)

    def test_rejects_wrong_shape(self):
        with self.assertRaisesRegex(ValueError, r"shape \[N, 14\]"):
            ply_bytes(np.zeros((4, 13)))


if __name__ == "__main__":
    unittest.main()
