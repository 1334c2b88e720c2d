"""`python -m newsletter digest` (previews) and `python -m newsletter digest-send` (sending).

    digest       [--lang uk --lang en] [--period 2026-W48] [--output output]
                 renders output/newsletter/preview/<lang>.html and .txt from the manifests the
                 build wrote (never re-running the build); prints sizes.
    digest-send  [--lang ..] [--period ..] [--dry-run] [--test-to ADDR ...]
                 [--schedule 2026-11-30T08:00Z] [--resend-in-doubt] [--output output]
                 sends the digest of each language with the configured backend (Mailchimp when
                 MAILCHIMP_API_KEY is set, else local), exactly once per (language, period).
Exit status: 0 done (including "nothing new" and "already sent"), 1 a digest could not be
sent (rerun later: the ledger keeps the state), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import html
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path

from newsletter.config import PROJECT_ROOT, load_config, read_pelicanconf
from newsletter.digest import settings as digest_settings
from newsletter.digest.ledger import FINAL, Ledger
from newsletter.digest.lock import LockBusy, RunLock
from newsletter.digest.manifest import ManifestError
from newsletter.digest.periods import period_of, validate_period
from newsletter.digest.plan import Plan, make_plan, web_version
from newsletter.digest.render import DigestTooLarge, render, write_stylesheet
from newsletter.digest.senders import SendFailed, Sender, make_sender
from newsletter.errors import NewsletterError

logger = logging.getLogger(__name__)


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m newsletter {command}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", action="append", help="language (repeatable; default: all)")
    parser.add_argument("--period", help="period label, 2026-W48 (weekly) or 2026-11 "
                        "(monthly); default: the current one")
    parser.add_argument("--output", default="output", help="built site folder (default output)")
    parser.add_argument("--settings", default=str(PROJECT_ROOT / "pelicanconf.py"),
                        help="settings file (default: the project's pelicanconf.py)")
    parser.add_argument("--now", help=argparse.SUPPRESS)  # tests and backfills: fixed clock
    if command == "digest-send":
        parser.add_argument("--dry-run", action="store_true",
                            help="show what would be sent; send and record nothing")
        parser.add_argument("--test-to", action="append", default=[], metavar="ADDR",
                            help="send a [TEST] copy to ADDR (repeatable) instead of the digest")
        parser.add_argument("--schedule", metavar="ISO",
                            help="Mailchimp: schedule for this time (rounded up to the quarter "
                                 "hour, UTC) instead of sending now")
        parser.add_argument("--resend-in-doubt", action="store_true",
                            help="local backend: resend to recipients a crashed run may or may "
                                 "not have reached (see README, Exactly once)")
        parser.add_argument("--lock-timeout", type=float, default=600.0,
                            help="seconds to wait for another run to finish (default 600)")
    return parser


def _aware(value: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(f"{option} {value!r}: expected an ISO date-time such as "
                         "2026-11-30T08:00+00:00") from None
    if moment.tzinfo is None:
        raise SystemExit(f"{option} {value!r}: give a time zone, e.g. 2026-11-30T08:00Z")
    return moment


def main(argv: list[str]) -> int:
    command, args = argv[0], _parser(argv[0]).parse_args(argv[1:])
    settings = read_pelicanconf(Path(args.settings))
    try:
        config = digest_settings.load(settings)
        newsletter = load_config(settings)
    except (ValueError, NewsletterError) as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
    now = _aware(args.now, "--now") if args.now else datetime.now(timezone.utc)
    langs = args.lang or list(config.languages)
    unknown = [lang for lang in langs if lang not in config.languages]
    if unknown:
        print(f"--lang {unknown[0]}: not one of {', '.join(config.languages)}", file=sys.stderr)
        return 2
    schedule = None
    if command == "digest-send" and args.schedule:
        schedule = _aware(args.schedule, "--schedule")
    try:
        period = validate_period(args.period, config.period) if args.period else period_of(
            schedule or now, config.period, config.timezone)
    except ValueError as err:
        print(str(err), file=sys.stderr)
        return 2
    output = Path(args.output)
    try:
        if command == "digest":
            return _previews(config, newsletter, output, langs, period, now)
        return _send(args, config, newsletter, output, langs, period, now, schedule)
    except ManifestError as err:
        print(f"digest: {err}", file=sys.stderr)
        return 2


# --- previews ------------------------------------------------------------------------------
def _previews(config, newsletter, output: Path, langs, period, now) -> int:
    folder = output / "newsletter" / "preview"
    folder.mkdir(parents=True, exist_ok=True)
    write_stylesheet(output, config)
    ledger = Ledger.in_state_dir(newsletter.state_dir)
    links = []
    try:
        for lang in langs:
            plan = make_plan(lang=lang, period=period, config=config, output=output,
                             ledger=ledger, now=now)
            if plan.row is not None and plan.row.final:
                note = f"{plan.key} was already sent; preview shows what went out"
            elif plan.empty:
                note = f"{plan.key}: nothing new since {_since(plan)}; no digest would be sent"
            else:
                note = f"{plan.key}: {len(plan.articles)} article(s) since {_since(plan)}"
            if plan.empty:
                page = (f"<!DOCTYPE html><html lang=\"{lang}\"><meta charset=\"utf-8\"><title>"
                        f"{plan.key}</title><p>{html.escape(note)}</p></html>")
                text = note + "\n"
            else:
                rendered = web_version(plan, config, page_folder="newsletter/preview/")
                page, text = rendered.html, rendered.text
                mailed = render(plan.content, plan.ctx, config, check_size=False)
                note += f"; email HTML {mailed.html_bytes} B, text {mailed.text_bytes} B"
                if mailed.html_bytes > config.max_html_bytes:
                    note += f" (OVER the {config.max_html_bytes} B budget)"
            (folder / f"{lang}.html").write_text(page, encoding="utf-8")
            (folder / f"{lang}.txt").write_text(text, encoding="utf-8")
            print(note)
            print(f"  preview: {folder / (lang + '.html')}  (/newsletter/preview/{lang}.html)")
            links.append(f'<li><a href="{lang}.html">{lang}</a> · <a href="{lang}.txt">text</a>'
                         f" — {html.escape(note)}</li>")
    finally:
        ledger.close()
    (folder / "index.html").write_text(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Digest previews</title></head><body><main>"
        f"<h1>Digest previews ({period})</h1><ul>{''.join(links)}</ul></main></body></html>\n",
        encoding="utf-8")
    return 0


def _since(plan: Plan) -> str:
    return plan.since.isoformat(timespec="minutes") if plan.since else "the start"


# --- sending -------------------------------------------------------------------------------
def _send(args, config, newsletter, output: Path, langs, period, now, schedule) -> int:
    if args.dry_run:
        return _dry_run(config, newsletter, output, langs, period, now)
    failures = 0
    try:
        with RunLock(newsletter.state_dir, timeout=args.lock_timeout):
            ledger = Ledger.in_state_dir(newsletter.state_dir)
            try:
                sender = make_sender(config, newsletter, ledger)
                for lang in langs:
                    failures += _send_lang(args, sender, config, ledger, output, lang, period,
                                           now, schedule)
            finally:
                ledger.close()
    except LockBusy as err:
        print(f"digest-send: {err}", file=sys.stderr)
        return 1
    return 1 if failures else 0


def _send_lang(args, sender: Sender, config, ledger, output, lang, period, now,
               schedule) -> int:
    plans = []
    if not args.test_to:
        # Finish what an earlier run left half-done before starting anything new.
        for row in ledger.digests(lang, ("preparing", "sending")):
            if row.period != period:
                plans.append(make_plan(lang=lang, period=row.period, config=config,
                                       output=None, ledger=ledger, now=now, row=row))
    plans.append(make_plan(lang=lang, period=period, config=config, output=output,
                           ledger=ledger, now=now))
    failures = 0
    for plan in plans:
        if plan.row is not None and plan.row.status in FINAL:
            print(f"{plan.key}: already {plan.row.status} at "
                  f"{plan.row.sent_at.isoformat(timespec='minutes')}; nothing to do")
            continue
        if plan.empty:
            print(f"{plan.key}: nothing new since {_since(plan)}; no digest sent")
            continue
        try:
            if args.test_to:
                report = sender.send_test(plan, args.test_to)
            else:
                if schedule and not sender.schedules:
                    print(f"{plan.key}: --schedule does not apply to the {sender.backend} "
                          "backend; sending now")
                report = sender.send(plan, schedule=schedule,
                                     resend_in_doubt=args.resend_in_doubt)
            failures += not report.complete
            print(report.summary())
        except (SendFailed, DigestTooLarge, NewsletterError) as err:
            print(f"{plan.key}: {err}", file=sys.stderr)
            failures += 1
    return failures


def _dry_run(config, newsletter, output, langs, period, now) -> int:
    ledger = Ledger.in_state_dir(newsletter.state_dir)
    try:
        for lang in langs:
            plan = make_plan(lang=lang, period=period, config=config, output=output,
                             ledger=ledger, now=now)
            if plan.row is not None and plan.row.final:
                print(f"{plan.key}: already {plan.row.status}; nothing would be sent")
                continue
            if plan.empty:
                print(f"{plan.key}: nothing new since {_since(plan)}; nothing would be sent")
                continue
            rendered = render(plan.content, plan.ctx, config)
            print(f"{plan.key} ({newsletter.backend}): would send {plan.subject!r} with "
                  f"{len(plan.articles)} article(s) since {_since(plan)}; HTML "
                  f"{rendered.html_bytes} B, text {rendered.text_bytes} B")
            for article in plan.articles:
                print(f"  - [{article.category}] {article.title} ({article.url})")
            if newsletter.backend == "local":
                from newsletter.digest.selection import for_topics
                from newsletter.store import SubscriberStore

                store = SubscriberStore(newsletter.store_path)
                subscribers = store.confirmed(lang)
                matching = [s for s in subscribers if for_topics(plan.content, s.topics)]
                store.close()
                print(f"  recipients: {len(matching)} of {len(subscribers)} confirmed "
                      f"({lang}) have a matching topic")
    finally:
        ledger.close()
    return 0
