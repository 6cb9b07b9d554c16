//! The devnet's Solana keypairs: ed25519 keys derived from the same public dev mnemonic as
//! the EVM dev accounts, at the path Phantom and `solana-keygen` use (`m/44'/501'/{i}'/0'`,
//! SLIP-0010), so importing the mnemonic into a Solana wallet shows the same accounts; and
//! the faucet keypair that pays `requestAirdrop`, at `m/44'/501'/{FAUCET_INDEX}'/0'`.

use alloy_signer_local::coins_bip39::{English, Mnemonic};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha512;

use crate::{ConfigError, DEV_MNEMONIC};

/// Account index of the devnet's faucet keypair (the last hardened index).
pub const FAUCET_INDEX: u32 = (1 << 31) - 1;

/// One Solana dev keypair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevSolanaKeypair {
    /// The public key, base58 (the account's address).
    pub pubkey: String,
    /// The 32-byte public key.
    pub pubkey_bytes: [u8; 32],
    /// The 64-byte secret key (seed ‖ public key), base58 — what
    /// `Keypair.from_base58_string` (solana.py) and `Keypair.fromSecretKey(bs58.decode(…))`
    /// (`@solana/web3.js`) read.
    pub secret_base58: String,
}

/// The first `n` Solana dev keypairs (`m/44'/501'/{i}'/0'` of [`DEV_MNEMONIC`]).
pub fn dev_solana_keypairs(n: usize) -> Result<Vec<DevSolanaKeypair>, ConfigError> {
    let seed = mnemonic_seed()?;
    (0..n)
        .map(|i| {
            let index = u32::try_from(i).ok().filter(|i| *i < FAUCET_INDEX).ok_or_else(|| {
                ConfigError::DevAccount { index: i, reason: "index out of range".into() }
            })?;
            Ok(keypair(&seed, index))
        })
        .collect()
}

/// The devnet faucet's keypair (`m/44'/501'/{FAUCET_INDEX}'/0'`).
pub fn dev_solana_faucet() -> Result<DevSolanaKeypair, ConfigError> {
    Ok(keypair(&mnemonic_seed()?, FAUCET_INDEX))
}

fn mnemonic_seed() -> Result<[u8; 64], ConfigError> {
    let mnemonic = Mnemonic::<English>::new_from_phrase(DEV_MNEMONIC)
        .map_err(|e| ConfigError::DevAccount { index: 0, reason: e.to_string() })?;
    mnemonic.to_seed(None).map_err(|e| ConfigError::DevAccount { index: 0, reason: e.to_string() })
}

fn hmac_sha512(key: &[u8], data: &[u8]) -> [u8; 64] {
    let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// SLIP-0010 ed25519 derivation of the secret key at `path` (every level hardened).
fn derive(seed: &[u8], path: &[u32]) -> [u8; 32] {
    let mut node = hmac_sha512(b"ed25519 seed", seed);
    for level in path {
        let mut data = Vec::with_capacity(37);
        data.push(0);
        data.extend_from_slice(&node[..32]);
        data.extend_from_slice(&(level | 1 << 31).to_be_bytes());
        node = hmac_sha512(&node[32..], &data);
    }
    let mut secret = [0u8; 32];
    secret.copy_from_slice(&node[..32]);
    secret
}

/// The keypair at `m/44'/501'/{index}'/0'`.
fn keypair(seed: &[u8; 64], index: u32) -> DevSolanaKeypair {
    let secret = derive(seed, &[44, 501, index, 0]);
    let public = ed25519_dalek::SigningKey::from_bytes(&secret).verifying_key().to_bytes();
    let mut full = [0u8; 64];
    full[..32].copy_from_slice(&secret);
    full[32..].copy_from_slice(&public);
    DevSolanaKeypair {
        pubkey: bs58::encode(public).into_string(),
        pubkey_bytes: public,
        secret_base58: bs58::encode(full).into_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keypairs_are_distinct_and_their_secret_holds_their_public_key() {
        let keys = dev_solana_keypairs(3).unwrap();
        let faucet = dev_solana_faucet().unwrap();
        assert_eq!(keys.len(), 3);
        for key in keys.iter().chain([&faucet]) {
            let secret = bs58::decode(&key.secret_base58).into_vec().unwrap();
            assert_eq!(secret.len(), 64);
            assert_eq!(secret[32..], key.pubkey_bytes);
            let signing = ed25519_dalek::SigningKey::from_bytes(secret[..32].try_into().unwrap());
            assert_eq!(signing.verifying_key().to_bytes(), key.pubkey_bytes);
        }
        assert_ne!(keys[0].pubkey, keys[1].pubkey);
        assert_ne!(keys[0].pubkey, faucet.pubkey);
        assert_eq!(dev_solana_keypairs(3).unwrap(), keys, "derivation is deterministic");
    }

    /// SLIP-0010's published ed25519 test vector 1 (seed 000102…0f).
    #[test]
    fn derivation_follows_slip_0010() {
        let seed: Vec<u8> = (0u8..16).collect();
        let hex = |path: &[u32]| alloy_primitives::hex::encode(derive(&seed, path));
        assert_eq!(hex(&[]), "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7");
        assert_eq!(hex(&[0]), "68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3");
        assert_eq!(
            hex(&[0, 1]),
            "b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2"
        );
    }
}
