//! The `.npy` reader on arbitrary bytes, as a regular file (length known in advance) and
//! as a stream, through every way of reading the data: it must return an error or an
//! array of the declared shape, never panic, and never allocate more than the bytes
//! present justify (`-malloc_limit_mb` fails the run otherwise).
#![no_main]

use std::path::Path;

use kenyon::io::npy::NpyReader;
use libfuzzer_sys::fuzz_target;

fn check<T>(shape: Vec<usize>, data: Result<Vec<T>, kenyon::io::npy::NpyError>) {
    if let Ok(data) = data {
        assert_eq!(shape.iter().product::<usize>(), data.len());
    }
}

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.npy");
    for len in [Some(data.len() as u64), None] {
        let open = || NpyReader::from_reader(path, data, len);
        let Ok(file) = open() else { continue };
        let shape = file.shape().to_vec();
        check(shape.clone(), file.read::<f32>());
        if let Ok(file) = open() {
            check(shape.clone(), file.read::<i64>());
        }
        if let Ok(file) = open() {
            check(shape.clone(), file.read_integers::<u32>());
        }
        if let Ok(file) = open() {
            check(shape, file.read_f32());
        }
    }
});
