#!/usr/bin/env bash
# CPU profile of the server while it takes the benchmark's HTTP API rows (after the warm-up), with Linux perf.
# usage: bench/profile.sh OUTDIR [CHUNK_MIB...]    then: perf report -i OUTDIR/perf.data --no-children --sort dso
set -euo pipefail
out=$(realpath -m "$1"); shift
mkdir -p "$out"
cd "$(dirname "$0")/.."
dotnet run -c Release --no-build --project bench/BlobImageStore.Bench -- --size-mib 512 --chunk-mib "${@:-4}" \
  --repetitions 1 --latency-chunks 0 --trace "$out" > "$out/bench.txt" 2>&1 &
bench=$!
pid=""
until [ -n "$pid" ]; do pid=$(grep -o "server pid [0-9]*" "$out/bench.txt" | awk '{print $3}' || true); kill -0 $bench; sleep 0.5; done
until grep -q "server warmed up" "$out/bench.txt"; do kill -0 $bench; sleep 0.5; done
perf record -F 499 -g -p "$pid" -o "$out/perf.data" > "$out/perf.log" 2>&1 &
perf=$!
wait $bench
wait $perf || true
cat "$out/bench.txt"
