"""Uploaded files: from the old site's URL to a file under `content/images/`.

WordPress links resized copies (`photo-1024x683.jpg`) and, since 5.3, a downscaled
`photo-scaled.jpg` for large uploads; the original `photo.jpg` is what we keep when the uploads
folder has it. The uploads' own folder layout (`2024/05/…`) is kept under `images/`, so two
uploads with one name in different months stay two files.
"""

from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

_VARIANT = re.compile(r"^(?P<stem>.+?)(?:-\d+x\d+|-scaled|-rotated)(?P<ext>\.[A-Za-z0-9]+)$")
UPLOADS_MARK = "/wp-content/uploads/"


class Media:
    def __init__(self, uploads: Path, content: Path, site_host: str) -> None:
        self.uploads = uploads
        self.content = content
        self.site_host = site_host
        self.copied: set[str] = set()  # relative paths under images/ copied or found equal
        self.written: list[str] = []  # newly copied or replaced files
        self.missing: dict[str, str] = {}  # URL → relative path looked for

    def is_upload(self, url: str) -> bool:
        parsed = urlparse(url.strip())
        if parsed.hostname and parsed.hostname.removeprefix("www.") != self.site_host:
            return False
        return UPLOADS_MARK in parsed.path

    def relative(self, url: str) -> str:
        path = unquote(urlparse(url.strip()).path)
        return path.split(UPLOADS_MARK, 1)[-1].lstrip("/")

    def resolve(self, url: str) -> str | None:
        """`{static}/images/…` for an upload URL, copying the original; None when missing."""
        relative = self.relative(url)
        source = self._original(relative)
        if source is None:
            self.missing[url] = relative
            return None
        name = source.relative_to(self.uploads).as_posix()
        self._copy(source, name)
        return "{static}/images/" + name

    def original_name(self, url: str) -> str:
        """The original's path under uploads/ a (possibly resized) upload URL stands for."""
        relative = self.relative(url)
        match = _VARIANT.match(PurePosixPath(relative).name)
        if match:
            return str(PurePosixPath(relative).with_name(match["stem"] + match["ext"]))
        return relative

    def _original(self, relative: str) -> Path | None:
        if ".." in PurePosixPath(relative).parts:
            return None
        candidate = self.uploads / relative
        match = _VARIANT.match(PurePosixPath(relative).name)
        if match:
            original = candidate.with_name(match["stem"] + match["ext"])
            if original.is_file():
                return original
        return candidate if candidate.is_file() else None

    def _copy(self, source: Path, name: str) -> None:
        if name in self.copied:
            return
        self.copied.add(name)
        target = self.content / "images" / name
        if target.is_file() and filecmp.cmp(source, target, shallow=False):
            return  # the same bytes: leave the file (and its time stamp) alone
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        self.written.append(name)
