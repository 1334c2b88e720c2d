"""The benchmark corpus generator (bench/corpus.py): deterministic, valid, complete."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import subprocess
import sys
import time
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from bench import corpus

ROOT = Path(__file__).resolve().parent.parent
N = 20


def _categories() -> set[str]:
    """CATEGORIES slugs from pelicanconf.py, read without importing the settings module."""
    tree = ast.parse((ROOT / "pelicanconf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "CATEGORIES" for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("pelicanconf.py has no CATEGORIES")


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _parse(path: Path) -> tuple[dict[str, str], str]:
    """Header fields and body, by CONTENT.md's rules (`key: value` lines, blank line)."""
    header, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    fields = {}
    for line in header.splitlines():
        key, sep, value = line.partition(": ")
        assert sep and re.fullmatch(r"[a-z_]+", key), f"{path}: bad header line {line!r}"
        assert key not in fields, f"{path}: duplicate field {key}"
        fields[key] = value
    return fields, body


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    dest = tmp_path_factory.mktemp("corpus")
    return corpus.generate(dest, N, seed=7)


def test_same_seed_gives_identical_bytes(generated, tmp_path):
    again = corpus.generate(tmp_path / "again", N, seed=7)
    assert _tree_digest(again.root) == _tree_digest(generated.root)
    other = corpus.generate(tmp_path / "other", N, seed=8)
    assert _tree_digest(other.root) != _tree_digest(generated.root)


def _digest(root: Path) -> str:
    """One hash of every file's path and bytes under `root`."""
    digest = hashlib.sha256()
    for path, file_hash in _tree_digest(root).items():
        digest.update(f"{path}\0{file_hash}\0".encode())
    return digest.hexdigest()


def test_fifty_fifty_corpus_is_unchanged(generated, tmp_path):
    """The split option leaves the 50/50 corpus byte for byte as it was before it (the digest
    of the tree bench/corpus.py wrote at 053fb43), so earlier results stay comparable."""
    expected = "5e7ff351989135b5983377de8f0b81cdb7d4e083966508660397e5414f132534"
    assert _digest(generated.root) == expected
    explicit = corpus.generate(tmp_path / "explicit", N, seed=7, split="50/50")
    assert _digest(explicit.root) == expected


@pytest.mark.parametrize("split", ["uk", "lopsided"])
def test_other_splits_are_deterministic(split, tmp_path):
    first = corpus.generate(tmp_path / "first", N, seed=7, split=split)
    again = corpus.generate(tmp_path / "again", N, seed=7, split=split)
    assert _tree_digest(first.root) == _tree_digest(again.root)


def _languages(content: Path) -> dict[str, set[Path]]:
    found: dict[str, set[Path]] = {"uk": set(), "en": set()}
    for f in (content / "articles").rglob("*.md"):
        slug, lang, _ = f.name.split(".")
        found[lang].add(f.parent / slug)
    return found


def test_one_language_corpus_has_no_english_file(tmp_path):
    info = corpus.generate(tmp_path / "c", 30, seed=3, split="uk")
    files = list((info.content / "articles").rglob("*.md"))
    assert len(files) == 30 == info.n_files == info.n_uk
    assert not list(info.content.rglob("*.en.md"))  # no article, no page
    assert (info.n_en, info.n_pairs, info.split) == (0, 0, "uk")
    assert len(_languages(info.content)["uk"]) == 30
    assert sorted(p.name for p in (info.content / "pages").iterdir()) == sorted(
        f"{slug}.uk.md" for slug, *_ in corpus._PAGES)
    doc = json.loads(info.topics_file.read_text(encoding="utf-8"))
    assert len(doc["by_lang_slug"]["uk"]) == 30 and not doc["by_lang_slug"]["en"]
    assert not any(record["translated"] for record in doc["articles"])
    sources = {str(p.relative_to(info.content)) for p in files}
    for f in files:  # every internal link still points at an existing Ukrainian article
        for target in re.findall(r"\]\(\{filename\}/([^)]+)\)", f.read_text(encoding="utf-8")):
            assert target in sources and target.endswith(".uk.md")


