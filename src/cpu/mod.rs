//! The native CPU backend, and the reference the GPU is tested against. Each stage in
//! `kernels/` is the twin of the WGSL kernel of the same name in `shaders/`.
//!
//! The work of a run of timesteps is split between threads once, before the step loop
//! (`schedule/`): with at least as many batch entries as threads each thread simulates
//! whole entries, independently; with fewer, each entry gets a group of threads, each of
//! which owns a slice of every population (aligned to 32 neurons, so spike words are
//! never shared), and a group's threads meet at a barrier after every timestep; while
//! another process keeps those threads waiting for each other, later runs slice entries
//! between fewer of them. No split changes a result: synaptic input is summed in fixed
//! point, and every other operation is per neuron.

mod kernels;
mod schedule;
mod state;

use std::sync::atomic::AtomicU64;

use crate::interpret::native::{
    ExpCurrInput, LaneSums, MAX_EXP_CURR_INPUTS, NativeLanes, NotCompiled,
};
use crate::model::{
    AccumulatorWidth, BuiltNetwork, CurrentSourceId, PopulationId, PopulationModel, SynapseGroupId,
};
use crate::sim::recording::{RowOrder, TakenRun, unpack};
use crate::sim::state_recording::{StateRecording, TakenSamples, unpack_state};
use crate::sim::{
    PendingRecordings, Readback, Recordings, SimConfig, SimError, SimulationId, Simulator,
    StateVar, StepClock, check_config, check_magnitudes, group_index, population_index,
    words_per_step,
};
use crate::sim::{VarSlot, check_state_length, var_slot};
use state::{PopulationState, SynapseState, plain_words, state_bytes};

/// A network on the CPU.
pub struct CpuSimulation {
    net: BuiltNetwork,
    id: SimulationId,
    batch: usize,
    threads: usize,
    recording_steps: usize,
    populations: Vec<PopulationState>,
    synapses: Vec<SynapseState>,
    /// Per current source, `[entry][neuron]`.
    magnitudes: Vec<Vec<f32>>,
    /// Per population, the synapse groups targeting it, in the order they were added.
    incoming: Vec<Vec<usize>>,
    /// Per population, the current sources injecting into it.
    sources: Vec<Vec<usize>>,
    /// `V`, `RefracTime` and `inSyn` still to be set to their initial values (by the
    /// threads of the next run, each on its own slices).
    reset_due: bool,
    clock: StepClock,
    /// Fewer threads per entry while a sliced run's threads were kept waiting.
    backoff: schedule::Backoff,
    /// Per synapse group, the first `addToPost` input of the last run beyond its range:
    /// its bits with bit 32 set (0: none).
    add_to_post_overflow: Vec<AtomicU64>,
    /// Per population, its code strings' step function compiled to machine code, or
    /// why it runs through the interpreter (`None` for built-in models).
    compiled: Vec<Option<NativeLanes>>,
    not_compiled: Vec<Option<NotCompiled>>,
}

impl CpuSimulation {
    /// Loads `net` for `config`'s batch size, recording length and threads.
    pub fn new(net: &BuiltNetwork, config: SimConfig) -> Result<Self, SimError> {
        check_config(net, config)?;
        let needed = state_bytes(net, config.batch_size, config.recording_steps);
        crate::memory::check_fits(needed).map_err(|available| SimError::OutOfMemory {
            what: "the CPU backend's state",
            needed,
            available,
        })?;
        let batch = config.batch_size as usize;
        let recording_steps = config.recording_steps as usize;
        let populations = (0..net.populations.len())
            .map(|p| PopulationState::new(net, p, batch, recording_steps))
            .collect();
        let synapses = net
            .synapse_groups
            .iter()
            .map(|s| SynapseState::new(s, net.populations[s.post].size, batch))
            .collect();
        let magnitudes = net
            .current_sources
            .iter()
            .map(|c| {
                // A code-string source keeps its state in its target's variables.
                let n = if c.code {
                    0
                } else {
                    net.populations[c.target].size as usize
                };
                vec![c.initial_magnitude; n * batch]
            })
            .collect();
        let n_populations = net.populations.len();
        let (compiled, not_compiled) = compile_step_functions(net);
        Ok(CpuSimulation {
            net: net.clone(),
            id: SimulationId::unique(),
            batch,
            threads: config.host_threads(),
            recording_steps,
            populations,
            synapses,
            magnitudes,
            incoming: (0..n_populations)
                .map(|p| net.incoming(p).map(|(g, _)| g).collect())
                .collect(),
            sources: (0..n_populations)
                .map(|p| net.sources_of(p).map(|(c, _)| c).collect())
                .collect(),
            reset_due: false,
            clock: StepClock::new(config, net.records()),
            backoff: schedule::Backoff::default(),
            add_to_post_overflow: net
                .synapse_groups
                .iter()
                .map(|_| AtomicU64::new(0))
                .collect(),
            compiled,
            not_compiled,
        })
    }

