"""`make bench` over several language splits, and where our build's CPU goes (issue 23)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bench import harness, measure, report
from sitebuild import cli
from tests.conftest import build_into

ROOT = Path(__file__).resolve().parent.parent
N = 20


def _fake_build(name: str, order: list[str], wall: float, cpu: float, **extra):
    """A stand-in for one of the harness's measured builds (they take minutes)."""
    def build(work, content, run):
        order.append(f"{content.parent.parent.name}:{name}{run}")
        return {"wall_s": wall, "cpu_s": cpu, "peak_mb": 100.0, "max_rss_mb": 90.0,
                "files": 1, "bytes": 1, "warnings": 0, "returncode": 0, "busy_before": 0.0,
                "probe_s": 0.1, "log": "x.log", **extra}
    return build


def test_each_split_gets_its_corpus_its_runs_and_its_row(tmp_path, monkeypatch):
    """Both splits at one size, each with vanilla and ours taking turns on its own corpus;
    results.md has a row per split with wall, CPU, the ratios and the targets, and the table
    of where our build's CPU went."""
    order: list[str] = []
    phases = {"cpu_by_program": {"main": 1.9, "python workers": 13.5, "pagefind": 3.0},
              "phases": {"catalogue": 0.5, "render": 6.0, "post": 1.5},
              "phases_cpu": {"catalogue": 0.4, "render": 0.2, "post": 1.0},
              "phases_cpu_children": {"render": 14.0, "post": 2.5}}
    # Our own harness's steps, replaced: this checks what it runs and what it reports.
    monkeypatch.setattr(harness, "compile_project", lambda: None)
    monkeypatch.setattr(harness, "build_vanilla", _fake_build("vanilla", order, 10.0, 10.0))
    monkeypatch.setattr(harness, "build_ours_cold",
                        _fake_build("ours", order, 8.5, 18.6, **phases))
    monkeypatch.setattr(harness, "build_ours_warm", lambda work, content: _fake_build(
        "warm", order, 3.0, 3.0)(work, content, 0))
    monkeypatch.setattr(harness, "devserver_rebuild",
                        lambda work, content: {"pages_s": 1.7, "search_s": 2.0, "edits": 3})
    monkeypatch.setattr(harness, "index_ours_cold", lambda work, content: {
        "pagefind_cpu_s": 6.0, "bundles": 2, "pages": 1005, "cores": 2})
    results = harness.run_all([N], work_root=tmp_path, repeats=2, seed=0,
                              parts={"vanilla", "ours"}, splits=("uk", "50/50"))

    assert order == [f"n{N}-{split}:{build}" for split in ("uk", "50-50") for build in (
        "vanilla0", "ours0", "vanilla1", "ours1", "ours2", "vanilla2", "warm0")]
    by_split = results["sizes"][str(N)]
    assert list(by_split) == ["uk", "50/50"]
    assert by_split["uk"]["corpus"] | {"path": ""} == {
        "files": N, "uk": N, "en": 0, "pairs": 0, "pages": 5, "split": "uk", "seed": 0,
        "words": by_split["uk"]["corpus"]["words"], "path": "",
        "generate_s": by_split["uk"]["corpus"]["generate_s"]}
    assert not list((tmp_path / f"n{N}-uk" / "corpus/content").rglob("*.en.md"))
    assert by_split["50/50"]["corpus"]["en"] == N // 2
    assert [r["split"] for r in harness.each_result(results)] == ["uk", "50/50"]
    ratios = by_split["uk"]["ratios"]
    assert (ratios["time_ours_over_vanilla"], ratios["cpu_ours_over_vanilla"],
            ratios["cpu_ours_over_vanilla_pairs_median"], ratios["devserver_over_cold"]) == (
        0.85, 1.86, 1.86, 0.2)
    # Vanilla's 10 CPU-s and Pagefind's 6 on two cores, against vanilla's 10 s.
    assert ratios["floor_over_vanilla"] == 0.8

    text = report.markdown(results)
    assert ("| one language (uk) | 10.00 | 8.50 | 10.0 | 18.6 | 0.85 ✅ | 0.85 ✅ | 1.86 | 1.86 "
            "| 100 | 100 | 0.20 ❌ | 0.80 |") in text
    assert ("the lowest ratio any build could reach that does vanilla's work and builds this "
            "search index: 0.80 (vanilla's CPU plus Pagefind's 6.00 CPU-s indexing our 1,005 "
            "pages into 2 empty bundles") in text
    assert "| 50/50 bilingual | 10.00 | 8.50 |" in text
    # Where the CPU went: main process and child processes by phase; the rest is outside.
    assert "| one language (uk) | main CPU s | 0.40 | 0.20 | 1.00 |  |  |" in text
    assert "| one language (uk) | children CPU s | 0.00 | 14.00 | 2.50 |  |  |" in text
    assert "| one language (uk) | CPU s, both | 0.40 | 14.20 | 3.50 | 0.50 | 18.60 |" in text
    assert "| one language (uk) | share of CPU | 2% | 76% | 19% | 3% | 100% |" in text
    assert "| one language (uk) | wall s | 0.50 | 6.00 | 1.50 | 0.50 | 8.50 |" in text
    assert ("- one language (uk), CPU s by process (read from /proc every 0.1 s, so a process's "
            "last tenth of a second is missed): python workers 13.50, pagefind 3.00, main 1.90; "
            "not seen 0.20") in text
    assert "### 1,000 articles" not in text and f"### {N} articles, one language (uk)" in text


