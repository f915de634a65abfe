"""Instrument definitions as versioned data: parse, validate answers, score.

A definition file (JSON) describes one version of one instrument: items, answer
options, scales with their scoring rule, severity bands, caseness cut-off,
reliable-change value, safety items, LOINC codes and the copyright line. This
module turns such a file into frozen, typed objects and offers three pure
functions over them:

* :func:`validate_answers` checks what a client sent. It never raises on bad
  input; it returns the cleaned answers it could keep plus a plain-English
  message per item that needs another look.
* :func:`score` sums each scale, finds its severity band and caseness, and
  lists the safety flags raised.
* :func:`safety_level` gives the highest safety level raised by the answers.

Sources (see ``/work/shared/reference/clinical-science.md``):

* PHQ-9 bands 0-4 / 5-9 / 10-14 / 15-19 / 20-27: Kroenke, Spitzer & Williams
  (2001), *J Gen Intern Med* 16:606-613 (clinical-science.md §1.2).
* GAD-7 bands 0-4 / 5-9 / 10-14 / 15-21: Spitzer, Kroenke, Williams & Löwe
  (2006), *Arch Intern Med* 166:1092-1097 (§1.2).
* Caseness (PHQ-9 >= 10, GAD-7 >= 8) and reliable change (6 and 4 points):
  NHS Talking Therapies (IAPT) manual, as restated in §1.2.
* PHQ-9 item 9 as a safety item (any answer >= 1 flagged, escalated at >= 2):
  Simon et al. (2013), *Psychiatr Serv* 64:1195-1202; Louzon et al. (2016),
  *Psychiatr Serv*; platform guidance in §8. Item 9 alone never rules risk out.
* LOINC codes and their known pitfalls: §9. Licensing of shipped text: §10.
* Session-feedback "low" rule (total <= 36 or any item < 9): SRS conventions,
  §3.5.

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, TypeAlias, cast

__all__ = [
    "Answer",
    "Band",
    "DefinitionError",
    "Direction",
    "EnableWhen",
    "Instrument",
    "Item",
    "ItemType",
    "Kind",
    "LowRule",
    "Option",
    "SafetyFlag",
    "SafetyLevel",
    "SafetyRule",
    "Scale",
    "ScaleScore",
    "Scores",
    "ScoringError",
    "ValidatedAnswers",
    "definition_checksum",
    "load_definition",
    "parse_definition",
    "safety_level",
    "score",
    "validate_answers",
]

ItemType: TypeAlias = Literal["choice", "integer", "text"]
Kind: TypeAlias = Literal["outcome", "session_feedback", "fit_check", "exit"]
Direction: TypeAlias = Literal["lower_is_better", "higher_is_better"]
SafetyLevel: TypeAlias = Literal["high", "urgent"]
Method: TypeAlias = Literal["sum"]
Answer: TypeAlias = str | int
"""A cleaned answer: an option code (choice), an int (integer) or a str (text)."""

ITEM_TYPES: Final[tuple[ItemType, ...]] = ("choice", "integer", "text")
KINDS: Final[tuple[Kind, ...]] = ("outcome", "session_feedback", "fit_check", "exit")
DIRECTIONS: Final[tuple[Direction, ...]] = ("lower_is_better", "higher_is_better")
METHODS: Final[tuple[Method, ...]] = ("sum",)

# Client-facing messages (plain English; shown next to the item).
MSG_CHOOSE: Final = "Please choose an answer."
MSG_WRITE: Final = "Please write an answer."
MSG_NOT_A_CHOICE: Final = "That answer isn't one of the choices — please choose again."
MSG_NUMBER: Final = "Please choose a number from {min} to {max}."
MSG_TOO_LONG: Final = "Please keep this to {max} characters or fewer (it is {n} now)."
MSG_NOT_TEXT: Final = "Please write your answer as text."

_CODE_RE: Final = re.compile(r"[a-z][a-z0-9_]*")
_VERSION_RE: Final = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")
_LOINC_RE: Final = re.compile(r"([0-9]{1,7})-([0-9])")
_INT_TEXT_RE: Final = re.compile(r"[+-]?[0-9]{1,9}")

_TOP_KEYS: Final = frozenset(
    {
        "code",
        "version",
        "name",
        "short_name",
        "kind",
        "loinc",
        "copyright",
        "instructions",
        "option_sets",
        "items",
        "scales",
    }
)
_OPTION_KEYS: Final = frozenset({"code", "label", "value"})
_ITEM_COMMON_KEYS: Final = frozenset(
    {"code", "loinc", "text", "type", "required", "enable_when", "safety"}
)
_ITEM_TYPE_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "choice": frozenset({"options"}),
    "integer": frozenset({"min", "max", "min_label", "max_label"}),
    "text": frozenset({"max_length"}),
}
_ENABLE_WHEN_KEYS: Final = frozenset({"item", "not_in"})
_SAFETY_KEYS: Final = frozenset({"high", "urgent"})
_SCALE_KEYS: Final = frozenset(
    {
        "code",
        "label",
        "loinc",
        "items",
        "method",
        "min",
        "max",
        "direction",
        "caseness",
        "reliable_change",
        "bands",
        "low",
        "sources",
    }
)
_BAND_KEYS: Final = frozenset({"min", "max", "label"})
_LOW_KEYS: Final = frozenset({"total_at_or_below", "any_item_below"})


class DefinitionError(ValueError):
    """A definition file is malformed; the message says where and why."""


class ScoringError(ValueError):
    """:func:`score` was given answers that do not validate."""


# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Option:
    """One answer option: a stable code (e.g. LOINC answer ``LA6568-5``), label, value."""

    code: str
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class EnableWhen:
    """The item is asked only when the answer to ``item`` is given and not in ``not_in``."""

    item: str
    not_in: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SafetyRule:
    """Answer value ``>= high`` raises "high"; ``>= urgent`` raises "urgent" (§8)."""

    high: int
    urgent: int

    def level(self, value: int) -> SafetyLevel | None:
        if value >= self.urgent:
            return "urgent"
        if value >= self.high:
            return "high"
        return None


@dataclass(frozen=True, slots=True)
class Item:
    """One question. Type-specific attributes are ``None`` for other types."""

    code: str
    text: str
    type: ItemType
    required: bool
    loinc: str | None = None
    option_set: str | None = None
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    min_label: str | None = None
    max_label: str | None = None
    max_length: int | None = None
    enable_when: EnableWhen | None = None
    safety: SafetyRule | None = None

    def option(self, code: str) -> Option | None:
        """The option with this code, or ``None``."""
        for opt in self.options:
            if opt.code == code:
                return opt
        return None

    @property
    def value_range(self) -> tuple[int, int] | None:
        """Lowest and highest numeric value an answer can have; ``None`` for text."""
        if self.type == "choice":
            values = [o.value for o in self.options]
            return (min(values), max(values))
        if self.type == "integer" and self.min is not None and self.max is not None:
            return (self.min, self.max)
        return None

    def value_of(self, answer: Answer) -> int | None:
        """Numeric value of a cleaned answer (option value or the integer itself)."""
        if self.type == "choice" and isinstance(answer, str):
            opt = self.option(answer)
            return None if opt is None else opt.value
        if self.type == "integer" and isinstance(answer, int) and not isinstance(answer, bool):
            return answer
        return None


@dataclass(frozen=True, slots=True)
class Band:
    """A severity band ``min..max`` (inclusive) with its label."""

    min: int
    max: int
    label: str

    def contains(self, value: int) -> bool:
        return self.min <= value <= self.max


@dataclass(frozen=True, slots=True)
class LowRule:
    """Session-feedback alert rule (SRS conventions, clinical-science.md §3.5).

    Low when the scale total is ``<= total_at_or_below`` or any item is
    ``< any_item_below``.
    """

    total_at_or_below: int
    any_item_below: int


@dataclass(frozen=True, slots=True)
class Scale:
    """A scored scale.

    ``caseness`` is the first score in the clinical range, counted from the
    healthy end: for ``lower_is_better`` a case is ``value >= caseness`` (IAPT
    "caseness"); for ``higher_is_better`` a case is ``value <= caseness``.
    """

    code: str
    label: str
    items: tuple[str, ...]
    method: Method
    min: int
    max: int
    direction: Direction
    caseness: int | None
    reliable_change: int | None
    bands: tuple[Band, ...]
    sources: tuple[str, ...]
    loinc: str | None = None
    low: LowRule | None = None

    def band_for(self, value: int) -> Band | None:
        for band in self.bands:
            if band.contains(value):
                return band
        return None

    def is_case(self, value: int) -> bool | None:
        if self.caseness is None:
            return None
        if self.direction == "lower_is_better":
            return value >= self.caseness
        return value <= self.caseness


@dataclass(frozen=True)
class Instrument:
    """One version of one instrument, parsed and checked."""

    code: str
    version: str
    name: str
    short_name: str
    kind: Kind
    loinc: str | None
    copyright: str
    instructions: str
    option_sets: Mapping[str, tuple[Option, ...]] = field(hash=False)
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    checksum: str = ""
    """:func:`definition_checksum` of the raw definition this was parsed from."""

    _by_code: Mapping[str, Item] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_sets", dict(self.option_sets))
        object.__setattr__(self, "_by_code", {i.code: i for i in self.items})

    def item(self, code: str) -> Item:
        """The item with this code; ``KeyError`` if there is none."""
        return self._by_code[code]

    def has_item(self, code: str) -> bool:
        return code in self._by_code

    def scale(self, code: str) -> Scale:
        """The scale with this code; ``KeyError`` if there is none."""
        for sc in self.scales:
            if sc.code == code:
                return sc
        raise KeyError(code)

    @property
    def safety_items(self) -> tuple[Item, ...]:
        """Items with a safety rule (e.g. PHQ-9 item 9, clinical-science.md §8)."""
        return tuple(i for i in self.items if i.safety is not None)

    def __str__(self) -> str:
        return f"{self.short_name} v{self.version}"


# ------------------------------------------------------------------ parsing helpers


def _loinc_check_digit(body: str) -> int:
    """LOINC's mod-10 check digit (the Luhn scheme) for the digits before the hyphen."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_keys(
    obj: Mapping[str, Any], allowed: Iterable[str], required: Iterable[str], where: str
) -> None:
    allowed_set = frozenset(allowed)
    for key in obj:
        if not isinstance(key, str):
            raise DefinitionError(f"{where}: keys must be strings, got {key!r}")
        if key not in allowed_set:
            raise DefinitionError(
                f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed_set))})"
            )
    for key in required:
        if key not in obj:
            raise DefinitionError(f"{where}: missing required key {key!r}")


