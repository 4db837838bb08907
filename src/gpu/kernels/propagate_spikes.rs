//! The synapse update of a synapse group (`shaders/propagate_spikes.wgsl`), and how it
//! shares the work of a timestep's spikes between threads.

use super::{KernelSpec, Shape, bindings, constants};
use crate::gpu::GpuError;
use crate::gpu::plan::{AccumulatorLayout, BufferId, Device, padded};
use crate::gpu::shaders::{self, TemplateError};
use crate::model::{AccumulatorWidth, BuiltNetwork};
use crate::sim::words_per_step;

/// Mean row length from which a synapse group's rows are shared by the threads of a
/// workgroup; shorter rows are handled whole by one thread.
const SHARED_ROW_LENGTH: u32 = 32;

/// Words of presynaptic spikes each synapse-update workgroup scans when it shares rows.
/// Spikes are sparse (most words are zero), so one workgroup serves many words; fewer,
/// busier workgroups also cost software adapters far less.
const SPIKE_WORDS_PER_WORKGROUP: u32 = 32;

/// llvmpipe ends an invocation's loops after this many iterations of all its loops
/// together, silently (gallivm's `LP_MAX_TGSI_LOOP_ITERATIONS`, a guard against endless
/// loops): a synapse update that needed more would drop input.
pub(crate) const SOFTWARE_LOOP_LIMIT: u64 = 65_535;

/// How the threads of a synapse-update workgroup share a timestep's spikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SynapseUpdateStrategy {
    /// Each workgroup scans 32 words of presynaptic spikes, and its threads share each
    /// spiking neuron's row (long rows: PN -> KC).
    SharedRows,
    /// Each thread takes its own words and their neurons' whole rows (short rows: KC ->
    /// MBON), so the many words of a large population are scanned once.
    ThreadPerWord,
}

/// How a synapse group's update is run: its strategy and the threads of a workgroup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SynapseUpdatePlan {
    pub strategy: SynapseUpdateStrategy,
    pub threads: u32,
}

impl SynapseUpdatePlan {
    /// Workgroups along x: each shares the rows of 32 spike words, or each thread takes
    /// its own word.
    pub fn workgroups(self, words_pre: u32, max_workgroups: u32) -> u32 {
        let per_workgroup = match self.strategy {
            SynapseUpdateStrategy::SharedRows => SPIKE_WORDS_PER_WORKGROUP,
            SynapseUpdateStrategy::ThreadPerWord => self.threads,
        };
        words_pre.div_ceil(per_workgroup).min(max_workgroups)
    }

    /// The most loop iterations one thread of propagate_spikes.wgsl can run in a
    /// timestep, whatever spikes: its words, one per spike in them, and each spike's
    /// (share of its) row.
    pub fn loop_iterations(self, words_pre: u32, max_row: u32, max_workgroups: u32) -> u64 {
        let workgroups = u64::from(self.workgroups(words_pre, max_workgroups).max(1));
        let words = u64::from(words_pre);
        let max_row = u64::from(max_row);
        match self.strategy {
            SynapseUpdateStrategy::SharedRows => {
                let words = words.div_ceil(workgroups);
                words + words * 32 * (1 + max_row.div_ceil(u64::from(self.threads)))
            }
            SynapseUpdateStrategy::ThreadPerWord => {
                let words = words.div_ceil(workgroups * u64::from(self.threads));
                words * (1 + 32 * (1 + max_row))
            }
        }
    }

    /// The plan for a group with `n_synapses` synapses in `rows` rows (a row per
    /// presynaptic neuron and delay class) of at most `max_row`, whose spikes are in
    /// `words_pre` words: rows shared from a mean length of [`SHARED_ROW_LENGTH`], with
    /// `threads` threads per workgroup. On a software adapter
    /// (`loop_limit`), long rows are shared whatever the mean, and the workgroup grows
    /// (up to `max_threads`) until no thread can reach llvmpipe's loop limit; `None` if
    /// none fits.
    pub fn new(
        n_synapses: u64,
        (rows, words_pre): (u64, u32),
        max_row: u32,
        (threads, max_threads): (u32, u32),
        max_workgroups: u32,
        loop_limit: Option<u64>,
    ) -> Option<Self> {
        let strategy = if n_synapses >= rows * u64::from(SHARED_ROW_LENGTH) {
            SynapseUpdateStrategy::SharedRows
        } else {
            SynapseUpdateStrategy::ThreadPerWord
        };
        let mut plan = SynapseUpdatePlan { strategy, threads };
        let Some(limit) = loop_limit else {
            return Some(plan);
        };
        let fits = |plan: SynapseUpdatePlan| {
            plan.loop_iterations(words_pre, max_row, max_workgroups) <= limit
        };
        if plan.strategy == SynapseUpdateStrategy::ThreadPerWord && !fits(plan) {
            plan.strategy = SynapseUpdateStrategy::SharedRows;
        }
        while !fits(plan) && plan.threads * 2 <= max_threads {
            plan.threads *= 2;
        }
        fits(plan).then_some(plan)
    }
}

