//! `FixedProbability`, `FixedProbabilityNoAutapse`, `OneToOne` and
//! `FixedNumberTotalWithReplacement` connectivity as `Network::build` draws it, against
//! the distributions their definitions give: each pair a synapse with probability `p`,
//! independently (so counts are binomial), or `num` pairs drawn uniformly with
//! replacement (so each row's length is Binomial(num, 1 / n_pre)). Seeds are fixed, so the
//! checks are deterministic; bounds are 5 standard deviations, which a correct sampler
//! passes for essentially any seed and a biased one fails.

use kenyon::model::{
    Connectivity, LifParams, ModelError, Network, NeuronModel, PostsynapticModel,
    SparseConnectivity, SynapseGroup, WeightUpdateModel,
};

/// A network of two populations (one if `n_post` is `None`: the group connects it to
/// itself), joined by one group of `connectivity`.
fn network(n_pre: u32, n_post: Option<u32>, connectivity: Connectivity) -> Network {
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    let pre = net.add_neuron_population("pre", n_pre, lif.clone());
    let post = match n_post {
        Some(n) => net.add_neuron_population("post", n, lif),
        None => pre,
    };
    net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.1 },
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity,
    });
    net
}

fn drawn(
    n_pre: u32,
    n_post: Option<u32>,
    connectivity: Connectivity,
    seed: u64,
) -> SparseConnectivity {
    let built = network(n_pre, n_post, connectivity).build(seed).unwrap();
    built.synapse_groups[0].connectivity.clone()
}

/// Asserts `x` is within 5 standard deviations of a Binomial(`n`, `p`) draw's mean.
fn assert_binomial(what: &str, x: f64, n: f64, p: f64) {
    let (mean, sd) = (n * p, (n * p * (1.0 - p)).sqrt());
    assert!(
        (x - mean).abs() < 5.0 * sd,
        "{what}: {x}, expected {mean:.1} +- {sd:.1}"
    );
}

/// Asserts the mean and variance of `counts` are those of Binomial(`n`, `p`) draws, to
/// within 5 standard errors (the variance's from the normal approximation, 2 sd^4/k).
fn assert_binomial_counts(what: &str, counts: &[u32], n: f64, p: f64) {
    let k = counts.len() as f64;
    let mean = counts.iter().map(|&c| f64::from(c)).sum::<f64>() / k;
    let var = counts
        .iter()
        .map(|&c| (f64::from(c) - mean).powi(2))
        .sum::<f64>()
        / (k - 1.0);
    let (want_mean, want_var) = (n * p, n * p * (1.0 - p));
    let se_mean = (want_var / k).sqrt();
    let se_var = (2.0 * want_var * want_var / (k - 1.0)).sqrt();
    assert!(
        (mean - want_mean).abs() < 5.0 * se_mean,
        "{what}: mean {mean:.3}, expected {want_mean:.3} +- {se_mean:.3}"
    );
    assert!(
        (var - want_var).abs() < 5.0 * se_var,
        "{what}: variance {var:.3}, expected {want_var:.3} +- {se_var:.3}"
    );
}

