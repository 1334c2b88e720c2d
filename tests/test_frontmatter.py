"""YAML front matter means what the `Key: value` header means, to every check and template.

The web editor writes YAML (`---` … `---`); editors in a terminal write `Key: value`. The
tests convert header sources to YAML mechanically and compare: catalogue entries field by
field, every content check's findings (lines shifted by the opening `---`), and a whole built
site byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from core import catalogue
from core import frontmatter
from core import headers
from core.findings import WARNING
from sitebuild.checks import run_all
from sitebuild.config import BuildOptions, read_base
from tests.conftest import FIXTURE_SITE, ROOT
from tests.test_checks import CASES

# Every field of CONTENT.md, in both languages (pages: below).
EVERY_FIELD = {
    "uk": """title: Сон після травми: що допомагає
date: 2025-04-02 09:30
modified: 2025-05-01
category: ptsd
tags: сон, травма, нічні жахи
authors: Ірина Шевченко, Expio Center
summary: Чому після травми порушується сон і як його відновити.
slug: son-pislia-travmy
translation_key: sleep-after-trauma
status: published
reviewed_by: tester
reviewed_on: 2025-03-20
references: sample2020
image: {static}/images/dot.svg
image_alt: Крапка на білому тлі
related: night-terrors
related_exclude: low-mood

Сон повертається не одразу [@sample2020].

!!! clinic-comment

    Ми допомагаємо з цим щодня.
""",
    "en": """title: Sleep after trauma: what helps
date: 2025-04-02 09:30
modified: 2025-05-01
category: ptsd
tags: sleep, trauma, nightmares
authors: Iryna Shevchenko, Expio Center
summary: Why sleep breaks down after trauma and how to restore it.
slug: sleep-after-trauma
translation_key: sleep-after-trauma
status: published
reviewed_by: tester
reviewed_on: 2025-03-20
references: sample2020
image: {static}/images/dot.svg
image_alt: A dot on a white background
related: night-terrors
related_exclude: only-english

Sleep does not come back at once [@sample2020].

!!! clinic-comment

    We help with this every day.
""",
}
PAGE = {
    "uk": "title: Травма\nmenu: treat\norder: 2\nsummary: Як ми лікуємо травму.\n\nТекст.\n",
    "en": "title: Trauma\nmenu: treat\norder: 2\nsummary: How we treat trauma.\n\nText.\n",
}

# The same article as an editor (or the web editor) writes it in YAML: block and flow lists,
# unquoted dates, a folded summary.
EVERY_FIELD_YAML_EN = """---
title: "Sleep after trauma: what helps"
date: 2025-04-02 09:30
modified: 2025-05-01
category: ptsd
tags:
  - sleep
  - trauma
  - nightmares
authors: [Iryna Shevchenko, Expio Center]
summary: >-
  Why sleep breaks down
  after trauma and how to restore it.
slug: sleep-after-trauma
translation_key: sleep-after-trauma
status: published
reviewed_by: tester
reviewed_on: 2025-03-20
references:
  - sample2020
image: "{static}/images/dot.svg"
image_alt: A dot on a white background
related: [night-terrors]
related_exclude: only-english
---

Sleep does not come back at once [@sample2020].

!!! clinic-comment

    We help with this every day.
