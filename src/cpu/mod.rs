//! The native CPU backend, and the reference the GPU is tested against. Each stage is the
//! twin of the WGSL kernel of the same name in `shaders/`.

use crate::model::{
    BuiltNetwork, BuiltSynapseGroup, CurrentSourceId, LifConstants, PopulationId, SynapseGroupId,
};
use crate::recording::{SpikeRecording, words_per_step};
use crate::simulator::{SimConfig, SimError, Simulator, StateVar, StepClock, check_magnitudes};

/// The state of one LIF population on the CPU.
pub struct PopulationState {
    pub v: Vec<f32>,
    pub refrac_time: Vec<f32>,
    /// Ids that spiked in the last timestep: what the next synapse update propagates.
    pub spikes: Vec<u32>,
    /// Scratch: this step's summed input current per neuron.
    pub isyn: Vec<f32>,
    /// Spike bitfield, `recording_steps` timesteps, when recording is on.
    pub recording: Option<Vec<u32>>,
}

struct SynapseState {
    in_syn: Vec<f32>,
    /// This timestep's input in fixed-point units (see `FixedPointWeight`).
    in_syn_acc: Vec<i32>,
}

/// A network on the CPU.
pub struct CpuSimulation {
    net: BuiltNetwork,
    populations: Vec<PopulationState>,
    synapses: Vec<SynapseState>,
    magnitudes: Vec<Vec<f32>>,
    clock: StepClock,
}

impl CpuSimulation {
    pub fn new(net: &BuiltNetwork, config: SimConfig) -> Self {
        let populations = net
            .populations
            .iter()
            .map(|p| PopulationState {
                v: vec![p.init.v; p.size as usize],
                refrac_time: vec![p.init.refrac_time; p.size as usize],
                spikes: Vec::new(),
                isyn: vec![0.0; p.size as usize],
                recording: p
                    .spike_recording
                    .then(|| vec![0; words_per_step(p.size) * config.recording_steps as usize]),
            })
            .collect();
        let synapses = net
            .synapse_groups
            .iter()
            .map(|s| {
                let n = net.populations[s.post].size as usize;
                SynapseState {
                    in_syn: vec![0.0; n],
                    in_syn_acc: vec![0; n],
                }
            })
            .collect();
        let magnitudes = net
            .current_sources
            .iter()
            .map(|c| vec![c.initial_magnitude; net.populations[c.target].size as usize])
            .collect();
        CpuSimulation {
            net: net.clone(),
            populations,
            synapses,
            magnitudes,
            clock: StepClock::new(config),
        }
    }

    fn step(&mut self) {
        let net = &self.net;
        for (g, group) in net.synapse_groups.iter().enumerate() {
            propagate_spikes(
                group,
                &self.populations[group.pre].spikes,
                &mut self.synapses[g].in_syn_acc,
            );
        }
        let slot = self.clock.recorded_steps as usize;
        for (p, pop) in net.populations.iter().enumerate() {
            let mut inputs: Vec<ExpCurrInput<'_>> = self
                .synapses
                .iter_mut()
                .zip(&net.synapse_groups)
                .filter(|(_, group)| group.post == p)
                .map(|(s, group)| ExpCurrInput {
                    in_syn: &mut s.in_syn,
                    in_syn_acc: &mut s.in_syn_acc,
                    init: group.exp_curr.init,
                    exp_decay: group.exp_curr.exp_decay,
                    inv_scale: group.weight.inv_scale,
                })
                .collect();
            let magnitudes: Vec<&[f32]> = net
                .sources_of(p)
                .map(|(c, _)| self.magnitudes[c].as_slice())
                .collect();
            neuron_update(
                &pop.lif,
                &mut self.populations[p],
                &mut inputs,
                &magnitudes,
                slot,
            );
        }
        self.clock.advance(1);
    }
}

/// The postsynaptic input of one ExpCurr synapse group into the neurons it targets.
pub struct ExpCurrInput<'a> {
    pub in_syn: &'a mut [f32],
    pub in_syn_acc: &'a mut [i32],
    pub init: f32,
    pub exp_decay: f32,
    pub inv_scale: f32,
}

/// Synapse update: every spike of the previous timestep adds the group's weight, in
/// fixed point, to each of its targets (twin of `shaders/propagate_spikes.wgsl`).
pub fn propagate_spikes(group: &BuiltSynapseGroup, spikes: &[u32], in_syn_acc: &mut [i32]) {
    let w = group.weight.weight_fixed;
    for &pre in spikes {
        for &post in group.connectivity.row(pre) {
            in_syn_acc[post as usize] += w;
        }
    }
}

