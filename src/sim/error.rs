//! Why a simulation call failed, for every backend.

/// Why a simulation call failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// No current source has this index.
    #[error("current source #{0} does not exist in this network")]
    UnknownCurrentSource(usize),
    /// No population has this index.
    #[error("population #{0} does not exist in this network")]
    UnknownPopulation(usize),
    /// No synapse group has this index.
    #[error("synapse group #{0} does not exist in this network")]
    UnknownSynapseGroup(usize),
    /// A handle of another network.
    #[error("{kind} #{index} is a handle from another network than the one this simulation runs")]
    ForeignHandle {
        /// What the handle is of: "population", "current source", "synapse group".
        kind: &'static str,
        /// The handle's index.
        index: usize,
    },
    /// Input of the wrong length.
    #[error(
        "current source '{source_name}' needs {expected} magnitudes (neurons x batch size) but {found} were given"
    )]
    WrongLength {
        /// The current source.
        source_name: String,
        /// Values needed.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// A magnitude that is NaN or infinite, which would reach every neuron it drives.
    #[error(
        "current source '{source_name}': magnitude #{index} is {value}; magnitudes must be finite numbers"
    )]
    NonFiniteMagnitude {
        /// The current source.
        source_name: String,
        /// Its position in the values given.
        index: usize,
        /// The value.
        value: f32,
    },
    /// The simulation's state would not fit in the memory the machine has.
    #[error(
        "{what} would take {} of memory, but this machine has {} available: use a smaller batch, fewer recording steps (take the recording more often), or a smaller network",
        crate::memory::human_bytes(*needed),
        crate::memory::human_bytes(u128::from(*available))
    )]
    OutOfMemory {
        /// What would be allocated.
        what: &'static str,
        /// Bytes it needs.
        needed: u128,
        /// Bytes the machine has available.
        available: u64,
    },
    /// The concatenated recordings of a long run would not fit in memory (or in a
    /// recording's `u32` count of timesteps).
    #[error(
        "the recordings of a run of {steps} timesteps would take {} of memory, and this machine has {} available (a recording holds at most 4294967295 timesteps): run fewer timesteps per call, record fewer populations or neurons, or sample state less often",
        crate::memory::human_bytes(*needed),
        crate::memory::human_bytes(u128::from(*available))
    )]
    RecordingsTooLarge {
        /// Timesteps asked for, with those already recorded.
        steps: u64,
        /// Bytes the recordings need.
        needed: u128,
        /// Bytes the machine has available.
        available: u64,
    },
    /// A batch of no copies.
    #[error("batch size must be at least 1")]
    ZeroBatch,
    /// Learning with more than one batch entry.
    #[error(
        "synapse group '{group}' is plastic: its weights are shared by the batch, so learning runs with batch size 1, not {batch_size}"
    )]
    PlasticNeedsBatch1 {
        /// The plastic group.
        group: String,
        /// The batch size asked for.
        batch_size: u32,
    },
    /// A built group's per-synapse delay table doesn't fit its connectivity: the
    /// connectivity was replaced after the network was built.
    #[error(
        "synapse group '{group}''s per-synapse delays don't match its connectivity (was the built connectivity replaced?); build the network again with the delays and connectivity wanted"
    )]
    StaleDelays {
        /// The group.
        group: String,
    },
    /// A built population's state recording was changed into one `build` would not have
    /// made.
    #[error(
        "population '{population}''s state recording is not one the network's build made (every 0, neurons out of range or listed twice, or its neuron table changed); set it with Network::record_state and build again"
    )]
    StaleStateRecording {
        /// The population.
        population: String,
    },
    /// Weights asked of a group that has one constant weight.
    #[error("synapse group '{group}' has one constant weight, not per-synapse weights")]
    NoSynapseWeights {
        /// The group.
        group: String,
    },
    /// Values that can't be written into a synapse group's weights or synapse variable.
    #[error("synapse group '{group}', {var}: {reason}")]
    InvalidSynapseValues {
        /// The synapse group.
        group: String,
        /// The variable (`g` for weights).
        var: String,
        /// What is wrong.
        reason: String,
    },
    /// Values that can't be written into a state variable.
    #[error("population '{population}', variable {var}: {reason}")]
    InvalidState {
        /// The population.
        population: String,
        /// The variable.
        var: String,
        /// What is wrong.
        reason: String,
    },
    /// A magnitude given to a current source whose model is a code string.
    #[error(
        "current source '{source_name}' is written as a code string and has no magnitude to set: its variables are the target population's \"{source_name}.<variable>\""
    )]
    NoMagnitude {
        /// The source.
        source_name: String,
    },
    /// A state variable asked of a population whose model has none of that name.
    #[error("population '{population}' has no state variable {var} (its model has: {has})")]
    NoSuchVariable {
        /// The population.
        population: String,
        /// The name asked for.
        var: String,
        /// The variables it has.
        has: String,
    },
    /// A synapse variable asked of a group whose model has none of that name.
    #[error("synapse group '{group}' has no synapse variable {var} (its model has: {has})")]
    NoSuchSynapseVariable {
        /// The group.
        group: String,
        /// The name asked for.
        var: String,
        /// The variables it has.
        has: String,
    },
    /// A code weight-update model's `addToPost(x)` was given an `x` beyond the group's
    /// range (or not finite), which its fixed-point sums can't hold exactly. The input
    /// was not added; the simulation can go on.
    #[error(
        "synapse group '{group}': addToPost({value}) is beyond the group's largest input {max} (or not finite), so its sum could overflow: the input was left out. Give the group a larger .max_add_to_post(...) that bounds every addToPost(x) of one synapse in a timestep"
    )]
    AddToPostOutOfRange {
        /// The group.
        group: String,
        /// The value passed (one of them, if several were).
        value: f32,
        /// The group's largest input (`max_add_to_post`).
        max: f64,
    },
    /// A pending recording given to a simulation that did not start it.
    #[error("this pending recording was started by a different simulation")]
    ForeignRecording,
    /// More timesteps than the recording buffer has room for.
    #[error(
        "{requested} more timesteps would overflow the recording buffer ({recorded} of {capacity} steps used): call take_recording() first or build with a larger recording_steps"
    )]
    RecordingFull {
        /// Timesteps asked for.
        requested: u32,
        /// Timesteps recorded since the last take.
        recorded: u32,
        /// The buffer's capacity in timesteps.
        capacity: u32,
    },
    /// An adapter name of nothing but spaces, which every adapter's name would contain.
    #[error(
        "the GPU adapter name is empty: give part of a name that `kenyon adapters` lists, or no name at all to pick automatically"
    )]
    EmptyAdapterName,
    /// The GPU backend was asked for in a kenyon built without it.
    #[error(
        "this kenyon was built without its GPU backend (the `gpu` cargo feature): use the CPU backend, or rebuild with default features"
    )]
    NoGpuBackend,
    /// The device or its driver failed (the backend's own error).
    #[error(transparent)]
    Device(Box<dyn std::error::Error + Send + Sync>),
}
