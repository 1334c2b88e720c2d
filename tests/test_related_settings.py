"""Settings of the related-publications plugin (plugins/related_publications/settings.py)."""

from __future__ import annotations

import pytest

from core.settings import SettingsError
from related_publications.settings import DEFAULTS, Config, load


def test_defaults_when_nothing_is_set():
    config = load({"DEFAULT_LANG": "uk"})
    assert config == Config(primary_lang="uk")
    assert config.count == DEFAULTS["count"]
    assert dict(config.weights) == dict(DEFAULTS["weights"])


def test_given_values_merge_over_defaults():
    config = load({"RELATED_PUBLICATIONS": {"count": 6, "weights": {"text": 1.0},
                                            "include_newer": True, "primary_lang": "en"},
                   "DEFAULT_LANG": "uk"})
    assert config.count == 6 and config.include_newer and config.primary_lang == "en"
    assert config.weights["text"] == 1.0
    assert config.weights["tags"] == DEFAULTS["weights"]["tags"]


def test_the_projects_pelicanconf_block_is_valid():
    import pelicanconf

    settings = {name: getattr(pelicanconf, name) for name in dir(pelicanconf) if name.isupper()}
    assert "related_publications" in settings["PLUGINS"]
    config = load(settings)
    assert config.primary_lang == settings["DEFAULT_LANG"]


@pytest.mark.parametrize("given, fragment", [
    ({"cuont": 4}, "unknown key(s) 'cuont'"),
    ({"count": "4"}, "['count'] must be a whole number"),
    ({"count": 0}, "['count'] must be a whole number, 1 or more"),
    ({"count": True}, "['count']"),
    ({"threshold": 120}, "['threshold'] must be a number between 0 and 100, got 120"),
    ({"threshold": "high"}, "['threshold'] must be a number"),
    ({"weights": {"txt": 1}}, "['weights'] has unknown key(s) 'txt' (did you mean 'text'?)"),
    ({"weights": {"text": -1}}, "['weights']['text'] must be a number, 0 or more, got -1"),
    ({"weights": {"text": 0, "tags": 0, "category": 0, "date": 0}}, "at least one weight"),
    ({"weights": [1, 2]}, "['weights'] must be a dict"),
    ({"include_newer": "yes"}, "['include_newer'] must be True or False"),
    ({"max_tag_share": 2}, "['max_tag_share'] must be a number between 0 and 1"),
    ({"date_half_life_days": 0}, "['date_half_life_days'] must be a number above 0"),
    ({"stem_length": {"uk": -1}}, "['stem_length']['uk'] must be a whole number, 0 or more"),
    ({"extra_stop_words": {"en": "the"}},
     "['extra_stop_words']['en'] must be a list of words, got 'the'"),
    ({"primary_lang": 1}, "['primary_lang'] must be a language code"),
])
def test_wrong_settings_are_rejected_by_name(given, fragment):
    with pytest.raises(SettingsError) as error:
        load({"RELATED_PUBLICATIONS": given})
    assert fragment in str(error.value)
    assert "RELATED_PUBLICATIONS" in str(error.value)


def test_not_a_dict_is_rejected():
    with pytest.raises(SettingsError, match="must be a dict"):
        load({"RELATED_PUBLICATIONS": ["count", 4]})
