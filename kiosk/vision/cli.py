"""``python -m kiosk read-card --front F.jpg --back B.jpg [--json]``: read a credential's photos.

Prints, per side: corners, quality metrics, side, model, MRZ lines, parsed fields, each check digit's
status, fraud flags and timings. ``--back`` alone works. Exit status: 0 = every given side accepted,
1 = a side was not accepted (the guidance says why), 2 = bad arguments or an unreadable file.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.errors import KioskError
from kiosk.vision.guidance import GUIDANCE_TEXT


def load_image(path: Path) -> np.ndarray:
    """Decode an image file to BGR uint8 through the kiosk's one bounded image gate
    (:func:`kiosk.image_input.load_image_file`). Raises ImageError naming the file when it cannot be used."""
    from kiosk.image_input import load_image_file

    return load_image_file(path)


def _guidance(code: str | None) -> dict[str, Any] | None:
    if code is None:
        return None
    return {"code": code, **GUIDANCE_TEXT.get(code, {})}


def _common(result: Any) -> dict[str, Any]:
    det = result.detection
    q = result.quality
    return {
        "guidance": _guidance(result.guidance),
        "is_accepted": bool(result.is_accepted),
        "side": result.side,
        "corners": None if det is None else [[round(float(x), 1), round(float(y), 1)] for x, y in det.corners],
        "detection_score": None if det is None else round(det.score, 3),
        "quality": None if q is None else {"is_ok": q.is_ok, "guidance": q.guidance,
                                           "metrics": {k: round(v, 4) for k, v in q.metrics.items()}},
        "fraud": {"flags": list(result.fraud.flags), "review": list(result.fraud.review),
                  "scores": {k: round(v, 3) for k, v in result.fraud.scores.items()}},
        "timings_ms": result.timings_ms,
    }


def back_to_dict(result: Any) -> dict[str, Any]:
    """JSON-able summary of a BackResult."""
    out = _common(result)
    d = result.mrz_decision
    mrz: dict[str, Any] | None = None
    if d is not None:
        mrz = {"is_accepted": d.is_accepted, "reason": d.reason, "lines": list(d.lines) if d.lines else None,
               "checks": d.checks, "min_score": round(d.min_score, 3),
               "min_unchecked_margin": round(d.min_unchecked_margin, 3)}
        if d.is_accepted and d.parse is not None:
            f = d.parse.fields
            mrz["fields"] = {"cic": f.cic, "seccion": f.seccion, "identificador": f.identificador, "ocr": f.ocr,
                             "birth_date": f.birth_date.isoformat(), "sex": f.sex,
                             "expiry_date": f.expiry_date.isoformat(), "optional_data": f.optional_data,
                             "surname_paternal": f.surname_paternal, "surname_maternal": f.surname_maternal,
                             "given_names": f.given_names, "nationality": f.nationality}
    out["mrz"] = mrz
    out["model"] = None if result.model is None else result.model.value
    out["model_family"] = None if result.model is None else ("G/H" if result.model.value in "GH" else "E/F")
    a = result.acceptance
    out["acceptance"] = None if a is None else {
        "is_accepted": a.is_accepted, "reason": a.reason,
        "valid_until": None if a.valid_until is None else a.valid_until.isoformat()}
    return out


def front_to_dict(result: Any) -> dict[str, Any]:
    """JSON-able summary of a FrontResult."""
    out = _common(result)
    out["face_box"] = None if result.face_box is None else [round(float(v), 1) for v in result.face_box]
    out["has_photo_crop"] = result.face_crop is not None
    return out


def _face_detector(disabled: bool) -> tuple[Any, str | None]:
    if disabled:
        return None, "face detection disabled (--no-face)"
    try:
        from kiosk.face.detector import FaceDetector

        det = FaceDetector()
    except (KioskError, ImportError, OSError) as exc:
        return None, f"face detector unavailable: {exc}"
    return det, None


def _print_text(report: dict[str, Any]) -> None:
    for side in ("front", "back"):
        r = report.get(side)
        if r is None:
            continue
        print(f"== {side}: {r['file']}")
        g = r["guidance"]
        print(f"  accepted: {r['is_accepted']}" + (f"  ({g['code']}: {g.get('es', '')})" if g else ""))
        print(f"  side seen: {r['side']}   corners: {r['corners']}")
        if r["quality"]:
            print(f"  quality: {r['quality']['metrics']}")
        if side == "back" and r.get("mrz"):
            m = r["mrz"]
            for line in m["lines"] or []:
                print(f"    {line}")
            print(f"  mrz accepted: {m['is_accepted']} ({m['reason']}), checks: {m['checks']}")
            if "fields" in m:
                print(f"  fields: {m['fields']}")
            print(f"  model: {r['model_family']}  acceptance: {r['acceptance']}")
        if side == "front":
            print(f"  face box (card px): {r['face_box']}")
        print(f"  fraud flags (refused): {r['fraud']['flags'] or 'none'}  for review: {r['fraud']['review'] or 'none'}"
              f"  scores: {r['fraud']['scores']}")
        print(f"  timings ms: {r['timings_ms']}")
    if "pair" in report:
        print(f"== pair: {report['pair']}")
    for note in report.get("notes", []):
        print(f"note: {note}")


def read_card_main(argv: list[str]) -> int:
    """Entry point of ``python -m kiosk read-card``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m kiosk read-card",
                                     description="Read an INE credential from photos of its front and/or back.")
    parser.add_argument("--front", type=Path, help="photo of the front (photo side)")
    parser.add_argument("--back", type=Path, help="photo of the back (MRZ side)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="date for the vigencia check, YYYY-MM-DD (default: today)")
    parser.add_argument("--no-face", action="store_true", help="do not run the face detector on the front")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else 2
    if args.front is None and args.back is None:
        parser.print_usage(sys.stderr)
        print("error: give --back and/or --front", file=sys.stderr)
        return 2
    from kiosk.config import load_config
    from kiosk.vision.document import analyse_back, analyse_front, check_pair

    report: dict[str, Any] = {"notes": []}
    try:
        cfg = load_config()
        images = {side: load_image(p) for side, p in (("front", args.front), ("back", args.back)) if p is not None}
    except KioskError as exc:
        if args.json:
            print(json.dumps({"error": str(exc)}))
        else:
            print(f"error: {exc}", file=sys.stderr)
        return 2
    back = front = None
    if "back" in images:
        back = analyse_back(images["back"], cfg.vision, cfg.credential, today=args.today)
        report["back"] = {"file": str(args.back), **back_to_dict(back)}
    if "front" in images:
        detector, note = _face_detector(args.no_face)
        if note:
            report["notes"].append(note)
        try:
            front = analyse_front(images["front"], detector.detect if detector is not None else None, cfg.vision)
        finally:
            if detector is not None:
                detector.close()
        report["front"] = {"file": str(args.front), **front_to_dict(front)}
    if front is not None and back is not None:
        pair = check_pair(front, back)
        report["pair"] = {"is_consistent": pair.is_consistent, "flags": list(pair.flags), "details": pair.details}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_text(report)
    accepted = all(r.is_accepted for r in (front, back) if r is not None)
    return 0 if accepted else 1
