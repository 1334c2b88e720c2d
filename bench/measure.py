"""Run one command; report its wall time, CPU time and peak memory as JSON.

    python -m bench.measure --json RESULT.json --log RUN.log -- CMD [ARGS...]

The harness starts this wrapper as a fresh process for every measurement because
`getrusage(RUSAGE_CHILDREN)` accumulates over everything a process has ever waited for:
only a fresh parent gives the peak of exactly one run.

Figures written:
- `wall_s`: wall-clock seconds from start to exit.
- `cpu_s`: user + system CPU seconds of the command and all its (waited-for) descendants.
- `max_rss_mb`: peak resident memory of the largest single process in the tree (exact, from
  the kernel via rusage; it does not add up parallel workers).
- `tree_pss_mb`: peak of the summed proportional set size (PSS) of the whole process tree,
  sampled every `--interval` seconds from /proc (less often when a sample is expensive: the
  sampler keeps to 3 % of one core, see SAMPLER_SHARE). PSS splits pages shared between forked
  workers, so the sum is the tree's real footprint; short spikes between samples are missed,
  which is why the harness reports max(tree_pss_mb, max_rss_mb) as the tree's peak.
- `cpu_by_program`: CPU seconds by kind of process, from /proc/PID/stat read every
  `--interval` seconds (cheap, unlike PSS): `main` (the command's own process), `python
  workers` (the Python processes it started), and the others by program name (`pagefind`).
  A lower bound: a process's last interval before it ends is not seen; `cpu_s` less their
  sum is what was missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
_TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Direct children of `pid` (via /proc/PID/task/*/children, Linux ≥ 3.5)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:  # the process ended while we looked
        pass
    return found


def _memory_kb(pid: int) -> int:
    """PSS of one process in kB (RSS when smaps_rollup is not readable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * _PAGE_KB
    except OSError:
        return 0


def tree_pids(root: int) -> list[int]:
    """`root` and all its descendants right now."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += _children(pid)
    return found


def tree_memory_kb(root: int) -> int:
    """Summed PSS of `root` and all its descendants right now."""
    return sum(_memory_kb(pid) for pid in tree_pids(root))


def process_cpu(pid: int) -> tuple[str, float] | None:
    """(program name, user + system CPU seconds so far) of one process, every thread, not
    counting its children; None once it has ended."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    name = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()  # from field 3, the state
    return name, (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


class CpuByProgram:
    """The latest CPU figure of every process seen in a tree, summed by kind of process."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[int, tuple[str, float]] = {}

    def sample(self, pids: list[int]) -> None:
        for pid in pids:
            found = process_cpu(pid)
            if found is not None:
                self.seen[pid] = found

    def totals(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, (name, seconds) in self.seen.items():
            kind = "main" if pid == self.root else (
                "python workers" if name.startswith("python") else name)
            out[kind] = round(out.get(kind, 0.0) + seconds, 2)
        return out


# The sampler may use this share of one core at most. Reading a process's PSS walks its page
# tables: 30 ms for a 1.6 GB process, so sampling a 10,000-article build every 0.1 s took a
# third of a core from the build it measured (and far less from single-process Pelican).
SAMPLER_SHARE = 0.03


def quiet_interval(interval: float, sample_cpu_s: float) -> float:
    """The wait before the next sample: `interval`, longer when a sample is expensive."""
    return max(interval, sample_cpu_s / SAMPLER_SHARE)


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot, from /proc/stat. Steal (time the
    hypervisor gave another guest) counts as busy: for a build it is a core taken away."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle, iowait (guest time is already inside user)
    return sum(ticks) - idle, sum(ticks)


def busy_cores(seconds: float = 1.0) -> float:
    """How many cores other work kept busy while this process slept for `seconds`. Unlike the
    load average (a one-minute mean), it does not still count the previous build."""
    busy, total = cpu_ticks()
    time.sleep(seconds)
    busy_after, total_after = cpu_ticks()
    cores = os.cpu_count() or 1
    return cores * (busy_after - busy) / max(1, total_after - total)


def speed_probe(rounds: int = 2_000_000) -> float:
    """Seconds a fixed single-threaded loop takes: how fast the machine runs just now. On a
    shared virtual machine it moves by a quarter or more from one minute to the next, and
    every wall time with it; the spread over a bench run says how far a ratio can drift."""
    started = time.perf_counter()
    total = 0
    for i in range(rounds):
        total += i * i % 7
    return time.perf_counter() - started


def measure(cmd: list[str], log: Path, interval: float) -> dict:
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        cpu = CpuByProgram(proc.pid)
        peak_kb = 0
        next_memory = started
        while True:
            pids = tree_pids(proc.pid)
            cpu.sample(pids)
            if time.perf_counter() >= next_memory:
                sampled = time.process_time()
                peak_kb = max(peak_kb, sum(_memory_kb(pid) for pid in pids))
                next_memory = time.perf_counter() + quiet_interval(
                    interval, time.process_time() - sampled)
            try:
                proc.wait(timeout=interval)  # returns at once when the command ends
                break
            except subprocess.TimeoutExpired:
                continue
        wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cmd": cmd,
        "returncode": proc.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports kB
        "tree_pss_mb": round(peak_kb / 1024, 1),
        "cpu_by_program": cpu.totals(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.measure", description=__doc__)
    parser.add_argument("--json", type=Path, required=True, help="where to write the figures")
    parser.add_argument("--log", type=Path, required=True, help="the command's stdout+stderr")
    parser.add_argument("--interval", type=float, default=0.1, help="memory sampling period")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given after --")
    result = measure(cmd, args.log, args.interval)
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
