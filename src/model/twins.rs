//! Built-in postsynaptic models run as their code-string twins where the target runs its
//! neuron model as code strings: the twin computes the same thing in the same order (see
//! `library::postsynaptic_from`), but inside the population's step function, which the
//! CPU compiles to machine code with the input's conversion included, instead of in a
//! pass of its own before the step (CUBA: 1.2x faster on the CPU; `docs/performance.md`).

use super::library;
use super::network::Network;
use super::{NeuronModel, PostsynapticModel};

/// `net` with the built-in postsynaptic models of every population that qualifies as
/// their code twins, or `None` where no group changes. A population qualifies when its
/// neuron model is written as code strings and every input it has is a built-in
/// postsynaptic model: then `Isyn` sums the same terms in the same order (the groups',
/// in the order they were added, from 0.0) either way. A population with current
/// sources or code postsynaptic models keeps its built-in groups, as the built-in inputs
/// are summed before the code ones.
pub(super) fn with_postsynaptic_twins(net: &Network) -> Option<Network> {
    let qualifies = |p: usize| {
        let population = &net.populations[p];
        let inputs = net.synapse_groups.iter().filter(|s| s.post.index() == p);
        matches!(population.model, NeuronModel::Code(_))
            && !net.current_sources.iter().any(|c| c.target.index() == p)
            && inputs
                .clone()
                .all(|s| !matches!(s.postsynaptic, PostsynapticModel::Code(_)))
            && inputs.count() > 0
    };
    let lowered: Vec<usize> = (0..net.populations.len())
        .filter(|&p| qualifies(p))
        .collect();
    if lowered.is_empty() {
        return None;
    }
    let mut twin = net.clone();
    for group in &mut twin.synapse_groups {
        if lowered.contains(&group.post.index()) {
            let code = library::postsynaptic_from(&group.postsynaptic);
            group.postsynaptic = PostsynapticModel::Code(code);
        }
    }
    Some(twin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Connectivity, CurrentSourceModel, LifParams, SynapseGroup};
    use crate::model::{WeightUpdateModel, library};

    #[test]
    fn only_code_populations_fed_by_built_in_postsynaptic_models_alone_take_the_twins() {
        let mut net = Network::new(0.1);
        let code = || NeuronModel::Code(library::lif_from(&LifParams::TUTORIAL));
        let pre = net.add_neuron_population("pre", 4, NeuronModel::Lif(LifParams::TUTORIAL));
        let only_built_in = net.add_neuron_population("only", 4, code());
        let with_source = net.add_neuron_population("source", 4, code());
        let with_code = net.add_neuron_population("mixed", 4, code());
        let built_in_neuron =
            net.add_neuron_population("lif", 4, NeuronModel::Lif(LifParams::TUTORIAL));
        assert!(with_postsynaptic_twins(&net).is_none(), "no synapses yet");
        let group = |post, postsynaptic| SynapseGroup {
            name: format!("to {post:?}"),
            pre,
            post,
            weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.1 },
            postsynaptic,
            connectivity: Connectivity::Dense,
        };
        let exp_curr = PostsynapticModel::ExpCurr { tau: 5.0 };
        let delta = PostsynapticModel::DeltaCurr;
        for post in [only_built_in, with_source, with_code, built_in_neuron] {
            net.add_synapse_group(group(post, exp_curr.clone()));
        }
        net.add_synapse_group(group(only_built_in, delta.clone()));
        let code_psm = PostsynapticModel::Code(library::postsynaptic_from(&delta));
        net.add_synapse_group(group(with_code, code_psm));
        let source = CurrentSourceModel::Magnitude { initial: 0.0 };
        net.add_current_source("drive", with_source, source);
        let twin = with_postsynaptic_twins(&net).expect("one population qualifies");
        let kinds: Vec<bool> = twin
            .synapse_groups
            .iter()
            .map(|s| matches!(s.postsynaptic, PostsynapticModel::Code(_)))
            .collect();
        assert_eq!(kinds, [true, false, false, false, true, true]);
        // The twins are the library's, with the group's parameters.
        let want = library::postsynaptic_from(&exp_curr);
        assert!(
            matches!(&twin.synapse_groups[0].postsynaptic, PostsynapticModel::Code(c) if *c == want)
        );
        // The description itself is left as it was.
        assert!(matches!(
            net.synapse_groups[0].postsynaptic,
            PostsynapticModel::ExpCurr { .. }
        ));
    }
}
