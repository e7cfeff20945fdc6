"""The language of the CLI's own words and of rule titles: ``--lang vi|en`` on every command,
else ``ECWATCH_LANG``, else Vietnamese.

Messages are written in English in the code and looked up here (``tr``); the Vietnamese texts are
in ``cli/vi.py``. What is data stays as it is in every language: rule ids, states and decisions
(``open``, ``confirmed``...), run statuses, URLs, and the detectors' messages (English today).
The language is kept in the click context of one invocation, never in a global.
"""

from __future__ import annotations

import os
from typing import Any

import click

from .errors import InputError
from .vi import VI

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_META_KEY = "ecwatch.lang"


def _from_environment() -> str:
    value = os.environ.get("ECWATCH_LANG", "").strip()
    if not value:
        return DEFAULT_LANGUAGE
    lang = value.lower().split("_")[0].split(".")[0]  # vi_VN.UTF-8 -> vi
    if lang not in LANGUAGES:
        raise InputError(f"ECWATCH_LANG: {value!r} is not a language ecwatch speaks; use vi or en")
    return lang


def language() -> str:
    ctx = click.get_current_context(silent=True)
    chosen = ctx.meta.get(_META_KEY) if ctx is not None else None
    return chosen or _from_environment()


def tr(text: str, **values: Any) -> str:
    """``text`` (English) in the current language, with ``values`` filled in."""
    translated = VI.get(text, text) if language() == "vi" else text
    return translated.format(**values) if values else translated


def title_of(title_vi: str | None, title_en: str | None) -> str:
    """A rule's title in the current language, the other one when it is missing."""
    first, second = (title_vi, title_en) if language() == "vi" else (title_en, title_vi)
    return first or second or ""


def _remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[_META_KEY] = value


def add_language_option(command: click.Command) -> None:
    """``--lang vi|en`` on ``command`` and, for a group, on every command under it."""
    if not any(param.name == "lang" for param in command.params):
        command.params.append(click.Option(
            ["--lang"], type=click.Choice(LANGUAGES), expose_value=False, is_eager=True, callback=_remember,
            help="Language of titles and messages (default: ECWATCH_LANG, else vi)."))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_language_option(sub)
