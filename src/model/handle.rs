//! Handles to the parts of a network. A handle knows the network it came from, so a
//! handle from another network is refused instead of addressing whatever sits at its
//! index.

use std::sync::atomic::{AtomicU64, Ordering};

/// Identifies a [`Network`](super::Network). A network's clones keep its id: a handle
/// from the original addresses the same part of the clone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetworkId(u64);

impl NetworkId {
    /// A network id no other network of this process has.
    pub(crate) fn unique() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        NetworkId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name {
            network: NetworkId,
            index: usize,
        }

        impl $name {
            pub(crate) fn new(network: NetworkId, index: usize) -> Self {
                $name { network, index }
            }

            /// Position in the network's list of its kind, in the order they were added.
            pub fn index(self) -> usize {
                self.index
            }

            /// The network this handle belongs to.
            pub fn network(self) -> NetworkId {
                self.network
            }
        }
    };
}

handle!(
    /// Handle of a neuron population, returned by
    /// [`Network::add_neuron_population`](super::Network::add_neuron_population).
    PopulationId
);
handle!(
    /// Handle of a current source, returned by
    /// [`Network::add_current_source`](super::Network::add_current_source).
    CurrentSourceId
);
handle!(
    /// Handle of a synapse group, returned by
    /// [`Network::add_synapse_group`](super::Network::add_synapse_group).
    SynapseGroupId
);
