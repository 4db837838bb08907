//! On panels with one pixel row per neuron and one column per timestep, the lit pixels
//! are exactly the recorded spikes: uploaded from the CPU backend's recording, and read
//! by the shader from the GPU backend's own recording buffer.

use image::{Rgb, RgbImage};
use kenyon::view::{PanelDraw, Rect, Renderer, SpikeSource};
use kenyon::{
    BuiltNetwork, Connectivity, CpuSimulation, CurrentSourceModel, GpuSimulation, LifParams,
    Network, NeuronModel, PopulationId, PostsynapticModel, SimConfig, Simulator, SpikeRecording,
    SynapseGroup, WeightUpdateModel,
};

use crate::common;

const STEPS: u32 = 90;
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const COLORS: [Rgb<u8>; 2] = [Rgb([10, 20, 80]), Rgb([150, 30, 30])];

/// 70 input neurons (a partial last word) driven by currents from weak to strong, so
/// they spike at many different times, onto 45 neurons through sparse synapses.
fn network() -> (BuiltNetwork, [PopulationId; 2], kenyon::CurrentSourceId) {
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams {
        tau_refrac: 1.0,
        ..LifParams::TUTORIAL
    });
    let input = net.add_neuron_population("input", 70, lif.clone());
    let output = net.add_neuron_population("output", 45, lif);
    net.set_spike_recording(input, true).unwrap();
    net.set_spike_recording(output, true).unwrap();
    let drive = net.add_current_source(
        "drive",
        input,
        CurrentSourceModel::Magnitude { initial: 0.0 },
    );
    net.add_synapse_group(SynapseGroup {
        name: "input_output".into(),
        pre: input,
        post: output,
        weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.8 },
        postsynaptic: PostsynapticModel::ExpCurr { tau: 2.0 },
        connectivity: Connectivity::FixedNumberPreWithReplacement { num: 6 },
    });
    (net.build(3).unwrap(), [input, output], drive)
}

fn config() -> SimConfig {
    SimConfig {
        recording_steps: STEPS,
        batch_size: 1,
        threads: 1,
    }
}

/// Runs `sim` for the test's timesteps with currents from 0 to 2 nA.
fn run(sim: &mut dyn Simulator, drive: kenyon::CurrentSourceId) {
    let currents: Vec<f32> = (0..70).map(|i| i as f32 * 2.0 / 69.0).collect();
    sim.set_magnitude(drive, &currents).unwrap();
    sim.step_time(STEPS).unwrap();
}

/// The panels' places: one row per neuron, one column per timestep.
fn rects() -> [Rect; 2] {
    [
        Rect {
            x: 7,
            y: 5,
            w: STEPS,
            h: 70,
        },
        Rect {
            x: 7,
            y: 84,
            w: STEPS,
            h: 45,
        },
    ]
}

/// Every pixel of `frame`: in panel `k`, the panel's colour exactly where its recording
/// has a spike (neuron 0 in the bottom row); white everywhere else.
fn assert_frame_is_the_recordings(frame: &RgbImage, recordings: &[SpikeRecording; 2], what: &str) {
    let rects = rects();
    let mut lit = 0;
    for (x, y, pixel) in frame.enumerate_pixels() {
        let inside = rects.iter().position(|r| r.contains(x, y));
        let expected = match inside {
            Some(k) => {
                let (r, rec) = (rects[k], &recordings[k]);
                let (step, neuron) = (x - r.x, r.bottom() - 1 - y);
                if rec.spiked(step, neuron) {
                    lit += 1;
                    COLORS[k]
                } else {
                    WHITE
                }
            }
            None => WHITE,
        };
        assert_eq!(
            *pixel, expected,
            "{what}: pixel ({x}, {y}), panel {inside:?}"
        );
    }
    let spikes: u64 = recordings.iter().map(SpikeRecording::spike_count).sum();
    assert_eq!(lit, spikes, "{what}: one lit pixel per spike");
    assert!(
        recordings.iter().all(|r| r.spike_count() > 20),
        "{what}: too few spikes to test"
    );
}

