#!/usr/bin/env bash
# `make prove-pi-lock`: prove locks/pi-aarch64.txt without a Raspberry Pi (issue 11, step 2).
#
# 1. Every package of the Pi lock has a wheel for manylinux aarch64 / CPython 3.11 whose sha256 is in the lock
#    (pip download --only-binary=:all: --require-hashes, the platform tags of glibc 2.17 … 2.36 listed one by one:
#    pip does not widen one manylinux tag to the older ones).
# 2. In an emulated Debian Bookworm arm64 root (debootstrap + qemu-user-static) with Debian's python3-numpy, a
#    venv made with --system-site-packages — as `make setup` makes it on a Pi — takes the whole lock with
#    --require-hashes and numpy stays the system's own (the one apt's picamera2 and simplejpeg are built for);
#    OpenCV, the TFLite runtime, pygame, zxing-cpp and cryptography's HPKE then work on that numpy, and
#    `python -m kiosk read-card` gives the same reading of a synthetic card as on this machine.
#
# Needs root, the network to PyPI and Debian, and a few minutes (the arm64 root is kept in $PI_PROOF_DIR and
# reused). Never part of `make test`: the test suite only checks what can be checked offline (tests/test_locks.py).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
LOCK=locks/pi-aarch64.txt
WORK=${PI_PROOF_DIR:-/var/tmp/apoyo-pi-proof}
ROOT=$WORK/bookworm-arm64
WHEELS=$WORK/wheels
HOST_PY=${HOST_PY:-$REPO/.venv/bin/python}
log() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "prove-pi-lock: needs root (debootstrap, chroot)" >&2; exit 1; }
[ -x "$HOST_PY" ] || { echo "prove-pi-lock: run 'make setup' first (the host side synthesizes a card)" >&2; exit 1; }

log "1/4 every package of $LOCK as an aarch64 CPython 3.11 wheel with a locked hash"
platforms=(--platform manylinux2014_aarch64)
for minor in $(seq 17 36); do platforms+=(--platform "manylinux_2_${minor}_aarch64"); done
rm -rf "$WHEELS" && mkdir -p "$WHEELS"
python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes --python-version 3.11 \
    --implementation cp --abi cp311 --abi abi3 --abi none "${platforms[@]}" -r "$LOCK" -d "$WHEELS"
pinned=$(grep -cE '^[A-Za-z0-9_.-]+==' "$LOCK")
got=$(find "$WHEELS" -name '*.whl' | wc -l)
echo "pinned packages: $pinned, aarch64/any wheels downloaded and hash-checked: $got"
[ "$pinned" -eq "$got" ] || { echo "prove-pi-lock: some package has no wheel" >&2; exit 1; }
find "$WHEELS" -name '*.whl' -printf '%f\n' | grep -vE 'none-any|aarch64' && {
    echo "prove-pi-lock: a wheel above is for another platform" >&2; exit 1; }
ls "$WHEELS" | grep -E '^(numpy|opencv|cryptography|ai_edge|pygame|zxing)'

log "2/4 Debian Bookworm arm64 root with python3-numpy (emulated)"
apt_ok() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in qemu-user-static binfmt-support debootstrap; do
    apt_ok "$pkg" || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg"; }
done
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
# The Debian mirror this machine's apt already uses.
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -oE '^(URIs:|deb) +[^ ]+' | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$mirror" ] || { echo "prove-pi-lock: no Debian mirror in /etc/apt/sources*" >&2; exit 1; }
if [ ! -x "$ROOT/usr/bin/python3" ]; then
    rm -rf "$ROOT"
    debootstrap --arch=arm64 --variant=minbase \
        --include=python3,python3-venv,python3-numpy,ca-certificates bookworm "$ROOT" "$mirror"
fi
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy "$@"; }
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
# /sys stays unmounted: with the host's sysfs the TFLite runtime reads the x86 CPU topology and crashes.
trap 'umount "$ROOT/proc" 2>/dev/null || true' EXIT
system_numpy=$(in_root dpkg-query -W -f='${Version}' python3-numpy)
echo "arm64 root: $(in_root uname -m), $(in_root python3 -V), python3-numpy $system_numpy"

