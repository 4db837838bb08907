//! Replacing a folder of files as a unit: a new folder is filled beside the old one and
//! swapped in whole, so that an interrupted or failed write leaves the old folder as it
//! was, never old files beside new ones.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::atomic_file::{process_is_alive, resolve_links};

/// Distinguishes the staging folders of concurrent writers in one process.
static STAGING_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Why a folder could not be replaced.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// The path exists but is not a folder.
    #[error("{} exists and is not a folder", path.display())]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// The folder holds files the writer does not own; replacing it would delete them.
    #[error(
        "{} holds files that are not part of what is written there ({}); choose a new or empty folder",
        path.display(),
        names.join(", ")
    )]
    ForeignFiles {
        /// The folder.
        path: PathBuf,
        /// Some of the files it holds.
        names: Vec<String>,
    },
    /// The file system has less space left than the files need.
    #[error(
        "{} needs about {} of space but its file system has {} left; free some space or choose another folder",
        path.display(),
        megabytes(*needed),
        megabytes(*available)
    )]
    NoSpace {
        /// The folder.
        path: PathBuf,
        /// Bytes the files need.
        needed: u64,
        /// Bytes left to unprivileged users.
        available: u64,
    },
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path the operation was on.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> FolderError + '_ {
    move |source| FolderError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A folder being written: files go into [`staging`](FolderWriter::staging), a fresh
/// hidden sibling of the target, until [`commit`](FolderWriter::commit) swaps it in.
/// Dropped without a commit, the staging folder is removed and the target is untouched.
#[derive(Debug)]
pub struct FolderWriter {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl FolderWriter {
    /// Starts replacing `dir` (following a symbolic link to it). `dir` and the folders
    /// above it may not exist yet (they are created);
    /// if it does, it must be a folder holding only files for which `ours` is true,
    /// since the whole folder is replaced. Staging folders that interrupted writers of
    /// `dir` left behind are removed first. Creating the staging folder here checks
    /// early that the folder can be written.
    pub fn begin(dir: &Path, ours: impl Fn(&OsStr) -> bool) -> Result<Self, FolderError> {
        let target = resolve_links(dir).map_err(io_error(dir))?;
        check_replaceable(&target, &ours)?;
        let (parent, name) = parent_and_name(&target)?;
        fs::create_dir_all(&parent).map_err(io_error(&parent))?;
        remove_stale_staging(&parent, &name);
        let mut staging_name = staging_prefix(&name);
        staging_name.push(format!(
            "{}-{}",
            std::process::id(),
            STAGING_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let staging = parent.join(staging_name);
        fs::create_dir(&staging).map_err(io_error(&parent))?;
        Ok(FolderWriter {
            target,
            staging,
            committed: false,
        })
    }

    /// The folder to write the new files into.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Refuses to go on where the file system has less than `needed` bytes left, so that
    /// work whose results would not fit is not started. Where the platform does not say,
    /// it is taken to fit.
    pub fn check_space(&self, needed: u64) -> Result<(), FolderError> {
        match available_bytes(&self.staging) {
            Some(available) if available < needed => Err(FolderError::NoSpace {
                path: self.target.clone(),
                needed,
                available,
            }),
            _ => Ok(()),
        }
    }

    /// Swaps the staging folder in for the target and removes the old folder. Where the
    /// platform cannot exchange two folders in one step, the old folder is moved aside
    /// first and moved back if the new one cannot take its place.
    pub fn commit(mut self) -> Result<(), FolderError> {
        let target = self.target.clone();
        match fs::symlink_metadata(&target) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::rename(&self.staging, &target).map_err(io_error(&target))?;
            }
            Err(e) => return Err(io_error(&target)(e)),
            Ok(_) => {
                exchange(&self.staging, &target).map_err(io_error(&target))?;
                // The staging path now holds the old folder. Best effort: a leftover is
                // swept by the next writer.
                let _ = fs::remove_dir_all(&self.staging);
            }
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for FolderWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Bytes left to unprivileged users on the file system of `path`.
#[cfg(unix)]
fn available_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is plain data; zeroed is a valid value of it.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid NUL-terminated path and a pointer to a statvfs.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

#[cfg(not(unix))]
fn available_bytes(_path: &Path) -> Option<u64> {
    None
}

/// Refuses a target that is a file, or a folder holding files that are not `ours`.
fn check_replaceable(target: &Path, ours: &impl Fn(&OsStr) -> bool) -> Result<(), FolderError> {
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(target)(e)),
        Ok(m) if !m.is_dir() => Err(FolderError::NotAFolder {
            path: target.to_path_buf(),
        }),
        Ok(_) => {
            let mut names = Vec::new();
            for entry in fs::read_dir(target).map_err(io_error(target))? {
                let entry = entry.map_err(io_error(target))?;
                let is_file = entry.file_type().is_ok_and(|t| t.is_file());
                if !is_file || !ours(&entry.file_name()) {
                    names.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
            if names.is_empty() {
                return Ok(());
            }
            names.sort();
            names.truncate(5);
            Err(FolderError::ForeignFiles {
                path: target.to_path_buf(),
                names,
            })
        }
    }
}

/// The folder `target` sits in and its name.
fn parent_and_name(target: &Path) -> Result<(PathBuf, OsString), FolderError> {
    let name = target.file_name().ok_or_else(|| FolderError::Io {
        path: target.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "does not name a folder"),
    })?;
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name.to_os_string()))
}

/// `.{name}.staging-`: the staging folders of `name` start with this, then `{pid}-{n}`.
fn staging_prefix(name: &OsStr) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".staging-");
    prefix
}

