//! What the command line needs of the platform before anything else runs.

/// Mesa's Vulkan and GL drivers print "error: XDG_RUNTIME_DIR is invalid or not set" on
/// every adapter they open when the variable is missing (containers, CI), which reads
/// like a failure of kenyon's. Point it at a private folder of ours instead.
#[cfg(target_os = "linux")]
pub(crate) fn quiet_mesa_runtime_dir_warning() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| !d.is_empty()) {
        return;
    }
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("kenyon-runtime-{uid}"));
    let private = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)))
        .and_then(|()| std::fs::metadata(&dir))
        .is_ok_and(|m| m.uid() == uid);
    if private {
        // SAFETY: called first thing in main, before any other thread exists.
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
