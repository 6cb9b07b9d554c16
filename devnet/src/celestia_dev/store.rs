//! The dev server's database: one redb file, `celestia-dev.redb` in the data directory, so a
//! stopped server restarted on the same directory serves every height again.
//!
//! Tables:
//! - `headers`: height → the JSON of its `ExtendedHeader` (celestia-node's encoding, the very
//!   bytes `header.*` answer with);
//! - `blobs`: `(height, index)` → namespace (29 bytes) ‖ share commitment (32 bytes) ‖ data;
//! - `signers`: `(height, index)` → the 20-byte signer of a share-version-1 blob (a blob
//!   without an entry is version 0; stores made before signed blobs have none);
//! - `meta`: the token signing key and the two tokens issued at first start.
//!
//! A block (its header and all its blobs) is written in one durable transaction. redb work is
//! blocking: callers run it on the blocking thread pool.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use celestia_types::{
    Commitment,
    nmt::Namespace,
    state::{AccAddress, AddressTrait},
};
use redb::{Database, DatabaseError, Durability, ReadableDatabase, ReadableTable, TableDefinition};

use super::CelestiaDevError;

const HEADERS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("headers");
const BLOBS: TableDefinition<'_, (u64, u32), &[u8]> = TableDefinition::new("blobs");
const SIGNERS: TableDefinition<'_, (u64, u32), [u8; 20]> = TableDefinition::new("signers");
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");

/// The database file inside the data directory.
pub(crate) const DB_FILE: &str = "celestia-dev.redb";

/// How long an open waits for a previous server in this process to let go of the file.
const OPEN_WAIT: Duration = Duration::from_secs(5);

const NAMESPACE_BYTES: usize = 29;
const COMMITMENT_BYTES: usize = 32;

/// A blob as stored: where it is, what commits to it, and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredBlob {
    /// Its namespace.
    pub(crate) namespace: Namespace,
    /// Its share commitment.
    pub(crate) commitment: Commitment,
    /// Its data.
    pub(crate) data: Vec<u8>,
    /// Its signer, for a share-version-1 blob.
    pub(crate) signer: Option<AccAddress>,
}

impl StoredBlob {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(NAMESPACE_BYTES + COMMITMENT_BYTES + self.data.len());
        out.extend_from_slice(self.namespace.as_bytes());
        out.extend_from_slice(self.commitment.hash());
        out.extend_from_slice(&self.data);
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self, CelestiaDevError> {
        if bytes.len() < NAMESPACE_BYTES + COMMITMENT_BYTES {
            return Err(CelestiaDevError::Corrupt(format!("stored blob of {} bytes", bytes.len())));
        }
        let (namespace, rest) = bytes.split_at(NAMESPACE_BYTES);
        let (commitment, data) = rest.split_at(COMMITMENT_BYTES);
        Ok(Self {
            namespace: Namespace::from_raw(namespace)
                .map_err(|e| CelestiaDevError::Corrupt(format!("stored namespace: {e}")))?,
            commitment: Commitment::new(commitment.try_into().expect("32 bytes")),
            data: data.to_vec(),
            signer: None,
        })
    }
}

/// The dev server's redb database.
#[derive(Debug)]
pub(crate) struct Store {
    db: Database,
}