def _mapping(v: object, where: str) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise DefinitionError(f"{where}: must be an object, got {type(v).__name__}")
    return cast(Mapping[str, Any], v)


def _list(v: object, where: str, *, nonempty: bool = True) -> Sequence[Any]:
    if not isinstance(v, list | tuple):
        raise DefinitionError(f"{where}: must be a list, got {type(v).__name__}")
    if nonempty and not v:
        raise DefinitionError(f"{where}: must not be empty")
    return cast(Sequence[Any], v)


def _str(v: object, where: str) -> str:
    if not isinstance(v, str) or not v.strip():
        raise DefinitionError(f"{where}: must be a non-empty string, got {v!r}")
    return v


def _opt_str(v: object, where: str) -> str | None:
    return None if v is None else _str(v, where)


def _int(v: object, where: str) -> int:
    if not _is_int(v):
        raise DefinitionError(f"{where}: must be an integer, got {v!r}")
    return cast(int, v)


def _opt_int(v: object, where: str) -> int | None:
    return None if v is None else _int(v, where)


def _bool(v: object, where: str) -> bool:
    if not isinstance(v, bool):
        raise DefinitionError(f"{where}: must be true or false, got {v!r}")
    return v


def _code(v: object, where: str) -> str:
    s = _str(v, where)
    if not _CODE_RE.fullmatch(s):
        raise DefinitionError(
            f"{where}: {s!r} is not a valid code (lowercase letters, digits and _, "
            "starting with a letter)"
        )
    return s


