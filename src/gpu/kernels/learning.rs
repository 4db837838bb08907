//! The learning kernels of plastic synapse groups: latest spike times
//! (`shaders/spike_times.wgsl`) and STDP on presynaptic and postsynaptic spikes
//! (`shaders/learn_pre.wgsl`, `shaders/learn_post.wgsl`), with the rule's WGSL piece from
//! `src/model/stdp.wgsl`.

use super::{KernelSpec, Shape, bindings, constants};
use crate::gpu::plan::BufferId;
use crate::gpu::shaders::{self, TemplateError};
use crate::model::{BuiltNetwork, StdpConstants};
use crate::sim::words_per_step;

/// Threads of a spike-time or learning workgroup (their kernels declare the same).
const LEARNING_WORKGROUP: u32 = 64;

/// The kernel recording the latest spike time of population `p`'s neurons.
pub(crate) fn spike_times(
    net: &BuiltNetwork,
    p: usize,
    shape: Shape,
) -> Result<KernelSpec, TemplateError> {
    let label = format!("spike_times[{}]", net.populations[p].name);
    spike_times_into(net, (p, 0), (label, BufferId::LastSpike(p)), shape)
}

/// The kernel recording when the presynaptic spikes of delayed plastic group `g` last
/// arrived at its synapses: its own `st_pre`.
pub(crate) fn arrival_times(
    net: &BuiltNetwork,
    g: usize,
    delay: u32,
    shape: Shape,
) -> Result<KernelSpec, TemplateError> {
    let s = &net.synapse_groups[g];
    let label = format!("arrival_times[{}]", s.name);
    spike_times_into(net, (s.pre, delay), (label, BufferId::StPre(g)), shape)
}

/// The `st_pre` plastic group `g`'s learning and synapse code read: its own arrival times
/// where it is delayed, else its presynaptic population's latest spike times.
pub(crate) fn st_pre(net: &BuiltNetwork, g: usize) -> BufferId {
    let s = &net.synapse_groups[g];
    match s.learning_delay() {
        Some(_) => BufferId::StPre(g),
        None => BufferId::LastSpike(s.pre),
    }
}

/// The spike-time kernel labelled `label` writing `into`: the spikes of population `p`
/// `1 + delay` timesteps back set their neurons' times to the previous timestep's.
fn spike_times_into(
    net: &BuiltNetwork,
    (p, delay): (usize, u32),
    (label, into): (String, BufferId),
    shape: Shape,
) -> Result<KernelSpec, TemplateError> {
    let words = words_per_step(net.populations[p].size) as u32;
    Ok(KernelSpec {
        label,
        source: shaders::finish(shaders::SPIKE_TIMES, &[])?,
        constants: constants([
            ("WORDS", words),
            ("AXONAL_DELAY", delay),
            ("SPIKE_SLOTS", shape.spike_slots(net, p)),
        ]),
        bindings: bindings(&[
            ("params", BufferId::StepParams),
            ("spikes", BufferId::Spikes(p)),
            ("last_spike", into),
        ]),
        workgroups: words.div_ceil(LEARNING_WORKGROUP),
        threads: LEARNING_WORKGROUP,
    })
}

/// The two STDP kernels of plastic group `g` with rule `rule`, whose longest column has
/// `longest` synapses: on presynaptic, then on postsynaptic spikes. `max_workgroups`
/// bounds the second's dispatch.
pub(crate) fn stdp(
    net: &BuiltNetwork,
    g: usize,
    (rule, longest): (&StdpConstants, u32),
    shape: Shape,
    max_workgroups: u32,
) -> Result<(KernelSpec, KernelSpec), TemplateError> {
    let s = &net.synapse_groups[g];
    let words = |p: usize| words_per_step(net.populations[p].size) as u32;
    let (words_pre, words_post) = (words(s.pre), words(s.post));
    // Each kernel reads one population's ring: learn_pre the presynaptic one's.
    let rule_constants = |p: usize| {
        let mut c = constants(rule.wgsl_constants());
        c.extend(constants([("SPIKE_SLOTS", shape.spike_slots(net, p))]));
        c
    };
    let mut pre_constants = rule_constants(s.pre);
    let delay = s.learning_delay().unwrap_or(0);
    pre_constants.extend(constants([
        ("WORDS_PRE", words_pre),
        ("AXONAL_DELAY", delay),
    ]));
    let learn_pre = KernelSpec {
        label: format!("learn_pre[{}]", s.name),
        source: shaders::finish(shaders::LEARN_PRE, &[("stdp", StdpConstants::WGSL)])?,
        constants: pre_constants,
        bindings: bindings(&[
            ("params", BufferId::StepParams),
            ("pre_spikes", BufferId::Spikes(s.pre)),
            ("row_start", BufferId::RowStart(g)),
            ("targets", BufferId::Targets(g)),
            ("g", BufferId::Weights(g)),
            ("last_spike_post", BufferId::LastSpike(s.post)),
        ]),
        workgroups: words_pre.div_ceil(LEARNING_WORKGROUP),
        threads: LEARNING_WORKGROUP,
    };
    let mut post_constants = rule_constants(s.post);
    post_constants.extend(constants([("WORDS_POST", words_post)]));
    let learn_post = KernelSpec {
        label: format!("learn_post[{}]", s.name),
        source: shaders::finish(shaders::LEARN_POST, &[("stdp", StdpConstants::WGSL)])?,
        constants: post_constants,
        bindings: bindings(&[
            ("params", BufferId::StepParams),
            ("post_spikes", BufferId::Spikes(s.post)),
            ("column_start", BufferId::ColumnStart(g)),
            ("column_synapses", BufferId::ColumnSynapses(g)),
            ("pre_of", BufferId::PreOf(g)),
            ("g", BufferId::Weights(g)),
            ("last_spike_pre", st_pre(net, g)),
        ]),
        workgroups: longest
            .div_ceil(LEARNING_WORKGROUP)
            .clamp(1, max_workgroups),
        threads: LEARNING_WORKGROUP,
    };
    Ok((learn_pre, learn_post))
}
