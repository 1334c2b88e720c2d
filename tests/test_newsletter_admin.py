"""Operating the newsletter: online backups and restore (newsletter/backup.py) and Mailchimp
set-up that survives throttling and faults (newsletter/interests.py setup_interests)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from newsletter.backup import BackupError, backup, restore
from newsletter.config import load_config
from newsletter.service import create_app
from tests.fakes.fixtures import pick_port
from tests.fakes.mailchimp import FakeMailchimp, FaultPlan
from tests.test_newsletter_queue import LIST, mailchimp_env, run_cli


def restored_addresses(state: Path) -> set[str]:
    """Every address the restored data holds: subscribers, and jobs still queued."""
    found = set()
    with sqlite3.connect(state / "subscribers.sqlite3") as db:
        found |= {row[0] for row in db.execute("SELECT email FROM subscribers")}
    with sqlite3.connect(state / "queue.sqlite3") as db:
        found |= {json.loads(row[0])["email"].lower()
                  for row in db.execute("SELECT payload FROM jobs")}
    return found


def test_a_backup_under_concurrent_subscriptions_keeps_every_acknowledged_one(
        newsletter_settings, serve_app, tmp_path):
    port = pick_port()
    url = f"http://127.0.0.1:{port}"
    settings = newsletter_settings(url, rate_limit_ip=[10**6, 60],
                                   rate_limit_address=[10**6, 60])
    config = load_config(settings, environ={})
    serve_app(create_app(config), port)
    acknowledged: list[tuple[float, str]] = []  # (when the answer arrived, address)
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(timeout=30) as client:
            i = 0
            while not stop.is_set():
                email = f"w{n}-{i}@example.org"
                response = client.post(f"{url}/api/newsletter/subscribe",
                                       data={"email": email, "topics": "ptsd"},
                                       headers={"Origin": url, "Accept": "application/json"})
                if response.status_code == 202:
                    with lock:
                        acknowledged.append((time.monotonic(), email))
                i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        while len(acknowledged) < 60:  # subscriptions are flowing
            time.sleep(0.01)
        started = time.monotonic()
        folder = backup(config, tmp_path / "backups")
        finished = time.monotonic()
        while not [t for t, _ in acknowledged if t > finished] and all(
                t.is_alive() for t in threads):
            time.sleep(0.01)  # writes went on after the copy as well
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    before = {email for when, email in acknowledged if when < started}
    assert len(before) >= 60

    # Restore into a fresh state folder, as on a new server.
    fresh = load_config(newsletter_settings(url, state_dir=str(tmp_path / "new-state")),
                        environ={})
    assert restore(fresh, folder) is None  # nothing there before: nothing saved aside
    found = restored_addresses(fresh.state_dir)
    assert before <= found, sorted(before - found)[:5]
    manifest = json.loads((folder / "backup.json").read_text())
    assert set(manifest["tables"]) >= {"queue.sqlite3", "subscribers.sqlite3"}
    assert not list(folder.parent.glob(".*.partial"))
    assert folder.stat().st_mode & 0o777 == 0o700  # subscriber addresses: owner only
    assert {path.stat().st_mode & 0o777 for path in folder.iterdir()} == {0o600}


def test_restore_keeps_what_it_replaces_and_refuses_other_folders(newsletter_settings,
                                                                  tmp_path):
    from newsletter.store import SubscriberStore

    config = load_config(newsletter_settings(), environ={})
    store = SubscriberStore(config.store_path)
    store.upsert_pending("kept@example.org", "en", frozenset({"ptsd"}))
    folder = backup(config, tmp_path / "backups")
    store.upsert_pending("later@example.org", "en", frozenset({"ptsd"}))
    store.close()
    saved = restore(config, folder)
    assert saved is not None and (saved / "subscribers.sqlite3").exists()
    with sqlite3.connect(config.store_path) as db:
        assert {row[0] for row in db.execute("SELECT email FROM subscribers")} == {
            "kept@example.org"}
    with sqlite3.connect(saved / "subscribers.sqlite3") as db:  # the restore can be undone
        assert {row[0] for row in db.execute("SELECT email FROM subscribers")} == {
            "kept@example.org", "later@example.org"}
    with pytest.raises(BackupError, match="not a newsletter backup"):
        restore(config, tmp_path)


def test_backup_and_restore_commands(newsletter_settings, tmp_path):
    from newsletter.store import SubscriberStore

    state = tmp_path / "cli-state"
    store = SubscriberStore(state / "subscribers.sqlite3")
    store.upsert_pending("cli@example.org", "uk", frozenset({"stress"}))
    store.close()
    env = {"NEWSLETTER_STATE_DIR": str(state)}
    made = run_cli("backup", "--into", str(tmp_path / "backups"), env=env)
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip())
    target = {"NEWSLETTER_STATE_DIR": str(tmp_path / "other")}
    back = run_cli("restore", str(folder), env=target)
    assert back.returncode == 0, back.stderr
    with sqlite3.connect(tmp_path / "other" / "subscribers.sqlite3") as db:
        assert db.execute("SELECT email FROM subscribers").fetchall() == [("cli@example.org",)]


# --- Mailchimp set-up under faults ---------------------------------------------------------------

def _topics() -> list[str]:
    from newsletter.config import read_pelicanconf

    return list(load_config(read_pelicanconf(), environ={}).topics)


def test_setup_completes_with_30_percent_faults_and_is_safe_to_rerun(tmp_path):
    faults = FaultPlan(fail_ratio=0.3, seed=7)
    with FakeMailchimp(faults=faults) as fake:
        env = {**mailchimp_env(fake), "NEWSLETTER_STATE_DIR": str(tmp_path / "state")}
        runs = [run_cli("setup-mailchimp", "--backoff", "0.01", env=env) for _ in range(2)]
        state = fake.state
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    first, second = (json.loads(run.stdout) for run in runs)
    assert first == second  # the rerun found everything and created nothing
    assert set(first["interests"]) == set(_topics())
    categories = list(state.categories[LIST].values())
    assert [c["title"] for c in categories] == ["Topics"]  # never created twice
    names = [i["name"] for i in state.interests[categories[0]["id"]].values()]
    assert len(names) == len(set(names)) == len(_topics())
    assert sum(faults.injected.values()) >= 5 and "drop-after" in faults.injected
    assert fake.api_key not in runs[0].stdout + runs[0].stderr


# --- health ---------------------------------------------------------------------------------------

def test_health_is_degraded_when_the_mail_server_is_down(newsletter_settings, serve_app):
    closed = pick_port()  # nothing listens there
    config = load_config(newsletter_settings(),
                         environ={"NEWSLETTER_SMTP_URL": f"smtp://user:pw@127.0.0.1:{closed}"})
    url = serve_app(create_app(config))
    response = httpx.get(f"{url}/api/newsletter/health")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "backend_reachable": False,
                               "queue": {"waiting": 0, "dead": 0}}
    assert str(closed) not in response.text and "pw" not in response.text
