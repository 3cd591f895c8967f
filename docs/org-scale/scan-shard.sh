#!/usr/bin/env sh
# One shard of a sharded scan: scan-shard.sh K N OUTDIR [PATH] writes OUTDIR/shard-K.json.
# Used by github-actions-shards.yml and k8s-indexed-job.yaml, and run by the test suite
# (tests/it/orgscale.rs), so the examples cannot drift from the commands.
# STALEKEY names the binary (default: stalekey); STALEKEY_RING names the ring.
set -eu
k=$1; n=$2; out=$3; path=${4:-.}
mkdir -p "$out"
# Exit 1 means findings: the gate decides later, so a shard job does not fail on them.
"${STALEKEY:-stalekey}" scan --shard "$k/$n" --quiet --format json --output "$out/shard-$k.json" "$path" || [ $? -eq 1 ]
