"""What every benchmark JSON records about the machine and the libraries it measured with.

A number is only comparable with another taken on the same CPU with the same numpy, OpenCV, TFLite runtime,
cryptography, pygame/SDL and SQLite, so each ``bench/bench_*.py`` puts :func:`describe_machine` into its JSON
(``tests/test_bench_environment.py`` checks they all do).
"""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata
from pathlib import Path
from typing import Any

# Environment variables that change which kernels numpy or OpenCV run (set on some machines of this workplace).
_KERNEL_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENCV_CPU_DISABLE", "OMP_NUM_THREADS")


def cpu_model(cpuinfo: str | None = None) -> str:
    """The CPU's model name: ``model name`` on x86, ``Model``/``Hardware`` or the implementer/part on ARM."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            cpuinfo = ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    for key in ("model name", "Model", "Hardware", "cpu model"):
        if fields.get(key):
            return fields[key]
    if "CPU implementer" in fields:
        return f"ARM implementer {fields['CPU implementer']} part {fields.get('CPU part', '?')}"
    return platform.processor() or platform.machine()


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def library_versions() -> dict[str, Any]:
    """Versions of the libraries whose speed or results the benchmarks measure (None: not installed)."""
    versions: dict[str, Any] = {"numpy": _version("numpy")}
    try:
        import cv2

        versions["opencv"] = cv2.__version__
    except ImportError:
        versions["opencv"] = None
    for runtime in ("ai-edge-litert", "tflite-runtime", "tensorflow-cpu", "tensorflow"):
        if (v := _version(runtime)) is not None:
            versions["tflite_runtime"] = f"{runtime} {v}"
            break
    else:
        versions["tflite_runtime"] = None
    versions["cryptography"] = _version("cryptography")
    try:
        from cryptography.hazmat.backends.openssl.backend import backend

        versions["openssl"] = backend.openssl_version_text()
    except ImportError:
        versions["openssl"] = None
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame

        versions["pygame"] = pygame.version.ver
        versions["sdl"] = ".".join(map(str, pygame.get_sdl_version()))
    except ImportError:
        versions["pygame"] = versions["sdl"] = None
    versions["sqlite"] = sqlite3.sqlite_version
    return versions


def describe_machine(**extra: Any) -> dict[str, Any]:
    """CPU model, cores, load, OS, Python and library versions; ``extra`` keys are added (a benchmark's own)."""
    return {
        "cpu_model": cpu_model(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "libraries": library_versions(),
        "kernel_env": {k: os.environ[k] for k in _KERNEL_ENV if k in os.environ},
        **extra,
    }
