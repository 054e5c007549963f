"""Face crop shared by training-time studies and the service (src/inference implements the same).

Given a grey image and a Haar face box (x, y, w, h):
  side = floor(w * scale + 0.5)
  cx = x + w / 2,  cy = y + h / 2 + offset_y * h
  x0 = floor(cx - side / 2 + 0.5),  y0 = floor(cy - side / 2 + 0.5)
  square [x0, x0 + side) x [y0, y0 + side), pixels outside the image replicate the border
  (cv2.BORDER_REPLICATE), resized to size x size with cv2.INTER_AREA.
Rounding is floor(v + 0.5) (JavaScript's Math.round), not Python's round-half-even.
Then x_float = (pixel * norm_scale - mean) / std.
"""
import math

import cv2
import numpy as np

NORM_SCALE, NORM_MEAN, NORM_STD = 1.0 / 255.0, 0.5, 0.5


def js_round(v):
    return int(math.floor(v + 0.5))


def crop_square(gray, box, scale=1.0, offset_y=0.0):
    """The side x side uint8 square of the crop rule, before resizing."""
    x, y, w, h = box
    side = max(1, js_round(w * scale))
    cx = x + w / 2.0
    cy = y + h / 2.0 + offset_y * h
    x0 = js_round(cx - side / 2.0)
    y0 = js_round(cy - side / 2.0)
    ih, iw = gray.shape[:2]
    top, left = max(0, -y0), max(0, -x0)
    bottom, right = max(0, y0 + side - ih), max(0, x0 + side - iw)
    if top or left or bottom or right:
        gray = cv2.copyMakeBorder(gray, top, bottom, left, right, cv2.BORDER_REPLICATE)
        x0 += left
        y0 += top
    return gray[y0:y0 + side, x0:x0 + side]


def crop_face(gray, box, size=48, scale=1.0, offset_y=0.0):
    """uint8 [size, size] face crop of a grey uint8 image for a (x, y, w, h) box."""
    sq = crop_square(gray, box, scale, offset_y)
    return cv2.resize(sq, (size, size), interpolation=cv2.INTER_AREA)


def normalize(face_u8):
    """uint8 [.., 48, 48] -> float32 network input values."""
    return (face_u8.astype(np.float32) * NORM_SCALE - NORM_MEAN) / NORM_STD
