"""``python -m central dev-init``: a DEVELOPMENT central in one step (``make central`` runs it, then serve).

Creates, only where missing: central's keys, a development CA with a loopback TLS certificate, the schema, a
development process catalog (synthetic aspirants, marked MUESTRA), a synthetic lista nominal, and one device
certificate under ``<data>/dev-devices/`` for trying the API with curl. Never for production: the CA key is kept
in the data directory.
"""

from __future__ import annotations

from pathlib import Path

from central import devices, keystore, processes
from central import lista_nominal as ln
from central.config import CentralConfig
from central.db import Database

DEV_PROCESSES = [
    {"id": "dev-ci-dip-09-05", "kind": "candidatura_independiente_federal",
     "title": {"es": "Candidatura independiente, diputación federal 09-05 (MUESTRA)"},
     "starts_on": "2026-01-01", "ends_on": "2030-12-31",
     "aspirants": [{"id": "asp-muestra-1", "name": "Aspirante Muestra Uno"},
                   {"id": "asp-muestra-2", "name": "Aspirante Muestra Dos"}],
     "ambito": {"level": "distrito", "entidad": 9, "distrito": 5},
     "threshold": {"percent": 2.0, "distribution": {"unit": "seccion", "min_units": "half", "unit_percent": 1.0}}},
    {"id": "dev-revocacion-01", "kind": "revocacion_de_mandato",
     "title": {"es": "Revocación de mandato (MUESTRA)"}, "starts_on": "2026-01-01", "ends_on": "2030-12-31",
     "aspirants": [{"id": "prom-muestra-1", "name": "Promoventes Muestra"}], "ambito": {"level": "nacional"},
     "threshold": {"percent": 3.0, "distribution": {"unit": "entidad", "min_units": 17, "unit_percent": 3.0}}},
]


def dev_init(cfg: CentralConfig, *, ln_rows: int = 100_000) -> list[str]:
    from central.dev.pki import DevCA

    done = []
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    if not (cfg.key_dir / keystore.SEALING_FILE).exists():
        keystore.create(cfg.key_dir)
        done.append("keys")
    db = Database(cfg.database)
    db.migrate()
    if not cfg.ca_cert_path.exists():
        ca = DevCA.create()
        ca.write_server_files(cfg.data_dir)
        dev = ca.issue_device("dev-kiosk-0001", cfg.data_dir / "dev-devices")
        with db.transaction() as tx:
            devices.register(tx, device_id=dev.device_id, office_id="DEV", cert_pem=dev.cert_pem,
                             signing_public_key=dev.public_raw)
        done.append(f"development CA, TLS certificate and device {dev.device_id} ({dev.cert_path})")
    with db.transaction() as tx:
        if not tx.scalar("SELECT COUNT(*) FROM processes"):
            processes.install(tx, DEV_PROCESSES, catalog_version=1)
            done.append("development processes")
        if not tx.scalar("SELECT COUNT(*) FROM lista_nominal"):
            ln.load(tx, ln.generate(ln_rows))
            done.append(f"synthetic lista nominal ({ln_rows} rows)")
    return done


def describe(cfg: CentralConfig) -> str:
    return (f"https://{cfg.bind}/recibo (public), /reportes, /mesa, /audiencia (accounts: "
            f"python -m central review add-account), device API /v1/records; data in {Path(cfg.data_dir)}")
