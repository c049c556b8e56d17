"""A development PKI: a CA, a TLS server certificate for loopback, and device certificates for Ed25519 keys.

For tests, the benchmark and ``make central`` only. Production certificates come from enrollment; what matters
to ingest is the same either way: the device certificate chains to the CA central's TLS layer trusts and its
fingerprint is registered (``central.devices.register``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Apoyo central (DESARROLLO)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _key_pem(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass
class IssuedDevice:
    device_id: str
    key: ed25519.Ed25519PrivateKey
    cert_pem: str
    cert_path: Path
    key_path: Path

    @property
    def public_raw(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class DevCA:
    def __init__(self, key: Any, cert: x509.Certificate) -> None:
        self.key = key
        self.cert = cert

    @classmethod
    def create(cls) -> DevCA:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(_name("Apoyo dev CA")).issuer_name(_name("Apoyo dev CA"))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
                .sign(key, hashes.SHA256()))
        return cls(key, cert)

    @property
    def cert_pem(self) -> str:
        return _pem(self.cert)

    def _issue(self, subject: str, public_key: Any, *, server: bool) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(self.cert.subject)
                   .public_key(public_key).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=7))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                         else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def write_server_files(self, data_dir: Path) -> None:
        """``ca/ca.pem``, ``tls/server.pem``, ``tls/server.key`` as :class:`central.config.CentralConfig` expects."""
        (data_dir / "ca").mkdir(parents=True, exist_ok=True)
        (data_dir / "tls").mkdir(parents=True, exist_ok=True, mode=0o700)
        (data_dir / "ca" / "ca.pem").write_text(self.cert_pem, encoding="ascii")
        key = ec.generate_private_key(ec.SECP256R1())
        (data_dir / "tls" / "server.pem").write_text(_pem(self._issue("localhost", key.public_key(), server=True)),
                                                     encoding="ascii")
        fd = os.open(data_dir / "tls" / "server.key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_key_pem(key))

    def issue_device(self, device_id: str, out_dir: Path) -> IssuedDevice:
        """A device key pair (Ed25519: the same key signs envelopes and authenticates TLS) and its certificate."""
        key = ed25519.Ed25519PrivateKey.generate()
        cert_pem = _pem(self._issue(device_id, key.public_key(), server=False))
        out_dir.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = out_dir / f"{device_id}.pem", out_dir / f"{device_id}.key"
        cert_path.write_text(cert_pem, encoding="ascii")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_key_pem(key))
        return IssuedDevice(device_id, key, cert_pem, cert_path, key_path)
