"""Shared test setup: no display, no real hardware, paths to shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
FACES_DIR = SHARED_DIR / "faces"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-device", action="store_true", help="run tests that need real Pi hardware")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-device"):
        return
    skip = pytest.mark.skip(reason="needs real Raspberry Pi hardware (--run-device)")
    for item in items:
        if "device" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    if not FACES_DIR.is_dir():
        pytest.fail(f"test faces not found at {FACES_DIR} (../shared/faces beside the repository)")
    return FACES_DIR
