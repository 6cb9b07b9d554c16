//! Request parameters that clients spell in more than one way: quantities given as hex,
//! decimal string or JSON number (`eth_feeHistory`'s block count), and storage keys given
//! as short hex (`"0x0"`, the prefix optional as geth takes them) or full 32-byte words.

use alloy_primitives::{B256, U256};
use serde::{Deserialize, Deserializer, de::Error as _};

/// A `u64` quantity: `"0x1f"`, `"31"` or `31`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quantity(pub(crate) u64);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        let raw = Raw::deserialize(deserializer).map_err(|_: D::Error| {
            D::Error::custom("invalid quantity: want a hex or decimal integer")
        })?;
        match raw {
            Raw::Number(n) => Ok(Self(n)),
            Raw::Text(text) => {
                let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                    Some(hex) if !hex.is_empty() => u64::from_str_radix(hex, 16),
                    Some(_) => return Err(D::Error::custom("empty hex quantity")),
                    None => text.parse::<u64>(),
                };
                parsed.map(Self).map_err(|_| D::Error::custom(format!("invalid quantity {text:?}")))
            }
        }
    }
}

/// A storage slot: hex of at most 32 bytes, left-padded (`"0x0"` is slot zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StorageKey(pub(crate) B256);

impl StorageKey {
    /// The slot as a number.
    pub(crate) fn as_u256(&self) -> U256 {
        U256::from_be_bytes(self.0.0)
    }
}

impl<'de> Deserialize<'de> for StorageKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // geth's `decodeStorageKey`: the prefix is optional, an odd digit count is padded.
        let text = String::deserialize(deserializer)?;
        let hex = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(&text);
        if hex.len() > 64 {
            return Err(D::Error::custom(format!(
                "storage key too long (want at most 32 bytes): {text:?}"
            )));
        }
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(D::Error::custom(format!("invalid hex in storage key: {text:?}")));
        }
        let value = U256::from_str_radix(if hex.is_empty() { "0" } else { hex }, 16)
            .map_err(|_| D::Error::custom(format!("invalid hex in storage key: {text:?}")))?;
        Ok(Self(B256::from(value)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn quantities_in_every_spelling() {
        for (input, want) in [(json!("0x10"), 16), (json!("16"), 16), (json!(16), 16)] {
            assert_eq!(serde_json::from_value::<Quantity>(input).unwrap(), Quantity(want));
        }
        for bad in [json!("0x"), json!("ten"), json!(-1), json!("0xzz"), json!(null)] {
            assert!(serde_json::from_value::<Quantity>(bad).is_err());
        }
    }

    #[test]
    fn storage_keys_short_and_long() {
        let zero: StorageKey = serde_json::from_value(json!("0x0")).unwrap();
        assert_eq!(zero.0, B256::ZERO);
        let one: StorageKey = serde_json::from_value(json!("0x01")).unwrap();
        assert_eq!(one.as_u256(), U256::from(1));
        let full = format!("0x{}", "ab".repeat(32));
        let key: StorageKey = serde_json::from_value(json!(full)).unwrap();
        assert_eq!(key.0, B256::repeat_byte(0xab));
        assert!(
            serde_json::from_value::<StorageKey>(json!(format!("0x{}", "1".repeat(65)))).is_err()
        );
        // geth's decodeStorageKey takes the digits without the prefix.
        let short: StorageKey = serde_json::from_value(json!("12")).unwrap();
        assert_eq!(short.as_u256(), U256::from(0x12));
        assert!(serde_json::from_value::<StorageKey>(json!("0xzz")).is_err());
        assert!(serde_json::from_value::<StorageKey>(json!(12)).is_err());
    }
}
