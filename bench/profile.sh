#!/usr/bin/env bash
# CPU profile of the server while it takes the benchmark's HTTP API rows (after the warm-up), with Linux perf.
# usage: bench/profile.sh OUTDIR [CHUNK_MIB...]    then: perf report -i OUTDIR/perf.data --no-children --sort comm,dso
# PROFILE_SKIP_ROWS=N starts recording only after N measured rows (e.g. `PROFILE_SKIP_ROWS=2 bench/profile.sh OUT 4 4 4`
# profiles the third 4 MiB row: a steady state, with the background JIT's late tier-1 work in the first rows left out);
# PROFILE_HZ sets perf's sampling frequency (default 499). The server writes /tmp/perf-PID.map (DOTNET_PerfMapEnabled=1),
# which perf report reads for the JIT-compiled code's names.
set -euo pipefail
out=$(realpath -m "$1"); shift
mkdir -p "$out"
cd "$(dirname "$0")/.."
skip=${PROFILE_SKIP_ROWS:-0}
dotnet run -c Release --no-build --project bench/BlobImageStore.Bench -- --size-mib 512 --chunk-mib "${@:-4}" \
  --repetitions 1 --latency-chunks 0 --trace "$out" > "$out/bench.txt" 2>&1 &
bench=$!
pid=""
until [ -n "$pid" ]; do pid=$(grep -o "server pid [0-9]*" "$out/bench.txt" | awk '{print $3}' || true); kill -0 $bench; sleep 0.5; done
until grep -q "server warmed up" "$out/bench.txt"; do kill -0 $bench; sleep 0.5; done
until [ "$(grep -c "^  HTTP API" "$out/bench.txt" || true)" -ge "$skip" ]; do kill -0 $bench; sleep 0.2; done
perf record -F "${PROFILE_HZ:-499}" -g -p "$pid" -o "$out/perf.data" > "$out/perf.log" 2>&1 &
perf=$!
wait $bench
wait $perf || true
[ -s "/tmp/perf-$pid.map" ] && echo "perf map: /tmp/perf-$pid.map ($(wc -l < "/tmp/perf-$pid.map") symbols)" >> "$out/bench.txt"
cat "$out/bench.txt"
