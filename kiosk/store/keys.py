"""The device's own keys and the central public keys it trusts.

Layout under ``<data_dir>/keys/`` (directory mode 0700, owned by the service user):

* ``device_ed25519.key`` (0600): the device signing key, PKCS#8 PEM. Signs every envelope and audit checkpoint.
* ``device_hmac.key`` (0600): 32 random bytes; keys the local duplicate hash so identifiers are never stored.
* ``device.json`` (0644): device id, public key and key id: public, handed to central at enrollment.
* ``central_keys.json`` (0644, never group/world writable): the pinned central public keys, ``sealing`` (HPKE:
  ML-KEM-768 + X25519 or X25519, ``apoyo_protocol.keys.SealingPublicKey``; records are sealed to the current one) and ``receipt`` (Ed25519, any pinned one may sign a receipt). Several
  keys per kind allow rotation; exactly one sealing key is current.

The kiosk never holds a central *private* key, except the DEVELOPMENT pair made by :func:`ensure_dev_keys` under
``<data_dir>/dev-central/``, which is refused unless development mode is on. Any missing, unreadable or badly
permissioned key is a :class:`KeyMissing` whose message says what to do.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from apoyo_protocol.errors import InvalidField
from apoyo_protocol.keys import SealingPrivateKey, SealingPublicKey, key_id
from kiosk.errors import KeyMissing
from kiosk.store.durable import make_private_dir as _make_private_dir
from kiosk.store.durable import write_atomic as _write_atomic

KEYS_DIR = "keys"
DEV_CENTRAL_DIR = "dev-central"
DEVICE_KEY_FILE = "device_ed25519.key"
DEVICE_HMAC_FILE = "device_hmac.key"
DEVICE_INFO_FILE = "device.json"
CENTRAL_PINS_FILE = "central_keys.json"
DEV_SEALING_FILE = "central_sealing_hpke.key"
DEV_RECEIPT_FILE = "central_receipt_ed25519.key"
DEV_MARKER_FILE = "DEVELOPMENT_ONLY"
DEV_README_FILE = "README.txt"
DEV_WARNING = "DEVELOPMENT ONLY — NOT FOR PRODUCTION"
KINDS = ("sealing", "receipt")
#: Pins that the store does not need but the kiosk does: the catalog signing key (apoyo_protocol.catalog).
PIN_KINDS = (*KINDS, "catalog")
HMAC_KEY_BYTES = 32


@dataclass(frozen=True)
class KeyPaths:
    """Where the keys of one data directory live."""

    keys_dir: Path
    device_key: Path
    device_hmac: Path
    device_info: Path
    central_pins: Path
    dev_central_dir: Path | None = None

    @classmethod
    def for_data_dir(cls, data_dir: Path | str, pins_path: Path | str | None = None) -> KeyPaths:
        kd = Path(data_dir) / KEYS_DIR
        pins = Path(pins_path) if pins_path else kd / CENTRAL_PINS_FILE
        return cls(kd, kd / DEVICE_KEY_FILE, kd / DEVICE_HMAC_FILE, kd / DEVICE_INFO_FILE, pins)


@dataclass(frozen=True)
class PinnedKey:
    kind: str
    key_id: str
    public_raw: bytes
    is_current: bool
    is_development: bool


@dataclass(frozen=True)
class KeyRing:
    """Everything the store needs: the device's private keys and the pinned central public keys.

    ``sealing_keys`` / ``receipt_keys`` map key id → public key object; ``current_sealing_id`` names the key new
    records are sealed to.
    """

    device_id: str
    device_key: object  # Ed25519PrivateKey (typed loosely so importing this module stays light)
    device_key_id: str
    hmac_secret: bytes = field(repr=False)
    sealing_keys: dict[str, SealingPublicKey] = field(default_factory=dict)
    receipt_keys: dict[str, object] = field(default_factory=dict)
    current_sealing_id: str = ""
    is_development: bool = False

    @property
    def device_public_key(self) -> object:
        return self.device_key.public_key()  # type: ignore[attr-defined]

    @property
    def current_sealing_key(self) -> SealingPublicKey:
        return self.sealing_keys[self.current_sealing_id]


@dataclass(frozen=True)
class DevCentral:
    """The DEVELOPMENT central key pair (private halves), for the demo and tests only."""

    sealing_private: SealingPrivateKey
    sealing_key_id: str
    receipt_private: object  # Ed25519PrivateKey
    receipt_key_id: str


# --- small file helpers --------------------------------------------------------------------------------------

def _read_secret(path: Path, what: str) -> bytes:
    """Read a secret file after checking it exists, is a regular file owned by us, and is mode 0600 or stricter."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        raise KeyMissing(f"{what} not found at {path}: provision the device first "
                         f"(kiosk.store.keys.provision_device_keys, or ensure_dev_keys in development)") from None
    except OSError as exc:
        raise KeyMissing(f"{what} at {path} cannot be read: {exc.strerror}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise KeyMissing(f"{what} at {path} is not a regular file")
    if st.st_uid != os.geteuid():
        raise KeyMissing(f"{what} at {path} is owned by uid {st.st_uid} but the kiosk runs as uid {os.geteuid()}; "
                         f"chown it to the service user")
    if st.st_mode & 0o077:
        raise KeyMissing(f"{what} at {path} has mode {stat.S_IMODE(st.st_mode):04o}; it must be 0600 "
                         f"(chmod 600 {path})")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyMissing(f"{what} at {path} cannot be read: {exc.strerror}") from exc


def _check_private_dir(path: Path) -> None:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyMissing(f"key directory {path} not found: provision the device first") from None
    if st.st_mode & 0o077:
        raise KeyMissing(f"key directory {path} has mode {stat.S_IMODE(st.st_mode):04o}; it must be 0700 "
                         f"(chmod 700 {path})")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: object, what: str) -> bytes:
    try:
        return base64.b64decode(str(s), validate=True)
    except ValueError as exc:
        raise KeyMissing(f"{what}: not valid base64") from exc


