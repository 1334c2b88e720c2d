"""What every layer of the project shares (driver, plugins, newsletter, importers).

Nothing here imports from `sitebuild`, `plugins/` or `newsletter`: those import this.
"""
