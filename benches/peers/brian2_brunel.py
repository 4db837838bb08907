"""Brunel (2000), J Comput Neurosci 8:183-208, model A -- the balanced network of 10 000
excitatory and 2500 inhibitory LIF neurons with delta synapses -- in Brian2's C++
standalone mode: the peer kenyon's `examples/brunel.rs` and `kenyon bench --network
brunel` are compared with, built the same way (`kenyon::networks::brunel`).

Provenance: NEST's `pynest/examples/brunel_delta_nest.py` (nest/nest-simulator), with
the paper's reset potential V_reset = 10 mV (the NEST script resets to 0 mV). Brian2
ships no Brunel (2000) example. The construction, step by step as NEST's
`iaf_psc_delta` and kenyon's code-string neuron do it:
- each timestep outside the refractory period, v = exp(-dt/tau_m) v + the jumps
  arriving in it; v >= theta spikes and resets; the next 20 timesteps (2 ms) hold v and
  drop their input. Brian2 counts the timestep of the spike in its refractory period,
  so NEST's 2 ms is Brian2's `refractory=2.1*ms`; the input is gated by `not_refractory`.
- recurrent synapses: fixed in-degree with replacement (CE = 1000, CI = 250), J = 0.1 mV
  and -g J = -0.5 mV, reaching the target 15 timesteps after the spike (NEST's 1.5 ms):
  Brian2's pathway runs before the thresholds with delay 1.4 ms (it pushes a spike one
  timestep after it, as kenyon's delay counts beyond the one timestep every synapse takes).
- external drive: per neuron and timestep, poisson(CE nu_ext dt) = poisson(2) spikes of
  J each (NEST's poisson_generator of rate CE nu_ext = 20 kHz), before the thresholds.

Install as `brian2_vogels_abbott.py` says. Run (compiles once per seed and thread count
into --builddir, then runs):

    /tmp/brian2-nets/venv/bin/python brian2_brunel.py --threads 1 --seed 1 --runs 3

`--seed random` compiles without a fixed seed, so that each of the --runs draws a new
network and drive: the seed-to-seed spread. The report is `brian2_vogels_abbott.py`'s:
each population's mean rate and mean CV of ISIs, and `loop_s`, Brian's own timing of the
simulation loop, per run; `--rerun N` runs a compiled project N times more, timing only.
"""
import argparse, time

import numpy as np
from peer_activity import rerun, run_and_report
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, device, ms, mV,
                    prefs, run, seed, set_device)

ap = argparse.ArgumentParser()
ap.add_argument("--seconds", type=float, default=1.0)
ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (1: none)")
ap.add_argument("--seed", default="1", help="an integer, or 'random'")
ap.add_argument("--runs", type=int, default=1)
ap.add_argument("--builddir", default="/tmp/brian2-nets/build")
ap.add_argument("--rerun", type=int, default=0,
                help="run the compiled project this many times, timing only")
a = ap.parse_args()

directory = f"{a.builddir}/brunel_t{a.threads}_s{a.seed}_{a.seconds:g}s"
if a.rerun:
    rerun(directory, a, "brunel")
set_device("cpp_standalone", directory=directory, build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = a.threads if a.threads > 1 else 0
defaultclock.dt = 0.1 * ms
seed(None if a.seed == "random" else int(a.seed))

order = 2500
NE, NI = 4 * order, order
epsilon = 0.1
CE, CI = int(epsilon * NE), int(epsilon * NI)
tau_m, theta, V_reset = 20 * ms, 20 * mV, 10 * mV
J, g, eta = 0.1 * mV, 5.0, 2.0
nu_th = theta / (J * CE * tau_m)
nu_ex = eta * nu_th
lam = float(CE * nu_ex * defaultclock.dt)  # external spikes per neuron and timestep: 2

P = NeuronGroup(NE + NI, "dv/dt = -v/tau_m : volt (unless refractory)",
                threshold="v >= theta", reset="v = V_reset", refractory=2.1 * ms,
                method="exact")
P.v = 0 * mV
external = P.run_regularly("v += J * poisson(lam) * int(not_refractory)",
                           when="before_thresholds")
Ce = Synapses(P, P, on_pre="v_post += J * int(not_refractory_post)", delay=1.4 * ms)
Ci = Synapses(P, P, on_pre="v_post += -g * J * int(not_refractory_post)", delay=1.4 * ms)
# CE (CI) presynaptic neurons per target, drawn uniformly with replacement.
rng = np.random.default_rng(None if a.seed == "random" else int(a.seed))
post = np.repeat(np.arange(NE + NI), CE)
Ce.connect(i=rng.integers(0, NE, size=post.size), j=post)
post = np.repeat(np.arange(NE + NI), CI)
Ci.connect(i=NE + rng.integers(0, NI, size=post.size), j=post)
for S in (Ce, Ci):
    S.pre.when = "before_thresholds"

mon = SpikeMonitor(P)
run(a.seconds * 1000 * ms)

t0 = time.perf_counter()
device.build(directory=directory, compile=True, run=False)
compile_s = time.perf_counter() - t0


run_and_report(device, directory, mon, a, compile_s, "brunel", NE, NI)
