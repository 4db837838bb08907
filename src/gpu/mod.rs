//! The wgpu backend: WGSL kernels from `shaders/`, one submission per run of timesteps,
//! recordings read back once at its end.

mod context;
pub mod shaders;

pub use context::{ADAPTER_ENV, AdapterSummary, GpuContext, hardware_adapter, list_adapters};

use wgpu::util::DeviceExt;

use crate::model::{BuiltNetwork, CurrentSourceId, PopulationId, SynapseGroupId};
use crate::recording::{SpikeRecording, words_per_step};
use crate::simulator::{SimConfig, SimError, Simulator, StateVar, StepClock, check_magnitudes};
use shaders::NeuronKernelLayout;

/// Why the GPU backend failed.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error(
        "no GPU adapter found: install a Vulkan, Metal or DX12 driver (on Linux without a GPU, Mesa's lavapipe: apt-get install mesa-vulkan-drivers), or use the CPU backend (--backend cpu)"
    )]
    NoAdapter,
    #[error("no adapter's name contains '{filter}'; available adapters: {}", if available.is_empty() { "none".to_owned() } else { available.join("; ") })]
    AdapterNotFound {
        filter: String,
        available: Vec<String>,
    },
    #[error("could not open a device on adapter '{adapter}': {reason}")]
    RequestDevice { adapter: String, reason: String },
    #[error(
        "{what} needs {needed}, but adapter '{adapter}' allows at most {limit}: use a smaller network or the CPU backend"
    )]
    OverLimit {
        what: String,
        needed: u64,
        limit: u64,
        adapter: String,
    },
    #[error("kernel '{kernel}' failed to compile on this adapter: {reason}")]
    Pipeline { kernel: String, reason: String },
    #[error("wgpu error: {0}")]
    Wgpu(String),
    #[error("reading results back from the GPU failed: {0}")]
    Readback(String),
}

struct GpuPopulation {
    v: wgpu::Buffer,
    refrac_time: wgpu::Buffer,
    /// Two timesteps of spike words, written alternately.
    spikes: wgpu::Buffer,
    recording: Option<wgpu::Buffer>,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    workgroups: u32,
}

struct GpuSynapseGroup {
    in_syn: wgpu::Buffer,
    in_syn_acc: wgpu::Buffer,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    workgroups: u32,
}

/// Mirrors `StepParams` in shaders/step_params.wgsl.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct StepParams {
    step: u32,
    record_slot: u32,
    _pad: [u32; 2],
}

/// A network on a GPU.
pub struct GpuSimulation {
    ctx: GpuContext,
    net: BuiltNetwork,
    step_params: wgpu::Buffer,
    step_stride: u64,
    populations: Vec<GpuPopulation>,
    groups: Vec<GpuSynapseGroup>,
    magnitudes: Vec<wgpu::Buffer>,
    readback: Option<wgpu::Buffer>,
    clock: StepClock,
}

const NEURON_WORKGROUP: u32 = 256;

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

fn step_params_entry() -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding: 0,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: true,
            min_binding_size: wgpu::BufferSize::new(std::mem::size_of::<StepParams>() as u64),
        },
        count: None,
    }
}

