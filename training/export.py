"""Calibrate, evaluate and export a trained EmotionNet.

Temperature T is fitted on PublicTest (NLL); expected calibration error is reported on
PrivateTest before and after. Writes models/emotion.onnx (softmax(logits / T) baked into
the graph), models/emotion.json (the service's contract, with all metrics) and the
confusion-matrix picture.

  /usr/bin/python3 training/export.py --run training/runs/main --models models
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see train.py

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from facecrop import NORM_MEAN, NORM_SCALE, NORM_STD, crop_face  # noqa: E402
from fer import LABELS, default_data_dir, load_fer2013  # noqa: E402
from model import EmotionNet, ExportWrapper, count_macs, count_params, stage_widths  # noqa: E402
from train import predict_logits, to_input  # noqa: E402
import haar  # noqa: E402

OPSET = 13


def load_net(ckpt_path):
    ck = torch.load(ckpt_path, map_location="cpu")
    cfg = ck["config"]
    net = EmotionNet(width=cfg["width"], dropout=cfg["dropout"], widths=cfg.get("widths"))
    net.load_state_dict(ck["model"])
    return net.eval(), ck


def export_onnx(net, temperature, path, flip_tta=False):
    """ONNX with input `input` [N,1,48,48] float32 and output `probs` [N,7], dynamic N."""
    wrapper = ExportWrapper(net.eval(), temperature, flip_tta).eval()
    torch.onnx.export(wrapper, torch.zeros(1, 1, 48, 48), path, input_names=["input"],
                      output_names=["probs"], dynamic_axes={"input": {0: "N"}, "probs": {0: "N"}},
                      opset_version=OPSET, do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(path))
    return wrapper


def fit_temperature(logits, y):
    """T minimising NLL, by golden-section search on log T in [log 0.3, log 5]."""
    def nll(log_t):
        return F.cross_entropy(logits / np.exp(log_t), y).item()
    lo, hi = np.log(0.3), np.log(5.0)
    gr = (np.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - gr * (hi - lo), lo + gr * (hi - lo)
        if nll(a) < nll(b):
            hi = b
        else:
            lo = a
    return float(np.exp((lo + hi) / 2))


def ece(probs, y, bins=15):
    """Expected calibration error of the top-1 confidence, equal-width bins."""
    conf, pred = probs.max(1)
    correct = (pred == y).float()
    edges = torch.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.float().mean().item() * abs(conf[m].mean().item() - correct[m].mean().item())
    return total


def confusion(y, pred):
    cm = np.zeros((7, 7), dtype=np.int64)
    np.add.at(cm, (y, pred), 1)
    return cm


def haar_recrop(net, fer, rows, crop, temperature):
    """Re-crop test faces through Haar + the crop rule; accuracy on faces Haar finds."""
    cascade = haar.load_cascade()
    faces, kept, missed = [], [], []
    for r in rows:
        frame, _ = haar.simulate_frame(fer.images[r])
        box = haar.detect_largest(cascade, frame)
        if box is None:
            missed.append(r)
            continue
        faces.append(crop_face(frame, box, 48, crop["scale"], crop["offsetY"]))
        kept.append(r)
    kept = np.array(kept)
    y = torch.from_numpy(fer.labels[kept].astype(np.int64))
    recrop_pred = predict_logits(net, np.stack(faces)).argmax(1)
    orig_pred = predict_logits(net, fer.images[kept]).argmax(1)
    return {
        "faces": len(rows), "detected": len(kept), "missed": len(missed),
        "accuracyOnDetected": (recrop_pred == y).float().mean().item(),
        "originalCropAccuracyOnSameFaces": (orig_pred == y).float().mean().item(),
        "accuracyCountingMissesWrong": (recrop_pred == y).sum().item() / len(rows),
        "simulation": {"cascade": os.path.basename(haar.CASCADE), "upscale": haar.UPSCALE, "padFrac": haar.PAD_FRAC, "padBorder": "replicate",
                       "detect": {k: list(v) if isinstance(v, tuple) else v
                                  for k, v in haar.DETECT.items()}},
    }


def plot_confusion(cm, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=110)
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(7):
        for j in range(7):
            ax.text(j, i, f"{cm[i, j]}\n{norm[i, j]:.0%}", ha="center", va="center", fontsize=7,
                    color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xticks(range(7), LABELS, rotation=35)
    ax.set_yticks(range(7), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true (FER2013 label)")
    ax.set_title(title, fontsize=9)
    fig.colorbar(im, fraction=0.046, pad=0.04, label="row-normalised (recall)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def distillation(cfg):
    """Where a run's teacher targets came from (train.py --teacher), or None."""
    if not cfg.get("teacher"):
        return None
    t = np.load(cfg["teacher"])
    runs = [str(r) for r in t["runs"]]
    trained_by = []
    for run in runs:
        trained_by += lineage_commands(
            run, torch.load(os.path.join(run, "best.pt"), map_location="cpu")["config"])
    return {"kdWeight": cfg["kd_weight"], "teacherRuns": runs,
            "teacherTrainingCommands": list(dict.fromkeys(trained_by)),
            "teacherTemperature": float(t["temperature"]),
            "teacherPublicTestAccuracy": float(t["public_test_accuracy"]),
            "command": (f"/usr/bin/python3 training/teacher.py --runs {' '.join(runs)} "
                        f"--out {cfg['teacher']} --temperature {float(t['temperature']):g}")}


