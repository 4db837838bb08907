//! Fewer threads per image while another process is busy on a core. Threads that slice an
//! image meet at a barrier every timestep, a few microseconds apart; when one of them
//! loses its core, the others wait for the scheduler to give it back, timestep after
//! timestep (with a busy process beside it, two threads on two cores were 10x slower
//! than one thread; see `docs/performance.md`). A run in which many timesteps had a
//! waiter asleep at the barrier halves the slices of the runs after it; now and then a
//! run tries the full split again, less often each time it finds the cores still busy.
//! Spikes don't depend on the split, so none of this changes a result.

/// Runs at the reduced split before the full one is tried again, at first.
const FIRST_INTERVAL: u32 = 64;
/// The longest wait between tries.
const MAX_INTERVAL: u32 = 4_096;

/// What a sliced run saw at its barriers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SlicedRun {
    /// Threads per image.
    pub slices: usize,
    /// Timesteps of the run.
    pub steps: u32,
    /// Timesteps at which a thread of some group waited long enough to go to sleep
    /// (the most of any group).
    pub slow_steps: u64,
}

impl SlicedRun {
    /// Whether the run's threads kept waiting for one that had lost its core: a quarter
    /// of its timesteps or more had a sleeping waiter (a timestep of an image takes a few
    /// microseconds, a waiter spins for 50 before sleeping, and a thread's start-up can
    /// account for one or two).
    fn descheduled(&self) -> bool {
        self.slow_steps >= 2 && self.slow_steps * 4 >= u64::from(self.steps)
    }
}

/// The most slices per image the next runs may use.
#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    /// `None` while runs may slice as far as the plan likes.
    cap: Option<usize>,
    /// Runs left before the full split is tried again.
    until_try: u32,
    /// Runs between tries.
    interval: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            cap: None,
            until_try: 0,
            interval: FIRST_INTERVAL,
        }
    }
}

impl Backoff {
    /// The most slices per image the next run may use (`usize::MAX`: no limit).
    pub fn slice_cap(&self) -> usize {
        match self.cap {
            Some(cap) if self.until_try > 0 => cap,
            _ => usize::MAX,
        }
    }

    /// The cap the simulation is held to between tries, for its description.
    pub fn held_cap(&self) -> Option<usize> {
        self.cap
    }

    /// Takes in what a run saw: `Some` for a run whose threads sliced images.
    pub fn record(&mut self, run: Option<SlicedRun>) {
        let trying = self.cap.is_some() && self.until_try == 0;
        match run {
            Some(run) if run.descheduled() => {
                self.cap = Some((run.slices / 2).max(1));
                if trying {
                    self.interval = (self.interval * 2).min(MAX_INTERVAL);
                }
                self.until_try = self.interval;
            }
            Some(_) if trying => *self = Backoff::default(),
            _ => self.until_try = self.until_try.saturating_sub(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sliced(slices: usize, slow_steps: u64) -> Option<SlicedRun> {
        Some(SlicedRun {
            slices,
            steps: 200,
            slow_steps,
        })
    }

    #[test]
    fn a_descheduled_partner_halves_the_split_until_a_try_finds_the_cores_free() {
        let mut b = Backoff::default();
        // A quiet run, and one whose only slow timesteps are the threads' start.
        b.record(sliced(2, 0));
        b.record(sliced(2, 2));
        assert_eq!(b.slice_cap(), usize::MAX);
        b.record(sliced(5, 150));
        assert_eq!(b.slice_cap(), 2);
        b.record(sliced(2, 190));
        assert_eq!(b.slice_cap(), 1);
        // Runs on fewer threads until the try.
        for _ in 0..FIRST_INTERVAL - 1 {
            b.record(None);
            assert_eq!(b.slice_cap(), 1);
        }
        b.record(None);
        assert_eq!(b.slice_cap(), usize::MAX, "time to try the full split");
        assert_eq!(b.held_cap(), Some(1));
        // Still busy: the next try comes twice as late.
        b.record(sliced(2, 200));
        for _ in 0..2 * FIRST_INTERVAL {
            assert_eq!(b.slice_cap(), 1);
            b.record(None);
        }
        assert_eq!(b.slice_cap(), usize::MAX);
        // Free again: back to the full split for good.
        b.record(sliced(2, 1));
        assert_eq!(b.slice_cap(), usize::MAX);
        assert_eq!(b.held_cap(), None);
        b.record(sliced(2, 0));
        assert_eq!(b.slice_cap(), usize::MAX);
    }

    #[test]
    fn tries_grow_rarer_up_to_a_limit() {
        let mut b = Backoff::default();
        for _ in 0..20 {
            b.record(sliced(2, 200));
            while b.slice_cap() != usize::MAX {
                b.record(None);
            }
        }
        assert_eq!(b.interval, MAX_INTERVAL);
    }
}
