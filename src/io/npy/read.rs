//! Reading `.npy` files without trusting them: the header is read and checked first (its
//! shape against the file's length where the file is a regular one), and then exactly
//! the data it declares, so memory never runs ahead of the bytes actually present and a
//! stream that never ends (a FIFO, `/dev/zero`) is read no further than the header says.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::dtype::{Dtype, Float32, Kind, SUPPORTED};
use super::header::{Header, parse_header};
use super::{MAGIC, NpyElement, NpyError, shape_product};
use crate::io::read_full;

/// Longest header accepted. numpy's own writer stays far below this (a header is a short
/// dict literal); the limit keeps a corrupt length field from sizing a read.
pub const MAX_HEADER_LEN: usize = 1 << 20;

/// Data is read and decoded this many bytes at a time, a multiple of every element size.
const CHUNK: usize = 1 << 16;

/// An open `.npy` file whose header has been read and checked, its data not yet read.
///
/// Callers can look at [`shape`](Self::shape) and [`descr`](Self::descr) and refuse the
/// file before any data is read; the `read*` methods then read exactly the data the
/// header declares.
#[derive(Debug)]
pub struct NpyReader<R> {
    path: PathBuf,
    reader: R,
    header: Header,
    dtype: Dtype,
    /// Number of elements the shape holds.
    count: usize,
    /// Whether the data's length is already known to match (a regular file's length).
    length_known: bool,
}

impl NpyReader<BufReader<File>> {
    /// Opens `path` and reads its header.
    ///
    /// Fails if the file cannot be opened, is not a `.npy` file of a plain numeric dtype
    /// in C order, or (for a regular file) is not exactly as long as its header declares.
    pub fn open(path: &Path) -> Result<Self, NpyError> {
        let io = |source| NpyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        let len = meta.is_file().then_some(meta.len());
        Self::from_reader(path, BufReader::new(file), len)
    }
}

impl<R: Read> NpyReader<R> {
    /// Reads the header of the `.npy` content `reader` delivers; `path` only names it in
    /// errors. `len` is the content's total length where known (a regular file's size),
    /// so that a wrong length is refused before any data is read.
    pub fn from_reader(path: &Path, mut reader: R, len: Option<u64>) -> Result<Self, NpyError> {
        let (header, data_start) = read_header(path, &mut reader, len)?;
        if header.fortran_order {
            return Err(NpyError::FortranOrder {
                path: path.to_path_buf(),
            });
        }
        let dtype = Dtype::parse(&header.descr).ok_or_else(|| NpyError::UnsupportedDtype {
            path: path.to_path_buf(),
            found: header.descr.clone(),
            supported: SUPPORTED,
        })?;
        let data_bytes = shape_product(&header.shape)
            .and_then(|n| n.checked_mul(dtype.size))
            .and_then(|n| u64::try_from(n).ok());
        let Some(data_bytes) = data_bytes else {
            return Err(NpyError::ShapeTooLarge {
                path: path.to_path_buf(),
                shape: header.shape,
            });
        };
        if let Some(len) = len {
            let found_bytes = len.saturating_sub(data_start);
            if found_bytes != data_bytes {
                return Err(NpyError::DataLength {
                    path: path.to_path_buf(),
                    shape: header.shape,
                    expected_bytes: data_bytes,
                    found_bytes,
                });
            }
        }
        Ok(NpyReader {
            path: path.to_path_buf(),
            reader,
            count: data_bytes as usize / dtype.size,
            header,
            dtype,
            length_known: len.is_some(),
        })
    }

    /// The array's shape, C order.
    pub fn shape(&self) -> &[usize] {
        &self.header.shape
    }

    /// The array's numpy dtype string, e.g. `<f8`.
    pub fn descr(&self) -> &str {
        &self.header.descr
    }

    /// The data as `T`, whose dtype must be exactly the file's: no conversion is done.
    pub fn read<T: NpyElement>(self) -> Result<Vec<T>, NpyError> {
        if self.header.descr != T::DESCR {
            return Err(self.dtype_mismatch(T::DESCR));
        }
        self.read_elements(|_, bytes| Ok(T::read_le(bytes)))
    }

    /// The data of any integer dtype as `T`, refusing the first value `T` cannot hold.
    pub fn read_integers<T: TryFrom<i128>>(self) -> Result<Vec<T>, NpyError> {
        if self.dtype.kind == Kind::Float {
            return Err(self.dtype_mismatch("an integer dtype (i1 to i8 or u1 to u8)"));
        }
        let (dtype, path) = (self.dtype, self.path.clone());
        self.read_elements(|index, bytes| {
            let value = dtype.integer(bytes);
            T::try_from(value).map_err(|_| NpyError::ValueOutOfRange {
                path: path.clone(),
                index,
                value: value.to_string(),
                target: std::any::type_name::<T>(),
            })
        })
    }

