"""Pelican's own log lines during a language run: one message per mistake, in our words.

Pelican reports some content mistakes itself, with absolute machine paths, next to the
content checks' messages for the same mistake (`Could not process …`, `Skipping …: could not
find information about 'title'`, `There are 2 items with slug …`, `Unable to find …`). Its
lines are held back while the run renders; afterwards those a check words already are left
out, and the rest are said again with paths relative to the content folder (and counted as
warnings by the caller).
"""

from __future__ import annotations

import logging
import os

# Pelican's messages (their format strings) that a content check always words already.
_CHECKED = (
    "Skipping %s: could not find information about",  # title, date: checks.structure
    "There are %s",  # two items with one slug: checks.structure (_duplicate_slugs)
    "Unable to find '%s', skipping url replacement",  # {filename}/{static}: checks.structure
    "Unknown status '%s' for file %s",  # status: checks.structure
    "Empty alt attribute for image",  # image alt text: checks.structure
    "{filename} used for linking to static content",  # {static}: checks.structure
    "Skipping %s: file %r would be written outside output path",  # save_as: checks.structure
)
_COULD_NOT_PROCESS = "Could not process %s"


class Held(logging.Handler):
    """While entered: Pelican's warnings and errors are kept here instead of printed."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self._logger = logging.getLogger("pelican")

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> Held:
        self._propagate = self._logger.propagate
        self._logger.addHandler(self)
        self._logger.propagate = False
        return self

    def __exit__(self, *exc) -> None:
        self._logger.removeHandler(self)
        self._logger.propagate = self._propagate

    def reworded(self, settings: dict) -> list[str]:
        """The held messages no check words already, with content-relative paths."""
        not_built = _not_built(settings)
        messages = []
        for record in self.records:
            template = getattr(record, "template", str(record.msg))
            if template.startswith(_CHECKED):
                continue
            first = getattr(record, "first_arg", None) or (
                str(record.args[0]) if isinstance(record.args, tuple) and record.args else None)
            if template.startswith(_COULD_NOT_PROCESS) and first is not None:
                source = first.replace(os.sep, "/")
                if source in not_built:  # a date that cannot be read: the check says which
                    continue
                messages.append(f"{source}: file: Pelican could not process it — run the build "
                                "with --serial and DEBUG logging to see why")
                continue
            messages.append("Pelican: " + relative_paths(record.getMessage(), settings))
        return list(dict.fromkeys(messages))


def portable(record: logging.LogRecord) -> logging.LogRecord:
    """A held record another process can hand over (its arguments may not pickle): the
    message already formatted, the parts `reworded` reads kept beside it."""
    args = record.args if isinstance(record.args, tuple) else ()
    return logging.makeLogRecord({
        "name": record.name, "levelno": record.levelno, "levelname": record.levelname,
        "msg": record.getMessage(), "args": None, "template": str(record.msg),
        "first_arg": str(args[0]) if args else None})


def relative_paths(message: str, settings: dict) -> str:
    """Absolute paths of the content folder and of this run's output, as editors know them."""
    for folder, shown in ((settings.get("OUTPUT_PATH"), "output/"), (settings.get("PATH"), "")):
        if folder:
            message = message.replace(os.path.join(str(folder), ""), shown)
    return message


def _not_built(settings: dict) -> dict[str, str]:
    from core.catalogue import for_run

    return for_run(settings).not_built if settings.get("SITE_CATALOGUE_PATH") else {}
