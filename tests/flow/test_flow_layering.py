"""The flow package stays pure: it imports no UI, camera, storage or vision code (checked by parsing imports)."""

from __future__ import annotations

import ast
from pathlib import Path

FLOW_DIR = Path(__file__).resolve().parents[2] / "kiosk" / "flow"
FORBIDDEN = ("pygame", "cv2", "sqlite3", "picamera2", "gpiozero", "threading", "subprocess", "socket",
             "kiosk.camera", "kiosk.store", "kiosk.vision", "kiosk.face", "kiosk.ui", "kiosk.hardware",
             "kiosk.runtime", "kiosk.app", "kiosk.dev", "time")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offending(names: set[str]) -> list[str]:
    return sorted(n for n in names for bad in FORBIDDEN if n == bad or n.startswith(bad + "."))


def test_flow_imports_nothing_impure() -> None:
    files = sorted(FLOW_DIR.glob("*.py"))
    assert len(files) >= 7
    bad = {f.name: offending(imported_modules(f)) for f in files}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    f = tmp_path / "x.py"
    f.write_text("import os\nfrom kiosk.camera.base import Frame\ndef g():\n    import pygame.display\n")
    assert offending(imported_modules(f)) == ["kiosk.camera.base", "pygame.display"]
