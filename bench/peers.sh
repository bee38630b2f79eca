#!/usr/bin/env bash
# The impact engine's reachability and s-t min-cut against igraph, rustworkx and NetworkX
# (issue 3's numbers). What "equivalent" means is written at the top of bench/peers.py.
#
#   bench/peers.sh [SIZES...]          default: 100000 1000000
#
# Environment:
#   PEERS_COMPROMISED   footholds, space-separated (default: dc-01, the enterprise's first
#                       domain controller: a cut with thousands of units of flow, not a
#                       trivial one at the source)
#   PEERS_TIMEOUT       seconds per peer run, graph building included (default 300)
#   PEERS_MEMORY_GIB    address-space limit per peer run (default 12)
#   PEERS_WORK          where sites, exports and the venv go (default ${TMPDIR:-/tmp}/interlock-peers)
#
# For each size: generate the site (`interlock site generate --assets N --seed 1`), let
# `interlock contain SITE --compromised ... --bench-export DIR` time Interlock in-process and
# write both graphs as edge lists, then run each peer on the same graphs in its own process.
# Also times the whole containment plan (`interlock contain`) for the vendor-path scenario.
# Exits non-zero when a peer disagrees on a result or Interlock is not faster than a peer.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-100000 1000000}")
read -r -a sizes <<< "${sizes[*]}"
work=${PEERS_WORK:-${TMPDIR:-/tmp}/interlock-peers}
compromised=${PEERS_COMPROMISED:-dc-01}
timeout=${PEERS_TIMEOUT:-300}
memory=${PEERS_MEMORY_GIB:-12}
mkdir -p "$work"

cargo build --release -q -p interlock
bin=target/release/interlock

venv="$work/venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import igraph, rustworkx, networkx, numpy' 2> /dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q igraph rustworkx networkx numpy
fi
"$venv/bin/python" -c 'import igraph, rustworkx, networkx, numpy, sys; print("peers: python", sys.version.split()[0], "igraph", igraph.__version__, "rustworkx", rustworkx.__version__, "networkx", networkx.__version__)'

args=()
for c in $compromised; do args+=(--compromised "$c"); done
status=0
for n in "${sizes[@]}"; do
  site="$work/site-$n"
  if [ ! -f "$site/.complete" ]; then
    rm -rf "$site"
    "$bin" site generate --assets "$n" --seed 1 --out "$site" > /dev/null
    touch "$site/.complete"
  fi
  out="$work/export-$n"
  rm -rf "$out"
  mkdir -p "$out"
  "$bin" contain "$site" "${args[@]}" --bench-export "$out" > "$out/report.json"
  "$venv/bin/python" bench/peers.py compare "$out" --timeout "$timeout" --memory-gib "$memory" || status=1
  # The whole planner on the issue's story: the attacker on a vendor's remote-access path.
  /usr/bin/time -o "$out/time.txt" -f 'wall %e s, peak %M KiB (load, compile and plan)' "$bin" contain "$site" \
    --compromised account:bluepeak-automation-remote --compromised pathway:bluepeak-automation/remote-support \
    | grep -E '^Best plan|^Planned' | sed 's/^/  vendor path: /'
  sed 's/^/  vendor path: /' "$out/time.txt"
  rm -rf "$out"/*.u32 "$out"/*.u64
done
exit $status
