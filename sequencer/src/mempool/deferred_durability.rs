//! Admission that does not wait for the journal, inside a scope whose owner waits instead.
//!
//! An admission checks a transaction, puts it in the pool and queues its journal write, then
//! waits until the write is on disk before the transaction's hash is returned. The calls of a
//! JSON-RPC batch run one after another, so each would wait for a group commit of its own.
//! Inside a [`DeferredDurability`] scope (`rpc::durable_batches` runs a batch in one), an
//! admission returns as soon as its write is queued, leaving it in the scope; the scope's owner
//! settles every deferred admission ([`Mempool::settle`](super::Mempool::settle)) before
//! anything is answered. The batch's admissions then share the journal's group commits, while
//! running in the batch's order exactly as before (the second of one sender's nonces is checked
//! against a pool holding the first), and nothing is acknowledged before it is durable.
//!
//! A scope can also hold transactions decoded ahead ([`DeferredDurability::decoded_ahead`]):
//! the batch's raw transactions, their signatures checked in parallel before its calls run,
//! which admission then takes instead of decoding again.

use std::{cell::RefCell, collections::HashMap, future::Future, sync::Arc};

use alloy_primitives::Bytes;
use execution::{Transaction, TxError};

use crate::journal::QueuedWrite;

/// An admission whose transaction is in the pool and whose journal write is queued.
#[derive(Debug)]
pub struct PendingAdmission {
    /// The transaction admitted.
    pub(super) tx: Arc<Transaction>,
    /// The transactions it displaced from the pool — the one it replaced, those evicted to
    /// make room — each with its payer's account nonce then, to put back if the write fails.
    pub(super) displaced: Vec<(Arc<Transaction>, Option<u64>)>,
    /// Its journal write.
    pub(super) write: QueuedWrite,
}

/// The admissions deferred in one scope, each with the position of the call that made it.
#[derive(Debug, Default)]
struct Deferred {
    /// The position of the call running now.
    current: usize,
    pending: Vec<(usize, PendingAdmission)>,
    /// Payloads decoded ahead, and what decoding them gave.
    decoded: HashMap<Bytes, Result<Transaction, TxError>>,
}

tokio::task_local! {
    static SCOPE: RefCell<Deferred>;
}

/// Runs calls whose admissions are deferred.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeferredDurability;

impl DeferredDurability {
    /// Runs `work` in a scope of its own; returns its output and the admissions it deferred,
    /// each with the call position ([`DeferredDurability::at`]) it was made in, in order.
    pub async fn run<F: Future>(work: F) -> (F::Output, Vec<(usize, PendingAdmission)>) {
        SCOPE
            .scope(RefCell::new(Deferred::default()), async move {
                let output = work.await;
                let pending = SCOPE.with(|scope| std::mem::take(&mut scope.borrow_mut().pending));
                (output, pending)
            })
            .await
    }

    /// Marks the admissions from now on as made by the call at `position`.
    pub fn at(position: usize) {
        let _ = SCOPE.try_with(|scope| scope.borrow_mut().current = position);
    }

    /// Keeps `decoded` (payload → what decoding it gave) for the admissions of this scope.
    pub fn decoded_ahead(decoded: HashMap<Bytes, Result<Transaction, TxError>>) {
        let _ = SCOPE.try_with(|scope| scope.borrow_mut().decoded.extend(decoded));
    }
}

/// What decoding `payload` gave, if the scope decoded it ahead (each is taken once).
pub(super) fn take_decoded(payload: &Bytes) -> Option<Result<Transaction, TxError>> {
    SCOPE.try_with(|scope| scope.borrow_mut().decoded.remove(payload)).ok().flatten()
}

/// Keeps `pending` in the current scope; gives it back when there is none (the caller then
/// waits for it itself).
pub(super) fn defer(pending: PendingAdmission) -> Option<PendingAdmission> {
    let mut pending = Some(pending);
    let _ = SCOPE.try_with(|scope| {
        let mut scope = scope.borrow_mut();
        let position = scope.current;
        scope.pending.push((position, pending.take().expect("taken once")));
    });
    pending
}