/// Draws the panels with `sources` on a white frame and reads it back.
fn draw(
    renderer: &mut Renderer,
    sources: [(SpikeSource<'_>, u32); 2],
    sizes: [u32; 2],
) -> RgbImage {
    let overlay = RgbImage::from_pixel(110, 140, WHITE);
    let panels: Vec<PanelDraw<'_>> = sources
        .into_iter()
        .zip(rects())
        .zip(sizes)
        .enumerate()
        .map(|(k, (((spikes, n_steps), rect), n_neurons))| PanelDraw {
            rect,
            n_neurons,
            n_steps,
            spikes,
            color: COLORS[k],
        })
        .collect();
    renderer.draw(Some(&overlay), &panels).unwrap();
    renderer.read_frame().unwrap()
}

#[test]
fn the_cpu_backend_s_uploaded_recordings_are_drawn_pixel_for_pixel() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let (built, pops, drive) = network();
    let mut sim = CpuSimulation::new(&built, config()).unwrap();
    run(&mut sim, drive);
    let mut recordings = sim.take_recording().unwrap();
    let recs = pops.map(|p| recordings.take_one(p, 0).unwrap());
    let mut renderer = Renderer::new(&ctx).unwrap();
    let sources = [
        (SpikeSource::Host(&recs[0]), STEPS),
        (SpikeSource::Host(&recs[1]), STEPS),
    ];
    let frame = draw(&mut renderer, sources, [70, 45]);
    assert_frame_is_the_recordings(&frame, &recs, "cpu");
}

#[test]
fn the_gpu_backend_s_recording_buffer_is_drawn_pixel_for_pixel_without_a_read_back() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let (built, pops, drive) = network();
    let mut sim = GpuSimulation::new(ctx, &built, config()).unwrap();
    run(&mut sim, drive);
    // Drawn straight from the device's buffer, before anything is read back.
    let sources = pops.map(|p| SpikeSource::device(&sim, p).unwrap());
    assert!(sources.iter().all(|(_, steps)| *steps == STEPS));
    let mut renderer = Renderer::new(sim.context()).unwrap();
    let frame = draw(&mut renderer, sources, [70, 45]);
    let mut recordings = sim.take_recording().unwrap();
    let recs = pops.map(|p| recordings.take_one(p, 0).unwrap());
    assert_frame_is_the_recordings(&frame, &recs, "gpu");
}

#[test]
fn more_neurons_than_rows_light_a_row_if_any_of_its_neurons_spiked() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let mut rec = SpikeRecording::new("p", 100, 10, 0.1, 0);
    rec.set(3, 37); // row 37 / 4 = 9 of 25 (neurons 36-39), column 3
    rec.set(9, 99); // the top row, the last column
    let mut renderer = Renderer::new(&ctx).unwrap();
    let overlay = RgbImage::from_pixel(20, 30, WHITE);
    let rect = Rect {
        x: 2,
        y: 1,
        w: 10,
        h: 25,
    };
    let panel = PanelDraw {
        rect,
        n_neurons: 100,
        n_steps: 10,
        spikes: SpikeSource::Host(&rec),
        color: COLORS[0],
    };
    renderer.draw(Some(&overlay), &[panel]).unwrap();
    let frame = renderer.read_frame().unwrap();
    let lit: Vec<(u32, u32)> = frame
        .enumerate_pixels()
        .filter(|(_, _, p)| **p == COLORS[0])
        .map(|(x, y, _)| (x - rect.x, rect.bottom() - 1 - y))
        .collect();
    assert_eq!(lit, vec![(9, 24), (3, 9)]);
}

#[test]
fn fewer_timesteps_than_columns_and_neurons_than_rows_spread_each_over_its_pixels() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let (steps, neurons) = (7, 5);
    let mut rec = SpikeRecording::new("p", neurons, steps, 0.1, 0);
    for (step, neuron) in [(0, 0), (3, 2), (6, 4), (2, 4), (5, 1)] {
        rec.set(step, neuron);
    }
    let rect = Rect {
        x: 3,
        y: 2,
        w: 20,
        h: 13,
    };
    // A window surface's BGRA draws the same picture as RGBA.
    for format in [
        wgpu::TextureFormat::Rgba8Unorm,
        wgpu::TextureFormat::Bgra8Unorm,
    ] {
        let mut renderer = Renderer::with_format(&ctx, format).unwrap();
        assert_eq!(renderer.format(), format);
        let panel = PanelDraw {
            rect,
            n_neurons: neurons,
            n_steps: steps,
            spikes: SpikeSource::Host(&rec),
            color: COLORS[1],
        };
        let overlay = RgbImage::from_pixel(30, 20, WHITE);
        renderer.draw(Some(&overlay), &[panel]).unwrap();
        let frame = renderer.read_frame().unwrap();
        for (x, y, pixel) in frame.enumerate_pixels() {
            // Column c shows step c S / W; row r (up from the bottom) neuron r N / H.
            let lit = rect.contains(x, y) && {
                let step = (x - rect.x) * steps / rect.w;
                let neuron = (rect.bottom() - 1 - y) * neurons / rect.h;
                rec.spiked(step, neuron)
            };
            let expected = if lit { COLORS[1] } else { WHITE };
            assert_eq!(*pixel, expected, "{format:?}: pixel ({x}, {y})");
        }
    }
}

#[test]
fn a_panel_outside_the_frame_is_refused() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let rec = SpikeRecording::new("p", 10, 10, 0.1, 0);
    let mut renderer = Renderer::new(&ctx).unwrap();
    let overlay = RgbImage::from_pixel(20, 30, WHITE);
    let panel = PanelDraw {
        rect: Rect {
            x: 2,
            y: 1,
            w: 10,
            h: 30,
        },
        n_neurons: 10,
        n_steps: 10,
        spikes: SpikeSource::Host(&rec),
        color: COLORS[0],
    };
    let err = renderer.draw(Some(&overlay), &[panel]).unwrap_err();
    assert!(
        err.to_string().contains("outside the (20, 30) frame"),
        "{err}"
    );
}
