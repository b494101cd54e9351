"""Which exit code and line each kind of failure gets (``agent.cli.errors.describe``).

The subprocess tests show the real cases end to end; this table pins the mapping for failures
that are hard to provoke on purpose (a busy thread, a missing driver, an agent refusal).
"""

from __future__ import annotations

import pytest
import sqlalchemy.exc

from agent.cli.errors import (
    EXIT_BUSY,
    EXIT_DATABASE,
    EXIT_FAILURE,
    EXIT_USAGE,
    CliError,
    describe,
)
from storage.errors import ThreadBusyError


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (ThreadBusyError("t1", 30.0), EXIT_BUSY, "thread 't1' is busy"),
        (TimeoutError("thread 't1' is busy with another turn"), EXIT_BUSY, "busy"),
        (
            ModuleNotFoundError("No module named 'psycopg'", name="psycopg"),
            EXIT_USAGE,
            "trainchat[postgres]",
        ),
        (
            ValueError("thread id too long: at most 200 characters"),
            EXIT_USAGE,
            "thread id too long",
        ),
        (sqlalchemy.exc.ArgumentError("Could not parse"), EXIT_USAGE, "malformed database URL"),
        (
            sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("disk I/O error")),
            EXIT_DATABASE,
            "disk I/O error",
        ),
        (ConnectionRefusedError("refused"), EXIT_DATABASE, "database unreachable"),
        (RuntimeError("boom\nsecond line"), EXIT_FAILURE, "RuntimeError): boom"),
    ],
)
def test_each_failure_gets_one_line_and_its_exit_code(error, code, words):
    described = describe(error)
    assert isinstance(described, CliError)
    assert described.code == code
    assert words in described.message
    assert "\n" not in described.message
    assert "Background on this error" not in described.message
