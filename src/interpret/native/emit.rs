//! A compiled program as C: one loop over the lanes whose body is the program for one
//! lane, every register a local, so the C compiler keeps them in vector registers.
//!
//! Forward jumps are dropped: every instruction runs in every lane, and the masks the
//! interpreter keeps decide which results are kept, as they already do in its lanes.
//! That is sound because an instruction writes all lanes only of a register that holds
//! nothing live where the jump would have skipped it (the interpreter relies on the same
//! when some lanes take a branch and others don't), and because every operation here is
//! total: integer division is guarded, nothing traps. Loops (backward jumps) and natives
//! other than the lane sums and draws are not compiled.

use std::fmt::Write;

use super::super::program::{Bin, Instr, Program, Reg, Tern, Un};
use super::{Distribution, ExpCurrInput, LaneNative, LaneSums, ParamKind};

/// Why a program was not turned into C.
pub(super) type Refusal = String;

/// The C source of `program`'s lane loop, `kenyon_lanes`.
pub(super) fn emit(
    program: &Program,
    kinds: &[ParamKind],
    natives: &[LaneNative],
    sums: &LaneSums,
) -> Result<String, Refusal> {
    if kinds.len() != program.params.len() {
        return Err("one kind per parameter".into());
    }
    let mut body = String::new();
    for (pc, instr) in program.code.iter().enumerate() {
        instruction(&mut body, pc, instr, natives)?;
    }
    // The arrays are parameters of the function with the loop, not locals loaded from
    // `args`: C compilers honour `restrict` on parameters, and without it they must
    // check every pair of arrays for overlap before vectorizing, which GCC gives up on
    // beyond ten pairs (its `vect-max-version-for-alias-checks`), leaving the loop
    // scalar.
    let mut params = vec!["u32 n".to_owned(), "u32 *restrict result".to_owned()];
    let mut call = vec!["n".to_owned(), "result".to_owned()];
    for (k, (param, kind)) in program.params.iter().zip(kinds).enumerate() {
        match kind {
            ParamKind::Uniform if !param.pointer => {
                params.push(format!("const u32 u{k}"));
                call.push(format!("args[{k}][0]"));
            }
            ParamKind::Uniform => return Err("a pointer parameter is not uniform".into()),
            ParamKind::FixedPoint { .. } if param.pointer => {
                return Err("a pointer parameter is not fixed-point sums".into());
            }
            ParamKind::Steady { .. } if !param.pointer => {
                return Err("a value parameter is not steady state".into());
            }
            ParamKind::Lanes | ParamKind::FixedPoint { .. } | ParamKind::Steady { .. } => {
                params.push(format!("u32 *restrict a{k}"));
                call.push(format!("args[{k}]"));
            }
        }
    }
    match sums {
        LaneSums::Given => {
            for k in 0..sum_count(natives) {
                params.push(format!("u32 *restrict s{k}"));
                call.push(format!("sums[{k}]"));
            }
        }
        LaneSums::FromZero => {}
        LaneSums::FromExpCurr(inputs) => {
            for g in 0..inputs.len() {
                params.push(format!("u32 *restrict e{g}"));
                params.push(format!("u32 *restrict x{g}"));
                call.extend([format!("sums[{}]", 2 * g), format!("sums[{}]", 2 * g + 1)]);
            }
        }
    }
    params.push("const kfns *fns".to_owned());
    call.push("fns".to_owned());
    params.push("const u32 *restrict draws".to_owned());
    call.push("draws".to_owned());
    let mut c = String::from(PRELUDE);
    let _ = writeln!(c, "static void lanes({}) {{", params.join(", "));
    c.push_str("  (void)fns; (void)result; (void)draws;\n");
    c.push_str("  for (size_t i = 0; i < (size_t)n; i++) {\n");
    let steady = steady_params(program, kinds);
    declare(&mut c, program, (kinds, &steady), natives, sums);
    c.push_str(&body);
    finish(&mut c, program, &steady, natives, sums);
    c.push_str("  }\n}\n");
    c.push_str(
        "void kenyon_lanes(u32 n, u32 *const *args, u32 *restrict result, \
         u32 *const *sums, const kfns *fns, const u32 *draws) {\n",
    );
    c.push_str("  (void)sums;\n");
    let _ = writeln!(c, "  lanes({});\n}}", call.join(", "));
    Ok(c)
}

