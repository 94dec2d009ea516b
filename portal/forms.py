"""Form pieces every app's pages share (connectors, platforms)."""

from django import forms


class SecretInput(forms.PasswordInput):
    """A write-only secret: never rendered back, and no browser autofill of a saved password."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False
        )
