//! STUB: replaced by the interp branch.
#![allow(missing_docs, dead_code, unused_variables)]
pub const MAX_LANES: usize = 256;
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported { pub span: naga::Span, pub what: String }
pub struct LaneProgram;
pub enum Arg<'a> { Uniform(u32), Lanes(&'a [u32]), Pointer(&'a mut [u32]) }
pub trait Natives { fn call(&mut self, index: usize, args: &[&[u32]], active: &[u32], out: &mut [u32]); }
#[derive(Default)]
pub struct Scratch;
impl Scratch { pub fn new() -> Self { Scratch } }
impl LaneProgram {
    pub fn compile(module: &naga::Module, info: &naga::valid::ModuleInfo, function: &str, natives: &[&str]) -> Result<LaneProgram, Unsupported> { Ok(LaneProgram) }
    pub fn run(&self, args: &mut [Arg<'_>], lanes: usize, result: Option<&mut [u32]>, natives: &mut dyn Natives, scratch: &mut Scratch) { todo!() }
}
