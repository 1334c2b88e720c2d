"""The newsletter_manifest plugin on a real small build (the lead's build_site fixture): the
manifest of each language, a digest rendered from it, and the web versions of sent digests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from newsletter.config import read_pelicanconf
from newsletter.digest import manifest
from newsletter.digest import settings as digest_settings
from newsletter.digest.ledger import Ledger
from newsletter.digest.plan import make_plan
from newsletter.digest.render import STYLESHEET_PATH, render, stylesheet_css
from newsletter_manifest.records import image_size, record

CONFIG = digest_settings.load(read_pelicanconf())


def test_manifest_from_a_real_build_feeds_a_digest(build_site, tmp_path):
    state = tmp_path / "state"
    ledger = Ledger.in_state_dir(state)
    ledger.create("digest-en-2026-W40", "en", "2026-W40", "local", "Old digest", [], None,
                  "en/newsletter/digest-en-2026-W40/")
    ledger.set_status("digest-en-2026-W40", "sent",
                      sent_at=datetime(2026, 10, 1, tzinfo=timezone.utc),
                      web_html="<!DOCTYPE html><title>old</title><p>sent digest</p>")
    ledger.close()
    report = build_site(NEWSLETTER_MANIFEST={"state_dir": str(state)})
    output = report.output
    for lang, prefix in (("uk", ""), ("en", "en/")):
        read = manifest.read(output / prefix / "newsletter" / "manifest.json")
        assert read.lang == lang and read.articles, lang
        for article in read.articles:
            assert article.lang == lang and article.url.startswith(CONFIG.site_url + "/" + prefix)
            assert article.date.tzinfo is not None and "<" not in article.summary
            assert article.category in CONFIG.categories and article.translation_key
        newest = max(a.date for a in read.articles)
        plan = make_plan(lang=lang, period="2026-W48", config=CONFIG, output=output,
                         ledger=None, now=newest + timedelta(hours=1))
        assert not plan.empty
        rendered = render(plan.content, plan.ctx, CONFIG)
        assert plan.content.lead.title in rendered.html and rendered.html_bytes < 90_000
    archived = output / "en" / "newsletter" / "digest-en-2026-W40" / "index.html"
    assert archived.read_text() == "<!DOCTYPE html><title>old</title><p>sent digest</p>"
    assert not (output / "newsletter" / "digest-en-2026-W40").exists()
    # ... with the stylesheet that web versions link (the site's CSP blocks inline styles).
    assert (output / STYLESHEET_PATH).read_text(encoding="utf-8") == stylesheet_css(CONFIG)


def test_record_resolves_static_images_with_their_size(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "a.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 '
                                  '400"><rect/></svg>')
    item = record(title="A &amp; B <em>x</em>", url="en/articles/a/", lang="en",
                  category="ptsd", tags=["t"], date=datetime(2026, 1, 1, tzinfo=timezone.utc),
                  modified=None, summary="<p>One &lt;two&gt;</p>",
                  image="{static}/images/a.svg", image_alt="Alt", translation_key="a",
                  is_sensitive=True, site_url="https://x.example", content_path=tmp_path)
    assert item.title == "A & B x" and item.summary == "One <two>"
    assert item.url == "https://x.example/en/articles/a/"
    assert (item.image.url, item.image.width, item.image.height) == \
        ("https://x.example/images/a.svg", 800, 400)
    assert item.is_sensitive
    assert image_size(Path(tmp_path / "missing.png")) == (None, None)
