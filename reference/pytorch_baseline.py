#!/usr/bin/python3
"""A plain PyTorch DDPM, written independently of ddpm4j, as the baseline ddpm4j is compared with.

It follows the usual PyTorch way of writing the paper's model (nn.Conv2d, nn.GroupNorm, F.silu,
batched-matmul attention, Adam, L_simple) with the original network's layout, and trains for a
fixed wall-clock time, then samples with DDIM (eta 0, x0 clipped) and writes uint8 images.

    python3 reference/pytorch_baseline.py train --minutes 12 --out /tmp/baseline
      --data src/main/resources/ddpm4j/quickstart/fashion-mnist-train-8000-idx3-ubyte.gz

Only Debian's python3-torch and numpy are needed; nothing here is used by ddpm4j at run time.
"""
import argparse
import gzip
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def sinusoidal(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / (half - 1))
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, tdim, dropout):
        super().__init__()
        self.norm1 = nn.GroupNorm(32, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(tdim, cout)
        self.norm2 = nn.GroupNorm(32, cout)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(F.silu(temb))[:, :, None, None]
        h = self.conv2(self.drop(F.silu(self.norm2(h))))
        return self.skip(x) + h


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.GroupNorm(32, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.out = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)
        weights = torch.softmax(torch.bmm(q.transpose(1, 2), k) / math.sqrt(c), dim=-1)
        return x + self.out(torch.bmm(v, weights.transpose(1, 2)).reshape(b, c, h, w))


class UNet(nn.Module):
    """The DDPM U-Net: ch, ch_mult levels of num_res blocks, attention at the given resolutions."""

    def __init__(self, in_ch=1, ch=32, ch_mult=(1, 2, 2), num_res=2, attn_res=(14,), res=28, dropout=0.1):
        super().__init__()
        tdim = 4 * ch
        self.ch = ch
        self.temb = nn.Sequential(nn.Linear(ch, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.conv_in = nn.Conv2d(in_ch, ch, 3, padding=1)
        self.down = nn.ModuleList()
        chans = [ch]
        cur, size = ch, res
        for level, mult in enumerate(ch_mult):
            for _ in range(num_res):
                block = nn.ModuleList([ResBlock(cur, ch * mult, tdim, dropout)])
                cur = ch * mult
                if size in attn_res:
                    block.append(Attention(cur))
                self.down.append(block)
                chans.append(cur)
            if level != len(ch_mult) - 1:
                self.down.append(nn.ModuleList([nn.Conv2d(cur, cur, 3, stride=2, padding=1)]))
                chans.append(cur)
                size //= 2
        self.mid = nn.ModuleList([ResBlock(cur, cur, tdim, dropout), Attention(cur), ResBlock(cur, cur, tdim, dropout)])
        self.up = nn.ModuleList()
        for level, mult in reversed(list(enumerate(ch_mult))):
            for _ in range(num_res + 1):
                block = nn.ModuleList([ResBlock(cur + chans.pop(), ch * mult, tdim, dropout)])
                cur = ch * mult
                if size in attn_res:
                    block.append(Attention(cur))
                self.up.append(block)
            if level != 0:
                self.up.append(nn.ModuleList([nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cur, cur, 3, padding=1)]))
                size *= 2
        self.norm_out = nn.GroupNorm(32, cur)
        self.conv_out = nn.Conv2d(cur, in_ch, 3, padding=1)

    @staticmethod
    def _apply(block, h, temb):
        for layer in block:
            h = layer(h, temb) if isinstance(layer, ResBlock) else layer(h)
        return h

    def forward(self, x, t):
        temb = self.temb(sinusoidal(t, self.ch))
        h = self.conv_in(x)
        skips = [h]
        for block in self.down:
            h = self._apply(block, h, temb)
            skips.append(h)
        h = self._apply(self.mid, h, temb)
        for block in self.up:
            if isinstance(block[0], ResBlock):
                h = torch.cat([h, skips.pop()], dim=1)
            h = self._apply(block, h, temb)
        return self.conv_out(F.silu(self.norm_out(h)))


def load_idx(path):
    with (gzip.open(path) if path.endswith(".gz") else open(path, "rb")) as f:
        raw = f.read()
    n, rows, cols = np.frombuffer(raw[4:16], dtype=">i4")
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, rows, cols)


def alpha_bar(T=1000):
    betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
    return torch.cumprod(1 - betas, 0)


@torch.no_grad()
def ddim_sample(model, n, steps, seed, batch, res):
    ab = alpha_bar()
    ts = list(range(0, 1000, 1000 // steps))[::-1]
    gen = torch.Generator().manual_seed(seed)
    out = []
    for first in range(0, n, batch):
        b = min(batch, n - first)
        x = torch.randn(b, 1, res, res, generator=gen)
        for i, t in enumerate(ts):
            a = ab[t].item()
            a_prev = ab[ts[i + 1]].item() if i + 1 < len(ts) else 1.0
            eps = model(x, torch.full((b,), t, dtype=torch.long))
            x0 = ((x - math.sqrt(1 - a) * eps) / math.sqrt(a)).clamp(-1, 1)
            eps = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
            x = math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps
        out.append(((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[:, 0].numpy())
    return np.concatenate(out)


def train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images = load_idx(args.data)
    data = torch.from_numpy(images.astype(np.float32) / 127.5 - 1).unsqueeze(1)
    model = UNet(ch=args.ch)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sqrt_ab = alpha_bar().sqrt().float()
    sqrt_1mab = (1 - alpha_bar()).sqrt().float()
    params = sum(p.numel() for p in model.parameters())
    print(f"parameters {params}, images {len(data)}", flush=True)
    log = []
    start = time.time()
    step = 0
    model.train()
    while time.time() - start < args.minutes * 60:
        idx = torch.randint(0, len(data), (args.batch,))
        x0 = data[idx]
        if torch.rand(()) < 0.5:
            x0 = x0.flip(3)
        t = torch.randint(0, 1000, (args.batch,))
        noise = torch.randn_like(x0)
        xt = sqrt_ab[t][:, None, None, None] * x0 + sqrt_1mab[t][:, None, None, None] * noise
        loss = F.mse_loss(model(xt, t), noise)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 25 == 0:
            log.append({"step": step, "loss": loss.item(), "seconds": time.time() - start})
            print(f"step {step} loss {loss.item():.4f} {time.time() - start:.0f}s", flush=True)
    train_seconds = time.time() - start
    model.eval()
    start = time.time()
    samples = ddim_sample(model, args.n, args.steps, args.seed, args.sample_batch, images.shape[1])
    import os
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "samples.npy"), samples[..., None])
    with open(os.path.join(args.out, "run.json"), "w") as f:
        json.dump({"steps": step, "train_seconds": train_seconds, "sample_seconds": time.time() - start,
                   "parameters": params, "batch": args.batch, "lr": args.lr, "log": log}, f, indent=1)
    print(f"trained {step} steps in {train_seconds:.0f}s; wrote {args.n} samples to {args.out}/samples.npy")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train for a wall-clock budget, then sample")
    t.add_argument("--data", required=True, help="IDX images (.gz or not)")
    t.add_argument("--out", required=True)
    t.add_argument("--minutes", type=float, default=12)
    t.add_argument("--ch", type=int, default=32)
    t.add_argument("--batch", type=int, default=64)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--n", type=int, default=1000)
    t.add_argument("--steps", type=int, default=50)
    t.add_argument("--sample-batch", type=int, default=100)
    args = p.parse_args()
    train(args)


if __name__ == "__main__":
    main()
