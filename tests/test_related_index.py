"""The related-publications scoring core (plugins/related_publications/index.py), plain inputs."""

from __future__ import annotations

import json
import os
import pickle
import random
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from related_publications.index import compute_all
from related_publications.model import FALLBACK, PINNED, SCORED, Doc
from related_publications.settings import Config

ROOT = Path(__file__).resolve().parent.parent
KYIV = timezone(timedelta(hours=2))
START = datetime(2024, 1, 1, 9, 0, tzinfo=KYIV)

# Texts for three clearly separate topics; articles of one topic share many words.
TOPICS = {
    "sleep": "nightmares insomnia sleep bedtime dreams awakening night terrors rest melatonin",
    "ketamine": "ketamine infusion dose clinic monitoring dissociation esketamine nasal spray",
    "family": "couples parents conflict marriage siblings children family therapy sessions",
}


def doc(slug: str, *, lang: str = "en", day: int = 0, topic: str = "", text: str = "",
        tags: tuple[str, ...] = (), category: str = "ptsd", key: str | None = None,
        related: tuple[str, ...] | None = None, exclude: tuple[str, ...] = (),
        title: str = "") -> Doc:
    body = text or TOPICS.get(topic, "")
    return Doc(lang=lang, slug=slug, key=key or slug, title=title or slug.replace("-", " "),
               summary="", text=body, tags=tags, category=category,
               date=START + timedelta(days=day), related=related,
               related_exclude=exclude, path=f"articles/{category}/{slug}.{lang}.md")


def slugs(result, slug: str, lang: str = "en") -> list[str]:
    return [m.slug for m in result[(lang, slug)]]


def config(**changes) -> Config:
    return replace(Config(primary_lang="uk"), **changes)


def only(part: str, **changes) -> Config:
    """A config where one part alone decides the score."""
    weights = {p: 0.0 for p in ("text", "tags", "category", "date")}
    weights[part] = 1.0
    return config(weights=weights, **changes)


# --- weights: each part, alone, picks its own best match -------------------------------------

# "target" (newest) is compared with four older articles, each best in exactly one part.
CANDIDATES = [
    doc("text-twin", day=1, topic="sleep", category="stress"),
    doc("tag-twin", day=2, text="unrelated words about gardening", tags=("rare-a", "rare-b"),
        category="stress"),
    doc("same-category", day=3, text="cooking recipes soup bread", category="ptsd"),
    doc("close-date", day=99, text="astronomy planets telescope", category="stress"),
]
TARGET = doc("target", day=100, topic="sleep", tags=("rare-a", "rare-b"), category="ptsd")
FILLERS = [doc(f"filler-{i}", day=10 + i, text=f"filler topic number {i} words",
               tags=("rare-a",) if i == 0 else ("rare-b",) if i == 1 else (), category="news")
           for i in range(4)]


@pytest.mark.parametrize("part, expected_first", [
    ("text", "text-twin"),
    ("tags", "tag-twin"),
    ("category", "same-category"),
    ("date", "close-date"),
])
def test_each_weight_alone_ranks_its_best_match_first(part, expected_first):
    result = compute_all([TARGET, *CANDIDATES, *FILLERS], only(part, threshold=0.0))
    assert slugs(result, "target")[0] == expected_first
    first = result[("en", "target")][0]
    assert first.parts[part] == first.score  # the other parts weigh nothing
    assert set(first.parts) == {"text", "tags", "category", "date"}


def test_score_is_the_weighted_sum_of_the_parts_and_within_0_100():
    result = compute_all([TARGET, *CANDIDATES, *FILLERS], config(threshold=0.0))
    for matches in result.values():
        for match in matches:
            assert 0.0 <= match.score <= 100.0
            assert abs(sum(match.parts.values()) - match.score) <= 0.03


def test_identical_articles_score_100():
    twin = {"topic": "sleep", "tags": ("rare-a",), "category": "ptsd"}
    docs = [doc("a", day=5, **twin), doc("b", day=5, **twin),
            doc("c", day=1, tags=("rare-a",), text="other words entirely", category="news")]
    result = compute_all(docs, config())
    assert result[("en", "a")][0].slug == "b" or result[("en", "b")][0].slug == "a"
    assert max(m.score for ms in result.values() for m in ms) == 100.0