impl Store {
    /// Opens (or creates) `<dir>/celestia-dev.redb`.
    pub(crate) fn open(dir: &Path) -> Result<Self, CelestiaDevError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| CelestiaDevError::DataDir { path: dir.to_path_buf(), source })?;
        let path = dir.join(DB_FILE);
        let deadline = Instant::now() + OPEN_WAIT;
        let db = loop {
            match Database::create(&path) {
                Ok(db) => break db,
                // A server stopped a moment ago in this process may still be closing it.
                Err(DatabaseError::DatabaseAlreadyOpen) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(CelestiaDevError::store(e)),
            }
        };
        let txn = db.begin_write().map_err(CelestiaDevError::store)?;
        txn.open_table(HEADERS).map_err(CelestiaDevError::store)?;
        txn.open_table(BLOBS).map_err(CelestiaDevError::store)?;
        txn.open_table(SIGNERS).map_err(CelestiaDevError::store)?;
        txn.open_table(META).map_err(CelestiaDevError::store)?;
        txn.commit().map_err(CelestiaDevError::store)?;
        Ok(Self { db })
    }

    /// The highest stored height and its header JSON, if any block was made.
    pub(crate) fn last_header(&self) -> Result<Option<(u64, Vec<u8>)>, CelestiaDevError> {
        let txn = self.db.begin_read().map_err(CelestiaDevError::store)?;
        let headers = txn.open_table(HEADERS).map_err(CelestiaDevError::store)?;
        let last = headers.last().map_err(CelestiaDevError::store)?;
        Ok(last.map(|(height, json)| (height.value(), json.value().to_vec())))
    }

    /// The header JSON at `height`.
    pub(crate) fn header(&self, height: u64) -> Result<Option<Vec<u8>>, CelestiaDevError> {
        let txn = self.db.begin_read().map_err(CelestiaDevError::store)?;
        let headers = txn.open_table(HEADERS).map_err(CelestiaDevError::store)?;
        let json = headers.get(height).map_err(CelestiaDevError::store)?;
        Ok(json.map(|json| json.value().to_vec()))
    }

    /// Every blob at `height`, in block order.
    pub(crate) fn blobs(&self, height: u64) -> Result<Vec<StoredBlob>, CelestiaDevError> {
        let txn = self.db.begin_read().map_err(CelestiaDevError::store)?;
        let blobs = txn.open_table(BLOBS).map_err(CelestiaDevError::store)?;
        let signers = txn.open_table(SIGNERS).map_err(CelestiaDevError::store)?;
        let range =
            blobs.range((height, 0u32)..=(height, u32::MAX)).map_err(CelestiaDevError::store)?;
        range
            .map(|entry| {
                let (key, value) = entry.map_err(CelestiaDevError::store)?;
                let mut blob = StoredBlob::decode(value.value())?;
                let signer = signers.get(key.value()).map_err(CelestiaDevError::store)?;
                blob.signer = signer.map(|signer| AccAddress::from(signer.value()));
                Ok(blob)
            })
            .collect()
    }

    /// Writes block `height`: its header JSON and its blobs, durably, in one transaction.
    pub(crate) fn append_block(
        &self,
        height: u64,
        header_json: &[u8],
        blobs: &[StoredBlob],
    ) -> Result<(), CelestiaDevError> {
        let mut txn = self.db.begin_write().map_err(CelestiaDevError::store)?;
        txn.set_durability(Durability::Immediate).map_err(CelestiaDevError::store)?;
        {
            let mut headers = txn.open_table(HEADERS).map_err(CelestiaDevError::store)?;
            headers.insert(height, header_json).map_err(CelestiaDevError::store)?;
            let mut table = txn.open_table(BLOBS).map_err(CelestiaDevError::store)?;
            let mut signers = txn.open_table(SIGNERS).map_err(CelestiaDevError::store)?;
            for (index, blob) in blobs.iter().enumerate() {
                let index = u32::try_from(index).expect("fewer than 2^32 blobs in a block");
                table
                    .insert((height, index), blob.encode().as_slice())
                    .map_err(CelestiaDevError::store)?;
                if let Some(signer) = &blob.signer {
                    let id: [u8; 20] =
                        signer.as_bytes().try_into().expect("an account address is 20 bytes");
                    signers.insert((height, index), id).map_err(CelestiaDevError::store)?;
                }
            }
        }
        txn.commit().map_err(CelestiaDevError::store)
    }

    /// A value of the `meta` table.
    pub(crate) fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, CelestiaDevError> {
        let txn = self.db.begin_read().map_err(CelestiaDevError::store)?;
        let meta = txn.open_table(META).map_err(CelestiaDevError::store)?;
        let value = meta.get(key).map_err(CelestiaDevError::store)?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    /// Writes values of the `meta` table, durably, in one transaction.
    pub(crate) fn set_meta(&self, entries: &[(&str, &[u8])]) -> Result<(), CelestiaDevError> {
        let mut txn = self.db.begin_write().map_err(CelestiaDevError::store)?;
        txn.set_durability(Durability::Immediate).map_err(CelestiaDevError::store)?;
        {
            let mut meta = txn.open_table(META).map_err(CelestiaDevError::store)?;
            for (key, value) in entries {
                meta.insert(*key, *value).map_err(CelestiaDevError::store)?;
            }
        }
        txn.commit().map_err(CelestiaDevError::store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(id: &[u8], data: &[u8]) -> StoredBlob {
        let namespace = Namespace::new_v0(id).unwrap();
        StoredBlob {
            namespace,
            commitment: Commitment::from_blob(namespace, data, 0, None).unwrap(),
            data: data.to_vec(),
            signer: None,
        }
    }

    fn signed(id: &[u8], data: &[u8]) -> StoredBlob {
        let namespace = Namespace::new_v0(id).unwrap();
        let signer = AccAddress::from([9u8; 20]);
        StoredBlob {
            namespace,
            commitment: Commitment::from_blob(namespace, data, 1, Some(&signer)).unwrap(),
            data: data.to_vec(),
            signer: Some(signer),
        }
    }

    #[test]
    fn blocks_and_meta_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = vec![blob(b"a", b"first"), signed(b"b", b"second"), blob(b"c", b"third")];
        {
            let store = Store::open(dir.path()).unwrap();
            assert_eq!(store.last_header().unwrap(), None);
            store.append_block(1, b"{\"h\":1}", &[]).unwrap();
            store.append_block(2, b"{\"h\":2}", &blobs).unwrap();
            store.set_meta(&[("k", b"v")]).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.last_header().unwrap(), Some((2, b"{\"h\":2}".to_vec())));
        assert_eq!(store.header(1).unwrap().as_deref(), Some(&b"{\"h\":1}"[..]));
        assert_eq!(store.header(3).unwrap(), None);
        assert_eq!(store.blobs(1).unwrap(), vec![]);
        assert_eq!(store.blobs(2).unwrap(), blobs, "same blobs, same order");
        assert_eq!(store.meta("k").unwrap().as_deref(), Some(&b"v"[..]));
        assert_eq!(store.meta("missing").unwrap(), None);
    }

    #[test]
    fn a_truncated_blob_record_is_corrupt() {
        assert!(matches!(StoredBlob::decode(&[0u8; 60]), Err(CelestiaDevError::Corrupt(_))));
    }
}