pub(super) fn sum_count(natives: &[LaneNative]) -> usize {
    natives
        .iter()
        .filter_map(|n| match n {
            LaneNative::ReadSum(k) | LaneNative::AddToSum(k) => Some(k + 1),
            LaneNative::Draw(_) | LaneNative::Unsupported => None,
        })
        .max()
        .unwrap_or(0)
}

/// Per parameter, whether it is [`ParamKind::Steady`] state that every path of the
/// program sets to its start (so it holds the start at every run: neither loaded nor
/// stored).
fn steady_params(program: &Program, kinds: &[ParamKind]) -> Vec<bool> {
    program
        .params
        .iter()
        .zip(kinds)
        .map(|(param, kind)| match *kind {
            ParamKind::Steady { start } => final_constant(program, param.reg) == Some(start),
            _ => false,
        })
        .collect()
}

/// The bits register `reg` holds at the end of every lane's run, where the program
/// leaves one constant there whatever its parameters, natives and branches: a constant
/// copied, filled or stored under the entry mask. An instruction a forward jump can skip
/// (between the jump and its target, which the interpreter skips where no lane takes
/// it) keeps a register known only when it writes the value already there.
fn final_constant(program: &Program, reg: Reg) -> Option<u32> {
    let mut known: Vec<Option<u32>> = vec![None; program.registers];
    let value_of = |known: &[Option<u32>], r: Reg| known.get(r as usize).copied().flatten();
    for &(r, value) in &program.constants {
        known[r as usize] = Some(value);
    }
    let mut skippable_until = 0;
    for (pc, instr) in program.code.iter().enumerate() {
        if let Some(target) = instr.target() {
            skippable_until = skippable_until.max(target);
        }
        let Some(dst) = instr.writes() else { continue };
        let before = value_of(&known, dst);
        let value = match *instr {
            Instr::Copy(_, src) => value_of(&known, src),
            Instr::Fill(_, value) => Some(value),
            Instr::Store { src, mask, .. } if mask == program.entry => value_of(&known, src),
            Instr::Store { src, .. } => before.filter(|&d| value_of(&known, src) == Some(d)),
            _ => None,
        };
        known[dst as usize] = match pc < skippable_until {
            true => value.filter(|&v| before == Some(v)),
            false => value,
        };
    }
    value_of(&known, reg)
}

/// Every register's value at the start of a lane: constants, the entry mask, the
/// parameters (steady state at its start), and the sums.
fn declare(
    c: &mut String,
    program: &Program,
    (kinds, steady): (&[ParamKind], &[bool]),
    natives: &[LaneNative],
    sums: &LaneSums,
) {
    for r in 0..program.registers {
        let _ = writeln!(c, "    u32 r{r} = 0;");
    }
    for &(reg, value) in &program.constants {
        let _ = writeln!(c, "    r{reg} = {value}u;");
    }
    let _ = writeln!(c, "    r{} = 1u;", program.entry);
    for (k, (param, kind)) in program.params.iter().zip(kinds).enumerate() {
        let reg = param.reg;
        match kind {
            ParamKind::Uniform if param.read => {
                let _ = writeln!(c, "    r{reg} = u{k};");
            }
            &ParamKind::Steady { start } if steady[k] => {
                let _ = writeln!(c, "    r{reg} = {start}u;");
            }
            ParamKind::Lanes | ParamKind::Steady { .. } if param.read || param.pointer => {
                let _ = writeln!(c, "    r{reg} = a{k}[i];");
            }
            // Converted as `fixed_to_f32` / `wide_fixed_to_f32` do, then scaled; cleared
            // whether read or not.
            &ParamKind::FixedPoint { wide, inv_scale } => {
                let sum = take_fixed_point(&format!("a{k}"), wide);
                let _ = writeln!(c, "    {{ {sum} r{reg} = U(sum * F({inv_scale}u)); }}");
            }
            _ => {}
        }
    }
    // The counter's last word: draws this lane has made (`DrawKey`'s layout).
    if natives.iter().any(|n| matches!(n, LaneNative::Draw(_))) {
        c.push_str("    u32 drawn = 0u; const u32 id = draws[4] + (u32)i;\n");
    }
    if let LaneSums::FromExpCurr(inputs) = sums {
        exp_curr_inputs(c, inputs);
    }
    for k in 0..sum_count(natives) {
        match sums {
            LaneSums::Given => writeln!(c, "    u32 sum{k} = s{k}[i];"),
            LaneSums::FromExpCurr(_) if k == 0 => writeln!(c, "    u32 sum0 = U(isyn);"),
            LaneSums::FromZero | LaneSums::FromExpCurr(_) => writeln!(c, "    u32 sum{k} = 0u;"),
        }
        .unwrap_or(());
    }
}

