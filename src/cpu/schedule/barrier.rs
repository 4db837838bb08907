//! A spinning barrier for the threads of one run of timesteps. They meet once per
//! timestep, a few microseconds apart: `std::sync::Barrier` puts waiters to sleep and
//! waking them costs more than the timestep itself, so waiters spin. Only a waiter that
//! has spun for `SPIN_TIME` goes to sleep: then a thread it waits for has lost its core
//! (more threads than free cores), and spinning on would keep that thread from running.
//! The barrier counts the generations that had a sleeper, so the run can tell a
//! descheduled partner from the usual jitter (`backoff.rs`).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub(super) struct SpinBarrier {
    threads: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
    /// Set when a thread panicked: it will never arrive, so the others must not wait.
    poisoned: AtomicBool,
    /// Waiters asleep on `wake` (changed only under `lock`).
    sleepers: AtomicUsize,
    /// Generations in which some waiter went to sleep.
    slow_generations: AtomicU64,
    lock: Mutex<()>,
    wake: Condvar,
}

/// How long a waiter spins before it sleeps: well over a timestep's usual imbalance
/// between threads (a timestep of the tutorial at batch 1 takes a few µs; see
/// `docs/performance.md`).
const SPIN_TIME: Duration = Duration::from_micros(50);
/// Spins between looks at the clock.
const SPINS_PER_CLOCK_READ: u32 = 64;

impl SpinBarrier {
    pub fn new(threads: usize) -> Self {
        SpinBarrier {
            threads,
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            poisoned: AtomicBool::new(false),
            sleepers: AtomicUsize::new(0),
            slow_generations: AtomicU64::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Releases every waiter for good, with a panic of their own; called when a thread
    /// unwinds, so a bug in one thread fails the run instead of hanging it.
    pub fn poison(&self) {
        self.poisoned.store(true, Ordering::SeqCst);
        self.wake_sleepers();
    }

    /// Returns once every thread has called `wait` for this generation. Everything a
    /// thread wrote before waiting is visible to every thread after it returns.
    pub fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.threads {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::SeqCst);
            // A sleeper counts itself before its last look at `generation`, and this
            // looks at the count after moving `generation` on (both SeqCst), so either
            // it sees the new generation or it is counted here and woken.
            if self.sleepers.load(Ordering::SeqCst) > 0 {
                self.slow_generations.fetch_add(1, Ordering::Relaxed);
                self.wake_sleepers();
            }
            return;
        }
        let passed = || self.generation.load(Ordering::Acquire) != generation;
        let started = Instant::now();
        loop {
            for _ in 0..SPINS_PER_CLOCK_READ {
                if passed() {
                    return;
                }
                std::hint::spin_loop();
            }
            self.check_poison();
            if started.elapsed() >= SPIN_TIME {
                break;
            }
        }
        let mut guard = self.locked();
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        while self.generation.load(Ordering::SeqCst) == generation
            && !self.poisoned.load(Ordering::SeqCst)
        {
            guard = self
                .wake
                .wait(guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        drop(guard);
        if !passed() {
            self.check_poison();
        }
    }

    /// Generations so far in which some waiter spun for `SPIN_TIME` and went to sleep.
    pub fn slow_generations(&self) -> u64 {
        self.slow_generations.load(Ordering::Relaxed)
    }

    fn check_poison(&self) {
        if self.poisoned.load(Ordering::Acquire) {
            panic!("another thread of this run panicked");
        }
    }

    fn locked(&self) -> MutexGuard<'_, ()> {
        self.lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Taking the lock orders this after any sleeper's last look at the state: it is
    /// either still awake and will see the change, or already waiting on `wake`.
    fn wake_sleepers(&self) {
        let _guard = self.locked();
        self.wake.notify_all();
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
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

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
    #[test]
    fn a_thread_panicking_while_the_others_sleep_wakes_them() {
        let barrier = SpinBarrier::new(3);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::thread::scope(|s| {
                s.spawn(|| {
                    let _guard = PoisonOnPanic(&barrier);
                    // Long past SPIN_TIME: the others have gone to sleep.
                    std::thread::sleep(Duration::from_millis(20));
                    panic!("a bug in one thread");
                });
                s.spawn(|| {
                    let _guard = PoisonOnPanic(&barrier);
                    barrier.wait();
                });
                let _guard = PoisonOnPanic(&barrier);
                barrier.wait();
            });
        }));
        assert!(result.is_err(), "the run fails instead of hanging");
    }

    #[test]
    fn sleeping_waiters_are_woken_and_pass_no_generation_early() {
        let threads = 3;
        let barrier = SpinBarrier::new(threads);
        let counter = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for t in 0..threads {
                let (barrier, counter) = (&barrier, &counter);
                s.spawn(move || {
                    for round in 0..40 {
                        // One late thread per round sends the others to sleep.
                        if round % threads == t {
                            std::thread::sleep(Duration::from_micros(300));
                        }
                        counter.fetch_add(1, Ordering::Relaxed);
                        barrier.wait();
                        assert_eq!(counter.load(Ordering::Relaxed), threads * (round + 1));
                        barrier.wait();
                    }
                });
            }
        });
    }

    #[test]
    fn generations_with_a_sleeping_waiter_are_counted() {
        let barrier = SpinBarrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..3 {
                    // Long past SPIN_TIME: the other waiter goes to sleep.
                    std::thread::sleep(Duration::from_millis(20));
                    barrier.wait();
                }
            });
            for _ in 0..3 {
                barrier.wait();
            }
        });
        // A waiter kept off its core for all of 20 ms would not have gone to sleep.
        assert!((1..=3).contains(&barrier.slow_generations()));
    }

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
