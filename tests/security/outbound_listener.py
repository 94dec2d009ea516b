"""A tiny threaded HTTP server on a local address that counts what reaches it.

The outbound tests point refused URL forms at it: `hits` must stay empty. `answer` decides the
reply (status, headers, body) so it can also play a CRM, a redirector or a token endpoint.
"""

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme

SECRET = "SECRET-METADATA-iam-credentials-AKIA0000"  # never to appear in a tenant-visible text


class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def default_answer(method, path, body):
    return 200, {"Content-Type": "application/json"}, json.dumps({"secret": SECRET}).encode()


class Listener:
    def __init__(self, host="127.0.0.1", answer=default_answer, tls_name: str = ""):
        self.hits: list[tuple[str, str]] = []
        self.host_headers: list[str] = []
        self.answer = answer
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                listener.hits.append((self.command, self.path))
                listener.host_headers.append(self.headers.get("Host", ""))
                status, headers, payload = listener.answer(self.command, self.path, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        server_class = _V6Server if ":" in host else ThreadingHTTPServer
        self.server = server_class((host, 0), Handler)
        self.server.daemon_threads = True
        self.host, self.port = host, self.server.server_address[1]
        self.ca = None
        if tls_name:  # HTTPS with a certificate for tls_name only (not for the address)
            self.ca = trustme.CA()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert(tls_name).configure_cert(context)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
