//! The window: winit 0.30's `ApplicationHandler` around a session and a renderer on the
//! device of the window's surface, which the GPU backend simulates on too.
//!
//! Images go by at the pace chosen (the event loop sleeps until the next is due, and
//! waits for input alone while paused); each new image, key or window change asks for
//! a redraw, and a redraw draws the frame and copies it to the surface.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use winit::application::ApplicationHandler;
use winit::dpi::{LogicalSize, PhysicalSize};
use winit::event::{ElementState, KeyEvent, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::window::{Window, WindowId};

use super::frame::{Controls, Painter};
use super::layout::MAX_SCALE;
use super::render::Renderer;
use super::session::Session;
use super::{MIN_SIZE, Pace, ViewError, ViewOptions};
use crate::gpu::GpuContext;
use crate::io::mnist::Dataset;

/// At the fastest pace, images are simulated for this long between frames: a 60 Hz
/// display's frame.
const FRAME_TIME: std::time::Duration = std::time::Duration::from_micros(16_667);

/// What `--frames N --screenshot FILE` asks of a window: draw N frames, one image each,
/// save the last, and close.
#[derive(Clone, Debug)]
pub struct FrameLimit {
    /// Frames to draw.
    pub frames: u32,
    /// Where the last one goes.
    pub screenshot: PathBuf,
}

/// Opens the viewer's window and runs it until it is closed (or, with `limit`, until
/// its frames are drawn). Fails with [`ViewError::NoDisplay`] where there is no display.
pub fn run_window(
    options: &ViewOptions,
    data: Dataset,
    limit: Option<FrameLimit>,
) -> Result<(), ViewError> {
    check_display()?;
    let event_loop = EventLoop::new().map_err(|e| ViewError::NoDisplay(e.to_string()))?;
    let mut app = App {
        options: options.clone(),
        data: Some(data),
        limit,
        state: None,
        error: None,
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| ViewError::Window(e.to_string()))?;
    app.error.map_or(Ok(()), Err)
}

/// Refuses to try a window where no display server is named: winit's own error there
/// is obscure, and some of its backends panic.
fn check_display() -> Result<(), ViewError> {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let set = |var| std::env::var_os(var).is_some_and(|v| !v.is_empty());
        if !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
            return Err(ViewError::NoDisplay(
                "neither DISPLAY nor WAYLAND_DISPLAY is set".into(),
            ));
        }
    }
    Ok(())
}

/// The application before and after its window exists.
struct App {
    options: ViewOptions,
    /// The images, until the window's session takes them.
    data: Option<Dataset>,
    limit: Option<FrameLimit>,
    state: Option<Running>,
    /// Why the loop was stopped, if it failed.
    error: Option<ViewError>,
}

