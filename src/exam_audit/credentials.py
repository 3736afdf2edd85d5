"""Database passwords never leave the store URL: what is printed, stored or packaged shows ``***`` instead.

A URL may carry its password (``postgresql+psycopg://user:pw@host/db``); better, it leaves it out and the
driver reads ``$PGPASSWORD`` or ``~/.pgpass`` as libpq does. Either way, anything exam-audit writes for a
person or a third party (the summary line, the command recorded with the audit, the evidence package's
MANIFEST, error messages) goes through ``redact`` first.
"""

from __future__ import annotations

import re

# scheme://user:password@ — the password is whatever stands between the first ':' after the user and the '@'
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s]*)(?P<at>@)")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['at']}" if m["password"] else m[0], text)
