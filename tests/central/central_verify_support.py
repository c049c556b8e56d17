"""In-process central parts for verification tests: keys, a device, a process, electors, and an ingest helper."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from central import devices, keystore, processes
from central import lista_nominal as ln
from central.blobstore import FilesystemBlobStore
from central.db import Database
from central.dev.pki import DevCA, IssuedDevice
from central.dev.records import make_record, seal_record
from central.ingest import Ingestor
from central.verify import Verifier

PROCESS = {
    "id": "ci-dip-09-05", "kind": "candidatura_independiente_federal",
    "title": {"es": "Diputación federal, distrito 05 de la CDMX (MUESTRA)"},
    "starts_on": "2026-01-01", "ends_on": "2026-03-01",
    "aspirants": [{"id": "asp-a", "name": "Aspirante A (MUESTRA)"}, {"id": "asp-b", "name": "Aspirante B (MUESTRA)"}],
    "ambito": {"level": "distrito", "entidad": 9, "distrito": 5},
    "threshold": {"percent": 2.0, "distribution": {"unit": "seccion", "min_units": "half", "unit_percent": 1.0}},
}
IN_WINDOW = dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC).timestamp()


@dataclass
class World:
    db: Database
    blobs: FilesystemBlobStore
    keys: keystore.CentralKeys
    device: IssuedDevice
    ingestor: Ingestor

    def elector(self, index: int, *, entidad: int = 9, distrito: int = 5, seccion: int = 33,
                situacion: str = "vigente", causa: str | None = None) -> tuple[str, str]:
        cic, ident = ln.synthetic_keys(index)
        with self.db.transaction() as tx:
            ln.add(tx, [ln.Elector(cic, ident, entidad, distrito, 11, seccion, situacion, causa)])
        return cic, ident

    def send(self, cic: str, ident: str, *, aspirant: str = "asp-a", at_s: float = IN_WINDOW,
             process_id: str = PROCESS["id"], **kw) -> str:
        rec = make_record(device_id=self.device.device_id, process_id=process_id, aspirant_id=aspirant, cic=cic,
                          identificador=ident, captured_wall_s=at_s, **kw)
        env = seal_record(rec, device_key=self.device.key, device_public_raw=self.device.public_raw,
                          central_public_key=self.keys.sealing.public)
        rid = env.header["record_id"]
        import base64

        [result] = self.ingestor.ingest(self.dev_row, [{"record_id": rid,
                                                        "envelope": base64.b64encode(env.data).decode()}])
        assert result.status == "stored", result
        return rid

    @property
    def dev_row(self) -> devices.Device:
        with self.db.transaction() as tx:
            return devices.get(tx, self.device.device_id)

    def verifier(self, name: str = "w1") -> Verifier:
        return Verifier(self.db, self.blobs, self.keys.sealing, worker_id=name, batch_size=8)

    def outcome(self, record_id: str) -> tuple[str, str | None, int]:
        with self.db.transaction() as tx:
            return tx.one("SELECT state, outcome, counts FROM records WHERE record_id = ?", (record_id,))


def make_world(db: Database, tmp_path: Path) -> World:
    keys = keystore.create(tmp_path / "keys")
    dev = DevCA.create().issue_device("kiosk-0001", tmp_path / "dev")
    with db.transaction() as tx:
        devices.register(tx, device_id=dev.device_id, office_id="JDE-09-05", cert_pem=dev.cert_pem,
                         signing_public_key=dev.public_raw)
        processes.install(tx, [PROCESS], catalog_version=1)
    blobs = FilesystemBlobStore(tmp_path / "blobs")
    return World(db, blobs, keys, dev, Ingestor(db, blobs, keys.receipt))
