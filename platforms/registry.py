"""The explicit registry of contact-center platforms: kind -> (label, dotted path of the class).

Adding a platform: copy the nearest package (client.py, platform.py, adapter.py, push.py,
agents.py, forms.py; its simulator under simulators/), then add one line here and one choice
to ContactCenterKind (platforms/models.py).
"""

from functools import cache

from django.utils.module_loading import import_string

PLATFORMS: dict[str, tuple[str, str]] = {
    "daktela": ("Daktela V6", "platforms.daktela.platform.DaktelaPlatform"),
}

KIND_CHOICES = [(kind, label) for kind, (label, _path) in PLATFORMS.items()]


@cache
def platform_class(kind: str):
    try:
        return import_string(PLATFORMS[kind][1])
    except KeyError:
        raise LookupError(f"Unknown contact-center platform kind {kind!r}") from None


def platform_for(account, **kwargs):
    """The Platform (installation) object for one configured contact-center account."""
    return platform_class(account.kind)(account, **kwargs)


def account_form(kind: str):
    """The form class of a kind's account (create and edit pages)."""
    return import_string(platform_class(kind).form_path)
