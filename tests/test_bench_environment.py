"""Every benchmark JSON says what it was measured with (bench/environment.py)."""

from __future__ import annotations

import ast
import json
import sqlite3
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import cpu_model, describe_machine  # noqa: E402


def test_the_description_names_cpu_python_and_every_library_that_matters() -> None:
    got = json.loads(json.dumps(describe_machine(run="x")))  # it must go into JSON as it is
    libs = got["libraries"]
    assert libs["numpy"] == metadata.version("numpy")
    assert libs["cryptography"] == metadata.version("cryptography")
    assert libs["opencv"].split(".")[:2] == metadata.version("opencv-python-headless").split(".")[:2]
    assert libs["tflite_runtime"] == f"ai-edge-litert {metadata.version('ai-edge-litert')}"
    assert libs["pygame"] == metadata.version("pygame") and libs["sdl"].count(".") == 2
    assert libs["sqlite"] == sqlite3.sqlite_version
    assert got["python"] == ".".join(map(str, sys.version_info[:3]))
    assert got["cpu_model"] and got["cores"] >= 1 and got["run"] == "x"


def test_cpu_model_on_x86_and_on_a_raspberry_pi() -> None:
    x86 = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
    assert cpu_model(x86) == "AMD EPYC 7B13"
    pi5 = "processor\t: 0\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd0b\n\n" \
          "Revision\t: d04170\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n"
    assert cpu_model(pi5) == "Raspberry Pi 5 Model B Rev 1.0"
    assert cpu_model("CPU implementer\t: 0x41\nCPU part\t: 0xd08\n") == "ARM implementer 0x41 part 0xd08"


def test_every_benchmark_puts_the_description_into_its_json() -> None:
    benches = sorted((REPO / "bench").glob("bench_*.py"))
    assert benches
    for path in benches:
        calls = [node for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "describe_machine"]
        assert calls, f"{path.name} does not record describe_machine() in its JSON"
