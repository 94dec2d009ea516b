"""The web server command lines the benchmarks start: granian as deploy/ runs it, gunicorn
gthread (the alternative, and the server of the figures before 2026-12-03)."""

from pathlib import Path

BIN = Path(__file__).resolve().parent.parent / ".venv/bin"


def web_command(server: str, port: int, workers: int, threads: int, *extra: str) -> list[str]:
    """`server` (granian | gunicorn) on 127.0.0.1:`port`, `workers` processes x `threads`."""
    if server == "granian":
        return [
            str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads),
            "--log-level", "warning", *extra, "portal.wsgi:application",
        ]  # fmt: skip
    if server == "gunicorn":
        return [
            str(BIN / "gunicorn"), "portal.wsgi:application", "-b", f"127.0.0.1:{port}",
            "-k", "gthread", "-w", str(workers), "--threads", str(threads),
            "--keep-alive", "30", "--log-level", "warning", *extra,
        ]  # fmt: skip
    raise SystemExit(f"unknown web server {server!r}: granian or gunicorn")
