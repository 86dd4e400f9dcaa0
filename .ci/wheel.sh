#!/usr/bin/env bash
# The Python package (`pip install mlem-registry`, pyproject.toml): builds the source distribution
# and a wheel with maturin, proves that a source build honours Cargo.lock, installs the wheel
# into a fresh venv and runs the installed command. Leaves the wheel in $CI_DIR/wheel/ for
# .ci/pre-commit.sh.
#
# Run it from the checkout to package (it packages the directory it lives in). CI_DIR is
# ${CARGO_TARGET_DIR:-target}/ci: with CARGO_TARGET_DIR set to the target of an earlier
# `cargo test` of the same checkout, the wheel's dev build reuses that build (nothing compiles).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/lib.sh
. .ci/lib.sh

target_dir=${CARGO_TARGET_DIR:-$PWD/target}
mkdir -p "$target_dir/ci"
ci_dir=$(cd "$target_dir/ci" && pwd)

# maturin from PyPI (its wheel ships the binary), in a venv of its own; reused when present.
venv=$ci_dir/maturin-venv
if ! "$venv/bin/maturin" --version 2>/dev/null | grep -qxF "maturin $MATURIN_VERSION"; then
  python3 -m venv --clear "$venv" || fail "cannot create a Python venv for maturin (python3 -m venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "maturin==$MATURIN_VERSION" \
    || fail "cannot install maturin==$MATURIN_VERSION from PyPI"
fi
maturin=$venv/bin/maturin

out=$ci_dir/wheel
rm -rf "$out"
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# 1. The source distribution: what pip builds from where no wheel fits. It holds what the build
# reads and nothing only the repository needs (the test data, target/).
"$maturin" sdist --out "$scratch/sdist" >"$scratch/sdist.log" 2>&1 \
  || { cat "$scratch/sdist.log" >&2; fail "maturin sdist failed"; }
sdist=$(find "$scratch/sdist" -name 'mlem_registry-*.tar.gz')
[ -n "$sdist" ] || fail "maturin sdist wrote no mlem_registry-*.tar.gz"
tar tzf "$sdist" | sed 's|^[^/]*/||' | sort >"$scratch/sdist.list"
for needed in Cargo.toml Cargo.lock pyproject.toml README.md src/main.rs src/lib.rs \
  benches/remote.rs schemas/link.schema.json schemas/object.schema.json schemas/config.schema.json; do
  grep -qxF "$needed" "$scratch/sdist.list" || fail "the sdist lacks $needed"
done
if grep -E '^(tests|target|fuzz|examples|docs)/' "$scratch/sdist.list" >&2; then
  fail "the sdist holds the files above, which the build does not read (pyproject.toml: [tool.maturin] exclude)"
fi
sdist_bytes=$(stat -c %s "$sdist")
[ "$sdist_bytes" -lt 1048576 ] || fail "the sdist is $sdist_bytes bytes; over 1 MiB, something is bundled that should not be"
echo "sdist: $(basename "$sdist"), $sdist_bytes bytes, $(wc -l <"$scratch/sdist.list") files"

# 2. A source build from that sdist honours Cargo.lock: with a dependency Cargo.lock does not
# list, pip's build (maturin's PEP 517 backend, as pip and pre-commit run it) fails and leaves
# Cargo.lock as it was, rather than resolving versions nobody tested.
mkdir "$scratch/stale"
tar xzf "$sdist" -C "$scratch/stale"
stale=$(find "$scratch/stale" -mindepth 1 -maxdepth 1 -type d)
cp "$stale/Cargo.lock" "$scratch/Cargo.lock.before"
sed -i 's/^\[dependencies\]$/&\nitoa = "1"/' "$stale/Cargo.toml"
grep -qx 'itoa = "1"' "$stale/Cargo.toml" || fail "could not add a dependency to the unpacked sdist's Cargo.toml"
if (cd "$stale" && PATH="$venv/bin:$PATH" CARGO_TARGET_DIR="$scratch/stale-target" \
  "$venv/bin/python" -m pip wheel --quiet --no-build-isolation --no-deps --disable-pip-version-check \
  --wheel-dir "$scratch/stale-out" .) >"$scratch/stale.log" 2>&1; then
  fail "a source build with a stale Cargo.lock succeeded: Cargo.lock is not honoured (pyproject.toml: [tool.maturin] locked = true)"
fi
grep -q -- '--locked' "$scratch/stale.log" \
  || { cat "$scratch/stale.log" >&2; fail "the stale-lock source build failed, but not for its Cargo.lock (output above)"; }
cmp -s "$stale/Cargo.lock" "$scratch/Cargo.lock.before" || fail "the stale-lock source build changed Cargo.lock"
echo "sdist: a source build with a stale Cargo.lock fails and leaves it unchanged"

# 3. The wheel: a dev build, which reuses what `cargo test` built; stripped (the debug info alone
# is 60 MB). Release wheels are built by the release workflow.
started=$(now)
"$maturin" build --locked --profile dev --strip --out "$out" >"$scratch/build.log" 2>&1 \
  || { cat "$scratch/build.log" >&2; fail "maturin build failed"; }
build_time=$(since "$started")
mapfile -t wheels < <(find "$out" -name 'mlem_registry-*.whl')
[ "${#wheels[@]}" -eq 1 ] || fail "expected one wheel in $out, found ${#wheels[@]}"
wheel=${wheels[0]}
version=$(basename "$wheel" | cut -d- -f2)
# A program, nothing else: the binary as a script plus the package's metadata.
"$venv/bin/python" - "$wheel" <<'EOF' || fail "the wheel holds more than the binary and its metadata"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
extra = [n for n in names if ".dist-info/" not in n and not n.endswith(".data/scripts/mlem-registry")]
if extra or not any(n.endswith(".data/scripts/mlem-registry") for n in names):
    print("wheel contents:", *names, sep="\n  ", file=sys.stderr)
    sys.exit(1)
EOF

# 4. Installed into a fresh venv, from the wheel alone.
fresh=$ci_dir/wheel-venv
rm -rf "$fresh"
python3 -m venv "$fresh" || fail "cannot create a fresh venv"
"$fresh/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps "$wheel" \
  || fail "pip cannot install $wheel"
installed=$fresh/bin/mlem-registry
[ -x "$installed" ] || fail "the wheel installed no mlem-registry command"
said=$("$installed" --version) || fail "mlem-registry --version failed"
case "$said" in
  "mlem-registry $version"*) ;;
  *) fail "mlem-registry --version says '$said', expected mlem-registry $version" ;;
esac
set +e
"$installed" check --offline --color never examples/registry >"$scratch/check.log" 2>&1
code=$?
set -e
if [ "$code" -ne 1 ] || ! grep -q '^error\[link/' "$scratch/check.log"; then
  cat "$scratch/check.log" >&2
  fail "the installed mlem-registry check --offline examples/registry exited $code, expected 1 with link findings"
fi
echo "wheel: $(basename "$wheel"), $(stat -c %s "$wheel") bytes, built in $build_time"
echo "wheel: installed into a fresh venv: '$said'; check --offline examples/registry: exit 1, $(grep -c '^error\[' "$scratch/check.log") errors"
