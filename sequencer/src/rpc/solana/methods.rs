//! Node and chain information as Solana's RPC gives it: version, health, identity, genesis
//! hash, slot and block height at a commitment (slot = block height = block number), epoch
//! info under Solana's default epoch schedule, the latest blockhash and its validity window,
//! the fee of a message and the rent-exempt minimum.

use alloy_primitives::B256;
use base64::{Engine as _, prelude::BASE64_STANDARD};
use execution::{EngineTx as _, StateView as _, svm::RECENT_BLOCKS, svm::SvmTx};
use solana_commitment_config::CommitmentConfig;
use solana_epoch_schedule::EpochSchedule;
use solana_hash::Hash;
use solana_message::VersionedMessage;
use solana_rpc_client_types::{
    config::RpcContextConfig,
    response::{Response, RpcBlockhash, RpcIdentity, RpcVersionInfo},
};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

use super::{
    api::SolanaApiServer,
    context::respond,
    errors::invalid_request,
    params::{self, PACKET_DATA_SIZE},
};
use crate::rpc::{
    errors::{RpcResult, internal, invalid_params},
    handler::RpcHandler,
};

/// Largest account data Solana allows (`MAX_PERMITTED_DATA_LENGTH`, 10 MiB).
const MAX_PERMITTED_DATA_LENGTH: usize = 10 * 1024 * 1024;

/// Base58 text of a 32-byte hash.
pub(crate) fn base58_hash(hash: B256) -> String {
    Hash::new_from_array(hash.0).to_string()
}

impl RpcHandler {
    /// Whether a transaction naming blockhash `hash` may still be admitted with the sealed
    /// head at `head` (the hash names a block of the last 150).
    pub(crate) fn blockhash_is_valid(
        &self,
        reader: &execution::StoreReader,
        hash: B256,
        head: u64,
    ) -> RpcResult<bool> {
        let named = reader.block_number(hash).map_err(internal)?;
        Ok(named.is_some_and(|n| n.saturating_add(RECENT_BLOCKS) > head))
    }
}

#[jsonrpsee::core::async_trait]
impl SolanaApiServer for RpcHandler {
    fn get_version(&self) -> RpcResult<RpcVersionInfo> {
        let version = solana_version::Version::default();
        Ok(RpcVersionInfo {
            solana_core: version.to_string(),
            feature_set: Some(version.feature_set()),
        })
    }

    fn get_health(&self) -> RpcResult<String> {
        Ok("ok".to_string())
    }

    fn get_identity(&self) -> RpcResult<RpcIdentity> {
        let id = execution::AccountId::from(self.ctx.config.genesis.fee_vault);
        Ok(RpcIdentity { identity: base58_hash(id.0) })
    }

    async fn get_genesis_hash(&self) -> RpcResult<String> {
        let reader = self.reader()?;
        let hash = reader.block_hash(0).map_err(internal)?.ok_or_else(|| internal("no genesis"))?;
        Ok(base58_hash(hash))
    }

    async fn get_slot(&self, config: Option<RpcContextConfig>) -> RpcResult<u64> {
        let config = config.unwrap_or_default();
        self.solana_heads(&self.reader()?)?.context_slot(config.commitment, config.min_context_slot)
    }

    async fn get_block_height(&self, config: Option<RpcContextConfig>) -> RpcResult<u64> {
        self.get_slot(config).await
    }

