//! Loading the MNIST handwritten digits from IDX files, gzip-compressed or raw, and turning
//! an image into input currents the way GeNN's mushroom-body tutorial does.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

mod idx;

/// Magic number of an IDX file of u8 images: type 0x08 (unsigned byte), 3 dimensions.
const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of u8 labels: type 0x08 (unsigned byte), 1 dimension.
const LABELS_MAGIC: u32 = 0x0000_0801;

/// Total input current of one image in GeNN's tutorial: the pixels are normalised to sum
/// to one and then multiplied by this.
pub const INPUT_SCALE: f32 = 80.0;

/// Errors from loading MNIST files; each names the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum MnistError {
    /// The file does not exist.
    #[error(
        "MNIST file {} not found; the MNIST files ship in assets/mnist/ of the kenyon \
         repository, or point to a directory holding them with --mnist-dir or \
         KENYON_MNIST_DIR",
        path.display()
    )]
    Missing {
        /// The file that was looked for.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("cannot read MNIST file {}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file starts like gzip but does not decompress.
    #[error(
        "MNIST file {} is not a valid gzip stream (corrupt or cut short): replace it with an \
         intact copy",
        path.display()
    )]
    Gzip {
        /// The file concerned.
        path: PathBuf,
        /// The decompressor's error.
        #[source]
        source: std::io::Error,
    },
    /// The IDX magic number is not the one for this kind of file.
    #[error(
        "{} is not an MNIST {} file: IDX magic number is {found:#010x}, expected {expected:#010x}",
        path.display(),
        kind_name(*expected)
    )]
    BadMagic {
        /// The file concerned.
        path: PathBuf,
        /// The magic number in the file.
        found: u32,
        /// The magic number expected.
        expected: u32,
    },
    /// The (decompressed) file is shorter than its header says.
    #[error(
        "MNIST file {} is truncated: its header calls for {expected_bytes} bytes but it has \
         {found_bytes}; replace it with an intact copy",
        path.display()
    )]
    Truncated {
        /// The file concerned.
        path: PathBuf,
        /// Bytes the header calls for (at least the header itself).
        expected_bytes: u64,
        /// Bytes present (after decompression).
        found_bytes: u64,
    },
    /// The (decompressed) file is longer than its header says.
    #[error(
        "MNIST file {} has trailing data: its header calls for {expected_bytes} bytes but it \
         has {}; the header or the file is wrong",
        path.display(),
        found_bytes.map_or_else(|| "more".to_string(), |n| n.to_string())
    )]
    TrailingData {
        /// The file concerned.
        path: PathBuf,
        /// Bytes the header calls for.
        expected_bytes: u64,
        /// Bytes present, where known without reading past the declared size: a regular
        /// uncompressed file's length; `None` for gzip content and other streams, which
        /// are read no further than one byte past it.
        found_bytes: Option<u64>,
    },
    /// The images have zero rows or zero columns.
    #[error("MNIST image file {} declares images with zero rows or columns", path.display())]
    ZeroDimension {
        /// The file concerned.
        path: PathBuf,
    },
    /// A label that is not a digit.
    #[error(
        "MNIST label file {}: label {label} of image {index} is not a digit 0-9; replace the file with an intact copy",
        path.display()
    )]
    BadLabel {
        /// The label file.
        path: PathBuf,
        /// The image the label belongs to.
        index: usize,
        /// The label found.
        label: u8,
    },
    /// The image and label files describe different numbers of digits.
    #[error(
        "MNIST image file {} holds {images} images but label file {} holds {labels} labels",
        images_path.display(),
        labels_path.display()
    )]
    CountMismatch {
        /// The image file.
        images_path: PathBuf,
        /// The label file.
        labels_path: PathBuf,
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },
}

fn kind_name(magic: u32) -> &'static str {
    if magic == IMAGES_MAGIC {
        "image"
    } else {
        "label"
    }
}

/// A set of equally sized greyscale images, stored contiguously in row-major order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Images {
    count: usize,
    rows: usize,
    cols: usize,
    pixels: Vec<u8>,
}

impl Images {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Rows of each image (28 for MNIST).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns of each image (28 for MNIST).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Pixels of each image, `rows * cols` (784 for MNIST).
    pub fn pixels_per_image(&self) -> usize {
        self.rows * self.cols
    }

