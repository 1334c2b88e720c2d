"""`make deploy` and `make rollback`: a `make publish` output to a directory, here or over SSH.

The target (`/srv/expio` or `user@host:/srv/expio`) keeps releases:

    /srv/expio/releases/20261206T011500.123456Z/   one folder per deploy (the newest few kept)
    /srv/expio/current -> releases/...              what the web server serves (SERVER["root"])

A deploy rsyncs the output into a new release folder with checksums, hard-linking every file
that did not change from the current release (`--link-dest`: not sent again, no extra disk),
then switches the `current` symlink in one rename, so a reader never sees half a deploy.
`make rollback` points `current` back at the release before it. `mode="mirror"` instead
keeps the target a plain copy of output/ (`rsync --delete --checksum`), for hosts that serve a
fixed folder.
"""

from __future__ import annotations

import logging
import re
import shlex
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from sitebuild import release

logger = logging.getLogger(__name__)

RELEASES = "releases"
CURRENT = "current"
_REMOTE = re.compile(r"^(?P<host>[^/:]+@[^/:]+|[^/:]+):(?P<path>.+)$")


class DeployError(Exception):
    """The deploy could not be done; nothing was switched."""


class Target:
    """A deploy target: a local folder or `[user@]host:path`; runs shell commands there."""

    def __init__(self, spec: str, ssh: str = "ssh"):
        match = _REMOTE.match(spec)
        self.host = match["host"] if match else None
        self.path = (match["path"] if match else str(Path(spec).resolve())).rstrip("/") or "/"
        self.ssh = shlex.split(ssh)

    def rsync_path(self, relative: str) -> str:
        path = f"{self.path}/{relative}".rstrip("/") + "/"
        return f"{self.host}:{path}" if self.host else path

    def sh(self, command: str) -> str:
        """Run a POSIX shell command in the target's place; its standard output."""
        argv = [*self.ssh, self.host, command] if self.host else ["sh", "-c", command]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode:
            raise DeployError(f"{' '.join(argv[:-1])} {command!r} failed: "
                              f"{done.stderr.strip() or done.returncode}")
        return done.stdout

    def releases(self) -> list[str]:
        folder = shlex.quote(f"{self.path}/{RELEASES}")
        listing = self.sh(f"test -d {folder} && ls -1 {folder} || true")
        return sorted(name for name in listing.split() if name)

    def current(self) -> str | None:
        link = shlex.quote(f"{self.path}/{CURRENT}")
        target = self.sh(f"readlink {link} || true").strip()
        return target.rpartition("/")[2] or None

    def switch(self, name: str) -> None:
        """Point `current` at releases/<name> in one rename (readers see old or new)."""
        base = shlex.quote(self.path)
        self.sh(f"cd {base} && ln -sfn {shlex.quote(f'{RELEASES}/{name}')} {CURRENT}.new "
                f"&& mv -T {CURRENT}.new {CURRENT}")


def rsync(source: Path, destination: str, *, extra: list[str], ssh: list[str],
          remote: bool) -> None:
    # --chmod: the site is public, and the web server runs as another user (a build's output/
    # starts as a private temporary folder, 0700, which --archive would otherwise copy).
    argv = ["rsync", "--archive", "--checksum", "--delete", "--chmod=D755,F644",
            "--human-readable", "--stats",
            *(["--compress", "--rsh", shlex.join(ssh)] if remote else []), *extra,
            f"{source}/", destination]
    logger.info("deploy: %s", shlex.join(argv))
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode:
        raise DeployError(f"rsync failed ({done.returncode}): {done.stderr.strip()}")
    for line in done.stdout.splitlines():
        if line.startswith(("Number of regular files transferred", "Total transferred file size")):
            logger.info("deploy: %s", line)


def deploy(output: Path, spec: str, *, mode: str = "releases", keep: int = 5,
           ssh: str = "ssh") -> str:
    """Put the publish build in `output` live at `spec`; returns what is now served."""
    record = release.check_published(output)
    target = Target(spec, ssh)
    logger.info("deploy: %s (published for %s at %s) -> %s", output, record.site_url,
                record.built, spec)
    if mode == "mirror":
        target.sh(f"mkdir -p {shlex.quote(target.path)}")
        rsync(output, target.rsync_path(""), extra=[], ssh=target.ssh,
              remote=bool(target.host))
        return target.path
    if mode != "releases":
        raise DeployError(f"DEPLOY_MODE {mode!r}: use 'releases' (default) or 'mirror'")
    previous = target.current()
    name = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    target.sh(f"mkdir -p {shlex.quote(f'{target.path}/{RELEASES}')}")
    # --link-dest is relative to the destination folder: unchanged files become hard links.
    extra = [f"--link-dest=../{previous}"] if previous else []
    rsync(output, target.rsync_path(f"{RELEASES}/{name}"), extra=extra, ssh=target.ssh,
          remote=bool(target.host))
    target.switch(name)
    logger.info("deploy: %s/%s is live (previous: %s)", target.path, CURRENT, previous)
    _prune(target, keep, live=name)
    return f"{target.path}/{RELEASES}/{name}"


def rollback(spec: str, *, ssh: str = "ssh") -> str:
    """Point `current` at the release before the one it points at now."""
    target = Target(spec, ssh)
    names = target.releases()
    current = target.current()
    if current not in names or names.index(current) == 0:
        raise DeployError(f"no release before {current!r} in {spec}/{RELEASES}: "
                          f"nothing to roll back to (releases: {', '.join(names) or 'none'})")
    before = names[names.index(current) - 1]
    target.switch(before)
    logger.info("rollback: %s/%s -> %s/%s (was %s)", target.path, CURRENT, RELEASES, before,
                current)
    return f"{target.path}/{RELEASES}/{before}"


def _prune(target: Target, keep: int, live: str) -> None:
    names = target.releases()
    old = [name for name in names[:-keep] if name != live] if keep > 0 else []
    for name in old:
        target.sh(f"rm -rf {shlex.quote(f'{target.path}/{RELEASES}/{name}')}")
    if old:
        logger.info("deploy: removed %d old release(s), kept %d", len(old), keep)
