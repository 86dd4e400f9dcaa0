#!/usr/bin/env bash
# The hooks under the real pre-commit framework, as a registry installs them from the mirror
# (packaging/pre-commit-mirror/): pre-commit from PyPI, the mirror rendered for the wheel
# .ci/wheel.sh built and tagged in a temporary repository, pip pointed at that local wheel
# instead of PyPI. On a temporary registry with a committed broken link:
#   - `pre-commit run --all-files` fails naming the link, and passes once it is fixed;
#   - `git commit` through `pre-commit install` is refused for a staged broken link;
#   - the first `git push` of a new repository (root commit) through `pre-commit install
#     --hook-type pre-push` is refused for a broken link and goes through once it is fixed.
# Then this repository's own .pre-commit-hooks.yaml: pip builds it from source with maturin
# under Cargo.lock, as for any user, but in the dev profile and in the shared target directory
# (MATURIN_PEP517_ARGS, CARGO_TARGET_DIR): one compile of the crate, no release build.
# Run .ci/wheel.sh first (same CARGO_TARGET_DIR). Nothing outside a temporary directory and
# ${CARGO_TARGET_DIR:-target}/ci is written; git's global config is not read.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/lib.sh
. .ci/lib.sh
repo_root=$PWD

PRE_COMMIT_VERSION=4.7.0
SETUPTOOLS_VERSION=84.2.1 # the mirror's build backend, from its pyproject.toml

target_dir=${CARGO_TARGET_DIR:-$PWD/target}
ci_dir=$(cd "$target_dir/ci" 2>/dev/null && pwd) || fail "no $target_dir/ci: run .ci/wheel.sh first"
target_dir=$(dirname "$ci_dir")
mapfile -t wheels < <(find "$ci_dir/wheel" -maxdepth 1 -name 'mlem_registry-*.whl' 2>/dev/null)
[ "${#wheels[@]}" -eq 1 ] || fail "expected one wheel in $ci_dir/wheel (found ${#wheels[@]}): run .ci/wheel.sh first"
wheel=${wheels[0]}
version=$(basename "$wheel" | cut -d- -f2)

# pre-commit from PyPI, in a venv of its own; reused when present.
venv=$ci_dir/pre-commit-venv
if ! "$venv/bin/pre-commit" --version 2>/dev/null | grep -qxF "pre-commit $PRE_COMMIT_VERSION"; then
  python3 -m venv --clear "$venv" || fail "cannot create a Python venv for pre-commit (python3 -m venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pre-commit==$PRE_COMMIT_VERSION" \
    || fail "cannot install pre-commit==$PRE_COMMIT_VERSION from PyPI"
fi
pre_commit=$venv/bin/pre-commit

# The build backends (the mirror's, this repository's), fetched once from PyPI: the hooks are
# installed with no index, so pip cannot take anything else from PyPI.
backend_dir=$ci_dir/pre-commit-backend
for backend in "setuptools==$SETUPTOOLS_VERSION" "maturin==$MATURIN_VERSION"; do
  if ! compgen -G "$backend_dir/${backend%%==*}-${backend##*==}-*.whl" >/dev/null; then
    "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
      --no-deps --dest "$backend_dir" "$backend" \
      || fail "cannot download $backend from PyPI"
  fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
links=$scratch/links
mkdir "$links"
cp "$wheel" "$backend_dir"/setuptools-"$SETUPTOOLS_VERSION"-*.whl "$links/"
source_links=$scratch/source-links
mkdir "$source_links"
cp "$backend_dir"/maturin-"$MATURIN_VERSION"-*.whl "$source_links/"

# A fresh pre-commit cache (so the mirror is really installed), and git with only this config.
export PRE_COMMIT_HOME=$scratch/pre-commit-home
export GIT_CONFIG_GLOBAL=$scratch/gitconfig
export GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE PRE_COMMIT PIP_FIND_LINKS PIP_NO_INDEX
git config --global user.name "mlem-registry CI"
git config --global user.email "ci@mlem-registry.invalid"
git config --global init.defaultBranch main
git config --global commit.gpgsign false
git config --global tag.gpgsign false
git config --global advice.detachedHead false

