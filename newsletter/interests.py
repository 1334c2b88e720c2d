"""Topics as Mailchimp interests: one interest category, one interest per site category.

The mapping {category slug: interest id} comes from NEWSLETTER["interests"] when complete,
else from the cache `<state>/mailchimp-interests.json`, else from Mailchimp itself (matching
interests by name). `setup-mailchimp` (create=True) also creates what is missing.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from dataclasses import dataclass
from typing import Mapping

from newsletter.config import NewsletterConfig
from newsletter.errors import Retryable
from newsletter.private import open_private

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InterestMap:
    category_id: str | None
    ids: Mapping[str, str]  # category slug -> interest id


def interest_name(config: NewsletterConfig, slug: str) -> str:
    """The interest's name in Mailchimp: the category's name in the site's default language."""
    return config.topic_names[slug].get(config.default_lang) or slug


def load_interest_map(config: NewsletterConfig, gateway, create: bool = False) -> InterestMap:
    """The mapping for every topic; Retryable when incomplete and `create` is False."""
    if not create and set(config.topics) <= set(config.interests):
        return InterestMap(config.interest_category_id, dict(config.interests))
    if not create:
        cached = _read_cache(config)
        if cached and set(config.topics) <= set(cached.ids):
            return cached
    mapping = discover(config, gateway, create=create)
    missing = [slug for slug in config.topics if slug not in mapping.ids]
    if missing:
        raise Retryable(f"no Mailchimp interest for topics {missing}; run "
                        "`python -m newsletter setup-mailchimp` (subscriptions stay queued)")
    _write_cache(config, mapping)
    return mapping


def setup_interests(config: NewsletterConfig, gateway, *, attempts: int = 12,
                    base_delay: float = 1.0, max_delay: float = 60.0, sleep=time.sleep,
                    rng: random.Random | None = None) -> InterestMap:
    """`setup-mailchimp`: find or create every interest, retrying what failed for now.

    Safe to rerun and to retry: every try lists what exists before creating anything, so a
    create whose answer was lost (timeout, dropped connection) is found by name on the next
    try instead of being made twice. Waits between tries grow exponentially, with full jitter.
    """
    rng = rng or random.Random()
    for attempt in range(1, attempts + 1):
        try:
            return load_interest_map(config, gateway, create=True)
        except Retryable as err:
            if attempt == attempts:
                raise
            delay = rng.uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))
            logger.warning("newsletter: setup-mailchimp: %s; trying again in %.1f s (%d/%d)",
                           err, delay, attempt, attempts)
            sleep(delay)
    raise AssertionError("unreachable")


def discover(config: NewsletterConfig, gateway, create: bool) -> InterestMap:
    """Find (and with `create`, make) the interest category and one interest per topic."""
    list_id = config.list_id
    ids = {slug: config.interests[slug] for slug in config.topics if slug in config.interests}
    category_id = config.interest_category_id
    if category_id is None:
        for category in gateway.interest_categories(list_id):
            if category.get("title") == config.interest_category_title:
                category_id = category["id"]
                break
    if category_id is None:
        if not create:
            return InterestMap(None, ids)
        category_id = gateway.create_interest_category(list_id, config.interest_category_title)["id"]
        logger.info("newsletter: created Mailchimp interest category %r (%s)",
                    config.interest_category_title, category_id)
    by_name = {item["name"]: item["id"] for item in gateway.interests(list_id, category_id)}
    for slug in config.topics:
        if slug in ids:
            continue
        name = interest_name(config, slug)
        found = by_name.get(name) or by_name.get(slug)
        if found is None and create:
            found = gateway.create_interest(list_id, category_id, name)["id"]
            logger.info("newsletter: created Mailchimp interest %r for topic %s", name, slug)
        if found is not None:
            ids[slug] = found
    return InterestMap(category_id, ids)


def _read_cache(config: NewsletterConfig) -> InterestMap | None:
    try:
        raw = json.loads(config.interests_cache_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if raw.get("list_id") != config.list_id:
        return None  # a cache of another audience
    return InterestMap(raw.get("category_id"), raw.get("interests") or {})


def _write_cache(config: NewsletterConfig, mapping: InterestMap) -> None:
    path = config.interests_cache_path
    tmp = path.with_suffix(".tmp")
    with open_private(tmp) as handle:
        handle.write(json.dumps({"list_id": config.list_id, "category_id": mapping.category_id,
                                 "interests": dict(mapping.ids)}, indent=2,
                                sort_keys=True).encode("utf-8"))
    os.replace(tmp, path)
