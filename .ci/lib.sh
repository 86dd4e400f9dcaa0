#!/usr/bin/env bash
# Helpers the .ci/*.sh scripts share; each sources this file after `cd` to the repository root.

# Build backend of this repository's Python package (pyproject.toml), also installed by pip for
# the hooks built from source.
MATURIN_VERSION=1.16.0
export MATURIN_VERSION

# Stops the calling script with its name and the reason.
fail() {
  echo "error: .ci/$(basename "$0"): $*" >&2
  exit 1
}

# Seconds since the epoch, with a fraction: a start time for `since`.
now() { date +%s.%N; }

# The seconds elapsed since START (from `now`), as `12.3 s`.
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$1" "$(now)"; }
