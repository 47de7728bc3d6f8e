#!/usr/bin/python3
"""An independent reference for ddpm4j's FID Inception: pytorch-fid's network built on torchvision
(Debian's python3-torchvision), written from pytorch-fid's published description.

    fid_inception_reference.py keys OUT.json
        every state-dict key with its shape (the test compares ddpm4j's network with it)
    fid_inception_reference.py fixture DIR [--n 8 --seed 0]
        random weights and batch-norm statistics saved as DIR/legacy.pth (pre-1.6 format) and
        DIR/zip.pth, uint8 images DIR/images.npy [N,H,W,3], and their features DIR/pool.npy
        [N,2048], DIR/logits.npy [N,1008] and statistics DIR/stats.npz (mu, sigma)
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
import torchvision


class FIDInceptionA(torchvision.models.inception.InceptionA):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b5, b3, pool], 1)


class FIDInceptionC(torchvision.models.inception.InceptionC):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            d = layer(d)
        pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b7, d, pool], 1)


class FIDInceptionE(torchvision.models.inception.InceptionE):
    def __init__(self, in_channels, max_pool):
        super().__init__(in_channels)
        self.max_pool = max_pool

    def forward(self, x):
        b1 = self.branch1x1(x)
        t = self.branch3x3_1(x)
        t = torch.cat([self.branch3x3_2a(t), self.branch3x3_2b(t)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        if self.max_pool:
            pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        else:
            pooled = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([b1, t, d, self.branch_pool(pooled)], 1)


def fid_inception():
    net = torchvision.models.inception_v3(weights=None, aux_logits=False, num_classes=1008, init_weights=False)
    net.Mixed_5b = FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = FIDInceptionE(1280, max_pool=False)
    net.Mixed_7c = FIDInceptionE(2048, max_pool=True)
    return net.eval()


def features(net, images01):
    x = F.interpolate(images01, size=(299, 299), mode='bilinear', align_corners=False)
    x = 2 * x - 1
    for name in ('Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'maxpool1', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3', 'maxpool2',
                 'Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e',
                 'Mixed_7a', 'Mixed_7b', 'Mixed_7c'):
        x = getattr(net, name)(x)
    pool = F.adaptive_avg_pool2d(x, 1).flatten(1)
    return pool, net.fc(pool)


def state_keys(net):
    return {k: list(v.shape) for k, v in net.state_dict().items() if not k.endswith('num_batches_tracked')}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    k = sub.add_parser('keys')
    k.add_argument('out')
    f = sub.add_parser('fixture')
    f.add_argument('dir')
    f.add_argument('--n', type=int, default=8)
    f.add_argument('--seed', type=int, default=0)
    f.add_argument('--size', type=int, default=32)
    args = p.parse_args()
    torch.manual_seed(getattr(args, 'seed', 0))
    net = fid_inception()
    if args.cmd == 'keys':
        with open(args.out, 'w') as out:
            json.dump(state_keys(net), out, indent=0)
        return
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if name.endswith('running_mean'):
                t.normal_(0, 0.1)
            elif name.endswith('running_var'):
                t.uniform_(0.5, 1.5)
            elif name.endswith('bn.weight'):
                t.uniform_(0.5, 1.5)
            elif name.endswith('bn.bias'):
                t.normal_(0, 0.1)
            elif t.dtype == torch.float32:
                fan_in = t[0].numel() if t.dim() > 1 else t.numel()
                t.normal_(0, (2.0 / fan_in) ** 0.5)
    os.makedirs(args.dir, exist_ok=True)
    torch.save(net.state_dict(), os.path.join(args.dir, 'legacy.pth'), _use_new_zipfile_serialization=False)
    torch.save(net.state_dict(), os.path.join(args.dir, 'zip.pth'))
    rng = np.random.default_rng(args.seed)
    images = rng.integers(0, 256, size=(args.n, args.size, args.size, 3), dtype=np.uint8)
    np.save(os.path.join(args.dir, 'images.npy'), images)
    with torch.no_grad():
        x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
        pool, logits = features(net, x)
    pool = pool.double().numpy()
    np.save(os.path.join(args.dir, 'pool.npy'), pool.astype(np.float32))
    np.save(os.path.join(args.dir, 'logits.npy'), logits.numpy())
    np.savez(os.path.join(args.dir, 'stats.npz'), mu=pool.mean(0), sigma=np.cov(pool, rowvar=False))
    print('wrote', args.dir)


if __name__ == '__main__':
    main()
