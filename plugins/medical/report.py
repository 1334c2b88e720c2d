"""The editors' review-status page: every article, both languages, in one table.

Plain HTML without scripts or inline styles (the site's CSP applies to it too), marked
`noindex`; it is not part of the search index (no `data-pagefind-body`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from medical import review

STATE_LABELS = {
    review.OK: "reviewed",
    review.OVERDUE: "OVERDUE",
    review.MISSING: "MISSING",
    review.NOT_REQUIRED: "not required",
}
# Most urgent first, so the editors' to-do list is at the top.
_URGENCY = {review.OVERDUE: 0, review.MISSING: 1, review.OK: 2, review.NOT_REQUIRED: 3}


@dataclass(frozen=True)
class Row:
    lang: str
    title: str
    url: str  # the entry's URL as the report links to it (relative in a development build)
    path: str  # source file, relative to content/
    category: str
    reviewer: str  # display name or key; "" when none
    status: review.ReviewStatus


def render(rows: list[Row], today: date, interval_months: int) -> str:
    rows = sorted(rows, key=lambda row: (_URGENCY[row.status.state],
                                         row.status.due or date.max, row.lang, row.path))
    counts = {state: sum(row.status.state == state for row in rows) for state in STATE_LABELS}
    body = "\n".join(_row(row) for row in rows)
    summary = ", ".join(f"{counts[state]} {label.lower()}" for state, label in STATE_LABELS.items())
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Medical review status</title>
</head>
<body>
<main>
<h1>Medical review status</h1>
<p>On {today:%Y-%m-%d}: {escape(summary)}. Reviews are due every {interval_months} months.</p>
<table>
<thead><tr><th scope="col">Status</th><th scope="col">Language</th><th scope="col">Article</th>
<th scope="col">Category</th><th scope="col">Reviewer</th><th scope="col">Reviewed on</th>
<th scope="col">Due</th><th scope="col">Source</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
</main>
</body>
</html>
"""


def _row(row: Row) -> str:
    status = row.status
    reviewed = f"{status.reviewed_on:%Y-%m-%d}" if status.reviewed_on else "—"
    due = f"{status.due:%Y-%m-%d}" if status.due else "—"
    return (f'<tr class="review-{status.state}"><td>{STATE_LABELS[status.state]}</td>'
            f"<td>{escape(row.lang)}</td>"
            f'<td><a href="{escape(row.url)}" lang="{escape(row.lang)}">{escape(row.title)}</a></td>'
            f"<td>{escape(row.category)}</td><td>{escape(row.reviewer) or '—'}</td>"
            f"<td>{reviewed}</td><td>{due}</td><td><code>{escape(row.path)}</code></td></tr>")
