//! Building C with the system's compiler and loading the result, as GeNN's CPU backend
//! does. Each source is built once per process; the files live in a private temporary
//! folder only while the compiler writes and the loader reads them.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

/// The variable naming the compiler (`cc` by default); `off` (or empty) turns the
/// compiled path off, so code strings always run through the interpreter.
pub const COMPILER_VARIABLE: &str = "KENYON_CC";

/// Flags every build gets. `-ffp-contract=off` keeps products and sums unfused, as the
/// interpreter and the GPU's guard do; no `-ffast-math`, so every operation rounds as
/// written. `-fno-math-errno` lets `sqrtf` be the instruction, which rounds correctly.
const FLAGS: [&str; 6] = [
    "-O3",
    "-ffp-contract=off",
    "-fno-math-errno",
    "-fPIC",
    "-shared",
    "-w",
];

/// A loaded library with the function `kenyon_lanes`.
pub(super) struct Loaded {
    pub library: libloading::Library,
}

type Cache = HashMap<String, Result<Arc<Loaded>, String>>;

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// The library built from `source`, built now if this process has not built it yet.
pub(super) fn build(source: &str) -> Result<Arc<Loaded>, String> {
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let cache = cache.get_or_insert_with(HashMap::new);
    if let Some(built) = cache.get(source) {
        return built.clone();
    }
    let built = compile_and_load(source).map(Arc::new);
    cache.insert(source.to_owned(), built.clone());
    built
}

/// The compiler to run, or why there is none.
pub(super) fn compiler() -> Result<String, String> {
    let kenyon_cc = std::env::var(COMPILER_VARIABLE).ok();
    compiler_from(kenyon_cc.as_deref(), std::env::var("CC").ok().as_deref())
}

/// [`compiler`] from the two variables' values.
pub(super) fn compiler_from(kenyon_cc: Option<&str>, cc: Option<&str>) -> Result<String, String> {
    match kenyon_cc.or(cc).map(str::trim) {
        Some("" | "off" | "none") => Err(format!("{COMPILER_VARIABLE} turns it off")),
        Some(cc) => Ok(cc.to_owned()),
        None => Ok("cc".to_owned()),
    }
}

fn compile_and_load(source: &str) -> Result<Loaded, String> {
    let cc = compiler()?;
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
    run(&cc, &c, &lib, &["-march=native"]).or_else(|_| run(&cc, &c, &lib, &[]))?;
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
