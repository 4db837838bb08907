//! The `.npy` header: written byte for byte as numpy writes it, and read back from the
//! Python dict literal numpy stores.

use std::fmt::Write as _;

use super::MAGIC;

/// numpy aligns the start of the data to this many bytes.
const ARRAY_ALIGN: usize = 64;
/// numpy leaves room in the header for the first axis to grow to this many digits,
/// so that appending rows can rewrite the header in place.
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// The header dictionary exactly as numpy's `repr`-based writer formats it.
pub(super) fn header_dict(descr: &str, shape: &[usize]) -> String {
    let mut s = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (");
    for (i, d) in shape.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{d}");
    }
    // Python writes a one-element tuple as `(5,)`.
    if shape.len() == 1 {
        s.push(',');
    }
    s.push_str("), }");
    if let Some(first) = shape.first() {
        let digits = first.to_string().len();
        s.extend(std::iter::repeat_n(
            ' ',
            GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits),
        ));
    }
    s
}

/// The complete version 1.0 header: magic, version, length, padded dictionary.
///
/// Returns `None` if the dictionary does not fit the 16-bit length field of version 1.0,
/// which only happens for shapes with thousands of dimensions.
pub(super) fn encode_header(descr: &str, shape: &[usize]) -> Option<Vec<u8>> {
    let dict = header_dict(descr, shape);
    let prefix_len = MAGIC.len() + 2 + 2;
    // +1 for the terminating newline. Like numpy, a header that is already aligned still
    // gets a full block of padding.
    let unpadded = dict.len() + 1;
    let pad = ARRAY_ALIGN - (prefix_len + unpadded) % ARRAY_ALIGN;
    let header_len = u16::try_from(unpadded + pad).ok()?;
    let mut out = Vec::with_capacity(prefix_len + unpadded + pad);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    Some(out)
}

/// The three entries of a `.npy` header dictionary.
#[derive(Debug, PartialEq)]
pub(super) struct Header {
    pub descr: String,
    pub fortran_order: bool,
    pub shape: Vec<usize>,
}

/// A value in the header dictionary; only what numpy writes for simple dtypes.
enum Value {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
}

/// Parses the Python dict literal of a `.npy` header, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
pub(super) fn parse_header(text: &str) -> Result<Header, String> {
    let mut p = Parser {
        rest: text.trim_end(),
    };
    p.expect('{')?;
    let (mut descr, mut fortran_order, mut shape) = (None, None, None);
    loop {
        p.skip_ws();
        if p.eat('}') {
            break;
        }
        let key = p.string()?;
        p.skip_ws();
        p.expect(':')?;
        let value = p.value()?;
        match (key.as_str(), value) {
            ("descr", Value::Str(s)) => descr = Some(s),
            ("fortran_order", Value::Bool(b)) => fortran_order = Some(b),
            ("shape", Value::Tuple(t)) => shape = Some(t),
            ("descr" | "fortran_order" | "shape", _) => {
                return Err(format!("'{key}' has a value of the wrong type"));
            }
            _ => return Err(format!("unexpected key '{key}'")),
        }
        p.skip_ws();
        if p.eat('}') {
            break;
        }
        p.expect(',')?;
    }
    p.skip_ws();
    if !p.rest.is_empty() {
        return Err("text after the closing '}'".into());
    }
    Ok(Header {
        descr: descr.ok_or("no 'descr' key")?,
        fortran_order: fortran_order.ok_or("no 'fortran_order' key")?,
        shape: shape.ok_or("no 'shape' key")?,
    })
}

struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        self.skip_ws();
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}' at \"{}\"", self.context()))
        }
    }

    fn context(&self) -> &str {
        let end = self
            .rest
            .char_indices()
            .nth(20)
            .map_or(self.rest.len(), |(i, _)| i);
        &self.rest[..end]
    }

    fn string(&mut self) -> Result<String, String> {
        self.skip_ws();
        let quote = match self.rest.chars().next() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(format!("expected a string at \"{}\"", self.context())),
        };
        let body = &self.rest[1..];
        let end = body
            .find(quote)
            .ok_or_else(|| "unterminated string".to_string())?;
        let s = body[..end].to_string();
        self.rest = &body[end + 1..];
        Ok(s)
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_ws();
        if self.rest.starts_with(['\'', '"']) {
            return self.string().map(Value::Str);
        }
        if let Some(r) = self.rest.strip_prefix("True") {
            self.rest = r;
            return Ok(Value::Bool(true));
        }
        if let Some(r) = self.rest.strip_prefix("False") {
            self.rest = r;
            return Ok(Value::Bool(false));
        }
        if self.eat('(') {
            let mut dims = Vec::new();
            loop {
                self.skip_ws();
                if self.eat(')') {
                    break;
                }
                dims.push(self.integer()?);
                self.skip_ws();
                if self.eat(')') {
                    break;
                }
                self.expect(',')?;
            }
            return Ok(Value::Tuple(dims));
        }
        Err(format!("unsupported value at \"{}\"", self.context()))
    }

    fn integer(&mut self) -> Result<usize, String> {
        let digits = self
            .rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.rest.len());
        if digits == 0 {
            return Err(format!("expected a dimension at \"{}\"", self.context()));
        }
        let (num, rest) = self.rest.split_at(digits);
        // Python 2 era files may write dimensions as `3L`.
        self.rest = rest.strip_prefix('L').unwrap_or(rest);
        num.parse()
            .map_err(|_| format!("dimension {num} is too large"))
    }
}
