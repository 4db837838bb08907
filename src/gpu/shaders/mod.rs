//! WGSL assembly: kernel stages from `shaders/`, shared snippets from `shaders/shared/`
//! and model pieces from `src/model/`, joined with one template syntax, `{{name}}`:
//!
//! - `{{shared/NAME}}` is the snippet `shaders/shared/NAME.wgsl`;
//! - `{{binding}}` is the next binding number, counted in the order bindings appear in
//!   the finished kernel (the host binds buffers by variable name, reflected by naga, so
//!   no number is written anywhere else);
//! - any other `{{name}}` is a value the kernel's builder fills in.
//!
//! A placeholder left unfilled, or a value given for no placeholder, is an error.

pub(crate) mod reflect;

#[cfg(test)]
pub(super) mod lint;

/// Kernel stages, in `shaders/`.
pub(crate) const NEURON_UPDATE: &str = include_str!("../../../shaders/neuron_update.wgsl");
pub(crate) const SYNAPTIC_INPUT: &str = include_str!("../../../shaders/synaptic_input.wgsl");
pub(crate) const GATHER_WORD: &str = include_str!("../../../shaders/gather_word.wgsl");
pub(crate) const PROPAGATE_SPIKES: &str = include_str!("../../../shaders/propagate_spikes.wgsl");
pub(crate) const SPIKE_TIMES: &str = include_str!("../../../shaders/spike_times.wgsl");
pub(crate) const LEARN_PRE: &str = include_str!("../../../shaders/learn_pre.wgsl");
pub(crate) const LEARN_POST: &str = include_str!("../../../shaders/learn_post.wgsl");
pub(crate) const PRE_SPIKE_SYN: &str = include_str!("../../../shaders/pre_spike_syn.wgsl");
pub(crate) const POST_SPIKE_SYN: &str = include_str!("../../../shaders/post_spike_syn.wgsl");

/// The pieces of the stages above that depend on a synapse group's accumulator width
/// (`AccumulatorWidth`): how propagate_spikes.wgsl adds a weight, and how
/// synaptic_input.wgsl reads a sum.
pub(crate) const ACCUMULATE_32: &str = include_str!("../../../shaders/accumulate_32.wgsl");
pub(crate) const ACCUMULATE_64: &str = include_str!("../../../shaders/accumulate_64.wgsl");
pub(crate) const TAKE_INPUT_32: &str = include_str!("../../../shaders/take_input_32.wgsl");
pub(crate) const TAKE_INPUT_64: &str = include_str!("../../../shaders/take_input_64.wgsl");
/// The piece of both synapse-code stages above that adds a synapse function's
/// `addToPost` to its target's input.
pub(crate) const ADD_TO_POST: &str = include_str!("../../../shaders/add_to_post.wgsl");

/// Snippets several kernels include, in `shaders/shared/`.
const SHARED: [(&str, &str); 7] = [
    (
        "shared/step_params",
        include_str!("../../../shaders/shared/step_params.wgsl"),
    ),
    (
        "shared/fixed_point",
        include_str!("../../../shaders/shared/fixed_point.wgsl"),
    ),
    (
        "shared/spike_ring",
        include_str!("../../../shaders/shared/spike_ring.wgsl"),
    ),
    (
        "shared/accumulator",
        include_str!("../../../shaders/shared/accumulator.wgsl"),
    ),
    (
        "shared/add_fixed64",
        include_str!("../../../shaders/shared/add_fixed64.wgsl"),
    ),
    (
        "shared/philox",
        include_str!("../../../shaders/shared/philox.wgsl"),
    ),
    (
        "shared/random_distributions",
        include_str!("../../../shaders/shared/random_distributions.wgsl"),
    ),
];

/// A mistake in a WGSL template: a bug in kenyon, which the shader tests catch.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum TemplateError {
    /// A value was given for a placeholder the template does not have.
    #[error("the WGSL template has no placeholder {{{{{0}}}}}")]
    Unused(String),
    /// A placeholder was left without a value.
    #[error("the WGSL placeholder {{{{{0}}}}} has no value")]
    Unfilled(String),
}

/// `template` with the placeholder of each named value replaced by it; other
/// placeholders stay for a later fill or for [`finish`].
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> Result<String, TemplateError> {
    let mut out = template.to_owned();
    for (name, value) in values {
        let placeholder = format!("{{{{{name}}}}}");
        if !out.contains(&placeholder) {
            return Err(TemplateError::Unused((*name).to_owned()));
        }
        out = out.replace(&placeholder, value);
    }
    Ok(out)
}

/// The finished kernel: shared snippets included (each once, wherever it is named
/// first), `values` filled in, binding numbers counted, and no placeholder left.
pub(crate) fn finish(template: &str, values: &[(&str, &str)]) -> Result<String, TemplateError> {
    let mut included = [false; SHARED.len()];
    // Snippets may hold placeholders (`{{block_steps}}`) and values may name snippets
    // (a model piece), so snippets are included before and after the values.
    let source = include_shared(template, &mut included);
    let source = include_shared(&fill(&source, values)?, &mut included);
    let mut numbered = String::with_capacity(source.len());
    let mut parts = source.split("{{binding}}");
    numbered.push_str(parts.next().unwrap_or_default());
    for (binding, part) in parts.enumerate() {
        numbered.push_str(&binding.to_string());
        numbered.push_str(part);
    }
    match numbered.find("{{") {
        Some(at) => {
            let rest = &numbered[at + 2..];
            let name = rest.split("}}").next().unwrap_or(rest);
            Err(TemplateError::Unfilled(name.to_owned()))
        }
        None => Ok(numbered),
    }
}

/// `source` with each shared snippet it names put in place of its first mention, unless
/// `included` says it already is; other mentions are dropped.
fn include_shared(source: &str, included: &mut [bool; SHARED.len()]) -> String {
    let mut source = source.to_owned();
    for ((name, snippet), done) in SHARED.iter().zip(included.iter_mut()) {
        let placeholder = format!("{{{{{name}}}}}");
        if let Some(at) = source.find(&placeholder) {
            let text = if *done { "" } else { snippet };
            source.replace_range(at..at + placeholder.len(), text);
            source = source.replace(&placeholder, "");
            *done = true;
        }
    }
    source
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_include_and_number_bindings_and_refuse_leftovers() {
        let template =
            "{{shared/spike_ring}}\n@binding({{binding}}) a; @binding({{binding}}) {{x}};";
        let out = finish(template, &[("x", "b")]).unwrap();
        assert!(out.ends_with("@binding(0) a; @binding(1) b;"), "{out}");
        assert!(out.contains("fn ring_slot"));
        assert_eq!(
            finish(template, &[]),
            Err(TemplateError::Unfilled("x".to_owned()))
        );
        assert_eq!(
            finish(template, &[("x", "b"), ("y", "c")]),
            Err(TemplateError::Unused("y".to_owned()))
        );
        // A snippet two pieces include is included once.
        let twice = finish("{{shared/fixed_point}}\n{{shared/fixed_point}}", &[]).unwrap();
        assert_eq!(twice.matches("fn fixed_to_f32").count(), 1);
    }
}
