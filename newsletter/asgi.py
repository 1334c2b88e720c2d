"""The ASGI app of `python -m newsletter serve`, built inside each uvicorn worker process.

With `--workers N` uvicorn starts N processes that each import this module and call
`create()` (an app factory); the serve command passes its options to them in the environment
variable NEWSLETTER_SERVE (JSON: {"settings": path or null, "site": dir or null, "workers": N}), since
a factory takes no arguments. With N workers each gets 1/N of `mailchimp_max_connections`. Everything per process (SQLite connections, the delivery worker,
the Mailchimp connection pool) is created here, after the fork.

Run it directly with uvicorn if you prefer, with the options `serve` passes (serving.py):
    NEWSLETTER_SERVE='{"site": "output"}' uvicorn --factory newsletter.asgi:create --workers 2 \
        --no-proxy-headers --http newsletter.serving:HeaderDeadline
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

ENV = "NEWSLETTER_SERVE"


def options(settings: str | None, site: str | None, workers: int = 1) -> str:
    """The NEWSLETTER_SERVE value for these options."""
    return json.dumps({"settings": settings, "site": site, "workers": workers})


def create():
    from newsletter.config import load_config, read_pelicanconf
    from newsletter.service import create_app

    chosen = json.loads(os.environ.get(ENV) or "{}")
    settings_file = chosen.get("settings")
    settings = read_pelicanconf(Path(settings_file) if settings_file else None)
    site = chosen.get("site")
    config = load_config(settings)
    workers = max(1, int(chosen.get("workers") or 1))
    if workers > 1:
        # Mailchimp allows mailchimp_max_connections per account, not per process: each
        # worker process gets its share (its delivery threads and connection pool).
        config = dataclasses.replace(config, mailchimp_max_connections=max(
            1, config.mailchimp_max_connections // workers))
    # The site's own headers (CSP etc.), as `make serve` sends them.
    return create_app(config, static_dir=Path(site) if site else None,
                      security_headers=settings.get("SECURITY_HEADERS"))
