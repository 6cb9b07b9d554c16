//! The `[genesis]` section: the first block's parameters and the pre-funded accounts.

use std::{collections::BTreeMap, fmt};

use alloy_primitives::{Address, B256, Bytes, U256, address};
use serde::{Deserialize, Deserializer, Serialize, de};

/// Largest contract code allowed in a genesis account, in bytes (EIP-170).
pub const MAX_CODE_SIZE: usize = 24_576;

/// Largest `extra_data` of the genesis block, in bytes (the Ethereum header limit).
pub const MAX_EXTRA_DATA_BYTES: usize = 32;

/// `[genesis]`: timestamp, base fee, fee recipient and the initial accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenesisConfig {
    /// Unix timestamp of the genesis block, in seconds; 0 means "the current time when the
    /// node first starts". Default 0.
    pub timestamp: u64,
    /// EIP-1559 base fee of the genesis block, in wei. Default 1000000000 (1 gwei).
    pub base_fee_per_gas: u64,
    /// Account that receives the fees. Default `0x4200000000000000000000000000000000000011`.
    pub fee_vault: Address,
    /// Accounts that exist at genesis, keyed by address
    /// (`[genesis.alloc."0x…"]` tables in TOML).
    pub alloc: BTreeMap<Address, GenesisAccount>,
    /// `extra_data` of the genesis block header, 0x-hex, at most 32 bytes. Default empty.
    pub extra_data: Bytes,
    /// Accounts of other VMs that exist at genesis, keyed by their 32-byte id (a Solana
    /// pubkey, 0x-hex; `[genesis.accounts."0x…"]` tables in TOML). EVM accounts go in
    /// `alloc`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<B256, GenesisIdAccount>,
}

/// One account of another VM than the EVM at genesis: its balance and, for a Solana-style
/// account, its owner, flags and data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenesisIdAccount {
    /// Balance in wei (a whole number of lamports: 1 lamport = 1 gwei), in the formats
    /// `alloc` accepts.
    #[serde(deserialize_with = "deserialize_balance")]
    pub balance: U256,
    /// The program owning the account (32-byte 0x-hex); `None`: a plain wallet, with no
    /// owner, data or flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<B256>,
    /// Whether the account holds an executable program.
    pub executable: bool,
    /// The account's data (0x-hex).
    pub data: Bytes,
}

impl Default for GenesisConfig {
    fn default() -> Self {
        Self {
            timestamp: 0,
            base_fee_per_gas: 1_000_000_000,
            fee_vault: address!("0x4200000000000000000000000000000000000011"),
            alloc: BTreeMap::new(),
            extra_data: Bytes::new(),
            accounts: BTreeMap::new(),
        }
    }
}

/// One account of the genesis allocation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenesisAccount {
    /// Balance in wei. TOML accepts a decimal string (`"1000000000000000000"`), a 0x-hex
    /// string (`"0xde0b6b3a7640000"`) or a non-negative integer.
    #[serde(deserialize_with = "deserialize_balance")]
    pub balance: U256,
    /// Account nonce. Default 0.
    pub nonce: u64,
    /// Contract code (0x-hex), at most [`MAX_CODE_SIZE`] bytes; `None` for a plain account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Bytes>,
    /// Storage slots of the contract, 32-byte 0x-hex key to 32-byte 0x-hex value.
    pub storage: BTreeMap<B256, B256>,
}

/// Reads a wei amount from a decimal string, a 0x-hex string or a non-negative integer.
fn deserialize_balance<'de, D: Deserializer<'de>>(deserializer: D) -> Result<U256, D::Error> {
    struct BalanceVisitor;

    impl de::Visitor<'_> for BalanceVisitor {
        type Value = U256;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "a balance in wei: a decimal string like \"1000000000000000000\", \
                 a 0x-hex string like \"0xde0b6b3a7640000\", or a non-negative integer",
            )
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<U256, E> {
            Ok(U256::from(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<U256, E> {
            u64::try_from(v)
                .map(U256::from)
                .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<U256, E> {
            let digits = v.trim().replace('_', "");
            digits.parse().map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }

    deserializer.deserialize_any(BalanceVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(toml_text: &str) -> Result<GenesisAccount, toml::de::Error> {
        toml::from_str(toml_text)
    }

    #[test]
    fn balance_accepts_decimal_hex_and_integer() {
        let thousand_ether = U256::from(1_000_000_000_000_000_000_000u128);
        assert_eq!(
            account(r#"balance = "1000000000000000000000""#).unwrap().balance,
            thousand_ether
        );
        assert_eq!(account(r#"balance = "0x3635c9adc5dea00000""#).unwrap().balance, thousand_ether);
        assert_eq!(account("balance = 1000").unwrap().balance, U256::from(1000));
    }

    #[test]
    fn balance_rejects_negative_and_garbage_with_a_hint() {
        let err = account("balance = -1").unwrap_err().to_string();
        assert!(err.contains("a balance in wei"), "{err}");
        let err = account(r#"balance = "ten ether""#).unwrap_err().to_string();
        assert!(err.contains("decimal string"), "{err}");
    }

    #[test]
    fn account_with_code_and_storage_round_trips_through_toml() {
        let mut storage = BTreeMap::new();
        storage.insert(B256::with_last_byte(1), B256::with_last_byte(2));
        let acc = GenesisAccount {
            balance: U256::from(7),
            nonce: 3,
            code: Some(Bytes::from_static(&[0x60, 0x00])),
            storage,
        };
        let text = toml::to_string(&acc).unwrap();
        assert_eq!(account(&text).unwrap(), acc);
    }

    #[test]
    fn unknown_account_field_is_rejected() {
        let err = account("balanse = \"1\"").unwrap_err().to_string();
        assert!(err.contains("unknown field `balanse`"), "{err}");
    }
}
