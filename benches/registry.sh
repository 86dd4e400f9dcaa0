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
