//! What the user describes: neuron populations, current sources and synapse groups, as
//! plain data with no backend types. [`Network::build`] validates a description, draws
//! its connectivity and computes derived constants; the backends load the
//! [`BuiltNetwork`].
//!
//! Each model lives in one place: `neuron/` holds the neuron models (one Rust file and one
//! WGSL file each), `exp_curr.rs` the postsynaptic models, `current_source.rs` the current
//! sources, `weight_update.rs` and `stdp.rs` the weight update models. `random.rs` is the
//! counter-based generator (Philox4x32-10) that random numbers of models are to come
//! from, with its WGSL twin in `shaders/shared/philox.wgsl`.

mod build;
pub mod code;
pub mod connectivity;
mod current_source;
mod delay;
mod error;
mod exp_curr;
mod fixed_point;
mod handle;
pub mod library;
mod network;
pub mod neuron;
pub mod random;
mod state_recording;
mod stdp;
mod validate;
mod weight_update;

pub use build::{
    BuiltCurrentSource, BuiltNetwork, BuiltPopulation, BuiltSynapseGroup, PopulationModel,
};
pub use connectivity::{Columns, Connectivity, SparseConnectivity};
pub use current_source::CurrentSourceModel;
pub use delay::{BuiltDelays, MAX_DELAY_STEPS, PerSynapseDelays, SynapticDelay};
pub use error::ModelError;
pub use exp_curr::{PostsynapticConstants, PostsynapticModel};
pub use fixed_point::{AccumulatorWidth, FixedPointWeight, fixed_to_f32, wide_fixed_to_f32};
pub use handle::{CurrentSourceId, NetworkId, PopulationId, SynapseGroupId};
pub use network::{CurrentSource, Network, NeuronPopulation, SynapseGroup};
pub use neuron::{
    IfConstants, IfParams, LifConstants, LifParams, NeuronConstants, NeuronInit, NeuronModel,
    NeuronParams, NeuronUpdate,
};
pub use state_recording::{BuiltStateRecording, RecordedVar, StateRecordingSpec, UNRECORDED};
pub use stdp::{NEVER_SPIKED, StdpConstants, StdpParams};
pub use weight_update::WeightUpdateModel;

#[cfg(test)]
mod tests {
    use super::*;

    fn two_populations() -> (Network, PopulationId, PopulationId) {
        let mut net = Network::new(0.1);
        let a = net.add_neuron_population("a", 10, NeuronModel::Lif(LifParams::TUTORIAL));
        let b = net.add_neuron_population("b", 5, NeuronModel::Lif(LifParams::TUTORIAL));
        (net, a, b)
    }

    fn group(
        name: &str,
        pre: PopulationId,
        post: PopulationId,
        g: f64,
        tau: f64,
        num: u32,
    ) -> SynapseGroup {
        SynapseGroup {
            name: name.to_owned(),
            pre,
            post,
            weight_update: WeightUpdateModel::StaticPulseConstantWeight { g },
            postsynaptic: PostsynapticModel::ExpCurr { tau },
            connectivity: Connectivity::FixedNumberPreWithReplacement { num },
        }
    }

    fn connect(net: &mut Network, a: PopulationId, b: PopulationId, g: f64, tau: f64, num: u32) {
        net.add_synapse_group(group("a_b", a, b, g, tau, num));
    }

    #[test]
    fn invalid_descriptions_are_rejected_with_the_reason() {
        let mut net = Network::new(0.0);
        net.add_neuron_population("a", 1, NeuronModel::Lif(LifParams::TUTORIAL));
        assert_eq!(net.validate(), Err(ModelError::InvalidTimestep(0.0)));

        let mut net = Network::new(0.1);
        net.add_neuron_population("empty", 0, NeuronModel::Lif(LifParams::TUTORIAL));
        assert_eq!(
            net.validate(),
            Err(ModelError::EmptyPopulation("empty".into()))
        );

        let (mut net, a, b) = two_populations();
        connect(&mut net, a, b, 0.2, 3.0, 0);
        assert_eq!(net.validate(), Err(ModelError::ZeroFanIn("a_b".into())));

        let (mut net, a, b) = two_populations();
        connect(&mut net, a, b, 0.2, -1.0, 2);
        assert!(matches!(
            net.validate(),
            Err(ModelError::InvalidParameter {
                parameter: "tau",
                ..
            })
        ));

        let (mut net, a, _) = two_populations();
        let seventh = PopulationId::new(net.id(), 7);
        connect(&mut net, a, seventh, 0.2, 3.0, 2);
        assert!(matches!(
            net.validate(),
            Err(ModelError::UnknownPopulation { index: 7, .. })
        ));

        let (mut net, _, _) = two_populations();
        net.add_neuron_population("a", 3, NeuronModel::Lif(LifParams::TUTORIAL));
        assert_eq!(net.validate(), Err(ModelError::DuplicateName("a".into())));
    }

    #[test]
    fn parameters_beyond_single_precision_are_refused_at_validation() {
        let lif = |params: LifParams| {
            let mut net = Network::new(0.1);
            net.add_neuron_population("p", 3, NeuronModel::Lif(params));
            net.validate()
        };
        // Finite in f64 but infinite in f32, where both backends compute.
        let err = lif(LifParams {
            v_thresh: 1e39,
            ..LifParams::TUTORIAL
        });
        assert!(
            matches!(
                err,
                Err(ModelError::InvalidParameter {
                    parameter: "Vthresh",
                    ..
                })
            ),
            "{err:?}"
        );
        // Each parameter fits, but a constant derived from them does not.
        let err = lif(LifParams {
            c: 1e-300,
            ..LifParams::TUTORIAL
        });
        assert!(
            matches!(&err, Err(ModelError::DerivedConstantOutOfRange { owner, .. }) if owner.contains("'p'")),
            "{err:?}"
        );
    }

