"""The scoring core: every article's related publications, computed once per build.

`compute_all(docs, config)` is the only entry point. It knows nothing about Pelican: it takes
plain `Doc` records and returns a `Result` mapping (lang, slug) to a tuple of `Match`es.

How a list is made, per language (articles are compared only with their own language):

1. Score. Each pair of articles gets four parts, each between 0 and 1:
   text (cosine of TF-IDF vectors of title, summary and body), tags (cosine of tag vectors
   where each tag weighs by its rarity, and tags on too many articles are dropped), category
   (1 when equal) and date (halves every `date_half_life_days`). The score is the weighted
   mean of the parts, times 100, rounded to hundredths; `Match.parts` holds each part's share
   of those points.
2. Candidates. Not the article itself, not `related_exclude`d, not already pinned; by default
   only older articles (stable lists), or newer too with `include_newer`.
3. List = pinned slugs (in the editor's order), then candidates scoring at least `threshold`,
   best first; with `see_also_newer`, an article with too few older candidates continues with
   newer ones above the threshold; then the fallback, newest first: older articles of the
   same category, then (with `fallback_any_category`) older ones of any category, then, with
   `see_also_newer`, newer ones in the same order. Cut to `count`.
   Ties are broken by score, then date (newer first), then slug (A to Z).
4. Translations agree. The lists of the primary language (`primary_lang`) are made as above.
   An article in another language whose translation key has a primary-language article
   shows: its own pins, then the translations (into its language) of the primary article's
   list, in that order and with that list's scores and reasons (`Match.via` names the
   primary language), skipping items without a translation or excluded by this article;
   then its own scored list and fallback fill the remaining places.

Scale: rows are scored in chunks of about CELLS_PER_CHUNK cells against all articles of the
language, so memory grows linearly with the number of articles (no n×n matrix is ever held);
the text and tag products are sparse.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from core.findings import Finding
from related_publications.model import FALLBACK, HIDE, PINNED, SCORED, Doc, Match, Result
from related_publications.settings import PARTS, Config
from related_publications.text import vectorise

# Pairs scored at once (rows × articles); bounds the working memory to ~100 MB.
CELLS_PER_CHUNK = 1_500_000
# Scores are handled as whole hundredths (0..10 000) so ties are exact and reproducible.
HUNDREDTHS = 100
# Threads for scoring (languages, row chunks); more than the cores gains nothing.
THREADS = min(4, os.cpu_count() or 1)
# A tag on this many articles or fewer is never "too common", so small sites keep their tags.
ALWAYS_KEPT_TAG_COUNT = 3
_DOC_FIELDS = tuple(f.name for f in dataclasses.fields(Doc) if f.name != "text")


def compute_all(docs: Sequence[Doc], config: Config, memo: dict | None = None) -> Result:
    """Related lists for every doc, and findings about the editors' `related*` fields.

    `memo` (a dict the caller keeps between calls, as the devserver does) holds each
    language's lists by a digest of everything they are computed from: a language whose
    articles did not change is not scored again."""
    # Hundreds of thousands of small objects are made and all kept: the cyclic garbage
    # collector would walk them again and again for nothing (about a fifth of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compute_all(docs, config, memo)
    finally:
        if collecting:
            gc.enable()


def _compute_all(docs: Sequence[Doc], config: Config, memo: dict | None) -> Result:
    findings: list[Finding] = []
    unique = _unique(docs, findings)
    known = {(doc.lang, doc.slug) for doc in unique}
    by_lang: dict[str, list[Doc]] = defaultdict(list)
    for doc in unique:
        by_lang[doc.lang].append(doc)
    primary_keys = {doc.key for doc in by_lang.get(config.primary_lang, ())}
    scorers = [
        _LanguageScorer(by_lang[lang], config, known, set() if lang == config.primary_lang else {
            doc.slug for doc in by_lang[lang] if doc.key in primary_keys})
        for lang in sorted(by_lang)
    ]
    # Languages are independent, and so are row chunks within one: both run in threads. The
    # array work (sparse products, numpy) releases the GIL, so on two cores the scoring takes
    # little more than half its CPU time. Results are gathered in order: threads never
    # change them.
    keys = [scorer.memo_key() if memo is not None else None for scorer in scorers]
    before = memo or {}
    to_score = [index for index, key in enumerate(keys) if key not in before]
    with ThreadPoolExecutor(THREADS) as chunk_pool, ThreadPoolExecutor(THREADS) as lang_pool:
        for index in to_score:
            scorers[index].map = chunk_pool.map
        scored = dict(zip(to_score, lang_pool.map(_LanguageScorer.lists,
                                                  [scorers[index] for index in to_score])))
    # (lists, findings) of each language, scored now or remembered
    per_language = [(scored[index], scorers[index].findings) if index in scored else before[key]
                    for index, key in enumerate(keys)]
    if memo is not None:  # only what this call used: nothing piles up
        memo.clear()
        memo.update(zip(keys, per_language))
    own: dict[tuple[str, str], tuple[tuple[Match, ...], int]] = {}
    for found, scorer_findings in per_language:
        own.update(found)
        findings.extend(scorer_findings)  # in language order, whatever finished first
    return Result(lists=_agree(unique, own, config), findings=findings)


def _unique(docs: Sequence[Doc], findings: list[Finding]) -> list[Doc]:
    """Docs in a fixed order (so results never depend on input order), one per (lang, slug)."""
    seen: dict[tuple[str, str], Doc] = {}
    for doc in sorted(docs, key=lambda d: (d.lang, d.slug, d.path)):
        first = seen.setdefault((doc.lang, doc.slug), doc)
        if first is not doc:
            findings.append(_finding(
                doc, "slug", f"{doc.slug!r} is also the slug of {first.path}; related "
                "publications use the first", "give one of them another slug"))
    return list(seen.values())


def _finding(doc: Doc, field: str, problem: str, fix: str) -> Finding:
    return Finding(doc.path, doc.line_of(field), field, problem, fix)


def _agree(docs: list[Doc], own: dict, config: Config) -> dict[tuple[str, str], tuple]:
    """Final lists: primary-language lists as made; others follow their translation's list."""
    primary = config.primary_lang
    by_key_primary = {doc.key: doc for doc in docs if doc.lang == primary}
    slug_in: dict[tuple[str, str], str] = {}  # (lang, key) -> slug
    key_of: dict[tuple[str, str], str] = {}  # (lang, slug) -> key
    for doc in docs:
        slug_in.setdefault((doc.lang, doc.key), doc.slug)
        key_of[(doc.lang, doc.slug)] = doc.key
    final: dict[tuple[str, str], tuple[Match, ...]] = {}
    for doc in docs:  # primary language first: the others read its lists
        if doc.lang == primary or doc.key not in by_key_primary:
            final[(doc.lang, doc.slug)] = own[(doc.lang, doc.slug)][0][: config.count]
    for doc in docs:
        if (doc.lang, doc.slug) in final:
            continue
        matches, pinned = own[(doc.lang, doc.slug)]
        if doc.hidden:
            final[(doc.lang, doc.slug)] = ()
            continue
        source = by_key_primary[doc.key]
        mapped = []
        excluded = set(doc.related_exclude) | {doc.slug}
        for match in final[(primary, source.slug)]:
            slug = slug_in.get((doc.lang, key_of[(primary, match.slug)]))
            if slug is not None and slug not in excluded:
                mapped.append(Match(slug, match.score, match.parts, match.reason, via=primary))
        chosen: list[Match] = []
        taken: set[str] = set()
        for match in (*matches[:pinned], *mapped, *matches[pinned:]):
            if match.slug not in taken:
                taken.add(match.slug)
                chosen.append(match)
        final[(doc.lang, doc.slug)] = tuple(chosen[: config.count])
    return dict(sorted(final.items()))