def _choice(v: object, allowed: Sequence[str], where: str) -> str:
    if not isinstance(v, str) or v not in allowed:
        raise DefinitionError(f"{where}: must be one of {', '.join(allowed)}; got {v!r}")
    return v


def _loinc(v: object, where: str) -> str | None:
    """A LOINC part code ``NNNNN-C`` whose check digit is right (guards typos, §9)."""
    if v is None:
        return None
    s = _str(v, where)
    m = _LOINC_RE.fullmatch(s)
    if m is None:
        raise DefinitionError(f"{where}: {s!r} is not a LOINC code of the form 12345-6")
    expected = _loinc_check_digit(m.group(1))
    if int(m.group(2)) != expected:
        raise DefinitionError(
            f"{where}: LOINC {s!r} has a wrong check digit (expected {m.group(1)}-{expected})"
        )
    return s


# ------------------------------------------------------------------ parsing


def _parse_option_sets(raw: object) -> dict[str, tuple[Option, ...]]:
    sets = _mapping(raw, "option_sets")
    if not sets:
        raise DefinitionError("option_sets: must not be empty")
    out: dict[str, tuple[Option, ...]] = {}
    for name, raw_opts in sets.items():
        where = f"option_sets[{name!r}]"
        _code(name, f"{where} name")
        opts: list[Option] = []
        seen: set[str] = set()
        for j, raw_opt in enumerate(_list(raw_opts, where)):
            w = f"{where}[{j}]"
            o = _mapping(raw_opt, w)
            _check_keys(o, _OPTION_KEYS, _OPTION_KEYS, w)
            code = _str(o["code"], f"{w}.code")
            if code != code.strip():
                raise DefinitionError(f"{w}.code: {code!r} has surrounding spaces")
            if code in seen:
                raise DefinitionError(f"{where}: duplicate option code {code!r}")
            seen.add(code)
            label = _str(o["label"], f"{w}.label")
            opts.append(Option(code, label, _int(o["value"], f"{w}.value")))
        out[name] = tuple(opts)
    return out


