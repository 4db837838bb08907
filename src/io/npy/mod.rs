//! Reading and writing NumPy `.npy` files (format version 1.0; 2.0 is also read), so
//! results can be inspected with `numpy.load` and compared against GeNN's output.
//!
//! Files are written byte for byte as `numpy.save` writes them, in the element types
//! implementing [`NpyElement`]. Any plain integer or float dtype in C order is read,
//! converted with a check where asked ([`read_npy_integers`], [`read_npy_f32`]), and no
//! more data is read than the header declares ([`NpyReader`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::io::atomic_file::write_atomically;
use header::encode_header;
pub use read::{MAX_HEADER_LEN, NpyReader};

mod dtype;
mod header;
mod read;

/// `\x93NUMPY`: the first six bytes of every `.npy` file.
pub(super) const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// An element type that can be stored in a `.npy` file.
pub trait NpyElement: Copy {
    /// The numpy dtype string, e.g. `<f4`.
    const DESCR: &'static str;
    /// Size of one element in bytes.
    const SIZE: usize;
    /// Appends the little-endian bytes of `self` to `out`.
    fn write_le(self, out: &mut Vec<u8>);
    /// Decodes one element from exactly [`Self::SIZE`] little-endian bytes.
    fn read_le(bytes: &[u8]) -> Self;
}

macro_rules! impl_npy_element {
    ($t:ty, $descr:literal) => {
        impl NpyElement for $t {
            const DESCR: &'static str = $descr;
            const SIZE: usize = std::mem::size_of::<$t>();
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read_le(bytes: &[u8]) -> Self {
                let mut buf = [0u8; std::mem::size_of::<$t>()];
                buf.copy_from_slice(bytes);
                <$t>::from_le_bytes(buf)
            }
        }
    };
}

impl_npy_element!(i32, "<i4");
impl_npy_element!(i64, "<i8");
impl_npy_element!(u32, "<u4");
impl_npy_element!(f32, "<f4");
impl_npy_element!(f64, "<f8");

/// Errors from reading or writing `.npy` files; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    /// The file could not be read or written.
    #[error("cannot read or write {}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// On write: the shape does not describe the data.
    #[error(
        "{}: shape {shape:?} holds {} elements but {len} were given",
        path.display(),
        shape_product(shape).map_or_else(|| "too many".to_string(), |n| n.to_string())
    )]
    ShapeMismatch {
        /// The file that was to be written.
        path: PathBuf,
        /// The requested shape.
        shape: Vec<usize>,
        /// Number of elements given.
        len: usize,
    },
    /// The file does not start with the `.npy` magic string.
    #[error("{}: not a .npy file (missing \\x93NUMPY magic)", path.display())]
    BadMagic {
        /// The file concerned.
        path: PathBuf,
    },
    /// The format version is neither 1.0 nor 2.0.
    #[error("{}: unsupported .npy format version {major}.{minor} (only 1.0 and 2.0 are read)", path.display())]
    UnsupportedVersion {
        /// The file concerned.
        path: PathBuf,
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },
    /// The header dictionary is malformed or incomplete.
    #[error("{}: malformed .npy header: {reason}", path.display())]
    BadHeader {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The stored dtype is not one this reader handles at all.
    #[error("{}: array has dtype '{found}'; only {supported} are read", path.display())]
    UnsupportedDtype {
        /// The file concerned.
        path: PathBuf,
        /// The dtype in the file.
        found: String,
        /// What is read instead.
        supported: &'static str,
    },
    /// The stored dtype is not the one asked for.
    #[error("{}: array has dtype '{found}' but {expected} was expected", path.display())]
    DtypeMismatch {
        /// The file concerned.
        path: PathBuf,
        /// The dtype in the file.
        found: String,
        /// The dtype (or kind of dtype) asked for.
        expected: &'static str,
    },
    /// A value does not fit the type it is read as.
    #[error("{}: element {index} is {value}, which does not fit {target}", path.display())]
    ValueOutOfRange {
        /// The file concerned.
        path: PathBuf,
        /// Position of the element in C order.
        index: usize,
        /// The value as stored.
        value: String,
        /// The type it was read as.
        target: &'static str,
    },
    /// The shape's size in bytes overflows this machine's address space.
    #[error("{}: shape {shape:?} is larger than this machine can address", path.display())]
    ShapeTooLarge {
        /// The file concerned.
        path: PathBuf,
        /// The shape from the header.
        shape: Vec<usize>,
    },
    /// The array is stored in Fortran (column-major) order.
    #[error("{}: array is in Fortran order; only C order is supported", path.display())]
    FortranOrder {
        /// The file concerned.
        path: PathBuf,
    },
    /// The data after the header is shorter or longer than the shape requires.
    #[error(
        "{}: shape {shape:?} needs {expected_bytes} data bytes but the file holds {found_bytes}",
        path.display()
    )]
    DataLength {
        /// The file concerned.
        path: PathBuf,
        /// The shape from the header.
        shape: Vec<usize>,
        /// Bytes the shape and dtype require.
        expected_bytes: u64,
        /// Bytes present after the header.
        found_bytes: u64,
    },
    /// More data follows the array than the shape requires (found in a stream, whose
    /// length is not known in advance and is not read to its end).
    #[error(
        "{}: shape {shape:?} needs {expected_bytes} data bytes but more follow them; the \
         header or the file is wrong",
        path.display()
    )]
    TrailingData {
        /// The file concerned.
        path: PathBuf,
        /// The shape from the header.
        shape: Vec<usize>,
        /// Bytes the shape and dtype require.
        expected_bytes: u64,
    },
}

