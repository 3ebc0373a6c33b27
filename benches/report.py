#!/usr/bin/env python3
"""Prints the comparison table of the last `cargo bench -p bbx_midi_benches --bench spsc` run.

Reads criterion's results (target/criterion/*/*/new/*.json) and prints, for
each benchmark group, every queue's median with its ratio to the best peer.
Peers are the rows whose name does not start with `bbx_midi::` (ours). A
ratio above 1 means ours is better: higher throughput, or lower time.

    cargo bench -p bbx_midi_benches --bench spsc && python3 benches/report.py [--markdown]
"""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
OURS = "bbx_midi::"
# The group order of benches/spsc.rs.
ORDER = [
    "two_thread_throughput/capacity_64",
    "two_thread_throughput/capacity_4096",
    "batch_64_two_thread/capacity_4096",
    "round_trip_latency",
    "single_thread_burst_64",
    "empty_poll",
]


def load():
    groups = {}
    for meta in ROOT.glob("*/*/new/benchmark.json"):
        info = json.loads(meta.read_text())
        estimates = json.loads((meta.parent / "estimates.json").read_text())
        median_ns = estimates["median"]["point_estimate"]
        elements = (info.get("throughput") or {}).get("Elements")
        groups.setdefault(info["group_id"], []).append(
            (info["function_id"], median_ns, elements)
        )
    return groups


def fmt_time(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.2f} ns"


def fmt_rate(per_second):
    return f"{per_second / 1e6:,.0f} M/s"


def table(group, rows):
    """Rows of (name, figure, ratio) for one group, best first."""
    throughput = all(e for _, _, e in rows)
    if throughput:
        scored = [(name, e * 1e9 / ns) for name, ns, e in rows]
        better = max
    else:
        scored = [(name, ns) for name, ns, _ in rows]
        better = min
    peers = [v for name, v in scored if not name.startswith(OURS)]
    best_peer = better(peers) if peers else None
    out = []
    for name, value in sorted(scored, key=lambda r: r[1], reverse=throughput):
        if best_peer is None:
            ratio = ""
        elif throughput:
            ratio = f"{value / best_peer:.2f}×"
        else:
            ratio = f"{best_peer / value:.2f}×"
        figure = fmt_rate(value) if throughput else fmt_time(value)
        out.append((name, figure, ratio))
    return throughput, out


def main():
    markdown = "--markdown" in sys.argv[1:]
    groups = load()
    if not groups:
        sys.exit(f"no criterion results under {ROOT}; run `cargo bench -p bbx_midi_benches --bench spsc` first")
    names = [g for g in ORDER if g in groups] + sorted(set(groups) - set(ORDER))
    for group in names:
        throughput, rows = table(group, groups[group])
        unit = "median throughput" if throughput else "median time"
        if markdown:
            print(f"\n**{group}**\n")
            print(f"| queue | {unit} | vs best peer |")
            print("|---|---:|---:|")
            for name, figure, ratio in rows:
                label = f"**{name}**" if name.startswith(OURS) else name
                print(f"| {label} | {figure} | {ratio} |")
        else:
            print(f"\n{group}  ({unit}; ratio > 1: better than the best peer)")
            for name, figure, ratio in rows:
                mark = "*" if name.startswith(OURS) else " "
                print(f" {mark} {name:<42} {figure:>14} {ratio:>8}")


if __name__ == "__main__":
    main()
