"""core.state.state_dir: the one resolution of the newsletter's state folder, shared by the
newsletter, the plugins that read sent digests and the build's reuse fingerprints."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.state import DEFAULT_STATE_DIR, PROJECT_ROOT, state_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("settings", "environ", "expected"), [
    # The environment wins over the settings, the settings over the default.
    ({"NEWSLETTER": {"state_dir": "/srv/settings"}}, {"NEWSLETTER_STATE_DIR": "/srv/env"},
     Path("/srv/env")),
    ({"NEWSLETTER": {"state_dir": "/srv/settings"}}, {}, Path("/srv/settings")),
    ({}, {}, ROOT / "var/newsletter"),
    # Empty values count as unset, at each level.
    ({"NEWSLETTER": {"state_dir": "/srv/settings"}}, {"NEWSLETTER_STATE_DIR": ""},
     Path("/srv/settings")),
    ({"NEWSLETTER": {"state_dir": None}}, {}, ROOT / "var/newsletter"),
    ({"NEWSLETTER": None}, {}, ROOT / "var/newsletter"),
    # A relative folder from the settings is under the project, whatever the working folder;
    # a relative NEWSLETTER_STATE_DIR is the shell's, from the working folder.
    ({"NEWSLETTER": {"state_dir": "var/other"}}, {}, ROOT / "var/other"),
    ({}, {"NEWSLETTER_STATE_DIR": "state"}, Path("state")),
])
def test_order_of_precedence(settings, environ, expected):
    assert state_dir(settings, environ) == expected


def test_default_is_the_project_folder_and_the_settings_agree(monkeypatch, tmp_path):
    from newsletter.config import DEFAULTS, read_pelicanconf

    monkeypatch.chdir(tmp_path)  # not the project folder: the answer must not change
    assert PROJECT_ROOT == ROOT and DEFAULTS["state_dir"] == DEFAULT_STATE_DIR
    settings = read_pelicanconf(ROOT / "pelicanconf.py")
    assert state_dir(settings, {}) == ROOT / settings["NEWSLETTER"]["state_dir"]
    assert state_dir(settings, {}).is_absolute()


def test_every_reader_resolves_the_same_folder(tmp_path, monkeypatch):
    """The newsletter, the feeds plugin and the manifest plugin read one folder."""
    monkeypatch.delenv("NEWSLETTER_STATE_DIR", raising=False)
    from feeds.digests import state_dir as feeds_state_dir
    from newsletter.config import load_config, read_pelicanconf
    from newsletter_manifest.plugin import _state_dir as manifest_state_dir
    from newsletter_manifest.settings import load as manifest_settings

    settings = {**read_pelicanconf(ROOT / "pelicanconf.py"),
                "NEWSLETTER": {"state_dir": str(tmp_path / "from-settings")}}
    environ = {"NEWSLETTER_SECRET": "s" * 32}
    expected = tmp_path / "from-settings"
    assert load_config(settings, environ=environ).state_dir == expected
    assert feeds_state_dir(None, settings, environ) == expected
    assert manifest_state_dir(manifest_settings(settings), settings) == expected
