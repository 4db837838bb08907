#!/bin/sh
# Brunel (2000) model A: kenyon's CPU backend against Brian2's C++ standalone mode, each
# on one thread and on every core, alternating in each round so that both see the same
# machine. Prints one line per measurement: round, simulator, seconds per biological
# second (kenyon: the median of 3 runs of `kenyon bench`; Brian2: the median of 3 runs
# of its loop timer). Compile Brian2's projects once first:
#   for t in 1 $(nproc); do $PY brian2_brunel.py --threads $t --seed 1; done
# Usage: time_brunel.sh ROUNDS   (PY: Brian2's python, KENYON: the kenyon binary)
set -eu
ROUNDS=${1:-3}
HERE=$(dirname "$0")
. "$HERE/timing.sh"
for round in $(seq 1 "$ROUNDS"); do
  for t in 1 "$CORES"; do
    k=$("$KENYON" bench --network brunel --backend cpu --threads "$t" --repeat 3 | kenyon_seconds)
    echo "$round $(date -u +%H:%M) kenyon-cpu-${t}thread $k"
    b=$("$PY" "$HERE/brian2_brunel.py" --threads "$t" --seed 1 --rerun 3 | brian2_median_loop)
    echo "$round $(date -u +%H:%M) brian2-${t}thread $b"
  done
done
