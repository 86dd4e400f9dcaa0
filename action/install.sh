#!/usr/bin/env bash
# Puts the mlem-registry binary on the job's PATH for action.yml (a composite action).
#
#   install.sh release   When the action's ref is a release, downloads that release's binary for
#                        this runner, checks its SHA-256 against the release's checksums file,
#                        extracts it into $RUNNER_TEMP and adds it to $GITHUB_PATH. Any failure
#                        there stops the job: nothing unverified is ever put on PATH. When the ref
#                        is no release (a branch, a commit no release was built from) or the
#                        runner has no release binary, it says so and sets the step output
#                        `source=true` (with the cache key for the source build) instead.
#   install.sh source    Builds the action's own source with `cargo install --locked` and adds it
#                        to $GITHUB_PATH.
#
# The runner provides RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT,
# GITHUB_ACTION_PATH and GITHUB_SERVER_URL. The action's ref and repository come from
# action.yml's `env:` as MLEM_REGISTRY_ACTION_REF and MLEM_REGISTRY_ACTION_REPOSITORY
# (github.action_ref and github.action_repository): the runner leaves its own GITHUB_ACTION_REF
# and GITHUB_ACTION_REPOSITORY empty in a composite action's steps, and they are read only when
# the first two are unset (running this script by hand).
set -euo pipefail
# Also inside $(…) (bash 4.4 and later; macOS's own bash 3.2 has no such option).
shopt -s inherit_errexit 2>/dev/null || true

readonly ARCHIVE_MAX_BYTES=$((100 * 1024 * 1024))
readonly SMALL_FILE_MAX_BYTES=$((64 * 1024))
readonly SOURCE_ROOT_NAME=mlem-registry-source
readonly BUILD_DIR_NAME=mlem-registry-build

# --- Reporting -------------------------------------------------------------------------------

# Everything goes to standard error (the runner reads workflow commands there too): standard
# output is kept for the values functions return.
log() {
  printf 'mlem-registry: %s\n' "$*" >&2
}

# A workflow command's message: `%`, CR and LF escaped, so a value cannot end the command early.
command_data() {
  local data=$1 percent=% cr=$'\r' lf=$'\n'
  data=${data//"$percent"/%25}
  data=${data//"$cr"/%0D}
  printf '%s' "${data//"$lf"/%0A}"
}

# Stops the step with an ::error:: annotation; nothing has been added to GITHUB_PATH by then.
fail() {
  printf '::error title=mlem-registry install::%s\n' "$(command_data "$*")" >&2
  exit 1
}

output() {
  printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
}

# --- What to install --------------------------------------------------------------------------

# The release target triple for this runner; fails (status 1) when releases have none.
runner_target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    *) return 1 ;;
  esac
}

