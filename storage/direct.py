"""The hottest statements run straight on the driver's cursor, compiled once by SQLAlchemy.

``put``, ``put_writes`` and ``get_tuple`` are a handful of fixed statements executed thousands
of times. SQLAlchemy's per-execution machinery (execution context, result object, parameter
processing) costs several times what SQLite itself spends on such a statement. The
statements of those three plans keep what matters of SQLAlchemy — its pool, the dialect's SQL
and its type conversions (compiled by SQLAlchemy, bind and result processors applied) — and
skip that per-call layer: the sync runner runs the three hot plans on a driver connection
(``runner.run``: SQLite's own per-thread one, a pooled one on a server). Compiled forms are cached per statement object, weakly: the
plans' statements are module constants or cached shapes, and anything built per call simply
falls out of the cache with its statement. That is their only sync path,
whether or not SQLAlchemy statement listeners are installed; such listeners therefore do not
see them (the driver's own trace does: ``sqlite3``'s ``set_trace_callback``, libpq's trace,
which is how the tests watch every statement). The async side and every other statement go
through SQLAlchemy as usual. Driver errors are re-raised as SQLAlchemy's ``DBAPIError``.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = ["Direct", "compiled_for"]


_ROW_CLASS: Callable[..., Any] = namedtuple
_compiled: weakref.WeakKeyDictionary[sa.Executable, dict[tuple[str, str], Direct]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Direct:
    """A statement compiled for one dialect, ready for a DBAPI cursor."""

    sql: str
    """The SQL text in the driver's parameter style."""
    positional: bool
    """Whether the driver takes a tuple (else a dict keyed by rendered name)."""
    slots: tuple[tuple[str, str, Any, Callable[[Any], Any] | None], ...]
    """Per parameter, in position order: rendered name, the key callers pass it under, its
    value if it is a literal, and its bind processor (e.g. str to bytes for VARBINARY)."""
    row: Any
    """A namedtuple class for result rows, or None for statements without rows."""
    results: tuple[Callable[[Any], Any] | None, ...]
    """Result processor of each column."""
    _keyed: tuple[tuple[str, Any], ...] = dataclasses.field(init=False, repr=False)
    _processed: tuple[tuple[int, Callable[[Any], Any]], ...] = dataclasses.field(
        init=False, repr=False
    )
    _converting: tuple[tuple[int, Callable[[Any], Any]], ...] = dataclasses.field(
        init=False, repr=False
    )
    _names: tuple[str, ...] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        keyed = tuple((key, literal) for _name, key, literal, _process in self.slots)
        processed = tuple(
            (index, process)
            for index, (_name, _key, _literal, process) in enumerate(self.slots)
            if process is not None
        )
        converting = tuple(
            (index, process) for index, process in enumerate(self.results) if process is not None
        )
        object.__setattr__(self, "_keyed", keyed)
        object.__setattr__(self, "_processed", processed)
        object.__setattr__(self, "_converting", converting)
        object.__setattr__(self, "_names", tuple(slot[0] for slot in self.slots))

    def _args(self, params: dict[str, Any]) -> Any:
        values = [params.get(key, literal) for key, literal in self._keyed]
        for index, process in self._processed:
            values[index] = process(values[index])
        if self.positional:
            return values
        return dict(zip(self._names, values, strict=True))

    def execute(
        self, dbapi_connection: Any, params: dict[str, Any] | list[dict[str, Any]]
    ) -> list[Any]:
        """Run on a raw DBAPI connection; rows come back as namedtuples, processed."""
        cursor = dbapi_connection.cursor()
        try:
            if isinstance(params, list):
                if len(params) == 1:  # psycopg's executemany enters a pipeline: slower for one
                    cursor.execute(self.sql, self._args(params[0]))
                else:
                    cursor.executemany(self.sql, [self._args(p) for p in params])
                return []
            cursor.execute(self.sql, self._args(params))
            if self.row is None:
                return []
            make = self.row._make
            converting = self._converting
            if not converting:
                return [make(raw) for raw in cursor.fetchall()]
            rows = []
            for raw in cursor.fetchall():
                values = list(raw)
                for index, process in converting:
                    values[index] = process(values[index])
                rows.append(make(values))
            return rows
        finally:
            cursor.close()


def compiled_for(statement: sa.Executable, dialect: Dialect) -> Direct:
    """The driver-cursor form of ``statement`` for ``dialect`` (compiled once per statement
    object while it lives)."""
    key = (dialect.name, dialect.driver)
    found = _compiled.get(statement, {}).get(key)
    if found is not None:
        return found
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    order = list(compiled.positiontup) if compiled.positional else list(by_name)
    slots = tuple(
        (
            name,
            by_name[name].key,
            by_name[name].effective_value,
            by_name[name].type.bind_processor(dialect),
        )
        for name in order
    )
    row: Any = None
    results: tuple[Callable[[Any], Any] | None, ...] = ()
    if isinstance(statement, sa.sql.selectable.SelectBase):
        columns: Sequence[Any] = list(statement.selected_columns)
        row = _ROW_CLASS("Row", [column.key for column in columns])
        results = tuple(column.type.result_processor(dialect, None) for column in columns)
    found = Direct(
        sql=compiled.string,
        positional=bool(compiled.positional),
        slots=slots,
        row=row,
        results=results,
    )
    with _lock:
        _compiled.setdefault(statement, {})[key] = found
    return found
