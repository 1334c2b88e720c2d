"""A symbolic link in the theme (found by the review of issue 26): Pelican copies theme/static
with links followed, so `ln -s ~/somewhere/file theme/static/x` published the target at
/theme/x. The build refuses to start, naming the link; nothing of the target is read."""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.conftest import FIXTURE_SITE, ROOT
from tests.test_editor_mistakes import CANARY, ENV


def test_a_link_in_the_theme_is_refused_by_name(tmp_path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text(CANARY + "\n", encoding="utf-8")
    (theme / "static" / "passwd.txt").symlink_to(secret)
    settings = tmp_path / "settings.py"
    settings.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                        "from pelicanconf import *  # noqa\n"
                        f"THEME = {str(theme)!r}\n", encoding="utf-8")
    output = tmp_path / "output"
    done = subprocess.run([sys.executable, "-m", "sitebuild", "html", "--settings",
                           str(settings), "--content", str(FIXTURE_SITE), "--output",
                           str(output), "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env=ENV)
    log = done.stdout + done.stderr
    assert done.returncode == 2, log
    assert "ERROR settings: THEME: static/passwd.txt is a symbolic link" in log, log
    assert "Traceback" not in log and CANARY not in log
    assert not output.exists() or CANARY not in "".join(
        p.read_text(errors="replace") for p in output.rglob("*") if p.is_file())
