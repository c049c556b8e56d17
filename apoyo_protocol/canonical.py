"""Canonical JSON: the one byte form of every JSON object the project signs, hashes or uses as AAD.

Definition (keep it exactly; other implementations must reproduce it byte for byte): UTF-8, object keys sorted
by code point, no insignificant whitespace (``,`` and ``:`` separators), non-ASCII characters written as
themselves (not ``\\u`` escapes), no NaN or infinities, floats as Python's shortest round-trip ``repr``. Values
signed by the project are text, integers, booleans, null, lists, objects and finite floats rounded to at most
6 decimals.
"""

from __future__ import annotations

import json
from typing import Any

from apoyo_protocol.errors import InvalidField


def canonical_json(obj: Any) -> bytes:
    """The canonical bytes of ``obj``. Raises ValueError for NaN/infinity, TypeError for non-JSON values."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse_canonical(data: bytes, what: str = "json") -> Any:
    """Decode bytes that must already be canonical (one byte string per value: nothing malleable is signed).

    Raises :class:`InvalidField` naming ``what`` if the bytes are not UTF-8 JSON, repeat a key, or are not in
    canonical form.
    """
    try:
        value = json.loads(bytes(data).decode("utf-8"), object_pairs_hook=_no_duplicates,
                           parse_constant=_refuse_constant)
        if canonical_json(value) != bytes(data):
            raise ValueError("not in canonical form")
    except (ValueError, UnicodeDecodeError, TypeError, RecursionError) as exc:
        raise InvalidField(what, str(exc) or "malformed JSON") from exc
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")