/// C that takes the fixed-point sums of `array` (cleared) into `float sum`, converted as
/// `fixed_to_f32` / `wide_fixed_to_f32` do.
fn take_fixed_point(array: &str, wide: bool) -> String {
    match wide {
        false => {
            format!("int32_t acc = (int32_t){array}[i]; {array}[i] = 0u; float sum = (float)acc;")
        }
        true => format!(
            "uint64_t w = (uint64_t){array}[2 * i] | ((uint64_t){array}[2 * i + 1] << 32); \
             {array}[2 * i] = 0u; {array}[2 * i + 1] = 0u; float sum = (float)(int64_t)w;"
        ),
    }
}

/// `float isyn`: 0.0 plus each built-in input's current, in order, as the CPU's built-in
/// update sums them (`ExpCurr::update_lanes` after `take_input`; an unstamped word's
/// input there is 0.0, what converting its zero sum gives here), each `inSyn` updated.
fn exp_curr_inputs(c: &mut String, inputs: &[ExpCurrInput]) {
    c.push_str("    float isyn = 0.0f;\n");
    for (g, input) in inputs.iter().enumerate() {
        let ExpCurrInput {
            init,
            exp_decay,
            wide,
            inv_scale,
        } = *input;
        let sum = take_fixed_point(&format!("x{g}"), wide);
        let _ = writeln!(
            c,
            "    {{ {sum} float joined = F(e{g}[i]) + sum * F({inv_scale}u); \
             isyn = isyn + F({init}u) * joined; e{g}[i] = U(joined * F({exp_decay}u)); }}"
        );
    }
    c.push_str("    (void)isyn;\n");
}

/// Writes back the pointer parameters (but steady state), the sums and the result.
fn finish(
    c: &mut String,
    program: &Program,
    steady: &[bool],
    natives: &[LaneNative],
    sums: &LaneSums,
) {
    for (k, param) in program.params.iter().enumerate() {
        if param.pointer && !steady[k] {
            let _ = writeln!(c, "    a{k}[i] = r{};", param.reg);
        }
    }
    for k in 0..sum_count(natives) {
        if *sums == LaneSums::Given {
            let _ = writeln!(c, "    s{k}[i] = sum{k};");
        }
    }
    if let Some(reg) = program.result {
        let _ = writeln!(c, "    result[i] = r{reg};");
    }
}

fn instruction(
    c: &mut String,
    pc: usize,
    instr: &Instr,
    natives: &[LaneNative],
) -> Result<(), Refusal> {
    let line = match *instr {
        Instr::Un(op, d, a) => format!("r{d} = {};", unary(op, &reg(a))),
        Instr::Bin(op, d, a, b) => format!("r{d} = {};", binary(op, &reg(a), &reg(b))),
        Instr::BinStore {
            op,
            dst,
            a,
            b,
            mask,
        } => {
            let value = binary(op, &reg(a), &reg(b));
            format!("r{dst} = sel(r{mask}, {value}, r{dst});")
        }
        Instr::BinUpdate { op, dst, b, mask } => {
            let value = binary(op, &reg(dst), &reg(b));
            format!("r{dst} = sel(r{mask}, {value}, r{dst});")
        }
        Instr::Chain {
            first,
            then,
            swap,
            dst,
            srcs: [a, b, x],
        } => {
            let inner = format!("F({})", binary(first, &reg(a), &reg(b)));
            let (l, r) = if swap {
                (format!("F(r{x})"), inner)
            } else {
                (inner, format!("F(r{x})"))
            };
            format!("r{dst} = U({l} {} {r});", float_operator(then)?)
        }
        Instr::Tern(op, d, [a, b, x]) => {
            format!("r{d} = {};", ternary(op, &reg(a), &reg(b), &reg(x)))
        }
        Instr::InsertBits(d, [e, v, o, n]) => {
            format!("r{d} = insert_bits(r{e}, r{v}, r{o}, r{n});")
        }
        Instr::Copy(d, s) => format!("r{d} = r{s};"),
        Instr::Store { dst, src, mask } => format!("r{dst} = sel(r{mask}, r{src}, r{dst});"),
        Instr::OrInto { dst, src } => format!("r{dst} |= r{src};"),
        Instr::Fill(d, v) => format!("r{d} = {v}u;"),
        Instr::JumpIfNone(_, target) if target > pc => return Ok(()),
        Instr::JumpIfNone(..) | Instr::Jump(_) => return Err("a loop".into()),
        Instr::Native {
            index,
            ref args,
            out,
            mask,
        } => native(natives.get(index), args, out, mask)?,
    };
    c.push_str("    ");
    c.push_str(&line);
    c.push('\n');
    Ok(())
}

