#!/usr/bin/env bash
# Writes the pre-commit mirror for mlem-registry VERSION into DIR (created, or emptied but for
# .git): the files of template/ with @VERSION@ filled in. Used by the release, and by
# .ci/pre-commit.sh, which installs the result with pre-commit to test it.
#   packaging/pre-commit-mirror/render.sh 0.1.0 ../mlem-registry-pre-commit
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 VERSION DIR" >&2
  exit 2
fi
version=$1
dir=$2
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([.+-]?[0-9A-Za-z.]+)?$ ]]; then
  echo "error: $0: '$version' is not a version such as 0.1.0 (no leading v)" >&2
  exit 2
fi
template=$(cd "$(dirname "$0")/template" && pwd)
mkdir -p "$dir"
find "$dir" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
(cd "$template" && find . -type f) | while IFS= read -r file; do
  mkdir -p "$dir/$(dirname "$file")"
  sed "s/@VERSION@/$version/g" "$template/$file" >"$dir/$file"
done
if grep -rn '@VERSION@' "$dir" --exclude-dir=.git >&2; then
  echo "error: $0: placeholders left in the files above" >&2
  exit 1
fi
