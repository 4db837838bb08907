//! Replacing a folder of files as a unit: a new folder is filled beside the old one and
//! swapped in whole, so that an interrupted or failed write leaves the old folder as it
//! was, never old files beside new ones.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::atomic_file::{parent_dir, process_is_alive, resolve_links, writer_pid};
use checks::{available_bytes, check_renamable, check_replaceable};

mod checks;

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
        crate::memory::human_bytes(u128::from(*needed)),
        crate::memory::human_bytes(u128::from(*available))
    )]
    NoSpace {
        /// The folder.
        path: PathBuf,
        /// Bytes the files need.
        needed: u64,
        /// Bytes left to unprivileged users.
        available: u64,
    },
    /// The folder can't be replaced by a rename: a mount point, or the current folder.
    #[error(
        "{} is {reason}: kenyon replaces the folder whole by renaming a new one into its place, which can't be done there; give a folder inside it"
    , path.display())]
    NotReplaceable {
        /// The folder.
        path: PathBuf,
        /// Why.
        reason: &'static str,
    },
    /// The new folder was written but could not take the old one's place: it is kept.
    #[error(
        "the new files could not take the place of {}; they are kept in {}: move them there yourself, or remove them",
        target.display(),
        kept.display()
    )]
    NotCommitted {
        /// The folder that was to be replaced.
        target: PathBuf,
        /// Where the new files are.
        kept: PathBuf,
        /// Why.
        #[source]
        source: Box<FolderError>,
    },
    /// The file system refused.
    #[error("{}", path.display())]
    Io {
        /// The path the operation was on.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
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
    ours: fn(&OsStr) -> bool,
    committed: bool,
}

impl FolderWriter {
    /// Starts replacing `dir` (following a symbolic link to it). `dir` and the folders
    /// above it may not exist yet (they are created); if it does, it must be a folder
    /// holding only files for which `ours` is true, since the whole folder is replaced,
    /// and one a rename can replace (not a mount point, not the current folder). What
    /// interrupted writers of `dir` left behind is cleared up first. Creating the staging
    /// folder here checks early that the folder can be written.
    pub fn begin(dir: &Path, ours: fn(&OsStr) -> bool) -> Result<Self, FolderError> {
        let (target, _) = resolve_links(dir).map_err(io_error(dir))?;
        // `model/.` or `..` name a folder by a name a rename can't replace.
        let target = fs::canonicalize(&target).unwrap_or(target);
        let (parent, name) = parent_and_name(&target)?;
        check_renamable(&target, &parent)?;
        fs::create_dir_all(&parent).map_err(io_error(&parent))?;
        // First, so that an old folder put back is checked like any other.
        recover_interrupted(&parent, &name, &target, ours);
        check_replaceable(&target, ours)?;
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
            ours,
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
    /// first and moved back if the new one cannot take its place. If the swap fails
    /// (files the writer doesn't own appeared in the target meanwhile, say), the target
    /// is left as it was and the new files are kept where the error says.
    pub fn commit(mut self) -> Result<(), FolderError> {
        // Kept on failure too: the caller's work is in it.
        self.committed = true;
        self.swap_in().map_err(|source| FolderError::NotCommitted {
            target: self.target.clone(),
            kept: self.keep_staging(),
            source: Box::new(source),
        })
    }

    /// Renames the staging folder to a visible name beside the target (`{name}.new`, or
    /// `{name}.new-{pid}` if that is taken), out of reach of the sweep of staging
    /// folders, and returns where it is.
    fn keep_staging(&self) -> PathBuf {
        let (Some(parent), Some(name)) = (self.staging.parent(), self.target.file_name()) else {
            return self.staging.clone();
        };
        let mut kept = name.to_os_string();
        kept.push(".new");
        let mut kept = parent.join(kept);
        if kept.exists() {
            let mut with_pid = kept.into_os_string();
            with_pid.push(format!("-{}", std::process::id()));
            kept = PathBuf::from(with_pid);
        }
        match fs::rename(&self.staging, &kept) {
            Ok(()) => kept,
            Err(_) => self.staging.clone(),
        }
    }

    fn swap_in(&self) -> Result<(), FolderError> {
        let target = &self.target;
        match fs::symlink_metadata(target) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::rename(&self.staging, target).map_err(io_error(target))
            }
            Err(e) => Err(io_error(target)(e)),
            Ok(old) => {
                // Checked again: the folder may have changed since `begin`.
                check_replaceable(target, self.ours)?;
                // Best effort: the new folder keeps the old one's permissions.
                let _ = fs::set_permissions(&self.staging, old.permissions());
                let old_place = exchange(&self.staging, target).map_err(io_error(target))?;
                // Best effort: a leftover is swept by the next writer.
                let _ = fs::remove_dir_all(old_place);
                Ok(())
            }
        }
    }
}

impl Drop for FolderWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The folder `target` sits in and its name.
fn parent_and_name(target: &Path) -> Result<(PathBuf, OsString), FolderError> {
    let name = target.file_name().ok_or_else(|| FolderError::Io {
        path: target.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "does not name a folder"),
    })?;
    Ok((parent_dir(target).to_path_buf(), name.to_os_string()))
}

/// `.{name}.staging-`: the staging folders of `name` start with this, then `{pid}-{n}`.
fn staging_prefix(name: &OsStr) -> OsString {
    hidden_prefix(name, "staging")
}

/// `.{name}.old-`: where the two-rename exchange puts the old folder of `name` for a
/// moment, then `{pid}`.
fn aside_prefix(name: &OsStr) -> OsString {
    hidden_prefix(name, "old")
}

/// `.{name}.{kind}-`, the hidden name a writer of `name` gives its folders of `kind`.
fn hidden_prefix(name: &OsStr, kind: &str) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(format!(".{kind}-"));
    prefix
}

