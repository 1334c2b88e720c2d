"""Deterministic benchmark corpus: N made-up articles in Ukrainian and English.

`generate(dest, n, seed)` writes, under `dest/`:

    content/articles/<category>/<slug>.<lang>.md   n article source files (CONTENT.md format)
    content/pages/<slug>.<lang>.md                 a few pages in both languages
    content/data/reviewers.toml, references.toml   made-up reviewers and references used above
    topics.json                                    the latent topic of every article

`n` counts source files. How they divide between the languages is the `split`:

- `50/50` (the default): about 80 % of them are translation pairs (the same file name in
  both languages), the rest single-language articles split evenly, so there are n/2
  Ukrainian and n/2 English files;
- `uk`: a one-language site, n Ukrainian articles and no translation (pages in Ukrainian
  only too);
- `lopsided`: as the clinic writes, 80 % of the files Ukrainian, a quarter of those
  translated (n/5 pairs, 3n/5 Ukrainian-only articles, no English-only one).

Every article is mostly about one of 20 latent topics (`bench/vocabulary.py`): its title,
tags, category and about a third of its words come from that topic, a few words from one
"noise" topic, and the rest from common words. `topics.json` records the topic so the
related-publications benchmark can score precision. A translated pair is generated from one
sequence of abstract tokens rendered in each language, so the two files match word for word.

Output depends only on (n, seed, split) and this module: same arguments, identical bytes.

CLI: `python -m bench.corpus --n 1000 --out DIR [--seed 0] [--split 50/50|uk|lopsided]`.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import shutil
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

from bench import vocabulary as vocab

logger = logging.getLogger(__name__)

LANGS = ("uk", "en")
PAIR_SHARE = 0.8  # share of source files that belong to a translation pair
WORDS_MIN, WORDS_MAX = 650, 1300  # body length target; the closing blocks add < 200 words,
# so every body lands within 600–1,500 words
FIRST_DAY, LAST_DAY = date(2017, 1, 1), date(2025, 12, 31)
PSEUDO_WORDS_PER_TOPIC = 40
N_REFERENCES = 40
# Categories that carry medical content and therefore get `reviewed_by` (CONTENT.md).
NON_MEDICAL = {"news", "uncategorized"}

_LANG_INDEX = {"en": 0, "uk": 1}  # position in the vocabulary's (english, ukrainian) pairs
SPLITS = ("50/50", "uk", "lopsided")  # how the n files divide between the languages


@dataclass(frozen=True)
class CorpusInfo:
    """What `generate` wrote."""

    root: Path
    content: Path
    topics_file: Path
    seed: int
    n_files: int
    n_uk: int
    n_en: int
    n_pairs: int
    n_pages: int
    words: int  # body words over all article files
    split: str = "50/50"


def count_words(markdown: str) -> int:
    """Words of a Markdown body as a reader sees them: link targets and syntax left out."""
    text = re.sub(r"\]\([^)]*\)", "]", markdown)  # drop link targets
    text = re.sub(r"\[@[^\]]+\]", "", text)  # citation keys
    return sum(1 for token in text.split() if re.search(r"[^\W\d_]", token))


# --- Topic vocabulary -------------------------------------------------------------------

def _pseudo_words(topic_index: int, lang: str) -> list[str]:
    """Made-up words for one topic (the same for every seed: the topics are fixed)."""
    rng = random.Random(f"pseudo:{topic_index}:{lang}")
    syllables = vocab.SYLLABLES_EN if lang == "en" else vocab.SYLLABLES_UK
    words: list[str] = []
    while len(words) < PSEUDO_WORDS_PER_TOPIC:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        words.append(word)  # uniqueness across topics is enforced by _Lexicon
    return words


class _Lexicon:
    """Renders abstract tokens in a language. Tokens: ("g", i) common word, ("k", t, i)
    real keyword of topic t, ("p", t, i) pseudo-word of topic t."""

    def __init__(self) -> None:
        self.pseudo: dict[str, list[list[str]]] = {}
        for lang in LANGS:
            seen: set[str] = set()
            per_topic = []
            for t in range(len(vocab.TOPICS)):
                words = []
                for w in _pseudo_words(t, lang):
                    while w in seen:  # another topic has it: extend until unique
                        w += "n" if lang == "en" else "н"
                    seen.add(w)
                    words.append(w)
                per_topic.append(words)
            self.pseudo[lang] = per_topic

    def word(self, token: tuple, lang: str) -> str:
        kind = token[0]
        if kind == "g":
            return vocab.GENERAL[token[1]][_LANG_INDEX[lang]]
        if kind == "k":
            return vocab.TOPICS[token[1]]["keywords"][token[2]][_LANG_INDEX[lang]]
        return self.pseudo[lang][token[1]][token[2]]

    def words(self, tokens: list[tuple], lang: str) -> list[str]:
        return [self.word(t, lang) for t in tokens]


# --- Article plan -----------------------------------------------------------------------

@dataclass
class _Plan:
    """Everything about one article (or pair) except its rendered text."""

    index: int
    slug: str
    langs: tuple[str, ...]
    topic: int
    noise_topic: int
    category: str
    published: datetime
    with_time: bool
    modified: date | None
    tags: list[int]  # indices into topic tag lists, encoded as topic*100 + i
    authors: list[int]
    reviewer: int | None
    reviewed_on: date | None
    references: list[int]
    title: list[tuple]
    seed: str


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def _sentence_tokens(rng: random.Random, topic: int, noise: int, length: int) -> list[tuple]:
    """A run of tokens: ~30 % topic words, ~6 % noise-topic words, the rest common words."""
    tokens = []
    n_keywords = len(vocab.TOPICS[topic]["keywords"])
    for _ in range(length):
        roll = rng.random()
        if roll < 0.30:
            if rng.random() < 0.3:
                tokens.append(("k", topic, rng.randrange(n_keywords)))
            else:
                tokens.append(("p", topic, rng.randrange(PSEUDO_WORDS_PER_TOPIC)))
        elif roll < 0.36:
            tokens.append(("p", noise, rng.randrange(PSEUDO_WORDS_PER_TOPIC)))
        else:
            tokens.append(("g", rng.randrange(len(vocab.GENERAL))))
    return tokens


def _layouts(n: int, split: str) -> list[tuple[str, ...]]:
    """The languages of each article (or pair), before shuffling: `n` files in all."""
    if split == "uk":
        return [("uk",)] * n
    if split == "lopsided":  # 4n/5 Ukrainian files, a quarter of them translated
        n_pairs = n // 5
        return [LANGS] * n_pairs + [("uk",)] * (n - 2 * n_pairs)
    n_pairs = int(n * PAIR_SHARE) // 2
    singles = n - 2 * n_pairs
    return [LANGS] * n_pairs + [("uk",)] * (singles - singles // 2) + [("en",)] * (singles // 2)


def _plan_articles(n: int, seed: int, split: str = "50/50") -> list[_Plan]:
    rng = random.Random(f"plan:{seed}:{n}")
    layouts = _layouts(n, split)
    rng.shuffle(layouts)
    span = (LAST_DAY - FIRST_DAY).days
    plans: list[_Plan] = []
    used_slugs: set[str] = set()
    used_titles: set[str] = set()
    lexicon = _Lexicon()
    for index, langs in enumerate(layouts):
        topic = rng.randrange(len(vocab.TOPICS))
        noise = rng.choice([t for t in range(len(vocab.TOPICS)) if t != topic])
        spec = vocab.TOPICS[topic]
        category = _weighted(rng, spec["categories"])
        day = FIRST_DAY + timedelta(days=rng.randrange(span))
        with_time = rng.random() < 0.3
        published = datetime(day.year, day.month, day.day,
                             rng.randrange(8, 20) if with_time else 0,
                             rng.choice((0, 15, 30, 45)) if with_time else 0)
        modified = None
        if rng.random() < 0.2:
            modified = min(LAST_DAY, day + timedelta(days=rng.randint(10, 400)))
        # Editors tag unevenly: a fifth of the articles have no tags at all, the others
        # 1-4 of their topic's, sometimes one of another topic's.
        n_tags = 0 if rng.random() < 0.2 else rng.randint(1, 4)
        tags = rng.sample([topic * 100 + i for i in range(len(spec["tags"]))],
                          min(n_tags, len(spec["tags"])))
        if tags and rng.random() < 0.3:  # one tag from the noise topic
            tags.append(noise * 100 + rng.randrange(len(vocab.TOPICS[noise]["tags"])))
        authors = rng.sample(range(len(vocab.AUTHORS)), rng.randint(1, 2)) \
            if rng.random() < 0.2 else []
        reviewer = reviewed_on = None
        if category not in NON_MEDICAL and rng.random() < 0.6:
            reviewer = rng.randrange(len(vocab.REVIEWERS))
            reviewed_on = min(LAST_DAY, (modified or day) + timedelta(days=rng.randint(0, 30)))
        references = sorted(rng.sample(range(N_REFERENCES), rng.randint(1, 3))) \
            if rng.random() < 0.4 else []
        while True:
            title = [("k", topic, rng.randrange(len(spec["keywords"])))]
            title += _sentence_tokens(rng, topic, noise, rng.randint(3, 6))
            rng.shuffle(title)
            # Vanilla Pelican derives the URL slug from the title: every title, in every
            # language, must give a distinct slug or its build stops on a duplicate.
            keys = {_title_slug(" ".join(lexicon.words(title, lang))) for lang in langs}
            if not keys & used_titles:
                used_titles |= keys
                break
        slug = _slugify("-".join(lexicon.words(title[:5], "en")))
        while slug in used_slugs:
            slug += f"-{rng.randrange(10)}"
        used_slugs.add(slug)
        plans.append(_Plan(index, slug, langs, topic, noise, category, published, with_time,
                           modified, tags, authors, reviewer, reviewed_on, references, title,
                           f"{seed}:{index}"))
    return plans


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _title_slug(title: str) -> str:
    """The slug Pelican's default settings derive from a title (transliterated ASCII)."""
    from unidecode import unidecode  # a Pelican dependency

    return _slugify(unidecode(title))


