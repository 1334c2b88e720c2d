"""Settings groups, declared once and validated once, at load.

Each plugin, the newsletter and the driver keep one UPPER_SNAKE dict of settings per group
(`FEEDS = {...}` in pelicanconf.py). A group is declared as its DEFAULTS — the only place the
defaults are written down — plus, where a default's type does not say it all, a few
constraints by key:

    SETTINGS = Group(DEFAULTS, count=Whole(low=1), period=OneOf("weekly", "monthly"))
    values = SETTINGS.load(settings, "DIGEST")

`load` merges the user's dict over the defaults and checks every value. A wrong one raises
`SettingsError` naming the key path (`RELATED_PUBLICATIONS['weights']['text']`), the value
given, what is expected and the fix; an unknown key — a typo would silently publish the
default — is refused with a "did you mean". Lists come back as tuples, numbers declared as
`Number` as floats; everything else as given.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

FIX = "fix it in pelicanconf.py"
_LISTS = (list, tuple, set, frozenset)


class SettingsError(ValueError):
    """A setting that would publish wrong output; raised at start-up, naming it and the fix."""

    def __init__(self, message: str, *, path: str = "", given: Any = None, expected: str = "",
                 fix: str = FIX) -> None:
        super().__init__(message)
        self.path, self.given, self.expected, self.fix = path, given, expected, fix


def where(path: Iterable[Any]) -> str:
    """`("NEWSLETTER", "digest", "weekday")` -> `NEWSLETTER['digest']['weekday']`."""
    name, *keys = path
    return name + "".join(f"[{key!r}]" for key in keys)


def invalid(path: Iterable[Any], given: Any, expected: str, fix: str = FIX) -> SettingsError:
    """The one message for a wrong value: `PATH must be EXPECTED, got GIVEN — FIX`."""
    path = where(path)
    return SettingsError(f"{path} must be {expected}, got {given!r} — {fix}",
                         path=path, given=given, expected=expected, fix=fix)


def unknown_keys(path: Iterable[Any], unknown: Iterable[Any], known: Iterable[str],
                 what: str = "key") -> SettingsError:
    """`PATH has unknown key(s) 'x' (did you mean 'y'?); known keys: … — FIX`."""
    path, known = where(path), list(known)
    names = []
    for key in unknown:
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
        names.append(repr(key) + (f" (did you mean {close[0]!r}?)" if close else ""))
    return SettingsError(f"{path} has unknown {what}(s) {', '.join(names)}; known {what}s: "
                         f"{', '.join(known)} — {FIX}", path=path, given=list(unknown),
                         expected="one of " + ", ".join(known))


def languages_of(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The site's language codes (SITE_LANGUAGES), default language first as written."""
    return tuple(settings.get("SITE_LANGUAGES") or ("uk", "en"))


class Kind:
    """What one value must be; `check` returns the value (converted) or raises SettingsError."""

    expected = "a value"
    plural = ""  # what a list of them is called: "a list of {plural}"; "" = say it per item

    def check(self, value: Any, path: tuple, settings: Mapping[str, Any]) -> Any:
        if not self.accepts(value):
            raise invalid(path, value, self.expected)
        return value

    def accepts(self, value: Any) -> bool:
        return True


class Bool(Kind):
    expected = "True or False"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)


class Whole(Kind):
    """An int (never a bool), optionally with bounds; `unit` names what it counts."""

    def __init__(self, low: int | None = None, high: int | None = None, unit: str = "") -> None:
        self.low, self.high = low, high
        self.expected = "a whole number" + (f" of {unit}" if unit else "") + _bounds(low, high)
        self.plural = "whole numbers" + _bounds(low, high)

    def accepts(self, value: Any) -> bool:
        return (isinstance(value, int) and not isinstance(value, bool)
                and _within(value, self.low, self.high))


class Number(Kind):
    """An int or float (never a bool), returned as a float; `above` is an exclusive bound."""

    def __init__(self, low: float | None = None, high: float | None = None, *,
                 above: float | None = None, unit: str = "") -> None:
        self.low, self.high, self.above = low, high, above
        bounds = f" above {above:g}" if above is not None else _bounds(low, high)
        self.expected = "a number" + (f" of {unit}" if unit else "") + bounds

    def accepts(self, value: Any) -> bool:
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and _within(value, self.low, self.high)
                and (self.above is None or value > self.above))

    def check(self, value: Any, path: tuple, settings: Mapping[str, Any]) -> float:
        return float(super().check(value, path, settings))


