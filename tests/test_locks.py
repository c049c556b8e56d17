"""The hash-pinned locks in locks/ agree with pyproject.toml and the Makefile, and the venv holds its lock.

`make setup` installs only what a lock names (``--require-hashes --no-deps``), so a dependency added to
pyproject.toml without `make lock` would silently be missing on a fresh machine, and one removed would linger in
the lock. These checks read files only (no network): the proofs that need PyPI are `make prove-pi-lock`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
LOCKS = REPO / "locks"
MAKEFILE = REPO / "Makefile"
PYPROJECT = REPO / "pyproject.toml"

# Debian Bookworm's python3-numpy (1:1.24.2-1+deb12u1), which apt's picamera2 and simplejpeg are built against.
DEBIAN_BOOKWORM_NUMPY = "1.24.2"
# The first cryptography with hazmat.primitives.hpke (ML-KEM-768 + X25519), which the v2 envelope uses.
CRYPTOGRAPHY_WITH_HPKE = Version("51")
# Every opencv-python-headless from this version on requires numpy 2.
OPENCV_NEEDING_NUMPY2 = Version("4.11")
THIS_PROJECT = "apoyo-kiosk"


@dataclass
class Pin:
    version: str
    hashes: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


@dataclass
class Lock:
    path: Path
    extras: list[str]
    platform: str
    python: str
    pins: dict[str, Pin]


def parse_pins(text: str) -> dict[str, Pin]:
    """``name==version`` lines of a uv/pip-tools lock, with their hashes and the ``# via`` sources."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    in_via = False
    for line in text.splitlines():
        if m := re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line):
            current = pins.setdefault(canonicalize_name(m[1]), Pin(m[2]))
            in_via = False
        elif current and (m := re.match(r"^\s+--hash=(sha256:[0-9a-f]{64})", line)):
            current.hashes.append(m[1])
        elif current and (m := re.match(r"^\s+# via(?: (.+))?$", line)):
            in_via = True
            if m[1]:
                current.via.append(m[1].strip())
        elif current and in_via and (m := re.match(r"^\s+#\s+(.+)$", line)):
            current.via.append(m[1].strip())
    return pins


def parse_lock(path: Path) -> Lock:
    text = path.read_text()
    header = re.search(r"^#\s+make lock\s+# extras: ([^;]*); platform: (\S+); python: (\S+)$", text, re.M)
    assert header, f"{path.name}: no 'make lock' header (regenerate with `make lock`)"
    return Lock(path, header[1].split(), header[2], header[3], parse_pins(text))


def makefile_locks() -> dict[str, list[str]]:
    """Lock file name -> extras, as the Makefile's `lock` target makes them."""
    text = MAKEFILE.read_text()
    variables = dict(re.findall(r"^([A-Z_]+) := (.*)$", text, re.M))
    calls = re.findall(r"\$\(call compile_lock,locks/([^,]+),\$\(([A-Z_]+)\),", text)
    assert calls, "the Makefile's lock target makes no lock"
    return {name: variables[var].split() for name, var in calls}


def target_environment(lock: Lock) -> dict[str, str]:
    machine = lock.platform.split("-")[0]
    return {
        "platform_machine": machine,
        "sys_platform": "linux",
        "os_name": "posix",
        "platform_system": "Linux",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": lock.python,
        "python_full_version": f"{lock.python}.0",
    }


