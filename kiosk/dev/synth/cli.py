"""``python -m kiosk synth``: write labelled SPECIMEN credential scenes, or not-live face sequences, to a folder.

Cards: ``NNNN_front.jpg``, ``NNNN_back.jpg``, ``NNNN.json`` per sample.
Face sequences (``--face-sequence KIND``): ``NNNN_fFFF.jpg`` frames and ``NNNN.json`` (timestamps, face, kind).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from kiosk.dev.synth import dataset, face_sequence, scene
from kiosk.errors import KioskError


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1600x1200") from None
    if not (64 <= w <= 8000 and 64 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be 64-8000 px")
    return w, h


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m kiosk synth",
                                description="Render synthetic SPECIMEN INE-style credentials in camera-like scenes "
                                            "with JSON labels (no real person's data), or not-live face sequences.")
    p.add_argument("--out", required=True, type=Path, help="output folder (created if missing)")
    p.add_argument("--count", type=int, default=10, help="number of samples (default 10)")
    p.add_argument("--seed", type=int, default=0, help="set seed; same seed, same output (default 0)")
    p.add_argument("--difficulty", default="normal", choices=scene.DIFFICULTIES)
    p.add_argument("--attack", default="none", choices=dataset.ATTACK_CHOICES,
                   help="presentation attack in every scene; 'mixed' cycles genuine scenes and every attack")
    p.add_argument("--faces", type=Path, default=None,
                   help="folder of face photos (default ../shared/faces beside the repository)")
    p.add_argument("--frame-size", type=_size, default=None,
                   help="scene size WIDTHxHEIGHT (default 1600x1200; 640x480 for face sequences)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes (default: up to 2); the output does not depend on it")
    p.add_argument("--face-sequence", choices=face_sequence.KINDS, default=None,
                   help="write not-live selfie sequences of this kind instead of cards")
    p.add_argument("--frames", type=int, default=30, help="frames per face sequence (default 30 = 2 s)")
    return p


def main(argv: list[str]) -> int:
    """Run the command; returns 0 on success, 2 on bad arguments or missing inputs (message on stderr)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the problem
        return int(exc.code or 0)
    if args.count < 1:
        print(f"synth: error: --count must be at least 1, got {args.count}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print(f"synth: error: --workers must be at least 1, got {args.workers}", file=sys.stderr)
        return 2
    if args.faces is not None and not args.faces.is_dir():
        print(f"synth: error: faces folder not found: {args.faces}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        if args.face_sequence:
            if not 1 <= args.frames <= 2000:
                print(f"synth: error: --frames must be 1-2000, got {args.frames}", file=sys.stderr)
                return 2
            n = dataset.generate_face_sequences(args.out, args.count, args.seed, args.face_sequence, args.frames,
                                     args.faces, args.frame_size or (640, 480))
            what = f"{args.face_sequence} face sequences of {args.frames} frames"
        else:
            attack = None if args.attack == "none" else args.attack
            n = dataset.generate(args.out, args.count, args.seed, args.difficulty, attack, args.faces,
                                 args.frame_size or (1600, 1200), args.workers)
            what = f"{args.difficulty} scenes (attack: {args.attack})"
    except (KioskError, OSError) as exc:
        print(f"synth: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {n} {what} to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0