def test_bench_refuses_an_unknown_split(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bench", "--split", "uk,en", "--work",
                           str(tmp_path), "--results", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--split 'uk,en': choose one or more of 50/50, uk, lopsided" in done.stderr
    assert not list(tmp_path.iterdir())  # nothing measured, nothing written


def test_build_reports_cpu_by_phase_and_the_bench_reads_it(tmp_path):
    """sitebuild's closing log line carries each phase's CPU seconds beside its wall seconds
    (main process; child processes ended in it), and the harness reads them back."""
    built = build_into(tmp_path / "out")
    phases = [name for name in built.timings if " " not in name]
    assert {"catalogue", "related", "checks", "render", "post"} <= set(phases)
    for name in phases:
        assert built.timings[f"{name} cpu"] >= 0
    # The language workers are joined at the end of render: their CPU is counted there.
    assert built.timings["render cpu-children"] > 0
    log = tmp_path / "build.log"
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    cli_logger = cli.logger
    cli_logger.addHandler(handler)
    level = cli_logger.level
    cli_logger.setLevel(logging.INFO)
    try:
        cli.summarise(built)
    finally:
        cli_logger.removeHandler(handler)
        cli_logger.setLevel(level)
        handler.close()
    found = harness._phase_timings(log)
    assert list(found["phases"]) == phases
    assert found["phases_cpu"] == pytest.approx(
        {name: built.timings[f"{name} cpu"] for name in phases}, abs=0.006)
    assert found["phases_cpu_children"]["render"] == pytest.approx(
        built.timings["render cpu-children"], abs=0.006)


def test_measure_splits_cpu_by_kind_of_process(tmp_path):
    """bench/measure.py: CPU seconds of the command's own process, of the Python processes
    it starts and of other programs, read from /proc while they run; their sum stays within
    the exact total."""
    spin = ("import time\nwhile time.process_time() < {}: pass\n")
    script = ("import subprocess, sys\n"
              f"worker = subprocess.Popen([sys.executable, '-c', {spin.format(1.0)!r}])\n"
              f"other = subprocess.Popen(['sh', '-c', 'while :; do :; done'])\n"
              f"{spin.format(0.6)}"
              "worker.wait()\nother.kill()\nother.wait()\n")
    result = measure.measure([sys.executable, "-c", script], tmp_path / "run.log", 0.05)
    assert result["returncode"] == 0, (tmp_path / "run.log").read_text()
    programs = result["cpu_by_program"]
    assert set(programs) == {"main", "python workers", "sh"}
    assert programs["main"] >= 0.4 and programs["python workers"] >= 0.8
    assert programs["sh"] > 0
    assert sum(programs.values()) <= result["cpu_s"] + 0.05
