//! `StoreReader`: a consistent read snapshot of the node database — state for execution and
//! RPC, and the chain (headers, bodies, receipts, transaction index).

use alloy_consensus::Header;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_rlp::Decodable;
use redb::{ReadOnlyTable, ReadableDatabase, ReadableTable};

use super::{block_codec, historical_state::HistoryTables, tables::*};
use crate::{
    AccountId, AccountState, ChainView, ExecutionError, Receipt, SealedBlock, StateView,
    Transaction,
    state::AccountData,
    trie::{self, NodeReader, TrieError, TrieId},
};

/// A read snapshot: every read through one `StoreReader` sees the same committed block.
pub struct StoreReader {
    accounts: ReadOnlyTable<[u8; 20], &'static [u8]>,
    id_accounts: ReadOnlyTable<[u8; 32], &'static [u8]>,
    account_data: ReadOnlyTable<[u8; 32], &'static [u8]>,
    storage: ReadOnlyTable<[u8; 52], [u8; 32]>,
    code: ReadOnlyTable<[u8; 32], &'static [u8]>,
    pub(super) trie_nodes: ReadOnlyTable<&'static [u8], &'static [u8]>,
    headers: ReadOnlyTable<u64, &'static [u8]>,
    block_numbers: ReadOnlyTable<[u8; 32], u64>,
    bodies: ReadOnlyTable<u64, &'static [u8]>,
    receipts: ReadOnlyTable<u64, &'static [u8]>,
    tx_index: ReadOnlyTable<[u8; 32], [u8; 12]>,
    account_txs: ReadOnlyTable<[u8; 44], ()>,
    pub(super) meta: ReadOnlyTable<&'static str, &'static [u8]>,
    pub(super) history: HistoryTables,
}

impl std::fmt::Debug for StoreReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreReader").finish_non_exhaustive()
    }
}

/// Proof data for `eth_getProof`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountProof {
    /// The account (default values when absent).
    pub account: AccountState,
    /// Account trie nodes from the root to the account's leaf (or to where it would be).
    pub account_proof: Vec<Bytes>,
    /// For each requested slot: its value and its storage trie proof.
    pub storage_proofs: Vec<(B256, U256, Vec<Bytes>)>,
}

pub(crate) fn u64_meta(raw: Option<&[u8]>) -> Result<Option<u64>, ExecutionError> {
    raw.map(|bytes| {
        <[u8; 8]>::try_from(bytes)
            .map(u64::from_be_bytes)
            .map_err(|_| ExecutionError::Corrupt { what: "metadata", reason: "not a u64".into() })
    })
    .transpose()
}

impl StoreReader {
    pub(crate) fn new(db: &redb::Database) -> Result<Self, ExecutionError> {
        let txn = db.begin_read()?;
        Ok(Self {
            accounts: txn.open_table(ACCOUNTS)?,
            id_accounts: txn.open_table(ID_ACCOUNTS)?,
            account_data: txn.open_table(ACCOUNT_DATA)?,
            storage: txn.open_table(STORAGE)?,
            code: txn.open_table(CODE)?,
            trie_nodes: txn.open_table(TRIE_NODES)?,
            headers: txn.open_table(HEADERS)?,
            block_numbers: txn.open_table(BLOCK_NUMBERS)?,
            bodies: txn.open_table(BLOCK_BODIES)?,
            receipts: txn.open_table(BLOCK_RECEIPTS)?,
            tx_index: txn.open_table(TX_INDEX)?,
            account_txs: txn.open_table(ACCOUNT_TXS)?,
            meta: txn.open_table(META)?,
            history: HistoryTables::open(&txn)?,
        })
    }

    /// Number of the head block, `None` before genesis.
    pub fn head_number(&self) -> Result<Option<u64>, ExecutionError> {
        u64_meta(self.meta.get(META_HEAD)?.as_ref().map(|v| v.value()))
    }

