//! The dev chain: a new height every `block_time`, holding the blobs submitted since the last
//! one, each with a signed `ExtendedHeader` that celestia-rpc decodes and validates.
//!
//! Headers come from celestia-types' test-utils generator: valid, signed by one validator,
//! each the successor of the previous (height + 1, parent hash, later time), over an empty
//! data square (the data root does not commit to the blobs; nothing here checks inclusion
//! proofs). The generator makes its validator key itself and cannot be given one, so a
//! restarted server continues the heights with a new generator (and validator): each header
//! still validates on its own, and headers of one run verify as adjacent, but the first header
//! after a restart does not verify against the one before it (it names another parent and
//! another validator set).
//!
//! Blocks hold at most [`MAX_BLOCK_DATA_BYTES`] of blob data; what does not fit waits for the
//! next block, in submission order.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use celestia_types::{ExtendedHeader, test_utils::ExtendedHeaderGenerator};
use tokio::sync::{oneshot, watch};

use super::{
    CelestiaDevError,
    store::{Store, StoredBlob},
};

/// Most blob data in one block: celestia-app's default `MaxBytes`, 64 × 64 shares of 482
/// bytes (`DefaultGovMaxSquareSize² × ContinuationSparseShareContentSize`).
pub const MAX_BLOCK_DATA_BYTES: usize = 64 * 64 * 482;

/// The newest block: its height and header JSON.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    /// Height, from 1.
    pub(crate) height: u64,
    /// The header, in celestia-node's JSON.
    pub(crate) header: Arc<serde_json::value::RawValue>,
}

/// A `blob.Submit` waiting for its block.
struct Pending {
    blobs: Vec<StoredBlob>,
    bytes: usize,
    included: oneshot::Sender<u64>,
}

/// The chain shared by the RPC methods and the block producer.
pub(crate) struct Chain {
    store: Arc<Store>,
    head: watch::Sender<Head>,
    pending: Mutex<VecDeque<Pending>>,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain").field("head", &self.head.borrow().height).finish_non_exhaustive()
    }
}

/// What the producer needs to extend the chain.
pub(crate) struct Producer {
    chain: Arc<Chain>,
    /// Makes the next header (it holds the last one it made).
    generator: ExtendedHeaderGenerator,
    block_time: Duration,
}

/// The chain has stopped (the server is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stopped;

fn raw_json(bytes: Vec<u8>) -> Result<Arc<serde_json::value::RawValue>, CelestiaDevError> {
    let text = String::from_utf8(bytes)
        .map_err(|e| CelestiaDevError::Corrupt(format!("stored header is not UTF-8: {e}")))?;
    serde_json::value::RawValue::from_string(text)
        .map(Arc::from)
        .map_err(|e| CelestiaDevError::Corrupt(format!("stored header is not JSON: {e}")))
}

impl Chain {
    /// Opens the chain in `store`, making block 1 if the store is new.
    pub(crate) async fn open(
        store: Arc<Store>,
        block_time: Duration,
    ) -> Result<(Arc<Self>, Producer), CelestiaDevError> {
        let stored = blocking({
            let store = store.clone();
            move || store.last_header()
        })
        .await?;
        let (generator, head) = match stored {
            Some((height, json)) => {
                // Check that the head decodes; the generator continues after it.
                serde_json::from_slice::<ExtendedHeader>(&json).map_err(|e| {
                    CelestiaDevError::Corrupt(format!("stored header {height}: {e}"))
                })?;
                (
                    ExtendedHeaderGenerator::new_from_height(height + 1),
                    Head { height, header: raw_json(json)? },
                )
            }
            None => {
                let mut generator = ExtendedHeaderGenerator::new();
                let genesis = generator.next_empty();
                let json = serde_json::to_vec(&genesis).expect("headers serialize");
                blocking({
                    let store = store.clone();
                    let json = json.clone();
                    move || store.append_block(1, &json, &[])
                })
                .await?;
                (generator, Head { height: 1, header: raw_json(json)? })
            }
        };
        tracing::info!(head = head.height, "Celestia dev chain opened");
        let (head, _) = watch::channel(head);
        let chain = Arc::new(Self { store, head, pending: Mutex::new(VecDeque::new()) });
        let producer = Producer { chain: chain.clone(), generator, block_time };
        Ok((chain, producer))
    }

    /// The newest block.
    pub(crate) fn head(&self) -> Head {
        self.head.borrow().clone()
    }

    /// Waits until the chain reaches `height`.
    pub(crate) async fn wait_for(&self, height: u64) -> Result<Head, Stopped> {
        let mut heads = self.head.subscribe();
        let head = heads.wait_for(|head| head.height >= height).await.map_err(|_| Stopped)?;
        Ok(head.clone())
    }

    /// The header JSON at `height` (at most the head).
    pub(crate) async fn header(
        &self,
        height: u64,
    ) -> Result<Option<Arc<serde_json::value::RawValue>>, CelestiaDevError> {
        let head = self.head();
        if height == head.height {
            return Ok(Some(head.header));
        }
        let store = self.store.clone();
        match blocking(move || store.header(height)).await? {
            Some(json) => raw_json(json).map(Some),
            None => Ok(None),
        }
    }

    /// The blobs at `height`, in block order.
    pub(crate) async fn blobs(&self, height: u64) -> Result<Vec<StoredBlob>, CelestiaDevError> {
        let store = self.store.clone();
        blocking(move || store.blobs(height)).await
    }

    /// Queues `blobs` for the next block with room and returns the height that includes them.
    pub(crate) async fn include(&self, blobs: Vec<StoredBlob>) -> Result<u64, Stopped> {
        let (included, height) = oneshot::channel();
        let bytes = blobs.iter().map(|b| b.data.len()).sum();
        self.pending.lock().expect("pending lock").push_back(Pending { blobs, bytes, included });
        height.await.map_err(|_| Stopped)
    }

