"""Which files under the content folder the build reads, and which it refuses (and why).

One walk of the content folder, before anything is read or rendered: the Markdown sources of
articles and pages; every symbolic link (never followed: its target could be any file of the
machine); every Markdown, HTML or reStructuredText file the build would otherwise ignore in
silence (outside `articles/` and `pages/`, or not `.md`). Folders declared static
(STATIC_PATHS) or holding the data files are not sources: what lies there is copied or read
as data. Hidden files and folders (`.git`, editors' swap files) are skipped, as Pelican
skips them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

# Files Pelican (or an editor) would take for a page's source.
SOURCE_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown", ".html", ".htm", ".rst")
_NAMED = re.compile(r"(?P<slug>[^/.]+)\.(?P<lang>[a-z]{2})\.md")


@dataclass(frozen=True)
class Refused:
    """A file the build does not read: (path, field, problem, fix) of its finding."""

    path: str
    field: str
    problem: str
    fix: str


@dataclass
class Sources:
    markdown: list[str] = field(default_factory=list)  # articles' roots first, then pages'
    refused: list[Refused] = field(default_factory=list)
    linked_folders: list[str] = field(default_factory=list)  # for Pelican's *_EXCLUDES
    links: list[str] = field(default_factory=list)  # every link, to a file or a folder


def _under(relative: str, roots) -> str | None:
    for root in roots:
        root = root.strip("/")
        if not root or relative == root or relative.startswith(root + "/"):
            return root
    return None


def expected_names(stem: str, settings: dict) -> str:
    """`stem.uk.md or stem.en.md`: the names a source without a language should have."""
    default = settings["DEFAULT_LANG"]
    languages = sorted(settings["SITE_LANGUAGES"], key=lambda code: code != default)
    return " or ".join(f"{stem}.{lang}.md" for lang in languages)


def _where_it_belongs(name: str, settings: dict) -> str:
    stem = name.split(".", 1)[0]
    named = _NAMED.fullmatch(name)
    names = name if named else expected_names(stem, settings)
    article_root = settings["ARTICLE_PATHS"][0].strip("/")
    page_root = settings["PAGE_PATHS"][0].strip("/")
    return (f"move it to {article_root}/<category>/{names} (an article) or "
            f"{page_root}/{names} (a page); until then it is not on the site")


def scan(settings: dict) -> Sources:
    """Walk the content folder once, without following links."""
    content = settings["PATH"]
    readable_roots = [*settings["ARTICLE_PATHS"], *settings["PAGE_PATHS"]]
    data_folders = {PurePosixPath(settings[name]).parent.as_posix()
                    for name in ("REVIEWERS_FILE", "REFERENCES_FILE") if settings.get(name)}
    not_sources = [*settings.get("STATIC_PATHS", []), *(f for f in data_folders if f != ".")]
    found = Sources()
    by_root: dict[str, list[str]] = {root.strip("/"): [] for root in readable_roots}
    folders = [(content, "")]
    while folders:
        directory, base = folders.pop()
        with os.scandir(directory) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            relative = base + entry.name
            if entry.is_symlink():  # never followed: named, and kept out of Pelican's walk
                folder = entry.is_dir()
                if folder:
                    found.linked_folders.append(relative)
                found.links.append(relative)
                found.refused.append(_link(relative, entry.path, folder=folder))
            elif entry.is_dir():
                folders.append((entry.path, relative + "/"))
            else:
                _classify(found, by_root, relative, entry.name, settings, readable_roots,
                          not_sources)
    for root in by_root:  # the order the catalogue has always read them in
        found.markdown += sorted(by_root[root], key=lambda path: PurePosixPath(path).parts)
    found.refused.sort(key=lambda refused: refused.path)
    return found


def _classify(found: Sources, by_root: dict[str, list[str]], relative: str, name: str,
              settings: dict, readable_roots: list[str], not_sources: list[str]) -> None:
    suffix = os.path.splitext(name)[1].lower()
    root = _under(relative, readable_roots)
    if root is not None:
        if suffix == ".md" and not name.endswith(".md"):  # Pelican reads `.md` only
            found.refused.append(Refused(
                relative, "file", f"ends in {os.path.splitext(name)[1]}; only names ending in "
                ".md (lower case) are read, so it is not on the site",
                f"rename it to {os.path.splitext(name)[0]}.md"))
        elif suffix == ".md":
            by_root[root].append(relative)
        elif suffix in SOURCE_SUFFIXES:
            stem = name.split(".", 1)[0]
            found.refused.append(Refused(
                relative, "file", f"is a {suffix} file; only Markdown (.md) files are read, "
                "so it is not on the site",
                f"rename it to {expected_names(stem, settings)} (Markdown with a `title:` "
                "header; CONTENT.md shows one)"))
    elif suffix in SOURCE_SUFFIXES and _under(relative, not_sources) is None:
        found.refused.append(Refused(relative, "location", "is outside the folders the build "
                                     "reads", _where_it_belongs(name, settings)))


def _link(relative: str, path: str, *, folder: bool) -> Refused:
    what = "folder" if folder else "file"
    return Refused(
        relative, "link", f"is a symbolic link to a {what} ({os.readlink(path)}); links are "
        "never followed, so nothing of its target is read or published",
        f"put the {what} itself under content/ instead of a link to it")