def _parse_item(
    raw: object,
    index: int,
    option_sets: Mapping[str, tuple[Option, ...]],
    earlier: Mapping[str, Item],
) -> Item:
    where = f"items[{index}]"
    o = _mapping(raw, where)
    if "code" in o and isinstance(o["code"], str):
        where = f"items[{index}] ({o['code']!r})"
    if "type" not in o:
        raise DefinitionError(f"{where}: missing required key 'type'")
    itype = cast(ItemType, _choice(o["type"], ITEM_TYPES, f"{where}.type"))
    type_keys = _ITEM_TYPE_KEYS[itype]
    for key in o:
        if (
            key not in _ITEM_COMMON_KEYS
            and key not in type_keys
            and any(key in keys for keys in _ITEM_TYPE_KEYS.values())
        ):
            raise DefinitionError(f"{where}: key {key!r} is not allowed on a {itype} item")
    required_keys = {"code", "text", "type", "required"}
    if itype == "choice":
        required_keys.add("options")
    elif itype == "integer":
        required_keys |= {"min", "max"}
    else:
        required_keys.add("max_length")
    _check_keys(o, _ITEM_COMMON_KEYS | type_keys, sorted(required_keys), where)

    code = _code(o["code"], f"{where}.code")
    if code in earlier:
        raise DefinitionError(f"{where}: duplicate item code {code!r}")
    text = _str(o["text"], f"{where}.text")
    required = _bool(o["required"], f"{where}.required")
    loinc = _loinc(o.get("loinc"), f"{where}.loinc")

    option_set: str | None = None
    options: tuple[Option, ...] = ()
    vmin: int | None = None
    vmax: int | None = None
    min_label: str | None = None
    max_label: str | None = None
    max_length: int | None = None
    if itype == "choice":
        option_set = _str(o["options"], f"{where}.options")
        if option_set not in option_sets:
            raise DefinitionError(
                f"{where}.options: unknown option set {option_set!r} "
                f"(defined: {', '.join(sorted(option_sets))})"
            )
        options = option_sets[option_set]
    elif itype == "integer":
        vmin = _int(o["min"], f"{where}.min")
        vmax = _int(o["max"], f"{where}.max")
        if vmin >= vmax:
            raise DefinitionError(f"{where}: min ({vmin}) must be below max ({vmax})")
        min_label = _opt_str(o.get("min_label"), f"{where}.min_label")
        max_label = _opt_str(o.get("max_label"), f"{where}.max_label")
    else:
        max_length = _int(o["max_length"], f"{where}.max_length")
        if max_length < 1:
            raise DefinitionError(f"{where}.max_length: must be at least 1, got {max_length}")

    enable_when: EnableWhen | None = None
    if o.get("enable_when") is not None:
        w = f"{where}.enable_when"
        ew = _mapping(o["enable_when"], w)
        _check_keys(ew, _ENABLE_WHEN_KEYS, _ENABLE_WHEN_KEYS, w)
        target = _str(ew["item"], f"{w}.item")
        if target == code:
            raise DefinitionError(f"{w}.item: an item cannot depend on itself")
        if target not in earlier:
            raise DefinitionError(
                f"{w}.item: {target!r} is not an earlier item (enable_when must refer to an "
                "item that comes before it)"
            )
        controller = earlier[target]
        if controller.type != "choice":
            raise DefinitionError(f"{w}.item: {target!r} must be a choice item")
        not_in: list[str] = []
        for j, v in enumerate(_list(ew["not_in"], f"{w}.not_in")):
            c = _str(v, f"{w}.not_in[{j}]")
            if controller.option(c) is None:
                raise DefinitionError(
                    f"{w}.not_in[{j}]: {c!r} is not an option of {target!r} "
                    f"(options: {', '.join(x.code for x in controller.options)})"
                )
            not_in.append(c)
        enable_when = EnableWhen(target, tuple(not_in))

    item = Item(
        code=code,
        text=text,
        type=itype,
        required=required,
        loinc=loinc,
        option_set=option_set,
        options=options,
        min=vmin,
        max=vmax,
        min_label=min_label,
        max_label=max_label,
        max_length=max_length,
        enable_when=enable_when,
    )

    if o.get("safety") is not None:
        w = f"{where}.safety"
        sr = _mapping(o["safety"], w)
        _check_keys(sr, _SAFETY_KEYS, _SAFETY_KEYS, w)
        rng = item.value_range
        if rng is None:
            raise DefinitionError(f"{w}: only choice and integer items can be safety items")
        high = _int(sr["high"], f"{w}.high")
        urgent = _int(sr["urgent"], f"{w}.urgent")
        if high > urgent:
            raise DefinitionError(f"{w}: high ({high}) must not be above urgent ({urgent})")
        for name, v in (("high", high), ("urgent", urgent)):
            if not rng[0] < v <= rng[1]:
                raise DefinitionError(
                    f"{w}.{name}: {v} must be above the lowest answer value ({rng[0]}) and "
                    f"at most the highest ({rng[1]})"
                )
        item = replace(item, safety=SafetyRule(high, urgent))
    return item


