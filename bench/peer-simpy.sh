#!/usr/bin/env bash
# Side by side on one machine, in one run: SimPy 2.3.1 (Debian's python3-simpy) and fleetsim on the
# same M/M/c model (c = 8, lambda = 6.4, mu = 1, 1,000,000 customers). Compare customers per second.
#   apt-get install -y python3-simpy && bash bench/peer-simpy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
echo "== SimPy (../shared/peers/simpy_mmc.py)"
/usr/bin/python3 ../shared/peers/simpy_mmc.py --engine simpy2 --c 8 --lam 6.4 --mu 1 --n "$n" --seed 42 | sed -n '1,3p'
echo "== fleetsim"
node --import tsx bench/mmc.ts "$n"
