//! Writing result files so that a crash, a full disk or a failed encoder never leaves a
//! half-written file where a complete one is expected.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub use target::same_output;
use target::{WriteTarget, plan_write};
pub(crate) use target::{parent_dir, resolve_links};

mod target;

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

/// Writes `path` the way a user expects of a Unix tool, never leaving a half-written file:
///
/// - a regular file (or a new one) is written atomically: `write` fills a temporary file
///   in the same directory (named `.{file_name}.tmp-{pid}-{n}`), which is flushed and
///   then renamed over the file. Readers see either the old file or the complete new one.
/// - a symbolic link is written through: the file it points to is replaced (atomically,
///   as above) and the link stays.
/// - a device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe) is written to
///   in place, never replaced by a regular file.
///
/// On any error, from `write` or from the file system, the temporary file is removed and
/// `path` is left as it was. The data is flushed to the operating system but not
/// `fsync`ed: this guards against failed or interrupted runs, not against power loss.
///
/// Errors are plain [`io::Error`]s that do not name the file; callers add the path.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    match plan_write(path)? {
        WriteTarget::Replace(target) => write_through_temp_file(&target, write),
        WriteTarget::InPlace => write_in_place(path, write),
        WriteTarget::Descriptor(fd) => write_to_descriptor(fd, write),
    }
}

/// Makes sure `path` can be written by [`write_atomically`] before any work that leads up
/// to writing it: creates the folders above it, refuses a folder, and checks that a file
/// can be created beside it. A device, FIFO or descriptor is only checked to exist
/// (opening a FIFO would wait for a reader).
pub fn prepare_output_file(path: &Path) -> io::Result<()> {
    match plan_write(path)? {
        WriteTarget::Replace(target) => prepare_output_dir(parent_dir(&target)),
        WriteTarget::InPlace | WriteTarget::Descriptor(_) => Ok(()),
    }
}

/// Creates the folder `dir` (and those above it) and checks that a file can be created
/// in it, before any work that leads up to writing there. Temporary files that killed
/// writers left there are removed.
pub fn prepare_output_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    remove_stale_temp_files(dir);
    let probe = dir.join(format!(
        ".kenyon-write-check-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    fs::remove_file(&probe)
}

/// Removes the temporary files (`.{name}.tmp-{pid}-{n}`) in `dir` whose writer has died,
/// as a killed run leaves them. Best effort.
fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = temp_file_writer(&name.to_string_lossy()) else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && !process_is_alive(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The process id in the name of one of our temporary files, `.{name}.tmp-{pid}-{n}`.
fn temp_file_writer(name: &str) -> Option<u32> {
    let (stem, suffix) = name.strip_prefix('.')?.rsplit_once(".tmp-")?;
    if stem.is_empty() {
        return None;
    }
    writer_pid(suffix, true)
}

/// The process id at the end of a leftover's name, where that end is exactly `{pid}`, or
/// `{pid}-{n}` if `numbered` (the forms writers here give their temporary files and
/// folders); `None` for anything else, which is then not a leftover of ours.
pub(crate) fn writer_pid(end: &str, numbered: bool) -> Option<u32> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let pid = match end.split_once('-') {
        Some((pid, n)) if numbered && digits(n) => pid,
        None if !numbered => end,
        _ => return None,
    };
    if !digits(pid) {
        return None;
    }
    pid.parse().ok()
}

/// Whether process `pid` exists; where that cannot be known, it is taken to exist, so
/// nothing of a live writer is removed.
pub(crate) fn process_is_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let found = unsafe { libc::kill(pid, 0) } == 0;
        found || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Writes into an existing device, FIFO, socket or open file without creating,
/// truncating or replacing anything: appended, as `>>` would (for an open file of this
/// process, such as stdout redirected to a file, after what was already written there).
fn write_in_place(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let file = OpenOptions::new().append(true).open(path)?;
    let mut writer = BufWriter::new(file);
    write(&mut writer)?;
    writer.flush()
}

/// Writes through a duplicate of this process's descriptor `fd`, which shares its
/// position with the original, after flushing what the process printed before.
#[cfg(unix)]
fn write_to_descriptor(
    fd: i32,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    use std::os::fd::BorrowedFd;
    io::stdout().flush()?;
    io::stderr().flush()?;
    // SAFETY: `fd` was just found open in /proc/self/fd; the borrow only lives to be
    // duplicated, and a descriptor closed in between makes the duplication fail.
    let owned = unsafe { BorrowedFd::borrow_raw(fd) }.try_clone_to_owned()?;
    let mut writer = BufWriter::new(File::from(owned));
    write(&mut writer)?;
    writer.flush()
}

#[cfg(not(unix))]
fn write_to_descriptor(
    _fd: i32,
    _write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "writing to a descriptor by name",
    ))
}

