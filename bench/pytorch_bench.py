#!/usr/bin/python3
"""The PyTorch side of ddpm4j's benchmark: the same architectures (reference/pytorch_baseline.py's
independent U-Net), the same batch, the same kind of step, timed the same way (median after the
same seconds of warm-up), so `bench/compare.sh` can print the ratio to `./ddpm4j bench`.

    bench/pytorch_bench.py --preset cifar10 --mode train|sample --batch-size B [--iters N] [--warmup SECONDS]
                           [--threads T] [--precision fp32|bf16] [--json OUT]
    bench/pytorch_bench.py --sgemm        # the machine's matrix-multiply GFLOP/s (a practical peak)
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'reference'))
import pytorch_baseline as pb  # noqa: E402

PRESETS = {
    'cifar10': dict(in_ch=3, ch=128, ch_mult=(1, 2, 2, 2), num_res=2, attn_res=(16,), res=32, dropout=0.1),
    'small28': dict(in_ch=1, ch=32, ch_mult=(1, 2, 2), num_res=2, attn_res=(14,), res=28, dropout=0.1),
    'quick28': dict(in_ch=1, ch=32, ch_mult=(1, 2, 2), num_res=1, attn_res=(), res=28, dropout=0.0),
    'fmnist28': dict(in_ch=1, ch=32, ch_mult=(1, 2, 2), num_res=2, attn_res=(), res=28, dropout=0.1),
    'small32': dict(in_ch=3, ch=64, ch_mult=(1, 2, 2, 2), num_res=2, attn_res=(16,), res=32, dropout=0.1),
}


def sgemm(n=2048, iters=10):
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(2):
        a @ b
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    return 2 * n ** 3 / statistics.median(times) / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--preset', choices=sorted(PRESETS))
    p.add_argument('--mode', choices=('train', 'sample'), default='sample')
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--warmup', type=float, default=5.0, help='untimed steps for this many seconds first, at least 2')
    p.add_argument('--threads', type=int, default=os.cpu_count())
    p.add_argument('--json')
    p.add_argument('--sgemm', action='store_true')
    p.add_argument('--precision', choices=('fp32', 'bf16'), default='fp32',
                   help='bf16: torch.autocast on the CPU with bfloat16, as ddpm4j --precision bf16')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.sgemm:
        print(f'sgemm 2048: {sgemm():.1f} GFLOP/s with {args.threads} threads')
        return
    cfg = PRESETS[args.preset]
    torch.manual_seed(0)
    net = pb.UNet(**cfg)
    b, res = args.batch_size, cfg['res']
    x = torch.randn(b, cfg['in_ch'], res, res)
    t = torch.full((b,), 500, dtype=torch.long)
    times = []
    autocast = torch.autocast('cpu', dtype=torch.bfloat16, enabled=args.precision == 'bf16')
    if args.precision == 'bf16':
        # torch 1.13's CPU autocast leaves group_norm out and then refuses its bfloat16 input with float32
        # weights; later versions run it in float32, as libtorch 2.10 does for ddpm4j: do the same here
        plain = F.group_norm
        torch.nn.modules.normalization.F.group_norm = lambda x, *a, **k: plain(x.float(), *a, **k)
    if args.mode == 'sample':
        net.eval()

        def step():
            with torch.inference_mode(), autocast:
                net(x, t)
    else:
        net.train()
        opt = torch.optim.Adam(net.parameters(), lr=2e-4)
        ema = [q.detach().clone() for q in net.parameters()]
        ab = torch.cumprod(1 - torch.linspace(1e-4, 0.02, 1000), 0)

        def step():
            tt = torch.randint(0, 1000, (b,))
            noise = torch.randn_like(x)
            xt = ab[tt].sqrt()[:, None, None, None] * x + (1 - ab[tt]).sqrt()[:, None, None, None] * noise
            with autocast:
                out = net(xt, tt)
            loss = F.mse_loss(out.float(), noise)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            with torch.no_grad():
                for e, q in zip(ema, net.parameters()):
                    e.mul_(0.9999).add_(q, alpha=1e-4)
    warm, n = time.perf_counter(), 0
    while n < 2 or time.perf_counter() - warm < args.warmup:
        step()
        n += 1
    for _ in range(args.iters):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    ms = statistics.median(times) * 1000
    out = dict(preset=args.preset, mode=args.mode, batchSize=b, iterations=args.iters, msPerStep=ms,
               imagesPerSecond=b * 1000 / ms, threads=torch.get_num_threads(), torch=torch.__version__,
               precision=args.precision)
    print(f"pytorch {torch.__version__} {args.preset} {args.mode}, batch {b}, {args.precision}: {ms:.1f} ms/step,"
          f" {out['imagesPerSecond']:.2f} img/s")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
