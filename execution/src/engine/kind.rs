//! `EngineKind`: which engine runs a transaction — the one-byte kind tag every transaction
//! carries on the wire (journal records, stored block bodies and DA batches hold
//! `kind ‖ bytes`).
//!
//! Tags: `0x00` EVM, `0x01` Solana, `0x02` L1 deposit. `0xde` is the dev-state
//! engine, which only chains with `chain.dev_state_writes` (devnets) run. `0xf0` is the key-value test
//! engine, which exists only in builds with the `test-utils` feature. A byte no engine of the
//! build has is [`TxError::UnknownKind`].

use std::fmt;

use crate::TxError;

/// The engine a transaction belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EngineKind {
    /// Ethereum transactions (EIP-2718 bytes), executed by revm.
    Evm,
    /// Solana transactions (bincode `VersionedTransaction`), executed by agave's runtime.
    Svm,
    /// L1 deposits (minted from the portal's events): see `deposit`.
    Deposit,
    /// A devnet's state writes (`anvil_setBalance`, …): see `dev_state`.
    DevState,
    /// The key-value test engine (ed25519 signatures), the second engine that proves the seam.
    #[cfg(any(test, feature = "test-utils"))]
    Kv,
}

impl EngineKind {
    /// Every kind this build knows.
    pub const ALL: &[EngineKind] = &[
        EngineKind::Evm,
        EngineKind::Svm,
        EngineKind::Deposit,
        EngineKind::DevState,
        #[cfg(any(test, feature = "test-utils"))]
        EngineKind::Kv,
    ];

    /// The kind's wire tag.
    pub const fn tag(self) -> u8 {
        match self {
            EngineKind::Evm => 0x00,
            EngineKind::Svm => 0x01,
            EngineKind::Deposit => 0x02,
            EngineKind::DevState => 0xde,
            #[cfg(any(test, feature = "test-utils"))]
            EngineKind::Kv => 0xf0,
        }
    }

    /// The kind with wire tag `tag`; [`TxError::UnknownKind`] if this build has none.
    pub fn from_tag(tag: u8) -> Result<Self, TxError> {
        Self::ALL.iter().copied().find(|kind| kind.tag() == tag).ok_or(TxError::UnknownKind(tag))
    }

    /// Splits a tagged encoding, `kind ‖ payload`, into its kind and payload.
    pub fn split_tagged(tagged: &[u8]) -> Result<(Self, &[u8]), TxError> {
        let [tag, payload @ ..] = tagged else { return Err(TxError::Empty) };
        Ok((Self::from_tag(*tag)?, payload))
    }

    /// The kind whose block budget this kind's transactions use: deposits' calls share the
    /// EVM's gas (the header's `gasUsed` counts both); every other kind has its own.
    pub const fn budget_kind(self) -> EngineKind {
        match self {
            EngineKind::Deposit => EngineKind::Evm,
            kind => kind,
        }
    }

    /// Lower-case name, for logs, metrics labels and errors.
    pub const fn name(self) -> &'static str {
        match self {
            EngineKind::Evm => "evm",
            EngineKind::Svm => "svm",
            EngineKind::Deposit => "deposit",
            EngineKind::DevState => "devstate",
            #[cfg(any(test, feature = "test-utils"))]
            EngineKind::Kv => "kv",
        }
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_are_distinct() {
        for kind in EngineKind::ALL {
            assert_eq!(EngineKind::from_tag(kind.tag()), Ok(*kind));
        }
        assert_eq!(EngineKind::Evm.tag(), 0);
        assert_eq!(EngineKind::Svm.tag(), 1);
        assert_eq!(EngineKind::Deposit.tag(), 2);
        assert_eq!(EngineKind::from_tag(0x03), Err(TxError::UnknownKind(0x03)));
    }
}
