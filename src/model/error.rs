//! Why a network description can't be built.

/// Why a network description can't be built.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ModelError {
    /// The timestep is not a positive finite number.
    #[error("timestep dt = {0} ms: it must be a finite number greater than 0")]
    InvalidTimestep(f64),
    /// A mistake in a model written as code strings.
    #[error(transparent)]
    Code(#[from] super::code::CodeError),
    /// A population has no neurons.
    #[error("neuron population '{0}' has no neurons: give it a size of at least 1")]
    EmptyPopulation(String),
    /// Two parts of the network share a name.
    #[error(
        "the name '{0}' is used twice: populations, current sources and synapse groups need unique names"
    )]
    DuplicateName(String),
    /// A parameter is out of its range.
    #[error("{owner}: {parameter} = {value} is invalid, it must be {requirement}")]
    InvalidParameter {
        /// The part of the network the parameter belongs to.
        owner: String,
        /// The parameter's name, as GeNN spells it.
        parameter: &'static str,
        /// The value given.
        value: f64,
        /// What it must be.
        requirement: &'static str,
    },
    /// A constant derived from the parameters is out of single precision's range, where
    /// both backends compute.
    #[error(
        "{owner}: the derived constant {constant} = {value} does not fit in single precision (f32): the parameters are too large or too small for each other"
    )]
    DerivedConstantOutOfRange {
        /// The part of the network the constant belongs to.
        owner: String,
        /// The constant's name in the model's WGSL.
        constant: String,
        /// Its value in f32 (infinite or NaN).
        value: f32,
    },
    /// The synapses would not fit in the memory the machine has.
    #[error(
        "the network's synapses would take {} of memory, but this machine has {} available: use fewer synapses",
        crate::memory::human_bytes(*needed),
        crate::memory::human_bytes(u128::from(*available))
    )]
    OutOfMemory {
        /// Bytes the synapses need.
        needed: u128,
        /// Bytes the machine has available.
        available: u64,
    },
    /// A handle names a population this network does not have.
    #[error(
        "{owner} refers to population #{index}, which this network does not have (it has {count}); use the PopulationId returned by add_neuron_population on the same network"
    )]
    UnknownPopulation {
        /// Who holds the handle.
        owner: String,
        /// The handle's index.
        index: usize,
        /// How many populations the network has.
        count: usize,
    },
    /// A handle of one network was given to another.
    #[error(
        "{owner}: {kind} #{index} is a handle from another network; use the handle this network returned when the {kind} was added"
    )]
    ForeignHandle {
        /// Who holds or was given the handle.
        owner: String,
        /// What the handle is of: "population", "current source", "synapse group".
        kind: &'static str,
        /// The handle's index.
        index: usize,
    },
    /// `FixedNumberPreWithReplacement` with `num` = 0.
    #[error("synapse group '{0}': FixedNumberPreWithReplacement needs num of at least 1")]
    ZeroFanIn(String),
    /// Synapses that don't fit the populations or each other.
    #[error("synapse group '{group}': {reason}")]
    InvalidSynapses {
        /// The synapse group.
        group: String,
        /// What is wrong.
        reason: String,
    },
    /// A state recording that doesn't fit its population.
    #[error("state recording of population '{population}': {reason}")]
    InvalidStateRecording {
        /// The population.
        population: String,
        /// What is wrong.
        reason: String,
    },
    /// A synaptic delay longer than the spike rings hold.
    #[error(
        "synapse group '{group}': a delay of {steps} timesteps is longer than the {max} a synapse can have: use a longer timestep or shorter delays"
    )]
    DelayTooLong {
        /// The synapse group.
        group: String,
        /// Its longest delay (axonal plus per-synapse), in timesteps.
        steps: u64,
        /// The longest delay allowed (`MAX_DELAY_STEPS`).
        max: u32,
    },
    /// More synapses than a `u32` index can address.
    #[error(
        "synapse group '{group}' would have {synapses} synapses, more than the {max} a u32 index can address"
    )]
    TooManySynapses {
        /// The synapse group.
        group: String,
        /// How many synapses it would have.
        synapses: u64,
        /// The most it can have.
        max: u64,
    },
    /// So many inputs per neuron that fixed-point accumulation would lose precision.
    #[error(
        "synapse group '{group}': {inputs} inputs per neuron per timestep are too many for deterministic fixed-point accumulation (at most {max})"
    )]
    TooManyInputsForFixedPoint {
        /// The synapse group.
        group: String,
        /// The most synapses one postsynaptic neuron has.
        inputs: u64,
        /// The most the accumulator allows.
        max: u64,
    },
    /// A per-synapse weight so small beside the group's largest that the group's
    /// fixed-point scale can't hold it exactly.
    #[error(
        "synapse group '{group}': weight {weight:e} (synapse #{synapse}) is too small beside the group's largest weight, {largest:e}, to be summed exactly: synaptic input is summed in 64-bit fixed point scaled to the most input one neuron can get in a timestep, which holds this group's weights exactly only from {smallest_exact:e} in magnitude; set the weights below that to 0, or move them into a synapse group of their own"
    )]
    WeightTooSmallForFixedPoint {
        /// The synapse group.
        group: String,
        /// The smallest nonzero weight that can't be held exactly.
        weight: f32,
        /// Its index, in the order the weights were given.
        synapse: usize,
        /// The group's largest weight magnitude.
        largest: f64,
        /// The magnitude from which every weight is held exactly.
        smallest_exact: f64,
    },
}

impl ModelError {
    /// `parameter` of `owner` must be a finite number that single precision holds.
    pub(crate) fn not_finite(owner: &str, parameter: &'static str, value: f64) -> Self {
        ModelError::InvalidParameter {
            owner: owner.to_owned(),
            parameter,
            value,
            requirement: "a finite number within single precision's range (about ±3.4e38)",
        }
    }

    /// Checks that every named value is finite, also once rounded to f32 (the precision
    /// both backends simulate in).
    pub(crate) fn check_finite(owner: &str, named: &[(&'static str, f64)]) -> Result<(), Self> {
        match named.iter().find(|(_, value)| !fits_f32(*value)) {
            Some(&(parameter, value)) => Err(Self::not_finite(owner, parameter, value)),
            None => Ok(()),
        }
    }

    /// Checks that every derived constant is finite in f32.
    pub(crate) fn check_constants<S: AsRef<str>>(
        owner: &str,
        constants: &[(S, f32)],
    ) -> Result<(), Self> {
        match constants.iter().find(|(_, value)| !value.is_finite()) {
            Some((constant, value)) => Err(ModelError::DerivedConstantOutOfRange {
                owner: owner.to_owned(),
                constant: constant.as_ref().to_owned(),
                value: *value,
            }),
            None => Ok(()),
        }
    }
}

/// Whether `value` is finite in f64 and stays finite rounded to f32.
pub(crate) fn fits_f32(value: f64) -> bool {
    value.is_finite() && (value as f32).is_finite()
}
