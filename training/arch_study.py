"""Which EmotionNet stage widths fit the speed target: export each candidate (untrained: cost does
not depend on weights) and time it with bench/classifier.ts in onnxruntime-node, batch 32.

Candidates are run in interleaved rounds so that a busy moment on a shared machine hits all of
them alike; the table gives every round and the mean. Run it on a quiet machine.

  /usr/bin/python3 training/arch_study.py > training/arch_study.txt
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import export_onnx  # noqa: E402
from model import EmotionNet, count_macs, count_params  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANDIDATES = ["24,48,96,192", "24,32,96,256", "24,48,96,256", "16,32,128,256", "24,48,128,256"]


def faces_per_second(onnx_path, threads, seconds):
    out = subprocess.run(["npx", "tsx", "bench/classifier.ts", "--model", onnx_path,
                          "--threads", str(threads), "--seconds", str(seconds)],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"batch 32 with \d+ threads: (\d+) faces/s", out).group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--widths", nargs="+", default=CANDIDATES)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=3)
    a = p.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as d:
        paths, rows = {}, {}
        for w in a.widths:
            net = EmotionNet(widths=w).eval()
            paths[w] = os.path.join(d, w.replace(",", "_") + ".onnx")
            export_onnx(net, 1.0, paths[w])
            rows[w] = dict(params=count_params(net), macs=count_macs(net), fps=[])
        for r in range(a.rounds):
            for w in a.widths:
                rows[w]["fps"].append(faces_per_second(paths[w], a.threads, a.seconds))
                print(f"round {r + 1}/{a.rounds} widths {w}: {rows[w]['fps'][-1]:.0f} faces/s",
                      file=sys.stderr, flush=True)
    print(f"EmotionNet widths vs onnxruntime-node speed, batch 32, {a.threads} intra-op threads, "
          f"{a.rounds} interleaved rounds of {a.seconds:g}s")
    print("widths           params  MMACs/face  faces/s per round       mean")
    for w in a.widths:
        r = rows[w]
        fps = " ".join(f"{v:6.0f}" for v in r["fps"])
        print(f"{w:<15} {r['params'] / 1e6:6.2f}M  {r['macs'] / 1e6:10.1f}  {fps:<22} "
              f"{sum(r['fps']) / len(r['fps']):6.0f}")


if __name__ == "__main__":
    main()
