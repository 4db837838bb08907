//! The plan's buffers and kernels, checked without a device.

use super::*;
use crate::gpu::context::AdapterSummary;
use buffers::BufferId;

/// The plan of `net` on a made-up adapter of type `device_type` with `limits`.
fn plan_on<'n>(
    net: &'n BuiltNetwork,
    config: SimConfig,
    limits: &wgpu::Limits,
    device_type: wgpu::DeviceType,
) -> GpuPlan<'n> {
    let adapter = AdapterSummary {
        name: format!("{device_type:?}"),
        backend: wgpu::Backend::Vulkan,
        device_type,
    };
    let device = Device {
        limits,
        adapter: &adapter,
    };
    GpuPlan::new(net, config, device, GpuTuning::for_adapter(&adapter)).unwrap()
}

/// The GPU's bytes of `networks::coba_scaled` at batch size 1, as docs/performance.md
/// ("Scaling") writes them out: per population of n neurons, 4 variables and their
/// initial values (32 n) and 2 + R words per 32 neurons (spike ring and recording);
/// per synapse group into m neurons, k synapses each, from n_pre: 4 k m targets,
/// 4 (n_pre + 1) row starts, 8 m + 16 for inSyn and its accumulator and stamps.
fn scaled_coba_gpu_bytes(sizes: [u64; 2], in_degree: [u64; 2], recording: u64) -> u64 {
    let words = |n: u64| n.div_ceil(32);
    let populations: u64 = sizes
        .iter()
        .map(|&n| 32 * n + 4 * (2 + recording) * words(n))
        .sum();
    let mut groups = 0;
    for (&n_pre, &k) in sizes.iter().zip(&in_degree) {
        for &m in &sizes {
            groups += 4 * k * m + 4 * (n_pre + 1) + 8 * m + 16;
        }
    }
    populations + groups
}

#[test]
fn scaled_coba_buffers_follow_the_layout_formula() {
    let limits = wgpu::Limits {
        max_storage_buffer_binding_size: 128 << 20,
        max_buffer_size: (2 << 30) - 1,
        max_storage_buffers_per_shader_stage: 32,
        ..wgpu::Limits::default()
    };
    let net = crate::networks::coba_scaled(4000, 80)
        .network
        .build(1)
        .unwrap();
    let config = SimConfig {
        recording_steps: crate::networks::RECORDING_CHUNK,
        ..SimConfig::DEFAULT
    };
    for device_type in [wgpu::DeviceType::Cpu, wgpu::DeviceType::DiscreteGpu] {
        let plan = plan_on(&net, config, &limits, device_type);
        let storage: u64 = plan
            .buffers
            .iter()
            .filter(|b| b.id != BufferId::StepParams)
            .map(|b| b.bytes)
            .sum();
        let expected = scaled_coba_gpu_bytes([3200, 800], [64, 16], 1000);
        assert_eq!(storage, expected, "{device_type:?}");
    }
}

#[test]
fn each_spike_ring_holds_the_longest_delay_leaving_its_population() {
    use crate::model::{
        Connectivity, LifParams, Network, NeuronModel, PostsynapticModel, SynapseGroup,
        SynapticDelay, WeightUpdateModel,
    };
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    let [a, b, c] = ["a", "b", "c"].map(|name| net.add_neuron_population(name, 100, lif.clone()));
    // a -> c waits 7 timesteps, a -> b 100, b -> c none; nothing leaves c.
    for (pre, post, delay) in [(a, c, 7), (a, b, 100), (b, c, 0)] {
        let g = net.add_synapse_group(SynapseGroup {
            name: format!("{}_{}", pre.index(), post.index()),
            pre,
            post,
            weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.1 },
            postsynaptic: PostsynapticModel::DeltaCurr,
            connectivity: Connectivity::OneToOne,
        });
        net.set_synaptic_delay(g, SynapticDelay::axonal(delay))
            .unwrap();
    }
    let net = net.build(1).unwrap();
    let config = SimConfig {
        batch_size: 3,
        ..SimConfig::DEFAULT
    };
    let limits = wgpu::Limits::default();
    let plan = plan_on(&net, config, &limits, wgpu::DeviceType::Cpu);
    let ring_bytes = |p: usize| {
        let ring = plan.buffers.iter().find(|b| b.id == BufferId::Spikes(p));
        ring.unwrap().bytes
    };
    // 100 neurons: 4 words per timestep and entry.
    let slots = |longest: u64| u64::from(plan.shape.block_steps) + 1 + longest;
    assert_eq!(ring_bytes(0), slots(100) * 3 * 4 * 4);
    assert_eq!(ring_bytes(1), slots(0) * 3 * 4 * 4);
    assert_eq!(ring_bytes(2), slots(0) * 3 * 4 * 4);
}

