"""Central never imports the kiosk (nor pygame, OpenCV or a TFLite runtime): it installs and runs without them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_central_imports_no_kiosk_and_no_heavy_runtime() -> None:
    code = ("import importlib, json, pkgutil, sys, central\n"
            "for m in pkgutil.walk_packages(central.__path__, 'central.'):\n"
            "    if m.name != 'central.__main__': importlib.import_module(m.name)\n"
            "print(json.dumps(sorted(n for n in sys.modules if n.split('.')[0] in "
            "('kiosk', 'pygame', 'cv2', 'ai_edge_litert', 'tflite_runtime', 'web_admin'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