    /// Each population whose model is written as code strings, with why its step
    /// function runs through the interpreter rather than as machine code built by the
    /// system's C compiler (`None`: it runs as machine code). The spikes are the same.
    pub fn code_compiled(&self) -> impl Iterator<Item = (&str, Option<&NotCompiled>)> {
        let pops = self.net.populations.iter().zip(&self.not_compiled);
        pops.filter(|(p, _)| matches!(p.model, PopulationModel::Code(_)))
            .map(|(p, why)| (p.name.as_str(), why.as_ref()))
    }

    /// The threads a run of one recording's length uses (not the threads asked for: a
    /// small network or batch uses fewer), and how many it uses while other processes
    /// keep them waiting for each other.
    fn describe_threads(&self) -> String {
        if self.net.plastic_group().is_some() {
            return "cpu (1 thread: learning)".to_owned();
        }
        let steps = self.recording_steps.try_into().unwrap_or(u32::MAX).max(1);
        let free = self.threads_for_free_cores(steps);
        let plural = if free == 1 { "" } else { "s" };
        let held = self
            .backoff
            .held_cap()
            .map(|cap| schedule::plan(&self.net, self.batch, self.threads, steps, cap).workers());
        match held {
            Some(busy) if busy < free => {
                format!("cpu ({free} thread{plural}, {busy} while cores are busy)")
            }
            _ => format!("cpu ({free} thread{plural})"),
        }
    }

    /// Runs every population's code strings through the interpreter from now on, as
    /// where no C compiler is. The spikes are the same; this is for checking that, and
    /// for timing the two.
    pub fn interpret_code_strings(&mut self) {
        for (compiled, why) in self.compiled.iter_mut().zip(&mut self.not_compiled) {
            if compiled.take().is_some() {
                *why = Some(NotCompiled::Compiler(
                    "interpret_code_strings was called".into(),
                ));
            }
        }
    }

