"""An independent PyTorch implementation of the DDPM network and DDIM sampler, used to check ddpm4j.

Written from the original TensorFlow code's structure (diffusion_tf/models/unet.py: nested
levels, a skip stack `hs`, NIN layers, TF-'SAME' strided downsampling) rather than from ddpm4j's
Java or from diffusers, then saved under the diffusers state-dict names. Needs Debian's
python3-torch and python3-numpy only; never used at run time by ddpm4j.

    python3 ddpm_reference.py fixture OUT_DIR [--preset tiny|cifar10] [--seed S]
    python3 ddpm_reference.py gradients OUT_DIR --preset odd
    python3 ddpm_reference.py pipeline OUT_DIR --seed S --n 2   (after fixture: diffusers' DDPM/DDIM pipeline loops)

writes OUT_DIR/model (diffusers layout, safetensors), OUT_DIR/model_bin (legacy attention
names, torch.save .bin), x.npy, t.npy, out.npy (network output), xT.npy and ddim10.npy
(10-step DDIM, eta 0, no clipping), images.npy (uint8 test images), bpd.npy and bpd_terms.npy
(the original calc_bpd_loop: per-image total bits/dim and per-t terms), and vb_t.npy, vb_xt.npy,
vb_terms.npy (single bound terms at given x_t). `gradients` writes a 1-channel model, x.npy, t.npy
and the float64 gradients of mean(output²) (loss.npy, grads.npz).
"""
import argparse
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def timestep_embedding(t, dim):
    # Original: emb = log(10000) / (half - 1); exp(range(half) * -emb); [sin, cos]
    half = dim // 2
    freq = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000) / (half - 1)))
    arg = t.float()[:, None] * freq[None, :]
    emb = torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1))
    return emb


class Norm(nn.GroupNorm):
    def __init__(self, ch, groups):
        super().__init__(groups, ch, eps=1e-6)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb_ch, groups):
        super().__init__()
        self.norm1 = Norm(cin, groups)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb_proj = nn.Linear(temb_ch, cout)
        self.norm2 = Norm(cout, groups)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.nin_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if self.nin_shortcut is not None:
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.norm = Norm(ch, groups)
        self.q = nn.Linear(ch, ch)
        self.k = nn.Linear(ch, ch)
        self.v = nn.Linear(ch, ch)
        self.proj_out = nn.Linear(ch, ch)

    def forward(self, x):
        b, c, hh, ww = x.shape
        h = self.norm(x).permute(0, 2, 3, 1)  # NHWC as in TF
        q, k, v = self.q(h), self.k(h), self.v(h)
        w = torch.einsum('bhwc,bHWc->bhwHW', q, k) * (c ** -0.5)
        w = torch.softmax(w.reshape(b, hh, ww, hh * ww), dim=-1).reshape(b, hh, ww, hh, ww)
        h = torch.einsum('bhwHW,bHWc->bhwc', w, v)
        h = self.proj_out(h).permute(0, 3, 1, 2)
        return x + h


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))  # TF 'SAME' with stride 2 pads bottom/right


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        b, c, h, w = x.shape
        x = x[:, :, :, None, :, None].expand(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w)
        return self.conv(x)