# --- threshold ---------------------------------------------------------------------------------

@pytest.mark.parametrize("threshold, reasons", [
    (0.0, [SCORED, SCORED]),  # everything passes
    (99.0, [FALLBACK, FALLBACK]),  # nothing passes: filled from the category
])
def test_threshold_decides_between_scored_and_fallback(threshold, reasons):
    docs = [doc("new", day=10, topic="sleep"), doc("old-1", day=1, topic="sleep"),
            doc("old-2", day=2, text="completely different vocabulary here")]
    result = compute_all(docs, config(threshold=threshold))
    assert [m.reason for m in result[("en", "new")]] == reasons


def test_below_threshold_items_come_after_scored_ones():
    docs = [doc("new", day=10, topic="sleep"), doc("old-1", day=1, topic="sleep"),
            doc("old-2", day=2, text="completely different vocabulary here")]
    result = compute_all(docs, config(threshold=30.0))
    assert [(m.slug, m.reason) for m in result[("en", "new")]] == [
        ("old-1", SCORED), ("old-2", FALLBACK)]


# --- tags: rarity weighting and the cardinality cut ----------------------------------------

def tag_docs(n_common: int) -> list[Doc]:
    """A target sharing a common tag with one article and a rare tag with another."""
    docs = [doc("target", day=100, tags=("common", "rare"), text="alpha")]
    docs.append(doc("shares-rare", day=1, tags=("rare",), text="beta"))
    docs.append(doc("shares-common", day=2, tags=("common",), text="gamma"))
    docs += [doc(f"other-{i}", day=3 + i, tags=("common",), text=f"delta {i}")
             for i in range(n_common - 2)]
    docs += [doc(f"plain-{i}", day=50 + i, text=f"epsilon {i}") for i in range(20)]
    return docs


@pytest.mark.parametrize("n_common, max_share, common_counts", [
    (5, 0.2, True),  # 5 of 26 articles = 19 %: under the cut, still counts
    (10, 0.2, False),  # 10 of 31 = 32 %: over the cut, ignored
    (10, 0.5, True),  # a higher cut keeps it
    (3, 0.01, True),  # on 3 articles: always kept, however low the cut
])
def test_tags_on_too_many_articles_are_ignored(n_common, max_share, common_counts):
    result = compute_all(tag_docs(n_common), only("tags", threshold=0.0,
                                                  max_tag_share=max_share))
    parts = {m.slug: m.parts["tags"] for m in compute_all(
        tag_docs(n_common), only("tags", threshold=0.0, max_tag_share=max_share, count=30)
    )[("en", "target")]}
    assert (parts["shares-common"] > 0) is common_counts
    assert slugs(result, "target")[0] == "shares-rare"


def test_rare_tags_weigh_more_than_common_ones():
    result = compute_all(tag_docs(5), only("tags", threshold=0.0, count=30))
    parts = {m.slug: m.parts["tags"] for m in result[("en", "target")]}
    assert parts["shares-rare"] > parts["shares-common"] > 0


def test_untagged_articles_still_get_related_items():
    docs = [doc("new", day=9, topic="ketamine"), doc("a", day=1, topic="ketamine"),
            doc("b", day=2, topic="sleep")]
    assert slugs(compute_all(docs, config()), "new")[0] == "a"


# --- older only, include newer, see also newer --------------------------------------------------

def timeline() -> list[Doc]:
    return [doc(f"d{day}", day=day, topic="sleep") for day in range(1, 8)]


def test_by_default_only_older_articles_are_listed():
    result = compute_all(timeline(), config(count=3))
    for day in range(4, 8):
        assert all(int(s[1:]) < day for s in slugs(result, f"d{day}"))


def test_publishing_a_new_article_does_not_change_older_lists():
    before = compute_all(timeline(), config(count=3))
    after = compute_all([*timeline(), doc("d9", day=9, topic="sleep")], config(count=3))
    for day in range(4, 8):  # every article with enough older candidates keeps its list
        # (scores move a little: word rarity is measured over all articles of the language)
        assert slugs(before, f"d{day}") == slugs(after, f"d{day}")


