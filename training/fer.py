"""FER2013 loader for the shared data folder (no CSV parser for the pixels).

Layout (see ../shared/data/fer2013/README.md): one gzip of raw uint8 pixels, 35887 x 2304
bytes, and one byte per row for label, usage and flags. FER+ votes come from
ferplus/fer2013new.csv, paired by row index.
"""
import gzip
import os
from dataclasses import dataclass

import numpy as np

LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
SPLITS = {"Training": 0, "PublicTest": 1, "PrivateTest": 2}
ROWS = 35887
SIZE = 48

# FER+ vote columns in file order -> our label index (None: no counterpart in FER2013).
FERPLUS_COLUMNS = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                   "contempt", "unknown", "NF"]
FERPLUS_TO_OURS = [6, 3, 5, 4, 0, 1, 2, None, None, None]

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_data_dir():
    """FACESTREAM_DATA if set, else ../shared/data relative to the repository root."""
    env = os.environ.get("FACESTREAM_DATA")
    if env:
        return env
    return os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data"))


def fer_available(data_dir=None):
    d = os.path.join(data_dir or default_data_dir(), "fer2013")
    return os.path.exists(os.path.join(d, "fer2013_pixels_35887x2304.u8.gz"))


@dataclass
class Fer2013:
    images: np.ndarray  # uint8 [35887, 48, 48]
    labels: np.ndarray  # uint8 [35887]
    usage: np.ndarray   # uint8 [35887], 0 Training, 1 PublicTest, 2 PrivateTest
    flags: np.ndarray   # uint8 [35887], bit field (README)

    def split(self, name, drop_flagged=False):
        """Row indices of one split; drop_flagged removes rows with flags != 0 (training only)."""
        mask = self.usage == SPLITS[name]
        if drop_flagged:
            mask &= self.flags == 0
        return np.nonzero(mask)[0]


def _read_bytes(path):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8)


def load_fer2013(data_dir=None):
    d = os.path.join(data_dir or default_data_dir(), "fer2013")
    with gzip.open(os.path.join(d, "fer2013_pixels_35887x2304.u8.gz"), "rb") as f:
        raw = f.read()
    if len(raw) != ROWS * SIZE * SIZE:
        raise ValueError(f"pixels file has {len(raw)} bytes, expected {ROWS * SIZE * SIZE}")
    images = np.frombuffer(raw, dtype=np.uint8).reshape(ROWS, SIZE, SIZE)
    labels = _read_bytes(os.path.join(d, "fer2013_labels.u8"))
    usage = _read_bytes(os.path.join(d, "fer2013_usage.u8"))
    flags = _read_bytes(os.path.join(d, "fer2013_flags.u8"))
    for name, a in (("labels", labels), ("usage", usage), ("flags", flags)):
        if len(a) != ROWS:
            raise ValueError(f"{name} has {len(a)} rows, expected {ROWS}")
    return Fer2013(images, labels, usage, flags)


def load_ferplus_votes(data_dir=None):
    """FER+ votes mapped to our 7 labels: float32 [35887, 7] counts, and a validity mask.

    A row is valid when it has a FER+ image name, its position is verified (flags bit1 clear,
    checked by the caller) and at least one vote lands on one of our 7 classes. Contempt,
    unknown and NF votes are dropped.
    """
    path = os.path.join(data_dir or default_data_dir(), "ferplus", "fer2013new.csv")
    votes = np.zeros((ROWS, 7), dtype=np.float32)
    valid = np.zeros(ROWS, dtype=bool)
    with open(path, "r", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        if header[2:] != FERPLUS_COLUMNS:
            raise ValueError(f"unexpected FER+ header: {header}")
        for i, line in enumerate(f):
            parts = line.rstrip("\n").split(",")
            if not parts[1]:
                continue
            for col, ours in enumerate(FERPLUS_TO_OURS):
                if ours is not None:
                    votes[i, ours] = float(parts[2 + col])
            valid[i] = votes[i].sum() > 0
    if i + 1 != ROWS:
        raise ValueError(f"FER+ file has {i + 1} rows, expected {ROWS}")
    return votes, valid


def soft_targets(fer, data_dir=None, ferplus_weight=0.0, smoothing=0.0):
    """Training targets [35887, 7]: one-hot FER label mixed with FER+ vote distribution.

    target = (1 - w) * onehot + w * ferplus_dist where FER+ is usable, otherwise
    (1 - s) * onehot + s / 7 (plain label smoothing).
    """
    onehot = np.eye(7, dtype=np.float32)[fer.labels]
    smooth = (1 - smoothing) * onehot + smoothing / 7
    if ferplus_weight <= 0:
        return smooth
    votes, valid = load_ferplus_votes(data_dir)
    valid &= (fer.flags & 2) == 0
    dist = votes / np.maximum(votes.sum(1, keepdims=True), 1)
    mixed = (1 - ferplus_weight) * onehot + ferplus_weight * dist
    return np.where(valid[:, None], mixed, smooth).astype(np.float32)
