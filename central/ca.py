"""Central's certificate authority for devices (X.509 via ``cryptography``).

Files under ``<data_dir>/ca/``: ``ca.pem`` (the CA certificate, public: the TLS layer trusts client certificates
that chain to it) and ``ca.key`` (PKCS#8 PEM, mode 0600, the service user only; an HSM in production). The CA key
is ECDSA P-256 because every TLS stack verifies it; device keys are Ed25519, the same key that signs envelopes,
so one enrolled key both authenticates the sync and proves each record's origin.

A device certificate is issued only from a CSR whose signature verifies (the device holds the key), and only
with the subject central chooses (CN = device id, OU = office id; nothing of the CSR's subject is copied), the
clientAuth usage, and a bounded validity.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from central.errors import CentralError, ConfigError

CA_DIR = "ca"
CA_CERT_FILE = "ca.pem"
CA_KEY_FILE = "ca.key"
CA_VALIDITY_DAYS = 10 * 365
DEVICE_VALIDITY_DAYS = 2 * 365
ORGANIZATION = "Apoyo central"


class EnrollmentError(CentralError, ValueError):
    """A token, CSR or device that enrollment refuses; ``code`` says which, the message what to do."""

    http_status = 400

    def __init__(self, code: str, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        if http_status is not None:
            self.http_status = http_status


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(cn: str, ou: str | None = None) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION)]
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class IssuedCertificate:
    device_id: str
    office_id: str
    cert_pem: str
    serial: int
    signing_public_key: bytes  # raw Ed25519
    not_after_s: float


class CentralCA:
    """Loads or creates the CA and issues device certificates."""

    def __init__(self, key: Any, cert: Any) -> None:
        self._key = key
        self.cert = cert

    def __repr__(self) -> str:
        return f"CentralCA(subject={self.cert.subject.rfc4514_string()!r})"

    @classmethod
    def create(cls, data_dir: Path, *, name: str = "Apoyo central CA") -> CentralCA:
        """Make a new CA under ``<data_dir>/ca/``; refuses to overwrite one (devices trust it)."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        ca_dir = Path(data_dir) / CA_DIR
        if (ca_dir / CA_KEY_FILE).exists() or (ca_dir / CA_CERT_FILE).exists():
            raise ConfigError(f"a CA already exists in {ca_dir}; enrolled devices trust it, so it is not replaced")
        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        subject = _name(name)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=CA_VALIDITY_DAYS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                                             key_cert_sign=True, crl_sign=True, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        _write_private(ca_dir / CA_KEY_FILE, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (ca_dir / CA_CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(key, cert)

    @classmethod
    def load(cls, data_dir: Path) -> CentralCA:
        """Raises ConfigError naming the file when the CA is missing, unreadable or readable by others."""
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        ca_dir = Path(data_dir) / CA_DIR
        key_path, cert_path = ca_dir / CA_KEY_FILE, ca_dir / CA_CERT_FILE
        if key_path.exists() and key_path.stat().st_mode & 0o077:
            raise ConfigError(f"{key_path} is readable by others; chmod 600 {key_path}")
        try:
            key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        except FileNotFoundError as exc:
            raise ConfigError(f"no CA in {ca_dir}: create one with `python -m central dev-init` (development) "
                              f"or install the CA files") from exc
        except ValueError as exc:
            raise ConfigError(f"the CA in {ca_dir} is unreadable: {exc}") from exc
        if cert.public_key().public_numbers() != key.public_key().public_numbers():
            raise ConfigError(f"{cert_path} is not the certificate of {key_path}")
        return cls(key, cert)

    @classmethod
    def load_or_create(cls, data_dir: Path) -> CentralCA:
        if (Path(data_dir) / CA_DIR / CA_KEY_FILE).exists():
            return cls.load(data_dir)
        return cls.create(data_dir)

    @property
    def cert_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def issue_device(self, csr_pem: str | bytes, *, device_id: str, office_id: str,
                     validity_days: int = DEVICE_VALIDITY_DAYS) -> IssuedCertificate:
        """A client certificate for the Ed25519 key in ``csr_pem``. Raises EnrollmentError('bad_csr')."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.x509.oid import ExtendedKeyUsageOID

        try:
            data = csr_pem.encode("ascii") if isinstance(csr_pem, str) else bytes(csr_pem)
            csr = x509.load_pem_x509_csr(data)
        except (ValueError, UnicodeEncodeError) as exc:
            raise EnrollmentError("bad_csr", "the certificate request is not a PEM CSR") from exc
        if not csr.is_signature_valid:
            raise EnrollmentError("bad_csr", "the certificate request's signature does not verify")
        public = csr.public_key()
        if not isinstance(public, Ed25519PublicKey):
            raise EnrollmentError("bad_csr", "the device key must be Ed25519 (the key that signs its records)")
        now = _now()
        not_after = now + dt.timedelta(days=validity_days)
        serial = x509.random_serial_number()
        cert = (x509.CertificateBuilder().subject_name(_name(device_id, office_id)).issuer_name(self.cert.subject)
                .public_key(public).serial_number(serial).not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(not_after)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                                             key_cert_sign=False, crl_sign=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                               critical=False)
                .sign(self._key, hashes.SHA256()))
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return IssuedCertificate(device_id, office_id, cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
                                 serial, raw, not_after.timestamp())

    def verify_issued(self, cert_pem: str) -> Any:
        """The certificate if this CA signed it (signature and validity period); raises EnrollmentError."""
        from cryptography import x509

        try:
            cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
            cert.verify_directly_issued_by(self.cert)
        except (ValueError, TypeError, Exception) as exc:  # noqa: BLE001 - InvalidSignature and friends
            raise EnrollmentError("bad_certificate", "this certificate was not issued by central's CA") from exc
        if not cert.not_valid_before_utc <= _now() <= cert.not_valid_after_utc:
            raise EnrollmentError("bad_certificate", "this certificate is outside its validity period")
        return cert
