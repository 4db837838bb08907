//! Showing images to a tutorial network the way the tutorial does: each from a reset
//! state, its pixels as the PNs' input currents, for 20 ms.

use super::{MushroomBody, NUM_MBON, NUM_PN, PRESENT_STEPS, TEACHER_CURRENT};
use crate::model::PopulationId;
use crate::sim::{PendingRecordings, SimError, Simulator, SpikeRecording};

/// Why presenting images failed.
#[derive(Debug, thiserror::Error)]
pub enum TutorialError {
    /// The simulation refused a call.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// An image of the wrong size.
    #[error(
        "an image has {found} pixels but the network has {expected} projection neurons (one per pixel of a 28 x 28 image)"
    )]
    WrongImageSize {
        /// Projection neurons.
        expected: usize,
        /// Pixels given.
        found: usize,
    },
    /// No images, or more than a batch holds.
    #[error("{images} images were given to a simulation of batch size {batch_size}")]
    BatchMismatch {
        /// Images given.
        images: usize,
        /// The simulation's batch size.
        batch_size: u32,
    },
}

/// What one stimulus did.
#[derive(Clone, Debug)]
pub struct StimulusResponse {
    /// The projection neurons' spikes.
    pub pn: SpikeRecording,
    /// The Kenyon cells' spikes.
    pub kc: SpikeRecording,
    /// The GGN's spikes, in a network with gain control.
    pub ggn: Option<SpikeRecording>,
    /// The MBONs' spikes, in a network with output neurons.
    pub mbon: Option<SpikeRecording>,
}

/// Presents one training image with its label: the teacher drives the label's MBON with
/// [`TEACHER_CURRENT`] while the KC -> MBON synapses learn. Learned weights persist.
pub fn present_training(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    input_currents: &[f32],
    label: u8,
) -> Result<StimulusResponse, TutorialError> {
    if let Some(teacher) = mb.output.and_then(|o| o.teacher) {
        let mut currents = vec![0.0f32; NUM_MBON as usize];
        if let Some(c) = currents.get_mut(usize::from(label)) {
            *c = TEACHER_CURRENT;
        }
        sim.set_magnitude(teacher, &currents)?;
    }
    present(sim, mb, input_currents)
}

/// The tutorial's answer: the MBON that spikes first (the lowest index among those
/// spiking in the same timestep), or `None` if no MBON spikes.
pub fn classify(mbon: &SpikeRecording) -> Option<u32> {
    (0..mbon.n_steps).find_map(|step| {
        mbon.step_words(step)
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i as u32 * 32 + w.trailing_zeros())
    })
}

/// Presents one image's input currents for [`PRESENT_STEPS`] timesteps from a reset state,
/// as the tutorial does, and returns the recordings. Needs batch size 1.
///
/// ```
/// use kenyon::{BackendChoice, SimConfig, io::mnist, load, tutorial};
///
/// let mb = tutorial::mushroom_body();
/// let mut sim = load(&mb.network.build(1)?, BackendChoice::Cpu, None, SimConfig::default())?;
/// let data = mnist::load(&mnist::default_dir(), mnist::Split::Train)?;
/// let currents = mnist::input_currents(data.images.image(0).expect("image 0"), mnist::INPUT_SCALE);
/// let response = tutorial::present(sim.as_mut(), &mb, &currents)?;
/// assert_eq!(response.kc.active_neurons(), 3775); // "3775 KC active", as the README says
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn present(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    input_currents: &[f32],
) -> Result<StimulusResponse, TutorialError> {
    let mut responses = present_batch(sim, mb, &[input_currents])?;
    responses.pop().ok_or(TutorialError::BatchMismatch {
        images: 1,
        batch_size: sim.batch_size(),
    })
}

/// Presents up to `batch_size` images at once, image `k` in batch entry `k`, each from a
/// reset state; entries past the last image get no input and are not returned.
pub fn present_batch(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    inputs: &[&[f32]],
) -> Result<Vec<StimulusResponse>, TutorialError> {
    let pending = start_batch(sim, mb, inputs)?;
    finish_batch(sim, mb, pending, inputs.len())
}

