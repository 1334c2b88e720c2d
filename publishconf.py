"""Production settings: pelicanconf.py plus what differs when publishing."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403 (Pelican's documented pattern for publishconf)

# The public address; PUBLISH_SITEURL overrides it for staging deployments.
SITEURL = os.environ.get("PUBLISH_SITEURL", "https://expio.example")
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False

# Publishing is always a cold, strict build: no cache from development builds.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# Precompressed copies (.gz, .br) next to text files, for servers and CDNs that use them.
PRECOMPRESS = True

# Editors' reports (review status, related lists) stay out of the public site; build them
# with `make html` / `make related-report`.
EDITOR_REPORTS = False

# The subscribe service accepts form posts from the public origin (pelicanconf's NEWSLETTER
# was written with the development SITEURL), and runs behind Caddy on the same host: the
# client address comes from Caddy's X-Forwarded-For, and from no one else's.
NEWSLETTER = {**NEWSLETTER, "allowed_origins": [SITEURL],  # noqa: F405
              "trusted_proxies": ["127.0.0.1", "::1"]}
