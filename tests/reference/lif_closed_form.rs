//! The LIF neuron and the ExpCurr synapse against their closed-form solutions, computed
//! here in f64 from the model equations (not from the code under test), on the CPU
//! backend and, where an adapter exists, on the GPU backend.
//!
//! Step indexing, as `src/cpu/mod.rs` implements it and `SpikeRecording::decode` reports
//! it: timestep `k` (0-based, counted from the last reset) has time `k * dt`. Starting
//! from `V0`, the neuron update of timestep `k` computes `V_{k+1}`, so after `step_time`
//! has run `n` steps in total, `V` is `V_n`. A neuron whose `V_n` is the first to reach
//! threshold spikes in timestep `k = n - 1`, and its spike is recorded at time
//! `(n - 1) * dt`. A spike emitted in timestep `s` is added to `inSyn` in the synapse
//! update of timestep `s + 1` and already feeds that step's neuron update.
//!
//! Tolerance for `V`: 1e-3 mV absolute over up to 200 steps. Per step the f32 update
//! `alpha = (Isyn + Ioffset) * Rm + Vrest; V = alpha - ExpTC * (alpha - V)` rounds four
//! times (`Isyn * Rm`, `+ Vrest`, `ExpTC * (alpha - V)`, the final subtraction), each by
//! at most half an ulp of a value below 64 in magnitude, 2^-19 ~ 1.9e-6 mV: under 8e-6
//! mV per step, and under 3e-6 mV for the constant inputs below (alpha is then the same
//! every step, so its roundings are one fixed offset, and |alpha - V| < 16 mV). An error
//! made earlier shrinks by ExpTC each step, so after n <= 200 steps the accumulated
//! rounding is at most sum_{j<200} ExpTC^j ~ 127 times the per-step bound: 4e-4 mV for
//! constant input, 1e-3 mV in the worst case (the ExpCurr test has large inputs only for
//! a few steps after the spike). The f32 constants and inputs (ExpTC, Rm, init,
//! expDecay, magnitudes, `init * inSyn`; each within a few 2^-24 relative) change the
//! input-driven deviation of V from rest (under 20 mV here) by a relative few 1e-7:
//! < 1e-5 mV. A GPU driver may fuse `ExpTC * (alpha - V)` with the subtraction into one
//! FMA, which drops a rounding rather than adding one, so the bound holds there too. The
//! errors are random in sign; the observed differences are around 3e-5 mV.
//!
//! Spike timesteps are compared exactly: every input below is chosen so that `V` is more
//! than 1e-3 mV from threshold at the crossing (asserted), so rounding can't move a spike.

use crate::common;

use kenyon::SpikeRecording;
use kenyon::model::{
    BuiltNetwork, Connectivity, CurrentSourceId, CurrentSourceModel, LifParams, Network,
    NeuronModel, PopulationId, PostsynapticModel, SynapseGroup, WeightUpdateModel,
};
use kenyon::{SimConfig, Simulator, StateVar};

const DT: f64 = 0.1;
/// Absolute tolerance on `V` [mV] (see the module comment).
const V_TOLERANCE: f64 = 1e-3;
/// How far from threshold `V` must be at a crossing for the spike step to be certain [mV].
const THRESHOLD_MARGIN: f64 = 1e-3;
/// Room to record every step of a 200-step run (one stimulus) before `take_recording`.
const CONFIG: SimConfig = SimConfig {
    recording_steps: 200,
    ..SimConfig::DEFAULT
};

/// `ExpTC = exp(-dt / TauM)` in f64.
fn exp_tc(p: &LifParams) -> f64 {
    (-DT / p.tau_m).exp()
}

/// The exponential-Euler discrete solution for constant input current `i` [nA] from `v0`:
/// `V_n = V_inf - ExpTC^n (V_inf - V0)`, `V_inf = (I + Ioffset) Rm + Vrest`.
fn v_discrete(p: &LifParams, i: f64, v0: f64, n: u32) -> f64 {
    let v_inf = (i + p.i_offset) * (p.tau_m / p.c) + p.v_rest;
    v_inf - exp_tc(p).powi(n as i32) * (v_inf - v0)
}