class Model(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, attn_resolutions, resolution, in_ch, out_ch, groups):
        super().__init__()
        self.ch, self.ch_mult, self.nrb = ch, ch_mult, num_res_blocks
        self.temb_dense0 = nn.Linear(ch, 4 * ch)
        self.temb_dense1 = nn.Linear(4 * ch, 4 * ch)
        self.conv_in = nn.Conv2d(in_ch, ch, 3, padding=1)
        self.down_blocks, self.down_attn, self.downsample = nn.ModuleDict(), nn.ModuleDict(), nn.ModuleDict()
        hs_ch, cur, res = [ch], ch, resolution
        levels = len(ch_mult)
        for level, mult in enumerate(ch_mult):
            for i in range(num_res_blocks):
                self.down_blocks[f'{level}_{i}'] = ResBlock(cur, ch * mult, 4 * ch, groups)
                cur = ch * mult
                if res in attn_resolutions:
                    self.down_attn[f'{level}_{i}'] = AttnBlock(cur, groups)
                hs_ch.append(cur)
            if level != levels - 1:
                self.downsample[str(level)] = Downsample(cur)
                hs_ch.append(cur)
                res //= 2
        self.mid_block_1 = ResBlock(cur, cur, 4 * ch, groups)
        self.mid_attn_1 = AttnBlock(cur, groups)
        self.mid_block_2 = ResBlock(cur, cur, 4 * ch, groups)
        self.up_blocks, self.up_attn, self.upsample = nn.ModuleDict(), nn.ModuleDict(), nn.ModuleDict()
        for level in reversed(range(levels)):
            for i in range(num_res_blocks + 1):
                self.up_blocks[f'{level}_{i}'] = ResBlock(cur + hs_ch.pop(), ch * ch_mult[level], 4 * ch, groups)
                cur = ch * ch_mult[level]
                if res in attn_resolutions:
                    self.up_attn[f'{level}_{i}'] = AttnBlock(cur, groups)
            if level != 0:
                self.upsample[str(level)] = Upsample(cur)
                res *= 2
        self.norm_out = Norm(cur, groups)
        self.conv_out = nn.Conv2d(cur, out_ch, 3, padding=1)

    def forward(self, x, t):
        temb = self.temb_dense1(F.silu(self.temb_dense0(timestep_embedding(t, self.ch).to(self.temb_dense0.weight.dtype))))
        hs = [self.conv_in(x)]
        levels = len(self.ch_mult)
        for level in range(levels):
            for i in range(self.nrb):
                h = self.down_blocks[f'{level}_{i}'](hs[-1], temb)
                if f'{level}_{i}' in self.down_attn:
                    h = self.down_attn[f'{level}_{i}'](h)
                hs.append(h)
            if level != levels - 1:
                hs.append(self.downsample[str(level)](hs[-1]))
        h = self.mid_block_2(self.mid_attn_1(self.mid_block_1(hs[-1], temb)), temb)
        for level in reversed(range(levels)):
            for i in range(self.nrb + 1):
                h = self.up_blocks[f'{level}_{i}'](torch.cat([h, hs.pop()], dim=1), temb)
                if f'{level}_{i}' in self.up_attn:
                    h = self.up_attn[f'{level}_{i}'](h)
            if level != 0:
                h = self.upsample[str(level)](h)
        return self.conv_out(F.silu(self.norm_out(h)))


