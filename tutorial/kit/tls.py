"""A certificate authority of a test's own, for a provider served over real HTTPS.

A JWKS client must verify the provider's certificate with whatever
``ssl_context`` its caller gives it. To prove that, a test needs an HTTPS
provider whose certificate no system store trusts: one signed by this CA::

    authority = CertificateAuthority()
    with IdentityProvider(tls=authority.server_context()) as idp:
        PyJWKClient(idp.jwks_url, ssl_context=authority.client_context())

Keys and certificates live in memory and in a temporary folder that goes with
the object; nothing is downloaded or installed.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOOPBACK = "127.0.0.1"
VALID_FOR = datetime.timedelta(days=1)


class CertificateAuthority:
    """A CA, and a certificate it signed for ``127.0.0.1`` and ``localhost``."""

    def __init__(self, name: str = "jwks-tutorial test CA") -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="tutorial-tls-")
        folder = Path(self._folder.name)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        # The extensions that strict verification asks for (Python 3.13's default
        # context sets VERIFY_X509_STRICT): key usages and key identifiers.
        ca_certificate = (
            _certificate_builder(ca_name, ca_name, ca_key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        server_key = ec.generate_private_key(ec.SECP256R1())
        server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)])
        alternative_names = x509.SubjectAlternativeName(
            [
                x509.IPAddress(ipaddress.ip_address(LOOPBACK)),
                x509.DNSName("localhost"),
            ]
        )
        server_certificate = (
            _certificate_builder(server_name, ca_name, server_key.public_key())
            .add_extension(alternative_names, critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(
            ca_certificate.public_bytes(serialization.Encoding.PEM)
        )
        self._server_file = folder / "server.pem"
        self._server_file.write_bytes(
            server_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            + server_certificate.public_bytes(serialization.Encoding.PEM)
        )

    def server_context(self) -> ssl.SSLContext:
        """What the provider serves with: the certificate this CA signed."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._server_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA, and only this CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def close(self) -> None:
        self._folder.cleanup()


def _certificate_builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
    )


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    """A CA signs certificates; a server signs its side of the TLS handshake."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
