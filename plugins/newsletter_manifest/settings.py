"""Settings of the newsletter_manifest plugin: `NEWSLETTER_MANIFEST = {...}` over DEFAULTS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from core.settings import Group, Optional, Text

SETTING = "NEWSLETTER_MANIFEST"

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    # Publish the web version of every sent digest at <prefix>newsletter/<key>/.
    "publish_archive": True,
    # Ledger folder to read sent digests from; None = the newsletter's state dir
    # (core.state.state_dir: NEWSLETTER_STATE_DIR, else NEWSLETTER["state_dir"], else default).
    "state_dir": None,
})


SETTINGS = Group(DEFAULTS, state_dir=Optional(Text(nonempty=True, expected="a folder path")))


@dataclass(frozen=True)
class Config:
    publish_archive: bool = DEFAULTS["publish_archive"]
    state_dir: str | None = DEFAULTS["state_dir"]


def load(settings: Mapping[str, Any]) -> Config:
    return Config(**SETTINGS.load(settings, SETTING))
