"""Digest sizes and render time for a typical week and month (`python -m bench.digest_bench`).

    run() -> {"week": {...}, "month": {...}}   bytes of the HTML and text parts as mailed by
    the local backend (every section, real links) and as handed to Mailchimp (each section
    twice inside *|INTERESTED:…|* blocks), plus the render time. Budget: HTML < 90,000 bytes.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

from newsletter.config import load_config, read_pelicanconf
from newsletter.digest import settings as digest_settings
from newsletter.digest.manifest import LeadImage, ManifestArticle
from newsletter.digest.plan import interest_names, make_plan
from newsletter.digest.render import RenderContext, address_line, fill_merge_tags, render

TITLE = {"en": "How {n} small habits help with sleep after a stressful period at work and home",
         "uk": "Як {n} простих звичок допомагають спати після стресового періоду на роботі"}
SUMMARY = {"en": "A psychiatrist explains what happens to sleep under long stress, which habits "
                 "have evidence behind them, and when it is time to see a doctor rather than "
                 "try one more app. With a checklist for the first week.",
           "uk": "Психіатриня пояснює, що відбувається зі сном під час тривалого стресу, які "
                 "звички мають доказову базу і коли час звернутися до лікаря, а не пробувати "
                 "ще один застосунок. З чеклістом на перший тиждень."}


def _articles(lang: str, count: int, end: datetime, config) -> list[ManifestArticle]:
    categories = [slug for slug in config.categories if slug != "uncategorized"]
    prefix = config.lang_prefix(lang)
    items = []
    for n in range(count):
        items.append(ManifestArticle(
            title=TITLE[lang].format(n=n + 3), lang=lang,
            url=f"{config.site_url}/{prefix}articles/bench-article-{n}/",
            category=categories[(n * 3) % len(categories)],
            date=end - timedelta(hours=11 * n + 1), summary=SUMMARY[lang],
            image=LeadImage(f"{config.site_url}/images/waves.svg", "Calm waves", 640, 360)
            if n % 4 == 0 else None,
            translation_key=f"bench-article-{n}", is_sensitive=n == 1))
    return items


def _measure(lang: str, count: int, config, newsletter) -> dict:
    end = datetime(2026, 11, 25, 8, tzinfo=timezone.utc)
    label = "2026-W48" if config.period == "weekly" else "2026-11"
    plan = make_plan(lang=lang, period=label, config=config, output=None, ledger=None, now=end,
                     articles=_articles(lang, count, end, config))
    started = time.perf_counter()
    rendered = render(plan.content, plan.ctx, config)
    render_ms = (time.perf_counter() - started) * 1000
    link = f"{newsletter.endpoint_url}/unsubscribe?t=" + "x" * 110
    local = fill_merge_tags(rendered, {"*|UNSUB|*": link, "*|UPDATE_PROFILE|*": link,
                                       "*|LIST:ADDRESSLINE|*": address_line(config, lang)})
    ctx = RenderContext(key=plan.key, lang=lang, period_label=plan.ctx.period_label,
                        web_url=plan.ctx.web_url, interest_group="Topics",
                        interest_names=interest_names(newsletter))
    mailchimp = render(plan.content, ctx, config)
    return {"articles": count, "categories": len(plan.content.categories),
            "local_html_bytes": local.html_bytes, "local_text_bytes": local.text_bytes,
            "mailchimp_html_bytes": mailchimp.html_bytes,
            "mailchimp_text_bytes": mailchimp.text_bytes,
            "render_ms": round(render_ms, 1), "budget_bytes": config.max_html_bytes}


def run() -> dict:
    settings = read_pelicanconf()
    newsletter = load_config(settings, environ={"NEWSLETTER_SECRET": "bench-secret-0123456789",
                                                "NEWSLETTER_STATE_DIR": "/tmp/digest-bench"})
    weekly = digest_settings.load({**settings, "DIGEST": {**settings.get("DIGEST", {}),
                                                          "period": "weekly"}})
    monthly = digest_settings.load({**settings, "DIGEST": {**settings.get("DIGEST", {}),
                                                           "period": "monthly"}})
    result = {}
    for name, config, count in (("week", weekly, 5), ("month", monthly, monthly.max_articles)):
        for lang in config.languages:
            _measure(lang, count, config, newsletter)  # warm the template cache
            result[f"{name}-{lang}"] = _measure(lang, count, config, newsletter)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
