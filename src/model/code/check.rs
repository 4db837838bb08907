//! Checks of a model's declaration against the values a population or synapse group
//! gives it, before any code is compiled.

use std::collections::BTreeMap;

use super::{
    CodeCurrentSource, CodeError, CodeNeuron, CodePostsynaptic, CodeWeightUpdate, ParamValues, Var,
    VarInit,
};

/// Names code strings see that a model can't declare.
const BUILT_IN_NAMES: [&str; 19] = [
    "dt",
    "t",
    "id",
    "batch",
    "Isyn",
    "inSyn",
    "product",
    "rand_uniform",
    "rand_normal",
    "rand_exponential",
    "injectCurrent",
    "kenyon_spiked",
    "kenyon_isyn",
    "kenyon_f32",
    "addToPost",
    "id_pre",
    "id_post",
    "st_pre",
    "st_post",
];

/// An error in a model's declaration rather than its code; `model` is its kind and name
/// ("neuron model 'LIF'").
pub(crate) fn declaration_error(owner: &str, model: &str, message: String) -> CodeError {
    CodeError {
        owner: owner.to_owned(),
        model: model.to_owned(),
        code_string: None,
        line: 0,
        column: 0,
        message,
        excerpt: String::new(),
    }
}

impl CodeNeuron {
    /// Checks the declaration and that every parameter and variable has a value and
    /// nothing else does; `owner` names the population.
    pub(crate) fn check(&self, owner: &str) -> Result<(), CodeError> {
        let model = &self.model;
        let label = format!("neuron model '{}'", model.name);
        let fail = |message: String| Err(declaration_error(owner, &label, message));
        let declared = model
            .params
            .iter()
            .map(String::as_str)
            .chain(model.derived_params.iter().map(|d| d.name.as_str()))
            .chain(model.vars.iter().map(|v| v.name.as_str()))
            .chain(model.extra_global_params.iter().map(String::as_str))
            .chain(model.additional_input_vars.iter().map(|(n, _)| n.as_str()));
        check_names(declared).or_else(fail)?;
        if let Some((name, x)) = model
            .additional_input_vars
            .iter()
            .find(|(_, x)| !(x.is_finite() && (*x as f32).is_finite()))
        {
            return fail(format!(
                "additional input variable {name} starts at {x}: it must be a finite number within single precision's range"
            ));
        }
        check_params(&model.params, &self.params).or_else(fail)?;
        check_inits(&model.vars, &self.var_init, "init").or_else(fail)?;
        check_extra_global_params(&model.extra_global_params, &self.extra_global_params)
            .or_else(fail)?;
        Ok(())
    }
}

impl CodePostsynaptic {
    /// Checks the declaration and that every parameter and variable has a value and
    /// nothing else does; `owner` names the synapse group.
    pub(crate) fn check(&self, owner: &str) -> Result<(), CodeError> {
        let model = &self.model;
        let label = format!("postsynaptic model '{}'", model.name);
        let fail = |message: String| Err(declaration_error(owner, &label, message));
        let declared = model
            .params
            .iter()
            .map(String::as_str)
            .chain(model.derived_params.iter().map(|d| d.name.as_str()))
            .chain(model.vars.iter().map(|v| v.name.as_str()));
        check_names(declared).or_else(fail)?;
        check_params(&model.params, &self.params).or_else(fail)?;
        check_inits(&model.vars, &self.var_init, "init").or_else(fail)
    }
}

impl CodeCurrentSource {
    /// Checks the declaration and that every parameter and variable has a value and
    /// nothing else does; `owner` names the current source.
    pub(crate) fn check(&self, owner: &str) -> Result<(), CodeError> {
        let model = &self.model;
        let label = format!("current source model '{}'", model.name);
        let fail = |message: String| Err(declaration_error(owner, &label, message));
        let declared = model
            .params
            .iter()
            .map(String::as_str)
            .chain(model.derived_params.iter().map(|d| d.name.as_str()))
            .chain(model.vars.iter().map(|v| v.name.as_str()));
        check_names(declared).or_else(fail)?;
        check_params(&model.params, &self.params).or_else(fail)?;
        check_inits(&model.vars, &self.var_init, "init").or_else(fail)
    }
}