    /// The data of a float32 or float64 array as `f32`: float32 bit for bit, float64
    /// rounded to nearest, refusing a finite value too large for float32.
    pub fn read_f32(self) -> Result<Vec<f32>, NpyError> {
        if self.dtype.kind != Kind::Float {
            return Err(self.dtype_mismatch("a float dtype (<f4 or <f8)"));
        }
        let (dtype, path) = (self.dtype, self.path.clone());
        self.read_elements(|index, bytes| match dtype.float32(bytes) {
            Float32::Exact(x) => Ok(x),
            Float32::Overflow(wide) => Err(NpyError::ValueOutOfRange {
                path: path.clone(),
                index,
                value: wide.to_string(),
                target: "f32 (it would become infinite)",
            }),
        })
    }

    fn dtype_mismatch(&self, expected: &'static str) -> NpyError {
        NpyError::DtypeMismatch {
            path: self.path.clone(),
            found: self.header.descr.clone(),
            expected,
        }
    }

    /// Reads the declared data, decoding each element (with its index) as it arrives,
    /// and checks that nothing follows it.
    fn read_elements<T>(
        mut self,
        mut decode: impl FnMut(usize, &[u8]) -> Result<T, NpyError>,
    ) -> Result<Vec<T>, NpyError> {
        let size = self.dtype.size;
        let data_bytes = self.count * size;
        // What the header declares must fit in memory, whatever the file turns out to
        // hold: a stream is read until it ends or reaches the declared size.
        let declared = self.count as u128 * std::mem::size_of::<T>().max(1) as u128;
        crate::memory::check_declared(declared, "the file declares")
            .map_err(|e| self.io_error(e))?;
        // A regular file's length has vouched for the whole array; a stream only for
        // what it has delivered so far.
        let reserve = if self.length_known {
            self.count
        } else {
            self.count.min(CHUNK)
        };
        let mut out = Vec::new();
        out.try_reserve_exact(reserve)
            .map_err(|_| self.io_error(out_of_memory()))?;
        let mut buf = vec![0u8; CHUNK.min(data_bytes.max(1))];
        let mut done = 0;
        while done < data_bytes {
            let want = (data_bytes - done).min(buf.len());
            let got =
                read_full(&mut self.reader, &mut buf[..want]).map_err(|e| self.io_error(e))?;
            for (i, element) in buf[..got - got % size].chunks_exact(size).enumerate() {
                out.push(decode((done / size) + i, element)?);
            }
            done += got;
            if got < want {
                return Err(NpyError::DataLength {
                    path: self.path,
                    shape: self.header.shape,
                    expected_bytes: data_bytes as u64,
                    found_bytes: done as u64,
                });
            }
        }
        let extra = read_full(&mut self.reader, &mut [0u8; 1]).map_err(|e| self.io_error(e))?;
        if extra > 0 {
            return Err(NpyError::TrailingData {
                path: self.path,
                shape: self.header.shape,
                expected_bytes: data_bytes as u64,
            });
        }
        Ok(out)
    }

    fn io_error(&self, source: std::io::Error) -> NpyError {
        NpyError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

fn out_of_memory() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::OutOfMemory,
        "not enough memory for the array",
    )
}

