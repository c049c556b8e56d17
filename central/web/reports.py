"""Reports: HTML with charts, JSON and CSV (reviewer or admin accounts; aspirants see theirs in /audiencia)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from central import reports
from central.web import central
from central.web.auth import current_account

bp = Blueprint("reports", __name__)


@bp.get("/reportes")
def report() -> Any:
    from central.review import require

    require(current_account(), "reviewer", "admin")
    with central("db").transaction() as tx:
        data = reports.full_report(tx)
    fmt = request.args.get("format", "html")
    if fmt == "json":
        return jsonify(data)
    if fmt == "csv":
        return Response(reports.to_csv(data), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=apoyo-reporte.csv"})
    return render_template("reportes.html", report=data)
