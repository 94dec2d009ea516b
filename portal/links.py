"""What counts as a URL the portal stores or renders as a link: http(s) only.

`javascript:`, `data:` and other schemes run code or content when clicked; a leading space,
a control character or an unencoded blank would let a browser read a different URL than the
one checked, so those are refused too.
"""

import re

HTTP_URL_RE = re.compile(r"https?://[^\s/?#\x00-\x1f\x7f]+[^\s\x00-\x1f\x7f]*", re.IGNORECASE)
HTTP_URL_MESSAGE = "Must be an http:// or https:// URL."


def is_http_url(value) -> bool:
    return isinstance(value, str) and HTTP_URL_RE.fullmatch(value) is not None
