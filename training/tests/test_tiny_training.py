import os
import tempfile
import unittest

import _path  # noqa: F401
from fer import default_data_dir, fer_available

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


@unittest.skipIf(torch is None, "PyTorch not installed (apt-get install python3-torch)")
@unittest.skipUnless(fer_available(), f"FER2013 not found under {default_data_dir()}")
class TinyTrainingTest(unittest.TestCase):
    def test_one_epoch_on_a_few_hundred_faces_lowers_the_loss(self):
        import numpy as np
        from fer import load_fer2013, soft_targets
        from model import EmotionNet
        from train import parse_args, soft_ce, to_input, train

        with tempfile.TemporaryDirectory() as d:
            args = parse_args(["--out", d, "--epochs", "1", "--limit", "384", "--eval-limit", "64",
                               "--width", "8", "--batch", "32", "--lr", "0.05", "--log-every", "0"])
            fer = load_fer2013()
            rows = fer.split("Training", drop_flagged=True)[:384]
            x = to_input(fer.images[rows])
            t = torch.from_numpy(soft_targets(fer, ferplus_weight=0.2, smoothing=0.1)[rows])

            def loss_of(net):
                net.train()  # batch statistics: comparable before and after training
                with torch.no_grad():
                    return soft_ce(net(x), t).item()

            torch.manual_seed(args.seed)  # train() seeds the same way before building its net
            before = loss_of(EmotionNet(width=8, dropout=0.0))
            history = train(args)
            trained = EmotionNet(width=8, dropout=0.0)
            trained.load_state_dict(torch.load(os.path.join(d, "last.pt"))["model"])
            after = loss_of(trained)
            self.assertEqual(len(history), 1)
            self.assertTrue(os.path.exists(os.path.join(d, "best.pt")))
            self.assertTrue(np.isfinite(history[0]["loss"]))
            self.assertLess(after, before)


if __name__ == "__main__":
    unittest.main()