    /// The pixels of image `i` in row-major order, or `None` if `i` is out of range.
    pub fn image(&self, i: usize) -> Option<&[u8]> {
        let n = self.pixels_per_image();
        let start = i.checked_mul(n)?;
        self.pixels.get(start..start.checked_add(n)?)
    }
}

/// An image set and its labels, one label per image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// The images.
    pub images: Images,
    /// The digit (0 to 9) shown by each image.
    pub labels: Vec<u8>,
}

/// Which half of MNIST to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// The 60 000 training digits.
    Train,
    /// The 10 000 test digits.
    Test,
}

impl Split {
    /// File names of the images and the labels, gzip-compressed as distributed.
    pub fn file_names(self) -> (&'static str, &'static str) {
        match self {
            Split::Train => ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
            Split::Test => ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
        }
    }
}

/// Where MNIST lives in a kenyon repository.
pub const REPOSITORY_DIR: &str = "assets/mnist";

/// The folder to load MNIST from when none is given: `$KENYON_MNIST_DIR` if set (and not
/// empty), else the repository's [`REPOSITORY_DIR`] found from the current folder or
/// one above it, or from the running program's folder or one above it (so `cargo run`,
/// `cargo test` and the examples find it anywhere in a checkout). Nothing of the machine
/// that built kenyon is baked in: where none is found this is `assets/mnist`, and
/// [`load`]'s error says to pass `--mnist-dir` or set `KENYON_MNIST_DIR`.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KENYON_MNIST_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let from_cwd = std::env::current_dir().ok();
    let from_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    from_cwd
        .iter()
        .chain(from_exe.iter())
        .flat_map(|start| start.ancestors())
        .map(|base| base.join(REPOSITORY_DIR))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| PathBuf::from(REPOSITORY_DIR))
}

/// Loads the images and labels of `split` from `dir` and checks that their counts agree.
///
/// Each file is looked up under its `.gz` name first and, if that does not exist, under
/// the name without `.gz` (as left by `gunzip`). Either may be compressed or not: the
/// content decides, not the name.
pub fn load(dir: &Path, split: Split) -> Result<Dataset, MnistError> {
    let (images_name, labels_name) = split.file_names();
    let images_path = find_file(dir, images_name);
    let labels_path = find_file(dir, labels_name);
    let images = load_images(&images_path)?;
    let labels = load_labels(&labels_path)?;
    if images.len() != labels.len() {
        return Err(MnistError::CountMismatch {
            images: images.len(),
            labels: labels.len(),
            images_path,
            labels_path,
        });
    }
    Ok(Dataset { images, labels })
}

/// `dir/name`, or `dir/name` without its `.gz` if only that exists. When neither exists the
/// `.gz` path is returned so that the error names the file as distributed.
fn find_file(dir: &Path, gz_name: &str) -> PathBuf {
    let gz = dir.join(gz_name);
    if gz.exists() {
        return gz;
    }
    match gz_name.strip_suffix(".gz") {
        Some(raw_name) if dir.join(raw_name).exists() => dir.join(raw_name),
        _ => gz,
    }
}

/// Loads an IDX image file (magic 0x00000803), gzip-compressed or raw.
pub fn load_images(path: &Path) -> Result<Images, MnistError> {
    let (file, len) = open(path)?;
    images(path, file, len)
}

/// Loads an IDX label file (magic 0x00000801), gzip-compressed or raw.
pub fn load_labels(path: &Path) -> Result<Vec<u8>, MnistError> {
    let (file, len) = open(path)?;
    labels(path, file, len)
}

/// Reads an IDX image file, gzip-compressed or raw, from `reader` (a pipe, a buffer);
/// `path` only names it in errors. No more is read than the header declares.
pub fn read_images(path: &Path, reader: impl Read) -> Result<Images, MnistError> {
    images(path, reader, None)
}

/// Reads an IDX label file, gzip-compressed or raw, from `reader`; `path` only names it
/// in errors. No more is read than the header declares.
pub fn read_labels(path: &Path, reader: impl Read) -> Result<Vec<u8>, MnistError> {
    labels(path, reader, None)
}

fn images(path: &Path, reader: impl Read, len: Option<u64>) -> Result<Images, MnistError> {
    let (dims, pixels) = idx::read_idx(path, reader, len, IMAGES_MAGIC, 3)?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(MnistError::ZeroDimension {
            path: path.to_path_buf(),
        });
    }
    Ok(Images {
        count,
        rows,
        cols,
        pixels,
    })
}