/// The continuous solution of `TauM dV/dt = -(V - Vrest) + Rm (I + Ioffset)` at time `t`.
fn v_continuous(p: &LifParams, i: f64, v0: f64, t: f64) -> f64 {
    let v_inf = (i + p.i_offset) * (p.tau_m / p.c) + p.v_rest;
    v_inf - (v_inf - v0) * (-t / p.tau_m).exp()
}

/// Number of integration steps from `v0` until `V_n >= Vthresh` under constant current
/// `i`, from the closed form, asserting that neither `V_n` nor `V_{n-1}` is within
/// [`THRESHOLD_MARGIN`] of threshold. None if `V` never reaches threshold.
fn steps_to_threshold(p: &LifParams, i: f64, v0: f64) -> Option<u32> {
    let v_inf = (i + p.i_offset) * (p.tau_m / p.c) + p.v_rest;
    if v_inf < p.v_thresh + THRESHOLD_MARGIN {
        return None;
    }
    let n = (1..100_000)
        .find(|&n| v_discrete(p, i, v0, n) >= p.v_thresh)
        .unwrap();
    let above = v_discrete(p, i, v0, n) - p.v_thresh;
    let below = p.v_thresh - v_discrete(p, i, v0, n - 1);
    assert!(
        above > THRESHOLD_MARGIN && below > THRESHOLD_MARGIN,
        "I = {i}: V is within {THRESHOLD_MARGIN} mV of threshold at the crossing (step {n}: \
         {above} above, {below} below); choose another current"
    );
    Some(n)
}

/// How many timesteps a neuron spends refractory after a spike, as the f32 model computes
/// it: `RefracTime = TauRefrac`, then `RefracTime -= dt` once per timestep until it is
/// `<= 0`. Also returns the f32 values `RefracTime` takes after each decrement.
fn refractory_steps_f32(p: &LifParams) -> (u32, Vec<f32>) {
    let dt = DT as f32;
    let mut r = p.tau_refrac as f32;
    let mut values = Vec::new();
    while r > 0.0 {
        r -= dt;
        values.push(r);
    }
    (values.len() as u32, values)
}

/// A network of one LIF population, one neuron per entry of `currents`, each driven by
/// its own constant current through a `Magnitude` current source.
struct Driven {
    built: BuiltNetwork,
    pop: PopulationId,
    source: CurrentSourceId,
    currents: Vec<f32>,
}

impl Driven {
    fn new(params: LifParams, currents: &[f32]) -> Self {
        let mut net = Network::new(DT);
        let pop = net.add_neuron_population("lif", currents.len() as u32, NeuronModel::Lif(params));
        net.set_spike_recording(pop, true).unwrap();
        let source =
            net.add_current_source("drive", pop, CurrentSourceModel::Magnitude { initial: 0.0 });
        Driven {
            built: net.build(1).unwrap(),
            pop,
            source,
            currents: currents.to_vec(),
        }
    }

    /// Sets the currents on a freshly loaded simulation.
    fn start(&self, sim: &mut dyn Simulator) {
        sim.set_magnitude(self.source, &self.currents).unwrap();
    }

    fn read(&self, sim: &mut dyn Simulator, var: StateVar) -> Vec<f32> {
        sim.read_state(self.pop, var).unwrap()
    }
}

/// Timesteps (since reset) at which neuron `id` spiked in `rec`.
fn spike_steps(rec: &SpikeRecording, id: u32) -> Vec<u64> {
    (0..rec.n_steps)
        .filter(|&s| rec.spiked(s, id))
        .map(|s| rec.first_step + u64::from(s))
        .collect()
}

fn take_recording(sim: &mut dyn Simulator, pop: PopulationId) -> SpikeRecording {
    sim.take_recording().unwrap().take_one(pop, 0).unwrap()
}

