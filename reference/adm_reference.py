"""An independent PyTorch implementation of the ADM network (Dhariwal & Nichol 2021) as OpenAI's consistency models use it.

Written from the structure of OpenAI's guided-diffusion / consistency_models UNetModel (input_blocks, middle_block,
output_blocks, a ResBlock that resamples both paths after its first SiLU, AdaGN "use_scale_shift_norm", attention with
one 1x1 qkv convolution and heads of num_head_channels, a label embedding added to the timestep embedding), not from
diffusers or ddpm4j, then saved under diffusers' UNet2DModel names the way diffusers' consistency-model conversion
renames them (qkv split into to_q/to_k/to_v). Needs Debian's python3-torch and python3-numpy only; never used at run
time by ddpm4j.

    python3 adm_reference.py OUT_DIR [--variant imagenet|lsun] [--seed S] [--pipeline]

writes OUT_DIR/model (config.json, scheduler_config.json, diffusion_pytorch_model.safetensors; with --pipeline the hub's
layout instead: model_index.json of a ConsistencyModelPipeline, unet/ with a torch.save .bin, scheduler/), x.npy, t.npy
(float timesteps, as a consistency model's 250 ln(sigma)), labels.npy (class-conditional variant) and out.npy; and
consistency sampling with that network as a consistency function (Song et al. 2023, Algorithm 1, written from the
paper and OpenAI's stochastic_iterative_sampler), noise drawn as diffusers' ConsistencyModelPipeline draws it from
torch.manual_seed(0): cm_one.npy (one step) and cm_two.npy (the grid indices [22, 0] of 40), for 2 images of
classes 0 and 7 (class-conditional variant) or none.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ddpm_reference import write_safetensors  # noqa: E402


def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def norm(ch):
    return nn.GroupNorm(32, ch, eps=1e-5)


class ResBlock(nn.Module):
    def __init__(self, ch, emb_ch, out_ch, scale_shift, up=False, down=False):
        super().__init__()
        self.in_layers = nn.Sequential(norm(ch), nn.SiLU(), nn.Conv2d(ch, out_ch, 3, padding=1))
        self.up, self.down = up, down
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_ch, 2 * out_ch if scale_shift else out_ch))
        self.out_layers = nn.Sequential(norm(out_ch), nn.SiLU(), nn.Dropout(0.0), nn.Conv2d(out_ch, out_ch, 3, padding=1))
        self.skip_connection = nn.Identity() if out_ch == ch else nn.Conv2d(ch, out_ch, 1)
        self.scale_shift = scale_shift

    def resample(self, x):
        if self.up:
            return F.interpolate(x, scale_factor=2, mode='nearest')
        if self.down:
            return F.avg_pool2d(x, kernel_size=2, stride=2)
        return x

    def forward(self, x, emb):
        h = self.in_layers[:-1](x)
        h = self.resample(h)
        x = self.resample(x)
        h = self.in_layers[-1](h)
        e = self.emb_layers(emb)[..., None, None]
        if self.scale_shift:
            scale, shift = torch.chunk(e, 2, dim=1)
            h = self.out_layers[0](h) * (1 + scale) + shift
            h = self.out_layers[1:](h)
        else:
            h = self.out_layers(h + e)
        return self.skip_connection(x) + h


class AttentionBlock(nn.Module):
    def __init__(self, ch, head_ch):
        super().__init__()
        self.heads = ch // head_ch
        self.norm = norm(ch)
        self.qkv = nn.Conv1d(ch, 3 * ch, 1)
        self.proj_out = nn.Conv1d(ch, ch, 1)

    def forward(self, x, emb=None):
        b, c, hh, ww = x.shape
        flat = x.reshape(b, c, -1)
        q, k, v = self.qkv(self.norm(flat)).chunk(3, dim=1)  # the "(three heads dim)" channel layout
        d = c // self.heads
        q, k, v = (z.reshape(b * self.heads, d, -1) for z in (q, k, v))
        scale = 1 / math.sqrt(math.sqrt(d))
        w = torch.softmax(torch.einsum('bct,bcs->bts', q * scale, k * scale).float(), dim=-1)
        a = torch.einsum('bts,bcs->bct', w, v).reshape(b, c, -1)
        return (flat + self.proj_out(a)).reshape(b, c, hh, ww)


class Step(nn.Sequential):
    def forward(self, x, emb):
        for layer in self:
            x = layer(x, emb) if isinstance(layer, (ResBlock, AttentionBlock)) else layer(x)
        return x


class UNetModel(nn.Module):
    def __init__(self, in_ch, mc, out_ch, nrb, attn_ds, mult, head_ch, scale_shift, num_classes):
        super().__init__()
        emb = 4 * mc
        self.mc = mc
        self.time_embed = nn.Sequential(nn.Linear(mc, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.label_emb = nn.Embedding(num_classes, emb) if num_classes else None
        self.input_blocks = nn.ModuleList([Step(nn.Conv2d(in_ch, mc, 3, padding=1))])
        chans, ch, ds = [mc], mc, 1
        for level, m in enumerate(mult):
            for _ in range(nrb):
                layers = [ResBlock(ch, emb, m * mc, scale_shift)]
                ch = m * mc
                if ds in attn_ds:
                    layers.append(AttentionBlock(ch, head_ch))
                self.input_blocks.append(Step(*layers))
                chans.append(ch)
            if level != len(mult) - 1:
                self.input_blocks.append(Step(ResBlock(ch, emb, ch, scale_shift, down=True)))
                chans.append(ch)
                ds *= 2
        self.middle_block = Step(ResBlock(ch, emb, ch, scale_shift), AttentionBlock(ch, head_ch),
                                 ResBlock(ch, emb, ch, scale_shift))
        self.output_blocks = nn.ModuleList()
        for level, m in list(enumerate(mult))[::-1]:
            for i in range(nrb + 1):
                layers = [ResBlock(ch + chans.pop(), emb, mc * m, scale_shift)]
                ch = mc * m
                if ds in attn_ds:
                    layers.append(AttentionBlock(ch, head_ch))
                if level and i == nrb:
                    layers.append(ResBlock(ch, emb, ch, scale_shift, up=True))
                    ds //= 2
                self.output_blocks.append(Step(*layers))
        self.out = nn.Sequential(norm(ch), nn.SiLU(), nn.Conv2d(mc, out_ch, 3, padding=1))

    def forward(self, x, t, y=None):
        emb = self.time_embed(timestep_embedding(t, self.mc))
        if self.label_emb is not None:
            emb = emb + self.label_emb(y)
        hs, h = [], x
        for block in self.input_blocks:
            h = block(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb)
        return self.out(h)


RES_NAMES = {'in_layers.0': 'norm1', 'in_layers.2': 'conv1', 'emb_layers.1': 'time_emb_proj', 'out_layers.0': 'norm2',
             'out_layers.3': 'conv2', 'skip_connection': 'conv_shortcut'}


def diffusers_names(model, mult, nrb):
    """The state dict under diffusers' names, as its consistency-model conversion renames OpenAI's."""
    out = {}

    def resnet(prefix, m):
        for name, p in m.named_parameters():
            head, _, leaf = name.rpartition('.')
            out[f'{prefix}.{RES_NAMES[head]}.{leaf}'] = p.detach().clone()

    def attention(prefix, m):
        out[f'{prefix}.group_norm.weight'] = m.norm.weight.detach().clone()
        out[f'{prefix}.group_norm.bias'] = m.norm.bias.detach().clone()
        for name, w, b in zip(('to_q', 'to_k', 'to_v'), m.qkv.weight.chunk(3, 0), m.qkv.bias.chunk(3, 0)):
            out[f'{prefix}.{name}.weight'] = w.squeeze(-1).detach().clone()
            out[f'{prefix}.{name}.bias'] = b.detach().clone()
        out[f'{prefix}.to_out.0.weight'] = m.proj_out.weight.squeeze(-1).detach().clone()
        out[f'{prefix}.to_out.0.bias'] = m.proj_out.bias.detach().clone()

    def step(prefix, block, j, sampler):
        for layer in block:
            if isinstance(layer, ResBlock) and (layer.up or layer.down):
                resnet(f'{prefix}.{sampler}.0', layer)
            elif isinstance(layer, ResBlock):
                resnet(f'{prefix}.resnets.{j}', layer)
            else:
                attention(f'{prefix}.attentions.{j}', layer)

    out['time_embedding.linear_1.weight'], out['time_embedding.linear_1.bias'] = model.time_embed[0].weight, model.time_embed[0].bias
    out['time_embedding.linear_2.weight'], out['time_embedding.linear_2.bias'] = model.time_embed[2].weight, model.time_embed[2].bias
    if model.label_emb is not None:
        out['class_embedding.weight'] = model.label_emb.weight
    out['conv_in.weight'], out['conv_in.bias'] = model.input_blocks[0][0].weight, model.input_blocks[0][0].bias
    k = 1
    for level in range(len(mult)):
        for j in range(nrb):
            step(f'down_blocks.{level}', model.input_blocks[k], j, 'downsamplers')
            k += 1
        if level != len(mult) - 1:
            step(f'down_blocks.{level}', model.input_blocks[k], 0, 'downsamplers')
            k += 1
    resnet('mid_block.resnets.0', model.middle_block[0])
    attention('mid_block.attentions.0', model.middle_block[1])
    resnet('mid_block.resnets.1', model.middle_block[2])
    k = 0
    for u in range(len(mult)):
        for j in range(nrb + 1):
            step(f'up_blocks.{u}', model.output_blocks[k], j, 'upsamplers')
            k += 1
    out['conv_norm_out.weight'], out['conv_norm_out.bias'] = model.out[0].weight, model.out[0].bias
    out['conv_out.weight'], out['conv_out.bias'] = model.out[2].weight, model.out[2].bias
    return {name: p.detach().clone() for name, p in out.items()}


# image size, model channels, channel_mult, res blocks, attention at downsampling rates, head channels, scale-shift, classes
VARIANTS = {
    # ImageNet-64's kind (AdaGN, class-conditional, attn_norm_num_groups 32), small
    'imagenet': (16, 32, (1, 1, 2), 1, (2, 4), 16, True, 10),
    # LSUN-256's kind (time added before the GroupNorm, unconditional, no attn_norm_num_groups)
    'lsun': (8, 32, (1, 2), 1, (2,), 32, False, None),
}


def config(variant):
    size, mc, mult, nrb, attn_ds, head_ch, scale_shift, classes = VARIANTS[variant]
    downs = ['AttnDownBlock2D' if 2 ** i in attn_ds else 'ResnetDownsampleBlock2D' for i in range(len(mult))]
    ups = ['AttnUpBlock2D' if 2 ** i in attn_ds else 'ResnetUpsampleBlock2D' for i in range(len(mult))][::-1]
    c = {'_class_name': 'UNet2DModel', 'sample_size': size, 'in_channels': 3, 'out_channels': 3, 'layers_per_block': nrb,
         'num_class_embeds': classes, 'block_out_channels': [mc * m for m in mult], 'attention_head_dim': head_ch,
         'down_block_types': downs, 'up_block_types': ups,
         'resnet_time_scale_shift': 'scale_shift' if scale_shift else 'default',
         'upsample_type': 'resnet', 'downsample_type': 'resnet'}
    if scale_shift:
        c['attn_norm_num_groups'] = 32
    return c


SCHEDULER = {'_class_name': 'CMStochasticIterativeScheduler', 'num_train_timesteps': 40, 'sigma_min': 0.002,
             'sigma_max': 80.0}


def consistency_sample(model, size, indices, y, n_grid=40, smin=0.002, smax=80.0, sd=0.5, rho=7.0):
    def karras(i):
        r = i / (n_grid - 1)
        return (smax ** (1 / rho) + r * (smin ** (1 / rho) - smax ** (1 / rho))) ** rho
    sigmas = [karras(i) for i in sorted(indices)]  # index 0 is sigma_max
    g = torch.manual_seed(0)
    x = torch.randn((2, 3, size, size), generator=g) * smax
    with torch.no_grad():
        for k, s in enumerate(sigmas):
            s32 = float(np.float32(s))
            c_in = 1 / math.sqrt(s32 ** 2 + sd ** 2)
            c_skip = sd ** 2 / ((s32 - smin) ** 2 + sd ** 2)
            c_out = (s32 - smin) * sd / math.sqrt(s32 ** 2 + sd ** 2)
            t = torch.full((2,), 250 * math.log(s), dtype=torch.float64)
            x0 = (c_out * model(x * c_in, t, y) + c_skip * x).clamp(-1, 1)
            if len(sigmas) > 1:
                nxt = min(max(sigmas[k + 1] if k + 1 < len(sigmas) else smin, smin), smax)
                x = x0 + torch.randn(x.shape, generator=g) * math.sqrt(max(nxt ** 2 - smin ** 2, 0))
            else:
                x = x0
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--variant', default='imagenet', choices=sorted(VARIANTS))
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--pipeline', action='store_true')
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    size, mc, mult, nrb, attn_ds, head_ch, scale_shift, classes = VARIANTS[a.variant]
    model = UNetModel(3, mc, 3, nrb, attn_ds, mult, head_ch, scale_shift, classes).eval()
    with torch.no_grad():  # no zero layers, O(1) activations
        for name, p in model.named_parameters():
            if name.endswith('bias'):
                p.normal_(0, 0.1)
            elif p.dim() == 1:
                p.normal_(1, 0.1)
            elif 'label_emb' not in name:
                p.normal_(0, 1 / math.sqrt(p[0].numel()))
    import json
    weights = diffusers_names(model, mult, nrb)
    root = os.path.join(a.out, 'model')
    unet_dir, scheduler_dir = (os.path.join(root, 'unet'), os.path.join(root, 'scheduler')) if a.pipeline else (root, root)
    os.makedirs(unet_dir, exist_ok=True)
    os.makedirs(scheduler_dir, exist_ok=True)
    with open(os.path.join(unet_dir, 'config.json'), 'w') as f:
        json.dump(config(a.variant), f, indent=2)
    with open(os.path.join(scheduler_dir, 'scheduler_config.json'), 'w') as f:
        json.dump(SCHEDULER, f, indent=2)
    if a.pipeline:
        with open(os.path.join(root, 'model_index.json'), 'w') as f:
            json.dump({'_class_name': 'ConsistencyModelPipeline', '_diffusers_version': '0.17.0.dev0',
                       'scheduler': ['diffusers', 'CMStochasticIterativeScheduler'], 'unet': ['diffusers', 'UNet2DModel']}, f, indent=2)
        torch.save(weights, os.path.join(unet_dir, 'diffusion_pytorch_model.bin'))
    else:
        write_safetensors(os.path.join(unet_dir, 'diffusion_pytorch_model.safetensors'), weights)
    n = 3
    x = torch.randn(n, 3, size, size)
    t = torch.tensor([1095.5066586, 80.94953, -1553.6520])  # 250 ln(sigma) at sigma 80, 1.382, 0.002
    y = torch.tensor([0, 7, 3]) if classes else None
    with torch.no_grad():
        out = model(x, t, y)
    np.save(os.path.join(a.out, 'x.npy'), x.numpy())
    np.save(os.path.join(a.out, 't.npy'), t.numpy())
    if classes:
        np.save(os.path.join(a.out, 'labels.npy'), y.numpy())
    np.save(os.path.join(a.out, 'out.npy'), out.numpy())
    for name, indices in (('cm_one', [0]), ('cm_two', [22, 0])):
        np.save(os.path.join(a.out, name + '.npy'), consistency_sample(model, size, indices, y[:2] if classes else None).numpy())
    print(f'{a.variant}: {sum(p.numel() for p in model.parameters())} parameters, output std {out.std():.3f}; wrote {a.out}')


if __name__ == '__main__':
    main()
