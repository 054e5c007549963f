"""Fit crop.scale / crop.offsetY so Haar crops reproduce FER's own framing.

For FER Training faces placed in a simulated frame (haar.py), the FER square (x0, y0, side)
is known; for each Haar box (x, y, w, h):
  scale_i = side / w,   offsetY_i = (y0 + side/2 - (y + h/2)) / h,  offsetX_i likewise.
The medians are the crop parameters. Writes a JSON summary.

  /usr/bin/python3 training/crop_study.py --n 4000 --out training/runs/crop_study.json
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from facecrop import crop_face  # noqa: E402
from fer import default_data_dir, load_fer2013  # noqa: E402
import haar  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=default_data_dir())
    p.add_argument("--n", type=int, default=4000, help="Training faces to sample")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    haar.add_arguments(p)
    a = p.parse_args(argv)
    haar.configure(a.cascade, a.scale_factor, a.min_neighbors)
    fer = load_fer2013(a.data)
    tr = fer.split("Training", drop_flagged=True)
    rows = np.random.default_rng(a.seed).choice(tr, size=min(a.n, len(tr)), replace=False)
    cascade = haar.load_cascade()
    t0 = time.time()
    rel = []
    for r in rows:
        frame, (x0, y0, side) = haar.simulate_frame(fer.images[r])
        box = haar.detect_largest(cascade, frame)
        if box is None:
            continue
        x, y, w, h = box
        rel.append((r, side / w, (y0 + side / 2 - (y + h / 2)) / h,
                    (x0 + side / 2 - (x + w / 2)) / w))
    rel = np.array(rel)
    scale, off_y, off_x = (float(np.median(rel[:, i])) for i in (1, 2, 3))
    # How close is the fitted crop to the original 48x48 face? (mean abs grey difference)
    diffs = []
    for r in rel[:500, 0].astype(int):
        frame, _ = haar.simulate_frame(fer.images[r])
        box = haar.detect_largest(cascade, frame)
        c = crop_face(frame, box, 48, scale, off_y).astype(np.float32)
        diffs.append(np.abs(c - fer.images[r].astype(np.float32)).mean())
    q = lambda col: [float(v) for v in np.percentile(rel[:, col], [10, 25, 50, 75, 90])]  # noqa: E731
    out = {
        "sampled": int(len(rows)), "detected": int(len(rel)),
        "detection_rate": len(rel) / len(rows),
        "scale": round(scale, 3), "offsetY": round(off_y, 3), "offsetX_median": round(off_x, 3),
        "scale_percentiles_10_25_50_75_90": q(1), "offsetY_percentiles_10_25_50_75_90": q(2),
        "offsetX_percentiles_10_25_50_75_90": q(3),
        "recrop_mean_abs_diff_grey_levels": float(np.mean(diffs)),
        "cascade": os.path.basename(haar.CASCADE),
        "simulation": {"upscale": haar.UPSCALE, "pad_frac": haar.PAD_FRAC,
                       "pad_border": "replicate", "detect": {k: list(v) if isinstance(v, tuple) else v
                                                             for k, v in haar.DETECT.items()}},
        "seconds": round(time.time() - t0, 1),
        "command": "/usr/bin/python3 training/crop_study.py " + " ".join(sys.argv[1:]),
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
