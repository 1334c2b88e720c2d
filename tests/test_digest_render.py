"""Digest core: settings, periods, manifest, selection and rendering (no servers)."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.settings import SettingsError
from newsletter.config import read_pelicanconf
from newsletter.digest import manifest, periods, selection
from newsletter.digest import settings as digest_settings
from newsletter.digest.plan import interest_names, make_plan, web_version
from newsletter.digest.render import (STYLESHEET_PATH, DigestTooLarge, RenderContext, add_query,
                                      address_line, fill_merge_tags, render, shorten,
                                      write_stylesheet)
from tests.digest_helpers import FIXTURES, NOW, PERIOD, configs, site_with_manifests

KYIV = ZoneInfo("Europe/Kyiv")
SETTINGS = read_pelicanconf()
CONFIG = digest_settings.load(SETTINGS)


@pytest.mark.parametrize("moment, kind, label", [
    (datetime(2026, 11, 25, 8, tzinfo=timezone.utc), "weekly", "2026-W48"),
    (datetime(2026, 11, 29, 22, 30, tzinfo=timezone.utc), "weekly", "2026-W49"),  # Monday in Kyiv
    (datetime(2026, 11, 30, 21, 59, tzinfo=timezone.utc), "monthly", "2026-11"),
    (datetime(2026, 11, 30, 22, 1, tzinfo=timezone.utc), "monthly", "2026-12"),  # Dec 1 in Kyiv
    (datetime(2027, 1, 1, 12, tzinfo=timezone.utc), "weekly", "2026-W53"),
])
def test_period_of_uses_the_site_time_zone(moment, kind, label):
    assert periods.period_of(moment, kind, KYIV) == label
    assert periods.digest_key("en", label) == f"digest-en-{label}"


@pytest.mark.parametrize("given, expected", [
    ("2026-11-30T08:00:00+00:00", "2026-11-30T08:00:00+00:00"),
    ("2026-11-30T08:00:01+00:00", "2026-11-30T08:15:00+00:00"),
    ("2026-11-30T08:07:00+00:00", "2026-11-30T08:15:00+00:00"),
    ("2026-11-30T10:50:00+02:00", "2026-11-30T09:00:00+00:00"),
    ("2026-11-30T23:59:00+00:00", "2026-12-01T00:00:00+00:00"),
])
def test_quarter_hour_rounds_up_in_utc(given, expected):
    assert periods.quarter_hour(datetime.fromisoformat(given)).isoformat() == expected


@pytest.mark.parametrize("label, kind, ok", [
    ("2026-W48", "weekly", True), ("2026-W54", "weekly", False), ("2026-11", "weekly", False),
    ("2026-11", "monthly", True), ("2026-13", "monthly", False),
])
def test_validate_period(label, kind, ok):
    if ok:
        assert periods.validate_period(label, kind) == label
    else:
        with pytest.raises(ValueError, match="looks like"):
            periods.validate_period(label, kind)


def test_human_labels_in_both_languages():
    assert periods.human_label("2026-W48", "en", KYIV) == "23–29 November 2026"
    assert periods.human_label("2026-W48", "uk", KYIV) == "23–29 листопада 2026"
    assert periods.human_label("2026-11", "uk", KYIV) == "листопад 2026"
    assert periods.human_label("2026-W49", "en", KYIV) == "30 November – 6 December 2026"


@pytest.mark.parametrize("override, message", [
    ({"nope": 1}, "unknown key"), ({"period": "daily"}, "'weekly' or 'monthly'"),
    ({"subject": {"uk": "x"}}, "with an entry for en"), ({"max_articles": 0}, "1 or more"),
    ({"utm": {"utm_source": 3}}, r"DIGEST\['utm'\]\['utm_source'\] must be text"),
    ({"subject": {"uk": "{sitename}", "en": "x"}}, r"only \{site\}, \{period\}, \{count\}"),
])
def test_settings_reject_bad_values_by_name(override, message):
    with pytest.raises(SettingsError, match=message):
        digest_settings.load({**SETTINGS, "DIGEST": override})


def test_manifest_round_trip_and_errors(tmp_path):
    read = manifest.read(FIXTURES / "manifest-en.json")
    assert read.lang == "en" and len(read.articles) == 7
    assert all(a.date.tzinfo is not None for a in read.articles)
    out = tmp_path / "m.json"
    manifest.write(read, out)
    assert manifest.read(out) == read
    with pytest.raises(manifest.ManifestError, match="build the site first"):
        manifest.read(tmp_path / "missing.json")
    bad = json.loads((FIXTURES / "manifest-en.json").read_text())
    bad["articles"][0]["date"] = "2026-11-24 10:00"
    out.write_text(json.dumps(bad))
    with pytest.raises(manifest.ManifestError, match=r"articles\[0\].date.*no time zone"):
        manifest.read(out)


def _articles(lang="en"):
    return list(manifest.read(FIXTURES / f"manifest-{lang}.json").articles)


def test_selection_since_last_digest_and_never_twice():
    articles = _articles()
    since = NOW - timedelta(days=7)
    chosen = selection.select(articles, since=since, mailed=set(), now=NOW, limit=15)
    assert [a.url.split("/")[-2] for a in chosen] == [
        "ketamine-trd", "sleep-and-nightmares", "ptsd-in-veterans", "grounding-techniques",
        "stress-and-the-gut"]
    mailed = {chosen[0].url}
    again = selection.select(articles, since=since, mailed=mailed, now=NOW, limit=15)
    assert chosen[0] not in again and len(again) == 4
    future = selection.select(articles, since=since, mailed=set(),
                              now=datetime(2026, 11, 22, tzinfo=timezone.utc), limit=15)
    assert all(a.date <= datetime(2026, 11, 22, tzinfo=timezone.utc) for a in future)
    assert selection.select(articles, since=NOW, mailed=set(), now=NOW, limit=15) == []
    # The next lower bound is the newest article already mailed, not the send time.
    last = [a.to_json() for a in chosen]
    assert selection.since_for(last, NOW, NOW, 31) == chosen[0].date


def test_arrange_lead_and_groups_and_topic_filter():
    chosen = selection.select(_articles(), since=NOW - timedelta(days=7), mailed=set(), now=NOW,
                              limit=15)
    content = selection.arrange(chosen, "en", CONFIG)
    assert content.lead.image is not None and content.lead.category == "ketamine-therapy"
    assert [g.category for g in content.groups] == ["ptsd", "psychotherapy", "psychosomatics"]
    assert content.sensitive
    ptsd_only = selection.for_topics(content, frozenset({"ptsd"}))
    assert ptsd_only.lead is None and [g.category for g in ptsd_only.groups] == ["ptsd"]
    assert not selection.for_topics(content, frozenset({"oncology"}))
    assert selection.for_topics(content, frozenset()) == content


def _plan(lang="en", tmp_path=None):
    output = site_with_manifests(tmp_path)
    return make_plan(lang=lang, period=PERIOD, config=CONFIG, output=output, ledger=None,
                     now=NOW)


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_rendered_parts_carry_merge_tags_crisis_line_disclaimer_and_utm(lang, tmp_path):
    plan = _plan(lang, tmp_path)
    rendered = render(plan.content, plan.ctx, CONFIG)
    for part in (rendered.html, rendered.text):
        for tag in ("*|UNSUB|*", "*|UPDATE_PROFILE|*", "*|LIST:ADDRESSLINE|*"):
            assert tag in part, (tag, lang)
        assert "7333" in part
        assert "utm_campaign=digest-" + lang + "-2026-W48" in part
    disclaimer = {"en": "information, not a substitute for a consultation",
                  "uk": "мають інформаційний характер і не замінюють"}[lang]
    assert disclaimer in rendered.html and disclaimer in rendered.text
    assert f'<html lang="{lang}"' in rendered.html
    # CSS inlined, @media rules kept for dark mode and narrow screens.
    assert "prefers-color-scheme: dark" in rendered.html and "max-width: 480px" in rendered.html
    assert re.search(r'<td[^>]+class="item"[^>]+style="[^"]*padding', rendered.html)
    # Preheader first in the body; image with alt, width and height.
    assert re.search(r'<body[^>]*>\s*<div class="preheader"', rendered.html)
    img = re.search(r"<img [^>]+>", rendered.html).group(0)
    assert 'alt="' in img and 'width="600"' in img and 'height="338"' in img
    assert rendered.html_bytes < 90_000
    # A sensitive article (nightmares after trauma) brings the crisis box.
    crisis = {"en": "If you are struggling right now", "uk": "Якщо вам зараз важко"}[lang]
    assert crisis in rendered.html


def test_crisis_box_only_with_a_sensitive_article(tmp_path):
    plan = _plan("en", tmp_path)
    calm = selection.for_topics(plan.content, frozenset({"psychotherapy"}))
    assert not calm.sensitive
    rendered = render(calm, plan.ctx, CONFIG)
    assert "If you are struggling right now" not in rendered.html
    assert "7333" in rendered.html  # the crisis line stays in the footer


def test_mailchimp_interest_blocks_wrap_each_section_twice(tmp_path):
    plan = _plan("en", tmp_path)
    newsletter = configs(SETTINGS)[1]
    names = interest_names(newsletter)
    ctx = RenderContext(key=plan.key, lang="en", period_label="x", web_url=plan.ctx.web_url,
                        interest_group="Topics", interest_names=names)
    rendered = render(plan.content, ctx, CONFIG)
    everything = ",".join(names.values())
    for part in (rendered.html, rendered.text):
        assert f"*|INTERESTED:Topics:{names['ptsd']}|*" in part
        assert part.count(f"*|INTERESTED:Topics:{everything}|**|ELSE:|*") == 5  # lead + 4 groups
        assert part.count("*|INTERESTED:") == part.count("*|END:INTERESTED|*") == 10
    # The blocks sit inside a table cell as text, never between rows (parsers would move them).
    assert not re.search(r"</tr>\s*\*\|", rendered.html)


def test_size_budget_is_enforced(tmp_path):
    plan = _plan("en", tmp_path)
    small = digest_settings.load({**SETTINGS, "DIGEST": {"max_html_bytes": 10_000}})
    with pytest.raises(DigestTooLarge, match="max_html_bytes"):
        render(plan.content, plan.ctx, small)


def test_web_version_has_real_links_and_address(tmp_path):
    plan = _plan("uk", tmp_path)
    page = web_version(plan, CONFIG)
    assert "*|" not in page.html and "*|" not in page.text
    assert "http://127.0.0.1:8000/subscribe/" in page.html
    assert "Київ, Україна" in page.text
    # Rendered for the web: the CSS is linked (the site's CSP forbids inline styles), and the
    # link resolves to STYLESHEET_PATH from the page's folder; same text as the email.
    assert "style=" not in page.html and "<style" not in page.html
    assert '<link rel="stylesheet" href="../digest.css">' in page.html
    en = web_version(_plan("en", tmp_path / "en"), CONFIG)
    assert '<link rel="stylesheet" href="../../../newsletter/digest.css">' in en.html
    subscribe = "http://127.0.0.1:8000/subscribe/"
    email = fill_merge_tags(render(plan.content, plan.ctx, CONFIG), {
        "*|UNSUB|*": subscribe, "*|UPDATE_PROFILE|*": subscribe,
        "*|LIST:ADDRESSLINE|*": address_line(CONFIG, "uk")}).html

    def shown(markup: str) -> list[str]:
        body = markup.split("</head>", 1)[1]  # css_inline writes characters, not references
        words = html.unescape(re.sub(r"<[^>]+>", " ", body)).split()
        return words + [html.unescape(url) for url in re.findall(r'href="([^"]+)"', body)]

    assert shown(page.html) == shown(email)


def test_the_stylesheet_is_the_emails_css(tmp_path):
    """One CSS: what the email inlines is what the web version links (and the build writes)."""
    written = write_stylesheet(tmp_path, CONFIG)
    assert written == tmp_path / STYLESHEET_PATH
    css = written.read_text(encoding="utf-8")
    assert ".container { width: 100%; max-width: 600px;" in css
    assert "@media (prefers-color-scheme: dark)" in css and "{{" not in css and "{#" not in css
    email = render(_plan("en", tmp_path).content, _plan("en", tmp_path).ctx, CONFIG).html
    assert "@media (prefers-color-scheme: dark)" in email


def test_fill_merge_tags_escapes_for_html():
    from newsletter.digest.render import Rendered

    rendered = Rendered("s", "p", '<a href="*|UNSUB|*">x</a>', "*|UNSUB|*")
    filled = fill_merge_tags(rendered, {"*|UNSUB|*": "https://x/u?a=1&b=2"})
    assert filled.html == '<a href="https://x/u?a=1&amp;b=2">x</a>'
    assert filled.text == "https://x/u?a=1&b=2"


def test_add_query_and_shorten():
    assert add_query("https://x/a/?utm_source=old&k=1", {"utm_source": "n"}) == \
        "https://x/a/?k=1&utm_source=n"
    assert shorten("one two three four", 9) == "one two…"
    assert shorten("short", 9) == "short"


def _ukrainian_strings():
    from newsletter.digest.strings import STRINGS
    from newsletter.messages import MESSAGES

    return [pytest.param(where, key, text, id=f"{where}-{key}")
            for where, table in (("digest", STRINGS), ("messages", MESSAGES))
            for key, text in table["uk"].items()]


@pytest.mark.parametrize("where, key, text", _ukrainian_strings())
def test_ukrainian_strings_never_leave_the_name_bare_after_a_noun(where, key, text):
    """«розсилку Експіо Центр» is a slip (the name would need the genitive): quote it."""
    assert not re.search(r"\w \{site\}", text), f"{where}[{key!r}]: write «{{site}}»"


@pytest.mark.parametrize("lang, sentence", [
    pytest.param("uk", "Ви отримали цей лист, бо підписалися на розсилку «Експіо Центр».", id="uk"),
    pytest.param("en", "You are receiving this because you subscribed to the newsletter of "
                 "Expio Center.", id="en"),
])
def test_footer_names_the_newsletter(lang, sentence, tmp_path):
    plan = _plan(lang, tmp_path)
    rendered = render(plan.content, plan.ctx, CONFIG)
    assert sentence in rendered.text and sentence in html.unescape(rendered.html)
