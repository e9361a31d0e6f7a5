#!/usr/bin/env bash
# Side by side on one machine, in one run: SimPy 2.3.1 (Debian's python3-simpy) and fleetsim on the
# same M/M/c model (c = 8, lambda = 6.4, mu = 1; 2,000,000 customers by default), each timed as a
# whole process (start-up included; fleetsim through its CLI, report files written). Compare
# customers per second. `npm run bench` does the same and records the ratio in bench/results.json.
#   apt-get install -y python3-simpy && npm run build && bash bench/peer-simpy.sh [customers]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
now() { date +%s.%N; }

echo "== SimPy (../shared/peers/simpy_mmc.py), whole process"
t0=$(now)
/usr/bin/python3 ../shared/peers/simpy_mmc.py --engine simpy2 --c 8 --lam 6.4 --mu 1 --n "$n" --seed 42 | sed -n '1,3p'
simpy_s=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }')

echo "== fleetsim (node dist/cli/main.js run scenarios/mmc.yaml), whole process"
t0=$(now)
node dist/cli/main.js run scenarios/mmc.yaml --set "duration=$(awk -v n="$n" 'BEGIN { print n / 6.4 }')s" --set warmup=0 --set seed=42 --out "$out"
fleetsim_s=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }')

customers=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).requests.arrived)' "$out/report.json")
awk -v n="$n" -v c="$customers" -v s="$simpy_s" -v f="$fleetsim_s" 'BEGIN {
  printf "whole process: SimPy %.2f s (%.0f customers/s), fleetsim %.2f s (%.0f customers/s): fleetsim %.1fx\n", s, n / s, f, c / f, (c / f) / (n / s) }'
