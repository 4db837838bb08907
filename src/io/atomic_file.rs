//! Writing result files so that a crash, a full disk or a failed encoder never leaves a
//! half-written file where a complete one is expected.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporary files of concurrent writes from the same process (threads
/// writing the same target would otherwise share `.{name}.tmp-{pid}`).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Removes the temporary file unless the write went through, including when the
/// caller's closure panics.
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: the original error matters more than a failed clean-up.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `path` atomically: `write` fills a temporary file in the same directory
/// (named `.{file_name}.tmp-{pid}-{n}`), which is flushed and then renamed over `path`.
///
/// Readers see either the old file or the complete new one, never a partial file. On any
/// error, from `write` or from the file system, the temporary file is removed and `path`
/// is left as it was. The data is flushed to the operating system but not `fsync`ed: this
/// guards against failed or interrupted runs, not against power loss.
///
/// Errors are plain [`io::Error`]s that do not name the file; callers add the path.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    // `Path::parent` of a bare file name is "", which is not a directory to open in.
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let temp_path = dir.join(temp_name);

    // create_new: never clobber a file that happens to have the temporary name.
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp_path)?;
    let mut guard = TempGuard {
        path: temp_path,
        armed: true,
    };
    let mut writer = BufWriter::new(file);
    write(&mut writer)?;
    writer.flush()?;
    // into_inner cannot fail after a successful flush, but keep the error path anyway.
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    // Close before renaming: Windows refuses to rename an open file.
    drop(file);
    fs::rename(&guard.path, path)?;
    guard.armed = false;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomically(&path, |w| w.write_all(b"hello")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello");
        assert_eq!(dir_entries(dir.path()), vec!["out.txt"]);
    }

    #[test]
    fn replaces_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        fs::write(&path, b"old contents that are longer").unwrap();
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(dir_entries(dir.path()), vec!["out.txt"]);
    }

    #[test]
    fn failed_write_keeps_old_file_and_removes_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        fs::write(&path, b"old").unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("encoder failed"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "encoder failed");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(dir_entries(dir.path()), vec!["out.txt"]);
    }

    #[test]
    fn failed_write_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let result = write_atomically(&path, |_| Err(io::Error::other("nope")));
        assert!(result.is_err());
        assert!(dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn panicking_writer_removes_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let result = std::panic::catch_unwind(|| {
            let _ = write_atomically(&path, |w| {
                w.write_all(b"x").unwrap();
                panic!("writer panicked");
            });
        });
        assert!(result.is_err());
        assert!(dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no_such_dir").join("out.txt");
        let err = write_atomically(&path, |w| w.write_all(b"x")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn path_without_file_name_is_an_error() {
        let err = write_atomically(Path::new("/"), |w| w.write_all(b"x")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn rename_onto_directory_fails_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), b"k").unwrap();
        assert!(write_atomically(&path, |w| w.write_all(b"x")).is_err());
        assert_eq!(dir_entries(dir.path()), vec!["sub"]);
    }

    #[test]
    fn temp_file_sits_next_to_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.npy");
        write_atomically(&path, |w| {
            let names = dir_entries(dir.path());
            assert_eq!(names.len(), 1);
            let prefix = format!(".data.npy.tmp-{}-", std::process::id());
            assert!(names[0].starts_with(&prefix), "{names:?}");
            w.write_all(b"x")
        })
        .unwrap();
    }
}