fn native(
    native: Option<&LaneNative>,
    args: &[Reg],
    out: Reg,
    mask: Reg,
) -> Result<String, Refusal> {
    match (native, args) {
        (Some(LaneNative::ReadSum(k)), []) => Ok(format!("r{out} = sum{k};")),
        (Some(LaneNative::AddToSum(k)), [x]) => Ok(format!(
            "sum{k} = sel(r{mask}, U(F(sum{k}) + F(r{x})), sum{k});"
        )),
        // Every lane computes a block; only the active ones keep it and count it.
        (Some(LaneNative::Draw(distribution)), []) => {
            let value = match distribution {
                Distribution::Uniform => "uniform_f32(b[0])",
                Distribution::Normal => "normal_f32(b[0], b[1])",
                Distribution::Exponential => "exponential_f32(b[0])",
            };
            Ok(format!(
                "{{ u32 b[4] = {{id, draws[2], draws[3], drawn}}; \
                 philox4x32_10(b, draws[0], draws[1]); drawn += r{mask} != 0u; \
                 r{out} = sel(r{mask}, U({value}), r{out}); }}"
            ))
        }
        _ => Err("a native function other than a lane sum or a draw".into()),
    }
}

fn reg(r: Reg) -> String {
    format!("r{r}")
}

/// The bits of `f32` constant `x` as a C float.
fn float(x: f32) -> String {
    format!("F({}u)", x.to_bits())
}

fn float_operator(op: Bin) -> Result<&'static str, Refusal> {
    match op {
        Bin::FAdd => Ok("+"),
        Bin::FSub => Ok("-"),
        Bin::FMul => Ok("*"),
        _ => Err("a chain of other than f32 + - *".into()),
    }
}

/// `d = op(a)` as a C expression of type `u32`.
fn unary(op: Un, a: &str) -> String {
    use Un::*;
    let f = |e: &str| format!("U({})", e.replace('#', &format!("F({a})")));
    match op {
        FNeg => format!("({a} ^ 0x80000000u)"),
        INeg => format!("(0u - {a})"),
        Not => format!("(~{a})"),
        LNot => format!("({a} ^ 1u)"),
        FAbs => format!("({a} & 0x7fffffffu)"),
        SAbs => format!("((i32){a} < 0 ? 0u - {a} : {a})"),
        Floor => f("floorf(#)"),
        Ceil => f("ceilf(#)"),
        Round => f("nearbyintf(#)"),
        Trunc => f("truncf(#)"),
        Fract => f("(# - floorf(#))"),
        FSign => f("fsign(#)"),
        SSign => format!("(u32)(((i32){a} > 0) - ((i32){a} < 0))"),
        Saturate => f("kclamp(#, 0.0f, 1.0f)"),
        Sqrt => f("sqrtf(#)"),
        InverseSqrt => f("(1.0f / sqrtf(#))"),
        Radians => f(&format!("(# * {})", float(std::f32::consts::PI / 180.0))),
        Degrees => f(&format!("(# * {})", float(180.0 / std::f32::consts::PI))),
        CountOneBits => format!("(u32)__builtin_popcount({a})"),
        ReverseBits => format!("reverse_bits({a})"),
        SFirstLeadingBit => format!("s_first_leading_bit({a})"),
        UFirstLeadingBit => format!("u_first_leading_bit({a})"),
        FirstTrailingBit => format!("({a} ? (u32)__builtin_ctz({a}) : 0xffffffffu)"),
        CountLeadingZeros => format!("({a} ? (u32)__builtin_clz({a}) : 32u)"),
        CountTrailingZeros => format!("({a} ? (u32)__builtin_ctz({a}) : 32u)"),
        F2S => format!("(u32)(i32)kclamp(F({a}), -2147483648.0f, 2147483520.0f)"),
        F2U => format!("(u32)kclamp(F({a}), 0.0f, 4294967040.0f)"),
        S2F => format!("U((float)(i32){a})"),
        U2F => format!("U((float){a})"),
        B2F => format!("({a} ? 0x3f800000u : 0u)"),
        F2B => format!("(u32)(F({a}) != 0.0f)"),
        I2B => format!("(u32)({a} != 0u)"),
        _ => match transcendental_index(op) {
            Some(k) => format!("U(fns->f1[{k}](F({a})))"),
            None => unreachable!("every unary operation is C or a host function"),
        },
    }
}