log "3/4 a --system-site-packages venv on top of it takes the Pi lock with --require-hashes"
rm -rf "$ROOT/opt/proof" && mkdir -p "$ROOT/opt/proof/src"
cp -r "$WHEELS" "$ROOT/opt/proof/wheels"
git archive HEAD | tar -x -C "$ROOT/opt/proof/src"
in_root python3 -m venv --system-site-packages /opt/proof/venv
in_root /opt/proof/venv/bin/python -m pip install --quiet --no-index --find-links /opt/proof/wheels \
    --require-hashes --no-deps -r /opt/proof/src/$LOCK 2>&1 | tee "$WORK/pip-install.log"
in_root /opt/proof/venv/bin/python -m pip install --quiet --no-index --no-deps --no-build-isolation \
    -e /opt/proof/src
in_root /opt/proof/venv/bin/python - <<'EOF'
import json
from importlib import metadata

import numpy

# numpy must be Debian's, from the system site-packages, not a wheel in the venv
assert numpy.__file__.startswith("/usr/lib/python3/dist-packages/"), numpy.__file__
assert numpy.__version__ == "1.24.2", numpy.__version__
import cv2  # noqa: E402

img = numpy.zeros((64, 64, 3), numpy.uint8)
cv2.rectangle(img, (8, 8), (56, 56), (255, 255, 255), -1)
edges = cv2.Canny(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), 50, 150)
assert edges.dtype == numpy.uint8 and edges.any()
from ai_edge_litert.interpreter import Interpreter  # noqa: E402

interp = Interpreter(model_path="/opt/proof/src/models/face_detection_short_range.tflite")
interp.allocate_tensors()
inp = interp.get_input_details()[0]
interp.set_tensor(inp["index"], numpy.zeros(inp["shape"], inp["dtype"]))
interp.invoke()
import pygame  # noqa: E402

pygame.display.init()
surface = pygame.display.set_mode((80, 48))
pygame.surfarray.pixels3d(surface)[:] = 200  # numpy <-> SDL surface
import zxingcpp  # noqa: E402
from cryptography.hazmat.primitives import hpke  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519  # noqa: E402

# the v2 envelope's HPKE: ML-KEM-768 + X25519 hybrid, one single-shot seal and open
key = hpke.MLKEM768X25519PrivateKey(mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate())
suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
sealed = suite.encrypt(b"apoyo", key.public_key(), info=b"prove-pi-lock")
assert suite.decrypt(sealed, key, info=b"prove-pi-lock") == b"apoyo"
print(json.dumps({
    "numpy": [numpy.__version__, numpy.__file__],
    "opencv": cv2.__version__, "ai-edge-litert": metadata.version("ai-edge-litert"),
    "pygame": pygame.version.ver, "sdl": ".".join(map(str, pygame.get_sdl_version())),
    "zxing-cpp": metadata.version("zxing-cpp"), "cryptography": metadata.version("cryptography"),
    "hpke_mlkem768_x25519_sealed_bytes": len(sealed),
}, indent=1))
EOF
echo "venv packages that shadow a system one (must not include numpy):"
in_root /opt/proof/venv/bin/python -m pip list --local --format=freeze | grep -iE '^numpy==' && {
    echo "prove-pi-lock: numpy was installed into the venv" >&2; exit 1; } || echo "  (numpy not in the venv)"

log "4/4 the kiosk reads a synthetic card under emulation as it does here"
rm -rf "$WORK/card" && "$HOST_PY" -m kiosk synth --out "$WORK/card" --count 1 --seed 7 --difficulty easy
cp -r "$WORK/card" "$ROOT/opt/proof/card"
read_card=(-m kiosk read-card --front card/0000_front.jpg --back card/0000_back.jpg --json --today 2026-01-01)
(cd "$WORK" && "$HOST_PY" "${read_card[@]}") > "$WORK/read-x86_64.json"
in_root sh -c "cd /opt/proof && /opt/proof/venv/bin/python ${read_card[*]}" > "$WORK/read-aarch64.json"
"$HOST_PY" - "$WORK/read-x86_64.json" "$WORK/read-aarch64.json" <<'EOF'
import json
import sys

host, pi = (json.load(open(p)) for p in sys.argv[1:3])
def summary(r: dict) -> dict:
    back = r["back"]
    return {"back_accepted": back["is_accepted"], "mrz": back["mrz"]["lines"], "front": r["front"]["is_accepted"]}


print("x86_64:", json.dumps(summary(host)))
print("aarch64:", json.dumps(summary(pi)))
assert summary(host) == summary(pi), "the emulated Pi read the card differently"
EOF
echo
echo "prove-pi-lock: OK — every Pi package is an aarch64 wheel, numpy stays Debian's $system_numpy"