/// Removes the staging folders of `name` in `parent` whose writer has died (killed
/// between `begin` and `commit`). Best effort.
fn remove_stale_staging(parent: &Path, name: &OsStr) {
    let prefix = staging_prefix(name);
    let prefix = prefix.to_string_lossy();
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let Some(rest) = file_name.strip_prefix(prefix.as_ref()) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid.is_some_and(|pid| !process_is_alive(pid)) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Exchanges the folders at `a` and `b`: in one step where the platform can, else by
/// moving `b` aside, `a` to `b` and the old `b` to `a`.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    if exchange_in_one_step(a, b).is_ok() {
        return Ok(());
    }
    let mut aside = b.as_os_str().to_os_string();
    aside.push(format!(".old-{}", std::process::id()));
    let aside = PathBuf::from(aside);
    fs::rename(b, &aside)?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(e);
    }
    fs::rename(&aside, a)
}

/// Linux's `renameat2(RENAME_EXCHANGE)`, which swaps two paths atomically.
#[cfg(target_os = "linux")]
fn exchange_in_one_step(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; the raw syscall because not every libc
    // wraps renameat2.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn ours(name: &OsStr) -> bool {
        name.to_string_lossy().ends_with(".npy")
    }

    #[test]
    fn a_new_folder_appears_whole_on_commit() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("model");
        let writer = FolderWriter::begin(&dir, ours).unwrap();
        fs::write(writer.staging().join("a.npy"), b"a").unwrap();
        assert!(!dir.exists());
        writer.commit().unwrap();
        assert_eq!(names(&dir), vec!["a.npy"]);
        assert_eq!(names(root.path()), vec!["model"]);
    }

    #[test]
    fn an_old_folder_is_replaced_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("model");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("a.npy"), b"old").unwrap();
        fs::write(dir.join("b.npy"), b"old").unwrap();
        let writer = FolderWriter::begin(&dir, ours).unwrap();
        fs::write(writer.staging().join("a.npy"), b"new").unwrap();
        writer.commit().unwrap();
        assert_eq!(names(&dir), vec!["a.npy"]);
        assert_eq!(fs::read(dir.join("a.npy")).unwrap(), b"new");
        assert_eq!(names(root.path()), vec!["model"]);
    }

    #[test]
    fn an_abandoned_write_leaves_the_old_folder() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("model");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("a.npy"), b"old").unwrap();
        let writer = FolderWriter::begin(&dir, ours).unwrap();
        fs::write(writer.staging().join("a.npy"), b"new").unwrap();
        drop(writer);
        assert_eq!(fs::read(dir.join("a.npy")).unwrap(), b"old");
        assert_eq!(names(root.path()), vec!["model"]);
    }

    #[test]
    fn a_folder_with_other_files_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("thesis.tex"), b"precious").unwrap();
        let err = FolderWriter::begin(&dir, ours).unwrap_err();
        assert!(matches!(err, FolderError::ForeignFiles { .. }), "{err}");
        assert!(err.to_string().contains("thesis.tex"), "{err}");
        assert_eq!(names(&dir), vec!["thesis.tex"]);
        let file = root.path().join("file");
        fs::write(&file, b"x").unwrap();
        let err = FolderWriter::begin(&file, ours).unwrap_err();
        assert!(matches!(err, FolderError::NotAFolder { .. }), "{err}");
    }

    #[test]
    fn staging_left_by_a_dead_writer_is_removed() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("model");
        // No process has pid i32::MAX - 1 (Linux caps pids at 2^22).
        let dead = root
            .path()
            .join(format!(".model.staging-{}-0", i32::MAX - 1));
        let live = root
            .path()
            .join(format!(".model.staging-{}-99", std::process::id()));
        fs::create_dir(&dead).unwrap();
        fs::create_dir(&live).unwrap();
        let writer = FolderWriter::begin(&dir, ours).unwrap();
        assert!(!dead.exists());
        assert!(live.exists());
        writer.commit().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn more_space_than_the_disk_has_is_refused_before_writing() {
        let root = tempfile::tempdir().unwrap();
        let writer = FolderWriter::begin(&root.path().join("m"), ours).unwrap();
        writer.check_space(1).unwrap();
        let err = writer.check_space(u64::MAX).unwrap_err();
        assert!(matches!(err, FolderError::NoSpace { .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_folder_stays_a_link() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir(root.path().join("real")).unwrap();
        let link = root.path().join("model");
        std::os::unix::fs::symlink("real", &link).unwrap();
        let writer = FolderWriter::begin(&link, ours).unwrap();
        fs::write(writer.staging().join("a.npy"), b"new").unwrap();
        writer.commit().unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(root.path().join("real/a.npy")).unwrap(), b"new");
    }
}