    /// The `history_from` mark: the oldest block whose state the history reconstructs.
    pub(super) fn history_from(&self) -> Result<Option<u64>, ExecutionError> {
        u64_meta(self.meta.get(META_HISTORY_FROM)?.as_ref().map(|v| v.value()))
    }

    /// Chain id the database was initialised with.
    pub fn chain_id(&self) -> Result<Option<u64>, ExecutionError> {
        u64_meta(self.meta.get(META_CHAIN_ID)?.as_ref().map(|v| v.value()))
    }

    /// Header of block `number`.
    pub fn header(&self, number: u64) -> Result<Option<Header>, ExecutionError> {
        self.headers
            .get(number)?
            .map(|raw| {
                Header::decode(&mut raw.value())
                    .map_err(|e| ExecutionError::Corrupt { what: "header", reason: e.to_string() })
            })
            .transpose()
    }

    /// The head block's header.
    pub fn head_header(&self) -> Result<Header, ExecutionError> {
        let head = self.head_number()?.ok_or(ExecutionError::NoGenesis)?;
        self.header(head)?
            .ok_or_else(|| ExecutionError::Invariant(format!("head {head} has no header")))
    }

    /// Number of the block with `hash`.
    pub fn block_number(&self, hash: B256) -> Result<Option<u64>, ExecutionError> {
        Ok(self.block_numbers.get(hash.0)?.map(|v| v.value()))
    }

    /// Transactions of block `number`, of every engine.
    pub fn transactions(&self, number: u64) -> Result<Option<Vec<Transaction>>, ExecutionError> {
        self.bodies.get(number)?.map(|raw| block_codec::decode_body(raw.value())).transpose()
    }

    /// The transactions of block `number` in their tagged encoding (`kind ‖ payload`, what DA
    /// carries), read without decoding them.
    pub fn tagged_transactions(&self, number: u64) -> Result<Option<Vec<Bytes>>, ExecutionError> {
        self.bodies.get(number)?.map(|raw| block_codec::tagged_body(raw.value())).transpose()
    }

    /// Receipts of block `number`, of every engine.
    pub fn receipts(&self, number: u64) -> Result<Option<Vec<Receipt>>, ExecutionError> {
        self.receipts.get(number)?.map(|raw| block_codec::decode_receipts(raw.value())).transpose()
    }

    /// The whole block `number`.
    pub fn block(&self, number: u64) -> Result<Option<SealedBlock>, ExecutionError> {
        let Some(header) = self.header(number)? else { return Ok(None) };
        let transactions = self.transactions(number)?.unwrap_or_default();
        let receipts = self.receipts(number)?.unwrap_or_default();
        Ok(Some(SealedBlock { hash: header.hash_slow(), header, transactions, receipts }))
    }

    /// Where transaction `hash` is: (block number, index in block).
    pub fn transaction_location(&self, hash: B256) -> Result<Option<(u64, u32)>, ExecutionError> {
        Ok(self.tx_index.get(hash.0)?.map(|v| parse_tx_location(v.value())))
    }

    /// Locations (block number, index) of the Solana transactions that name account `key`,
    /// newest first: those before `before` (exclusive) when given, at most `limit`.
    pub fn account_transactions(
        &self,
        key: &[u8; 32],
        before: Option<(u64, u32)>,
        limit: usize,
    ) -> Result<Vec<(u64, u32)>, ExecutionError> {
        let low = account_tx_key(key, 0, 0);
        let range = match before {
            Some((block, index)) => {
                self.account_txs.range(low..account_tx_key(key, block, index))?
            }
            None => self.account_txs.range(low..=account_tx_key(key, u64::MAX, u32::MAX))?,
        };
        let mut out = Vec::with_capacity(limit.min(1024));
        for entry in range.rev().take(limit) {
            let (raw, _) = entry?;
            let raw = raw.value();
            let mut location = [0u8; 12];
            location.copy_from_slice(&raw[32..]);
            out.push(parse_tx_location(location));
        }
        Ok(out)
    }