fn labels(path: &Path, reader: impl Read, len: Option<u64>) -> Result<Vec<u8>, MnistError> {
    let labels = idx::read_idx(path, reader, len, LABELS_MAGIC, 1)?.1;
    check_labels(path, &labels)?;
    Ok(labels)
}

/// The first label that is not a digit, as an error.
fn check_labels(path: &Path, labels: &[u8]) -> Result<(), MnistError> {
    match labels.iter().position(|&label| label > 9) {
        Some(index) => Err(MnistError::BadLabel {
            path: path.to_path_buf(),
            index,
            label: labels[index],
        }),
        None => Ok(()),
    }
}

/// Opens `path`, with its length if it is a regular file (a FIFO or a device has none).
fn open(path: &Path) -> Result<(File, Option<u64>), MnistError> {
    let io = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            MnistError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            MnistError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    let file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    let len = meta.is_file().then_some(meta.len());
    Ok((file, len))
}

/// Input currents for one image, computed exactly as GeNN's tutorial does in float32
/// numpy: each pixel divided by the image's pixel sum, then multiplied by `scale`.
///
/// The currents of an image thus sum to `scale` (up to rounding). An all-black image gives
/// all zeros rather than NaN.
pub fn input_currents(image: &[u8], scale: f32) -> Vec<f32> {
    // Summing as integers is exact, and equals numpy's float32 sum for any image below
    // 2^24 / 255 pixels (MNIST has 784).
    let sum: u64 = image.iter().map(|&p| u64::from(p)).sum();
    if sum == 0 {
        return vec![0.0; image.len()];
    }
    let sum = sum as f32;
    image
        .iter()
        .map(|&p| (f32::from(p) / sum) * scale)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Linux says how much memory it has (MemAvailable); elsewhere no limit is known.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_declared_size_beyond_the_machines_memory_is_refused_before_reading() {
        let mut header = IMAGES_MAGIC.to_be_bytes().to_vec();
        for d in [u32::MAX, 28, 28] {
            header.extend_from_slice(&d.to_be_bytes());
        }
        let endless = header.as_slice().chain(std::io::repeat(0));
        let err = read_images(Path::new("images"), endless).unwrap_err();
        assert!(err.to_string().contains("images"), "{err}");
        let MnistError::Io { source, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(source.to_string().contains("3.4 TB"), "{source}");
    }

    #[test]
    fn a_label_that_is_not_a_digit_is_refused() {
        let header = |count: u32| {
            let mut bytes = LABELS_MAGIC.to_be_bytes().to_vec();
            bytes.extend_from_slice(&count.to_be_bytes());
            bytes
        };
        let path = Path::new("labels");
        let mut bytes = header(12);
        bytes.extend(0..12u8);
        let err = read_labels(path, bytes.as_slice()).unwrap_err();
        assert!(
            matches!(
                err,
                MnistError::BadLabel {
                    index: 10,
                    label: 10,
                    ..
                }
            ),
            "{err:?}"
        );
        let mut bytes = header(10);
        bytes.extend(0..10u8);
        let labels = read_labels(path, bytes.as_slice()).unwrap();
        assert_eq!(labels, (0..10).collect::<Vec<u8>>());
    }

    #[test]
    fn image_accessor() {
        let images = Images {
            count: 2,
            rows: 1,
            cols: 3,
            pixels: vec![1, 2, 3, 4, 5, 6],
        };
        assert_eq!(images.image(0), Some(&[1, 2, 3][..]));
        assert_eq!(images.image(1), Some(&[4, 5, 6][..]));
        assert_eq!(images.image(2), None);
        assert_eq!(images.image(usize::MAX), None);
        assert_eq!(images.pixels_per_image(), 3);
    }

    #[test]
    fn currents_follow_numpy_float32_order() {
        let image = [0u8, 3, 7, 255, 1];
        let currents = input_currents(&image, INPUT_SCALE);
        let sum = 266.0f32;
        for (&p, &c) in image.iter().zip(&currents) {
            assert_eq!(c.to_bits(), ((p as f32 / sum) * 80.0).to_bits());
        }
        assert_eq!(currents[0], 0.0);
    }

    #[test]
    fn black_image_gives_zeros() {
        assert_eq!(input_currents(&[0; 4], INPUT_SCALE), vec![0.0; 4]);
        assert!(input_currents(&[], INPUT_SCALE).is_empty());
    }
}
