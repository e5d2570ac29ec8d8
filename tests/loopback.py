"""A real HTTP server on 127.0.0.1 for tests that need one tiny app (auth, a starved client...)."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import ssl
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a probe's whole concurrency may connect at once


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler], *, tls: bool = False) -> Iterator[str]:
    """Serve `handler` on a free loopback port on a thread; yields the base URL; stops on exit.

    With `tls`, HTTPS with a fresh self-signed certificate for 127.0.0.1 (a client must not verify it)."""
    server = LoopbackServer(("127.0.0.1", 0), handler)
    if tls:
        server.socket = _self_signed().wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, no access log; `answer()` sends one whole response."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = (
        True  # one response, one segment: no 40 ms delayed-ACK stall in the numbers
    )

    def answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        pass


def _self_signed() -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(
        prefix="golive-loopback-tls-"
    ) as folder:  # ssl loads from files only
        cert, secret = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        secret.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert, secret)
    return context
