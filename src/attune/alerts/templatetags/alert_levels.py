"""The one severity scale in templates: ``{{ alert.severity|severity_label }}``,
``class="chip {{ chip.severity|severity_css }}"``."""

from __future__ import annotations

from django import template

from attune.engine.levels import Level, level

register = template.Library()


def _level(severity: object) -> Level | None:
    try:
        return level(str(severity))
    except ValueError:
        return None


@register.filter
def severity_level(severity: object) -> Level | None:
    return _level(severity)


@register.filter
def severity_label(severity: object) -> str:
    found = _level(severity)
    return found.label if found else ""


@register.filter
def severity_css(severity: object) -> str:
    found = _level(severity)
    return found.css if found else ""
