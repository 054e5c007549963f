"""Parity fixture for test/model-export.test.ts: a tiny trained model, its ONNX export, and the
PyTorch probabilities for real FER faces, so the test can compare onnxruntime-node against them.

  /usr/bin/python3 training/export_check.py --out /tmp/dir
writes emotion.onnx, inputs.f32 ([n,1,48,48] network input), probs.f32 ([n,7]), meta.json.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import export_onnx, load_net  # noqa: E402
from fer import LABELS, default_data_dir, load_fer2013  # noqa: E402
from train import parse_args, to_input, train  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=default_data_dir())
    p.add_argument("--out", required=True)
    p.add_argument("--faces", type=int, default=16)
    p.add_argument("--temperature", type=float, default=1.7)
    a = p.parse_args(argv)
    run = os.path.join(a.out, "run")
    train(parse_args(["--data", a.data, "--out", run, "--epochs", "1", "--limit", "256",
                      "--eval-limit", "64", "--width", "8", "--batch", "64", "--log-every", "0"]))
    net, _ = load_net(os.path.join(run, "best.pt"))
    wrapper = export_onnx(net, a.temperature, os.path.join(a.out, "emotion.onnx"))
    fer = load_fer2013(a.data)
    rows = fer.split("PublicTest")[:a.faces]
    x = to_input(fer.images[rows]).contiguous()
    with torch.no_grad():
        probs = wrapper(x)
    x.numpy().astype(np.float32).tofile(os.path.join(a.out, "inputs.f32"))
    probs.numpy().astype(np.float32).tofile(os.path.join(a.out, "probs.f32"))
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump({"faces": len(rows), "labels": LABELS, "temperature": a.temperature,
                   "rows": [int(r) for r in rows]}, f)


if __name__ == "__main__":
    main()