def test_lopsided_corpus_is_mostly_ukrainian_a_quarter_translated(tmp_path):
    info = corpus.generate(tmp_path / "c", 100, seed=3, split="lopsided")
    found = _languages(info.content)
    assert len(found["uk"]) == info.n_uk == 80 and len(found["en"]) == info.n_en == 20
    assert found["en"] <= found["uk"]  # every English article is a translation
    assert info.n_pairs == 20 == len(found["uk"]) / 4


def test_unknown_split_is_refused(tmp_path):
    with pytest.raises(ValueError, match="split must be one of 50/50, uk, lopsided"):
        corpus.generate(tmp_path / "c", 10, split="en")


def test_counts_languages_and_pairs(generated):
    files = sorted((generated.content / "articles").rglob("*.md"))
    assert len(files) == N == generated.n_files
    by_lang = {"uk": set(), "en": set()}
    for f in files:
        slug, lang, ext = f.name.split(".")
        by_lang[lang].add(f.parent / slug)
    assert len(by_lang["uk"]) == len(by_lang["en"]) == N // 2
    pairs = by_lang["uk"] & by_lang["en"]
    assert len(pairs) == generated.n_pairs >= N * 0.3
    for stem in pairs:  # a translated pair shares its file name and its date/category
        uk, _ = _parse(stem.with_name(stem.name + ".uk.md"))
        en, _ = _parse(stem.with_name(stem.name + ".en.md"))
        assert (uk["date"], uk["category"]) == (en["date"], en["category"])
        assert uk["title"] != en["title"]
        assert re.search("[а-яіїєґ]", uk["title"].lower()) and re.search("[a-z]", en["title"])


def test_headers_are_valid(generated):
    categories = _categories()
    reviewers = tomllib.loads((generated.content / "data/reviewers.toml").read_text())
    references = tomllib.loads((generated.content / "data/references.toml").read_text())
    titles, untagged = set(), 0
    for f in (generated.content / "articles").rglob("*.md"):
        fields, body = _parse(f)
        assert {"title", "date", "category", "summary"} <= fields.keys()
        assert fields["category"] in categories and f.parent.name == fields["category"]
        published = datetime.fromisoformat(fields["date"])
        assert 2017 <= published.year <= 2025
        if "modified" in fields:
            assert datetime.fromisoformat(fields["modified"]) >= published
        tags = [t.strip() for t in fields.get("tags", "").split(",") if t.strip()]
        untagged += not tags  # editors leave some articles untagged; the corpus does too
        assert all(t == t.lower() for t in tags)
        if "reviewed_by" in fields:
            assert fields["reviewed_by"] in reviewers
            assert datetime.fromisoformat(fields["reviewed_on"]) >= published
        for key in fields.get("references", "").split(", ") if "references" in fields else []:
            assert key in references
        for key in re.findall(r"\[@([^\]]+)\]", body):
            assert key in fields["references"].split(", ")
        assert fields["title"] not in titles
        titles.add(fields["title"])
    assert 0 < untagged < len(titles) / 2


def test_bodies_have_structure_links_and_length(generated):
    sources = {str(p.relative_to(generated.content))
               for p in (generated.content / "articles").rglob("*.md")}
    for f in (generated.content / "articles").rglob("*.md"):
        _, body = _parse(f)
        words = corpus.count_words(body)
        assert 600 <= words <= 1500, f"{f}: {words} words"
        assert 550 <= len(body.split()) <= 1600  # independent rough count
        assert re.search(r"^## \S", body, re.M)
        assert not re.search(r"^# ", body, re.M)  # the title is the only h1
        links = re.findall(r"\]\(\{filename\}/([^)]+)\)", body)
        assert links, f"{f}: no internal link"
        lang = f.name.split(".")[1]
        for target in links:
            assert target in sources, f"{f}: link to missing {target}"
            assert target != str(f.relative_to(generated.content))
    bodies = "".join(p.read_text() for p in (generated.content / "articles").rglob("*.md"))
    assert re.search(r"^- \S", bodies, re.M) and re.search(r"^1\. \S", bodies, re.M)
    assert "](https://example.org/" in bodies


