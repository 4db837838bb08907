//! What a folder must be for a rename to replace it whole, and how much room its file
//! system has: the checks `FolderWriter` makes before any work is done.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::Path;

use super::{FolderError, io_error};

/// Bytes left to unprivileged users on the file system of `path`.
#[cfg(unix)]
pub(super) fn available_bytes(path: &Path) -> Option<u64> {
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
pub(super) fn available_bytes(_path: &Path) -> Option<u64> {
    None
}

/// Refuses a target a rename can't replace: a mount point (on another device than its
/// parent), or the folder the process, and likely the user's shell, is in.
pub(super) fn check_renamable(target: &Path, parent: &Path) -> Result<(), FolderError> {
    let refuse = |reason| {
        Err(FolderError::NotReplaceable {
            path: target.to_path_buf(),
            reason,
        })
    };
    if std::env::current_dir().is_ok_and(|cwd| cwd == target) {
        return refuse("the current folder");
    }
    if is_mount_point(target) {
        return refuse("a mount point");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(t), Ok(p)) = (fs::metadata(target), fs::metadata(parent))
            && t.dev() != p.dev()
        {
            return refuse("a mount point");
        }
    }
    Ok(())
}

/// Whether `path` (canonical) is where a file system is mounted, per the kernel's list
/// (`/proc/self/mountinfo`, whose fifth field is the mount point, with spaces and other
/// odd bytes written as octal escapes). A bind mount of a folder of the same file system
/// has the same device as its parent, so the list is the only way to tell.
fn is_mount_point(path: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Ok(mounts) = fs::read_to_string("/proc/self/mountinfo") else {
            return false;
        };
        let path = path.to_string_lossy();
        mounts
            .lines()
            .filter_map(|line| line.split(' ').nth(4))
            .any(|mount_point| unescape_octal(mount_point) == path)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        false
    }
}

/// `\040`-style octal escapes of mountinfo, decoded.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn unescape_octal(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match escape {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Refuses a target that is a file, or a folder holding files that are not `ours`.
pub(super) fn check_replaceable(
    target: &Path,
    ours: fn(&OsStr) -> bool,
) -> Result<(), FolderError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_points_are_read_from_the_kernels_list() {
        assert_eq!(unescape_octal("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape_octal("/x\\0"), "/x\\0");
        #[cfg(target_os = "linux")]
        {
            assert!(is_mount_point(Path::new("/proc")));
            let root = tempfile::tempdir().unwrap();
            assert!(!is_mount_point(root.path()));
        }
    }
}