/// A window, its surface, and what it shows.
struct Running {
    window: Arc<Window>,
    instance: wgpu::Instance,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    ctx: GpuContext,
    renderer: Renderer,
    painter: Painter,
    session: Session,
    /// `ViewOptions::text_scale`.
    text_scale: Option<u32>,
    paused: bool,
    pace: Pace,
    /// When the image shown was presented; `None` before the first.
    presented_at: Option<Instant>,
    frames: u32,
    screenshots: u32,
    /// The image of the frame drawn last (images can move on before it is redrawn).
    shown: usize,
    /// How long the last frame took to draw and show.
    draw_time: std::time::Duration,
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.state.is_some() {
            return;
        }
        match self.start(event_loop) {
            Ok(state) => self.state = Some(state),
            Err(e) => self.fail(event_loop, e),
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _: WindowId, event: WindowEvent) {
        let Some(state) = self.state.as_mut() else {
            return;
        };
        let result = match event {
            WindowEvent::CloseRequested => {
                event_loop.exit();
                Ok(())
            }
            WindowEvent::Resized(size) => {
                state.resize(size);
                Ok(())
            }
            WindowEvent::RedrawRequested => state.redraw(event_loop, self.limit.as_ref()),
            WindowEvent::KeyboardInput { event, .. } => state.key(event_loop, &event),
            _ => Ok(()),
        };
        if let Err(e) = result {
            self.fail(event_loop, e);
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        let Some(state) = self.state.as_mut() else {
            return;
        };
        let due = match (state.paused, self.limit.is_some(), state.presented_at) {
            (true, _, Some(_)) => None,
            // Frames for a screenshot go one image each, as fast as they draw.
            (_, true, _) | (_, _, None) => Some(Instant::now()),
            (false, false, Some(at)) => Some(at + state.pace.period()),
        };
        match due {
            None => event_loop.set_control_flow(ControlFlow::Wait),
            Some(due) if due <= Instant::now() => {
                let fastest = state.pace == Pace::FASTEST && self.limit.is_none();
                if let Err(e) = state.next_images(fastest) {
                    self.fail(event_loop, e);
                    return;
                }
                // The redraw (which waits for the display) paces the next image.
                event_loop.set_control_flow(ControlFlow::Wait);
            }
            Some(due) => event_loop.set_control_flow(ControlFlow::WaitUntil(due)),
        }
    }
}

impl App {
    /// The window, its device, the session and the renderer.
    fn start(&mut self, event_loop: &ActiveEventLoop) -> Result<Running, ViewError> {
        let (w, h) = self.options.size;
        let attributes = Window::default_attributes()
            .with_title("kenyon view")
            // Logical pixels: on a HiDPI display the window is as large to the eye, with
            // more pixels, and the text is scaled to match.
            .with_inner_size(LogicalSize::new(w, h))
            .with_min_inner_size(LogicalSize::new(MIN_SIZE.0, MIN_SIZE.1));
        let window = Arc::new(
            event_loop
                .create_window(attributes)
                .map_err(|e| ViewError::Window(e.to_string()))?,
        );
        let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
        descriptor.backends = wgpu::Backends::PRIMARY;
        let instance = wgpu::Instance::new(descriptor);
        let surface = instance
            .create_surface(Arc::clone(&window))
            .map_err(|e| ViewError::Window(e.to_string()))?;
        let ctx = GpuContext::for_surface(&instance, &surface, self.options.adapter.as_deref())?;
        let size = window.inner_size();
        let config = surface_config(&surface, &ctx, size)?;
        surface.configure(ctx.device(), &config);
        let data = self
            .data
            .take()
            .ok_or(ViewError::Window("started twice".into()))?;
        let session = Session::new(&ctx, &self.options, data)?;
        let renderer = Renderer::new(&ctx)?;
        Ok(Running {
            window,
            instance,
            surface,
            config,
            ctx,
            renderer,
            painter: Painter::default(),
            session,
            text_scale: self.options.text_scale,
            paused: false,
            pace: Pace::default(),
            presented_at: None,
            frames: 0,
            screenshots: 0,
            shown: 0,
            draw_time: std::time::Duration::ZERO,
        })
    }

    fn fail(&mut self, event_loop: &ActiveEventLoop, e: ViewError) {
        self.error.get_or_insert(e);
        event_loop.exit();
    }
}

/// The surface's configuration at `size`: a format that isn't sRGB where there is
/// one, so the frame's colours go out as drawn.
fn surface_config(
    surface: &wgpu::Surface<'_>,
    ctx: &GpuContext,
    size: PhysicalSize<u32>,
) -> Result<wgpu::SurfaceConfiguration, ViewError> {
    let adapter = ctx.wgpu_adapter();
    let mut config = surface
        .get_default_config(adapter, size.width.max(1), size.height.max(1))
        .ok_or_else(|| ViewError::Window("the adapter cannot present to this window".into()))?;
    let formats = surface.get_capabilities(adapter).formats;
    if let Some(format) = formats.iter().find(|f| !f.is_srgb()) {
        config.format = *format;
    }
    Ok(config)
}

impl Running {
    /// Presents the image due (the next one, after the first) and asks for a redraw;
    /// at the fastest pace, images for a display's frame time, or for nine times as
    /// long as a frame takes to draw where that is longer (a software adapter), so
    /// that drawing takes at most a tenth of the simulation's time (the last is drawn).
    fn next_images(&mut self, fastest: bool) -> Result<(), ViewError> {
        let start = Instant::now();
        let budget = FRAME_TIME.max(self.draw_time * 9);
        loop {
            if self.presented_at.is_some() {
                self.session.step(1);
            }
            self.present()?;
            if !fastest || start.elapsed() >= budget {
                return Ok(());
            }
        }
    }

    fn present(&mut self) -> Result<(), ViewError> {
        self.session.present()?;
        self.presented_at = Some(Instant::now());
        self.window.request_redraw();
        Ok(())
    }

    /// Reconfigures the surface for the window's new size; a minimised window (0 x 0)
    /// keeps the old configuration and is not drawn.
    fn resize(&mut self, size: PhysicalSize<u32>) {
        if size.width == 0 || size.height == 0 {
            return;
        }
        self.config.width = size.width;
        self.config.height = size.height;
        self.surface.configure(self.ctx.device(), &self.config);
        self.window.request_redraw();
    }