class _LanguageScorer:
    """Scores the articles of one language against each other, in row chunks.

    Articles are kept newest first (date descending, then slug A to Z), so an article's index
    is its rank: "older" means a larger index, and among equal scores the smaller index wins,
    which is exactly the tie-break (date descending, slug ascending). With older-only lists
    (the default) a row is only compared with the columns after it: half the work.
    """

    def __init__(self, docs: list[Doc], config: Config, known: set, secondary: set[str]):
        self.docs = sorted(docs, key=lambda d: (-d.date.timestamp(), d.slug))
        self.config = config
        self.known = known
        self.findings: list[Finding] = []
        self.map = map  # how row chunks are run; compute_all hands in a thread pool's map
        self.n = len(docs)
        self.slugs = [doc.slug for doc in self.docs]
        self.index_of = {slug: i for i, slug in enumerate(self.slugs)}
        # A secondary article's own list may lose places to its translation's list, so it
        # keeps twice as many candidates.
        self.needed = [2 * config.count if d.slug in secondary else config.count
                       for d in self.docs]
        weights = np.array([config.weights[part] for part in PARTS], dtype=np.float64)
        self.points = weights / weights.sum() * 100.0  # each part's maximum in score points
        self.threshold = round(config.threshold * HUNDREDTHS)

    def memo_key(self) -> bytes:
        """Everything this language's lists are computed from."""
        digest = hashlib.blake2b(digest_size=20)
        digest.update(repr((self.config, sorted(self.known), self.needed)).encode())
        for doc in self.docs:  # the bodies apart: one repr of them all took a second at 10,000
            text = doc.text.encode("utf-8", "surrogatepass")
            digest.update(repr([getattr(doc, name) for name in _DOC_FIELDS]).encode())
            digest.update(b"%d:" % len(text))
            digest.update(text)
        return digest.digest()

    # -- features ---------------------------------------------------------------------------

    def _tags(self) -> sp.csr_matrix:
        """Rows of rarity-weighted tags, L2-normalised; single-use and over-common tags dropped."""
        n, config = self.n, self.config
        per_doc = [sorted({t.strip().lower() for t in doc.tags if t.strip()}) for doc in self.docs]
        counts = Counter(tag for tags in per_doc for tag in tags)
        limit = max(config.max_tag_share * n, ALWAYS_KEPT_TAG_COUNT)
        kept = sorted(tag for tag, c in counts.items() if 2 <= c <= limit)
        column = {tag: j for j, tag in enumerate(kept)}
        idf = {tag: np.log((1 + n) / (1 + counts[tag])) + 1.0 for tag in kept}
        rows, cols, values = [], [], []
        for i, tags in enumerate(per_doc):
            for tag in tags:
                if tag in column:
                    rows.append(i)
                    cols.append(column[tag])
                    values.append(idf[tag])
        matrix = sp.csr_matrix((values, (rows, cols)), shape=(n, len(kept)), dtype=np.float32)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=np.float32)

    def _prepare(self) -> None:
        self.text = vectorise(self.docs, self.docs[0].lang, self.config)
        self.text_t = self.text.T.tocsr()
        self.tag_rows = self._tags()
        self.tag_rows_t = self.tag_rows.T.tocsr()
        # Days since the newest article over the half-life, negated, so that exp2 of the
        # absolute difference of two values is their date closeness (float32 is precise to
        # well under a day over decades).
        days = np.array([doc.date.timestamp() / 86400.0 for doc in self.docs])
        self.days = ((days[0] - days) / -self.config.date_half_life_days).astype(np.float32)
        _, self.categories = np.unique([doc.category for doc in self.docs], return_inverse=True)

    def _block(self, rows: np.ndarray, lo: int):
        """Parts and scores (whole hundredths) of `rows` against columns lo..n-1.

        Returns (text, tags, date, same category, score) arrays of shape rows × columns.
        """
        text = (self.text[rows] @ self.text_t[:, lo:]).toarray()
        tags = (self.tag_rows[rows] @ self.tag_rows_t[:, lo:]).toarray()
        date = -np.abs(self.days[rows, None] - self.days[None, lo:])
        np.exp2(date, out=date)  # days were scaled by -1/half-life: this is the closeness
        same = self.categories[rows, None] == self.categories[None, lo:]
        w_text, w_tags, w_category, w_date = self.points
        points = text * np.float32(w_text * HUNDREDTHS)
        points += tags * np.float32(w_tags * HUNDREDTHS)
        points += date * np.float32(w_date * HUNDREDTHS)
        np.add(points, np.float32(w_category * HUNDREDTHS), out=points, where=same)
        np.minimum(points, 100 * HUNDREDTHS, out=points)  # cosines can exceed 1 by rounding
        return text, tags, date, same, np.rint(points).astype(np.int32)

    def _parts(self, block, r: np.ndarray, c: np.ndarray) -> list[dict[str, float]]:
        """Each part's score points for the block cells (r, c), as dicts for Matches."""
        text, tags, date, same, _ = block
        values = np.stack((np.minimum(text[r, c], 1.0), np.minimum(tags[r, c], 1.0),
                           same[r, c], date[r, c]), axis=1).astype(np.float64) * self.points
        return [dict(zip(PARTS, row)) for row in np.round(values, 2).tolist()]

    # -- editor fields ----------------------------------------------------------------------

    def _resolve(self, doc: Doc, field: str, slugs: Sequence[str]) -> list[int]:
        """Indices of the given slugs in this language; a finding for each unknown one."""
        found = []
        for slug in slugs:
            if slug == doc.slug:
                self.findings.append(_finding(doc, field, f"{slug!r} is this article itself",
                                              "remove it"))
            elif slug in self.index_of:
                found.append(self.index_of[slug])
            else:
                elsewhere = sorted(lang for lang, s in self.known if s == slug)
                hint = (f" (it exists in {', '.join(elsewhere)}: related articles are "
                        "always in the article's own language)") if elsewhere else ""
                self.findings.append(_finding(
                    doc, field, f"no published {doc.lang} article has the slug {slug!r}{hint}",
                    f"write the slug of a published {doc.lang} article (its file name without "
                    f".{doc.lang}.md) or remove it"))
        return found

    def _editor_choices(self) -> tuple[list[list[int]], list[list[int]]]:
        """Per article: pinned indices (in order) and excluded indices."""
        pins, excludes = [], []
        for doc in self.docs:
            excluded = self._resolve(doc, "related_exclude", doc.related_exclude)
            pinned: list[int] = []
            if doc.hidden:
                if len(doc.related) > 1:
                    self.findings.append(_finding(
                        doc, "related", f"{HIDE!r} hides the block and must stand alone; the "
                        "block is hidden", f"write either `related: {HIDE}` or slugs"))
            elif doc.related is not None:
                for j in self._resolve(doc, "related", doc.related):
                    if j in excluded:
                        self.findings.append(_finding(
                            doc, "related", f"{self.docs[j].slug!r} is also in "
                            "related_exclude and is left out", "remove it from one"))
                    elif j not in pinned:
                        pinned.append(j)
                if len(pinned) > self.config.count:
                    self.findings.append(_finding(
                        doc, "related", f"{len(pinned)} slugs pinned but only "
                        f"{self.config.count} are shown", f"pin at most {self.config.count} "
                        "or raise RELATED_PUBLICATIONS['count']"))
            pins.append(pinned[: self.config.count])
            excludes.append(excluded)
        return pins, excludes

    def _is_hidden(self, i: int) -> bool:
        return self.docs[i].hidden

    # -- lists --------------------------------------------------------------------------------

    def lists(self) -> dict[tuple[str, str], tuple[tuple[Match, ...], int]]:
        """(lang, slug) -> (own list, number of pinned items at its head)."""
        n, config = self.n, self.config
        self.pins, excludes = self._editor_choices()  # warns about bad slugs in any case
        if n < 2:  # alone in its language: nothing to relate to, the block is hidden
            return {(doc.lang, doc.slug): ((), 0) for doc in self.docs}
        self._prepare()
        self.blocked = [set(excludes[i]) | set(self.pins[i]) | {i} for i in range(n)]
        scored, passing = self._scored()
        newer_wanted = not config.include_newer and config.see_also_newer
        short = [newer_wanted and passing[i] < config.count for i in range(n)]
        full = [i for i in range(n) if not self._is_hidden(i) and (
            self.pins[i] or short[i] or len(scored[i]) < self.needed[i])]
        extra = self._full_rows(full, short)
        result = {}
        for i, doc in enumerate(self.docs):
            if self._is_hidden(i):
                result[(doc.lang, doc.slug)] = ((), 0)
                continue
            pinned, newer, fallback = extra.get(i, ([], [], []))
            matches, taken = [], set()
            for match in (*pinned, *scored[i], *newer, *fallback):
                if match.slug not in taken and len(matches) < self.needed[i]:
                    taken.add(match.slug)
                    matches.append(match)
            result[(doc.lang, doc.slug)] = (tuple(matches), len(pinned))
        return result

    def _scored(self) -> tuple[list[list[Match]], np.ndarray]:
        """Per row, the best candidates at or above the threshold (older ones unless
        include_newer), and how many passed in all."""
        n = self.n
        scored: list[list[Match]] = [[] for _ in range(n)]
        passing = np.zeros(n, dtype=np.int64)
        rows_per_chunk = max(1, CELLS_PER_CHUNK // n)
        chunks = [(a, min(n, a + rows_per_chunk)) for a in range(0, n, rows_per_chunk)]
        for a, b, lists, counts in self.map(self._scored_chunk, chunks):
            scored[a:b] = lists
            passing[a:b] = counts
        return scored, passing

    def _scored_chunk(self, chunk: tuple[int, int]):
        """Rows a..b-1 of `_scored`: (a, b, their match lists, their passing counts)."""
        (a, b), n, config = chunk, self.n, self.config
        lists: list[list[Match]] = [[] for _ in range(b - a)]
        lo = 0 if config.include_newer else a + 1
        if lo >= n:  # the oldest article: nothing older
            return a, b, lists, np.zeros(b - a, dtype=np.int64)
        rows = np.arange(a, b)
        block = self._block(rows, lo)
        ok = block[-1] >= self.threshold
        # Columns lo..b-1 hold the chunk's own rows: keep only the strictly older ones
        # (older-only) or drop the diagonal (include_newer).
        head = np.arange(lo, b)
        if config.include_newer:
            ok[rows - a, rows - lo] = False
        else:
            ok[:, : b - lo] &= head[None, :] > rows[:, None]
        for i in range(a, b):
            for j in self.blocked[i]:
                if j >= lo:
                    ok[i - a, j - lo] = False
        r, c = np.nonzero(ok)
        s = block[-1][r, c]
        order = np.lexsort((c, -s, r))  # row; score, best first; column: newest first
        r, c, s = r[order], c[order], s[order]
        starts = np.searchsorted(r, np.arange(b - a + 1))
        # Keep each row's first `needed` cells (they are sorted best first).
        rank_in_row = np.arange(len(r)) - starts[r]
        top = rank_in_row < np.asarray(self.needed[a:b])[r]
        r, c, s = r[top], c[top], s[top]
        parts = self._parts(block, r, c)
        slugs = self.slugs
        for i, j, score, p in zip(r.tolist(), c.tolist(), s.tolist(), parts):
            lists[i].append(Match(slugs[lo + j], score / HUNDREDTHS, p, SCORED))
        return a, b, lists, np.diff(starts)

    def _full_rows(self, full: list[int], short: list[bool]) -> dict[int, tuple[list, list, list]]:
        """For the rows that need it: pinned items with their scores, newer candidates (see
        also newer) and the fallback, each scored against every article."""
        rows_per_chunk = max(1, CELLS_PER_CHUNK // self.n)
        chunks = [(full[start: start + rows_per_chunk], short)
                  for start in range(0, len(full), rows_per_chunk)]
        result = {}
        for found in self.map(self._full_chunk, chunks):
            result.update(found)
        return result

    def _full_chunk(self, job: tuple[list[int], list[bool]]) -> dict[int, tuple[list, list, list]]:
        """One chunk of `_full_rows`."""
        (full_rows, short), n, config = job, self.n, self.config
        rows = np.array(full_rows)
        columns = np.arange(n)
        block = self._block(rows, 0)
        score = block[-1].astype(np.int64)
        allowed = np.ones(score.shape, dtype=bool)
        for k, i in enumerate(full_rows):
            allowed[k, list(self.blocked[i])] = False
        older = columns[None, :] > rows[:, None]
        tie = (n - columns)[None, :]  # newer (smaller index) first among equals
        newer = _top(np.where(allowed & ~older & (score >= self.threshold),
                              score * (n + 1) + tie, -1), 2 * config.count)
        in_time = older | config.include_newer
        fallback_ok = allowed & (in_time | config.see_also_newer)
        same = block[3]
        if not config.fallback_any_category:
            fallback_ok &= same
        # Older before newer (stability), then the same category first.
        tier = in_time.astype(np.int64) * 2 + same
        fallback = _top(np.where(fallback_ok, tier * (n + 1) + tie, -1), 3 * config.count)
        result = {}
        for k, i in enumerate(full_rows):
            lists = []
            for picked, reason in ((np.array(self.pins[i], dtype=np.int64), PINNED),
                                   (newer[k] if short[i] else newer[k][:0], SCORED),
                                   (fallback[k], FALLBACK)):
                picked = picked[picked >= 0]
                parts = self._parts(block, np.full(len(picked), k), picked)
                lists.append([
                    Match(self.slugs[j], int(score[k, j]) / HUNDREDTHS, p, reason)
                    for j, p in zip(picked.tolist(), parts)
                ])
            result[i] = tuple(lists)
        return result


def _top(keys: np.ndarray, m: int) -> np.ndarray:
    """Per row, the columns of the m largest keys, largest first; -1 where keys were < 0.

    Keys are unique within a row (the tie part differs for every column), so the order is
    fully determined.
    """
    m = min(m, keys.shape[1])
    if m == 0:
        return np.empty((keys.shape[0], 0), dtype=np.int64)
    idx = np.argpartition(-keys, m - 1, axis=1)[:, :m]
    values = np.take_along_axis(keys, idx, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    idx = np.take_along_axis(idx, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    return np.where(values >= 0, idx, -1)
