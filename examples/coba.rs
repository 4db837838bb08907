//! Benchmark 1 of Brette et al. (2007), "Simulation of networks of spiking neurons: a
//! review of tools and strategies", J Comput Neurosci 23:349-398: COBA, the
//! Vogels-Abbott network (Vogels & Abbott 2005, J Neurosci 25:10786) with conductance-
//! based synapses. Defined as in R. Brette's Brian script of the benchmark (COBA.py,
//! 2007, "Clock-driven implementation with Euler integration"), which
//! `benches/peers/brian2_coba.py` writes for Brian2:
//!
//! - 4000 leaky integrate-and-fire neurons, 3200 excitatory and 800 inhibitory; dt = 0.1 ms.
//! - Membrane: C = 200 pF, leak gL = 10 nS (taum = 20 ms), El = -60 mV;
//!   threshold Vt = -50 mV, reset Vr = -60 mV, refractory period 5 ms.
//!   `C dV/dt = gL (El - V) + ge (Ee - V) + gi (Ei - V)`.
//! - Synapses: every ordered pair of neurons connected with probability 0.02 (autapses
//!   allowed, as the script's `connect_random`); a spike adds 6 nS (0.6 gL) to the
//!   target's excitatory conductance `ge` (reversal Ee = 0 mV, decay taue = 5 ms) or
//!   67 nS (6.7 gL) to its inhibitory `gi` (Ei = -80 mV, taui = 10 ms), in the next
//!   timestep; no delays, no external input.
//! - Initial state, per neuron: V ~ N(-65 mV, 5 mV) (the script's
//!   `(randn() * 5 - 5) mV` relative to El), ge ~ N(4, 1.5) gL, gi ~ N(20, 12) gL.
//!
//! kenyon integrates the membrane with GeNN's LIF (the leak exactly over a timestep with
//! the synaptic current held) where Brian's script uses forward Euler: the two differ by
//! O(dt / taum) per step, well within the network's seed-to-seed spread (see
//! docs/validation.md). The draws come from the seed's streams (PCG for synapses, Philox
//! for initial values), so a seed gives the same network and spikes on every backend.
//! The network itself is `kenyon::networks::coba()`.
//!
//!     cargo run --release --example coba -- [--backend cpu|gpu] [--seconds 1] [--seed 1] [--out coba.png]
//!
//! prints each population's mean firing rate and the mean CV of its neurons' inter-spike
//! intervals, and writes a raster PNG.

#[path = "common/vogels_abbott.rs"]
mod vogels_abbott;

fn main() -> anyhow::Result<()> {
    vogels_abbott::main(kenyon::networks::coba(), "coba.png")
}