def test_include_newer_lets_newer_articles_compete():
    result = compute_all(timeline(), config(count=3, include_newer=True))
    assert any(int(s[1:]) > 2 for s in slugs(result, "d1"))
    assert any(int(s[1:]) > 4 for s in slugs(result, "d4"))


@pytest.mark.parametrize("see_also_newer, expected", [
    (True, ["d2", "d3", "d4"]),  # the oldest article continues with the best newer ones
    (False, []),  # nothing older and newer not allowed: the block is hidden
])
def test_see_also_newer_fills_the_oldest_articles(see_also_newer, expected):
    result = compute_all(timeline(), config(count=3, see_also_newer=see_also_newer))
    assert sorted(slugs(result, "d1")) == expected


def test_see_also_newer_only_tops_up_after_older_ones():
    result = compute_all(timeline(), config(count=3))
    assert slugs(result, "d2")[0] == "d1"  # its one older article comes first
    assert len(slugs(result, "d2")) == 3


# --- pins, exclusions, related: none --------------------------------------------------------------

def pinned_site(**kwargs) -> list[Doc]:
    return [
        doc("target", day=10, topic="sleep", **kwargs),
        doc("sleep-1", day=1, topic="sleep"),
        doc("sleep-2", day=2, topic="sleep"),
        doc("far-away", day=3, topic="family", category="news"),
        doc("newer-one", day=20, topic="ketamine", category="news"),
    ]


def test_pins_come_first_in_the_editors_order_even_newer_or_low_scoring():
    result = compute_all(pinned_site(related=("newer-one", "far-away")), config(count=3))
    matches = result[("en", "target")]
    assert [(m.slug, m.reason) for m in matches] == [
        ("newer-one", PINNED), ("far-away", PINNED), ("sleep-2", SCORED)]
    assert matches[0].score < matches[2].score  # pins keep their (low) scores for the report


def test_unknown_pinned_slug_is_a_warning_naming_file_field_and_fix():
    result = compute_all(pinned_site(related=("no-such-article", "sleep-1")), config())
    assert slugs(result, "target")[0] == "sleep-1"
    [finding] = result.findings
    assert (finding.path, finding.field) == ("articles/ptsd/target.en.md", "related")
    assert "'no-such-article'" in finding.problem and "published en article" in finding.fix


def test_findings_carry_the_line_of_the_field():
    docs = pinned_site(related=("no-such-article",))
    docs[0] = replace(docs[0], lines=(("title", 1), ("related", 6)))
    [finding] = compute_all(docs, config()).findings
    assert str(finding).startswith("articles/ptsd/target.en.md:6: related: no published en ")


def test_pin_of_an_article_in_another_language_says_so():
    docs = [*pinned_site(related=("only-uk",)), doc("only-uk", lang="uk", topic="sleep")]
    [finding] = compute_all(docs, config()).findings
    assert "it exists in uk" in finding.problem


@pytest.mark.parametrize("related, exclude, fragment", [
    (("target",), (), "is this article itself"),
    (("sleep-1",), ("sleep-1",), "is also in related_exclude"),
    (("none", "sleep-1"), (), "must stand alone"),
    ((), ("typo-slug",), "related_exclude: no published en article"),
    (("sleep-1", "sleep-2", "far-away", "newer-one"), (), "slugs pinned but only 2"),
])
def test_editor_mistakes_are_reported(related, exclude, fragment):
    result = compute_all(pinned_site(related=related or None, exclude=exclude),
                         config(count=2))
    assert any(fragment in str(f) and f.path == "articles/ptsd/target.en.md"
               for f in result.findings), result.findings


def test_excluded_articles_never_appear_not_even_as_fallback():
    docs = pinned_site(exclude=("sleep-1", "far-away"))
    result = compute_all(docs, config(count=4, threshold=99.0))
    assert "sleep-1" not in slugs(result, "target")
    assert "far-away" not in slugs(result, "target")
    assert slugs(result, "target")  # still filled from what is left


def test_related_none_hides_the_block_but_the_article_stays_a_candidate():
    result = compute_all(pinned_site(related=("none",)), config())
    assert result[("en", "target")] == ()
    assert result.findings == []
    assert "target" in slugs(compute_all(pinned_site(related=("None",)),
                                         config(include_newer=True)), "sleep-1")