def diffusers_state_dict(model, legacy=False, value=lambda p: p.detach().clone()):
    """value(parameter) for each of the reference's parameters (by default a copy), under diffusers' UNet2DModel names."""
    levels = len(model.ch_mult)
    out = {}

    def put(prefix, module, rename=None):
        for name, p in module.named_parameters():
            head, _, leaf = name.rpartition('.')
            if rename:
                head = rename.get(head, head)
            out[f'{prefix}.{head}.{leaf}' if head else f'{prefix}.{leaf}'] = value(p)

    res_names = {'temb_proj': 'time_emb_proj', 'nin_shortcut': 'conv_shortcut'}
    attn_names = ({'norm': 'group_norm', 'q': 'query', 'k': 'key', 'v': 'value', 'proj_out': 'proj_attn'} if legacy
                  else {'norm': 'group_norm', 'q': 'to_q', 'k': 'to_k', 'v': 'to_v', 'proj_out': 'to_out.0'})
    put('time_embedding.linear_1', model.temb_dense0)
    put('time_embedding.linear_2', model.temb_dense1)
    put('conv_in', model.conv_in)
    for key, m in model.down_blocks.items():
        level, i = key.split('_')
        put(f'down_blocks.{level}.resnets.{i}', m, res_names)
    for key, m in model.down_attn.items():
        level, i = key.split('_')
        put(f'down_blocks.{level}.attentions.{i}', m, attn_names)
    for level, m in model.downsample.items():
        put(f'down_blocks.{level}.downsamplers.0', m)
    put('mid_block.resnets.0', model.mid_block_1, res_names)
    put('mid_block.attentions.0', model.mid_attn_1, attn_names)
    put('mid_block.resnets.1', model.mid_block_2, res_names)
    for key, m in model.up_blocks.items():
        level, i = key.split('_')
        put(f'up_blocks.{levels - 1 - int(level)}.resnets.{i}', m, res_names)
    for key, m in model.up_attn.items():
        level, i = key.split('_')
        put(f'up_blocks.{levels - 1 - int(level)}.attentions.{i}', m, attn_names)
    for level, m in model.upsample.items():
        put(f'up_blocks.{levels - 1 - int(level)}.upsamplers.0', m)
    put('conv_norm_out', model.norm_out)
    put('conv_out', model.conv_out)
    return out


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        data = tensors[name].contiguous().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def unet_config(preset, channels=3):
    ch, mult, nrb, attn, res, groups = PRESETS[preset]
    downs, ups, r = [], [], res
    for _ in mult:
        downs.append('AttnDownBlock2D' if r in attn else 'DownBlock2D')
        ups.insert(0, 'AttnUpBlock2D' if r in attn else 'UpBlock2D')
        r //= 2
    return {
        '_class_name': 'UNet2DModel', 'act_fn': 'silu', 'attention_head_dim': None,
        'block_out_channels': [ch * m for m in mult], 'center_input_sample': False,
        'down_block_types': downs, 'downsample_padding': 0, 'flip_sin_to_cos': False, 'freq_shift': 1,
        'in_channels': channels, 'layers_per_block': nrb, 'mid_block_scale_factor': 1, 'norm_eps': 1e-06,
        'norm_num_groups': groups, 'out_channels': channels, 'sample_size': res,
        'time_embedding_type': 'positional', 'up_block_types': ups,
    }


SCHEDULER = {'_class_name': 'DDPMScheduler', 'beta_end': 0.02, 'beta_schedule': 'linear', 'beta_start': 0.0001,
             'clip_sample': True, 'num_train_timesteps': 1000, 'trained_betas': None, 'variance_type': 'fixed_large'}

# ch, ch_mult, num_res_blocks, attention resolutions, resolution, groups
PRESETS = {
    'tiny': (16, (1, 2, 2), 1, (8,), 16, 8),
    'tiny_noattn': (16, (1, 2, 2), 1, (), 16, 8),
    'tiny_one_level': (16, (1,), 1, (), 16, 8),
    'cifar10': (128, (1, 2, 2, 2), 2, (16,), 32, 32),
    # channel counts that are no multiple of 16 (12, 24, and 36 and 48 where skips are concatenated)
    'odd': (12, (1, 2), 1, (4,), 8, 4),
}


