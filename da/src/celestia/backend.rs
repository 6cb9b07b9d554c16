//! [`CelestiaDa`]: batches as Celestia blobs in one namespace, through a celestia-node's
//! JSON-RPC API (bridge, full or light node).
//!
//! | trait method | celestia-node call |
//! | --- | --- |
//! | `submit` | `blob.Submit([blob], {gas_price, is_gas_price_set})` (the first one preceded by `state.AccountAddress`) |
//! | `blobs_at` | `blob.GetAll(height, [namespace])` (*) |
//! | `head_height` | `header.LocalHead` |
//! | `is_confirmed` | `blob.Get(height, namespace, commitment)` (*) |
//!
//! (*) preceded by `header.LocalHead` when `height` is above the highest head seen so far.
//!
//! **Head.** The head is the node's *local* head (`header.LocalHead`): the newest header the
//! node has stored, so every height up to it can be read. `header.NetworkHead` is the
//! syncer's view of the network, which runs ahead of the store while the node syncs; celestia-
//! node answers a `blob.GetAll` between the two with "syncing in progress" or blocks until the
//! header arrives, so a reader that trusted the network head would stall or fail.
//!
//! **Receipts.** A receipt is the inclusion height `blob.Submit` reports and the blob's share
//! commitment (the 32-byte root Celestia computes over the blob's shares, as celestia-types
//! computes it), which is also how `blob.Get` finds the blob again.
//!
//! **Who posted.** Anyone may post to a namespace, so the blobs are signed: every blob is
//! posted with share version 1, whose shares carry the signer — the node's account
//! (`state.AccountAddress`), which Celestia's validators check against the account paying
//! for the blob. A reader with `batcher_address` reads only blobs signed by that account; a
//! blob of anyone else (unsigned, version 0, or signed by another account) is passed over,
//! so a forged frame cannot complete or poison a batch. A poster whose node's account is not
//! the configured `batcher_address` refuses to post (a misconfiguration: its followers would
//! ignore every blob).
//!
//! **Finality.** Celestia (CometBFT) finalizes a block when it is committed: a blob at a height
//! the node has is final, so `is_confirmed` is "is it there".
//!
//! **Gas.** `blob.Submit` carries the configured gas price explicitly (`gas_price` with
//! `is_gas_price_set`); the node estimates the gas. celestia-rpc would also serialize a
//! `priority`, which celestia-node does not read, so it is never set.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use alloy_primitives::B256;
use async_trait::async_trait;
use bytes::Bytes;
use celestia_rpc::{BlobClient, HeaderClient, StateClient, TxConfig};
use celestia_types::nmt::Namespace;
use celestia_types::state::{AccAddress, Address};
use celestia_types::{Blob, Commitment};
use node_config::CelestiaDaConfig;
use tokio::sync::OnceCell;

use super::client::{ClientSettings, LazyClient};
use super::errors::{NAME, from_client_error, is_blob_not_found};
use super::namespace::namespace_v0;
use crate::{DaBackend, DaError, DaReceipt};

/// The Celestia DA backend: posts blobs to, and reads them from, one version-0 namespace
/// through a celestia-node's JSON-RPC endpoint.
///
/// Cheap to clone; clones share one client.
#[derive(Clone, Debug)]
pub struct CelestiaDa {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: LazyClient,
    namespace: Namespace,
    gas_price: f64,
    max_blob_bytes: usize,
    /// Highest local head seen: heights up to it are readable without asking again
    /// (Celestia heights are final, so a node's head never goes back).
    known_head: AtomicU64,
    /// The only account whose blobs are read (`batcher_address`); `None` reads every blob.
    batcher: Option<AccAddress>,
    /// The node's own account, which signs what it posts (asked once, on the first post).
    signer: OnceCell<AccAddress>,
}

