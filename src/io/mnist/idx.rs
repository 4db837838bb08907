//! Reading an IDX file, gzip-compressed or raw, no further than its header declares: the
//! header is read and checked first (against the file's length where the file is a
//! regular uncompressed one), then at most one byte more than the payload it declares.
//! A gzip stream that decompresses far past its header, or a stream that never ends
//! (a FIFO, `/dev/zero`), costs no more memory or time than the declared size.

use std::io::Read;
use std::path::Path;

use super::MnistError;
use crate::io::read_full;

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Memory set aside for a payload before it arrives when the input's length is not
/// known; the rest grows with the data actually read.
const STREAM_RESERVE: u64 = 1 << 20;

/// Reads an IDX file whose magic number must be `magic`, with `ndims` big-endian u32
/// dimensions after it, and whose payload must be exactly as long as they say; returns
/// the dimensions and the payload.
///
/// The content may be gzip-compressed (detected by its first bytes, not its name).
/// `file_len` is the input's length where known (a regular file's size).
pub(super) fn read_idx(
    path: &Path,
    mut reader: impl Read,
    file_len: Option<u64>,
    magic: u32,
    ndims: usize,
) -> Result<(Vec<usize>, Vec<u8>), MnistError> {
    let mut first = [0u8; 2];
    let got = read_full(&mut reader, &mut first).map_err(|e| io_error(path, e))?;
    let head = &first[..got];
    if head == GZIP_MAGIC {
        // MultiGzDecoder, like gunzip, accepts several concatenated gzip members.
        let gz = flate2::read::MultiGzDecoder::new(head.chain(reader));
        let idx = Idx {
            path,
            magic,
            ndims,
            raw_len: None,
            error: gzip_error,
        };
        idx.decode(gz)
    } else {
        let idx = Idx {
            path,
            magic,
            ndims,
            raw_len: file_len,
            error: io_error,
        };
        idx.decode(head.chain(reader))
    }
}

/// What an IDX file must be, and how to report a failed read of it.
struct Idx<'a> {
    path: &'a Path,
    magic: u32,
    ndims: usize,
    /// The uncompressed content's length, where known before reading it.
    raw_len: Option<u64>,
    error: fn(&Path, std::io::Error) -> MnistError,
}

impl Idx<'_> {
    fn decode(&self, mut r: impl Read) -> Result<(Vec<usize>, Vec<u8>), MnistError> {
        let header_len = 4 * (1 + self.ndims);
        let read_err = |e| (self.error)(self.path, e);
        let mut header = vec![0u8; header_len];
        // A file too short for even the magic number is reported as truncated: there is
        // no magic to compare.
        let got = read_full(&mut r, &mut header[..4]).map_err(read_err)?;
        if got < 4 {
            return Err(self.truncated(header_len as u64, got as u64));
        }
        let found = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        if found != self.magic {
            return Err(MnistError::BadMagic {
                path: self.path.to_path_buf(),
                found,
                expected: self.magic,
            });
        }
        let got = 4 + read_full(&mut r, &mut header[4..]).map_err(read_err)?;
        if got < header_len {
            return Err(self.truncated(header_len as u64, got as u64));
        }
        let dims: Vec<u32> = header[4..]
            .chunks_exact(4)
            .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        // u64 arithmetic, saturating: three u32 dimensions can overflow even u64, and
        // such a file is simply truncated.
        let payload_len = dims
            .iter()
            .fold(1u64, |acc, &d| acc.saturating_mul(u64::from(d)));
        let expected_bytes = payload_len.saturating_add(header_len as u64);
        if let Some(len) = self.raw_len {
            if len < expected_bytes {
                return Err(self.truncated(expected_bytes, len));
            }
            if len > expected_bytes {
                return Err(self.trailing(expected_bytes, Some(len)));
            }
        }
        let payload = self.read_payload(r, payload_len, expected_bytes)?;
        // u32 always fits in usize on the (32- and 64-bit) targets std supports.
        Ok((dims.iter().map(|&d| d as usize).collect(), payload))
    }

    /// Reads the `payload_len` bytes after the header, and one more to tell whether
    /// anything follows them.
    fn read_payload(
        &self,
        r: impl Read,
        payload_len: u64,
        expected_bytes: u64,
    ) -> Result<Vec<u8>, MnistError> {
        // What the header declares must fit in memory, whatever the file turns out to
        // hold: a stream (gzip, FIFO) is read until it ends or reaches the declared size.
        crate::memory::check_declared(u128::from(payload_len), "the file declares").map_err(
            |source| MnistError::Io {
                path: self.path.to_path_buf(),
                source,
            },
        )?;
        // A regular file's length has vouched for the whole payload; a stream only for
        // what it has delivered so far.
        let reserve = match self.raw_len {
            Some(_) => payload_len,
            None => payload_len.min(STREAM_RESERVE),
        };
        let mut payload = Vec::new();
        payload
            .try_reserve_exact(usize::try_from(reserve).unwrap_or(usize::MAX))
            .map_err(|_| MnistError::Io {
                path: self.path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::OutOfMemory,
                    "not enough memory for the data set",
                ),
            })?;
        r.take(payload_len.saturating_add(1))
            .read_to_end(&mut payload)
            .map_err(|e| (self.error)(self.path, e))?;
        let found = payload.len() as u64;
        let header_len = expected_bytes - payload_len;
        if found < payload_len {
            return Err(self.truncated(expected_bytes, header_len + found));
        }
        if found > payload_len {
            return Err(self.trailing(expected_bytes, self.raw_len));
        }
        payload.shrink_to_fit();
        Ok(payload)
    }

    fn truncated(&self, expected_bytes: u64, found_bytes: u64) -> MnistError {
        MnistError::Truncated {
            path: self.path.to_path_buf(),
            expected_bytes,
            found_bytes,
        }
    }

    fn trailing(&self, expected_bytes: u64, found_bytes: Option<u64>) -> MnistError {
        MnistError::TrailingData {
            path: self.path.to_path_buf(),
            expected_bytes,
            found_bytes,
        }
    }
}

