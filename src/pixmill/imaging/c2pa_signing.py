"""Content Credentials: a C2PA manifest, signed offline with c2pa-python, in every raster.

The manifest says that pixmill (its version, the engine and the model) made the picture
with a trained model, and from which pictures when it is an edit (`manifests` says what
it holds). It is signed with the operator's certificate and key, or,
without them, with a certificate from a local certificate authority that pixmill makes
in its data directory on first start. No timestamp authority is called: signing never
leaves the machine.
"""

from __future__ import annotations

import datetime
import fcntl
import io
import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pixmill.imaging.manifests import (
    Ingredient,
    SoftwareAgent,
    ingredient_label,
    manifest_definition,
)

if TYPE_CHECKING:
    import c2pa

    from pixmill.settings import Settings

log = logging.getLogger(__name__)

LOCAL_DIR = "c2pa"
"""Where the local certificate authority lives, under the data directory."""
CA_CERT, CA_KEY, SIGNER_CERT, SIGNER_KEY = "ca.pem", "ca.key", "signer.pem", "signer.key"
CA_YEARS, SIGNER_DAYS = 10, 397
RENEW_BEFORE = datetime.timedelta(days=30)
"""A local signing certificate this close to its end is replaced by a new one."""

SIGNING_SETTINGS = {"builder": {"thumbnail": {"enabled": False}}}
"""No thumbnail in the manifest: it would cost a second encode per image."""
SIGNED_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
UNREADABLE_INGREDIENT = "Its file could not be parsed for Content Credentials."
"""Said of an ingredient c2pa could not read: it is named, but its own manifest is lost."""


@dataclass(frozen=True)
class LocalAuthority:
    """The files of the local certificate authority and its signing certificate."""

    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / CA_CERT

    @property
    def signer_cert(self) -> Path:
        """The signing certificate followed by the CA's: the chain a manifest carries."""
        return self.folder / SIGNER_CERT

    @property
    def signer_key(self) -> Path:
        return self.folder / SIGNER_KEY