    /// The error of the first group whose `addToPost` got an input beyond its range in
    /// the last run, if any (clearing every report).
    fn take_add_to_post_overflow(&mut self) -> Result<(), SimError> {
        let mut first = None;
        for (s, flag) in self
            .net
            .synapse_groups
            .iter()
            .zip(&mut self.add_to_post_overflow)
        {
            let report = std::mem::take(flag.get_mut());
            if report != 0 && first.is_none() {
                first = Some(SimError::AddToPostOutOfRange {
                    group: s.name.clone(),
                    value: f32::from_bits(report as u32),
                    max: s.code.as_ref().map_or(0.0, |c| c.max_add_to_post),
                });
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Carries out a due reset of the state here and now.
    fn apply_reset(&mut self) {
        if std::mem::take(&mut self.reset_due) {
            for (state, pop) in self.populations.iter_mut().zip(&self.net.populations) {
                state.reset_state(pop);
            }
            for s in &mut self.synapses {
                s.reset();
            }
        }
    }

    /// Worker threads the next run of `steps` timesteps would use: fewer than
    /// [`threads_for_free_cores`](Self::threads_for_free_cores) while other processes
    /// keep the threads that slice an entry waiting for each other.
    pub fn threads_for(&self, steps: u32) -> usize {
        let cap = self.backoff.slice_cap();
        schedule::plan(&self.net, self.batch, self.threads, steps, cap).workers()
    }

    /// Worker threads a run of `steps` timesteps uses when no other process is busy.
    pub fn threads_for_free_cores(&self, steps: u32) -> usize {
        schedule::plan(&self.net, self.batch, self.threads, steps, usize::MAX).workers()
    }

    /// The recordings of every population, `steps` timesteps from `first_step`.
    fn recordings(&mut self, steps: u32, first_step: u64) -> Recordings {
        let run = TakenRun {
            steps,
            first_step,
            dt: self.net.dt,
            batch: self.batch,
            host_threads: self.threads,
        };
        let recording_steps = self.recording_steps;
        let populations = self
            .populations
            .iter_mut()
            .zip(&self.net.populations)
            .map(|(state, pop)| {
                let order = RowOrder::EntryMajor {
                    entry_stride: recording_steps * words_per_step(pop.size),
                };
                // Every recorded row was written whole, so nothing needs clearing.
                let recording = state.recording.as_mut()?;
                Some(unpack(plain_words(recording), order, pop, run))
            })
            .collect();
        let state = self.state_recordings(steps, first_step);
        Recordings::new(self.net.description.id(), populations).with_state(state)
    }

    /// The state samples of every population whose state is recorded, in the `steps`
    /// timesteps from `first_step`.
    fn state_recordings(
        &mut self,
        steps: u32,
        first_step: u64,
    ) -> Vec<Option<Vec<StateRecording>>> {
        let recording_steps = self.recording_steps as u32;
        let (batch, dt) = (self.batch, self.net.dt);
        let pops = self.populations.iter_mut().zip(&self.net.populations);
        pops.map(|(state, pop)| {
            let rec = pop.state_recording.as_ref()?;
            let samples = state.state_recording.as_mut()?;
            let entry_stride = rec.max_samples(recording_steps) as usize * rec.values_per_sample();
            let taken = TakenSamples {
                first_step,
                samples: rec.samples_in(first_step, steps),
                batch,
                dt,
            };
            let order = RowOrder::EntryMajor { entry_stride };
            Some(unpack_state(plain_words(samples), order, pop, rec, taken))
        })
        .collect()
    }
}

impl Simulator for CpuSimulation {
    /// The threads a run uses (see `describe_threads`) and, for models written as code
    /// strings, whether they run as machine code or through the interpreter.
    fn description(&self) -> String {
        let threads = self.describe_threads();
        let compiled: Vec<bool> = self.code_compiled().map(|(_, why)| why.is_none()).collect();
        if compiled.is_empty() {
            threads
        } else if compiled.iter().all(|&c| c) {
            format!("{threads}, code strings compiled")
        } else if compiled.iter().any(|&c| c) {
            format!("{threads}, code strings partly interpreted")
        } else {
            format!("{threads}, code strings interpreted")
        }
    }

    fn network(&self) -> &BuiltNetwork {
        &self.net
    }

    fn batch_size(&self) -> u32 {
        self.batch as u32
    }

    fn set_magnitude(&mut self, source: CurrentSourceId, values: &[f32]) -> Result<(), SimError> {
        let c = check_magnitudes(&self.net, self.batch as u32, source, values)?;
        self.magnitudes[c].copy_from_slice(values);
        Ok(())
    }

    fn step_time(&mut self, steps: u32) -> Result<(), SimError> {
        self.clock.check_room(steps)?;
        if steps == 0 {
            return Ok(());
        }
        schedule::run(self, steps);
        self.reset_due = false;
        self.clock.advance(steps);
        self.take_add_to_post_overflow()
    }

    fn reset(&mut self) -> Result<(), SimError> {
        // The recording needs no clearing (each recorded timestep writes its row whole).
        for state in &mut self.populations {
            state.clear_spikes();
        }
        for state in &mut self.synapses {
            state.clear_arrivals();
        }
        self.reset_due = true;
        self.clock.reset();
        Ok(())
    }

    fn recording_steps(&self) -> u32 {
        self.clock.capacity()
    }

    fn recorded_steps(&self) -> u32 {
        self.clock.recorded_steps
    }

    fn start_take_recording(&mut self) -> Result<PendingRecordings, SimError> {
        let (steps, first_step) = self.clock.take();
        Ok(PendingRecordings {
            owner: self.id,
            readback: Readback::Ready(self.recordings(steps, first_step)),
        })
    }

    fn finish_take_recording(
        &mut self,
        pending: PendingRecordings,
    ) -> Result<Recordings, SimError> {
        match pending.readback {
            Readback::Ready(r) if pending.owner == self.id => Ok(r),
            _ => Err(SimError::ForeignRecording),
        }
    }

    fn read_var_bits(
        &mut self,
        population: PopulationId,
        name: &str,
    ) -> Result<Vec<u32>, SimError> {
        let p = population_index(&self.net, population)?;
        let slot = var_slot(&self.net, p, name)?;
        self.apply_reset();
        let state = &self.populations[p];
        Ok(match slot {
            VarSlot::Builtin(StateVar::V) => state.v.iter().map(|x| x.to_bits()).collect(),
            VarSlot::Builtin(StateVar::RefracTime) => {
                state.refrac_time.iter().map(|x| x.to_bits()).collect()
            }
            VarSlot::Code(i) => state.vars[i].clone(),
        })
    }

    fn write_var_bits(
        &mut self,
        population: PopulationId,
        name: &str,
        bits: &[u32],
    ) -> Result<(), SimError> {
        let p = population_index(&self.net, population)?;
        let slot = var_slot(&self.net, p, name)?;
        check_state_length(&self.net, p, name, self.batch as u32, bits)?;
        // A reset still due would otherwise overwrite what is written.
        self.apply_reset();
        let state = &mut self.populations[p];
        let floats = |dst: &mut [f32]| {
            for (d, &b) in dst.iter_mut().zip(bits) {
                *d = f32::from_bits(b);
            }
        };
        match slot {
            VarSlot::Builtin(StateVar::V) => floats(&mut state.v),
            VarSlot::Builtin(StateVar::RefracTime) => floats(&mut state.refrac_time),
            VarSlot::Code(i) => state.vars[i].copy_from_slice(bits),
        }
        Ok(())
    }

    fn read_in_syn(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        let g = group_index(&self.net, group)?;
        self.apply_reset();
        Ok(self.synapses[g].in_syn.clone())
    }

    fn timestep(&self) -> u64 {
        self.clock.timestep
    }

    fn read_weights(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        let g = group_index(&self.net, group)?;
        if crate::sim::weights_in_code_var(&self.net, g)? {
            return self.read_synapse_var(group, "g");
        }
        let weights = self.synapses[g]
            .g
            .as_ref()
            .ok_or_else(|| SimError::NoSynapseWeights {
                group: self.net.synapse_groups[g].name.clone(),
            })?;
        Ok(weights.iter().map(kernels::load_f32).collect())
    }

    fn read_synapse_var_bits(
        &mut self,
        group: SynapseGroupId,
        name: &str,
    ) -> Result<Vec<u32>, SimError> {
        let g = group_index(&self.net, group)?;
        let i = crate::sim::synapse_var_index(&self.net, g, name)?;
        Ok(self.synapses[g].vars[i]
            .iter()
            .map(|b| b.load(std::sync::atomic::Ordering::Relaxed))
            .collect())
    }

    fn write_weights(&mut self, group: SynapseGroupId, values: &[f32]) -> Result<(), SimError> {
        let g = group_index(&self.net, group)?;
        if let Some(bits) = crate::sim::check_weights(&self.net, g, values)? {
            return self.write_synapse_var_bits(group, "g", &bits);
        }
        for (w, x) in self.synapses[g].g.iter_mut().flatten().zip(values) {
            *w.get_mut() = x.to_bits();
        }
        Ok(())
    }

    fn write_synapse_var_bits(
        &mut self,
        group: SynapseGroupId,
        name: &str,
        bits: &[u32],
    ) -> Result<(), SimError> {
        let g = group_index(&self.net, group)?;
        let i = crate::sim::check_synapse_bits(&self.net, g, name, bits)?;
        for (var, &b) in self.synapses[g].vars[i].iter_mut().zip(bits) {
            *var.get_mut() = b;
        }
        Ok(())
    }
}

/// Every code population's step function as machine code where it compiles, and why not
/// where it doesn't.
fn compile_step_functions(
    net: &BuiltNetwork,
) -> (Vec<Option<NativeLanes>>, Vec<Option<NotCompiled>>) {
    net.populations
        .iter()
        .enumerate()
        .map(|(p, pop)| match &pop.model {
            PopulationModel::Code(code) => {
                let built_in_inputs = built_in_inputs(net, p);
                let sums: Vec<(bool, f32)> = code
                    .postsynaptic_groups
                    .iter()
                    .map(|&g| {
                        let weight = &net.synapse_groups[g].weight;
                        (weight.width == AccumulatorWidth::Bits64, weight.inv_scale)
                    })
                    .collect();
                match kernels::compile_step_function(code, built_in_inputs, &sums) {
                    Ok(compiled) => (Some(compiled), None),
                    Err(why) => (None, Some(why)),
                }
            }
            PopulationModel::Builtin(_) => (None, None),
        })
        .unzip()
}

/// How code population `p`'s step function takes the input that is not its own code:
/// none (every incoming group's postsynaptic model and every current source is code),
/// only built-in postsynaptic models, which it takes itself, or built-in current sources
/// too (or more groups than it can take), which the neuron update sums for it.
fn built_in_inputs(net: &BuiltNetwork, p: usize) -> LaneSums {
    let exp_curr: Vec<ExpCurrInput> = net
        .incoming(p)
        .filter(|(_, group)| !group.code_postsynaptic)
        .map(|(_, group)| ExpCurrInput {
            init: group.postsynaptic.init.to_bits(),
            exp_decay: group.postsynaptic.exp_decay.to_bits(),
            wide: group.weight.width == AccumulatorWidth::Bits64,
            inv_scale: group.weight.inv_scale.to_bits(),
        })
        .collect();
    if net.sources_of(p).any(|(_, c)| !c.code) || exp_curr.len() > MAX_EXP_CURR_INPUTS {
        LaneSums::Given
    } else if exp_curr.is_empty() {
        LaneSums::FromZero
    } else {
        LaneSums::FromExpCurr(exp_curr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tutorial;

    /// `state_bytes` of `networks::coba_scaled` at batch size 1 follows the formula
    /// docs/performance.md ("Scaling") writes out: per population of n neurons, 4
    /// variables and their initial values (32 n) and 2 + R words per 32 neurons; per
    /// synapse group into m neurons, k synapses each, from n_pre: 4 k m targets,
    /// 4 (n_pre + 1) row starts, 12 m for inSyn and its sums and a byte per 32 neurons.
    #[test]
    fn scaled_coba_state_follows_the_layout_formula() {
        let (sizes, in_degree, recording) = ([3200u128, 800], [64u128, 16], 1000u128);
        let words = |n: u128| n.div_ceil(32);
        let mut expected: u128 = sizes
            .iter()
            .map(|&n| 32 * n + 4 * (2 + recording) * words(n))
            .sum();
        for (&n_pre, &k) in sizes.iter().zip(&in_degree) {
            for &m in &sizes {
                expected += 4 * k * m + 4 * (n_pre + 1) + 12 * m + words(m);
            }
        }
        let net = crate::networks::coba_scaled(4000, 80)
            .network
            .build(1)
            .unwrap();
        assert_eq!(state::state_bytes(&net, 1, 1000), expected);
        for group in &net.synapse_groups {
            let degrees = group.connectivity.in_degrees();
            let k = if group.pre == 0 { 64 } else { 16 };
            assert!(degrees.iter().all(|&d| d == k), "{}", group.name);
        }
    }

    #[test]
    fn fewer_threads_after_a_descheduled_partner_give_the_same_spikes() {
        let mb = tutorial::mushroom_body();
        let built = mb.network.build(1).unwrap();
        let config = SimConfig {
            threads: 8,
            ..SimConfig::DEFAULT
        };
        let mut sim = CpuSimulation::new(&built, config).unwrap();
        // The tutorial's 20 784 neurons pay for five slices, not eight.
        assert_eq!(sim.description(), "cpu (5 threads)");
        let currents: Vec<f32> = (0..tutorial::NUM_PN)
            .map(|i| (i % 7) as f32 * 0.2)
            .collect();
        let sliced = tutorial::present(&mut sim, &mb, &currents).unwrap();
        // A run in which most timesteps had a waiter asleep at the barrier.
        sim.backoff.record(Some(schedule::SlicedRun {
            slices: 5,
            steps: 200,
            slow_steps: 180,
        }));
        assert_eq!(sim.threads_for(200), 2);
        assert_eq!(sim.description(), "cpu (5 threads, 2 while cores are busy)");
        let fewer = tutorial::present(&mut sim, &mb, &currents).unwrap();
        assert!(sliced.kc.active_neurons() > 100, "too quiet for a test");
        assert_eq!(sliced.kc.bits, fewer.kc.bits);
        assert_eq!(sliced.pn.bits, fewer.pn.bits);
    }

    #[test]
    fn a_simulation_without_recording_room_takes_empty_recordings() {
        let mut net = crate::model::Network::new(0.1);
        let p = net.add_neuron_population(
            "p",
            40,
            crate::model::NeuronModel::Lif(crate::model::LifParams::TUTORIAL),
        );
        net.set_spike_recording(p, true).unwrap();
        let built = net.build(0).unwrap();
        let config = SimConfig {
            recording_steps: 0,
            batch_size: 2,
            ..SimConfig::DEFAULT
        };
        let mut sim = CpuSimulation::new(&built, config).unwrap();
        assert!(matches!(
            sim.step_time(1),
            Err(SimError::RecordingFull { .. })
        ));
        let rec = sim.take_recording().unwrap();
        let got = rec.get(p).unwrap();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|r| r.n_steps == 0 && r.bits.is_empty()));
    }
}
