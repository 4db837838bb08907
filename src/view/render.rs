//! The viewer's wgpu drawing, in two stages. When a new image's spikes arrive, a
//! compute pass lists each raster panel's lit cells, one cell per pixel row and drawn
//! column (`cells.rs`): from the simulation's own recording buffer on the GPU backend,
//! from words uploaded from a host recording on the CPU backend. A frame is then the
//! CPU-drawn overlay (text, axes, digit) copied into the target, with two triangles per
//! lit cell drawn over it (`shaders/lit_cells.wgsl`), an indirect draw whose count the
//! compute pass wrote. No shader runs over the whole frame: on a software adapter a
//! full-frame draw costs more than everything else together.
//!
//! A window's surface is drawn into directly where it has the frame's format and takes
//! copies; a screenshot is drawn into a texture of ours and read back. The overlay is
//! uploaded whole when the frame's size changes, and in parts (a line of text, the
//! digit) as they change.

use image::{Rgb, RgbImage};

use super::ViewError;
use super::cells::{PanelDraw, PanelsUniform, RasterCells};
use crate::gpu::GpuContext;

/// The overlay's texture, and the frame texture of the same size that screenshots (and
/// windows that can't take a plain copy) are drawn into.
struct Targets {
    overlay: wgpu::Texture,
    frame: wgpu::Texture,
    width: u32,
    height: u32,
}

/// The copy of a finished frame onto a surface of another format or without copy
/// usage: a full-target draw.
struct Blit {
    format: wgpu::TextureFormat,
    pipeline: wgpu::RenderPipeline,
    group: Option<wgpu::BindGroup>,
}

/// Draws frames on one device.
pub struct Renderer {
    ctx: GpuContext,
    /// The overlay's and the frame texture's format: 8-bit RGBA, or a window surface's
    /// BGRA, so a frame is the overlay copied and the lit cells drawn over it.
    format: wgpu::TextureFormat,
    cells: RasterCells,
    /// The lit cells' draw, its uniform and, once made, their bindings.
    pipeline: wgpu::RenderPipeline,
    uniform: wgpu::Buffer,
    group: Option<wgpu::BindGroup>,
    blit: Option<Blit>,
    targets: Option<Targets>,
}

impl Renderer {
    /// A renderer on `ctx`'s device (the simulation's own, on the GPU backend), drawing
    /// 8-bit RGBA frames.
    pub fn new(ctx: &GpuContext) -> Result<Renderer, ViewError> {
        Renderer::with_format(ctx, wgpu::TextureFormat::Rgba8Unorm)
    }

