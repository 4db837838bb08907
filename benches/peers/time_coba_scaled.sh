#!/bin/sh
# Times COBA scaled with a fixed in-degree of 80 (`kenyon bench --network coba --neurons
# N`, Brian2's `brian2_vogels_abbott.py --network coba --neurons N`) per biological
# second: kenyon's CPU backend and Brian2's C++ standalone mode, each on one thread and
# on every core, alternating in each round so that both see the same machine. Prints one
# line per measurement: round, neurons, simulator, seconds per biological second
# (kenyon: the median of 3 runs, then its threads as the bench reports them, "2 threads,
# 1 while cores are busy" where it fell back to one; Brian2: the median of 3 runs of its
# loop timer). Each
# size runs SECONDS of model time (0.5 s up to 32 000 neurons, 0.1 s above). Compile
# Brian2's projects once first, for each size N and thread count T:
#   $PY brian2_vogels_abbott.py --network coba --neurons N --seconds S --threads T --seed 1
# Usage: time_coba_scaled.sh ROUNDS N...   (PY: Brian2's python, KENYON: the kenyon binary)
set -eu
if [ $# -lt 2 ]; then
  echo "usage: $0 ROUNDS N..." >&2
  exit 2
fi
ROUNDS=$1
shift
HERE=$(dirname "$0")
. "$HERE/timing.sh"
for round in $(seq 1 "$ROUNDS"); do
  for n in "$@"; do
    seconds=0.5
    [ "$n" -gt 32000 ] && seconds=0.1
    for t in 1 "$CORES"; do
      line=$("$KENYON" bench --network coba --neurons "$n" --seconds "$seconds" \
          --threads "$t" --backend cpu --repeat 3 | grep '^cpu' || true)
      k=$(echo "$line" | kenyon_seconds)
      threads=$(echo "$line" | sed -n 's/^cpu (\([^)]*\)).*/\1/p')
      [ -n "$k" ] || { echo "kenyon bench failed at $n neurons" >&2; exit 1; }
      echo "$round $n kenyon-cpu-${t}thread $k ($threads)"
      b=$("$PY" "$HERE/brian2_vogels_abbott.py" --network coba --neurons "$n" \
          --seconds "$seconds" --threads "$t" --seed 1 --rerun 3 | brian2_median_loop)
      [ -n "$b" ] || { echo "Brian2's project for $n neurons did not run" >&2; exit 1; }
      b=$(echo "$b $seconds" | awk '{printf "%.4f", $1 / $2}')
      echo "$round $n brian2-${t}thread $b"
    done
  done
done
