//! One WGSL function run on the CPU over many lanes at once, with the GPU's arithmetic.
//!
//! Users write neuron models as WGSL code strings; the GPU backend splices them into its
//! kernels, and the CPU backend runs the same function through this interpreter so the
//! two backends spike alike. [`LaneProgram::compile`] turns a function of a module that
//! naga parsed and validated into a flat list of typed instructions over registers of
//! [`MAX_LANES`] lanes each; [`LaneProgram::run`] executes it SIMT-style: control flow
//! narrows an active mask, a branch no lane takes is skipped, a loop iterates while any
//! lane is in it, and a `return` in some lanes stops those lanes only. Every instruction
//! is one plain loop over the lanes, so the compiler vectorises it.
//!
//! Only scalars are supported (`f32`, `i32`, `u32`, `bool`): function parameters
//! (values and `ptr<function, T>`), local `var`s and `let`s, `if`, `loop`/`for`/`while`
//! with `break`, `continue` and `break if`, `switch`, `return` anywhere, calls to other
//! functions of the module (inlined), calls to host [`Natives`], module `const`s, and
//! the scalar operators, conversions, bitcasts and math builtins. Anything else
//! (vectors, matrices, arrays, structs, atomics, barriers, textures, derivatives,
//! global variables, overrides) is refused at compile time with an [`Unsupported`]
//! that points at the construct in the WGSL source.
//!
//! # Which results agree with the GPU bit for bit
//!
//! The semantics are WGSL's as naga's SPIR-V output and Vulkan implement them. Exact,
//! and so equal on every conforming GPU: `f32` `+ - *` (IEEE, never fused: a GPU may
//! fuse a product into an add unless the product is guarded), comparisons (naga's `!=`
//! on floats is ordered, false when either side is NaN, unlike Rust's), `select`, `abs`,
//! `floor`, `ceil`, `trunc`, `round` (ties to even), `fract` (`x - floor(x)`), `sign`,
//! `step`, `saturate`, `min`/`max`/`clamp` without NaNs, conversions (float to integer
//! truncates and saturates to the nearest value both types hold, as naga's clamp does;
//! NaN gives the lower bound, `i32::MIN` or 0, as on lavapipe, where WGSL leaves it to
//! the driver), bitcasts, and all integer operations: wrapping `+ - *`, `/` and `%` with
//! naga's guard (a divisor of 0, or `i32::MIN / -1`, divides by 1 instead), shift
//! amounts modulo 32 (as WGSL specifies; naga emits SPIR-V's plain shifts, undefined
//! past 31, which lavapipe takes modulo 32 too), and the bit builtins. NaN payloads are the driver's.
//!
//! WGSL leaves the rest to the driver: `f32` `/` may be 2.5 ULP off, `%` on `f32` is
//! computed through such a division, and `sqrt`, `inverseSqrt`, `exp`, `exp2`, `log`,
//! `log2`, `pow`, the trigonometric and hyperbolic functions, `mix`, `smoothstep`,
//! `fma`, `radians` and `degrees` have driver-defined precision. The CPU computes them
//! with Rust's `std` (division and `sqrt` correctly rounded); a GPU may differ in the
//! last bits.

mod compile;
mod expr;
mod flow;
#[cfg(all(test, feature = "gpu"))]
mod gpu_twin;
mod math;
pub mod native;
mod ops;
mod optimize;
mod program;
mod run;
#[cfg(test)]
mod tests;

use program::Program;

/// Largest number of lanes one [`LaneProgram::run`] evaluates.
pub const MAX_LANES: usize = 256;

