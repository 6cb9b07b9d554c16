//! [`CelestiaDa`]: batches as Celestia blobs in one namespace, through a celestia-node's
//! JSON-RPC API (bridge, full or light node).
//!
//! | trait method | celestia-node call |
//! | --- | --- |
//! | `submit` | `blob.Submit([blob], {gas_price, is_gas_price_set})` |
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
use celestia_rpc::{BlobClient, HeaderClient, TxConfig};
use celestia_types::nmt::Namespace;
use celestia_types::{Blob, Commitment};
use node_config::CelestiaDaConfig;

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
        let (settings, transport) = ClientSettings::from_config(cfg)?;
        let client = LazyClient::new(settings, transport).await?;
        tracing::info!(
            url = client.url(),
            namespace = %cfg.namespace,
            gas_price = cfg.gas_price,
            max_blob_bytes = cfg.max_blob_bytes,
            "Celestia DA configured"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                namespace,
                gas_price: cfg.gas_price,
                max_blob_bytes: cfg.max_blob_bytes,
                known_head: AtomicU64::new(0),
            }),
        })
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

/// The blob of `data` in `namespace`, with its share commitment.
pub(crate) fn blob_of(namespace: Namespace, data: Vec<u8>) -> Result<Blob, DaError> {
    Blob::new(namespace, data, None)
        .map_err(|e| DaError::Storage(format!("cannot build a Celestia blob: {e}")))
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
        let blob = blob_of(self.inner.namespace, blob.to_vec())?;
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
        blobs
            .into_iter()
            .map(|blob| {
                if blob.namespace != namespace {
                    return Err(DaError::Storage(format!(
                        "celestia-node returned a blob of another namespace at height {height}"
                    )));
                }
                Ok(Bytes::from(blob.data))
            })
            .collect()
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
    fn receipt_commitment_is_the_share_commitment() {
        let namespace = namespace_v0(node_config::DEFAULT_CELESTIA_NAMESPACE_ID).unwrap();
        let blob = blob_of(namespace, b"batch frame".to_vec()).unwrap();
        let expected =
            Commitment::from_blob(namespace, b"batch frame", 0, None).expect("commitment");
        assert_eq!(commitment_b256(&blob.commitment), B256::from(*expected.hash()));
        // A different blob commits differently.
        let other = blob_of(namespace, b"batch frame!".to_vec()).unwrap();
        assert_ne!(commitment_b256(&other.commitment), commitment_b256(&blob.commitment));
    }
}