# --- provisioning --------------------------------------------------------------------------------------------

def provision_device_keys(data_dir: Path | str, device_id: str) -> KeyPaths:
    """Create the device signing key and HMAC secret if they do not exist yet (idempotent, never overwrites).

    Raises :class:`KeyMissing` if keys already exist for a different ``device_id``.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not device_id or not device_id.strip():
        raise KeyMissing("a device id is needed to provision keys")
    paths = KeyPaths.for_data_dir(data_dir)
    _make_private_dir(paths.keys_dir)
    if paths.device_info.exists():
        info = _read_device_info(paths)
        if info["device_id"] != device_id:
            raise KeyMissing(f"{paths.keys_dir} already holds keys of device {info['device_id']!r}, "
                             f"not {device_id!r}; decommission it before re-provisioning")
    # Never make a new key where one was already provisioned: the records and the audit log already here are
    # signed with the old one and would all fail verification under a silently new key.
    lost = [p.name for p in (paths.device_key, paths.device_hmac) if not p.exists()]
    store_db = Path(data_dir) / "store" / "records.sqlite3"
    if lost and (paths.device_info.exists() or store_db.exists()):
        raise KeyMissing(f"{', '.join(lost)} missing from {paths.keys_dir}, but this data directory was already "
                         f"provisioned (device identity or records exist): refusing to make a new key, the "
                         f"records here are signed with the lost one. Restore the key from backup, or "
                         f"decommission the data directory")
    if not paths.device_key.exists():
        sk = Ed25519PrivateKey.generate()
        pem = sk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
        _write_atomic(paths.device_key, pem, 0o600)
    if not paths.device_hmac.exists():
        _write_atomic(paths.device_hmac, os.urandom(HMAC_KEY_BYTES), 0o600)
    sk = _load_device_key(paths)
    raw = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    info = {"device_id": device_id, "key_id": key_id("device", raw), "public_key": _b64(raw), "version": 1}
    if not paths.device_info.exists() or _read_device_info(paths) != info:
        _write_atomic(paths.device_info, (json.dumps(info, indent=1, sort_keys=True) + "\n").encode(), 0o644)
    return paths


def _read_device_info(paths: KeyPaths) -> dict:
    try:
        info = json.loads(paths.device_info.read_text(encoding="utf-8"))
        if not isinstance(info, dict) or not isinstance(info.get("device_id"), str):
            raise ValueError("no device_id")
        return info
    except FileNotFoundError:
        raise KeyMissing(f"device identity file {paths.device_info} not found: provision the device") from None
    except (OSError, ValueError) as exc:
        raise KeyMissing(f"device identity file {paths.device_info} is unreadable: {exc}") from exc


def _load_device_key(paths: KeyPaths):  # -> Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = _read_secret(paths.device_key, "device signing key")
    try:
        sk = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyMissing(f"device signing key at {paths.device_key} is corrupt") from exc
    if not isinstance(sk, Ed25519PrivateKey):
        raise KeyMissing(f"device signing key at {paths.device_key} is not an Ed25519 key")
    return sk


def _read_pins(pins_path: Path) -> dict:
    if not pins_path.exists():
        return {"version": 1, "sealing": [], "receipt": []}
    st = pins_path.stat()
    if st.st_mode & 0o022:
        raise KeyMissing(f"pinned central keys {pins_path} are writable by others (mode "
                         f"{stat.S_IMODE(st.st_mode):04o}); chmod 644 {pins_path}")
    try:
        pins = json.loads(pins_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyMissing(f"pinned central keys {pins_path} are unreadable: {exc}") from exc
    if not isinstance(pins, dict) or not all(isinstance(pins.get(k), list) for k in KINDS):
        raise KeyMissing(f"pinned central keys {pins_path} are malformed")
    return pins


def pin_central_key(data_dir: Path | str, kind: str, public_raw: bytes, *, make_current: bool = True,
                    is_development: bool = False, pins_path: Path | str | None = None) -> str:
    """Pin a central public key (``kind`` 'sealing' = an HPKE public key as ``SealingPublicKey.raw``,
    'receipt' = Ed25519, 32 raw bytes) and return its key id. With ``make_current`` a sealing key becomes the one new records are sealed to; older pins stay so that
    receipts and records made under them still verify (rotation). Pinning the same key again is a no-op apart
    from ``make_current``.
    """
    if kind not in PIN_KINDS:
        raise ValueError(f"kind must be one of {PIN_KINDS}")
    _check_public(kind, public_raw)
    paths = KeyPaths.for_data_dir(data_dir, pins_path)
    _make_private_dir(paths.keys_dir)
    pins = _read_pins(paths.central_pins)
    kid = key_id(kind, public_raw)
    pins.setdefault(kind, [])
    entries = [e for e in pins[kind] if e.get("key_id") != kid]
    if make_current:
        for e in entries:
            e["is_current"] = False
    existing = next((e for e in pins[kind] if e.get("key_id") == kid), None)
    entries.append({"key_id": kid, "public_key": _b64(public_raw),
                    "is_current": bool(make_current or (existing or {}).get("is_current")),
                    "is_development": is_development,
                    "pinned_at_s": (existing or {}).get("pinned_at_s", round(time.time(), 3))})
    if existing is not None and (existing.get("is_current") or not make_current):
        return kid  # already pinned as asked: leave the file alone
    pins[kind] = entries
    _write_atomic(paths.central_pins, (json.dumps(pins, indent=1, sort_keys=True) + "\n").encode(), 0o644)
    return kid


def _check_public(kind: str, raw: bytes) -> None:
    """Raise ValueError unless ``raw`` is a well-formed public key of ``kind``."""
    if kind == "sealing":
        try:
            SealingPublicKey.from_raw(raw)
        except InvalidField as exc:
            raise ValueError(exc.reason) from exc
    elif len(raw) != 32:
        raise ValueError(f"a central {kind} key is 32 raw bytes (Ed25519)")


def _parse_pins(pins: dict, pins_path: Path) -> dict[str, list[PinnedKey]]:
    out: dict[str, list[PinnedKey]] = {}
    for kind in KINDS:
        keys = []
        for e in pins[kind]:
            raw = _unb64(e.get("public_key"), f"{pins_path} {kind} key")
            try:
                _check_public(kind, raw)
            except ValueError:
                raw = b""
            if not raw or e.get("key_id") != key_id(kind, raw):
                raise KeyMissing(f"pinned central {kind} key {e.get('key_id')!r} in {pins_path} does not match "
                                 f"its key id; re-enroll")
            keys.append(PinnedKey(kind, e["key_id"], raw, bool(e.get("is_current")), bool(e.get("is_development"))))
        out[kind] = keys
    return out


def development_key_ids(data_dir: Path | str, pinned: dict[str, list[PinnedKey]]) -> set[str]:
    """Ids of the pinned central keys that are DEVELOPMENT keys: those the pins file marks so, and, whatever the
    file says, those whose private half lies on this device under ``dev-central/`` (the flag is only as
    trustworthy as the file; a private half on the device is a fact)."""
    dev = {k.key_id for kind in KINDS for k in pinned[kind] if k.is_development}
    dev_dir = Path(data_dir) / DEV_CENTRAL_DIR
    if dev_dir.exists():
        dev |= _private_halves_present(dev_dir)
        if not dev:  # a dev-central directory whose keys are not pinned (any more): still not a production device
            dev.add(f"unpinned keys in {DEV_CENTRAL_DIR}/")
    return dev


def _private_halves_present(dev_dir: Path) -> set[str]:
    """Key ids of every central private key found under ``dev_dir`` (unreadable files count as one)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    ids: set[str] = set()
    for path in sorted(dev_dir.iterdir()):
        if path.name in (DEV_README_FILE, DEV_MARKER_FILE) or not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            ids.add(f"{DEV_CENTRAL_DIR}/{path.name}")
            continue
        try:  # the HPKE sealing key file (apoyo_protocol.keys), then PEM
            ids.add(SealingPrivateKey.from_file_bytes(data).key_id)
            continue
        except ValueError:
            pass
        try:
            sk = serialization.load_pem_private_key(data, None)
        except (ValueError, TypeError):
            ids.add(f"{DEV_CENTRAL_DIR}/{path.name}")
            continue
        if isinstance(sk, X25519PrivateKey):
            ids.add(key_id("sealing", sk.public_key().public_bytes(*raw)))
        elif isinstance(sk, Ed25519PrivateKey):
            ids.add(key_id("receipt", sk.public_key().public_bytes(*raw)))
    return ids


