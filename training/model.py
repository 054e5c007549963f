"""EmotionNet: a small VGG-style CNN for 48x48 grey faces, sized for CPU inference.

The 48x48 stage is kept to a single cheap 1->C conv followed by a strided conv, so most of
the compute happens at 24x24 and below; this is where accuracy per CPU millisecond is best
for this input size (measured in models/README.md).
"""
import torch
from torch import nn


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def stage_widths(width, widths=None):
    """Channels of the 48/24, 24, 12 and 6 pixel stages: `widths` as "a,b,c,d", else w,2w,4w,8w."""
    if widths:
        out = tuple(int(v) for v in str(widths).split(","))
        if len(out) != 4 or min(out) < 1:
            raise ValueError(f"widths must be four positive integers, got {widths!r}")
        return out
    return (width, 2 * width, 4 * width, 8 * width)


class EmotionNet(nn.Module):
    def __init__(self, width=32, classes=7, dropout=0.4, widths=None):
        super().__init__()
        c0, c1, c2, c3 = stage_widths(width, widths)
        self.features = nn.Sequential(
            conv_bn(1, c0),                # 48
            conv_bn(c0, c0, stride=2),     # 24
            conv_bn(c0, c1),
            conv_bn(c1, c1),
            nn.MaxPool2d(2),               # 12
            conv_bn(c1, c2),
            conv_bn(c2, c2),
            nn.MaxPool2d(2),               # 6
            conv_bn(c2, c3),
            conv_bn(c3, c3),
            nn.MaxPool2d(2),               # 3
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(c3 * 9, 256, bias=False),
            nn.BatchNorm1d(256),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(256, classes),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.classifier(self.features(x))


class ExportWrapper(nn.Module):
    """What goes into the ONNX graph: logits / T, optional horizontal-flip averaging, softmax."""

    def __init__(self, net, temperature=1.0, flip_tta=False):
        super().__init__()
        self.net = net
        self.flip_tta = flip_tta
        self.register_buffer("inv_t", torch.tensor(1.0 / temperature, dtype=torch.float32))

    def forward(self, x):
        logits = self.net(x)
        if self.flip_tta:
            logits = 0.5 * (logits + self.net(torch.flip(x, dims=[3])))
        return torch.softmax(logits * self.inv_t, dim=1)


def count_params(net):
    return sum(p.numel() for p in net.parameters())


def count_macs(net, size=48):
    """Multiply-accumulates of one forward pass (conv + linear), via forward hooks."""
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels // mod.groups
            total[0] += out.numel() * k
        elif isinstance(mod, nn.Linear):
            total[0] += mod.in_features * mod.out_features

    hooks = [m.register_forward_hook(hook) for m in net.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = net.training
    net.eval()
    with torch.no_grad():
        net(torch.zeros(1, 1, size, size))
    net.train(was_training)
    for h in hooks:
        h.remove()
    return total[0]
