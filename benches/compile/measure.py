#!/usr/bin/env python3
"""Compile-time comparison of orm with Diesel on a generated 30-model schema (see README.md).

    measure.py [--out DIR] [--runs N] [--orm-path PATH] [--orm-features LIST] [--skip-llvm-lines]

Generates the two crates (gen.py), builds their dependencies once (debug and release), then for
each crate, `--runs` times (interleaved, so that load on the machine falls on both alike):
clean debug build of the crate only (`cargo clean -p` first), clean release build, and the
incremental debug build after one field of one model changes. Prints the medians and the ratios
orm / Diesel, then LLVM IR lines (cargo llvm-lines) in total and per model.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CRATES = ["orm_schema", "diesel_schema"]


def run(cmd, cwd, quiet=True):
    """Run `cmd`; on failure print its output and stop."""
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stdout.write(r.stdout)
        sys.exit(f"failed: {' '.join(cmd)}")
    if not quiet:
        sys.stdout.write(r.stdout)
    return r.stdout


def timed(cmd, cwd):
    start = time.monotonic()
    run(cmd, cwd)
    return time.monotonic() - start


def generate(args, changed=False):
    cmd = [sys.executable, os.path.join(HERE, "gen.py"), args.out, "--orm-path", args.orm_path]
    if args.orm_features:
        cmd += ["--orm-features", args.orm_features]
    if changed:
        cmd.append("--changed")
    run(cmd, HERE)


def default_features(orm_path):
    """`sqlite` alone when orm has backend features, else orm's defaults."""
    with open(os.path.join(orm_path, "Cargo.toml")) as f:
        manifest = f.read()
    return "sqlite" if re.search(r"^sqlite\s*=", manifest, re.M) else ""


def llvm_lines(out, crate):
    """(total lines, [(lines, copies, function)]) from cargo llvm-lines (generic functions are
    one row, their copies counted: the per-model instances of orm's generic code)."""
    text = run(["cargo", "llvm-lines", "-p", crate, "--lib"], out)
    rows = []
    total = None
    for line in text.splitlines():
        # "  1395 (4.5%,  4.5%)   30 (0.1%,  0.1%)  name"; the total's row has no percentages.
        m = re.match(r"\s*(\d+)(?:\s+\([^)]*\))?\s+(\d+)(?:\s+\([^)]*\))?\s+(.*)$", line)
        if not m:
            continue
        lines, copies, name = int(m.group(1)), int(m.group(2)), m.group(3).strip()
        if name == "(TOTAL)":
            total = lines
        else:
            rows.append((lines, copies, name))
    if total is None:
        sys.exit(f"cargo llvm-lines printed no total for {crate}")
    return total, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "orm-compile-bench"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--orm-path", default=os.path.normpath(os.path.join(HERE, "../../orm")))
    ap.add_argument("--orm-features", default=None, help="default: `sqlite` if orm has that feature, else orm's defaults")
    ap.add_argument("--skip-llvm-lines", action="store_true")
    ap.add_argument("--llvm-lines-only", action="store_true", help="only the LLVM IR lines (no timings)")
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    args.orm_path = os.path.abspath(args.orm_path)
    if args.orm_features is None:
        args.orm_features = default_features(args.orm_path)
    print(f"orm: {args.orm_path} (features: {args.orm_features or 'default'}); crates in {args.out}")
    print(run(["rustc", "--version"], HERE).strip())

    generate(args)
    if args.llvm_lines_only:
        report_llvm_lines(args)
        return
    print("building dependencies (debug and release)...", flush=True)
    # Each crate alone (`-p`), as it is measured: with `--workspace`, cargo would unify the
    # features of both crates' dependencies (libsqlite3-sys) and `-p` would rebuild them.
    for crate in CRATES:
        run(["cargo", "build", "-p", crate], args.out)
        run(["cargo", "build", "-p", crate, "--release"], args.out)

    results = {c: {"debug": [], "release": [], "incremental": []} for c in CRATES}
    for i in range(args.runs):
        for crate in CRATES:
            run(["cargo", "clean", "-p", crate], args.out)
            results[crate]["debug"].append(timed(["cargo", "build", "-p", crate], args.out))
            run(["cargo", "clean", "-p", crate, "--release"], args.out)
            results[crate]["release"].append(timed(["cargo", "build", "-p", crate, "--release"], args.out))
            # The debug build is up to date: change one field, build, change it back.
            generate(args, changed=True)
            results[crate]["incremental"].append(timed(["cargo", "build", "-p", crate], args.out))
            # Undone; the next run of this crate starts from `cargo clean -p` anyway.
            generate(args)
            print(f"run {i + 1}/{args.runs} {crate}: " + ", ".join(
                f"{k} {v[-1]:.1f}s" for k, v in results[crate].items()), flush=True)

    print()
    print(f"Compile time of the schema crate alone, median of {args.runs} runs (seconds)")
    print(f"{'build':<34}{'orm':>9}{'diesel':>9}{'orm/diesel':>12}")
    labels = {"debug": "clean debug", "release": "clean release", "incremental": "incremental debug (one field)"}
    for kind, label in labels.items():
        o = statistics.median(results["orm_schema"][kind])
        d = statistics.median(results["diesel_schema"][kind])
        print(f"{label:<34}{o:>9.2f}{d:>9.2f}{o / d:>11.2f}x")
    for crate in CRATES:
        inc = statistics.median(results[crate]["incremental"]) / statistics.median(results[crate]["debug"])
        print(f"{crate}: incremental / clean debug = {inc:.0%}")

    if not args.skip_llvm_lines:
        report_llvm_lines(args)


def report_llvm_lines(args):
    if shutil.which("cargo-llvm-lines") is None:
        print("\ncargo-llvm-lines is not installed (cargo install cargo-llvm-lines): no LLVM IR lines")
        return
    print()
    print("LLVM IR lines of the schema crate (cargo llvm-lines, debug)")
    totals = {}
    for crate in CRATES:
        total, rows = llvm_lines(args.out, crate)
        totals[crate] = total
        print(f"{crate}: total {total}, {total / 30:.0f} per model (30 models)")
        for lines, copies, name in sorted(rows, key=lambda r: -r[0])[:10]:
            print(f"  {lines:>8} lines {copies:>5} copies  {name[:100]}")
    print(f"orm/diesel LLVM IR lines: {totals['orm_schema'] / totals['diesel_schema']:.2f}x")


if __name__ == "__main__":
    main()
