"""Regular expressions written by tenants (the DNIS pattern), run with RE2 in linear time.

Python's `re` backtracks: `(a+)+$` against a few dozen characters pins a worker for minutes,
and one tenant's pattern would stall every tenant's requests. RE2 (google-re2) guarantees time
linear in the input and refuses what it cannot do in linear time (back-references,
look-around), so a pattern is checked with the same engine at save time as at run time.
The input is cut to MAX_INPUT characters and the compiled program to MAX_PROGRAM_BYTES.
"""

from functools import lru_cache

import re2

MAX_INPUT = 1000  # characters of the subject a tenant pattern is run against
MAX_PROGRAM_BYTES = 1 << 20  # RE2's memory budget per compiled pattern


class PatternError(ValueError):
    """The pattern does not compile with RE2; the message says why, for the tenant admin."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a tenant's typo is a form error, not a line in the server log
    options.max_mem = MAX_PROGRAM_BYTES
    return options


@lru_cache(maxsize=512)
def compile_pattern(pattern: str):
    """The compiled RE2 program of `pattern` (cached: patterns change rarely, calls are many)."""
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"The regular expression does not compile with RE2 (linear-time matching; "
            f"back-references and look-around are not supported): {reason}"
        ) from None


def pattern_problem(pattern: str) -> str:
    """'' when `pattern` is usable, else what is wrong with it."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return ""


def first_group(pattern: str, text: str) -> str:
    """The first group (or the whole match) of `pattern` in the start of `text`; '' if none.

    A pattern that does not compile (saved before RE2 checked it) finds nothing.
    """
    if not pattern or not text:
        return ""
    try:
        found = compile_pattern(pattern).search(text[:MAX_INPUT])
    except PatternError:
        return ""
    if not found:
        return ""
    return (found.group(1) if found.re.groups else found.group(0)) or ""
