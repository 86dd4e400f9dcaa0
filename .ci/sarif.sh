#!/usr/bin/env bash
# Validates the SARIF that `mlem-registry check --format sarif` writes with Microsoft's SARIF
# Multitool, its own rules and GitHub's ingestion rules (`validate --rule-kind "Sarif;Gh"`), on
# three logs: the example registry (offline, with a notification); a registry whose unpinned
# links carry fixes (checked with --rev, so with two notifications, in a category of its own);
# and a clean registry (no results). Fails on any error or warning, and on any note that is not
# accepted below (docs/sarif-output.md, "Validation").
#
# Usage: .ci/sarif.sh [BINARY]   (default: target/debug/mlem-registry, built beforehand)
#
# The multitool comes from npm, pinned, into target/ci/sarif-multitool/ (reused when it is there
# at that version). A missing node/npm or a failed install is an error, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/lib.sh
. .ci/lib.sh

MULTITOOL_VERSION=5.7.0
# Notes the logs may get, and why each is accepted (docs/sarif-output.md says the same):
#   SARIF2002 message ids and arguments instead of text: GitHub requires message.text.
#   SARIF2003 no versionControlProvenance: code scanning knows the commit it analyzed.
#   SARIF2006 a URI not reachable: the validator fetches $schema and every helpUri, CI has no
#             network, and a release's tag (in helpUri) exists only once it is published.
#   SARIF2009 rule ids with `/`: they are the ids --explain, the config and every other format
#             use, in the `area/name` form of CodeQL's own rule ids (`js/sql-injection`).
#   SARIF2010 no region snippet, SARIF2011 no context region: GitHub shows the file itself.
ACCEPTED_NOTES="SARIF2002 SARIF2003 SARIF2006 SARIF2009 SARIF2010 SARIF2011"

bin=${1:-target/debug/mlem-registry}
[ -x "$bin" ] || fail "no mlem-registry binary at $bin (build it first, or pass its path)"
bin=$(realpath "$bin")
command -v node >/dev/null || fail "node is not installed (the multitool comes from npm)"
command -v npm >/dev/null || fail "npm is not installed (the multitool comes from npm)"
command -v git >/dev/null || fail "git is not installed"

# The package's own bin script runs the tool through a shell, which would split "Sarif;Gh" at the
# `;`, so the platform package's binary is called directly; both packages are pinned (the main
# one asks for its platform package with a caret range).
tool_dir=target/ci/sarif-multitool
platform=$(node -p process.platform)
multitool=$tool_dir/node_modules/@microsoft/sarif-multitool-$platform/Sarif.Multitool
# The validator needs no culture data; without ICU on the machine .NET would refuse to start.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
if ! "$multitool" --version 2>&1 | grep -F "SARIF Multitool $MULTITOOL_VERSION+" >/dev/null; then
  rm -rf "$tool_dir"
  mkdir -p "$tool_dir"
  start=$(date +%s)
  npm install --prefix "$tool_dir" --save-exact --no-audit --no-fund --loglevel=error \
      "@microsoft/sarif-multitool@$MULTITOOL_VERSION" \
      "@microsoft/sarif-multitool-$platform@$MULTITOOL_VERSION" \
    || fail "cannot install @microsoft/sarif-multitool@$MULTITOOL_VERSION from npm"
  echo "sarif-multitool $MULTITOOL_VERSION installed in $(($(date +%s) - start)) s"
  "$multitool" --version 2>&1 | grep -F "SARIF Multitool $MULTITOOL_VERSION+" >/dev/null \
    || fail "$multitool does not run as SARIF Multitool $MULTITOOL_VERSION"
fi

out=target/ci/sarif
rm -rf "$out"
mkdir -p "$out"
out=$(realpath "$out")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Runs mlem-registry with the remaining arguments, its SARIF going to $1. Findings are expected
# (exit 1) and so are unverified links (3); a usage or I/O error (2) is not.
sarif() {
  local log=$1
  shift
  local code=0
  "$bin" "$@" > "$log" || code=$?
  case $code in
    0 | 1 | 3) ;;
    *) fail "mlem-registry $* exited with $code" ;;
  esac
}

# 1. The example registry, offline, as the README shows it: errors, warnings and notes, and a
#    notification (the MLEM project is in a subfolder).
sarif "$out/example.sarif" check --offline --format sarif examples/registry

# 2. A registry whose links follow a branch: a repository of models on this machine (allowed by
#    its config), and links to it with `rev: main` and with no rev, each finding carrying the fix
#    that pins it. Checked at
#    --rev HEAD from the MLEM project in a subfolder, so the run has two notifications, and in a
#    category of its own.
git_quiet() { git -c user.name=ci -c user.email=ci@mlem-registry.invalid -c init.defaultBranch=main "$@" >/dev/null; }
git_quiet init "$scratch/models"
mkdir -p "$scratch/models/models"
printf 'object_type: model\n' > "$scratch/models/models/rf.mlem"
git_quiet -C "$scratch/models" add .
git_quiet -C "$scratch/models" commit -m models
git_quiet init "$scratch/registry"
mkdir -p "$scratch/registry/project"
: > "$scratch/registry/project/.mlem.yaml"
printf 'object_type: link\nlink_type: model\npath: models/rf.mlem\nproject: %s\nrev: main\n' \
  "$scratch/models" > "$scratch/registry/project/branch.mlem"
printf 'object_type: link\nlink_type: model\npath: models/rf.mlem\nproject: %s\n' \
  "$scratch/models" > "$scratch/registry/project/default.mlem"
