import time

from django.core.management.base import BaseCommand

from simulators import registry


class Command(BaseCommand):
    help = "Run the CRM simulators (real HTTP/HTTPS servers) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None)
        parser.add_argument("--base-port", type=int, default=None)

    def handle(self, host, base_port, **options):
        running = registry.start_all(host, base_port)
        for name, sim in running.items():
            self.stdout.write(f"  {name:12} {sim.url}")
        self.stdout.write(f"CA bundle trusting the HTTPS simulators: {registry.CA_BUNDLE}")
        self.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            for sim in running.values():
                sim.stop()
