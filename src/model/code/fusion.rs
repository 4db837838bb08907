//! The multiply-add fusion check: SPIR-V lets a driver fuse a float multiply into the add
//! that uses it (one rounding instead of two; NVIDIA's does), which moves a result by an
//! ulp and a neuron near threshold to another timestep, while the CPU rounds both. Every
//! float product that feeds an add must therefore round on its own, through `product`
//! (`shaders/shared/step_params.wgsl`). The shader tests run this over every kernel
//! (`gpu::shaders::lint`), and building a network runs it over users' code strings.

use naga::{BinaryOperator as Op, Expression as E, Handle, Statement as S};

/// Float multiplies of `function` whose result can reach an add or subtract, where a
/// SPIR-V driver may fuse the two into one rounding. A product taints what is built
/// from it without rounding in between (negation, splats, vectors, swizzles, element
/// access, `select`, scaling by a power of two); a tainted value must not be added,
/// subtracted, returned, passed to a function other than `product` or stored anywhere
/// but a storage buffer. Products by a power of two are exact either way, and a bitcast ends the
/// taint: that is how `product`/`product4` round.
pub(crate) fn fusable_products(
    module: &naga::Module,
    function: &naga::Function,
    info: &naga::valid::FunctionInfo,
) -> Vec<(naga::Span, String)> {
    let name = function.name.as_deref().unwrap_or("?");
    let (tainted, mut found) = taint(module, function, info);
    if name != "product" && name != "product4" {
        found.extend(escaping_products(module, function, &tainted));
    }
    found
}

/// Which expressions of `function` carry an unrounded product, and the adds and
/// subtracts of one.
fn taint(
    module: &naga::Module,
    function: &naga::Function,
    info: &naga::valid::FunctionInfo,
) -> (Vec<bool>, Vec<(naga::Span, String)>) {
    let exprs = &function.expressions;
    let is_float = |h: Handle<E>| {
        info[h].ty.inner_with(&module.types).scalar_kind() == Some(naga::ScalarKind::Float)
    };
    let power_of_two = |h: Handle<E>| {
        let literal = match exprs[h] {
            E::Splat { value, .. } => &exprs[value],
            ref e => e,
        };
        // A subnormal power of two is not exact as a factor.
        matches!(literal, E::Literal(naga::Literal::F32(x)) if x.is_normal() && x.abs().log2().fract() == 0.0)
    };
    let name = function.name.as_deref().unwrap_or("?");
    let mut found = Vec::new();
    // Operands come before the expressions that use them, so one pass in order works.
    let mut tainted = vec![false; exprs.len()];
    for (h, e) in exprs.iter() {
        let t = |x: Handle<E>| tainted[x.index()];
        tainted[h.index()] = match *e {
            E::Binary {
                op: Op::Multiply,
                left,
                right,
            } if is_float(h) => {
                let exact = power_of_two(left) || power_of_two(right);
                !exact || t(left) || t(right)
            }
            E::Binary {
                op: Op::Add | Op::Subtract,
                left,
                right,
            } => {
                if t(left) || t(right) {
                    let what = format!("{name}: an add or subtract of a product");
                    found.push((exprs.get_span(h), what));
                }
                false
            }
            E::Unary { expr, .. } | E::Splat { value: expr, .. } => t(expr),
            E::Swizzle { vector, .. } => t(vector),
            E::Access { base, .. } | E::AccessIndex { base, .. } => t(base),
            E::Compose { ref components, .. } => components.iter().any(|&c| t(c)),
            E::Select { accept, reject, .. } => t(accept) || t(reject),
            // A float to float conversion or bitcast of the same width is no operation
            // at all in SPIR-V: the product reaches what uses it unrounded.
            E::As {
                expr,
                kind: naga::ScalarKind::Float,
                convert: None | Some(4),
            } if is_float(expr) => t(expr),
            _ => false,
        };
    }
    (tainted, found)
}

/// Tainted values that leave an expression: returned, passed to a function, or kept in
/// anything but a storage buffer (which is out of the compiler's reach).
fn escaping_products(
    module: &naga::Module,
    function: &naga::Function,
    tainted: &[bool],
) -> Vec<(naga::Span, String)> {
    let exprs = &function.expressions;
    let name = function.name.as_deref().unwrap_or("?");
    let tainted = |h: Handle<E>| tainted[h.index()];
    let into_storage = |mut p: Handle<E>| loop {
        match exprs[p] {
            E::Access { base, .. } | E::AccessIndex { base, .. } => p = base,
            E::GlobalVariable(g) => {
                break module.global_variables[g].space
                    == naga::AddressSpace::Storage {
                        access: naga::StorageAccess::LOAD | naga::StorageAccess::STORE,
                    };
            }
            _ => break false,
        }
    };
    let mut found = Vec::new();
    walk(&function.body, &mut |statement| match statement {
        S::Return { value: Some(v) } if tainted(*v) => {
            found.push((exprs.get_span(*v), format!("{name}: returns a product")));
        }
        // `product` only multiplies what it is given: no add for a driver to fuse.
        S::Call {
            function: callee,
            arguments,
            ..
        } if arguments.iter().any(|&a| tainted(a)) && !is_product(module, *callee) => {
            let at = arguments.iter().find(|&&a| tainted(a));
            let span = at.map(|&a| exprs.get_span(a)).unwrap_or_default();
            found.push((span, format!("{name}: passes a product to a function")));
        }
        S::Store { pointer, value } if tainted(*value) && !into_storage(*pointer) => {
            let what = format!("{name}: keeps a product in a variable");
            found.push((exprs.get_span(*value), what));
        }
        _ => {}
    });
    found
}

/// Whether `function` is `product` or `product4`, the rounding guards.
fn is_product(module: &naga::Module, function: Handle<naga::Function>) -> bool {
    matches!(
        module.functions[function].name.as_deref(),
        Some("product" | "product4")
    )
}

/// Calls `visit` on every statement of `block`, nested ones included.
fn walk(block: &naga::Block, visit: &mut dyn FnMut(&S)) {
    for statement in block.iter() {
        visit(statement);
        match statement {
            S::Block(b) => walk(b, visit),
            S::If { accept, reject, .. } => {
                walk(accept, visit);
                walk(reject, visit);
            }
            S::Loop {
                body, continuing, ..
            } => {
                walk(body, visit);
                walk(continuing, visit);
            }
            S::Switch { cases, .. } => cases.iter().for_each(|c| walk(&c.body, visit)),
            _ => {}
        }
    }
}