/// Presents `count` images in batches of the simulation's batch size, reading each batch's
/// recordings back while the next batch runs (on a GPU the device never waits for the
/// host). `input(i)` gives image `i`'s currents; `on_batch(first, responses)` receives
/// each batch's responses in order, image `first + k` in `responses[k]`.
pub fn present_all<E: From<TutorialError>>(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    count: usize,
    mut input: impl FnMut(usize) -> Result<Vec<f32>, E>,
    mut on_batch: impl FnMut(usize, Vec<StimulusResponse>) -> Result<(), E>,
) -> Result<(), E> {
    let batch = sim.batch_size() as usize;
    let mut in_flight: Option<(PendingRecordings, usize, usize)> = None;
    let mut next = 0;
    while next < count || in_flight.is_some() {
        let started = if next < count {
            let end = (next + batch).min(count);
            let currents = (next..end).map(&mut input).collect::<Result<Vec<_>, E>>()?;
            let refs: Vec<&[f32]> = currents.iter().map(Vec::as_slice).collect();
            let pending = start_batch(sim, mb, &refs)?;
            let first = next;
            next = end;
            Some((pending, first, end - first))
        } else {
            None
        };
        if let Some((pending, first, len)) = in_flight.take() {
            on_batch(first, finish_batch(sim, mb, pending, len)?)?;
        }
        in_flight = started;
    }
    Ok(())
}

/// Resets, sets the batch's input and starts its run; the recording comes back with
/// [`finish_batch`].
fn start_batch(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    inputs: &[&[f32]],
) -> Result<PendingRecordings, TutorialError> {
    let batch = sim.batch_size() as usize;
    let n = NUM_PN as usize;
    if inputs.is_empty() || inputs.len() > batch {
        return Err(TutorialError::BatchMismatch {
            images: inputs.len(),
            batch_size: sim.batch_size(),
        });
    }
    let mut magnitudes = vec![0.0f32; batch * n];
    for (entry, currents) in magnitudes.chunks_mut(n).zip(inputs) {
        if currents.len() != n {
            return Err(TutorialError::WrongImageSize {
                expected: n,
                found: currents.len(),
            });
        }
        entry.copy_from_slice(currents);
    }
    sim.reset()?;
    sim.set_magnitude(mb.pn_input, &magnitudes)?;
    sim.step_time(PRESENT_STEPS)?;
    Ok(sim.start_take_recording()?)
}

/// The responses of the first `images` entries of a batch started with [`start_batch`].
fn finish_batch(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    pending: PendingRecordings,
    images: usize,
) -> Result<Vec<StimulusResponse>, TutorialError> {
    let mut recordings = sim.finish_take_recording(pending)?;
    let mut take = |p: PopulationId| {
        recordings
            .take(p)
            .ok_or(SimError::UnknownPopulation(p.index()))
    };
    let (pn, kc) = (take(mb.pn)?, take(mb.kc)?);
    let mut ggn = match mb.gain_control {
        Some(g) => Some(take(g.ggn)?.into_iter()),
        None => None,
    };
    let mut mbon = match mb.output {
        Some(o) => Some(take(o.mbon)?.into_iter()),
        None => None,
    };
    Ok(pn
        .into_iter()
        .zip(kc)
        .take(images)
        .map(|(pn, kc)| StimulusResponse {
            pn,
            kc,
            ggn: ggn.as_mut().and_then(Iterator::next),
            mbon: mbon.as_mut().and_then(Iterator::next),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_mbon_to_spike_is_the_answer() {
        let mut rec = SpikeRecording::new("mbon", NUM_MBON, 5, 0.1, 0);
        assert_eq!(classify(&rec), None);
        rec.set(3, 7);
        assert_eq!(classify(&rec), Some(7));
        rec.set(2, 4);
        rec.set(2, 1);
        assert_eq!(classify(&rec), Some(1), "ties go to the lowest index");
        rec.set(4, 0);
        assert_eq!(classify(&rec), Some(1));
    }
}
