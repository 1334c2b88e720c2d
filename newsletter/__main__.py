"""Newsletter commands: `python -m newsletter <command>` (see newsletter/README.md).

    serve [--host 127.0.0.1] [--port 8000] [--site output] [--workers 2] [--settings FILE]
                                                             endpoint (+ static site) via uvicorn
    flush-queue                                              retry every queued subscription now
    setup-mailchimp [--retries 12] [--backoff 1]             create topic interests; print mapping
    backup [--into var/backups] [--keep 30]                  online copy of the SQLite data
    restore FOLDER                                           write a backup back (service stopped)
    (flush-queue, setup-mailchimp, backup, restore also take --settings FILE)
    digest ... / digest-send ...                             delegated to newsletter.digest.cli
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

logger = logging.getLogger("newsletter")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from newsletter import asgi
    from newsletter.config import load_config, read_pelicanconf
    from newsletter.serving import uvicorn_options

    settings_file = Path(args.settings) if args.settings else None
    config = load_config(read_pelicanconf(settings_file))  # fail early, in this process
    site = Path(args.site) if args.site else None
    if site is not None and not site.is_dir():
        logger.warning("newsletter: %s does not exist; serving the endpoint only "
                       "(build the site with `make html`)", site)
        site = None
    os.environ[asgi.ENV] = asgi.options(str(settings_file.resolve()) if settings_file else None,
                                        str(site.resolve()) if site else None, args.workers)
    logger.info("newsletter: %s backend, %d worker process(es), serving on http://%s:%d",
                config.backend, args.workers, args.host, args.port)
    # An app factory by import string: each worker process builds its own app (SQLite
    # connections, delivery worker). uvloop is used when installed; the HTTP protocol is
    # httptools with a header deadline, and the client address is ours to decide (serving.py).
    uvicorn.run("newsletter.asgi:create", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level, access_log=args.access_log,
                **uvicorn_options())
    return 0


def _flush(args: argparse.Namespace) -> int:
    from newsletter.backends import make_backend
    from newsletter.config import load_config
    from newsletter.queue import RetryQueue

    config = _config(args)
    queue = RetryQueue.from_config(config)
    before = queue.count()
    report = queue.drain_all(make_backend(config), max_passes=args.passes)
    print(f"queue: {before} waiting before; {report.delivered} delivered, {report.rejected} "
          f"rejected {report.outcomes or ''}, {report.retried} failed again, {report.dead} "
          f"given up; {queue.count()} waiting, {queue.count('dead')} dead")
    return 0 if queue.count() == 0 else 1


def _config(args: argparse.Namespace):
    """The newsletter configuration from --settings (default pelicanconf.py) and the env."""
    from newsletter.config import load_config, read_pelicanconf

    return load_config(read_pelicanconf(Path(args.settings) if args.settings else None))


def _setup_mailchimp(args: argparse.Namespace) -> int:
    from newsletter.errors import ConfigError, NewsletterError
    from newsletter.interests import setup_interests
    from newsletter.mailchimp import MailchimpGateway, admin_retry

    config = _config(args)
    if not config.api_key or not config.list_id:
        raise ConfigError("setup-mailchimp needs MAILCHIMP_API_KEY in the environment and "
                          "NEWSLETTER['list_id'] (or MAILCHIMP_LIST_ID)")
    gateway = MailchimpGateway(config, retry=admin_retry(args.retries, args.backoff))
    try:
        mapping = setup_interests(config, gateway, attempts=args.retries,
                                  base_delay=args.backoff)
    except NewsletterError as err:
        print(f"setup-mailchimp failed: {err}", file=sys.stderr)
        return 1
    print(json.dumps({"interest_category_id": mapping.category_id,
                      "interests": dict(mapping.ids)}, indent=2, ensure_ascii=False))
    print(f"# cached in {config.interests_cache_path}; to pin it, copy into NEWSLETTER in "
          "pelicanconf.py", file=sys.stderr)
    return 0


def _backup(args: argparse.Namespace) -> int:
    from newsletter.backup import backup

    folder = backup(_config(args), Path(args.into), keep=args.keep)
    print(folder)
    return 0


def _restore(args: argparse.Namespace) -> int:
    from newsletter.backup import restore

    config = _config(args)
    before = restore(config, Path(args.folder))
    print(f"restored {args.folder} into {config.state_dir}"
          + (f"; what was there is saved in {before}" if before else ""))
    return 0


def _digest(argv: list[str]) -> int:
    from newsletter.digest import cli  # another package; imported only when asked for

    return cli.main(argv) or 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if argv and argv[0] in ("digest", "digest-send"):
        return _digest(argv)
    parser = argparse.ArgumentParser(prog="python -m newsletter", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the endpoint (and the built site)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--site", default="output", help="built site to serve ('' for none)")
    serve.add_argument("--workers", type=int, default=2,
                       help="worker processes (default 2: one per core of the target host)")
    serve.add_argument("--settings", default=None,
                       help="settings file instead of pelicanconf.py (same format)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--no-access-log", dest="access_log", action="store_false")
    serve.set_defaults(run=_serve)
    flush = commands.add_parser("flush-queue", help="retry every queued subscription now")
    flush.add_argument("--passes", type=int, default=20,
                       help="retry rounds before giving up for now (default 20)")
    flush.set_defaults(run=_flush)
    setup = commands.add_parser("setup-mailchimp", help="create topic interests if missing")
    setup.add_argument("--retries", type=int, default=12,
                       help="tries on 429, 5xx, timeouts and dropped connections (default 12)")
    setup.add_argument("--backoff", type=float, default=1.0,
                       help="first wait in seconds, doubled each time, with jitter (default 1)")
    setup.set_defaults(run=_setup_mailchimp)
    backup = commands.add_parser("backup", help="online copy of the local data (SQLite)")
    backup.add_argument("--into", default="var/backups", help="folder of backups")
    backup.add_argument("--keep", type=int, default=30, help="backups to keep (0: all)")
    backup.set_defaults(run=_backup)
    restore = commands.add_parser("restore", help="write a backup back (stop the service)")
    restore.add_argument("folder", help="a folder `backup` wrote")
    restore.set_defaults(run=_restore)
    for command in (flush, setup, backup, restore):
        command.add_argument("--settings", default=None,
                             help="settings file (default pelicanconf.py; servers: publishconf.py)")
    commands.add_parser("digest", help="render digest previews (newsletter.digest)")
    commands.add_parser("digest-send", help="send the digest (newsletter.digest)")
    args = parser.parse_args(argv)
    from core.settings import SettingsError

    try:
        return args.run(args)
    except SettingsError as err:  # the message names the setting and the fix: no traceback
        print(f"settings: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
