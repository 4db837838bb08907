//! What the benchmark networks are judged by: each population's mean firing rate and the
//! irregularity of its neurons' firing (the coefficient of variation of inter-spike
//! intervals), as Brette et al. (2007) and Vogels & Abbott (2005) report them.

use crate::SpikeRecording;

/// A population's spikes over a run: times (ms since the last reset) and neuron ids,
/// ordered by time then id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeTrains {
    /// Neurons in the population.
    pub n_neurons: u32,
    /// Spike times, ms.
    pub times_ms: Vec<f32>,
    /// The neuron of each spike.
    pub ids: Vec<u32>,
}

impl SpikeTrains {
    /// No spikes yet, of a population of `n_neurons`.
    pub fn new(n_neurons: u32) -> Self {
        SpikeTrains {
            n_neurons,
            ..SpikeTrains::default()
        }
    }

    /// Appends a recording's spikes (of later timesteps than those held).
    pub fn extend(&mut self, recording: &SpikeRecording) {
        let (times, ids) = recording.decode();
        self.times_ms.extend(times);
        self.ids.extend(ids);
    }
}

/// A population's activity over a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Activity {
    /// Spikes in all.
    pub spikes: usize,
    /// Mean firing rate per neuron, Hz.
    pub rate_hz: f64,
    /// The coefficient of variation (standard deviation over mean) of each neuron's
    /// inter-spike intervals, averaged over the neurons with at least two intervals;
    /// NaN where none has.
    pub cv_isi: f64,
    /// Neurons with at least two intervals, which `cv_isi` averages over.
    pub neurons_with_cv: u32,
}

/// The activity of `trains` over a run of `duration_ms`. The peer scripts in
/// `benches/peers/` compute the same figures the same way.
pub fn activity(trains: &SpikeTrains, duration_ms: f64) -> Activity {
    let n = trains.n_neurons as usize;
    let mut per_neuron: Vec<Vec<f64>> = vec![Vec::new(); n];
    for (&t, &id) in trains.times_ms.iter().zip(&trains.ids) {
        if let Some(times) = per_neuron.get_mut(id as usize) {
            times.push(f64::from(t));
        }
    }
    let cvs: Vec<f64> = per_neuron.iter().filter_map(|t| cv(t)).collect();
    let rate_hz = trains.times_ms.len() as f64 / n.max(1) as f64 / (duration_ms / 1000.0);
    Activity {
        spikes: trains.times_ms.len(),
        rate_hz,
        cv_isi: if cvs.is_empty() {
            f64::NAN
        } else {
            cvs.iter().sum::<f64>() / cvs.len() as f64
        },
        neurons_with_cv: cvs.len() as u32,
    }
}

/// The CV of the intervals between ascending `times` (population standard deviation over
/// mean), or `None` for fewer than two intervals.
fn cv(times: &[f64]) -> Option<f64> {
    if times.len() < 3 {
        return None;
    }
    let isi: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let mean = isi.iter().sum::<f64>() / isi.len() as f64;
    let var = isi.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / isi.len() as f64;
    Some(var.sqrt() / mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_firing_has_cv_zero_and_its_rate() {
        let trains = SpikeTrains {
            n_neurons: 2,
            times_ms: vec![0.0, 0.0, 100.0, 100.0, 200.0, 200.0],
            ids: vec![0, 1, 0, 1, 0, 1],
        };
        let a = activity(&trains, 1000.0);
        assert_eq!(a.rate_hz, 3.0);
        assert_eq!(a.cv_isi, 0.0);
        assert_eq!(a.neurons_with_cv, 2);
    }

    #[test]
    fn cv_is_standard_deviation_over_mean_of_intervals() {
        // Intervals 10 and 30: mean 20, population sd 10.
        let c = cv(&[0.0, 10.0, 40.0]).expect("two intervals");
        assert!((c - 0.5).abs() < 1e-12);
        assert_eq!(cv(&[0.0, 10.0]), None);
    }
}
