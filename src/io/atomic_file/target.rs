//! How a path is written: replaced through a temporary file, written in place (a
//! device, a FIFO), or through one of the process's own descriptors (`/dev/stdout`),
//! decided by following its links.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Whether writing `a` and writing `b` would replace the same file: the same path once
/// links are followed and `.`, `..` and relative folders are resolved (call it after
/// [`prepare_output_file`](super::prepare_output_file) has created the folders).
/// Devices and descriptors, written in place, are never the same output.
pub fn same_output(a: &Path, b: &Path) -> bool {
    let place = |path: &Path| {
        let WriteTarget::Replace(target) = plan_write(path).ok()? else {
            return None;
        };
        let name = target.file_name()?.to_os_string();
        Some(fs::canonicalize(parent_dir(&target)).ok()?.join(name))
    };
    match (place(a), place(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The folder `path` sits in: its parent, or `.` for a bare name (whose parent is "").
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
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
    let metadata = fs::metadata(path);
    if metadata.as_ref().is_ok_and(|m| m.is_dir()) {
        return Err(folder());
    }
    let (target, crossing) = resolve_links(path)?;
    match crossing {
        Crossing::OwnDescriptor(fd) => Ok(WriteTarget::Descriptor(fd)),
        _ if metadata.is_ok_and(|m| !m.is_file()) => Ok(WriteTarget::InPlace),
        Crossing::OtherProc => Ok(WriteTarget::InPlace),
        Crossing::None if names_a_folder(&target) => Err(folder()),
        Crossing::None => Ok(WriteTarget::Replace(target)),
    }
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

/// Whether a chain of links went through `/proc`'s links to open files, which name a
/// descriptor rather than a place to put a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Crossing {
    /// No link of the chain is in `/proc`.
    None,
    /// A link names descriptor N of this process (`/dev/stdout` -> `/proc/self/fd/1`).
    OwnDescriptor(i32),
    /// A link is in `/proc`, but not one of this process's descriptors.
    OtherProc,
}

/// `path` with every symbolic link at its end followed, to the file a write through the
/// links would reach (which may not exist yet), and whether the chain went through
/// `/proc` (a descriptor of this process found anywhere on it wins).
pub(crate) fn resolve_links(path: &Path) -> io::Result<(PathBuf, Crossing)> {
    let own_fds = fs::canonicalize("/proc/self/fd").ok();
    let mut current = path.to_path_buf();
    let mut crossing = Crossing::None;
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                crossing = match (crossing, proc_link(&current, own_fds.as_deref())) {
                    (Crossing::OwnDescriptor(fd), _) => Crossing::OwnDescriptor(fd),
                    (_, Crossing::OwnDescriptor(fd)) => Crossing::OwnDescriptor(fd),
                    (Crossing::None, found) => found,
                    (Crossing::OtherProc, _) => Crossing::OtherProc,
                };
                let link = fs::read_link(&current)?;
                current = if link.is_relative() {
                    parent_dir(&current).join(link)
                } else {
                    link
                };
            }
            _ => return Ok((current, crossing)),
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

/// What the link at `link` is, by the folder it sits in (links followed): one of this
/// process's descriptors (`own_fds` is /proc/self/fd resolved), another of /proc's
/// links, or neither.
fn proc_link(link: &Path, own_fds: Option<&Path>) -> Crossing {
    let Ok(dir) = fs::canonicalize(parent_dir(link)) else {
        return Crossing::None;
    };
    let fd = link.file_name().and_then(|n| n.to_str()?.parse().ok());
    match fd {
        Some(fd) if own_fds == Some(dir.as_path()) => Crossing::OwnDescriptor(fd),
        _ if dir.starts_with("/proc") => Crossing::OtherProc,
        _ => Crossing::None,
    }
}