    #[test]
    fn connectivity_larger_than_the_machine_has_is_refused_before_it_is_drawn() {
        let mut net = Network::new(0.1);
        let lif = NeuronModel::Lif(LifParams::TUTORIAL);
        let pre = net.add_neuron_population("pre", 65_536, lif.clone());
        let post = net.add_neuron_population("post", 65_535, lif);
        // Just under u32::MAX synapses, each with a plastic weight: about 34 GB.
        net.add_synapse_group(SynapseGroup {
            name: "dense".into(),
            pre,
            post,
            weight_update: WeightUpdateModel::StdpSymmetric(crate::tutorial::KC_MBON_STDP),
            postsynaptic: PostsynapticModel::DeltaCurr,
            connectivity: Connectivity::Dense,
        });
        let needed = net.connectivity_bytes();
        assert!(needed > 34_000_000_000, "{needed}");
        match crate::memory::available_bytes() {
            Some(available) if u128::from(available) < needed => {
                let err = net.build(1).unwrap_err();
                assert!(matches!(err, ModelError::OutOfMemory { .. }), "{err}");
                assert!(err.to_string().contains("34.4 GB"), "{err}");
            }
            // A machine with the memory would draw it: only the estimate is checked.
            _ => eprintln!("this machine has {needed} bytes available; build not tried"),
        }
    }

    #[test]
    fn connectivity_drawn_with_replacement_counts_its_largest_pair_list() {
        // 320 000 targets and 4 x 4 (n_pre + 1) row starts, beside the largest group's
        // (e -> e: 3200 x 64) pairs while it is drawn.
        let net = crate::networks::coba_scaled(4000, 80).network;
        let rows = 4 * 2 * (3201 + 801);
        assert_eq!(net.connectivity_bytes(), 4 * 320_000 + rows + 8 * 204_800);
    }

    #[test]
    fn handles_from_another_network_are_refused() {
        let (mut net, a, _) = two_populations();
        let (other, _, other_b) = two_populations();
        assert_ne!(net.id(), other.id());
        // Equal descriptions are equal networks, whatever their ids.
        assert_eq!(net, other);
        // The same index in another network: refused, not silently used.
        connect(&mut net, a, other_b, 0.2, 3.0, 2);
        assert!(matches!(
            net.validate(),
            Err(ModelError::ForeignHandle {
                kind: "population",
                index: 1,
                ..
            })
        ));
        let (mut net, _, _) = two_populations();
        assert!(net.set_spike_recording(other_b, true).is_err());
        assert!(net.set_initial_v(other_b, -70.0).is_err());
        assert!(
            net.populations
                .iter()
                .all(|p| !p.spike_recording && p.initial_v.is_none())
        );
        // A clone is the same network: its handles still apply.
        let (net, a, _) = two_populations();
        let mut clone = net.clone();
        assert_eq!(clone.set_spike_recording(a, true), Ok(()));
    }

    #[test]
    fn build_draws_the_same_connectivity_for_the_same_seed() {
        let (mut net, a, b) = two_populations();
        connect(&mut net, a, b, 0.2, 3.0, 4);
        let x = net.build(3).unwrap();
        let y = net.build(3).unwrap();
        let z = net.build(4).unwrap();
        assert_eq!(
            x.synapse_groups[0].connectivity,
            y.synapse_groups[0].connectivity
        );
        assert_ne!(
            x.synapse_groups[0].connectivity,
            z.synapse_groups[0].connectivity
        );
        assert_eq!(x.synapse_groups[0].connectivity.in_degrees(), vec![4; 5]);
    }

    #[test]
    fn feed_forward_order_puts_sources_first_and_refuses_cycles_and_learning() {
        let lif = || NeuronModel::Lif(LifParams::TUTORIAL);
        let add = |net: &mut Network, name: &str, pre, post| {
            net.add_synapse_group(group(name, pre, post, 0.1, 3.0, 2));
        };
        // c <- b <- a, added as c, a, b; and d with no synapses at all.
        let mut net = Network::new(0.1);
        let c = net.add_neuron_population("c", 5, lif());
        let a = net.add_neuron_population("a", 5, lif());
        let b = net.add_neuron_population("b", 5, lif());
        net.add_neuron_population("d", 5, lif());
        add(&mut net, "b_c", b, c);
        add(&mut net, "a_b", a, b);
        add(&mut net, "a_c", a, c);
        assert_eq!(
            net.build(1).unwrap().feed_forward_order(),
            Some(vec![1, 2, 0, 3])
        );

        let mut cycle = net.clone();
        add(&mut cycle, "c_a", c, a);
        assert_eq!(cycle.build(1).unwrap().feed_forward_order(), None);

        let mut recurrent = net.clone();
        add(&mut recurrent, "b_b", b, b);
        assert_eq!(recurrent.build(1).unwrap().feed_forward_order(), None);

        let mut plastic = net.clone();
        plastic.add_synapse_group(SynapseGroup {
            weight_update: WeightUpdateModel::StdpSymmetric(StdpParams {
                tau: 10.0,
                rho: 0.1,
                eta: 0.01,
                w_min: 0.0,
                w_max: 1.0,
                g_init: 0.5,
                drive_post: true,
            }),
            ..group("a_c_stdp", a, c, 0.0, 3.0, 2)
        });
        assert_eq!(plastic.build(1).unwrap().feed_forward_order(), None);
    }
}
