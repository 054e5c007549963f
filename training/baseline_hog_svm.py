"""Classical baseline: HOG features + linear SVM, same protocol as the CNN.

Train on Training (flags == 0 rows), pick the regularisation on PublicTest, report PrivateTest
once. The SVM is trained by SGD on the hinge loss (one-vs-rest): liblinear's LinearSVC took
over 4 minutes per C on the shared 2 cores without finishing; SGD fits the same linear model
class in about a minute per alpha.

  /usr/bin/python3 training/baseline_hog_svm.py --out training/baseline_hog_svm.json
"""
import argparse
import json
import os
import sys
import time

import cv2
import numpy as np
from sklearn.metrics import confusion_matrix
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import SGDClassifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fer import default_data_dir, load_fer2013  # noqa: E402

# 48x48 window, 9 bins: 16x16 blocks of 8x8 cells, stride 8 -> 900 features, plus 12x12
# blocks of 6x6 cells, stride 6 -> 1764 features: a coarse and a finer view of the same face.
HOGS = [cv2.HOGDescriptor((48, 48), (16, 16), (8, 8), (8, 8), 9),
        cv2.HOGDescriptor((48, 48), (12, 12), (6, 6), (6, 6), 9)]


def hog_features(images):
    return np.stack([np.concatenate([h.compute(im).ravel() for h in HOGS]) for im in images])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=default_data_dir())
    p.add_argument("--alphas", default="0.0001,0.001,0.01",
                   help="L2 regularisation strengths tried on PublicTest")
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    t0 = time.time()
    fer = load_fer2013(a.data)
    tr, pub, prv = (fer.split("Training", drop_flagged=True), fer.split("PublicTest"),
                    fer.split("PrivateTest"))
    feats = {k: hog_features(fer.images[v]) for k, v in (("tr", tr), ("pub", pub), ("prv", prv))}
    sc = StandardScaler().fit(feats["tr"])
    feats = {k: sc.transform(v).astype(np.float32) for k, v in feats.items()}
    print(f"HOG features {feats['tr'].shape} in {time.time() - t0:.0f}s", flush=True)
    best = None
    tried = {}
    for c in [float(v) for v in a.alphas.split(",")]:
        clf = SGDClassifier(loss="hinge", alpha=c, max_iter=50, tol=1e-4, random_state=0,
                            average=True).fit(feats["tr"], fer.labels[tr])
        acc = float((clf.predict(feats["pub"]) == fer.labels[pub]).mean())
        tried[str(c)] = acc
        print(f"alpha={c}: PublicTest acc {acc:.4f} ({time.time() - t0:.0f}s)", flush=True)
        if best is None or acc > best[0]:
            best = (acc, c, clf)
    pred = best[2].predict(feats["prv"])
    y = fer.labels[prv]
    cm = confusion_matrix(y, pred, labels=range(7))
    out = {
        "model": "HOG (8x8 and 6x6 cells, 9 bins, 2664 features) + StandardScaler + linear SVM (hinge loss, SGD, averaged)",
        "alpha": best[1], "publicTestAccByAlpha": tried, "publicTestAcc": best[0],
        "privateTestAcc": float((pred == y).mean()),
        "privateTestRecall": [float(v) for v in cm.diagonal() / cm.sum(1)],
        "confusion": cm.tolist(), "seconds": round(time.time() - t0, 1),
        "command": "/usr/bin/python3 training/baseline_hog_svm.py " + " ".join(sys.argv[1:]),
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