def _parse_bands(raw: object, smin: int, smax: int, where: str) -> tuple[Band, ...]:
    bands: list[Band] = []
    for j, rb in enumerate(_list(raw, where, nonempty=False)):
        w = f"{where}[{j}]"
        b = _mapping(rb, w)
        _check_keys(b, _BAND_KEYS, _BAND_KEYS, w)
        band = Band(_int(b["min"], f"{w}.min"), _int(b["max"], f"{w}.max"), _str(b["label"], w))
        if band.min > band.max:
            raise DefinitionError(f"{w}: min ({band.min}) is above max ({band.max})")
        if not bands:
            if band.min != smin:
                raise DefinitionError(
                    f"{where}: the first band starts at {band.min} but the scale starts at {smin}"
                )
        else:
            prev = bands[-1]
            if band.min <= prev.max:
                raise DefinitionError(
                    f"{where}: bands {prev.label!r} ({prev.min}-{prev.max}) and {band.label!r} "
                    f"({band.min}-{band.max}) overlap or are out of order"
                )
            if band.min > prev.max + 1:
                raise DefinitionError(
                    f"{where}: gap between bands {prev.label!r} (ends at {prev.max}) and "
                    f"{band.label!r} (starts at {band.min})"
                )
        bands.append(band)
    if bands and bands[-1].max != smax:
        raise DefinitionError(
            f"{where}: the last band ends at {bands[-1].max} but the scale ends at {smax}"
        )
    labels = [b.label for b in bands]
    if len(set(labels)) != len(labels):
        raise DefinitionError(f"{where}: band labels must be unique")
    return tuple(bands)


def _parse_scale(raw: object, index: int, items: Mapping[str, Item], seen: set[str]) -> Scale:
    where = f"scales[{index}]"
    o = _mapping(raw, where)
    if isinstance(o.get("code"), str):
        where = f"scales[{index}] ({o['code']!r})"
    required = _SCALE_KEYS - {"loinc", "low"}
    _check_keys(o, _SCALE_KEYS, sorted(required), where)
    code = _code(o["code"], f"{where}.code")
    if code in seen:
        raise DefinitionError(f"{where}: duplicate scale code {code!r}")
    label = _str(o["label"], f"{where}.label")
    loinc = _loinc(o.get("loinc"), f"{where}.loinc")
    method = cast(Method, _choice(o["method"], METHODS, f"{where}.method"))
    direction = cast(Direction, _choice(o["direction"], DIRECTIONS, f"{where}.direction"))

    scale_items: list[str] = []
    lo_sum = hi_sum = 0
    for j, rc in enumerate(_list(o["items"], f"{where}.items")):
        w = f"{where}.items[{j}]"
        c = _str(rc, w)
        if c not in items:
            raise DefinitionError(f"{w}: unknown item {c!r}")
        if c in scale_items:
            raise DefinitionError(f"{w}: item {c!r} is listed twice")
        item = items[c]
        rng = item.value_range
        if rng is None:
            raise DefinitionError(f"{w}: item {c!r} is a {item.type} item and cannot be scored")
        if not item.required or item.enable_when is not None:
            raise DefinitionError(
                f"{w}: item {c!r} must be required and unconditional to be summed"
            )
        scale_items.append(c)
        lo_sum += rng[0]
        hi_sum += rng[1]

    smin = _int(o["min"], f"{where}.min")
    smax = _int(o["max"], f"{where}.max")
    if (smin, smax) != (lo_sum, hi_sum):
        raise DefinitionError(
            f"{where}: declared range {smin}-{smax} does not match the sum of its items "
            f"({lo_sum}-{hi_sum})"
        )

    caseness = _opt_int(o["caseness"], f"{where}.caseness")
    if caseness is not None and not smin <= caseness <= smax:
        raise DefinitionError(f"{where}.caseness: {caseness} is outside {smin}-{smax}")
    rc_points = _opt_int(o["reliable_change"], f"{where}.reliable_change")
    if rc_points is not None and not 1 <= rc_points <= smax - smin:
        raise DefinitionError(
            f"{where}.reliable_change: {rc_points} must be between 1 and {smax - smin}"
        )
    bands = _parse_bands(o["bands"], smin, smax, f"{where}.bands")

    low: LowRule | None = None
    if o.get("low") is not None:
        w = f"{where}.low"
        lr = _mapping(o["low"], w)
        _check_keys(lr, _LOW_KEYS, _LOW_KEYS, w)
        low = LowRule(
            _int(lr["total_at_or_below"], f"{w}.total_at_or_below"),
            _int(lr["any_item_below"], f"{w}.any_item_below"),
        )
        if not smin <= low.total_at_or_below <= smax:
            raise DefinitionError(
                f"{w}.total_at_or_below: {low.total_at_or_below} is outside {smin}-{smax}"
            )

    sources = tuple(
        _str(s, f"{where}.sources[{j}]")
        for j, s in enumerate(_list(o["sources"], f"{where}.sources"))
    )
    return Scale(
        code=code,
        label=label,
        items=tuple(scale_items),
        method=method,
        min=smin,
        max=smax,
        direction=direction,
        caseness=caseness,
        reliable_change=rc_points,
        bands=bands,
        sources=sources,
        loinc=loinc,
        low=low,
    )


