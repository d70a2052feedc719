"""Logging that keeps special category data out: no names, chat IDs, case text, tokens or bodies.

Our own code logs row ids, stages and counts only. Some libraries print request bodies, SQL
parameters or message arguments at DEBUG (SQLAlchemy's engine logs every statement with its
parameters at INFO); those loggers never go below WARNING, whatever level the bot runs at.

And whatever a logger's level, every record is redacted as it is made (``install_redaction``):
an exception keeps its kind and where it was raised, never its words (a database error quotes
the values it was given: PostgreSQL's ``DETAIL: Key (email)=(...)``, a pydantic error the input);
what those words were is taken out of the message too (a library that logs ``f"error: {e}"``);
a quiet library's records below WARNING keep only that they happened; e-mail addresses, Teams ids
and SQLAlchemy's ``[SQL: ...]``/``[parameters: ...]`` never reach a handler.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

QUIET_LOGGERS = (
    "slack_bolt",
    "slack_sdk",
    "vws.slack.bolt",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.engine",
    "microsoft_agents",
    "msal",
    "aiohttp.client",
    "alembic",
)
SELF_LEVELLED = (
    "slack_sdk.web.async_base_client",
    "slack_sdk.web.base_client",
    "slack_sdk.webhook.async_client",
    "slack_sdk.webhook.client",
)
"""slack_sdk's loggers that test their own level, not the level they inherit: left unset (0),
each request's whole payload (names, what was typed) is formatted for a debug line that is then
dropped, on every Web API call and response_url answer. Set, it is not formatted at all."""

WITHHELD = "(withheld)"
_PATTERNS = (
    re.compile(r"\[SQL: .*?\](?=\s|$)", re.S),
    re.compile(r"\[parameters: .*?\](?=\s|$)", re.S),
    re.compile(r"DETAIL:.*"),
    re.compile(r"[^@\s<>()\[\]'\"]+@[^@\s<>()\[\]'\"]+\.[A-Za-z]{2,}"),  # e-mail addresses
    re.compile(r"\b(?:29|8):[A-Za-z0-9:_\-.]{6,}"),  # Teams user ids (29:1abc..., 8:orgid:...)
)


def quiet_library_logs() -> None:
    for name in (*QUIET_LOGGERS, *SELF_LEVELLED):
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def _quiet(name: str) -> bool:
    return any(name == q or name.startswith(q + ".") for q in QUIET_LOGGERS)


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _kind(exc: BaseException) -> str:
    t = type(exc)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def traceback_without_words(exc: BaseException) -> str:
    """A traceback (files, lines, functions, exception kinds) with every exception's message left
    out, and the source lines too (a line of code can hold the values it was called with)."""
    parts: list[str] = []
    for i, e in enumerate(reversed(_chain(exc))):
        if i:
            parts.append("\nDuring handling of the above exception, another exception occurred:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(f'  File "{f.filename}", line {f.lineno}, in {f.name}\n'
                     for f in traceback.extract_tb(e.__traceback__, limit=None))
        parts.append(f"{_kind(e)}: {WITHHELD}\n")
    return "".join(parts).rstrip("\n")


def _words_of(exc: BaseException) -> list[str]:
    words: list[str] = []
    for e in _chain(exc):
        for getter in (str, repr):
            try:
                w = getter(e)
            except Exception:  # noqa: BLE001 - an exception whose text cannot even be made
                continue
            if len(w) > 3:
                words.append(w)
        orig = getattr(e, "orig", None)  # SQLAlchemy wraps the driver's error
        if isinstance(orig, BaseException):
            words.extend(_words_of(orig))
    return sorted(set(words), key=len, reverse=True)


def redact_text(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(WITHHELD, text)
    return text


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """Make ``record`` safe to write anywhere (done once, as the record is made)."""
    if getattr(record, "vws_redacted", False):
        return record
    record.vws_redacted = True
    exc = record.exc_info[1] if record.exc_info and record.exc_info[1] is not None else None
    if _quiet(record.name) and record.levelno < logging.WARNING:
        record.msg, record.args = f"({record.name} {record.levelname.lower()} record; {WITHHELD})", None
    else:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a message that cannot be formatted says nothing
            message = str(record.msg)
        if exc is not None:
            for w in _words_of(exc):
                message = message.replace(w, WITHHELD)
        record.msg, record.args = redact_text(message), None
    if exc is not None:
        record.exc_text = traceback_without_words(exc)
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)
    return record


_installed: dict[str, Any] = {}


def install_redaction() -> None:
    """Redact every log record as it is made, whoever logs it (idempotent)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact(previous(*args, **kwargs))

    _installed["previous"] = previous
    logging.setLogRecordFactory(factory)


def configure(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_library_logs()
    install_redaction()

