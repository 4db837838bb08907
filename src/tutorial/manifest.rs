//! The manifest of a model folder: which files make up the model, with their sizes and
//! SHA-256 checksums, written last so that a folder whose files don't belong together
//! (an interrupted write, a file copied in from another model) is refused when read.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::io::atomic_file::write_atomically;

/// File of the manifest in a model folder (JSON).
pub const MODEL_MANIFEST: &str = "manifest.json";
/// What the manifest's `format` field says.
const FORMAT: &str = "kenyon trained model";
/// The manifest layout this version writes and reads.
const VERSION: u32 = 1;
/// A manifest larger than this is not one of ours; refused before it is read.
const MAX_MANIFEST_BYTES: u64 = 64 << 10;

/// Why a model folder's files were refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The folder has no manifest.
    #[error(
        "{} is not a complete kenyon model: {MODEL_MANIFEST} is missing (an interrupted `kenyon train`, or a folder written by hand or by an older kenyon); train again with `kenyon train --out {}`, or vouch for files made elsewhere with a manifest (`kenyon::tutorial::write_manifest`, or see docs/architecture.md, \"Files in and out\")",
        dir.display(),
        dir.display()
    )]
    Missing {
        /// The model folder.
        dir: PathBuf,
    },
    /// The manifest could not be read or is not a manifest of this version.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The manifest.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A file differs from the one the manifest lists.
    #[error(
        "{} does not belong to this model: its {what} differs from the one {MODEL_MANIFEST} records, so the folder was changed after `kenyon train` wrote it; train again, or restore the file (or, if you changed it on purpose, write a new manifest: see docs/architecture.md, \"Files in and out\")",
        path.display()
    )]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// "size" or "SHA-256 checksum".
        what: &'static str,
    },
    /// A file could not be read or written.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// The manifest as stored.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    /// Training images the model learned from, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trained_images: Option<u64>,
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileEntry {
    name: String,
    bytes: u64,
    sha256: String,
}

/// Size and SHA-256 (lower-case hex) of the file at `path`, read as a stream (a file
/// vouched for by [`write`] may be larger than memory).
fn checksum(path: &Path) -> Result<(u64, String), ManifestError> {
    let mut hasher = Sha256::new();
    let bytes = File::open(path)
        .and_then(|mut file| io::copy(&mut file, &mut hasher))
        .map_err(|source| ManifestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok((bytes, hex(&hasher.finalize())))
}

/// A digest in lower-case hex, as the manifest records it.
fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the manifest of the files `names` in `dir` (which must all be there).
pub(crate) fn write(
    dir: &Path,
    names: &[&str],
    trained_images: Option<u64>,
) -> Result<(), ManifestError> {
    let files = names
        .iter()
        .map(|&name| {
            let (bytes, sha256) = checksum(&dir.join(name))?;
            Ok(FileEntry {
                name: name.to_owned(),
                bytes,
                sha256,
            })
        })
        .collect::<Result<_, ManifestError>>()?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        trained_images,
        files,
    };
    let path = dir.join(MODEL_MANIFEST);
    write_atomically(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest).map_err(io::Error::other)?;
        io::Write::write_all(w, b"\n")
    })
    .map_err(|source| ManifestError::Io { path, source })
}

/// Checks that each of `names` in `dir` is the file the manifest records; returns the
/// number of training images the manifest records, if any.
#[cfg(test)]
fn verify(dir: &Path, names: &[&str]) -> Result<Option<u64>, ManifestError> {
    Ok(read_verified(dir, names)?.0)
}

/// Reads each of `names` in `dir` once, checking that it is the file the manifest
/// records, and returns their bytes (so what is parsed is what was checked) with the
/// number of training images the manifest records, if any. No file is read past its
/// recorded size.
pub(super) fn read_verified(
    dir: &Path,
    names: &[&str],
) -> Result<(Option<u64>, Vec<Vec<u8>>), ManifestError> {
    let manifest = read(dir)?;
    let path = dir.join(MODEL_MANIFEST);
    let mut contents = Vec::with_capacity(names.len());
    for &name in names {
        let entry = manifest
            .files
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| ManifestError::Invalid {
                path: path.clone(),
                reason: format!("it does not list {name}"),
            })?;
        let file = dir.join(name);
        let bytes = read_recorded(&file, entry.bytes)?;
        let what = if bytes.len() as u64 != entry.bytes {
            "size"
        } else if hex_sha256(&bytes) != entry.sha256 {
            "SHA-256 checksum"
        } else {
            contents.push(bytes);
            continue;
        };
        return Err(ManifestError::Mismatch { path: file, what });
    }
    Ok((manifest.trained_images, contents))
}

