"""``attune outcomes`` and ``attune sudden-gains``: the engine's outcome maths on CSV/Parquet.

For researchers and analysts: no database, no Django, just a CSV (or Parquet, through pyarrow)
in and a table (or ``--json``, and ``--plot FILE.png|svg``) out. ``attune.cli`` hands these two
commands here before Django is set up.

* ``attune outcomes FILE.csv --id COL --time COL --score COL --pre T --post T
  (--reliability R [--sd SD] | --rc POINTS) [--higher-is-better]
  [--cutoff C | --functional-mean M --functional-sd S] [--json]`` — Jacobson & Truax (1991)
  reliable change and clinical significance on long-format data (one row per person and time),
  complete cases only. See :mod:`attune.engine.outcomes` for the formulas and their sources.
  With ``--approach distribution|percentage|anchor|statistical|combined`` (and ``--rci-method
  jt|gln|en|ha|hll|nk``, ``--cutoff-type``, ``--pct-improvement``, ``--mid-improvement`` …) the
  ``clinicalsignificance`` R package's approaches, names and defaults; see
  :mod:`attune.engine.clinical_significance`.
* ``attune sudden-gains FILE.csv --id COL --columns C1,C2,... [--cutoff POINTS] [--losses]
  [--json]`` — Tang & DeRubeis (1999) sudden gains (or losses) with the suddengains R package's
  defaults on wide-format data (one row per person, one column per session). See
  :mod:`attune.engine.sudden_gains`. Reversals, by-person data (``--multiple-sg-select``) and
  the values around each gain as the package's ``create_bysg`` / ``create_byperson`` /
  ``describe_sg``: :mod:`attune.engine.sudden_gain_reports`.

Bad input (a missing file, an unknown column, a value that is not a number, no complete cases)
ends with one clear line on stderr and exit code 2, never a traceback. Full documentation with
worked examples: ``docs/research-cli.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from attune.engine import clinical_significance as cs
from attune.engine import outcomes as jt
from attune.engine import research_plots as plots
from attune.engine import sudden_gain_reports as sgr
from attune.engine import sudden_gains as sg

__all__ = ["COMMANDS", "CliError", "main"]

#: The commands this module answers (``attune.cli`` dispatches them here).
COMMANDS: tuple[str, ...] = ("outcomes", "sudden-gains")

_MISSING = frozenset({"", "na", "nan", "n/a"})
_INT_RE = re.compile(r"[+-]?[0-9]+")
#: :data:`_INT_RE` as a whole-text pattern for Arrow (RE2).
_INT_RE_ARROW = "^[+-]?[0-9]+$"
#: Integers written as ``str(int)`` writes them, within int64 (at most 18 digits).
_CANONICAL_INT_ARROW = "^(0|-?[1-9][0-9]{0,17})$"


class CliError(Exception):
    """Bad input: the message is printed as one line and the command exits with code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit 2) instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see '{self.prog} --help')")


# --------------------------------------------------------------------------- reading CSV


@dataclass(frozen=True)
class _Table:
    """A file's columns as text (a missing cell is ``""``), read once, converted on demand.

    ``source`` is a ``pyarrow.Table`` of string columns (CSV or Parquet read through Arrow) or
    a ``dict`` of lists (the ``csv`` module's fallback). Line numbers in messages count the
    header as line 1, as a spreadsheet shows a CSV file.
    """

    path: str
    header: list[str]
    source: Any
    length: int

    def need(self, *columns: str) -> None:
        for column in columns:
            if column not in self.header:
                shown = ", ".join(self.header[:20]) + (", …" if len(self.header) > 20 else "")
                raise CliError(f"column '{column}' is not in {self.path} (its columns: {shown})")

    def column(self, name: str) -> list[str]:
        if isinstance(self.source, dict):
            values: list[str] = self.source[name]
            return values
        text: list[str] = self.source.column(name).to_pylist()
        return text

    def arrow(self, name: str) -> Any:
        """The column as a ``pyarrow`` string array, or ``None`` when read without Arrow."""
        if isinstance(self.source, dict):
            return None
        return self.source.column(name)


def _check_file(path: str) -> Path:
    file = Path(path)
    if not file.exists():
        raise CliError(f"file not found: {path}")
    if file.is_dir():
        raise CliError(f"{path} is a folder, not a CSV file")
    return file


def _read(path: str, columns: Sequence[str] | None = None) -> _Table:
    """Read a CSV file (``.parquet``/``.pq``: a Parquet file) into text columns.

    CSV goes through ``pyarrow.csv`` (columnar C++) when pyarrow is installed and
    the file is regular; anything Arrow refuses (ragged rows, bad UTF-8, pyarrow missing) is
    read again by the ``csv`` module, whose messages the tests pin, so behaviour is unchanged.
    With ``columns``, Arrow reads only those of them that the file has (the header is still
    all of the file's names, for :meth:`_Table.need`'s message).
    """
    file = _check_file(path)
    if file.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(file, path, columns)
    header = _csv_header(file, path)
    try:
        table = _read_csv_arrow(file, header, columns)
    except Exception:  # noqa: BLE001 - any Arrow refusal: the csv module reads it and explains
        table = None
    if table is not None:
        return _Table(path, header, table, table.num_rows)
    return _read_csv_module(file, path)


def _csv_header(file: Path, path: str) -> list[str]:
    return _csv_module(file, path, header_only=True)[0]


def _csv_module(
    file: Path, path: str, *, header_only: bool = False
) -> tuple[list[str], list[dict[str, str]]]:
    """The header and (unless ``header_only``) the rows, by the ``csv`` module."""
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            rows = [] if header_only else [dict(row) for row in reader]
    except UnicodeDecodeError:
        raise CliError(f"{path} is not a UTF-8 text file") from None
    except csv.Error as exc:
        raise CliError(f"{path} is not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not header:
        raise CliError(f"{path} is empty: a header row with the column names is needed")
    return header, rows


def _read_csv_arrow(file: Path, header: list[str], columns: Sequence[str] | None = None) -> Any:
    # Imported here, not at the top: pyarrow is an optional extra (``attune[research]``) and
    # this module is imported by ``attune.cli`` for every command; the engine stays importable
    # (and pure: no Django, no I/O library) without it.
    try:
        import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow ships no types
        import pyarrow.csv as pacsv  # type: ignore[import-untyped]  # as above
    except ImportError:
        return None
    if len(set(header)) != len(header):
        return None  # duplicate names: the csv module's DictReader keeps the last one
    table = pacsv.read_csv(
        file,
        # One thread: a file of 200,000 people parses in 15 ms of CPU either way, and on a
        # busy machine the thread pool's start and hand-offs cost more wall time than they save
        # (0.05 s single, 0.08–0.26 s threaded, load 11 on 2 cores).
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            include_columns=None if columns is None else [c for c in header if c in columns],
        ),
    )
    return table


# --------------------------------------------------------------------------- Arrow without pandas
#
# pyarrow imports pandas (about 0.15 s, a fifth of the whole ``attune outcomes`` run) the first
# time it turns a Python value into Arrow (``pa.array``, ``pa.scalar``, a Python number given to
# a compute function) or an Arrow array into numpy (``to_numpy``, ``np.asarray``): it checks
# whether the value is a pandas object. These helpers move data through the arrays' buffers
# instead, so a run never imports pandas (``tests/engine/test_research_cli_io.py`` checks it).


def _pyarrow() -> tuple[Any, Any]:
    """``pyarrow`` and ``pyarrow.compute``; callers have checked that pyarrow is installed."""
    # Lazy for the reason given in _read_csv_arrow: pyarrow is an optional extra.
    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]  # optional extra, as above

    return pa, pc


