//! Checks every backend makes, written once.

use super::{SimConfig, SimError};
use crate::model::{
    BuiltNetwork, BuiltSynapseGroup, CurrentSourceId, NetworkId, PopulationId, SynapseGroupId,
};

/// Refuses a configuration no backend can run `net` with: a batch of 0, or a batch of
/// more than one where synapses learn (their weights are shared by the batch); and a
/// built network whose delay tables or state recordings were changed into ones `build`
/// would not have made.
pub(crate) fn check_config(net: &BuiltNetwork, config: SimConfig) -> Result<(), SimError> {
    if config.batch_size == 0 {
        return Err(SimError::ZeroBatch);
    }
    if let Some(g) = net.synapse_groups.iter().find(|g| !delays_fit(g)) {
        return Err(SimError::StaleDelays {
            group: g.name.clone(),
        });
    }
    let stale_recording = |p: &&crate::model::BuiltPopulation| {
        p.state_recording
            .as_ref()
            .is_some_and(|r| !r.is_consistent(p.size))
    };
    if let Some(p) = net.populations.iter().find(stale_recording) {
        return Err(SimError::StaleStateRecording {
            population: p.name.clone(),
        });
    }
    if let Some(group) = net.plastic_group()
        && config.batch_size > 1
    {
        return Err(SimError::PlasticNeedsBatch1 {
            group: group.name.clone(),
            batch_size: config.batch_size,
        });
    }
    Ok(())
}

/// Whether a group's per-synapse delay table (if any) splits its rows as built: an
/// entry per row and delay class and one more, starting each row where the row starts,
/// never decreasing, ending at the last synapse. Backends index with it unchecked.
fn delays_fit(g: &BuiltSynapseGroup) -> bool {
    let (starts, conn) = (&g.delays.class_start, &g.connectivity);
    if starts.is_empty() {
        return true;
    }
    let classes = g.delays.classes.max(1) as usize;
    let rows = conn.row_start.len().saturating_sub(1);
    starts.len() == rows * classes + 1
        && starts.windows(2).all(|w| w[0] <= w[1])
        && starts
            .last()
            .is_some_and(|&l| l as usize == conn.targets.len())
        && (0..=rows).all(|r| starts.get(r * classes) == conn.row_start.get(r))
}

/// The index `handle` has in `net`, if it is `net`'s and in range.
fn index_in(
    net: &BuiltNetwork,
    network: NetworkId,
    index: usize,
    count: usize,
    kind: &'static str,
    unknown: fn(usize) -> SimError,
) -> Result<usize, SimError> {
    if network != net.description.id() {
        return Err(SimError::ForeignHandle { kind, index });
    }
    if index >= count {
        return Err(unknown(index));
    }
    Ok(index)
}

/// The index of `population` in `net`, or why it has none.
pub(crate) fn population_index(
    net: &BuiltNetwork,
    population: PopulationId,
) -> Result<usize, SimError> {
    index_in(
        net,
        population.network(),
        population.index(),
        net.populations.len(),
        "population",
        SimError::UnknownPopulation,
    )
}

/// The index of `group` in `net`, or why it has none.
pub(crate) fn group_index(net: &BuiltNetwork, group: SynapseGroupId) -> Result<usize, SimError> {
    index_in(
        net,
        group.network(),
        group.index(),
        net.synapse_groups.len(),
        "synapse group",
        SimError::UnknownSynapseGroup,
    )
}

/// The index of `source` in `net` if `values` holds a finite magnitude for each of its
/// target's neurons in each of `batch_size` entries.
pub(crate) fn check_magnitudes(
    net: &BuiltNetwork,
    batch_size: u32,
    source: CurrentSourceId,
    values: &[f32],
) -> Result<usize, SimError> {
    let c = index_in(
        net,
        source.network(),
        source.index(),
        net.current_sources.len(),
        "current source",
        SimError::UnknownCurrentSource,
    )?;
    let cs = &net.current_sources[c];
    if cs.code {
        return Err(SimError::NoMagnitude {
            source_name: cs.name.clone(),
        });
    }
    let expected = net.populations[cs.target].size as usize * batch_size as usize;
    if values.len() != expected {
        return Err(SimError::WrongLength {
            source_name: cs.name.clone(),
            expected,
            found: values.len(),
        });
    }
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(SimError::NonFiniteMagnitude {
            source_name: cs.name.clone(),
            index,
            value: values[index],
        });
    }
    Ok(c)
}

/// The index of group `g`'s synapse variable `name`, if the group's model is written as
/// code strings and has it.
pub(crate) fn synapse_var_index(
    net: &BuiltNetwork,
    g: usize,
    name: &str,
) -> Result<usize, SimError> {
    let s = &net.synapse_groups[g];
    let vars = s.code.as_ref().map_or(&[][..], |c| &c.vars[..]);
    vars.iter()
        .position(|v| v.name == name)
        .ok_or_else(|| SimError::NoSuchSynapseVariable {
            group: s.name.clone(),
            var: name.to_owned(),
            has: match vars.len() {
                0 => "none: it is not written as code strings".to_owned(),
                _ => vars
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        })
}