def test_topics_json_is_complete(generated):
    doc = json.loads(generated.topics_file.read_text(encoding="utf-8"))
    assert generated.topics_file.parent == generated.root != generated.content
    topic_ids = {t["id"] for t in doc["topics"]}
    assert len(topic_ids) == 20
    seen = set()
    for f in (generated.content / "articles").rglob("*.md"):
        slug, lang, _ = f.name.split(".")
        assert doc["by_lang_slug"][lang][slug] in topic_ids
        seen.add((lang, slug))
    assert seen == {(lang, slug) for lang, m in doc["by_lang_slug"].items() for slug in m}
    assert len(doc["articles"]) == N
    # Translations share their topic.
    for slug, topic in doc["by_lang_slug"]["uk"].items():
        if slug in doc["by_lang_slug"]["en"]:
            assert doc["by_lang_slug"]["en"][slug] == topic


def test_articles_lean_on_their_topic(generated):
    """Each article's words come mostly from its own topic: precision can be scored."""
    doc = json.loads(generated.topics_file.read_text(encoding="utf-8"))
    lexicon = corpus._Lexicon()
    topic_index = {t["id"]: i for i, t in enumerate(doc["topics"])}
    for record in doc["articles"]:
        _, body = _parse(generated.content / record["path"])
        words = re.findall(r"[^\W\d_]+", body.lower())

        def uses(topic: int) -> int:
            vocabulary = set(lexicon.pseudo[record["lang"]][topic])
            return sum(1 for w in words if w in vocabulary)

        mine = topic_index[record["topic"]]
        assert uses(mine) > 2 * max(uses(t) for t in range(20) if t != mine)


def test_pages_and_data_files(generated):
    pages = sorted(p.name for p in (generated.content / "pages").glob("*.md"))
    assert pages and all(p.endswith((".uk.md", ".en.md")) for p in pages)
    assert len(pages) == generated.n_pages
    for p in (generated.content / "pages").glob("*.md"):
        assert "title" in _parse(p)[0]