fn row_lengths(c: &SparseConnectivity) -> Vec<u32> {
    c.row_start.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn fixed_probability_counts_are_binomial_and_pairs_independent() {
    let (n_pre, n_post, p) = (2000, 1000, 0.02);
    let c = drawn(n_pre, Some(n_post), Connectivity::FixedProbability { p }, 1);
    let pairs = f64::from(n_pre) * f64::from(n_post);
    assert_binomial("synapses", c.len() as f64, pairs, p);
    assert_binomial_counts("row lengths", &row_lengths(&c), f64::from(n_post), p);
    assert_binomial_counts("in-degrees", &c.in_degrees(), f64::from(n_pre), p);
    // Rows are sorted and hold no pair twice.
    for pre in 0..n_pre {
        assert!(c.row(pre).windows(2).all(|w| w[0] < w[1]), "row {pre}");
    }
    // Independence: neighbouring pairs (i, j), (i, j + 1) are both synapses with
    // probability p^2, and pairs (i, j), (i + 1, j) too.
    let mut both_along = 0u32;
    let mut both_across = 0u32;
    for pre in 0..n_pre {
        let row = c.row(pre);
        both_along += row.windows(2).filter(|w| w[1] == w[0] + 1).count() as u32;
        if pre + 1 < n_pre {
            let next = c.row(pre + 1);
            both_across += row.iter().filter(|j| next.binary_search(j).is_ok()).count() as u32;
        }
    }
    let along = f64::from(n_pre) * f64::from(n_post - 1);
    assert_binomial("neighbours in a row", f64::from(both_along), along, p * p);
    let across = f64::from(n_pre - 1) * f64::from(n_post);
    assert_binomial(
        "neighbours in a column",
        f64::from(both_across),
        across,
        p * p,
    );
}

#[test]
fn no_autapse_leaves_out_exactly_the_self_connections() {
    let (n, p) = (1500, 0.1);
    let c = drawn(n, None, Connectivity::FixedProbabilityNoAutapse { p }, 2);
    assert!(
        (0..n).all(|i| !c.row(i).contains(&i)),
        "no neuron connects to itself"
    );
    let pairs = f64::from(n) * f64::from(n - 1);
    assert_binomial("synapses", c.len() as f64, pairs, p);
    assert_binomial_counts("row lengths", &row_lengths(&c), f64::from(n - 1), p);
    // With autapses, about p of the diagonal is connected.
    let with = drawn(n, None, Connectivity::FixedProbability { p }, 2);
    let autapses = (0..n).filter(|&i| with.row(i).contains(&i)).count();
    assert_binomial("autapses", autapses as f64, f64::from(n), p);
}

#[test]
fn fixed_total_number_draws_exactly_that_many_with_multinomial_rows() {
    let (n_pre, n_post, num) = (500, 800, 60_000);
    let c = drawn(
        n_pre,
        Some(n_post),
        Connectivity::FixedNumberTotalWithReplacement { num },
        3,
    );
    assert_eq!(c.len() as u64, num);
    assert_binomial_counts(
        "row lengths",
        &row_lengths(&c),
        num as f64,
        1.0 / f64::from(n_pre),
    );
    assert_binomial_counts(
        "in-degrees",
        &c.in_degrees(),
        num as f64,
        1.0 / f64::from(n_post),
    );
}

#[test]
fn one_to_one_connects_each_neuron_to_its_twin() {
    let c = drawn(300, Some(300), Connectivity::OneToOne, 4);
    assert_eq!(c.len(), 300);
    assert!((0..300).all(|i| c.row(i) == [i]));
}

#[test]
fn random_connectivity_is_the_same_for_a_seed_and_differs_between_seeds() {
    for kind in [
        Connectivity::FixedProbability { p: 0.05 },
        Connectivity::FixedProbabilityNoAutapse { p: 0.05 },
        Connectivity::FixedNumberTotalWithReplacement { num: 5000 },
    ] {
        let a = drawn(400, None, kind.clone(), 7);
        assert_eq!(a, drawn(400, None, kind.clone(), 7), "{kind:?}");
        assert_ne!(a, drawn(400, None, kind.clone(), 8), "{kind:?}");
    }
}

#[test]
fn impossible_connectivity_is_refused_naming_the_group() {
    let refused = |net: Network| match net.validate() {
        Err(ModelError::InvalidSynapses { group, reason }) => {
            assert_eq!(group, "syn");
            reason
        }
        other => panic!("refused as invalid synapses, not {other:?}"),
    };
    for p in [-0.1, 1.5, f64::NAN] {
        let reason = refused(network(10, Some(10), Connectivity::FixedProbability { p }));
        assert!(reason.contains("probability"), "{reason}");
    }
    let reason = refused(network(10, Some(12), Connectivity::OneToOne));
    assert!(reason.contains("same size"), "{reason}");
    let mut net = network(10, Some(10), Connectivity::FixedProbability { p: 0.5 });
    net.synapse_groups[0].weight_update = WeightUpdateModel::StaticPulse { g: vec![0.1; 50] };
    let reason = refused(net);
    assert!(reason.contains("constant weight"), "{reason}");
    let mut net = network(10, Some(10), Connectivity::FixedProbability { p: 0.5 });
    let listed = kenyon::model::library::static_pulse_from(&[0.1; 50]);
    net.synapse_groups[0].weight_update = WeightUpdateModel::Code(listed);
    let reason = refused(net);
    assert!(reason.contains("list of values"), "{reason}");
}

#[test]
fn a_drawn_count_validates_where_its_mean_fan_in_is_modest() {
    // An average in-degree of 200 from 10 000 neurons: the fixed-point scale is fitted
    // to a bound on what a neuron draws, not to every presynaptic neuron.
    let total = Connectivity::FixedNumberTotalWithReplacement { num: 2_000_000 };
    network(10_000, Some(10_000), total).validate().unwrap();
    let sparse = Connectivity::FixedProbability { p: 1e-4 };
    network(2_000_000, Some(2_000_000), sparse)
        .validate()
        .unwrap();
}
