#!/usr/bin/env bash
# Benchmark: `check --offline` on a generated 100,000-file registry in a git repository, and
# `--changed-since` with one changed file. Reports wall time (hyperfine when installed, else the
# best of 5 runs) and peak memory (GNU time's maximum resident set size).
#
#   bash benches/registry.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin mlem-registry --example gen_registry
bin=$PWD/target/release/mlem-registry
./target/release/examples/gen_registry "$work/registry" "$N"
cd "$work/registry"
git init -q -b main .
git add -A
git -c user.name=bench -c user.email=bench@example.invalid commit -q -m registry
git -c user.name=bench -c user.email=bench@example.invalid tag -a base -m base

best_of_5() {
  local best=999999
  for _ in 1 2 3 4 5; do
    local start end ms
    start=$(date +%s%N)
    "$@" >/dev/null || true
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    if (( ms < best )); then best=$ms; fi
  done
  echo "${best} ms"
}

peak() {
  /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f MB\n", $1/1024}'
}

echo "== check --offline, $N files (full walk)"
{ "$bin" check --offline --format json . || true; } | python3 -c 'import json,sys; print("summary:", json.load(sys.stdin)["summary"])'
echo "wall (best of 5): $(best_of_5 "$bin" check --offline --format json .)"
echo "peak RSS: $(peak "$bin" check --offline --format json .)"

echo "== check --offline --rev HEAD (from the object database)"
echo "wall (best of 5): $(best_of_5 "$bin" check --offline --format json --rev HEAD .)"

echo "== check --offline --changed-since base, one file changed"
printf 'link_type: model\nobject_type: link\npath: nowhere\n' > team000/batch0000/l20.mlem
echo "wall (best of 5): $(best_of_5 "$bin" check --offline --format json --changed-since base .)"
echo "peak RSS: $(peak "$bin" check --offline --format json --changed-since base .)"
{ "$bin" check --offline --format json --changed-since base . || true; } | python3 -c 'import json,sys; d=json.load(sys.stdin); print("summary:", d["summary"], d["notices"])'

echo "== reference: git itself on the same repository (the floor for --changed-since: it stats every"
echo "   tracked file and reads every directory for untracked ones)"
echo "git status --porcelain: $(best_of_5 git status --porcelain)"
echo "git status --porcelain --untracked-files=no: $(best_of_5 git status --porcelain --untracked-files=no)"
