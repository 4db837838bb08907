//! The tutorial's integrate-and-fire neuron (part 3's giant GABAergic neuron): no leak,
//! no refractory period. `V += Isyn`; it spikes when `V >= Vthresh` and then `V = 0`.
//! Its WGSL piece is `integrate_and_fire.wgsl` beside this file.

use super::{Lanes, NeuronInit, NeuronParams, NeuronUpdate};
use crate::model::ModelError;

/// Parameters of the tutorial's IF neuron.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IfParams {
    /// Spike threshold `Vthresh`.
    pub v_thresh: f64,
}

impl NeuronParams for IfParams {
    type Constants = IfConstants;

    fn validate(&self, owner: &str) -> Result<(), ModelError> {
        ModelError::check_finite(owner, &[("Vthresh", self.v_thresh)])
    }

    fn derive(&self, _dt: f64) -> IfConstants {
        IfConstants {
            v_thresh: self.v_thresh as f32,
        }
    }

    /// `V = 0`; IF neurons have no `RefracTime`, theirs stays 0.
    fn initial_state(&self) -> NeuronInit {
        NeuronInit {
            v: 0.0,
            refrac_time: 0.0,
        }
    }

    fn example() -> Self {
        IfParams { v_thresh: 1.0 }
    }
}

/// What a backend needs to step an IF population.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IfConstants {
    /// `Vthresh`.
    pub v_thresh: f32,
}

impl NeuronUpdate for IfConstants {
    const WGSL: &'static str = include_str!("integrate_and_fire.wgsl");

    fn wgsl_constants(&self) -> Vec<(&'static str, f32)> {
        vec![("V_THRESH", self.v_thresh)]
    }

    #[inline]
    fn update(&self, v: &mut f32, _refrac_time: &mut f32, isyn: f32) -> bool {
        *v += isyn;
        if *v >= self.v_thresh {
            *v = 0.0;
            true
        } else {
            false
        }
    }

    #[inline(always)]
    fn update_lanes(&self, v: &mut Lanes, _refrac_time: &mut Lanes, isyn: &Lanes) -> Lanes<u32> {
        let mut spiked_flags = [0u32; 32];
        for ((v, &isyn), flag) in v.iter_mut().zip(isyn).zip(&mut spiked_flags) {
            let v_new = *v + isyn;
            let spiked = v_new >= self.v_thresh;
            *v = if spiked { 0.0 } else { v_new };
            *flag = if spiked { u32::MAX } else { 0 };
        }
        spiked_flags
    }
}
