"""Markdown → sanitised HTML for explainers and articles, with cross-references.

Two layers: markdown-it-py with raw HTML switched off (``<b>`` is shown as text, never parsed),
then nh3 with a small allow-list of tags, attributes and URL schemes. Whatever markdown-it
lets through, nh3 still drops scripts, event handlers, inline styles and ``javascript:`` links.

Cross-references between articles are written ``[[slug]]`` or ``[[slug|text]]``. The caller
passes the articles that may be linked (``{slug: (url, title)}``); an unknown slug is rendered as
plain text and logged as a warning (the slug only, no content).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

logger = logging.getLogger(__name__)

XREF = re.compile(r"\[\[([a-z0-9][a-z0-9-]*)(?:\|([^\]\n]+))?\]\]")
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "class"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

Links = Mapping[str, tuple[str, str]]


def _xref_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = XREF.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        slug, text = match.group(1), match.group(2)
        links: Links = state.env.get("xref_links", {})
        if slug in links:
            url, title = links[slug]
            token = state.push("link_open", "a", 1)
            token.attrs = {"href": url, "class": "xref"}
            state.push("text", "", 0).content = (text or title).strip()
            state.push("link_close", "a", -1)
        else:
            logger.warning("unknown article cross-reference: %s", slug)
            state.env.setdefault("xref_unknown", []).append(slug)
            state.push("text", "", 0).content = (text or slug.replace("-", " ")).strip()
    state.pos = match.end()
    return True


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough").disable("image")
    md.inline.ruler.before("link", "xref", _xref_rule)
    return md


_MD = _parser()


def _shift_headings(tokens: list[Token], top: int) -> None:
    """Make the largest heading ``top`` (h2 under the page's h1), keeping the outline."""
    levels = [int(t.tag[1]) for t in tokens if t.type in ("heading_open", "heading_close")]
    if not levels:
        return
    shift = top - min(levels)
    for t in tokens:
        if t.type in ("heading_open", "heading_close"):
            t.tag = f"h{max(2, min(6, int(t.tag[1]) + shift))}"


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def cross_references(text: str) -> list[str]:
    """The slugs ``text`` refers to, in order, without repeats."""
    return list(dict.fromkeys(m.group(1) for m in XREF.finditer(text)))


def render_markdown(text: str, *, links: Links | None = None, top_heading: int = 2) -> SafeString:
    """Markdown written by the practice (articles, explainers, "how I work") → HTML that is
    safe to show: no raw HTML, no images, only the allowed tags (nh3)."""
    env: dict[str, object] = {"xref_links": links or {}}
    tokens = _MD.parse(text or "", env)
    _shift_headings(tokens, top_heading)
    return mark_safe(sanitize(_MD.renderer.render(tokens, _MD.options, env)))  # noqa: S308


def unknown_references(text: str, known: set[str]) -> list[str]:
    return [slug for slug in cross_references(text) if slug not in known]