#[test]
fn constant_subthreshold_current_follows_the_closed_form() {
    // Threshold out of reach: V relaxes from V0 = Vreset = -60 mV towards V_inf = -45 mV.
    let params = LifParams {
        v_thresh: 1000.0,
        ..LifParams::TUTORIAL
    };
    let current = 0.15f32;
    let i = f64::from(current);
    let v0 = params.v_reset;
    let net = Driven::new(params, &[current]);
    common::on_every_backend(&net.built, CONFIG, |sim| {
        net.start(sim);
        let mut worst_discrete = 0.0f64;
        let mut worst_continuous = 0.0f64;
        for n in 1..=200u32 {
            sim.step_time(1).unwrap();
            assert_eq!(sim.timestep(), u64::from(n));
            let v = f64::from(net.read(sim, StateVar::V)[0]);
            let discrete = v_discrete(&params, i, v0, n);
            let t = f64::from(n) * DT;
            let continuous = v_continuous(&params, i, v0, t);
            // Exponential Euler is exact for constant input: ExpTC^n = exp(-n dt / TauM),
            // so both closed forms agree up to f64 rounding.
            assert!(
                (discrete - continuous).abs() < 1e-9,
                "n = {n}: {discrete} vs {continuous}"
            );
            worst_discrete = worst_discrete.max((v - discrete).abs());
            worst_continuous = worst_continuous.max((v - continuous).abs());
            assert!(
                (v - discrete).abs() <= V_TOLERANCE,
                "{}: after {n} steps V = {v}, closed form V_n = {discrete}",
                sim.description()
            );
            assert!(
                (v - continuous).abs() <= V_TOLERANCE,
                "{}: after {n} steps V = {v}, V(t = {t} ms) = {continuous}",
                sim.description()
            );
            let refrac = net.read(sim, StateVar::RefracTime)[0];
            assert_eq!(
                refrac,
                0.0,
                "{}: a subthreshold neuron became refractory",
                sim.description()
            );
        }
        // 200 steps cover 1 - e^-1 of the approach to V_inf: the check saw the dynamics.
        assert!(v_discrete(&params, i, v0, 200) - v0 > 9.0);
        assert_eq!(take_recording(sim, net.pop).spike_count(), 0);
        eprintln!(
            "{}: constant current, 200 steps: max |V - V_n| = {worst_discrete:.2e} mV, \
             max |V - V(n dt)| = {worst_continuous:.2e} mV",
            sim.description()
        );
    });
}

#[test]
fn first_spike_is_at_the_step_where_the_closed_form_crosses_threshold() {
    let params = LifParams::TUTORIAL;
    // V_inf = -40 mV: V_n = -40 - 20 exp(-n / 200) crosses -50 mV at n = 139
    // (200 ln 2 = 138.6), 0.019 mV above threshold, with V_138 0.032 mV below it.
    let current = 0.2f32;
    let i = f64::from(current);
    let n = steps_to_threshold(&params, i, params.v_reset).unwrap();
    assert_eq!(n, 139);
    // The next spike would need 20 refractory steps and another n: after this run.
    assert!(2 * n + 20 > 200);
    let net = Driven::new(params, &[current]);
    common::on_every_backend(&net.built, CONFIG, |sim| {
        net.start(sim);
        sim.step_time(n - 1).unwrap();
        let v = f64::from(net.read(sim, StateVar::V)[0]);
        let expected = v_discrete(&params, i, params.v_reset, n - 1);
        assert!(
            (v - expected).abs() <= V_TOLERANCE,
            "{}: V_{} = {v}, expected {expected}",
            sim.description(),
            n - 1
        );
        assert!(v < params.v_thresh);
        // Timestep n - 1 computes V_n >= Vthresh, spikes and resets in the same update.
        sim.step_time(1).unwrap();
        assert_eq!(
            net.read(sim, StateVar::V)[0],
            params.v_reset as f32,
            "{}",
            sim.description()
        );
        assert_eq!(
            net.read(sim, StateVar::RefracTime)[0],
            params.tau_refrac as f32,
            "{}",
            sim.description()
        );
        sim.step_time(200 - n).unwrap();
        let rec = take_recording(sim, net.pop);
        assert_eq!(rec.first_step, 0);
        assert_eq!(rec.n_steps, 200);
        assert_eq!(
            spike_steps(&rec, 0),
            vec![u64::from(n - 1)],
            "{}",
            sim.description()
        );
        let (times, ids) = rec.decode();
        assert_eq!(ids, vec![0]);
        // Time of timestep k is k * dt: the first spike is at (n - 1) dt = 13.8 ms, not n dt.
        let expected_time = f64::from(n - 1) * DT;
        assert!(
            (f64::from(times[0]) - expected_time).abs() < 1e-4,
            "{}: first spike at {} ms, expected {expected_time} ms",
            sim.description(),
            times[0]
        );
        eprintln!(
            "{}: first spike at step {} = {} ms",
            sim.description(),
            n - 1,
            times[0]
        );
    });
}

