//! The viewer's wgpu drawing: a frame is the CPU-drawn overlay (text, axes, digit)
//! copied whole, then one draw per raster panel whose fragment shader reads the spike
//! bitfield itself: the simulation's own recording buffer on the GPU backend, words
//! uploaded from a host recording on the CPU backend. Frames are drawn into a texture of
//! ours, which a window's surface gets by one more copy and a screenshot by a read-back.

use image::{Rgb, RgbImage};

use super::ViewError;
use super::layout::Rect;
use crate::gpu::{GpuContext, GpuSimulation};
use crate::model::PopulationId;
use crate::sim::SpikeRecording;

/// The frame texture's format: plain 8-bit RGBA, so a screenshot's bytes are the
/// overlay's colours exactly.
const FRAME_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

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
    /// a renderer on `sim`'s device ([`Renderer::new`] of
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

/// The uniform of one panel, as `Panel` in `shaders/view.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct PanelUniform {
    rect: [u32; 4],
    frame_size: [u32; 2],
    n_neurons: u32,
    n_steps: u32,
    row_stride: u32,
    first_word: u32,
    _pad: [u32; 2],
    color: [f32; 4],
}

/// The frame texture and its size.
struct Frame {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    overlay: wgpu::Texture,
    overlay_view: wgpu::TextureView,
    width: u32,
    height: u32,
}

/// Draws frames on one device.
pub struct Renderer {
    ctx: GpuContext,
    module: wgpu::ShaderModule,
    image_pipeline: wgpu::RenderPipeline,
    raster_pipeline: wgpu::RenderPipeline,
    /// The pipeline copying a frame to a window, for the surface's format.
    present: Option<(wgpu::TextureFormat, wgpu::RenderPipeline)>,
    frame: Option<Frame>,
}

impl Renderer {
    /// A renderer on `ctx`'s device: the simulation's own, on the GPU backend.
    pub fn new(ctx: &GpuContext) -> Result<Renderer, ViewError> {
        let device = ctx.device();
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("view"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shaders/view.wgsl").into()),
        });
        let image_pipeline = pipeline(device, &module, ("vs_full", "fs_image"), FRAME_FORMAT);
        let raster_pipeline = pipeline(device, &module, ("vs_panel", "fs_raster"), FRAME_FORMAT);
        ctx.check_errors()?;
        Ok(Renderer {
            ctx: ctx.clone(),
            module,
            image_pipeline,
            raster_pipeline,
            present: None,
            frame: None,
        })
    }

    /// Draws a frame of the overlay's size: the overlay, then the panels over it. With
    /// no overlay, the last one is drawn again (its text is rasterised and uploaded
    /// only when it changes).
    pub fn draw(
        &mut self,
        overlay: Option<&RgbImage>,
        panels: &[PanelDraw<'_>],
    ) -> Result<(), ViewError> {
        if let Some(overlay) = overlay {
            let (width, height) = overlay.dimensions();
            if width == 0 || height == 0 {
                return Err(ViewError::EmptyFrame);
            }
            self.resize(width, height);
        }
        let frame = self.frame.as_ref().ok_or(ViewError::EmptyFrame)?;
        let (width, height) = (frame.width, frame.height);
        if let Some(overlay) = overlay {
            upload_overlay(&self.ctx, &frame.overlay, overlay);
        }
        let image_group = self.image_bind_group(&self.image_pipeline, &frame.overlay_view);
        let panel_groups = panels
            .iter()
            .filter(|p| p.rect.w > 0 && p.rect.h > 0 && p.n_steps > 0 && p.n_neurons > 0)
            .map(|p| self.panel_bind_group(p, (width, height)))
            .collect::<Vec<_>>();
        let mut encoder = self.encoder("view frame");
        {
            let mut pass = begin_pass(&mut encoder, &frame.view);
            pass.set_pipeline(&self.image_pipeline);
            pass.set_bind_group(0, &image_group, &[]);
            pass.draw(0..3, 0..1);
            pass.set_pipeline(&self.raster_pipeline);
            for group in &panel_groups {
                pass.set_bind_group(0, group, &[]);
                pass.draw(0..6, 0..1);
            }
        }
        self.ctx.queue().submit([encoder.finish()]);
        Ok(self.ctx.check_errors()?)
    }

    /// Copies the last frame drawn onto `target` (a window's surface texture, of the
    /// frame's size and `format`).
    pub fn present_to(
        &mut self,
        target: &wgpu::TextureView,
        format: wgpu::TextureFormat,
    ) -> Result<(), ViewError> {
        if self.present.as_ref().is_none_or(|(f, _)| *f != format) {
            let device = self.ctx.device();
            let p = pipeline(device, &self.module, ("vs_full", "fs_image"), format);
            self.present = Some((format, p));
        }
        let (frame, Some((_, present))) = (self.frame.as_ref(), self.present.as_ref()) else {
            return Err(ViewError::EmptyFrame);
        };
        let frame = frame.ok_or(ViewError::EmptyFrame)?;
        let group = self.image_bind_group(present, &frame.view);
        let mut encoder = self.encoder("view present");
        {
            let mut pass = begin_pass(&mut encoder, target);
            pass.set_pipeline(present);
            pass.set_bind_group(0, &group, &[]);
            pass.draw(0..3, 0..1);
        }
        self.ctx.queue().submit([encoder.finish()]);
        Ok(self.ctx.check_errors()?)
    }

    /// The last frame drawn, read back.
    pub fn read_frame(&self) -> Result<RgbImage, ViewError> {
        let frame = self.frame.as_ref().ok_or(ViewError::EmptyFrame)?;
        let (width, height) = (frame.width, frame.height);
        let row = (width * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let buffer = self.ctx.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some("view screenshot"),
            size: u64::from(row) * u64::from(height),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self.encoder("view screenshot");
        encoder.copy_texture_to_buffer(
            frame.texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(row),
                    rows_per_image: Some(height),
                },
            },
            extent(width, height),
        );
        let submission = self.ctx.queue().submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.ctx.wait_for(submission)?;
        rx.recv()
            .map_err(|_| ViewError::Readback("the mapping was dropped".into()))?
            .map_err(|e| ViewError::Readback(e.to_string()))?;
        let data = buffer
            .slice(..)
            .get_mapped_range()
            .map_err(|e| ViewError::Readback(e.to_string()))?;
        let mut img = RgbImage::new(width, height);
        for (y, line) in data.chunks_exact(row as usize).enumerate() {
            for (x, px) in line[..width as usize * 4].chunks_exact(4).enumerate() {
                img.put_pixel(x as u32, y as u32, Rgb([px[0], px[1], px[2]]));
            }
        }
        Ok(img)
    }

    /// Makes the frame textures `width` x `height`, if they aren't.
    fn resize(&mut self, width: u32, height: u32) {
        if self
            .frame
            .as_ref()
            .is_some_and(|f| (f.width, f.height) == (width, height))
        {
            return;
        }
        let device = self.ctx.device();
        let texture = |label, usage| {
            device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: extent(width, height),
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: FRAME_FORMAT,
                usage: usage | wgpu::TextureUsages::TEXTURE_BINDING,
                view_formats: &[],
            })
        };
        let frame = texture(
            "view frame",
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        );
        let overlay = texture("view overlay", wgpu::TextureUsages::COPY_DST);
        self.frame = Some(Frame {
            view: frame.create_view(&Default::default()),
            texture: frame,
            overlay_view: overlay.create_view(&Default::default()),
            overlay,
            width,
            height,
        });
    }

    fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.ctx
            .device()
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    fn image_bind_group(
        &self,
        pipeline: &wgpu::RenderPipeline,
        view: &wgpu::TextureView,
    ) -> wgpu::BindGroup {
        self.ctx
            .device()
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("view image"),
                layout: &pipeline.get_bind_group_layout(0),
                entries: &[wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(view),
                }],
            })
    }

    /// The uniform and spike words of one panel, bound.
    fn panel_bind_group(&self, p: &PanelDraw<'_>, target: (u32, u32)) -> wgpu::BindGroup {
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
        let c = |v: u8| f32::from(v) / 255.0;
        let uniform = PanelUniform {
            rect: [p.rect.x, p.rect.y, p.rect.w, p.rect.h],
            frame_size: [target.0, target.1],
            n_neurons: p.n_neurons,
            n_steps: p.n_steps,
            row_stride,
            first_word,
            _pad: [0; 2],
            color: [c(p.color[0]), c(p.color[1]), c(p.color[2]), 1.0],
        };
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("view panel"),
            contents: bytemuck::bytes_of(&uniform),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("view panel"),
            layout: &self.raster_pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: buffer.as_entire_binding(),
                },
            ],
        })
    }
}

