#!/usr/bin/env bash
# kenyon beside a busy process, against the Brian2 peer in the same round
# (docs/performance.md, "with another process busy on a core").
#
#   benches/busy_core.sh NEW_KENYON [OLD_KENYON] [pinned|unpinned|idle]
#
# Needs the peer's venv (benches/peers/README.md) at $PEER_PYTHON
# (default /tmp/brian2-peer/venv/bin/python). Prints ms per image.
set -euo pipefail
cd "$(dirname "$0")/.."
new=$1
old=${2:-}
mode=${3:-pinned}
python=${PEER_PYTHON:-/tmp/brian2-peer/venv/bin/python}
export MNIST_DIR=assets/mnist KENYON_MNIST_DIR=assets/mnist

peer() {
    "$python" benches/peers/brian2_mushroom_body.py --mode cpp_standalone --nstim 100 --seed 1 \
        | grep -oE "per-stim loop [0-9.]+ ms"
}
kenyon() {
    "$1" run --images 200 --no-plots --backend cpu | tail -1 | grep -oE "[0-9.]+ ms per image"
}

loop=
case $mode in
    pinned) taskset -c 1 sh -c 'while :; do :; done' & loop=$! ;;
    unpinned) sh -c 'while :; do :; done' & loop=$! ;;
    idle) ;;
    *) echo "mode: pinned, unpinned or idle" >&2; exit 2 ;;
esac
trap '[ -n "$loop" ] && kill "$loop"' EXIT
sleep 0.3
line="[$mode, load $(cut -d' ' -f1 /proc/loadavg)] peer: $(peer)"
[ -n "$old" ] && line+=" | old: $(kenyon "$old")"
line+=" | new: $(kenyon "$new") | peer: $(peer)"
echo "$line"
