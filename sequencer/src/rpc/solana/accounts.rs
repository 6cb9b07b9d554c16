//! Account queries as Solana's RPC answers them: balances, accounts encoded as base58,
//! base64, base64+zstd or jsonParsed (agave's own encoder, `solana-account-decoder`), the
//! accounts a program owns with `dataSize`/`memcmp`/`tokenAccountState` filters, and SPL Token
//! balances and token accounts by owner. Accounts are read from the latest state; the
//! context's slot says which block that is.

use execution::{AccountId, StoreReader, svm::SvmEngine};
use solana_account::{AccountSharedData, ReadableAccount};
use solana_account_decoder::{
    UiAccount, UiAccountEncoding, UiDataSliceConfig, encode_ui_account,
    parse_account_data::{AccountAdditionalDataV3, SplTokenAdditionalDataV2},
    parse_token::{UiTokenAmount, token_amount_to_ui_amount_v3},
};
use solana_commitment_config::CommitmentConfig;
use solana_pubkey::Pubkey;
use solana_rpc_client_types::{
    config::{
        RpcAccountInfoConfig, RpcContextConfig, RpcProgramAccountsConfig, RpcTokenAccountsFilter,
    },
    filter::RpcFilterType,
    request::{MAX_GET_PROGRAM_ACCOUNT_FILTERS, MAX_MULTIPLE_ACCOUNTS},
    response::{OptionalContext, Response, RpcKeyedAccount},
};

use super::{context::respond, params};
use crate::rpc::{
    errors::{RpcResult, internal, invalid_params},
    handler::RpcHandler,
};

/// SPL Token's program id.
pub(crate) const TOKEN_PROGRAM: Pubkey =
    Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/// SPL Token-2022's program id.
pub(crate) const TOKEN_2022_PROGRAM: Pubkey =
    Pubkey::from_str_const("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
/// Bytes of an SPL Token account (Token-2022 accounts with extensions are longer).
const TOKEN_ACCOUNT_LEN: usize = 165;
/// Bytes of an SPL Token mint.
const MINT_LEN: usize = 82;
/// Most bytes of account data agave encodes as base58.
const MAX_BASE58_BYTES: usize = 128;

/// Whether `owner` is one of the SPL token programs.
pub(crate) fn is_token_program(owner: &Pubkey) -> bool {
    *owner == TOKEN_PROGRAM || *owner == TOKEN_2022_PROGRAM
}

/// Whether `data` is an initialized token account (as `spl-generic-token` checks it): 165
/// bytes, or a Token-2022 account with extensions (account type 2 after the base), its state
/// not `Uninitialized`.
fn is_token_account(data: &[u8]) -> bool {
    let sized = data.len() == TOKEN_ACCOUNT_LEN
        || (data.len() > TOKEN_ACCOUNT_LEN && data[TOKEN_ACCOUNT_LEN] == 2);
    sized && data[108] != 0
}

/// The mint, owner and amount of token account data.
fn token_fields(data: &[u8]) -> Option<(Pubkey, Pubkey, u64)> {
    if !is_token_account(data) {
        return None;
    }
    let mint = Pubkey::try_from(&data[..32]).ok()?;
    let owner = Pubkey::try_from(&data[32..64]).ok()?;
    let amount = u64::from_le_bytes(data[64..72].try_into().ok()?);
    Some((mint, owner, amount))
}

/// agave's check of an encoding against the data it would encode.
fn check_encoding(
    encoding: UiAccountEncoding,
    data_len: usize,
    slice: Option<UiDataSliceConfig>,
) -> RpcResult<()> {
    if matches!(encoding, UiAccountEncoding::Binary | UiAccountEncoding::Base58) {
        let len = slice.map_or(data_len, |s| s.length.min(data_len.saturating_sub(s.offset)));
        if len > MAX_BASE58_BYTES {
            return Err(invalid_params(format!(
                "Encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, \
                 please use Base64 encoding."
            )));
        }
    }
    Ok(())
}

/// The accounts of the latest state as Solana shows them (the runtime's own included).
pub(crate) struct SolanaAccounts<'a> {
    reader: &'a StoreReader,
    svm: &'a SvmEngine,
    /// The head block's sysvar accounts, built once per request.
    sysvars: Vec<(Pubkey, AccountSharedData)>,
}

