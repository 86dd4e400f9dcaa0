#!/usr/bin/env bash
# Benchmark: issue 14's budget under hostile input, measured on the release binary by the ignored
# test `budget` in tests/integration/hostile.rs (servers on 127.0.0.1; wall time and peak memory of each run
# from wait4): every hostile server in one registry of 10 links at the default settings, a file
# with 101,000 unknown keys, a commit 50,000 folders deep (check --rev and hook pre-push).
#
#   bash benches/hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --quiet --test integration -- --ignored --nocapture --exact hostile::budget 2>&1 |
  grep -E '^(BUDGET|test result)'
