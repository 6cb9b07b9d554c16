//! Solana's JSON-RPC interface, method by method as agave names and shapes it: one
//! `#[rpc(server)]` trait for the request/response methods, one for the subscriptions. The
//! handler implements them in `chain_info`, `accounts`, `send`, `history` and
//! `subscriptions`.

use jsonrpsee::proc_macros::rpc;
use solana_account_decoder::{UiAccount, parse_token::UiTokenAmount};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client_types::{
    config::{
        RpcAccountInfoConfig, RpcBlockConfig, RpcContextConfig, RpcEncodingConfigWrapper,
        RpcProgramAccountsConfig, RpcRequestAirdropConfig, RpcSendTransactionConfig,
        RpcSignatureStatusConfig, RpcSignatureSubscribeConfig, RpcSignaturesForAddressConfig,
        RpcSimulateTransactionConfig, RpcTokenAccountsFilter, RpcTransactionConfig,
    },
    response::{
        OptionalContext, Response, RpcBlockhash, RpcConfirmedTransactionStatusWithSignature,
        RpcIdentity, RpcKeyedAccount, RpcSimulateTransactionResult, RpcVersionInfo,
    },
};
use solana_transaction_status::{
    EncodedConfirmedTransactionWithStatusMeta, TransactionStatus, UiConfirmedBlock,
};

use crate::rpc::errors::RpcResult;

/// Solana's request/response methods.
#[rpc(server)]
pub(crate) trait SolanaApi {
    /// The node's software version and feature set.
    #[method(name = "getVersion")]
    fn get_version(&self) -> RpcResult<RpcVersionInfo>;

    /// `"ok"`.
    #[method(name = "getHealth")]
    fn get_health(&self) -> RpcResult<String>;

    /// The node's identity: the fee vault's account id, base58.
    #[method(name = "getIdentity")]
    fn get_identity(&self) -> RpcResult<RpcIdentity>;

    /// The genesis block's hash, base58.
    #[method(name = "getGenesisHash")]
    async fn get_genesis_hash(&self) -> RpcResult<String>;

    /// The slot (block number) at a commitment.
    #[method(name = "getSlot")]
    async fn get_slot(&self, config: Option<RpcContextConfig>) -> RpcResult<u64>;

    /// The block height at a commitment (equal to the slot: no slot is ever skipped).
    #[method(name = "getBlockHeight")]
    async fn get_block_height(&self, config: Option<RpcContextConfig>) -> RpcResult<u64>;

