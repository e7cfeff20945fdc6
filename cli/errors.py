"""How the CLI reports mistakes: one line, naming the bad value and what is accepted.

Exit statuses: 2 for input a user can fix (an unknown rule, site, spider or setting, a bad value,
an unreachable database, an unwritable data directory), 1 for failures at run time (a crawl that
fetched nothing, a damaged evidence file), 0 otherwise.
"""

from __future__ import annotations

import difflib
import functools
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class InputError(click.ClickException):
    """Bad input: one line, exit status 2."""

    exit_code = 2


class OneLineErrorsGroup(click.Group):
    """The root group: a usage error anywhere below it (a bad option value, a missing argument) is
    printed as its one ``Error:`` line, without click's usage text (``-h`` shows that)."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _without_usage():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _without_usage():
            return super().invoke(ctx)


@contextmanager
def _without_usage() -> Iterator[None]:
    try:
        yield
    except click.UsageError as exc:
        exc.ctx = None  # what makes click print the usage lines; the message names the option itself
        raise


def closest(value: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice nearest to ``value`` (ignoring case), if one is near enough to suggest."""
    by_folded = {choice.casefold(): choice for choice in choices}
    found = difflib.get_close_matches(value.casefold(), list(by_folded), n=1, cutoff=cutoff)
    return by_folded[found[0]] if found else None


def did_you_mean(value: str, choices: Iterable[str], otherwise: str) -> str:
    """``"did you mean X?"`` for a near miss, else ``otherwise`` (where to find the accepted values)."""
    suggestion = closest(value, choices)
    return f"did you mean {suggestion}?" if suggestion else otherwise


def translate_errors(exit_code: int, *exceptions: type[BaseException]) -> Callable[[F], F]:
    """Turn the library's user-facing exceptions into one-line errors with ``exit_code``."""
    error = InputError if exit_code == 2 else click.ClickException

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except exceptions as exc:
                raise error(str(exc)) from None

        return wrapper  # type: ignore[return-value]

    return decorate


def user_errors(*exceptions: type[BaseException]) -> Callable[[F], F]:
    """Mistakes in what the user gave (exit status 2)."""
    return translate_errors(2, *exceptions)


def runtime_errors(*exceptions: type[BaseException]) -> Callable[[F], F]:
    """Failures while doing the work (exit status 1)."""
    return translate_errors(1, *exceptions)
