//! The Ethereum JSON-RPC interface: one `#[rpc(server)]` trait per group of methods. The
//! handler (`RpcHandler`) implements each in the module named after the group.

use alloy_eips::{BlockId, BlockNumberOrTag, eip2930::AccessListResult, eip7910::EthConfig};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_rpc_types_eth::{
    Block, EIP1186AccountProofResponse, FeeHistory, Filter, FilterChanges, Index, Log, SyncStatus,
    Transaction, TransactionReceipt, TransactionRequest,
    pubsub::{Params, SubscriptionKind},
};
use jsonrpsee::proc_macros::rpc;

use super::{
    errors::RpcResult,
    params::{Quantity, StorageKey},
    txpool::{TxPoolContent, TxPoolContentFrom, TxPoolInspect, TxPoolStatus},
};

/// `web3_*`.
#[rpc(server, namespace = "web3")]
pub(crate) trait Web3Api {
    /// Client name and version.
    #[method(name = "clientVersion")]
    fn client_version(&self) -> RpcResult<String>;

    /// keccak256 of the data.
    #[method(name = "sha3")]
    fn sha3(&self, data: Bytes) -> RpcResult<B256>;
}

/// `net_*`.
#[rpc(server, namespace = "net")]
pub(crate) trait NetApi {
    /// The chain id, in decimal.
    #[method(name = "version")]
    fn version(&self) -> RpcResult<String>;

    /// Always true.
    #[method(name = "listening")]
    fn listening(&self) -> RpcResult<bool>;

    /// Always zero: the sequencer has no peers.
    #[method(name = "peerCount")]
    fn peer_count(&self) -> RpcResult<U64>;
}

/// Node and chain information under `eth_*`.
#[rpc(server, namespace = "eth")]
pub(crate) trait EthNodeApi {
    /// EIP-155 chain id.
    #[method(name = "chainId")]
    fn chain_id(&self) -> RpcResult<U64>;

    /// Always `false`: the sequencer is the chain's source.
    #[method(name = "syncing")]
    fn syncing(&self) -> RpcResult<SyncStatus>;

    /// No accounts are managed by the node.
    #[method(name = "accounts")]
    fn accounts(&self) -> RpcResult<Vec<Address>>;

    /// The fee vault (every block's beneficiary).
    #[method(name = "coinbase")]
    fn coinbase(&self) -> RpcResult<Address>;

    /// Always false.
    #[method(name = "mining")]
    fn mining(&self) -> RpcResult<bool>;

    /// Always zero.
    #[method(name = "hashrate")]
    fn hashrate(&self) -> RpcResult<U64>;

    /// The active fork and its parameters (EIP-7910).
    #[method(name = "config")]
    fn config(&self) -> RpcResult<EthConfig>;
}

/// Account state queries, and calls on the latest state.
#[rpc(server, namespace = "eth")]
pub(crate) trait EthStateApi {
    /// Balance in wei.
    #[method(name = "getBalance")]
    async fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256>;

    /// Nonce: the state's at `latest`, counting pooled transactions at `pending`.
    #[method(name = "getTransactionCount")]
    async fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64>;

    /// Contract code.
    #[method(name = "getCode")]
    async fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes>;

    /// One storage slot.
    #[method(name = "getStorageAt")]
    async fn storage_at(
        &self,
        address: Address,
        slot: StorageKey,
        block: Option<BlockId>,
    ) -> RpcResult<B256>;

    /// EIP-1186 account and storage proofs.
    #[method(name = "getProof")]
    async fn proof(
        &self,
        address: Address,
        keys: Vec<StorageKey>,
        block: Option<BlockId>,
    ) -> RpcResult<EIP1186AccountProofResponse>;

    /// Simulates a call in the next block's environment.
    #[method(name = "call")]
    async fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<serde_json::Value>,
        block_overrides: Option<serde_json::Value>,
    ) -> RpcResult<Bytes>;

    /// Smallest gas limit with which the call succeeds.
    #[method(name = "estimateGas")]
    async fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<serde_json::Value>,
    ) -> RpcResult<U64>;
}

/// Access lists of calls (EIP-2930).
#[rpc(server, namespace = "eth")]
pub(crate) trait EthAccessListApi {
    /// The accounts and storage slots a call touches, and the gas it uses with them listed.
    #[method(name = "createAccessList")]
    async fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<AccessListResult>;
}

/// The transaction pool, as geth's `txpool_*` shows it.
#[rpc(server, namespace = "txpool")]
pub(crate) trait TxPoolApi {
    /// Number of pending (executable) and queued (nonce-gapped) transactions.
    #[method(name = "status")]
    fn status(&self) -> RpcResult<TxPoolStatus>;

    /// Every pooled EVM transaction, by readiness, sender and nonce.
    #[method(name = "content")]
    fn content(&self) -> RpcResult<TxPoolContent>;

    /// The pooled EVM transactions of one sender, by readiness and nonce.
    #[method(name = "contentFrom")]
    fn content_from(&self, address: Address) -> RpcResult<TxPoolContentFrom>;

    /// A one-line summary of every pooled EVM transaction, by readiness, sender and nonce.
    #[method(name = "inspect")]
    fn inspect(&self) -> RpcResult<TxPoolInspect>;
}

/// Blocks.
#[rpc(server, namespace = "eth")]
pub(crate) trait EthBlocksApi {
    /// Head block number.
    #[method(name = "blockNumber")]
    fn block_number(&self) -> RpcResult<U64>;

    /// A block by number or tag.
    #[method(name = "getBlockByNumber")]
    async fn block_by_number(
        &self,
        block: BlockNumberOrTag,
        full: Option<bool>,
    ) -> RpcResult<Option<Block>>;