    /// Draws the frame and shows it; with a frame limit, counts it and saves the last.
    fn redraw(
        &mut self,
        event_loop: &ActiveEventLoop,
        limit: Option<&FrameLimit>,
    ) -> Result<(), ViewError> {
        let size = self.window.inner_size();
        if size.width < MIN_SIZE.0 || size.height < MIN_SIZE.1 || self.presented_at.is_none() {
            return Ok(());
        }
        let scale = self.scale(size);
        let texture = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(t) => t,
            wgpu::CurrentSurfaceTexture::Suboptimal(t) => {
                drop(t);
                self.surface.configure(self.ctx.device(), &self.config);
                self.window.request_redraw();
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => {
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Outdated => {
                self.resize(size);
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Lost => return self.recreate_surface(),
            wgpu::CurrentSurfaceTexture::Validation => {
                return Err(ViewError::Window("acquiring the surface failed".into()));
            }
        };
        let drawing = Instant::now();
        let frame_size = (texture.texture.width(), texture.texture.height());
        let controls = Controls {
            paused: self.paused,
            // Frames for a screenshot go one image each, whatever the pace.
            pace: if limit.is_some() {
                Pace::FASTEST
            } else {
                self.pace
            },
            interactive: limit.is_none(),
            scale,
        };
        self.painter
            .draw(&mut self.renderer, &self.session, frame_size, controls)?;
        self.shown = self.session.index;
        let view = texture.texture.create_view(&Default::default());
        self.renderer.present_to(&view, self.config.format)?;
        self.window.pre_present_notify();
        self.ctx.queue().present(texture);
        self.draw_time = drawing.elapsed();
        self.frames += 1;
        if let Some(limit) = limit
            && self.frames >= limit.frames
        {
            let img = self.renderer.read_frame()?;
            crate::plot::write_png(&limit.screenshot, &img)?;
            event_loop.exit();
        }
        Ok(())
    }

    /// The scale of text and spacing: `--text-scale`, or the display's scale factor
    /// rounded; smaller where the window is below the minimum size at that scale.
    fn scale(&self, size: PhysicalSize<u32>) -> u32 {
        let display = self.window.scale_factor().round();
        let display = display.clamp(1.0, f64::from(MAX_SCALE)) as u32;
        let wanted = self.text_scale.unwrap_or(display);
        let fits = |k: &u32| size.width >= MIN_SIZE.0 * k && size.height >= MIN_SIZE.1 * k;
        (1..=wanted).rev().find(fits).unwrap_or(1)
    }

    /// A new surface for the window, after the old one was lost.
    fn recreate_surface(&mut self) -> Result<(), ViewError> {
        self.surface = self
            .instance
            .create_surface(Arc::clone(&self.window))
            .map_err(|e| ViewError::Window(e.to_string()))?;
        self.surface.configure(self.ctx.device(), &self.config);
        self.window.request_redraw();
        Ok(())
    }

    /// The controls: space, arrows, g, +/-, s, q/Escape.
    fn key(&mut self, event_loop: &ActiveEventLoop, event: &KeyEvent) -> Result<(), ViewError> {
        if event.state != ElementState::Pressed {
            return Ok(());
        }
        match event.logical_key.as_ref() {
            Key::Named(NamedKey::Space) => self.paused = !self.paused,
            Key::Named(NamedKey::ArrowRight) => {
                self.session.step(1);
                self.present()?;
            }
            Key::Named(NamedKey::ArrowLeft) => {
                self.session.step(-1);
                self.present()?;
            }
            Key::Named(NamedKey::Escape) | Key::Character("q" | "Q") => event_loop.exit(),
            Key::Character("g" | "G") => {
                self.session.toggle_gain_control()?;
                self.present()?;
            }
            Key::Character("+" | "=") => self.pace = self.pace.faster(),
            Key::Character("-" | "_") => self.pace = self.pace.slower(),
            Key::Character("s" | "S") => self.screenshot()?,
            _ => return Ok(()),
        }
        self.window.request_redraw();
        Ok(())
    }

    /// Saves the frame shown as `kenyon-view-SPLIT-INDEX-N.png` in the current folder.
    fn screenshot(&mut self) -> Result<(), ViewError> {
        self.screenshots += 1;
        let name = format!(
            "kenyon-view-{}-{:05}-{}.png",
            self.session.split_name(),
            self.shown,
            self.screenshots
        );
        let img = self.renderer.read_frame()?;
        crate::plot::write_png(std::path::Path::new(&name), &img)?;
        eprintln!("screenshot written to {name}");
        Ok(())
    }
}