# Runs a command, keeping its output in $scratch/out and its exit code in $code.
run() {
  set +e
  "$@" >"$scratch/out" 2>&1
  code=$?
  set -e
}
said() {
  cat "$scratch/out" >&2
}
expect_failure_naming() { # FILE: the last run failed, naming FILE and a broken-link finding
  if [ "$code" -eq 0 ] || ! grep -qF "$1" "$scratch/out" || ! grep -qF 'link/path-not-found' "$scratch/out"; then
    said
    fail "$2: expected a failure naming $1 and link/path-not-found, got exit $code (output above)"
  fi
}
expect_success() {
  if [ "$code" -ne 0 ]; then
    said
    fail "$1: expected success, got exit $code (output above)"
  fi
}

# The mirror, as the release publishes it: rendered, committed, tagged.
mirror=$scratch/mlem-registry-pre-commit
packaging/pre-commit-mirror/render.sh "$version" "$mirror"
git -C "$mirror" init -q
git -C "$mirror" add -A
git -C "$mirror" commit -q -m "mlem-registry $version"
git -C "$mirror" tag "v$version"

# A registry whose config names the mirror; only relative links, so no --offline needed.
new_registry() { # DIR BROKEN-LINK-FILE
  mkdir -p "$1/models"
  git -C "$1" init -q
  printf 'core:\n  storage:\n    type: local\n' >"$1/.mlem.yaml"
  printf 'object_type: model\nmodel_type:\n  type: sklearn\n' >"$1/models/rf.mlem"
  printf 'link_type: model\nobject_type: link\npath: models/rf\n' >"$1/rf.mlem"
  printf 'link_type: model\nobject_type: link\npath: models/missing\n' >"$1/$2"
  cat >"$1/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $mirror
    rev: v$version
    hooks:
      - id: mlem-registry
      - id: mlem-registry-pre-push
EOF
  git -C "$1" add -A
  git -C "$1" commit -q --no-verify -m "a registry with a broken link"
}
fix_link() { # DIR FILE
  printf 'link_type: model\nobject_type: link\npath: models/rf\n' >"$1/$2"
}

registry=$scratch/registry
new_registry "$registry" broken.mlem
cd "$registry"

# Install the hooks: pip sees only the local wheels, so the mirror gets the wheel just built.
started=$(now)
run env PIP_FIND_LINKS="$links" PIP_NO_INDEX=1 "$pre_commit" install-hooks
expect_success "pre-commit install-hooks (the mirror, from the local wheel)"
install_time=$(since "$started")
mapfile -t installed < <(find "$PRE_COMMIT_HOME" -path '*/py_env-*/bin/mlem-registry')
[ "${#installed[@]}" -eq 1 ] || fail "expected one mlem-registry in pre-commit's hook environments, found ${#installed[@]}"
"$venv/bin/python" - "$wheel" "${installed[0]}" <<'EOF' || fail "pre-commit's mlem-registry is not the binary of $wheel"
import hashlib, sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
(member,) = [n for n in wheel.namelist() if n.endswith(".data/scripts/mlem-registry")]
with open(sys.argv[2], "rb") as installed:
    sys.exit(hashlib.sha256(wheel.read(member)).digest() != hashlib.sha256(installed.read()).digest())
EOF

# 1. A committed broken link: nothing is staged, and --all-files still finds it.
started=$(now)
run "$pre_commit" run --all-files --color never
run_time=$(since "$started")
expect_failure_naming broken.mlem "pre-commit run --all-files with a committed broken link"
grep -qF 'checked 3 files given' "$scratch/out" \
  || { said; fail "pre-commit run --all-files did not check the 3 *.mlem files"; }
echo "pre-commit: run --all-files refuses the committed broken link ($run_time)"
fix_link "$registry" broken.mlem
git -C "$registry" commit -q -a --no-verify -m "fix the link"
run "$pre_commit" run --all-files --color never
expect_success "pre-commit run --all-files after the fix"
echo "pre-commit: run --all-files passes after the fix"

