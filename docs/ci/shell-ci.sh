#!/usr/bin/env bash
# faultline in any CI that can run a shell script (Jenkins, GitLab, Buildkite, cron...).
#
#   docs/ci/shell-ci.sh [suite-file]
#
# Environment:
#   FAULTLINE        how to run faultline            (default: npx faultline)
#   SHARD=i/n        run only shard i of n, as one job of a parallel CI stage
#   SHARDS=n         run all n shards here, in parallel, then merge them (one machine, many cores)
#   OUT=dir          where results go                (default: results/ci-<UTC time>)
#   PARALLEL=n       entries run at once within a shard (default 1)
#
# Results: $OUT/summary.json, $OUT/junit.xml, $OUT/index.html (with SHARDS: $OUT/merged/...).
# Archive $OUT as the job's artifact and point the CI's JUnit reader at the junit.xml.
# Exit code: 0 when every entry met its expectation, 1 when one did not (or did not run), 254 for a
# bad suite file, so the build fails exactly when it should.
set -uo pipefail

SUITE="${1:-suites/smoke.json}"
FAULTLINE="${FAULTLINE:-npx faultline}"
OUT="${OUT:-results/ci-$(date -u +%Y%m%dT%H%M%S)}"
PARALLEL="${PARALLEL:-1}"

if [[ -n "${SHARDS:-}" ]]; then
  # All shards on this machine, each in its own process; a failed shard does not stop the others.
  mkdir -p "$OUT/logs"
  pids=()
  for ((i = 1; i <= SHARDS; i++)); do
    $FAULTLINE suite "$SUITE" --shard "$i/$SHARDS" --parallel "$PARALLEL" --out "$OUT/shard-$i" \
      >"$OUT/logs/shard-$i.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  shards=()
  for ((i = 1; i <= SHARDS; i++)); do
    if [[ -f "$OUT/shard-$i/summary.json" ]]; then shards+=("$OUT/shard-$i"); else echo "shard $i wrote no results: see $OUT/logs/shard-$i.log" >&2; fi
  done
  if [[ ${#shards[@]} -eq 0 ]]; then exit 1; fi
  # A shard that wrote nothing shows up in the merge as a missing shard, which fails the merge.
  $FAULTLINE suite merge "${shards[@]}" --out "$OUT/merged"
  status=$?
  echo "results: $OUT/merged/index.html  junit: $OUT/merged/junit.xml"
  exit "$status"
fi

args=(suite "$SUITE" --parallel "$PARALLEL" --out "$OUT")
if [[ -n "${SHARD:-}" ]]; then args+=(--shard "$SHARD"); fi
$FAULTLINE "${args[@]}"
status=$?
echo "results: $OUT/index.html  junit: $OUT/junit.xml"
exit "$status"
