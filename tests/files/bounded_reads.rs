//! Input files are read no further than their headers declare: memory follows the bytes
//! actually there, a file of the wrong length is refused before its data is read, and
//! endless inputs (`/dev/zero`, a FIFO) end in an error instead of a hang.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use kenyon::io::mnist::{self, MnistError};
use kenyon::io::npy::{self, NpyError};

use crate::allocations::largest_allocation;

/// Far below any of the sizes the files below declare or hold.
const SMALL: usize = 4 << 20;

fn label_header(count: u32) -> Vec<u8> {
    let mut bytes = 0x0000_0801u32.to_be_bytes().to_vec();
    bytes.extend_from_slice(&count.to_be_bytes());
    bytes
}

fn npy_header(descr: &str, shape: &str) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    bytes
}

/// Runs `f` on another thread and fails the test if it takes longer than a minute,
/// so that a reader that hangs fails instead of stalling the suite.
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the reader hung on an endless input")
}

#[test]
fn a_gzip_decompressing_far_past_its_idx_header_fails_without_holding_it() {
    // 4 labels declared, then 200 MB of zeros: about 200 KB compressed.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&label_header(4)).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        enc.write_all(&zeros).unwrap();
    }
    std::fs::write(&path, enc.finish().unwrap()).unwrap();

    let (result, largest) = largest_allocation(|| mnist::load_labels(&path));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            MnistError::TrailingData {
                expected_bytes: 12,
                found_bytes: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("labels.gz"), "{err}");
    assert!(largest < SMALL, "largest allocation {largest} bytes");
}

#[test]
fn a_gzip_holding_less_than_its_idx_header_declares_allocates_what_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("images.gz");
    let mut header = 0x0000_0803u32.to_be_bytes().to_vec();
    // 78 MB declared: within any machine's memory (so not refused for its size), far
    // beyond the 1000 bytes that arrive.
    for d in [100_000u32, 28, 28] {
        header.extend_from_slice(&d.to_be_bytes());
    }
    header.extend_from_slice(&[1; 1000]);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&header).unwrap();
    std::fs::write(&path, enc.finish().unwrap()).unwrap();

    let (result, largest) = largest_allocation(|| mnist::load_images(&path));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            MnistError::Truncated {
                found_bytes: 1016,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(largest < SMALL, "largest allocation {largest} bytes");
}

/// A file of `header` followed by a hole making it `len` bytes long: on the file
/// systems tests run on this takes no disk space, but reading it whole would take
/// `len` bytes of memory.
fn sparse_file(dir: &Path, name: &str, header: &[u8], len: u64) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    (&file).write_all(header).unwrap();
    file.set_len(len).unwrap();
    path
}

#[test]
fn a_3_gb_npy_file_declaring_two_elements_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = sparse_file(dir.path(), "big.npy", &npy_header("<f4", "(2,)"), 3 << 30);
    let (result, largest) = largest_allocation(|| npy::read_npy_f32(&path));
    let err = result.unwrap_err();
    assert!(
        matches!(err, NpyError::DataLength { expected_bytes: 8, found_bytes, .. }
            if found_bytes > 3 << 29),
        "{err:?}"
    );
    assert!(err.to_string().contains("big.npy"), "{err}");
    assert!(largest < SMALL, "largest allocation {largest} bytes");
}

#[test]
fn a_3_gb_idx_file_declaring_four_labels_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = sparse_file(dir.path(), "labels", &label_header(4), 3 << 30);
    let (result, largest) = largest_allocation(|| mnist::load_labels(&path));
    let err = result.unwrap_err();
    assert!(
        matches!(err, MnistError::TrailingData { expected_bytes: 12, found_bytes: Some(n), .. }
            if n == 3 << 30),
        "{err:?}"
    );
    assert!(largest < SMALL, "largest allocation {largest} bytes");
}

#[test]
fn an_npy_header_declaring_more_than_the_file_holds_is_refused_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claims.npy");
    let mut bytes = npy_header("<f8", "(1000000000,)");
    bytes.extend_from_slice(&[0; 64]);
    std::fs::write(&path, bytes).unwrap();
    let (result, largest) = largest_allocation(|| npy::read_npy::<f64>(&path));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            NpyError::DataLength {
                expected_bytes: 8_000_000_000,
                found_bytes: 64,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(largest < SMALL, "largest allocation {largest} bytes");
}

#[cfg(unix)]
#[test]
fn dev_zero_as_an_mnist_or_npy_file_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let (images, labels) = mnist::Split::Test.file_names();
    for name in [images, labels] {
        std::os::unix::fs::symlink("/dev/zero", dir.path().join(name)).unwrap();
    }
    let mnist_dir = dir.path().to_path_buf();
    let err = within_a_minute(move || mnist::load(&mnist_dir, mnist::Split::Test)).unwrap_err();
    assert!(
        matches!(err, MnistError::BadMagic { found: 0, .. }),
        "{err:?}"
    );
    let err = within_a_minute(|| npy::read_npy_f32(Path::new("/dev/zero"))).unwrap_err();
    assert!(matches!(err, NpyError::BadMagic { .. }), "{err:?}");
}

/// A FIFO in `dir` and a thread that writes `header` into it and then zeros until the
/// reader closes its end.
#[cfg(unix)]
fn endless_fifo(dir: &Path, header: Vec<u8>) -> (PathBuf, std::thread::JoinHandle<()>) {
    let path = dir.join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let mut fifo = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        fifo.write_all(&header).unwrap();
        let zeros = [0u8; 1 << 16];
        // Ends when the reader closes the FIFO (a broken pipe).
        while fifo.write_all(&zeros).is_ok() {}
    });
    (path, writer)
}

#[cfg(unix)]
#[test]
fn a_fifo_streaming_forever_is_read_no_further_than_its_header_declares() {
    let dir = tempfile::tempdir().unwrap();
    let (path, writer) = endless_fifo(dir.path(), label_header(4));
    let err = within_a_minute(move || mnist::load_labels(&path)).unwrap_err();
    assert!(
        matches!(
            err,
            MnistError::TrailingData {
                found_bytes: None,
                ..
            }
        ),
        "{err:?}"
    );
    writer.join().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (path, writer) = endless_fifo(dir.path(), npy_header("<i8", "(2, 3)"));
    let err = within_a_minute(move || npy::read_npy_integers::<u32>(&path)).unwrap_err();
    assert!(
        matches!(
            err,
            NpyError::TrailingData {
                expected_bytes: 48,
                ..
            }
        ),
        "{err:?}"
    );
    writer.join().unwrap();
}