#[test]
fn refractory_period_is_tau_refrac_over_dt_steps_in_f32() {
    let params = LifParams::TUTORIAL;
    // RefracTime is decremented in f32: 2.0f32 - 0.1f32, twenty times, ends at
    // -3.1e-7 <= 0, so the count is the nominal TauRefrac / dt = 20 (not 21).
    let (refractory, values) = refractory_steps_f32(&params);
    let nominal = (params.tau_refrac / DT).round() as u32;
    assert_eq!(nominal, 20);
    assert_eq!(
        refractory, nominal,
        "f32 RefracTime needs {refractory} decrements of dt to reach 0 from {} ms: {values:?}",
        params.tau_refrac
    );

    // Strong current: V_n = 40 - 100 exp(-n / 200) reaches -50 mV at n = 22 from reset
    // (0.42 mV above; V_21 is 0.03 mV below). Each spike is followed by `refractory` steps
    // with V held at Vreset, then 22 integration steps: spikes at 21, 63, 105, 147, 189.
    let current = 1.0f32;
    let i = f64::from(current);
    let n = steps_to_threshold(&params, i, params.v_reset).unwrap();
    assert_eq!(n, 22);
    let period = u64::from(refractory + n);
    let expected_spikes: Vec<u64> = (0..)
        .map(|j| u64::from(n - 1) + j * period)
        .take_while(|&s| s < 200)
        .collect();
    assert_eq!(expected_spikes, vec![21, 63, 105, 147, 189]);

    // A second network: threshold below reset, so only the refractory period stops it from
    // spiking. It spikes at step 0 and again in the very step RefracTime reaches 0:
    // every `refractory` steps exactly.
    let eager = LifParams {
        v_thresh: -70.0,
        ..params
    };
    let eager_net = Driven::new(eager, &[0.0]);
    let net = Driven::new(params, &[current]);
    common::on_every_backend(&net.built, CONFIG, |sim| {
        net.start(sim);
        let mut v = Vec::new();
        let mut refrac = Vec::new();
        for _ in 0..200 {
            sim.step_time(1).unwrap();
            v.push(net.read(sim, StateVar::V)[0]);
            refrac.push(net.read(sim, StateVar::RefracTime)[0]);
        }
        let rec = take_recording(sim, net.pop);
        let spikes = spike_steps(&rec, 0);
        assert_eq!(spikes, expected_spikes, "{}", sim.description());
        for &s in &spikes {
            let s = s as usize;
            // v[k] and refrac[k] are the state after timestep k.
            assert_eq!(v[s], params.v_reset as f32);
            assert_eq!(refrac[s], params.tau_refrac as f32);
            let held = v[s + 1..]
                .iter()
                .take_while(|&&x| x == params.v_reset as f32)
                .count();
            if s + 1 + (refractory as usize) < 200 {
                assert_eq!(
                    held,
                    refractory as usize,
                    "{}: V held at Vreset for {held} steps after the spike at step {s}",
                    sim.description()
                );
            }
            for (k, &r) in values.iter().enumerate() {
                if let Some(&got) = refrac.get(s + 1 + k) {
                    assert_eq!(
                        got,
                        r,
                        "{}: RefracTime {} steps after the spike at {s}",
                        sim.description(),
                        k + 1
                    );
                }
            }
            // Then it integrates again from Vreset as from a fresh start.
            for j in 1..n {
                if let Some(&got) = v.get(s + refractory as usize + j as usize) {
                    let expected = v_discrete(&params, i, params.v_reset, j);
                    assert!(
                        (f64::from(got) - expected).abs() <= V_TOLERANCE,
                        "{}: {j} steps after the refractory period V = {got}, expected {expected}",
                        sim.description()
                    );
                }
            }
        }
    });
    common::on_every_backend(&eager_net.built, CONFIG, |sim| {
        eager_net.start(sim);
        sim.step_time(200).unwrap();
        let spikes = spike_steps(&take_recording(sim, eager_net.pop), 0);
        let expected: Vec<u64> = (0..200).step_by(refractory as usize).collect();
        assert_eq!(
            spikes,
            expected,
            "{}: threshold below reset",
            sim.description()
        );
    });
}

