//! The shader lint, for tests: every assembled kernel must pass naga's validation, and no
//! float product in it may be fusable into an add (see `product` in
//! `shaders/shared/step_params.wgsl`): fused, a driver rounds once where the CPU twin
//! rounds twice, and a neuron near threshold spikes a timestep early or late. The check
//! itself is `model::code::fusion`, which also lints users' code strings.

use crate::model::code::fusion::fusable_products;

/// Validates `source` with naga, and checks that no float product in it can be fused
/// into an add (see `product` in step_params.wgsl).
pub(crate) fn validate(source: &str) {
    let fusable = fusable_products_in(source);
    assert!(
        fusable.is_empty(),
        "float products a driver may fuse into an add (use product/product4): {fusable:?}\n{source}"
    );
}

/// Validates `source` with naga (panicking with its message if invalid) and lists
/// the fusable products of every function and entry point in it.
pub(crate) fn fusable_products_in(source: &str) -> Vec<String> {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{}\n{source}", e.emit_to_string(source)));
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{}\n{source}", e.emit_to_string(source)));
    let mut fusable = Vec::new();
    for (handle, function) in module.functions.iter() {
        fusable.extend(describe(fusable_products(&module, function, &info[handle])));
    }
    for (i, entry) in module.entry_points.iter().enumerate() {
        fusable.extend(describe(fusable_products(
            &module,
            &entry.function,
            info.get_entry_point(i),
        )));
    }
    fusable
}

