"""Issue 11, point 8: access logs redact access_token, token and clientId query values.

granian (the web server of Procfile and deploy/): run for real with the Procfile's flags on a
small app, its access log read (it leaves query strings out), and each request's environ
checked for the process environment (portal/wsgi_env.py). gunicorn (the documented
alternative): its redacting logger class is run in-process on a real request/response pair and
its formatted access line is read. nginx: deploy/nginx/ccportal.conf
is checked with `nginx -t` and served for real (ports and certificates swapped for test ones),
then its access log is read; skipped when nginx is not installed.
"""

import datetime
import json
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
import trustme
from gunicorn.config import Config

from portal.accesslog import RedactingLogger, redact

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("s3cr3t-key", "w1dget-tok", "m0dule-id")
URL = f"/api/v1/call-events/daktela/?ID=1&access_token={SECRETS[0]}&token={SECRETS[1]}&clientId={SECRETS[2]}&CallEnd=x"


def _web_flags(path: str) -> list[str]:
    """The granian flags of a deploy file's web command (app target, host and port left out)."""
    text = (ROOT / path).read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "granian " in line and "--interface" in line)
    words = line.split("granian ", 1)[1].split()
    flags, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in ("--host", "--port"):
            skip = True
        elif word != "portal.wsgi:application":
            flags.append(word)
    return flags


def test_procfile_and_systemd_run_granian_with_an_access_log_without_query_strings():
    for path in ("Procfile", "deploy/systemd/ccportal-web.service"):
        flags = _web_flags(path)
        assert "--access-log" in flags and "--access-log-fmt" not in flags, path
        assert "--respawn-failed-workers" in flags, path


def test_granian_access_log_and_environ_have_no_secrets(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "CCPORTAL_TEST_SECRET": "pr0cess-secret",
        "HTTP_PROXY": "http://user:pr0xy-pass@proxy.example:3128",
        "PYTHONPATH": str(ROOT),
    }
    cmd = [str(ROOT / ".venv/bin/granian"), *_web_flags("Procfile")]
    cmd = [w if not w.startswith("${") else w.split(":-")[1].rstrip("}") for w in cmd]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "tests.security.granian_app:application"]
    log = tmp_path / "granian.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        body = None
        for _ in range(150):
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}{URL}",
                    headers={"Authorization": f"Bearer {SECRETS[0]}"},
                )
                body = urllib.request.urlopen(req, timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert body is not None, "granian did not start"
        # every worker up before the stop (granian does not stop a worker still starting)
        for _ in range(150):
            if log.read_text().count("Started worker-") >= 2:
                break
            time.sleep(0.1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
    out = log.read_text()
    keys = json.loads(body)
    assert "HTTP_AUTHORIZATION" in keys and "QUERY_STRING" in keys  # the request's own
    assert "CCPORTAL_TEST_SECRET" not in keys and "DATABASE_URL" not in keys, keys
    assert "HTTP_PROXY" not in keys and "PATH" not in keys, keys
    lines = [line for line in out.splitlines() if "/api/v1/call-events/daktela/" in line]
    assert lines, out
    assert not any(secret in out for secret in SECRETS), out


def test_redact_keeps_other_parameters():
    assert redact("/x?mytoken=a&ID=7&Token=b") == "/x?mytoken=a&ID=7&Token=[redacted]"


def test_gunicorn_access_line_has_no_secrets(caplog):
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = RedactingLogger(cfg)
    path, query = URL.split("?", 1)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": URL,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://crm.example.com/?token={SECRETS[1]}",
        "HTTP_AUTHORIZATION": "Bearer s3cr3t-key",
    }
    resp = SimpleNamespace(status="202 Accepted", sent=10, headers=[])
    req = SimpleNamespace(headers=[("AUTHORIZATION", "Bearer s3cr3t-key")])
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.access_log.addHandler(handler)
    logger.access(resp, req, environ, datetime.timedelta(seconds=0.01))
    assert lines and "/api/v1/call-events/daktela/?ID=1&access_token=[redacted]" in lines[0]
    atoms = logger.atoms(resp, req, environ, datetime.timedelta(seconds=0.01))
    text = " ".join(str(v) for v in atoms.values()) + lines[0]
    assert not any(secret in text for secret in SECRETS), text
    assert "clientId=[redacted]" in atoms["r"] and "token=[redacted]" in atoms["f"]


# --- nginx --------------------------------------------------------------------------------------

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(not NGINX, reason="nginx is not installed")


def _nginx_version() -> tuple[int, ...]:
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr
    return tuple(int(n) for n in out.strip().rsplit("/", 1)[1].split("."))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nginx_conf(tmp_path: Path, upstream: int, http_port: int, https_port: int) -> Path:
    ca = trustme.CA()
    cert = ca.issue_cert("portal.example.com")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "cert.pem"))
    site = (ROOT / "deploy/nginx/ccportal.conf").read_text()
    site = (
        site.replace("127.0.0.1:8000", f"127.0.0.1:{upstream}")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
        .replace(
            "/etc/letsencrypt/live/portal.example.com/fullchain.pem", str(tmp_path / "cert.pem")
        )
        .replace("/etc/letsencrypt/live/portal.example.com/privkey.pem", str(tmp_path / "cert.pem"))
        .replace("/var/log/nginx/ccportal.access.log", str(tmp_path / "access.log"))
    )
    if _nginx_version() < (1, 25, 1):  # `http2 on;` is nginx 1.25.1+ (Debian 12 has 1.22)
        site = site.replace("http2 on;", "")
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};\n"
        f"  include {tmp_path}/site.conf; }}\n"
    )
    return conf


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@needs_nginx
def test_nginx_config_is_valid_and_its_access_log_is_redacted(tmp_path):
    upstream = HTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    conf = _nginx_conf(tmp_path, upstream.server_address[1], http_port, https_port)
    check = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
    )
    try:
        import ssl

        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        for _ in range(50):
            try:
                request = urllib.request.Request(
                    f"https://127.0.0.1:{https_port}{URL}",
                    headers={"Referer": f"https://crm.example.com/?clientId={SECRETS[2]}"},
                )
                assert urllib.request.urlopen(request, context=context).status == 200
                break
            except (ConnectionError, OSError):
                time.sleep(0.1)
        else:
            pytest.fail("nginx did not start: " + (tmp_path / "error.log").read_text())
        time.sleep(0.2)
        log = (tmp_path / "access.log").read_text()
    finally:
        server.terminate()
        server.wait(5)
        upstream.shutdown()
    assert "access_token=[redacted]" in log and "clientId=[redacted]" in log, log
    assert not any(secret in log for secret in SECRETS), log
