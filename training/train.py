"""Train EmotionNet on FER2013 Training, select on PublicTest (PrivateTest is never read here).

Checkpoints every epoch (last.pt) and keeps the best PublicTest epoch (best.pt) in --out;
--resume continues from last.pt. Progress goes to stdout and to <out>/train.log.
--teacher mixes an ensemble's soft targets (written by training/teacher.py) into the targets.

  /usr/bin/python3 training/train.py --out training/runs/main --epochs 40
"""
import argparse
import json
import math
import os
import sys
import time

# libgomp's default spin-waiting collapses throughput when the 2 cores are shared with other
# processes (measured 48 vs 260 img/s); passive waiting keeps 2 threads useful.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from augment import augment  # noqa: E402
from fer import default_data_dir, load_fer2013, soft_targets  # noqa: E402
from model import EmotionNet, count_macs, count_params  # noqa: E402

MEAN, STD = 0.5, 0.5


def to_input(u8):
    """uint8 [N,48,48] (numpy or tensor) -> float [N,1,48,48], (x/255 - 0.5)/0.5."""
    t = torch.as_tensor(u8).float().unsqueeze(1)
    return (t / 255.0 - MEAN) / STD


def class_weights(labels, power):
    """w_k proportional to freq_k^-power, normalised so the mean weight per sample is 1."""
    counts = np.maximum(np.bincount(labels, minlength=7), 1).astype(np.float64)
    w = counts ** -power
    w /= (w[labels]).mean()
    return torch.tensor(w, dtype=torch.float32)


def soft_ce(logits, target, weights=None):
    logp = F.log_softmax(logits, dim=1)
    per = -(target * logp)
    if weights is not None:
        per = per * weights
    return per.sum(1).mean()


def mix_teacher(targets, teacher_path, weight, rows):
    """targets[rows] = (1 - weight) * targets + weight * teacher probs (all rows must be there)."""
    teacher = np.load(teacher_path)
    where = {r: i for i, r in enumerate(teacher["rows"])}
    missing = [r for r in rows if r not in where]
    if missing:
        raise ValueError(f"{teacher_path} has no targets for {len(missing)} training rows")
    out = targets.copy()
    out[rows] = (1 - weight) * targets[rows] + weight * teacher["probs"][[where[r] for r in rows]]
    return out


@torch.no_grad()
def predict_logits(net, images_u8, batch=512):
    net.eval()
    out = []
    for i in range(0, len(images_u8), batch):
        out.append(net(to_input(images_u8[i:i + batch])))
    return torch.cat(out)


def one_cycle_lr(peak, progress, warmup=0.15, start_div=20.0, final_div=1000.0):
    """Linear warm-up to peak, then cosine decay to peak/final_div; progress in [0, 1].

    A pure function of progress, so `--resume --epochs M` with a different M re-plans the rest
    of the schedule (used when a shared machine runs slower than planned).
    """
    progress = min(max(progress, 0.0), 1.0)
    if progress < warmup:
        return peak / start_div + (peak - peak / start_div) * progress / warmup
    t = (progress - warmup) / (1 - warmup)
    low = peak / final_div
    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * t))


def log_line(fh, msg):
    line = f"{time.strftime('%H:%M:%S')} {msg}"
    print(line, flush=True)
    if fh:
        fh.write(line + "\n")
        fh.flush()


def fmt_eta(sec):
    sec = int(max(sec, 0))
    return f"{sec // 3600}h{sec % 3600 // 60:02d}m{sec % 60:02d}s"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=default_data_dir(),
                   help="shared data folder (env FACESTREAM_DATA, default ../shared/data)")
    p.add_argument("--out", required=True, help="run folder for checkpoints and log")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1, help="one-cycle peak learning rate (SGD)")
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--widths", default="",
                   help='channels per stage "a,b,c,d" (48/24, 24, 12, 6 px); overrides --width')
    p.add_argument("--bf16", action="store_true",
                   help="bfloat16 autocast + channels-last: ~2.3x faster on CPUs with AVX512-BF16, "
                        "emulated (slow) elsewhere; weights and optimiser stay float32")
    p.add_argument("--dropout", type=float, default=0.4)
    p.add_argument("--ferplus-weight", type=float, default=0.2,
                   help="mix of FER+ vote distribution into the one-hot target")
    p.add_argument("--smoothing", type=float, default=0.1,
                   help="label smoothing for rows without usable FER+ votes")
    p.add_argument("--class-weight-power", type=float, default=0.3,
                   help="loss weight per class = freq^-power (0: unweighted)")
    p.add_argument("--teacher", default="",
                   help="distil: .npz of soft targets from training/teacher.py, mixed into the "
                        "targets with --kd-weight")
    p.add_argument("--kd-weight", type=float, default=0.5,
                   help="share of the teacher's distribution in each target (with --teacher)")
    p.add_argument("--keep-flagged", action="store_true", help="keep flags!=0 rows in training")
    p.add_argument("--limit", type=int, default=0, help="use only the first N training rows")
    p.add_argument("--eval-limit", type=int, default=0, help="use only N PublicTest rows")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log-every", type=int, default=50, help="batches between progress lines")
    p.add_argument("--resume", action="store_true", help="continue from <out>/last.pt")
    p.add_argument("--init-from", default="",
                   help="start from these weights (a best.pt/last.pt) with a fresh schedule: "
                        "a warm restart, e.g. a short low-lr cycle after a finished run")
    return p.parse_args(argv)


