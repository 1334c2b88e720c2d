"""Settings of the newsletter_manifest plugin: `NEWSLETTER_MANIFEST = {...}` over DEFAULTS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sitebuild.settings_dict import merged

SETTING = "NEWSLETTER_MANIFEST"

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    # Publish the web version of every sent digest at <prefix>newsletter/<key>/.
    "publish_archive": True,
    # Ledger folder to read sent digests from; None = the newsletter's state dir
    # (core.state.state_dir: NEWSLETTER_STATE_DIR, else NEWSLETTER["state_dir"], else default).
    "state_dir": None,
})


class ManifestSettingsError(ValueError):
    """NEWSLETTER_MANIFEST holds an unknown key or a value of the wrong type."""


@dataclass(frozen=True)
class Config:
    publish_archive: bool = DEFAULTS["publish_archive"]
    state_dir: str | None = DEFAULTS["state_dir"]


def load(settings: Mapping[str, Any]) -> Config:
    raw = merged(settings, SETTING, DEFAULTS, ManifestSettingsError)
    if not isinstance(raw["publish_archive"], bool):
        raise ManifestSettingsError(
            f"{SETTING}['publish_archive'] must be True or False, got {raw['publish_archive']!r}")
    if raw["state_dir"] is not None and not isinstance(raw["state_dir"], str):
        raise ManifestSettingsError(
            f"{SETTING}['state_dir'] must be a folder path or None, got {raw['state_dir']!r}")
    return Config(publish_archive=raw["publish_archive"], state_dir=raw["state_dir"])
