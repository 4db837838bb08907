//! A [`LaneProgram`] compiled to machine code by the system's C
//! compiler: the interpreter's arithmetic, bit for bit, at the speed of hand-written
//! vector code.
//!
//! The interpreter runs each instruction as a loop over its lanes, so every instruction
//! reads and writes memory; a compiled loop keeps a lane's whole program in vector
//! registers. GeNN builds its CPU backend the same way, with the system's C++ compiler.
//! Where there is no compiler (or [`COMPILER_VARIABLE`] is `off`), or the program has a
//! loop or calls a native other than a lane sum or a draw, nothing is compiled and the
//! caller keeps the interpreter: the spikes are the same either way.
//!
//! Every result agrees bit for bit with the interpreter's, except a NaN's sign and
//! payload: which NaN comes out of an operation given two NaNs with different payloads
//! (or a signalling NaN), which each compiler leaves to the order it puts the operands
//! in, and the sign of a NaN the C compiler computes itself (folding `0.0 / 0.0` of
//! constants, or `x * -1.0` rewritten as `-x`): a NaN either way. (A GPU leaves NaN
//! payloads to its driver too.)
//!
//! `emit.rs` writes the C (one C statement per instruction, the operations of `math.rs`
//! in `prelude.c`), `cc.rs` builds and loads it. Functions whose precision WGSL leaves
//! to the driver (`exp`, `sin`, `pow`, ...) are Rust's, called through a table, so the
//! two paths agree there too.

mod cc;
mod emit;
#[cfg(test)]
pub(crate) mod tests;

use std::sync::Arc;

pub use cc::COMPILER_VARIABLE;

use super::{Arg, LaneProgram};

/// How the caller passes a parameter, fixed when the program is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// [`Arg::Uniform`]: one value for every lane.
    Uniform,
    /// [`Arg::Lanes`] or [`Arg::Pointer`]: a value per lane.
    Lanes,
    /// [`Arg::Pointer`] to per-lane state that only this program writes and that starts
    /// at `start` (bits) in every lane: at each run it holds what the run before stored.
    /// Where the program provably leaves `start` there whatever path a lane takes (a
    /// constant copied, filled or stored under the entry mask, as a postsynaptic model's
    /// `inSyn = 0.0;` outside any branch is), it therefore holds `start` at every run,
    /// and the compiled code takes the constant instead of loading it and stores nothing
    /// back; otherwise it is passed as [`ParamKind::Lanes`] is.
    Steady {
        /// The bits every lane starts at.
        start: u32,
    },
    /// [`Arg::Pointer`] to per-lane fixed-point sums (`i32`, or `i64` as two words per
    /// lane, low first, when `wide`), for an `f32` value parameter: its value is the sum
    /// as the nearest f32 (`model::fixed_to_f32` / `wide_fixed_to_f32`) times
    /// `inv_scale` (f32 bits), and the sums are cleared to zero.
    FixedPoint {
        /// Whether the sums are 64-bit.
        wide: bool,
        /// The scale's inverse, as f32 bits.
        inv_scale: u32,
    },
}

/// Where the lane sums of [`LaneNative::ReadSum`] and [`LaneNative::AddToSum`] live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaneSums {
    /// In the caller's slices, read before and written after.
    Given,
    /// In the compiled code only, starting at `0.0` in every lane: nothing to fill,
    /// read or write back (the caller has no starting value and wants none back).
    FromZero,
    /// In the compiled code only: lane sum 0 starts at `0.0` plus the current of each
    /// of these built-in exponential postsynaptic inputs in turn, and the other sums at
    /// `0.0`. The caller passes two slices per input, in order, as its lane sums: its
    /// `inSyn` (f32 bits, updated) and its fixed-point sums (taken and cleared).
    FromExpCurr(Vec<ExpCurrInput>),
}