def load_keys(data_dir: Path | str, *, pins_path: Path | str | None = None, allow_development: bool = False,
              expected_device_id: str | None = None) -> KeyRing:
    """Load and check every key the store needs.

    Raises :class:`KeyMissing` (with what to do) when the key directory or a key is missing, unreadable, not
    mode 0600/0700, owned by another user, corrupt; when no central sealing key or receipt key is pinned or not
    exactly one sealing key is current; when ANY trusted central key (sealing or receipt) is a DEVELOPMENT key
    (see :func:`development_key_ids`) and ``allow_development`` is false, so a production key ring never holds
    one; or when the keys belong to another device than ``expected_device_id``.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    paths = KeyPaths.for_data_dir(data_dir, pins_path)
    _check_private_dir(paths.keys_dir)
    sk = _load_device_key(paths)
    secret = _read_secret(paths.device_hmac, "device HMAC secret")
    if len(secret) != HMAC_KEY_BYTES:
        raise KeyMissing(f"device HMAC secret at {paths.device_hmac} has the wrong length")
    info = _read_device_info(paths)
    raw = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if info.get("key_id") != key_id("device", raw):
        raise KeyMissing(f"{paths.device_info} does not describe the device key in {paths.device_key}")
    if expected_device_id is not None and info["device_id"] != expected_device_id:
        raise KeyMissing(f"the keys in {paths.keys_dir} belong to device {info['device_id']!r} but the "
                         f"configuration says {expected_device_id!r}")
    if not paths.central_pins.exists():
        raise KeyMissing(f"no central public keys pinned at {paths.central_pins}: enroll the device with central "
                         f"(or use ensure_dev_keys in development mode)")
    pinned = _parse_pins(_read_pins(paths.central_pins), paths.central_pins)
    current = [k for k in pinned["sealing"] if k.is_current]
    if len(current) != 1:
        raise KeyMissing(f"{paths.central_pins} must mark exactly one central sealing key as current "
                         f"(found {len(current)})")
    if not pinned["receipt"]:
        raise KeyMissing(f"no central receipt key pinned in {paths.central_pins}: enroll the device")
    dev_ids = development_key_ids(data_dir, pinned)
    if dev_ids and not allow_development:
        raise KeyMissing(
            f"this data directory trusts DEVELOPMENT central keys ({', '.join(sorted(dev_ids))}: marked so in "
            f"{paths.central_pins}, or their private halves lie on this device under {DEV_CENTRAL_DIR}/), whose "
            f"private halves anyone with the device can use to open records or forge receipts. A production "
            f"kiosk never trusts them. Fix: start production on a fresh data directory (provision the device "
            f"keys and enroll with the real central); records captured in development never go to central")
    is_dev = bool(dev_ids)
    return KeyRing(
        device_id=info["device_id"], device_key=sk, device_key_id=info["key_id"], hmac_secret=secret,
        sealing_keys={k.key_id: SealingPublicKey.from_raw(k.public_raw) for k in pinned["sealing"]},
        receipt_keys={k.key_id: Ed25519PublicKey.from_public_bytes(k.public_raw) for k in pinned["receipt"]},
        current_sealing_id=current[0].key_id, is_development=is_dev)


# --- development central -------------------------------------------------------------------------------------

_DEV_README = f"""{DEV_WARNING}

