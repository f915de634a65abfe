"""Form fields that choose records by id, refusing ids no record can have.

Django's model choice fields pass the posted value to the database; on SQLite a number beyond
64 bits raises OverflowError there — a tampered form was a 500 (issue 11). These fields answer
such a value as what it is: not one of the choices.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from attune.converters import RecordId

_RECORD_ID = re.compile(RecordId.regex)  # the same ids the URLs accept


def _check(field: forms.ModelChoiceField[Any], value: Any) -> None:
    if value in field.empty_values:
        return
    if field.to_field_name is None and not _RECORD_ID.fullmatch(str(value)):
        raise ValidationError(
            field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class RecordChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # any model's records
    def to_python(self, value: Any) -> Any:
        _check(self, value)
        return super().to_python(value)


class RecordMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # as above
    def clean(self, value: Any) -> Any:
        for item in value or []:
            if item in self.empty_values:
                continue
            if not _RECORD_ID.fullmatch(str(item)):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super().clean(value)
