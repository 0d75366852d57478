import unittest

from sam2_service.cache import EmbeddingCache


class EmbeddingCacheTest(unittest.TestCase):
    def test_evicts_the_least_recently_used(self):
        cache = EmbeddingCache(2)
        cache.put("a", 1)
        cache.put("b", 2)
        self.assertEqual(cache.get("a"), 1)  # a is now the most recent
        cache.put("c", 3)
        self.assertIn("a", cache)
        self.assertNotIn("b", cache)
        self.assertIn("c", cache)
        self.assertEqual(len(cache), 2)

    def test_counts_hits_and_misses(self):
        cache = EmbeddingCache(4)
        self.assertIsNone(cache.get("x"))
        cache.put("x", "e")
        self.assertEqual(cache.get("x"), "e")
        self.assertEqual((cache.hits, cache.misses), (1, 1))

    def test_rejects_a_zero_capacity(self):
        with self.assertRaises(ValueError):
            EmbeddingCache(0)


if __name__ == "__main__":
    unittest.main()
