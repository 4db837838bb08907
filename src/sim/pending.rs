//! Recordings on their way back from a backend, and which simulation they belong to.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Recordings;

/// Tells one simulation from another, so a pending recording goes back to the simulation
/// that started it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SimulationId(u64);

impl SimulationId {
    pub fn unique() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        SimulationId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A recording on its way back from the device; see
/// [`Simulator::start_take_recording`](super::Simulator::start_take_recording).
#[must_use = "a pending recording holds a read-back buffer until it is finished"]
pub struct PendingRecordings {
    pub(crate) owner: SimulationId,
    pub(crate) readback: Readback,
}

/// Where the data of a pending recording is.
pub(crate) enum Readback {
    /// Already on the host.
    Ready(Recordings),
    /// Still in flight, in a form only the backend that started it knows (the GPU's).
    #[cfg_attr(not(feature = "gpu"), allow(dead_code))]
    InFlight(Box<dyn Any + Send>),
}