impl CodeWeightUpdate {
    /// Checks the declaration, that every parameter and variable has a value and nothing
    /// else does, and the largest `addToPost` input; `owner` names the synapse group.
    pub(crate) fn check(&self, owner: &str) -> Result<(), CodeError> {
        let model = &self.model;
        let label = format!("weight update model '{}'", model.name);
        let fail = |message: String| Err(declaration_error(owner, &label, message));
        let vars = model
            .vars
            .iter()
            .chain(&model.pre_vars)
            .chain(&model.post_vars);
        let declared = model
            .params
            .iter()
            .map(String::as_str)
            .chain(model.derived_params.iter().map(|d| d.name.as_str()))
            .chain(vars.map(|v| v.name.as_str()));
        check_names(declared).or_else(fail)?;
        check_params(&model.params, &self.params).or_else(fail)?;
        check_inits(&model.vars, &self.var_init, "init").or_else(fail)?;
        check_inits(&model.pre_vars, &self.pre_var_init, "pre_init")
            .map_err(|e| format!("presynaptic {e}"))
            .or_else(fail)?;
        check_inits(&model.post_vars, &self.post_var_init, "post_init")
            .map_err(|e| format!("postsynaptic {e}"))
            .or_else(fail)?;
        match self.max_add_to_post {
            Some(x) if !(x.is_finite() && x > 0.0 && (x as f32).is_finite()) => fail(format!(
                "max_add_to_post = {x}: it must be a positive finite number within single precision's range"
            )),
            _ => Ok(()),
        }
    }
}

/// Checks that every extra global parameter has finite values and nothing else does.
fn check_extra_global_params(
    declared: &[String],
    given: &BTreeMap<String, Vec<f32>>,
) -> Result<(), String> {
    if let Some(name) = declared.iter().find(|n| !given.contains_key(*n)) {
        return Err(format!(
            "extra global parameter {name} has no values: give them with .extra_global_param(\"{name}\", values)"
        ));
    }
    if let Some(name) = given.keys().find(|n| !declared.contains(n)) {
        return Err(format!(
            "values are given for {name}, which is not an extra global parameter of the model"
        ));
    }
    for (name, values) in given {
        if let Some(i) = values.iter().position(|x| !x.is_finite()) {
            return Err(format!(
                "extra global parameter {name}: value #{i} is not finite"
            ));
        }
    }
    Ok(())
}

/// Checks that every variable has an initial value and nothing else does.
fn check_inits(
    vars: &[Var],
    inits: &BTreeMap<String, VarInit>,
    method: &str,
) -> Result<(), String> {
    if let Some(var) = vars.iter().find(|v| !inits.contains_key(&v.name)) {
        return Err(format!(
            "variable {} has no initial value: give it one with .{method}(\"{}\", ...)",
            var.name, var.name
        ));
    }
    if let Some(name) = inits.keys().find(|n| !vars.iter().any(|v| &v.name == *n)) {
        return Err(format!(
            "an initial value is given for {name}, which is not a variable of the model"
        ));
    }
    Ok(())
}

/// Checks that each declared name can name a value in code, once.
fn check_names<'a>(declared: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    for name in declared {
        if !is_identifier(name) {
            return Err(format!(
                "'{name}' is not a WGSL identifier: use letters, digits and _, not starting with a digit"
            ));
        }
        if naga::keywords::wgsl::RESERVED.contains(&name) {
            return Err(format!(
                "'{name}' is a WGSL keyword or reserved word: rename it"
            ));
        }
        if naga::keywords::wgsl::BUILTIN_IDENTIFIERS.contains(&name) {
            return Err(format!(
                "'{name}' is the name of a WGSL type or built-in function: rename it"
            ));
        }
        if BUILT_IN_NAMES.contains(&name) || name.starts_with("kenyon_") || name.starts_with("__") {
            return Err(format!(
                "'{name}' is a name kenyon gives code strings (or reserves): rename it"
            ));
        }
        if seen.contains(&name) {
            return Err(format!("'{name}' is declared twice"));
        }
        seen.push(name);
    }
    Ok(())
}

/// Checks that every parameter has a value and nothing else does.
fn check_params(params: &[String], values: &ParamValues) -> Result<(), String> {
    if let Some(name) = params.iter().find(|n| !values.0.contains_key(*n)) {
        return Err(format!(
            "parameter {name} has no value: give it one with .param(\"{name}\", value)"
        ));
    }
    if let Some(name) = values.0.keys().find(|n| !params.contains(n)) {
        return Err(format!(
            "a value is given for {name}, which is not a parameter of the model (it has: {})",
            params.join(", ")
        ));
    }
    Ok(())
}

/// Whether `name` is a WGSL identifier (ASCII).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}
