"""Haar face detection on FER faces placed in a simulated camera frame.

FER faces are tight 48x48 crops; Haar needs context around a face, so each face is upscaled
(UPSCALE x, bicubic) and padded on every side with BORDER_REPLICATE (PAD_FRAC of the upscaled
side) before detection. The same simulation is used to fit the crop parameters (crop_study.py)
and to measure Haar re-crop accuracy (evaluate.py).
"""
import os

import cv2
import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASCADE = os.path.join(REPO_ROOT, "models", "haarcascade_frontalface_default.xml")
UPSCALE = 4
PAD_FRAC = 0.25
DETECT = {"scaleFactor": 1.1, "minNeighbors": 5, "minSize": (48, 48)}


def configure(cascade=None, scale_factor=None, min_neighbors=None):
    """Match the service's detector settings (src/server/config.ts) for a study or evaluation."""
    global CASCADE
    if cascade:
        CASCADE = cascade if os.path.isabs(cascade) else os.path.join(REPO_ROOT, "models", cascade)
    if scale_factor:
        DETECT["scaleFactor"] = scale_factor
    if min_neighbors is not None:
        DETECT["minNeighbors"] = min_neighbors


def add_arguments(parser):
    parser.add_argument("--cascade", default=os.path.basename(CASCADE),
                        help="Haar cascade file in models/")
    parser.add_argument("--scale-factor", type=float, default=DETECT["scaleFactor"])
    parser.add_argument("--min-neighbors", type=int, default=DETECT["minNeighbors"])


def load_cascade(path=None):
    path = path or CASCADE
    c = cv2.CascadeClassifier(path)
    if c.empty():
        raise RuntimeError(f"cannot load Haar cascade {path}")
    return c


def simulate_frame(face48):
    """Upscaled + padded frame, and the FER face's square (x0, y0, side) inside it."""
    side = 48 * UPSCALE
    up = cv2.resize(face48, (side, side), interpolation=cv2.INTER_CUBIC)
    pad = int(round(side * PAD_FRAC))
    frame = cv2.copyMakeBorder(up, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    return frame, (pad, pad, side)


def detect_largest(cascade, frame):
    """Largest Haar box (x, y, w, h) or None."""
    boxes = cascade.detectMultiScale(frame, **DETECT)
    if len(boxes) == 0:
        return None
    boxes = np.asarray(boxes)
    return tuple(int(v) for v in boxes[np.argmax(boxes[:, 2] * boxes[:, 3])])
