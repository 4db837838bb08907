//! How a run of timesteps is shared between threads (`plan.rs`), the state cut into what
//! each thread owns (`split.rs`), the step loop each thread runs (`worker.rs`), the
//! barrier the threads of a sliced entry meet at after every timestep (`barrier.rs`), and
//! fewer threads per entry while another process keeps one of them off its core
//! (`backoff.rs`).

mod backoff;
mod barrier;
mod plan;
mod split;
mod worker;

pub(crate) use backoff::{Backoff, SlicedRun};
pub(crate) use plan::{Plan, plan};

use std::sync::{Mutex, PoisonError};

use super::CpuSimulation;
use barrier::{PoisonOnPanic, SpinBarrier};
use worker::{Run, Shared, Worker};

/// Runs `steps` timesteps of `sim`, starting at its clock.
pub(crate) fn run(sim: &mut CpuSimulation, steps: u32) {
    let plan = plan(
        &sim.net,
        sim.batch,
        sim.threads,
        steps,
        sim.backoff.slice_cap(),
    );
    let run = Run {
        start: sim.clock.timestep,
        first_slot: sim.clock.recorded_steps as usize,
        steps,
    };
    let reset = sim.reset_due;
    let sliced = match plan {
        Plan::Single => {
            run_entries(sim, 1, &run, reset);
            None
        }
        Plan::Entries { threads } => {
            run_entries(sim, threads, &run, reset);
            None
        }
        Plan::Sliced { groups, slices } => Some(SlicedRun {
            slices,
            steps,
            slow_steps: run_sliced(sim, groups, slices, &run, reset),
        }),
    };
    sim.backoff.record(sliced);
}

/// `threads` threads (the calling one among them) taking whole batch entries from a
/// queue until none is left; `reset` if the state is to be reset first.
fn run_entries(sim: &mut CpuSimulation, threads: usize, run: &Run, reset: bool) {
    let batch = sim.batch;
    let (shared, workers) = split::split(sim, batch, 1);
    let queue = Mutex::new(workers.into_iter());
    let next = || queue.lock().unwrap_or_else(PoisonError::into_inner).next();
    let work = || {
        while let Some(mut worker) = next() {
            if reset {
                worker.reset(shared.net, 0);
            }
            worker.run(&shared, run, 0..1, None);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
}

/// `groups` groups of `slices` threads, each group slicing its entries and meeting at its
/// barrier after every timestep. Returns the most timesteps at which a group had a
/// waiter asleep.
fn run_sliced(
    sim: &mut CpuSimulation,
    groups: usize,
    slices: usize,
    run: &Run,
    reset: bool,
) -> u64 {
    let (shared, workers) = split::split(sim, groups, slices);
    let barriers: Vec<SpinBarrier> = (0..groups).map(|_| SpinBarrier::new(slices)).collect();
    let run_worker = &|(w, worker): (usize, Worker<'_>)| {
        if let Some(barrier) = barriers.get(w / slices) {
            run_slice(worker, &shared, run, reset, barrier);
        }
    };
    std::thread::scope(|scope| {
        let mut all = workers.into_iter().enumerate();
        let first = all.next();
        for worker in all {
            scope.spawn(move || run_worker(worker));
        }
        if let Some(worker) = first {
            run_worker(worker);
        }
    });
    barriers
        .iter()
        .map(SpinBarrier::slow_generations)
        .max()
        .unwrap_or(0)
}

/// One sliced worker's share of a run: every thread of its group finishes a timestep
/// before any starts the next.
fn run_slice(
    mut worker: Worker<'_>,
    shared: &Shared<'_>,
    run: &Run,
    reset: bool,
    barrier: &SpinBarrier,
) {
    let _guard = PoisonOnPanic(barrier);
    let tasks = worker.tasks();
    if reset {
        for task in 0..tasks {
            worker.reset(shared.net, task);
        }
    }
    worker.run(shared, run, 0..tasks, Some(barrier));
}
