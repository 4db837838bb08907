//! The IDX reader (MNIST images and labels, raw or gzip) on arbitrary bytes: it must
//! return an error or a data set, never panic, and never allocate more than the bytes
//! present justify (`-malloc_limit_mb` fails the run otherwise).
#![no_main]

use std::path::Path;

use kenyon::io::mnist::{read_images, read_labels};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.idx");
    if let Ok(images) = read_images(path, data) {
        // Every image the set claims is there.
        if !images.is_empty() {
            assert!(images.image(images.len() - 1).is_some());
        }
        assert!(images.image(images.len()).is_none());
    }
    let _ = read_labels(path, data);
});
