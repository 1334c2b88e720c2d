"""How fast any build with our search could be: vanilla Pelican's work plus a cold Pagefind index.

Issue 23 asks for our cold build ≤ 0.9 of vanilla Pelican's time. Vanilla builds no search;
ours indexes every article for Pagefind. This measures the part of that no cleverness of ours
can remove, on the same corpus and in the same run as the ratio it bounds:

- Pagefind's CPU time indexing our cold build's pages into empty bundle folders, exactly as
  the build runs it (`sitebuild.engine.indexing.Indexer`, the Ukrainian pages with their
  word-form keys). Only Pagefind's processes are counted (`RUSAGE_CHILDREN`): the word-form
  copies, made in this process, are ours to make cheaper and are left out.
- the floor: vanilla's CPU time (reading and converting every source, writing every page)
  plus that, spread perfectly over every core, over vanilla's wall time. A build that does
  what vanilla does and builds this index cannot have a lower ratio on this machine. It
  is generous: everything our site adds (related lists, checks, structured data, feeds, the
  newsletter manifest, three times the pages) counts as free, and the work as perfectly
  parallel.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
from pathlib import Path

from core import catalogue
from sitebuild import config, search
from sitebuild.engine import indexing

ROOT = Path(__file__).resolve().parent.parent


def pagefind_cpu(settings_file: Path, content: Path, built: Path, work: Path) -> dict:
    """Pagefind's CPU seconds indexing `built` (our cold build's output) from nothing."""
    with tempfile.TemporaryDirectory(dir=work, prefix="floor-") as scratch:
        # The cache in the scratch folder: the warm build measured next finds the cold one's.
        options = config.BuildOptions(settings_file=settings_file, content=content,
                                      overrides=(("CACHE_PATH", str(Path(scratch) / "cache")),))
        settings = config.read_base(options)
        bundles = search.plan(settings, catalogue.build(settings))  # as the build plans them
        site = Path(scratch) / "site"
        # The pages by hard link (as fast as the build's own), without its search bundles.
        shutil.copytree(built, site, copy_function=os.link,
                        ignore=shutil.ignore_patterns("pagefind*"))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cores = len(os.sched_getaffinity(0))
        indexer = indexing.Indexer(site, Path(scratch) / "work", bundles, cores=cores,
                                   pages_stay=True)
        indexer.all_rendered()  # nothing renders here: the cores are the indexes'
        for lang in bundles:
            indexer.start(lang)
        runs = indexer.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"pagefind_cpu_s": round(cpu, 2), "bundles": len(runs),
            "pages": sum(run.pages for run in runs), "cores": cores}


def floor_ratio(vanilla: dict, index: dict) -> float:
    """The lowest ours / vanilla wall ratio a build doing vanilla's work plus the index
    (`pagefind_cpu`'s figures) can reach (`vanilla`: the run the ratio is taken against)."""
    return round((vanilla["cpu_s"] + index["pagefind_cpu_s"]) / index["cores"]
                 / vanilla["wall_s"], 3)
