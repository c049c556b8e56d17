"""Build time: train the MRZ cell classifier whose weights ship as ``kiosk/vision/glyph_net.npz``.

The kiosk only loads the weights (:mod:`kiosk.vision.glyph_net`); training needs the synthetic generator
(:mod:`kiosk.dev.synth`) and its fonts, which a kiosk never imports. Regenerate the weights with::

    python -m models.mrz_glyph_net --seed 2718

(deterministic for a seed on a given machine; takes ~15 min on 2 cores). The training seed must never be the
benchmark's (9031) nor the tests' (101, 5153).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from kiosk.vision.glyph_net import NET_PATH
from kiosk.vision.glyphs import ALPHABET

_FORBIDDEN_SEEDS = (9031, 101, 5153)


def _scene_cells(args: tuple[int, int]) -> tuple[np.ndarray, np.ndarray] | None:
    """Cell samples (n, D) float16 and labels (n,) of one synthetic back scene, rectified three ways."""
    import random

    import cv2

    from kiosk.credential.citizen import generate_citizen, mrz_lines
    from kiosk.dev.synth.card import render_back
    from kiosk.dev.synth.scene import make_scene
    from kiosk.vision.mrz_read import correlation_scores, decode, sample_mrz_cells
    from kiosk.vision.rectify import CANONICAL_WIDTH_PX, rectify_card

    seed, i = args
    difficulty = ("easy", "normal", "normal", "hard", "hard", "hard")[i % 6]
    rng = np.random.default_rng([seed, 77, i])
    overrides = {}
    if i % 2:
        # Every other card gets names of uniformly random letters: Mexican names rarely have K, Q, W, X or
        # Z, and the classifier must know them as well as the common letters.
        letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        words = ["".join(rng.choice(letters, int(rng.integers(3, 10)))) for _ in range(3)]
        overrides = {"surname_paternal": words[0], "surname_maternal": words[1], "given_names": words[2]}
    citizen = generate_citizen(random.Random(f"glyph-net-{seed}-{i}"), **overrides)
    scene, label = make_scene(render_back(citizen), rng, difficulty, None)
    truth = np.array([ALPHABET.index(ch) for line in mrz_lines(citizen) for ch in line])
    corners = np.array(label["corners"], np.float32)
    width = float(np.linalg.norm(corners[1] - corners[0]))
    xs, ys = [], []
    # The true outline, and two perturbed like a detector's (typically 0.1-1.5 % of the card width off).
    for sigma in (0.0, 0.003, 0.008):
        c = corners + rng.normal(0.0, sigma * width, corners.shape).astype(np.float32)
        card = rectify_card(scene, c, CANONICAL_WIDTH_PX)
        got = sample_mrz_cells(cv2.cvtColor(card, cv2.COLOR_BGR2GRAY))
        if got is None or got.is_upside_down:
            continue
        read = np.array([ALPHABET.index(ch) for line in decode(correlation_scores(got.samples))[0] for ch in line])
        if (read == truth).sum() < 70:  # the window is off by a cell (or lines mixed up): labels would lie
            continue
        # Keep few of the many '<' cells; each kept cell gives both placements at 3 of the 9 shifts.
        filler = truth == ALPHABET.index("<")
        keep = np.nonzero(~filler)[0].tolist() + rng.permutation(np.nonzero(filler)[0])[:10].tolist()
        for k in keep:
            for p in range(got.samples.shape[0]):
                for s in rng.choice(got.samples.shape[2], 3, replace=False):
                    xs.append(got.samples[p, k, s])
                    ys.append(truth[k])
    if not xs:
        return None
    return np.stack(xs).astype(np.float16), np.array(ys, np.int16)


def collect(seed: int, n_scenes: int, workers: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Training cells (N, D) float16 and symbol indices (N,) from ``n_scenes`` synthetic back scenes."""
    import multiprocessing as mp

    jobs = [(seed, i) for i in range(n_scenes)]
    if workers > 1:
        with mp.Pool(workers) as pool:
            parts = pool.map(_scene_cells, jobs, chunksize=8)
    else:
        parts = [_scene_cells(j) for j in jobs]
    got = [p for p in parts if p is not None]
    return np.concatenate([p[0] for p in got]), np.concatenate([p[1] for p in got])