/// The file at `path`, read to at most one byte past the `recorded` size (enough to tell
/// a longer file), after checking that the recorded size fits in memory.
fn read_recorded(path: &Path, recorded: u64) -> Result<Vec<u8>, ManifestError> {
    let io = |source| ManifestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let declarer = format!("{MODEL_MANIFEST} records");
    crate::memory::check_declared(u128::from(recorded), &declarer).map_err(io)?;
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(recorded.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(io)?;
    Ok(bytes)
}

/// SHA-256 of `bytes` in lower-case hex.
fn hex_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The manifest of `dir`, refusing a missing, oversized or foreign one.
fn read(dir: &Path) -> Result<Manifest, ManifestError> {
    let path = dir.join(MODEL_MANIFEST);
    let invalid = |reason: String| ManifestError::Invalid {
        path: path.clone(),
        reason,
    };
    let file = match File::open(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(ManifestError::Missing {
                dir: dir.to_path_buf(),
            });
        }
        other => other.map_err(|source| ManifestError::Io {
            path: path.clone(),
            source,
        })?,
    };
    let mut text = Vec::new();
    file.take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|source| ManifestError::Io {
            path: path.clone(),
            source,
        })?;
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(invalid(format!(
            "larger than {MAX_MANIFEST_BYTES} bytes, not a kenyon model manifest"
        )));
    }
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| invalid(format!("not a kenyon model manifest ({e})")))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(invalid(format!(
            "a manifest of format '{}' version {}, where this kenyon reads '{FORMAT}' version {VERSION}",
            manifest.format, manifest.version
        )));
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_manifest_verifies_and_catches_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), b"alpha").unwrap();
        std::fs::write(dir.path().join("b"), b"beta").unwrap();
        write(dir.path(), &["a", "b"], Some(7)).unwrap();
        assert_eq!(verify(dir.path(), &["a", "b"]).unwrap(), Some(7));
        std::fs::write(dir.path().join("b"), b"BETA").unwrap();
        let err = verify(dir.path(), &["a", "b"]).unwrap_err();
        assert!(
            matches!(
                err,
                ManifestError::Mismatch {
                    what: "SHA-256 checksum",
                    ..
                }
            ),
            "{err}"
        );
        std::fs::write(dir.path().join("b"), b"longer").unwrap();
        let err = verify(dir.path(), &["a", "b"]).unwrap_err();
        assert!(
            matches!(err, ManifestError::Mismatch { what: "size", .. }),
            "{err}"
        );
    }

    #[test]
    fn sha256_matches_the_published_test_vector() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            checksum(&path).unwrap(),
            (
                3,
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_owned()
            )
        );
    }

    #[test]
    fn a_missing_or_foreign_manifest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = verify(dir.path(), &[]).unwrap_err();
        assert!(matches!(err, ManifestError::Missing { .. }), "{err}");
        std::fs::write(dir.path().join(MODEL_MANIFEST), b"{\"format\": 3}").unwrap();
        let err = verify(dir.path(), &[]).unwrap_err();
        assert!(matches!(err, ManifestError::Invalid { .. }), "{err}");
        std::fs::write(dir.path().join(MODEL_MANIFEST), vec![b' '; 100_000]).unwrap();
        let err = verify(dir.path(), &[]).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_that_never_ends_is_not_read_past_its_recorded_size() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("z"), b"abc").unwrap();
        write(dir.path(), &["z"], None).unwrap();
        std::fs::remove_file(dir.path().join("z")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("z")).unwrap();
        let err = verify(dir.path(), &["z"]).unwrap_err();
        assert!(
            matches!(err, ManifestError::Mismatch { what: "size", .. }),
            "{err}"
        );
    }
}
