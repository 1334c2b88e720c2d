"""Related-publications benchmark: accuracy against known topics, time and memory.

`run(n)` generates a corpus of `n` article files with `bench.corpus.generate` (each article
has a latent topic, recorded in topics.json) — or takes the harness's corpus folder —, reads
the files into `Doc`s, and measures:

- precision@4: the share of the 4 listed related articles that share the article's topic
  (an empty place counts as a miss), averaged over every article, for
  * this plugin (default settings),
  * the tag-count baseline of pelican-plugins/related-posts (count shared tags, most first,
    ties in the order the generator lists articles: newest first; newer articles allowed),
  * 4 random other articles of the same language (fixed seed);
- the same with the tags removed from half of the articles (every other one by slug): the
  generated tags follow the topics almost perfectly, which real tagging does not, so this
  shows how each method copes with untagged articles;
- the wall and CPU time of one `compute_all` call over all docs (best of `repeat`), and its
  peak traced memory (a separate run under tracemalloc, which slows Python code down) plus
  the process's peak resident set size.

CLI: `python -m bench.related_bench 1000 10000`.
"""

from __future__ import annotations

import gc
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import corpus as corpus_module
from related_publications.index import compute_all
from related_publications.model import Doc
from related_publications.settings import Config

K = 4
TIMEZONE = ZoneInfo("Europe/Kyiv")


def _split(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def read_doc(path: Path, content: Path) -> Doc:
    """A Doc from one generated source file (`Key: value` header, blank line, body)."""
    text = path.read_text(encoding="utf-8")
    header, _, body = text.partition("\n\n")
    fields = {}
    for line in header.splitlines():
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    slug, lang = path.name[: -len(".md")].rsplit(".", 1)
    fmt = "%Y-%m-%d %H:%M" if " " in fields["date"] else "%Y-%m-%d"
    return Doc(
        lang=lang, slug=fields.get("slug", slug), key=fields.get("translation_key", slug),
        title=fields.get("title", ""), summary=fields.get("summary", ""), text=body,
        tags=_split(fields.get("tags", "")), category=fields.get("category", ""),
        date=datetime.strptime(fields["date"], fmt).replace(tzinfo=TIMEZONE),
        related=_split(fields["related"]) if "related" in fields else None,
        related_exclude=_split(fields.get("related_exclude", "")),
        path=path.relative_to(content).as_posix(),
    )


def load_corpus(root: Path) -> tuple[list[Doc], dict[tuple[str, str], str]]:
    """Docs of every generated article and the latent topic of each (lang, slug)."""
    content = root / "content"
    docs = [read_doc(p, content) for p in sorted((content / "articles").rglob("*.md"))]
    topics_doc = json.loads((root / "topics.json").read_text(encoding="utf-8"))
    topics = {(lang, slug): topic
              for lang, by_slug in topics_doc["by_lang_slug"].items()
              for slug, topic in by_slug.items()}
    return docs, topics


def tag_count_baseline(docs: list[Doc]) -> dict[tuple[str, str], list[str]]:
    """pelican-plugins/related-posts: articles sharing the most tags, ties unordered."""
    lists = {}
    by_lang: dict[str, list[Doc]] = defaultdict(list)
    for doc in sorted(docs, key=lambda d: d.date, reverse=True):  # Pelican's article order
        by_lang[doc.lang].append(doc)
    for articles in by_lang.values():
        by_tag: dict[str, list[Doc]] = defaultdict(list)
        for doc in articles:
            for tag in doc.tags:
                by_tag[tag].append(doc)
        for doc in articles:
            counts = Counter(other.slug for tag in doc.tags for other in by_tag[tag]
                             if other is not doc)
            lists[(doc.lang, doc.slug)] = [slug for slug, _ in counts.most_common(K)]
    return lists


def random_baseline(docs: list[Doc], seed: int = 0) -> dict[tuple[str, str], list[str]]:
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        by_lang[doc.lang].append(doc.slug)
    lists = {}
    for doc in docs:
        others = [s for s in by_lang[doc.lang] if s != doc.slug]
        lists[(doc.lang, doc.slug)] = rng.sample(others, min(K, len(others)))
    return lists


def precision_at_k(lists, topics) -> float:
    """Mean over articles of (related items sharing the topic) / K."""
    total = 0.0
    for (lang, slug), related in lists.items():
        topic = topics[(lang, slug)]
        hits = sum(1 for other in list(related)[:K] if topics[(lang, other)] == topic)
        total += hits / K
    return total / len(lists)


def untag_half(docs: list[Doc]) -> list[Doc]:
    """The docs with the tags of every other article (in slug order) removed."""
    untagged = {slug for i, slug in enumerate(sorted({d.slug for d in docs})) if i % 2}
    return [replace(d, tags=()) if d.slug in untagged else d for d in docs]


def _generate(folder: Path, n: int, seed: int):
    return corpus_module.generate(folder, n, seed)


def _timed(docs, config, repeat: int):
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        result = compute_all(docs, config)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    return best, best_cpu, result


def _peak_traced(docs, config) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        compute_all(docs, config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def run(n: int, seed: int = 0, repeat: int | None = None, corpus: Path | None = None) -> dict:
    """Measure on `corpus` (a folder with content/ and topics.json, as the bench harness
    passes) or on `n` freshly generated article files; return the measured numbers."""
    repeat = repeat if repeat is not None else (3 if n <= 2000 else 1)
    if corpus is not None:
        docs, topics = load_corpus(Path(corpus))
        keys = {lang: {d.key for d in docs if d.lang == lang} for lang in ("uk", "en")}
        pairs = len(keys["uk"] & keys["en"])
    else:
        with tempfile.TemporaryDirectory(prefix="related-bench-") as folder:
            info = _generate(Path(folder), n, seed)
            docs, topics = load_corpus(Path(folder))
        pairs = info.n_pairs
    config = Config(primary_lang="uk")
    seconds, cpu_seconds, result = _timed(docs, config, repeat)
    plugin_lists = {key: [m.slug for m in matches] for key, matches in result.items()}
    peak_mb = _peak_traced(docs, config)
    per_lang = Counter(doc.lang for doc in docs)
    half = untag_half(docs)
    half_lists = {key: [m.slug for m in matches]
                  for key, matches in compute_all(half, config).items()}
    return {
        "n": n,
        "docs": len(docs),
        "docs_per_lang": dict(sorted(per_lang.items())),
        "pairs": pairs,
        "precision_at_4": {
            "plugin": round(precision_at_k(plugin_lists, topics), 4),
            "tag_count": round(precision_at_k(tag_count_baseline(docs), topics), 4),
            "random": round(precision_at_k(random_baseline(docs, seed), topics), 4),
        },
        "precision_at_4_half_untagged": {
            "plugin": round(precision_at_k(half_lists, topics), 4),
            "tag_count": round(precision_at_k(tag_count_baseline(half), topics), 4),
        },
        "empty_lists": sum(1 for v in plugin_lists.values() if not v),
        "reasons": dict(sorted(Counter(m.reason for ms in result.values() for m in ms).items())),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "peak_traced_mb": round(peak_mb, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "warnings": len(result.findings),
    }


def main(argv: list[str]) -> int:
    for n in [int(a) for a in argv] or [1000, 10000]:
        print(json.dumps(run(n), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
