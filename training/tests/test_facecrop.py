import unittest

import numpy as np

import _path  # noqa: F401
from facecrop import crop_face, crop_square, js_round, normalize


class FaceCropTest(unittest.TestCase):
    def setUp(self):
        self.img = (np.arange(100 * 120) % 251).astype(np.uint8).reshape(100, 120)

    def test_inside_box_is_the_plain_slice(self):
        sq = crop_square(self.img, (20, 10, 40, 40), scale=1.0, offset_y=0.0)
        np.testing.assert_array_equal(sq, self.img[10:50, 20:60])

    def test_scale_and_offset_move_the_square_around_the_box_centre(self):
        # w=40, scale 1.5 -> side 60; cx=40, cy=30+0.25*40=40 -> x0=10, y0=10
        sq = crop_square(self.img, (20, 10, 40, 40), scale=1.5, offset_y=0.25)
        np.testing.assert_array_equal(sq, self.img[10:70, 10:70])

    def test_outside_pixels_replicate_the_border(self):
        sq = crop_square(self.img, (-10, -5, 30, 30))
        self.assertEqual(sq.shape, (30, 30))
        np.testing.assert_array_equal(sq[0, 10:], self.img[0, 0:20])
        np.testing.assert_array_equal(sq[:5, 0], np.full(5, self.img[0, 0]))

    def test_rounding_is_half_up_like_javascript(self):
        self.assertEqual([js_round(v) for v in (0.5, 1.5, 2.5, -0.5)], [1, 2, 3, 0])

    def test_crop_face_gives_network_sized_uint8_and_normalises_to_unit_range(self):
        face = crop_face(self.img, (5, 5, 90, 90))
        self.assertEqual((face.shape, face.dtype), ((48, 48), np.uint8))
        x = normalize(np.array([0, 255], dtype=np.uint8))
        np.testing.assert_allclose(x, [-1.0, 1.0])


if __name__ == "__main__":
    unittest.main()