/// A built-in exponential postsynaptic input that [`LaneSums::FromExpCurr`] takes:
/// `inSyn += sum * inv_scale; Isyn += init * inSyn; inSyn *= exp_decay`, where `sum` is
/// this timestep's fixed-point sum as [`ParamKind::FixedPoint`] converts it, each
/// operation rounded as the CPU's built-in update rounds it (`model::exp_curr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpCurrInput {
    /// `init`, f32 bits.
    pub init: u32,
    /// `expDecay`, f32 bits.
    pub exp_decay: u32,
    /// Whether the sums are 64-bit (two words per lane, low first).
    pub wide: bool,
    /// The sums' scale's inverse, f32 bits.
    pub inv_scale: u32,
}

/// What a native function of the program does, where the compiled code can do it itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneNative {
    /// Returns lane sum `k` (a per-lane `f32` the caller passes in and reads back).
    ReadSum(usize),
    /// Adds its one `f32` argument to lane sum `k` in the active lanes.
    AddToSum(usize),
    /// A random number from the Philox block of counter `[id, entry, timestep, draw]`
    /// under the run's [`DrawKey`], `id` the lane's neuron and `draw` the number of
    /// draws its active lanes have made before in this run, as the CPU's interpreted
    /// natives draw.
    Draw(Distribution),
    /// Something only the caller's [`Natives`](super::Natives) can do: the program is
    /// not compiled.
    Unsupported,
}

/// What a [`LaneNative::Draw`] makes of its Philox block `b` (`model::random`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// `rand_uniform()`: `uniform_f32(b[0])`.
    Uniform,
    /// `rand_normal()`: `normal_f32(b[0], b[1])`.
    Normal,
    /// `rand_exponential()`: `exponential_f32(b[0])`.
    Exponential,
}

/// What a run's draws ([`LaneNative::Draw`]) are keyed on.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrawKey {
    /// The Philox key (the population's).
    pub key: [u32; 2],
    /// The batch entry, the counter's second word.
    pub entry: u32,
    /// The timestep, its third.
    pub timestep: u32,
    /// The id of lane 0's neuron (lane `i`'s is `first + i`, wrapping), its first.
    pub first: u32,
}

// The C reads the key as five words, `draws[0..5]`, in this order.
const _: () = assert!(
    std::mem::size_of::<DrawKey>() == 20
        && std::mem::offset_of!(DrawKey, entry) == 8
        && std::mem::offset_of!(DrawKey, timestep) == 12
        && std::mem::offset_of!(DrawKey, first) == 16
);

/// Why a program runs through the interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotCompiled {
    /// The program has something the compiled path leaves to the interpreter (a loop,
    /// a native other than a lane sum or a draw).
    Program(String),
    /// No compiler ran, or it failed, or its library did not load.
    Compiler(String),
}

impl std::fmt::Display for NotCompiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotCompiled::Program(why) => write!(f, "the code has {why}"),
            NotCompiled::Compiler(why) => f.write_str(why),
        }
    }
}

/// The table of Rust's functions the C calls where WGSL leaves precision to the driver.
#[repr(C)]
struct MathFns {
    f1: [extern "C" fn(f32) -> f32; 16],
    f2: [extern "C" fn(f32, f32) -> f32; 2],
}

macro_rules! host_fns {
    ($($name:ident),*) => {
        [$({
            extern "C" fn $name(x: f32) -> f32 {
                x.$name()
            }
            $name
        }),*]
    };
}

extern "C" fn powf(x: f32, y: f32) -> f32 {
    x.powf(y)
}

extern "C" fn atan2(y: f32, x: f32) -> f32 {
    y.atan2(x)
}

/// In the order of `emit::TRANSCENDENTALS` (checked by a test).
static MATH_FNS: MathFns = MathFns {
    f1: host_fns!(
        exp, exp2, ln, log2, sin, cos, tan, sinh, cosh, tanh, asin, acos, atan, asinh, acosh, atanh
    ),
    f2: [powf, atan2],
};

