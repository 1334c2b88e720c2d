"""`make deploy` / `make rollback` (sitebuild/deploy.py) and the build record they trust
(sitebuild/release.py), with real rsync into temporary folders; "remote" targets go through a
stand-in for ssh that runs the command here, so the same rsync protocol and shell commands run.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitebuild import release
from sitebuild.deploy import CURRENT, RELEASES, deploy, rollback
from tests.conftest import FIXTURE_SITE, ROOT, build_into


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """{"publish": output, "development": output}: one build of each kind."""
    root = tmp_path_factory.mktemp("deploy-builds")
    publish = build_into(root / "publish" / "output", strict=True,
                         settings_file=ROOT / "publishconf.py").output
    development = build_into(root / "development" / "output").output
    return {"publish": publish, "development": development}


@pytest.fixture
def published(builds, tmp_path) -> Path:
    """A copy of the publish build with its record, free to change."""
    output = tmp_path / "site" / "output"
    shutil.copytree(builds["publish"], output)
    shutil.copy2(release.record_path(builds["publish"]), release.record_path(output))
    return output


def same_tree(left: Path, right: Path) -> bool:
    files = lambda root: sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())
    return files(left) == files(right) and all(
        filecmp.cmp(left / name, right / name, shallow=False) for name in files(left))


def test_mirror_copies_the_publish_build_and_removes_stale_files(published, tmp_path, caplog):
    target = tmp_path / "www"
    (target / "old-page").mkdir(parents=True)
    (target / "old-page" / "index.html").write_text("stale")
    deploy(published, str(target), mode="mirror")
    assert same_tree(published, target)
    assert not (target / "old-page").exists()
    assert (target / "index.html.br").exists() and (target / "_headers").exists()
    for path in (target, target / "index.html", target / "en"):  # the web server's user reads
        assert path.stat().st_mode & 0o005 == (0o005 if path.is_dir() else 0o004), path
    caplog.clear()
    with caplog.at_level("INFO", logger="sitebuild.deploy"):
        deploy(published, str(target), mode="mirror")
    assert "Number of regular files transferred: 0" in caplog.text  # checksums: nothing resent


def test_releases_switch_current_and_roll_back(published, tmp_path):
    target = tmp_path / "srv"
    first = Path(deploy(published, str(target)))
    (published / "about" / "index.html").unlink()
    (published / "index.html").write_text("<!doctype html><title>new</title>", encoding="utf-8")
    second = Path(deploy(published, str(target)))
    current = target / CURRENT
    assert current.is_symlink() and current.resolve() == second.resolve()
    assert same_tree(published, current)
    assert current.resolve().stat().st_mode & 0o777 == 0o755
    assert not (current / "about" / "index.html").exists()  # gone from the live site
    unchanged = "en/index.html"  # not resent: the same file as the release before
    assert os.stat(first / unchanged).st_ino == os.stat(second / unchanged).st_ino
    assert rollback(str(target)) == f"{target.resolve()}/{RELEASES}/{first.name}"
    assert current.resolve() == first.resolve()
    assert (current / "about" / "index.html").exists()


def test_old_releases_are_pruned(published, tmp_path):
    target = tmp_path / "srv"
    made = [Path(deploy(published, str(target), keep=2)).name for _ in range(3)]
    assert sorted(p.name for p in (target / RELEASES).iterdir()) == made[1:]


def test_a_remote_target_gets_the_same_releases_over_the_remote_shell(published, tmp_path):
    fake_ssh = tmp_path / "fake-ssh"  # `fake-ssh [-l USER] HOST COMMAND...` runs COMMAND here
    fake_ssh.write_text('#!/bin/sh\n'
                        'while [ "${1#-}" != "$1" ]; do\n'
                        '  case "$1" in -l|-p|-o) shift 2;; *) shift;; esac\n'
                        'done\n'
                        'shift\n'
                        'exec sh -c "$*"\n')
    fake_ssh.chmod(0o755)
    target = tmp_path / "remote-srv"
    spec = f"deploy@web.example:{target}"
    deploy(published, spec, ssh=str(fake_ssh))
    live = Path(deploy(published, spec, ssh=str(fake_ssh)))
    assert (target / CURRENT).resolve() == live.resolve()
    assert same_tree(published, target / CURRENT)
    rollback(spec, ssh=str(fake_ssh))
    assert (target / CURRENT).resolve() != live.resolve()


def run_deploy(output: Path, target: Path) -> subprocess.CompletedProcess:
    """What `make deploy DEPLOY_TARGET=target` runs."""
    return subprocess.run(
        [sys.executable, "-m", "sitebuild", "deploy", "--target", str(target),
         "--output", str(output)], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}"})


def test_a_development_build_is_refused(builds, tmp_path):
    done = run_deploy(builds["development"], tmp_path / "www")
    assert done.returncode == 1
    assert "is a development build" in done.stderr and "make publish" in done.stderr
    assert not (tmp_path / "www").exists()


def test_a_failed_publish_is_refused_though_the_previous_output_remains(published, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    (content / "articles" / "ptsd" / "bad.en.md").write_text(
        "title: Bad\ndate: 2025-01-01\ncategory: no-such-category\n\nText.\n", encoding="utf-8")
    with pytest.raises(Exception):
        build_into(published, content, strict=True, settings_file=ROOT / "publishconf.py")
    assert (published / "index.html").exists()  # the failed build left output/ as it was
    done = run_deploy(published, tmp_path / "www")
    assert done.returncode == 1
    assert "the last `make publish` failed" in done.stderr
    assert not (tmp_path / "www").exists()


def test_a_publish_for_a_development_address_is_refused(published, tmp_path):
    release.swapped(published, release.PUBLISH, "http://127.0.0.1:8000")
    with pytest.raises(release.NotDeployable, match="development address"):
        deploy(published, str(tmp_path / "www"))


# --- what a server installs: systemd units, the container file ---------------------------------

UNITS = ROOT / "deploy" / "systemd"


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """The units as committed, with /opt/expio pointing at this checkout (verify checks that
    ExecStart exists); any warning about them counts as a failure."""
    for unit in UNITS.iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/expio", str(ROOT)))
    names = sorted(path.name for path in tmp_path.iterdir())
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    ours = [line for line in done.stderr.splitlines() if "expio" in line]
    assert ours == []


def unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_the_service_runs_hardened_as_a_user_and_restarts():
    service = unit("expio-newsletter.service")
    assert service["User"] == ["expio"] and service["Restart"] == ["on-failure"]
    for option in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices",
                   "RestrictSUIDSGID", "LockPersonality"):
        assert service[option] == ["yes"], option
    assert service["ProtectSystem"] == ["strict"] and service["CapabilityBoundingSet"] == [""]
    assert "--settings publishconf.py" in service["ExecStart"][0]


@pytest.mark.parametrize("timer, service", [
    ("expio-digest.timer", "expio-digest.service"),
    ("expio-newsletter-flush.timer", "expio-newsletter-flush.service"),
    ("expio-newsletter-backup.timer", "expio-newsletter-backup.service"),
])
def test_timers_catch_up_missed_runs(timer, service):
    assert unit(timer)["Persistent"] == ["true"]
    assert unit(service)["Type"] == ["oneshot"] and unit(service)["User"] == ["expio"]


def test_the_container_file_copies_what_exists_and_runs_as_a_user():
    text = (ROOT / "deploy" / "Containerfile").read_text()
    for line in text.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    assert "\nUSER expio\n" in text and "/api/newsletter/health" in text


def test_serve_production_refuses_a_development_build(builds):
    done = subprocess.run(
        [sys.executable, "-m", "sitebuild", "serve-production", "--port", "1",
         "--output", str(builds["development"])], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}"})
    assert done.returncode == 1
    assert "is a development build" in done.stderr
