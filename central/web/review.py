"""Mesa de control (reviewer) and garantía de audiencia (aspirant), as JSON plus a page to view one record."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request

from central import review
from central.web import central
from central.web.auth import current_account

bp = Blueprint("review", __name__)


def _keys() -> dict[str, Any]:
    return {"blobs": central("blobs"), "opener": central("keys").sealing}


@bp.get("/mesa")
def queue() -> Any:
    review.require(current_account(), "reviewer", "admin")
    with central("db").transaction() as tx:
        return jsonify(items=review.open_items(tx))


@bp.get("/mesa/<int:review_id>")
def view(review_id: int) -> Any:
    account = current_account()
    with central("db").transaction() as tx:
        item = review.view_item(tx, review_id, account, **_keys())
    if request.args.get("format") == "json":
        return jsonify(item)
    return render_template("mesa_item.html", item=item)


@bp.post("/mesa/<int:review_id>/decision")
def decide(review_id: int) -> Any:
    body = request.get_json(silent=True) or {}
    with central("db").transaction() as tx:
        outcome = review.decide(tx, review_id, current_account(), counts=bool(body.get("counts")),
                                category=body.get("category"), note=str(body.get("note", ""))[:2000])
    return jsonify(review_id=review_id, outcome=outcome)


@bp.get("/audiencia")
def audiencia() -> Any:
    with central("db").transaction() as tx:
        return jsonify(review.aspirant_records(tx, current_account()))


@bp.post("/audiencia/revision")
def second_review() -> Any:
    body = request.get_json(silent=True) or {}
    with central("db").transaction() as tx:
        review_id = review.request_second_review(tx, current_account(), str(body.get("record_id", "")),
                                                 str(body.get("argument", "")),
                                                 window_s=central("config").audiencia_window_s)
    return jsonify(review_id=review_id), 201
