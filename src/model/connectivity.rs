//! Connectivity: how the user describes it ([`Connectivity`]), and how it is drawn on the
//! host and stored as CSR rows by presynaptic neuron ([`SparseConnectivity`]), the layout
//! both backends propagate spikes along.

use rand_core::Rng;
use rand_pcg::Pcg64;

/// How a synapse group's connectivity is generated. The random kinds draw from the
/// group's own PCG stream of the network's seed, so a seed means the same synapses on
/// every platform and backend.
#[derive(Clone, Debug, PartialEq)]
pub enum Connectivity {
    /// For every postsynaptic neuron, `num` presynaptic neurons drawn uniformly with
    /// replacement (duplicates allowed and counted).
    FixedNumberPreWithReplacement {
        /// Synapses per postsynaptic neuron.
        num: u32,
    },
    /// Every presynaptic neuron connects to every postsynaptic one.
    Dense,
    /// GeNN's `FixedProbability`: each (pre, post) pair is a synapse with probability
    /// `p`, independently. One 32-bit draw per pair (a 4000 x 4000 group takes tens of
    /// milliseconds), compared with `p` in units of 2^-32.
    FixedProbability {
        /// Connection probability, 0 to 1.
        p: f64,
    },
    /// GeNN's `FixedProbabilityNoAutapse`: as [`Connectivity::FixedProbability`], with
    /// no synapse from neuron `i` to neuron `i` (for a population connected to itself).
    FixedProbabilityNoAutapse {
        /// Connection probability, 0 to 1.
        p: f64,
    },
    /// GeNN's `OneToOne`: neuron `i` to neuron `i`; the populations have the same size.
    OneToOne,
    /// GeNN's `FixedNumberTotalWithReplacement`: `num` synapses, each between a
    /// presynaptic and a postsynaptic neuron drawn uniformly, with replacement.
    FixedNumberTotalWithReplacement {
        /// Synapses in the group.
        num: u64,
    },
    /// Exactly these synapses, `pre[i] -> post[i]` (e.g. connectivity saved by an earlier
    /// run); their order within each presynaptic row is kept.
    FromList {
        /// Presynaptic index of every synapse.
        pre: Vec<u32>,
        /// Postsynaptic index of every synapse.
        post: Vec<u32>,
    },
}

impl Connectivity {
    /// Draws the synapses of group number `group` between populations of `n_pre` and
    /// `n_post` neurons, from the network's `seed` (only random kinds use it).
    pub(crate) fn draw(
        &self,
        n_pre: u32,
        n_post: u32,
        seed: u64,
        group: usize,
    ) -> SparseConnectivity {
        match self {
            Connectivity::FixedNumberPreWithReplacement { num } => {
                let mut rng = group_rng(seed, group);
                fixed_number_pre_with_replacement(n_pre, n_post, *num, &mut rng)
            }
            Connectivity::Dense => dense(n_pre, n_post),
            Connectivity::FixedProbability { p } => {
                fixed_probability(n_pre, n_post, *p, true, &mut group_rng(seed, group))
            }
            Connectivity::FixedProbabilityNoAutapse { p } => {
                fixed_probability(n_pre, n_post, *p, false, &mut group_rng(seed, group))
            }
            Connectivity::OneToOne => one_to_one(n_pre.min(n_post)),
            Connectivity::FixedNumberTotalWithReplacement { num } => {
                let mut rng = group_rng(seed, group);
                fixed_number_total_with_replacement(n_pre, n_post, *num, &mut rng)
            }
            Connectivity::FromList { pre, post } => {
                let pairs: Vec<(u32, u32)> =
                    pre.iter().copied().zip(post.iter().copied()).collect();
                SparseConnectivity::from_pairs(n_pre, n_post, &pairs)
            }
        }
    }
}