/// Clears up after writers of `target` that died: an old folder a two-rename exchange
/// had moved aside goes back if nothing took its place (else it is removed), and
/// staging folders are removed. Only folders named exactly as a writer names them, whose
/// process is gone, and which hold nothing but files for which `ours` is true: a user's
/// folder that merely looks like one is left alone. Best effort.
fn recover_interrupted(parent: &Path, name: &OsStr, target: &Path, ours: fn(&OsStr) -> bool) {
    let left_by_writer = |folder: &PathBuf| check_replaceable(folder, ours).is_ok();
    for aside in dead_writers_entries(parent, &aside_prefix(name), false) {
        if !left_by_writer(&aside) {
            continue;
        }
        if fs::symlink_metadata(target).is_err() {
            let _ = fs::rename(&aside, target);
        } else {
            let _ = fs::remove_dir_all(&aside);
        }
    }
    for staging in dead_writers_entries(parent, &staging_prefix(name), true) {
        if left_by_writer(&staging) {
            let _ = fs::remove_dir_all(staging);
        }
    }
}

/// The folders in `parent` named exactly `{prefix}{pid}` (or `{prefix}{pid}-{n}` where
/// `numbered`) whose process `pid` is gone.
fn dead_writers_entries(parent: &Path, prefix: &OsStr, numbered: bool) -> Vec<PathBuf> {
    let prefix = prefix.to_string_lossy();
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut dead = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let Some(rest) = file_name.strip_prefix(prefix.as_ref()) else {
            continue;
        };
        let pid = writer_pid(rest, numbered);
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid.is_some_and(|pid| !process_is_alive(pid)) {
            dead.push(entry.path());
        }
    }
    dead
}

/// Puts the folder `new` in the place of `old` and returns where the old folder now is:
/// `new`'s path, swapped in one step where the platform can; else the old folder is
/// first moved aside (to `.{name}.old-{pid}`, where [`recover_interrupted`] finds it if
/// the process dies before the next rename) and moved back if `new` can't take its place.
fn exchange(new: &Path, old: &Path) -> io::Result<PathBuf> {
    #[cfg(target_os = "linux")]
    if exchange_in_one_step(new, old).is_ok() {
        return Ok(new.to_path_buf());
    }
    let parent = parent_dir(new);
    let mut aside_name = aside_prefix(old.file_name().unwrap_or(OsStr::new("folder")));
    aside_name.push(std::process::id().to_string());
    let aside = parent.join(aside_name);
    fs::rename(old, &aside)?;
    if let Err(e) = fs::rename(new, old) {
        let _ = fs::rename(&aside, old);
        return Err(e);
    }
    Ok(aside)
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
    use crate::io::test_support::dir_entries as names;

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

    #[test]
    fn files_that_appear_during_the_work_stop_the_swap_and_the_new_files_are_kept() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("model");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("a.npy"), b"old").unwrap();
        let writer = FolderWriter::begin(&dir, ours).unwrap();
        fs::write(writer.staging().join("a.npy"), b"new").unwrap();
        fs::write(dir.join("notes.txt"), b"mine").unwrap();
        let err = writer.commit().unwrap_err();
        let FolderError::NotCommitted { kept, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(kept, &root.path().join("model.new"));
        assert!(err.to_string().contains("model.new"), "{err}");
        assert_eq!(names(&dir), vec!["a.npy", "notes.txt"]);
        assert_eq!(fs::read(kept.join("a.npy")).unwrap(), b"new");
        // Out of reach of the next writer's sweep.
        drop(FolderWriter::begin(&root.path().join("model2"), ours).unwrap());
        assert!(kept.is_dir());
    }

    #[test]
    fn the_current_folder_and_dot_paths_are_refused_or_resolved() {
        let root = tempfile::tempdir().unwrap();
        let cwd = std::env::current_dir().unwrap();
        let err = FolderWriter::begin(&cwd, ours).unwrap_err();
        assert!(matches!(err, FolderError::NotReplaceable { .. }), "{err}");
        let dir = root.path().join("model");
        fs::create_dir(&dir).unwrap();
        let writer = FolderWriter::begin(&dir.join("."), ours).unwrap();
        fs::write(writer.staging().join("a.npy"), b"new").unwrap();
        writer.commit().unwrap();
        assert_eq!(names(&dir), vec!["a.npy"]);
    }

    #[test]
    fn folders_that_only_look_like_leftovers_are_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let dead = i32::MAX - 1;
        let lookalikes = [
            format!(".model.old-{dead}-backup"),
            format!(".model.staging-{dead}-notes"),
            format!(".model.old-{dead}"),
        ];
        for (k, name) in lookalikes.iter().enumerate() {
            fs::create_dir(root.path().join(name)).unwrap();
            // The last one is named like a leftover but holds the user's file.
            let file = if k == 2 { "thesis.tex" } else { "a.npy" };
            fs::write(root.path().join(name).join(file), b"mine").unwrap();
        }
        let dir = root.path().join("model");
        drop(FolderWriter::begin(&dir, ours).unwrap());
        let mut expected: Vec<String> = lookalikes.to_vec();
        expected.sort();
        assert_eq!(names(root.path()), expected);
    }

    #[test]
    fn an_old_folder_left_aside_by_a_dead_writer_comes_back() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("model");
        let aside = root.path().join(format!(".model.old-{}", i32::MAX - 1));
        fs::create_dir(&aside).unwrap();
        fs::write(aside.join("a.npy"), b"old").unwrap();
        let writer = FolderWriter::begin(&dir, ours).unwrap();
        assert_eq!(fs::read(dir.join("a.npy")).unwrap(), b"old");
        drop(writer);
        assert_eq!(names(root.path()), vec!["model"]);
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