    async fn get_epoch_info(
        &self,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<serde_json::Value> {
        let slot = self.get_slot(config).await?;
        let schedule = EpochSchedule::default();
        let (epoch, slot_index) = schedule.get_epoch_and_slot_index(slot);
        Ok(serde_json::json!({
            "absoluteSlot": slot,
            "blockHeight": slot,
            "epoch": epoch,
            "slotIndex": slot_index,
            "slotsInEpoch": schedule.get_slots_in_epoch(epoch),
            "transactionCount": null,
        }))
    }

    async fn get_latest_blockhash(
        &self,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<Response<RpcBlockhash>> {
        let config = config.unwrap_or_default();
        let reader = self.reader()?;
        let slot =
            self.solana_heads(&reader)?.context_slot(config.commitment, config.min_context_slot)?;
        let hash = reader
            .block_hash(slot)
            .map_err(internal)?
            .ok_or_else(|| internal(format!("block {slot} is missing")))?;
        Ok(respond(
            slot,
            RpcBlockhash {
                blockhash: base58_hash(hash),
                last_valid_block_height: slot + RECENT_BLOCKS,
            },
        ))
    }

    async fn is_blockhash_valid(
        &self,
        blockhash: String,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<Response<bool>> {
        let config = config.unwrap_or_default();
        let hash: Hash =
            blockhash.parse().map_err(|e| invalid_params(format!("Invalid param: {e:?}")))?;
        let reader = self.reader()?;
        let heads = self.solana_heads(&reader)?;
        let slot = heads.context_slot(config.commitment, config.min_context_slot)?;
        let valid = self.blockhash_is_valid(&reader, B256::from(hash.to_bytes()), heads.sealed)?;
        Ok(respond(slot, valid))
    }

    async fn get_fee_for_message(
        &self,
        message: String,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<Response<Option<u64>>> {
        let config = config.unwrap_or_default();
        let raw = BASE64_STANDARD
            .decode(&message)
            .map_err(|e| invalid_params(format!("invalid base64 encoding: {e:?}")))?;
        if raw.len() > PACKET_DATA_SIZE {
            return Err(invalid_params(format!(
                "decoded solana_message::versioned::VersionedMessage too large: {} bytes (max: \
                 {PACKET_DATA_SIZE} bytes)",
                raw.len()
            )));
        }
        let message: VersionedMessage = bincode::deserialize(&raw).map_err(|e| {
            invalid_params(format!(
                "failed to deserialize solana_message::versioned::VersionedMessage: {e}"
            ))
        })?;
        let reader = self.reader()?;
        let heads = self.solana_heads(&reader)?;
        let slot = heads.context_slot(config.commitment, config.min_context_slot)?;
        let blockhash = B256::from(message.recent_blockhash().to_bytes());
        // The fee of the transaction the message makes once signed: its signatures stand in.
        let signatures = usize::from(message.header().num_required_signatures);
        let unsigned =
            VersionedTransaction { signatures: vec![Signature::default(); signatures], message };
        let payload = bincode::serialize(&unsigned).map_err(internal)?;
        let tx = SvmTx::decode_verified(&payload, &[])
            .map_err(|e| invalid_params(format!("invalid transaction message: {e}")))?;
        let fee =
            self.blockhash_is_valid(&reader, blockhash, heads.sealed)?.then(|| tx.fee_lamports());
        Ok(respond(slot, fee))
    }

    async fn get_minimum_balance_for_rent_exemption(
        &self,
        data_len: usize,
        _commitment: Option<CommitmentConfig>,
    ) -> RpcResult<u64> {
        if data_len > MAX_PERMITTED_DATA_LENGTH {
            return Err(invalid_request());
        }
        Ok(solana_rent::Rent::default().minimum_balance(data_len))
    }

    async fn get_balance(
        &self,
        pubkey: String,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<Response<u64>> {
        let key = params::pubkey(&pubkey)?;
        self.balance(key, config.unwrap_or_default()).await
    }

    async fn get_account_info(
        &self,
        pubkey: String,
        config: Option<solana_rpc_client_types::config::RpcAccountInfoConfig>,
    ) -> RpcResult<Response<Option<solana_account_decoder::UiAccount>>> {
        let key = params::pubkey(&pubkey)?;
        self.account_info(key, config.unwrap_or_default()).await
    }

    async fn get_multiple_accounts(
        &self,
        pubkeys: Vec<String>,
        config: Option<solana_rpc_client_types::config::RpcAccountInfoConfig>,
    ) -> RpcResult<Response<Vec<Option<solana_account_decoder::UiAccount>>>> {
        self.multiple_accounts(pubkeys, config.unwrap_or_default()).await
    }

    async fn get_program_accounts(
        &self,
        program_id: String,
        config: Option<solana_rpc_client_types::config::RpcProgramAccountsConfig>,
    ) -> RpcResult<
        solana_rpc_client_types::response::OptionalContext<
            Vec<solana_rpc_client_types::response::RpcKeyedAccount>,
        >,
    > {
        let program = params::pubkey(&program_id)?;
        self.program_accounts(program, config.unwrap_or_default()).await
    }

    async fn get_token_account_balance(
        &self,
        pubkey: String,
        commitment: Option<CommitmentConfig>,
    ) -> RpcResult<Response<solana_account_decoder::parse_token::UiTokenAmount>> {
        let key = params::pubkey(&pubkey)?;
        self.token_account_balance(key, commitment).await
    }

    async fn get_token_accounts_by_owner(
        &self,
        owner: String,
        filter: solana_rpc_client_types::config::RpcTokenAccountsFilter,
        config: Option<solana_rpc_client_types::config::RpcAccountInfoConfig>,
    ) -> RpcResult<Response<Vec<solana_rpc_client_types::response::RpcKeyedAccount>>> {
        let owner = params::pubkey(&owner)?;
        self.token_accounts_by_owner(owner, filter, config.unwrap_or_default()).await
    }

    async fn send_transaction(
        &self,
        data: String,
        config: Option<solana_rpc_client_types::config::RpcSendTransactionConfig>,
    ) -> RpcResult<String> {
        self.send(data, config.unwrap_or_default()).await
    }

    async fn simulate_transaction(
        &self,
        data: String,
        config: Option<solana_rpc_client_types::config::RpcSimulateTransactionConfig>,
    ) -> RpcResult<Response<solana_rpc_client_types::response::RpcSimulateTransactionResult>> {
        self.simulate(data, config.unwrap_or_default()).await
    }

    async fn request_airdrop(
        &self,
        pubkey: String,
        lamports: u64,
        _config: Option<solana_rpc_client_types::config::RpcRequestAirdropConfig>,
    ) -> RpcResult<String> {
        let key = params::pubkey(&pubkey)?;
        self.airdrop(key, lamports).await
    }

    async fn get_signature_statuses(
        &self,
        signatures: Vec<String>,
        config: Option<solana_rpc_client_types::config::RpcSignatureStatusConfig>,
    ) -> RpcResult<Response<Vec<Option<solana_transaction_status::TransactionStatus>>>> {
        self.signature_statuses(signatures, config).await
    }

    async fn get_transaction(
        &self,
        signature: String,
        config: Option<
            solana_rpc_client_types::config::RpcEncodingConfigWrapper<
                solana_rpc_client_types::config::RpcTransactionConfig,
            >,
        >,
    ) -> RpcResult<Option<solana_transaction_status::EncodedConfirmedTransactionWithStatusMeta>>
    {
        let signature = params::signature(&signature)?;
        let config = config.map(|c| c.convert_to_current()).unwrap_or_default();
        self.transaction(signature, config).await
    }

    async fn get_signatures_for_address(
        &self,
        address: String,
        config: Option<solana_rpc_client_types::config::RpcSignaturesForAddressConfig>,
    ) -> RpcResult<Vec<solana_rpc_client_types::response::RpcConfirmedTransactionStatusWithSignature>>
    {
        let key = params::pubkey(&address)?;
        self.signatures_for_address(key, config.unwrap_or_default()).await
    }

    async fn get_block(
        &self,
        slot: u64,
        config: Option<
            solana_rpc_client_types::config::RpcEncodingConfigWrapper<
                solana_rpc_client_types::config::RpcBlockConfig,
            >,
        >,
    ) -> RpcResult<Option<solana_transaction_status::UiConfirmedBlock>> {
        let config = config.map(|c| c.convert_to_current()).unwrap_or_default();
        self.block(slot, config).await
    }

    async fn get_block_time(&self, slot: u64) -> RpcResult<Option<i64>> {
        let reader = self.reader()?;
        if slot > self.solana_heads(&reader)?.sealed {
            return Err(super::errors::block_not_available(slot));
        }
        let header = reader.header(slot).map_err(internal)?;
        Ok(header.map(|h| i64::try_from(h.timestamp).unwrap_or(i64::MAX)))
    }

    fn get_first_available_block(&self) -> RpcResult<u64> {
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_print_as_solana_base58() {
        assert_eq!(base58_hash(B256::ZERO), "11111111111111111111111111111111");
    }
}
