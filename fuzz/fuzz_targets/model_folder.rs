//! The model-folder loader (`kenyon test --model`) on arbitrary file contents: the input
//! is split into the synapse file and the weight file, both written into a folder with a
//! manifest that vouches for them (or, when the split bytes' top bit is set, with the
//! weight file's bytes as the manifest), and the folder loaded. It must return an error or a model, never panic, and never
//! allocate more than the files' sizes justify (`-malloc_limit_mb` fails the run
//! otherwise).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kenyon::tutorial::{MODEL_CONNECTIVITY, MODEL_MANIFEST, MODEL_WEIGHTS, TrainedModel};
use libfuzzer_sys::fuzz_target;

/// One folder for the whole run, rewritten by every input.
fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kenyon-fuzz-model-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder for the model files");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    // The first two bytes say where the synapse file ends and the weight file begins.
    let (split, rest) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]), rest),
        _ => return,
    };
    let fuzz_manifest = split & 0x8000 != 0;
    let (synapses, weights) = rest.split_at(usize::from(split & 0x7fff).min(rest.len()));
    let dir = folder();
    std::fs::write(dir.join(MODEL_CONNECTIVITY), synapses).expect("writing the synapse file");
    std::fs::write(dir.join(MODEL_WEIGHTS), weights).expect("writing the weight file");
    if fuzz_manifest {
        std::fs::write(dir.join(MODEL_MANIFEST), weights).expect("writing the manifest");
    } else {
        kenyon::tutorial::write_manifest(dir, None).expect("writing the manifest");
    }
    if let Ok(model) = TrainedModel::load(dir) {
        assert_eq!(model.pn.len(), model.kc.len());
    }
});
