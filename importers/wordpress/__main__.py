"""`python -m importers.wordpress --wxr export.xml --uploads wp-content/uploads [--content content]`

Exit status: 0 when the export was read (bad items are in the report), 2 when it could not be.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tomllib
from pathlib import Path

from core import siteconf
from importers.wordpress import importer, wxr

logger = logging.getLogger("importers.wordpress")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m importers.wordpress",
        description="Import a WordPress export (Tools > Export > All content) into content/.")
    parser.add_argument("--wxr", type=Path, required=True, help="the export file (.xml)")
    parser.add_argument("--uploads", type=Path, required=True,
                        help="a copy of the old site's wp-content/uploads folder")
    parser.add_argument("--content", type=Path, default=None,
                        help="content folder to write into (default: the settings' PATH)")
    parser.add_argument("--settings", type=Path, default=Path("pelicanconf.py"),
                        help="site settings (CATEGORIES, SITE_LANGUAGES; default pelicanconf.py)")
    parser.add_argument("--categories", type=Path, default=None,
                        help='TOML file of WordPress category slugs → ours: old-slug = "ptsd"')
    parser.add_argument("--category-base", default="category",
                        help="the old site's category base (Settings > Permalinks; "
                             "default %(default)s)")
    parser.add_argument("--report", type=Path, default=Path("wordpress-import-report.txt"),
                        help="where the report is written (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args = parse_args(argv)
    settings = siteconf.read(args.settings)
    category_map: dict[str, str] = {}
    if args.categories is not None:
        try:
            category_map = {str(k): str(v) for k, v in
                            tomllib.loads(args.categories.read_text(encoding="utf-8")).items()}
        except (OSError, tomllib.TOMLDecodeError) as error:
            logger.error("%s:1: categories: cannot be read (%s) — write lines like "
                         'old-slug = "ptsd"', args.categories, error)
            return 2
        unknown = sorted(v for v in category_map.values() if v not in settings["CATEGORIES"])
        if unknown:
            logger.error("%s:1: categories: %s not in CATEGORIES — use one of: %s",
                         args.categories, ", ".join(unknown), ", ".join(settings["CATEGORIES"]))
            return 2
    if not args.uploads.is_dir():
        logger.error("%s: uploads: not a folder — pass a copy of wp-content/uploads", args.uploads)
        return 2
    try:
        export = wxr.read(args.wxr)
    except wxr.ExportUnreadable as error:
        logger.error("%s", error)
        return 2
    content = args.content or Path(settings.get("PATH", "content"))
    report = importer.run(export, importer.Options(content=content, uploads=args.uploads,
                                                   settings=settings, category_map=category_map,
                                                   category_base=args.category_base))
    text = report.render()
    sys.stdout.write(text)
    args.report.write_text(text, encoding="utf-8")
    logger.info("report written to %s", args.report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