#[test]
fn pn_refractory_period_allows_at_most_one_spike_per_stimulus() {
    // The tutorial's PNs: TauRefrac = 100 ms = 1000 steps, five times a stimulus.
    let params = kenyon::tutorial::pn_params();
    assert_eq!(params.tau_refrac, 100.0);
    let (refractory, values) = refractory_steps_f32(&params);
    // In f32, 100 - 0.1 - 0.1 - ... stays 9.5e-4 above 0 after 1000 decrements (the
    // rounding errors pile up one way), so the PN refractory period is 1001 steps, not
    // the nominal 1000. Either way far longer than a stimulus.
    assert_eq!(refractory, 1001);
    // Subthreshold, near threshold, tutorial-like inputs, and one that spikes at step 0.
    let currents = [0.0f32, 0.05, 0.2, 1.0, 5.0, 50.0];
    let first: Vec<Option<u32>> = currents
        .iter()
        .map(|&c| steps_to_threshold(&params, f64::from(c), params.v_reset))
        .collect();
    assert_eq!(
        first,
        vec![None, None, Some(139), Some(22), Some(5), Some(1)]
    );
    let net = Driven::new(params, &currents);
    common::on_every_backend(&net.built, CONFIG, |sim| {
        net.start(sim);
        sim.step_time(200).unwrap();
        let rec = take_recording(sim, net.pop);
        let refrac = net.read(sim, StateVar::RefracTime);
        for (id, f) in first.iter().enumerate() {
            let spikes = spike_steps(&rec, id as u32);
            let expected: Vec<u64> = f.iter().map(|&n| u64::from(n - 1)).collect();
            assert_eq!(
                spikes,
                expected,
                "{}: neuron {id}, I = {}",
                sim.description(),
                currents[id]
            );
            if let Some(n) = f {
                // Still refractory at the end, with the f32 RefracTime after 200 - n
                // decrements.
                let decrements = (200 - n) as usize;
                assert_eq!(
                    refrac[id],
                    values[decrements - 1],
                    "{}: neuron {id}",
                    sim.description()
                );
                assert!(refrac[id] > 0.0);
            }
        }
    });
}