    /// A renderer whose frames are `format`: 8-bit RGBA or BGRA, not sRGB (a window
    /// surface's, so a frame reaches it by a plain copy); RGBA for any other.
    pub fn with_format(
        ctx: &GpuContext,
        format: wgpu::TextureFormat,
    ) -> Result<Renderer, ViewError> {
        let format = match format {
            wgpu::TextureFormat::Bgra8Unorm => format,
            _ => wgpu::TextureFormat::Rgba8Unorm,
        };
        let device = ctx.device();
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("lit_cells"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shaders/lit_cells.wgsl").into()),
        });
        let pipeline = pipeline(device, &module, ("vs_cell", "fs_cell"), format);
        let uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("lit_cells"),
            size: size_of::<PanelsUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let renderer = Renderer {
            ctx: ctx.clone(),
            format,
            cells: RasterCells::new(ctx),
            pipeline,
            uniform,
            group: None,
            blit: None,
            targets: None,
        };
        ctx.check_errors()?;
        Ok(renderer)
    }

    /// The format of the frames drawn.
    pub fn format(&self) -> wgpu::TextureFormat {
        self.format
    }

    /// Draws a frame offscreen: `overlay` (the text, axes and digit, of the frame's
    /// size; the last one again if `None`) with `panels` over it.
    pub fn draw(
        &mut self,
        overlay: Option<&RgbImage>,
        panels: &[PanelDraw<'_>],
    ) -> Result<(), ViewError> {
        if let Some(overlay) = overlay {
            self.set_overlay(overlay)?;
        }
        self.set_panels(panels)?;
        self.draw_offscreen()
    }

    /// The whole overlay: the text, axes and digit, of the frame's size.
    pub fn set_overlay(&mut self, overlay: &RgbImage) -> Result<(), ViewError> {
        let (width, height) = overlay.dimensions();
        if width == 0 || height == 0 {
            return Err(ViewError::EmptyFrame);
        }
        self.resize(width, height);
        self.write_overlay(0, 0, overlay)
    }

    /// Part of the overlay, with its top-left corner at `(x, y)`: a line of text or the
    /// digit that changed.
    pub fn write_overlay(&mut self, x: u32, y: u32, part: &RgbImage) -> Result<(), ViewError> {
        let targets = self.targets.as_ref().ok_or(ViewError::EmptyFrame)?;
        let (w, h) = part.dimensions();
        let fits = |at: u32, len: u32, side: u32| at.checked_add(len).is_some_and(|e| e <= side);
        if !fits(x, w, targets.width) || !fits(y, h, targets.height) {
            return Err(ViewError::OverlayOutside {
                part: (x, y, w, h),
                frame: (targets.width, targets.height),
            });
        }
        if w == 0 || h == 0 {
            return Ok(());
        }
        let bgra = self.format == wgpu::TextureFormat::Bgra8Unorm;
        let mut texels = Vec::with_capacity(part.as_raw().len() / 3 * 4);
        for p in part.as_raw().chunks_exact(3) {
            let [r, g, b] = [p[0], p[1], p[2]];
            texels.extend_from_slice(&if bgra { [b, g, r, 255] } else { [r, g, b, 255] });
        }
        self.ctx.queue().write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &targets.overlay,
                mip_level: 0,
                origin: wgpu::Origin3d { x, y, z: 0 },
                aspect: wgpu::TextureAspect::All,
            },
            &texels,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(w * 4),
                rows_per_image: Some(h),
            },
            extent(w, h),
        );
        Ok(())
    }

    /// The raster panels of the image just presented: their lit cells listed now.
    pub fn set_panels(&mut self, panels: &[PanelDraw<'_>]) -> Result<(), ViewError> {
        let targets = self.targets.as_ref().ok_or(ViewError::EmptyFrame)?;
        // Inside the frame, a panel's rows (and so `raster_cells`' loop over the rows a
        // neuron fills) are bounded by the frame's height.
        let inside = |r: &super::Rect| {
            r.x.checked_add(r.w).is_some_and(|e| e <= targets.width)
                && r.y.checked_add(r.h).is_some_and(|e| e <= targets.height)
        };
        if let Some(p) = panels.iter().find(|p| !inside(&p.rect)) {
            let r = p.rect;
            return Err(ViewError::OverlayOutside {
                part: (r.x, r.y, r.w, r.h),
                frame: (targets.width, targets.height),
            });
        }
        let (mut uniform, grown) = self.cells.compute(panels)?;
        uniform.frame_size = [targets.width, targets.height];
        self.ctx
            .queue()
            .write_buffer(&self.uniform, 0, bytemuck::bytes_of(&uniform));
        if grown {
            self.group = None;
        }
        Ok(())
    }

    /// Draws the frame into `target`, a window's surface texture of the overlay's
    /// size: the overlay copied and the lit cells drawn over it where the surface has
    /// the frame's format and takes copies, else a frame drawn offscreen and copied by
    /// a draw.
    pub fn draw_to(&mut self, target: &wgpu::Texture) -> Result<(), ViewError> {
        let direct = target.format() == self.format
            && target.usage().contains(wgpu::TextureUsages::COPY_DST);
        let mut encoder = self.encoder("view frame");
        if direct {
            self.encode_frame(&mut encoder, target)?;
        } else {
            let frame = self.frame()?.clone();
            self.encode_frame(&mut encoder, &frame)?;
            self.encode_blit(&mut encoder, &frame, target);
        }
        self.ctx.queue().submit([encoder.finish()]);
        Ok(self.ctx.check_errors()?)
    }

    /// Draws the frame into the renderer's own texture, for [`read_frame`](Self::read_frame).
    pub fn draw_offscreen(&mut self) -> Result<(), ViewError> {
        let frame = self.frame()?.clone();
        let mut encoder = self.encoder("view frame");
        self.encode_frame(&mut encoder, &frame)?;
        self.ctx.queue().submit([encoder.finish()]);
        Ok(self.ctx.check_errors()?)
    }

    /// The overlay copied into `target` and the lit cells drawn over it.
    fn encode_frame(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::Texture,
    ) -> Result<(), ViewError> {
        let targets = self.targets.as_ref().ok_or(ViewError::EmptyFrame)?;
        encoder.copy_texture_to_texture(
            targets.overlay.as_image_copy(),
            target.as_image_copy(),
            extent(targets.width, targets.height),
        );
        let group = self.group.get_or_insert_with(|| {
            bind(
                &self.ctx,
                &self.pipeline,
                &[
                    self.uniform.as_entire_binding(),
                    self.cells.lit().as_entire_binding(),
                ],
            )
        });
        let view = target.create_view(&Default::default());
        let mut pass = begin_pass(encoder, &view);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &*group, &[]);
        pass.draw_indirect(self.cells.draw_args(), 0);
        Ok(())
    }

    /// `frame` drawn onto `target` pixel for pixel.
    fn encode_blit(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        frame: &wgpu::Texture,
        target: &wgpu::Texture,
    ) {
        let format = target.format();
        if self.blit.as_ref().is_none_or(|b| b.format != format) {
            let device = self.ctx.device();
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("blit"),
                source: wgpu::ShaderSource::Wgsl(include_str!("shaders/blit.wgsl").into()),
            });
            let pipeline = pipeline(device, &module, ("vs_full", "fs_blit"), format);
            self.blit = Some(Blit {
                format,
                pipeline,
                group: None,
            });
        }
        let Some(blit) = self.blit.as_mut() else {
            return;
        };
        let group = blit.group.get_or_insert_with(|| {
            let view = frame.create_view(&Default::default());
            bind(
                &self.ctx,
                &blit.pipeline,
                &[wgpu::BindingResource::TextureView(&view)],
            )
        });
        let view = target.create_view(&Default::default());
        let mut pass = begin_pass(encoder, &view);
        pass.set_pipeline(&blit.pipeline);
        pass.set_bind_group(0, &*group, &[]);
        pass.draw(0..3, 0..1);
    }

    /// The frame texture, once there is an overlay.
    fn frame(&self) -> Result<&wgpu::Texture, ViewError> {
        Ok(&self.targets.as_ref().ok_or(ViewError::EmptyFrame)?.frame)
    }

    /// The frame [`draw_offscreen`](Self::draw_offscreen) drew last, read back.
    pub fn read_frame(&self) -> Result<RgbImage, ViewError> {
        let targets = self.targets.as_ref().ok_or(ViewError::EmptyFrame)?;
        let (width, height) = (targets.width, targets.height);
        let row = (width * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let buffer = self.ctx.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some("view screenshot"),
            size: u64::from(row) * u64::from(height),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self.encoder("view screenshot");
        encoder.copy_texture_to_buffer(
            targets.frame.as_image_copy(),
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
        let bgra = self.format == wgpu::TextureFormat::Bgra8Unorm;
        let mut img = RgbImage::new(width, height);
        for (y, line) in data.chunks_exact(row as usize).enumerate() {
            for (x, px) in line[..width as usize * 4].chunks_exact(4).enumerate() {
                let rgb = if bgra {
                    [px[2], px[1], px[0]]
                } else {
                    [px[0], px[1], px[2]]
                };
                img.put_pixel(x as u32, y as u32, Rgb(rgb));
            }
        }
        Ok(img)
    }

    /// Makes the overlay and frame `width` x `height`, if they aren't.
    fn resize(&mut self, width: u32, height: u32) {
        if self
            .targets
            .as_ref()
            .is_some_and(|t| (t.width, t.height) == (width, height))
        {
            return;
        }
        use wgpu::TextureUsages as U;
        let device = self.ctx.device();
        let size = (width, height);
        let overlay = texture(
            device,
            "view overlay",
            size,
            self.format,
            U::COPY_DST | U::COPY_SRC,
        );
        let usage = U::RENDER_ATTACHMENT | U::COPY_SRC | U::COPY_DST | U::TEXTURE_BINDING;
        let frame = texture(device, "view frame", size, self.format, usage);
        self.targets = Some(Targets {
            overlay,
            frame,
            width,
            height,
        });
        if let Some(blit) = &mut self.blit {
            blit.group = None;
        }
    }

    fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.ctx
            .device()
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }
}

/// `resources` bound in order (binding 0, 1, ...) for `pipeline`'s group 0.
fn bind(
    ctx: &GpuContext,
    pipeline: &wgpu::RenderPipeline,
    resources: &[wgpu::BindingResource<'_>],
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry<'_>> = resources
        .iter()
        .enumerate()
        .map(|(k, resource)| wgpu::BindGroupEntry {
            binding: k as u32,
            resource: resource.clone(),
        })
        .collect();
    ctx.device().create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("view"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    })
}

/// A 2D texture of `size`.
fn texture(
    device: &wgpu::Device,
    label: &str,
    (width, height): (u32, u32),
    format: wgpu::TextureFormat,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: extent(width, height),
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

fn extent(width: u32, height: u32) -> wgpu::Extent3d {
    wgpu::Extent3d {
        width,
        height,
        depth_or_array_layers: 1,
    }
}

/// A pass drawing over `target`'s contents.
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
                load: wgpu::LoadOp::Load,
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
