//! How a run of timesteps is shared between threads (`plan.rs`), the state cut into what
//! each thread owns (`split.rs`), the step loop each thread runs (`worker.rs`) and the
//! barrier the threads of a sliced entry meet at after every timestep (`barrier.rs`).

mod barrier;
mod plan;
mod split;
mod worker;

pub(crate) use plan::{Plan, plan};

use super::CpuSimulation;
use barrier::{PoisonOnPanic, SpinBarrier};
use worker::{Run, Shared, Worker};

/// Runs `steps` timesteps of `sim`, starting at its clock.
pub(crate) fn run(sim: &mut CpuSimulation, steps: u32) {
    let (groups, slices) = match plan(&sim.net, sim.batch, sim.threads, steps) {
        Plan::Single => (1, 1),
        Plan::Split { groups, slices } => (groups, slices),
    };
    let run = Run {
        start: sim.clock.timestep,
        first_slot: sim.clock.recorded_steps as usize,
        steps,
    };
    let reset = sim.reset_due;
    let (shared, workers) = split::split(sim, groups, slices);
    let barriers: Vec<SpinBarrier> = if slices > 1 {
        (0..groups).map(|_| SpinBarrier::new(slices)).collect()
    } else {
        Vec::new()
    };
    let run_worker = &|(w, worker): (usize, Worker<'_>)| {
        run_worker(worker, &shared, &run, reset, barriers.get(w / slices));
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
}

/// One worker's share of a run; `reset` if its state is to be reset first.
fn run_worker(
    mut worker: Worker<'_>,
    shared: &Shared<'_>,
    run: &Run,
    reset: bool,
    barrier: Option<&SpinBarrier>,
) {
    let tasks = worker.tasks();
    match barrier {
        // Sliced populations: every thread of the group finishes a timestep before any
        // starts the next.
        Some(b) => {
            let _guard = PoisonOnPanic(b);
            if reset {
                for task in 0..tasks {
                    worker.reset(shared.net, task);
                }
            }
            worker.run(shared, run, 0..tasks, Some(b));
        }
        // Whole entries: one at a time through every timestep, so only that entry's
        // state is in cache.
        None => {
            for task in 0..tasks {
                if reset {
                    worker.reset(shared.net, task);
                }
                worker.run(shared, run, task..task + 1, None);
            }
        }
    }
}
