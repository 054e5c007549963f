"""Soft targets from an ensemble of trained runs, for distillation (train.py --teacher).

Averages each run's softmax(logits / T) over the image and its mirror, on Training and
PublicTest rows only (PrivateTest is never read). Prints each member's and the ensemble's
PublicTest accuracy, so the ensemble can be chosen on PublicTest.

  /usr/bin/python3 training/teacher.py --runs training/runs/g1 training/runs/g2 \\
      --out training/runs/teacher-g1g2.npz
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import load_net  # noqa: E402
from fer import default_data_dir, load_fer2013  # noqa: E402
from train import predict_logits  # noqa: E402


def flip_averaged_probs(net, images_u8, temperature):
    mirrored = np.ascontiguousarray(images_u8[:, :, ::-1])
    p = torch.softmax(predict_logits(net, images_u8) / temperature, 1)
    p_flip = torch.softmax(predict_logits(net, mirrored) / temperature, 1)
    return ((p + p_flip) / 2).numpy()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=default_data_dir())
    p.add_argument("--runs", nargs="+", required=True, help="run folders with best.pt")
    p.add_argument("--out", required=True, help=".npz with rows [N] and probs [N,7]")
    p.add_argument("--temperature", type=float, default=2.0,
                   help="softens each member's distribution before averaging")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)

    fer = load_fer2013(a.data)
    train_rows, pub_rows = fer.split("Training"), fer.split("PublicTest")
    rows = np.concatenate([train_rows, pub_rows])
    pub = slice(len(train_rows), None)
    y_pub = fer.labels[pub_rows]
    total = np.zeros((len(rows), 7), dtype=np.float64)
    for i, run in enumerate(a.runs):
        net, _ = load_net(os.path.join(run, "best.pt"))
        probs = flip_averaged_probs(net, fer.images[rows], a.temperature)
        total += probs
        member = (probs[pub].argmax(1) == y_pub).mean()
        ensemble = (total[pub].argmax(1) == y_pub).mean()
        print(f"[{i + 1}/{len(a.runs)}] {run}: PublicTest {member:.4f} (flip-averaged), "
              f"ensemble so far {ensemble:.4f}", flush=True)
    np.savez_compressed(a.out, rows=rows, probs=(total / len(a.runs)).astype(np.float32),
                        runs=np.array(a.runs), temperature=a.temperature,
                        public_test_accuracy=ensemble)
    print(f"wrote {a.out}: {len(rows)} rows", flush=True)


if __name__ == "__main__":
    main()