def declared_requirements(lock: Lock) -> list[Requirement]:
    """What pyproject.toml (base + the lock's extras) and locks/build.in ask for on the lock's platform."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    env = target_environment(lock)
    wanted: list[Requirement] = []
    sources = [(req, "") for req in project["dependencies"]]
    for extra in lock.extras:
        assert extra in project["optional-dependencies"], f"{lock.path.name}: pyproject has no extra {extra!r}"
        sources += [(req, extra) for req in project["optional-dependencies"][extra]]
    sources += [(line, "") for line in requirement_lines(LOCKS / "build.in")]
    for text, extra in sources:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({**env, "extra": extra}):
            wanted.append(req)
    return wanted


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def all_locks() -> list[Lock]:
    return [parse_lock(LOCKS / name) for name in makefile_locks()]


@pytest.fixture(scope="module")
def locks() -> dict[str, Lock]:
    return {lock.path.name: lock for lock in all_locks()}


def test_every_lock_the_makefile_makes_exists_with_the_makefiles_extras() -> None:
    for name, extras in makefile_locks().items():
        assert (LOCKS / name).is_file(), f"locks/{name} is missing: run `make lock`"
        lock = parse_lock(LOCKS / name)
        assert lock.extras == extras, f"{name} was made for extras {lock.extras}, the Makefile says {extras}"


def test_every_dependency_of_pyproject_is_pinned_within_its_range(locks: dict[str, Lock]) -> None:
    for lock in locks.values():
        for req in declared_requirements(lock):
            pin = lock.pins.get(canonicalize_name(req.name))
            assert pin, f"{lock.path.name} lacks {req} from pyproject.toml: run `make lock`"
            assert req.specifier.contains(pin.version, prereleases=True), (
                f"{lock.path.name} pins {req.name}=={pin.version}, pyproject.toml asks {req}: run `make lock`"
            )


def test_no_lock_keeps_a_dependency_pyproject_no_longer_declares(locks: dict[str, Lock]) -> None:
    for lock in locks.values():
        declared = {canonicalize_name(req.name) for req in declared_requirements(lock)}
        for name, pin in lock.pins.items():
            direct = any(THIS_PROJECT in via or via.endswith("build.in") for via in pin.via)
            assert not direct or name in declared, (
                f"{lock.path.name} pins {name} for pyproject.toml, which no longer asks for it: run `make lock`"
            )


def test_every_pin_is_exact_and_hashed(locks: dict[str, Lock]) -> None:
    pinned = {name: lock.pins for name, lock in locks.items()}
    pinned["tools.txt"] = parse_pins((LOCKS / "tools.txt").read_text())
    for name, pins in pinned.items():
        assert pins, f"{name} pins nothing"
        for pkg, pin in pins.items():
            assert pin.hashes, f"{name}: {pkg}=={pin.version} has no --hash"


def test_every_lock_honours_the_shared_constraints(locks: dict[str, Lock]) -> None:
    for lock in locks.values():
        env = target_environment(lock)
        for text in requirement_lines(LOCKS / "constraints.in"):
            req = Requirement(text)
            pin = lock.pins.get(canonicalize_name(req.name))
            if pin and (req.marker is None or req.marker.evaluate(env)):
                assert req.specifier.contains(pin.version), f"{lock.path.name}: {req.name}=={pin.version} vs {req}"


def test_bench_and_models_locks_test_what_the_dev_lock_tests(locks: dict[str, Lock]) -> None:
    dev = locks["dev-x86_64.txt"]
    for name in ("bench-x86_64.txt", "models-x86_64.txt"):
        for pkg, pin in dev.pins.items():
            other = locks[name].pins.get(pkg)
            assert other is None or other.version == pin.version, (
                f"{name} pins {pkg}=={other.version}, the dev lock {pin.version}: run `make lock`"
            )


def test_pi_lock_keeps_debians_numpy_and_an_opencv_built_for_numpy_1(locks: dict[str, Lock]) -> None:
    pi = locks["pi-aarch64.txt"]
    assert pi.platform.startswith("aarch64-manylinux"), pi.platform
    assert pi.python == "3.11"
    # equal to the system's numpy, so pip finds it already satisfied in the --system-site-packages venv
    assert pi.pins["numpy"].version == DEBIAN_BOOKWORM_NUMPY
    assert Version(pi.pins["opencv-python-headless"].version) < OPENCV_NEEDING_NUMPY2
    pi_in = {canonicalize_name(Requirement(t).name): Requirement(t) for t in requirement_lines(LOCKS / "pi.in")}
    assert pi_in["numpy"].specifier.contains(DEBIAN_BOOKWORM_NUMPY)
    for name, req in pi_in.items():
        assert req.specifier.contains(pi.pins[name].version), f"pi lock {name}=={pi.pins[name].version} vs {req}"


def test_every_lock_has_a_cryptography_with_hpke(locks: dict[str, Lock]) -> None:
    for lock in locks.values():
        assert Version(lock.pins["cryptography"].version) >= CRYPTOGRAPHY_WITH_HPKE, lock.path.name


def test_the_venv_holds_exactly_the_versions_of_this_machines_lock() -> None:
    """`make test` ran `make setup`: every package of the lock for this machine is installed at its pin."""
    machine = "pi-aarch64.txt" if Marker("platform_machine == 'aarch64'").evaluate() else "dev-x86_64.txt"
    lock = parse_lock(LOCKS / machine)
    wrong = []
    for name, pin in lock.pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed == "missing" or Version(installed) != Version(pin.version):
            wrong.append(f"{name}: lock {pin.version}, installed {installed}")
    assert not wrong, f"the venv differs from locks/{machine} (run `make setup`): {wrong}"


def test_a_lock_missing_a_new_dependency_is_caught(tmp_path: Path) -> None:
    """The agreement check fails on a lock made before a dependency was added (not a check that cannot fail)."""
    lock = parse_lock(LOCKS / "dev-x86_64.txt")
    del lock.pins["flask"]
    missing = {req.name for req in declared_requirements(lock) if canonicalize_name(req.name) not in lock.pins}
    assert "flask" in missing