type LanesFn = unsafe extern "C" fn(
    u32,
    *const *mut u32,
    *mut u32,
    *const *mut u32,
    *const MathFns,
    *const DrawKey,
);

/// Arguments (and lane sums) a run passes without allocating.
const STACK_ARGS: usize = 32;

/// The most built-in inputs [`LaneSums::FromExpCurr`] takes (two lane sum slices each).
pub const MAX_EXP_CURR_INPUTS: usize = STACK_ARGS / 2;

/// A program compiled to machine code.
#[derive(Clone)]
pub struct NativeLanes {
    /// Keeps the library loaded while `function` may be called.
    _library: Arc<cc::Loaded>,
    function: LanesFn,
    kinds: Vec<ParamKind>,
    /// Which parameters are `ptr`s: the C writes their lanes back.
    pointers: Vec<bool>,
    /// Words per lane of each lane sum slice the caller passes (none for sums that
    /// start at zero).
    sum_words: Vec<usize>,
    sums: LaneSums,
    returns: bool,
}

impl std::fmt::Debug for NativeLanes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeLanes")
            .field("kinds", &self.kinds)
            .finish_non_exhaustive()
    }
}

impl NativeLanes {
    /// Compiles `program`, whose parameters the caller passes as `kinds`, whose native
    /// function `k` does `natives[k]`, and whose lane sums live as `sums` says. `Err` says why it is not compiled; the
    /// interpreter then runs it.
    pub fn compile(
        program: &LaneProgram,
        kinds: &[ParamKind],
        natives: &[LaneNative],
        sums: LaneSums,
    ) -> Result<NativeLanes, NotCompiled> {
        let sum_words = match &sums {
            LaneSums::Given => vec![1; emit::sum_count(natives)],
            LaneSums::FromZero => Vec::new(),
            LaneSums::FromExpCurr(inputs) => {
                let words = |i: &ExpCurrInput| [1, if i.wide { 2 } else { 1 }];
                inputs.iter().flat_map(words).collect()
            }
        };
        if sum_words.len() > STACK_ARGS {
            let why = format!(
                "more than {STACK_ARGS} lane sum slices (at most {MAX_EXP_CURR_INPUTS} built-in inputs to take)"
            );
            return Err(NotCompiled::Program(why));
        }
        let source =
            emit::emit(&program.program, kinds, natives, &sums).map_err(NotCompiled::Program)?;
        let loaded = cc::build(&source).map_err(NotCompiled::Compiler)?;
        // SAFETY: the symbol is the function `emit` wrote, with this signature.
        let function = unsafe { loaded.library.get::<LanesFn>(b"kenyon_lanes\0") }
            .map(|f| *f)
            .map_err(|e| NotCompiled::Compiler(format!("no kenyon_lanes in the library: {e}")))?;
        Ok(NativeLanes {
            _library: loaded,
            function,
            kinds: kinds.to_vec(),
            pointers: program.program.params.iter().map(|p| p.pointer).collect(),
            sum_words,
            sums,
            returns: program.program.result.is_some(),
        })
    }

    /// Whether the lane sums start at zero in the compiled code ([`LaneSums::FromZero`]).
    pub fn sums_from_zero(&self) -> bool {
        self.sums == LaneSums::FromZero
    }

    /// The built-in inputs the compiled code takes itself ([`LaneSums::FromExpCurr`]).
    pub fn exp_curr_inputs(&self) -> Option<&[ExpCurrInput]> {
        match &self.sums {
            LaneSums::FromExpCurr(inputs) => Some(inputs),
            LaneSums::Given | LaneSums::FromZero => None,
        }
    }

