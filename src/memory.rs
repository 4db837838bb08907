//! How much memory the machine can give, so that a network too large for it is refused
//! with the amount it would take, before anything is allocated (an allocation the
//! system refuses aborts the process; one it overcommits is killed later).

/// Bytes of memory the system says can be allocated without swapping, where it says
/// (Linux's `MemAvailable`); `None` elsewhere.
pub(crate) fn available_bytes() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
        parse_mem_available(&meminfo)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// `needed` bytes if the machine has them (or does not say), else the bytes it has.
pub(crate) fn check_fits(needed: u128) -> Result<(), u64> {
    match available_bytes() {
        Some(available) if needed > u128::from(available) => Err(available),
        _ => Ok(()),
    }
}

/// [`check_fits`] for `bytes` of data a file says it holds, as the `io::Error` its reader
/// returns: "{declarer} {size} of data, but this machine has {size} available".
pub(crate) fn check_declared(bytes: u128, declarer: &str) -> std::io::Result<()> {
    check_fits(bytes).map_err(|available| {
        std::io::Error::new(
            std::io::ErrorKind::OutOfMemory,
            format!(
                "{declarer} {} of data, but this machine has {} available",
                human_bytes(bytes),
                human_bytes(u128::from(available))
            ),
        )
    })
}

/// Bytes in a human unit, for messages.
pub(crate) fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_available_is_read_in_bytes() {
        let text = "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   2048 kB\n";
        assert_eq!(parse_mem_available(text), Some(2048 * 1024));
        assert_eq!(parse_mem_available("MemTotal: 5 kB\n"), None);
    }

    #[test]
    fn sizes_read_in_human_units() {
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
        assert_eq!(human_bytes(u128::from(u64::MAX) * 4), "73786976.3 TB");
    }

    #[test]
    fn more_than_any_machine_has_does_not_fit() {
        if available_bytes().is_some() {
            assert!(check_fits(u128::from(u64::MAX) + 1).is_err());
        }
        assert!(check_fits(1).is_ok());
    }
}