impl GpuSimulation {
    /// Loads `net` onto the device of `ctx`, checking every buffer against its limits.
    pub fn new(ctx: GpuContext, net: &BuiltNetwork, config: SimConfig) -> Result<Self, GpuError> {
        let b = Builder { ctx: &ctx };
        let limits = &ctx.limits;
        let step_stride = u64::from(limits.min_uniform_buffer_offset_alignment)
            .max(std::mem::size_of::<StepParams>() as u64);
        // One block per timestep of a run; dynamic offsets are u32.
        let step_params_bytes = step_stride * u64::from(config.recording_steps.max(1));
        let step_params_limit = limits.max_buffer_size.min(u64::from(u32::MAX));
        if step_params_bytes > step_params_limit {
            return Err(b.over_limit(
                format!(
                    "{} recording timesteps (per-timestep parameters)",
                    config.recording_steps
                ),
                step_params_bytes,
                step_params_limit,
            ));
        }
        let step_params = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("step_params"),
            size: step_params_bytes,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let magnitudes = net
            .current_sources
            .iter()
            .map(|c| {
                let n = net.populations[c.target].size as usize;
                b.storage(
                    &format!("{}.magnitude", c.name),
                    n as u64 * 4,
                    Some(bytemuck::cast_slice(&vec![c.initial_magnitude; n])),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;

        let mut in_syn = Vec::new();
        for s in &net.synapse_groups {
            let n = u64::from(net.populations[s.post].size) * 4;
            in_syn.push((
                b.storage(&format!("{}.in_syn", s.name), n, None)?,
                b.storage(&format!("{}.in_syn_acc", s.name), n, None)?,
            ));
        }

        let mut populations = Vec::new();
        let mut recording_bytes = 0u64;
        for (p, pop) in net.populations.iter().enumerate() {
            let words = words_per_step(pop.size) as u64;
            let workgroups = pop.size.div_ceil(NEURON_WORKGROUP);
            if workgroups > limits.max_compute_workgroups_per_dimension {
                return Err(b.over_limit(
                    format!("population '{}' ({} neurons)", pop.name, pop.size),
                    u64::from(workgroups),
                    u64::from(limits.max_compute_workgroups_per_dimension),
                ));
            }
            let n_bytes = u64::from(pop.size) * 4;
            let v = b.storage(&format!("{}.V", pop.name), n_bytes, None)?;
            let refrac_time = b.storage(&format!("{}.RefracTime", pop.name), n_bytes, None)?;
            let spikes = b.storage(&format!("{}.spikes", pop.name), 2 * words * 4, None)?;
            let recording = if pop.spike_recording {
                let bytes = words * 4 * u64::from(config.recording_steps);
                recording_bytes += bytes;
                Some(b.storage(&format!("{}.recording", pop.name), bytes, None)?)
            } else {
                None
            };
            let incoming: Vec<(usize, _)> = net.incoming(p).collect();
            let sources: Vec<(usize, _)> = net.sources_of(p).collect();
            let layout =
                NeuronKernelLayout::new(recording.is_some(), incoming.len(), sources.len());
            if layout.storage_buffers() > limits.max_storage_buffers_per_shader_stage {
                return Err(b.over_limit(
                    format!("population '{}' (storage buffers per kernel)", pop.name),
                    u64::from(layout.storage_buffers()),
                    u64::from(limits.max_storage_buffers_per_shader_stage),
                ));
            }
            let mut entries = vec![
                step_params_entry(),
                storage_entry(1, false),
                storage_entry(2, false),
                storage_entry(3, false),
            ];
            let mut resources: Vec<(u32, &wgpu::Buffer)> =
                vec![(1, &v), (2, &refrac_time), (3, &spikes)];
            if let (Some(binding), Some(buffer)) = (layout.recording, recording.as_ref()) {
                entries.push(storage_entry(binding, false));
                resources.push((binding, buffer));
            }
            let mut constants: Vec<(String, f64)> = vec![
                ("N".into(), f64::from(pop.size)),
                ("WORDS".into(), words as f64),
                ("EXP_TC".into(), f64::from(pop.lif.exp_tc)),
                ("R_MEMBRANE".into(), f64::from(pop.lif.r_membrane)),
                ("V_REST".into(), f64::from(pop.lif.v_rest)),
                ("V_RESET".into(), f64::from(pop.lif.v_reset)),
                ("V_THRESH".into(), f64::from(pop.lif.v_thresh)),
                ("I_OFFSET".into(), f64::from(pop.lif.i_offset)),
                ("TAU_REFRAC".into(), f64::from(pop.lif.tau_refrac)),
                ("DT".into(), f64::from(pop.lif.dt)),
            ];
            for (k, ((g, group), &(b_in_syn, b_acc))) in
                incoming.iter().zip(&layout.exp_curr).enumerate()
            {
                entries.push(storage_entry(b_in_syn, false));
                entries.push(storage_entry(b_acc, false));
                resources.push((b_in_syn, &in_syn[*g].0));
                resources.push((b_acc, &in_syn[*g].1));
                constants.push((format!("INIT_{k}"), f64::from(group.exp_curr.init)));
                constants.push((
                    format!("EXP_DECAY_{k}"),
                    f64::from(group.exp_curr.exp_decay),
                ));
                constants.push((format!("INV_SCALE_{k}"), f64::from(group.weight.inv_scale)));
            }
            for ((c, _), &binding) in sources.iter().zip(&layout.current_sources) {
                entries.push(storage_entry(binding, true));
                resources.push((binding, &magnitudes[*c]));
            }
            let constants_ref: Vec<(&str, f64)> =
                constants.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            let name = format!("neuron_update[{}]", pop.name);
            let (pipeline, bgl) = b.pipeline(
                &name,
                &shaders::neuron_update(&layout),
                &entries,
                &constants_ref,
            )?;
            let bind_group = b.bind_group(&name, &bgl, &step_params, &resources);
            populations.push(GpuPopulation {
                v,
                refrac_time,
                spikes,
                recording,
                pipeline,
                bind_group,
                workgroups,
            });
        }

        let propagate_source = shaders::propagate_spikes();
        let mut groups = Vec::new();
        for (s, (in_syn, in_syn_acc)) in net.synapse_groups.iter().zip(in_syn) {
            let conn = &s.connectivity;
            let row_start = b.storage(
                &format!("{}.row_start", s.name),
                conn.row_start.len() as u64 * 4,
                Some(bytemuck::cast_slice(&conn.row_start)),
            )?;
            let targets = b.storage(
                &format!("{}.targets", s.name),
                conn.targets.len() as u64 * 4,
                Some(bytemuck::cast_slice(&conn.targets)),
            )?;
            let entries = [
                step_params_entry(),
                storage_entry(1, true),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, false),
            ];
            let n_pre = net.populations[s.pre].size;
            let constants = [
                ("WORDS_PRE", words_per_step(n_pre) as f64),
                ("WEIGHT", f64::from(s.weight.weight_fixed)),
            ];
            let name = format!("propagate_spikes[{}]", s.name);
            let (pipeline, bgl) = b.pipeline(&name, &propagate_source, &entries, &constants)?;
            let pre_spikes = &populations[s.pre].spikes;
            let bind_group = b.bind_group(
                &name,
                &bgl,
                &step_params,
                &[
                    (1, pre_spikes),
                    (2, &row_start),
                    (3, &targets),
                    (4, &in_syn_acc),
                ],
            );
            groups.push(GpuSynapseGroup {
                in_syn,
                in_syn_acc,
                pipeline,
                bind_group,
                workgroups: (words_per_step(n_pre) as u32)
                    .min(limits.max_compute_workgroups_per_dimension),
            });
        }
        if recording_bytes > limits.max_buffer_size {
            return Err(b.over_limit(
                "the recording read-back buffer".to_owned(),
                recording_bytes,
                limits.max_buffer_size,
            ));
        }
        let readback = (recording_bytes > 0).then(|| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("recording readback"),
                size: recording_bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        ctx.check_errors()?;
        let sim = GpuSimulation {
            ctx,
            net: net.clone(),
            step_params,
            step_stride,
            populations,
            groups,
            magnitudes,
            readback,
            clock: StepClock::new(config),
        };
        sim.write_initial_state()?;
        Ok(sim)
    }

    /// The adapter this simulation runs on.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.ctx.adapter
    }

    fn write_initial_state(&self) -> Result<(), GpuError> {
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("reset"),
            });
        for (gpu, pop) in self.populations.iter().zip(&self.net.populations) {
            let n = pop.size as usize;
            self.ctx
                .queue
                .write_buffer(&gpu.v, 0, bytemuck::cast_slice(&vec![pop.init.v; n]));
            self.ctx.queue.write_buffer(
                &gpu.refrac_time,
                0,
                bytemuck::cast_slice(&vec![pop.init.refrac_time; n]),
            );
            encoder.clear_buffer(&gpu.spikes, 0, None);
        }
        for g in &self.groups {
            encoder.clear_buffer(&g.in_syn, 0, None);
            encoder.clear_buffer(&g.in_syn_acc, 0, None);
        }
        self.ctx.queue.submit([encoder.finish()]);
        self.ctx.check_errors()
    }