def _np_view(array: Any, dtype: type[np.generic]) -> np.ndarray:
    """A fixed-width Arrow array without nulls (or a chunked one) as a numpy array."""
    array = _one_chunk(array)
    kind = np.dtype(dtype)
    if array.null_count:
        raise ValueError("an Arrow array with nulls has no plain numpy view")
    if not len(array):
        return np.zeros(0, dtype=kind)
    return np.frombuffer(
        array.buffers()[1], dtype=kind, count=len(array), offset=array.offset * kind.itemsize
    )


def _arrow_ints(values: np.ndarray) -> Any:
    """A numpy integer vector as an Arrow ``int64`` array (no copy when already int64)."""
    pa, _ = _pyarrow()
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def _arrow_texts(texts: Sequence[str]) -> Any:
    """Python strings as an Arrow ``string`` array."""
    pa, _ = _pyarrow()
    encoded = [text.encode("utf-8") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return pa.Array.from_buffers(
        pa.string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )


def _arrow_text(text: str) -> Any:
    """One Arrow string scalar (``pa.scalar`` would import pandas)."""
    return _arrow_texts([text])[0]


def _json_float_texts(values: np.ndarray) -> Any:
    """Finite floats as ``json`` writes them (``float.__repr__``), as an Arrow string array.

    Scores take few distinct values: each distinct value (by its bits, so 0.0 and -0.0 stay
    apart; hashed by Arrow's dictionary encoding, not sorted) is formatted once. ``json``
    refuses NaN and infinities; so does this.
    """
    _, pc = _pyarrow()
    if not np.isfinite(values).all():
        raise ValueError("Out of range float values are not JSON compliant")
    encoded = pc.dictionary_encode(_arrow_ints(np.ascontiguousarray(values).view(np.int64)))
    distinct = _np_view(encoded.dictionary, np.int64).view(np.float64)
    texts = _arrow_texts(list(map(float.__repr__, distinct.tolist())))
    return pc.take(texts, encoded.indices)


def _read_csv_module(file: Path, path: str) -> _Table:
    header, rows = _csv_module(file, path)
    columns = {name: [row.get(name) or "" for row in rows] for name in header}
    return _Table(path, header, columns, len(rows))


def _read_parquet(file: Path, path: str, columns: Sequence[str] | None = None) -> _Table:
    # Lazy for the same reason as in _read_csv_arrow: pyarrow is optional.
    try:
        import pyarrow as pa  # optional extra: only a Parquet file needs it
        import pyarrow.compute as pc  # optional extra, as above
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # as above
    except ImportError:
        raise CliError(
            f"{path}: reading Parquet needs pyarrow; install it with "
            "pip install 'attune[research]' (or pip install pyarrow), or give a CSV file"
        ) from None
    try:
        # ParquetFile, not read_table: that one imports pyarrow.dataset, which imports pandas
        parquet = pq.ParquetFile(file)
        header = list(parquet.schema_arrow.names)
        wanted = None if columns is None else [c for c in header if c in columns]
        table = parquet.read(columns=wanted)
    except (OSError, pa.ArrowException) as exc:
        raise CliError(f"{path} is not a readable Parquet file ({exc})") from None
    if not header:
        raise CliError(f"{path} has no columns")
    text = []
    empty = _arrow_text("")
    for name in table.column_names:
        column = table.column(name)
        if not pa.types.is_string(column.type):
            try:
                column = pc.cast(column, pa.string())
            except pa.ArrowException:
                raise CliError(f"column '{name}' of {path} cannot be read as text") from None
        text.append(pc.fill_null(column, empty))
    source = pa.Table.from_arrays(text, names=table.column_names)
    return _Table(path, header, source, table.num_rows)


def _numbers(
    table: _Table, column: str, rows: Sequence[int] | np.ndarray, *, quiet: bool = False
) -> np.ndarray:
    """The scores of ``column`` at ``rows`` (0-based) as floats, NaN where missing.

    Vectorised through Arrow when the table was read by Arrow; on anything Arrow cannot cast
    (or a non-finite value) the values are read one by one by :func:`_number`, which names the
    first bad line exactly as before.
    """
    arrow = table.arrow(column)
    if arrow is not None:
        pa, pc = _pyarrow()
        every = isinstance(rows, range) and rows == range(len(arrow))
        picked = arrow if every else pc.take(arrow, _arrow_ints(np.asarray(rows)))
        stripped = pc.utf8_trim_whitespace(picked)
        # A missing value (_MISSING, any case) becomes "nan": one cast then reads every cell.
        is_missing = pc.is_in(pc.utf8_lower(stripped), value_set=_arrow_texts(sorted(_MISSING)))
        missing = pc.sum(is_missing)
        texts = pc.if_else(is_missing, _arrow_text("nan"), stripped)
        values: np.ndarray | None
        try:
            values = _np_view(pc.cast(texts, pa.float64()), np.float64).copy()
        except (pa.ArrowException, ValueError):
            values = None
        if values is not None:
            nan = np.isnan(values)
            # Only the missing cells may be NaN ("-nan" is not missing) and none infinite.
            if int(nan.sum()) == (missing.as_py() or 0) and not np.isinf(values).any():
                return values
    if quiet and arrow is not None:
        raise CliError("")  # the caller reads row by row to name the first bad line
    text = table.column(column)
    out = np.empty(len(rows), dtype=np.float64)
    for k, row in enumerate(rows):
        value = _number(text[row], row + 2, column)
        out[k] = math.nan if value is None else value
    return out


def _number(text: str | None, line: int, column: str) -> float | None:
    """A score, or ``None`` when missing (empty, NA, NaN); anything else is an error."""
    raw = (text or "").strip()
    if raw.lower() in _MISSING:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise CliError(f"line {line}: '{raw}' in column '{column}' is not a number") from None
    if not math.isfinite(value):
        raise CliError(f"line {line}: '{raw}' in column '{column}' is not a finite number")
    return value


def _ids(raw: Sequence[str]) -> list[int | str]:
    """Ids as integers when every one is an integer (1, 2, 3), else as text."""
    if raw and all(_INT_RE.fullmatch(r) for r in raw):
        return [int(r) for r in raw]
    return [str(r) for r in raw]


def _same_time(value: str, wanted: str) -> bool:
    """``--pre 1`` matches a time written 1 or 1.0; ``--pre pre`` matches ``pre``."""
    a, b = value.strip(), wanted.strip()
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _fmt(x: float | None, places: int = 2) -> str:
    if x is None or math.isnan(x):
        return "—"
    text = f"{x:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _fixed(x: float | None) -> str:
    return "—" if x is None or math.isnan(x) else f"{x:.2f}"


def _score(x: float) -> str:
    return str(int(x)) if x == int(x) else _fmt(x)


def _emit(payload: dict[str, object]) -> None:
    """Print ``payload`` as ``json.dumps(payload, indent=2, allow_nan=False)`` would.

    A ``"people"`` value given as :class:`_People` (columns, not one dict a person) is written
    in chunks from its columns: byte for byte what ``json.dumps`` gives for the list of
    dicts, without the pure-Python indenting encoder walking 200,000 dicts (it was 6 s of the
    10 s profile of ``attune outcomes`` on 200,000 people). With pyarrow the chunks are built
    column-wise in Arrow and written as bytes (:meth:`_People.json_bytes`).
    """
    people = payload.get("people")
    if not isinstance(people, _People):
        rows: dict[str, str] = {}  # lists of flat dicts (events): our encoder, same bytes
        for key, value in payload.items():
            encoded = _rows_json(value) if isinstance(value, list) and _is_rows(value) else None
            if encoded is not None:
                rows[key] = encoded
        text = json.dumps(
            {k: _ROWS_MARK + k if k in rows else v for k, v in payload.items()},
            indent=2,
            allow_nan=False,
        )
        for key, rows_text in rows.items():
            text = text.replace(json.dumps(_ROWS_MARK + key), rows_text, 1)
        sys.stdout.write(text + "\n")
        return
    head, tail = json.dumps({**payload, "people": _PEOPLE_MARK}, indent=2, allow_nan=False).split(
        json.dumps(_PEOPLE_MARK)
    )
    write = sys.stdout.write
    write(head)
    if not len(people):
        write("[]")
    elif _has_pyarrow():
        write("[\n")
        sys.stdout.flush()
        binary = getattr(sys.stdout, "buffer", None)
        for start in range(0, len(people), _CHUNK):
            chunk = people.json_bytes(start, start + _CHUNK)
            if start + _CHUNK >= len(people):
                chunk = chunk[:-2]  # no ",\n" after the last person
            if binary is not None:
                binary.write(chunk)
            else:  # a text-only stream (io.StringIO): the JSON is ASCII
                write(bytes(chunk).decode("ascii"))
        if binary is not None:
            binary.flush()
        write("\n  ]")
    else:
        write("[\n")
        for start in range(0, len(people), _CHUNK):
            if start:
                write(",\n")
            write(",\n".join(people.json_items(start, start + _CHUNK)))
        write("\n  ]")
    write(tail + "\n")


def _has_pyarrow() -> bool:
    """Whether pyarrow can be imported (the optional ``attune[research]`` extra)."""
    try:
        _pyarrow()
    except ImportError:
        return False
    return True


_PEOPLE_MARK = "\x00people\x00"
_ROWS_MARK = "\x00rows\x00"


def _is_rows(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(type(v) is dict for v in value)


def _json_float(value: float) -> str:
    """A float as ``json.dumps(..., allow_nan=False)`` writes it."""
    if value != value or value in (math.inf, -math.inf):
        raise ValueError("Out of range float values are not JSON compliant: " + repr(value))
    return float.__repr__(value)


#: How ``json`` writes each plain type (exact types: ``bool`` is not taken for ``int``).
_SCALAR_JSON: dict[type, Callable[[Any], str]] = {
    type(None): lambda _: "null",
    bool: lambda v: "true" if v else "false",
    int: int.__repr__,
    float: _json_float,
    str: json.encoder.encode_basestring_ascii,
}


def _rows_json(rows: list[dict[str, Any]]) -> str | None:
    """``json.dumps(rows, indent=2)`` as the value of a top-level key, or ``None``.

    For the sudden-gains ``events`` and ``byperson`` lists (thousands of flat dicts): the same
    bytes as the standard library's pure-Python indenting encoder (which took 0.2 s of 0.5 s),
    written with the keys' prefixes formatted once and the values by type. ``None`` (the
    caller then uses ``json.dumps``) for anything but string keys and plain values or lists of
    plain values.
    """
    pad, key_pad, item_pad = "    ", "      ", "        "
    scalar = _SCALAR_JSON
    prefixes: dict[str, str] = {}
    objects: list[str] = []
    for row in rows:
        fields: list[str] = []
        for key, value in row.items():
            prefix = prefixes.get(key)
            if prefix is None:
                if type(key) is not str:
                    return None
                prefix = prefixes[key] = f"{key_pad}{scalar[str](key)}: "
            kind = type(value)
            if kind is float and value - value == 0.0:  # finite (NaN and ±inf give NaN)
                fields.append(prefix + float.__repr__(value))
            elif kind is list:
                if not value:
                    fields.append(prefix + "[]")
                    continue
                items: list[str] = []
                for item in value:
                    encode = scalar.get(type(item))
                    if encode is None:
                        return None
                    items.append(item_pad + encode(item))
                fields.append(f"{prefix}[\n" + ",\n".join(items) + f"\n{key_pad}]")
            else:
                encode = scalar.get(kind)
                if encode is None:
                    return None
                fields.append(prefix + encode(value))
        objects.append(f"{pad}{{\n" + ",\n".join(fields) + f"\n{pad}}}" if fields else pad + "{}")
    return "[\n" + ",\n".join(objects) + "\n  ]"


_CHUNK = 20_000
_PERSON_JSON = (
    '    {{\n      "id": {},\n      "pre": {},\n      "post": {},\n      "change": {},\n'
    '      "rci": {},\n      "category": {}\n    }}'
)


def _json_floats(values: np.ndarray) -> list[str]:
    """Finite floats as ``json`` writes them (``float.__repr__``); it refuses NaN, so do we.

    Scores take few distinct values (whole points): those are formatted once each.
    """
    if not np.isfinite(values).all():
        raise ValueError("Out of range float values are not JSON compliant")
    distinct, inverse = np.unique(values, return_inverse=True)
    if len(distinct) * 4 > len(values):
        return list(map(float.__repr__, values.tolist()))
    texts = list(map(float.__repr__, distinct.tolist()))
    return [texts[i] for i in inverse.ravel().tolist()]


@dataclass(frozen=True)
class _People:
    """The per-person results as columns; :meth:`persons` for the table, JSON straight out.

    ``ids`` is a list (ints or texts) or an ``int64`` array; ``codes`` index ``labels``, the
    category names.
    """

    ids: list[int | str] | np.ndarray
    pre: np.ndarray
    post: np.ndarray
    rci: np.ndarray | None  # None: no RCI (``--rc``), ``null`` for everyone
    codes: np.ndarray
    labels: tuple[str, ...]

    @classmethod
    def from_names(
        cls,
        ids: list[int | str] | np.ndarray,
        pre: np.ndarray,
        post: np.ndarray,
        rci: np.ndarray | None,
        names: Sequence[str],
    ) -> _People:
        labels = tuple(dict.fromkeys(names))
        index = {name: k for k, name in enumerate(labels)}
        codes = np.fromiter(map(index.__getitem__, names), dtype=np.int64, count=len(names))
        return cls(ids, pre, post, rci, codes, labels)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def names(self) -> list[str]:
        labels = self.labels
        return [labels[c] for c in self.codes.tolist()]

    def id_list(self) -> list[int | str]:
        if isinstance(self.ids, np.ndarray):
            values: list[int | str] = self.ids.tolist()
            return values
        return self.ids

    def persons(self) -> list[_Person]:
        rcis: list[float | None] = (
            [None] * len(self.ids) if self.rci is None else [float(v) for v in self.rci]
        )
        return [
            _Person(pid, float(a), float(b), r, name)
            for pid, a, b, r, name in zip(
                self.id_list(), self.pre, self.post, rcis, self.names, strict=True
            )
        ]

    def json_items(self, start: int, stop: int) -> list[str]:
        """The JSON objects of people ``start:stop`` (without pyarrow; see :meth:`json_bytes`)."""
        ids = self.id_list()[start:stop]
        pre, post = self.pre[start:stop], self.post[start:stop]
        n = len(ids)
        if all(type(i) is int for i in ids):
            id_text = list(map(int.__repr__, ids))
        else:
            id_text = list(map(_json_str, map(str, ids)))
        rci = ["null"] * n if self.rci is None else _json_floats(self.rci[start:stop])
        labels = [_json_str(name) for name in self.labels]
        return list(
            map(
                _PERSON_JSON.format,
                id_text,
                _json_floats(pre),
                _json_floats(post),
                _json_floats(post - pre),
                rci,
                [labels[c] for c in self.codes[start:stop].tolist()],
            )
        )

    def json_bytes(self, start: int, stop: int) -> memoryview:
        """People ``start:stop`` as the JSON objects of :meth:`json_items`, each followed by
        ``",\n"``, built column-wise in Arrow (one string kernel over all of them, not one
        ``str.format`` a person): the bytes of ``",\n".join(json_items(...)) + ",\n"``."""
        pa, pc = _pyarrow()
        if isinstance(self.ids, np.ndarray):
            ids = pc.cast(_arrow_ints(self.ids[start:stop]), pa.string())
        elif all(type(i) is int for i in self.ids[start:stop]):
            ids = _arrow_texts(list(map(int.__repr__, self.ids[start:stop])))
        else:
            ids = _arrow_texts([_json_str(str(i)) for i in self.ids[start:stop]])
        pre, post = self.pre[start:stop], self.post[start:stop]
        rci = _arrow_text("null") if self.rci is None else _json_float_texts(self.rci[start:stop])
        labels = _arrow_texts([_json_str(name) for name in self.labels])
        category = pc.take(labels, _arrow_ints(self.codes[start:stop]))
        pieces = _PERSON_JSON.replace("{{", "{").replace("}}", "}").split("{}")
        fields = [ids, _json_float_texts(pre), _json_float_texts(post)]
        fields += [_json_float_texts(post - pre), rci, category]
        parts: list[Any] = []
        for piece, field in zip(pieces, fields, strict=False):
            parts += [_arrow_text(piece), field]
        parts += [_arrow_text(pieces[-1] + ",\n"), _arrow_text("")]  # the last: the separator
        joined = pc.binary_join_element_wise(*parts)
        _, offsets, data = joined.buffers()
        bounds = np.frombuffer(offsets, np.int32, count=len(joined) + 1, offset=4 * joined.offset)
        return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


def _json_str(text: str) -> str:
    """``json.dumps(text)``: the same C function it calls for a string (ensure_ascii)."""
    encoded: str = json.encoder.encode_basestring_ascii(text)
    return encoded


# --------------------------------------------------------------------------- attune outcomes


@dataclass(frozen=True)
class _Person:
    id: int | str
    pre: float
    post: float
    rci: float | None
    category: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "pre": self.pre,
            "post": self.post,
            "change": self.post - self.pre,
            "rci": self.rci,
            "category": self.category,
        }


def _people_table(people: Sequence[_Person]) -> list[str]:
    """The per-person table of ``attune outcomes``, framed by blank lines."""
    width = max(4, *(len(str(p.id)) for p in people))
    lines = ["", f"{'id':<{width}}  {'pre':>7}  {'post':>7}  {'change':>7}  {'RCI':>6}  category"]
    for p in people:
        lines.append(
            f"{p.id!s:<{width}}  {_score(p.pre):>7}  {_score(p.post):>7}  "
            f"{_score(p.post - p.pre):>7}  {_fixed(p.rci):>6}  {p.category}"
        )
    lines.append("")
    return lines


def _plot_target(ns: argparse.Namespace) -> Path | None:
    """``--plot FILE``: checked before the work (extension, folder, matplotlib installed)."""
    if ns.plot is None:
        return None
    target = Path(ns.plot)
    if target.suffix.lower() not in plots.FORMATS:
        raise CliError(f"--plot {ns.plot}: the file must end in .png or .svg")
    if not target.parent.is_dir():
        raise CliError(f"--plot {ns.plot}: the folder {target.parent} does not exist")
    try:
        plots.check_available()
    except plots.PlotUnavailable as exc:
        raise CliError(str(exc)) from None
    return target


def _time_roles(raw_times: Sequence[str], ns: argparse.Namespace) -> tuple[list[int], list[str]]:
    """Per distinct raw time text: 0 neither, 1 pre, 2 post; and the stripped times in order."""
    roles: list[int] = []
    times: dict[str, None] = {}
    for raw in raw_times:
        time = raw.strip()
        times.setdefault(time)
        roles.append(1 if _same_time(time, ns.pre) else 2 if _same_time(time, ns.post) else 0)
    return roles, list(times)


def _one_chunk(column: Any) -> Any:
    """One Arrow array (one dictionary when encoded, codes in order of first appearance)."""
    return column.combine_chunks() if hasattr(column, "combine_chunks") else column


def _long_scores_arrow(
    table: _Table, ns: argparse.Namespace
) -> tuple[Any, list[str], np.ndarray, np.ndarray] | None:
    """:func:`_long_scores` in Arrow and numpy; ``None`` (read row by row) on any bad row.

    Dictionary encoding gives each distinct text a code in order of first appearance, which is
    the order the row-by-row reader kept (ids, times). The ids stay an Arrow string array.
    """
    time_arrow, id_arrow = table.arrow(ns.time), table.arrow(ns.id)
    if time_arrow is None or id_arrow is None:
        return None
    pa, pc = _pyarrow()

    encoded = pc.dictionary_encode(_one_chunk(time_arrow))
    roles, times = _time_roles(encoded.dictionary.to_pylist(), ns)
    codes = _np_view(encoded.indices, np.int32)
    which = np.asarray(roles, dtype=np.int8)[codes] if len(codes) else np.zeros(0, np.int8)
    selected = np.flatnonzero(which)
    which_selected = which[selected]
    every = len(selected) == len(which)  # only pre and post rows: no row to leave out
    rows: range | np.ndarray = range(len(which)) if every else selected
    ids = _one_chunk(id_arrow) if every else pc.take(id_arrow, _arrow_ints(selected))
    order: Any
    if len(ids) and pc.all(pc.match_substring_regex(ids, _CANONICAL_INT_ARROW)).as_py():
        # Integer ids written the one way (no sign, zero or space before; so none empty):
        # the same text is the same number, so the numbers are paired in numpy (faster than
        # hashing text).
        numbers = _np_view(pc.cast(ids, pa.int64()), np.int64)
        distinct, first, inverse = np.unique(numbers, return_index=True, return_inverse=True)
        by_first = np.argsort(first, kind="stable")
        rank = np.empty(len(distinct), dtype=np.int64)
        rank[by_first] = np.arange(len(distinct))
        id_codes = rank[inverse.ravel()]
        order = distinct[by_first]  # an int64 array: the ids as numbers (see _ids_at)
    else:
        ids = pc.utf8_trim_whitespace(ids)
        if len(ids) and not _np_view(pc.utf8_length(ids), np.int32).all():
            return None  # an empty id: the row-by-row reader names its line
        id_encoded = pc.dictionary_encode(_one_chunk(ids))
        id_codes = _np_view(id_encoded.indices, np.int32).astype(np.int64)
        order = id_encoded.dictionary
    is_pre, is_post = which_selected == 1, which_selected == 2
    for mask in (is_pre, is_post):
        if len(id_codes) and np.bincount(id_codes[mask], minlength=len(order)).max(initial=0) > 1:
            return None  # an id twice at the same time: named row by row
    values = _numbers(table, ns.score, rows)
    pre = np.full(len(order), np.nan)
    post = np.full(len(order), np.nan)
    pre[id_codes[is_pre]] = values[is_pre]
    post[id_codes[is_post]] = values[is_post]
    return order, times, pre, post


def _ids_at(order: Any, keep: np.ndarray) -> list[int | str] | np.ndarray:
    """The ids at positions ``keep`` of ``order``, as :func:`_ids` gives them.

    ``order`` is a list of texts, an ``int64`` array (ids already read as numbers by
    :func:`_long_scores_arrow`) or an Arrow string array: then ids that are all integers come
    back as an ``int64`` array, converted in Arrow — the
    same values as ``int(text)``, checked by the same pattern first (Arrow's cast would also
    take ``0x10``); anything else (text ids, integers beyond int64) goes through :func:`_ids`.
    """
    if isinstance(order, list):
        return _ids([order[k] for k in keep.tolist()])
    if isinstance(order, np.ndarray):
        numbers: np.ndarray = order[keep]
        return numbers
    pa, pc = _pyarrow()
    texts = pc.take(order, _arrow_ints(keep))
    if len(texts) and pc.all(pc.match_substring_regex(texts, _INT_RE_ARROW)).as_py():
        try:
            return _np_view(pc.cast(texts, pa.int64()), np.int64)
        except pa.ArrowException:
            pass  # beyond int64: Python's int below
    return _ids(texts.to_pylist())


def _long_scores(
    table: _Table, ns: argparse.Namespace
) -> tuple[Any, list[str], np.ndarray, np.ndarray]:
    """Ids in order of first appearance, the times seen, and each id's pre and post score.

    The ids are a list of texts, or (read through Arrow) an int64 array or an Arrow string
    array, for :func:`_ids_at`.

    A missing score (or no row at that time) is NaN. Errors name the first bad line, in file
    order, as the row-by-row reader did: an empty id, a second row of an id at the same time,
    a score that is not a number.
    """
    fast = _long_scores_arrow(table, ns)
    if fast is not None:
        return fast
    time_col = table.column(ns.time)
    id_col = table.column(ns.id)
    which_of: dict[str, int] = {}  # raw time text -> 0 neither, 1 pre, 2 post
    times: dict[str, None] = {}
    for raw in dict.fromkeys(time_col):
        time = raw.strip()
        times.setdefault(time)
        which_of[raw] = 1 if _same_time(time, ns.pre) else 2 if _same_time(time, ns.post) else 0
    at: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
    order: dict[str, None] = {}
    selected: list[int] = []
    for row, (raw_time, raw_id) in enumerate(zip(time_col, id_col, strict=True)):
        which = which_of[raw_time]
        if not which:
            continue
        pid = raw_id.strip()
        problem = ""
        if not pid:
            problem = f"line {row + 2}: no id in column '{ns.id}'"
        elif pid in at[which]:
            problem = f"line {row + 2}: id {pid} has a second row at time {raw_time.strip()}"
        if problem:
            _numbers(table, ns.score, selected)  # an earlier bad score is reported first
            raise CliError(problem)
        at[which][pid] = row
        order.setdefault(pid)
        selected.append(row)
    by_row = np.full(table.length + 1, np.nan)  # the last slot: "no row at that time"
    by_row[selected] = _numbers(table, ns.score, selected)
    ids = list(order)
    pre = by_row[np.fromiter((at[1].get(p, -1) for p in ids), dtype=np.int64, count=len(ids))]
    post = by_row[np.fromiter((at[2].get(p, -1) for p in ids), dtype=np.int64, count=len(ids))]
    return ids, list(times), pre, post


def _outcomes(ns: argparse.Namespace) -> int:
    if ns.approach is None and ns.reliability is None and ns.rc is None:
        raise CliError("one of the arguments --reliability --rc is required")
    if ns.approach is None:
        for flag, value in _APPROACH_ONLY.items():
            if getattr(ns, value) is not None:
                raise CliError(f"{flag} needs --approach")
    if ns.pre == ns.post:
        raise CliError("--pre and --post name the same time")
    if (ns.functional_mean is None) != (ns.functional_sd is None):
        raise CliError("give --functional-mean and --functional-sd together")
    if ns.cutoff is not None and ns.functional_mean is not None:
        raise CliError("give either --cutoff or the functional norms, not both")
    if ns.functional_sd is not None and not ns.functional_sd > 0:
        raise CliError("--functional-sd must be positive")
    if ns.reliability is not None and not 0 <= ns.reliability < 1:
        raise CliError(f"--reliability must be at least 0 and below 1, got {ns.reliability:g}")
    if ns.rc is not None and not ns.rc > 0:
        raise CliError(f"--rc must be a positive number of points, got {ns.rc:g}")
    if ns.sd is not None and not ns.sd > 0:
        raise CliError(f"--sd must be positive, got {ns.sd:g}")
    cutoff_given: float | None = None
    criterion_a = ns.cutoff is not None and ns.cutoff.strip().lower() == "a"
    if ns.cutoff is not None and not criterion_a:
        try:
            cutoff_given = float(ns.cutoff)
        except ValueError:
            raise CliError(f"--cutoff must be a number or 'a', got '{ns.cutoff}'") from None
        if not math.isfinite(cutoff_given):
            raise CliError("--cutoff must be a finite number")

    plot = _plot_target(ns)
    table = _read(ns.file, (ns.id, ns.time, ns.score))
    table.need(ns.id, ns.time, ns.score)
    order, times, pre, post = _long_scores(table, ns)
    for flag, wanted in (("--pre", ns.pre), ("--post", ns.post)):
        if not any(_same_time(t, wanted) for t in times):
            shown = ", ".join(times[:12]) + (", …" if len(times) > 12 else "")
            raise CliError(
                f"{flag} {wanted}: no row of {table.path} has that time in column "
                f"'{ns.time}' (its times: {shown or 'none'})"
            )
    keep = np.flatnonzero(~np.isnan(pre) & ~np.isnan(post))
    if not len(keep):
        raise CliError(
            f"no complete cases: nobody in {table.path} has a '{ns.score}' score at both "
            f"time {ns.pre} and time {ns.post}"
        )
    complete = _ids_at(order, keep)
    pre, post = pre[keep], post[keep]
    if ns.approach is not None:
        return _approach(ns, table.path, complete, len(order), pre, post, cutoff_given, plot)
    pre_mean = float(pre.mean())

    sd: float | None = ns.sd
    sd_source = "given"
    if sd is None and len(pre) >= 2:
        sd, sd_source = float(pre.std(ddof=1)), "sample SD of the pre scores"
    needs_sd = ns.reliability is not None or criterion_a or ns.functional_mean is not None
    if needs_sd and sd is None:
        raise CliError("only one complete case: give --sd, the SD cannot be estimated from it")
    if needs_sd and sd is not None and not sd > 0:
        raise CliError("the pre scores all have the same value (SD 0): give --sd")

    higher = bool(ns.higher_is_better)
    cutoff: float | None = None
    criterion: str | None = None
    if cutoff_given is not None:
        cutoff, criterion = cutoff_given, "given"
    elif criterion_a:
        assert sd is not None
        cutoff, criterion = jt.cutoff_a(pre_mean, sd, higher_is_better=higher), "a"
    elif ns.functional_mean is not None:
        assert sd is not None
        cutoff = jt.cutoff_c(pre_mean, sd, ns.functional_mean, ns.functional_sd)
        criterion = "c"

    if ns.reliability is not None:
        assert sd is not None
        s_diff = jt.sdiff(sd, ns.reliability)
        points = jt.reliable_change_points(sd, ns.reliability)
        codes = jt.classify_change(pre, post, higher_is_better=higher, sdiff=s_diff, cutoff=cutoff)
        rci_array = np.asarray(jt.rci(pre, post, sd, ns.reliability), dtype=np.float64)
    else:
        s_diff, points = None, float(ns.rc)
        codes = jt.classify_change(
            pre, post, higher_is_better=higher, rc_points=points, cutoff=cutoff
        )

    tally = np.bincount(codes, minlength=len(jt.CATEGORIES)).tolist()
    counts = dict(zip(jt.CATEGORIES, tally, strict=True))
    people = _People(
        complete,
        pre,
        post,
        None if ns.reliability is None else rci_array,
        np.asarray(codes, dtype=np.int64),
        jt.CATEGORIES,
    )
    if plot is not None:
        plots.jacobson_truax_plot(
            plot,
            pre,
            post,
            people.names,
            band=points,
            cutoff=cutoff,
            title=f"Jacobson–Truax: '{ns.score}', time {ns.pre} → {ns.post} (n = {len(pre)})",
        )
    if ns.json:
        _emit(
            {
                "n": len(complete),
                "counts": counts,
                "rci_points": points,
                "cutoff": cutoff,
                "cutoff_criterion": criterion,
                "higher_is_better": higher,
                "reliability": ns.reliability,
                "sd": sd,
                "sdiff": s_diff,
                "pre_mean": pre_mean,
                "ids_in_file": len(order),
                "people": people,
            }
        )
        return 0

    out: list[str] = []
    direction = "higher is better" if higher else "lower is better"
    out.append(
        f"Jacobson–Truax outcomes of '{ns.score}' in {table.path}: time {ns.pre} → {ns.post}, "
        f"{direction}"
    )
    out.append(f"complete cases: {len(complete)} of {len(order)} ids")
    if ns.reliability is not None:
        assert sd is not None and s_diff is not None
        out.append(
            f"SD {_fixed(sd)} ({sd_source}), reliability {ns.reliability:g} → SE "
            f"{_fixed(jt.standard_error(sd, ns.reliability))}, Sdiff {_fixed(s_diff)}; reliable "
            f"change: |RCI| > 1.96, i.e. {_fixed(points)} points or more"
        )
    else:
        out.append(f"reliable change: a change of {_fmt(points)} points or more (--rc)")
    if cutoff is None:
        out.append("cut-off: none, so nobody is counted as recovered")
    else:
        how = {
            "given": "given",
            "a": f"criterion a: pre mean {_fixed(pre_mean)} {'+' if higher else '−'} 2 × SD",
            "c": (
                f"criterion c: pre mean {_fixed(pre_mean)} (SD {_fixed(sd)}) and functional mean "
                f"{_fmt(ns.functional_mean)} (SD {_fmt(ns.functional_sd)})"
            ),
        }[criterion or "given"]
        out.append(f"cut-off: {_fmt(cutoff) if criterion == 'given' else _fixed(cutoff)} ({how})")
    out.extend(_people_table(people.persons()))
    n = len(complete)
    for name in jt.CATEGORIES:
        out.append(f"{name:<13} {counts[name]:>4}  {100.0 * counts[name] / n:5.1f} %")
    print("\n".join(out))
    return 0


_APPROACH_ONLY: dict[str, str] = {
    "--rci-method": "rci_method",
    "--reliability-post": "reliability_post",
    "--significance-level": "significance_level",
    "--cutoff-type": "cutoff_type",
    "--pct-improvement": "pct_improvement",
    "--pct-deterioration": "pct_deterioration",
    "--mid-improvement": "mid_improvement",
    "--mid-deterioration": "mid_deterioration",
}

_APPROACH_TITLES: dict[str, str] = {
    "distribution": "Distribution-based approach (cs_distribution)",
    "percentage": "Percentage-change approach (cs_percentage)",
    "anchor": "Anchor-based approach, individual level (cs_anchor)",
    "statistical": "Statistical approach, population cut-off (cs_statistical)",
    "combined": "Combined approach, RCI and cut-off (cs_combined)",
}

_USES: dict[str, frozenset[str]] = {
    "distribution": frozenset(
        {"rci_method", "reliability_post", "reliability", "significance_level"}
    ),
    "percentage": frozenset({"pct_improvement", "pct_deterioration"}),
    "anchor": frozenset({"mid_improvement", "mid_deterioration"}),
    "statistical": frozenset({"cutoff_type", "cutoff", "functional_mean", "functional_sd"}),
    "combined": frozenset(
        {
            "rci_method",
            "reliability_post",
            "reliability",
            "significance_level",
            "cutoff_type",
            "cutoff",
            "functional_mean",
            "functional_sd",
        }
    ),
}

_FLAGS: dict[str, str] = {
    **{v: k for k, v in _APPROACH_ONLY.items()},
    "reliability": "--reliability",
    "cutoff": "--cutoff",
    "functional_mean": "--functional-mean",
    "functional_sd": "--functional-sd",
}


def _approach_cutoff(
    ns: argparse.Namespace, pre: np.ndarray, direction: int, cutoff_given: float | None
) -> cs.Cutoff:
    if cutoff_given is not None:
        if ns.cutoff_type is not None:
            raise CliError("give either a --cutoff value or --cutoff-type, not both")
        return cs.Cutoff("given", cutoff_given, None, None, None, None)
    kind = "a" if ns.cutoff is not None else (ns.cutoff_type or "a")  # --cutoff a
    if kind != "a" and ns.functional_mean is None:
        raise CliError(
            f"--cutoff-type {kind} needs --m-functional and --sd-functional (the functional "
            "population's mean and SD)"
        )
    if len(pre) < 2:
        raise CliError("only one complete case: the cut-off cannot be estimated, give --cutoff")
    try:
        return cs.cutoff_from_data(
            pre,
            kind,
            direction=direction,
            m_functional=ns.functional_mean,
            sd_functional=ns.functional_sd,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _approach(
    ns: argparse.Namespace,
    path: str,
    complete: list[int | str] | np.ndarray,
    ids_in_file: int,
    pre: np.ndarray,
    post: np.ndarray,
    cutoff_given: float | None,
    plot: Path | None = None,
) -> int:
    """``attune outcomes --approach …``: one of the clinicalsignificance R package's approaches.

    See :mod:`attune.engine.clinical_significance` for the formulas and their sources.
    """
    approach: str = ns.approach
    for name, flag in _FLAGS.items():
        if getattr(ns, name) is not None and name not in _USES[approach]:
            raise CliError(f"{flag} is not used by --approach {approach}")
    if ns.rc is not None:
        raise CliError("--rc is not used with --approach (give --reliability)")
    higher = bool(ns.higher_is_better)
    direction = 1 if higher else -1
    method: str | None = None
    result: cs.RciResult | None = None
    cutoff: cs.Cutoff | None = None
    if approach in ("distribution", "combined"):
        method = ns.rci_method or "jt"
        if ns.reliability is None:
            raise CliError(f"--approach {approach} needs --reliability")
        if ns.reliability_post is not None and method != "nk":
            raise CliError("--reliability-post is only used by --rci-method nk")
        if ns.reliability_post is not None and not 0 <= ns.reliability_post < 1:
            raise CliError("--reliability-post must be at least 0 and below 1")
        try:
            result = cs.rci_by_method(
                pre,
                post,
                method,
                ns.reliability,
                reliability_post=ns.reliability_post,
                significance_level=ns.significance_level,
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
    ha: cs.HaCombined | None = None
    if approach == "combined" and method == "ha":
        assert result is not None
        if cutoff_given is not None:
            raise CliError(
                "--rci-method ha computes its own true-score cut-off: give --cutoff-type"
            )
        kind = "a" if ns.cutoff is not None else (ns.cutoff_type or "a")
        try:
            ha = cs.ha_combined(
                result,
                pre,
                post,
                kind,
                direction=direction,
                m_functional=ns.functional_mean,
                sd_functional=ns.functional_sd,
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
        cutoff = ha.cutoff
    elif approach in ("statistical", "combined"):
        cutoff = _approach_cutoff(ns, pre, direction, cutoff_given)
    try:
        if approach == "distribution":
            assert result is not None
            categories = cs.distribution_categories(result, direction)
        elif ha is not None:
            categories = ha.categories
        elif approach == "combined":
            assert result is not None and cutoff is not None
            categories = cs.combined_categories(
                pre, post, result, cutoff.value, direction=direction
            )
        elif approach == "statistical":
            assert cutoff is not None
            categories = cs.statistical_categories(pre, post, cutoff.value, direction=direction)
        elif approach == "percentage":
            if ns.pct_improvement is None:
                raise CliError("--approach percentage needs --pct-improvement (0.5 = 50 %)")
            categories = cs.percentage_categories(
                pre, post, ns.pct_improvement, ns.pct_deterioration, direction=direction
            )
        else:
            if ns.mid_improvement is None:
                raise CliError("--approach anchor needs --mid-improvement (points)")
            categories = cs.anchor_categories(
                pre, post, ns.mid_improvement, ns.mid_deterioration, direction=direction
            )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    summary = cs.summarise(categories)
    people = _People.from_names(
        complete,
        pre,
        post,
        None if result is None else np.asarray(result.rci, dtype=np.float64),
        categories.names(),
    )
    if plot is not None:
        band = None
        if result is not None and result.method == "jt" and result.s_diff is not None:
            band = result.critical_value * result.s_diff
        plots.jacobson_truax_plot(
            plot,
            pre,
            post,
            people.names,
            band=band,
            cutoff=None if cutoff is None else cutoff.value,
            title=f"{_APPROACH_TITLES[approach]}: '{ns.score}' (n = {len(pre)})",
        )
    n = len(complete)
    if ns.json:
        _emit(
            {
                "n": n,
                "counts": {row.category: row.n for row in summary},
                "rci_points": None,
                "cutoff": None if cutoff is None else cutoff.value,
                "cutoff_criterion": None if cutoff is None else cutoff.type,
                "higher_is_better": higher,
                "reliability": ns.reliability,
                "sd": None if result is None else result.sd_pre,
                "sdiff": None if result is None else result.s_diff,
                "pre_mean": float(pre.mean()),
                "ids_in_file": ids_in_file,
                "people": people,
                "approach": approach,
                "rci_method": method,
                "summary": [row.as_dict() for row in summary],
                "rci": None if result is None else result.constants(),
                "cutoff_info": None if cutoff is None else cutoff.as_dict(),
                "pct_improvement": ns.pct_improvement,
                "pct_deterioration": (
                    None if approach != "percentage" else ns.pct_deterioration or ns.pct_improvement
                ),
                "group_level": (
                    None if ha is None else {"changed": ha.changed, "functional": ha.functional}
                ),
                "significance_level": ns.significance_level,
                "mid_improvement": ns.mid_improvement,
                "mid_deterioration": (
                    None if approach != "anchor" else ns.mid_deterioration or ns.mid_improvement
                ),
            }
        )
        return 0
    out = [
        f"{_APPROACH_TITLES[approach]} of '{ns.score}' in {path}: time {ns.pre} → {ns.post}, "
        f"{'higher' if higher else 'lower'} is better",
        f"complete cases: {n} of {ids_in_file} ids",
    ]
    if result is not None:
        out.append(
            f"RCI method {method!s} (reliability {result.reliability:g}"
            + (f", post {result.reliability_post:g}" if result.reliability_post is not None else "")
            + f"): reliable when |RCI| > {result.critical_value:g}; pre M {_fixed(result.m_pre)} "
            f"SD {_fixed(result.sd_pre)}, post M {_fixed(result.m_post)} "
            f"SD {_fixed(result.sd_post)}"
        )
    if cutoff is not None:
        out.append(f"cut-off {cutoff.type}: {_fixed(cutoff.value)}")
    if approach == "percentage":
        det = ns.pct_deterioration or ns.pct_improvement
        out.append(
            f"improved: a change of {100 * ns.pct_improvement:g} % or more toward health; "
            f"deteriorated: {100 * det:g} % or more the other way"
        )
    if approach == "anchor":
        det = ns.mid_deterioration if ns.mid_deterioration is not None else ns.mid_improvement
        out.append(
            f"improved: {_fmt(ns.mid_improvement)} points or more toward health; "
            f"deteriorated: {_fmt(det)} points or more the other way"
        )
    out.extend(_people_table(people.persons()))
    for row in summary:
        out.append(f"{row.category:<13} {row.n:>4}  {row.percent:6.2f} %")
    if ha is not None:
        out.append("")
        out.append(
            f"group level (Hageman & Arrindell): changed {ha.changed:.2f}, "
            f"functional {ha.functional:.2f}"
        )
    print("\n".join(out))
    return 0


# --------------------------------------------------------------------------- attune sudden-gains


def _wide_scores(table: _Table, id_column: str, columns: list[str]) -> tuple[list[str], np.ndarray]:
    """The ids (one row a person) and a people × sessions array of scores, NaN where missing.

    Column by column through Arrow; when anything is wrong (an empty or repeated id, a score
    that is not a number) the file is read row by row instead so the message names the first
    bad line and column, as before.
    """
    raw_ids = [raw.strip() for raw in table.column(id_column)]
    if all(raw_ids) and len(set(raw_ids)) == len(raw_ids):
        everyone = range(table.length)
        try:
            parts = [_numbers(table, c, everyone, quiet=True) for c in columns]
        except CliError:
            parts = []
        if parts:
            scores = np.column_stack(parts) if raw_ids else np.empty((0, len(columns)))
            return raw_ids, scores.astype(np.float64, copy=False)
    cells = [table.column(c) for c in columns]
    seen: set[str] = set()
    values: list[list[float]] = []
    for row, pid in enumerate(raw_ids):
        line = row + 2
        if not pid:
            raise CliError(f"line {line}: no id in column '{id_column}'")
        if pid in seen:
            raise CliError(f"line {line}: id {pid} appears twice (wide format: one row a person)")
        seen.add(pid)
        row_values = [_number(cell[row], line, c) for c, cell in zip(columns, cells, strict=True)]
        values.append([math.nan if v is None else v for v in row_values])
    return raw_ids, np.array(values, dtype=np.float64).reshape(len(values), len(columns))


def _sudden_gains(ns: argparse.Namespace) -> int:
    columns = [c.strip() for c in ns.columns.split(",") if c.strip()]
    if len(set(columns)) != len(columns):
        raise CliError("--columns names a column twice")
    if len(columns) < 2 * sg.MIN_VALUES:
        raise CliError(
            f"--columns needs at least {2 * sg.MIN_VALUES} sessions (two before and two after a "
            f"gain), got {len(columns)}"
        )
    try:
        config = sg.SuddenGainConfig(cutoff=ns.cutoff)
    except ValueError as exc:
        raise CliError(f"--cutoff: {exc}") from None
    table = _read(ns.file, (ns.id, *columns))
    plot = _plot_target(ns)
    table.need(ns.id, *columns)
    raw_ids, scores = _wide_scores(table, ns.id, columns)
    if not np.any(~np.isnan(scores)):
        raise CliError(f"no scores: the columns {', '.join(columns)} of {table.path} are empty")
    events = sg.identify_sudden_changes(scores, config, losses=ns.losses)
    summary = sg.summarise(events)
    ids = _ids(raw_ids)
    kind = "losses" if ns.losses else "gains"
    event_rows: list[dict[str, object]] = [
        {
            "id": ids[e.person],
            "session": e.session,
            "pre_column": columns[e.pre_column],
            "post_column": columns[e.post_column],
            "pre_score": e.pre_score,
            "post_score": e.post_score,
            "magnitude": e.magnitude,
            "pre_mean": e.pre_mean,
            "post_mean": e.post_mean,
            "pooled_sd": e.pooled_sd,
            "critical_value": e.critical_value,
            "n_pre": e.n_pre,
            "n_post": e.n_post,
        }
        for e in events
    ]
    intervals = sg.count_testable_intervals(scores)
    reports = sgr.report_gains(scores, events)
    for item, report in zip(event_rows, reports, strict=True):
        item.update(report.as_dict())
        item["id_sg"] = f"{item['id']}_sg_{report.event.session}"
    chosen = sgr.by_person(reports, ns.multiple_sg_select)
    bysg = sgr.describe_bysg(reports)
    byperson = sgr.describe_byperson(chosen, len(raw_ids), len(events))
    by_index = {id(r): i for i, r in enumerate(reports)}
    byperson_rows = [event_rows[by_index[id(chosen[p])]] for p in sorted(chosen)]
    if plot is not None:
        plots.sudden_gains_plot(
            plot,
            scores,
            events,
            title=f"Sudden {kind} in {Path(table.path).name}, aligned at the {kind[:-1]}",
        )
    if ns.json:
        _emit(
            {
                "kind": kind,
                "n": len(raw_ids),
                "sessions": len(columns),
                "cutoff": float(config.cutoff),
                "intervals_tested": intervals,
                "gains": summary.events,
                "people_with_gains": summary.people,
                "people_with_multiple_gains": summary.people_with_multiple,
                "mean_magnitude": summary.mean_magnitude,
                "events": event_rows,
                "reversals": bysg["sg_reversal_n"],
                "describe_bysg": bysg,
                "multiple_sg_select": ns.multiple_sg_select,
                "describe_byperson": byperson,
                "byperson": byperson_rows,
            }
        )
        return 0
    singular = kind[:-2] if ns.losses else kind[:-1]
    out = [
        f"Sudden {kind} (Tang & DeRubeis 1999; suddengains defaults) in {table.path}: "
        f"{len(raw_ids)} people, {len(columns)} sessions ({columns[0]} … {columns[-1]})",
        f"criteria: {'rise' if ns.losses else 'drop'} ≥ {_fmt(config.cutoff)} points and ≥ 25 % "
        f"of the pre-{singular} score; mean of 3 before vs 3 after differs by more than "
        "t(.975, df) × pooled SD",
        f"session N is the N-th column of --columns; intervals with enough data to test: "
        f"{intervals}",
        "",
        f"{summary.events} {kind} in {summary.people} people "
        f"({summary.people_with_multiple} with more than one); mean magnitude "
        f"{_fmt(summary.mean_magnitude)}",
    ]
    if events:
        out.append(
            f"reversals: {bysg['sg_reversal_n']} of {summary.events} "
            f"({_fmt(bysg['sg_reversal_pct'])} %); magnitude SD {_fmt(bysg['sg_magnitude_sd'])}"
        )
        out.append(
            f"by person ({ns.multiple_sg_select} {singular} of each): {byperson['sg_n']} people, "
            f"{byperson['sg_reversal_n']} reversed, mean magnitude "
            f"{_fmt(byperson['sg_magnitude_m'])} (SD {_fmt(byperson['sg_magnitude_sd'])})"
        )
        width = max(2, *(len(str(r["id"])) for r in event_rows))
        out.append("")
        out.append(
            f"{'id':<{width}}  {'session':<8}  {'before → after':<14}  {'size':>5}  t      "
            f"{'mean pre':>8}  {'mean post':>9}  reversed"
        )
        for e, r, rep in zip(events, event_rows, reports, strict=True):
            step = f"{e.session} → {e.session + 1}"
            jump = f"{_score(e.pre_score)} → {_score(e.post_score)}"
            out.append(
                f"{r['id']!s:<{width}}  {step:<8}  {jump:<14}  {_score(e.magnitude):>5}  "
                f"{e.critical_value:.3f}  {_fixed(e.pre_mean):>8}  {_fixed(e.post_mean):>9}  "
                f"{'yes' if rep.reversal else 'no'}"
            )
    print("\n".join(out))
    return 0


# --------------------------------------------------------------------------- parser and main


def _parser() -> _Parser:
    parser = _Parser(prog="attune", description="Outcome maths on CSV files (no database).")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    out = commands.add_parser(
        "outcomes",
        help="Jacobson–Truax reliable change and clinical significance (long-format CSV)",
        description=(
            "Jacobson & Truax (1991) reliable change and clinical significance on a long-format "
            "CSV (one row per person and time); complete cases only."
        ),
    )
    out.add_argument("file", metavar="FILE.csv")
    out.add_argument("--id", required=True, metavar="COL", help="column with the person's id")
    out.add_argument("--time", required=True, metavar="COL", help="column with the time point")
    out.add_argument("--score", required=True, metavar="COL", help="column with the score")
    out.add_argument("--pre", required=True, metavar="T", help="value of --time at pre")
    out.add_argument("--post", required=True, metavar="T", help="value of --time at post")
    rule = out.add_mutually_exclusive_group()
    rule.add_argument(
        "--reliability",
        type=float,
        metavar="R",
        help="reliability of the measure: a change is reliable when |RCI| > 1.96",
    )
    rule.add_argument(
        "--rc", type=float, metavar="POINTS", help="a change is reliable when |change| >= POINTS"
    )
    out.add_argument(
        "--sd",
        type=float,
        metavar="SD",
        help="SD for the RCI and cut-offs a/c (default: sample SD of the pre scores)",
    )
    out.add_argument(
        "--higher-is-better", action="store_true", help="higher scores are better (default: lower)"
    )
    out.add_argument(
        "--cutoff",
        metavar="C",
        help="clinical cut-off: a number, or 'a' for criterion a (pre mean ± 2 SD toward health)",
    )
    out.add_argument(
        "--functional-mean",
        type=float,
        metavar="M",
        help="functional-population mean (criterion c)",
    )
    out.add_argument(
        "--functional-sd", type=float, metavar="S", help="functional-population SD (criterion c)"
    )
    pkg = out.add_argument_group(
        "clinicalsignificance approaches",
        "the R package's approaches and names (cs_distribution, cs_percentage, cs_anchor, "
        "cs_statistical, cs_combined); without --approach: Jacobson-Truax as above",
    )
    pkg.add_argument("--approach", choices=cs.APPROACHES, help="the package's approach")
    pkg.add_argument(
        "--rci-method",
        choices=cs.RCI_METHODS,
        help="RCI method for distribution/combined (default jt)",
    )
    pkg.add_argument(
        "--reliability-post", type=float, metavar="R", help="post reliability (nk; default R)"
    )
    pkg.add_argument(
        "--significance-level",
        type=float,
        metavar="ALPHA",
        help="critical RCI value from the normal quantile (default: 1.96, 1.65 for ha)",
    )
    pkg.add_argument(
        "--cutoff-type", choices=cs.CUTOFF_TYPES, help="population cut-off a, b or c (default a)"
    )
    pkg.add_argument(
        "--m-functional", type=float, dest="functional_mean", metavar="M", help=argparse.SUPPRESS
    )
    pkg.add_argument(
        "--sd-functional", type=float, dest="functional_sd", metavar="S", help=argparse.SUPPRESS
    )
    pkg.add_argument(
        "--pct-improvement", type=float, metavar="F", help="percentage approach: 0.5 = 50 %%"
    )
    pkg.add_argument(
        "--pct-deterioration", type=float, metavar="F", help="default --pct-improvement"
    )
    pkg.add_argument(
        "--mid-improvement", type=float, metavar="POINTS", help="anchor approach: the MID"
    )
    pkg.add_argument(
        "--mid-deterioration", type=float, metavar="POINTS", help="default --mid-improvement"
    )
    out.add_argument("--json", action="store_true", help="print JSON instead of a table")
    out.add_argument(
        "--plot",
        metavar="FILE.png|svg",
        help="also draw the Jacobson–Truax plot (pre vs post, reliable-change band, cut-off)",
    )
    out.set_defaults(run=_outcomes)

    gains = commands.add_parser(
        "sudden-gains",
        help="Tang & DeRubeis sudden gains or losses (wide-format CSV)",
        description=(
            "Tang & DeRubeis (1999) sudden gains with the suddengains R package defaults on a "
            "wide-format CSV (one row per person, one column per session; lower is better)."
        ),
    )
    gains.add_argument("file", metavar="FILE.csv")
    gains.add_argument("--id", required=True, metavar="COL", help="column with the person's id")
    gains.add_argument(
        "--columns",
        required=True,
        metavar="C1,C2,...",
        help="the session columns in order, separated by commas",
    )
    gains.add_argument(
        "--cutoff",
        type=float,
        default=sg.DEFAULT_SUDDEN_GAINS.cutoff,
        metavar="POINTS",
        help="criterion 1: smallest jump in points (default 7, the BDI value)",
    )
    gains.add_argument("--losses", action="store_true", help="find sudden losses instead")
    gains.add_argument(
        "--multiple-sg-select",
        choices=sgr.MULTIPLE_SG_SELECT,
        default="first",
        help="by-person data: which gain of a person with several (default first)",
    )
    gains.add_argument("--json", action="store_true", help="print JSON instead of a table")
    gains.add_argument(
        "--plot",
        metavar="FILE.png|svg",
        help="also draw the course around each gain, aligned at the gain",
    )
    gains.set_defaults(run=_sudden_gains)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``attune outcomes …`` or ``attune sudden-gains …``; return the exit code.

    ``argv`` starts with the command name (``["outcomes", "data.csv", ...]``).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "attune"
    try:
        ns = _parser().parse_args(args)
        run: Callable[[argparse.Namespace], int] = ns.run
        return run(ns)
    except CliError as exc:
        print(f"attune {command}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:
        # The reader went away (``attune outcomes … --json | head``): stop quietly, as the
        # Python documentation advises (signal module, "Note on SIGPIPE"), not with a traceback
        # and a second one when the interpreter flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
