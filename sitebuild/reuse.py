"""What a build may reuse from the output it replaces: the pages the render_cache plugin
fingerprinted and the search bundles, recorded in the cache only once that output is in place.

`<CACHE_PATH>/pages/` holds one map per language (what wrote each page of output/, with the
page's fingerprint), `search.json` (which files each search bundle indexed) and
`output.json`, naming the output folder they describe by its inode. A new build links an unchanged page from output/ only when output/ is still that very
folder; after anything else (a failed build, a `make clean`, an output copied in by hand)
the stamp does not match and every page is rendered.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

STAMP = "output.json"
SEARCH = "search.json"


class PageMaps:
    def __init__(self, cache_root: Path, target: Path, work: Path) -> None:
        self.folder = cache_root / "pages"
        self.target = target
        self.work = work
        self.usable = _identity(target) is not None and _read_json(self.folder / STAMP) == {
            "output": str(target), **_identity(target)}
        # {bundle folder: key of the files it indexed}: the replaced output's, and this build's.
        self.search_previous = (_read_json(self.folder / SEARCH) or {}) if self.usable else {}
        self.search_record: dict[str, str] = {}
        self.previous_output = target if self.usable else None

    def settings_for(self, lang: str) -> dict:
        """The run's SITE_RENDER_CACHE: where to reuse from (when valid) and write to."""
        options = {"map_out": str(self.new_map(lang))}
        if self.usable:
            options.update(previous_output=str(self.target),
                           previous_map=str(self.folder / f"{lang}.pickle"))
        return options

    def new_map(self, lang: str) -> Path:
        return self.work / f"pages-{lang}.pickle"

    def commit(self, languages) -> None:
        """After the swap: the runs' maps now describe output/."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / STAMP).unlink(missing_ok=True)  # invalid until every map is in place
        for lang in languages:
            old = self.folder / f"{lang}.pickle"
            if self.new_map(lang).exists():
                shutil.move(self.new_map(lang), old)
            else:
                old.unlink(missing_ok=True)
        (self.folder / SEARCH).write_text(json.dumps(self.search_record, sort_keys=True),
                                          encoding="utf-8")
        stamp = {"output": str(self.target), **_identity(self.target)}
        temporary = self.folder / f"{STAMP}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(stamp), encoding="utf-8")
        temporary.replace(self.folder / STAMP)


    def save_search(self) -> None:
        """After bundles were indexed into output/ in place (the devserver's deferred search)."""
        temporary = self.folder / f"{SEARCH}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(self.search_record, sort_keys=True), encoding="utf-8")
        temporary.replace(self.folder / SEARCH)


def _identity(path: Path) -> dict | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return {"device": stat.st_dev, "inode": stat.st_ino}


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