fn io_error(path: &Path, source: std::io::Error) -> MnistError {
    MnistError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The decompressor's own complaints (corrupt or cut-short data) are the gzip stream's
/// fault; anything else it passes on is the file's read failing.
fn gzip_error(path: &Path, source: std::io::Error) -> MnistError {
    use std::io::ErrorKind::{InvalidData, InvalidInput, UnexpectedEof};
    if matches!(source.kind(), InvalidData | InvalidInput | UnexpectedEof) {
        MnistError::Gzip {
            path: path.to_path_buf(),
            source,
        }
    } else {
        io_error(path, source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::mnist::{IMAGES_MAGIC, LABELS_MAGIC};
    use crate::io::test_support::Metered;

    fn idx(magic: u32, dims: &[u32], payload_len: usize) -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes.extend((0..payload_len).map(|i| i as u8));
        bytes
    }

    fn p() -> &'static Path {
        Path::new("test.idx")
    }

    #[test]
    fn parses_image_header() {
        let bytes = idx(IMAGES_MAGIC, &[2, 3, 4], 24);
        let (dims, payload) = read_idx(p(), &bytes[..], None, IMAGES_MAGIC, 3).unwrap();
        assert_eq!(dims, vec![2, 3, 4]);
        assert_eq!(payload.len(), 24);
        assert_eq!(payload[0], 0);
        assert_eq!(payload[23], 23);
    }

    #[test]
    fn parses_label_header() {
        let bytes = idx(LABELS_MAGIC, &[5], 5);
        let (dims, payload) = read_idx(p(), &bytes[..], None, LABELS_MAGIC, 1).unwrap();
        assert_eq!(dims, vec![5]);
        assert_eq!(payload, &[0, 1, 2, 3, 4]);
    }

    #[test]
    fn empty_set_is_valid() {
        let bytes = idx(LABELS_MAGIC, &[0], 0);
        let (dims, payload) = read_idx(p(), &bytes[..], None, LABELS_MAGIC, 1).unwrap();
        assert_eq!(dims, vec![0]);
        assert!(payload.is_empty());
    }

    #[test]
    fn wrong_magic() {
        let bytes = idx(LABELS_MAGIC, &[1, 1, 1], 1);
        let err = read_idx(p(), &bytes[..], None, IMAGES_MAGIC, 3).unwrap_err();
        assert!(
            matches!(
                err,
                MnistError::BadMagic {
                    found: 0x801,
                    expected: 0x803,
                    ..
                }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("0x00000801") && msg.contains("test.idx"),
            "{msg}"
        );
    }

    #[test]
    fn short_header_is_truncated() {
        for len in [0, 3, 4, 15] {
            let bytes = &idx(IMAGES_MAGIC, &[1, 1, 1], 1)[..len];
            let err = read_idx(p(), bytes, None, IMAGES_MAGIC, 3).unwrap_err();
            assert!(
                matches!(err, MnistError::Truncated { expected_bytes: 16, found_bytes, .. }
                    if found_bytes == len as u64),
                "{len}: {err:?}"
            );
        }
    }

    #[test]
    fn short_payload_is_truncated() {
        let bytes = idx(IMAGES_MAGIC, &[2, 2, 2], 7);
        let err = read_idx(p(), &bytes[..], None, IMAGES_MAGIC, 3).unwrap_err();
        assert!(
            matches!(
                err,
                MnistError::Truncated {
                    expected_bytes: 24,
                    found_bytes: 23,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn long_payload_is_trailing_data() {
        let bytes = idx(LABELS_MAGIC, &[2], 3);
        let err = read_idx(p(), &bytes[..], Some(11), LABELS_MAGIC, 1).unwrap_err();
        assert!(
            matches!(
                err,
                MnistError::TrailingData {
                    expected_bytes: 10,
                    found_bytes: Some(11),
                    ..
                }
            ),
            "{err:?}"
        );
        // A stream's length is not known, and not read to its end to find it.
        let err = read_idx(p(), &bytes[..], None, LABELS_MAGIC, 1).unwrap_err();
        assert!(
            matches!(
                err,
                MnistError::TrailingData {
                    expected_bytes: 10,
                    found_bytes: None,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("has more"), "{err}");
    }

    #[test]
    fn huge_dimensions_do_not_overflow() {
        // 2^96 bytes saturate at u64::MAX: more than any machine's memory (where the
        // platform says how much it has), and more than the 4 bytes that follow.
        let bytes = idx(IMAGES_MAGIC, &[u32::MAX, u32::MAX, u32::MAX], 4);
        let err = read_idx(p(), &bytes[..], None, IMAGES_MAGIC, 3).unwrap_err();
        let out_of_memory = matches!(
            &err,
            MnistError::Io { source, .. } if source.kind() == std::io::ErrorKind::OutOfMemory
        );
        let truncated = matches!(
            err,
            MnistError::Truncated {
                expected_bytes: u64::MAX,
                ..
            }
        );
        assert!(out_of_memory || truncated, "{err:?}");
    }

    #[test]
    fn an_endless_stream_is_read_one_byte_past_the_declared_size() {
        let header = idx(LABELS_MAGIC, &[4], 0);
        let mut endless = Metered {
            inner: header.as_slice().chain(std::io::repeat(7)),
            taken: 0,
            limit: u64::MAX,
        };
        let err = read_idx(p(), &mut endless, None, LABELS_MAGIC, 1).unwrap_err();
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
        assert_eq!(endless.taken, 13);
        // All zeros, as `/dev/zero` gives: no IDX magic number.
        let err = read_idx(p(), std::io::repeat(0), None, IMAGES_MAGIC, 3).unwrap_err();
        assert!(
            matches!(err, MnistError::BadMagic { found: 0, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_gzip_bomb_is_decompressed_no_further_than_the_header_declares() {
        use std::io::Write as _;
        // 64 MiB of zeros after a header declaring 4 labels: about 64 KiB compressed.
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&idx(LABELS_MAGIC, &[4], 4)).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            enc.write_all(&zeros).unwrap();
        }
        let bomb = enc.finish().unwrap();
        let mut metered = Metered {
            inner: bomb.as_slice(),
            taken: 0,
            limit: u64::MAX,
        };
        let err = read_idx(p(), &mut metered, None, LABELS_MAGIC, 1).unwrap_err();
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
        // The decompressor reads its input in buffers of 32 KiB; a few of them at most.
        assert!(
            metered.taken < (bomb.len() as u64).min(1 << 17),
            "read {} of {} compressed bytes",
            metered.taken,
            bomb.len()
        );
    }

    #[test]
    fn a_wrong_file_length_is_refused_before_the_payload_is_read() {
        let bytes = idx(IMAGES_MAGIC, &[2, 2, 2], 8);
        for (len, truncated) in [(23, true), (25, false)] {
            // Reading anything after the header fails, so refusing means not reading.
            let header_only = Metered {
                inner: bytes.as_slice(),
                taken: 0,
                limit: 16,
            };
            let err = read_idx(p(), header_only, Some(len), IMAGES_MAGIC, 3).unwrap_err();
            match err {
                MnistError::Truncated {
                    expected_bytes: 24,
                    found_bytes,
                    ..
                } if truncated => assert_eq!(found_bytes, len),
                MnistError::TrailingData {
                    expected_bytes: 24,
                    found_bytes,
                    ..
                } if !truncated => assert_eq!(found_bytes, Some(len)),
                other => panic!("{len}: {other:?}"),
            }
        }
    }
}
