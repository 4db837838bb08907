# What the peer timing scripts (time_*.sh) share, sourced by each: the programs they
# run, the machine's cores, and how each simulator's time is read from its output.
PY=${PY:-/tmp/brian2-nets/venv/bin/python}
KENYON=${KENYON:-target/release/kenyon}
CORES=$(nproc)
# `kenyon bench`'s output on stdin: the s per biological second of its `cpu` row, read
# by position (the label, "cpu (2 threads, 1 while cores are busy)", holds numbers too).
kenyon_seconds() { awk '/^cpu/ {print $(NF-4)}'; }
# A Brian2 peer's JSON lines of `--rerun 3` on stdin: the median of their `loop_s`.
brian2_median_loop() { sed 's/.*"loop_s": \([0-9.e-]*\).*/\1/' | sort -g | sed -n 2p; }
