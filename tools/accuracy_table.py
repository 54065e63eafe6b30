#!/usr/bin/python3
"""Accuracy of every pruning method at 33 % / 22 % / 11 % of the visual tokens on a held-out set.

Runs `vitcop eval --json` once unpruned and once per registered method and budget (the
equivalents of 192 / 128 / 64 of LLaVA-1.5's 576 tokens), and writes a markdown page with the
table as measured, whatever order the methods come in (issue 6; docs/training.md).

    tools/accuracy_table.py [--vitcop build/release/bin/vitcop] [--model DIR] [--seed 0]
                            [--n 1000] [--out docs/accuracy.md] [--methods a,b,...] [--jobs J]

--jobs J runs J evaluations at once, each with VITCOP_THREADS = cores / J (at least 1): on a
small model, single-threaded processes side by side beat one process whose OpenMP threads
wait on each other at every small matmul.

Uses only held-out evaluation seeds (`vitcop eval --seed S` never overlaps training). A failed
run stops the script with the culprit's one-line error; nothing is written then.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import subprocess
import sys
import time

BUDGETS = ["33%", "22%", "11%"]


def run_eval(args, method=None, budget=None, env=None):
    cmd = [args.vitcop, "eval", "--seed", str(args.seed), "--n", str(args.n), "--json"]
    if args.model:
        cmd += ["--model", args.model]
    if method:
        cmd += ["--method", method, "--budget", budget]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        sys.exit(f"accuracy_table: {' '.join(cmd)}: {last}")
    result = json.loads(proc.stdout)
    result["wall_s"] = time.monotonic() - start
    print(f"{method or 'none'} {budget or ''}: accuracy {result['accuracy']:.4f} "
          f"({result['wall_s']:.0f} s)", file=sys.stderr, flush=True)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vitcop", default="build/release/bin/vitcop")
    p.add_argument("--model", default="")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--out", default="docs/accuracy.md")
    p.add_argument("--methods", default="", help="comma-separated subset (default: all)")
    p.add_argument("--jobs", type=int, default=1, help="evaluations run at once")
    args = p.parse_args()
    if args.jobs < 1:
        sys.exit(f"accuracy_table: --jobs must be at least 1 (got {args.jobs})")
    env = None
    if args.jobs > 1:
        env = dict(os.environ, VITCOP_THREADS=str(max(1, (os.cpu_count() or 1) // args.jobs)))

    listed = json.loads(subprocess.run([args.vitcop, "methods", "--json"], capture_output=True,
                                       text=True, check=True).stdout)
    methods = [m["name"] for m in listed if m["name"] != "none"]
    if args.methods:
        wanted = args.methods.split(",")
        unknown = [m for m in wanted if m not in methods]
        if unknown:
            sys.exit(f"accuracy_table: unknown method {unknown[0]} (known: {', '.join(methods)})")
        methods = wanted

    runs = [(None, None)] + [(m, b) for m in methods for b in BUDGETS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda mb: run_eval(args, mb[0], mb[1], env), runs))
    base = results[0]
    rows = {m: {} for m in methods}
    for (m, b), r in zip(runs[1:], results[1:]):
        rows[m][b] = r

    types = sorted(base["per_type"])
    lines = [
        "# Accuracy of every pruning method on the embedded model",
        "",
        f"Measured {datetime.date.today().isoformat()} with `tools/accuracy_table.py --seed "
        f"{args.seed} --n {args.n}`"
        + (f" `--model {args.model}`" if args.model else " (the embedded model)")
        + f": {args.n} held-out samples (evaluation seeds 2^31 + {args.seed} ...; every fourth a "
        "clip of 4 frames), greedy answers compared after lower-casing. Budgets are the share of "
        "the visual tokens kept on average per LLM layer (33 / 22 / 11 % = 192 / 128 / 64 of "
        "LLaVA-1.5's 576). Relative = accuracy / unpruned accuracy. Methods in registry order; "
        "reported as measured.",
        "",
        f"Unpruned: **{base['accuracy']:.3f}**; CLS attention on object patches "
        f"{base['cls_object_mass']:.3f} of the mass vs {base['object_area_share']:.3f} of the "
        f"area ({base['cls_object_mass'] / max(base['object_area_share'], 1e-9):.2f}x).",
        "",
        "| method | " + " | ".join(f"{b} acc | {b} rel" for b in BUDGETS) + " |",
        "|---|" + "---:|" * (2 * len(BUDGETS)),
    ]
    for m in methods:
        cells = []
        for b in BUDGETS:
            acc = rows[m][b]["accuracy"]
            cells += [f"{acc:.3f}", f"{acc / max(base['accuracy'], 1e-9):.3f}"]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Per question type (accuracy)",
        "",
        "| question type | unpruned | " + " | ".join(f"{m} 11%" for m in methods) + " |",
        "|---|---:|" + "---:|" * len(methods),
    ]
    for t in types:
        cells = [f"{base['per_type'][t]:.3f}"]
        cells += [f"{rows[m]['11%']['per_type'].get(t, float('nan')):.3f}" for m in methods]
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    lines += ["", "Equivalent visual tokens per LLM layer as the traces recorded (stills):", ""]
    lines.append("| method | " + " | ".join(BUDGETS) + " |")
    lines.append("|---|" + "---:|" * len(BUDGETS))
    for m in methods:
        lines.append(f"| {m} | " + " | ".join(f"{rows[m][b]['equivalent_tokens']:.2f}"
                                            for b in BUDGETS) + " |")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