impl SolanaAccounts<'_> {
    /// Account `key`, if it exists.
    pub(crate) fn get(&self, key: &Pubkey) -> RpcResult<Option<AccountSharedData>> {
        self.svm.account(self.reader, key, &self.sysvars).map_err(internal)
    }

    /// `account` of `key` encoded as asked, token accounts parsed with their mint's decimals.
    pub(crate) fn encode(
        &self,
        key: &Pubkey,
        account: &AccountSharedData,
        encoding: UiAccountEncoding,
        slice: Option<UiDataSliceConfig>,
    ) -> RpcResult<UiAccount> {
        check_encoding(encoding, account.data().len(), slice)?;
        let mut additional = None;
        if encoding == UiAccountEncoding::JsonParsed && is_token_program(account.owner()) {
            let mint = token_fields(account.data()).map(|(mint, _, _)| mint);
            if let Some(decimals) = mint.map(|m| self.mint_decimals(&m)).transpose()?.flatten() {
                additional = Some(AccountAdditionalDataV3 {
                    spl_token_additional_data: Some(SplTokenAdditionalDataV2::with_decimals(
                        decimals,
                    )),
                });
            }
        }
        Ok(encode_ui_account(key, account, encoding, additional, slice))
    }

    /// Account `key` encoded as asked, `None` if it does not exist.
    fn get_encoded(
        &self,
        key: &Pubkey,
        encoding: UiAccountEncoding,
        slice: Option<UiDataSliceConfig>,
    ) -> RpcResult<Option<UiAccount>> {
        self.get(key)?.map(|account| self.encode(key, &account, encoding, slice)).transpose()
    }

    /// The decimals of mint `mint`, if it is an initialized mint.
    fn mint_decimals(&self, mint: &Pubkey) -> RpcResult<Option<u8>> {
        Ok(self.get(mint)?.and_then(|a| {
            let data = a.data();
            (is_token_program(a.owner()) && data.len() >= MINT_LEN && data[45] != 0)
                .then_some(data[44])
        }))
    }
}