    /// Copies `bytes` bytes of each buffer to the host in one submission.
    fn read_buffers(&self, sources: &[(&wgpu::Buffer, u64)]) -> Result<Vec<Vec<u8>>, GpuError> {
        let total: u64 = sources.iter().map(|(_, b)| *b).sum();
        if total == 0 {
            return Ok(sources.iter().map(|_| Vec::new()).collect());
        }
        let owned;
        let staging = match &self.readback {
            Some(b) if b.size() >= total => b,
            _ => {
                owned = self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("readback"),
                    size: total,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                &owned
            }
        };
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("readback"),
            });
        let mut offset = 0;
        for (buffer, bytes) in sources {
            encoder.copy_buffer_to_buffer(buffer, 0, staging, offset, *bytes);
            offset += bytes;
        }
        self.ctx.queue.submit([encoder.finish()]);
        let slice = staging.slice(..total);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        // Keep the wait's result rather than returning early: the staging buffer must be
        // unmapped on every path, or it stays mapped and every later readback fails.
        let waited = self.ctx.wait();
        let mapped = rx
            .recv()
            .map_err(|e| GpuError::Readback(e.to_string()))
            .and_then(|r| r.map_err(|e| GpuError::Readback(e.to_string())));
        let was_mapped = mapped.is_ok();
        let out = mapped.and_then(|()| {
            let view = slice
                .get_mapped_range()
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            let mut out = Vec::with_capacity(sources.len());
            let mut offset = 0usize;
            for (_, bytes) in sources {
                out.push(view[offset..offset + *bytes as usize].to_vec());
                offset += *bytes as usize;
            }
            Ok(out)
        });
        if was_mapped {
            staging.unmap();
        }
        waited?;
        out
    }

    fn read_f32(&self, buffer: &wgpu::Buffer, n: u32) -> Result<Vec<f32>, SimError> {
        let bytes = self.read_buffers(&[(buffer, u64::from(n) * 4)])?;
        Ok(bytemuck::pod_collect_to_vec(&bytes[0]))
    }
}

