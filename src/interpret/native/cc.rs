//! Building C with the system's compiler and loading the result, as GeNN's CPU backend
//! does. A library is shared by every program of the same source while any of them
//! lives (or while it is among the last few built), and unloaded after; the files live in a private temporary folder only while
//! the compiler writes and the loader reads them.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex, Weak};

/// The variable naming the compiler (`cc` by default); `off` (or empty) turns the
/// compiled path off, so code strings always run through the interpreter.
pub const COMPILER_VARIABLE: &str = "KENYON_CC";

/// Flags every build gets. `-ffp-contract=off` keeps products and sums unfused, as the
/// interpreter and the GPU's guard do; `-fno-fast-math`, so every operation rounds as
/// written even with a compiler whose default is fast math. `-fno-math-errno` lets
/// `sqrtf` be the instruction, which rounds correctly. `-fno-trapping-math` lets the
/// compiler compute both sides of a `sel` for every lane and blend them, as the
/// interpreter does: without it, a CPU without masked vector operations (AVX2, SSE)
/// gets a scalar loop with branches, 1.9-4.2x slower (`docs/performance.md`).
/// Floating-point exceptions are never unmasked or read, NaNs are still honoured and
/// nothing is reassociated, so no number changes; the compiler may now fold an invalid
/// operation on constants (`0.0 / 0.0` in a code string) to a NaN of another sign than
/// the CPU's at run time, within the exception the module documents for NaNs.
const FLAGS: [&str; 8] = [
    "-O3",
    "-ffp-contract=off",
    "-fno-fast-math",
    "-fno-math-errno",
    "-fno-trapping-math",
    "-fPIC",
    "-shared",
    "-w",
];

/// On 32-bit x86 the compiler's default is the x87 unit, which rounds to its own
/// precision; Rust's floats are SSE2's.
#[cfg(target_arch = "x86")]
const TARGET_FLAGS: &[&str] = &["-msse2", "-mfpmath=sse"];
#[cfg(not(target_arch = "x86"))]
const TARGET_FLAGS: &[&str] = &[];

/// Flags tuning the build for this CPU. On x86-64, GCC and Clang vectorise with 256-bit
/// registers even where the CPU has 512-bit ones (for older chips that slow down their
/// clock on them); the step functions' loops are long enough to gain from the width
/// (COBA: 1.07x, the median of rounds as noisy as that, `docs/performance.md`).
#[cfg(target_arch = "x86_64")]
const NATIVE_FLAGS: &[&str] = &["-march=native", "-mprefer-vector-width=512"];
#[cfg(not(target_arch = "x86_64"))]
const NATIVE_FLAGS: &[&str] = &["-march=native"];

/// A loaded library with the function `kenyon_lanes`.
pub(super) struct Loaded {
    pub library: libloading::Library,
}

/// Libraries by compiler and source, while some program holds them, and the most
/// recently built ones held here too (so that simulations of one network made one after
/// another build it once), at most [`KEPT`].
#[derive(Default)]
struct Cache {
    live: HashMap<(String, String), Weak<Loaded>>,
    recent: std::collections::VecDeque<Arc<Loaded>>,
}

/// Libraries kept loaded when no program holds them.
const KEPT: usize = 16;

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// The library built from `source` by the compiler the environment names now: one a
/// live program already holds, or built now. A failure is not kept: the next program
/// tries again.
pub(super) fn build(source: &str) -> Result<Arc<Loaded>, String> {
    let cc = compiler()?;
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let cache = cache.get_or_insert_with(Cache::default);
    let key = (cc, source.to_owned());
    if let Some(built) = cache.live.get(&key).and_then(Weak::upgrade) {
        return Ok(built);
    }
    let built = Arc::new(compile_and_load(&key.0, source)?);
    if cache.recent.len() == KEPT {
        cache.recent.pop_front();
    }
    cache.recent.push_back(built.clone());
    cache.live.retain(|_, library| library.strong_count() > 0);
    cache.live.insert(key, Arc::downgrade(&built));
    Ok(built)
}

/// The compiler to run, or why there is none.
pub(super) fn compiler() -> Result<String, String> {
    let kenyon_cc = std::env::var(COMPILER_VARIABLE).ok();
    compiler_from(kenyon_cc.as_deref(), std::env::var("CC").ok().as_deref())
}

/// [`compiler`] from the two variables' values: `KENYON_CC` (`off`, `none` or empty:
/// no compiler), else a `CC` that names one, else `cc`.
pub(super) fn compiler_from(kenyon_cc: Option<&str>, cc: Option<&str>) -> Result<String, String> {
    match kenyon_cc.map(str::trim) {
        Some("" | "off" | "none") => Err(format!("{COMPILER_VARIABLE} turns it off")),
        Some(named) => Ok(named.to_owned()),
        None => Ok(cc
            .map(str::trim)
            .filter(|cc| !cc.is_empty())
            .unwrap_or("cc")
            .to_owned()),
    }
}

fn compile_and_load(cc: &str, source: &str) -> Result<Loaded, String> {
    let folder = tempfile::Builder::new()
        .prefix("kenyon-cc-")
        .tempdir()
        .map_err(|e| format!("no temporary folder for the compiler: {e}"))?;
    let c = folder.path().join("lanes.c");
    std::fs::write(&c, source).map_err(|e| format!("writing {}: {e}", c.display()))?;
    let lib = folder
        .path()
        .join(format!("lanes.{}", std::env::consts::DLL_EXTENSION));
    // Tuned for this CPU where the compiler can; plainly where it can't (`-march` is
    // not every compiler's flag for it).
    let mut tries = vec![NATIVE_FLAGS, &["-march=native"][..], &[]];
    tries.dedup();
    let mut built = Err(String::new());
    for flags in tries {
        built = run(cc, &c, &lib, flags);
        if built.is_ok() {
            break;
        }
    }
    built?;
    // SAFETY: the library is ours, just built from C that has no initialisers; loading
    // runs nothing else.
    let library = unsafe { libloading::Library::new(&lib) }
        .map_err(|e| format!("loading {}: {e}", lib.display()))?;
    // The folder goes; the loaded library stays mapped (on Windows, where it can't be
    // removed yet, what is left is the system's temporary folder's to clear).
    let _ = folder.close();
    Ok(Loaded { library })
}

fn run(cc: &str, c: &Path, lib: &Path, extra: &[&str]) -> Result<(), String> {
    // As make reads `CC`: a program and its own arguments (`ccache gcc`).
    let mut words = cc.split_whitespace();
    let program = words.next().ok_or("no compiler named")?;
    let output = Command::new(program)
        .args(words)
        .args(FLAGS)
        .args(TARGET_FLAGS)
        .args(extra)
        .arg("-o")
        .arg(lib)
        .arg(c)
        .output()
        .map_err(|e| format!("running {cc}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().take(5).collect::<Vec<_>>().join("\n");
        Err(format!("{cc} failed ({}): {first}", output.status))
    }
}