/// The atomic write of a regular file through a temporary sibling.
fn write_through_temp_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    // A file made read-only is one its owner protected: `>` would refuse it too.
    let old = fs::metadata(path).ok();
    if old.as_ref().is_some_and(|m| m.permissions().readonly()) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{} is read-only", path.display()),
        ));
    }
    let dir = parent_dir(path);
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
    // The new file keeps the old one's permissions (best effort).
    if let Some(old) = old {
        let _ = fs::set_permissions(&guard.path, old.permissions());
    }
    fs::rename(&guard.path, path)?;
    guard.armed = false;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::dir_entries;

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
    fn a_folder_is_an_error() {
        let err = write_atomically(Path::new("/"), |w| w.write_all(b"x")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
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

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("real.txt", &link).unwrap();
        write_atomically(&link, |w| w.write_all(b"new")).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(dir_entries(dir.path()), vec!["link.txt", "real.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlink_creates_its_target() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("sub/target.txt", &link).unwrap();
        write_atomically(&link, |w| w.write_all(b"x")).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(dir.path().join("sub/target.txt")).unwrap(), b"x");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        let reader_path = fifo.clone();
        let reader = std::thread::spawn(move || fs::read(reader_path).unwrap());
        write_atomically(&fifo, |w| w.write_all(b"through the pipe")).unwrap();
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert_eq!(dir_entries(dir.path()), vec!["pipe"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_are_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        write_atomically(Path::new("/dev/null"), |w| w.write_all(b"x")).unwrap();
        let err =
            write_atomically(Path::new("/dev/full"), |w| w.write_all(&[0; 1 << 16])).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        for dev in ["/dev/null", "/dev/full"] {
            assert!(fs::metadata(dev).unwrap().file_type().is_char_device());
        }
    }

    #[test]
    fn preparing_an_output_creates_its_folders_and_refuses_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/out.json");
        prepare_output_file(&path).unwrap();
        assert!(dir.path().join("a/b").is_dir());
        assert!(dir_entries(&dir.path().join("a/b")).is_empty());
        let err = prepare_output_file(dir.path()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
        prepare_output_file(Path::new("/dev/null")).unwrap();
    }

    #[test]
    fn temporary_files_of_dead_writers_are_swept_when_a_folder_is_prepared() {
        let dir = tempfile::tempdir().unwrap();
        let dead = format!(".out.png.tmp-{}-3", i32::MAX - 1);
        let live = format!(".out.png.tmp-{}-3", std::process::id());
        for name in [&dead, &live, ".notes.tmp-x-1", "plain.tmp-1-1"] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        prepare_output_dir(dir.path()).unwrap();
        let mut expected = vec![
            live.clone(),
            ".notes.tmp-x-1".into(),
            "plain.tmp-1-1".into(),
        ];
        expected.sort();
        assert_eq!(dir_entries(dir.path()), expected);
        assert_eq!(temp_file_writer(".a.tmp-12-0"), Some(12));
        assert_eq!(temp_file_writer(".tmp-12-0"), None);
    }

    #[cfg(unix)]
    #[test]
    fn two_names_of_one_file_are_the_same_output() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("sub/x.json", dir.path().join("alias.json")).unwrap();
        let path = |p: &str| dir.path().join(p);
        assert!(same_output(&path("alias.json"), &path("sub/x.json")));
        assert!(same_output(
            &path("sub/../sub/x.json"),
            &path("sub/./x.json")
        ));
        assert!(!same_output(&path("sub/x.json"), &path("sub/y.json")));
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions_and_a_read_only_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private.json");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_atomically(&path, |w| w.write_all(b"newer")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }
}