/// Synapses of one group as compressed sparse rows: the targets of presynaptic neuron
/// `i` are `targets[row_start[i]..row_start[i + 1]]`. A target listed twice is two
/// synapses (connectivity drawn with replacement).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparseConnectivity {
    /// Presynaptic neurons: rows.
    pub n_pre: u32,
    /// Postsynaptic neurons: the range of targets.
    pub n_post: u32,
    /// Where each row starts in `targets`; `n_pre + 1` entries, the last one the number
    /// of synapses.
    pub row_start: Vec<u32>,
    /// Postsynaptic neuron of every synapse, row after row.
    pub targets: Vec<u32>,
}

impl SparseConnectivity {
    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there are no synapses.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The postsynaptic targets of presynaptic neuron `pre`.
    pub fn row(&self, pre: u32) -> &[u32] {
        let i = pre as usize;
        &self.targets[self.row_start[i] as usize..self.row_start[i + 1] as usize]
    }

    /// Longest row: the most synapses any presynaptic neuron has.
    pub fn max_row_length(&self) -> u32 {
        self.row_start
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0)
    }

    /// Every synapse as (presynaptic, postsynaptic) index, in row order: the (2, S)
    /// arrays GeNN's tutorial saves.
    pub fn pre_post_pairs(&self) -> (Vec<u32>, Vec<u32>) {
        let mut pre = Vec::with_capacity(self.len());
        for i in 0..self.n_pre {
            pre.extend(std::iter::repeat_n(i, self.row(i).len()));
        }
        (pre, self.targets.clone())
    }

    /// Presynaptic in-degree of every postsynaptic neuron.
    pub fn in_degrees(&self) -> Vec<u32> {
        let mut d = vec![0u32; self.n_post as usize];
        for &t in &self.targets {
            d[t as usize] += 1;
        }
        d
    }

    /// Builds CSR from a list of (pre, post) synapses, keeping the list's order within a row.
    pub fn from_pairs(n_pre: u32, n_post: u32, pairs: &[(u32, u32)]) -> Self {
        let mut row_start = vec![0u32; n_pre as usize + 1];
        for &(pre, _) in pairs {
            row_start[pre as usize + 1] += 1;
        }
        for i in 0..n_pre as usize {
            row_start[i + 1] += row_start[i];
        }
        let mut fill = row_start.clone();
        let mut targets = vec![0u32; pairs.len()];
        for &(pre, post) in pairs {
            targets[fill[pre as usize] as usize] = post;
            fill[pre as usize] += 1;
        }
        SparseConnectivity {
            n_pre,
            n_post,
            row_start,
            targets,
        }
    }
}

/// The RNG of synapse group number `group` for a network seed. PCG-64 (XSL-RR 128/64)
/// with its state and stream set explicitly, rather than through `seed_from_u64`, so the
/// mapping from seed to stream is ours and fixed: every group draws from its own stream.
pub(crate) fn group_rng(seed: u64, group: usize) -> Pcg64 {
    const STATE_MIX: u128 = 0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645;
    Pcg64::new((seed as u128) ^ STATE_MIX, group as u128)
}

/// Uniform integer in `0..n` (n > 0) by Lemire's multiply-and-reject method on the top
/// 32 bits of each draw: unbiased, and specified here so it can't change under us.
pub(crate) fn uniform_below(rng: &mut Pcg64, n: u32) -> u32 {
    debug_assert!(n > 0);
    let threshold = n.wrapping_neg() % n;
    loop {
        let x = (rng.next_u64() >> 32) as u32;
        let m = u64::from(x) * u64::from(n);
        if (m as u32) >= threshold {
            return (m >> 32) as u32;
        }
    }
}

/// Synapses by postsynaptic neuron, for learning on postsynaptic spikes: the synapses
/// into neuron `j` are `synapses[start[j]..start[j + 1]]` (indices into row order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    /// Where each column starts in `synapses`; `n_post + 1` entries.
    pub start: Vec<u32>,
    /// Synapse indices (into row order), column after column.
    pub synapses: Vec<u32>,
    /// Presynaptic neuron of every synapse, in row order.
    pub pre_of: Vec<u32>,
}