"""


def to_yaml(text: str) -> str:
    """A `Key: value` source as YAML front matter, every line where it was plus one: the header
    lines quoted (lists as flow lists), the blank line after them turned into the closing `---`."""
    lines = text.split("\n")
    out = ["---"]
    for index, line in enumerate(lines):
        if not line.strip():
            return "\n".join([*out, "---", *lines[index + 1:]])
        name, _, value = line.partition(":")
        value = value.strip()
        assert name.strip() and not line.startswith(" "), f"not a one-line field: {line!r}"
        if name.lower() in frontmatter.LIST_FIELDS:
            items = [item.strip() for item in value.split(",") if item.strip()]
            out.append(f"{name}: {json.dumps(items, ensure_ascii=False)}")
        else:
            out.append(f"{name}: {json.dumps(value, ensure_ascii=False)}")
    raise AssertionError("no blank line after the header")


def write_site(content: Path, sources: dict[str, str | bytes], *, as_yaml: bool) -> Path:
    """The fixture site plus `sources`, every Markdown file converted when `as_yaml`."""
    shutil.copytree(FIXTURE_SITE, content)
    for relative, source in sources.items():
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source) if isinstance(source, bytes) else path.write_text(source, "utf-8")
    if as_yaml:
        for path in content.rglob("*.md"):
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # the not-UTF-8 case stays as it is
            path.write_text(to_yaml(text), encoding="utf-8")
    return content


def settings_for(content: Path) -> dict:
    return read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py", content=content))


def entry_meaning(entry: catalogue.Entry) -> dict:
    """Everything an entry says, without where it was read from (lines, bytes, stat)."""
    meaning = dataclasses.asdict(entry)
    for name in ("digest", "stat", "body_line", "problems"):
        meaning.pop(name)
    meaning["fields"] = {name: field.value for name, field in entry.fields.items()}
    return meaning


EXTRA = {
    "articles/ptsd/sleep-after-trauma.uk.md": EVERY_FIELD["uk"],
    "articles/ptsd/sleep-after-trauma.en.md": EVERY_FIELD["en"],
    "pages/trauma.uk.md": PAGE["uk"],
    "pages/trauma.en.md": PAGE["en"],
}


@pytest.fixture
def both_sites(tmp_path: Path) -> tuple[Path, Path]:
    return (write_site(tmp_path / "header" / "content", EXTRA, as_yaml=False),
            write_site(tmp_path / "yaml" / "content", EXTRA, as_yaml=True))


def test_every_field_reads_the_same_in_both_formats(both_sites) -> None:
    header_site, yaml_site = both_sites
    header_entries = catalogue.build(settings_for(header_site)).entries
    yaml_entries = catalogue.build(settings_for(yaml_site)).entries
    assert [entry.path for entry in header_entries] == [entry.path for entry in yaml_entries]
    for header_entry, yaml_entry in zip(header_entries, yaml_entries):
        assert entry_meaning(yaml_entry) == entry_meaning(header_entry), header_entry.path
        # Every field is found on its own line, one below (the opening `---`).
        assert {name: field.line + 1 for name, field in header_entry.fields.items()} == \
            {name: field.line for name, field in yaml_entry.fields.items()}
    article = next(e for e in yaml_entries if e.path.endswith("sleep-after-trauma.uk.md"))
    assert article.tags == ("сон", "травма", "нічні жахи")
    assert article.authors == ("Ірина Шевченко", "Expio Center")
    assert article.date.isoformat() == "2025-04-02T09:30:00+03:00"


def test_hand_written_yaml_reads_like_the_header(tmp_path: Path) -> None:
    """Block lists, flow lists, an unquoted date and time, a folded summary."""
    content = write_site(tmp_path / "content", {
        "articles/ptsd/header.en.md": EVERY_FIELD["en"].replace("sleep-after-trauma\n", "x\n"),
        "articles/ptsd/yaml.en.md": EVERY_FIELD_YAML_EN.replace("sleep-after-trauma\n", "x\n"),
    }, as_yaml=False)
    entries = {e.path: e for e in catalogue.build(settings_for(content)).entries}
    header, yaml_entry = entries["articles/ptsd/header.en.md"], entries["articles/ptsd/yaml.en.md"]
    mean_header, mean_yaml = entry_meaning(header), entry_meaning(yaml_entry)
    for name in ("path", "url"):
        mean_header.pop(name), mean_yaml.pop(name)
    assert mean_yaml == mean_header
    assert yaml_entry.fields["tags"].line == 6 and yaml_entry.fields["summary"].line == 11
    assert yaml_entry.body_line == 27


def test_every_check_reports_the_same_for_yaml(tmp_path: Path) -> None:
    """test_checks' broken site, once as headers and once as YAML: the same findings, each
    line one further down (a missing field is still reported on line 1)."""
    sources = {relative: source for relative, source, _ in CASES}
    header_site = write_site(tmp_path / "header" / "content", sources, as_yaml=False)
    yaml_site = write_site(tmp_path / "yaml" / "content", sources, as_yaml=True)

    def findings(content: Path) -> list:
        settings = settings_for(content)
        return [f for f in run_all(catalogue.build(settings), settings) if f.level == WARNING]

    def back(finding):  # a YAML file's finding, moved up by the opening `---`
        if "latin1" in finding.path:
            return finding  # not UTF-8: read as neither, left as it was
        problem = re.sub(r"also on line (\d+)", lambda m: f"also on line {int(m[1]) - 1}",
                         finding.problem)
        return dataclasses.replace(finding, line=max(1, finding.line - 1), problem=problem)

    header_findings = findings(header_site)
    assert len(header_findings) >= len(CASES)
    yaml_findings = findings(yaml_site)
    assert [str(f) for f in sorted(map(back, yaml_findings))] == [str(f) for f in header_findings]
    assert any(":5: title: is given twice (also on line 2)" in str(f) for f in yaml_findings)


def test_the_built_site_is_the_same_for_yaml(both_sites) -> None:
    """Templates, translations, feeds, citations, the callout: byte for byte."""
    from tests.conftest import build_into

    header_site, yaml_site = both_sites
    outputs = [build_into(content.parent / "output", content).output
               for content in (header_site, yaml_site)]
    files = [{path.relative_to(output).as_posix(): path.read_bytes()
              for path in sorted(output.rglob("*"))
              if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt")
              and "pagefind" not in path.parts}
             for output in outputs]
    assert files[0].keys() == files[1].keys()
    different = [name for name in files[0] if files[0][name] != files[1][name]]
    assert different == []
    page = files[1]["en/articles/sleep-after-trauma/index.html"].decode()
    assert 'hreflang="uk"' in page and "/articles/son-pislia-travmy/" in page
    assert "clinic-comment" in page and 'href="#ref-sample2020"' in page


@pytest.mark.parametrize(("front", "expected"), [
    ('title: Night terrors: what helps\ndate: 2025-01-01',
     "bad.en.md:2: title: is not valid YAML: mapping values are not allowed in this context — "
     'the value contains ": ": put it in double quotes, e.g. title: "…: …"'),
    ("title: T\ndate: 2025-01-01\ntags:\n  - sleep\n - trauma",
     "bad.en.md:6: front matter: is not valid YAML:"),
    ("title: T\ndate: 2025-01-01\ncategory: [ptsd, stress]",
     "bad.en.md:4: category: is a list, but takes one value — write one value: `category: …`"),
    ("title: T\ndate: 2025-01-01\ntags:\n  - sleep, trauma",
     "bad.en.md:5: tags: list item 'sleep, trauma' contains a comma, which makes it two items"),
    ("title: T\ndate: 2025-01-01\nreviewed_by: {name: tester}",
     "bad.en.md:4: reviewed_by: is a set of `key: value` pairs, but takes a value or a list"),
    ("- title: T", "bad.en.md:2: front matter: is not a list of `field: value` lines"),
])
def test_bad_yaml_is_named_with_file_line_and_fix(tmp_path: Path, front: str,
                                                  expected: str) -> None:
    content = write_site(tmp_path / "content", {
        "articles/ptsd/bad.en.md": f"---\n{front}\n---\n\nBody.\n"}, as_yaml=False)
    settings = settings_for(content)
    found = [str(f) for f in run_all(catalogue.build(settings), settings)
             if "bad.en.md" in f.path]
    assert any(line.startswith(f"articles/ptsd/{expected}") for line in found), found


def test_unclosed_front_matter_is_reported_on_line_one() -> None:
    parsed = headers.parse("---\ntitle: T\n\nBody without a closing fence.\n")
    assert parsed.fields == {}
    assert parsed.problems[0][:2] == ("front matter", "has no closing `---` line")
    assert parsed.problems[0][3] == 1


def test_empty_values_are_no_field_and_the_body_keeps_its_colons() -> None:
    parsed = headers.parse("---\ntitle: T\nsummary: ''\ntags: []\nimage: ~\n---\n"
                           "Note: this line is text, not a field.\n")
    assert set(parsed.fields) == {"title"}
    assert parsed.body == "Note: this line is text, not a field."
    assert parsed.body_line == 7 and parsed.yaml
