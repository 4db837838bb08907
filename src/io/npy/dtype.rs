//! The element types the reader understands, as named by a header's `descr`, and how one
//! element of each is decoded.
//!
//! numpy users save whatever their arrays hold: indices come as int64 from `np.array` of
//! Python ints, weights as float64 from most computations. The reader accepts every
//! plain integer and float dtype so those files load as they are, and converts with a
//! check instead of refusing them.

/// What kind of number an element is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Two's complement integer.
    Signed,
    /// Unsigned integer.
    Unsigned,
    /// IEEE 754 binary floating point.
    Float,
}

/// A numeric dtype: kind, size in bytes and byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Dtype {
    pub kind: Kind,
    pub size: usize,
    pub big_endian: bool,
}

/// The dtypes [`Dtype::parse`] accepts, for error messages.
pub(super) const SUPPORTED: &str = "integers (i1, i2, i4, i8, u1, u2, u4, u8) and floats (f4, f8), \
     either byte order";

impl Dtype {
    /// The dtype of a `descr` such as `<i8` or `>f4`, or `None` for anything else
    /// (strings, records, complex numbers, float16, objects...).
    pub(super) fn parse(descr: &str) -> Option<Dtype> {
        let mut chars = descr.chars();
        let order = chars.next()?;
        let kind = match chars.next()? {
            'i' => Kind::Signed,
            'u' => Kind::Unsigned,
            'f' => Kind::Float,
            _ => return None,
        };
        let size: usize = chars.as_str().parse().ok()?;
        let size_ok = match kind {
            Kind::Signed | Kind::Unsigned => matches!(size, 1 | 2 | 4 | 8),
            Kind::Float => matches!(size, 4 | 8),
        };
        // numpy writes `|` (not applicable) for one-byte types and `<` or `>` for the
        // rest; `=` (native order) only appears in hand-made headers.
        let big_endian = match order {
            '<' => false,
            '>' => true,
            '|' if size == 1 => false,
            '=' => cfg!(target_endian = "big"),
            _ => return None,
        };
        size_ok.then_some(Dtype {
            kind,
            size,
            big_endian,
        })
    }

    /// The element in `bytes` (exactly [`Dtype::size`] of them) as little-endian bytes,
    /// zero-padded to eight.
    fn le_bytes(self, bytes: &[u8]) -> [u8; 8] {
        let mut buf = [0u8; 8];
        let n = bytes.len().min(8);
        buf[..n].copy_from_slice(&bytes[..n]);
        if self.big_endian {
            buf[..n].reverse();
        }
        buf
    }

    /// The integer in `bytes`, for an integer dtype.
    pub(super) fn integer(self, bytes: &[u8]) -> i128 {
        let raw = u64::from_le_bytes(self.le_bytes(bytes));
        if self.kind == Kind::Unsigned {
            return i128::from(raw);
        }
        // Shifting the sign bit of a narrow integer to the top and back extends it.
        let shift = 64 - 8 * self.size as u32;
        i128::from(((raw << shift) as i64) >> shift)
    }

    /// The float in `bytes` as an `f32`, for a float dtype: float32 bit for bit (NaN
    /// payloads included), float64 rounded to nearest.
    pub(super) fn float32(self, bytes: &[u8]) -> Float32 {
        let raw = u64::from_le_bytes(self.le_bytes(bytes));
        if self.size == 4 {
            return Float32::Exact(f32::from_bits(raw as u32));
        }
        let wide = f64::from_bits(raw);
        let narrow = wide as f32;
        if wide.is_finite() && !narrow.is_finite() {
            Float32::Overflow(wide)
        } else {
            Float32::Exact(narrow)
        }
    }
}

/// A stored float read as `f32`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Float32 {
    /// The value (rounded to nearest when stored as float64).
    Exact(f32),
    /// A finite float64 too large for float32, which would become infinite.
    Overflow(f64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_numpy_writes() {
        let d = |descr| Dtype::parse(descr);
        assert_eq!(
            d("<i8"),
            Some(Dtype {
                kind: Kind::Signed,
                size: 8,
                big_endian: false
            })
        );
        assert_eq!(
            d(">u4"),
            Some(Dtype {
                kind: Kind::Unsigned,
                size: 4,
                big_endian: true
            })
        );
        assert_eq!(d("|u1").map(|t| t.size), Some(1));
        assert_eq!(d("<f8").map(|t| t.kind), Some(Kind::Float));
        for bad in [
            "", "<", "<i", "<i3", "<i16", "|i4", "<f2", "<c8", "<U10", "|O", "|b1", "i4", "<i4 ",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn integers_of_every_width_and_order() {
        let le = Dtype::parse("<i2").unwrap();
        assert_eq!(le.integer(&(-2i16).to_le_bytes()), -2);
        let be = Dtype::parse(">i8").unwrap();
        assert_eq!(be.integer(&i64::MIN.to_be_bytes()), i128::from(i64::MIN));
        let u = Dtype::parse("<u8").unwrap();
        assert_eq!(u.integer(&u64::MAX.to_le_bytes()), i128::from(u64::MAX));
        assert_eq!(Dtype::parse("|i1").unwrap().integer(&[0xff]), -1);
        assert_eq!(Dtype::parse("|u1").unwrap().integer(&[0xff]), 255);
    }

    #[test]
    fn float64_narrows_with_an_overflow_check() {
        let f8 = Dtype::parse("<f8").unwrap();
        let read = |x: f64| f8.float32(&x.to_le_bytes());
        assert_eq!(read(0.1), Float32::Exact(0.1f32));
        assert_eq!(read(-1e300), Float32::Overflow(-1e300));
        assert_eq!(read(f64::INFINITY), Float32::Exact(f32::INFINITY));
        assert!(matches!(read(f64::NAN), Float32::Exact(x) if x.is_nan()));
        // Underflow to zero is rounding, not overflow.
        assert_eq!(read(1e-300), Float32::Exact(0.0));
        let be = Dtype::parse(">f4").unwrap();
        assert_eq!(be.float32(&1.5f32.to_be_bytes()), Float32::Exact(1.5));
    }
}
