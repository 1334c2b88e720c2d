"""The editors' report: every article, its related items, their scores and why.

`write_report(result, docs, out_dir)` writes `related.csv` (one row per related item, for
spreadsheets) and `related.html` (one table per language, readable in a browser) into
`out_dir`. Both list articles by language, then slug, so two reports diff cleanly.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from pathlib import Path

from related_publications.model import Doc, Match, Result
from related_publications.settings import PARTS

COLUMNS = ("lang", "slug", "title", "path", "position", "related_slug", "related_title",
           "reason", "via", "score", *PARTS)
# What the report says for an article without related items.
HIDDEN_NOTE = "hidden by `related: none`"
EMPTY_NOTE = "no other article in this language"


def _rows(result: Result, docs: Sequence[Doc]):
    """(doc, position, match or None, related doc or None), articles sorted by lang, slug."""
    by_key = {(doc.lang, doc.slug): doc for doc in docs}
    for key in sorted(by_key):
        doc = by_key[key]
        matches: tuple[Match, ...] = result.get(key, ())
        if not matches:
            yield doc, None, None, None
        for position, match in enumerate(matches, 1):
            yield doc, position, match, by_key.get((doc.lang, match.slug))


def _empty_note(doc: Doc) -> str:
    return HIDDEN_NOTE if doc.hidden else EMPTY_NOTE


def render_csv(result: Result, docs: Sequence[Doc]) -> str:
    """The CSV report as text (UTF-8, header row first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for doc, position, match, other in _rows(result, docs):
        head = [doc.lang, doc.slug, doc.title, doc.path]
        if match is None:
            writer.writerow([*head, "", "", "", _empty_note(doc), "", "", *[""] * len(PARTS)])
            continue
        writer.writerow([
            *head, position, match.slug, other.title if other else "", match.reason, match.via,
            f"{match.score:.2f}", *(f"{match.parts.get(part, 0.0):.2f}" for part in PARTS),
        ])
    return out.getvalue()


_STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr.first td { border-top: 2px solid #888; }
.reason-fallback { color: #8a4b00; } .reason-pinned { color: #0b5394; }
"""


def render_html(result: Result, docs: Sequence[Doc]) -> str:
    """The HTML report as text: a standalone page, every value escaped."""
    e = html.escape
    by_lang: dict[str, list[str]] = {}
    for doc, position, match, other in _rows(result, docs):
        rows = by_lang.setdefault(doc.lang, [])
        first = ' class="first"' if position in (None, 1) else ""
        article = (f"<td>{e(doc.title)}<br><small>{e(doc.slug)} · {e(doc.path)}</small></td>"
                   if position in (None, 1) else "<td></td>")
        if match is None:
            rows.append(f"<tr{first}>{article}<td colspan=\"{4 + len(PARTS)}\">"
                        f"<em>{e(_empty_note(doc))}</em></td></tr>")
            continue
        title = e(other.title) if other else ""
        via = f" (via {e(match.via)})" if match.via else ""
        parts = "".join(f'<td class="n">{match.parts.get(p, 0.0):.2f}</td>' for p in PARTS)
        rows.append(
            f"<tr{first}>{article}<td class=\"n\">{position}</td>"
            f"<td>{title}<br><small>{e(match.slug)}</small></td>"
            f"<td class=\"reason-{e(match.reason)}\">{e(match.reason)}{via}</td>"
            f"<td class=\"n\"><strong>{match.score:.2f}</strong></td>{parts}</tr>"
        )
    head = "".join(f'<th scope="col">{e(p)}</th>' for p in PARTS)
    sections = "".join(
        f"<h2>{e(lang)}</h2><table><thead><tr><th scope=\"col\">article</th>"
        f"<th scope=\"col\">#</th><th scope=\"col\">related</th><th scope=\"col\">reason</th>"
        f"<th scope=\"col\">score</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        for lang, rows in sorted(by_lang.items())
    )
    # A plain mapping (e.g. the catalogue's copy of the lists) works too, without findings.
    warnings = "".join(f"<li>{e(str(w))}</li>" for w in getattr(result, "findings", ()))
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Related publications report</title>"
        f"<style>{_STYLE}</style></head><body><h1>Related publications</h1>"
        "<p>Score 0–100 = the sum of the parts (text, tags, category, date), each already "
        "weighted by its setting. Reasons: <em>pinned</em> by the editor, <em>scored</em> "
        "above the threshold, <em>fallback</em> (same category, newest first). "
        "<em>via</em>: the item follows the list of the translation in that language.</p>"
        + (f"<h2>Warnings</h2><ul>{warnings}</ul>" if warnings else "")
        + sections + "</body></html>\n"
    )


def write_report(result: Result, docs: Sequence[Doc], out_dir: Path) -> tuple[Path, Path]:
    """Write related.csv and related.html into out_dir (created if missing); return both.

    `result` is compute_all's Result, or any mapping (lang, slug) -> Matches.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / "related.csv", out_dir / "related.html"
    csv_path.write_text(render_csv(result, docs), encoding="utf-8", newline="")
    html_path.write_text(render_html(result, docs), encoding="utf-8")
    return csv_path, html_path
