//! How a run of timesteps is shared between threads: decided once, before the step loop,
//! from the network's size, the batch and the threads there are.

use crate::model::BuiltNetwork;

/// Below this many neuron updates a run stays on the calling thread: starting threads
/// costs more than it saves.
const MIN_PARALLEL_WORK: u64 = 1_000_000;
/// Below this many neurons in a slice of one image, slicing populations costs more in
/// barriers than it saves.
const MIN_NEURONS_PER_THREAD: u64 = 4_096;

/// How a run is split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// All on the calling thread.
    Single,
    /// `threads` threads take whole batch entries from one queue, one entry at a time
    /// through every timestep, so its state stays in the core's cache and no thread waits
    /// for another: one that loses its core holds up only the entry it has.
    Entries { threads: usize },
    /// `groups` groups of `slices` threads (at least two). Each group simulates a
    /// contiguous run of batch entries; each of its threads updates a slice of every
    /// population, and they meet at the group's barrier after each timestep. Groups
    /// never wait for each other.
    Sliced { groups: usize, slices: usize },
}

impl Plan {
    /// Threads the run uses.
    pub fn workers(self) -> usize {
        match self {
            Plan::Single => 1,
            Plan::Entries { threads } => threads,
            Plan::Sliced { groups, slices } => groups * slices,
        }
    }
}

/// How a run of `steps` timesteps of `net` at batch size `batch` is split between up to
/// `threads` threads, with at most `slice_cap` threads slicing one entry.
pub(crate) fn plan(
    net: &BuiltNetwork,
    batch: usize,
    threads: usize,
    steps: u32,
    slice_cap: usize,
) -> Plan {
    let neurons: u64 = net.populations.iter().map(|p| u64::from(p.size)).sum();
    let work = neurons * batch as u64 * u64::from(steps);
    // Learning writes weights and spike times that every slice reads: one thread.
    let plastic = net.plastic_group().is_some();
    if plastic || threads <= 1 || batch == 0 || work < MIN_PARALLEL_WORK {
        return Plan::Single;
    }
    if batch >= threads {
        return Plan::Entries { threads };
    }
    // Fewer images than threads: one group per image, and the threads left over slice
    // its populations, as far as each slice still pays for its barrier. Where that
    // leaves threads idle (batch 9 of 16) and the network is big enough for every image
    // to be cut into a slice per thread, all threads slice every image together instead.
    let max_slices = (neurons / MIN_NEURONS_PER_THREAD).max(1) as usize;
    let slices = (threads / batch).min(max_slices).min(slice_cap).max(1);
    if batch * slices < threads && max_slices >= threads && slice_cap >= threads {
        return Plan::Sliced {
            groups: 1,
            slices: threads,
        };
    }
    match (batch, slices) {
        (1, 1) => Plan::Single,
        (_, 1) => Plan::Entries { threads: batch },
        _ => Plan::Sliced {
            groups: batch,
            slices,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_take_whole_images_and_slice_only_what_pays_for_a_barrier() {
        // The tutorial network: 20 784 neurons, room for five slices of 4 096.
        let built = crate::tutorial::mushroom_body().network.build(1).unwrap();
        let split = |groups, slices| Plan::Sliced { groups, slices };
        let entries = |threads| Plan::Entries { threads };
        for (batch, threads, want) in [
            (1, 1, Plan::Single),
            (1, 2, split(1, 2)),
            (8, 2, entries(2)),
            (64, 16, entries(16)),
            (8, 16, split(8, 2)),
            (3, 16, split(3, 5)),
            (1, 16, split(1, 5)),
            (5, 8, entries(5)),
        ] {
            assert_eq!(
                plan(&built, batch, threads, 200, usize::MAX),
                want,
                "{batch} x {threads}"
            );
        }
        // Too little work to start threads for: one timestep of one image.
        assert_eq!(plan(&built, 1, 16, 1, usize::MAX), Plan::Single);
        // Fewer slices per image after a partner was descheduled.
        assert_eq!(plan(&built, 1, 2, 200, 1), Plan::Single);
        assert_eq!(plan(&built, 1, 16, 200, 2), split(1, 2));
        assert_eq!(plan(&built, 3, 16, 200, 1), entries(3));
        // A network of 80 000 neurons can give each of 16 threads a slice of every
        // image: batch 9, which would leave 7 threads idle as one group per image, is
        // sliced by all 16; batch 2 still gets a group of 8 per image.
        let mut big = crate::model::Network::new(0.1);
        big.add_neuron_population(
            "big",
            80_000,
            crate::model::NeuronModel::Lif(crate::model::LifParams::TUTORIAL),
        );
        let big = big.build(1).unwrap();
        assert_eq!(plan(&big, 9, 16, 200, usize::MAX), split(1, 16));
        assert_eq!(plan(&big, 2, 16, 200, usize::MAX), split(2, 8));
        assert_eq!(plan(&big, 16, 16, 200, usize::MAX), entries(16));
        assert_eq!(plan(&big, 9, 16, 200, 8), entries(9));
    }
}