impl Columns {
    /// The columns of `c`.
    pub fn new(c: &SparseConnectivity) -> Self {
        let mut start = vec![0u32; c.n_post as usize + 1];
        for &t in &c.targets {
            start[t as usize + 1] += 1;
        }
        for j in 0..c.n_post as usize {
            start[j + 1] += start[j];
        }
        let mut fill = start.clone();
        let mut synapses = vec![0u32; c.targets.len()];
        let mut pre_of = vec![0u32; c.targets.len()];
        for pre in 0..c.n_pre {
            let first = c.row_start[pre as usize];
            for (o, &t) in c.row(pre).iter().enumerate() {
                synapses[fill[t as usize] as usize] = first + o as u32;
                fill[t as usize] += 1;
                pre_of[(first + o as u32) as usize] = pre;
            }
        }
        Columns {
            start,
            synapses,
            pre_of,
        }
    }

    /// Longest column: the most synapses any postsynaptic neuron has.
    pub fn max_column_length(&self) -> u32 {
        self.start
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0)
    }
}

/// Every presynaptic neuron to every postsynaptic one, each row in target order.
pub fn dense(n_pre: u32, n_post: u32) -> SparseConnectivity {
    SparseConnectivity {
        n_pre,
        n_post,
        row_start: (0..=n_pre).map(|i| i * n_post).collect(),
        targets: (0..n_pre).flat_map(|_| 0..n_post).collect(),
    }
}

/// GeNN's `FixedNumberPreWithReplacement(num)`: each postsynaptic neuron, in order,
/// draws `num` presynaptic indices uniformly with replacement.
pub fn fixed_number_pre_with_replacement(
    n_pre: u32,
    n_post: u32,
    num: u32,
    rng: &mut Pcg64,
) -> SparseConnectivity {
    let mut pairs = Vec::with_capacity(n_post as usize * num as usize);
    for post in 0..n_post {
        for _ in 0..num {
            pairs.push((uniform_below(rng, n_pre), post));
        }
    }
    SparseConnectivity::from_pairs(n_pre, n_post, &pairs)
}

/// A count a Binomial(`pairs`, `p`) draw exceeds with odds below 10^-20: the mean plus
/// ten standard deviations, plus ten (for tiny means), at most `pairs`.
pub(crate) fn binomial_bound(pairs: u64, p: f64) -> u64 {
    let n = pairs as f64;
    let mean = n * p;
    let sd = (n * p * (1.0 - p)).max(0.0).sqrt();
    let bound = (mean + 10.0 * sd + 10.0).ceil();
    if bound >= n { pairs } else { bound as u64 }
}

/// `p` as a threshold on 32-bit draws: a draw below it is a synapse. `p` is rounded to
/// the nearest multiple of 2^-32; 1 (and above) connects every pair.
fn probability_threshold(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).round() as u64
}

/// [`Connectivity::FixedProbability`] (with `autapses`) or
/// [`Connectivity::FixedProbabilityNoAutapse`]: rows in order, each pair's draw the next
/// 32 bits of the stream (the low half of each 64-bit output, then the high half); no
/// draw for a skipped autapse.
pub(crate) fn fixed_probability(
    n_pre: u32,
    n_post: u32,
    p: f64,
    autapses: bool,
    rng: &mut Pcg64,
) -> SparseConnectivity {
    let threshold = probability_threshold(p);
    let mut row_start = Vec::with_capacity(n_pre as usize + 1);
    row_start.push(0u32);
    // The count validation reserved memory for, so the list is not grown past it.
    let pairs = u64::from(n_pre) * u64::from(n_post);
    let mut targets = Vec::with_capacity(binomial_bound(pairs, p) as usize);
    let mut bits = Bits::default();
    for pre in 0..n_pre {
        for post in (0..n_post).filter(|&post| autapses || post != pre) {
            if u64::from(bits.next(rng)) < threshold {
                targets.push(post);
            }
        }
        // Validation keeps the count within u32 but for odds below 10^-20.
        row_start.push(u32::try_from(targets.len()).unwrap_or(u32::MAX));
    }
    SparseConnectivity {
        n_pre,
        n_post,
        row_start,
        targets,
    }
}

