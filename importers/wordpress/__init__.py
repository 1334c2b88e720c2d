"""Import a WordPress site (WXR export + uploads folder) into our content layout.

Layers: this package imports `core/` and libraries only, never `sitebuild` or the plugins. The
site's settings are read as plain values by `core.siteconf`, the sanitiser is `core.sanitise`
(the one the build uses), slugs come from `core.translit.slugify` (KMU 2010).
"""
