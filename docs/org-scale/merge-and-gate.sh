#!/usr/bin/env sh
# After every shard (or every repository's CI) has written its JSON report into OUTDIR:
# merge-and-gate.sh OUTDIR SERVICE writes OUTDIR/merged.json and gates the rotation of
# SERVICE over the reports: exit 0 passes, 1 fails (a consumer would be left behind),
# 2 on an error (a report of another ring is refused).
set -eu
out=$1; service=$2
"${STALEKEY:-stalekey}" merge "$out"/shard-*.json --output "$out/merged.json"
exec "${STALEKEY:-stalekey}" gate --rotate "$service" --reports "$out"/shard-*.json
