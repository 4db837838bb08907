//! The backends against each other: the GPU gives the CPU's spikes exactly, an image's
//! spikes don't depend on its batch, position or the threads, blocks of timesteps change
//! nothing, a reset forgets everything, networks over the adapter's limits are refused
//! clearly, weights of very different magnitudes in one group all keep their value, and
//! the benchmark networks spike alike everywhere.

#[path = "../common/mod.rs"]
mod common;

mod batch_invariance;
#[cfg(feature = "gpu")]
mod blocks_of_timesteps;
mod brunel_network;
mod careless_use;
mod code_strings;
mod delayed_learning;
mod delays;
#[cfg(feature = "gpu")]
mod every_neuron_model;
#[cfg(feature = "gpu")]
mod gpu_limits;
#[cfg(feature = "gpu")]
mod gpu_matches_cpu;
mod handles;
mod izhikevich_example;
#[cfg(feature = "gpu")]
mod long_rows;
mod model_library;
mod reset;
mod state_recording;
mod vogels_abbott_networks;
mod weight_update_code;
mod weight_update_code_gpu;
mod weights_spanning_orders_of_magnitude;
mod writing_weights;
