"""Real RSA signing keys, and the tokens that PyJWT would refuse to make.

``SigningKey`` is one key pair with its ``kid``: it signs, publishes its public
JWK, and is kept in a folder as PEM (``tutorial idp`` and ``tutorial token``
share one). ``alg: none`` and HS256-with-the-public-key tokens are hostile on
purpose, so they are assembled by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


@dataclass(frozen=True)
class SigningKey:
    """An RSA private key and the ``kid`` it is published under."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"key-{uuid.uuid4().hex[:12]}", private_key)

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def save(self, folder: Path) -> None:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (folder / f"{self.kid}.pem").write_bytes(pem)

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        private_key = serialization.load_pem_private_key(
            path.read_bytes(), password=None
        )
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key")
        return cls(path.stem, private_key)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_input(header: dict[str, Any], payload: dict[str, Any]) -> str:
    encoded = (b64url(json.dumps(part).encode()) for part in (header, payload))
    return ".".join(encoded)


def unsigned_token(payload: dict[str, Any], kid: str) -> str:
    return signing_input({"alg": "none", "typ": "JWT", "kid": kid}, payload) + "."


def hs256_token(payload: dict[str, Any], kid: str, secret: bytes) -> str:
    unsigned = signing_input({"alg": "HS256", "typ": "JWT", "kid": kid}, payload)
    signature = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
    return f"{unsigned}.{b64url(signature)}"


# Where a withdrawn key's file goes: no longer published, even after a restart,
# and still at hand for `tutorial token --kid` to sign a token that is refused.
WITHDRAWN_FOLDER = "withdrawn"


def withdraw_key_file(folder: Path, kid: str) -> None:
    """Move ``kid``'s file out of the published keys, into ``withdrawn/``."""
    withdrawn = folder / WITHDRAWN_FOLDER
    withdrawn.mkdir(exist_ok=True)
    (folder / f"{kid}.pem").replace(withdrawn / f"{kid}.pem")


def find_key(folder: Path, kid: str) -> SigningKey:
    """The key ``kid``, published or withdrawn; ``LookupError`` naming the kids."""
    for path in (folder / f"{kid}.pem", folder / WITHDRAWN_FOLDER / f"{kid}.pem"):
        if path.is_file():
            return SigningKey.load(path)
    kids = sorted(
        path.stem
        for pattern in ("*.pem", f"{WITHDRAWN_FOLDER}/*.pem")
        for path in folder.glob(pattern)
    )
    raise LookupError(f"no key has kid {kid!r}; the kids are: {', '.join(kids)}")


def load_or_create_keys(folder: Path) -> list[SigningKey]:
    """The keys kept in ``folder`` (oldest first), making one if there are none."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = sorted(folder.glob("*.pem"), key=lambda path: path.stat().st_mtime_ns)
    if paths:
        return [SigningKey.load(path) for path in paths]
    key = SigningKey.generate()
    key.save(folder)
    return [key]
