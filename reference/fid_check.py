#!/usr/bin/python3
"""Checks `ddpm4j eval fid` on statistics files against pytorch-fid's formula with SciPy's sqrtm.

Writes pairs of pytorch-fid statistics (.npz with mu, sigma) from random features -- well
conditioned, near-singular (fewer samples than dimensions) and 2048-dimensional -- runs
`./ddpm4j eval fid --samples A.npz --ref B.npz --json`, and prints both values and their
relative difference. Needs numpy and scipy (Debian: python3-scipy).

    reference/fid_check.py [--ddpm4j ./ddpm4j]
"""
import argparse
import json
import os
import subprocess
import tempfile

import numpy as np
from scipy import linalg


def scipy_fid(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """The Frechet distance as pytorch-fid computes it (written from its published formula)."""
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = covmean.real
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def stats(features):
    return features.mean(axis=0), np.cov(features, rowvar=False)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ddpm4j", default=os.path.join(os.path.dirname(__file__), "..", "ddpm4j"))
    args = p.parse_args()
    rng = np.random.default_rng(0)
    cases = {
        "d=64, n=500": (500, 64),
        "d=128, n=100 (singular)": (100, 128),
        "d=2048, n=3000": (3000, 2048),
    }
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (n, d) in cases.items():
            mix = rng.normal(size=(d, d)) / np.sqrt(d)
            a = rng.normal(size=(n, d)) @ mix
            b = (rng.normal(size=(n, d)) + 0.3) @ (mix + 0.1 * rng.normal(size=(d, d)) / np.sqrt(d))
            paths = []
            for tag, feats in (("a", a), ("b", b)):
                mu, sigma = stats(feats)
                path = os.path.join(tmp, tag + ".npz")
                np.savez(path, mu=mu, sigma=sigma)
                paths.append(path)
            want = scipy_fid(*stats(a), *stats(b))
            out = os.path.join(tmp, "fid.json")
            subprocess.run([args.ddpm4j, "eval", "fid", "--samples", paths[0], "--ref", paths[1], "--json", out],
                           check=True, stdout=subprocess.DEVNULL)
            with open(out) as f:
                got = json.load(f)["fid"]
            rel = abs(got - want) / abs(want)
            worst = max(worst, rel)
            print(f"{name}: scipy {want:.10g}  ddpm4j {got:.10g}  relative difference {rel:.2e}")
    print(f"worst relative difference {worst:.2e}")


if __name__ == "__main__":
    main()
