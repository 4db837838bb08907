//! A function assembled from code strings, checked and compiled: parsed and validated by
//! naga, linted for products a GPU could fuse, checked to hold nothing but the function,
//! compiled for the CPU's interpreter, and its float literals made opaque for the GPU.
//! The neuron step function and the weight-update models' synapse functions go through
//! the same steps, each with its own prelude.

use super::assemble::{self, Assembled, STEP_FN};
use super::check::declaration_error;
use super::compiled::NativeFn;
use super::diagnose::SourceMap;
use super::{CodeError, opaque};
use crate::interpret::LaneProgram;

/// What a function is compiled with: its name, the functions declared before it (the
/// CPU's text of them) and which of those the interpreter runs natively.
pub(crate) struct Prelude {
    /// The function's name.
    pub function: &'static str,
    /// The CPU's prelude: `product` and a stub of every native.
    pub text: String,
    /// The natives, in the order the CPU's program numbers them.
    pub natives: Vec<String>,
}

impl Prelude {
    /// The neuron step function's: [`NativeFn::ALL`], then the extra global parameters.
    pub fn neuron(extra_global_params: &[String]) -> Self {
        Prelude {
            function: STEP_FN,
            text: assemble::cpu_prelude(extra_global_params),
            natives: NativeFn::ALL
                .iter()
                .map(|n| n.name().to_owned())
                .chain(extra_global_params.iter().cloned())
                .collect(),
        }
    }
}

/// Parses, validates and lints the function and compiles it for the CPU; also returns
/// the code strings with their float literals made opaque for the GPU.
pub(crate) fn compile(
    assembled: &Assembled,
    prelude: &Prelude,
) -> Result<(LaneProgram, Vec<String>), CodeError> {
    let source = format!("{}{}", prelude.text, assembled.function);
    let map = SourceMap {
        assembled,
        offset: prelude.text.len(),
    };
    let module = naga::front::wgsl::parse_str(&source).map_err(|e| map.parse_error(&e))?;
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .map_err(|e| map.validation_error(&e))?;
    check_shape(&module, &map, prelude)?;
    let (handle, function) = module
        .functions
        .iter()
        .find(|(_, f)| f.name.as_deref() == Some(prelude.function))
        .ok_or_else(|| map.error("the function is missing", &[]))?;
    if let Some((span, _)) = super::fusion::fusable_products(&module, function, &info[handle])
        .into_iter()
        .next()
    {
        return Err(map.error(
            "a float product feeds an add, subtract or variable: write it as product(a, b), which rounds it on its own on every GPU as the CPU does (drivers may fuse a multiply into an add)",
            &[span],
        ));
    }
    let natives: Vec<&str> = prelude.natives.iter().map(String::as_str).collect();
    let program =
        LaneProgram::compile(&module, &info, prelude.function, &natives).map_err(|u| {
            map.error(
                &format!("the CPU backend can't run this: {}", u.what),
                &[u.span],
            )
        })?;
    let gpu_code = opaque::opaque_literals(assembled, function, prelude.text.len());
    Ok((program, gpu_code))
}

/// Checks that the code strings added nothing outside the function (a `}` that closes it
/// early and a function or global after it): what the GPU splices into its kernel must
/// be the function alone.
fn check_shape(
    module: &naga::Module,
    map: &SourceMap<'_>,
    prelude: &Prelude,
) -> Result<(), CodeError> {
    let expected = prelude.natives.len() + 2;
    let known = |name: &str| {
        name == prelude.function || name == "product" || prelude.natives.iter().any(|n| n == name)
    };
    let stray = module
        .functions
        .iter()
        .find(|(_, f)| !known(f.name.as_deref().unwrap_or("")))
        .map(|(h, _)| module.functions.get_span(h));
    let extra = module.functions.len() != expected
        || !module.global_variables.is_empty()
        || !module.constants.is_empty()
        || !module.overrides.is_empty()
        || !module.entry_points.is_empty()
        || module
            .types
            .iter()
            .any(|(_, t)| matches!(t.inner, naga::TypeInner::Struct { .. }));
    if stray.is_some() || extra {
        let spans: Vec<naga::Span> = stray.into_iter().collect();
        return Err(map.error(
            "code strings hold statements (and the threshold an expression) of one function: this one ends that function and declares something outside it",
            &spans,
        ));
    }
    Ok(())
}

/// Checks that the GPU's text of the function is valid WGSL: a float literal where WGSL
/// wants a constant expression (a `const` in the code) can't be made opaque.
pub(crate) fn check_gpu_text(
    owner: &str,
    model: &str,
    gpu: &Assembled,
    prelude: &Prelude,
) -> Result<(), CodeError> {
    let source = format!(
        "{}{}{}",
        prelude.text,
        assemble::KENYON_F32_STUB,
        gpu.function
    );
    let fail = |detail: String| {
        declaration_error(
            owner,
            model,
            format!(
                "the code can't be given to GPUs with its float literals made opaque to their compilers (does a `const` in it use a float literal? write `let`): {detail}"
            ),
        )
    };
    let module =
        naga::front::wgsl::parse_str(&source).map_err(|e| fail(e.emit_to_string(&source)))?;
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .map_err(|e| fail(e.emit_to_string(&source)))?;
    Ok(())
}