    /// Epoch, slot index, block height (one epoch of `slotsPerEpoch` slots as Solana's
    /// default schedule).
    #[method(name = "getEpochInfo")]
    async fn get_epoch_info(
        &self,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<serde_json::Value>;

    /// The hash of the block at a commitment, and the last block height a transaction naming
    /// it may be included at.
    #[method(name = "getLatestBlockhash")]
    async fn get_latest_blockhash(
        &self,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<Response<RpcBlockhash>>;

    /// Whether a blockhash may still be used by a new transaction.
    #[method(name = "isBlockhashValid")]
    async fn is_blockhash_valid(
        &self,
        blockhash: String,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<Response<bool>>;

    /// The fee in lamports of a message (base64), `null` if its blockhash expired.
    #[method(name = "getFeeForMessage")]
    async fn get_fee_for_message(
        &self,
        message: String,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<Response<Option<u64>>>;

    /// Lamports an account of `data_len` bytes needs to be rent exempt.
    #[method(name = "getMinimumBalanceForRentExemption")]
    async fn get_minimum_balance_for_rent_exemption(
        &self,
        data_len: usize,
        commitment: Option<CommitmentConfig>,
    ) -> RpcResult<u64>;

    /// Lamports of an account.
    #[method(name = "getBalance")]
    async fn get_balance(
        &self,
        pubkey: String,
        config: Option<RpcContextConfig>,
    ) -> RpcResult<Response<u64>>;

    /// One account, encoded.
    #[method(name = "getAccountInfo")]
    async fn get_account_info(
        &self,
        pubkey: String,
        config: Option<RpcAccountInfoConfig>,
    ) -> RpcResult<Response<Option<UiAccount>>>;

    /// Up to 100 accounts, encoded.
    #[method(name = "getMultipleAccounts")]
    async fn get_multiple_accounts(
        &self,
        pubkeys: Vec<String>,
        config: Option<RpcAccountInfoConfig>,
    ) -> RpcResult<Response<Vec<Option<UiAccount>>>>;

    /// Every account a program owns, filtered by `dataSize` and `memcmp`.
    #[method(name = "getProgramAccounts")]
    async fn get_program_accounts(
        &self,
        program_id: String,
        config: Option<RpcProgramAccountsConfig>,
    ) -> RpcResult<OptionalContext<Vec<RpcKeyedAccount>>>;

    /// The token amount of an SPL Token (or Token-2022) account.
    #[method(name = "getTokenAccountBalance")]
    async fn get_token_account_balance(
        &self,
        pubkey: String,
        commitment: Option<CommitmentConfig>,
    ) -> RpcResult<Response<UiTokenAmount>>;

    /// The token accounts of an owner, of one mint or one token program.
    #[method(name = "getTokenAccountsByOwner")]
    async fn get_token_accounts_by_owner(
        &self,
        owner: String,
        filter: RpcTokenAccountsFilter,
        config: Option<RpcAccountInfoConfig>,
    ) -> RpcResult<Response<Vec<RpcKeyedAccount>>>;

    /// Submits a signed transaction (base58 or base64), after a preflight simulation unless
    /// `skipPreflight`; returns its first signature once it is journaled.
    #[method(name = "sendTransaction")]
    async fn send_transaction(
        &self,
        data: String,
        config: Option<RpcSendTransactionConfig>,
    ) -> RpcResult<String>;

    /// Executes a transaction on the latest state without committing it.
    #[method(name = "simulateTransaction")]
    async fn simulate_transaction(
        &self,
        data: String,
        config: Option<RpcSimulateTransactionConfig>,
    ) -> RpcResult<Response<RpcSimulateTransactionResult>>;

    /// Sends lamports from the devnet faucet.
    #[method(name = "requestAirdrop")]
    async fn request_airdrop(
        &self,
        pubkey: String,
        lamports: u64,
        config: Option<RpcRequestAirdropConfig>,
    ) -> RpcResult<String>;

    /// The status of up to 256 signatures.
    #[method(name = "getSignatureStatuses")]
    async fn get_signature_statuses(
        &self,
        signatures: Vec<String>,
        config: Option<RpcSignatureStatusConfig>,
    ) -> RpcResult<Response<Vec<Option<TransactionStatus>>>>;

    /// A confirmed transaction with its status meta.
    #[method(name = "getTransaction")]
    async fn get_transaction(
        &self,
        signature: String,
        config: Option<RpcEncodingConfigWrapper<RpcTransactionConfig>>,
    ) -> RpcResult<Option<EncodedConfirmedTransactionWithStatusMeta>>;

    /// Signatures of the transactions naming an account, newest first.
    #[method(name = "getSignaturesForAddress")]
    async fn get_signatures_for_address(
        &self,
        address: String,
        config: Option<RpcSignaturesForAddressConfig>,
    ) -> RpcResult<Vec<RpcConfirmedTransactionStatusWithSignature>>;

    /// A block's Solana transactions.
    #[method(name = "getBlock")]
    async fn get_block(
        &self,
        slot: u64,
        config: Option<RpcEncodingConfigWrapper<RpcBlockConfig>>,
    ) -> RpcResult<Option<UiConfirmedBlock>>;

    /// A block's unix time.
    #[method(name = "getBlockTime")]
    async fn get_block_time(&self, slot: u64) -> RpcResult<Option<i64>>;

    /// The first block the node has (the genesis block).
    #[method(name = "getFirstAvailableBlock")]
    fn get_first_available_block(&self) -> RpcResult<u64>;
}

/// Solana's subscriptions (on the WebSocket port).
#[rpc(server)]
pub(crate) trait SolanaPubSubApi {
    /// One notification when the signature's transaction reaches the commitment, then the
    /// subscription ends.
    #[subscription(
        name = "signatureSubscribe" => "signatureNotification",
        unsubscribe = "signatureUnsubscribe",
        item = Response<RpcSignatureResult>
    )]
    async fn signature_subscribe(
        &self,
        signature: String,
        config: Option<RpcSignatureSubscribeConfig>,
    ) -> jsonrpsee::core::SubscriptionResult;

    /// A notification each time the account changes.
    #[subscription(
        name = "accountSubscribe" => "accountNotification",
        unsubscribe = "accountUnsubscribe",
        item = Response<UiAccount>
    )]
    async fn account_subscribe(
        &self,
        pubkey: String,
        config: Option<RpcAccountInfoConfig>,
    ) -> jsonrpsee::core::SubscriptionResult;

    /// A notification for every new slot.
    #[subscription(name = "slotSubscribe" => "slotNotification", unsubscribe = "slotUnsubscribe", item = SlotInfo)]
    async fn slot_subscribe(&self) -> jsonrpsee::core::SubscriptionResult;
}
