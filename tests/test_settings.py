"""Settings groups (core/settings.py): one declaration per group, one message for every mistake.

Every group is listed in GROUPS with its public loader; for each, a wrong type, an unknown key
and an out-of-range value must give the precise message (key path, value given, what is
expected, the fix), the defaults must validate clean, and so must the real pelicanconf.py and
publishconf.py as the build reads them.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from core import settings as core
from core.settings import SettingsError
from feeds import settings as feeds
from medical import settings as medical
from newsletter import config as newsletter
from newsletter.digest import settings as digest
from newsletter_manifest import settings as manifest
from related_publications import settings as related
from seo import settings as seo
from sitebuild import redirects, serverconf
from sitebuild.checks import limits
from sitebuild.cms import config as cms
from sitebuild.config import BuildOptions, read_base
from theme_context import settings as theme_context
from tests.conftest import ROOT

FIX = "fix it in pelicanconf.py"
ENV = {"NEWSLETTER_SECRET": "s" * 32}  # no secret file is written into the state folder

# name, declaration, the module's loader (settings -> its config)
GROUPS = [
    ("FEEDS", feeds.SETTINGS, feeds.load),
    ("MEDICAL", medical.SETTINGS, medical.load),
    ("NEWSLETTER_MANIFEST", manifest.SETTINGS, manifest.load),
    ("RELATED_PUBLICATIONS", related.SETTINGS, related.load),
    ("SEO", seo.SETTINGS, seo.load),
    ("THEME_CONTEXT", theme_context.SETTINGS, theme_context.load),
    ("NEWSLETTER", newsletter.SETTINGS, lambda s: newsletter.load_config(s, environ=ENV)),
    ("DIGEST", digest.SETTINGS, digest.load),
    ("CONTENT_LIMITS", limits.SETTINGS, limits.load),
    ("CMS", cms.SETTINGS, cms.load),
    ("SERVER", serverconf.SETTINGS, serverconf.load),
    ("REDIRECTS", redirects.SETTINGS, redirects.load),
]
NAMES = [name for name, _, _ in GROUPS]
LOADERS = {name: loader for name, _, loader in GROUPS}


@pytest.fixture(scope="module")
def site_settings() -> dict:
    """pelicanconf.py as the build reads it (Pelican's defaults included)."""
    return read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py",
                                  overrides=(("SITE_BUILD_DATE", date(2026, 12, 1)),)))


def _with(site_settings: dict, name: str, value) -> dict:
    return {**site_settings, name: value}


# (group, its value, the whole message)
WRONG_TYPES = [
    ("FEEDS", {"max_entries": "20"},
     f"FEEDS['max_entries'] must be a whole number, 1 or more, got '20' — {FIX}"),
    ("MEDICAL", {"strict_review_in_publish": "yes"},
     f"MEDICAL['strict_review_in_publish'] must be True or False, got 'yes' — {FIX}"),
    ("NEWSLETTER_MANIFEST", {"state_dir": 3},
     f"NEWSLETTER_MANIFEST['state_dir'] must be a folder path or None, got 3 — {FIX}"),
    ("RELATED_PUBLICATIONS", {"weights": {"text": "high"}},
     f"RELATED_PUBLICATIONS['weights']['text'] must be a number, 0 or more, got 'high' — {FIX}"),
    ("SEO", {"disallow": "drafts/"},
     f"SEO['disallow'] must be a list of items, each a relative path inside the site, got "
     f"'drafts/' — {FIX}"),
    ("THEME_CONTEXT", {"scripts": ["js/a.js", 3]},
     f"THEME_CONTEXT['scripts'][1] must be a relative path inside the theme's static folder, "
     f"got 3 — {FIX}"),
    ("NEWSLETTER", {"rate_limit_ip": 20},
     f"NEWSLETTER['rate_limit_ip'] must be [count, seconds]: how many at once, refilled over "
     f"that many seconds, got 20 — {FIX}"),
    ("DIGEST", {"mailchimp_interest_blocks": 1},
     f"DIGEST['mailchimp_interest_blocks'] must be True or False, got 1 — {FIX}"),
    ("CONTENT_LIMITS", {"tags_per_article": 12.0},
     f"CONTENT_LIMITS['tags_per_article'] must be a whole number, 1 or more, got 12.0 — {FIX}"),
    ("CMS", {"backend": "github"},
     f"CMS['backend'] must be a dict with the keys name, repo, branch, got 'github' — {FIX}"),
    ("SERVER", {"immutable_paths": ["(unclosed"]},
     f"SERVER['immutable_paths'][0] must be a regular expression, got '(unclosed' — {FIX}"),
    ("REDIRECTS", {"file": None},
     f"REDIRECTS['file'] must be a relative path inside the content folder, got None — {FIX}"),
]

