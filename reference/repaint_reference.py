#!/usr/bin/python3
"""Reference numbers for RePaintSamplerTest: the RePaint loop of diffusers' RePaintPipeline and RePaintScheduler
(set_timesteps, step, undo_step) written out in torch on diffusers' scheduler-test inputs, since diffusers ships no
full-loop scheduler test for RePaint. The dummy model is x*t/(t+1); the image is dummy_sample_deter ([4,3,8,8]);
the mask keeps where dummy_noise_deter > 0.5; noise from torch.manual_seed(0), drawn as the pipeline draws it.
Each case prints the sum and mean of |x| after the loop with the schedule in float32 (as diffusers) and float64.
Needs Debian's python3-torch (run with torch 1.13): /usr/bin/python3 reference/repaint_reference.py"""
import torch


def visits(steps, jump_length, jump_n_sample, stride):
    jumps = {j: jump_n_sample - 1 for j in range(0, steps - jump_length, jump_length)}
    out, t = [], steps
    while t >= 1:
        t -= 1
        out.append(t)
        if jumps.get(t, 0) > 0:
            jumps[t] -= 1
            for _ in range(jump_length):
                t += 1
                out.append(t)
    return [v * stride for v in out]


def deterministic(reverse):
    n = 4 * 3 * 8 * 8
    v = torch.arange(n, dtype=torch.float32)
    if reverse:
        v = v.flip(-1)
    return (v / n).reshape(3, 8, 8, 4).permute(3, 0, 1, 2)


def run(steps, jump_length, jump_n_sample, eta, clip, dtype, known=True):
    T = 1000
    betas = torch.linspace(0.0001, 0.02, T, dtype=dtype)
    abar = torch.cumprod(1.0 - betas, dim=0)
    stride = T // steps
    image = deterministic(False)
    mask = (deterministic(True) > 0.5).float()
    g = torch.manual_seed(0)
    x = torch.randn(image.shape, generator=g)
    ts = visits(steps, jump_length, jump_n_sample, stride)
    last = ts[0] + 1
    for t in ts:
        if t < last:
            eps = x * t / (t + 1)
            prev = t - stride
            a, ap = abar[t], (abar[prev] if prev >= 0 else torch.tensor(1.0, dtype=dtype))
            x0 = (x - (1 - a) ** 0.5 * eps) / a ** 0.5
            if clip:
                x0 = x0.clamp(-1, 1)
            z = torch.randn(x.shape, generator=g)
            std = eta * (((1 - ap) / (1 - a)) * (1 - a / ap)) ** 0.5
            unknown = ap ** 0.5 * x0 + (1 - ap - std ** 2) ** 0.5 * eps + (std * z if t > 0 and eta > 0 else 0)
            x = (mask * (ap ** 0.5 * image + (1 - ap) ** 0.5 * z) + (1 - mask) * unknown) if known else unknown
        else:
            for i in range(stride):
                b = betas[last + i]
                x = (1 - b) ** 0.5 * x + b ** 0.5 * torch.randn(x.shape, generator=g)
        last = t
        x = x.float()
    return x


print("visits(10, 3, 3, 100) =", visits(10, 3, 3, 100))
for name, args in [("steps 10, jump 3 x3, eta 0, clip", (10, 3, 3, 0.0, True)),
                   ("steps 10, jump 3 x3, eta 1, no clip", (10, 3, 3, 1.0, False)),
                   ("steps 250, jump 10 x10, eta 0, clip", (250, 10, 10, 0.0, True)),
                   ("steps 50, jump 1 x1 (replace), eta 1, clip", (50, 1, 1, 1.0, True))]:
    for dtype in (torch.float32, torch.float64):
        x = run(*args, dtype=dtype)
        print(f"{name} [{str(dtype)[6:]}]: sum {x.abs().sum().item():.5f} mean {x.abs().mean().item():.6f}")
x = run(10, 3, 3, 0.0, True, torch.float64, known=False)
print(f"unconditional, steps 10, jump 3 x3, eta 0, clip [float64]: sum {x.abs().sum().item():.5f} mean {x.abs().mean().item():.6f}")
