"""TLS is verified by default: a self-signed server is refused until its CA is given."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

import pytest

from app.core.engine.remote import Endpoint, Protocol, probe
from app.core.engine.remote.errors import EndpointUnreachableError
from tests.fixtures.tgi_server import MODEL_ID, Script, ScriptedServer


def _self_signed(folder: Path) -> tuple[Path, Path]:
    crypto = pytest.importorskip("cryptography")
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tandem-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_self_signed_server_needs_its_ca(tmp_path):
    cert_file, key_file = _self_signed(tmp_path)
    server = ScriptedServer(Script())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.start()
    url = server.url.replace("http://", "https://")
    try:
        with pytest.raises(EndpointUnreachableError) as caught:
            probe(Endpoint(url, protocol=Protocol.TGI), None)
        assert "certificate" in caught.value.message and "CA bundle" in caught.value.hint
        info = probe(Endpoint(url, protocol=Protocol.TGI, ca_file=str(cert_file)), None)
        assert info.models == (MODEL_ID,)
    finally:
        server.close()


def test_unreadable_ca_bundle_is_explained(tmp_path):
    from app.core.engine.errors import InvalidSettingsError

    with pytest.raises(InvalidSettingsError, match="CA bundle"):
        probe(Endpoint("https://127.0.0.1:9", ca_file=str(tmp_path / "missing.pem")), None)
