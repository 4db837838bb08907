//! Float constants a GPU driver can't fold. Mesa's shader compiler (NIR) reassociates
//! float adds and multiplies with a constant operand, `(a + 140.0) - u` into
//! `(a - u) + 140.0`, to fold constants together; SPIR-V allows it for any operation not
//! marked exact, and naga marks none. The rounding then differs from the CPU's, which
//! computes what the code says. So on the GPU every float constant of a model's code (its
//! parameters, and every float literal the user wrote) is written as
//! `kenyon_f32(bits)`, the bits ORed with a zero the compiler can't see: a value, not a
//! constant, which nothing reassociates around. The literals are found in naga's IR of the
//! CPU's text (after naga has given each its f32 value), by their spans.

use super::assemble::{Assembled, opaque_f32};

/// The user's code strings of `assembled` with each float literal of `function` (in the
/// module parsed from `assembled` at byte `offset`) replaced by its opaque value: `sim`,
/// `threshold`, `reset`, in `assembled.placed`'s order.
pub(crate) fn opaque_literals(
    assembled: &Assembled,
    function: &naga::Function,
    offset: usize,
) -> Vec<String> {
    // (code string, start, end, value) of each literal, outermost spans only (a folded
    // constant expression keeps its operands' literals inside its own span).
    let mut found: Vec<(usize, usize, usize, f32)> = Vec::new();
    for (h, e) in function.expressions.iter() {
        let naga::Expression::Literal(naga::Literal::F32(x)) = *e else {
            continue;
        };
        let Some(range) = function.expressions.get_span(h).to_range() else {
            continue;
        };
        let (Some(start), Some(end)) = (
            range.start.checked_sub(offset),
            range.end.checked_sub(offset),
        ) else {
            continue;
        };
        let within = assembled
            .placed
            .iter()
            .position(|p| start >= p.at && end <= p.at + p.text.len() && end > start);
        if let Some(k) = within {
            let at = assembled.placed[k].at;
            found.push((k, start - at, end - at, x));
        }
    }
    found.sort_by_key(|&(k, start, end, _)| (k, start, std::cmp::Reverse(end)));
    let mut outermost: Vec<(usize, usize, usize, f32)> = Vec::new();
    for f in found {
        match outermost.last() {
            Some(&(k, _, end, _)) if k == f.0 && f.1 < end => {}
            _ => outermost.push(f),
        }
    }
    let mut texts: Vec<String> = assembled.placed.iter().map(|p| p.text.clone()).collect();
    // From the last literal back, so earlier offsets stay valid.
    for &(k, start, end, x) in outermost.iter().rev() {
        texts[k].replace_range(start..end, &opaque_f32(x));
    }
    texts
}
