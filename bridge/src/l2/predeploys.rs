//! The bridge's predeploys: the system contracts an L2 chain holds from its genesis block, at
//! fixed addresses, as OP Stack chains hold theirs. One so far: [`L2Withdrawals`] at
//! [`L2_WITHDRAWALS_ADDRESS`], where withdrawals start. Its storage starts empty (the tree is
//! empty), so its runtime code is all it needs.

use alloy_primitives::U256;
use node_config::{GenesisAccount, GenesisConfig};

use crate::contracts::{L2_WITHDRAWALS_ADDRESS, L2Withdrawals};

/// Puts the bridge's predeploys in `genesis`, replacing whatever the alloc held at their
/// addresses (they are reserved).
pub fn add_predeploys(genesis: &mut GenesisConfig) {
    genesis.alloc.insert(
        L2_WITHDRAWALS_ADDRESS,
        GenesisAccount {
            balance: U256::ZERO,
            // A contract's nonce starts at 1 (EIP-161), as if it had been created.
            nonce: 1,
            code: Some(L2Withdrawals::DEPLOYED_BYTECODE.clone()),
            storage: Default::default(),
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_withdrawal_contract_is_placed_with_its_runtime_code() {
        let mut genesis = GenesisConfig::default();
        add_predeploys(&mut genesis);
        let account = &genesis.alloc[&L2_WITHDRAWALS_ADDRESS];
        assert_eq!(account.code.as_ref(), Some(&L2Withdrawals::DEPLOYED_BYTECODE));
        assert!(account.storage.is_empty());
    }
}
