"""What the Brian2 peers of the benchmark networks share: each population's mean rate
and CV of inter-spike intervals, and the timed runs of a built C++ standalone project,
one JSON line per run (the figures kenyon's `examples/` print); with --rerun, the
project already built run again, timing only."""

import json
import os
import subprocess
import sys
import time

import numpy as np
from brian2 import ms


def activity(i, t, n0, n, seconds):
    """Mean rate (Hz) and mean CV of ISIs of neurons n0..n0+n-1 (those with 2+ ISIs),
    and how many neurons the CV is over."""
    sel = (i >= n0) & (i < n0 + n)
    ids, times = i[sel] - n0, t[sel]
    rate = len(ids) / n / seconds
    order = np.lexsort((times, ids))
    ids, times = ids[order], times[order]
    cvs = []
    bounds = np.searchsorted(ids, np.arange(n + 1))
    for k in range(n):
        ts = times[bounds[k]:bounds[k + 1]]
        if len(ts) >= 3:
            isi = np.diff(ts)
            cvs.append(isi.std() / isi.mean())
    return rate, (float(np.mean(cvs)) if cvs else float("nan")), len(cvs)


def run_and_report(device, directory, mon, a, compile_s, network, n_exc, n_inh):
    """Runs the built project `a.runs` times, printing each run's times and activity."""
    for r in range(a.runs):
        t0 = time.perf_counter()
        device.run(directory=directory)
        wall = time.perf_counter() - t0
        i, t = np.asarray(mon.i[:]), np.asarray(mon.t[:] / ms)
        ex = activity(i, t, 0, n_exc, a.seconds)
        ih = activity(i, t, n_exc, n_inh, a.seconds)
        print(json.dumps(dict(network=network, threads=a.threads, seed=a.seed, run=r,
                              seconds=a.seconds, loop_s=device._last_run_time,
                              wall_s=round(wall, 4), compile_s=round(compile_s, 1),
                              exc_rate=round(ex[0], 3), exc_cv=round(ex[1], 4),
                              exc_cv_n=ex[2], inh_rate=round(ih[0], 3),
                              inh_cv=round(ih[1], 4), inh_cv_n=ih[2])),
              flush=True)


def rerun(directory, a, network):
    """Runs the project built in `directory` `a.rerun` times, printing each run's loop
    time, and exits."""
    if not os.path.exists(f"{directory}/main"):
        sys.exit(f"{directory}/main is not built: run once without --rerun")
    for r in range(a.rerun):
        subprocess.run(["./main"], cwd=directory, check=True, stdout=subprocess.DEVNULL)
        with open(f"{directory}/results/last_run_info.txt") as f:
            loop_s = float(f.read().split()[0])
        print(json.dumps(dict(network=network, threads=a.threads, seed=a.seed, run=r,
                              seconds=a.seconds, loop_s=loop_s)), flush=True)
    sys.exit(0)