    /// A block by hash.
    #[method(name = "getBlockByHash")]
    async fn block_by_hash(&self, hash: B256, full: Option<bool>) -> RpcResult<Option<Block>>;

    /// Number of transactions of a block by number or tag.
    #[method(name = "getBlockTransactionCountByNumber")]
    async fn block_transaction_count_by_number(
        &self,
        block: BlockNumberOrTag,
    ) -> RpcResult<Option<U64>>;

    /// Number of transactions of a block by hash.
    #[method(name = "getBlockTransactionCountByHash")]
    async fn block_transaction_count_by_hash(&self, hash: B256) -> RpcResult<Option<U64>>;

    /// Zero for an existing block.
    #[method(name = "getUncleCountByBlockNumber")]
    async fn uncle_count_by_number(&self, block: BlockNumberOrTag) -> RpcResult<Option<U64>>;

    /// Zero for an existing block.
    #[method(name = "getUncleCountByBlockHash")]
    async fn uncle_count_by_hash(&self, hash: B256) -> RpcResult<Option<U64>>;

    /// Always null.
    #[method(name = "getUncleByBlockNumberAndIndex")]
    async fn uncle_by_number_and_index(
        &self,
        block: BlockNumberOrTag,
        index: Index,
    ) -> RpcResult<Option<Block>>;

    /// Always null.
    #[method(name = "getUncleByBlockHashAndIndex")]
    async fn uncle_by_hash_and_index(&self, hash: B256, index: Index) -> RpcResult<Option<Block>>;

    /// Every receipt of a block.
    #[method(name = "getBlockReceipts")]
    async fn block_receipts(&self, block: BlockId) -> RpcResult<Option<Vec<TransactionReceipt>>>;
}

/// Transactions.
#[rpc(server, namespace = "eth")]
pub(crate) trait EthTransactionsApi {
    /// Admits a signed transaction to the pool (journaled before the hash is returned).
    #[method(name = "sendRawTransaction")]
    async fn send_raw_transaction(&self, raw: Bytes) -> RpcResult<B256>;

    /// A sealed or pooled transaction.
    #[method(name = "getTransactionByHash")]
    async fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>>;

    /// The EIP-2718 bytes of a sealed or pooled transaction.
    #[method(name = "getRawTransactionByHash")]
    async fn raw_transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Bytes>>;

    /// A transaction by block hash and index.
    #[method(name = "getTransactionByBlockHashAndIndex")]
    async fn transaction_by_block_hash_and_index(
        &self,
        hash: B256,
        index: Index,
    ) -> RpcResult<Option<Transaction>>;

    /// A transaction by block number or tag and index.
    #[method(name = "getTransactionByBlockNumberAndIndex")]
    async fn transaction_by_block_number_and_index(
        &self,
        block: BlockNumberOrTag,
        index: Index,
    ) -> RpcResult<Option<Transaction>>;

    /// The receipt of a sealed transaction.
    #[method(name = "getTransactionReceipt")]
    async fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>>;
}

/// Fees.
#[rpc(server, namespace = "eth")]
pub(crate) trait EthFeesApi {
    /// Next block's base fee plus the suggested tip (legacy gas price).
    #[method(name = "gasPrice")]
    async fn gas_price(&self) -> RpcResult<U256>;

    /// The suggested tip.
    #[method(name = "maxPriorityFeePerGas")]
    async fn max_priority_fee_per_gas(&self) -> RpcResult<U256>;

    /// Base fees, gas used ratios and tip percentiles of recent blocks.
    #[method(name = "feeHistory")]
    async fn fee_history(
        &self,
        block_count: Quantity,
        newest_block: BlockNumberOrTag,
        reward_percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory>;

    /// Always 1 wei: the chain takes no blobs.
    #[method(name = "blobBaseFee")]
    fn blob_base_fee(&self) -> RpcResult<U256>;
}

/// Logs and polling filters.
#[rpc(server, namespace = "eth")]
pub(crate) trait EthFiltersApi {
    /// Logs matching a filter.
    #[method(name = "getLogs")]
    async fn logs(&self, filter: Filter) -> RpcResult<Vec<Log>>;

    /// Installs a log filter; returns its id.
    #[method(name = "newFilter")]
    async fn new_filter(&self, filter: Filter) -> RpcResult<String>;

    /// Installs a new-block filter; returns its id.
    #[method(name = "newBlockFilter")]
    async fn new_block_filter(&self) -> RpcResult<String>;

    /// What a filter saw since the last poll.
    #[method(name = "getFilterChanges")]
    async fn filter_changes(&self, id: String) -> RpcResult<FilterChanges<Transaction, Log>>;

    /// Every log a log filter matches.
    #[method(name = "getFilterLogs")]
    async fn filter_logs(&self, id: String) -> RpcResult<Vec<Log>>;

    /// Removes a filter; false if there was none.
    #[method(name = "uninstallFilter")]
    async fn uninstall_filter(&self, id: String) -> RpcResult<bool>;
}

/// WebSocket subscriptions.
#[rpc(server, namespace = "eth")]
pub(crate) trait EthPubSubApi {
    /// `newHeads`, `logs` (with a filter) or `newPendingTransactions` (hashes, or whole
    /// transactions with `true`); notifications go out as `eth_subscription`.
    #[subscription(
        name = "subscribe" => "subscription",
        unsubscribe = "unsubscribe",
        item = serde_json::Value
    )]
    async fn subscribe(
        &self,
        kind: SubscriptionKind,
        params: Option<Params>,
    ) -> jsonrpsee::core::SubscriptionResult;
}
