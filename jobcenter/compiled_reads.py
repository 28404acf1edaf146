"""Reads of a fixed shape whose SQL Django compiles once per database connection, not on
every request.

Django builds a queryset and compiles it to SQL each time it is evaluated. For the
few reads behind the hottest page (the citizen page sends about ten) that costs more
Python than the database needs to answer them: about 0.5 ms per statement, against a
tenth of that to run it. A ``CompiledRead`` builds its queryset once, with stand-in
values for what changes from request to request, keeps the SQL and what Django's
compiler worked out about its columns, and afterwards sends the same SQL with the
request's values and turns the rows into instances the way Django's own
``ModelIterable`` does: the same converters, ``select_related`` objects and
annotations, so the instances are those the queryset would have given (a test holds
the two to each other).

Every value that may change is named: ``CompiledRead(build, citizen=STAND_IN)`` calls
``build(citizen=STAND_IN)`` once and later ``read(citizen=citizen_id)``. A parameter
of the compiled SQL that is neither a named stand-in nor a literal constant (a string,
a boolean, ``None``) is refused at compile time, so no id or date of the first request
can be baked into the SQL for the next.

The compiled state is kept on the connection wrapper (one per thread and alias), since
the converters Django chooses belong to that connection's backend.

Written here rather than taken from a library: the one we found (django-prepared-
queries) substitutes parameters into Django's older internals and is not kept up
for Django 5. What this module uses of Django's internals (the compiler's ``select``,
``klass_info`` and ``annotation_col_map``, ``get_converters`` and
``get_related_populators``) is what ``ModelIterable`` itself uses in Django 5.2.
"""

from __future__ import annotations

import datetime
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

_CACHE_ATTRIBUTE = "_jobcenter_compiled_reads"
_numbers = itertools.count(1)
_CONSTANT_TYPES = (str, bool, type(None))


class StandIn:
    """Distinct stand-in values for compiling: a UUID, an integer and a moment that no
    real row or constant will ever equal."""

    @staticmethod
    def uuid(n: int) -> uuid.UUID:
        return uuid.UUID(f"00000000-0000-4000-8000-{0xC0DE00000000 + n:012x}")

    @staticmethod
    def integer(n: int) -> int:
        return -910_000_000 - n

    @staticmethod
    def moment(n: int) -> datetime.datetime:
        return datetime.datetime(1901, 1, 1, 0, 0, n, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class _Slot:
    name: str | None  # a stand-in's name, or None for a constant
    form: str  # how the stand-in reached the SQL: "same", "str", "hex", "moment"
    constant: object = None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: tuple[_Slot, ...]
    model: type[Model]
    init_list: list[str]
    model_start: int
    model_end: int
    select: list
    klass_info: dict
    annotation_col_map: dict
    converters: list


class CompiledRead:
    """One read: ``build(**stand_ins)`` returns its queryset; ``read(**values)`` returns
    the list of instances it would have given for those values."""

    def __init__(self, build: Callable[..., QuerySet], **stand_ins):
        self.build = build
        self.stand_ins = stand_ins
        self.key = f"{build.__module__}.{build.__qualname__}#{next(_numbers)}"

    # -- Compiling ------------------------------------------------------------------------

    def _compile(self, connection) -> _Compiled:
        queryset = self.build(**self.stand_ins)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = tuple(self._slot(param, connection) for param in params)
        missing = set(self.stand_ins) - {slot.name for slot in slots}
        if missing:
            raise ValueError(f"{self.key}: stand-ins not in the SQL: {sorted(missing)}")
        select, klass_info = compiler.select, compiler.klass_info
        fields = [s[0] for s in select[0 : compiler.col_count]]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql,
            slots=slots,
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            model_start=start,
            model_end=end,
            select=select,
            klass_info=klass_info,
            annotation_col_map=compiler.annotation_col_map or {},
            converters=list(compiler.get_converters(fields).items()),
        )

    def _slot(self, param, connection) -> _Slot:
        for name, stand_in in self.stand_ins.items():
            for form, prepared in _prepared_forms(stand_in, connection):
                if type(param) is type(prepared) and param == prepared:
                    return _Slot(name=name, form=form)
        if isinstance(param, _CONSTANT_TYPES):
            return _Slot(name=None, form="same", constant=param)
        raise ValueError(
            f"{self.key}: a {type(param).__name__} parameter that is no named stand-in "
            "would be frozen into the SQL; name it"
        )

    def _prepared(self, using: str | None, values: dict):
        """The database alias, its connection, the read compiled for it (once per
        connection) and the SQL's parameters for ``values``."""
        db = using or router.db_for_read(self._model())
        connection = connections[db]
        cache = connection.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
        compiled = cache.get(self.key)
        if compiled is None:
            compiled = cache[self.key] = self._compile(connection)
        return db, connection, compiled, _params(compiled.slots, values, connection)

    def _model(self) -> type[Model]:
        model = getattr(self, "_built_model", None)
        if model is None:
            model = self._built_model = self.build(**self.stand_ins).model
        return model

    # -- Reading --------------------------------------------------------------------------

    def sql_and_params(self, *, using: str | None = None, **values) -> tuple[str, list]:
        """The SQL and its parameters for ``values`` (for a caller that reads the rows
        itself, such as the load test's bare view)."""
        _, _, compiled, params = self._prepared(using, values)
        return compiled.sql, params

    def read(self, *, using: str | None = None, **values) -> list:
        """The instances for ``values``, as the built queryset would give them."""
        db, connection, compiled, params = self._prepared(using, values)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        populators = get_related_populators(compiled.klass_info, compiled.select, db)
        start, end = compiled.model_start, compiled.model_end
        objects = []
        for values_row in rows:
            row = list(values_row)
            for position, (functions, expression) in compiled.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            obj = compiled.model.from_db(db, compiled.init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attribute, position in compiled.annotation_col_map.items():
                setattr(obj, attribute, row[position])
            objects.append(obj)
        return objects


def _prepared_forms(stand_in, connection):
    """The forms a stand-in may take once Django has prepared it for ``connection``."""
    if isinstance(stand_in, uuid.UUID):
        yield "same", stand_in
        yield "str", str(stand_in)
        yield "hex", stand_in.hex
    elif isinstance(stand_in, datetime.datetime):
        yield "moment", connection.ops.adapt_datetimefield_value(stand_in)
        yield "same", stand_in
    else:
        yield "same", stand_in


def _params(slots, values: dict, connection) -> list:
    params = []
    for slot in slots:
        if slot.name is None:
            params.append(slot.constant)
            continue
        value = values[slot.name]
        if slot.form == "str":
            value = str(value)
        elif slot.form == "hex":
            value = value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex
        elif slot.form == "moment":
            value = connection.ops.adapt_datetimefield_value(value)
        params.append(value)
    return params


def prefetched_set(obj: Model, name: str, related: list) -> None:
    """Gives ``obj`` the reverse foreign key ``name`` as ``prefetch_related(name)`` would
    have, from ``related``: ``obj.<name>.all()`` then answers from them without a
    query, and each of them knows ``obj`` without one."""
    manager = getattr(obj, name)
    queryset = manager.get_queryset()  # lazy: no query
    queryset._result_cache = related
    queryset._prefetch_done = True
    for item in related:
        manager.field.set_cached_value(item, obj)
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[manager.field.remote_field.cache_name] = queryset
