"""Newsletter subscription service: endpoint, backends (local SQLite / Mailchimp), retry queue.

See newsletter/README.md. `newsletter.digest` (another package) builds and sends the digests.
"""