UNKNOWN_KEYS = [
    ("FEEDS", {"max_entry": 5}, "'max_entry' (did you mean 'max_entries'?)"),
    ("MEDICAL", {"review_months": 6}, "'review_months' (did you mean 'review_interval_months'?)"),
    ("NEWSLETTER_MANIFEST", {"archive": False}, "'archive' (did you mean 'publish_archive'?)"),
    ("RELATED_PUBLICATIONS", {"treshold": 30}, "'treshold' (did you mean 'threshold'?)"),
    ("SEO", {"sitemap": "x.xml"}, "'sitemap' (did you mean 'sitemap_save_as'?)"),
    ("THEME_CONTEXT", {"stylesheets": "a.css"}, "'stylesheets' (did you mean 'stylesheet'?)"),
    ("NEWSLETTER", {"topic": []}, "'topic' (did you mean 'topics'?)"),
    ("DIGEST", {"subjects": {}}, "'subjects' (did you mean 'subject'?)"),
    ("CONTENT_LIMITS", {"tags": 3}, "'tags'"),
    ("CMS", {"publishmode": "simple"}, "'publishmode' (did you mean 'publish_mode'?)"),
    ("SERVER", {"rot": "/srv"}, "'rot' (did you mean 'root'?)"),
    ("REDIRECTS", {"limit": 5}, "'limit' (did you mean 'rule_limit'?)"),
]

OUT_OF_RANGE = [
    ("FEEDS", {"category_rss": "feeds/rss.xml"},
     f"FEEDS['category_rss'] must be a relative path inside the site containing {{slug}} or "
     f"None, got 'feeds/rss.xml' — {FIX}"),
    ("MEDICAL", {"review_interval_months": 0},
     f"MEDICAL['review_interval_months'] must be a whole number of months, 1 or more, got 0 — "
     f"{FIX}"),
    ("NEWSLETTER_MANIFEST", {"state_dir": ""},
     f"NEWSLETTER_MANIFEST['state_dir'] must be a folder path or None, got '' — {FIX}"),
    ("RELATED_PUBLICATIONS", {"threshold": 101},
     f"RELATED_PUBLICATIONS['threshold'] must be a number between 0 and 100, got 101 — {FIX}"),
    ("SEO", {"robots_save_as": "../robots.txt"},
     f"SEO['robots_save_as'] must be a relative path inside the site, got '../robots.txt' — "
     f"{FIX}"),
    ("THEME_CONTEXT", {"outcomes": ["confirmed", "welcome"]},
     "THEME_CONTEXT['outcomes'][1] must be one of " + ", ".join(map(repr, theme_context.OUTCOMES))
     + f", got 'welcome' — {FIX}"),
    ("NEWSLETTER", {"proxy_header": "X-Real-IP"},
     f"NEWSLETTER['proxy_header'] must be 'X-Forwarded-For' or 'Forwarded', got 'X-Real-IP' — "
     f"{FIX}"),
    ("DIGEST", {"period": "daily"},
     f"DIGEST['period'] must be 'weekly' or 'monthly', got 'daily' — {FIX}"),
    ("CONTENT_LIMITS", {"article_bytes": 0},
     f"CONTENT_LIMITS['article_bytes'] must be a whole number of bytes, 1 or more, got 0 — "
     f"{FIX}"),
    ("CMS", {"publish_mode": "review"},
     f"CMS['publish_mode'] must be 'simple' or 'editorial_workflow', got 'review' — {FIX}"),
    ("SERVER", {"service_address": "127.0.0.1"},
     f"SERVER['service_address'] must be host:port, e.g. '127.0.0.1:8001', got '127.0.0.1' — "
     f"{FIX}"),
    ("REDIRECTS", {"status": 200},
     f"REDIRECTS['status'] must be one of 301, 302, 307, 308, got 200 — {FIX}"),
]


def test_every_group_is_in_each_table():
    for table in (WRONG_TYPES, UNKNOWN_KEYS, OUT_OF_RANGE):
        assert [name for name, _, _ in table] == NAMES


@pytest.mark.parametrize("name, value, message", WRONG_TYPES, ids=NAMES)
def test_a_wrong_type_is_named_with_its_key_path(site_settings, name, value, message):
    with pytest.raises(SettingsError) as error:
        LOADERS[name](_with(site_settings, name, value))
    assert str(error.value) == message


@pytest.mark.parametrize("name, value, named", UNKNOWN_KEYS, ids=NAMES)
def test_an_unknown_key_is_refused_with_a_suggestion(site_settings, name, value, named):
    declared = dict(GROUPS[NAMES.index(name)][1].kinds)
    with pytest.raises(SettingsError) as error:
        LOADERS[name](_with(site_settings, name, value))
    assert str(error.value) == (f"{name} has unknown key(s) {named}; known keys: "
                                f"{', '.join(declared)} — {FIX}")