/// Neuron update of a LIF population (twin of `shaders/neuron_update.wgsl`): gathers
/// ExpCurr inputs in the order the groups were added, then current sources, then
/// integrates, tests the threshold and resets. Writes this step's spikes into
/// `state.spikes` (ids, ascending) and, when recording, into timestep `record_slot` of
/// the recording.
pub fn neuron_update(
    lif: &LifConstants,
    state: &mut PopulationState,
    inputs: &mut [ExpCurrInput<'_>],
    magnitudes: &[&[f32]],
    record_slot: usize,
) {
    let PopulationState {
        v,
        refrac_time,
        spikes,
        isyn,
        recording,
    } = state;
    let words = words_per_step(v.len() as u32);
    let mut record = recording
        .as_mut()
        .map(|r| &mut r[record_slot * words..(record_slot + 1) * words]);
    spikes.clear();
    if let Some(r) = record.as_deref_mut() {
        r.fill(0);
    }
    // One pass per input over all neurons (vectorisable), summing each neuron's inputs in
    // the same order as the GPU kernel does, then one pass of LIF updates.
    let isyn = &mut isyn[..v.len()];
    isyn.fill(0.0);
    for input in inputs.iter_mut() {
        let (init, decay, inv_scale) = (input.init, input.exp_decay, input.inv_scale);
        for ((total, in_syn), acc) in isyn
            .iter_mut()
            .zip(input.in_syn.iter_mut())
            .zip(input.in_syn_acc.iter_mut())
        {
            let s = *in_syn + fixed_to_f32(std::mem::take(acc)) * inv_scale;
            *total += init * s;
            *in_syn = s * decay;
        }
    }
    for m in magnitudes {
        for (total, &m) in isyn.iter_mut().zip(m.iter()) {
            *total += m;
        }
    }
    for (i, ((v, r), &isyn)) in v
        .iter_mut()
        .zip(refrac_time.iter_mut())
        .zip(isyn.iter())
        .enumerate()
    {
        if lif_update(lif, v, r, isyn) {
            spikes.push(i as u32);
            if let Some(rec) = record.as_deref_mut() {
                rec[i / 32] |= 1 << (i % 32);
            }
        }
    }
}

/// A fixed-point input sum as f32, the way `shaders/fixed_point.wgsl` converts it: both
/// halves convert exactly, so the result is one correctly rounded add on every device.
#[inline]
pub fn fixed_to_f32(acc: i32) -> f32 {
    (acc >> 12) as f32 * 4096.0 + (acc & 4095) as f32
}

/// GeNN's LIF sim code, threshold condition and reset for one neuron; true if it spiked.
#[inline]
pub fn lif_update(lif: &LifConstants, v: &mut f32, refrac_time: &mut f32, isyn: f32) -> bool {
    if *refrac_time <= 0.0 {
        let alpha = (isyn + lif.i_offset) * lif.r_membrane + lif.v_rest;
        *v = alpha - lif.exp_tc * (alpha - *v);
    } else {
        *refrac_time -= lif.dt;
    }
    if *refrac_time <= 0.0 && *v >= lif.v_thresh {
        *v = lif.v_reset;
        *refrac_time = lif.tau_refrac;
        true
    } else {
        false
    }
}

impl Simulator for CpuSimulation {
    fn description(&self) -> String {
        "cpu".to_owned()
    }

    fn network(&self) -> &BuiltNetwork {
        &self.net
    }

    fn set_magnitude(&mut self, source: CurrentSourceId, values: &[f32]) -> Result<(), SimError> {
        let c = check_magnitudes(&self.net, source, values)?;
        self.magnitudes[c].copy_from_slice(values);
        Ok(())
    }

    fn step_time(&mut self, steps: u32) -> Result<(), SimError> {
        self.clock.check_room(steps)?;
        for _ in 0..steps {
            self.step();
        }
        Ok(())
    }

    fn reset(&mut self) -> Result<(), SimError> {
        for (state, pop) in self.populations.iter_mut().zip(&self.net.populations) {
            state.v.fill(pop.init.v);
            state.refrac_time.fill(pop.init.refrac_time);
            state.spikes.clear();
            if let Some(r) = state.recording.as_mut() {
                r.fill(0);
            }
        }
        for s in &mut self.synapses {
            s.in_syn.fill(0.0);
            s.in_syn_acc.fill(0);
        }
        self.clock.reset();
        Ok(())
    }

    fn take_recording(&mut self) -> Result<Vec<Option<SpikeRecording>>, SimError> {
        let (steps, first_step) = self.clock.take();
        let out = self
            .populations
            .iter_mut()
            .zip(&self.net.populations)
            .map(|(state, pop)| {
                state.recording.as_mut().map(|r| {
                    let words = words_per_step(pop.size) * steps as usize;
                    let mut rec =
                        SpikeRecording::new(&pop.name, pop.size, steps, self.net.dt, first_step);
                    rec.bits.copy_from_slice(&r[..words]);
                    r.fill(0);
                    rec
                })
            })
            .collect();
        Ok(out)
    }

    fn read_state(
        &mut self,
        population: PopulationId,
        var: StateVar,
    ) -> Result<Vec<f32>, SimError> {
        let p = self
            .populations
            .get(population.index())
            .ok_or(SimError::UnknownPopulation(population.index()))?;
        Ok(match var {
            StateVar::V => p.v.clone(),
            StateVar::RefracTime => p.refrac_time.clone(),
        })
    }

    fn read_in_syn(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        self.synapses
            .get(group.index())
            .map(|s| s.in_syn.clone())
            .ok_or(SimError::UnknownSynapseGroup(group.index()))
    }

    fn timestep(&self) -> u64 {
        self.clock.timestep
    }
}

#[cfg(test)]
mod tests {
    use super::fixed_to_f32;

    #[test]
    fn fixed_to_f32_rounds_to_nearest_like_a_plain_conversion() {
        for acc in [
            0,
            1,
            -1,
            4095,
            4096,
            -4097,
            53_687_091,
            -53_687_091,
            1 << 30,
            i32::MAX,
            i32::MIN,
            16_777_217,
            1_073_741_823,
        ] {
            assert_eq!(fixed_to_f32(acc), acc as f32, "{acc}");
        }
    }
}
