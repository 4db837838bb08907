//! kenyon against an independent implementation: the Brian2 peer model of the same
//! tutorial network (benches/peers/, GeNN's equations and update order written in
//! Brian2, simulated in float64), given exactly the same synapses.

use std::io::Read;

use crate::common;
use kenyon::io::mnist;
use kenyon::model::SparseConnectivity;
use kenyon::{SimConfig, Simulator, tutorial};

/// What the peer printed for training images 0-3 with these synapses.
const PEER_KC_ACTIVE: [u32; 4] = [3782, 4774, 2067, 851];
const PEER_PN_SPIKES: [u64; 4] = [134, 146, 112, 85];

fn peer_connectivity() -> SparseConnectivity {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/brian2_peer_pn_kc_seed1.npy.gz"
    );
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("pn_kc.npy");
    std::fs::write(&npy, bytes).unwrap();
    let (shape, data) = kenyon::io::npy::read_npy::<i32>(&npy).unwrap();
    assert_eq!(shape, vec![2, 400_000]);
    let (pre, post) = data.split_at(400_000);
    let pairs: Vec<(u32, u32)> = pre
        .iter()
        .zip(post)
        .map(|(&p, &k)| (p as u32, k as u32))
        .collect();
    SparseConnectivity::from_pairs(tutorial::NUM_PN, tutorial::NUM_KC, &pairs)
}

fn check(sim: &mut dyn Simulator, mb: &tutorial::MushroomBody) {
    let data = mnist::load(&mnist::default_dir(), mnist::Split::Train).unwrap();
    for i in 0..4 {
        let currents = mnist::input_currents(data.images.image(i).unwrap(), mnist::INPUT_SCALE);
        let r = tutorial::present(sim, mb, &currents).unwrap();
        // Float64 in Brian2 against float32 here could in principle move a neuron across
        // threshold; on these images it moves none (measured), so the check is exact.
        assert_eq!(
            r.pn.spike_count(),
            PEER_PN_SPIKES[i],
            "{}: image {i} PN spikes",
            sim.description()
        );
        assert_eq!(
            r.kc.active_neurons(),
            PEER_KC_ACTIVE[i],
            "{}: image {i} KC active",
            sim.description()
        );
    }
}

#[test]
fn kc_activity_matches_brian2_given_the_same_synapses() {
    let mb = tutorial::mushroom_body();
    let mut built = mb.network.build(1).unwrap();
    built.synapse_groups[mb.pn_kc.index()].connectivity = peer_connectivity();
    common::on_every_backend(&built, SimConfig::default(), |sim| check(sim, &mb));
}