impl RpcHandler {
    /// The Solana accounts of `reader`'s state.
    pub(crate) fn solana_accounts<'a>(
        &'a self,
        reader: &'a StoreReader,
    ) -> RpcResult<SolanaAccounts<'a>> {
        Ok(SolanaAccounts {
            reader,
            svm: self.svm()?,
            sysvars: self.head_sysvars(reader)?.accounts(),
        })
    }

    /// `getBalance`.
    pub(crate) async fn balance(
        &self,
        key: Pubkey,
        config: RpcContextConfig,
    ) -> RpcResult<Response<u64>> {
        let reader = self.reader()?;
        let heads = self.solana_heads(&reader)?;
        heads.context_slot(config.commitment, config.min_context_slot)?;
        let account = self.solana_accounts(&reader)?.get(&key)?;
        Ok(respond(heads.sealed, account.map_or(0, |a| a.lamports())))
    }

    /// `getAccountInfo` (legacy base58 when no encoding is given, as agave).
    pub(crate) async fn account_info(
        &self,
        key: Pubkey,
        config: RpcAccountInfoConfig,
    ) -> RpcResult<Response<Option<UiAccount>>> {
        let reader = self.reader()?;
        let heads = self.solana_heads(&reader)?;
        heads.context_slot(config.commitment, config.min_context_slot)?;
        let encoding = config.encoding.unwrap_or(UiAccountEncoding::Binary);
        let value =
            self.solana_accounts(&reader)?.get_encoded(&key, encoding, config.data_slice)?;
        Ok(respond(heads.sealed, value))
    }

    /// `getMultipleAccounts` (base64 when no encoding is given, as agave).
    pub(crate) async fn multiple_accounts(
        &self,
        keys: Vec<String>,
        config: RpcAccountInfoConfig,
    ) -> RpcResult<Response<Vec<Option<UiAccount>>>> {
        if keys.len() > MAX_MULTIPLE_ACCOUNTS {
            return Err(invalid_params(format!(
                "Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}"
            )));
        }
        let keys = keys.iter().map(|k| params::pubkey(k)).collect::<RpcResult<Vec<_>>>()?;
        let reader = self.reader()?;
        let heads = self.solana_heads(&reader)?;
        heads.context_slot(config.commitment, config.min_context_slot)?;
        let accounts = self.solana_accounts(&reader)?;
        let encoding = config.encoding.unwrap_or(UiAccountEncoding::Base64);
        let values = keys
            .iter()
            .map(|key| accounts.get_encoded(key, encoding, config.data_slice))
            .collect::<RpcResult<Vec<_>>>()?;
        Ok(respond(heads.sealed, values))
    }

    /// `getProgramAccounts`.
    pub(crate) async fn program_accounts(
        &self,
        program: Pubkey,
        config: RpcProgramAccountsConfig,
    ) -> RpcResult<OptionalContext<Vec<RpcKeyedAccount>>> {
        let mut filters = config.filters.unwrap_or_default();
        if filters.len() > MAX_GET_PROGRAM_ACCOUNT_FILTERS {
            return Err(invalid_params(format!(
                "Too many filters provided; max {MAX_GET_PROGRAM_ACCOUNT_FILTERS}"
            )));
        }
        for filter in &mut filters {
            filter.verify().map_err(|e| invalid_params(format!("Invalid param: {e:?}")))?;
            if let RpcFilterType::Memcmp(memcmp) = filter {
                memcmp
                    .convert_to_raw_bytes()
                    .map_err(|e| invalid_params(format!("Invalid param: {e:?}")))?;
            }
        }
        let account_config = config.account_config;
        let (slot, accounts) = self
            .blocking(move |this_| {
                let reader = this_.reader()?;
                let heads = this_.solana_heads(&reader)?;
                heads.context_slot(account_config.commitment, account_config.min_context_slot)?;
                let view = this_.solana_accounts(&reader)?;
                let encoding = account_config.encoding.unwrap_or(UiAccountEncoding::Binary);
                let owned = reader
                    .accounts_owned_by(AccountId::from(program.to_bytes()))
                    .map_err(internal)?;
                let mut out = Vec::new();
                for (id, _, _) in owned {
                    let key = Pubkey::new_from_array(id.0.0);
                    let Some(account) = view.get(&key)? else { continue };
                    let keep = filters.iter().all(|filter| match filter {
                        RpcFilterType::DataSize(size) => account.data().len() as u64 == *size,
                        RpcFilterType::Memcmp(memcmp) => memcmp.bytes_match(account.data()),
                        RpcFilterType::TokenAccountState => {
                            is_token_program(account.owner()) && is_token_account(account.data())
                        }
                    });
                    if keep {
                        let ui =
                            view.encode(&key, &account, encoding, account_config.data_slice)?;
                        out.push(RpcKeyedAccount { pubkey: key.to_string(), account: ui });
                    }
                }
                Ok((heads.sealed, out))
            })
            .await?;
        Ok(match config.with_context {
            Some(true) => OptionalContext::Context(respond(slot, accounts)),
            _ => OptionalContext::NoContext(accounts),
        })
    }

    /// `getTokenAccountBalance`.
    pub(crate) async fn token_account_balance(
        &self,
        key: Pubkey,
        _commitment: Option<CommitmentConfig>,
    ) -> RpcResult<Response<UiTokenAmount>> {
        let reader = self.reader()?;
        let heads = self.solana_heads(&reader)?;
        let view = self.solana_accounts(&reader)?;
        let account = view.get(&key)?;
        let invalid = || invalid_params("Invalid param: not a Token account".to_string());
        let account = account.filter(|a| is_token_program(a.owner())).ok_or_else(invalid)?;
        let (mint, _, amount) = token_fields(account.data()).ok_or_else(invalid)?;
        let decimals = view.mint_decimals(&mint)?.ok_or_else(|| {
            invalid_params("Invalid param: mint could not be unpacked".to_string())
        })?;
        let amount = token_amount_to_ui_amount_v3(
            amount,
            &SplTokenAdditionalDataV2::with_decimals(decimals),
        );
        Ok(respond(heads.sealed, amount))
    }

    /// `getTokenAccountsByOwner` (jsonParsed when asked, base58 by default, as agave).
    pub(crate) async fn token_accounts_by_owner(
        &self,
        owner: Pubkey,
        filter: RpcTokenAccountsFilter,
        config: RpcAccountInfoConfig,
    ) -> RpcResult<Response<Vec<RpcKeyedAccount>>> {
        let (programs, mint) = match filter {
            RpcTokenAccountsFilter::Mint(mint) => {
                let mint = params::pubkey(&mint)?;
                (vec![TOKEN_PROGRAM, TOKEN_2022_PROGRAM], Some(mint))
            }
            RpcTokenAccountsFilter::ProgramId(program) => {
                let program = params::pubkey(&program)?;
                if !is_token_program(&program) {
                    return Err(invalid_params(
                        "Invalid param: unrecognized Token program id".to_string(),
                    ));
                }
                (vec![program], None)
            }
        };
        self.blocking(move |this| {
            let reader = this.reader()?;
            let heads = this.solana_heads(&reader)?;
            heads.context_slot(config.commitment, config.min_context_slot)?;
            let view = this.solana_accounts(&reader)?;
            let encoding = config.encoding.unwrap_or(UiAccountEncoding::Binary);
            let mut out = Vec::new();
            for program in programs {
                let owned = reader
                    .accounts_owned_by(AccountId::from(program.to_bytes()))
                    .map_err(internal)?;
                for (id, _, data) in owned {
                    let Some((token_mint, token_owner, _)) = token_fields(&data.data) else {
                        continue;
                    };
                    if token_owner != owner || mint.is_some_and(|m| m != token_mint) {
                        continue;
                    }
                    let key = Pubkey::new_from_array(id.0.0);
                    let Some(account) = view.get(&key)? else { continue };
                    let ui = view.encode(&key, &account, encoding, config.data_slice)?;
                    out.push(RpcKeyedAccount { pubkey: key.to_string(), account: ui });
                }
            }
            Ok(respond(heads.sealed, out))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_accounts_are_recognized_by_layout() {
        let mut data = vec![0u8; TOKEN_ACCOUNT_LEN];
        assert!(token_fields(&data).is_none(), "uninitialized");
        data[..32].copy_from_slice(&[1; 32]);
        data[32..64].copy_from_slice(&[2; 32]);
        data[64..72].copy_from_slice(&42u64.to_le_bytes());
        data[108] = 1;
        let (mint, owner, amount) = token_fields(&data).unwrap();
        assert_eq!(
            (mint, owner, amount),
            (Pubkey::new_from_array([1; 32]), Pubkey::new_from_array([2; 32]), 42)
        );
        assert!(token_fields(&data[..100]).is_none());
        assert!(check_encoding(UiAccountEncoding::Base58, 200, None).is_err());
        assert!(check_encoding(UiAccountEncoding::Base64, 200, None).is_ok());
    }
}
