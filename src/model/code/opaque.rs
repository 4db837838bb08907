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
            let placed = &assembled.placed[k];
            let (start, end) = (start - placed.at, end - placed.at);
            found.push((k, start, extend_call(&placed.text, start, end), x));
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

/// The end of the call `text[start..end]` names, if it names a function that naga
/// folded into a constant (`exp(-dt / TauM)`, `min(k, 1.0)`: the literal's span is the
/// function's name), so the whole call is replaced; otherwise `end`.
fn extend_call(text: &str, start: usize, end: usize) -> usize {
    let name = &text[start..end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return end;
    }
    let rest = &text[end..];
    let Some(open) = rest.find(|c: char| !c.is_whitespace()) else {
        return end;
    };
    // A generic call (`bitcast<f32>(...)`) has its type between the name and `(`.
    let after_generic = match rest[open..].strip_prefix('<') {
        Some(generic) => match generic.find('>') {
            Some(close) => open + 1 + close + 1,
            None => return end,
        },
        None => open,
    };
    if !rest[after_generic..].starts_with('(') {
        return end;
    }
    let mut depth = 0usize;
    for (i, c) in rest[after_generic..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return end + after_generic + i + 1;
                }
            }
            _ => {}
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::extend_call;

    #[test]
    fn a_folded_call_is_replaced_whole() {
        let text = "V = V + exp(-dt / (k + 1.0)) + min (k, 1.0) + bitcast<f32>(1u) + exp;";
        let at = |s: &str| text.find(s).expect("in the text");
        // The call's name, found by what follows it.
        let call = |found_by: &str, name_len: usize| {
            let start = at(found_by);
            &text[start..extend_call(text, start, start + name_len)]
        };
        assert_eq!(call("exp(", 3), "exp(-dt / (k + 1.0))");
        assert_eq!(call("min", 3), "min (k, 1.0)");
        assert_eq!(call("bitcast", 7), "bitcast<f32>(1u)");
        let last = text.rfind("exp").expect("in the text");
        assert_eq!(extend_call(text, last, last + 3), last + 3);
        let number = at("1.0");
        assert_eq!(extend_call(text, number, number + 3), number + 3);
    }
}