This directory holds a DEVELOPMENT central key pair made by kiosk.store.keys.ensure_dev_keys so that the kiosk
can seal records before the real central side exists. Anyone holding these files can open every record sealed
to them. Never deploy them, never seal real citizens' data to them; a kiosk refuses them unless
device.dev_mode is true.
"""


def ensure_dev_keys(data_dir: Path | str, dev_mode: bool = False, device_id: str = "dev-kiosk-0001") -> KeyPaths:
    """Development only: make sure the device keys exist and a DEVELOPMENT central key pair exists under
    ``<data_dir>/dev-central/`` (with a README and a ``DEVELOPMENT_ONLY`` marker), and pin its public halves as
    the current central keys, so the kiosk seals to it. Idempotent.

    Raises :class:`KeyMissing` unless ``dev_mode`` is true (pass ``cfg.device.dev_mode``).
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not dev_mode:
        raise KeyMissing("refusing to create a DEVELOPMENT central key pair outside development mode "
                         "(device.dev_mode is false); enroll the device with the real central instead")
    data_dir = Path(data_dir)
    paths = provision_device_keys(data_dir, device_id)
    dev_dir = data_dir / DEV_CENTRAL_DIR
    _make_private_dir(dev_dir)
    if not (dev_dir / DEV_README_FILE).exists():
        _write_atomic(dev_dir / DEV_README_FILE, _DEV_README.encode(), 0o644)
    if not (dev_dir / DEV_MARKER_FILE).exists():
        _write_atomic(dev_dir / DEV_MARKER_FILE, (DEV_WARNING + "\n").encode(), 0o644)
    pem = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    if not (dev_dir / DEV_SEALING_FILE).exists():
        _write_atomic(dev_dir / DEV_SEALING_FILE, SealingPrivateKey.generate().to_file_bytes(), 0o600)
    if not (dev_dir / DEV_RECEIPT_FILE).exists():
        _write_atomic(dev_dir / DEV_RECEIPT_FILE, Ed25519PrivateKey.generate().private_bytes(*pem), 0o600)
    dev = load_dev_central(data_dir)
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    pins = _read_pins(paths.central_pins)
    current = [e for e in pins["sealing"] if e.get("is_current")]
    # Only make the dev key current when nothing real is: never silently replace an enrolled central key.
    if not current or current[0].get("key_id") == dev.sealing_key_id:
        pin_central_key(data_dir, "sealing", dev.sealing_private.public.raw, is_development=True)
    elif not current[0].get("is_development"):
        raise KeyMissing(f"{paths.central_pins} already pins a real central sealing key; not replacing it with a "
                         f"DEVELOPMENT key")
    if not any(e.get("key_id") == dev.receipt_key_id for e in pins["receipt"]):
        pin_central_key(data_dir, "receipt", dev.receipt_private.public_key().public_bytes(*raw),
                        is_development=True)
    return KeyPaths(paths.keys_dir, paths.device_key, paths.device_hmac, paths.device_info, paths.central_pins,
                    dev_dir)