/// Why a function can't run on the CPU, with where in the WGSL source (naga's span).
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported {
    /// The construct's place in the WGSL source.
    pub span: naga::Span,
    /// What is not supported, in words for the author of the code.
    pub what: String,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for Unsupported {}

/// One WGSL function compiled for the CPU.
#[derive(Debug, Clone)]
pub struct LaneProgram {
    program: Program,
}

impl LaneProgram {
    /// Compiles `function` (a module function, by name) of a module that naga has parsed
    /// and validated (`info`).
    ///
    /// Calls to functions named in `natives` are not compiled but handed to the
    /// [`Natives`] at run time, by their index in `natives` (their WGSL bodies are stubs).
    /// Calls to other module functions are inlined. The module must have no overrides
    /// (resolve them first with naga's `process_overrides`, or use `const`).
    pub fn compile(
        module: &naga::Module,
        info: &naga::valid::ModuleInfo,
        function: &str,
        natives: &[&str],
    ) -> Result<LaneProgram, Unsupported> {
        let program = compile::compile(module, info, function, natives)?;
        Ok(LaneProgram { program })
    }

    /// Runs the function over lanes `0..lanes`: one argument per WGSL parameter, in
    /// order; `result` receives the return value's bits per lane (pass `None` if the
    /// function returns nothing or the value is not wanted).
    ///
    /// # Panics
    ///
    /// If `lanes` is not in `1..=MAX_LANES`, if `args` does not match the parameters
    /// (a `ptr` parameter takes an [`Arg::Pointer`]), or if a slice is shorter than
    /// `lanes`. Never for any values in the lanes.
    pub fn run(
        &self,
        args: &mut [Arg<'_>],
        lanes: usize,
        result: Option<&mut [u32]>,
        natives: &mut dyn Natives,
        scratch: &mut Scratch,
    ) {
        run::run(&self.program, args, lanes, result, natives, scratch);
    }

    /// How many parameters the function takes.
    pub fn parameters(&self) -> usize {
        self.program.params.len()
    }

    /// Whether parameter `index` is a `ptr<function, T>`.
    pub fn is_pointer(&self, index: usize) -> bool {
        self.program.params.get(index).is_some_and(|p| p.pointer)
    }

    /// Whether the code reads parameter `index` (an unread value parameter's lanes
    /// need not be filled).
    pub fn reads(&self, index: usize) -> bool {
        self.program
            .params
            .get(index)
            .is_some_and(|p| p.read || p.pointer)
    }

    /// Whether the function returns a value.
    pub fn returns_value(&self) -> bool {
        self.program.result.is_some()
    }
}

/// One argument. Every scalar travels as its 32 bits: `f32` as `to_bits`, `i32` as
/// `as u32`, `bool` as 0 or 1.
#[derive(Debug)]
pub enum Arg<'a> {
    /// The same value in every lane (e.g. the time `t`).
    Uniform(u32),
    /// One value per lane (at least `lanes` long).
    Lanes(&'a [u32]),
    /// A `ptr<function, T>` parameter: read and written per lane (at least `lanes` long).
    Pointer(&'a mut [u32]),
}

/// Host functions callable from WGSL (e.g. `rand_uniform()`).
pub trait Natives {
    /// Computes native `index` (its place in the `natives` given to
    /// [`LaneProgram::compile`]) for the active lanes: `args` holds one slice per WGSL
    /// argument and `active` one word per lane, 1 where the lane is active and 0 where
    /// not (words rather than `bool`s, so the interpreter hands its mask over without a
    /// copy). All slices are `lanes` long. A lane not active must not advance any
    /// per-lane state (e.g. a random-draw counter); its `out` word is ignored.
    fn call(&mut self, index: usize, args: &[&[u32]], active: &[u32], out: &mut [u32]);
}

/// [`Natives`] for functions that call none.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNatives;

impl Natives for NoNatives {
    fn call(&mut self, _: usize, _: &[&[u32]], _: &[u32], _: &mut [u32]) {}
}

/// Reusable working memory, so [`LaneProgram::run`] allocates nothing per call once it
/// has grown to the largest program it ran.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    registers: Vec<[u32; MAX_LANES]>,
    /// The program whose constants the registers hold (0: none).
    prepared: u64,
}

impl Scratch {
    /// Empty working memory; the first run sizes it.
    pub fn new() -> Self {
        Self::default()
    }
}