/// Product of the dimensions, `None` on overflow. An empty shape (a scalar) has one element.
fn shape_product(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// Writes `data` with the given `shape` (C order) to `path` as a version 1.0 `.npy` file.
///
/// The file is replaced atomically, so a failed write leaves any previous file intact.
pub fn write_npy<T: NpyElement>(path: &Path, shape: &[usize], data: &[T]) -> Result<(), NpyError> {
    if shape_product(shape) != Some(data.len()) {
        return Err(NpyError::ShapeMismatch {
            path: path.to_path_buf(),
            shape: shape.to_vec(),
            len: data.len(),
        });
    }
    let header = encode_header(T::DESCR, shape).ok_or_else(|| NpyError::ShapeMismatch {
        path: path.to_path_buf(),
        shape: shape.to_vec(),
        len: data.len(),
    })?;
    write_atomically(path, |w| {
        w.write_all(&header)?;
        // Encode in chunks: one write call per element would be slow even buffered,
        // and one buffer for the whole array would double peak memory.
        let mut buf = Vec::with_capacity(8192 * T::SIZE);
        for chunk in data.chunks(8192) {
            buf.clear();
            for &x in chunk {
                x.write_le(&mut buf);
            }
            w.write_all(&buf)?;
        }
        Ok(())
    })
    .map_err(|source| NpyError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a `.npy` file of element type `T`, C order.
///
/// Returns the shape and the data in C order. The dtype must be exactly `T::DESCR`; no
/// conversion is done (see [`read_npy_integers`] and [`read_npy_f32`] for readers that
/// convert).
pub fn read_npy<T: NpyElement>(path: &Path) -> Result<(Vec<usize>, Vec<T>), NpyError> {
    let file = NpyReader::open(path)?;
    let shape = file.shape().to_vec();
    Ok((shape, file.read()?))
}

/// Reads a `.npy` file of any integer dtype (int8 to int64, uint8 to uint64, either byte
/// order) as `T`, refusing the first value that does not fit `T`.
pub fn read_npy_integers<T: TryFrom<i128>>(path: &Path) -> Result<(Vec<usize>, Vec<T>), NpyError> {
    let file = NpyReader::open(path)?;
    let shape = file.shape().to_vec();
    Ok((shape, file.read_integers()?))
}

/// Reads a float32 or float64 `.npy` file (either byte order) as `f32`, refusing a finite
/// float64 too large for float32.
pub fn read_npy_f32(path: &Path) -> Result<(Vec<usize>, Vec<f32>), NpyError> {
    let file = NpyReader::open(path)?;
    let shape = file.shape().to_vec();
    Ok((shape, file.read_f32()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use header::header_dict;

    fn round_trip<T: NpyElement + PartialEq + std::fmt::Debug>(shape: &[usize], data: &[T]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_npy(&path, shape, data).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
        assert_eq!((10 + header_len) % 64, 0, "data must be 64-byte aligned");
        assert_eq!(bytes.len(), 10 + header_len + data.len() * T::SIZE);
        let (read_shape, read_data) = read_npy::<T>(&path).unwrap();
        assert_eq!(read_shape, shape);
        assert_eq!(read_data, data);
    }

    #[test]
    fn round_trip_each_type() {
        round_trip::<i32>(&[5], &[1, -2, 3, i32::MIN, i32::MAX]);
        round_trip::<i32>(&[2, 3], &[1, 2, 3, 4, 5, -6]);
        round_trip::<i64>(&[3], &[i64::MIN, 0, i64::MAX]);
        round_trip::<i64>(&[2, 2], &[1, 2, 3, 4]);
        round_trip::<u32>(&[4], &[0, 1, 7, u32::MAX]);
        round_trip::<u32>(&[1, 4], &[0, 1, 7, u32::MAX]);
        round_trip::<f32>(&[3], &[0.5, -1.25, f32::MAX]);
        round_trip::<f32>(&[2, 2], &[0.1, f32::MIN_POSITIVE, -0.0, f32::INFINITY]);
        round_trip::<f64>(&[2], &[std::f64::consts::PI, -1e300]);
        round_trip::<f64>(&[3, 1], &[1.0, 2.0, 3.0]);
    }

    #[test]
    fn round_trip_edge_shapes() {
        round_trip::<f32>(&[0], &[]);
        round_trip::<f32>(&[3, 0], &[]);
        round_trip::<i64>(&[], &[42]);
        round_trip::<u32>(&[2, 2, 2], &[1, 2, 3, 4, 5, 6, 7, 8]);
        round_trip::<f64>(&[1_000_000_000_000, 0], &[]);
    }

    #[test]
    fn nan_round_trips_bit_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nan.npy");
        let nan = f32::from_bits(0x7fc0_1234);
        write_npy(&path, &[1], &[nan]).unwrap();
        let (_, data) = read_npy::<f32>(&path).unwrap();
        assert_eq!(data[0].to_bits(), 0x7fc0_1234);
    }

    /// Bytes of `np.save(f, np.array([[1, 2], [3, 4]], dtype=np.int64))`: a 128-byte
    /// header (length field 118) followed by 32 data bytes.
    #[test]
    fn header_matches_numpy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_npy::<i64>(&path, &[2, 2], &[1, 2, 3, 4]).unwrap();
        let bytes = std::fs::read(&path).unwrap();

        let mut expected = Vec::new();
        expected.extend_from_slice(b"\x93NUMPY\x01\x00");
        expected.extend_from_slice(&118u16.to_le_bytes());
        expected.extend_from_slice(b"{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }");
        expected.extend(std::iter::repeat_n(b' ', 128 - 1 - expected.len()));
        expected.push(b'\n');
        assert_eq!(expected.len(), 128);
        for v in [1i64, 2, 3, 4] {
            expected.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(bytes, expected);
    }

    #[test]
    fn one_dimensional_shape_has_trailing_comma() {
        let dict = header_dict("<f4", &[5]);
        assert!(dict.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"));
        assert_eq!(dict.len(), 57 + 20);
        assert_eq!(
            header_dict("<f8", &[]),
            "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"
        );
    }

    #[test]
    fn aligned_header_gets_a_full_pad_block() {
        // numpy pads by 64 - (len % 64), which is a whole block when already aligned.
        for n in 0..2000usize {
            let header = encode_header("<f4", &[n, 3]).unwrap();
            assert_eq!(header.len() % 64, 0);
            let unpadded = 10 + header_dict("<f4", &[n, 3]).len() + 1;
            assert!(header.len() > unpadded && header.len() <= unpadded + 64);
        }
    }

    #[test]
    fn wrong_dtype_names_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_npy::<f32>(&path, &[2], &[1.0, 2.0]).unwrap();
        let err = read_npy::<f64>(&path).unwrap_err();
        assert!(
            matches!(&err, NpyError::DtypeMismatch { found, expected: "<f8", .. } if found == "<f4"),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("<f4") && msg.contains("<f8") && msg.contains("a.npy"),
            "{msg}"
        );
    }

    #[test]
    fn truncated_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_npy::<u32>(&path, &[2, 3], &[1, 2, 3, 4, 5, 6]).unwrap();
        let bytes = std::fs::read(&path).unwrap();

        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let err = read_npy::<u32>(&path).unwrap_err();
        assert!(
            matches!(
                err,
                NpyError::DataLength {
                    expected_bytes: 24,
                    found_bytes: 23,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("a.npy"));

        std::fs::write(&path, &bytes[..40]).unwrap();
        let err = read_npy::<u32>(&path).unwrap_err();
        assert!(matches!(err, NpyError::BadHeader { .. }), "{err:?}");

        std::fs::write(&path, &bytes[..3]).unwrap();
        let err = read_npy::<u32>(&path).unwrap_err();
        assert!(matches!(err, NpyError::BadMagic { .. }), "{err:?}");

        let mut longer = bytes.clone();
        longer.push(0);
        std::fs::write(&path, &longer).unwrap();
        let err = read_npy::<u32>(&path).unwrap_err();
        assert!(matches!(err, NpyError::DataLength { .. }), "{err:?}");
    }

    #[test]
    fn shape_mismatch_on_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        let err = write_npy::<f32>(&path, &[2, 3], &[1.0; 5]).unwrap_err();
        assert!(
            matches!(err, NpyError::ShapeMismatch { len: 5, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("a.npy"));
        assert!(!path.exists());
        let err = write_npy::<f32>(&path, &[usize::MAX, 2], &[]).unwrap_err();
        assert!(matches!(err, NpyError::ShapeMismatch { .. }), "{err:?}");
    }

    #[test]
    fn missing_file_is_io_error_naming_it() {
        let err = read_npy::<f32>(Path::new("/nonexistent/dir/x.npy")).unwrap_err();
        assert!(matches!(err, NpyError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/dir/x.npy"));
    }

    fn write_raw(path: &Path, major: u8, dict: &str, data: &[u8]) {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[major, 0]);
        let dict = format!("{dict}\n");
        if major == 1 {
            bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        } else {
            bytes.extend_from_slice(&(dict.len() as u32).to_le_bytes());
        }
        bytes.extend_from_slice(dict.as_bytes());
        bytes.extend_from_slice(data);
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn reads_version_2_and_other_key_orders() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.npy");
        let data: Vec<u8> = [3i32, -4].iter().flat_map(|v| v.to_le_bytes()).collect();
        write_raw(
            &path,
            2,
            "{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \"<i4\"}",
            &data,
        );
        assert_eq!(read_npy::<i32>(&path).unwrap(), (vec![2], vec![3, -4]));
    }

    #[test]
    fn rejects_fortran_order_and_bad_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.npy");
        write_raw(
            &path,
            1,
            "{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }",
            &1.0f64.to_le_bytes(),
        );
        assert!(matches!(
            read_npy::<f64>(&path).unwrap_err(),
            NpyError::FortranOrder { .. }
        ));

        write_raw(
            &path,
            3,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
            &1.0f64.to_le_bytes(),
        );
        assert!(matches!(
            read_npy::<f64>(&path).unwrap_err(),
            NpyError::UnsupportedVersion {
                major: 3,
                minor: 0,
                ..
            }
        ));
    }

    #[test]
    fn rejects_malformed_headers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.npy");
        for dict in [
            "",
            "{",
            "{'descr': '<f8', 'shape': (1,), }",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }",
            "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,) } trailing",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
            "{'descr: '<f8', 'fortran_order': False, 'shape': (1,), }",
        ] {
            write_raw(&path, 1, dict, &1.0f64.to_le_bytes());
            let err = read_npy::<f64>(&path).unwrap_err();
            assert!(matches!(err, NpyError::BadHeader { .. }), "{dict}: {err:?}");
        }
    }

    #[test]
    fn huge_shape_in_header_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.npy");
        write_raw(
            &path,
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551615, 2), }",
            &[],
        );
        let err = read_npy::<f64>(&path).unwrap_err();
        assert!(matches!(err, NpyError::ShapeTooLarge { .. }), "{err:?}");
    }
}