/// 32-bit draws, two from each 64-bit output of the stream.
#[derive(Default)]
struct Bits {
    held: Option<u32>,
}

impl Bits {
    fn next(&mut self, rng: &mut Pcg64) -> u32 {
        match self.held.take() {
            Some(high) => high,
            None => {
                let x = rng.next_u64();
                self.held = Some((x >> 32) as u32);
                x as u32
            }
        }
    }
}

/// Neuron `i` to neuron `i`, for `i` in `0..n`.
pub(crate) fn one_to_one(n: u32) -> SparseConnectivity {
    SparseConnectivity {
        n_pre: n,
        n_post: n,
        row_start: (0..=n).collect(),
        targets: (0..n).collect(),
    }
}

/// [`Connectivity::FixedNumberTotalWithReplacement`]: `num` synapses, each a presynaptic
/// then a postsynaptic index drawn uniformly; within a row, in the order drawn.
pub(crate) fn fixed_number_total_with_replacement(
    n_pre: u32,
    n_post: u32,
    num: u64,
    rng: &mut Pcg64,
) -> SparseConnectivity {
    if n_pre == 0 || n_post == 0 {
        return SparseConnectivity::from_pairs(n_pre, n_post, &[]);
    }
    let pairs: Vec<(u32, u32)> = (0..num)
        .map(|_| (uniform_below(rng, n_pre), uniform_below(rng, n_post)))
        .collect();
    SparseConnectivity::from_pairs(n_pre, n_post, &pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_thresholds_round_to_units_of_two_to_the_minus_32() {
        assert_eq!(probability_threshold(0.0), 0);
        assert_eq!(probability_threshold(1.0), 1 << 32);
        assert_eq!(probability_threshold(0.5), 1 << 31);
        assert_eq!(probability_threshold(1e-12), 0);
        assert_eq!(probability_threshold(2.0), 1 << 32);
    }

    #[test]
    fn the_extreme_probabilities_connect_nothing_or_everything() {
        let mut rng = group_rng(3, 0);
        assert!(fixed_probability(30, 40, 0.0, true, &mut rng).is_empty());
        assert_eq!(
            fixed_probability(30, 40, 1.0, true, &mut rng),
            dense(30, 40)
        );
        let no_autapse = fixed_probability(30, 30, 1.0, false, &mut rng);
        assert_eq!(no_autapse.len(), 30 * 29);
        assert!((0..30).all(|i| !no_autapse.row(i).contains(&i)));
    }

    #[test]
    fn one_to_one_connects_each_neuron_to_its_twin() {
        let c = one_to_one(5);
        assert_eq!(
            c.pre_post_pairs(),
            (vec![0, 1, 2, 3, 4], vec![0, 1, 2, 3, 4])
        );
    }

    #[test]
    fn csr_from_pairs_keeps_order_within_rows() {
        let c = SparseConnectivity::from_pairs(3, 4, &[(2, 0), (0, 3), (2, 1), (0, 3)]);
        assert_eq!(c.row_start, vec![0, 2, 2, 4]);
        assert_eq!(c.row(0), &[3, 3]);
        assert_eq!(c.row(1), &[] as &[u32]);
        assert_eq!(c.row(2), &[0, 1]);
        assert_eq!(c.max_row_length(), 2);
        assert_eq!(c.pre_post_pairs(), (vec![0, 0, 2, 2], vec![3, 3, 0, 1]));
    }

    #[test]
    fn uniform_below_stays_in_range_and_covers_it() {
        let mut rng = group_rng(7, 0);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = uniform_below(&mut rng, 7);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(uniform_below(&mut rng, 1), 0);
    }
}
