"""bench/results.md and bench/results.json from the harness's result dict."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from bench import harness


def _mb(nbytes: int) -> str:
    return f"{nbytes / 1024 / 1024:.1f}"


def _check(value: float | None, limit: float) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} {'✅ met' if value <= limit else '❌ not met'} (target ≤ {limit:g})"


def _build_rows(label: str, runs) -> list[str]:
    if isinstance(runs, str):
        return [f"| {label} | {runs} | | | | | | | | |"]
    if not runs:
        return []
    best = harness.best(runs)
    times = " / ".join(f"{r['wall_s']:.2f}" + ("" if r["returncode"] == 0 else
                                               f" (exit {r['returncode']})") for r in runs)
    if best is None:
        return [f"| {label} | {times} | failed | | | | | | see {runs[-1]['log']} | |"]
    loads = " / ".join(f"{r.get('busy_before', 0):.2f}" for r in runs)
    return [f"| {label} | {times} | **{best['wall_s']:.2f}** | {best['cpu_s']:.1f} "
            f"| **{best['peak_mb']:.0f}** | {best['max_rss_mb']:.0f} | {best['files']} "
            f"| {_mb(best['bytes'])} | {best['warnings']} | {loads} |"]


def _warm_up(result: dict) -> str:
    walls = result.get("warm_up_s") or {}
    if not walls:
        return ""
    return ("once untimed to warm up (" + ", ".join(f"{name} {wall:.2f} s"
                                                   for name, wall in walls.items()) + "), then ")


def size_section(result: dict) -> list[str]:
    n, c = result["n"], result["corpus"]
    lines = [
        f"## {n:,} articles",
        "",
        f"Corpus: {c['files']} article files ({c['uk']} uk, {c['en']} en, {c['pairs']} "
        f"translated pairs), {c['pages']} pages, {c['words']:,} words; seed {c['seed']}; "
        f"generated in {c['generate_s']} s into `{c['path']}`.",
        "",
        "### Cold full build",
        "",
        f"Each build ran {_warm_up(result)}{result.get('repeats', '?')} timed run(s), "
        "vanilla and ours taking turns (which goes first alternates); the best run of each "
        "is used for the ratios.",
        "",
        "| build | wall s (each run) | best wall s | CPU s | peak MB (tree) | largest process MB "
        "| output files | output MB | warnings | cores busy before |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += _build_rows("vanilla Pelican 4.12, notmyidea theme", result.get("vanilla"))
    lines += _build_rows("our site, every feature (`sitebuild html`)", result.get("ours"))
    if "hugo" in result:
        lines += _build_rows("Hugo, minimal theme (optional)", result.get("hugo"))
    r = result.get("ratios", {})
    lines += ["", "### Ratios", ""]
    lines.append(f"- full build time, ours / vanilla: "
                 f"{_check(r.get('time_ours_over_vanilla'), harness.TARGET_TIME_RATIO)}")
    if len(r.get("time_ours_over_vanilla_pairs", ())) > 1:
        lines.append(
            "- the same for each pair of runs made back to back: " + " / ".join(
                f"{ratio:.2f}" for ratio in r["time_ours_over_vanilla_pairs"])
            + f" (median {r['time_ours_over_vanilla_pairs_median']:.2f})")
    if "machine_speed_spread" in r:
        lines.append(f"- machine speed: a fixed loop timed before each run took up to "
                     f"{r['machine_speed_spread']:.2f}× its fastest time (1.00: steady)")
    if "cpu_ours_over_vanilla" in r:
        lines.append(f"- CPU time, ours / vanilla: {r['cpu_ours_over_vanilla']:.2f} (ours uses "
                     "several cores: on an idle 2-core machine wall ≥ CPU / 2)")
    if r.get("machine_busy"):
        lines.append(f"- ⚠ the machine was busy (other work kept more than "
                     f"{harness.BUSY_CORES:g} core busy just before some runs): wall times and "
                     "their ratios are inflated unevenly; compare the pairs and CPU times, and "
                     "rerun on a quiet machine")
    if "memory_ours_over_vanilla" in r:
        lines.append(f"- peak memory, ours / vanilla: {r['memory_ours_over_vanilla']:.2f}")
    lines.append(f"- devserver rebuild after editing one article (new pages served) / cold "
                 f"build: {_check(r.get('devserver_over_cold'), harness.TARGET_WARM_RATIO)}")
    if "devserver_search_over_cold" in r:
        lines.append(f"- … until its search index is up to date too / cold build: "
                     f"{r['devserver_search_over_cold']:.2f}")
    if "warm_over_cold" in r:
        lines.append(f"- `sitebuild html` again after editing one article (a new process, "
                     f"search indexed before it exits) / cold build: {r['warm_over_cold']:.2f}")
    if "time_hugo_over_vanilla" in r:
        lines.append(f"- Hugo / vanilla Pelican time: {r['time_hugo_over_vanilla']:.2f}")
    ours = harness.best(result.get("ours") or []) if isinstance(result.get("ours"), list) else None
    if ours and n >= 10_000:
        ok = ours["peak_mb"] <= harness.TARGET_PEAK_MB_10K
        lines.append(f"- peak memory of our build: {ours['peak_mb']:.0f} MB "
                     f"{'✅ met' if ok else '❌ not met'} (target ≤ 2 GB)")
    warm = result.get("ours_warm")
    dev = result.get("devserver")
    if isinstance(dev, dict) and "runs" in dev:
        each = "; ".join(f"{run['pages_s']:.2f} / {run['search_s']:.2f} / {run['rebuild_s']:.2f}"
                         for run in dev["runs"])
        lines += ["", f"Devserver: `{dev.get('edited')}` edited {dev['edits']} times; "
                  f"each edit, seconds to new pages served (live-reload event) / search up to "
                  f"date / the server's own rebuild figure: {each}; median "
                  f"{dev['pages_s']:.2f} / {dev['search_s']:.2f} / {dev['rebuild_s']:.2f}; "
                  f"peak {dev['peak_mb']:.0f} MB (server's process tree)."]
    elif isinstance(dev, dict):
        lines += ["", f"Devserver: measurement failed: {dev.get('error')}"]
    if isinstance(warm, dict):
        lines += ["", f"`sitebuild html` after the edit: `{warm.get('edited')}` edited, cache "
                  f"on: {warm['wall_s']:.2f} s, peak {warm['peak_mb']:.0f} MB, "
                  f"exit {warm['returncode']}."]
    phases = [(label, runs) for label, runs in
              (("cold", ours), ("warm", warm if isinstance(warm, dict) else None)) if runs]
    names = sorted({name for _, run in phases for name in run.get("phases", {})},
                   key=lambda k: list((ours or {}).get("phases", {})).index(k)
                   if k in (ours or {}).get("phases", {}) else 99)
    if names:
        lines += ["", "### Our build by phase (seconds, from sitebuild's own timings)", "",
                  "| run | " + " | ".join(names) + " |",
                  "|---|" + "---|" * len(names)]
        for label, run in phases:
            lines.append(f"| {label} | " + " | ".join(
                f"{run.get('phases', {}).get(k, 0):.2f}" for k in names) + " |")
    lines.append("")
    return lines


def _flatten(prefix: str, value, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    elif isinstance(value, float):
        out.append((prefix, f"{value:.4g}"))
    else:
        out.append((prefix, str(value)))


def _own_table(name: str):
    """A part's `table(figures) -> lines`, when its module has one (figures too many for a
    flat list), else None. Only for a part that ran: its module is imported already."""
    return getattr(importlib.import_module(name.split(" (n=")[0]), "table", None)


def extras_section(extras: dict) -> list[str]:
    lines = ["## Other parts' figures", "",
             "Collected from `bench/*_bench.py` (`run()` of each).", ""]
    for name, entry in extras.items():
        lines.append(f"### {name}")
        lines.append("")
        if entry["status"] != "ok":
            first = (entry.get("error") or "").strip().splitlines()[:1]  # full text: JSON
            lines += [f"{entry['status']}: {first[0] if first else ''}", ""]
            continue
        own_table = _own_table(name)
        if own_table is not None:
            lines += own_table(entry["figures"])
        else:
            pairs: list[tuple[str, str]] = []
            _flatten("", entry["figures"], pairs)
            lines += ["| figure | value |", "|---|---|"]
            lines += [f"| {k} | {v} |" for k, v in pairs]
        lines += ["", f"({entry['seconds']} s)", ""]
    return lines


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); how to read it: bench/README.md.",
        "",
        f"Machine: {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), {m['memory_gb']} GB RAM; "
        f"Python {m['python']}; Pelican {m['versions'].get('pelican')}, Markdown "
        f"{m['versions'].get('markdown')}; {m['platform']}; Hugo: {m['hugo'] or 'not installed'}."
        f" Run {m['date']} at commit {m['commit'] or '?'}.",
        "",
    ]
    for result in results["sizes"].values():
        lines += size_section(result)
    if "extras" in results:
        lines += extras_section(results["extras"])
    return "\n".join(lines) + "\n"


def write(results: dict, dest: Path) -> tuple[Path, Path]:
    dest.mkdir(parents=True, exist_ok=True)
    md = dest / "results.md"
    js = dest / "results.json"
    md.write_text(markdown(results), encoding="utf-8")
    js.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n",
                  encoding="utf-8")
    return md, js