def test_cli_writes_a_corpus(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bench.corpus", "--n", "6", "--out",
                             str(tmp_path / "c")], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "wrote 6 articles" in result.stdout
    assert len(list((tmp_path / "c/content/articles").rglob("*.md"))) == 6
    assert (tmp_path / "c/topics.json").is_file()
    result = subprocess.run([sys.executable, "-m", "bench.corpus", "--n", "6", "--split", "uk",
                             "--out", str(tmp_path / "uk")], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "wrote 6 articles (6 uk, 0 en, 0 pairs)" in result.stdout


def test_memory_sampler_backs_off_when_a_sample_is_expensive():
    from bench.measure import SAMPLER_SHARE, quiet_interval

    assert quiet_interval(0.1, 0.001) == 0.1  # a small process: every 0.1 s
    slow = quiet_interval(0.1, 0.05)  # a 10,000-article build: 50 ms a sample
    assert 0.05 / (slow + 0.05) <= SAMPLER_SHARE  # at most that share of one core


def test_cold_builds_take_turns_and_each_pair_is_reported(tmp_path, monkeypatch):
    """After one untimed warm-up of each, vanilla and our cold builds alternate (load on a
    shared machine drifts) and which goes first alternates too; the report lists the ratio
    of each back-to-back pair and their median beside the best-of ratio."""
    from bench import harness, report

    order: list[str] = []

    def fake_build(name: str, walls: dict[int, float]):
        def build(work, content, run):
            order.append(f"{name}{run}")
            return {"wall_s": walls[run], "cpu_s": walls[run], "peak_mb": 100.0,
                    "max_rss_mb": 100.0, "files": 1, "bytes": 1, "warnings": 0,
                    "returncode": 0, "busy_before": 0.0, "probe_s": walls[run] / 10,
                    "log": "x.log"}
        return build

    # Our own harness's steps, replaced: this checks the order it runs them in.
    # Run 0, the warm-up, is the slowest of all: it must count nowhere.
    monkeypatch.setattr(harness, "build_vanilla",
                        fake_build("vanilla", {0: 30.0, 1: 10.0, 2: 9.0, 3: 11.0}))
    monkeypatch.setattr(harness, "build_ours_cold",
                        fake_build("ours", {0: 40.0, 1: 12.0, 2: 8.1, 3: 8.8}))
    monkeypatch.setattr(harness, "build_ours_warm",
                        lambda work, content: fake_build("warm", {0: 1.0})(work, content, 0))
    monkeypatch.setattr(harness, "devserver_rebuild", lambda work, content: {"error": "skipped"})
    monkeypatch.setattr(harness, "index_ours_cold", lambda work, content: order.append(
        "index") or {"pagefind_cpu_s": 1.0, "bundles": 1, "pages": 1, "cores": 2})
    result = harness.run_size(N, work_root=tmp_path, repeats=3, seed=0,
                              parts={"vanilla", "ours"})

    # The index alone goes over the cold build's pages, before the warm build edits one.
    assert order == ["vanilla0", "ours0", "vanilla1", "ours1", "ours2", "vanilla2",
                     "vanilla3", "ours3", "index", "warm0"]
    assert result["warm_up_s"] == {"vanilla": 30.0, "ours": 40.0}
    assert result["ratios"]["time_ours_over_vanilla"] == 0.9  # best 8.1 / best 9.0
    assert result["ratios"]["time_ours_over_vanilla_pairs"] == [1.2, 0.9, 0.8]
    assert result["ratios"]["time_ours_over_vanilla_pairs_median"] == 0.9
    text = "\n".join(report.size_section(result))
    assert ("- the same for each pair of runs made back to back: 1.20 / 0.90 / 0.80 "
            "(median 0.90)") in text
    assert "once untimed to warm up (vanilla 30.00 s, ours 40.00 s), then 3 timed run(s)" in text
    # Timed runs only: the slowest probe (1.2, before ours 1) over the fastest (0.81).
    assert result["ratios"]["machine_speed_spread"] == 1.481
    assert "took up to 1.48× its fastest time" in text


def test_speed_probe_times_its_loop():
    from bench.measure import speed_probe

    assert 0 < speed_probe(100_000) < speed_probe(3_000_000)


def test_busy_cores_sees_another_process_spinning():
    """The 'machine was busy' warning reads the second before a run, not the load average
    (which still counts the previous build for a minute)."""
    from bench.measure import busy_cores

    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)  # it has started
        assert busy_cores(0.5) >= 0.6
    finally:
        spinner.kill()
        spinner.wait()


def test_a_part_with_its_own_table_writes_it():
    """bench/report.py: a part whose module has table(figures) gets that table in
    results.md; others get the flat list of figures."""
    from bench import report

    row = {"mean": {"recall": 1.0, "precision": 0.9, "share_of_union": 1.0},
           "min_recall": 1.0, "min_precision": 0.8, "index_bytes": 2000,
           "fragment_bytes_mean": 1500, "index_seconds": 0.5}
    figures = {"uk": {"stems + forms": row}, "en": row,
               "first_query": {"after": {"uk": {"query": "сну", "requests": 3,
                                                "bytes_total": 9000, "bytes_after_typing": 4000,
                                                "first_results_ms": 20}}},
               "browser_dictionary_not_built": {"pymorphy3_dicts_uk_bytes": 14e6,
                                                "pymorphy3_dicts_uk_gzip_bytes": 8e6},
               "build_seconds": {"without": 1.0, "with": 1.5}}
    text = "\n".join(report.extras_section({
        "bench.search_forms_bench": {"status": "ok", "seconds": 1, "figures": figures},
        "bench.digest_bench": {"status": "ok", "seconds": 1, "figures": {"a": {"b": 2}}}}))
    assert "| (b) + the stems of every form (pymorphy3 at build time): **built** | 1.000 | 0.900 " \
        in text
    assert "| after word forms, uk «сну» | 3 | 9 | 4 | 20 |" in text
    assert "| a.b | 2 |" in text and "| uk.stems + forms.mean.recall |" not in text