/// The plan of group `g` on `device` with `threads` threads per workgroup asked for, or
/// why no plan fits.
pub(crate) fn plan(
    net: &BuiltNetwork,
    g: usize,
    threads: u32,
    device: &Device<'_>,
) -> Result<SynapseUpdatePlan, GpuError> {
    let s = &net.synapse_groups[g];
    let n_pre = net.populations[s.pre].size;
    let max_row = s.connectivity.max_row_length();
    let words_pre = scanned_words(net, g).ok_or_else(|| {
        device.over_limit(
            format!(
                "synapse group '{}' (spike words of every delay scanned per timestep: \
                 use fewer per-synapse delays, a smaller presynaptic population or the \
                 CPU backend)",
                s.name
            ),
            words_per_step(n_pre) as u64 * u64::from(s.delays.classes),
            u64::from(MAX_SCANNED_WORDS),
        )
    })?;
    let rows = u64::from(n_pre) * u64::from(s.delays.classes);
    let limits = device.limits;
    let max_threads = limits
        .max_compute_invocations_per_workgroup
        .min(limits.max_compute_workgroup_size_x)
        .max(1);
    let loop_limit = (!device.adapter.is_hardware()).then_some(SOFTWARE_LOOP_LIMIT);
    let threads = (threads.clamp(1, max_threads), max_threads);
    SynapseUpdatePlan::new(
        s.connectivity.len() as u64,
        (rows, words_pre),
        max_row,
        threads,
        device.max_workgroups(),
        loop_limit,
    )
    .ok_or_else(|| {
        let widest = SynapseUpdatePlan {
            strategy: SynapseUpdateStrategy::SharedRows,
            threads: max_threads,
        };
        device.over_limit(
            format!(
                "synapse group '{}' (rows of up to {} synapses: loop iterations of \
                 one synapse-update thread on a software adapter, which stops loops \
                 silently past its limit; use the CPU backend or a hardware GPU)",
                s.name, max_row
            ),
            widest.loop_iterations(words_pre, max_row, device.max_workgroups()),
            SOFTWARE_LOOP_LIMIT,
        )
    })
}

/// Most spike words one synapse update scans per timestep and batch entry (the
/// presynaptic population's words of every delay class): WGSL counts them in `u32`,
/// with room for a loop's last stride.
const MAX_SCANNED_WORDS: u32 = 1 << 30;

/// The spike words group `g`'s synapse update scans per timestep and batch entry: the
/// presynaptic population's, once per delay class; `None` past [`MAX_SCANNED_WORDS`].
pub(crate) fn scanned_words(net: &BuiltNetwork, g: usize) -> Option<u32> {
    let s = &net.synapse_groups[g];
    let words = words_per_step(net.populations[s.pre].size) as u64 * u64::from(s.delays.classes);
    u32::try_from(words)
        .ok()
        .filter(|&w| w <= MAX_SCANNED_WORDS)
}