impl CelestiaDa {
    /// A backend for `cfg` (`[da.celestia]`).
    ///
    /// Needs no running node: the node may be down (calls then fail with
    /// [`DaError::Unavailable`] until it is back). Fails with [`DaError::Misconfigured`] for a
    /// URL that is not `http(s)://` or `ws(s)://`, a token that cannot be sent as an HTTP
    /// header, or a reserved namespace.
    pub async fn connect(cfg: &CelestiaDaConfig) -> Result<Self, DaError> {
        let namespace = namespace_v0(cfg.namespace)?;
        let batcher = cfg.batcher_address.as_deref().map(parse_account).transpose()?;
        let (settings, transport) = ClientSettings::from_config(cfg)?;
        let client = LazyClient::new(settings, transport).await?;
        tracing::info!(
            url = client.url(),
            namespace = %cfg.namespace,
            gas_price = cfg.gas_price,
            max_blob_bytes = cfg.max_blob_bytes,
            batcher = ?cfg.batcher_address,
            "Celestia DA configured"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                namespace,
                gas_price: cfg.gas_price,
                max_blob_bytes: cfg.max_blob_bytes,
                known_head: AtomicU64::new(0),
                batcher,
                signer: OnceCell::new(),
            }),
        })
    }

    /// The account that signs this node's blobs: its celestia-node's account, which must be
    /// the configured `batcher_address` when one is set.
    async fn signer(&self) -> Result<AccAddress, DaError> {
        let signer = self
            .inner
            .signer
            .get_or_try_init(|| async {
                let client = self.inner.client.get().await?;
                match client
                    .state_account_address()
                    .await
                    .map_err(|e| from_client_error("state.AccountAddress", e))?
                {
                    Address::AccAddress(account) => Ok(account),
                    other => Err(DaError::Storage(format!(
                        "celestia-node's account address {other} is not an account"
                    ))),
                }
            })
            .await?;
        match self.inner.batcher {
            Some(batcher) if batcher != *signer => Err(DaError::Misconfigured {
                backend: NAME,
                reason: format!(
                    "celestia-node's account {signer} is not da.celestia.batcher_address \
                     {batcher}: followers would read none of its blobs"
                ),
            }),
            _ => Ok(*signer),
        }
    }

    /// Whether a blob read back counts: signed by the batcher, when one is configured.
    fn is_from_batcher(&self, blob: &Blob) -> bool {
        self.inner.batcher.is_none_or(|batcher| blob.signer == Some(batcher))
    }

    /// The 29-byte namespace the blobs are posted in.
    pub fn namespace(&self) -> Namespace {
        self.inner.namespace
    }

    /// The options of every `blob.Submit`: the configured gas price, set explicitly.
    fn tx_config(&self) -> TxConfig {
        TxConfig::default().with_gas_price(self.inner.gas_price)
    }

    /// The node's local head height.
    async fn local_head(&self) -> Result<u64, DaError> {
        let client = self.inner.client.get().await?;
        let head = client
            .header_local_head()
            .await
            .map_err(|e| from_client_error("header.LocalHead", e))?;
        let height = head.height();
        self.inner.known_head.fetch_max(height, Ordering::Relaxed);
        Ok(height)
    }

    /// Whether `height` is at or below the head, asking the node only when `height` is above
    /// the highest head seen so far. `Err(head)` when it is above the head.
    async fn check_readable(&self, height: u64) -> Result<Result<(), u64>, DaError> {
        if height <= self.inner.known_head.load(Ordering::Relaxed) {
            return Ok(Ok(()));
        }
        let head = self.local_head().await?;
        Ok(if height <= head { Ok(()) } else { Err(head) })
    }
}

/// The blob of `data` in `namespace` signed by `signer` (share version 1), with its share
/// commitment.
pub(crate) fn blob_of(
    namespace: Namespace,
    data: Vec<u8>,
    signer: AccAddress,
) -> Result<Blob, DaError> {
    Blob::new(namespace, data, Some(signer))
        .map_err(|e| DaError::Storage(format!("cannot build a Celestia blob: {e}")))
}

/// `address`, a bech32 `celestia1…` account address.
fn parse_account(address: &str) -> Result<AccAddress, DaError> {
    address.parse().map_err(|e| DaError::Misconfigured {
        backend: NAME,
        reason: format!("da.celestia.batcher_address {address:?} is not an account address: {e}"),
    })
}

/// A commitment as a receipt's `B256`.
pub(crate) fn commitment_b256(commitment: &Commitment) -> B256 {
    B256::from(*commitment.hash())
}

