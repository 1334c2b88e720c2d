"""The newsletter's state folder: subscribers, retry queue, digest ledger, outbox, secret.

Written once here, because the newsletter, the build (digest web pages, the digest feed) and
the build's reuse fingerprints must all read the same folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = "var/newsletter"


def state_dir(settings: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> Path:
    """NEWSLETTER_STATE_DIR from the environment, else NEWSLETTER["state_dir"] from the
    settings, else var/newsletter.

    A relative folder from the settings (or the default) is under the project folder, the one
    holding pelicanconf.py, wherever a command runs from; a relative NEWSLETTER_STATE_DIR is
    taken as the shell gives it, from the working folder.
    """
    override = environ.get("NEWSLETTER_STATE_DIR")
    if override:
        return Path(override)
    configured = (settings.get("NEWSLETTER") or {}).get("state_dir") or DEFAULT_STATE_DIR
    return PROJECT_ROOT / configured
