"""``python -m kiosk.dev.synth.varied --out DIR --cell G/pink/warm/genuine [--count N] [--seed S]``.

Writes ``NNNN_front.jpg``, ``NNNN_back.jpg`` (the scenes, JPEG quality 95) and ``NNNN.json`` (the label) per case.
Exit status 0, or 2 on bad arguments (the message says which).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk.errors import KioskError


def main(argv: list[str] | None = None) -> int:
    from kiosk.dev.synth.varied.cases import make_case
    from kiosk.dev.synth.varied.cells import CALIBRATION_SEEDS, Cell

    parser = argparse.ArgumentParser(prog="python -m kiosk.dev.synth.varied", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--cell", required=True, help="design/tint/cast/attack[/framing], e.g. G/pink/warm/genuine")
    parser.add_argument("--count", type=int, default=5, help="cases to write (1-10000)")
    parser.add_argument("--seed", type=int, default=CALIBRATION_SEEDS[0],
                        help=f"seed (default {CALIBRATION_SEEDS[0]}, a calibration seed; see cells.py)")
    args = parser.parse_args(argv)
    try:
        cell = Cell.parse(args.cell)
        if not 1 <= args.count <= 10000:
            raise KioskError(f"--count must be 1-10000, got {args.count}")
        args.out.mkdir(parents=True, exist_ok=True)
        import cv2

        for i in range(args.count):
            case = make_case(args.seed, i, cell)
            for side, img in (("front", case.front), ("back", case.back)):
                cv2.imwrite(str(args.out / f"{i:04d}_{side}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
            (args.out / f"{i:04d}.json").write_text(json.dumps(case.label, indent=1, ensure_ascii=False) + "\n",
                                                    encoding="utf-8")
    except (KioskError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.count} case(s) of {cell.key} (seed {args.seed}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
