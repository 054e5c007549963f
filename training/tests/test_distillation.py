import os
import tempfile
import unittest

import numpy as np

import _path  # noqa: F401

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


@unittest.skipIf(torch is None, "PyTorch not installed (apt-get install python3-torch)")
class DistillationTest(unittest.TestCase):
    def test_teacher_probs_are_mixed_into_the_targets_of_the_given_rows_only(self):
        from train import mix_teacher
        targets = np.tile(np.eye(7, dtype=np.float32)[[0]], (5, 1))
        teacher_probs = np.full((2, 7), 1 / 7, dtype=np.float32)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.npz")
            np.savez(path, rows=np.array([3, 1]), probs=teacher_probs)
            mixed = mix_teacher(targets, path, 0.25, np.array([1, 3]))
            with self.assertRaisesRegex(ValueError, "no targets for 1 training rows"):
                mix_teacher(targets, path, 0.25, np.array([1, 2]))
        np.testing.assert_allclose(mixed[[0, 2, 4]], targets[[0, 2, 4]])
        np.testing.assert_allclose(mixed[1], 0.75 * targets[1] + 0.25 / 7, rtol=1e-6)
        np.testing.assert_allclose(mixed.sum(1), 1, rtol=1e-6)

    def test_teacher_probs_are_distributions_that_ignore_mirroring(self):
        from model import EmotionNet
        from teacher import flip_averaged_probs
        torch.manual_seed(0)
        net = EmotionNet(width=8).eval()
        faces = np.random.default_rng(0).integers(0, 256, (6, 48, 48), dtype=np.uint8)
        probs = flip_averaged_probs(net, faces, temperature=2.0)
        mirrored = flip_averaged_probs(net, np.ascontiguousarray(faces[:, :, ::-1]), 2.0)
        self.assertEqual(probs.shape, (6, 7))
        np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)
        np.testing.assert_allclose(probs, mirrored, atol=1e-6)


if __name__ == "__main__":
    unittest.main()