/// The one-argument host functions, in the order of [`super::MathFns`]'s table.
pub(super) const TRANSCENDENTALS: [Un; 16] = [
    Un::Exp,
    Un::Exp2,
    Un::Log,
    Un::Log2,
    Un::Sin,
    Un::Cos,
    Un::Tan,
    Un::Sinh,
    Un::Cosh,
    Un::Tanh,
    Un::Asin,
    Un::Acos,
    Un::Atan,
    Un::Asinh,
    Un::Acosh,
    Un::Atanh,
];

fn transcendental_index(op: Un) -> Option<usize> {
    TRANSCENDENTALS.iter().position(|&t| t == op)
}

/// `d = op(a, b)` as a C expression of type `u32`.
fn binary(op: Bin, a: &str, b: &str) -> String {
    use Bin::*;
    let fl = |o: &str| format!("U(F({a}) {o} F({b}))");
    let cmp = |o: &str| format!("(u32)(F({a}) {o} F({b}))");
    let scmp = |o: &str| format!("(u32)((i32){a} {o} (i32){b})");
    let call = |name: &str| format!("{name}({a}, {b})");
    let fcall = |name: &str| format!("U({name}(F({a}), F({b})))");
    match op {
        FAdd => fl("+"),
        FSub => fl("-"),
        FMul => fl("*"),
        FDiv => fl("/"),
        FRem => fcall("fmodf"),
        IAdd => format!("({a} + {b})"),
        ISub => format!("({a} - {b})"),
        IMul => format!("({a} * {b})"),
        SDiv => call("sdiv"),
        UDiv => format!("({a} / ({b} ? {b} : 1u))"),
        SRem => call("srem"),
        URem => format!("({a} % ({b} ? {b} : 1u))"),
        And => format!("({a} & {b})"),
        AndNot => format!("({a} & ~{b})"),
        Or => format!("({a} | {b})"),
        Xor => format!("({a} ^ {b})"),
        Shl => format!("({a} << ({b} & 31u))"),
        SShr => format!("(u32)((i32){a} >> ({b} & 31u))"),
        UShr => format!("({a} >> ({b} & 31u))"),
        FEq => cmp("=="),
        FNe => format!("(u32)(F({a}) < F({b}) || F({a}) > F({b}))"),
        FLt => cmp("<"),
        FLe => cmp("<="),
        FGt => cmp(">"),
        FGe => cmp(">="),
        IEq => format!("(u32)({a} == {b})"),
        INe => format!("(u32)({a} != {b})"),
        SLt => scmp("<"),
        SLe => scmp("<="),
        SGt => scmp(">"),
        SGe => scmp(">="),
        ULt => format!("(u32)({a} < {b})"),
        ULe => format!("(u32)({a} <= {b})"),
        UGt => format!("(u32)({a} > {b})"),
        UGe => format!("(u32)({a} >= {b})"),
        FMin => fcall("kmin"),
        FMax => fcall("kmax"),
        SMin => format!("((i32){a} < (i32){b} ? {a} : {b})"),
        SMax => format!("((i32){a} > (i32){b} ? {a} : {b})"),
        UMin => format!("({a} < {b} ? {a} : {b})"),
        UMax => format!("({a} > {b} ? {a} : {b})"),
        Pow => fcall("fns->f2[0]"),
        Atan2 => fcall("fns->f2[1]"),
        Step => format!("(F({b}) < F({a}) ? 0u : 0x3f800000u)"),
    }
}

/// `d = op(a, b, c)` as a C expression of type `u32`.
fn ternary(op: Tern, a: &str, b: &str, c: &str) -> String {
    use Tern::*;
    let fcall = |name: &str| format!("U({name}(F({a}), F({b}), F({c})))");
    match op {
        Select => format!("sel({a}, {b}, {c})"),
        FClamp => fcall("kclamp"),
        SClamp => format!("sclamp({a}, {b}, {c})"),
        UClamp => format!("uclamp({a}, {b}, {c})"),
        Mix => fcall("mix"),
        SmoothStep => fcall("smoothstep"),
        Fma => fcall("fmaf"),
        SExtractBits => format!("s_extract_bits({a}, {b}, {c})"),
        UExtractBits => format!("u_extract_bits({a}, {b}, {c})"),
    }
}

/// The C twins of `math.rs` and of the draws (`model::random`), one for one.
pub(super) const PRELUDE: &str = include_str!("prelude.c");
