//! The `debug_` namespace as geth serves it: tracing of sealed transactions, whole blocks and
//! calls with geth's tracers (revm-inspectors, re-executed by `execution::evm::trace`), and
//! the raw (RLP / EIP-2718) bytes of headers, blocks, receipts and transactions.
//!
//! One file per concept: `api` declares the methods; `trace_transaction`, `trace_block`,
//! `trace_call` and `raw` implement them; `trace_options` reads geth's tracing options and
//! `trace_errors` turns a failed trace into geth's error.
//!
//! Like geth, the node serves these methods on its RPC port: they re-execute transactions,
//! so each runs on a blocking thread, reads one store snapshot (never the sealing lock) and
//! each traced transaction stops at its timeout (geth's `timeout`, 5 s by default).

pub(crate) mod api;
mod raw;
mod trace_block;
mod trace_call;
mod trace_errors;
mod trace_options;
mod trace_transaction;

// The RPC's shared parts, under the names the method files use.
use super::{errors, handler};