def lineage_commands(run_dir, cfg):
    """run_commands of a run, preceded by those of the run its --init-from weights came from."""
    parent = run_commands(os.path.dirname(cfg["init_from"])) if cfg.get("init_from") else []
    return parent + run_commands(run_dir)


def run_commands(run_dir):
    """Every training command that wrote to this run (a resumed run has several)."""
    cmds = []
    with open(os.path.join(run_dir, "train.log")) as f:
        for line in f:
            if " command: " in line:
                cmd = line.split(" command: ", 1)[1].strip()
                if cmd.startswith("python3 "):  # older log lines named the interpreter by basename
                    cmd = "/usr/bin/" + cmd
                cmds.append(cmd)
    return cmds


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=default_data_dir())
    p.add_argument("--run", required=True, help="training run folder (best.pt, config.json)")
    p.add_argument("--models", default="models", help="output folder")
    p.add_argument("--crop-study", default="training/crop_study.json")
    p.add_argument("--baseline", default="training/baseline_hog_svm.json")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--recrop-limit", type=int, default=0,
                   help="re-crop only the first N PrivateTest faces (0: all; for dry runs)")
    haar.add_arguments(p)
    a = p.parse_args(argv)
    haar.configure(a.cascade, a.scale_factor, a.min_neighbors)
    torch.set_num_threads(a.threads)
    t0 = time.time()
    net, ck = load_net(os.path.join(a.run, "best.pt"))
    last = torch.load(os.path.join(a.run, "last.pt"), map_location="cpu")
    fer = load_fer2013(a.data)
    pub, prv = fer.split("PublicTest"), fer.split("PrivateTest")
    y_pub = torch.from_numpy(fer.labels[pub].astype(np.int64))
    y_prv = torch.from_numpy(fer.labels[prv].astype(np.int64))
    lg_pub = predict_logits(net, fer.images[pub])
    lg_prv = predict_logits(net, fer.images[prv])

    lg_pub_flip = predict_logits(net, np.ascontiguousarray(fer.images[pub][:, :, ::-1]))
    acc_pub_tta = float(((lg_pub + lg_pub_flip).argmax(1) == y_pub).float().mean())
    t = fit_temperature(lg_pub, y_pub)
    ece_before = ece(torch.softmax(lg_prv, 1), y_prv)
    ece_after = ece(torch.softmax(lg_prv / t, 1), y_prv)
    pred = lg_prv.argmax(1)
    cm = confusion(y_prv.numpy(), pred.numpy())
    recall = cm.diagonal() / cm.sum(1)
    precision = cm.diagonal() / np.maximum(cm.sum(0), 1)
    acc_prv = float((pred == y_prv).float().mean())
    acc_pub = float((lg_pub.argmax(1) == y_pub).float().mean())
    print(f"T={t:.3f} ECE PrivateTest {ece_before:.4f} -> {ece_after:.4f}; "
          f"PublicTest acc {acc_pub:.4f}; PrivateTest acc {acc_prv:.4f}", flush=True)

    with open(a.crop_study) as f:
        study = json.load(f)
    crop = {"scale": study["scale"], "offsetY": study["offsetY"], "interpolation": "area",
            "border": "replicate"}
    recrop = haar_recrop(net, fer, prv[:a.recrop_limit] if a.recrop_limit else prv, crop, t)
    print(f"Haar re-crop: {recrop}", flush=True)
    baseline = None
    if os.path.exists(a.baseline):
        with open(a.baseline) as f:
            b = json.load(f)
        baseline = {"model": b["model"], "privateTestAcc": b["privateTestAcc"],
                    "publicTestAcc": b["publicTestAcc"], "command": b["command"]}

    os.makedirs(a.models, exist_ok=True)
    onnx_path = os.path.join(a.models, "emotion.onnx")
    wrapper = export_onnx(net, t, onnx_path)
    with torch.no_grad():
        probs_export = wrapper(to_input(fer.images[prv[:64]]))
    plot_confusion(cm, os.path.join(a.models, "confusion_privatetest.png"),
                   f"EmotionNet on FER2013 PrivateTest (n={len(prv)}), accuracy {acc_prv:.1%}")
    cfg = ck["config"]
    hist = last["history"]
    commands = lineage_commands(a.run, cfg)
    parent = None
    if cfg.get("init_from"):
        parent_dir = os.path.dirname(cfg["init_from"])
        pl = torch.load(os.path.join(parent_dir, "last.pt"), map_location="cpu")
        ph = pl["history"]
        parent = {"run": parent_dir, "epochs": len(ph), "initWeights": cfg["init_from"],
                  "bestPublicTestAcc": round(max(h["val_acc"] for h in ph), 4),
                  "trainingSeconds": round(sum(h["seconds"] for h in ph)),
                  "peakLr": pl["config"]["lr"]}
    contract = {
        "version": 1,
        "labels": LABELS,
        "input": {"name": "input", "size": 48, "channels": 1, "layout": "NCHW", "dtype": "float32",
                  "dynamicBatch": True},
        "output": {"name": "probs", "kind": "probabilities", "shape": ["N", 7],
                   "note": "softmax(logits / temperature), temperature baked into the graph"},
        "normalize": {"scale": NORM_SCALE, "mean": NORM_MEAN, "std": NORM_STD,
                      "formula": "x_float = (pixel*scale - mean)/std"},
        "crop": dict(crop, rule=(
            "side = round(w*scale); cx = x + w/2; cy = y + h/2 + offsetY*h; "
            "x0 = round(cx - side/2); y0 = round(cy - side/2) with round(v) = floor(v + 0.5); "
            "square [x0,x0+side) x [y0,y0+side), outside pixels BORDER_REPLICATE; "
            "resize to size x size with INTER_AREA; then normalize"),
            fittedBy=study["command"], haarDetectionRateOnStudy=study["detection_rate"]),
        "detector": {"cascade": os.path.basename(haar.CASCADE),
                     "note": "the crop was fitted to this cascade's boxes; detection parameters "
                             "used in the study are in metrics.haarRecrop.simulation"},
        "calibration": {"temperature": round(t, 4), "eceBefore": round(ece_before, 4),
                        "eceAfter": round(ece_after, 4), "eceBins": 15,
                        "fittedOn": "PublicTest (NLL)", "eceMeasuredOn": "PrivateTest"},
        "metrics": {
            "privateTestAccuracy": round(acc_prv, 4),
            "privateTestCount": len(prv),
            "publicTestAccuracy": round(acc_pub, 4),
            "publicTestAccuracyWithFlipAveraging": round(acc_pub_tta, 4),
            "flipAveragingNote": "not in the shipped graph: it would halve throughput",
            "perClassRecall": dict(zip(LABELS, [round(float(v), 4) for v in recall])),
            "perClassPrecision": dict(zip(LABELS, [round(float(v), 4) for v in precision])),
            "confusionMatrix": {"rows": "true", "cols": "predicted", "labels": LABELS,
                                "counts": cm.tolist()},
            "haarRecrop": recrop,
            "baseline": baseline,
        },
        "training": {
            "command": " && ".join(commands),
            "warmRestartOf": parent,
            "exportCommand": "/usr/bin/python3 training/export.py " + " ".join(sys.argv[1:]),
            "epochs": cfg["epochs"], "bestEpoch": ck["epoch"] + 1,
            "params": count_params(net), "macsPerFace": count_macs(net),
            "architecture": "EmotionNet (training/model.py)",
            "stageWidths": list(stage_widths(cfg["width"], cfg.get("widths"))),
            "precision": ("bfloat16 autocast, channels-last (float32 weights)" if cfg.get("bf16")
                          else "float32"),
            "optimizer": f"SGD nesterov momentum 0.9, one-cycle peak lr {cfg['lr']}, "
                         f"weight decay {cfg['wd']}, batch {cfg['batch']}",
            "peakLr": cfg["lr"],
            "targets": f"one-hot mixed with FER+ votes (weight {cfg['ferplus_weight']}), "
                       f"label smoothing {cfg['smoothing']} where FER+ unusable",
            "distillation": distillation(cfg),
            "classWeightPower": cfg["class_weight_power"],
            "trainRows": cfg["train_rows"], "droppedFlaggedRows": not cfg["keep_flagged"],
            "seed": cfg["seed"], "torch": torch.__version__, "opset": OPSET,
            "trainingSeconds": round(sum(h["seconds"] for h in hist)
                                     + (parent["trainingSeconds"] if parent else 0)),
            "history": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in h.items()}
                        for h in hist],
        },
        "selfCheck": {"privateTestRows": [int(r) for r in prv[:4]],
                      "probs": [[round(float(v), 6) for v in row] for row in probs_export[:4]]},
    }
    with open(os.path.join(a.models, "emotion.json"), "w") as f:
        json.dump(contract, f, indent=1)
        f.write("\n")
    print(f"wrote {onnx_path}, emotion.json in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