def train(x: np.ndarray, y: np.ndarray, seed: int, hidden: int = 96, epochs: int = 10, batch: int = 512,
          lr: float = 2e-3, weight_decay: float = 1e-4) -> dict[str, np.ndarray]:
    """Fit the perceptron by Adam on class-balanced cross-entropy (rare letters such as 'M' count as much as
    '<'). ``x``: (N, D) cells, ``y``: (N,) symbol indices. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    k = len(ALPHABET)
    counts = np.bincount(y, minlength=k).astype(np.float64)
    cw = np.where(counts > 0, (counts.sum() / k) / np.maximum(counts, 1.0), 0.0)
    cw = np.minimum(cw, 20.0).astype(np.float32)
    net = {"w1": (rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d)).astype(np.float32),
           "b1": np.zeros(hidden, np.float32),
           "w2": (rng.standard_normal((hidden, k)) * np.sqrt(1.0 / hidden)).astype(np.float32),
           "b2": np.zeros(k, np.float32)}
    m = {key: np.zeros_like(v) for key, v in net.items()}
    v2 = {key: np.zeros_like(v) for key, v in net.items()}
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        rate = lr * 0.5 * (1 + np.cos(np.pi * epoch / epochs))  # cosine decay
        total = 0.0
        for b0 in range(0, n, batch):
            idx = order[b0:b0 + batch]
            xb = x[idx].astype(np.float32)
            # Noise on the unit-norm sample: a little extra robustness to sensor noise and JPEG.
            xb += rng.normal(0.0, 0.01, xb.shape).astype(np.float32)
            yb = y[idx].astype(np.int64)
            wb = cw[yb]
            a1 = xb @ net["w1"] + net["b1"]
            h = np.maximum(a1, 0.0)
            z = h @ net["w2"] + net["b2"]
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            total += float(-(wb * np.log(p[np.arange(len(yb)), yb] + 1e-12)).sum())
            g = p
            g[np.arange(len(yb)), yb] -= 1.0
            g *= (wb / wb.sum())[:, None]
            grads = {"w2": h.T @ g, "b2": g.sum(axis=0)}
            gh = (g @ net["w2"].T) * (a1 > 0)
            grads["w1"] = xb.T @ gh
            grads["b1"] = gh.sum(axis=0)
            step += 1
            for key in net:
                gk = grads[key] + (weight_decay * net[key] if key.startswith("w") else 0.0)
                m[key] = 0.9 * m[key] + 0.1 * gk
                v2[key] = 0.999 * v2[key] + 0.001 * gk * gk
                mh = m[key] / (1 - 0.9 ** step)
                vh = v2[key] / (1 - 0.999 ** step)
                net[key] -= (rate * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
        print(f"epoch {epoch + 1}/{epochs}: loss {total / n:.4f}", flush=True)
    return net


def main(argv: list[str] | None = None) -> int:
    """Regenerate :data:`NET_PATH`: collect cells from ``--scenes`` synthetic scenes of ``--seed``, train."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=2718)
    ap.add_argument("--scenes", type=int, default=600)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=96)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--out", type=Path, default=NET_PATH)
    args = ap.parse_args(argv)
    if args.seed in _FORBIDDEN_SEEDS:
        ap.error(f"seed {args.seed} is reserved for the benchmark or the tests")
    x, y = collect(args.seed, args.scenes, args.workers)
    print(f"{len(y)} cells from {args.scenes} scenes", flush=True)
    net = train(x, y, args.seed, args.hidden, args.epochs)
    np.savez_compressed(args.out, alphabet=np.array(list(ALPHABET)), seed=np.array(args.seed),
                        **{k: v.astype(np.float32) for k, v in net.items()})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