    /// Runs the program over lanes `0..lanes`, as [`LaneProgram::run`] does, with the
    /// lane sums' slices in `sums` as compiled for ([`LaneSums`]: lane sum `k` in
    /// `sums[k]`, read and written; none; or each built-in input's `inSyn` and
    /// fixed-point sums) and draws keyed on `draws`. Unlike the interpreter, any number
    /// of lanes at once.
    ///
    /// # Panics
    ///
    /// If the arguments don't match the kinds compiled for (a `ptr` parameter takes an
    /// [`Arg::Pointer`]), if there are fewer lane sum slices than compiled for, or if a
    /// slice (or `result`) is shorter than `lanes` (`2 * lanes` for 64-bit sums). Without
    /// a `result` the return value is computed and dropped.
    pub fn run(
        &self,
        args: &mut [Arg<'_>],
        lanes: usize,
        result: Option<&mut [u32]>,
        sums: &mut [&mut [u32]],
        draws: &DrawKey,
    ) {
        assert_eq!(args.len(), self.kinds.len(), "one argument per parameter");
        assert!(sums.len() >= self.sum_words.len(), "a slice per lane sum");
        // On the stack for the usual few parameters: this runs for every chunk of
        // neurons in every timestep.
        let mut uniforms = [0u32; STACK_ARGS];
        let mut heap_uniforms = Vec::new();
        let uniforms = if args.len() <= STACK_ARGS {
            &mut uniforms[..args.len()]
        } else {
            heap_uniforms.resize(args.len(), 0);
            &mut heap_uniforms[..]
        };
        let mut pointers = [std::ptr::null_mut(); STACK_ARGS];
        let mut heap_pointers = Vec::new();
        let pointers = if args.len() <= STACK_ARGS {
            &mut pointers[..args.len()]
        } else {
            heap_pointers.resize(args.len(), std::ptr::null_mut());
            &mut heap_pointers[..]
        };
        let params = args.iter_mut().zip(&self.kinds).zip(uniforms.iter_mut());
        let params = params.zip(&self.pointers);
        for ((((arg, kind), uniform), &is_ptr), pointer) in params.zip(pointers.iter_mut()) {
            *pointer = match (arg, kind) {
                (Arg::Uniform(v), ParamKind::Uniform) => {
                    *uniform = *v;
                    uniform as *mut u32
                }
                // The C writes a `ptr` parameter's lanes: never through a shared slice.
                (Arg::Lanes(_), _) if is_ptr => panic!("a ptr parameter takes Arg::Pointer"),
                (Arg::Lanes(v), ParamKind::Lanes) => v[..lanes].as_ptr().cast_mut(),
                (Arg::Pointer(v), ParamKind::FixedPoint { wide, .. }) => {
                    v[..if *wide { 2 * lanes } else { lanes }].as_mut_ptr()
                }
                (Arg::Pointer(v), ParamKind::Lanes | ParamKind::Steady { .. }) => {
                    v[..lanes].as_mut_ptr()
                }
                _ => panic!("an argument of another kind than compiled for"),
            };
        }
        // (At most `STACK_ARGS`, checked when compiled.)
        let mut sum_ptrs = [std::ptr::null_mut(); STACK_ARGS];
        let given = sum_ptrs.iter_mut().zip(sums.iter_mut());
        for ((ptr, sum), words) in given.zip(&self.sum_words) {
            *ptr = sum[..words * lanes].as_mut_ptr();
        }
        let mut ignored = Vec::new();
        let out = match result {
            Some(out) => out[..lanes].as_mut_ptr(),
            None if self.returns => {
                ignored.resize(lanes, 0);
                ignored.as_mut_ptr()
            }
            None => std::ptr::null_mut(),
        };
        let n = u32::try_from(lanes).expect("at most u32::MAX lanes per run");
        // SAFETY: every pointer covers `lanes` words (sliced above); the C writes only
        // pointer parameters' lanes (borrowed mutably), the sums (borrowed mutably) and
        // the result, and reads value parameters' lanes, which Rust may share but no one
        // writes while this runs. The function is pure apart from those.
        unsafe {
            (self.function)(
                n,
                pointers.as_ptr(),
                out,
                sum_ptrs.as_ptr(),
                &MATH_FNS,
                draws,
            )
        };
    }
}
