//! Agave's rent-state rule: an account a transaction writes may end uninitialized (no lamports)
//! or rent-exempt; it may stay rent-paying only if it was, with the same size, and was not
//! credited. The incinerator is exempt.

use solana_pubkey::Pubkey;
use solana_rent::Rent;
use solana_transaction_error::TransactionError;

/// The rent state of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RentState {
    /// No lamports.
    Uninitialized,
    /// Fewer lamports than rent exemption needs for its size.
    RentPaying { data_size: usize, lamports: u64 },
    /// At least the rent-exempt minimum.
    RentExempt,
}

impl RentState {
    /// The state of an account with `lamports` and `data_size` bytes under `rent`.
    pub(crate) fn of(rent: &Rent, lamports: u64, data_size: usize) -> Self {
        if lamports == 0 {
            Self::Uninitialized
        } else if rent.is_exempt(lamports, data_size) {
            Self::RentExempt
        } else {
            Self::RentPaying { data_size, lamports }
        }
    }

    fn may_become(&self, post: &Self) -> bool {
        match (self, post) {
            (_, Self::Uninitialized | Self::RentExempt) => true,
            (
                Self::RentPaying { data_size, lamports },
                Self::RentPaying { data_size: size, lamports: post },
            ) => size == data_size && post <= lamports,
            _ => false,
        }
    }
}

/// `Err(InsufficientFundsForRent)` when account `index` (`key`) may not go from `pre` to
/// `post`.
pub(crate) fn check_transition(
    pre: &RentState,
    post: &RentState,
    key: &Pubkey,
    index: usize,
) -> Result<(), TransactionError> {
    if solana_sdk_ids::incinerator::check_id(key) || pre.may_become(post) {
        Ok(())
    } else {
        Err(TransactionError::InsufficientFundsForRent { account_index: index as u8 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rent_paying_accounts_may_only_shrink_in_lamports() {
        let paying = RentState::RentPaying { data_size: 10, lamports: 100 };
        assert!(paying.may_become(&RentState::RentExempt));
        assert!(paying.may_become(&RentState::Uninitialized));
        assert!(paying.may_become(&RentState::RentPaying { data_size: 10, lamports: 50 }));
        assert!(!paying.may_become(&RentState::RentPaying { data_size: 10, lamports: 150 }));
        assert!(!paying.may_become(&RentState::RentPaying { data_size: 11, lamports: 50 }));
        assert!(!RentState::RentExempt.may_become(&paying));
        assert!(!RentState::Uninitialized.may_become(&paying));
    }
}
