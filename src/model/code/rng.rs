//! How code strings' random numbers are keyed. Each population has two Philox keys,
//! derived from the seed by Philox itself (so nearby seeds and populations give unrelated
//! streams): one for draws while simulating, whose counter is (neuron, batch entry,
//! timestep, draw number within the timestep), and one for initial values, whose counter
//! is (neuron, variable, 0, 0). The numbers therefore belong to what they are for and
//! come out the same on every backend, adapter, batch size and thread count.

use crate::model::random::philox4x32_10;

/// What a key draws for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Draws made by code while simulating.
    Simulation = 0,
    /// Initial values of variables.
    Init = 1,
    /// Initial values of a synapse group's synapse variables (keyed on the group, not a
    /// population; the counter is (synapse, variable, 0, 0)).
    SynapseInit = 2,
}

/// The Philox key of population number `population`'s `stream` under `seed` (of synapse
/// group number `population` for [`Stream::SynapseInit`]).
pub fn key(seed: u64, population: usize, stream: Stream) -> [u32; 2] {
    // "keny": keeps these keys apart from any other use of the seed.
    let block = philox4x32_10(
        [population as u32, stream as u32, 0x6b65_6e79, 0],
        [seed as u32, (seed >> 32) as u32],
    );
    [block[0], block[1]]
}
