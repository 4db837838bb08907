//! What the command line needs of the platform before anything else runs.

/// Mesa's Vulkan and GL drivers print "error: XDG_RUNTIME_DIR is invalid or not set" on
/// every adapter they open when the variable is missing (containers, CI), which reads
/// like a failure of kenyon's. Point it at a private folder of ours instead.
///
/// The folder sits in the shared temporary folder, where another user may have planted
/// a link or a folder of their own under its name: it is created without following
/// links, never chmod'ed, and used only if it is a real folder owned by this user that
/// no one else can enter. Otherwise the variable is left unset (Mesa only warns).
#[cfg(target_os = "linux")]
pub(crate) fn quiet_mesa_runtime_dir_warning() {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    if std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| !d.is_empty()) {
        return;
    }
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = std::env::temp_dir().join(format!("kenyon-runtime-{uid}"));
    // mkdir does not follow a link at its last component; an existing entry is checked
    // below, without following links either.
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    let private = std::fs::symlink_metadata(&dir)
        .is_ok_and(|m| m.file_type().is_dir() && m.uid() == uid && m.mode() & 0o077 == 0);
    if private {
        // SAFETY: called in main before any other thread exists.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn quiet_mesa_runtime_dir_warning() {}

/// Rust ignores SIGPIPE, so printing to a closed pipe (`kenyon bench | head`) panics;
/// command-line tools should instead end quietly, as the default action does.
#[cfg(unix)]
pub(crate) fn default_sigpipe() {
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
pub(crate) fn default_sigpipe() {}
