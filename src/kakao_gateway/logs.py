"""Logging: plain text lines, or one JSON object per line (`--log-format json`) for log collectors.

A log line about one message, bulk or account passes its ids as `extra={"messageId": ..., "bulkId": ...,
"accountId": ...}`; both formats show them. JSON lines carry `time` (RFC 3339, UTC), `level`, `logger`,
`message`, the ids that apply, any other `extra` values, and `exception` (the traceback) when there is one.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
from typing import Any

import orjson

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMATS = ("text", "json")
IDS = ("messageId", "bulkId", "accountId")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What every LogRecord has: anything else on a record came from `extra=`.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}
# Upstream webhooks carry their secret as the last path segment (api.upstream_reports, api.upstream_inbound).
_WEBHOOK_SECRET = re.compile(r"(/upstream/1/[^/?\s]+/(?:reports|inbound)/)[^/?#\s\"]+")
REDACTED = "***"


def redact(text: str) -> str:
    """`text` with the secret of any upstream webhook path in it replaced by `***`."""
    return _WEBHOOK_SECRET.sub(rf"\g<1>{REDACTED}", text)


class RedactWebhookSecrets(logging.Filter):
    """Hides upstream webhook secrets in uvicorn's access lines (`--log-level debug`): their arguments are
    (client, method, path, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


_REDACTION = RedactWebhookSecrets()


def redact_access_log() -> None:
    """Put the redaction on uvicorn's access logger (once, however often called)."""
    logging.getLogger("uvicorn.access").addFilter(_REDACTION)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (a traceback is a string field, its newlines escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        extras = _extras(record)
        for key in IDS:  # the ids first, in a fixed order
            if extras.get(key) is not None:
                entry[key] = extras.pop(key)
        entry.update(extras)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """The usual line, followed by the ids that apply: `... [messageId=M bulkId=B accountId=A]`."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = [f"{key}={getattr(record, key)}" for key in IDS if getattr(record, key, None) is not None]
        if not ids:
            return line
        head, sep, tail = line.partition("\n")  # after the message, before a traceback
        return f"{head} [{' '.join(ids)}]{sep}{tail}"


def configure_logging(level: str, fmt: str) -> None:
    """Log to stderr at `level` (debug, info, warning, error, critical) in `fmt` (text or json), replacing any
    configuration before; uvicorn's loggers go through the same handler (run uvicorn with `log_config=None`)."""
    name = level.strip().lower()
    if name not in LEVELS:
        raise ValueError(f"unknown log level {level!r}: use one of {', '.join(LEVELS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}: use one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(name.upper())
    for logger_name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(logger_name)
        logger.handlers.clear()
        logger.propagate = True
    redact_access_log()
