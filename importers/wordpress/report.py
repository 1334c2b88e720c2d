"""What an import did, for the person running it: printed and written as a text file."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Report:
    imported: Counter = field(default_factory=Counter)  # (lang, type, status) → count
    skipped: Counter = field(default_factory=Counter)  # reason → count
    # section → [(where, detail)]; where names the post (id and title) or the file
    notes: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    files: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def note(self, section: str, where: str, detail: str) -> None:
        self.notes[section].append((where, detail))

    def render(self) -> str:
        lines = ["WordPress import report", ""]
        lines.append("Imported (language, type, status):")
        for (lang, kind, status), count in sorted(self.imported.items()):
            lines.append(f"  {lang} {kind} {status}: {count}")
        if not self.imported:
            lines.append("  nothing")
        lines += ["", "Skipped:"]
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"  {reason}: {count}")
        if not self.skipped:
            lines.append("  nothing")
        for section in sorted(self.notes):
            lines += ["", f"{section} ({len(self.notes[section])}):"]
            for where, detail in self.notes[section]:
                lines.append(f"  {where}: {detail}")
        lines += ["", "Files:"]
        for state in ("written", "updated", "unchanged", "kept (edited since the last import)",
                      "kept (not written by the importer)", "images copied"):
            names = self.files.get(state, [])
            lines.append(f"  {state}: {len(names)}")
            if state.startswith("kept"):
                lines += [f"    {name}" for name in names]
        return "\n".join(lines) + "\n"