/// The lint's findings as text.
fn describe(found: Vec<(naga::Span, String)>) -> impl Iterator<Item = String> {
    found
        .into_iter()
        .map(|(span, what)| format!("{what} (at {span:?})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::kernels::{KernelSpec, Shape, learning, neuron_update, propagate_spikes};
    use crate::gpu::plan::{Device, GpuPlan};
    use crate::gpu::shaders::reflect::reflect;
    use crate::gpu::{AdapterSummary, GpuTuning, NeuronUpdateStrategy};
    use crate::model::{
        Connectivity, CurrentSourceModel, Network, NeuronModel, PostsynapticModel, SynapseGroup,
        WeightUpdateModel,
    };
    use crate::sim::SimConfig;

    /// Validates a kernel, lints it, and checks that it declares exactly the bindings
    /// and constants the host gives it.
    fn check(kernel: &KernelSpec) {
        validate(&kernel.source);
        let reflection = reflect(&kernel.source).unwrap();
        if let Err(e) = kernel.check(&reflection) {
            panic!("{}: {e}\n{}", kernel.label, kernel.source);
        }
    }

    /// A software adapter's limits (lavapipe's, as far as kenyon reads them) and a GPU's.
    fn adapters() -> Vec<(wgpu::Limits, AdapterSummary)> {
        let limits = wgpu::Limits {
            max_storage_buffer_binding_size: 128 << 20,
            max_buffer_size: (2 << 30) - 1,
            max_storage_buffers_per_shader_stage: 32,
            max_compute_workgroups_per_dimension: 65_535,
            max_compute_invocations_per_workgroup: 1024,
            max_compute_workgroup_size_x: 1024,
            min_uniform_buffer_offset_alignment: 32,
            ..wgpu::Limits::default()
        };
        [wgpu::DeviceType::Cpu, wgpu::DeviceType::DiscreteGpu]
            .into_iter()
            .map(|device_type| {
                let adapter = AdapterSummary {
                    name: format!("{device_type:?}"),
                    backend: wgpu::Backend::Vulkan,
                    device_type,
                };
                (limits.clone(), adapter)
            })
            .collect()
    }

    #[test]
    fn every_kernel_of_the_tutorial_networks_validates_and_declares_what_the_host_binds() {
        let drawn = crate::tutorial::mushroom_body().network.build(1).unwrap();
        let (pre, post) = drawn.synapse_groups[0].connectivity.pre_post_pairs();
        let networks = [
            crate::tutorial::mushroom_body(),
            crate::tutorial::mushroom_body_with_gain_control(),
            crate::tutorial::mushroom_body_for_training(),
            crate::tutorial::mushroom_body_for_testing(pre, post, vec![0.01; 200_000]),
        ];
        for mb in networks {
            check_every_kernel(&mb.network.build(1).unwrap());
        }
    }

    /// Checks every kernel of `net`'s plans on each adapter, at batch sizes 1 and (where
    /// nothing is plastic) 64.
    fn check_every_kernel(net: &crate::model::BuiltNetwork) {
        let batches: &[u32] = if net.plastic_group().is_some() {
            &[1]
        } else {
            &[1, 64]
        };
        for (limits, adapter) in adapters() {
            for &batch_size in batches {
                let device = Device {
                    limits: &limits,
                    adapter: &adapter,
                };
                let config = SimConfig {
                    batch_size,
                    ..SimConfig::DEFAULT
                };
                let tuning = GpuTuning::for_adapter(&adapter);
                let plan = GpuPlan::new(net, config, device, tuning).unwrap();
                for kernels in &plan.populations {
                    check(&kernels.update);
                    kernels.spike_times.iter().for_each(check);
                }
                for kernels in &plan.groups {
                    kernels.propagate.iter().for_each(check);
                    kernels.synapse_code.0.iter().for_each(check);
                    kernels.synapse_code.1.iter().for_each(check);
                    kernels.arrival_times.iter().for_each(check);
                    if let Some((pre, post)) = &kernels.learning {
                        check(pre);
                        check(post);
                    }
                }
            }
        }
    }

    #[test]
    fn every_kernel_of_code_weight_update_groups_validates_and_declares_what_the_host_binds() {
        use crate::model::code::{CodeWeightUpdate, VarInit};
        use crate::model::library;
        // Spike sources into a plastic additive-STDP group and a static one.
        let network = |with_stdp: bool| {
            let mut net = Network::new(0.1);
            let times = vec![vec![1.0f32, 2.0]; 40];
            let source = || NeuronModel::Code(library::spike_source_array_from(&times));
            let pre = net.add_neuron_population("pre", 40, source());
            let post = net.add_neuron_population("post", 40, source());
            let stdp = CodeWeightUpdate::new(library::stdp_additive())
                .param("tauPlus", 20.0)
                .param("tauMinus", 20.0)
                .param("Aplus", 0.01)
                .param("Aminus", 0.012)
                .param("wMin", 0.0)
                .param("wMax", 1.0)
                .init("g", VarInit::Constant(0.5))
                .pre_init("preTrace", VarInit::Constant(0.0))
                .post_init("postTrace", VarInit::Constant(0.0))
                .max_add_to_post(1.0);
            let models = match with_stdp {
                true => vec![stdp, library::static_pulse_from(&[0.25; 1600])],
                false => vec![library::static_pulse_from(&[0.25; 1600])],
            };
            for (i, model) in models.into_iter().enumerate() {
                net.add_synapse_group(SynapseGroup {
                    name: format!("syn{i}"),
                    pre,
                    post,
                    weight_update: WeightUpdateModel::Code(model),
                    postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
                    connectivity: Connectivity::Dense,
                });
            }
            net.build(1).unwrap()
        };
        check_every_kernel(&network(true));
        check_every_kernel(&network(false));
        // Delayed plastic groups, built in and as code strings, and their arrival times.
        let mut net = Network::new(0.1);
        let lif = NeuronModel::Lif(crate::model::LifParams::TUTORIAL);
        let [pre, post] =
            ["pre", "post"].map(|name| net.add_neuron_population(name, 40, lif.clone()));
        let params = crate::tutorial::KC_MBON_STDP;
        let models = [
            WeightUpdateModel::StdpSymmetric(params),
            WeightUpdateModel::Code(library::stdp_symmetric_from(&params)),
        ];
        for (i, weight_update) in models.into_iter().enumerate() {
            let g = net.add_synapse_group(SynapseGroup {
                name: format!("syn{i}"),
                pre,
                post,
                weight_update,
                postsynaptic: PostsynapticModel::DeltaCurr,
                connectivity: Connectivity::Dense,
            });
            let delay = crate::model::SynapticDelay::axonal(3 + i as u32);
            net.set_synaptic_delay(g, delay).unwrap();
        }
        check_every_kernel(&net.build(1).unwrap());
    }

    /// A population of `model` with `groups` incoming synapse groups (ExpCurr and
    /// DeltaCurr in turn, constant and per-synapse weights in turn) and `sources`
    /// current sources.
    fn target_with_inputs(
        model: NeuronModel,
        record: bool,
        groups: usize,
        sources: usize,
    ) -> crate::model::BuiltNetwork {
        let mut net = Network::new(0.1);
        let source = net.add_neuron_population("source", 40, model.clone());
        let target = net.add_neuron_population("target", 70, model);
        net.set_spike_recording(target, record).unwrap();
        for k in 0..groups {
            net.add_synapse_group(SynapseGroup {
                name: format!("g{k}"),
                pre: source,
                post: target,
                weight_update: if k % 2 == 0 {
                    WeightUpdateModel::StaticPulseConstantWeight { g: 0.1 }
                } else {
                    WeightUpdateModel::StaticPulse {
                        g: vec![0.1; 40 * 70],
                    }
                },
                postsynaptic: if k % 2 == 0 {
                    PostsynapticModel::ExpCurr { tau: 3.0 }
                } else {
                    PostsynapticModel::DeltaCurr
                },
                connectivity: Connectivity::Dense,
            });
        }
        for k in 0..sources {
            net.add_current_source(
                &format!("c{k}"),
                target,
                CurrentSourceModel::Magnitude { initial: 0.0 },
            );
        }
        net.build(1).unwrap()
    }

    #[test]
    fn neuron_update_validates_for_every_combination_of_pieces() {
        for model in NeuronModel::examples() {
            for record in [false, true] {
                for groups in 0..3 {
                    for sources in 0..3 {
                        let net = target_with_inputs(model.clone(), record, groups, sources);
                        for strategy in [
                            NeuronUpdateStrategy::InvocationPerWord,
                            NeuronUpdateStrategy::InvocationPerQuad,
                        ] {
                            for block_steps in [1, 10] {
                                let shape = Shape {
                                    batch: 2,
                                    block_steps,
                                };
                                check(&neuron_update::spec(&net, 1, shape, strategy, 1).unwrap());
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn synapse_and_learning_kernels_validate() {
        let net = target_with_inputs(NeuronModel::examples()[0].clone(), true, 2, 0);
        let shape = Shape {
            batch: 1,
            block_steps: 1,
        };
        for threads in [16, 64] {
            for strategy in [
                propagate_spikes::SynapseUpdateStrategy::SharedRows,
                propagate_spikes::SynapseUpdateStrategy::ThreadPerWord,
            ] {
                let plan = propagate_spikes::SynapseUpdatePlan { strategy, threads };
                // Group 0 has one constant weight, group 1 per-synapse weights.
                for g in 0..2 {
                    check(&propagate_spikes::spec(&net, g, shape, plan, 1).unwrap());
                }
            }
        }
        check(&learning::spike_times(&net, 1, shape).unwrap());
        let training = crate::tutorial::mushroom_body_for_training()
            .network
            .build(1)
            .unwrap();
        let g = training
            .synapse_groups
            .iter()
            .position(|s| s.stdp.is_some())
            .unwrap();
        let rule = training.synapse_groups[g].stdp.unwrap();
        let longest = training.synapse_groups[g]
            .columns()
            .unwrap()
            .max_column_length();
        let (pre, post) = learning::stdp(&training, g, (&rule, longest), shape, 65_535).unwrap();
        check(&pre);
        check(&post);
    }

    #[test]
    fn the_fusion_check_finds_products_that_reach_an_add() {
        let kernel = |body: &str| {
            format!(
                "{}\n@group(0) @binding(1) var<storage, read_write> x: array<f32>;\n\
                 var<private> p: f32;\n\
                 fn f(a: f32) -> f32 {{ return a + x[1]; }}\n\
                 @compute @workgroup_size(1) fn main() {{ {body} }}",
                crate::gpu::shaders::finish("{{shared/step_params}}", &[]).unwrap()
            )
        };
        let ok = |body: &str| fusable_products_in(&kernel(body)).is_empty();
        assert!(!ok("x[0] = x[1] * x[2] + x[3];"));
        assert!(!ok("x[0] = x[3] - x[1] * x[2];"));
        assert!(!ok("var p = x[1] * x[2]; x[0] = p + x[3];"));
        assert!(!ok("x[0] = f(x[1] * x[2]);"));
        assert!(!ok("x[0] = select(x[1] * x[2], x[3], x[4] > 0.0) + x[5];"));
        assert!(!ok("x[0] = -(x[1] * x[2]) + x[3];"));
        assert!(!ok("x[0] = (vec2(x[1], x[2]) * x[3]).y + x[4];"));
        assert!(!ok("x[0] = vec4(x[1] * x[2]).x + x[3];"));
        assert!(!ok("x[0] = x[1] * x[2] * 1.0 + x[3];"));
        assert!(!ok(
            "var v = vec2(0.0); v.x = x[1] * x[2]; x[0] = v.x + x[3];"
        ));
        assert!(!ok("p = x[1] * x[2]; x[0] = p + x[3];"));
        assert!(ok("x[0] = product(x[1], x[2]) + x[3];"));
        assert!(ok("x[0] = x[1] * 4096.0 + x[3];"));
        assert!(ok("x[0] = x[1] * x[2];"));
        assert!(ok("x[0] = (x[1] + x[2]) * x[3];"));
    }
}
