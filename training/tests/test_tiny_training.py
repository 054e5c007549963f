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
        self._one_epoch_lowers_the_loss([])

    def test_bf16_channels_last_training_also_lowers_the_loss(self):
        self._one_epoch_lowers_the_loss(["--bf16"])

    def _one_epoch_lowers_the_loss(self, extra):
        import numpy as np
        from fer import load_fer2013, soft_targets
        from model import EmotionNet
        from train import parse_args, soft_ce, to_input, train

        with tempfile.TemporaryDirectory() as d:
            args = parse_args(["--out", d, "--epochs", "1", "--limit", "384", "--eval-limit", "64",
                               "--width", "8", "--batch", "32", "--lr", "0.05", "--log-every", "0",
                               *extra])
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


@unittest.skipIf(torch is None, "PyTorch not installed (apt-get install python3-torch)")
class StageWidthsTest(unittest.TestCase):
    def test_widths_set_the_channels_of_each_stage(self):
        from model import EmotionNet
        net = EmotionNet(widths="24,32,96,256")
        convs = [m for m in net.features.modules() if isinstance(m, torch.nn.Conv2d)]
        self.assertEqual([c.out_channels for c in convs], [24, 24, 32, 32, 96, 96, 256, 256])
        self.assertEqual(net(torch.zeros(2, 1, 48, 48)).shape, (2, 7))

    def test_width_alone_doubles_per_stage(self):
        from model import stage_widths
        self.assertEqual(stage_widths(24), (24, 48, 96, 192))

    def test_malformed_widths_are_refused(self):
        from model import stage_widths
        for bad in ["24,32,96", "24,0,96,256", "a,b,c,d"]:
            with self.assertRaises(ValueError):
                stage_widths(24, bad)


if __name__ == "__main__":
    unittest.main()
