#!/usr/bin/env bash
# Benchmarks of the impact engine at 10k, 100k and 1M assets (issue 3's numbers).
#
#   bench/impact.sh [--sites DIR] [--samples N] [SIZES...]     default sizes: 10000 100000 1000000
#
# For each size: generate a synthetic enterprise (`site generate --seed 1`; with --sites DIR the
# sites are kept in DIR/siteN and reused when present), then run the hidden `interlock
# bench-engine` on it. It loads the site once (not timed) and prints, per step, the samples,
# p50, p90 and max in milliseconds, the issue's budget and p50 over the budget:
#   - compile the model into the engine's graph (Graph::compile), with Graph::bytes and the RSS
#     growth while compiling (budget 5 s and 1 GiB at 1M assets);
#   - the impact of one action (impact::analyze, parse included), on a different random target
#     each sample: take-offline and isolate of an asset, isolate of a zone (budget 10 ms p50),
#     island-mode (budget 200 ms p50);
#   - single points of failure of one random critical or high process, and the restoration order
#     of 10 000 random assets (no budget in the issue; reported).
# Then the whole-site `interlock spof` command (every critical or high process; load included)
# under /usr/bin/time. At 1M assets the run fails when a p50 or the graph is over budget.
set -euo pipefail
cd "$(dirname "$0")/.."
sites_dir=""
samples=50
while [ $# -gt 0 ]; do
  case "$1" in
    --sites) sites_dir=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    *) break ;;
  esac
done
sizes=("${@:-10000 100000 1000000}")
read -r -a sizes <<< "${sizes[*]}"

cargo build --release -q -p interlock
bin=target/release/interlock
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for n in "${sizes[@]}"; do
  if [ -n "$sites_dir" ]; then site="$sites_dir/site$n"; else site="$work/site-$n"; fi
  if [ ! -f "$site/site.toml" ]; then
    "$bin" site generate --assets "$n" --seed 1 --out "$site" > /dev/null
  fi
  echo "== $n assets"
  check=()
  if [ "$n" -ge 1000000 ]; then check=(--check); fi
  "$bin" bench-engine "$site" --samples "$samples" "${check[@]}"
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" spof "$site" --max 0 --json > "$work/spof.json"
  read -r spof_s spof_kb < "$work/time"
  printf 'whole-site `interlock spof` (load included): %s s, peak %d MiB, %s bytes of JSON\n\n' \
    "$spof_s" $((spof_kb / 1024)) "$(stat -c %s "$work/spof.json")"
  if [ -z "$sites_dir" ]; then rm -rf "$site"; fi
done
