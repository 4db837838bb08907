//! Brunel (2000), "Dynamics of sparsely connected networks of excitatory and inhibitory
//! spiking neurons", J Comput Neurosci 8:183-208: model A, the balanced network of
//! 10 000 excitatory and 2500 inhibitory leaky integrate-and-fire neurons with delta
//! synapses. Defined as NEST's `pynest/examples/brunel_delta_nest.py` (nest/nest-simulator)
//! defines it, with the paper's reset potential; `benches/peers/brian2_brunel.py` writes
//! the same network for Brian2:
//!
//! - dt = 0.1 ms; NE = 10 000, NI = 2500 (NEST's `order` = 2500).
//! - Neurons (`iaf_psc_delta`): `tau_m dV/dt = -V` (E_L = 0), threshold theta = 20 mV,
//!   reset V_reset = 10 mV (the paper; NEST's script: 0 mV), refractory period 2 ms
//!   during which `V` is held and input is lost; `V` = 0 mV at the start.
//! - Connectivity: each neuron draws CE = 1000 excitatory and CI = 250 inhibitory
//!   presynaptic neurons uniformly with replacement (epsilon = 0.1, NEST's
//!   `fixed_indegree`).
//! - Synapses: a spike moves `V` by J = 0.1 mV (excitatory) or -g J = -0.5 mV
//!   (inhibitory, g = 5), D = 1.5 ms (15 timesteps) later.
//! - External drive: eta = 2, nu_thr = theta / (J CE tau_m) = 10 Hz, nu_ext = eta
//!   nu_thr = 20 Hz from each of CE external neurons: every neuron receives its own
//!   Poisson train of CE nu_ext = 20 kHz, J = 0.1 mV per spike (NEST's
//!   `poisson_generator`). kenyon draws the number of external spikes per neuron and
//!   timestep from Poisson(2) in a current source (`networks::brunel::poisson_input`).
//!
//! The network itself is `kenyon::networks::brunel()`; its documentation says how each
//! part is built.
//!
//!     cargo run --release --example brunel -- [--backend cpu|gpu] [--seconds 1] [--seed 1] [--out brunel.png]
//!
//! prints each population's mean firing rate and the mean CV of its neurons' inter-spike
//! intervals, and writes a raster PNG.

#[path = "common/vogels_abbott.rs"]
mod vogels_abbott;

fn main() -> anyhow::Result<()> {
    vogels_abbott::main(kenyon::networks::brunel(), "brunel.png")
}