def parse_definition(raw: Mapping[str, Any]) -> Instrument:
    """Check a definition strictly and build its :class:`Instrument`.

    Raises :class:`DefinitionError` naming the offending place, e.g. unknown or
    missing keys, an unknown option set, duplicate item/option/scale codes, a
    scale referring to an unknown, optional, conditional or text item, a
    declared scale range that is not the sum of its items, bands with gaps or
    overlaps or not covering ``min..max``, a LOINC code with a wrong check
    digit, or the same LOINC code used twice (e.g. item 9's 44260-8 put on the
    total, clinical-science.md §9).
    """
    top = _mapping(raw, "definition")
    _check_keys(top, _TOP_KEYS, sorted(_TOP_KEYS), "definition")
    code = _code(top["code"], "code")
    version = _str(top["version"], "version")
    if not _VERSION_RE.fullmatch(version) or len(version) > 20:
        raise DefinitionError(f"version: {version!r} must be short (letters, digits, . _ -)")
    kind = cast(Kind, _choice(top["kind"], KINDS, "kind"))
    option_sets = _parse_option_sets(top["option_sets"])

    items: dict[str, Item] = {}
    for i, ri in enumerate(_list(top["items"], "items")):
        item = _parse_item(ri, i, option_sets, items)
        items[item.code] = item

    used = {i.option_set for i in items.values() if i.option_set is not None}
    unused = sorted(set(option_sets) - used)
    if unused:
        raise DefinitionError(f"option_sets: {', '.join(map(repr, unused))} not used by any item")

    scales: list[Scale] = []
    seen_scales: set[str] = set()
    for i, rs in enumerate(_list(top["scales"], "scales", nonempty=False)):
        sc = _parse_scale(rs, i, items, seen_scales)
        seen_scales.add(sc.code)
        scales.append(sc)

    loinc = _loinc(top["loinc"], "loinc")
    loinc_users: dict[str, str] = {}
    pairs: list[tuple[str, str | None]] = [("the panel", loinc)]
    pairs += [(f"item {i.code!r}", i.loinc) for i in items.values()]
    pairs += [(f"scale {s.code!r}", s.loinc) for s in scales]
    for who, lc in pairs:
        if lc is None:
            continue
        if lc in loinc_users:
            raise DefinitionError(f"LOINC {lc} is used by both {loinc_users[lc]} and {who}")
        loinc_users[lc] = who

    return Instrument(
        code=code,
        version=version,
        name=_str(top["name"], "name"),
        short_name=_str(top["short_name"], "short_name"),
        kind=kind,
        loinc=loinc,
        copyright=_str(top["copyright"], "copyright"),
        instructions=_str(top["instructions"], "instructions"),
        option_sets=option_sets,
        items=tuple(items.values()),
        scales=tuple(scales),
        checksum=definition_checksum(top),
    )


