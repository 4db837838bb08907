//! kenyon against independent truth: closed-form solutions and hand-computed traces of
//! the models, the STDP rule's formula, the statistics of the connectivity, GeNN's
//! published figures, the Brian2 peer given the same synapses, and the rates Brian2 gives
//! the benchmark networks. Each runs on the CPU
//! and, where there is an adapter (always in CI), on the GPU.

#[path = "../common/mod.rs"]
mod common;

mod brian2_peer;
mod brunel_rates;
mod connectivity_statistics;
mod if_delta_curr_traces;
mod lif_closed_form;
mod published_figures;
mod random_connectivity;
mod stdp_formula;
mod vogels_abbott_rates;