# --- Rendering --------------------------------------------------------------------------

def _cap(words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _body_blocks(plan: _Plan, same_topic: list[int], anywhere: list[int],
                 rng: random.Random) -> list[tuple]:
    """The article body as language-neutral blocks; rendered per language later.

    Block kinds: ("p", [sentence tokens...], links), ("h2", tokens), ("h3", tokens),
    ("ul", [item tokens...]), ("ol", [...]), ("comment", [sentences]).
    A paragraph's links are (sentence index, start, length, target) where target is
    ("int", plan index) or ("ext", token).
    """
    target = rng.randint(WORDS_MIN, WORDS_MAX)
    def pick_target() -> int | None:
        """Another article in the same language(s): usually on the same topic, as editors
        link. `same_topic` and `anywhere` hold only articles that exist in every language of
        this one, so each rendering links to a file in its own language."""
        pool = same_topic if rng.random() < 0.7 else anywhere
        for _ in range(20):
            other = rng.choice(pool)
            if other != plan.index:
                return other
        return next((i for i in anywhere if i != plan.index), None)  # None: tiny corpus
    blocks: list[tuple] = []
    words = 0
    internal_links = rng.randint(1, 3)
    cite_keys = list(plan.references)

    def paragraph() -> tuple:
        nonlocal words, internal_links
        sentences = [_sentence_tokens(rng, plan.topic, plan.noise_topic, rng.randint(7, 16))
                     for _ in range(rng.randint(2, 5))]
        links = []
        if rng.random() < 0.35:
            s = rng.randrange(len(sentences))
            start = rng.randrange(max(1, len(sentences[s]) - 3))
            if internal_links and rng.random() < 0.7:
                other = pick_target()
                if other is not None:
                    links.append((s, start, 3, ("int", other)))
                    internal_links -= 1
            else:
                links.append((s, start, 2, ("ext", sentences[s][start])))
        cite = None
        if cite_keys and rng.random() < 0.3:
            cite = (rng.randrange(len(sentences)), cite_keys.pop(0))
        words += sum(len(s) for s in sentences)
        return ("p", sentences, links, cite)

    blocks.append(paragraph())
    while words < target:
        heading = _sentence_tokens(rng, plan.topic, plan.noise_topic, rng.randint(2, 5))
        blocks.append(("h2", heading))
        words += len(heading)
        for _ in range(rng.randint(1, 3)):
            if words >= target:
                break
            blocks.append(paragraph())
            roll = rng.random()
            if roll < 0.25:
                items = [_sentence_tokens(rng, plan.topic, plan.noise_topic, rng.randint(3, 8))
                         for _ in range(rng.randint(3, 6))]
                blocks.append(("ul" if rng.random() < 0.6 else "ol", items))
                words += sum(len(i) for i in items)
            elif roll < 0.32:
                sub = _sentence_tokens(rng, plan.topic, plan.noise_topic, rng.randint(2, 4))
                blocks.append(("h3", sub))
                words += len(sub)
    other = pick_target() if internal_links else None
    if other is not None:  # make sure every article links to another one
        sentence = _sentence_tokens(rng, plan.topic, plan.noise_topic, 6)
        blocks.append(("p", [sentence], [(0, 2, 3, ("int", other))], None))
    if rng.random() < 0.3:
        sentence = _sentence_tokens(rng, plan.topic, plan.noise_topic, rng.randint(8, 14))
        blocks.append(("comment", [sentence]))
    return blocks


def _render_sentence(words: list[str], links: list, lexicon: _Lexicon, lang: str,
                     link_path: Callable[[int, str], str]) -> str:
    words = list(words)
    for start, length, target in links:
        end = min(len(words), start + length)
        if target[0] == "int":
            href = "{filename}" + link_path(target[1], lang)
        else:
            href = f"https://example.org/{lang}/{_slugify(lexicon.word(target[1], 'en'))}"
        words[start:end] = [f"[{' '.join(words[start:end])}]({href})"]
    return _cap(words) + "."


def _render_body(blocks: list[tuple], lexicon: _Lexicon, lang: str,
                 link_path: Callable[[int, str], str], reference_keys: list[str]) -> str:
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "p":
            _, sentences, links, cite = block
            rendered = []
            for i, tokens in enumerate(sentences):
                mine = [(s, ln, t) for (si, s, ln, t) in links if si == i]
                text = _render_sentence(lexicon.words(tokens, lang), mine, lexicon, lang,
                                        link_path)
                if cite and cite[0] == i:
                    text = text[:-1] + f" [@{reference_keys[cite[1]]}]."
                rendered.append(text)
            out.append(" ".join(rendered))
        elif kind in ("h2", "h3"):
            out.append(("## " if kind == "h2" else "### ") + _cap(lexicon.words(block[1], lang)))
        elif kind in ("ul", "ol"):
            lines = []
            for number, item in enumerate(block[1], 1):
                marker = "-" if kind == "ul" else f"{number}."
                lines.append(f"{marker} {_cap(lexicon.words(item, lang))}")
            out.append("\n".join(lines))
        elif kind == "comment":
            text = " ".join(_cap(lexicon.words(s, lang)) + "." for s in block[1])
            out.append(f"!!! clinic-comment\n\n    {text}")
    return "\n\n".join(out) + "\n"


def _header(plan: _Plan, lang: str, lexicon: _Lexicon, summary: list[tuple],
            reference_keys: list[str]) -> str:
    li = _LANG_INDEX[lang]
    fmt = "%Y-%m-%d %H:%M" if plan.with_time else "%Y-%m-%d"
    tags = [vocab.TOPICS[code // 100]["tags"][code % 100][li] for code in plan.tags]
    lines = [
        f"title: {_cap(lexicon.words(plan.title, lang))}",
        f"date: {plan.published.strftime(fmt)}",
    ]
    if plan.modified:
        lines.append(f"modified: {plan.modified.isoformat()}")
    lines.append(f"category: {plan.category}")
    if tags:
        lines.append(f"tags: {', '.join(dict.fromkeys(tags))}")
    if plan.authors:
        lines.append(f"authors: {', '.join(vocab.AUTHORS[a][li] for a in plan.authors)}")
    lines.append(f"summary: {_cap(lexicon.words(summary, lang))}.")
    if plan.reviewer is not None:
        lines.append(f"reviewed_by: {vocab.REVIEWERS[plan.reviewer]['key']}")
        lines.append(f"reviewed_on: {plan.reviewed_on.isoformat()}")
    if plan.references:
        lines.append(f"references: {', '.join(reference_keys[r] for r in plan.references)}")
    return "\n".join(lines) + "\n"


# --- Pages and data files -----------------------------------------------------------------

_PAGES = (  # slug, menu, order, (english title, ukrainian title)
    ("about", "main", 1, ("About the clinic", "Про клініку")),
    ("privacy", "", 0, ("Privacy policy", "Політика конфіденційності")),
    ("treat-ptsd", "treat", 1, ("PTSD treatment", "Лікування ПТСР")),
    ("treat-depression", "treat", 2, ("Depression treatment", "Лікування депресії")),
    ("treat-anxiety", "treat", 3, ("Anxiety treatment", "Лікування тривожності")),
)


def _write_pages(pages_dir: Path, lexicon: _Lexicon, seed: int,
                 langs: tuple[str, ...] = LANGS) -> int:
    pages_dir.mkdir(parents=True)
    count = 0
    for i, (slug, menu, order, titles) in enumerate(_PAGES):
        rng = random.Random(f"page:{seed}:{slug}")
        paragraphs = [[_sentence_tokens(rng, i, (i + 1) % len(vocab.TOPICS), rng.randint(8, 14))
                       for _ in range(3)] for _ in range(3)]
        for lang in langs:
            header = [f"title: {titles[_LANG_INDEX[lang]]}"]
            if menu:
                header += [f"menu: {menu}", f"order: {order}"]
            body = "\n\n".join(" ".join(_cap(lexicon.words(s, lang)) + "." for s in p)
                               for p in paragraphs)
            _write(pages_dir / f"{slug}.{lang}.md", "\n".join(header) + "\n\n" + body + "\n")
            count += 1
    return count


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON string syntax is valid TOML


def _write_data(data_dir: Path, lexicon: _Lexicon, seed: int) -> list[str]:
    """reviewers.toml and references.toml in the CONTENT.md format; returns reference keys."""
    data_dir.mkdir(parents=True)
    lines = []
    for reviewer in vocab.REVIEWERS:
        lines.append(f"[{reviewer['key']}]")
        lines.append('profile = "/about/#team"')
        for lang in LANGS:
            name, credentials = reviewer[lang]
            lines.append(f"{lang} = {{ name = {_toml_str(name)}, "
                         f"credentials = {_toml_str(credentials)} }}")
        lines.append("")
    _write(data_dir / "reviewers.toml", "\n".join(lines))
    rng = random.Random(f"references:{seed}")
    keys: list[str] = []
    lines = []
    surnames = [a[0].split()[1] for a in vocab.AUTHORS] + ["Smith", "Garcia", "Chen", "Novak"]
    for i in range(N_REFERENCES):
        authors = rng.sample(surnames, rng.randint(1, 4))
        year = rng.randint(1995, 2025)
        key = f"{authors[0].lower()}{year}{'abcdefghijklmnopqrstuvwxyz'[i % 26]}"
        keys.append(key)
        topic = rng.randrange(len(vocab.TOPICS))
        title = _cap(lexicon.words(_sentence_tokens(rng, topic, topic, rng.randint(6, 11)), "en"))
        lines += [
            f"[{key}]",
            "authors = [" + ", ".join(_toml_str(f"{a} {rng.choice('ABCDEFGHKLMNOPRST')}")
                                      for a in authors) + "]",
            f"title = {_toml_str(title)}",
            f'journal = "Journal of {rng.choice(["Clinical", "Applied", "Affective"])} Studies"',
            f"year = {year}",
            f'doi = "10.5555/bench.{seed}.{i}"',
            "",
        ]
    _write(data_dir / "references.toml", "\n".join(lines))
    return keys


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


# --- Entry point --------------------------------------------------------------------------

def generate(dest: Path, n: int, seed: int = 0, split: str = "50/50") -> CorpusInfo:
    """Write a corpus of `n` article source files under `dest` (see the module docstring),
    divided between the languages as `split` says (one of SPLITS).

    `dest/content` and `dest/topics.json` are replaced; other files in `dest` are kept.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)} (got {split!r})")
    if n < 2:
        raise ValueError(f"n must be at least 2 (got {n}): a corpus needs both languages")
    dest = Path(dest)
    content = dest / "content"
    if content.exists():
        shutil.rmtree(content)
    dest.mkdir(parents=True, exist_ok=True)
    lexicon = _Lexicon()
    plans = _plan_articles(n, seed, split)
    reference_keys = _write_data(content / "data", lexicon, seed)
    n_pages = _write_pages(content / "pages", lexicon, seed, ("uk",) if split == "uk" else LANGS)
    # Link targets by the languages they exist in (and by topic): see _body_blocks.
    anywhere: dict[tuple, list[int]] = {}
    by_topic: dict[tuple, list[int]] = {}
    for p in plans:
        for need in (("uk",), ("en",), LANGS):
            if set(need) <= set(p.langs):
                anywhere.setdefault(need, []).append(p.index)
                by_topic.setdefault((p.topic, need), []).append(p.index)

    def link_path(index: int, lang: str) -> str:
        target = plans[index]
        return f"/articles/{target.category}/{target.slug}.{lang}.md"

    records = []
    total_words = 0
    counts = {lang: 0 for lang in LANGS}
    for plan in plans:
        rng = random.Random(f"body:{plan.seed}")
        need = plan.langs
        blocks = _body_blocks(plan, by_topic.get((plan.topic, need)) or anywhere[need],
                              anywhere[need], rng)  # anywhere[need] holds at least `plan`
        summary = _sentence_tokens(rng, plan.topic, plan.noise_topic, rng.randint(12, 22))
        for lang in plan.langs:
            body = _render_body(blocks, lexicon, lang, link_path, reference_keys)
            text = _header(plan, lang, lexicon, summary, reference_keys) + "\n" + body
            rel = f"articles/{plan.category}/{plan.slug}.{lang}.md"
            _write(content / rel, text)
            total_words += count_words(body)
            counts[lang] += 1
            records.append({"lang": lang, "slug": plan.slug, "path": rel,
                            "topic": vocab.TOPICS[plan.topic]["id"],
                            "noise_topic": vocab.TOPICS[plan.noise_topic]["id"],
                            "category": plan.category, "translated": len(plan.langs) == 2})

    by_lang: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for record in records:
        by_lang[record["lang"]][record["slug"]] = record["topic"]
    topics_file = dest / "topics.json"
    topics_doc = {
        "seed": seed,
        "n": n,
        "topics": [{"id": t["id"], "categories": t["categories"]} for t in vocab.TOPICS],
        "by_lang_slug": by_lang,
        "articles": records,
    }
    _write(topics_file, json.dumps(topics_doc, ensure_ascii=False, indent=1, sort_keys=True)
           + "\n")
    n_pairs = sum(1 for p in plans if len(p.langs) == 2)
    return CorpusInfo(dest, content, topics_file, seed, len(records), counts["uk"], counts["en"],
                      n_pairs, n_pages, total_words, split)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="article source files (default 1000)")
    parser.add_argument("--out", type=Path, required=True, help="corpus folder to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=SPLITS, default="50/50",
                        help="how the files divide between the languages (default 50/50)")
    args = parser.parse_args(argv)
    started = datetime.now()
    info = generate(args.out, args.n, args.seed, args.split)
    seconds = (datetime.now() - started).total_seconds()
    print(f"wrote {info.n_files} articles ({info.n_uk} uk, {info.n_en} en, {info.n_pairs} pairs),"
          f" {info.n_pages} pages, {info.words} words into {info.content} in {seconds:.1f} s;"
          f" topics: {info.topics_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
