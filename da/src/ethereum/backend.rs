//! [`EthereumDa`]: the [`DaBackend`] over an Ethereum L1's JSON-RPC. A DA height is an L1
//! block number; a receipt's commitment is the hash of the batch transaction.

use std::time::Duration;

use alloy::{
    primitives::{Address, Bytes as AlloyBytes},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use async_trait::async_trait;
use bytes::Bytes;
use node_config::EthereumDaConfig;

use super::{
    NAME,
    connection::{L1Rpc, call, misconfigured},
    fees,
    reader::BatchFilter,
    submitter::{SubmitSettings, Submitter},
    wire::ReceiptLocation,
};
use crate::{DaBackend, DaError, DaReceipt};

/// How long [`EthereumDa::connect`] waits for the L1's chain id before leaving the check to
/// the first request.
const STARTUP_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Ethereum calldata DA: blobs are the calldata of transactions from the batcher to the
/// batch inbox.
///
/// - [`submit`](DaBackend::submit) sends one EIP-1559 transaction per blob and returns once a
///   block includes it (re-sending with higher fees while it waits); it needs
///   `batcher_key`.
/// - [`blobs_at`](DaBackend::blobs_at) returns, in block order, the calldata of the block's
///   transactions to the inbox whose sender is the batcher; everything else is ignored.
/// - [`is_confirmed`](DaBackend::is_confirmed) is true once the block has `confirmations`
///   blocks on top (its own included) and the transaction is still in it.
///
/// Shareable (`Arc<EthereumDa>`); submissions run one at a time.
#[derive(Debug)]
pub struct EthereumDa {
    rpc: L1Rpc,
    filter: BatchFilter,
    submitter: Option<Submitter>,
    confirmations: u64,
    max_blob_bytes: usize,
}

impl EthereumDa {
    /// A backend for `cfg`. Succeeds while the L1 is unreachable (the chain id is then checked
    /// on first use); fails with [`DaError::Misconfigured`] when neither `batcher_key` nor
    /// `batcher_address` is set, when the key is invalid, or when the L1 answers with a chain
    /// id other than `l1_chain_id`.
    pub async fn connect(cfg: &EthereumDaConfig) -> Result<Self, DaError> {
        let rpc = L1Rpc::new(&cfg.rpc_url, cfg.l1_chain_id)?;
        let batcher =
            cfg.batcher().map_err(|e| misconfigured(e.to_string()))?.ok_or_else(|| {
                misconfigured(
                    "neither da.ethereum.batcher_key (to post batches) nor \
                 da.ethereum.batcher_address (to read them) is set",
                )
            })?;
        let submitter = match &cfg.batcher_key {
            Some(key) => {
                let signer: PrivateKeySigner = key.expose().trim().parse().map_err(|_| {
                    misconfigured(
                        "da.ethereum.batcher_key is not a private key (0x + 64 hex digits)",
                    )
                })?;
                let settings = SubmitSettings {
                    poll_interval: Duration::from_millis(cfg.poll_interval_ms.max(1)),
                    fee_bump_after: Duration::from_millis(cfg.fee_bump_after_ms.max(1)),
                    fee_bump_percent: cfg.fee_bump_percent,
                    max_fee_cap: fees::cap_wei(cfg.max_fee_per_gas_gwei),
                };
                Some(Submitter::new(signer, cfg.batch_inbox, settings))
            }
            None => None,
        };
        let da = Self {
            rpc,
            filter: BatchFilter { inbox: cfg.batch_inbox, batcher },
            submitter,
            confirmations: cfg.confirmations.max(1),
            max_blob_bytes: cfg.max_blob_bytes,
        };
        // Refuse the wrong L1 at start when it is reachable; otherwise check on first use.
        match tokio::time::timeout(STARTUP_CHECK_TIMEOUT, da.rpc.chain_id()).await {
            Ok(Ok(chain_id)) => {
                tracing::info!(url = da.rpc.url(), chain_id, %batcher, inbox = %cfg.batch_inbox, "connected to the L1");
            }
            Ok(Err(e @ DaError::Misconfigured { .. })) => return Err(e),
            Ok(Err(e)) => {
                tracing::warn!(url = da.rpc.url(), error = %e, "L1 not reachable yet; will retry");
            }
            Err(_) => {
                tracing::warn!(
                    url = da.rpc.url(),
                    "L1 did not answer within {STARTUP_CHECK_TIMEOUT:?}; will retry"
                );
            }
        }
        Ok(da)
    }

    /// The batcher's address: only its transactions to the inbox are batches.
    pub fn batcher(&self) -> Address {
        self.filter.batcher
    }

    /// The batch-inbox address.
    pub fn batch_inbox(&self) -> Address {
        self.filter.inbox
    }

    /// Whether this backend can post (it has the batcher's key).
    pub fn can_submit(&self) -> bool {
        self.submitter.is_some()
    }
}

#[async_trait]
impl DaBackend for EthereumDa {
    fn name(&self) -> &'static str {
        NAME
    }

    fn max_blob_bytes(&self) -> usize {
        self.max_blob_bytes
    }

    async fn submit(&self, blob: Bytes) -> Result<DaReceipt, DaError> {
        crate::backend::check_blob_size(&blob, self.max_blob_bytes)?;
        let submitter = self.submitter.as_ref().ok_or_else(|| {
            misconfigured(
                "da.ethereum.batcher_key is not set: this node can read batches but not post \
                 them (set MANIFOLD_DA__ETHEREUM__BATCHER_KEY)",
            )
        })?;
        let size = blob.len();
        let inclusion = submitter.submit(&self.rpc, &AlloyBytes::from(blob)).await?;
        tracing::debug!(height = inclusion.height, hash = %inclusion.hash, size, "blob included on L1");
        Ok(DaReceipt { height: inclusion.height, commitment: inclusion.hash })
    }

    async fn blobs_at(&self, height: u64) -> Result<Vec<Bytes>, DaError> {
        let blobs = self.filter.blobs_at(&self.rpc, height).await?;
        Ok(blobs.into_iter().map(|b| b.0).collect())
    }

    async fn head_height(&self) -> Result<u64, DaError> {
        let provider = self.rpc.checked().await?;
        call("eth_blockNumber", provider.get_block_number()).await
    }

    /// The newest L1 block with `confirmations` blocks counting itself: the head minus
    /// `confirmations - 1`.
    async fn finalized_height(&self) -> Result<u64, DaError> {
        let head = self.head_height().await?;
        Ok(head.saturating_sub(self.confirmations - 1))
    }

    /// Whether the batch transaction is in the canonical chain with `confirmations` blocks
    /// counting its own — at the height it is in now: an L1 reorg may have mined it again in
    /// another block than the one `receipt` recorded, and readers find it there.
    async fn is_confirmed(&self, receipt: &DaReceipt) -> Result<bool, DaError> {
        let provider = self.rpc.checked().await?;
        let latest = call("eth_blockNumber", provider.get_block_number()).await?;
        let included: Option<ReceiptLocation> = call(
            "eth_getTransactionReceipt",
            provider.raw_request("eth_getTransactionReceipt".into(), (receipt.commitment,)),
        )
        .await?;
        Ok(match included.and_then(|r| r.height()) {
            Some(height) => latest.saturating_add(1) >= height.saturating_add(self.confirmations),
            None => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use node_config::Secret;

    use super::*;

    fn closed_port_url() -> String {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        format!("http://127.0.0.1:{port}")
    }

    #[tokio::test]
    async fn connects_while_the_l1_is_down_and_reports_it_unavailable() {
        let cfg = EthereumDaConfig {
            rpc_url: closed_port_url(),
            batcher_key: Some(Secret::new(
                "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
            )),
            l1_chain_id: Some(900),
            ..Default::default()
        };
        let da = EthereumDa::connect(&cfg).await.unwrap();
        assert!(da.can_submit());
        assert!(da.head_height().await.unwrap_err().is_transient());
        assert!(da.blobs_at(1).await.unwrap_err().is_transient());
        let receipt = DaReceipt { height: 1, commitment: Default::default() };
        assert!(da.is_confirmed(&receipt).await.unwrap_err().is_transient());
        assert!(da.submit(Bytes::from_static(b"x")).await.unwrap_err().is_transient());
    }

    #[tokio::test]
    async fn blob_checks_come_before_the_network_and_the_key() {
        let cfg = EthereumDaConfig {
            rpc_url: closed_port_url(),
            batcher_address: Some(Address::repeat_byte(7)),
            max_blob_bytes: 1024,
            ..Default::default()
        };
        let da = EthereumDa::connect(&cfg).await.unwrap();
        assert!(!da.can_submit());
        assert_eq!(da.batcher(), Address::repeat_byte(7));
        assert!(matches!(da.submit(Bytes::new()).await, Err(DaError::EmptyBlob)));
        assert!(matches!(
            da.submit(Bytes::from(vec![1; 1025])).await,
            Err(DaError::BlobTooLarge { size: 1025, max: 1024 })
        ));
        // Without a key a read-only backend refuses to post, whatever the L1's state.
        assert!(matches!(
            da.submit(Bytes::from_static(b"frame")).await,
            Err(DaError::Misconfigured { .. })
        ));
    }

    #[tokio::test]
    async fn needs_a_batcher_to_know_whose_batches_to_read() {
        let cfg = EthereumDaConfig { rpc_url: closed_port_url(), ..Default::default() };
        let err = EthereumDa::connect(&cfg).await.unwrap_err();
        assert!(matches!(err, DaError::Misconfigured { .. }), "{err}");
        let bad_key = EthereumDaConfig {
            rpc_url: closed_port_url(),
            batcher_key: Some(Secret::new("0x1234")),
            ..Default::default()
        };
        assert!(matches!(
            EthereumDa::connect(&bad_key).await.unwrap_err(),
            DaError::Misconfigured { .. }
        ));
    }
}