class Text(Kind):
    """A str; optionally non-empty or matching a pattern (whose meaning `expected` states)."""

    def __init__(self, *, nonempty: bool = False, pattern: str | None = None,
                 expected: str | None = None) -> None:
        self.nonempty = nonempty
        self.pattern = re.compile(pattern) if pattern else None
        self.expected = expected or ("non-empty text" if nonempty else "text")
        self.plural = "" if expected else self.expected

    def accepts(self, value: Any) -> bool:
        return (isinstance(value, str) and (bool(value) or not self.nonempty)
                and (self.pattern is None or bool(self.pattern.fullmatch(value))))


class OneOf(Kind):
    """One of a few values; with `casefold`, text compared case-insensitively."""

    def __init__(self, *values: Any, casefold: bool = False, expected: str = "") -> None:
        self.values, self.casefold = values, casefold
        shown = [repr(v) for v in values]
        self.expected = expected or (" or ".join(shown) if len(shown) <= 2
                                     else "one of " + ", ".join(shown))

    def accepts(self, value: Any) -> bool:
        if self.casefold and isinstance(value, str):
            return value.casefold() in {v.casefold() for v in self.values}
        return any(value == v and type(value) is type(v) for v in self.values)


class Instance(Kind):
    """An instance of a type the defaults use (a date, a path)."""

    def __init__(self, kind: type, expected: str | None = None) -> None:
        self.kind = kind
        self.expected = expected or f"a {kind.__name__}"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.kind)


class Regex(Text):
    """A regular expression (text that compiles)."""

    def __init__(self) -> None:
        super().__init__(nonempty=True, expected="a regular expression")
        self.plural = "regular expressions"

    def accepts(self, value: Any) -> bool:
        if not super().accepts(value):
            return False
        try:
            re.compile(value)
        except re.error:
            return False
        return True


class RelativePath(Text):
    """A path inside the output or content folder: no leading '/', no '..', no backslash."""

    def __init__(self, *, containing: str = "", where_: str = "the site") -> None:
        super().__init__(nonempty=True)
        self.containing = containing
        self.expected = f"a relative path inside {where_}" + (
            f" containing {containing}" if containing else "")
        self.plural = ""

    def accepts(self, value: Any) -> bool:
        return (super().accepts(value) and not value.startswith("/") and "\\" not in value
                and ".." not in value.split("/") and self.containing in value)


class Template(Text):
    """Text with `{name}` placeholders, only the ones given."""

    def __init__(self, *placeholders: str, nonempty: bool = True) -> None:
        super().__init__(nonempty=nonempty)
        self.placeholders = placeholders
        allowed = ", ".join("{" + p + "}" for p in placeholders) or "no placeholders"
        self.expected = f"text using only {allowed}"
        self.plural = ""

    def accepts(self, value: Any) -> bool:
        if not super().accepts(value):
            return False
        try:
            value.format(**{p: "" for p in self.placeholders})
        except (KeyError, IndexError, ValueError):
            return False
        return True


