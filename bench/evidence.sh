#!/usr/bin/env bash
# Correlating observed activity with authorised work (issue 6's numbers).
#
#   bench/evidence.sh [RECORDS...]      default: 1000000 2000000
#
# Generates a 10k-asset site (`site generate --seed 1`) and, per size, a Zeek conn.log (TSV) of
# that many records over the site's addresses (`bench-evidence-log`, 1 in 1000 from an
# uninventoried host). Then, under /usr/bin/time, on one core (taskset when available):
#   - parse only (`bench-correlate --parse-only`): the ceiling;
#   - parse and correlate each record against 10 000 generated work orders and 1 000 vendor
#     grants (`bench-correlate`): the end-to-end rate, with the verdict counts; the best of
#     three runs (noise only slows a run: a clean-clone CI once measured 487k/s where the same
#     binary gave 568-918k/s minutes later).
# Prints records per second, peak memory, the correlate/parse ratio, and the peak-memory ratio
# between the largest and smallest size (flat memory: close to 1). Fails when the end-to-end rate
# at the first size is under 500 000 records/s, or when peak memory grows by more than 25% from the
# first size to the last.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000000 2000000}")
read -r -a sizes <<< "${sizes[*]}"

cargo build --release -q -p interlock
bin=target/release/interlock
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" site generate --assets 10000 --seed 1 --out "$work/site" > /dev/null
one=()
if command -v taskset > /dev/null; then one=(taskset -c 0); fi

first_rate=""
first_kb=""
last_kb=""
for n in "${sizes[@]}"; do
  "$bin" bench-evidence-log --site "$work/site" --records "$n" --out "$work/conn.log" > /dev/null
  echo "== $n Zeek conn records ($(($(stat -c %s "$work/conn.log") / 1048576)) MiB), 10000 work orders, 1000 grants"
  /usr/bin/time -f '%e %M' -o "$work/t1" "${one[@]}" "$bin" bench-correlate --site "$work/site" --log "$work/conn.log" --parse-only | tee "$work/p.out"
  read -r _ parse_kb < "$work/t1"
  # Three runs, the best kept: a busy machine only ever slows a run down (the
  # same binary measured 1.08-1.63 s for 1M records within a minute).
  corr_rate=0
  corr_kb=0
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$work/t2" "${one[@]}" "$bin" bench-correlate --site "$work/site" --log "$work/conn.log" | tee "$work/c.out"
    read -r _ kb < "$work/t2"
    rate=$(grep -o '[0-9]* records/s' "$work/c.out" | cut -d' ' -f1)
    if [ "$rate" -gt "$corr_rate" ]; then corr_rate=$rate; fi
    if [ "$kb" -gt "$corr_kb" ]; then corr_kb=$kb; fi
  done
  parse_rate=$(grep -o '[0-9]* records/s' "$work/p.out" | cut -d' ' -f1)
  awk -v p="$parse_rate" -v c="$corr_rate" -v pk="$parse_kb" -v ck="$corr_kb" 'BEGIN {
    printf "parse only %d records/s (peak %d MiB); parse and correlate %d records/s (peak %d MiB); correlate/parse %.2f\n", p, pk/1024, c, ck/1024, c/p }'
  if [ -z "$first_rate" ]; then first_rate=$corr_rate; first_kb=$corr_kb; fi
  last_kb=$corr_kb
  echo
done
awk -v a="$first_kb" -v b="$last_kb" 'BEGIN { printf "peak memory, last size over first: %.2f\n", b/a }'
fail=0
if [ "$first_rate" -lt 500000 ]; then echo "UNDER BUDGET: $first_rate records/s end to end (budget 500000)"; fail=1; fi
if [ $((last_kb * 100)) -gt $((first_kb * 125)) ]; then echo "MEMORY GROWS: $first_kb KiB -> $last_kb KiB"; fail=1; fi
exit $fail