class ContentCredentials:
    """Signs encoded pictures. Thread-safe: each thread keeps its own native signer."""

    def __init__(self, chain_pem: bytes, key_pem: bytes):
        import c2pa

        self._chain = chain_pem
        self._key = key_pem
        self._alg = signing_algorithm(key_pem)
        self._local = threading.local()
        self._c2pa = c2pa
        # Refuse a bad certificate or key now, not on a client's request.
        check_pair(chain_pem, key_pem)
        self.sign(_probe_png(), "image/png", SoftwareAgent(engine="probe", model="probe"))

    @classmethod
    def from_settings(cls, settings: Settings) -> ContentCredentials | None:
        """The operator's credentials, or the local CA's (made on first use); None when off."""
        if not settings.content_credentials:
            return None
        cert, key = settings.c2pa_certificate, settings.c2pa_private_key
        if (cert is None) != (key is None):
            raise ValueError(
                "content credentials: set both PIXMILL_C2PA_CERTIFICATE and "
                "PIXMILL_C2PA_PRIVATE_KEY, or neither (for a local certificate authority)"
            )
        if cert is None or key is None:
            authority = ensure_local_authority(settings.data_dir / LOCAL_DIR)
            cert, key = authority.signer_cert, authority.signer_key
        import c2pa

        try:
            return cls(cert.read_bytes(), key.read_bytes())
        except c2pa.C2paError as exc:
            raise ValueError(f"content credentials: {cert} and {key} cannot sign: {exc}") from exc

    def signer(self) -> c2pa.Signer:
        signer = getattr(self._local, "signer", None)
        if signer is None:
            import c2pa

            info = c2pa.C2paSignerInfo(self._alg, self._chain, self._key, None)
            signer = self._local.signer = c2pa.Signer.from_info(info)
            self._local.context = c2pa.Context.from_dict(SIGNING_SETTINGS)
        return signer

    def sign(
        self,
        data: bytes,
        media_type: str,
        agent: SoftwareAgent,
        *,
        ingredients: Sequence[Ingredient] = (),
    ) -> bytes:
        """The file with a manifest added; nothing else in it changes.

        `ingredients`: the pictures it was made from (an edit's images, a signed upstream
        original), each kept with its own manifest if it has one; see `manifests`.
        """
        signer = self.signer()
        unreadable: set[int] = set()
        while True:
            builder = self._builder(media_type, agent, ingredients, unreadable)
            try:
                failed = self._add_ingredients(builder, ingredients, unreadable)
                if failed is None:
                    out = io.BytesIO()
                    builder.sign(signer, media_type, io.BytesIO(data), out)
                    return out.getvalue()
            finally:
                builder.close()
            unreadable.add(failed)

    def _builder(
        self,
        media_type: str,
        agent: SoftwareAgent,
        ingredients: Sequence[Ingredient],
        unreadable: set[int],
    ) -> c2pa.Builder:
        """A builder for the manifest, with the ingredients c2pa could not parse described
        in it (title, format, relationship) instead of added from their bytes."""
        manifest = manifest_definition(media_type, agent, ingredients)
        manifest["ingredients"] = [
            {
                "title": ingredients[index].title,
                "format": ingredients[index].media_type,
                "relationship": ingredients[index].relationship,
                "label": ingredient_label(index),
                "description": UNREADABLE_INGREDIENT,
            }
            for index in sorted(unreadable)
        ]
        return self._c2pa.Builder(manifest, context=self._local.context)

    def _add_ingredients(
        self, builder: c2pa.Builder, ingredients: Sequence[Ingredient], unreadable: set[int]
    ) -> int | None:
        """Add each ingredient from its bytes; the index of the first c2pa cannot parse
        (a client's file with a damaged manifest store), or None when all went in."""
        for index, ingredient in enumerate(ingredients):
            if index in unreadable:
                continue
            try:
                builder.add_ingredient(
                    {
                        "title": ingredient.title,
                        "relationship": ingredient.relationship,
                        "label": ingredient_label(index),
                    },
                    ingredient.media_type,
                    io.BytesIO(ingredient.data),
                )
            except self._c2pa.C2paError as exc:
                log.info(
                    "content credentials: ingredient %d not parsed (%s)", index, type(exc).__name__
                )
                return index
        return None


def check_pair(chain_pem: bytes, key_pem: bytes) -> None:
    """Raise ValueError unless the chain's first certificate is current and the key's."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_private_key,
    )

    try:
        cert = x509.load_pem_x509_certificates(chain_pem)[0]
    except ValueError as exc:
        raise ValueError(f"content credentials: the certificate is not PEM: {exc}") from exc
    key = load_pem_private_key(key_pem, password=None)

    def spki(public: Any) -> bytes:
        return public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    if spki(cert.public_key()) != spki(key.public_key()):
        raise ValueError(
            "content credentials: the private key does not belong to the first certificate "
            "of the chain (put the signing certificate first, then its intermediates)"
        )
    if not cert.not_valid_before_utc <= _now() <= cert.not_valid_after_utc:
        raise ValueError(
            f"content credentials: the signing certificate is valid from "
            f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}"
        )


def _probe_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    return out.getvalue()


def has_manifest(data: bytes, media_type: str) -> bool:
    """True when the file carries a C2PA manifest, valid or not."""
    import c2pa

    try:
        with c2pa.Reader(media_type, io.BytesIO(data)) as reader:
            return reader.get_active_manifest() is not None
    except c2pa.C2paError:
        return False


def signing_algorithm(key_pem: bytes) -> str:
    """The C2PA algorithm for a private key: es256/384/512, ps256 or ed25519."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(key_pem, password=None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        bits = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name in bits:
            return bits[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise ValueError(
        "content credentials: the private key must be EC (P-256, P-384, P-521), RSA or Ed25519"
    )


# The local certificate authority -------------------------------------------------------


def ensure_local_authority(folder: Path) -> LocalAuthority:
    """Make the local CA and a signing certificate under it, once; renew the signing
    certificate near its end. Safe when several processes start at once on one folder."""
    authority = LocalAuthority(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / ".lock"):
        if not authority.ca_cert.exists():
            _make_authority(folder)
            log.warning(
                "content credentials: made a local certificate authority in %s; images are "
                "signed with a certificate it issued. Readers trust it only when told to "
                "(pixmill verify does); set PIXMILL_C2PA_CERTIFICATE and "
                "PIXMILL_C2PA_PRIVATE_KEY to sign with a certificate from a trust list.",
                folder,
            )
        elif _expires_soon(authority.signer_cert):
            _issue_signer(folder)
            log.warning("content credentials: renewed the local signing certificate in %s", folder)
    return authority


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pixmill (local)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, sign: bool) -> Any:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


