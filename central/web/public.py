"""The citizen's receipt check: folio (typed, or read from the receipt's QR) -> arrived? counted? Nothing else.

No login, no names, no process, no aspirant: the page must not become a way to learn who supported whom. A
folio is typed loosely (lowercase, spaces, I/L/O for 1/1/0) and normalised before the lookup.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, render_template, request

from central.web import central

bp = Blueprint("public", __name__)

_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_FOLIO = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$")


def normalise_folio(text: str) -> str | None:
    """``k7q2 9mxd 4`` or a QR's ``…?folio=K7Q2-9MXD-4`` -> ``K7Q2-9MXD-4``; None if it cannot be a folio."""
    text = (text or "").strip()
    if "folio=" in text:
        text = text.split("folio=", 1)[1].split("&", 1)[0]
    compact = re.sub(r"[\s\-]", "", text.upper()).translate(_ALIASES)
    if len(compact) != 9:
        return None
    folio = f"{compact[:4]}-{compact[4:8]}-{compact[8]}"
    return folio if _FOLIO.match(folio) else None


def receipt_status(folio: str) -> dict[str, Any]:
    """``{"folio", "arrived", "counted", "state"}``; state is recibido | en_verificacion | contado | no_contado."""
    with central("db").transaction() as tx:
        rows = tx.all("SELECT state, counts FROM records WHERE folio = ?", (folio,))
    if not rows:
        return {"folio": folio, "arrived": False, "counted": False, "state": "no_recibido"}
    # Folios are unique per device; if two devices' folios ever collide, the best news is the honest one only
    # when every record agrees, so report the least advanced state.
    order = {"pending": 0, "review": 1, "verified": 2}
    state, counts = min(rows, key=lambda r: (order[r[0]], r[1]))
    label = {"pending": "recibido", "review": "en_verificacion"}.get(state) or \
        ("contado" if counts else "no_contado")
    return {"folio": folio, "arrived": True, "counted": bool(counts) and state == "verified", "state": label}


@bp.get("/recibo")
def check_receipt() -> Any:
    raw = request.args.get("folio", "")
    folio = normalise_folio(raw) if raw else None
    status = receipt_status(folio) if folio else None
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        if status is None:
            return jsonify(error={"code": "folio_invalid",
                                  "message": "a folio looks like K7Q2-9MXD-4 (nine characters)"}), 400
        return jsonify(status)
    return render_template("recibo.html", raw=raw, status=status, invalid=bool(raw) and folio is None)
