//! The simulation a viewer shows: the tutorial network on either backend, the image
//! being presented, and how fast images go by. The GPU backend's spikes stay on the
//! device for the renderer; the CPU backend's recordings are kept for it to upload.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use image::Rgb;

use super::cells::{PanelDraw, SpikeSource};
use super::layout::Layout;
use super::overlay::Axis;
use super::{ViewError, ViewOptions};
use crate::gpu::{GpuContext, GpuSimulation};
use crate::io::mnist::{self, Dataset};
use crate::model::PopulationId;
use crate::sim::{SimConfig, Simulator, SpikeRecording};
use crate::tutorial::{self, MushroomBody, StimulusResponse};
use crate::{BackendChoice, CpuSimulation};

/// Lit pixels of each panel, top to bottom: PN, KC, GGN, MBON.
pub(crate) const PANEL_COLORS: [Rgb<u8>; 4] = [
    Rgb([10, 20, 80]),
    Rgb([150, 30, 30]),
    Rgb([20, 110, 40]),
    Rgb([120, 40, 140]),
];

/// How far back the rate looks.
const RATE_WINDOW: Duration = Duration::from_secs(2);

/// A simulation on one of the backends.
enum Backend {
    /// Spikes read from the device's recording buffers: each population's buffer, the
    /// words between its rows and the timesteps of the last image, taken before a
    /// trained model's answer is read back (which empties the recording but leaves the
    /// buffer alone until the next image).
    Gpu(Box<GpuSimulation>, Vec<(wgpu::Buffer, u32, u32)>),
    /// Spikes read back as recordings.
    Cpu(Box<CpuSimulation>, Option<Box<StimulusResponse>>),
}

/// The tutorial network presenting MNIST images, one at a time.
pub(crate) struct Session {
    ctx: GpuContext,
    options: ViewOptions,
    data: Dataset,
    mb: MushroomBody,
    backend: Backend,
    /// The image shown (and, once presented, simulated).
    pub index: usize,
    /// When recent images were presented, for the rate.
    recent: VecDeque<Instant>,
    /// Images presented so far.
    presented: u64,
    /// With a trained model: the last image's answer (`None`: no MBON spiked), and
    /// the images answered and answered right so far.
    score: Option<(Option<u32>, u64, u64)>,
}

impl Session {
    /// Loads `data` and the tutorial network on the backend `options` choose; `ctx` is
    /// the renderer's device, the simulation's too on the GPU backend.
    pub fn new(ctx: &GpuContext, options: &ViewOptions, data: Dataset) -> Result<Self, ViewError> {
        if data.images.pixels_per_image() != tutorial::NUM_PN as usize {
            return Err(ViewError::WrongImages(data.images.pixels_per_image()));
        }
        let index = options.start;
        if index >= data.images.len() {
            return Err(ViewError::StartPastEnd {
                start: index,
                len: data.images.len(),
            });
        }
        let mb = network(options, options.gain_control);
        let backend = load(ctx, options, &mb)?;
        Ok(Session {
            ctx: ctx.clone(),
            options: options.clone(),
            data,
            mb,
            backend,
            index,
            recent: VecDeque::new(),
            presented: 0,
            score: None,
        })
    }

    /// Switches gain control on or off, keeping the image; a trained model's network
    /// keeps the gain control it learned with.
    pub fn toggle_gain_control(&mut self) -> Result<(), ViewError> {
        if self.options.model.is_some() {
            return Ok(());
        }
        let gain_control = !self.options.gain_control;
        let mb = network(&self.options, gain_control);
        self.backend = load(&self.ctx, &self.options, &mb)?;
        self.mb = mb;
        self.options.gain_control = gain_control;
        Ok(())
    }