def _make_authority(folder: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"pixmill local content credentials CA ({os.uname().nodename})")
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(folder / CA_KEY, _key_pem(key), private=True)
    _write(folder / CA_CERT, _cert_pem(cert))
    _issue_signer(folder)


def _issue_signer(folder: Path) -> None:
    """A signing certificate with the profile C2PA readers check: an end entity issued by
    the CA, digitalSignature only, extended key usage emailProtection and documentSigning."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

    ca_pem = (folder / CA_CERT).read_bytes()
    ca = x509.load_pem_x509_certificate(ca_pem)
    ca_key = load_pem_private_key((folder / CA_KEY).read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    document_signing = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("pixmill content credentials signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(now + datetime.timedelta(days=SIGNER_DAYS), ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, document_signing]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(folder / SIGNER_KEY, _key_pem(key), private=True)
    _write(folder / SIGNER_CERT, _cert_pem(cert) + ca_pem)


def _expires_soon(chain: Path) -> bool:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificates(chain.read_bytes())[0]
    except (OSError, ValueError):
        return True
    return cert.not_valid_after_utc - RENEW_BEFORE < _now()


def _key_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write whole or not at all (a temporary file renamed); keys readable by the owner only."""
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644
    )
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


# Reading back ----------------------------------------------------------------------


@dataclass
class Verification:
    """What a file's Content Credentials say, and whether they hold."""

    state: str
    """c2pa's validation state: Trusted (valid, and the signer chains to a trusted
    anchor), Valid (signature and hashes hold, signer not trusted), or Invalid."""
    manifest: dict[str, Any]
    """The active manifest, as c2pa's reader gives it."""
    failures: list[dict[str, Any]] = field(default_factory=list)
    """What failed: c2pa's status codes with their explanations."""
    store: dict[str, Any] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        """The signature and every hash hold (trusted or not)."""
        return self.state in ("Valid", "Trusted")


def verify(data: bytes, media_type: str | None, anchors: list[bytes]) -> Verification | None:
    """Read and check a file's manifest, trusting `anchors` (PEM) as user anchors.

    None when the file carries no manifest.
    """
    import c2pa

    settings: dict[str, Any] = {"verify": {"verify_trust": bool(anchors)}}
    if anchors:
        settings["trust"] = {"user_anchors": b"".join(anchors).decode()}
    context = c2pa.Context.from_dict(settings)
    try:
        reader = c2pa.Reader(media_type, io.BytesIO(data), context=context)
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "not found" in str(exc).lower():
            return None
        raise
    with reader:
        store = json.loads(reader.json())
        results = reader.get_validation_results() or {}
        failures = [
            item
            for part in results.values()
            if isinstance(part, dict)
            for item in part.get("failure", [])
        ]
        return Verification(
            state=reader.get_validation_state() or "Invalid",
            manifest=reader.get_active_manifest() or {},
            failures=failures,
            store=store,
        )