def ddim(model, x, steps, T=1000):
    betas = np.linspace(1e-4, 0.02, T, dtype=np.float64)
    abar = np.cumprod(1 - betas)
    ts = list(range(0, T, T // steps))[::-1]
    for i, t in enumerate(ts):
        eps = model(x, torch.full((x.shape[0],), t, dtype=torch.int64))
        a_t = abar[t]
        a_prev = abar[ts[i + 1]] if i + 1 < len(ts) else 1.0
        x0 = (x - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
        x = math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps
    return x


def normal_kl(mean1, logvar1, mean2, logvar2):
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * torch.exp(-logvar2))


def approx_std_normal_cdf(x):
    return 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def discretized_gaussian_log_likelihood(x, means, log_scales):
    centered = x - means
    inv_stdv = torch.exp(-log_scales)
    cdf_plus = approx_std_normal_cdf(inv_stdv * (centered + 1. / 255.))
    cdf_min = approx_std_normal_cdf(inv_stdv * (centered - 1. / 255.))
    log_cdf_plus = torch.log(torch.clamp(cdf_plus, min=1e-12))
    log_one_minus_cdf_min = torch.log(torch.clamp(1. - cdf_min, min=1e-12))
    log_delta = torch.log(torch.clamp(cdf_plus - cdf_min, min=1e-12))
    return torch.where(x < -0.999, log_cdf_plus, torch.where(x > 0.999, log_one_minus_cdf_min, log_delta))


class Tables:
    """The linear schedule's tables in float64, as the original GaussianDiffusion2 builds them."""

    def __init__(self, T=1000):
        self.T = T
        self.betas = np.linspace(1e-4, 0.02, T, dtype=np.float64)
        self.abar = np.cumprod(1 - self.betas)
        abar_prev = np.append(1.0, self.abar[:-1])
        post_var = self.betas * (1 - abar_prev) / (1 - self.abar)
        self.post_logvar_clipped = np.log(np.append(post_var[1], post_var[1:]))
        self.coef1 = self.betas * np.sqrt(abar_prev) / (1 - self.abar)
        self.coef2 = (1 - abar_prev) * np.sqrt(1 - self.betas) / (1 - self.abar)
        self.model_logvar = np.log(np.append(post_var[1], self.betas[1:]))  # fixedlarge


def meanflat(v):
    return v.reshape(v.shape[0], -1).mean(dim=1)


def vb_term_bpd(model, tab, x0, xt, t, clip=True):
    """The original _vb_terms_bpd for epsilon prediction and fixed_large variance: bits/dim per image."""
    B = x0.shape[0]
    eps = model(xt, torch.full((B,), t, dtype=torch.int64))
    pred_x0 = math.sqrt(1 / tab.abar[t]) * xt - math.sqrt(1 / tab.abar[t] - 1) * eps
    if clip:
        pred_x0 = pred_x0.clamp(-1, 1)
    model_mean = tab.coef1[t] * pred_x0 + tab.coef2[t] * xt
    true_mean = tab.coef1[t] * x0 + tab.coef2[t] * xt
    lv = torch.full_like(x0, float(tab.model_logvar[t]))
    if t == 0:
        return meanflat(-discretized_gaussian_log_likelihood(x0, model_mean, 0.5 * lv)).double() / math.log(2)
    kl = normal_kl(true_mean, torch.full_like(x0, float(tab.post_logvar_clipped[t])), model_mean, lv)
    return meanflat(kl).double() / math.log(2)


def q_sample(tab, x0, t, noise):
    return math.sqrt(tab.abar[t]) * x0 + math.sqrt(1 - tab.abar[t]) * noise


def calc_bpd_loop(model, x0, T=1000, clip=True):
    """The original calc_bpd_loop: a fresh x_t per t, the bound's term at each t, plus the prior term."""
    tab = Tables(T)
    B = x0.shape[0]
    terms = torch.zeros(B, T, dtype=torch.float64)
    for t in reversed(range(T)):
        xt = q_sample(tab, x0, t, torch.randn_like(x0))
        terms[:, t] = vb_term_bpd(model, tab, x0, xt, t, clip)
    prior = normal_kl(math.sqrt(tab.abar[-1]) * x0, torch.full_like(x0, math.log(1 - tab.abar[-1])),
                      torch.zeros_like(x0), torch.zeros_like(x0))
    prior_bpd = meanflat(prior).double() / math.log(2)
    return terms.sum(dim=1) + prior_bpd, terms, prior_bpd


def test_images(n, res, seed):
    """uint8 [n, res, res, 3] images with structure: smooth gradients plus a few flat and saturated regions."""
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:res, 0:res] / (res - 1)
    imgs = []
    for _ in range(n):
        a, b, c = g.uniform(0, 1, 3)
        base = np.stack([a * xx + (1 - a) * yy, b * yy, c * (1 - xx)], axis=-1) * 255
        base += g.normal(0, 12, base.shape)
        base[: res // 4, : res // 4] = 255 if g.uniform() < 0.5 else 0
        imgs.append(np.clip(base, 0, 255).astype(np.uint8))
    return np.stack(imgs)


def save_dir(path, config, tensors, bin_file=False):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(path, 'scheduler_config.json'), 'w') as f:
        json.dump(SCHEDULER, f, indent=2)
    if bin_file:
        torch.save(tensors, os.path.join(path, 'diffusion_pytorch_model.bin'))
    else:
        write_safetensors(os.path.join(path, 'diffusion_pytorch_model.safetensors'), tensors)


def random_model(preset, channels):
    """The preset's network with random weights: no zero layers, O(1) activations."""
    ch, mult, nrb, attn, res, groups = PRESETS[preset]
    model = Model(ch, mult, nrb, attn, res, channels, channels, groups).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('bias'):
                p.normal_(0, 0.1)
            elif 'norm' in name:
                p.normal_(1, 0.1)
    return model


def fixture(out, preset, seed, n):
    torch.manual_seed(seed)
    res = PRESETS[preset][4]
    model = random_model(preset, 3)
    config = unet_config(preset)
    save_dir(os.path.join(out, 'model'), config, diffusers_state_dict(model))
    save_dir(os.path.join(out, 'model_bin'), config, diffusers_state_dict(model, legacy=True), bin_file=True)
    x = torch.randn(n, 3, res, res)
    t = torch.randint(0, 1000, (n,), dtype=torch.int64)
    xT = torch.randn(n, 3, res, res)
    with torch.no_grad():
        y = model(x, t)
        x0 = ddim(model, xT, 10)
    np.save(os.path.join(out, 'x.npy'), x.numpy())
    np.save(os.path.join(out, 't.npy'), t.numpy())
    np.save(os.path.join(out, 'out.npy'), y.numpy())
    np.save(os.path.join(out, 'xT.npy'), xT.numpy())
    np.save(os.path.join(out, 'ddim10.npy'), x0.numpy())
    images = test_images(n, res, seed)
    x_img = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1
    with torch.no_grad():
        total, terms, prior = calc_bpd_loop(model, x_img)
    np.save(os.path.join(out, 'images.npy'), images)
    np.save(os.path.join(out, 'bpd.npy'), total.numpy())
    np.save(os.path.join(out, 'bpd_terms.npy'), terms.numpy())
    # Single terms at given x_t, for an exact (not Monte-Carlo) comparison.
    tab, ts, xts, vbs = Tables(), [0, 1, 10, 500, 999], [], []
    with torch.no_grad():
        for t in ts:
            xt = q_sample(tab, x_img, t, torch.randn_like(x_img))
            xts.append(xt.numpy())
            vbs.append(vb_term_bpd(model, tab, x_img, xt, t).numpy())
    np.save(os.path.join(out, 'vb_t.npy'), np.array(ts, dtype=np.int64))
    np.save(os.path.join(out, 'vb_xt.npy'), np.stack(xts).astype(np.float32))
    np.save(os.path.join(out, 'vb_terms.npy'), np.stack(vbs))
    print(f'{preset}: {sum(p.numel() for p in model.parameters())} parameters; wrote {out}')


def pipeline(out, preset, seed, n, steps=10):
    """diffusers' DDPMPipeline and DDIMPipeline loops on the fixture's model, noise from torch.manual_seed(seed).

    Rebuilds the fixture model (seed 0), checks it against OUT/out.npy, then writes
    pipeline_ddpm_seedS.npy (DDPMScheduler: all 1000 steps, fixed_large, x0 clipped, noise at t > 0) and
    pipeline_ddim_seedS.npy (DDIMScheduler from that config: leading spacing, eta 0, x0 clipped), in
    model space, with float32 tables as diffusers builds them.
    """
    torch.manual_seed(0)
    res = PRESETS[preset][4]
    model = random_model(preset, 3)
    with torch.no_grad():
        y = model(torch.from_numpy(np.load(os.path.join(out, 'x.npy'))), torch.from_numpy(np.load(os.path.join(out, 't.npy'))))
    assert np.allclose(y.numpy(), np.load(os.path.join(out, 'out.npy')), atol=1e-5), 'not the fixture model'
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float32)
    abar = torch.cumprod(1 - betas, 0)

    def step(eps, t, prev, x):
        a_t = abar[t]
        a_prev = abar[prev] if prev >= 0 else torch.tensor(1.0)
        x0 = ((x - (1 - a_t).sqrt() * eps) / a_t.sqrt()).clamp(-1, 1)
        return a_t, a_prev, x0

    with torch.no_grad():
        g = torch.manual_seed(seed)
        x = torch.randn((n, 3, res, res), generator=g)
        for t in range(999, -1, -1):
            eps = model(x, torch.full((n,), t, dtype=torch.int64))
            a_t, a_prev, x0 = step(eps, t, t - 1, x)
            beta = 1 - a_t / a_prev
            x = (a_prev.sqrt() * beta / (1 - a_t)) * x0 + ((1 - beta).sqrt() * (1 - a_prev) / (1 - a_t)) * x
            if t > 0:
                x = x + beta.sqrt() * torch.randn((n, 3, res, res), generator=g)  # fixed_large: variance beta_t
        np.save(os.path.join(out, f'pipeline_ddpm_seed{seed}.npy'), x.numpy())
        g = torch.manual_seed(seed)
        x = torch.randn((n, 3, res, res), generator=g)
        ts = [k * (1000 // steps) for k in range(steps)][::-1]
        for t in ts:
            eps = model(x, torch.full((n,), t, dtype=torch.int64))
            a_t, a_prev, x0 = step(eps, t, t - 1000 // steps, x)
            x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
        np.save(os.path.join(out, f'pipeline_ddim_seed{seed}.npy'), x.numpy())
    print(f'wrote the DDPM and DDIM pipeline samples of seed {seed} to {out}')


def gradients(out, preset, seed, n, channels=1):
    """A float32 model, an input, and the exact gradients of loss = mean(output²), computed in float64.

    Writes OUT/model (diffusers layout), x.npy, t.npy, loss.npy and grads.npz (one entry per diffusers
    parameter name). float64 convolutions run no oneDNN kernel, so the gradients are right on any CPU.
    """
    torch.manual_seed(seed)
    res = PRESETS[preset][4]
    model = random_model(preset, channels)
    save_dir(os.path.join(out, 'model'), unet_config(preset, channels), diffusers_state_dict(model))
    x = torch.randn(n, channels, res, res)
    t = torch.randint(0, 1000, (n,), dtype=torch.int64)
    model = model.double()
    loss = model(x.double(), t).pow(2).mean()
    loss.backward()
    np.save(os.path.join(out, 'x.npy'), x.numpy())
    np.save(os.path.join(out, 't.npy'), t.numpy())
    np.save(os.path.join(out, 'loss.npy'), np.array([loss.item()], dtype=np.float64))
    np.savez(os.path.join(out, 'grads.npz'), **{k: v.float().numpy() for k, v in diffusers_state_dict(model, value=lambda p: p.grad).items()})
    print(f'{preset}: loss {loss.item():.9g}; gradients of {sum(p.numel() for p in model.parameters())} parameters; wrote {out}')


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('command', choices=['fixture', 'gradients', 'pipeline'])
    ap.add_argument('out')
    ap.add_argument('--preset', default='tiny', choices=sorted(PRESETS))
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--n', type=int, default=4)
    args = ap.parse_args()
    torch.set_num_threads(2)
    {'fixture': fixture, 'gradients': gradients, 'pipeline': pipeline}[args.command](args.out, args.preset, args.seed, args.n)
