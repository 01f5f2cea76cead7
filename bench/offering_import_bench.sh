#!/usr/bin/env bash
# Offering import throughput: `fleetctl offerings import` of a generated 100,000-row mixed-type CSV
# (parse, validate, encode, publish with acks=all + idempotence, wait for every ack) against
# `kcat -P` publishing the same number of pre-encoded records (same keys and values) to the same dev
# broker. Prints rows/s for both and `RATIO offering_import_vs_kcat=<fleetctl rate / kcat rate>`
# (target >= 0.8). Each side runs RUNS times (default 5); the best run of each counts (shared machine).
# Also times the import's publish phase alone (`offering_import_bench_tool publish`): the same
# pre-encoded records through fleetctl's publisher with fleetctl's settings, already connected, no
# CSV read or checked; the rest of an import's time is starting, reading and checking the file
# (nothing may be published before the last row is checked).
#   usage: bench/offering_import_bench.sh [BUILD_DIR]   (env ROWS=100000 RUNS=5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
bin="$build/bin"
rows=${ROWS:-100000}
runs=${RUNS:-5}
for b in fleetctl fleetledger-broker offering_import_bench_tool; do
  [ -x "$bin/$b" ] || { echo "missing $bin/$b (cmake --build $build --target $b)" >&2; exit 1; }
done
command -v kcat >/dev/null || { echo "kcat not found" >&2; exit 1; }

work=$(mktemp -d)
broker_pid=""
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

coproc BROKER { exec "$bin/fleetledger-broker" --port 0 2>"$work/broker.log"; }
broker_pid=$BROKER_PID
read -r -t 30 line <&"${BROKER[0]}" || { echo "broker did not start" >&2; exit 1; }
brokers=$(printf '%s' "$line" | sed -n 's/.*"bootstrap":"\([^"]*\)".*/\1/p')
echo "broker $brokers" >&2

"$bin/offering_import_bench_tool" generate "$rows" "$work/offerings.csv"
encoded=$("$bin/offering_import_bench_tool" encode "$work/offerings.csv" "$work/records.bin")
[ "$encoded" = "$rows" ] || { echo "encoded $encoded records, expected $rows" >&2; exit 1; }
echo "csv $(du -h "$work/offerings.csv" | cut -f1), pre-encoded $(du -h "$work/records.bin" | cut -f1)" >&2

now() { date +%s.%N; }
best_fleetctl=""
best_kcat=""
best_publish=""
for run in $(seq 1 "$runs"); do
  t0=$(now)
  "$bin/fleetctl" --brokers "$brokers" offerings import "$work/offerings.csv" >"$work/summary.json"
  t1=$(now)
  published=$(sed -n 's/.*"published":\([0-9]*\).*/\1/p' "$work/summary.json")
  [ "$published" = "$rows" ] || { echo "fleetctl published $published of $rows" >&2; exit 1; }
  t_f=$(echo "$t1 - $t0" | bc -l)

  t0=$(now)
  kcat -P -b "$brokers" -t fleet.offering.v1 -K '|K|' -D '@@FLREC@@#' -z none \
       -X acks=all -X linger.ms=5 -X enable.idempotence=true \
       -H fl-type=OfferingPublished -H fl-schema=fleetledger.v1 <"$work/records.bin" 2>"$work/kcat.err"
  t1=$(now)
  t_k=$(echo "$t1 - $t0" | bc -l)
  read -r n_p t_p < <("$bin/offering_import_bench_tool" publish "$brokers" "$work/records.bin")
  [ "$n_p" = "$rows" ] || { echo "publish phase published $n_p of $rows" >&2; exit 1; }
  printf 'run %d: fleetctl %.3f s (%.0f rows/s), kcat %.3f s (%.0f rows/s), publish phase alone %.3f s\n' \
         "$run" "$t_f" "$(echo "$rows / $t_f" | bc -l)" "$t_k" "$(echo "$rows / $t_k" | bc -l)" "$t_p" >&2
  if [ -z "$best_fleetctl" ] || (( $(echo "$t_f < $best_fleetctl" | bc -l) )); then best_fleetctl=$t_f; fi
  if [ -z "$best_kcat" ] || (( $(echo "$t_k < $best_kcat" | bc -l) )); then best_kcat=$t_k; fi
  if [ -z "$best_publish" ] || (( $(echo "$t_p < $best_publish" | bc -l) )); then best_publish=$t_p; fi
done

printf 'offering_import rows=%d fleetctl_seconds=%.3f fleetctl_rows_per_s=%.0f kcat_seconds=%.3f kcat_rows_per_s=%.0f\n' \
  "$rows" "$best_fleetctl" "$(echo "$rows / $best_fleetctl" | bc -l)" "$best_kcat" "$(echo "$rows / $best_kcat" | bc -l)"
printf 'publish_phase_seconds=%.3f (fleetctl'"'"'s publisher alone, records already encoded)\n' "$best_publish"
printf 'RATIO offering_import_vs_kcat=%.2f\n' "$(echo "$best_kcat / $best_fleetctl" | bc -l)"
