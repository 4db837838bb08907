//! How a path is written: replaced through a temporary file, written in place (a
//! device, a FIFO), or through one of the process's own descriptors (`/dev/stdout`),
//! decided by following its links.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Whether writing `a` and writing `b` would replace the same file: the same path once
/// links are followed and `.`, `..` and relative folders are resolved (call it after
/// [`prepare_output_file`](super::prepare_output_file) has created the folders). Devices and descriptors, written in
/// place, are never the same output.
pub fn same_output(a: &Path, b: &Path) -> bool {
    let place = |path: &Path| {
        let WriteTarget::Replace(target) = plan_write(path).ok()? else {
            return None;
        };
        let name = target.file_name()?.to_os_string();
        let parent = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        Some(fs::canonicalize(parent).ok()?.join(name))
    };
    match (place(a), place(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// How a path is written.
pub(super) enum WriteTarget {
    /// A regular file, new or not, replaced atomically: the file the links lead to.
    Replace(PathBuf),
    /// A device, FIFO or socket, or a file named through another process's descriptor
    /// links in `/proc`: written where it is, appending.
    InPlace,
    /// One of this process's open files, named through `/dev/stdout`, `/dev/fd/N` or
    /// `/proc/self/fd/N` (a shell redirection or a process substitution): written
    /// through the descriptor itself, at its position, as the process's other output
    /// is (reopening the file would start at another position and overwrite it).
    Descriptor(i32),
}

/// Decides how `path` is written, refusing a folder.
pub(super) fn plan_write(path: &Path) -> io::Result<WriteTarget> {
    let folder = || {
        io::Error::new(
            io::ErrorKind::IsADirectory,
            format!("{} names a folder, not a file", path.display()),
        )
    };
    if names_a_folder(path) {
        return Err(folder());
    }
    // What the kernel reaches through every link, including /proc's links to open
    // files, which readlink can only describe.
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(folder()),
        Ok(m) if !m.is_file() => {
            Ok(own_descriptor(path).map_or(WriteTarget::InPlace, WriteTarget::Descriptor))
        }
        Ok(_) | Err(_) => {
            let (target, through_descriptor) = resolve_links(path)?;
            if let Some(fd) = own_descriptor(path) {
                Ok(WriteTarget::Descriptor(fd))
            } else if through_descriptor {
                Ok(WriteTarget::InPlace)
            } else if names_a_folder(&target) {
                Err(folder())
            } else {
                Ok(WriteTarget::Replace(target))
            }
        }
    }
}

/// The descriptor of this process that `path` names through /proc's links
/// (`/dev/stdout` -> `/proc/self/fd/1`), if it names one.
fn own_descriptor(path: &Path) -> Option<i32> {
    let own_fds = fs::canonicalize("/proc/self/fd").ok()?;
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if !fs::symlink_metadata(&current)
            .ok()?
            .file_type()
            .is_symlink()
        {
            return None;
        }
        let parent = match current.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if fs::canonicalize(parent).ok()? == own_fds {
            return current.file_name()?.to_str()?.parse().ok();
        }
        let link = fs::read_link(&current).ok()?;
        current = if link.is_relative() {
            parent.join(link)
        } else {
            link
        };
    }
    None
}

/// Whether `path` ends in a separator, `.` or `..`, naming a folder whatever is there.
fn names_a_folder(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    text.ends_with(std::path::MAIN_SEPARATOR)
        || text.ends_with('/')
        || text.ends_with("/.")
        || path.file_name().is_none()
}

/// Symbolic links followed before deciding how to write (the kernel's own limit).
const MAX_LINKS: usize = 40;

/// `path` with every symbolic link at its end followed, to the file a write through the
/// links would reach (which may not exist yet), and whether a link on the way was one of
/// `/proc`'s links to an open file (`/dev/stdout` is one), which names a descriptor of
/// this process rather than a place to put a file.
pub(crate) fn resolve_links(path: &Path) -> io::Result<(PathBuf, bool)> {
    let mut current = path.to_path_buf();
    let mut through_descriptor = false;
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                through_descriptor |= in_proc(&current);
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok((current, through_descriptor)),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a chain of more than {MAX_LINKS} symbolic links",
            path.display()
        ),
    ))
}

/// Whether the link at `path` is one of /proc's (its folder, links followed, is in it).
fn in_proc(path: &Path) -> bool {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::canonicalize(parent).is_ok_and(|dir| dir.starts_with("/proc"))
}
