//! Checking a network description before anything is drawn or allocated. Each model
//! checks its own parameters; this file checks how the parts fit together.

use super::WeightUpdateModel;
use super::connectivity::{SparseConnectivity, binomial_bound};
use super::fixed_point::FixedPointWeight;
use super::network::{CurrentSource, NeuronPopulation, SynapseGroup};
use super::{Connectivity, MAX_DELAY_STEPS, ModelError, Network, PerSynapseDelays};

impl Network {
    /// Checks the description without drawing connectivity: the timestep, unique names,
    /// every model's parameters, that handles belong to this network, explicit synapse
    /// lists, and that synaptic input fits the fixed-point accumulator.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return Err(ModelError::InvalidTimestep(self.dt));
        }
        self.validate_names()?;
        for p in &self.populations {
            validate_population(p, self.dt)?;
        }
        for c in &self.current_sources {
            self.validate_current_source(c)?;
        }
        for (g, s) in self.synapse_groups.iter().enumerate() {
            self.validate_synapse_group(s)?;
            self.validate_delay(g, s)?;
        }
        Ok(())
    }

    fn validate_names(&self) -> Result<(), ModelError> {
        let mut names = std::collections::HashSet::new();
        let all_names = self
            .populations
            .iter()
            .map(|p| &p.name)
            .chain(self.current_sources.iter().map(|c| &c.name))
            .chain(self.synapse_groups.iter().map(|s| &s.name));
        for name in all_names {
            if !names.insert(name.as_str()) {
                return Err(ModelError::DuplicateName(name.clone()));
            }
        }
        Ok(())
    }

    fn validate_current_source(&self, c: &CurrentSource) -> Result<(), ModelError> {
        let owner = format!("current source '{}'", c.name);
        self.population_index(&owner, c.target)?;
        c.model.validate(&owner)
    }

    fn validate_synapse_group(&self, s: &SynapseGroup) -> Result<(), ModelError> {
        let owner = format!("synapse group '{}'", s.name);
        self.population_index(&owner, s.pre)?;
        self.population_index(&owner, s.post)?;
        self.validate_synapse_list(s)?;
        self.validate_connectivity(s)?;
        let synapses = self.synapse_count(s);
        s.weight_update
            .validate(&s.name, self.exact_synapse_count(s), s.pre == s.post)?;
        s.postsynaptic.validate(&owner)?;
        let postsynaptic = s.postsynaptic.derive(self.dt);
        ModelError::check_constants(&owner, &postsynaptic.wgsl_constants(0))?;
        if let super::WeightUpdateModel::StdpSymmetric(stdp) = &s.weight_update {
            ModelError::check_constants(&owner, &stdp.derive().wgsl_constants())?;
        }
        if synapses > u64::from(u32::MAX) {
            return Err(ModelError::TooManySynapses {
                group: s.name.clone(),
                synapses,
                max: u64::from(u32::MAX),
            });
        }
        self.fixed_point_weight(s, None)?;
        Ok(())
    }

    /// Checks group number `g`'s delays: within [`MAX_DELAY_STEPS`], a list of them one
    /// per synapse, and a weight update model the synapse update delays.
    fn validate_delay(&self, g: usize, s: &SynapseGroup) -> Result<(), ModelError> {
        let delay = self.synaptic_delay(g);
        let invalid = |reason: String| ModelError::InvalidSynapses {
            group: s.name.clone(),
            reason,
        };
        match &delay.per_synapse {
            Some(PerSynapseDelays::Uniform { min, max }) if min > max => {
                return Err(invalid(format!(
                    "per-synapse delays drawn from {min} to {max} timesteps: the shortest \
                     must not be longer than the longest"
                )));
            }
            Some(PerSynapseDelays::Values(values)) => match self.exact_synapse_count(s) {
                Some(n) if n == values.len() as u64 => {}
                Some(n) => {
                    return Err(invalid(format!(
                        "{} per-synapse delays were given for {n} synapses",
                        values.len()
                    )));
                }
                None => {
                    return Err(invalid(
                        "per-synapse delays are given as a list, but the connectivity \
                             draws how many synapses there are: draw them instead \
                             (PerSynapseDelays::Uniform)"
                            .to_owned(),
                    ));
                }
            },
            _ => {}
        }
        let steps = delay.max_steps().unwrap_or(0);
        if steps > u64::from(MAX_DELAY_STEPS) {
            return Err(ModelError::DelayTooLong {
                group: s.name.clone(),
                steps,
                max: MAX_DELAY_STEPS,
            });
        }
        let delayed = steps > 0;
        let (learns, pre_vars) = match &s.weight_update {
            WeightUpdateModel::StdpSymmetric(_) => (true, false),
            WeightUpdateModel::Code(code) => {
                (code.model.is_plastic(), !code.model.pre_vars.is_empty())
            }
            _ => (false, false),
        };
        // Per-synapse delays that differ would reorder the rows under the synapse
        // variables and the learned weights; all alike, they are one axonal delay.
        let code = matches!(s.weight_update, WeightUpdateModel::Code(_));
        if (code || learns) && delay.classes() > 1 {
            return Err(invalid(format!(
                "a {} takes one delay for the whole group (SynapticDelay::axonal); \
                 per-synapse delays that differ are for static pulse synapses",
                if learns {
                    "learning synapse group"
                } else {
                    "weight update model written as code strings"
                }
            )));
        }
        if delayed && pre_vars {
            return Err(invalid(
                "this weight update model has presynaptic variables, which its presynaptic \
                 neurons update when they spike, not when their spikes reach delayed \
                 synapses: remove the delay, or drop the presynaptic variables and use \
                 st_pre, the time the latest spike arrived"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// Checks an explicit synapse list against the populations it connects.
    fn validate_synapse_list(&self, s: &SynapseGroup) -> Result<(), ModelError> {
        let Connectivity::FromList { pre, post } = &s.connectivity else {
            return Ok(());
        };
        let invalid = |reason: String| ModelError::InvalidSynapses {
            group: s.name.clone(),
            reason,
        };
        if pre.len() != post.len() {
            return Err(invalid(format!(
                "{} presynaptic but {} postsynaptic indices",
                pre.len(),
                post.len()
            )));
        }
        for (ids, population, side) in [(pre, s.pre, "presynaptic"), (post, s.post, "postsynaptic")]
        {
            let population = &self.populations[population.index()];
            let size = population.size;
            if let Some(bad) = ids.iter().find(|&&i| i >= size) {
                return Err(invalid(format!(
                    "{side} index {bad} is out of range for population '{}' of {size} neurons",
                    population.name
                )));
            }
        }
        Ok(())
    }

    /// Checks the connectivity's own parameters against the populations it connects.
    fn validate_connectivity(&self, s: &SynapseGroup) -> Result<(), ModelError> {
        let invalid = |reason: String| ModelError::InvalidSynapses {
            group: s.name.clone(),
            reason,
        };
        let (n_pre, n_post) = self.sizes(s);
        match s.connectivity {
            Connectivity::FixedNumberPreWithReplacement { num: 0 } => {
                Err(ModelError::ZeroFanIn(s.name.clone()))
            }
            Connectivity::FixedProbability { p }
            | Connectivity::FixedProbabilityNoAutapse { p }
                if !(0.0..=1.0).contains(&p) =>
            {
                Err(invalid(format!(
                    "connection probability {p} is not between 0 and 1"
                )))
            }
            _ if self.exact_synapse_count(s).is_none() && lists_synapse_values(s) => Err(invalid(
                "a synapse variable is given as a list of values, but the connectivity \
                     draws how many synapses there are (and which): give a constant or a \
                     distribution (VarInit)"
                    .to_owned(),
            )),
            Connectivity::OneToOne if n_pre != n_post => Err(invalid(format!(
                "one-to-one connectivity joins populations of the same size, not {n_pre} \
                 and {n_post} neurons"
            ))),
            _ => Ok(()),
        }
    }

    /// The sizes of `s`'s pre- and postsynaptic populations.
    fn sizes(&self, s: &SynapseGroup) -> (u64, u64) {
        let size = |p: super::PopulationId| u64::from(self.populations[p.index()].size);
        (size(s.pre), size(s.post))
    }

    /// Number of synapses `s` will have; for connectivity drawn with a random count, a
    /// number it stays under but for odds below 10^-20 (see [`binomial_bound`]), which
    /// memory is reserved for.
    pub(super) fn synapse_count(&self, s: &SynapseGroup) -> u64 {
        let (n_pre, n_post) = self.sizes(s);
        match &s.connectivity {
            Connectivity::FixedProbability { p } => binomial_bound(n_pre * n_post, *p),
            Connectivity::FixedProbabilityNoAutapse { p } => {
                binomial_bound(n_pre * n_post - n_pre.min(n_post), *p)
            }
            _ => self.exact_synapse_count(s).unwrap_or(u64::MAX),
        }
    }

    /// Number of synapses `s` will have, where the description fixes it.
    pub(super) fn exact_synapse_count(&self, s: &SynapseGroup) -> Option<u64> {
        let (n_pre, n_post) = self.sizes(s);
        match &s.connectivity {
            Connectivity::FixedNumberPreWithReplacement { num } => Some(u64::from(*num) * n_post),
            Connectivity::Dense => Some(n_pre * n_post),
            Connectivity::FromList { pre, .. } => Some(pre.len() as u64),
            Connectivity::OneToOne => Some(n_pre.min(n_post)),
            Connectivity::FixedNumberTotalWithReplacement { num } => Some(*num),
            Connectivity::FixedProbability { .. }
            | Connectivity::FixedProbabilityNoAutapse { .. } => None,
        }
    }

    /// Refuses connectivity that would not fit in the memory the machine has, before any
    /// of it is drawn: each synapse takes its target index and, with per-synapse weights,
    /// its weight; each row its start.
    pub(super) fn check_connectivity_fits(&self) -> Result<(), ModelError> {
        let needed = self.connectivity_bytes();
        crate::memory::check_fits(needed)
            .map_err(|available| ModelError::OutOfMemory { needed, available })
    }

    /// Bytes the drawn connectivity of every synapse group takes, with the most that
    /// drawing one group takes for a while beside it: connectivity drawn with
    /// replacement lists its synapses as pairs (8 bytes each) before its rows.
    pub(super) fn connectivity_bytes(&self) -> u128 {
        let listed = self.synapse_groups.iter().map(|s| match s.connectivity {
            Connectivity::FixedNumberTotalWithReplacement { .. }
            | Connectivity::FixedNumberPreWithReplacement { .. } => {
                8 * u128::from(self.synapse_count(s))
            }
            _ => 0,
        });
        let listed = listed.max().unwrap_or(0);
        let drawn: u128 = self
            .synapse_groups
            .iter()
            .enumerate()
            .map(|(g, s)| {
                let n_pre = u128::from(self.populations[s.pre.index()].size);
                // Per-synapse delays: each synapse's, and its place in the sorted rows
                // while they are sorted; where each row's delays start.
                let delay = self.synaptic_delay(g);
                let (sorting, delay_rows) = match delay.per_synapse {
                    Some(_) => (8, n_pre * u128::from(delay.classes())),
                    None => (0, 0),
                };
                let per_synapse = 4 + sorting + 4 * s.weight_update.words_per_synapse();
                per_synapse * u128::from(self.synapse_count(s)) + 4 * (n_pre + 1 + delay_rows)
            })
            .sum();
        drawn + listed
    }

    /// The most synapses any postsynaptic neuron of `s` has: the most input it can get in
    /// one timestep is this many weights. Where the count is drawn, a count a neuron's
    /// draw exceeds with odds below 10^-20 ([`binomial_bound`]), for validation; the
    /// build fits the scale to what was drawn.
    ///
    /// Once drawn (`drawn`), the most any neuron has.
    fn fan_in(&self, s: &SynapseGroup, drawn: Option<&SparseConnectivity>) -> u64 {
        if let Some(drawn) = drawn {
            return drawn.in_degrees().into_iter().max().map_or(0, u64::from);
        }
        let (n_pre, _) = self.sizes(s);
        match &s.connectivity {
            Connectivity::FixedNumberPreWithReplacement { num } => u64::from(*num),
            Connectivity::Dense => n_pre,
            Connectivity::FixedProbability { p }
            | Connectivity::FixedProbabilityNoAutapse { p } => binomial_bound(n_pre, *p),
            Connectivity::OneToOne => 1,
            Connectivity::FixedNumberTotalWithReplacement { num } => {
                let (_, n_post) = self.sizes(s);
                binomial_bound(*num, 1.0 / n_post as f64)
            }
            Connectivity::FromList { post, .. } => {
                let mut degree = vec![0u64; self.populations[s.post.index()].size as usize];
                for &p in post {
                    if let Some(d) = degree.get_mut(p as usize) {
                        *d += 1;
                    }
                }
                degree.into_iter().max().unwrap_or(0)
            }
        }
    }

    /// The fixed-point form of `s`'s weights: a constant weight in 32 bits, with a scale
    /// that holds it times the fan-in; per-synapse weights in 64 bits, with a scale that
    /// holds the most input one neuron can get in a timestep, refusing static weights it
    /// can't hold exactly.
    pub(super) fn fixed_point_weight(
        &self,
        s: &SynapseGroup,
        drawn: Option<&SparseConnectivity>,
    ) -> Result<FixedPointWeight, ModelError> {
        let largest = s.weight_update.largest_weight();
        match &s.weight_update {
            WeightUpdateModel::StaticPulseConstantWeight { g } => {
                FixedPointWeight::fit(&s.name, *g, self.fan_in(s, drawn))
            }
            WeightUpdateModel::StaticPulse { g } => {
                let weight = FixedPointWeight::fit_per_synapse(
                    &s.name,
                    largest,
                    self.largest_input(s, g, drawn),
                )?;
                weight.check_exact(&s.name, g)?;
                Ok(weight)
            }
            // Learning may take any synapse to the largest weight the rule allows; code
            // to the largest addToPost input it declares.
            WeightUpdateModel::StdpSymmetric(_) | WeightUpdateModel::Code(_) => {
                self.fixed_point_for_largest(s, largest, drawn)
            }
        }
    }

    /// The 64-bit fixed-point form of `s`'s input where every synapse may add up to
    /// `largest` in a timestep.
    pub(super) fn fixed_point_for_largest(
        &self,
        s: &SynapseGroup,
        largest: f64,
        drawn: Option<&SparseConnectivity>,
    ) -> Result<FixedPointWeight, ModelError> {
        let fan_in = self.fan_in(s, drawn) as f64;
        FixedPointWeight::fit_per_synapse(&s.name, largest, largest * fan_in)
    }

    /// The most input one neuron can get from `s`'s static weights `g` in a timestep (each
    /// presynaptic neuron spikes at most once): the largest sum of a neuron's incoming
    /// weight magnitudes where the description lists each neuron's synapses, else the
    /// fan-in times the largest magnitude.
    fn largest_input(
        &self,
        s: &SynapseGroup,
        g: &[f32],
        drawn: Option<&SparseConnectivity>,
    ) -> f64 {
        let n_post = self.populations[s.post.index()].size as usize;
        let mut sums = vec![0.0f64; n_post];
        match &s.connectivity {
            Connectivity::Dense => {
                for row in g.chunks(n_post.max(1)) {
                    for (sum, w) in sums.iter_mut().zip(row) {
                        *sum += f64::from(w.abs());
                    }
                }
            }
            Connectivity::FromList { post, .. } => {
                for (&p, w) in post.iter().zip(g) {
                    if let Some(sum) = sums.get_mut(p as usize) {
                        *sum += f64::from(w.abs());
                    }
                }
            }
            _ => return s.weight_update.largest_weight() * self.fan_in(s, drawn) as f64,
        }
        sums.into_iter().fold(0.0, f64::max)
    }
}

fn validate_population(p: &NeuronPopulation, dt: f64) -> Result<(), ModelError> {
    if p.size == 0 {
        return Err(ModelError::EmptyPopulation(p.name.clone()));
    }
    let owner = format!("neuron population '{}'", p.name);
    p.model.validate(&owner)?;
    if let Some(constants) = p.model.derive(dt) {
        ModelError::check_constants(&owner, &constants.wgsl_constants())?;
    }
    if let Some(v) = p.initial_v
        && !super::error::fits_f32(v)
    {
        return Err(ModelError::not_finite(&owner, "initial V", v));
    }
    Ok(())
}

/// Whether `s`'s weight update model is written as code strings and starts a synapse
/// variable from a list of values, one per synapse.
fn lists_synapse_values(s: &SynapseGroup) -> bool {
    match &s.weight_update {
        WeightUpdateModel::Code(code) => code
            .var_init
            .values()
            .any(|init| matches!(init, super::code::VarInit::Values(_))),
        _ => false,
    }
}