fn extent(width: u32, height: u32) -> wgpu::Extent3d {
    wgpu::Extent3d {
        width,
        height,
        depth_or_array_layers: 1,
    }
}

/// The overlay's pixels into its texture, as RGBA.
fn upload_overlay(ctx: &GpuContext, texture: &wgpu::Texture, overlay: &RgbImage) {
    let rgba: Vec<u8> = overlay
        .pixels()
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    ctx.queue().write_texture(
        texture.as_image_copy(),
        &rgba,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(overlay.width() * 4),
            rows_per_image: Some(overlay.height()),
        },
        extent(overlay.width(), overlay.height()),
    );
}

/// A pass over all of `target`, its old contents discarded (every draw covers it).
fn begin_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    target: &wgpu::TextureView,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some("view"),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view: target,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load: wgpu::LoadOp::Clear(wgpu::Color::WHITE),
                store: wgpu::StoreOp::Store,
            },
        })],
        depth_stencil_attachment: None,
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    })
}

/// A pipeline of the module's `(vertex, fragment)` entry points drawing triangles into
/// `format`, with its bind group layout taken from the shader.
fn pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    (vertex, fragment): (&str, &str),
    format: wgpu::TextureFormat,
) -> wgpu::RenderPipeline {
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(fragment),
        layout: None,
        vertex: wgpu::VertexState {
            module,
            entry_point: Some(vertex),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some(fragment),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState {
                format,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shader_parses_and_validates_and_its_panel_matches_the_host_s() {
        let source = include_str!("shaders/view.wgsl");
        let module = naga::front::wgsl::parse_str(source).expect("view.wgsl parses");
        let mut validator = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        );
        validator.validate(&module).expect("view.wgsl validates");
        let panel = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some("Panel"))
            .expect("struct Panel");
        let size = panel.1.inner.size(module.to_ctx());
        assert_eq!(size as usize, std::mem::size_of::<super::PanelUniform>());
    }
}
