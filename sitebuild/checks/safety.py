"""Safe-messaging check: phrasings suicide-reporting guidelines advise against, both languages.

The phrases live in content/data/safe-messaging.toml (MEDICAL["safe_messaging_file"]); each
finding quotes the words found and the suggested alternative.
"""

from __future__ import annotations

from collections.abc import Iterator

from medical import safety
from medical import settings as medical_settings
from sitebuild.catalogue import Catalogue
from sitebuild.checks import NOTICE, Finding


def check(catalogue: Catalogue, settings: dict) -> Iterator[Finding]:
    config = medical_settings.load(settings)
    path = catalogue.content_path / config.safe_messaging_file
    shown = f"content/{config.safe_messaging_file}"
    if not path.is_file():
        # A notice, not a warning: small content folders (tests, benchmarks) have no list.
        yield Finding(shown, 1, "safe-messaging",
                      "the phrase list is missing, so no safe-messaging check ran",
                      "restore the file or set MEDICAL['safe_messaging_file'] in pelicanconf.py",
                      NOTICE)
        return
    try:
        phrases = safety.load_phrases(path)
    except safety.PhraseListError as error:
        message = str(error).replace(str(path), shown)
        location, _, problem = message.partition(": ")
        line = int(location.rsplit(":", 1)[1]) if location.rsplit(":", 1)[-1].isdigit() else 1
        yield Finding(shown, line, "safe-messaging", problem or message,
                      "fix the entry (the file's header explains the format)")
        return
    for entry in catalogue.entries:
        if entry.status == "draft":
            continue
        for hit in safety.scan(entry.title, entry.body, entry.lang, phrases):
            if hit.place == "title":
                line, field = entry.line_of("title"), "title"
            else:
                line, field = entry.body_line + hit.line_offset, "body"
            yield Finding(entry.path, line, field,
                          f"safe messaging: {hit.text!r} — {hit.phrase.why}",
                          f"write {hit.phrase.alternative} instead")
