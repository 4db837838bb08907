#!/bin/sh
# Times COBA per biological second three ways, alternating in each round: the
# hand-written C loop of coba_floor.c (a floor: the network with nothing around it),
# kenyon's CPU backend, and Brian2's C++ standalone mode on one thread. Prints one line
# per measurement: round, program, seconds per biological second (kenyon: the median of
# 3 runs; Brian2: the median of 3 runs of its loop timer; the floor: one run).
# Compile Brian2's project once first (see time_vogels_abbott.sh).
# Usage: time_coba_floor.sh ROUNDS   (CC: the C compiler; FLOOR: where its binary goes)
set -eu
ROUNDS=${1:-3}
case $ROUNDS in ''|*[!0-9]*) echo "usage: time_coba_floor.sh ROUNDS (a whole number)" >&2; exit 2 ;; esac
HERE=$(dirname "$0")
. "$HERE/timing.sh"
FLOOR=${FLOOR:-/tmp/coba_floor}
${CC:-cc} -O3 -march=native -fno-trapping-math "$HERE/coba_floor.c" -o "$FLOOR" -lm
for round in $(seq 1 "$ROUNDS"); do
  f=$("$FLOOR" | awk '{print $2}')
  k=$("$KENYON" bench --network coba --backend cpu --repeat 3 | kenyon_seconds)
  b=$("$PY" "$HERE/brian2_vogels_abbott.py" --network coba --threads 1 --seed 1 \
      --rerun 3 | brian2_median_loop)
  # A failed run inside $(...) leaves its number empty: stop rather than print it.
  for value in "$f" "$k" "$b"; do
    [ -n "$value" ] || { echo "round $round: a run printed no time" >&2; exit 1; }
  done
  echo "$round floor-c $f"
  echo "$round kenyon-cpu $k"
  echo "$round brian2-1thread $b"
done