#[test]
fn exp_curr_input_decays_and_drives_v_as_the_closed_form() {
    let g = 0.2; // the tutorial's PN -> KC weight, not a power of two: it is quantised
    let tau = 3.0;
    let exp_decay = (-DT / tau).exp();
    let init = tau * (1.0 - exp_decay) / DT;

    // One presynaptic neuron that spikes once (TauRefrac = 100 ms), at step s = 21.
    let pre_params = kenyon::tutorial::pn_params();
    let pre_current = 1.0f32;
    let s = u64::from(
        steps_to_threshold(&pre_params, f64::from(pre_current), pre_params.v_reset).unwrap() - 1,
    );
    assert_eq!(s, 21);
    // Postsynaptic neurons that can't spike.
    let post_params = LifParams {
        v_thresh: 1000.0,
        ..LifParams::TUTORIAL
    };
    let mut net = Network::new(DT);
    let pre = net.add_neuron_population("pre", 1, NeuronModel::Lif(pre_params));
    net.set_spike_recording(pre, true).unwrap();
    let drive = net.add_current_source(
        "drive",
        pre,
        CurrentSourceModel::Magnitude {
            initial: pre_current,
        },
    );
    let mut groups = Vec::new();
    for num in [1u32, 3] {
        let post =
            net.add_neuron_population(&format!("post{num}"), 1, NeuronModel::Lif(post_params));
        let group = net.add_synapse_group(SynapseGroup {
            name: format!("pre_post{num}"),
            pre,
            post,
            weight_update: WeightUpdateModel::StaticPulseConstantWeight { g },
            postsynaptic: PostsynapticModel::ExpCurr { tau },
            // From a 1-neuron population, `num` draws with replacement are `num`
            // synapses from neuron 0.
            connectivity: Connectivity::FixedNumberPreWithReplacement { num },
        });
        groups.push((num, post, group));
    }
    let built = net.build(1).unwrap();
    for &(num, _, group) in &groups {
        let conn = &built.synapse_groups[group.index()].connectivity;
        assert_eq!(conn.row(0), vec![0; num as usize].as_slice());
    }

    common::on_every_backend(&built, CONFIG, |sim| {
        sim.set_magnitude(drive, &[pre_current]).unwrap();
        // Expected postsynaptic V, stepped in f64 with the exact Isyn of each timestep.
        let mut v_expected = [post_params.v_reset; 2];
        let mut v_peak = [post_params.v_reset; 2];
        let mut worst_in_syn = 0.0f64;
        let mut worst_v = 0.0f64;
        let mut worst_ratio = 0.0f64;
        let mut in_syn_1 = 0.0f32;
        for step in 0..200u64 {
            sim.step_time(1).unwrap();
            for (k, &(num, post, group)) in groups.iter().enumerate() {
                let weight = f64::from(num) * g;
                let in_syn = sim.read_in_syn(group).unwrap()[0];
                let v = f64::from(sim.read_state(post, StateVar::V).unwrap()[0]);
                // Isyn of this timestep: the spike of step s arrives in step s + 1.
                let (isyn, in_syn_expected, decays) = if step <= s {
                    (0.0, 0.0, 0)
                } else {
                    let e = (step - s - 1) as i32;
                    (
                        init * weight * exp_decay.powi(e),
                        weight * exp_decay.powi(e + 1),
                        e + 1,
                    )
                };
                let alpha = isyn * (post_params.tau_m / post_params.c) + post_params.v_rest;
                v_expected[k] = alpha - exp_tc(&post_params) * (alpha - v_expected[k]);
                v_peak[k] = v_peak[k].max(v_expected[k]);
                // Relative error bound of inSyn: the fixed-point weight (< 1e-7, see
                // FixedPointWeight), its conversion to f32 (2^-24), and per decay the f32
                // expDecay (2^-24) and the rounding of the f32 product (2^-24).
                let tol = 1e-7 + 2f64.powi(-24) + f64::from(decays) * 2f64.powi(-23);
                if decays == 0 {
                    assert_eq!(
                        in_syn,
                        0.0,
                        "{}: inSyn before the spike arrived",
                        sim.description()
                    );
                } else {
                    let err = (f64::from(in_syn) / in_syn_expected - 1.0).abs();
                    worst_in_syn = worst_in_syn.max(err);
                    assert!(
                        err <= tol,
                        "{}: num = {num}, step {step}: inSyn = {in_syn}, expected {in_syn_expected} \
                         (relative error {err:e} > {tol:e})",
                        sim.description()
                    );
                }
                worst_v = worst_v.max((v - v_expected[k]).abs());
                assert!(
                    (v - v_expected[k]).abs() <= V_TOLERANCE,
                    "{}: num = {num}, step {step}: V = {v}, expected {}",
                    sim.description(),
                    v_expected[k]
                );
                if num == 1 {
                    in_syn_1 = in_syn;
                } else if decays > 0 {
                    // Three synapses from the one spike: three times the input, to f32
                    // rounding (the two groups' fixed-point scales differ, and 3 x an f32
                    // is not always an f32), so within both groups' error bounds.
                    let ratio = f64::from(in_syn) / f64::from(in_syn_1);
                    worst_ratio = worst_ratio.max((ratio / 3.0 - 1.0).abs());
                    assert!(
                        (ratio / 3.0 - 1.0).abs() <= 2.0 * tol,
                        "{}: step {step}: inSyn(num = 3) / inSyn(num = 1) = {ratio}",
                        sim.description()
                    );
                }
            }
        }
        // The input moved V well away from rest: the check saw the synaptic current.
        assert!(v_peak[0] - post_params.v_rest > 1.0, "{v_peak:?}");
        let rec = sim.take_recording().unwrap();
        assert_eq!(spike_steps(&rec.get(pre).unwrap()[0], 0), vec![s]);
        eprintln!(
            "{}: ExpCurr, 200 steps: max relative inSyn error {worst_in_syn:.2e}, \
             max |ratio / 3 - 1| {worst_ratio:.2e}, max |V - expected| {worst_v:.2e} mV, \
             peak post V {:.3} / {:.3} mV (num 1 / 3)",
            sim.description(),
            v_peak[0],
            v_peak[1]
        );
    });
}
