"""What output/ holds and whether it may go live: the build record beside it.

Every build that swaps a new output in records which kind it was (publish or development) and
for which SITEURL; `make publish` also records that it started and how it ended. A failed
publish leaves the previous output in place (as every failed build does), so output/ alone
cannot tell that the last publish failed: the record can. It lives beside output/
(`.output.build.json`), never inside it, so it is neither deployed nor part of the bytes a
build is compared on.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

PUBLISH = "publish"
DEVELOPMENT = "development"


class NotDeployable(Exception):
    """output/ is not the result of a successful `make publish`; the message says what to do."""


@dataclass(frozen=True)
class BuildRecord:
    kind: str | None  # of the build that wrote output/ (None: no record)
    site_url: str | None
    built: str | None
    publish_status: str | None  # "started" | "failed" | "succeeded" | None (never published)
    publish_error: str | None


def record_path(output: Path) -> Path:
    return output.parent / f".{output.name}.build.json"


def read(output: Path) -> BuildRecord:
    try:
        raw = json.loads(record_path(output).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        raw = {}
    built = raw.get("output") or {}
    publish = raw.get("publish") or {}
    return BuildRecord(built.get("kind"), built.get("site_url"), built.get("time"),
                       publish.get("status"), publish.get("error"))


def _update(site: Path, **parts) -> None:
    path = record_path(site)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        raw = {}
    raw.update(parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(raw, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def publish_started(output: Path) -> None:
    _update(output, publish={"status": "started", "time": _now()})


def publish_failed(output: Path, error: BaseException) -> None:
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    _update(output, publish={"status": "failed", "time": _now(), "error": message[:300]})


def swapped(output: Path, kind: str, site_url: str) -> None:
    """A build of `kind` is now output/ (publish builds: and the publish succeeded)."""
    parts = {"output": {"kind": kind, "site_url": site_url, "time": _now()}}
    if kind == PUBLISH:
        parts["publish"] = {"status": "succeeded", "time": _now()}
    _update(output, **parts)


def check_published(output: Path, *, allow_local: bool = False) -> BuildRecord:
    """The record of output/ when it may be deployed or served as production; else
    NotDeployable saying why and what to run."""
    from sitebuild.serverconf import is_local_url

    record = read(output)
    if not (output / "index.html").is_file():
        raise NotDeployable(f"{output}/ holds no built site: run `make publish` first")
    if record.publish_status == "failed":
        raise NotDeployable(
            f"the last `make publish` failed ({record.publish_error}); {output}/ still holds "
            "the build before it. Fix the problem and run `make publish` again")
    if record.publish_status == "started":
        raise NotDeployable("a `make publish` is running or was interrupted: let it finish, "
                            "or run it again")
    if record.kind != PUBLISH:
        what = ("a development build (make html/serve/devserver)" if record.kind
                else "a build without a record (made before this check existed?)")
        raise NotDeployable(f"{output}/ is {what}: its links point at "
                            f"{record.site_url or 'the development server'}. "
                            "Run `make publish` and deploy that")
    if not allow_local and is_local_url(record.site_url or ""):
        raise NotDeployable(
            f"{output}/ was published for {record.site_url}, a development address: set "
            "PUBLISH_SITEURL to the public URL (or leave it unset) and run `make publish`")
    return record
