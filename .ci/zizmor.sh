#!/usr/bin/env bash
# Audits every GitHub workflow and action this project ships, documents or writes with zizmor
# (https://docs.zizmor.sh), offline, at its default persona, and fails on any finding:
#   - .github/workflows/*.yml and action.yml;
#   - each ```yaml block of docs/*.md that is a whole workflow (top-level `on:` and `jobs:`);
#   - the workflow `mlem-registry init --with-ci` writes.
#
# Usage: .ci/zizmor.sh [MLEM_REGISTRY]
#   MLEM_REGISTRY: the mlem-registry binary to run `init --with-ci` with (e.g. target/debug/
#   mlem-registry after `cargo test`); without it, `cargo run -q --locked --bin mlem-registry --`.
#
# A development build cannot know the release to pin and writes the placeholder
# `OWNER/mlem-registry@COMMIT-SHA # vX.Y.Z` (a release build writes its own repository, commit
# and tag). The workflow is audited as a release writes it: the placeholder filled in as `init`'s
# warning says, with this checkout's HEAD commit and the crate's version.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/lib.sh
. .ci/lib.sh

# zizmor from PyPI (its wheel ships the binary), in a venv of its own under target/ (nothing goes
# into the system Python). A missing zizmor is an error, never a skip.
ZIZMOR_VERSION=1.32.0
zizmor_venv=target/ci/zizmor-venv
zizmor="$zizmor_venv/bin/zizmor"
if ! "$zizmor" --version 2>/dev/null | grep -Fx "zizmor $ZIZMOR_VERSION" >/dev/null; then
  python3 -m venv --clear "$zizmor_venv" \
    || fail "cannot create a Python venv for zizmor (python3 -m venv)"
  "$zizmor_venv/bin/python" -m pip install --quiet --disable-pip-version-check "zizmor==$ZIZMOR_VERSION" \
    || fail "cannot install zizmor==$ZIZMOR_VERSION from PyPI"
fi
"$zizmor" --version | grep -Fx "zizmor $ZIZMOR_VERSION" >/dev/null \
  || fail "$zizmor is not zizmor $ZIZMOR_VERSION"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

inputs=()
for file in .github/workflows/*.yml .github/workflows/*.yaml action.yml; do
  [[ -e "$file" ]] && inputs+=("$file")
done
[[ -e action.yml ]] || fail "action.yml is missing"
[[ -e .github/workflows/ci.yml ]] || fail ".github/workflows/ci.yml is missing"

# The documented workflows, one file each, named after where they are: docs/NAME.md:LINE.
mkdir -p "$work/docs"
python3 - "$work/docs" docs/*.md <<'PY'
import pathlib, re, sys

out = pathlib.Path(sys.argv[1])
for markdown in sys.argv[2:]:
    block, start = None, 0
    for number, line in enumerate(pathlib.Path(markdown).read_text().splitlines(), start=1):
        fence = line.strip()
        if block is None and fence == "```yaml":
            block, start = [], number + 1
        elif block is not None and fence.startswith("```"):
            text = "\n".join(block) + "\n"
            if re.search(r"^on:", text, re.M) and re.search(r"^jobs:", text, re.M):
                name = f"{pathlib.Path(markdown).name}:{start}.yml"
                (out / name).write_text(text)
            block = None
        elif block is not None:
            block.append(line)
    if block is not None:
        sys.exit(f"{markdown}: a ```yaml block is never closed")
PY
documented=("$work"/docs/*.yml)
[[ -e "${documented[0]}" ]] || fail "no workflow found in docs/*.md"
inputs+=("${documented[@]}")

# The workflow `init --with-ci` writes.
if [[ $# -ge 1 ]]; then
  mlem_registry=("$1")
  [[ -x "$1" ]] || fail "$1 is not an executable"
else
  mlem_registry=(cargo run -q --locked --bin mlem-registry --)
fi
"${mlem_registry[@]}" init "$work/init" --with-ci >"$work/init.out" 2>"$work/init.err" \
  || { cat "$work/init.out" "$work/init.err" >&2; fail "mlem-registry init --with-ci failed"; }
written="$work/init/.github/workflows/mlem-registry.yml"
[[ -s "$written" ]] || fail "mlem-registry init --with-ci wrote no $written"
init_workflow="$work/init-with-ci.yml"
placeholder="OWNER/mlem-registry@COMMIT-SHA # vX.Y.Z"
if grep -F "uses: $placeholder" "$written" >/dev/null; then
  grep -F "COMMIT-SHA" "$work/init.err" >/dev/null \
    || fail "init wrote the placeholder $placeholder without a warning naming it"
  commit=$(git rev-parse HEAD)
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
  [[ -n "$version" ]] || fail "no version in Cargo.toml"
  sed "s|uses: $placeholder|uses: mlem-registry/mlem-registry@$commit # v$version|" \
    "$written" >"$init_workflow"
  echo "zizmor: a development build wrote $placeholder; audited with mlem-registry/mlem-registry@$commit # v$version"
else
  cp "$written" "$init_workflow"
fi
inputs+=("$init_workflow")

echo "zizmor $ZIZMOR_VERSION over: ${inputs[*]}"
# --no-config: zizmor's defaults, so no configuration file can switch an audit off (a finding
# is fixed, or ignored in place with a `# zizmor: ignore[AUDIT]` comment that says why).
"$zizmor" --offline --no-progress --no-config --strict-collection --color never "${inputs[@]}" \
  || fail "zizmor reports findings (above)"
echo "zizmor: ${#inputs[@]} workflows and actions, no finding"
