#!/bin/sh
# Times COBA and CUBA per biological second: kenyon's CPU backend and Brian2's C++
# standalone mode (one thread and every core), alternating in each round so that both
# see the same machine. Prints one line per measurement: round, network, simulator,
# seconds per biological second (kenyon: the median of 3 runs; Brian2: the median of 3
# runs of its loop timer). Compile Brian2's projects once first:
#   for n in coba cuba; do for t in 1 $(nproc); do
#     $PY brian2_vogels_abbott.py --network $n --threads $t --seed 1; done; done
# Usage: time_vogels_abbott.sh ROUNDS   (PY: Brian2's python, KENYON: the kenyon binary)
set -eu
ROUNDS=${1:-5}
HERE=$(dirname "$0")
. "$HERE/timing.sh"
for round in $(seq 1 "$ROUNDS"); do
  for net in coba cuba; do
    k=$("$KENYON" bench --network "$net" --backend cpu --repeat 3 | kenyon_seconds)
    echo "$round $net kenyon-cpu $k"
    for t in 1 "$CORES"; do
      b=$("$PY" "$HERE/brian2_vogels_abbott.py" --network "$net" --threads "$t" --seed 1 \
          --rerun 3 | brian2_median_loop)
      echo "$round $net brian2-${t}thread $b"
    done
  done
done