def load_dev_central(data_dir: Path | str) -> DevCentral:
    """Load the DEVELOPMENT central private keys (demo and tests: open records, sign receipts)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    dev_dir = Path(data_dir) / DEV_CENTRAL_DIR
    if not (dev_dir / DEV_MARKER_FILE).exists():
        raise KeyMissing(f"no DEVELOPMENT central key pair at {dev_dir}")
    try:
        seal_sk = SealingPrivateKey.from_file_bytes(_read_secret(dev_dir / DEV_SEALING_FILE, "dev sealing key"))
    except ValueError as exc:
        raise KeyMissing(f"DEVELOPMENT central sealing key at {dev_dir} is unreadable: {exc}") from exc
    rcpt_sk = serialization.load_pem_private_key(_read_secret(dev_dir / DEV_RECEIPT_FILE, "dev receipt key"), None)
    if not isinstance(rcpt_sk, Ed25519PrivateKey):
        raise KeyMissing(f"DEVELOPMENT central keys at {dev_dir} have the wrong type")
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    return DevCentral(seal_sk, seal_sk.key_id, rcpt_sk, key_id("receipt", rcpt_sk.public_key().public_bytes(*raw)))


def pinned_catalog_keys(data_dir: Path | str, *, allow_development: bool = False,
                        pins_path: Path | str | None = None) -> dict[str, object]:
    """The pinned central catalog signing keys (key id -> Ed25519PublicKey); development pins only when
    ``allow_development``. Raises KeyMissing when the pins file is unreadable or an entry is corrupt."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    paths = KeyPaths.for_data_dir(data_dir, pins_path)
    pins = _read_pins(paths.central_pins)
    out: dict[str, object] = {}
    for e in pins.get("catalog", []):
        raw = _unb64(e.get("public_key"), f"{paths.central_pins} catalog key")
        if len(raw) != 32 or e.get("key_id") != key_id("catalog", raw):
            raise KeyMissing(f"pinned central catalog key {e.get('key_id')!r} in {paths.central_pins} does not "
                             f"match its key id; re-enroll")
        if e.get("is_development") and not allow_development:
            continue
        out[e["key_id"]] = Ed25519PublicKey.from_public_bytes(raw)
    return out
