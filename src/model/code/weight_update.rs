//! Weight-update models written as code strings (GeNN's `create_weight_update_model`):
//! what a presynaptic spike does to each of its synapses and their target, what a
//! postsynaptic spike does to the synapses into it, and the per-neuron state (traces)
//! either side keeps.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{DerivedParam, ParamValues, Var, VarInit};

/// A weight-update model written as code strings.
///
/// - `pre_spike_syn_code` runs for every synapse of a presynaptic neuron that spiked in
///   the previous timestep (or `1 + d` timesteps back, with an axonal delay of `d`: see
///   `Network::set_synaptic_delay`), in the synapse update; `addToPost(x)` adds `x` to the
///   target's input (its postsynaptic model's `inSyn`), in this code string only.
/// - `post_spike_syn_code` runs for every synapse into a postsynaptic neuron that spiked
///   in the previous timestep, after the presynaptic spikes' code.
///
/// Both see the parameters, derived parameters and `dt`, the synapse's variables (`vars`,
/// one per synapse, shared by a batch), its presynaptic neuron's `pre_vars` and
/// postsynaptic neuron's `post_vars` (read-only), `t`, `id_pre`, `id_post`, and
/// `st_pre` / `st_post`, the time of the latest spike of either neuron (in a delayed
/// group, `st_pre` is of the latest spike to arrive; `-3.4e38` if none since the last
/// reset, and always in a group that isn't plastic), and
/// `product(a, b)`.
///
/// - `pre_dynamics_code` / `post_dynamics_code` run every timestep for every pre- /
///   postsynaptic neuron, in that neuron's update after its own code;
///   `pre_spike_code` / `post_spike_code` run after them where the neuron spiked. They
///   see the parameters, the side's variables (read-write), the neuron's variables
///   (read-only), `t`, `dt` and `id`.
///
/// A group whose model has read-write synapse variables, pre- or postsynaptic variables
/// or `post_spike_syn_code` is plastic: its state is shared by the batch, so it runs
/// with batch size 1.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct WeightUpdateModelDef {
    /// The model's name, for errors.
    pub name: String,
    /// Parameter names; a synapse group gives each a value.
    pub params: Vec<String>,
    /// Constants derived from the parameters and `dt`.
    pub derived_params: Vec<DerivedParam>,
    /// Per-synapse variables (GeNN's `vars`), such as the weight `g`.
    pub vars: Vec<Var>,
    /// Per-presynaptic-neuron variables (traces).
    pub pre_vars: Vec<Var>,
    /// Per-postsynaptic-neuron variables (traces).
    pub post_vars: Vec<Var>,
    /// WGSL statements run for each synapse of a spiking presynaptic neuron.
    pub pre_spike_syn_code: String,
    /// WGSL statements run for each synapse into a spiking postsynaptic neuron.
    pub post_spike_syn_code: String,
    /// WGSL statements run for a presynaptic neuron where it spiked.
    pub pre_spike_code: String,
    /// WGSL statements run for a postsynaptic neuron where it spiked.
    pub post_spike_code: String,
    /// WGSL statements run for every presynaptic neuron every timestep.
    pub pre_dynamics_code: String,
    /// WGSL statements run for every postsynaptic neuron every timestep.
    pub post_dynamics_code: String,
}

impl WeightUpdateModelDef {
    /// Whether a group of this model changes state the batch shares (see the type's
    /// documentation), and so runs with batch size 1.
    pub fn is_plastic(&self) -> bool {
        self.vars
            .iter()
            .any(|v| v.access == super::VarAccess::ReadWrite)
            || !self.pre_vars.is_empty()
            || !self.post_vars.is_empty()
            || !self.post_spike_syn_code.trim().is_empty()
    }
}

/// A synapse group's weight-update model written as code strings, with its parameter
/// values, how its variables start, and the largest input one `addToPost` can add.
///
/// ```
/// use kenyon::model::code::{CodeWeightUpdate, VarInit};
/// use kenyon::model::library;
///
/// let stdp = CodeWeightUpdate::new(library::stdp_additive())
///     .param("tauPlus", 20.0).param("tauMinus", 20.0).param("Aplus", 0.01)
///     .param("Aminus", 0.012).param("wMin", 0.0).param("wMax", 1.0)
///     .init("g", VarInit::Uniform { min: 0.0, max: 1.0 })
///     .pre_init("preTrace", VarInit::Constant(0.0))
///     .post_init("postTrace", VarInit::Constant(0.0))
///     .max_add_to_post(1.0);
/// assert_eq!(stdp.max_add_to_post, Some(1.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CodeWeightUpdate {
    /// The model.
    pub model: Arc<WeightUpdateModelDef>,
    /// A value for each of the model's parameters.
    pub params: ParamValues,
    /// How each synapse variable starts: `VarInit::Values` gives one per synapse, in the
    /// order the connectivity lists them.
    pub var_init: BTreeMap<String, VarInit>,
    /// How each presynaptic variable starts.
    pub pre_var_init: BTreeMap<String, VarInit>,
    /// How each postsynaptic variable starts.
    pub post_var_init: BTreeMap<String, VarInit>,
    /// The largest sum of `|x|` over one synapse's `addToPost(x)` calls in a timestep
    /// (for one call, the largest `|x|`): what the group's fixed-point sums are scaled to
    /// hold (its fan-in times this, exactly). A call that would pass it, or an `x` not
    /// finite, is left out and reported as an error naming the group. Without it, a
    /// static group takes the largest magnitude of its f32 synapse variables' initial
    /// values (and refuses values too small to be summed exactly at that scale, as the
    /// built-in StaticPulse does); a plastic one must give it.
    pub max_add_to_post: Option<f64>,
}

impl CodeWeightUpdate {
    /// `model` with no values given yet.
    pub fn new(model: Arc<WeightUpdateModelDef>) -> Self {
        CodeWeightUpdate {
            model,
            params: ParamValues::default(),
            var_init: BTreeMap::new(),
            pre_var_init: BTreeMap::new(),
            post_var_init: BTreeMap::new(),
            max_add_to_post: None,
        }
    }

    /// Sets parameter `name` to `value`.
    pub fn param(mut self, name: &str, value: f64) -> Self {
        self.params.0.insert(name.to_owned(), value);
        self
    }

    /// Sets how synapse variable `name` starts.
    pub fn init(mut self, name: &str, init: VarInit) -> Self {
        self.var_init.insert(name.to_owned(), init);
        self
    }

    /// Sets how presynaptic variable `name` starts.
    pub fn pre_init(mut self, name: &str, init: VarInit) -> Self {
        self.pre_var_init.insert(name.to_owned(), init);
        self
    }

    /// Sets how postsynaptic variable `name` starts.
    pub fn post_init(mut self, name: &str, init: VarInit) -> Self {
        self.post_var_init.insert(name.to_owned(), init);
        self
    }

    /// Sets the largest `|x|` one `addToPost(x)` passes.
    pub fn max_add_to_post(mut self, x: f64) -> Self {
        self.max_add_to_post = Some(x);
        self
    }
}
