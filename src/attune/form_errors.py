"""A service's ``ValidationError`` shown on the form that asked for it.

Services check their own rules (a date in the past, a fee outside the range) and raise
``ValidationError``; the view that called them puts the message on its form, by field when the
error names a field the form has, otherwise at the top.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def add_service_errors(form: Any, error: ValidationError) -> None:
    """Put ``error`` on ``form``: per field when it names one of the form's fields."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)
