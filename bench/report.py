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


_SPLIT_NAMES = {"uk": "one language (uk)", "50/50": "50/50 bilingual",
                "lopsided": "lopsided (80 % uk, a quarter translated)"}


def _split_name(split: str) -> str:
    return _SPLIT_NAMES.get(split, split)


def _cell(value: float | None, limit: float | None = None, fmt: str = "{:.2f}") -> str:
    if value is None:
        return "n/a"
    text = fmt.format(value)
    return text if limit is None else f"{text} {'✅' if value <= limit else '❌'}"


def _best_runs(result: dict) -> tuple[dict | None, dict | None]:
    runs = [result.get(name) for name in ("vanilla", "ours")]
    return tuple(harness.best(r) if isinstance(r, list) else None for r in runs)


def splits_table(n: int, by_split: dict[str, dict]) -> list[str]:
    """One row per language split: the figures issue 23 sets targets for, side by side."""
    peak_limit = harness.TARGET_PEAK_MB_10K if n >= 10_000 else None
    lines = [
        f"Targets (issue 23): ours / vanilla wall ≤ {harness.TARGET_TIME_RATIO:g} for every "
        f"split; devserver rebuild / cold build ≤ {harness.TARGET_WARM_RATIO:g}; peak memory "
        f"≤ 2 GB at 10,000 articles. Best run of each build; CPU s is user + system time of "
        "the command and all its processes.",
        "",
        "| split | vanilla wall s | ours wall s | vanilla CPU s | ours CPU s | wall ours / vanilla"
        " (best) | … median of pairs | CPU ours / vanilla (best) | … median of pairs | peak MB "
        "ours (tree) | peak MB vanilla | devserver / cold | floor: vanilla + search index |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for split, result in by_split.items():
        vanilla, ours = _best_runs(result)
        r = result.get("ratios", {})
        lines.append(
            f"| {_split_name(split)} | {_cell(vanilla and vanilla['wall_s'])} "
            f"| {_cell(ours and ours['wall_s'])} "
            f"| {_cell(vanilla and vanilla['cpu_s'], fmt='{:.1f}')} "
            f"| {_cell(ours and ours['cpu_s'], fmt='{:.1f}')} "
            f"| {_cell(r.get('time_ours_over_vanilla'), harness.TARGET_TIME_RATIO)} "
            f"| {_cell(r.get('time_ours_over_vanilla_pairs_median'), harness.TARGET_TIME_RATIO)} "
            f"| {_cell(r.get('cpu_ours_over_vanilla'))} "
            f"| {_cell(r.get('cpu_ours_over_vanilla_pairs_median'))} "
            f"| {_cell(ours and ours['peak_mb'], peak_limit, '{:.0f}')} "
            f"| {_cell(vanilla and vanilla['peak_mb'], fmt='{:.0f}')} "
            f"| {_cell(r.get('devserver_over_cold'), harness.TARGET_WARM_RATIO)} "
            f"| {_cell(r.get('floor_over_vanilla'))} |")
    lines.append("")
    return lines


def cpu_section(by_split: dict[str, dict]) -> list[str]:
    """Where our cold build's CPU goes, by phase of the main process (best run of each split):
    the phases run one after another in it; the child processes (the two language workers,
    Pagefind) are counted in the phase in which they ended, though the workers run from
    before the catalogue until the end of render."""
    rows = [(split, ours) for split, result in by_split.items()
            for ours in [_best_runs(result)[1]] if ours and ours.get("phases")]
    if not rows:
        return []
    names = list(dict.fromkeys(name for _, ours in rows for name in ours["phases"]))
    lines = [
        "### Where our cold build's CPU goes",
        "",
        "Seconds by phase of `build()` (sitebuild's own timings), best cold run of each split. "
        "*main CPU*: the main process, every thread (reading the catalogue, related lists, "
        "checks, post-steps); *children CPU*: processes that ended in the phase, charged in "
        "full to it: the language workers (they convert and render from before the catalogue "
        "to the end of *render*, where they are joined) and Pagefind (started as each "
        "language's pages are written, joined in *render* or *post*). *outside*: before the "
        "first phase and after the last — imports, forking the workers, exit. The whole "
        "command's CPU is what bench/measure.py measured.",
        "",
        "| split | figure | " + " | ".join(names) + " | outside | whole command |",
        "|---|---|" + "---|" * (len(names) + 2),
    ]
    for split, ours in rows:
        wall = [ours["phases"].get(k, 0.0) for k in names]
        main = [ours.get("phases_cpu", {}).get(k, 0.0) for k in names]
        children = [ours.get("phases_cpu_children", {}).get(k, 0.0) for k in names]
        table = (("wall s", wall, ours["wall_s"] - sum(wall), ours["wall_s"]),
                 ("main CPU s", main, None, None),
                 ("children CPU s", children, None, None),
                 ("CPU s, both", [a + b for a, b in zip(main, children)],
                  ours["cpu_s"] - sum(main) - sum(children), ours["cpu_s"]))
        for label, values, outside, whole in table:
            ends = ["" if v is None else f"{v:.2f}" for v in (outside, whole)]
            lines.append(f"| {_split_name(split)} | {label} | "
                         + " | ".join(f"{v:.2f}" for v in values) + " | " + " | ".join(ends)
                         + " |")
        total = ours["cpu_s"] or 1.0
        lines.append(f"| {_split_name(split)} | share of CPU | " + " | ".join(
            f"{(a + b) / total:.0%}" for a, b in zip(main, children))
            + f" | {(ours['cpu_s'] - sum(main) - sum(children)) / total:.0%} | 100% |")
    lines.append("")
    for split, ours in rows:
        programs = ours.get("cpu_by_program")
        if programs:
            missed = ours["cpu_s"] - sum(programs.values())
            lines.append(f"- {_split_name(split)}, CPU s by process (read from /proc every "
                         "0.1 s, so a process's last tenth of a second is missed): "
                         + ", ".join(f"{name} {seconds:.2f}" for name, seconds in
                                     sorted(programs.items(), key=lambda item: -item[1]))
                         + f"; not seen {missed:.2f}")
    lines.append("")
    return lines


def size_section(result: dict, level: int = 2) -> list[str]:
    """The detailed figures of one size and split; headings at `level` and below."""
    n, c = result["n"], result["corpus"]
    h, hh = "#" * level, "#" * (level + 1)
    split = result.get("split", c.get("split", "50/50"))
    lines = [
        f"{h} {n:,} articles, {_split_name(split)}",
        "",
        f"Corpus: {c['files']} article files ({c['uk']} uk, {c['en']} en, {c['pairs']} "
        f"translated pairs), {c['pages']} pages, {c['words']:,} words; seed {c['seed']}; "
        f"generated in {c['generate_s']} s into `{c['path']}`.",
        "",
        f"{hh} Cold full build",
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
    lines += ["", f"{hh} Ratios", ""]
    lines.append(f"- full build time, ours / vanilla: "
                 f"{_check(r.get('time_ours_over_vanilla'), harness.TARGET_TIME_RATIO)}")
    if "floor_over_vanilla" in r:
        index = result["floor"]
        lines.append(
            f"- the lowest ratio any build could reach that does vanilla's work and builds this "
            f"search index: {r['floor_over_vanilla']:.2f} (vanilla's CPU plus Pagefind's "
            f"{index['pagefind_cpu_s']:.2f} CPU-s indexing our {index['pages']:,} pages into "
            f"{index['bundles']} empty bundles, spread perfectly over {index['cores']} cores; "
            "everything else our site does counted as free: bench/floor.py)")
    if len(r.get("time_ours_over_vanilla_pairs", ())) > 1:
        lines.append(
            "- the same for each pair of runs made back to back: " + " / ".join(
                f"{ratio:.2f}" for ratio in r["time_ours_over_vanilla_pairs"])
            + f" (median {r['time_ours_over_vanilla_pairs_median']:.2f})")
    if "machine_speed_spread" in r:
        lines.append(f"- machine speed: a fixed loop timed before each run took up to "
                     f"{r['machine_speed_spread']:.2f}× its fastest time (1.00: steady)")
    if "cpu_ours_over_vanilla" in r:
        median = r.get("cpu_ours_over_vanilla_pairs_median")
        lines.append(f"- CPU time, ours / vanilla: {r['cpu_ours_over_vanilla']:.2f}"
                     + (f" (median of pairs {median:.2f})" if median is not None else "")
                     + " (ours uses several cores: on an idle 2-core machine wall ≥ CPU / 2)")
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
        lines += ["", f"{hh} Our build by phase (wall seconds, from sitebuild's own timings)", "",
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
    for size, by_split in results["sizes"].items():
        lines += [f"## {int(size):,} articles", ""]
        lines += splits_table(int(size), by_split)
        lines += cpu_section(by_split)
        for result in by_split.values():
            lines += size_section(result, level=3)
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