# The `version` of the [package] table of the action's Cargo.toml.
crate_version() {
  local manifest="$GITHUB_ACTION_PATH/Cargo.toml" version
  version=$(awk '
    /^\[/ { in_package = ($0 ~ /^\[package\][[:space:]]*$/) }
    in_package && /^version[[:space:]]*=/ {
      sub(/^version[[:space:]]*=[[:space:]]*"/, ""); sub(/".*$/, ""); print; exit
    }' "$manifest")
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
    || fail "no version X.Y.Z in the [package] table of $manifest"
  printf '%s\n' "$version"
}

# What kind of ref the action was used at: `none`, `version-tag`, `commit` or `other`.
ref_kind() {
  if [[ -z $1 ]]; then
    echo none
  elif [[ $1 =~ ^v[0-9]+(\.[0-9]+){0,2}$ ]]; then
    echo version-tag
  elif [[ $1 =~ ^[0-9a-fA-F]{40}$ ]]; then
    echo commit
  else
    echo other
  fi
}

# Whether a version tag (v1, v1.2, v1.2.3) names VERSION: v1 names every 1.y.z.
tag_names_version() {
  local tag=${1#v} version=$2
  [[ $version == "$tag" || $version == "$tag".* ]]
}

# --- Downloads --------------------------------------------------------------------------------

release_url() {
  printf '%s/%s/releases/download/%s/%s' "${GITHUB_SERVER_URL:-https://github.com}" "$1" "$2" "$3"
}

# Downloads URL to FILE, at most MAX_BYTES. Timeouts and transient server errors are retried.
# On failure, prints why ("HTTP 404", "larger than N bytes", "no HTTP response: curl exit 28")
# and returns non-zero.
download() {
  local url=$1 file=$2 max_bytes=$3 status=0 code
  code=$(curl --fail --silent --show-error --location \
    --proto '=https,http' --proto-redir '=https' \
    --connect-timeout 10 --max-time 120 --retry 3 --retry-delay 2 --retry-max-time 300 \
    --max-filesize "$max_bytes" --write-out '%{http_code}' --output "$file" -- "$url") \
    || status=$?
  if ((status == 0)) && (($(wc -c <"$file") <= max_bytes)); then
    return 0
  elif ((status == 0 || status == 63)); then
    echo "larger than $max_bytes bytes"
  elif [[ ${code:-000} != 000 ]]; then
    echo "HTTP $code"
  else
    echo "no HTTP response: curl exit $status"
  fi
  return 1
}

# Downloads a release asset that must exist: any failure stops the step.
download_asset() {
  local repository=$1 tag=$2 asset=$3 file=$4 max_bytes=$5 why
  log "downloading $asset"
  why=$(download "$(release_url "$repository" "$tag" "$asset")" "$file" "$max_bytes") \
    || fail "cannot download $asset of release $tag from ${GITHUB_SERVER_URL:-https://github.com}/$repository ($why): a release tag must have its assets, so this step fails instead of building from source"
}

# --- Verification -----------------------------------------------------------------------------

# The SHA-256 of FILE in hex: sha256sum on Linux, `shasum -a 256` on macOS.
sha256_of() {
  local tool=(sha256sum)
  [[ ${RUNNER_OS:-} == macOS ]] && tool=(shasum -a 256)
  command -v "${tool[0]}" >/dev/null || fail "${tool[*]} is not on PATH: cannot verify the download"
  "${tool[@]}" -- "$1" | awk '{ print $1 }'
}

# The checksum a SUMS file (sha256sum's format) lists for NAME; empty when none or several.
listed_sha256() {
  awk -v name="$2" '
    { sub(/\r$/, "") }
    NF == 2 && ($2 == name || $2 == "*" name) { found++; sum = $1 }
    END { if (found == 1) print sum }' "$1"
}

# Fails closed unless FILE's SHA-256 is the one SUMS lists for NAME.
verify_sha256() {
  local file=$1 name=$2 sums=$3 expected actual
  expected=$(listed_sha256 "$sums" "$name")
  [[ $expected =~ ^[0-9a-f]{64}$ ]] \
    || fail "the release's checksums file has no single SHA-256 entry for $name: refusing to use it"
  actual=$(sha256_of "$file")
  [[ $actual == "$expected" ]] \
    || fail "SHA-256 mismatch for $name: the release's checksums file says $expected, the download is $actual: refusing to use it"
  log "SHA-256 of $name verified ($actual)"
}

# --- The release ------------------------------------------------------------------------------

# The commit the release was built from, from its commit file (checked against SUMS). Prints
# nothing when the release has no such file (HTTP 404: no release of this version yet).
release_commit() {
  local repository=$1 tag=$2 sums=$3 work=$4 asset="mlem-registry-$2-commit.txt" why commit
  why=$(download "$(release_url "$repository" "$tag" "$asset")" "$work/$asset" "$SMALL_FILE_MAX_BYTES") || {
    [[ $why == "HTTP 404" ]] && return 0
    fail "cannot download $asset of release $tag ($why)"
  }
  verify_sha256 "$work/$asset" "$asset" "$sums"
  commit=$(head -n 1 "$work/$asset" | tr -d '\r')
  [[ $commit =~ ^[0-9a-f]{40}$ ]] || fail "$asset of release $tag holds no commit sha"
  printf '%s\n' "$commit"
}

# Downloads the checksums file; prints nothing when the release does not exist (HTTP 404).
release_sums() {
  local repository=$1 tag=$2 work=$3 asset="mlem-registry-$2-sha256sums.txt" why
  why=$(download "$(release_url "$repository" "$tag" "$asset")" "$work/$asset" "$SMALL_FILE_MAX_BYTES") || {
    [[ $why == "HTTP 404" ]] && return 0
    fail "cannot download $asset of release $tag ($why)"
  }
  printf '%s\n' "$work/$asset"
}

# Extracts the binary from a verified archive into a new folder under RUNNER_TEMP; prints the
# folder that holds it.
extract() {
  local archive=$1 stem=$2 dest
  dest=$(mktemp -d "$RUNNER_TEMP/mlem-registry-XXXXXX")
  tar -xzf "$archive" -C "$dest" --no-same-owner "$stem/mlem-registry" \
    || fail "cannot extract $stem/mlem-registry from $(basename "$archive")"
  # A regular file, not a symbolic link into the runner (the checksum covers the archive, not
  # where a link in it would lead).
  [[ ! -L $dest/$stem/mlem-registry && -f $dest/$stem/mlem-registry && -x $dest/$stem/mlem-registry ]] \
    || fail "$(basename "$archive") holds no executable $stem/mlem-registry (a regular file)"
  printf '%s\n' "$dest/$stem"
}

# Downloads, verifies and unpacks the release's binary for TARGET, then puts it on PATH.
install_release() {
  local repository=$1 tag=$2 target=$3 work=$4 sums=${5:-}
  local stem="mlem-registry-$tag-$target" dir reported
  if [[ -z $sums ]]; then
    sums="$work/mlem-registry-$tag-sha256sums.txt"
    download_asset "$repository" "$tag" "$(basename "$sums")" "$sums" "$SMALL_FILE_MAX_BYTES"
  fi
  download_asset "$repository" "$tag" "$stem.tar.gz" "$work/$stem.tar.gz" "$ARCHIVE_MAX_BYTES"
  verify_sha256 "$work/$stem.tar.gz" "$stem.tar.gz" "$sums"
  dir=$(extract "$work/$stem.tar.gz" "$stem")
  reported=$("$dir/mlem-registry" --version 2>&1) \
    || fail "the release binary does not run on this runner: $reported"
  reported=${reported%%$'\n'*}
  [[ $reported == "mlem-registry ${tag#v}" || $reported == "mlem-registry ${tag#v} "* ]] \
    || fail "the release binary says it is \"$reported\", not mlem-registry ${tag#v}"
  printf '%s\n' "$dir" >>"$GITHUB_PATH"
  output source false
  log "installed $reported ($target) from release $tag of $repository"
}

# --- The source fallback ----------------------------------------------------------------------

# Says why there is no release binary, and hands over to the source build (action.yml's cache
# and `install.sh source` steps).
use_source() {
  local why=$1 lock_hash ref_key
  printf '::notice title=mlem-registry builds from source::%s\n' >&2 \
    "$(command_data "$why, so mlem-registry is built from source with cargo (this takes minutes). Pin the action to a release (a vX.Y.Z or vX tag, or the commit a release names) to start in seconds.")"
  lock_hash=$(sha256_of "$GITHUB_ACTION_PATH/Cargo.lock")
  ref_key=$(printf '%s' "${ACTION_REF:-local}" | tr -c 'A-Za-z0-9._-' '_')
  output source true
  output cache-restore-key "mlem-registry-source-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${lock_hash:0:16}-"
  output cache-key "mlem-registry-source-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${lock_hash:0:16}-$ref_key"
  output build-dir "$RUNNER_TEMP/$BUILD_DIR_NAME"
}

build_from_source() {
  local root="$RUNNER_TEMP/$SOURCE_ROOT_NAME"
  command -v cargo >/dev/null \
    || fail "building mlem-registry from source needs cargo (Rust 1.95 or later) on the runner; pin the action to a release to use the prebuilt binary instead"
  log "building mlem-registry from source in $GITHUB_ACTION_PATH (this takes minutes)"
  # From the action's own folder, not the step's working directory (the checkout of the change
  # being checked): rustup picks the toolchain by the folder cargo starts in (a
  # rust-toolchain.toml there can name any program as "cargo"), and cargo reads .cargo/config.toml
  # from it and its parents.
  (cd "$GITHUB_ACTION_PATH" && cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$root" \
    --target-dir "$RUNNER_TEMP/$BUILD_DIR_NAME") \
    || fail "cargo install of $GITHUB_ACTION_PATH failed"
  [[ -x $root/bin/mlem-registry || -x $root/bin/mlem-registry.exe ]] \
    || fail "cargo install put no mlem-registry in $root/bin"
  printf '%s\n' "$root/bin" >>"$GITHUB_PATH"
  log "installed mlem-registry built from source"
}

# --- Entry points -----------------------------------------------------------------------------

release() {
  local target version tag sums commit
  local repository=${MLEM_REGISTRY_ACTION_REPOSITORY-${GITHUB_ACTION_REPOSITORY:-}}
  ACTION_REF=${MLEM_REGISTRY_ACTION_REF-${GITHUB_ACTION_REF:-}}
  if ! target=$(runner_target); then
    use_source "there is no release binary for this runner (RUNNER_OS=${RUNNER_OS:-unset}, RUNNER_ARCH=${RUNNER_ARCH:-unset})"
    return
  fi
  version=$(crate_version)
  tag="v$version"
  if [[ ! $repository =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
    use_source "the action runs from a local path, not from a release of a repository"
    return
  fi
  WORK_DIR=$(mktemp -d "$RUNNER_TEMP/mlem-registry-download-XXXXXX")
  trap 'rm -rf "$WORK_DIR"' EXIT
  case $(ref_kind "$ACTION_REF") in
    none)
      use_source "the action has no ref (it runs from a local path), which is not a release"
      ;;
    version-tag)
      if tag_names_version "$ACTION_REF" "$version"; then
        log "the action's ref $ACTION_REF is release $tag; installing its binary for $target"
        install_release "$repository" "$tag" "$target" "$WORK_DIR"
      else
        use_source "this action's ref $ACTION_REF is not a release of version $version (the version in its Cargo.toml)"
      fi
      ;;
    commit)
      ACTION_REF=$(printf '%s' "$ACTION_REF" | tr 'A-F' 'a-f')
      sums=$(release_sums "$repository" "$tag" "$WORK_DIR")
      commit=""
      if [[ -n $sums ]]; then
        commit=$(release_commit "$repository" "$tag" "$sums" "$WORK_DIR")
      fi
      if [[ -z $sums ]]; then
        use_source "this action's ref $ACTION_REF is not a release: version $version has no release $tag"
      elif [[ -z $commit ]]; then
        use_source "this action's ref $ACTION_REF is not a release: release $tag names no commit"
      elif [[ $commit != "$ACTION_REF" ]]; then
        use_source "this action's ref $ACTION_REF is not a release: release $tag was built from $commit"
      else
        log "the action's ref $ACTION_REF is the commit release $tag was built from; installing its binary for $target"
        install_release "$repository" "$tag" "$target" "$WORK_DIR" "$sums"
      fi
      ;;
    other)
      use_source "this action's ref \"$ACTION_REF\" is not a release (a branch or another ref)"
      ;;
  esac
}

main() {
  : "${RUNNER_TEMP:?RUNNER_TEMP is not set}" "${GITHUB_PATH:?GITHUB_PATH is not set}"
  : "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}" "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
  case "${1:-}" in
    release) release ;;
    source) build_from_source ;;
    *)
      echo "usage: install.sh release|source" >&2
      exit 2
      ;;
  esac
}

main "$@"
