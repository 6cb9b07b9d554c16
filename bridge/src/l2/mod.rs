//! The bridge's L2 side: the system contract a chain needs from genesis ([`add_predeploys`]),
//! and what a client reads of it through any L2 node's JSON-RPC — the withdrawals started up to
//! a block ([`withdrawals_until`]) or by one transaction ([`withdrawal_in_transaction`]), a
//! block's output root ([`output_at`]) and a withdrawal's
//! proof against it ([`prove_withdrawal`]), which `Portal.proveWithdrawal` takes on L1.

mod output;
mod predeploys;
mod withdrawals;

pub(crate) use output::header_at;
pub use output::output_at;
pub use predeploys::add_predeploys;
pub use withdrawals::{
    ProvenWithdrawal, StartedWithdrawal, prove_withdrawal, withdrawal_in_transaction,
    withdrawals_until,
};
