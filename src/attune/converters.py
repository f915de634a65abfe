"""URL converters. ``<id:…>`` is a record id: digits that fit a 63-bit integer column.

Django's ``int`` converter takes any number of digits, and SQLite refuses a number beyond 64 bits
with an OverflowError: a hand-typed or fuzzed URL was a 500 (issue 11). An id of more than 18
digits cannot exist, so such a URL simply does not match: 404.
"""

from __future__ import annotations


class RecordId:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(int(value))