    /// "train" or "test".
    pub fn split_name(&self) -> &'static str {
        match self.options.split {
            mnist::Split::Train => "train",
            mnist::Split::Test => "test",
        }
    }

    /// Whether the network has gain control.
    pub fn gain_control(&self) -> bool {
        self.mb.gain_control.is_some()
    }

    /// Moves `by` images on (back, if negative), wrapping around the set.
    pub fn step(&mut self, by: i64) {
        let len = self.data.images.len() as i64;
        self.index = (self.index as i64 + by).rem_euclid(len) as usize;
    }

    /// Simulates the current image: 20 ms from a reset state.
    pub fn present(&mut self) -> Result<(), ViewError> {
        let pixels = self
            .data
            .images
            .image(self.index)
            .ok_or(ViewError::StartPastEnd {
                start: self.index,
                len: self.data.images.len(),
            })?;
        let currents = mnist::input_currents(pixels, mnist::INPUT_SCALE);
        let mbon = match &mut self.backend {
            Backend::Gpu(sim, rows) => {
                // Submitted now; the frame's draw is queued behind it and reads the
                // recording on the device. The image before is waited for first, so
                // that images presented faster than the device runs them don't queue
                // up without end.
                sim.context().wait_idle()?;
                sim.reset()?;
                sim.set_magnitude(self.mb.pn_input, &currents)?;
                sim.step_time(tutorial::PRESENT_STEPS)?;
                *rows = populations(&self.mb)
                    .into_iter()
                    .map(|(_, p)| sim.recording_rows(p))
                    .collect::<Result<_, _>>()?;
                match self.mb.output {
                    // The answer alone needs the host: the whole recording comes back.
                    Some(o) => sim.take_recording()?.take_one(o.mbon, 0),
                    None => None,
                }
            }
            Backend::Cpu(sim, response) => {
                let r = tutorial::present(sim.as_mut(), &self.mb, &currents)?;
                let mbon = r.mbon.clone();
                *response = Some(Box::new(r));
                mbon
            }
        };
        if let Some(mbon) = mbon {
            let answer = tutorial::classify(&mbon);
            let right = answer.is_some_and(|a| Some(a) == self.label().map(u32::from));
            let (_, answered, correct) = self.score.unwrap_or((None, 0, 0));
            self.score = Some((answer, answered + 1, correct + u64::from(right)));
        }
        self.presented += 1;
        let now = Instant::now();
        self.recent.push_back(now);
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > RATE_WINDOW)
        {
            self.recent.pop_front();
        }
        Ok(())
    }

    /// Waits until the device has simulated the images presented (the GPU backend's
    /// run on after `present` returns).
    pub fn finish(&self) -> Result<(), ViewError> {
        if let Backend::Gpu(sim, _) = &self.backend {
            sim.context().wait_idle()?;
        }
        Ok(())
    }

    /// The current image's label.
    fn label(&self) -> Option<u8> {
        self.data.labels.get(self.index).copied()
    }

    /// With a trained model: the last image's answer (`None`: no MBON spiked), and the
    /// images answered and answered right since the viewer started.
    pub fn score(&self) -> Option<(Option<u32>, u64, u64)> {
        self.score
    }

    /// Images presented so far: a new number means new spikes to draw.
    pub fn presented(&self) -> u64 {
        self.presented
    }

    /// Images presented per second of wall time, over the last two seconds; `None`
    /// where fewer than two were (paused, or slower than that).
    pub fn rate(&self) -> Option<f64> {
        let now = Instant::now();
        let mut recent = self
            .recent
            .iter()
            .filter(|t| now.duration_since(**t) <= RATE_WINDOW);
        let first = recent.next()?;
        let (n, last) = recent.fold((1, first), |(n, _), t| (n + 1, t));
        let span = last.duration_since(*first).as_secs_f64();
        (n > 1 && span > 0.0).then(|| (n - 1) as f64 / span)
    }

    /// "gpu: NAME (Vulkan, Cpu)" or "cpu (2 threads)".
    pub fn description(&self) -> String {
        match &self.backend {
            Backend::Gpu(sim, _) => sim.description(),
            Backend::Cpu(sim, _) => sim.description(),
        }
    }

    /// The current image's pixels and label.
    pub fn digit(&self) -> (&[u8], u8) {
        let pixels = self.data.images.image(self.index).unwrap_or(&[]);
        (
            pixels,
            self.data.labels.get(self.index).copied().unwrap_or(0),
        )
    }

    /// The panels' axes, top to bottom.
    pub fn axes(&self) -> Vec<Axis<'static>> {
        let net = &self.mb.network;
        populations(&self.mb)
            .into_iter()
            .map(|(label, p)| Axis {
                label,
                n_neurons: net.populations[p.index()].size,
            })
            .collect()
    }

    /// The panels to draw in `layout`'s places, with the last presented image's spikes.
    pub fn panels(&self, layout: &Layout) -> Result<Vec<PanelDraw<'_>>, ViewError> {
        let mut panels = Vec::new();
        for (k, ((_, p), rect)) in populations(&self.mb)
            .into_iter()
            .zip(&layout.panels)
            .enumerate()
        {
            let n_neurons = self.mb.network.populations[p.index()].size;
            let color = PANEL_COLORS[k % PANEL_COLORS.len()];
            let (spikes, n_steps) = match &self.backend {
                Backend::Gpu(_, rows) => match rows.get(k) {
                    Some((buffer, row_stride, steps)) => {
                        let source = SpikeSource::Device {
                            buffer: buffer.clone(),
                            row_stride: *row_stride,
                            first_word: 0,
                        };
                        (source, *steps)
                    }
                    None => continue,
                },
                Backend::Cpu(_, None) => continue,
                Backend::Cpu(_, Some(r)) => {
                    let Some(rec) = recording_of(r, k) else {
                        continue;
                    };
                    (SpikeSource::Host(rec), rec.n_steps)
                }
            };
            panels.push(PanelDraw {
                rect: *rect,
                n_neurons,
                n_steps,
                spikes,
                color,
            });
        }
        Ok(panels)
    }
}