# Links to repositories of this machine need the policy's consent.
printf 'allowed_hosts = ["file"]\n' > "$scratch/registry/project/.mlem-registry.toml"
git_quiet -C "$scratch/registry" add .
git_quiet -C "$scratch/registry" commit -m registry
MLEM_REGISTRY_SARIF_CATEGORY=mlem-registry/fixes \
  sarif "$out/fixes.sarif" check --rev HEAD --format sarif "$scratch/registry/project"

# 3. A clean registry: no results at all, which is a log of its own kind.
git_quiet init "$scratch/clean"
printf 'object_type: link\nlink_type: model\npath: rf.mlem\n' > "$scratch/clean/alias.mlem"
printf 'object_type: model\n' > "$scratch/clean/rf.mlem"
git_quiet -C "$scratch/clean" add .
git_quiet -C "$scratch/clean" commit -m clean
sarif "$out/clean.sarif" check --format sarif "$scratch/clean"

# What each log must hold, so that a validation cannot pass on a log that lacks the parts it is
# meant to cover: results, fixes, notifications, the category.
node - "$out" <<'EOF' || fail "a SARIF log lacks what it is meant to show"
const fs = require("fs");
const dir = process.argv[2];
const want = {
  "example.sarif": { results: true, fixes: false, notifications: 1, id: "mlem-registry/" },
  "fixes.sarif": { results: true, fixes: true, notifications: 2, id: "mlem-registry/fixes/" },
  "clean.sarif": { results: false, fixes: false, notifications: 0, id: "mlem-registry/" },
};
let ok = true;
for (const [file, w] of Object.entries(want)) {
  const run = JSON.parse(fs.readFileSync(`${dir}/${file}`, "utf8")).runs[0];
  const results = run.results || [];
  const fixes = results.filter((r) => (r.fixes || []).length > 0).length;
  const notifications = (run.invocations?.[0]?.toolExecutionNotifications || []).length;
  const got = { results: results.length > 0, fixes: fixes > 0, notifications, id: run.automationDetails?.id };
  for (const key of Object.keys(w)) {
    if (got[key] !== w[key]) {
      console.error(`${file}: ${key} is ${JSON.stringify(got[key])}, expected ${JSON.stringify(w[key])}`);
      ok = false;
    }
  }
  console.log(`${file}: ${results.length} results (${fixes} with fixes), ${notifications} notifications, automationDetails.id ${got.id}`);
}
process.exit(ok ? 0 : 1);
EOF

# Validates one log; the multitool exits 0 even when it reports errors, so its own SARIF output
# is read instead: every result at every level, and the run's notifications.
failed=0
for log in "$out"/example.sarif "$out"/fixes.sarif "$out"/clean.sarif; do
  verdict=${log%.sarif}.validation.sarif
  rm -f "$verdict"
  "$multitool" validate --rule-kind "Sarif;Gh" --level "Error;Warning;Note" \
      --output "$verdict" "$log" > "${log%.sarif}.validation.txt" 2>&1 \
    || { cat "${log%.sarif}.validation.txt" >&2; fail "the multitool failed on $log"; }
  [ -s "$verdict" ] || fail "the multitool wrote no result log for $log"
  node - "$verdict" "$ACCEPTED_NOTES" "$(basename "$log")" <<'EOF' || failed=1
const fs = require("fs");
const [path, accepted, name] = process.argv.slice(2);
const acceptedNotes = new Set(accepted.split(" "));
const runs = JSON.parse(fs.readFileSync(path, "utf8")).runs || [];
let bad = 0;
const notes = {};
if (runs.length === 0) { console.error(`${name}: the validator's log has no run`); bad++; }
for (const run of runs) {
  for (const invocation of run.invocations || []) {
    if (invocation.executionSuccessful !== true) { console.error(`${name}: the validation did not succeed`); bad++; }
    for (const n of [...(invocation.toolExecutionNotifications || []), ...(invocation.toolConfigurationNotifications || [])]) {
      const level = n.level || "warning";
      if (level === "error" || level === "warning") {
        console.error(`${name}: ${level} ${n.descriptor?.id || ""}: ${n.message?.text}`);
        bad++;
      }
    }
  }
  const rules = run.tool?.driver?.rules || [];
  for (const r of run.results || []) {
    const level = r.level || "warning";
    if (level === "none") continue;
    const rule = rules.find((d) => d.id === r.ruleId) || {};
    const template = rule.messageStrings?.[r.message?.id]?.text || r.message?.text || "";
    const text = template.replace(/\{(\d+)\}/g, (_, i) => r.message?.arguments?.[i] ?? "");
    if (level === "note" && acceptedNotes.has(r.ruleId)) {
      notes[r.ruleId] = (notes[r.ruleId] || 0) + 1;
      continue;
    }
    console.error(`${name}: ${level} ${r.ruleId} ${rule.name || ""}: ${text}`);
    bad++;
  }
}
const accepted_ = Object.entries(notes).map(([id, n]) => `${id} x${n}`).join(", ") || "none";
console.log(`${name}: ${bad === 0 ? "valid" : `${bad} problems`} (accepted notes: ${accepted_})`);
process.exit(bad === 0 ? 0 : 1);
EOF
done
[ "$failed" = 0 ] || fail "the SARIF Multitool $MULTITOOL_VERSION (--rule-kind \"Sarif;Gh\") found problems above; its logs are in $out"
echo "sarif: every log valid for SARIF Multitool $MULTITOOL_VERSION with GitHub's rules"