# 2. `git commit` through the installed hook: a staged broken link is refused.
run "$pre_commit" install
expect_success "pre-commit install"
head_before=$(git rev-parse HEAD)
printf 'link_type: model\nobject_type: link\npath: models/rff\n' >typo.mlem
git -C "$registry" add typo.mlem
run git commit -m "a broken link"
expect_failure_naming typo.mlem "git commit of a staged broken link"
[ "$(git rev-parse HEAD)" = "$head_before" ] || fail "the commit of a broken link went through"
fix_link "$registry" typo.mlem
git -C "$registry" add typo.mlem
run git commit -m "a good link"
expect_success "git commit of a good link"
echo "pre-commit: git commit refuses a staged broken link and takes it once fixed"

# 3. The first push of a new repository, through pre-commit's pre-push hook.
fresh=$scratch/new-registry
new_registry "$fresh" service.mlem
git init -q --bare "$scratch/origin.git"
cd "$fresh"
git remote add origin "$scratch/origin.git"
run "$pre_commit" install --hook-type pre-push
expect_success "pre-commit install --hook-type pre-push"
run git push origin main
expect_failure_naming service.mlem "the first git push of a repository with a broken link"
git -C "$scratch/origin.git" rev-parse -q --verify refs/heads/main >/dev/null \
  && fail "the push of a broken link reached the remote"
fix_link "$fresh" service.mlem
git -C "$fresh" commit -q -a --no-verify -m "fix the link"
run git push origin main
expect_success "the first git push after the fix"
echo "pre-commit: the first push of a new repository refuses a broken link and goes through once fixed"

# 4. This repository's own hooks, built from source by pip and maturin, as a registry naming
# this repository gets them (pre-commit try-repo would build them anew on every call). From a
# snapshot of the working tree's tracked files, built once.
source_repo=$scratch/mlem-registry
git clone -q --no-local "$repo_root" "$source_repo"
git -C "$repo_root" diff HEAD --binary | git -C "$source_repo" apply --allow-empty
git -C "$source_repo" add -A
git -C "$source_repo" commit -q --allow-empty --no-verify -m "the working tree"
source_registry=$scratch/source-registry
new_registry "$source_registry" broken.mlem
cat >"$source_registry/.pre-commit-config.yaml" <<CONFIG
repos:
  - repo: $source_repo
    rev: $(git -C "$source_repo" rev-parse HEAD)
    hooks:
      - id: mlem-registry
      - id: mlem-registry-pre-push
CONFIG
git -C "$source_registry" commit -q -a --no-verify -m "hooks from source"
cd "$source_registry"
started=$(now)
run env PIP_FIND_LINKS="$source_links" PIP_NO_INDEX=1 MATURIN_PEP517_ARGS="--profile dev" \
  CARGO_TARGET_DIR="$target_dir" "$pre_commit" install-hooks
expect_success "pre-commit install-hooks (this repository, built from source)"
source_time=$(since "$started")
run "$pre_commit" run --all-files --color never
expect_failure_naming broken.mlem "the source-built mlem-registry hook, --all-files, with a committed broken link"
run "$pre_commit" run --all-files --color never --hook-stage pre-push
expect_failure_naming broken.mlem "the source-built mlem-registry-pre-push hook run by hand, with a committed broken link"
fix_link "$source_registry" broken.mlem
git -C "$source_registry" commit -q -a --no-verify -m "fix the link"
run "$pre_commit" run --all-files --color never
expect_success "the source-built mlem-registry hook, --all-files, after the fix"
run "$pre_commit" run --all-files --color never --hook-stage pre-push
expect_success "the source-built mlem-registry-pre-push hook run by hand, after the fix"
echo "pre-commit: this repository's hooks, built from source, refuse the committed broken link and pass after the fix"

echo "pre-commit: mirror v$version installed from the local wheel in $install_time; run --all-files in $run_time; source hooks built and installed in $source_time"
cd "$repo_root"
