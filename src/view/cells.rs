//! A frame's first stage: each raster panel's spikes turned into cells on the device,
//! one per pixel row and drawn column, and the lit ones listed
//! (`shaders/raster_cells.wgsl`), once per new image. Each frame then draws the lit
//! cells alone (`render.rs`, `shaders/lit_cells.wgsl`): a few hundred small quads,
//! however large the panels.

use image::Rgb;

use super::ViewError;
use super::layout::Rect;
use crate::gpu::{GpuContext, GpuSimulation};
use crate::model::PopulationId;
use crate::sim::SpikeRecording;

/// The most raster panels a frame holds: PN, KC, GGN and MBON.
pub const MAX_PANELS: usize = 4;

/// Where a panel's spike words come from.
pub enum SpikeSource<'a> {
    /// A recording on the host (the CPU backend's), uploaded for the draw.
    Host(&'a SpikeRecording),
    /// Rows of a recording buffer on the renderer's own device: `buffer` holds step
    /// `s`'s words from `first_word + s * row_stride`.
    Device {
        /// The buffer (a `GpuSimulation`'s recording).
        buffer: wgpu::Buffer,
        /// Words from one timestep's row to the next.
        row_stride: u32,
        /// Word of neuron 0 in step 0.
        first_word: u32,
    },
}

impl SpikeSource<'static> {
    /// The recording buffer of `population` in `sim`, batch entry 0, on the device, and
    /// the timesteps it holds since the last reset or take: drawn with no read-back, by
    /// a renderer on `sim`'s device ([`Renderer::new`](super::Renderer::new) of
    /// [`sim.context()`](GpuSimulation::context)).
    pub fn device(
        sim: &GpuSimulation,
        population: PopulationId,
    ) -> Result<(SpikeSource<'static>, u32), ViewError> {
        let (buffer, row_stride, steps) = sim.recording_rows(population)?;
        let source = SpikeSource::Device {
            buffer,
            row_stride,
            first_word: 0,
        };
        Ok((source, steps))
    }
}

/// One raster panel to draw: `n_neurons` rows of `n_steps` timesteps in `rect`.
pub struct PanelDraw<'a> {
    /// The panel's inside, in frame pixels.
    pub rect: Rect,
    /// Neurons in the population.
    pub n_neurons: u32,
    /// Timesteps recorded.
    pub n_steps: u32,
    /// The spikes.
    pub spikes: SpikeSource<'a>,
    /// The colour of a lit pixel.
    pub color: Rgb<u8>,
}

/// The uniform of one panel's cells, as `Panel` in `shaders/raster_cells.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct CellsUniform {
    n_neurons: u32,
    n_steps: u32,
    row_stride: u32,
    first_word: u32,
    cols: u32,
    rows: u32,
    first_cell: u32,
    _pad: u32,
}

/// Where a panel's cells are and how it is drawn, as `PanelCells` in
/// `shaders/lit_cells.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct PanelCells {
    rect: [u32; 4],
    cols: u32,
    first_cell: u32,
    _pad: [u32; 2],
    color: [f32; 4],
}

/// The lit cells' draw's uniform, as `Panels` in `shaders/lit_cells.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct PanelsUniform {
    /// The target's width and height in pixels.
    pub frame_size: [u32; 2],
    n_panels: u32,
    _pad: u32,
    panels: [PanelCells; MAX_PANELS],
}

/// `draw_indirect`'s arguments before the lit cells are counted in: two triangles per
/// cell, none yet.
const NO_CELLS: [u32; 4] = [6, 0, 0, 0];

/// Threads of `raster_cells`' workgroup: one word of a timestep's spikes each.
const WORKGROUP: u32 = 64;

/// The compute stage, the list of lit cells and the draw's arguments.
pub(super) struct RasterCells {
    ctx: GpuContext,
    pipeline: wgpu::ComputePipeline,
    /// Whether each cell is listed yet, and the lit cells' numbers: room for every
    /// cell in each; both grown when a frame has more.
    listed: wgpu::Buffer,
    lit: wgpu::Buffer,
    /// `draw_indirect`'s arguments, the instance count the lit cells'.
    draw: wgpu::Buffer,
}