@pytest.mark.parametrize("name, value, message", OUT_OF_RANGE, ids=NAMES)
def test_an_out_of_range_value_is_named_with_what_is_allowed(site_settings, name, value,
                                                             message):
    with pytest.raises(SettingsError) as error:
        LOADERS[name](_with(site_settings, name, value))
    assert str(error.value) == message


@pytest.mark.parametrize("name, group, loader", GROUPS, ids=NAMES)
def test_the_defaults_validate_clean(site_settings, name, group, loader):
    assert group.check(dict(group.defaults), (name,), site_settings) is not None
    loader(_with(site_settings, name, {}))  # an empty group is all defaults
    if name != "CMS":  # a backend is given whole, so the default one is not merged in
        merged = group.load({}, name)
        assert merged.keys() == group.defaults.keys()


@pytest.mark.parametrize("settings_file", ["pelicanconf.py", "publishconf.py"])
def test_the_real_settings_validate_clean(settings_file, monkeypatch):
    monkeypatch.chdir(ROOT)  # publishconf.py imports pelicanconf from the current folder
    settings = read_base(BuildOptions(settings_file=ROOT / settings_file))
    for name, _, loader in GROUPS:
        loader(settings)
    proxies = newsletter.load_config(settings, environ=ENV).trusted_proxies
    assert [str(p) for p in proxies] == ([] if settings_file == "pelicanconf.py"
                                         else ["127.0.0.1/32", "::1/128"])


def test_not_a_dict_names_the_keys():
    with pytest.raises(SettingsError) as error:
        seo.load({"SEO": ["sitemap.xml"]})
    assert str(error.value) == ("SEO must be a dict with the keys sitemap_save_as, robots_save_as, "
                                f"disallow, got ['sitemap.xml'] — {FIX}")


def test_every_language_needs_its_entry():
    settings = {"SITE_LANGUAGES": {"uk": {}, "en": {}}, "SITEURL": "https://x.org",
                "DIGEST": {"from_name": {"uk": "Експіо"}}}
    with pytest.raises(SettingsError) as error:
        digest.load(settings)
    assert str(error.value) == ("DIGEST['from_name'] must be a dict of language code -> "
                                "non-empty text, with an entry for en, got {'uk': 'Експіо'} — "
                                f"{FIX}")


def test_the_error_carries_its_parts():
    with pytest.raises(SettingsError) as error:
        related.load({"RELATED_PUBLICATIONS": {"stem_length": {"uk": -1}}})
    assert (error.value.path, error.value.given, error.value.expected, error.value.fix) == (
        "RELATED_PUBLICATIONS['stem_length']['uk']", -1, "a whole number, 0 or more", FIX)


def test_values_come_back_converted():
    assert related.load({"RELATED_PUBLICATIONS": {"threshold": 30}}).threshold == 30.0
    assert isinstance(related.load({"RELATED_PUBLICATIONS": {"threshold": 30}}).threshold, float)
    assert seo.load({"SEO": {"disallow": ["a/"]}}).disallow == ("a/",)


def test_a_declaration_must_say_what_a_none_default_holds():
    with pytest.raises(TypeError, match="'logo'.*declare its kind"):
        core.Group({"logo": None})
    with pytest.raises(TypeError, match="without a default"):
        core.Group({"logo": None}, icon=core.Text())



@pytest.mark.parametrize("value, message", [
    (0, f"SEARCH_BUNDLE_PAGES must be a whole number of pages, 1 or more, got 0 — {FIX}"),
    ("1500", f"SEARCH_BUNDLE_PAGES must be a whole number of pages, 1 or more, got '1500' — {FIX}"),
])
def test_site_wide_settings_are_refused_at_start_up(value, message):
    with pytest.raises(SettingsError) as error:
        read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py",
                               overrides=(("SEARCH_BUNDLE_PAGES", value),)))
    assert str(error.value) == message


def test_a_language_code_not_of_the_site_is_refused(site_settings):
    with pytest.raises(SettingsError) as error:
        feeds.load(_with(site_settings, "FEEDS", {"title": {"ua": "Стрічка"}}))
    assert str(error.value) == ("FEEDS['title'] has unknown site language(s) 'ua' (did you mean "
                                f"'uk'?); known site languages: uk, en — {FIX}")


def test_a_newsletter_command_reports_a_settings_mistake_without_a_traceback(tmp_path):
    conf = tmp_path / "conf.py"
    conf.write_text('SITEURL = "https://x.org"\nCATEGORIES = {"sleep": {"uk": "Сон"}}\n'
                    'NEWSLETTER = {"topic": ["sleep"]}\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "newsletter", "backup", "--settings", str(conf),
                           "--into", str(tmp_path / "backups")], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("settings: NEWSLETTER has unknown key(s) 'topic' (did you mean "
                           "'topics'?); known keys: " + ", ".join(newsletter.DEFAULTS)
                           + f" — {FIX}\n")