#[async_trait]
impl DaBackend for CelestiaDa {
    fn name(&self) -> &'static str {
        NAME
    }

    fn max_blob_bytes(&self) -> usize {
        self.inner.max_blob_bytes
    }

    async fn submit(&self, blob: Bytes) -> Result<DaReceipt, DaError> {
        crate::backend::check_blob_size(&blob, self.inner.max_blob_bytes)?;
        let size = blob.len();
        let signer = self.signer().await?;
        let blob = blob_of(self.inner.namespace, blob.to_vec(), signer)?;
        let commitment = commitment_b256(&blob.commitment);
        let client = self.inner.client.get().await?;
        let height = client
            .blob_submit(&[blob], self.tx_config())
            .await
            .map_err(|e| from_client_error("blob.Submit", e))?;
        if height == 0 {
            return Err(DaError::Storage("celestia-node reported inclusion at height 0".into()));
        }
        tracing::debug!(height, size, %commitment, "blob submitted to Celestia");
        Ok(DaReceipt { height, commitment })
    }

    async fn blobs_at(&self, height: u64) -> Result<Vec<Bytes>, DaError> {
        if height == 0 {
            // Heights start at 1; celestia-node refuses height 0.
            return Ok(Vec::new());
        }
        if let Err(head) = self.check_readable(height).await? {
            return Err(DaError::HeightNotAvailable { height, head });
        }
        let namespace = self.inner.namespace;
        let client = self.inner.client.get().await?;
        // `null` (or `[]`) when the namespace holds nothing at this height.
        let blobs = client
            .blob_get_all(height, &[namespace])
            .await
            .map_err(|e| from_client_error("blob.GetAll", e))?
            .unwrap_or_default();
        let mut read = Vec::with_capacity(blobs.len());
        let mut foreign = 0usize;
        for blob in blobs {
            if blob.namespace != namespace {
                return Err(DaError::Storage(format!(
                    "celestia-node returned a blob of another namespace at height {height}"
                )));
            }
            if self.is_from_batcher(&blob) {
                read.push(Bytes::from(blob.data));
            } else {
                foreign += 1;
            }
        }
        if foreign > 0 {
            tracing::debug!(height, foreign, "blobs not signed by the batcher passed over");
        }
        Ok(read)
    }

    async fn head_height(&self) -> Result<u64, DaError> {
        self.local_head().await
    }

    async fn is_confirmed(&self, receipt: &DaReceipt) -> Result<bool, DaError> {
        if receipt.height == 0 || self.check_readable(receipt.height).await?.is_err() {
            // Not there yet (celestia-node would block on the next height).
            return Ok(false);
        }
        let commitment = Commitment::new(receipt.commitment.0);
        let client = self.inner.client.get().await?;
        match client.blob_get(receipt.height, self.inner.namespace, commitment).await {
            Ok(blob) => Ok(blob.commitment == commitment && blob.namespace == self.inner.namespace),
            Err(e) if is_blob_not_found(&e) => Ok(false),
            Err(e) => Err(from_client_error("blob.Get", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use node_config::Secret;

    use super::*;

    async fn offline(max_blob_bytes: usize) -> CelestiaDa {
        CelestiaDa::connect(&CelestiaDaConfig {
            // Nothing listens on port 9.
            url: "http://127.0.0.1:9".into(),
            auth_token: Some(Secret::new("t")),
            max_blob_bytes,
            request_timeout_ms: 2_000,
            ..CelestiaDaConfig::default()
        })
        .await
        .expect("connect needs no node")
    }

    #[tokio::test]
    async fn size_checks_happen_before_any_network_call() {
        let da = offline(1024).await;
        assert_eq!(da.name(), "celestia");
        assert_eq!(da.max_blob_bytes(), 1024);
        assert!(matches!(da.submit(Bytes::new()).await, Err(DaError::EmptyBlob)));
        assert!(matches!(
            da.submit(Bytes::from(vec![1u8; 1025])).await,
            Err(DaError::BlobTooLarge { size: 1025, max: 1024 })
        ));
        // A blob within limits does reach for the (absent) node: a transient failure.
        let error = da.submit(Bytes::from(vec![1u8; 1024])).await.unwrap_err();
        assert!(error.is_transient(), "{error:?}");
        // Height 0 never holds a blob, node or no node.
        assert_eq!(da.blobs_at(0).await.unwrap(), Vec::<Bytes>::new());
        let error = da.head_height().await.unwrap_err();
        assert!(error.is_transient(), "{error:?}");
    }

    #[tokio::test]
    async fn gas_price_is_sent_explicitly_and_priority_never() {
        let da = offline(1024).await;
        let json = serde_json::to_value(da.tx_config()).unwrap();
        assert_eq!(json["gas_price"], serde_json::json!(0.004));
        assert_eq!(json["is_gas_price_set"], serde_json::json!(true));
        assert!(json.get("priority").is_none(), "{json}");
    }

    #[test]
    fn receipt_commitment_is_the_signed_share_commitment() {
        let namespace = namespace_v0(node_config::DEFAULT_CELESTIA_NAMESPACE_ID).unwrap();
        let signer = AccAddress::from([7u8; 20]);
        let blob = blob_of(namespace, b"batch frame".to_vec(), signer).unwrap();
        assert_eq!((blob.share_version, blob.signer), (1, Some(signer)));
        let expected =
            Commitment::from_blob(namespace, b"batch frame", 1, Some(&signer)).expect("commitment");
        assert_eq!(commitment_b256(&blob.commitment), B256::from(*expected.hash()));
        // A different blob, or the same data signed by someone else, commits differently.
        let other = blob_of(namespace, b"batch frame!".to_vec(), signer).unwrap();
        assert_ne!(commitment_b256(&other.commitment), commitment_b256(&blob.commitment));
        let forged = blob_of(namespace, b"batch frame".to_vec(), AccAddress::from([8u8; 20]));
        assert_ne!(commitment_b256(&forged.unwrap().commitment), commitment_b256(&blob.commitment));
    }

    #[tokio::test]
    async fn a_malformed_batcher_address_is_a_misconfiguration() {
        let error = CelestiaDa::connect(&CelestiaDaConfig {
            batcher_address: Some("celestia1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq".into()),
            ..CelestiaDaConfig::default()
        })
        .await
        .unwrap_err();
        assert!(matches!(error, DaError::Misconfigured { .. }), "{error:?}");
        assert!(error.to_string().contains("da.celestia.batcher_address"), "{error}");
    }
}
