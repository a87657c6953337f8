"""Reaching the shared store: ``postgresql://`` locations, credentials and redaction.

A password is never stored by gridplanner. It comes, in this order, from the URL
itself (discouraged: shell history), libpq's own sources — ``PGPASSWORD`` and the
other ``PG*`` variables, ``~/.pgpass`` (or ``PGPASSFILE``), a service file — and,
only when the server asked for a password that none of those gave, from the system
keyring (service ``gridplanner-postgresql``, entry ``user@host:port/dbname``;
``gridplanner db password URL`` stores one). Every message that names a database
names it by :func:`public_url`, and :func:`redact` scrubs a password out of any text
(a driver's message included) before it is shown, logged or recorded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from gridplanner.errors import GridPlannerError

SCHEMES = ("postgresql", "postgres")
KEYRING_SERVICE = "gridplanner-postgresql"
CONNECT_TIMEOUT_S = 10
_SECRET_PARAMS = {"password", "sslpassword"}


class DatabaseError(GridPlannerError):
    """The shared store can't be reached or refused a request (database named, no password)."""


def is_database_url(location: object) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) location — also one that went
    through ``pathlib.Path``, which folds ``//`` into ``/``."""
    text = str(location).lower()
    return any(text.startswith(f"{s}:/") for s in SCHEMES)


def database_location(location: str | Path) -> str | Path:
    """``location`` as given, or a database URL restored after ``Path`` folded its ``//``."""
    text = str(location)
    if not is_database_url(text):
        return location
    if "://" not in text:
        scheme, rest = text.split(":/", 1)
        return f"{scheme}://{rest}"
    return text


def public_url(url: str) -> str:
    """``url`` with any password (in the user part or a parameter) left out."""
    parts = urlsplit(str(url))
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hostport = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{hostport}" if user else hostport
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in _SECRET_PARAMS])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def secrets_in(url: str) -> list[str]:
    """The password(s) ``url`` carries, raw and percent-decoded (to scrub them from text)."""
    parts = urlsplit(str(url))
    found: list[str] = []
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        if ":" in userinfo:
            raw = userinfo.split(":", 1)[1]
            found += [raw, unquote(raw)]
    found += [v for k, v in parse_qsl(parts.query) if k in _SECRET_PARAMS]
    return sorted({s for s in found if s}, key=len, reverse=True)


def redact(text: str, url: str | None = None, extra: tuple[str, ...] = ()) -> str:
    """``text`` with the full ``url`` shown as :func:`public_url`, every password it
    carries (and ``extra`` ones) replaced by ``***``, and any ``password=…`` scrubbed."""
    out = str(text)
    if url:
        out = out.replace(str(url), public_url(url))
        for secret in secrets_in(url):
            out = out.replace(secret, "***")
    for secret in extra:
        if secret:
            out = out.replace(secret, "***")
    out = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", out, flags=re.IGNORECASE)
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]+):[^@\s]+@", r"\1:***@", out)


def keyring_entry(url: str) -> str:
    """The keyring entry name of the database ``url`` points at: ``user@host:port/db``."""
    info = _conninfo(url)
    user = info.get("user") or _default_user()
    return f"{user}@{info.get('host') or 'localhost'}:{info.get('port') or 5432}/" + str(
        info.get("dbname") or user
    )


def keyring_password(url: str) -> str | None:
    """The password stored in the system keyring for ``url`` (None: none, or no keyring)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_entry(url)) or None
    except (KeyringError, RuntimeError):
        return None


def store_password(url: str, password: str) -> str:
    """Keep ``password`` for ``url`` in the system keyring; returns the entry's name."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError as exc:
        raise DatabaseError("no system keyring is available (python keyring)") from exc
    entry = keyring_entry(url)
    try:
        keyring.set_password(KEYRING_SERVICE, entry, password)
    except (KeyringError, RuntimeError) as exc:
        raise DatabaseError(f"could not store the password in the keyring ({exc})") from exc
    return entry


def connect(url: str, autocommit: bool = False) -> Any:
    """An open psycopg connection to ``url``; a failure is a one-line
    :class:`DatabaseError` naming the database without its password."""
    import psycopg

    options: dict[str, Any] = {
        "autocommit": autocommit,
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": "gridplanner",
    }
    try:
        return psycopg.connect(url, **options)
    except psycopg.OperationalError as exc:
        first = exc
    except psycopg.ProgrammingError as exc:  # not a valid connection string
        raise DatabaseError(
            f"{public_url(url)}: not a valid database address ({redact(_line(exc), url)})"
        ) from None
    if _wants_password(first) and not secrets_in(url):
        stored = keyring_password(url)
        if stored:
            try:
                return psycopg.connect(url, password=stored, **options)
            except psycopg.OperationalError as exc:
                raise DatabaseError(
                    f"{public_url(url)}: cannot connect with the keyring's password "
                    f"({redact(_line(exc), url, (stored,))})"
                ) from None
    hint = ""
    if _wants_password(first):
        hint = (
            "; give the password in PGPASSWORD, ~/.pgpass or the keyring "
            "(`gridplanner db password URL`)"
        )
    raise DatabaseError(
        f"{public_url(url)}: cannot connect ({redact(_line(first), url)}){hint}"
    ) from None


def _wants_password(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "password" in text and ("no password" in text or "authentication failed" in text)


def _conninfo(url: str) -> dict[str, Any]:
    from psycopg.conninfo import conninfo_to_dict

    try:
        return dict(conninfo_to_dict(url))
    except Exception as exc:
        raise DatabaseError(f"{public_url(url)}: not a valid database address") from exc


def _default_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "postgres"


def _line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines[:2])