impl RasterCells {
    pub fn new(ctx: &GpuContext) -> RasterCells {
        let device = ctx.device();
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("raster_cells"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shaders/raster_cells.wgsl").into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("raster_cells"),
            layout: None,
            module: &module,
            entry_point: Some("raster_cells"),
            compilation_options: Default::default(),
            cache: None,
        });
        let draw = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("lit cells draw"),
            size: size_of_val(&NO_CELLS) as u64,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::INDIRECT
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        ctx.queue()
            .write_buffer(&draw, 0, bytemuck::cast_slice(&NO_CELLS));
        RasterCells {
            ctx: ctx.clone(),
            pipeline,
            listed: cells_buffer(device, 1),
            lit: cells_buffer(device, 1),
            draw,
        }
    }

    /// The lit cells' numbers, for the draw to read.
    pub fn lit(&self) -> &wgpu::Buffer {
        &self.lit
    }

    /// The draw's indirect arguments.
    pub fn draw_args(&self) -> &wgpu::Buffer {
        &self.draw
    }

    /// Lists `panels`' lit cells (submitted; the frame draw is queued behind it) and
    /// says where each panel's cells are numbered. `Ok(true)` in the second place where
    /// the list was replaced by a larger one.
    pub fn compute(
        &mut self,
        panels: &[PanelDraw<'_>],
    ) -> Result<(PanelsUniform, bool), ViewError> {
        let drawn: Vec<&PanelDraw<'_>> = panels
            .iter()
            .filter(|p| p.rect.w > 0 && p.rect.h > 0 && p.n_steps > 0 && p.n_neurons > 0)
            .collect();
        if drawn.len() > MAX_PANELS {
            return Err(ViewError::TooManyPanels(drawn.len()));
        }
        let mut compose = PanelsUniform {
            n_panels: drawn.len() as u32,
            ..Default::default()
        };
        let mut total = 0u64;
        for (slot, p) in compose.panels.iter_mut().zip(&drawn) {
            check_size(p, self.ctx.limits())?;
            let cols = p.rect.w.min(p.n_steps);
            let [r, g, b] = p.color.0.map(|v| f32::from(v) / 255.0);
            *slot = PanelCells {
                rect: [p.rect.x, p.rect.y, p.rect.w, p.rect.h],
                cols,
                first_cell: u32::try_from(total).map_err(|_| ViewError::TooManyCells(total))?,
                _pad: [0; 2],
                color: [r, g, b, 1.0],
            };
            total += u64::from(cols) * u64::from(p.rect.h);
        }
        let grown = self.reserve(total)?;
        let groups: Vec<(wgpu::BindGroup, [u32; 2])> = compose
            .panels
            .iter()
            .zip(&drawn)
            .map(|(slot, p)| self.bind(p, slot))
            .collect();
        let queue = self.ctx.queue();
        queue.write_buffer(&self.draw, 0, bytemuck::cast_slice(&NO_CELLS));
        let mut encoder =
            self.ctx
                .device()
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("raster_cells"),
                });
        encoder.clear_buffer(&self.listed, 0, Some(total.max(1) * 4));
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("raster_cells"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.pipeline);
            for (group, [words, steps]) in &groups {
                pass.set_bind_group(0, group, &[]);
                pass.dispatch_workgroups(words.div_ceil(WORKGROUP), *steps, 1);
            }
        }
        queue.submit([encoder.finish()]);
        self.ctx.check_errors()?;
        Ok((compose, grown))
    }

    /// Makes room for `total` cells; `Ok(true)` where the buffer was replaced.
    fn reserve(&mut self, total: u64) -> Result<bool, ViewError> {
        let bytes = total.max(1) * 4;
        let limits = self.ctx.limits();
        let most = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        if bytes > most {
            return Err(ViewError::TooManyCells(total));
        }
        if bytes <= self.lit.size() {
            return Ok(false);
        }
        self.listed = cells_buffer(self.ctx.device(), total);
        self.lit = cells_buffer(self.ctx.device(), total);
        Ok(true)
    }

    /// One panel's uniform and spike words, bound, and the words of a timestep and the
    /// timesteps: `raster_cells`' invocations.
    fn bind(&self, p: &PanelDraw<'_>, slot: &PanelCells) -> (wgpu::BindGroup, [u32; 2]) {
        use wgpu::util::DeviceExt as _;
        let device = self.ctx.device();
        let (buffer, row_stride, first_word) = match &p.spikes {
            SpikeSource::Host(rec) => {
                let words: &[u32] = if rec.bits.is_empty() { &[0] } else { &rec.bits };
                let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("view spikes"),
                    contents: bytemuck::cast_slice(words),
                    usage: wgpu::BufferUsages::STORAGE,
                });
                let stride = crate::sim::words_per_step(rec.n_neurons) as u32;
                (buffer, stride, 0)
            }
            SpikeSource::Device {
                buffer,
                row_stride,
                first_word,
            } => (buffer.clone(), *row_stride, *first_word),
        };
        let uniform = CellsUniform {
            n_neurons: p.n_neurons,
            n_steps: p.n_steps,
            row_stride,
            first_word,
            cols: slot.cols,
            rows: p.rect.h,
            first_cell: slot.first_cell,
            _pad: 0,
        };
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("raster_cells panel"),
            contents: bytemuck::bytes_of(&uniform),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("raster_cells"),
            layout: &self.pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: self.listed.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: self.lit.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: self.draw.as_entire_binding(),
                },
            ],
        });
        (group, [p.n_neurons.div_ceil(32), p.n_steps])
    }
}