def definition_checksum(raw: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON form of a raw definition.

    Canonical form: ``json.dumps(raw, sort_keys=True, separators=(",", ":"))``
    (ASCII escapes, no NaN/Infinity). Key order and whitespace in the file do
    not change it; any change of content does.
    """
    try:
        text = json.dumps(raw, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DefinitionError(f"definition is not plain JSON data: {exc}") from exc
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _reject_constant(name: str) -> Any:
    raise DefinitionError(f"{name} is not allowed in a definition file")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DefinitionError(f"duplicate key {key!r} in a JSON object")
        out[key] = value
    return out


def load_definition(path: str | os.PathLike[str]) -> Instrument:
    """Read a UTF-8 JSON definition file and :func:`parse_definition` it.

    Duplicate keys in a JSON object and NaN/Infinity are rejected. Errors are
    raised as :class:`DefinitionError` prefixed with the file name.
    """
    name = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(
                fh, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
            )
        return parse_definition(raw)
    except DefinitionError as exc:
        raise DefinitionError(f"{name}: {exc}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DefinitionError(f"{name}: cannot read definition: {exc}") from exc


# ------------------------------------------------------------------ answers


@dataclass(frozen=True)
class ValidatedAnswers:
    """Result of :func:`validate_answers`.

    ``answers`` holds every answer that passed (option code, int or stripped
    str), in item order; items switched off by ``enable_when`` are dropped.
    ``errors`` maps item code to a client-facing message.
    """

    answers: Mapping[str, Answer] = field(hash=False)
    errors: Mapping[str, str] = field(hash=False)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _is_blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _enabled(item: Item, cleaned: Mapping[str, Answer]) -> bool | None:
    """True/False when known; ``None`` when the controlling item has no valid answer."""
    ew = item.enable_when
    if ew is None:
        return True
    ctl = cleaned.get(ew.item)
    if ctl is None:
        return None
    return ctl not in ew.not_in


def _clean_choice(item: Item, raw: object) -> tuple[Answer | None, str | None]:
    if isinstance(raw, str) and item.option(raw.strip()) is not None:
        return raw.strip(), None
    return None, MSG_NOT_A_CHOICE


def _clean_integer(item: Item, raw: object) -> tuple[Answer | None, str | None]:
    assert item.min is not None and item.max is not None
    message = MSG_NUMBER.format(min=item.min, max=item.max)
    value: int | None = None
    if _is_int(raw):
        value = cast(int, raw)
    elif isinstance(raw, str) and _INT_TEXT_RE.fullmatch(raw.strip()):
        value = int(raw.strip())
    if value is None or not item.min <= value <= item.max:
        return None, message
    return value, None


def _clean_text(item: Item, raw: object) -> tuple[Answer | None, str | None]:
    assert item.max_length is not None
    if not isinstance(raw, str):
        return None, MSG_NOT_TEXT
    text = raw.replace("\x00", "").strip()
    if len(text) > item.max_length:
        return None, MSG_TOO_LONG.format(max=item.max_length, n=len(text))
    return text, None


def validate_answers(instrument: Instrument, answers: Mapping[str, object]) -> ValidatedAnswers:
    """Check a client's answers against ``instrument``. Never raises on bad input.

    * choice: the option *code* (surrounding spaces ignored);
    * integer: an int, or a string of ASCII digits as HTML forms send it;
    * text: a string, stripped, NUL characters removed, at most ``max_length``.

    ``None`` and blank strings count as unanswered. Unknown item codes are
    ignored. An item whose ``enable_when`` controller has an answer in
    ``not_in`` is switched off and its answer dropped; if the controller has no
    valid answer yet, a valid answer is kept but not required. A bad answer is
    an error for that item only: valid answers to other items are kept.
    """
    cleaned: dict[str, Answer] = {}
    errors: dict[str, str] = {}
    for item in instrument.items:
        enabled = _enabled(item, cleaned)
        if enabled is False:
            continue
        try:
            raw: object = answers.get(item.code)
        except Exception:  # not a usable mapping: treat the answer as missing
            raw = None
        if _is_blank(raw):
            if item.required and enabled:
                errors[item.code] = MSG_WRITE if item.type == "text" else MSG_CHOOSE
            continue
        if item.type == "choice":
            value, error = _clean_choice(item, raw)
        elif item.type == "integer":
            value, error = _clean_integer(item, raw)
        else:
            value, error = _clean_text(item, raw)
        if error is not None:
            errors[item.code] = error
        elif value is not None and value != "":
            cleaned[item.code] = value
        elif item.required and enabled:
            errors[item.code] = MSG_WRITE
    return ValidatedAnswers(cleaned, errors)


# ------------------------------------------------------------------ scoring


@dataclass(frozen=True, slots=True)
class ScaleScore:
    """One scale's result. ``low`` is ``None`` unless the scale has a low rule."""

    code: str
    value: int
    band: str | None
    caseness: bool | None
    low: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "band": self.band, "caseness": self.caseness}
        if self.low is not None:
            out["low"] = self.low
        return out