def train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    fh = open(os.path.join(args.out, "train.log"), "a")
    log_line(fh, "command: " + " ".join([sys.executable] + sys.argv))

    fer = load_fer2013(args.data)
    tr = fer.split("Training", drop_flagged=not args.keep_flagged)
    va = fer.split("PublicTest")
    if args.limit:
        tr = tr[:args.limit]
    if args.eval_limit:
        va = va[:args.eval_limit]
    targets_all = soft_targets(fer, args.data, args.ferplus_weight, args.smoothing)
    if args.teacher:
        targets_all = mix_teacher(targets_all, args.teacher, args.kd_weight, tr)
    x_tr = torch.from_numpy(np.ascontiguousarray(fer.images[tr]))
    t_tr = torch.from_numpy(targets_all[tr])
    y_tr = torch.from_numpy(fer.labels[tr].astype(np.int64))
    x_va = np.ascontiguousarray(fer.images[va])
    y_va = torch.from_numpy(fer.labels[va].astype(np.int64))
    cw = class_weights(fer.labels[tr], args.class_weight_power) if args.class_weight_power else None

    net = EmotionNet(width=args.width, dropout=args.dropout, widths=args.widths)
    if args.bf16:
        net = net.to(memory_format=torch.channels_last)
    steps_per_epoch = math.ceil(len(tr) / args.batch)
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                          weight_decay=args.wd)
    total_steps = args.epochs * steps_per_epoch
    if args.init_from:
        net.load_state_dict(torch.load(args.init_from, map_location="cpu")["model"])
    g = torch.Generator().manual_seed(args.seed)
    start_epoch, best_acc, history = 0, -1.0, []
    last_path = os.path.join(args.out, "last.pt")
    if args.resume and os.path.exists(last_path):
        ck = torch.load(last_path)
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        g.set_state(ck["gen"])
        torch.set_rng_state(ck["torch_rng"])
        start_epoch, best_acc, history = ck["epoch"] + 1, ck["best_acc"], ck["history"]
        log_line(fh, f"resumed from {last_path} at epoch {start_epoch + 1}")
    config = {k: v for k, v in vars(args).items()}
    config.update(train_rows=len(tr), val_rows=len(va), params=count_params(net),
                  macs=count_macs(net))
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    log_line(fh, f"train {len(tr)} rows, PublicTest {len(va)} rows, params {config['params']:,}, "
                 f"MACs/face {config['macs']:,}, {steps_per_epoch} steps/epoch")

    t_run = time.time()
    epoch_times = [h["seconds"] for h in history]
    for epoch in range(start_epoch, args.epochs):
        net.train()
        t0 = time.time()
        perm = torch.randperm(len(tr), generator=g)
        tot_loss, tot_correct, seen = 0.0, 0, 0
        for step in range(steps_per_epoch):
            idx = perm[step * args.batch:(step + 1) * args.batch]
            x = augment(to_input(x_tr[idx]), g)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = net(x.contiguous(memory_format=torch.channels_last) if args.bf16 else x)
            logits = logits.float()
            loss = soft_ce(logits, t_tr[idx], cw)
            lr = one_cycle_lr(args.lr, (epoch * steps_per_epoch + step) / total_steps)
            for group in opt.param_groups:
                group["lr"] = lr
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            n = len(idx)
            tot_loss += loss.item() * n
            tot_correct += (logits.argmax(1) == y_tr[idx]).sum().item()
            seen += n
            if args.log_every and (step + 1) % args.log_every == 0:
                el = time.time() - t0
                per_step = el / (step + 1)
                eta_epoch = per_step * (steps_per_epoch - step - 1)
                eta_all = eta_epoch + per_step * steps_per_epoch * (args.epochs - epoch - 1)
                log_line(fh, f"epoch {epoch + 1}/{args.epochs} step {step + 1}/{steps_per_epoch} "
                             f"loss {tot_loss / seen:.4f} acc {tot_correct / seen:.4f} "
                             f"lr {lr:.4f} {seen / el:.0f} img/s "
                             f"ETA {fmt_eta(eta_all)}")
        logits = predict_logits(net, x_va)
        va_loss = F.cross_entropy(logits, y_va).item()
        va_acc = (logits.argmax(1) == y_va).float().mean().item()
        secs = time.time() - t0
        epoch_times.append(secs)
        h = dict(epoch=epoch + 1, loss=tot_loss / seen, acc=tot_correct / seen,
                 val_loss=va_loss, val_acc=va_acc, seconds=secs)
        history.append(h)
        improved = va_acc > best_acc
        if improved:
            best_acc = va_acc
            torch.save({"model": net.state_dict(), "epoch": epoch, "val_acc": va_acc,
                        "config": config}, os.path.join(args.out, "best.pt"))
        eta = np.mean(epoch_times[-3:]) * (args.epochs - epoch - 1)
        log_line(fh, f"epoch {epoch + 1}/{args.epochs} done: loss {h['loss']:.4f} acc {h['acc']:.4f} "
                     f"| PublicTest loss {va_loss:.4f} acc {va_acc:.4f}{' *best' if improved else ''} "
                     f"| {secs:.0f}s/epoch ETA {fmt_eta(eta)}")
        torch.save({"model": net.state_dict(), "opt": opt.state_dict(), 
                    "gen": g.get_state(), "torch_rng": torch.get_rng_state(), "epoch": epoch,
                    "best_acc": best_acc, "history": history, "config": config},
                   last_path + ".tmp")
        os.replace(last_path + ".tmp", last_path)
    log_line(fh, f"finished: best PublicTest acc {best_acc:.4f} in {fmt_eta(time.time() - t_run)}")
    fh.close()
    return history


if __name__ == "__main__":
    train(parse_args())