/// Creates buffers and pipelines; kept apart so `GpuSimulation::new` reads as a summary.
struct Builder<'a> {
    ctx: &'a GpuContext,
}

impl<'a> Builder<'a> {
    fn over_limit(&self, what: String, needed: u64, limit: u64) -> GpuError {
        GpuError::OverLimit {
            what,
            needed,
            limit,
            adapter: self.ctx.adapter.name.clone(),
        }
    }

    fn storage(
        &self,
        label: &str,
        bytes: u64,
        contents: Option<&[u8]>,
    ) -> Result<wgpu::Buffer, GpuError> {
        let limits = &self.ctx.limits;
        let limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        if bytes > limit {
            return Err(self.over_limit(format!("buffer '{label}' ({bytes} bytes)"), bytes, limit));
        }
        // Zero-sized bindings are invalid; the smallest buffer holds one word.
        let size = bytes.max(4);
        let usage = wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_DST
            | wgpu::BufferUsages::COPY_SRC;
        Ok(match contents {
            Some(data) if !data.is_empty() => {
                self.ctx
                    .device
                    .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some(label),
                        contents: data,
                        usage,
                    })
            }
            _ => self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            }),
        })
    }

    fn bind_group(
        &self,
        name: &str,
        layout: &wgpu::BindGroupLayout,
        step_params: &wgpu::Buffer,
        resources: &[(u32, &wgpu::Buffer)],
    ) -> wgpu::BindGroup {
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: step_params,
                offset: 0,
                size: wgpu::BufferSize::new(std::mem::size_of::<StepParams>() as u64),
            }),
        }];
        entries.extend(
            resources
                .iter()
                .map(|(binding, buffer)| wgpu::BindGroupEntry {
                    binding: *binding,
                    resource: buffer.as_entire_binding(),
                }),
        );
        self.ctx
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(name),
                layout,
                entries: &entries,
            })
    }

    fn pipeline(
        &self,
        name: &str,
        source: &str,
        entries: &[wgpu::BindGroupLayoutEntry],
        constants: &[(&str, f64)],
    ) -> Result<(wgpu::ComputePipeline, wgpu::BindGroupLayout), GpuError> {
        let device = &self.ctx.device;
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(name),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(name),
            entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(name),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(name),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants,
                zero_initialize_workgroup_memory: true,
            },
            cache: None,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Pipeline {
                kernel: name.to_owned(),
                reason: e.to_string(),
            });
        }
        Ok((pipeline, layout))
    }
}

