//! GeNN's `LIF` neuron: leaky integrate-and-fire with an absolute refractory period.
//! Its WGSL piece is `lif.wgsl` beside this file.

use super::{Lanes, NeuronInit, NeuronParams, NeuronUpdate};
use crate::model::ModelError;

/// GeNN's `LIF` parameters. Units follow GeNN: nF, ms, mV, nA.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifParams {
    /// Membrane capacitance `C` in nF.
    pub c: f64,
    /// Membrane time constant `TauM` in ms.
    pub tau_m: f64,
    /// Resting potential `Vrest` in mV.
    pub v_rest: f64,
    /// Potential after a spike `Vreset` in mV.
    pub v_reset: f64,
    /// Spike threshold `Vthresh` in mV.
    pub v_thresh: f64,
    /// Constant offset current `Ioffset` in nA.
    pub i_offset: f64,
    /// Refractory period `TauRefrac` in ms.
    pub tau_refrac: f64,
}

impl LifParams {
    /// The tutorial's standard LIF parameters (the Kenyon cells').
    pub const TUTORIAL: LifParams = LifParams {
        c: 0.2,
        tau_m: 20.0,
        v_rest: -60.0,
        v_reset: -60.0,
        v_thresh: -50.0,
        i_offset: 0.0,
        tau_refrac: 2.0,
    };
}

impl NeuronParams for LifParams {
    type Constants = LifConstants;

    fn validate(&self, owner: &str) -> Result<(), ModelError> {
        ModelError::check_finite(
            owner,
            &[
                ("C", self.c),
                ("TauM", self.tau_m),
                ("Vrest", self.v_rest),
                ("Vreset", self.v_reset),
                ("Vthresh", self.v_thresh),
                ("Ioffset", self.i_offset),
                ("TauRefrac", self.tau_refrac),
            ],
        )?;
        for (name, value) in [("C", self.c), ("TauM", self.tau_m)] {
            if value <= 0.0 {
                return Err(ModelError::InvalidParameter {
                    owner: owner.to_owned(),
                    parameter: name,
                    value,
                    requirement: "greater than 0",
                });
            }
        }
        if self.tau_refrac < 0.0 {
            return Err(ModelError::InvalidParameter {
                owner: owner.to_owned(),
                parameter: "TauRefrac",
                value: self.tau_refrac,
                requirement: "0 or more",
            });
        }
        Ok(())
    }

    fn derive(&self, dt: f64) -> LifConstants {
        LifConstants {
            exp_tc: (-dt / self.tau_m).exp() as f32,
            r_membrane: (self.tau_m / self.c) as f32,
            v_rest: self.v_rest as f32,
            v_reset: self.v_reset as f32,
            v_thresh: self.v_thresh as f32,
            i_offset: self.i_offset as f32,
            tau_refrac: self.tau_refrac as f32,
            dt: dt as f32,
        }
    }

    /// `V = Vreset`, `RefracTime = 0`.
    fn initial_state(&self) -> NeuronInit {
        NeuronInit {
            v: self.v_reset as f32,
            refrac_time: 0.0,
        }
    }

    fn example() -> Self {
        LifParams::TUTORIAL
    }
}

/// What a backend needs to step a LIF population, all in the simulation's `f32`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifConstants {
    /// `ExpTC = exp(-dt / TauM)`.
    pub exp_tc: f32,
    /// `Rmembrane = TauM / C`, in MOhm.
    pub r_membrane: f32,
    /// `Vrest` in mV.
    pub v_rest: f32,
    /// `Vreset` in mV.
    pub v_reset: f32,
    /// `Vthresh` in mV.
    pub v_thresh: f32,
    /// `Ioffset` in nA.
    pub i_offset: f32,
    /// `TauRefrac` in ms.
    pub tau_refrac: f32,
    /// The timestep in ms.
    pub dt: f32,
}

impl NeuronUpdate for LifConstants {
    const WGSL: &'static str = include_str!("lif.wgsl");

    fn wgsl_constants(&self) -> Vec<(&'static str, f32)> {
        vec![
            ("EXP_TC", self.exp_tc),
            ("R_MEMBRANE", self.r_membrane),
            ("V_REST", self.v_rest),
            ("V_RESET", self.v_reset),
            ("V_THRESH", self.v_thresh),
            ("I_OFFSET", self.i_offset),
            ("TAU_REFRAC", self.tau_refrac),
            ("DT", self.dt),
        ]
    }

    /// GeNN's LIF sim code, threshold condition and reset for one neuron.
    #[inline]
    fn update(&self, v: &mut f32, refrac_time: &mut f32, isyn: f32) -> bool {
        if *refrac_time <= 0.0 {
            let alpha = (isyn + self.i_offset) * self.r_membrane + self.v_rest;
            *v = alpha - self.exp_tc * (alpha - *v);
        } else {
            *refrac_time -= self.dt;
        }
        if *refrac_time <= 0.0 && *v >= self.v_thresh {
            *v = self.v_reset;
            *refrac_time = self.tau_refrac;
            true
        } else {
            false
        }
    }

    /// [`update`](NeuronUpdate::update) with both branches computed and one selected per
    /// lane, so the compiler vectorises it; the branch not taken changes nothing.
    #[inline(always)]
    fn update_lanes(&self, v: &mut Lanes, refrac_time: &mut Lanes, isyn: &Lanes) -> Lanes<u32> {
        let mut spiked_flags = [0u32; 32];
        for (((v, r), &isyn), flag) in v
            .iter_mut()
            .zip(refrac_time)
            .zip(isyn)
            .zip(&mut spiked_flags)
        {
            let (v_old, r_old) = (*v, *r);
            let integrating = r_old <= 0.0;
            let alpha = (isyn + self.i_offset) * self.r_membrane + self.v_rest;
            let v_new = if integrating {
                alpha - self.exp_tc * (alpha - v_old)
            } else {
                v_old
            };
            let r_new = if integrating { r_old } else { r_old - self.dt };
            let spiked = r_new <= 0.0 && v_new >= self.v_thresh;
            *v = if spiked { self.v_reset } else { v_new };
            *r = if spiked { self.tau_refrac } else { r_new };
            *flag = if spiked { u32::MAX } else { 0 };
        }
        spiked_flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_constants_match_genn_formulas() {
        let lif = LifParams::TUTORIAL.derive(0.1);
        assert_eq!(lif.exp_tc, (-0.1f64 / 20.0).exp() as f32);
        assert_eq!(lif.r_membrane, 100.0);
    }

    #[test]
    fn invalid_lif_parameters_are_named() {
        let mut p = LifParams::TUTORIAL;
        p.tau_m = 0.0;
        let err = p.validate("kc").unwrap_err().to_string();
        assert!(err.contains("TauM") && err.contains("kc"), "{err}");
        p = LifParams::TUTORIAL;
        p.v_thresh = f64::NAN;
        assert!(p.validate("kc").is_err());
    }
}