/// Reads the magic string, version, header length and header dictionary; returns the
/// header and the offset of the data. `len`, where known, is checked against the header
/// length before the header is read.
fn read_header(
    path: &Path,
    reader: &mut impl Read,
    len: Option<u64>,
) -> Result<(Header, u64), NpyError> {
    let bad_header = |reason: String| NpyError::BadHeader {
        path: path.to_path_buf(),
        reason,
    };
    let io = |source| NpyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut prefix = [0u8; 8];
    let got = read_full(reader, &mut prefix).map_err(io)?;
    if got < MAGIC.len() || !prefix.starts_with(MAGIC) {
        return Err(NpyError::BadMagic {
            path: path.to_path_buf(),
        });
    }
    let len_field = match prefix[6..got] {
        [1, 0] => 2,
        [2, 0] => 4,
        [major, minor] => {
            return Err(NpyError::UnsupportedVersion {
                path: path.to_path_buf(),
                major,
                minor,
            });
        }
        _ => return Err(bad_header("file ends inside the version".into())),
    };
    let mut field = [0u8; 4];
    if read_full(reader, &mut field[..len_field]).map_err(io)? < len_field {
        return Err(bad_header("file ends inside the header length".into()));
    }
    let header_len = u64::from(u32::from_le_bytes(field));
    if header_len > MAX_HEADER_LEN as u64 {
        return Err(bad_header(format!(
            "header length {header_len} is over the {MAX_HEADER_LEN} bytes a header may have"
        )));
    }
    let data_start = 8 + len_field as u64 + header_len;
    let short = |found: u64| {
        bad_header(format!(
            "header claims {header_len} bytes but the file has only {}",
            found.saturating_sub(8 + len_field as u64)
        ))
    };
    if let Some(len) = len.filter(|&len| len < data_start) {
        return Err(short(len));
    }
    let mut text = vec![0u8; header_len as usize];
    let got = read_full(reader, &mut text).map_err(io)?;
    if got < text.len() {
        return Err(short(data_start - header_len + got as u64));
    }
    let text =
        std::str::from_utf8(&text).map_err(|_| bad_header("header is not ASCII text".into()))?;
    Ok((parse_header(text).map_err(bad_header)?, data_start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::npy::{read_npy, read_npy_f32, read_npy_integers, write_npy};
    use crate::io::test_support::Metered;

    /// A `.npy` file as numpy writes it, of any `descr`, around the given data bytes.
    fn npy_bytes(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        bytes.extend_from_slice(dict.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    fn p() -> &'static Path {
        Path::new("x.npy")
    }

    /// Reads integers from in-memory `.npy` bytes, as a regular file and as a stream,
    /// which must agree.
    fn integers<T: TryFrom<i128> + PartialEq + std::fmt::Debug>(
        bytes: &[u8],
    ) -> Result<Vec<T>, NpyError> {
        let file = NpyReader::from_reader(p(), bytes, Some(bytes.len() as u64))?.read_integers();
        let stream = NpyReader::from_reader(p(), bytes, None)?.read_integers();
        assert_eq!(
            file.as_ref().ok(),
            stream.as_ref().ok(),
            "file and stream differ"
        );
        file
    }

    #[test]
    fn every_integer_dtype_numpy_writes_is_read() {
        let le = |v: &[i64], size: usize| -> Vec<u8> {
            v.iter()
                .flat_map(|x| x.to_le_bytes()[..size].to_vec())
                .collect()
        };
        let values = [0i64, 1, -2, 100];
        for (descr, size) in [("<i8", 8), ("<i4", 4), ("<i2", 2), ("|i1", 1)] {
            let bytes = npy_bytes(descr, "(4,)", &le(&values, size));
            assert_eq!(integers::<i64>(&bytes).unwrap(), values, "{descr}");
        }
        let unsigned = [0i64, 1, 2, 200];
        for (descr, size) in [("<u8", 8), ("<u4", 4), ("<u2", 2), ("|u1", 1)] {
            let bytes = npy_bytes(descr, "(2, 2)", &le(&unsigned, size));
            assert_eq!(integers::<u32>(&bytes).unwrap(), [0, 1, 2, 200], "{descr}");
        }
        let be: Vec<u8> = [7i32, -7].iter().flat_map(|x| x.to_be_bytes()).collect();
        assert_eq!(
            integers::<i32>(&npy_bytes(">i4", "(2,)", &be)).unwrap(),
            [7, -7]
        );
    }

    #[test]
    fn an_integer_that_does_not_fit_is_refused_by_position_and_value() {
        let data: Vec<u8> = [5i64, -1].iter().flat_map(|x| x.to_le_bytes()).collect();
        let err = integers::<u32>(&npy_bytes("<i8", "(2,)", &data)).unwrap_err();
        assert!(
            matches!(&err, NpyError::ValueOutOfRange { index: 1, value, target: "u32", .. }
                if value == "-1"),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("x.npy") && msg.contains("-1") && msg.contains("u32"),
            "{msg}"
        );
        let data = u64::MAX.to_le_bytes();
        let err = integers::<i64>(&npy_bytes("<u8", "(1,)", &data)).unwrap_err();
        assert!(err.to_string().contains("18446744073709551615"), "{err}");
    }

    #[test]
    fn float64_is_read_as_float32_and_overflow_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.npy");
        write_npy::<f64>(&path, &[3], &[0.1, -2.5, 1e-300]).unwrap();
        assert_eq!(
            read_npy_f32(&path).unwrap(),
            (vec![3], vec![0.1, -2.5, 0.0])
        );
        write_npy::<f64>(&path, &[2], &[f64::INFINITY, f64::MAX]).unwrap();
        let err = read_npy_f32(&path).unwrap_err();
        assert!(
            matches!(err, NpyError::ValueOutOfRange { index: 1, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("w.npy"), "{err}");
        // float32 itself is read bit for bit, big-endian too.
        write_npy::<f32>(&path, &[1], &[f32::from_bits(0x7fc0_1234)]).unwrap();
        assert_eq!(read_npy_f32(&path).unwrap().1[0].to_bits(), 0x7fc0_1234);
        let be = npy_bytes(">f4", "(1,)", &1.5f32.to_be_bytes());
        let file = NpyReader::from_reader(p(), be.as_slice(), None).unwrap();
        assert_eq!(file.read_f32().unwrap(), [1.5]);
    }

    #[test]
    fn integers_and_floats_are_not_mistaken_for_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_npy::<i32>(&path, &[1], &[1]).unwrap();
        let err = read_npy_f32(&path).unwrap_err();
        assert!(matches!(err, NpyError::DtypeMismatch { .. }), "{err:?}");
        write_npy::<f32>(&path, &[1], &[1.0]).unwrap();
        let err = read_npy_integers::<i64>(&path).unwrap_err();
        assert!(matches!(err, NpyError::DtypeMismatch { .. }), "{err:?}");
    }

    #[test]
    fn other_dtypes_are_refused_by_name() {
        for descr in ["<U10", "|b1", "<c8", "<f2", "|O"] {
            let bytes = npy_bytes(descr, "(0,)", &[]);
            let err = NpyReader::from_reader(p(), bytes.as_slice(), None).unwrap_err();
            assert!(
                matches!(&err, NpyError::UnsupportedDtype { found, .. } if found == descr),
                "{descr}: {err:?}"
            );
            assert!(err.to_string().contains(descr), "{err}");
        }
    }

    #[test]
    fn a_file_of_the_wrong_length_is_refused_before_its_data_is_read() {
        let bytes = npy_bytes("<f8", "(1073741824,)", &[0; 16]);
        let header_len = (bytes.len() - 16) as u64;
        let header_only = Metered {
            inner: bytes.as_slice(),
            taken: 0,
            limit: header_len,
        };
        let err = NpyReader::from_reader(p(), header_only, Some(bytes.len() as u64)).unwrap_err();
        assert!(
            matches!(
                err,
                NpyError::DataLength {
                    expected_bytes: 8_589_934_592,
                    found_bytes: 16,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    // Linux says how much memory it has (MemAvailable); elsewhere no limit is known.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_declared_size_beyond_the_machines_memory_is_refused_before_reading() {
        let header = npy_bytes("<f4", "(1099511627776,)", &[]);
        let mut endless = Metered {
            inner: header.as_slice().chain(std::io::repeat(0)),
            taken: 0,
            limit: u64::MAX,
        };
        let err = NpyReader::from_reader(p(), &mut endless, None)
            .unwrap()
            .read_f32()
            .unwrap_err();
        assert!(err.to_string().contains("x.npy"), "{err}");
        let NpyError::Io { source, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(source.to_string().contains("4.4 TB"), "{source}");
        assert_eq!(endless.taken, header.len() as u64);
    }

    #[test]
    fn a_stream_is_read_no_further_than_its_header_declares() {
        let header = npy_bytes("<i4", "(3,)", &[]);
        let mut endless = Metered {
            inner: header.as_slice().chain(std::io::repeat(1)),
            taken: 0,
            limit: u64::MAX,
        };
        let err = NpyReader::from_reader(p(), &mut endless, None)
            .unwrap()
            .read::<i32>()
            .unwrap_err();
        assert!(
            matches!(
                err,
                NpyError::TrailingData {
                    expected_bytes: 12,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(endless.taken, header.len() as u64 + 13);
        // A stream that ends early is measured, not trusted.
        let short = npy_bytes("<f8", "(1073741824,)", &[0; 20]);
        let err = NpyReader::from_reader(p(), short.as_slice(), None)
            .unwrap()
            .read_f32()
            .unwrap_err();
        assert!(
            matches!(
                err,
                NpyError::DataLength {
                    found_bytes: 20,
                    ..
                }
            ),
            "{err:?}"
        );
        // All zeros, as `/dev/zero` gives: no magic string.
        let err = NpyReader::from_reader(p(), std::io::repeat(0), None).unwrap_err();
        assert!(matches!(err, NpyError::BadMagic { .. }), "{err:?}");
    }

    #[test]
    fn an_oversized_header_length_is_refused_before_it_is_read() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[2, 0]);
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        let err = NpyReader::from_reader(p(), bytes.as_slice().chain(std::io::repeat(b' ')), None)
            .unwrap_err();
        assert!(
            matches!(&err, NpyError::BadHeader { reason, .. } if reason.contains("4294967295")),
            "{err:?}"
        );
    }

    #[test]
    fn the_exact_reader_still_wants_the_exact_dtype() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_npy::<i64>(&path, &[2], &[1, 2]).unwrap();
        assert_eq!(read_npy::<i64>(&path).unwrap().1, [1, 2]);
        let err = read_npy::<i32>(&path).unwrap_err();
        assert!(matches!(err, NpyError::DtypeMismatch { .. }), "{err:?}");
        assert_eq!(read_npy_integers::<i32>(&path).unwrap().1, [1, 2]);
    }
}
