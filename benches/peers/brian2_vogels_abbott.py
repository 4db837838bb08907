"""The Vogels-Abbott benchmark networks of Brette et al. (2007), J Comput Neurosci
23:349-398 -- benchmark 1 (COBA, conductance-based synapses) and benchmark 2 (CUBA,
current-based) -- in Brian2's C++ standalone mode: the peer kenyon's
`examples/coba.rs`, `examples/cuba.rs` and `kenyon bench --network coba|cuba` are
compared with.

Provenance:
- CUBA is Brian2's own `examples/CUBA.py` (brian-team/brian2, commit aec54d2, 2026-08;
  also `examples/standalone/cuba_openmp.py`), unchanged but for the command line, the
  standalone device and the report.
- COBA is R. Brette's Brian (1) script of benchmark 1 (COBA.py, "Clock-driven
  implementation with Euler integration", Dec 2007, in Brian's dev/benchmarks),
  written in Brian2: absolute potentials instead of ones relative to -60 mV,
  `(unless refractory)` for Brian 1's clamped refractory period. Brian2 ships no plain
  COBA example (its COBAHH is benchmark 3).

Install (any folder outside the repository):

    python3 -m venv /tmp/brian2-nets/venv
    /tmp/brian2-nets/venv/bin/pip install brian2 "numpy<2.4" cython

Run (compiles once per network, seed and thread count into --builddir, then runs):

    /tmp/brian2-nets/venv/bin/python brian2_vogels_abbott.py --network coba --threads 1 --seed 1 --runs 3

`--seed random` compiles without a fixed seed, so that each of the --runs draws a new
network (Brian's seed from std::random_device): the seed-to-seed spread. The report
gives each population's mean rate and mean CV of inter-spike intervals (over neurons
with at least two intervals, population sd / mean, as kenyon::networks::activity) and
`loop_s`, Brian's own timing of the simulation loop (device._last_run_time), per run.
`--rerun N` runs an already compiled project N times more and reports only `loop_s`
(what `benches/peers/time_vogels_abbott.sh` alternates with kenyon's runs).
`--neurons N` scales COBA with a fixed in-degree of 80, as `kenyon bench --network coba
--neurons N`.
"""
import argparse, time

import numpy as np
from peer_activity import rerun, run_and_report
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, device, ms, mV,
                    prefs, run, seed, set_device)

ap = argparse.ArgumentParser()
ap.add_argument("--network", choices=["coba", "cuba"], required=True)
ap.add_argument("--seconds", type=float, default=1.0)
ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (1: none)")
ap.add_argument("--seed", default="1", help="an integer, or 'random'")
ap.add_argument("--runs", type=int, default=1)
ap.add_argument("--builddir", default="/tmp/brian2-nets/build")
ap.add_argument("--rerun", type=int, default=0,
                help="run the compiled project this many times, timing only")
ap.add_argument("--neurons", type=int, default=0,
                help="COBA only: scaled to this many neurons with a fixed in-degree of "
                     "80 (64 excitatory, 16 inhibitory presynaptic neurons drawn with "
                     "replacement), as kenyon::networks::coba_scaled and `kenyon bench "
                     "--network coba --neurons N`")
a = ap.parse_args()
if a.neurons and a.network != "coba":
    ap.error("--neurons scales COBA only")
if a.neurons and a.seed == "random":
    # The scaled network's synapses are drawn here, in Python, and fixed into the
    # project: every run would have the same ones.
    ap.error("--neurons draws its synapses once: give an integer --seed")

N = a.neurons or 4000
N_EXC = N * 4 // 5
N_INH = N - N_EXC
scaled = f"_n{a.neurons}" if a.neurons else ""
directory = f"{a.builddir}/{a.network}{scaled}_t{a.threads}_s{a.seed}_{a.seconds:g}s"
if a.rerun:
    rerun(directory, a, a.network)
set_device("cpp_standalone", directory=directory, build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = a.threads if a.threads > 1 else 0
defaultclock.dt = 0.1 * ms
seed(None if a.seed == "random" else int(a.seed))

taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr = -50 * mV, -60 * mV
if a.network == "cuba":  # examples/CUBA.py
    El = -49 * mV
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                    method="exact")
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * mV
    P.gi = 0 * mV
    we = (60 * 0.27 / 10) * mV  # excitatory synaptic weight (voltage)
    wi = (-20 * 4.5 / 10) * mV  # inhibitory synaptic weight
    Ce = Synapses(P, P, on_pre="ge += we")
    Ci = Synapses(P, P, on_pre="gi += wi")
    Ce.connect("i<3200", p=0.02)
    Ci.connect("i>=3200", p=0.02)
else:  # R. Brette's COBA.py; conductances in units of the leak conductance (10 nS)
    El, Ee, Ei = -60 * mV, 0 * mV, -80 * mV
    eqs = """
    dv/dt = (El-v+ge*(Ee-v)+gi*(Ei-v))*(1./taum) : volt (unless refractory)
    dge/dt = -ge*(1./taue) : 1
    dgi/dt = -gi*(1./taui) : 1
    """
    P = NeuronGroup(N, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                    method="euler")
    we = 6. / 10.  # excitatory synaptic weight (relative to the leak)
    wi = 67. / 10.  # inhibitory synaptic weight
    Ce = Synapses(P, P, on_pre="ge += we")
    Ci = Synapses(P, P, on_pre="gi += wi")
    if a.neurons:  # fixed in-degree: the Brian 2 paper's scaling (Stimberg et al. 2019)
        rng = np.random.default_rng(None if a.seed == "random" else int(a.seed))
        post = np.arange(N)
        Ce.connect(i=rng.integers(0, N_EXC, size=64 * N), j=np.repeat(post, 64))
        Ci.connect(i=rng.integers(N_EXC, N, size=16 * N), j=np.repeat(post, 16))
    else:
        Ce.connect("i<3200", p=0.02)
        Ci.connect("i>=3200", p=0.02)
    P.v = "(randn()*5-65)*mV"  # (randn*5-5) mV relative to El
    P.ge = "randn()*1.5+4"
    P.gi = "randn()*12+20"

mon = SpikeMonitor(P)
run(a.seconds * 1000 * ms)

t0 = time.perf_counter()
device.build(directory=directory, compile=True, run=False)
compile_s = time.perf_counter() - t0


run_and_report(device, directory, mon, a, compile_s, a.network, N_EXC, N_INH)