class Optional(Kind):
    """None, or a value of `kind`."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.expected = f"{kind.expected} or None"

    def check(self, value: Any, path: tuple, settings: Mapping[str, Any]) -> Any:
        if value is None:
            return None
        try:
            return self.kind.check(value, path, settings)
        except SettingsError as error:
            if error.path != where(path):  # an item deeper down: its own message is precise
                raise
            raise invalid(path, value, self.expected, error.fix) from None


class Parsed(Kind):
    """A value of `kind` turned into another by `parse`, whose ValueError means "wrong"."""

    def __init__(self, kind: Kind, parse: Callable[[Any], Any], expected: str) -> None:
        self.kind, self.parse, self.expected = kind, parse, expected

    def check(self, value: Any, path: tuple, settings: Mapping[str, Any]) -> Any:
        if not self.kind.accepts(value):
            raise invalid(path, value, self.expected)
        try:
            return self.parse(value)
        except ValueError:
            raise invalid(path, value, self.expected) from None


class ListOf(Kind):
    """A list (or tuple) of items of `item`, returned as a tuple; a bare str is refused."""

    def __init__(self, item: Kind, *, expected: str | None = None) -> None:
        self.item = item
        self.expected = expected or f"a list of {item.plural or 'items, each ' + item.expected}"

    def check(self, value: Any, path: tuple, settings: Mapping[str, Any]) -> tuple:
        if not isinstance(value, _LISTS):
            raise invalid(path, value, self.expected)
        return tuple(self.item.check(item, (*path, index), settings)
                     for index, item in enumerate(value))


class Pair(Kind):
    """A list of exactly two values of the given kinds, e.g. [count, seconds]."""

    def __init__(self, first: Kind, second: Kind, expected: str) -> None:
        self.kinds, self.expected = (first, second), expected

    def check(self, value: Any, path: tuple, settings: Mapping[str, Any]) -> tuple:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise invalid(path, value, self.expected)
        return tuple(kind.check(item, (*path, index), settings)
                     for index, (kind, item) in enumerate(zip(self.kinds, value)))


class DictOf(Kind):
    """A dict of str keys to values of `value`; `key` says what the keys are."""

    def __init__(self, value: Kind, *, key: str = "name", every_language: bool = False) -> None:
        self.value, self.key, self.every_language = value, key, every_language
        self.expected = f"a dict of {key} -> {value.expected}"

    def check(self, value: Any, path: tuple, settings: Mapping[str, Any]) -> dict:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise invalid(path, value, self.expected)
        if self.every_language:
            missing = [lang for lang in languages_of(settings) if lang not in value]
            if missing:
                raise invalid(path, value, f"{self.expected}, with an entry for "
                                           f"{', '.join(missing)}")
        return {k: self.value.check(v, (*path, k), settings) for k, v in value.items()}


class PerLanguage(DictOf):
    """A dict of language code -> value, codes of SITE_LANGUAGES only (a typo such as "ua"
    would silently fall back); with `every_language`, one for each site language."""

    def __init__(self, value: Kind, *, every_language: bool = False) -> None:
        super().__init__(value, key="language code", every_language=every_language)

    def check(self, value: Any, path: tuple, settings: Mapping[str, Any]) -> dict:
        languages = languages_of(settings)
        if isinstance(value, Mapping):
            unknown = [key for key in value if key not in languages]
            if unknown:
                raise unknown_keys(path, unknown, languages, "site language")
        return super().check(value, path, settings)


class Group(Kind):
    """A dict of settings with fixed keys: DEFAULTS, and constraints where the type is not enough.

    Each key's kind is its constraint if declared, else inferred from its default (bool, int,
    float, str, a list of those, a nested dict of defaults). A None or empty-dict default says
    nothing about the type, so such keys must be declared (checked when the group is made).
    `open`: other keys are allowed (and passed on unchecked); `merge=False`: the user's dict
    replaces the defaults instead of being merged over them, and `required` keys must be in it.
    """

    def __init__(self, defaults: Mapping[str, Any], *, open: bool = False, merge: bool = True,
                 required: tuple[str, ...] = (), **constraints: Kind) -> None:
        undeclared = sorted(set(constraints) - set(defaults))
        if undeclared:
            raise TypeError(f"constraints for keys without a default: {undeclared}")
        self.defaults, self.open, self.merge, self.required = defaults, open, merge, required
        self.kinds = {key: constraints.get(key) or _inferred(key, default)
                      for key, default in defaults.items()}
        self.expected = "a dict of settings"

    def load(self, settings: Mapping[str, Any], name: str) -> dict[str, Any]:
        """`settings[name]` (absent or None: {}) merged over the defaults, checked."""
        given = settings.get(name)
        return self.check({} if given is None else given, (name,), settings)

    def check(self, value: Any, path: tuple, settings: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise invalid(path, value, f"a dict with the keys {', '.join(self.kinds)}")
        if not self.open:
            unknown = [key for key in value if key not in self.kinds]
            if unknown:
                raise unknown_keys(path, unknown, self.kinds)
        missing = [key for key in self.required if key not in value]
        if missing:
            raise invalid((*path, missing[0]), None, self.kinds[missing[0]].expected,
                          "add it in pelicanconf.py")
        values = {**self.defaults, **value} if self.merge else dict(value)
        return {key: self.kinds[key].check(item, (*path, key), settings)
                if key in self.kinds else item for key, item in values.items()}



def _inferred(key: str, default: Any) -> Kind:
    if isinstance(default, bool):
        return Bool()
    if isinstance(default, int):
        return Whole()
    if isinstance(default, float):
        return Number()
    if isinstance(default, str):
        return Text()
    if isinstance(default, Mapping) and default:
        return Group(default)
    if isinstance(default, _LISTS) and default:
        first = next(iter(default))
        return ListOf(_inferred(key, first))
    if isinstance(default, date):
        return Instance(type(default))
    raise TypeError(f"the default of {key!r} ({default!r}) does not say what the setting holds; "
                    "declare its kind")


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" between {low:g} and {high:g}"
    if low is not None:
        return f", {low:g} or more"
    if high is not None:
        return f", {high:g} or less"
    return ""


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)