/// The synapse update of group `g` with `plan`, dispatched with `workgroups` along x.
pub(crate) fn spec(
    net: &BuiltNetwork,
    g: usize,
    shape: Shape,
    plan: SynapseUpdatePlan,
    workgroups: u32,
) -> Result<KernelSpec, TemplateError> {
    let s = &net.synapse_groups[g];
    // With per-synapse delays, where each row's synapses of each delay start.
    let row_start = match s.delays.class_start.is_empty() {
        true => BufferId::RowStart(g),
        false => BufferId::DelayClassStart(g),
    };
    let mut kernel = KernelSpec {
        label: format!("propagate_spikes[{}]", s.name),
        source: String::new(),
        constants: constants([
            (
                "SHARE_ROWS",
                if plan.strategy == SynapseUpdateStrategy::SharedRows {
                    1.0
                } else {
                    0.0
                },
            ),
            (
                "WORDS_PRE",
                f64::from(words_per_step(net.populations[s.pre].size) as u32),
            ),
            (
                "ACC_STRIDE",
                f64::from(padded(net.populations[s.post].size)),
            ),
            ("BATCH", f64::from(shape.batch)),
            ("SPIKE_SLOTS", f64::from(shape.spike_slots(net, s.pre))),
            ("MIN_DELAY", f64::from(s.delays.min_steps)),
            ("DELAY_CLASSES", f64::from(s.delays.classes)),
        ]),
        bindings: bindings(&[
            ("params", BufferId::StepParams),
            ("pre_spikes", BufferId::Spikes(s.pre)),
            ("row_start", row_start),
            ("targets", BufferId::Targets(g)),
            ("in_syn_acc", BufferId::InSynAcc(g)),
        ]),
        workgroups,
        threads: plan.threads,
    };
    let layout =
        AccumulatorLayout::new(net.populations[s.post].size, shape.batch, shape.block_steps);
    kernel.constants.extend(constants(layout.wgsl_constants()));
    // The weight of synapse j: one constant in 32 bits, or its own in 64.
    let accumulate = match s.weight.width {
        AccumulatorWidth::Bits64 => {
            kernel.bindings.push(("g".to_owned(), BufferId::Weights(g)));
            kernel
                .constants
                .push(("SCALE".to_owned(), 1.0 / f64::from(s.weight.inv_scale)));
            shaders::ACCUMULATE_64
        }
        AccumulatorWidth::Bits32 => {
            kernel
                .constants
                .push(("WEIGHT".to_owned(), f64::from(s.weight.weight_fixed)));
            shaders::ACCUMULATE_32
        }
    };
    kernel.source = shaders::finish(
        shaders::PROPAGATE_SPIKES,
        &[
            ("block_steps", &shape.block_steps.to_string()),
            ("accumulate", accumulate),
            ("row_threads", &plan.threads.to_string()),
        ],
    )?;
    Ok(kernel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_synapse_updates_stay_under_llvmpipes_loop_limit() {
        let limit = Some(SOFTWARE_LOOP_LIMIT);
        let plan = |n_synapses, n_pre: u32, max_row, loop_limit| {
            let rows = (u64::from(n_pre), words_per_step(n_pre) as u32);
            SynapseUpdatePlan::new(n_synapses, rows, max_row, (16, 1024), 65_535, loop_limit)
        };
        let shared = |threads| {
            Some(SynapseUpdatePlan {
                strategy: SynapseUpdateStrategy::SharedRows,
                threads,
            })
        };
        // The tutorial's PN -> KC rows (about 510, at most some 600) fit 16 threads:
        // 25 words, 800 spikes, 1 + 38 iterations each.
        assert_eq!(plan(400_000, 784, 600, limit), shared(16));
        let tutorial = shared(16).unwrap().loop_iterations(25, 600, 65_535);
        assert!(tutorial <= SOFTWARE_LOOP_LIMIT, "{tutorial}");
        // Dense 1024 -> 2000: 1024 spikes of rows of 2000 need 64 threads.
        assert_eq!(plan(2_048_000, 1024, 2000, limit), shared(64));
        assert!(shared(32).unwrap().loop_iterations(32, 2000, 65_535) > SOFTWARE_LOOP_LIMIT);
        // GPUs have no such limit.
        assert_eq!(plan(2_048_000, 1024, 2000, None), shared(16));
        // Short rows on average, one of them long: shared on a software adapter, by
        // enough threads for 1024 spikes of rows of 10 000.
        let own = SynapseUpdatePlan {
            strategy: SynapseUpdateStrategy::ThreadPerWord,
            threads: 16,
        };
        assert_eq!(plan(20_000, 10_000, 10, limit), Some(own));
        assert_eq!(plan(30_000, 10_000, 10_000, limit), shared(256));
        assert_eq!(plan(30_000, 10_000, 10_000, None), Some(own));
        // Rows no workgroup can cover within the limit are refused.
        assert_eq!(plan(u64::from(u32::MAX), 1024, 100_000_000, limit), None);
    }

    #[test]
    fn per_synapse_delays_scan_every_delays_words_within_llvmpipes_loop_limit() {
        let limit = Some(SOFTWARE_LOOP_LIMIT);
        let classes = u64::from(crate::model::MAX_DELAY_STEPS) + 1;
        // The longest range of delays from 100 000 neurons (3125 words each): 12.8
        // million words a timestep, spread over more threads until each thread's loops
        // fit, for short rows and for long ones.
        for (n_synapses, max_row) in [(1_000_000, 40), (100_000_000, 2000)] {
            let words = 3125 * classes as u32;
            let rows = 100_000 * classes;
            let plan = SynapseUpdatePlan::new(
                n_synapses,
                (rows, words),
                max_row,
                (16, 1024),
                65_535,
                limit,
            )
            .unwrap();
            let iterations = plan.loop_iterations(words, max_row, 65_535);
            assert!(iterations <= SOFTWARE_LOOP_LIMIT, "{plan:?}: {iterations}");
        }
        // The most words a synapse update scans, with rows too long for any workgroup:
        // refused, not run short.
        let words = MAX_SCANNED_WORDS;
        let refused = SynapseUpdatePlan::new(
            1 << 32,
            (1 << 35, words),
            1 << 20,
            (16, 1024),
            65_535,
            limit,
        );
        assert_eq!(refused, None);
    }
}
