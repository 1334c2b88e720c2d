"""Command line of the build: `python -m sitebuild <command>` (the Makefile calls it)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import traceback
from datetime import date
from pathlib import Path

from sitebuild import config
from sitebuild.build import BuildFailed, BuildReport, build

logger = logging.getLogger("sitebuild")

COMMANDS = {
    "html": "build output/ with pelicanconf.py; warnings are reported, the build goes on",
    "publish": "build with publishconf.py; any warning fails the build",
    "check": "run every content check and a strict build without touching output/",
    "serve": "build, then serve the site and the subscribe endpoint on 127.0.0.1:8000",
    "devserver": "serve, rebuild on every change and reload open pages",
    "related-report": "build, then write output/reports/related.{html,csv} for editors",
    "cms": "devserver plus the web editor at /admin/, editing the local files (decap-server)",
}
PRODUCTION_COMMANDS = {
    "deploy": "rsync the last `make publish` output to a folder or [user@]host:folder",
    "rollback": "point the deploy target's `current` back at the previous release",
    "serve-production": "Caddy + the subscribe service on 127.0.0.1, serving the last publish",
    "server-config": "print the Caddyfile or nginx config generated from the settings",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sitebuild", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--settings", type=Path, default=None,
                             help="settings file (default: pelicanconf.py; publish: publishconf.py)")
        command.add_argument("--content", type=Path, help="content folder (default: settings PATH)")
        command.add_argument("--output", type=Path, help="output folder (default: output/)")
        command.add_argument("--no-cache", action="store_true", help="ignore the content cache")
        command.add_argument("--serial", action="store_true",
                             help="render the languages one after another (debugging)")
        if name in ("serve", "devserver", "cms"):
            command.add_argument("--host", default="127.0.0.1")
            command.add_argument("--port", type=int, default=8000)
        if name == "cms":
            command.add_argument("--proxy-port", type=int, default=0,
                                 help="decap-server's port on 127.0.0.1 (default: a free one)")
    for name, help_text in PRODUCTION_COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--settings", type=Path, default=Path("publishconf.py"),
                             help="settings file (default: publishconf.py)")
        command.add_argument("--output", type=Path, help="the published folder (default: output/)")
        if name == "serve-production":
            command.add_argument("--host", default="127.0.0.1")
            command.add_argument("--port", type=int, default=8080)
            command.add_argument("--workers", type=int, default=2,
                                 help="subscribe service worker processes (default 2)")
        elif name in ("deploy", "rollback"):
            command.add_argument("--target", required=True,
                                 help="folder or [user@]host:folder (DEPLOY_TARGET)")
            command.add_argument("--ssh", default="ssh", help="remote shell (default: ssh)")
            if name == "deploy":
                command.add_argument("--mode", choices=("releases", "mirror"), default="releases",
                                     help="releases/ + a `current` symlink (default), or a "
                                          "plain mirror of output/")
                command.add_argument("--keep", type=int, default=5,
                                     help="releases to keep (default 5)")
        else:
            command.add_argument("kind", choices=("caddy", "nginx"))
            command.add_argument("--root", help="site folder on the server (default SERVER root)")
    new = sub.add_parser("new", help="write a new article's files, one per language",
                         description="write a new article's files (status: draft), one per "
                                     "language, and print their paths")
    new.add_argument("--title", required=True, help="the title (the slug is made from it)")
    new.add_argument("--category", required=True, help="a slug from CATEGORIES")
    new.add_argument("--lang", default="", help="comma-separated languages (default: all)")
    new.add_argument("--slug", default="", help="the file name's slug (default: from the title)")
    new.add_argument("--date", type=date.fromisoformat, default=None,
                     help="YYYY-MM-DD (default: today in the site's time zone)")
    new.add_argument("--settings", type=Path, default=Path("pelicanconf.py"))
    new.add_argument("--content", type=Path, help="content folder (default: settings PATH)")
    return parser.parse_args(argv)


def production(args: argparse.Namespace) -> int:
    """deploy, rollback, serve-production, server-config: they use a build, never make one."""
    from sitebuild import deploy, production, release, serverconf

    try:
        if args.command == "rollback":
            deploy.rollback(args.target, ssh=args.ssh)
            return 0
        options = config.BuildOptions(settings_file=args.settings, output=args.output)
        if args.command == "serve-production":
            return production.serve(args.settings, args.output, args.host, args.port,
                                    args.workers)
        base = config.read_base(options)
        if args.command == "deploy":
            deploy.deploy(Path(base["OUTPUT_PATH"]), args.target, mode=args.mode,
                          keep=args.keep, ssh=args.ssh)
            return 0
        server = serverconf.load(base)
        text = (serverconf.caddyfile(server, root=args.root) if args.kind == "caddy"
                else serverconf.nginx_conf(server, root=args.root))
        sys.stdout.write(text)
        return 0
    except (release.NotDeployable, deploy.DeployError, production.ProductionError) as error:
        logger.error("%s: %s", args.command, error)
        return 1


def new_article(args: argparse.Namespace) -> int:
    """`make new`: print the paths written, one a line."""
    from sitebuild import scaffold

    settings = config.read_base(config.BuildOptions(settings_file=args.settings,
                                                    content=args.content))
    request = scaffold.Request(
        title=args.title.strip(), category=args.category.strip(), slug=args.slug.strip(),
        langs=tuple(lang.strip() for lang in args.lang.split(",") if lang.strip()),
        day=args.date)
    try:
        paths = scaffold.create(settings, request)
    except scaffold.ScaffoldError as error:
        logger.error("%s", error)
        return 2
    for path in paths:
        relative = os.path.relpath(path)
        print(path if relative.startswith("..") else relative)
    return 0


def options_from(args: argparse.Namespace) -> config.BuildOptions:
    strict = args.command in ("publish", "check")
    default_settings = "publishconf.py" if args.command == "publish" else "pelicanconf.py"
    return config.BuildOptions(
        settings_file=args.settings or Path(default_settings),
        content=args.content,
        output=args.output,
        strict=strict,
        cache=not args.no_cache and not strict,
        parallel=not args.serial,
        related_report=args.command == "related-report",
    )


def summarise(report: BuildReport) -> None:
    timings = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in report.timings.items())
    logger.info("built %s with %d warning(s) (%s)", report.output, report.warnings, timings)


def plain_logging() -> None:
    """Loggers that log every message, not Pelican's, which drop one already logged once: the
    devserver repeats its lines, and a content warning must show on every rebuild."""
    from pelican.log import LimitLogger

    logging.setLoggerClass(logging.Logger)  # for the loggers created from now on
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, LimitLogger) and not logger.name.startswith("pelican"):
            logger.disable_filter()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    plain_logging()
    args = parse_args(argv)
    if args.command == "new":
        return new_article(args)
    if args.command in PRODUCTION_COMMANDS:
        try:
            return production(args)
        except config.SettingsError as error:
            logger.error("settings: %s", error)
            return 2
    options = options_from(args)
    try:
        if args.command in ("serve", "devserver"):
            from sitebuild import serve

            return serve.main(options, args.host, args.port, watch=args.command == "devserver")
        if args.command == "cms":
            from sitebuild.cms import serve as cms_serve

            return cms_serve.main(options, args.host, args.port, args.proxy_port)
        report = build(options, swap=args.command != "check")
        if args.command == "check":
            from sitebuild.output import discard

            discard(report.output)
        summarise(report)
    except BuildFailed as error:
        logger.error("build failed: %s", error)
        return 1
    except config.SettingsError as error:
        logger.error("settings: %s", error)
        return 2
    except Exception as error:  # not a content mistake (those are findings): our bug
        logger.error("build failed, output/ left unchanged: %s (%s) — this is a fault of the "
                     "build, not of the content; the full report is in %s", error,
                     type(error).__name__, crash_report(error))
        return 1
    return 0


CRASH_REPORT = Path(".cache") / "build-crash.log"


def crash_report(error: BaseException) -> Path:
    """Write the traceback where a developer finds it (editors get one line); the path."""
    text = "".join(traceback.format_exception(error))
    for path in (CRASH_REPORT, Path(tempfile.gettempdir()) / "sitebuild-crash.log"):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path.resolve()
        except OSError:
            continue
    return Path("(nowhere: the report could not be written)")


if __name__ == "__main__":
    sys.exit(main())
