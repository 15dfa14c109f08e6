"""Keep link tokens out of access logs (werkzeug's development server logs every path)."""

from __future__ import annotations

import logging
import re

_TOKEN_PATH = re.compile(r"/f/[A-Za-z0-9_-]{8,}")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _TOKEN_PATH.sub("/f/[token]", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = _TOKEN_PATH.sub("/f/[token]", record.msg)
        return True


def install_log_redaction() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