/// Refuses a panel whose arithmetic in `raster_cells.wgsl` would pass 32 bits, or
/// whose timesteps are more workgroups than a dispatch has.
fn check_size(p: &PanelDraw<'_>, limits: &wgpu::Limits) -> Result<(), ViewError> {
    let fits = |a: u32, b: u32| (u64::from(a) + 1) * u64::from(b) < 1 << 32;
    let cols = p.rect.w.min(p.n_steps);
    if fits(p.n_neurons, p.rect.h)
        && fits(p.n_steps, cols)
        && p.n_steps <= limits.max_compute_workgroups_per_dimension
    {
        Ok(())
    } else {
        Err(ViewError::PanelTooLarge {
            n_neurons: p.n_neurons,
            n_steps: p.n_steps,
        })
    }
}

/// A storage buffer of a u32 for each of `cells` cells (at least one).
fn cells_buffer(device: &wgpu::Device, cells: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("raster cells"),
        size: cells.max(1) * 4,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

#[cfg(test)]
mod tests {
    /// `source` parsed and validated by naga.
    fn validated(source: &str) -> naga::Module {
        let module = naga::front::wgsl::parse_str(source).expect("parses");
        let mut validator = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        );
        validator.validate(&module).expect("validates");
        module
    }

    /// The size of `name`'s struct in `source`, as naga lays it out.
    fn wgsl_struct_size(source: &str, name: &str) -> usize {
        let module = validated(source);
        let (_, ty) = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some(name))
            .expect("the struct is declared");
        ty.inner.size(module.to_ctx()) as usize
    }

    #[test]
    fn the_shaders_validate_and_their_uniforms_match_the_host_s() {
        let cells = include_str!("shaders/raster_cells.wgsl");
        let draw = include_str!("shaders/lit_cells.wgsl");
        assert_eq!(
            wgsl_struct_size(cells, "Panel"),
            size_of::<super::CellsUniform>()
        );
        assert_eq!(
            wgsl_struct_size(cells, "DrawArgs"),
            size_of_val(&super::NO_CELLS)
        );
        assert_eq!(
            wgsl_struct_size(draw, "PanelCells"),
            size_of::<super::PanelCells>()
        );
        assert_eq!(
            wgsl_struct_size(draw, "Panels"),
            size_of::<super::PanelsUniform>()
        );
        assert!(draw.contains(&format!("MAX_PANELS: u32 = {}u;", super::MAX_PANELS)));
        validated(include_str!("shaders/blit.wgsl"));
    }
}
