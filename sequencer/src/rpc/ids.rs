//! Ids of filters and subscriptions: 16 random bytes in hex (`0x` + 32 digits), as geth
//! makes them, so clients that expect string ids get them.

use alloy_primitives::{B128, hex};
use jsonrpsee::{server::IdProvider, types::SubscriptionId};

/// A fresh random id.
pub(crate) fn random_id() -> String {
    hex::encode_prefixed(B128::random())
}

/// jsonrpsee subscription ids in geth's format.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HexIdProvider;

impl IdProvider for HexIdProvider {
    fn next_id(&self) -> SubscriptionId<'static> {
        SubscriptionId::Str(random_id().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_hex_and_distinct() {
        let (a, b) = (random_id(), random_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 34);
        assert!(a.starts_with("0x") && a[2..].chars().all(|c| c.is_ascii_hexdigit()));
        assert!(matches!(HexIdProvider.next_id(), SubscriptionId::Str(s) if s.len() == 34));
    }
}
