"""Batched face augmentation in torch ops (one affine_grid/grid_sample for the whole batch).

Per image: horizontal flip, rotation, isotropic scale, shift, brightness/contrast jitter and
random erasing. Geometry stays small because FER faces are already aligned and tightly framed.
"""
import math

import torch
import torch.nn.functional as F


def augment(x, g=None, rot_deg=12.0, scale=(0.88, 1.12), shift_px=4.0, flip_p=0.5,
            brightness=0.25, contrast=0.3, erase_p=0.5, erase_area=(0.02, 0.15)):
    """x: float [N,1,H,W] already normalised to about [-1,1]. Returns a new tensor."""
    n, _, h, w = x.shape
    dev = x.device
    r = lambda *s: torch.rand(*s, generator=g, device=dev)  # noqa: E731
    ang = (r(n) * 2 - 1) * math.radians(rot_deg)
    s = scale[0] + r(n) * (scale[1] - scale[0])
    flip = torch.where(r(n) < flip_p, -1.0, 1.0)
    tx = (r(n) * 2 - 1) * shift_px * 2 / w
    ty = (r(n) * 2 - 1) * shift_px * 2 / h
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    theta = torch.stack([
        torch.stack([cos * flip, -sin, tx], 1),
        torch.stack([sin * flip, cos, ty], 1),
    ], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)

    mean = y.mean(dim=(1, 2, 3), keepdim=True)
    c = 1 + (r(n, 1, 1, 1) * 2 - 1) * contrast
    b = (r(n, 1, 1, 1) * 2 - 1) * brightness
    y = ((y - mean) * c + mean + b).clamp(-1, 1)

    if erase_p > 0:
        area = (erase_area[0] + r(n) * (erase_area[1] - erase_area[0])) * h * w
        aspect = torch.exp((r(n) * 2 - 1) * math.log(2.0))
        eh = (area * aspect).sqrt().clamp(1, h - 1)
        ew = (area / aspect).sqrt().clamp(1, w - 1)
        y0 = r(n) * (h - eh)
        x0 = r(n) * (w - ew)
        ys = torch.arange(h, device=dev).view(1, h, 1).float()
        xs = torch.arange(w, device=dev).view(1, 1, w).float()
        box = ((ys >= y0.view(n, 1, 1)) & (ys < (y0 + eh).view(n, 1, 1))
               & (xs >= x0.view(n, 1, 1)) & (xs < (x0 + ew).view(n, 1, 1)))
        box &= (r(n) < erase_p).view(n, 1, 1)
        noise = r(n, 1, h, w) * 2 - 1
        y = torch.where(box.unsqueeze(1), noise, y)
    return y
