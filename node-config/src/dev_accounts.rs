//! The well-known dev accounts: the keys every Ethereum dev tool (Anvil, Hardhat) derives
//! from the `test … junk` mnemonic, so wallets and scripts work against a devnet unchanged.

use alloy_primitives::{Address, B256};
use alloy_signer_local::{MnemonicBuilder, coins_bip39::English};
use serde::{Deserialize, Serialize};

use crate::ConfigError;

/// The mnemonic Anvil and Hardhat use for their pre-funded accounts. Public: never hold
/// real funds with these keys.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// BIP-44 path prefix of the dev accounts; account `i` is at `m/44'/60'/0'/0/{i}`.
pub const DEV_DERIVATION_PATH_PREFIX: &str = "m/44'/60'/0'/0/";

/// Largest number of dev accounts (BIP-32 non-hardened indices end at 2^31).
const MAX_DEV_ACCOUNTS: usize = 1 << 31;

/// One dev account: its address and its (public, well-known) private key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevAccount {
    /// The account's address.
    pub address: Address,
    /// The account's secp256k1 private key.
    pub private_key: B256,
}

/// Derives the first `n` dev accounts from [`DEV_MNEMONIC`] at `m/44'/60'/0'/0/{i}`.
///
/// Account 0 is `0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266`, as in Anvil and Hardhat.
pub fn dev_accounts(n: usize) -> Result<Vec<DevAccount>, ConfigError> {
    if n > MAX_DEV_ACCOUNTS {
        return Err(ConfigError::DevAccount {
            index: MAX_DEV_ACCOUNTS,
            reason: format!("{n} accounts requested but at most {MAX_DEV_ACCOUNTS} can be derived"),
        });
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    // The builder's default path is m/44'/60'/0'/0/0; its parent key is m/44'/60'/0'/0,
    // from which each account is one cheap child derivation.
    let parent = MnemonicBuilder::<English>::default()
        .phrase(DEV_MNEMONIC)
        .build_parent_key()
        .map_err(|e| ConfigError::DevAccount { index: 0, reason: e.to_string() })?;
    (0..n)
        .map(|index| {
            let child = u32::try_from(index)
                .map_err(|e| e.to_string())
                .and_then(|i| parent.child(i).map_err(|e| e.to_string()))
                .map_err(|reason| ConfigError::DevAccount { index, reason })?;
            let signer = child.signer();
            Ok(DevAccount { address: signer.address(), private_key: signer.to_bytes() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, b256};

    use super::*;

    #[test]
    fn first_accounts_match_anvil_and_hardhat() {
        let accounts = dev_accounts(3).unwrap();
        assert_eq!(accounts.len(), 3);
        assert_eq!(accounts[0].address, address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assert_eq!(
            accounts[0].private_key,
            b256!("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
        );
        assert_eq!(accounts[1].address, address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
        assert_eq!(
            accounts[1].private_key,
            b256!("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
        );
        assert_eq!(accounts[2].address, address!("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"));
    }

    #[test]
    fn zero_accounts_is_empty() {
        assert!(dev_accounts(0).unwrap().is_empty());
    }
}