# --- fallback ---------------------------------------------------------------------------------

def fallback_site() -> list[Doc]:
    return [
        doc("target", day=50, text="alpha beta", category="ptsd"),
        doc("same-old", day=1, text="gamma", category="ptsd"),
        doc("same-newest", day=40, text="delta", category="ptsd"),
        doc("other-newest", day=45, text="epsilon", category="news"),
        doc("other-old", day=2, text="zeta", category="news"),
        doc("same-but-newer", day=60, text="eta", category="ptsd"),
    ]


@pytest.mark.parametrize("any_category, expected", [
    (True, ["same-newest", "same-old", "other-newest", "other-old"]),
    (False, ["same-newest", "same-old", "same-but-newer"]),
])
def test_fallback_same_category_newest_first(any_category, expected):
    result = compute_all(fallback_site(), config(threshold=99.0, count=4,
                                                 fallback_any_category=any_category))
    assert slugs(result, "target") == expected
    assert {m.reason for m in result[("en", "target")]} == {FALLBACK}


def test_an_article_alone_in_its_language_gets_nothing():
    docs = [doc("lonely", lang="en", topic="sleep"),
            doc("a", lang="uk", topic="sleep"), doc("b", lang="uk", day=1, topic="sleep")]
    result = compute_all(docs, config())
    assert result[("en", "lonely")] == ()
    assert slugs(result, "b", "uk") == ["a"]


def test_articles_are_only_related_within_their_language():
    docs = [doc("x", lang="en", day=3, topic="sleep"), doc("y", lang="en", day=1),
            doc("x-uk", lang="uk", day=2, topic="sleep")]
    assert slugs(compute_all(docs, config()), "x") == ["y"]


# --- ties ---------------------------------------------------------------------------------------

def test_ties_are_broken_by_date_then_slug():
    same = {"text": "identical words in every one", "category": "ptsd", "title": "Same"}
    docs = [doc("target", day=10, **same), doc("b-slug", day=5, **same),
            doc("a-slug", day=5, **same), doc("newest", day=6, **same),
            doc("oldest", day=1, **same)]
    result = compute_all(docs, only("text", count=4))
    assert len({m.score for m in result[("en", "target")]}) == 1  # a four-way tie
    assert slugs(result, "target") == ["newest", "a-slug", "b-slug", "oldest"]


def test_count_setting_cuts_the_list():
    docs = [doc(f"d{i}", day=i, topic="sleep") for i in range(10)]
    for count in (1, 2, 6):
        assert len(slugs(compute_all(docs, config(count=count)), "d9")) == count


# --- translations agree ---------------------------------------------------------------------------

def bilingual() -> list[Doc]:
    uk = [doc("son", lang="uk", day=10, key="sleep", text="сон безсоння кошмари ніч"),
          doc("kety", lang="uk", day=1, key="ketamine", text="кетамін інфузія доза",
              tags=("кетамін",)),
          doc("zhah", lang="uk", day=2, key="nightmares", text="кошмари сон жахи ніч"),
          doc("simya", lang="uk", day=3, key="family", text="сімя пари конфлікт")]
    en = [doc("sleep", lang="en", day=10, key="sleep", text="sleep insomnia nightmares night"),
          doc("ketamine", lang="en", day=1, key="ketamine",
              text="sleep insomnia nightmares night ketamine"),  # en text closer than in uk
          doc("nightmares", lang="en", day=2, key="nightmares",
              text="totally different words in english"),
          doc("only-en", lang="en", day=4, text="sleep insomnia nightmares night alone")]
    return uk + en


def test_translation_follows_the_primary_language_list():
    result = compute_all(bilingual(), config(count=2))
    uk = slugs(result, "son", "uk")
    assert uk[0] == "zhah"
    translated = {"zhah": "nightmares", "kety": "ketamine", "simya": None}
    expected_head = [translated[s] for s in uk if translated[s]]
    en = result[("en", "sleep")]
    assert [m.slug for m in en][: len(expected_head)] == expected_head
    assert en[0].via == "uk" and en[0].score == result[("uk", "son")][0].score