/// The populations drawn, top to bottom: PN, KC, and the GGN and MBONs where the
/// network has them.
fn populations(mb: &MushroomBody) -> Vec<(&'static str, PopulationId)> {
    let mut pops = vec![("PN", mb.pn), ("KC", mb.kc)];
    if let Some(g) = mb.gain_control {
        pops.push(("GGN", g.ggn));
    }
    if let Some(o) = mb.output {
        pops.push(("MBON", o.mbon));
    }
    pops
}

/// Panel `k`'s recording in a response, the panels as [`populations`] lists them.
fn recording_of(r: &StimulusResponse, k: usize) -> Option<&SpikeRecording> {
    let mut all = vec![&r.pn, &r.kc];
    all.extend(r.ggn.as_ref());
    all.extend(r.mbon.as_ref());
    all.get(k).copied()
}

/// The trained model's network (part 5), or the tutorial network of part 3 (with gain
/// control) or part 2.
fn network(options: &ViewOptions, gain_control: bool) -> MushroomBody {
    if let Some(model) = &options.model {
        model.clone().network()
    } else if gain_control {
        tutorial::mushroom_body_with_gain_control()
    } else {
        tutorial::mushroom_body()
    }
}

/// Loads `mb` on the backend `options` choose: `Auto` takes the GPU if `ctx`'s adapter
/// is a hardware one or was named.
fn load(ctx: &GpuContext, options: &ViewOptions, mb: &MushroomBody) -> Result<Backend, ViewError> {
    let gpu = match options.backend {
        BackendChoice::Gpu => true,
        BackendChoice::Cpu => false,
        BackendChoice::Auto => ctx.adapter().is_hardware() || options.adapter.is_some(),
    };
    if gpu {
        let built = mb.network.build(options.seed)?;
        let sim = GpuSimulation::new(ctx.clone(), &built, config(options))?;
        Ok(Backend::Gpu(Box::new(sim), Vec::new()))
    } else {
        Ok(Backend::Cpu(Box::new(cpu(options, mb)?), None))
    }
}

/// One image at a time, recorded whole.
fn config(options: &ViewOptions) -> SimConfig {
    SimConfig {
        recording_steps: tutorial::PRESENT_STEPS,
        batch_size: 1,
        threads: options.threads,
    }
}

/// The network on the CPU backend.
fn cpu(options: &ViewOptions, mb: &MushroomBody) -> Result<CpuSimulation, ViewError> {
    let built = mb.network.build(options.seed)?;
    Ok(CpuSimulation::new(&built, config(options))?)
}
