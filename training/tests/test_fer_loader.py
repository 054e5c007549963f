import unittest

import _path  # noqa: F401
from fer import SPLITS, default_data_dir, fer_available, load_fer2013, load_ferplus_votes

# Counts from ../shared/data/fer2013/README.md.
README_COUNTS = {
    "Training": [3995, 436, 4097, 7215, 4830, 3171, 4965],
    "PublicTest": [467, 56, 496, 895, 653, 415, 607],
    "PrivateTest": [491, 55, 528, 879, 594, 416, 626],
}


@unittest.skipUnless(fer_available(), f"FER2013 not found under {default_data_dir()} "
                                      "(set FACESTREAM_DATA)")
class Fer2013LoaderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fer = load_fer2013()

    def test_split_label_counts_match_readme(self):
        import numpy as np
        for name in SPLITS:
            rows = self.fer.split(name)
            self.assertEqual(np.bincount(self.fer.labels[rows], minlength=7).tolist(),
                             README_COUNTS[name], name)

    def test_split_rows_are_contiguous_in_file_order(self):
        self.assertEqual(self.fer.split("Training")[[0, -1]].tolist(), [0, 28708])
        self.assertEqual(self.fer.split("PublicTest")[[0, -1]].tolist(), [28709, 32297])
        self.assertEqual(self.fer.split("PrivateTest")[[0, -1]].tolist(), [32298, 35886])

    def test_flagged_rows_leave_training_only(self):
        import numpy as np
        flags = np.bincount(self.fer.flags, minlength=5)
        self.assertEqual([int(flags[v]) for v in (0, 2, 3, 4)], [35583, 6, 172, 126])
        kept = self.fer.split("Training", drop_flagged=True)
        self.assertTrue((self.fer.flags[kept] == 0).all())
        self.assertEqual(len(self.fer.split("PrivateTest")), 3589)

    def test_ferplus_votes_map_to_our_label_order(self):
        votes, valid = load_ferplus_votes()
        ok = valid & ((self.fer.flags & 2) == 0)
        # FER+ majority agrees with the FER label on ~63% of verified rows (data README).
        agree = (votes[ok].argmax(1) == self.fer.labels[ok]).mean()
        self.assertGreater(agree, 0.55)


if __name__ == "__main__":
    unittest.main()
