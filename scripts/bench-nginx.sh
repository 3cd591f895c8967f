#!/usr/bin/env bash
# Throughput of the nginx extractor: scans N copies of fixtures/edge (each a full
# nginx.conf + conf.d/ + snippets/ tree), once as nginx and once with the same files
# renamed to .txt (generic extractors only), and prints files, MB and MB/s for both.
# Usage: scripts/bench-nginx.sh [COPIES] [THREADS]     (data in bench-data/, gitignored)
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-2000}
threads=${2:-2}
cargo build --release --quiet
bin=target/release/stalekey
data=bench-data/nginx-$copies
if [ ! -d "$data/nginx" ]; then
    rm -rf "$data"
    mkdir -p "$data/nginx" "$data/text"
    for i in $(seq -w 1 "$copies"); do
        cp -r fixtures/edge "$data/nginx/site-$i"
    done
    cp -r "$data/nginx/." "$data/text/"
    find "$data/text" -type f -exec sh -c 'for f; do mv "$f" "$f.txt"; done' _ {} +
fi
run() {
    local dir=$1 best=""
    for _ in 1 2 3; do
        local start end ms
        start=$(date +%s%N)
        "$bin" scan "$dir" --ring tests/data/edge-ring.json --format json -j "$threads" \
            --output /tmp/bench-nginx.json 2>/dev/null || true
        end=$(date +%s%N)
        ms=$(( (end - start) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    python3 - "$best" "$dir" <<'PY'
import json, sys
ms = int(sys.argv[1]); r = json.load(open("/tmp/bench-nginx.json"))
s = r["stats"]; mb = s["bytes"] / 1e6
print(f"{sys.argv[2]:<28} {s['files']:>7} files {mb:8.2f} MB {len(r['findings']):>7} findings "
      f"{ms:>6} ms (best of 3)  {mb / (ms / 1000):7.2f} MB/s  {s['files'] / (ms / 1000):9.0f} files/s")
PY
}
echo "stalekey scan, $copies copies of fixtures/edge, -j $threads"
run "$data/nginx"
run "$data/text"
