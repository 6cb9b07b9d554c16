//! The dev server's account: the one Celestia account of its one-validator chain, which
//! `state.AccountAddress` names and which signs every share-version-1 blob it accepts (as a
//! celestia-node signs the blobs it submits with its default key).

use celestia_types::state::AccAddress;

/// The 20 bytes of the dev account (readable ASCII, so it is recognisable in a dump).
const DEV_ACCOUNT_ID: [u8; 20] = *b"manifold-celestiadev";

/// The dev server's account, `celestia1…`.
pub fn dev_account() -> AccAddress {
    AccAddress::from(DEV_ACCOUNT_ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_account_is_a_bech32_account_address() {
        let text = dev_account().to_string();
        // As the README gives it (bech32 of the bytes, computed apart from celestia-types).
        assert_eq!(text, "celestia1d4sku6txdakxgttrv4kx2um5d9skgetk0mqdfz");
        assert_eq!(text.parse::<AccAddress>().unwrap(), dev_account());
    }
}
