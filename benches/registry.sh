#!/usr/bin/env bash
# Benchmark: `check --offline` on a generated 100,000-file registry in a git repository, and
# `--changed-since` with one changed file. Reports wall time (the best of 5 runs; 3 for
# check-jsonschema, which takes seconds) and peak memory (GNU time's maximum resident set size),
# and ends with issue 17's table in one place: the full check, its memory, this tool against
# check-jsonschema (PyPI) on the same 10,000 files, `--changed-since HEAD` after one edit against
# `git status --porcelain`, and a clean release build (first, on a quiet machine; BENCH_BUILD=0
# skips it).
#
# Needs git, GNU time at /usr/bin/time, python3 with venv and network to PyPI (once, for
# check-jsonschema), and about 3 GB under $TMPDIR for the clean build. About 10 minutes on 2 cores.
#
#   bash benches/registry.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# check-jsonschema from PyPI, in a venv of its own under target/ (as .ci/run installs hadolint).
CHECK_JSONSCHEMA_VERSION=0.33.0
cj_venv=target/ci/check-jsonschema-venv
if ! "$cj_venv/bin/check-jsonschema" --version 2>/dev/null | grep -F "$CHECK_JSONSCHEMA_VERSION" >/dev/null; then
  python3 -m venv --clear "$cj_venv"
  "$cj_venv/bin/python" -m pip install --quiet --disable-pip-version-check "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
fi
cj=$PWD/$cj_venv/bin/check-jsonschema
schemas=$PWD/schemas

build_row="skipped (BENCH_BUILD=0)"
if [ "${BENCH_BUILD:-1}" = 1 ]; then
  echo "== clean cargo build --release --locked (a target directory of its own; downloads cached)"
  start=$(date +%s%N)
  CARGO_TARGET_DIR="$work/build" cargo build --release --locked --quiet
  build_row="$(( ($(date +%s%N) - start) / 1000000000 )) s"
  rm -rf "$work/build"
  echo "wall: $build_row"
fi


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

# A run with findings exits 1, which GNU time passes on: only the figure matters here.
peak() {
  { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null || true; } | tail -1 | awk '{printf "%.1f MB\n", $1/1024}'
}

echo "== check --offline, $N files (full walk)"
{ "$bin" check --offline --format json . || true; } | python3 -c 'import json,sys; print("summary:", json.load(sys.stdin)["summary"])'
full_row=$(best_of_5 "$bin" check --offline --format json .)
echo "wall (best of 5): $full_row"
memory_row=$(peak "$bin" check --offline --format json .)
echo "peak RSS: $memory_row"

echo "== the same without the registry-wide link/duplicate-target notes (the generator's 80 aliases"
echo "   per 10 models make 10,000 groups, one note each): [severity] \"link/duplicate-target\" = \"off\""
printf '[severity]\n"link/duplicate-target" = "off"\n' > "$work/quiet.toml"
echo "wall (best of 5): $(best_of_5 "$bin" check --offline --format json --config "$work/quiet.toml" .)"
echo "peak RSS: $(peak "$bin" check --offline --format json --config "$work/quiet.toml" .)"

echo "== 20,000 ignore globs (none matching) in the config: the globs cost about what one does"
python3 -c 'print("ignore = [" + ", ".join("\"nomatch%d/**/*.mlem\"" % i for i in range(20000)) + "]")' > "$work/globs.toml"
echo "wall (best of 5): $(best_of_5 "$bin" check --offline --format json --config "$work/globs.toml" .)"
printf 'ignore = ["nomatch/**/*.mlem"]\n' > "$work/glob.toml"
echo "the same with one glob, wall (best of 5): $(best_of_5 "$bin" check --offline --format json --config "$work/glob.toml" .)"

echo "== check --offline --rev HEAD (from the object database)"
echo "wall (best of 5): $(best_of_5 "$bin" check --offline --format json --rev HEAD .)"

once() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000000 )) ms"
}

echo "== check --offline --changed-since base, one file changed"
printf 'link_type: model\nobject_type: link\npath: nowhere\n' > team000/batch0000/l20.mlem
# Changed-only runs look for links that reach the change through .git/mlem-registry/link-index,
# which the first run builds (it reads every file once) and later runs reuse.
rm -rf .git/mlem-registry
echo "first run, no link index yet: $(once "$bin" check --offline --format json --changed-since base .)"
echo "wall (best of 5): $(best_of_5 "$bin" check --offline --format json --changed-since base .)"
echo "peak RSS: $(peak "$bin" check --offline --format json --changed-since base .)"
{ "$bin" check --offline --format json --changed-since base . || true; } | python3 -c 'import json,sys; d=json.load(sys.stdin); print("summary:", d["summary"], d["notices"])'

