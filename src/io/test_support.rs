//! What the readers' and writers' unit tests share.

use std::io::Read;
use std::path::Path;

/// A reader that counts the bytes taken from it and fails if asked past `limit`.
#[derive(Debug)]
pub(crate) struct Metered<R> {
    pub inner: R,
    pub taken: u64,
    pub limit: u64,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.taken >= self.limit {
            return Err(std::io::Error::other("read past the limit"));
        }
        let n = self.inner.read(buf)?;
        self.taken += n as u64;
        Ok(n)
    }
}

/// The names in `dir`, sorted.
pub(crate) fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