    /// Takes the submissions of the next block: in order, while they fit (at least one).
    fn take_pending(&self) -> Vec<Pending> {
        let mut pending = self.pending.lock().expect("pending lock");
        let mut taken = Vec::new();
        let mut bytes = 0;
        while let Some(next) = pending.front() {
            if !taken.is_empty() && bytes + next.bytes > MAX_BLOCK_DATA_BYTES {
                break;
            }
            bytes += next.bytes;
            taken.extend(pending.pop_front());
        }
        taken
    }
}

impl Producer {
    /// Makes a block every `block_time` until `stop` turns true.
    pub(crate) async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut ticks = tokio::time::interval(self.block_time);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await; // The first tick is immediate: block 1 (or the last) is there.
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                changed = stop.changed() => {
                    // The server is gone (its handle dropped) or asked to stop.
                    if changed.is_err() {
                        break;
                    }
                }
            }
            if *stop.borrow() {
                break;
            }
            if let Err(e) = self.produce().await {
                tracing::error!(error = %e, "Celestia dev chain could not make a block");
            }
        }
        tracing::debug!("Celestia dev block producer stopped");
    }

    /// Makes one block of the pending submissions.
    async fn produce(&mut self) -> Result<(), CelestiaDevError> {
        let taken = self.chain.take_pending();
        // Kept to step back if the block cannot be written, so no height is skipped.
        let before = self.generator.fork();
        let header = self.generator.next_empty();
        let height = header.height();
        let json = serde_json::to_vec(&header).expect("headers serialize");
        let blobs: Vec<StoredBlob> = taken.iter().flat_map(|p| p.blobs.iter().cloned()).collect();
        let count = blobs.len();
        let store = self.chain.store.clone();
        let written = json.clone();
        // On failure the senders drop with `taken`: their `blob.Submit` calls fail.
        if let Err(e) = blocking(move || store.append_block(height, &written, &blobs)).await {
            self.generator = before;
            return Err(e);
        }
        self.chain.head.send_replace(Head { height, header: raw_json(json)? });
        for pending in taken {
            // The caller may have gone away; the blob is included all the same.
            let _ = pending.included.send(height);
        }
        if count > 0 {
            tracing::info!(height, blobs = count, "Celestia dev block");
        } else {
            tracing::trace!(height, "Celestia dev block");
        }
        Ok(())
    }
}

/// Runs redb work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CelestiaDevError> + Send + 'static,
) -> Result<T, CelestiaDevError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CelestiaDevError::Store(format!("store task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use celestia_types::{Commitment, nmt::Namespace};

    use super::*;

    fn blob(len: usize) -> StoredBlob {
        let namespace = Namespace::new_v0(b"t").unwrap();
        let data = vec![3u8; len];
        StoredBlob {
            namespace,
            commitment: Commitment::from_blob(namespace, &data, 0, None).unwrap(),
            data,
            signer: None,
        }
    }

    #[tokio::test]
    async fn blocks_follow_each_other_and_hold_what_was_submitted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let (chain, mut producer) =
            Chain::open(store.clone(), Duration::from_millis(10)).await.unwrap();
        assert_eq!(chain.head().height, 1, "block 1 at first start");

        // Two submissions fit one block; a third one that overflows waits for the next.
        let a = tokio::spawn({
            let chain = chain.clone();
            async move { chain.include(vec![blob(10)]).await }
        });
        let b = tokio::spawn({
            let chain = chain.clone();
            async move { chain.include(vec![blob(MAX_BLOCK_DATA_BYTES - 10)]).await }
        });
        let c = tokio::spawn({
            let chain = chain.clone();
            async move { chain.include(vec![blob(1)]).await }
        });
        // Let the three submissions queue (polling the queue, not sleeping for a guess).
        while chain.pending.lock().unwrap().len() < 3 {
            tokio::task::yield_now().await;
        }
        producer.produce().await.unwrap();
        producer.produce().await.unwrap();
        let (a, b, c) = (a.await.unwrap(), b.await.unwrap(), c.await.unwrap());
        assert_eq!((a, b, c), (Ok(2), Ok(2), Ok(3)));
        assert_eq!(chain.head().height, 3);
        assert_eq!(chain.blobs(2).await.unwrap().len(), 2);
        assert_eq!(chain.blobs(3).await.unwrap(), vec![blob(1)]);

        // Headers decode, validate and chain to each other.
        async fn header(chain: &Chain, height: u64) -> ExtendedHeader {
            let json = chain.header(height).await.unwrap().unwrap();
            serde_json::from_str::<ExtendedHeader>(json.get()).unwrap()
        }
        let (h2, h3) = (header(&chain, 2).await, header(&chain, 3).await);
        h2.validate().unwrap();
        h3.validate().unwrap();
        h2.verify_adjacent(&h3).unwrap();

        // Reopening keeps every height and continues after the last with valid headers.
        drop((chain, producer));
        let (chain, mut producer) = Chain::open(store, Duration::from_millis(10)).await.unwrap();
        assert_eq!(chain.head().height, 3);
        producer.produce().await.unwrap();
        producer.produce().await.unwrap();
        assert_eq!(chain.wait_for(5).await.unwrap().height, 5);
        assert_eq!(chain.blobs(3).await.unwrap(), vec![blob(1)]);
        let (h4, h5) = (header(&chain, 4).await, header(&chain, 5).await);
        h4.validate().unwrap();
        assert_eq!(h4.height(), 4);
        assert!(h4.time().after(h3.time()));
        h4.verify_adjacent(&h5).unwrap();
    }
}