echo "== hook pre-push: a push of one commit that changes one link (what git runs on git push)"
git -c user.name=bench -c user.email=bench@example.invalid commit -q -am "change one link"
line="refs/heads/main $(git rev-parse HEAD) refs/heads/main $(git rev-parse 'base^{commit}')"
pre_push() { printf '%s\n' "$line" | "$bin" hook pre-push origin /dev/null --offline; }
pre_push || true
quiet_pre_push() { pre_push 2>/dev/null; }
echo "wall incl. process start (best of 5): $(best_of_5 quiet_pre_push)"
echo "peak RSS: $(peak bash -c "printf '%s\n' '$line' | '$bin' hook pre-push origin /dev/null --offline")"
echo "== a change to a link target: one model (8 links point at it) retyped to data"
printf 'object_type: data\n' > team000/batch0000/m3.mlem
echo "check --changed-since HEAD, wall (best of 5): $(best_of_5 "$bin" check --offline --format json --changed-since HEAD .)"
echo "peak RSS: $(peak "$bin" check --offline --format json --changed-since HEAD .)"
{ "$bin" check --offline --format json --changed-since HEAD . || true; } | python3 -c 'import json,sys; d=json.load(sys.stdin); print("summary:", d["summary"], d["notices"])'
git -c user.name=bench -c user.email=bench@example.invalid commit -q -am "retype one model"
target_line="refs/heads/main $(git rev-parse HEAD) refs/heads/main $(git rev-parse HEAD~1)"
target_pre_push() { printf '%s\n' "$target_line" | "$bin" hook pre-push origin /dev/null --offline 2>/dev/null; }
echo "hook pre-push of that commit, wall incl. process start (best of 5): $(best_of_5 target_pre_push)"
git reset -q --hard HEAD~1

echo "== git push of that commit to a bare remote on this machine, hook installed (end to end)"
git init -q --bare "$work/origin.git"
git remote add origin "$work/origin.git"
git push -q --no-verify origin 'base^{commit}:refs/heads/main'
"$bin" hook install --pre-push -- --offline >/dev/null
start=$(date +%s%N)
git push -q origin main 2>/dev/null || echo "(refused, as it should be: the changed link is broken)"
echo "git push wall: $(( ($(date +%s%N) - start) / 1000000 )) ms"

echo "== reference: git itself on the same repository (the floor for --changed-since: it stats every"
echo "   tracked file and reads every directory for untracked ones)"
echo "git status --porcelain: $(best_of_5 git status --porcelain)"
echo "git status --porcelain --untracked-files=no: $(best_of_5 git status --porcelain --untracked-files=no)"

echo "== --changed-since HEAD after one edit (uncommitted), and git status on the same tree"
# The generator points l21 at m1: point it at m2.
printf 'link_type: model\nobject_type: link\npath: team000/batch0000/m2\n' > team000/batch0000/l21.mlem
[ -n "$(git status --porcelain team000/batch0000/l21.mlem)" ] || { echo "error: the edit changed nothing" >&2; exit 1; }
changed_ms=$(best_of_5 "$bin" check --offline --format json --changed-since HEAD .)
status_ms=$(best_of_5 git status --porcelain)
echo "check --changed-since HEAD: $changed_ms; git status --porcelain: $status_ms"
git checkout -q -- team000/batch0000/l21.mlem

echo "== the same 10,000 files: this tool (check --offline) vs check-jsonschema (schema only)"
small="$work/small"
"$root/target/release/examples/gen_registry" "$small" 10000 >/dev/null 2>&1
(
  cd "$small"
  git init -q -b main .
  git add -A
  git -c user.name=bench -c user.email=bench@example.invalid commit -q -m registry
)
mapfile -t small_files < <(cd "$small" && find . -name '*.mlem' -type f)
tool_ms=$(cd "$small" && best_of_5 "$bin" check --offline --format json .)
best_of_3() {
  local best=999999
  for _ in 1 2 3; do
    local start end ms
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    if (( ms < best )); then best=$ms; fi
  done
  echo "${best} ms"
}
# The schema's $id is a URL: --base-uri resolves its $ref (link.schema.json) next to it on disk.
# Once first, which must pass (the generated files are all valid to the schema): a crash would
# look fast.
(cd "$small" && "$cj" --default-filetype yaml --base-uri "file://$schemas/object.schema.json" \
  --schemafile "$schemas/object.schema.json" "${small_files[@]}" >/dev/null)
cj_ms=$(cd "$small" && best_of_3 "$cj" --default-filetype yaml --base-uri "file://$schemas/object.schema.json" \
  --schemafile "$schemas/object.schema.json" "${small_files[@]}")
echo "this tool: $tool_ms; check-jsonschema $CHECK_JSONSCHEMA_VERSION: $cj_ms (${#small_files[@]} files)"

ratio() { python3 -c "import sys; a, b = (float(x.split()[0]) for x in sys.argv[1:]); print(f'{a / b:.1f}x')" "$1" "$2"; }
echo
echo "== issue 17's table, this run"
echo "| | measured | goal |"
echo "|---|---|---|"
echo "| check --offline, $N files, default rules, wall | $full_row | <= 1,000 ms |"
echo "| peak memory, same run | $memory_row | <= 100 MB |"
echo "| 10,000 files: this tool vs check-jsonschema | $tool_ms vs $cj_ms: $(ratio "$cj_ms" "$tool_ms") | >= 80x |"
echo "| --changed-since HEAD after one edit vs git status --porcelain | $changed_ms vs $status_ms: $(ratio "$changed_ms" "$status_ms") git status | <= 1.0x |"
echo "| clean cargo build --release --locked | $build_row | <= 130 s (half of 4 min 19 s) |"
