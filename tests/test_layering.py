"""One layering test for the whole tree: who may import what (STYLE.md, "A layout that shows the architecture").

Imports are read from the source with :mod:`ast` (nothing is imported), including imports inside functions:
a lazy import still ties the two modules together. The rules:

* pygame only in ``kiosk/ui/`` — plus the development tools (``kiosk/dev/``) and the build tools (``models/``),
  which render synthetic type with its font engine and never run on a kiosk;
* the capture flow (``kiosk/flow/``) imports nothing of the world: no UI, camera, GPIO, storage, vision, face,
  threads, subprocesses, sockets or clock reads;
* runtime code never imports development code (``kiosk.dev``) or the build tools (``models``); the one seam is
  the composition root, ``kiosk/app.py``, which may reach the camera director inside a function (development
  mode with the scripted camera), never when it is imported;
* no import cycle between kiosk modules;
* central never imports the kiosk; the protocol package imports only the standard library and cryptography;
* web_admin reaches the kiosk only through the store's read API and the control seam (never ui/ or hardware/).

The rules for packages that do not exist yet apply as soon as their first module does.
"""

from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

FLOW_FORBIDDEN = ("pygame", "cv2", "sqlite3", "picamera2", "gpiozero", "threading", "subprocess", "socket", "time",
                  "kiosk.camera", "kiosk.store", "kiosk.vision", "kiosk.face", "kiosk.ui", "kiosk.hardware",
                  "kiosk.runtime", "kiosk.app", "kiosk.dev", "kiosk.sync", "kiosk.control", "models")
PYGAME_ALLOWED = ("kiosk/ui/", "kiosk/dev/", "models/")
#: What web_admin may import of the kiosk: the store's read-only API and the kiosk's control seam.
WEB_ADMIN_MAY_IMPORT = ("kiosk.store.read", "kiosk.control")
#: The composition root's one reach into development code (development mode, scripted camera).
DEV_SEAM = {"kiosk/app.py": {"kiosk.dev.director"}}
PACKAGES = ("kiosk", "central", "web_admin", "apoyo_protocol", "models")


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name as written (``from a.b import c`` gives ``a.b`` and ``a.b.c``)
    line: int
    is_top_level: bool  # executed when the importing module is imported (not inside a function or class)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def imports_of(path: Path) -> list[Import]:
    """Every import in ``path``; relative imports resolved against the module's package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    top = {id(node) for node in tree.body}
    for node in tree.body:  # imports under a module-level `if` / `try` run at import time too
        if isinstance(node, (ast.If, ast.Try)):
            top.update(id(n) for n in ast.walk(node))
    found: list[Import] = []
    for node in ast.walk(tree):
        is_top = id(node) in top
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno, is_top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1])
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            found.append(Import(mod, node.lineno, is_top))
            found += [Import(f"{mod}.{alias.name}", node.lineno, is_top) for alias in node.names if alias.name != "*"]
    return found


def is_within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def sources(*folders: str) -> list[Path]:
    out: list[Path] = []
    for folder in folders:
        out += sorted(p for p in (REPO / folder).rglob("*.py") if "__pycache__" not in p.parts)
    return out


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def violations(files: Iterable[Path], is_bad: Callable[[Path, Import], bool]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in files:
        bad = sorted({f"{i.module} (line {i.line})" for i in imports_of(f) if is_bad(f, i)})
        if bad:
            out[rel(f)] = bad
    return out


# ------------------------------------------------------------------------------------------------ the rules


def test_pygame_only_in_the_ui() -> None:
    files = sources(*PACKAGES)
    assert len(files) > 100
    allowed = [f for f in files if rel(f).startswith(PYGAME_ALLOWED)]
    assert any(rel(f).startswith("kiosk/ui/") for f in allowed)
    assert violations([f for f in files if f not in allowed], lambda f, i: is_within(i.module, ["pygame"])) == {}


def test_the_flow_imports_nothing_of_the_world() -> None:
    files = sources("kiosk/flow")
    assert len(files) >= 7
    assert violations(files, lambda f, i: is_within(i.module, FLOW_FORBIDDEN)) == {}


def test_runtime_code_never_imports_development_or_build_code() -> None:
    files = [f for f in sources("kiosk") if not rel(f).startswith("kiosk/dev/")]

    def is_bad(f: Path, i: Import) -> bool:
        if is_within(i.module, ["models"]):
            return True
        if not is_within(i.module, ["kiosk.dev"]):
            return False
        seam = DEV_SEAM.get(rel(f), set())
        return i.is_top_level or not is_within(i.module, seam)

    assert violations(files, is_bad) == {}


def test_no_import_cycle_between_kiosk_modules() -> None:
    files = sources("kiosk")
    names = {module_name(f): f for f in files}
    graph: dict[str, set[str]] = {}
    for name, f in names.items():
        deps = {i.module for i in imports_of(f)} & names.keys()
        # a package's __init__ importing its own modules (or a module its package) is not a cycle of meaning
        graph[name] = {d for d in deps if d != name and not name.startswith(d + ".") and not d.startswith(name + ".")}
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert cycles == []


def test_central_never_imports_the_kiosk() -> None:
    files = sources("central")
    assert violations(files, lambda f, i: is_within(i.module, ["kiosk", "web_admin"])) == {}


def test_the_protocol_package_is_pure_stdlib_and_cryptography() -> None:
    # kiosk, central and web_admin all import it: it must import none of them, nor anything heavier
    files = sources("apoyo_protocol")
    allowed = set(sys.stdlib_module_names) | {"cryptography", "apoyo_protocol"}
    assert violations(files, lambda f, i: i.module.split(".")[0] not in allowed) == {}


def test_web_admin_reaches_the_kiosk_only_through_the_store_read_api_and_control() -> None:
    files = sources("web_admin")
    assert violations(files, lambda f, i: is_within(i.module, ["kiosk"])
                      and not is_within(i.module, WEB_ADMIN_MAY_IMPORT)
                      and i.module not in ("kiosk", "kiosk.store")) == {}  # the parents of the allowed modules


# ------------------------------------------------------------------------------------ the checker's own tests


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(sorted(component))
    return out


def test_the_reader_sees_lazy_relative_and_conditional_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    monkeypatch.setitem(globals(), "REPO", tmp_path)
    pkg = tmp_path / "kiosk" / "runtime"
    pkg.mkdir(parents=True)
    f = pkg / "x.py"
    f.write_text("import os\nfrom .ports import Port\ntry:\n    import pygame\nexcept ImportError:\n    pass\n"
                 "def g():\n    from kiosk.dev.director import CameraDirector\n")
    got = {(i.module, i.is_top_level) for i in imports_of(f)}
    assert {("os", True), ("kiosk.runtime.ports", True), ("kiosk.runtime.ports.Port", True), ("pygame", True),
            ("kiosk.dev.director", False)} <= got


def test_the_cycle_finder_finds_a_cycle_through_three_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [c for c in strongly_connected(graph) if len(c) > 1] == [["a", "b", "c"]]
    assert all(len(c) == 1 for c in strongly_connected({"a": {"b"}, "b": set()}))
