"""`make bench`: build the same generated corpus with vanilla Pelican, our site and Hugo.

For each corpus size N and each language split (`uk`: one language; `50/50`; optionally
`lopsided`), in one run (so the ratios compare like with like on this machine):

1. generate the corpus once (`bench/corpus.py`) into `bench/work/n<N>-<split>/corpus/`;
2. vanilla Pelican 4.12, default `notmyidea` theme and default settings (only PATH,
   OUTPUT_PATH, SITEURL, TIMEZONE set; its default feeds on): cold build, once untimed,
   then `repeats` times;
3. our full build, `python -m sitebuild html --content … --output …` with the project's
   pelicanconf.py (cache kept under bench/work): cold build the same way (cache emptied
   first; vanilla's runs and these take turns, which goes first alternating), then the same
   command after editing one article, then `make devserver`'s rebuild after editing it
   (bench/devserver.py);
4. Hugo on the same corpus (converted to Hugo's format), only if /usr/bin/hugo exists;
5. the other parts' benchmarks: every `bench/*_bench.py` module that has a `run` function
   (see bench/README.md for the protocol).

Every build runs in a fresh `python -m bench.measure` process (wall time, CPU time, peak
memory). `write_results` turns the collected dict into bench/results.md and results.json.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import corpus, floor
from bench.measure import busy_cores, speed_probe

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent  # the project
BENCH = ROOT / "bench"
HUGO = Path("/usr/bin/hugo")
BUILD_TIMEOUT_S = 3600
# Targets from issue 23 (9 had 1.0 and 0.2), quoted in results.md.
TARGET_TIME_RATIO = 0.9
TARGET_WARM_RATIO = 0.15
TARGET_PEAK_MB_10K = 2048
# The corpus splits `make bench` builds unless --split says otherwise: a one-language site
# (where one process per language leaves a core idle) and the even one.
DEFAULT_SPLITS = ("uk", "50/50")
# Cores other work used in the second before a run, above which its wall time is suspect.
BUSY_CORES = 0.5


# --- Running one measured command ---------------------------------------------------------

def measured(cmd: list[str], *, cwd: Path, log: Path, env: dict | None = None) -> dict:
    """Run `cmd` under a fresh bench.measure process; return its figures plus `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    result_file = log.with_suffix(".json")
    wrapper = [sys.executable, "-m", "bench.measure", "--json", str(result_file),
               "--log", str(log), "--", *cmd]
    full_env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'plugins'}")
    full_env.update(env or {})
    # The wrapper itself imports `bench` from the project; the command runs in `cwd`.
    busy_before = busy_cores(1.0)  # other work on the machine skews wall times
    probe = speed_probe()
    subprocess.run(wrapper, cwd=cwd, env=full_env, check=True, timeout=BUILD_TIMEOUT_S)
    figures = json.loads(result_file.read_text(encoding="utf-8"))
    figures["peak_mb"] = max(figures["tree_pss_mb"], figures["max_rss_mb"])
    figures["busy_before"] = round(busy_before, 2)
    figures["probe_s"] = round(probe, 3)
    text = log.read_text(encoding="utf-8", errors="replace")
    figures["warnings"] = len(re.findall(r"^\s*(?:\[[^\]]*\]\s*)?WARNING", text, re.M))
    figures["errors"] = len(re.findall(r"^\s*(?:\[[^\]]*\]\s*)?(?:ERROR|CRITICAL)", text, re.M))
    figures["log"] = str(log.relative_to(ROOT)) if log.is_relative_to(ROOT) else str(log)
    if figures["returncode"] != 0:
        tail = "\n".join(text.splitlines()[-15:])
        logger.error("command failed (exit %s): %s\n%s", figures["returncode"],
                     " ".join(cmd), tail)
    return figures


def output_size(path: Path) -> dict:
    """Files and bytes under `path`, and how many of them are HTML pages."""
    files = html = size = 0
    for p in path.rglob("*"):
        if p.is_file():
            files += 1
            size += p.stat().st_size
            html += p.suffix == ".html"
    return {"files": files, "html_files": html, "bytes": size}


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    return path


# --- Vanilla Pelican ----------------------------------------------------------------------

def vanilla_settings(dest: Path, content: Path, output: Path) -> Path:
    """A settings file with Pelican's defaults except the four values every site needs.

    PLUGINS = [] only stops Pelican from auto-loading any namespace plugin installed in the
    environment, so "vanilla" stays vanilla whatever else is installed.
    """
    text = (
        '"""Vanilla Pelican for the benchmark: default theme (notmyidea), default settings."""\n'
        f"PATH = {str(content)!r}\n"
        f"OUTPUT_PATH = {str(output)!r}\n"
        'SITEURL = "http://127.0.0.1:8000"\n'
        'TIMEZONE = "Europe/Kyiv"\n'
        "PLUGINS = []\n"
    )
    dest.write_text(text, encoding="utf-8")
    return dest


def build_vanilla(work: Path, content: Path, run: int) -> dict:
    out = _fresh(work / "out-vanilla")
    settings = vanilla_settings(work / "vanilla_settings.py", content, out)
    # cwd is the work folder so no pelicanconf.py of the project can be picked up.
    figures = measured([sys.executable, "-m", "pelican", "-s", str(settings)],
                       cwd=work, log=work / "logs" / f"vanilla-{run}.log")
    figures.update(output_size(out))
    return figures


# --- Our build ----------------------------------------------------------------------------

def ours_settings(dest: Path, cache: Path) -> Path:
    """The project's pelicanconf.py, unchanged except that the content cache lives in
    bench/work (so a cold run can empty it without touching the developer's cache).

    Relative paths of pelicanconf.py are made absolute against the project root, because
    Pelican resolves them against the folder of the settings file, which is now bench/work.
    """
    text = f'''"""Benchmark settings: the project's pelicanconf.py with its cache in bench/work."""
import importlib.util as _util
import os as _os

_ROOT = {str(ROOT)!r}
_spec = _util.spec_from_file_location("_bench_pelicanconf", _os.path.join(_ROOT, "pelicanconf.py"))
_base = _util.module_from_spec(_spec)
_spec.loader.exec_module(_base)
globals().update({{k: v for k, v in vars(_base).items() if k.isupper()}})


def _abs(path):
    return path if _os.path.isabs(path) else _os.path.join(_ROOT, path)


PATH = _abs(PATH)
THEME = _abs(THEME) if _os.path.isdir(_abs(THEME)) else THEME
PLUGIN_PATHS = [_abs(p) for p in PLUGIN_PATHS]
CACHE_PATH = {str(cache)!r}
'''
    dest.write_text(text, encoding="utf-8")
    return dest


def _ours_cmd(settings: Path, content: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "sitebuild", "html", "--settings", str(settings),
            "--content", str(content), "--output", str(out)]


def _phase_timings(log: Path) -> dict:
    """sitebuild's own per-phase figures from its last line ("built … (catalogue 0.25s,
    catalogue cpu 0.31s, …, render cpu-children 14.20s, …)"): {"phases": wall seconds,
    "phases_cpu": CPU seconds of the main process, "phases_cpu_children": CPU seconds of the
    child processes that ended in the phase}, each by phase name."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    match = None
    for match in re.finditer(r"built .* with \d+ warning\(s\) \(([^)]*)\)", text):
        pass
    found: dict[str, dict[str, float]] = {"phases": {}, "phases_cpu": {},
                                          "phases_cpu_children": {}}
    kinds = {"": "phases", "cpu": "phases_cpu", "cpu-children": "phases_cpu_children"}
    for name, kind, seconds in re.findall(r"([\w-]+)(?: (cpu(?:-children)?))? ([\d.]+)s",
                                          match[1] if match else ""):
        found[kinds[kind]][name] = float(seconds)
    return found


def build_ours_cold(work: Path, content: Path, run: int) -> dict:
    cache = _fresh(work / "cache-ours")
    out = _fresh(work / "out-ours")
    settings = ours_settings(work / "ours_settings.py", cache)
    log = work / "logs" / f"ours-cold-{run}.log"
    figures = measured(_ours_cmd(settings, content, out), cwd=ROOT, log=log)
    figures.update(output_size(out) if out.exists() else {"files": 0, "html_files": 0,
                                                          "bytes": 0})
    figures.update(_phase_timings(log))
    return figures


def index_ours_cold(work: Path, content: Path) -> dict:
    """Pagefind alone over the last cold build's pages, into empty bundles (bench/floor.py)."""
    return floor.pagefind_cpu(work / "ours_settings.py", content, work / "out-ours", work)


def edit_one_article(content: Path) -> tuple[Path, bytes]:
    """Append a sentence to one article (the first file in sorted order); return the file
    and its original bytes so the caller can put it back."""
    target = sorted((content / "articles").rglob("*.md"))[0]
    original = target.read_bytes()
    lang = target.name.split(".")[-2]
    extra = "\n\nДодано для вимірювання.\n" if lang == "uk" else "\n\nAdded for the benchmark.\n"
    target.write_bytes(original + extra.encode("utf-8"))
    return target, original


def build_ours_warm(work: Path, content: Path) -> dict:
    """Rebuild with the cache the last cold run left, after editing one article."""
    out = work / "out-ours"
    settings = work / "ours_settings.py"
    target, original = edit_one_article(content)
    try:
        log = work / "logs" / "ours-warm.log"
        figures = measured(_ours_cmd(settings, content, out), cwd=ROOT, log=log)
    finally:
        target.write_bytes(original)
    figures["edited"] = str(target.relative_to(content))
    figures.update(_phase_timings(log))
    return figures


def devserver_rebuild(work: Path, content: Path, edits: int = 3) -> dict:
    """`make devserver` on the last cold build's output and cache; one article edited
    `edits` times (bench/devserver.py)."""
    from bench import devserver

    article = sorted((content / "articles").rglob("*.md"))[0]
    settings = work / "ours_settings.py"
    figures = devserver.measure(
        devserver.command(settings, content, work / "out-ours"), cwd=ROOT,
        log=work / "logs" / "ours-devserver.log",
        env=devserver.environment(ROOT, work / "newsletter-state"), article=article,
        edits=edits)
    figures["edited"] = str(article.relative_to(content))
    return figures


def _rel(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


# --- Hugo (optional) ----------------------------------------------------------------------

_HUGO_LAYOUT = """<!doctype html><html lang="{{ .Site.Language.Lang }}"><head><meta charset="utf-8">
<title>{{ .Title }} · {{ .Site.Title }}</title></head><body>
<header><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a></header>
<main>%s</main></body></html>
"""
_HUGO_SINGLE = _HUGO_LAYOUT % """<article><h1>{{ .Title }}</h1>
<time>{{ .Date.Format "2006-01-02" }}</time>{{ .Content }}
<p>{{ range .Params.tags }}<a href="{{ (print "/tags/" (urlize .)) | relLangURL }}">{{ . }}</a> {{ end }}</p>
</article>"""
_HUGO_LIST = _HUGO_LAYOUT % """<h1>{{ .Title }}</h1>
{{ range (.Paginate .Pages).Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Summary }}</p></article>{{ end }}
{{ template "_internal/pagination.html" . }}"""


def hugo_site(corpus_content: Path, site: Path) -> Path:
    """Convert the corpus to a multilingual Hugo site with a minimal theme."""
    _fresh(site)
    (site / "layouts/_default").mkdir(parents=True)
    (site / "layouts/_default/single.html").write_text(_HUGO_SINGLE, encoding="utf-8")
    for name in ("list.html", "taxonomy.html", "term.html"):
        (site / "layouts/_default" / name).write_text(_HUGO_LIST, encoding="utf-8")
    (site / "layouts/index.html").write_text(_HUGO_LIST, encoding="utf-8")
    (site / "hugo.toml").write_text(
        'baseURL = "http://127.0.0.1:8000/"\ntitle = "Expio Center"\n'
        'defaultContentLanguage = "uk"\npaginate = 10\n'
        '[languages.uk]\nweight = 1\n[languages.en]\nweight = 2\n'
        '[taxonomies]\ntag = "tags"\ncategory = "categories"\n', encoding="utf-8")
    link = re.compile(r"\{filename\}/articles/[^/]+/([^/.]+)\.(uk|en)\.md")
    for kind in ("articles", "pages"):
        for source in sorted((corpus_content / kind).rglob("*.md")):
            header, _, body = source.read_text(encoding="utf-8").partition("\n\n")
            fields = dict(line.split(": ", 1) for line in header.splitlines())
            front = [f"title = {json.dumps(fields['title'], ensure_ascii=False)}"]
            if "date" in fields:
                when = fields["date"]  # TOML local date, or local date-time with seconds
                front.append(f"date = {when.replace(' ', 'T') + ':00' if ' ' in when else when}")
            if "category" in fields:
                front.append(f"categories = [{json.dumps(fields['category'])}]")
            if "tags" in fields:
                tags = [t.strip() for t in fields["tags"].split(",")]
                front.append(f"tags = {json.dumps(tags, ensure_ascii=False)}")
            if "summary" in fields:
                front.append(f"summary = {json.dumps(fields['summary'], ensure_ascii=False)}")
            body = link.sub(lambda m: ("/" if m[2] == "uk" else "/en/") + f"{kind}/{m[1]}/",
                            body)
            dest = site / "content" / kind / source.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text("+++\n" + "\n".join(front) + "\n+++\n\n" + body, encoding="utf-8")
    return site


def build_hugo(work: Path, content: Path, run: int) -> dict:
    site = work / "hugo-site"
    if run == 1:
        hugo_site(content, site)
    out = _fresh(work / "out-hugo")
    figures = measured([str(HUGO), "--source", str(site), "--destination", str(out),
                        "--quiet"], cwd=work, log=work / "logs" / f"hugo-{run}.log")
    figures.update(output_size(out))
    return figures


# --- Other parts' benchmarks ---------------------------------------------------------------

def extra_benchmarks() -> list[tuple[str, object]]:
    """(module name, run function or None) for every part benchmark the project has.

    `bench/*_bench.py` modules are found by file name.
    A module that exists but fails to import, or has no `run`, is reported, not skipped.
    """
    names = sorted(f"bench.{p.stem}" for p in BENCH.glob("*_bench.py"))
    found = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except Exception as error:  # report the broken module, keep measuring the rest
            logger.error("cannot import %s: %s", name, error)
            found.append((name, error))
            continue
        found.append((name, getattr(module, "run", None)))
    return found


def call_extra(run, n: int, corpus_root: Path) -> dict:
    """Call a part's `run` with what its signature asks for: `n`, `corpus` (folder holding
    content/ and topics.json), both, or nothing."""
    params = inspect.signature(run).parameters
    kwargs = {}
    if "corpus" in params:
        kwargs["corpus"] = corpus_root
    positional = [p for p in params.values() if p.name != "corpus" and p.default is p.empty
                  and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    args = [n] if positional or "n" in params else []
    result = run(*args, **kwargs)
    if not isinstance(result, dict):
        raise TypeError(f"run() returned {type(result).__name__}, expected a dict")
    return result


def run_extras(sizes: list[int], corpora: dict[int, Path]) -> dict:
    results: dict[str, dict] = {}
    for name, run in extra_benchmarks():
        if isinstance(run, Exception):
            results[name] = {"status": "error", "error": f"import failed: {run}"}
            continue
        if run is None:
            results[name] = {"status": "not available", "error": "module has no run()"}
            continue
        takes_n = bool(inspect.signature(run).parameters)
        for n in sizes if takes_n else sizes[:1]:
            key = f"{name} (n={n})" if takes_n else name
            started = time.perf_counter()
            try:
                figures = call_extra(run, n, corpora[n])
                results[key] = {"status": "ok", "seconds": round(time.perf_counter() - started,
                                                                  2), "figures": figures}
            except Exception as error:  # one part failing must not lose the others' figures
                logger.exception("%s failed", key)
                results[key] = {"status": "error", "error": f"{type(error).__name__}: {error}"}
    for name in ("bench.related_bench", "bench.newsletter_bench"):  # name the expected ones
        if not any(key.startswith(name) for key in results):
            results[name] = {"status": "not available", "error": "module not in the project yet"}
    return results


# --- Machine ------------------------------------------------------------------------------

def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for package in ("pelican", "markdown", "jinja2"):
        try:
            from importlib.metadata import version
            versions[package] = version(package)
        except Exception:
            versions[package] = "?"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu": cpu,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "commit": commit,
        "hugo": _hugo_version(),
    }


def _hugo_version() -> str | None:
    if not HUGO.exists():
        return None
    done = subprocess.run([str(HUGO), "version"], capture_output=True, text=True)
    return done.stdout.strip() or None


# --- The whole run ------------------------------------------------------------------------

def best(runs: list[dict]) -> dict | None:
    ok = [r for r in runs if r.get("returncode") == 0]
    return min(ok, key=lambda r: r["wall_s"]) if ok else None


def work_folder(work_root: Path, n: int, split: str) -> Path:
    """bench/work/n<N>-<split>/ (the split's slash made a dash: n1000-50-50)."""
    return work_root / f"n{n}-{split.replace('/', '-')}"


def run_size(n: int, *, work_root: Path, repeats: int, seed: int, parts: set[str],
             split: str = "50/50") -> dict:
    """Every measurement for one corpus size and language split."""
    work = work_folder(work_root, n, split)
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    info = corpus.generate(work / "corpus", n, seed, split)
    result: dict = {"n": n, "split": split, "repeats": repeats, "corpus": {
        "files": info.n_files, "uk": info.n_uk, "en": info.n_en, "pairs": info.n_pairs,
        "pages": info.n_pages, "words": info.words, "seed": seed, "split": split,
        "generate_s": round(time.perf_counter() - started, 2), "path": str(_rel(info.root)),
    }}
    content = info.content
    tag = f"n={n} {split}"
    print(f"[bench] {tag}: corpus of {info.n_files} articles in "
          f"{result['corpus']['generate_s']} s", flush=True)

    def one(label: str, build, i: int) -> dict:
        figures = build(i)
        print(f"[bench] {tag}: {label} run {i}: {figures['wall_s']:.2f} s, "
              f"{figures['cpu_s']:.2f} CPU-s, peak {figures['peak_mb']:.0f} MB, "
              f"exit {figures['returncode']}", flush=True)
        return figures

    # Vanilla and ours take turns (run 1 of each, then run 2 …): load on a shared machine
    # drifts over minutes, and each pair then meets about the same conditions. Which of the
    # two goes first alternates, so a machine speeding up or slowing down favours neither.
    cold = [(name, label, build) for name, label, build in (
        ("vanilla", "vanilla Pelican", lambda i: build_vanilla(work, content, i)),
        ("ours", "our build (cold)", lambda i: build_ours_cold(work, content, i)),
    ) if name in parts]
    # One untimed run of each first: the first build after the corpus is written reads the
    # libraries and sources from disk (one took 17.3 s against 9.1 s for the next), which
    # says nothing about either build.
    result["warm_up_s"] = {name: build(0)["wall_s"] for name, _, build in cold}
    for name, _, _ in cold:
        result[name] = []
    for i in range(1, repeats + 1):
        for name, label, build in (cold if i % 2 else cold[::-1]):
            result[name].append(one(label, build, i))
    if "vanilla" in parts and "ours" in parts and best(result["ours"]):
        # Before the warm build below edits an article: the cold build's pages.
        result["floor"] = index_ours_cold(work, content)
        print(f"[bench] {tag}: Pagefind alone, cold, on our pages: "
              f"{result['floor']['pagefind_cpu_s']:.2f} CPU-s", flush=True)
    if "ours" in parts:
        if best(result["ours"]):
            warm = build_ours_warm(work, content)
            result["ours_warm"] = warm
            print(f"[bench] {tag}: `sitebuild html` again, one article edited: "
                  f"{warm['wall_s']:.2f} s, exit {warm['returncode']}", flush=True)
            try:
                dev = devserver_rebuild(work, content)
            except Exception as error:  # reported, the other figures still written
                logger.exception("devserver measurement failed")
                dev = {"error": f"{type(error).__name__}: {error}"}
            result["devserver"] = dev
            if "pages_s" in dev:
                print(f"[bench] {tag}: devserver rebuild after an edit: pages {dev['pages_s']:.2f}"
                      f" s, search {dev['search_s']:.2f} s (median of {dev['edits']})",
                      flush=True)
    if "hugo" in parts:
        if HUGO.exists():
            result["hugo"] = [one("Hugo", lambda i: build_hugo(work, content, i), i)
                              for i in range(1, repeats + 1)]
        else:
            result["hugo"] = "not available (/usr/bin/hugo not installed)"
    result["ratios"] = ratios(result)
    return result


def ratios(result: dict) -> dict:
    out: dict = {}
    vanilla, ours = best(result.get("vanilla", [])), best(result.get("ours", []))
    if vanilla and ours:
        out["time_ours_over_vanilla"] = round(ours["wall_s"] / vanilla["wall_s"], 3)
        # Each pair of runs made back to back (see run_size): how much the ratio moves.
        pairs = [round(o["wall_s"] / v["wall_s"], 3)
                 for v, o in zip(result["vanilla"], result["ours"])
                 if v.get("returncode") == 0 and o.get("returncode") == 0]
        out["time_ours_over_vanilla_pairs"] = pairs
        if "floor" in result:
            out["floor_over_vanilla"] = floor.floor_ratio(vanilla, result["floor"])
        if pairs:
            out["time_ours_over_vanilla_pairs_median"] = round(statistics.median(pairs), 3)
        out["memory_ours_over_vanilla"] = round(ours["peak_mb"] / vanilla["peak_mb"], 3)
        # CPU time is not inflated by other load on the machine, wall time is.
        out["cpu_ours_over_vanilla"] = round(ours["cpu_s"] / vanilla["cpu_s"], 3)
        cpu_pairs = [round(o["cpu_s"] / v["cpu_s"], 3)
                     for v, o in zip(result["vanilla"], result["ours"])
                     if v.get("returncode") == 0 and o.get("returncode") == 0]
        if cpu_pairs:
            out["cpu_ours_over_vanilla_pairs_median"] = round(statistics.median(cpu_pairs), 3)
        runs = result["vanilla"] + result["ours"]
        busiest = max(r.get("busy_before", 0) for r in runs)
        out["machine_busy"] = busiest > BUSY_CORES
        probes = [r["probe_s"] for r in runs if r.get("probe_s")]
        if probes:  # the slowest fixed loop over the fastest, measured before each run
            out["machine_speed_spread"] = round(max(probes) / min(probes), 3)
    warm = result.get("ours_warm")
    if ours and isinstance(warm, dict) and warm.get("returncode") == 0:
        out["warm_over_cold"] = round(warm["wall_s"] / ours["wall_s"], 3)
    dev = result.get("devserver")
    if ours and isinstance(dev, dict) and "pages_s" in dev:
        out["devserver_over_cold"] = round(dev["pages_s"] / ours["wall_s"], 3)
        out["devserver_search_over_cold"] = round(dev["search_s"] / ours["wall_s"], 3)
    hugo = result.get("hugo")
    if isinstance(hugo, list) and best(hugo) and vanilla:
        out["time_hugo_over_vanilla"] = round(best(hugo)["wall_s"] / vanilla["wall_s"], 3)
    return out


def compile_project() -> None:
    """Bytecode for the project's own modules, as pip wrote it for Pelican's when it was
    installed. Where PYTHONDONTWRITEBYTECODE is set (these machines set it), Python never
    saves it, and every build of ours compiled some 60 modules from source before its
    workers could fork (0.09 s), a cost vanilla Pelican's runs never paid."""
    import compileall

    for folder in ("sitebuild", "plugins", "bench", "newsletter"):
        if not compileall.compile_dir(ROOT / folder, quiet=1):
            raise RuntimeError(f"bench: cannot compile the modules under {folder}/")


def default_repeats(n: int) -> int:
    """Cold builds per tool when --repeats is not given: a 1,000-article pair takes 20 s and
    its ratio moves most with the machine, a 10,000-article pair takes 4 minutes."""
    return 5 if n <= 2_000 else 3


def run_all(sizes: list[int], *, work_root: Path, repeats: int | None, seed: int,
            parts: set[str], splits: tuple[str, ...] = DEFAULT_SPLITS) -> dict:
    """results["sizes"][str(n)][split]: run_size's figures; "extras": the other parts'."""
    compile_project()
    results: dict = {"machine": machine_info(), "splits": list(splits), "sizes": {}}
    corpora = {}
    for n in sizes:
        results["sizes"][str(n)] = {}
        for split in splits:
            results["sizes"][str(n)][split] = run_size(
                n, work_root=work_root, repeats=repeats or default_repeats(n), seed=seed,
                parts=parts, split=split)
        # The other parts' benchmarks read the bilingual corpus when there is one.
        corpora[n] = work_folder(work_root, n, "50/50" if "50/50" in splits else splits[0]) \
            / "corpus"
    if "extras" in parts:
        results["extras"] = run_extras(sizes, corpora)
    return results


def each_result(results: dict):
    """run_size's result of every size and split, in the order they ran."""
    for by_split in results["sizes"].values():
        yield from by_split.values()