impl Simulator for GpuSimulation {
    fn description(&self) -> String {
        format!("gpu: {}", self.ctx.adapter)
    }

    fn network(&self) -> &BuiltNetwork {
        &self.net
    }

    fn set_magnitude(&mut self, source: CurrentSourceId, values: &[f32]) -> Result<(), SimError> {
        let c = check_magnitudes(&self.net, source, values)?;
        self.ctx
            .queue
            .write_buffer(&self.magnitudes[c], 0, bytemuck::cast_slice(values));
        Ok(())
    }

    fn step_time(&mut self, steps: u32) -> Result<(), SimError> {
        self.clock.check_room(steps)?;
        if steps == 0 {
            return Ok(());
        }
        // One StepParams per timestep at aligned offsets, written once for the run.
        let stride = self.step_stride as usize;
        let mut params = vec![0u8; stride * steps as usize];
        for k in 0..steps {
            let p = StepParams {
                step: ((self.clock.timestep + u64::from(k)) & 1) as u32,
                record_slot: self.clock.recorded_steps + k,
                _pad: [0; 2],
            };
            let at = k as usize * stride;
            params[at..at + std::mem::size_of::<StepParams>()]
                .copy_from_slice(bytemuck::bytes_of(&p));
        }
        self.ctx.queue.write_buffer(&self.step_params, 0, &params);
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("timesteps"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("timesteps"),
                timestamp_writes: None,
            });
            for k in 0..steps {
                let offset = [k * self.step_stride as u32];
                // Synapse update first: it reads the previous step's spikes, which the
                // neuron update of this step then overwrites in the other slot.
                for g in &self.groups {
                    pass.set_pipeline(&g.pipeline);
                    pass.set_bind_group(0, &g.bind_group, &offset);
                    pass.dispatch_workgroups(g.workgroups, 1, 1);
                }
                for p in &self.populations {
                    pass.set_pipeline(&p.pipeline);
                    pass.set_bind_group(0, &p.bind_group, &offset);
                    pass.dispatch_workgroups(p.workgroups, 1, 1);
                }
            }
        }
        self.ctx.queue.submit([encoder.finish()]);
        self.ctx.check_errors()?;
        self.clock.advance(steps);
        Ok(())
    }

    fn reset(&mut self) -> Result<(), SimError> {
        self.write_initial_state()?;
        self.clock.reset();
        Ok(())
    }

    fn take_recording(&mut self) -> Result<Vec<Option<SpikeRecording>>, SimError> {
        let (steps, first_step) = self.clock.take();
        let sources: Vec<(&wgpu::Buffer, u64)> = self
            .populations
            .iter()
            .zip(&self.net.populations)
            .filter_map(|(gpu, pop)| {
                gpu.recording
                    .as_ref()
                    .map(|r| (r, words_per_step(pop.size) as u64 * 4 * u64::from(steps)))
            })
            .collect();
        let mut data = self.read_buffers(&sources)?.into_iter();
        let mut out = Vec::with_capacity(self.populations.len());
        for (gpu, pop) in self.populations.iter().zip(&self.net.populations) {
            out.push(match &gpu.recording {
                Some(_) => {
                    let bytes = data.next().unwrap_or_default();
                    let mut rec =
                        SpikeRecording::new(&pop.name, pop.size, steps, self.net.dt, first_step);
                    rec.bits = bytemuck::pod_collect_to_vec(&bytes);
                    Some(rec)
                }
                None => None,
            });
        }
        Ok(out)
    }

    fn read_state(
        &mut self,
        population: PopulationId,
        var: StateVar,
    ) -> Result<Vec<f32>, SimError> {
        let p = population.index();
        let gpu = self
            .populations
            .get(p)
            .ok_or(SimError::UnknownPopulation(p))?;
        let buffer = match var {
            StateVar::V => &gpu.v,
            StateVar::RefracTime => &gpu.refrac_time,
        };
        self.read_f32(buffer, self.net.populations[p].size)
    }

    fn read_in_syn(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        let g = group.index();
        let gpu = self.groups.get(g).ok_or(SimError::UnknownSynapseGroup(g))?;
        let n = self.net.populations[self.net.synapse_groups[g].post].size;
        self.read_f32(&gpu.in_syn, n)
    }

    fn timestep(&self) -> u64 {
        self.clock.timestep
    }
}
