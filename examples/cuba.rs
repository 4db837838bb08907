//! Benchmark 2 of Brette et al. (2007), "Simulation of networks of spiking neurons: a
//! review of tools and strategies", J Comput Neurosci 23:349-398: CUBA, the
//! Vogels-Abbott network (Vogels & Abbott 2005, J Neurosci 25:10786) with current-based
//! synapses. Defined as in Brian2's `examples/CUBA.py` (brian-team/brian2, the script of
//! the benchmark), which `benches/peers/brian2_cuba.py` runs:
//!
//! - 4000 leaky integrate-and-fire neurons, 3200 excitatory and 800 inhibitory; dt = 0.1 ms.
//! - Membrane: `dv/dt = (ge + gi - (v - El)) / taum`, taum = 20 ms, El = -49 mV;
//!   threshold Vt = -50 mV, reset Vr = -60 mV, refractory period 5 ms.
//! - Synapses: every ordered pair of neurons connected with probability 0.02 (autapses
//!   allowed, as `connect(p=0.02)`); a spike adds we = 60 * 0.27 / 10 = 1.62 mV to the
//!   target's `ge` (decay taue = 5 ms) or wi = -20 * 4.5 / 10 = -9 mV to its `gi`
//!   (taui = 10 ms), in the next timestep; no delays, no external input.
//! - Initial state, per neuron: v uniform in [Vr, Vt), ge = gi = 0.
//!
//! kenyon writes it with GeNN's LIF and ExpCurr: C = 1 nF, so the membrane resistance
//! is taum / C = 20 MΩ and the weights are currents of 1.62 / 20 = 0.081 nA and
//! -9 / 20 = -0.45 nA. Brian integrates the linear equations exactly; GeNN's LIF holds
//! each timestep's current (ExpCurr's mean over the step) and integrates the leak
//! exactly: they differ by O((dt / taue)^2) per step. The draws come from the seed's
//! streams (PCG for synapses, Philox for initial values), so a seed gives the same
//! network and spikes on every backend. The network itself is
//! `kenyon::networks::cuba()`.
//!
//!     cargo run --release --example cuba -- [--backend cpu|gpu] [--seconds 1] [--seed 1] [--out cuba.png]
//!
//! prints each population's mean firing rate and the mean CV of its neurons' inter-spike
//! intervals, and writes a raster PNG.

#[path = "common/vogels_abbott.rs"]
mod vogels_abbott;

fn main() -> anyhow::Result<()> {
    vogels_abbott::main(kenyon::networks::cuba(), "cuba.png")
}