def test_translation_fills_with_its_own_items_where_no_translation_exists():
    result = compute_all(bilingual(), config(count=3))
    en = slugs(result, "sleep")
    assert len(en) == 3
    assert "only-en" in en  # no uk counterpart: comes from the English article's own list
    own = [m for m in result[("en", "sleep")] if not m.via]
    assert own and all(m.slug not in {"nightmares"} for m in own)


def test_translation_own_pins_still_come_first():
    docs = [replace(d, related=("only-en",)) if d.slug == "sleep" else d for d in bilingual()]
    result = compute_all(docs, config(count=2))
    assert slugs(result, "sleep")[0] == "only-en"
    assert result[("en", "sleep")][1].via == "uk"


def test_translation_exclusions_apply_to_followed_items():
    docs = [replace(d, related_exclude=("nightmares",)) if d.slug == "sleep" else d
            for d in bilingual()]
    assert "nightmares" not in slugs(compute_all(docs, config(count=3)), "sleep")


# --- determinism ---------------------------------------------------------------------------

def corpus(n: int, seed: int) -> list[Doc]:
    rng = random.Random(seed)
    words = {t: text.split() for t, text in TOPICS.items()}
    docs = []
    for i in range(n):
        topic = rng.choice(sorted(words))
        text = " ".join(rng.choice(words[topic]) for _ in range(30))
        for lang in ("uk", "en") if i % 3 else ("en",):
            docs.append(doc(f"a{i:03d}", lang=lang, day=rng.randrange(40), text=text,
                            tags=(topic,) if rng.random() < 0.5 else (),
                            category=rng.choice(["ptsd", "news", "stress"])))
    return docs


def test_same_content_same_bytes_whatever_the_input_order():
    docs = corpus(120, seed=1)
    first = pickle.dumps(compute_all(docs, config()))
    shuffled = list(docs)
    random.Random(7).shuffle(shuffled)
    assert pickle.dumps(compute_all(shuffled, config())) == first


def test_same_bytes_across_processes_with_different_hash_seeds(tmp_path):
    script = (
        "import json, sys\n"
        "sys.path[:0] = ['.', 'plugins']\n"
        "from tests.test_related_index import corpus, config\n"
        "from related_publications.index import compute_all\n"
        "result = compute_all(corpus(80, seed=3), config())\n"
        "print(json.dumps([[list(k), [list(m) for m in v]] for k, v in result.items()]))\n"
    )
    runs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for seed in ("1", "2")]  # in parallel: each pays for importing scikit-learn
    outputs = set()
    for run in runs:
        stdout, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr
        outputs.add(stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop())  # not empty


def test_chunked_scoring_matches_one_chunk(monkeypatch):
    """Rows are scored in chunks to bound memory; the chunk size must not change a thing."""
    import related_publications.index as index

    docs = corpus(90, seed=5)
    whole = compute_all(docs, config())
    monkeypatch.setattr(index, "CELLS_PER_CHUNK", 7 * 90)  # 7 rows at a time
    assert compute_all(docs, config()) == whole


def test_duplicate_slug_is_reported_and_first_wins():
    docs = [doc("same", day=1, topic="sleep"),
            replace(doc("same", day=2, topic="family"), path="articles/news/same.en.md"),
            doc("other", day=0, topic="sleep")]
    result = compute_all(docs, config())
    assert any("also the slug of" in f.problem for f in result.findings)
    assert len(result) == 2


def test_memo_scores_only_the_language_that_changed_and_gives_the_same_lists():
    docs = [doc(f"{topic}-{n}-{lang}", lang=lang, day=n, topic=topic, key=f"{topic}-{n}")
            for lang in ("uk", "en") for topic in TOPICS for n in range(4)]
    memo: dict = {}
    compute_all(docs, config(), memo)
    kept = dict(memo)
    assert len(kept) == 2  # one entry per language
    edited = [replace(d, text=d.text + " insomnia insomnia") if d.slug == "family-1-en" else d
              for d in docs]
    again = compute_all(edited, config(), memo)
    assert again.lists == compute_all(edited, config()).lists  # same as without a memo
    [unchanged] = set(kept) & set(memo)  # Ukrainian: not scored again, the very same lists
    assert memo[unchanged] is kept[unchanged]
    assert len(memo) == 2  # the stale English entry was dropped
