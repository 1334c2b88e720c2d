"""The one way a plugin's settings dict is read: merged over its defaults, strictly.

Each plugin (and the newsletter) keeps one UPPER_SNAKE dict of settings; a typo in a key would
otherwise be ignored silently and publish the default, so unknown keys are refused by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merged(settings: Mapping[str, Any], name: str, defaults: Mapping[str, Any],
           error: type[Exception] = ValueError) -> dict[str, Any]:
    """`settings[name]` over `defaults`; raises `error` naming unknown keys or a non-dict."""
    given = settings.get(name) or {}
    if not isinstance(given, Mapping):
        raise error(f"{name} must be a dict, got {given!r}")
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise error(f"{name} has unknown key(s) {', '.join(map(repr, unknown))}; "
                    f"known keys: {', '.join(defaults)}")
    return {**defaults, **given}


def typed_like_defaults(values: dict[str, Any], name: str, defaults: Mapping[str, Any],
                        error: type[Exception] = ValueError) -> dict[str, Any]:
    """Check each value has its default's type (lists accepted for tuples, no bool for int)."""
    for key, value in values.items():
        expected = type(defaults[key])
        if expected is tuple and isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise error(f"{name}[{key!r}] must be {expected.__name__}, got {value!r}")
        values[key] = value
    return values
