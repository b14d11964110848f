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
    """(total lines, {function: lines}) from cargo llvm-lines."""
    text = run(["cargo", "llvm-lines", "-p", crate, "--lib"], out)
    funcs = {}
    total = None
    for line in text.splitlines():
        m = re.match(r"\s*(\d+)\s+\([\d.]+%\)(?:\s+[\d.]+%)?\s+(\d+)\s+\([\d.]+%\)(?:\s+[\d.]+%)?\s+(.*)$", line)
        if not m:
            continue
        lines, name = int(m.group(1)), m.group(3).strip()
        if name == "(TOTAL)":
            total = lines
        else:
            funcs[name] = funcs.get(name, 0) + lines
    return total, funcs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "orm-compile-bench"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--orm-path", default=os.path.normpath(os.path.join(HERE, "../../orm")))
    ap.add_argument("--orm-features", default=None, help="default: `sqlite` if orm has that feature, else orm's defaults")
    ap.add_argument("--skip-llvm-lines", action="store_true")
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    args.orm_path = os.path.abspath(args.orm_path)
    if args.orm_features is None:
        args.orm_features = default_features(args.orm_path)
    print(f"orm: {args.orm_path} (features: {args.orm_features or 'default'}); crates in {args.out}")
    print(run(["rustc", "--version"], HERE).strip())

    generate(args)
    print("building dependencies (debug and release)...", flush=True)
    run(["cargo", "build", "--workspace"], args.out)
    run(["cargo", "build", "--workspace", "--release"], args.out)

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
            generate(args)
            run(["cargo", "build", "-p", crate], args.out)
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

    if args.skip_llvm_lines:
        return
    if shutil.which("cargo-llvm-lines") is None:
        print("\ncargo-llvm-lines is not installed (cargo install cargo-llvm-lines): no LLVM IR lines")
        return
    print()
    print("LLVM IR lines (cargo llvm-lines, debug)")
    totals = {}
    for crate in CRATES:
        total, funcs = llvm_lines(args.out, crate)
        totals[crate] = total
        print(f"{crate}: total {total}, {total / 30:.0f} per model")
        # Lines of the functions whose name mentions a model (a function naming two models, a
        # join, counts for both).
        per = []
        for m in range(30):
            pat = re.compile(rf"\bModel{m:02}\b")
            per.append(sum(n for f, n in funcs.items() if pat.search(f)))
        print(f"  lines of functions naming one model: min {min(per)}, median {statistics.median(per):.0f}, "
              f"max {max(per)} (Model{per.index(max(per)):02})")
        top = sorted(funcs.items(), key=lambda kv: -kv[1])[:8]
        for f, n in top:
            print(f"  {n:>8}  {f[:110]}")
    print(f"orm/diesel LLVM IR lines: {totals['orm_schema'] / totals['diesel_schema']:.2f}x")


if __name__ == "__main__":
    main()
