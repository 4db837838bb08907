//! The MNIST loader against the vendored data set and against broken files.

use std::io::Write;
use std::path::{Path, PathBuf};

use kenyon::io::mnist::*;

/// The vendored copy in assets/mnist/, regardless of `KENYON_MNIST_DIR`.
fn vendored_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/mnist")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn idx(magic: u32, dims: &[u32], payload_len: usize) -> Vec<u8> {
    let mut bytes = magic.to_be_bytes().to_vec();
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend((0..payload_len).map(|i| (i % 256) as u8));
    bytes
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn default_dir_points_at_vendored_copy_without_env() {
    if std::env::var_os("KENYON_MNIST_DIR").is_none() {
        assert_eq!(default_dir(), vendored_dir());
    }
}

#[test]
fn vendored_training_set_loads() {
    let train = load(&vendored_dir(), Split::Train).unwrap();
    assert_eq!(train.images.len(), 60_000);
    assert_eq!(train.labels.len(), 60_000);
    assert_eq!((train.images.rows(), train.images.cols()), (28, 28));
    assert_eq!(train.images.pixels_per_image(), 784);
    assert_eq!(&train.labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert!(train.labels.iter().all(|&l| l < 10));
    assert!(train.images.image(59_999).is_some());
    assert!(train.images.image(60_000).is_none());

    let image = train.images.image(0).unwrap();
    let currents = input_currents(image, INPUT_SCALE);
    assert_eq!(currents.len(), 784);
    assert!(currents.iter().all(|&c| c >= 0.0));
    let total: f32 = currents.iter().sum();
    assert!((total - 80.0).abs() < 1e-3, "{total}");
}

#[test]
fn vendored_test_set_loads() {
    let test = load(&vendored_dir(), Split::Test).unwrap();
    assert_eq!(test.images.len(), 10_000);
    assert_eq!(test.labels.len(), 10_000);
    assert_eq!(&test.labels[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
}

#[test]
fn raw_and_gzip_files_load_alike_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let raw = idx(0x0000_0803, &[2, 2, 3], 12);
    // Detection is by content: a raw file named .gz and a gzip file without .gz both load.
    let a = write(dir.path(), "a.gz", &raw);
    let b = write(dir.path(), "b", &gzip(&raw));
    let images_a = load_images(&a).unwrap();
    let images_b = load_images(&b).unwrap();
    assert_eq!(images_a, images_b);
    assert_eq!(images_a.len(), 2);
    assert_eq!(images_a.image(1).unwrap(), &[6, 7, 8, 9, 10, 11]);
}

#[test]
fn uncompressed_names_are_found() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t10k-images-idx3-ubyte",
        &idx(0x0000_0803, &[3, 2, 2], 12),
    );
    write(
        dir.path(),
        "t10k-labels-idx1-ubyte.gz",
        &gzip(&idx(0x0000_0801, &[3], 3)),
    );
    let test = load(dir.path(), Split::Test).unwrap();
    assert_eq!(test.images.len(), 3);
    assert_eq!(test.labels, vec![0, 1, 2]);
}

#[test]
fn corrupt_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = gzip(&idx(0x0000_0801, &[100], 100));
    let mid = bytes.len() / 2;
    for b in &mut bytes[10..mid] {
        *b ^= 0x5a;
    }
    let path = write(dir.path(), "labels.gz", &bytes);
    let err = load_labels(&path).unwrap_err();
    assert!(matches!(err, MnistError::Gzip { .. }), "{err:?}");
    assert!(err.to_string().contains("labels.gz"), "{err}");
}

#[test]
fn gzip_stream_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = gzip(&idx(0x0000_0803, &[10, 28, 28], 7840));
    let path = write(dir.path(), "images.gz", &bytes[..bytes.len() / 2]);
    let err = load_images(&path).unwrap_err();
    assert!(matches!(err, MnistError::Gzip { .. }), "{err:?}");
}

#[test]
fn truncated_raw_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "images", &idx(0x0000_0803, &[10, 28, 28], 7839));
    let err = load_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            MnistError::Truncated {
                expected_bytes: 7856,
                found_bytes: 7855,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("images"), "{err}");
}

#[test]
fn truncated_gzip_file() {
    // A valid gzip stream whose content is a truncated IDX file.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "labels.gz", &gzip(&idx(0x0000_0801, &[10], 9)));
    let err = load_labels(&path).unwrap_err();
    assert!(
        matches!(
            err,
            MnistError::Truncated {
                expected_bytes: 18,
                found_bytes: 17,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn file_shorter_than_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "images", &idx(0x0000_0803, &[10], 0));
    let err = load_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            MnistError::Truncated {
                expected_bytes: 16,
                found_bytes: 8,
                ..
            }
        ),
        "{err:?}"
    );
    let path = write(dir.path(), "empty", &[]);
    let err = load_labels(&path).unwrap_err();
    assert!(matches!(err, MnistError::Truncated { .. }), "{err:?}");
}

#[test]
fn wrong_magic() {
    let dir = tempfile::tempdir().unwrap();
    // A label file where an image file is expected.
    let path = write(dir.path(), "images.gz", &gzip(&idx(0x0000_0801, &[4], 4)));
    let err = load_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            MnistError::BadMagic {
                found: 0x0000_0801,
                expected: 0x0000_0803,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn trailing_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "images", &idx(0x0000_0803, &[1, 2, 2], 5));
    let err = load_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            MnistError::TrailingData {
                expected_bytes: 20,
                found_bytes: Some(21),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn zero_dimension() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "images", &idx(0x0000_0803, &[5, 0, 28], 0));
    let err = load_images(&path).unwrap_err();
    assert!(matches!(err, MnistError::ZeroDimension { .. }), "{err:?}");
}

#[test]
fn count_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "train-images-idx3-ubyte.gz",
        &gzip(&idx(0x0000_0803, &[3, 2, 2], 12)),
    );
    write(
        dir.path(),
        "train-labels-idx1-ubyte.gz",
        &gzip(&idx(0x0000_0801, &[2], 2)),
    );
    let err = load(dir.path(), Split::Train).unwrap_err();
    assert!(
        matches!(
            err,
            MnistError::CountMismatch {
                images: 3,
                labels: 2,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(dir.path(), Split::Test).unwrap_err();
    match &err {
        MnistError::Missing { path } => {
            assert_eq!(path, &dir.path().join("t10k-images-idx3-ubyte.gz"));
        }
        other => panic!("expected Missing, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("t10k-images-idx3-ubyte.gz"), "{msg}");
    assert!(msg.contains("assets/mnist"), "{msg}");
    assert!(
        msg.contains("--mnist-dir") && msg.contains("KENYON_MNIST_DIR"),
        "{msg}"
    );

    let err = load_labels(&dir.path().join("nope")).unwrap_err();
    assert!(matches!(err, MnistError::Missing { .. }), "{err:?}");
}

#[test]
fn directory_instead_of_file_is_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_labels(dir.path()).unwrap_err();
    assert!(matches!(err, MnistError::Io { .. }), "{err:?}");
}
