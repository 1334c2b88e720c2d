"""Build driver of the Expio Center site.

`python -m sitebuild html|publish|check|serve|devserver|related-report` — see `cli.py`.
The build reads every source file once into a catalogue, checks it, computes what spans the
whole site (translations, related publications), renders one Pelican run per language in
parallel into a fresh directory, and swaps that directory into place only when all went well.
"""