#[test]
fn every_kernel_is_given_the_length_of_the_one_ring_it_reads_or_writes() {
    use crate::model::code::{CodeWeightUpdate, VarInit};
    use crate::model::{
        Connectivity, LifParams, Network, NeuronModel, PostsynapticModel, SynapseGroup,
        SynapticDelay, WeightUpdateModel, library,
    };
    // Rings of three lengths: a keeps 9 timesteps of delay, b 4, c 2. The plastic
    // groups (STDP built in and as code strings, each delayed) read a's and b's rings
    // on either side, and the delayed code group c's.
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    let [a, b, c] = ["a", "b", "c"].map(|name| net.add_neuron_population(name, 50, lif.clone()));
    let stdp = WeightUpdateModel::StdpSymmetric(crate::tutorial::KC_MBON_STDP);
    let code_stdp = library::stdp_symmetric_from(&crate::tutorial::KC_MBON_STDP);
    let code_static =
        CodeWeightUpdate::new(library::static_pulse()).init("g", VarInit::Constant(0.1));
    let constant = WeightUpdateModel::StaticPulseConstantWeight { g: 0.1 };
    let groups = [
        (a, b, stdp, 3),
        (b, a, WeightUpdateModel::Code(code_stdp), 2),
        (a, c, constant.clone(), 9),
        (b, c, constant, 4),
        (c, a, WeightUpdateModel::Code(code_static), 2),
    ];
    for (pre, post, weight_update, delay) in groups {
        let g = net.add_synapse_group(SynapseGroup {
            name: format!("{}_{}", pre.index(), post.index()),
            pre,
            post,
            weight_update,
            postsynaptic: PostsynapticModel::DeltaCurr,
            connectivity: Connectivity::FixedProbability { p: 0.2 },
        });
        net.set_synaptic_delay(g, SynapticDelay::axonal(delay))
            .unwrap();
    }
    let net = net.build(1).unwrap();
    let limits = wgpu::Limits {
        max_storage_buffers_per_shader_stage: 16,
        ..wgpu::Limits::default()
    };
    let plan = plan_on(
        &net,
        SimConfig::DEFAULT,
        &limits,
        wgpu::DeviceType::DiscreteGpu,
    );
    let mut kernels: Vec<&KernelSpec> = Vec::new();
    for p in &plan.populations {
        kernels.push(&p.update);
        kernels.extend(&p.spike_times);
    }
    for g in &plan.groups {
        kernels.extend(&g.propagate);
        kernels.extend(&g.arrival_times);
        kernels.extend(g.learning.iter().flat_map(|(pre, post)| [pre, post]));
        kernels.extend(g.synapse_code.0.iter().chain(&g.synapse_code.1));
    }
    let mut checked = std::collections::BTreeSet::new();
    for kernel in kernels {
        let rings: Vec<usize> = kernel
            .bindings
            .iter()
            .filter_map(|(_, id)| match id {
                BufferId::Spikes(p) => Some(*p),
                _ => None,
            })
            .collect();
        let slots = kernel.constants.iter().find(|(n, _)| n == "SPIKE_SLOTS");
        match (rings.as_slice(), slots) {
            ([], None) => {}
            (&[p], Some(&(_, slots))) => {
                let want = plan.shape.spike_slots(&net, p);
                assert_eq!(slots, f64::from(want), "{}", kernel.label);
                let stage = kernel.label.split('[').next().unwrap().to_owned();
                checked.insert(stage);
            }
            _ => panic!("{}: rings {rings:?}, SPIKE_SLOTS {slots:?}", kernel.label),
        }
    }
    let stages = [
        "arrival_times",
        "learn_post",
        "learn_pre",
        "neuron_update",
        "post_spike_syn",
        "pre_spike_syn",
        "propagate_spikes",
        "spike_times",
    ];
    assert_eq!(checked.into_iter().collect::<Vec<_>>(), stages);
    assert_eq!(
        [0, 1, 2].map(|p| plan.shape.spike_slots(&net, p)),
        [11, 6, 4]
    );
}

/// `block_ring_slot` of `shaders/shared/spike_ring.wgsl`, operation for operation in
/// u32 (wrapping, as WGSL's arithmetic is).
fn wgsl_block_ring_slot(lo: u32, hi: u32, slots: u32) -> u32 {
    let high_word = (0xffff_ffffu32 % slots).wrapping_add(1) % slots;
    let high = (hi % slots).wrapping_mul(high_word);
    high.wrapping_add(lo % slots) % slots
}

#[test]
fn the_shaders_ring_slot_is_the_timestep_modulo_the_ring_past_every_word() {
    let longest = MAX_BLOCK_STEPS + 1 + crate::model::MAX_DELAY_STEPS;
    for slots in (1..=40).chain([255, 256, 4095, 4096, longest - 1, longest]) {
        let edges = [0u64, 1, 1 << 31, (1 << 32) - 1, 1 << 32, (1 << 32) + 1];
        let far = [(1 << 40) + 12_345, (7 << 32) + 99, u64::MAX - 1, u64::MAX];
        for timestep in edges.into_iter().chain(far) {
            let (lo, hi) = (timestep as u32, (timestep >> 32) as u32);
            let want = (timestep % u64::from(slots)) as u32;
            assert_eq!(
                wgsl_block_ring_slot(lo, hi, slots),
                want,
                "{timestep} % {slots}"
            );
        }
    }
}
