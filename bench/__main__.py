"""`python -m bench` (what `make bench` runs): see bench/README.md and bench/harness.py.

    python -m bench                 N = 1,000, splits uk and 50/50, every part, best of 5
    python -m bench --large         N = 1,000 and 10,000
    python -m bench --n 300 --repeats 1 --parts vanilla,ours
    python -m bench --split uk,50/50,lopsided
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from bench import corpus, harness, report

PARTS = ("vanilla", "ours", "hugo", "extras")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append",
                        help="corpus size (repeatable); default 1000, plus 10000 with --large")
    parser.add_argument("--large", action="store_true", help="also run N = 10,000 (~30 min in all)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="cold builds per tool, after one untimed warm-up (best kept); "
                             "default 5 at 1,000 articles, 3 at 10,000")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument("--split", default=",".join(harness.DEFAULT_SPLITS),
                        help="comma-separated language splits of the corpus, each built in turn"
                             f" at every size, from {', '.join(corpus.SPLITS)} (default "
                             f"{','.join(harness.DEFAULT_SPLITS)})")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated subset of {', '.join(PARTS)}")
    parser.add_argument("--work", type=Path, default=harness.BENCH / "work",
                        help="scratch folder (gitignored)")
    parser.add_argument("--results", type=Path, default=harness.BENCH,
                        help="folder for results.md and results.json")
    args = parser.parse_args(argv)
    sizes = args.n or [1000]
    if args.large and 10_000 not in sizes:
        sizes.append(10_000)
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {PARTS}")
    splits = tuple(dict.fromkeys(s.strip() for s in args.split.split(",") if s.strip()))
    if not splits or set(splits) - set(corpus.SPLITS):
        parser.error(f"--split {args.split!r}: choose one or more of {', '.join(corpus.SPLITS)}"
                     ", comma-separated (e.g. --split uk,50/50)")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")

    started = time.perf_counter()
    results = harness.run_all(sizes, work_root=args.work.resolve(), repeats=args.repeats,
                              seed=args.seed, parts=parts, splits=splits)
    results["total_s"] = round(time.perf_counter() - started, 1)
    md, js = report.write(results, args.results)
    print()
    print(md.read_text(encoding="utf-8"))
    print(f"[bench] wrote {md} and {js} in {results['total_s']} s")
    failed = [f"n={r['n']} {r['split']} {part}" for r in harness.each_result(results)
              for part in ("vanilla", "ours") if isinstance(r.get(part), list)
              and harness.best(r[part]) is None]
    if failed:
        print(f"[bench] failed builds: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
