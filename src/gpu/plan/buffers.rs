//! The buffers a simulation needs, named and sized before any is created.

use std::borrow::Cow;

use super::limits::Device;
use crate::gpu::GpuError;

/// A buffer of a simulation: which population, current source or synapse group it
/// belongs to, and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum BufferId {
    /// The per-block parameters (a uniform buffer).
    StepParams,
    /// A population's `V`.
    V(usize),
    /// A population's `RefracTime`.
    RefracTime(usize),
    /// A population's initial `V`, copied over `V` on reset.
    VInit(usize),
    /// A population's initial `RefracTime`.
    RefracTimeInit(usize),
    /// Variable `.1` of a population whose model is written as code strings.
    Var(usize, usize),
    /// Its initial values, copied over it on reset.
    VarInit(usize, usize),
    /// Extra global parameter `.1` of a population whose model is a code string.
    ExtraGlobalParam(usize, usize),
    /// A population's ring of spike words.
    Spikes(usize),
    /// A population's spike recording.
    Recording(usize),
    /// A population's state recording: its phase, which neurons are recorded, and the
    /// samples (`gpu/kernels/state_recording.rs`).
    StateRecording(usize),
    /// A population's latest spike times (for learning).
    LastSpike(usize),
    /// [`NEVER_SPIKED`](crate::model::NEVER_SPIKED) for every neuron, copied over
    /// `LastSpike` on reset (and over `StPre`, as long as the presynaptic population).
    NeverSpiked(usize),
    /// A delayed plastic group's own `st_pre`: when its presynaptic spikes last
    /// arrived (`BuiltSynapseGroup::learning_delay`).
    StPre(usize),
    /// A current source's per-neuron magnitudes.
    Magnitude(usize),
    /// A synapse group's `inSyn`.
    InSyn(usize),
    /// A synapse group's accumulator (accumulator.wgsl).
    InSynAcc(usize),
    /// A synapse group's CSR row starts.
    RowStart(usize),
    /// Where each row's synapses of each delay start, for a group with per-synapse
    /// delays (`BuiltDelays::class_start`).
    DelayClassStart(usize),
    /// A synapse group's CSR targets.
    Targets(usize),
    /// A synapse group's per-synapse weights.
    Weights(usize),
    /// A plastic group's column starts.
    ColumnStart(usize),
    /// A plastic group's synapses by column.
    ColumnSynapses(usize),
    /// A plastic group's presynaptic neuron of every synapse.
    PreOf(usize),
    /// Synapse variable `.1` of a group whose weight-update model is written as code
    /// strings, per synapse in row order (shared by the batch, kept by a reset).
    SynapseVar(usize, usize),
    /// Such a group's report of an `addToPost` beyond its bound: a flag and the value's
    /// bits (add_to_post.wgsl).
    AddToPostOverflow(usize),
}

/// What a buffer starts with.
#[derive(Clone, Debug)]
pub(crate) enum Init<'n> {
    /// Zeros.
    Zeroed,
    /// One value in every f32.
    Repeat(f32),
    /// These words.
    U32(&'n [u32]),
    /// These words, computed for the plan.
    OwnedU32(Vec<u32>),
    /// These floats.
    F32(&'n [f32]),
}

/// A buffer to create.
#[derive(Clone, Debug)]
pub(crate) struct BufferSpec<'n> {
    pub id: BufferId,
    /// For error messages and debuggers: "kc.V".
    pub label: String,
    pub bytes: u64,
    pub init: Init<'n>,
}

impl BufferSpec<'_> {
    /// The buffer's initial contents, where it has any.
    pub fn contents(&self) -> Option<Cow<'_, [u8]>> {
        match self.init {
            Init::Zeroed => None,
            Init::Repeat(x) => {
                let values = vec![x; (self.bytes / 4) as usize];
                Some(Cow::Owned(bytemuck::cast_slice(&values).to_vec()))
            }
            Init::U32(w) => Some(Cow::Borrowed(bytemuck::cast_slice(w))),
            Init::OwnedU32(ref w) => Some(Cow::Borrowed(bytemuck::cast_slice(w))),
            Init::F32(f) => Some(Cow::Borrowed(bytemuck::cast_slice(f))),
        }
    }
}

/// The storage buffers of a plan, each checked against the adapter's binding limit as it
/// is added.
pub(crate) struct BufferPlan<'n, 'd> {
    pub device: Device<'d>,
    pub specs: Vec<BufferSpec<'n>>,
}

impl<'n> BufferPlan<'n, '_> {
    /// Adds a buffer of `bytes` bytes, refusing one larger than a kernel can bind.
    pub fn add(
        &mut self,
        id: BufferId,
        label: String,
        bytes: u64,
        init: Init<'n>,
    ) -> Result<(), GpuError> {
        let limit = self.device.binding_limit();
        if bytes > limit {
            let what = format!("buffer '{label}' ({bytes} bytes)");
            return Err(self.device.over_limit(what, bytes, limit));
        }
        self.specs.push(BufferSpec {
            id,
            label,
            bytes,
            init,
        });
        Ok(())
    }

    /// Adds a buffer holding `words`, computed for the plan.
    pub fn add_owned_words(
        &mut self,
        id: BufferId,
        label: String,
        words: Vec<u32>,
    ) -> Result<(), GpuError> {
        let bytes = words.len() as u64 * 4;
        self.add(id, label, bytes, Init::OwnedU32(words))
    }

    /// Adds a buffer holding `words`.
    pub fn add_words(
        &mut self,
        id: BufferId,
        label: String,
        words: &'n [u32],
    ) -> Result<(), GpuError> {
        self.add(id, label, words.len() as u64 * 4, Init::U32(words))
    }
}