    /// Every Solana-style account owned by `owner` (a scan of the accounts that have data), in
    /// id order, with its record (`None` for an account without balance).
    pub fn accounts_owned_by(
        &self,
        owner: AccountId,
    ) -> Result<Vec<(AccountId, Option<AccountState>, AccountData)>, ExecutionError> {
        let mut out = Vec::new();
        for entry in self.account_data.iter()? {
            let (id, raw) = entry?;
            let raw = raw.value();
            if raw.get(..32) != Some(owner.as_bytes().as_slice()) {
                continue;
            }
            let id = AccountId::from(id.value());
            out.push((id, self.account(id)?, AccountData::decode(raw)?));
        }
        Ok(out)
    }

    /// `eth_getProof` data for `address` and `slots` at this snapshot.
    pub fn proof(&self, address: Address, slots: &[B256]) -> Result<AccountProof, ExecutionError> {
        account_proof(self, &NodeTable(&self.trie_nodes), address, slots)
    }

    /// The state root as stored in the trie (equals the head header's `state_root`).
    pub fn state_root(&self) -> Result<B256, ExecutionError> {
        Ok(trie::trie_root(&NodeTable(&self.trie_nodes), TrieId::Account)?)
    }
}

impl StateView for StoreReader {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        let raw = match id.evm_address() {
            Some(address) => self.accounts.get(address.0.0)?,
            None => self.id_accounts.get(id.as_bytes())?,
        };
        raw.map(|raw| AccountState::decode(raw.value())).transpose()
    }

    fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        if id.evm_address().is_some() {
            // EVM accounts have no Solana-style data.
            return Ok(None);
        }
        self.account_data
            .get(id.as_bytes())?
            .map(|raw| AccountData::decode(raw.value()))
            .transpose()
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        Ok(self
            .storage
            .get(storage_key(address, slot))?
            .map(|v| U256::from_be_bytes(v.value()))
            .unwrap_or_default())
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, ExecutionError> {
        Ok(self.code.get(code_hash.0)?.map(|v| Bytes::copy_from_slice(v.value())))
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError> {
        Ok(self.header(number)?.map(|h| h.hash_slow()))
    }
}

impl ChainView for StoreReader {
    fn block_number(&self, hash: B256) -> Result<Option<u64>, ExecutionError> {
        StoreReader::block_number(self, hash)
    }

    fn transaction_block(&self, hash: B256) -> Result<Option<u64>, ExecutionError> {
        Ok(self.transaction_location(hash)?.map(|(block, _)| block))
    }
}

/// The trie node table, readable by the trie code.
pub(crate) struct NodeTable<'a, T>(pub(crate) &'a T);

impl<T: ReadableTable<&'static [u8], &'static [u8]>> NodeReader for NodeTable<'_, T> {
    fn node(&self, key: &[u8]) -> Result<Option<Vec<u8>>, TrieError> {
        self.0
            .get(key)
            .map(|v| v.map(|v| v.value().to_vec()))
            .map_err(|e| TrieError::Backend(e.to_string()))
    }
}

/// `eth_getProof` data for `address` and `slots`: the values read from `state`, the proofs from
/// the trie `nodes` of the same block (the head's table, or a historical view of it).
pub(super) fn account_proof(
    state: &impl StateView,
    nodes: &impl trie::NodeReader,
    address: Address,
    slots: &[B256],
) -> Result<AccountProof, ExecutionError> {
    let account = state.account(AccountId::from(address))?.unwrap_or_default();
    let account_proof = trie::proof(nodes, TrieId::Account, keccak256(address))?;
    let storage_id = TrieId::Storage(keccak256(address));
    let mut storage_proofs = Vec::with_capacity(slots.len());
    for slot in slots {
        let value = state.storage(address, U256::from_be_bytes(slot.0))?;
        let proof = trie::proof(nodes, storage_id, keccak256(slot))?;
        storage_proofs.push((*slot, value, proof));
    }
    Ok(AccountProof { account, account_proof, storage_proofs })
}