@dataclass(frozen=True, slots=True)
class SafetyFlag:
    """A safety item whose answer reached its ``high`` or ``urgent`` threshold."""

    item: str
    value: int
    level: SafetyLevel

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "value": self.value, "level": self.level}


@dataclass(frozen=True)
class Scores:
    """Everything :func:`score` computes, in definition order."""

    scales: Mapping[str, ScaleScore] = field(hash=False)
    safety: tuple[SafetyFlag, ...]

    @property
    def safety_level(self) -> SafetyLevel | None:
        return _max_level(f.level for f in self.safety)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON data: ``{"scales": {code: {...}}, "safety": [{...}]}``."""
        return {
            "scales": {code: s.as_dict() for code, s in self.scales.items()},
            "safety": [f.as_dict() for f in self.safety],
        }


def _max_level(levels: Iterable[SafetyLevel | None]) -> SafetyLevel | None:
    result: SafetyLevel | None = None
    for level in levels:
        if level == "urgent":
            return "urgent"
        if level == "high":
            result = "high"
    return result


def _cleaned(
    instrument: Instrument, answers: ValidatedAnswers | Mapping[str, object]
) -> ValidatedAnswers:
    if isinstance(answers, ValidatedAnswers):
        return answers
    return validate_answers(instrument, answers)


def _safety_flags(instrument: Instrument, answers: Mapping[str, Answer]) -> list[SafetyFlag]:
    flags: list[SafetyFlag] = []
    for item in instrument.safety_items:
        assert item.safety is not None
        answer = answers.get(item.code)
        value = None if answer is None else item.value_of(answer)
        if value is None:
            continue
        level = item.safety.level(value)
        if level is not None:
            flags.append(SafetyFlag(item.code, value, level))
    return flags


def score(instrument: Instrument, answers: ValidatedAnswers | Mapping[str, object]) -> Scores:
    """Score a complete, valid set of answers.

    Each scale is the plain sum of its items' values (``method: "sum"``; no
    prorating). The band is the one containing the total; caseness follows
    :meth:`Scale.is_case` (PHQ-9 >= 10, GAD-7 >= 8, NHS Talking Therapies
    manual; bands from Kroenke et al. 2001 and Spitzer et al. 2006). Safety
    flags follow each safety item's thresholds (PHQ-9 item 9: >= 1 high,
    >= 2 urgent; Simon et al. 2013, Louzon et al. 2016, clinical-science.md
    §8). A scale with a ``low`` rule also reports ``low`` (SRS conventions,
    §3.5).

    ``answers`` may be a :class:`ValidatedAnswers` or a raw mapping (validated
    here). Raises :class:`ScoringError` if they do not validate.
    """
    checked = _cleaned(instrument, answers)
    if checked.errors:
        raise ScoringError(
            "cannot score answers with errors for: " + ", ".join(sorted(checked.errors))
        )
    values = checked.answers
    scale_scores: dict[str, ScaleScore] = {}
    for scale in instrument.scales:
        item_values: list[int] = []
        for code in scale.items:
            answer = values.get(code)
            v = None if answer is None else instrument.item(code).value_of(answer)
            if v is None:
                raise ScoringError(f"scale {scale.code!r}: item {code!r} has no valid answer")
            item_values.append(v)
        total = sum(item_values)
        band = scale.band_for(total)
        low: bool | None = None
        if scale.low is not None:
            low = total <= scale.low.total_at_or_below or any(
                v < scale.low.any_item_below for v in item_values
            )
        scale_scores[scale.code] = ScaleScore(
            code=scale.code,
            value=total,
            band=None if band is None else band.label,
            caseness=scale.is_case(total),
            low=low,
        )
    return Scores(scale_scores, tuple(_safety_flags(instrument, values)))


def safety_level(
    instrument: Instrument, answers: ValidatedAnswers | Mapping[str, object]
) -> SafetyLevel | None:
    """Highest safety level raised by the answers: ``"urgent"``, ``"high"`` or ``None``.

    Works on partial answers too: a raw mapping is validated first and every
    safety item with a valid answer counts, even if other items have errors, so
    a risk answer is never lost to an unrelated mistake (clinical-science.md §8:
    flag item 9 >= 1, escalate at >= 2; never use it to rule risk out).
    """
    checked = _cleaned(instrument, answers)
    return _max_level(f.level for f in _safety_flags(instrument, checked.answers))
