//! Files: MNIST's IDX files in, NumPy's `.npy` files in and out, and writing any result
//! file, or a folder of them, atomically.

pub mod atomic_file;
pub mod atomic_folder;
pub mod mnist;
pub mod npy;
#[cfg(test)]
mod test_support;

use std::io::Read;

/// Reads into `buf` until it is full or the input ends; returns the bytes read. Unlike
/// `read_exact`, a short input is not an error: the readers report how short it was.
pub(crate) fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
