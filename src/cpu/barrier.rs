//! A spinning barrier for the threads of one run of timesteps. They meet once per
//! timestep, a few microseconds apart: `std::sync::Barrier` puts waiters to sleep and
//! waking them costs more than the timestep itself, so waiters spin, yielding the core
//! after a while in case there are more threads than cores.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub(super) struct SpinBarrier {
    threads: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
    /// Set when a thread panicked: it will never arrive, so the others must not wait.
    poisoned: AtomicBool,
}

/// Spins before each yield: enough to cover a timestep's imbalance between threads.
const SPINS_BEFORE_YIELD: u32 = 20_000;

impl SpinBarrier {
    pub fn new(threads: usize) -> Self {
        SpinBarrier {
            threads,
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            poisoned: AtomicBool::new(false),
        }
    }

    /// Releases every waiter for good, with a panic of their own; called when a thread
    /// unwinds, so a bug in one thread fails the run instead of hanging it.
    pub fn poison(&self) {
        self.poisoned.store(true, Ordering::Release);
    }

    /// Returns once every thread has called `wait` for this generation. Everything a
    /// thread wrote before waiting is visible to every thread after it returns.
    pub fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.threads {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::AcqRel);
            return;
        }
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            if self.poisoned.load(Ordering::Acquire) {
                panic!("another thread of this run panicked");
            }
            if spins < SPINS_BEFORE_YIELD {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// Poisons `barrier` if the thread holding it unwinds.
pub(super) struct PoisonOnPanic<'a>(pub &'a SpinBarrier);

impl Drop for PoisonOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.poison();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PoisonOnPanic, SpinBarrier};

    #[test]
    fn a_panicking_thread_releases_the_others() {
        let barrier = SpinBarrier::new(2);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::thread::scope(|s| {
                s.spawn(|| {
                    let _guard = PoisonOnPanic(&barrier);
                    panic!("a bug in one thread");
                });
                let _guard = PoisonOnPanic(&barrier);
                barrier.wait();
            });
        }));
        assert!(result.is_err(), "the run fails instead of hanging");
    }
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn no_thread_passes_a_generation_before_all_arrive() {
        let threads = 3;
        let barrier = SpinBarrier::new(threads);
        let counter = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for round in 0..200 {
                        counter.fetch_add(1, Ordering::Relaxed);
                        barrier.wait();
                        // Everyone has incremented for this round, nobody for the next.
                        assert_eq!(counter.load(Ordering::Relaxed), threads * (round + 1));
                        barrier.wait();
                    }
                });
            }
        });
    }
}
