#!/usr/bin/env bash
# Compile-time comparison of orm with Diesel on a generated 30-model schema: one command,
# a table of medians and ratios orm/Diesel (see README.md; arguments go to measure.py).
set -euo pipefail
exec python3 "$(dirname "$0")/measure.py" "$@"
