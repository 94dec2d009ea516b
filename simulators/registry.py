"""The CRM (and contact-center) simulators, started together by `manage.py run_simulators`.

Explicit registry like connectors.registry: name -> (dotted path, port offset from
SIMULATOR_BASE_PORT). Each simulator class offers `demo_account(url)` -> (settings, credentials)
that works against it, used by `seed_demo`.
"""

import json
import logging
from pathlib import Path

import certifi
from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

SIMULATORS: dict[str, tuple[str, int]] = {
    "salesforce": ("simulators.salesforce.app.SalesforceSimulator", 0),
    "dynamics365": ("simulators.dynamics365.app.Dynamics365Simulator", 1),
    "sugarcrm": ("simulators.sugarcrm.app.SugarCRMSimulator", 2),
    "retailcrm": ("simulators.retailcrm.app.RetailCRMSimulator", 3),
    "daktela": ("simulators.daktela.app.DaktelaSimulator", 4),
    "uis": ("simulators.uis.app.UisSimulator", 5),
}

STATE_FILE = settings.LOCAL_DIR / "simulators.json"
CA_BUNDLE = settings.LOCAL_DIR / "ca-bundle.pem"


def available() -> dict:
    found = {}
    for name, (path, offset) in SIMULATORS.items():
        try:
            found[name] = (import_string(path), offset)
        except ImportError:
            log.info("simulator %s not available yet", name)
    return found


def start_all(host: str | None = None, base_port: int | None = None) -> dict:
    """Start every available simulator; write their URLs and a CA bundle trusting their TLS."""
    host = host or settings.SIMULATOR_HOST
    base_port = settings.SIMULATOR_BASE_PORT if base_port is None else base_port
    cert_dir = settings.LOCAL_DIR / "certs"
    running = {}
    for name, (cls, offset) in available().items():
        running[name] = cls(
            host=host, port=base_port + offset if base_port else 0, cert_dir=cert_dir
        ).start()
    bundle = Path(certifi.where()).read_text()
    for sim in running.values():
        if sim.ca is not None:
            bundle += "\n" + sim.ca.cert_pem.bytes().decode()
    CA_BUNDLE.write_text(bundle)
    STATE_FILE.write_text(json.dumps({name: sim.url for name, sim in running.items()}, indent=2))
    return running


def urls() -> dict[str, str]:
    return json.loads(STATE_FILE.read_text()) if STATE_FILE.exists() else {}
