"""Safe-messaging check (plugins/medical/checks.py) over the real phrase list, both languages,
and the sensitive-article rule (plugins/medical/safety.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.findings import WARNING
from medical import checks
from medical import safety
from tests.conftest import ROOT
from tests.test_medical_checks import base_settings, make_catalogue  # noqa: F401 (fixture)

PHRASES = ROOT / "content" / "data" / "safe-messaging.toml"


def run(tmp_path, settings, files, phrases: str | None = None):
    site = make_catalogue(tmp_path, settings, files)
    target = site.content_path / "data" / "safe-messaging.toml"
    if phrases is None:
        shutil.copy(PHRASES, target)
    else:
        target.write_text(phrases, encoding="utf-8")
    return list(checks.check_safe_messaging(site, settings))


def text(title, body):
    return f"title: {title}\ndate: 2025-01-01\ncategory: news\n\nIntro.\n\n{body}\n"


@pytest.mark.parametrize("name, title, body, line, field, words, alternative", [
    ("a.en.md", "Grief", "Her brother committed suicide last year.", 7, "body",
     "committed suicide", '"died by suicide"'),
    ("a.en.md", "Grief", "It was a failed suicide attempt.", 7, "body",
     "failed suicide attempt", "survived a suicide attempt"),
    ("a.en.md", "Soldier's suicide by hanging shocks town", "Nothing here.", 1, "title",
     "suicide by hanging", "leave the method out of the title"),
    ("a.uk.md", "Горе", "Її брат скоїв самогубство торік.", 7, "body",
     "скоїв самогубство", "помер(ла) внаслідок самогубства"),
    ("a.uk.md", "Горе", "Це була невдала спроба самогубства.", 7, "body",
     "невдала спроба самогубства", "пережив(ла) спробу самогубства"),
    ("a.uk.md", "Самогубство через отруєння таблетками", "Нічого.", 1, "title",
     "Самогубство через отруєння таблетками", "приберіть спосіб із заголовка"),
])
def test_phrases_found_with_alternative(tmp_path, base_settings, name, title, body, line, field,
                                        words, alternative):
    [finding] = run(tmp_path, base_settings, {f"articles/news/{name}": text(title, body)})
    assert (finding.path, finding.line, finding.field, finding.level) == (
        f"articles/news/{name}", line, field, WARNING)
    assert finding.problem.startswith(f"safe messaging: {words!r} — ")
    assert alternative in finding.fix


@pytest.mark.parametrize("name, title, body", [
    ("a.en.md", "How to support someone after a suicide attempt",
     "He died by suicide. She survived a suicide attempt. Committees meet."),
    ("a.en.md", "Overdose: what to do", "Call 103 at once."),  # overdose alone is not a method
    ("a.uk.md", "Як підтримати людину після спроби самогубства",
     "Він помер внаслідок самогубства. Вона пережила спробу."),
    # English phrases are not applied to Ukrainian text and the other way round.
    ("a.uk.md", "Горе", "Quote: committed suicide."),
    ("a.en.md", "Grief", "скоїв самогубство"),
])
def test_safe_wording_passes(tmp_path, base_settings, name, title, body):
    assert run(tmp_path, base_settings, {f"articles/news/{name}": text(title, body)}) == []


def test_a_broken_phrase_list_names_its_line(tmp_path, base_settings):
    broken = ('[[phrase]]\nlang = "en"\nphrase = "x"\nwhy = "w"\nalternative = "a"\n\n'
              '[[phrase]]\nlang = "en"\nregex = "(unclosed"\nwhy = "w"\nalternative = "a"\n')
    [finding] = run(tmp_path, base_settings, {}, phrases=broken)
    assert (finding.path, finding.line) == ("content/data/safe-messaging.toml", 7)
    assert "the regex does not compile" in finding.problem


def test_a_phrase_needs_an_alternative(tmp_path):
    path = tmp_path / "list.toml"
    path.write_text('[[phrase]]\nlang = "uk"\nphrase = "x"\nwhy = "w"\n', encoding="utf-8")
    with pytest.raises(safety.PhraseListError, match=r"list.toml:1: `alternative` is missing"):
        safety.load_phrases(path)


def test_the_real_list_covers_both_languages():
    phrases = safety.load_phrases(PHRASES)
    assert {phrase.lang for phrase in phrases} == {"uk", "en"}
    assert any("title" in p.places and "body" not in p.places for p in phrases if p.lang == "uk")


@pytest.mark.parametrize("tags, sensitive", [
    (("ketamine", "Suicide"), True), (("самоушкодження",), True), (("передозування",), True),
    (("self-harm",), True), (("ptsd", "sleep"), False), ((), False),
])
def test_sensitive_tags(tags, sensitive):
    from medical.settings import Config
    assert safety.is_sensitive(tags, Config().sensitive_tags) is sensitive


def test_a_missing_phrase_list_is_a_notice(tmp_path, base_settings):
    from core.findings import NOTICE

    site = make_catalogue(tmp_path, base_settings, {})
    [finding] = checks.check_safe_messaging(site, base_settings)
    assert (finding.path, finding.level) == ("content/data/safe-messaging.toml", NOTICE)
    assert "no safe-messaging check ran" in finding.problem
