//! The unified state model: account ids, what an account is (its record, and the
//! Solana-style data some accounts have), the one native token, how engines read state, and a
//! block's write set.

mod account;
mod account_data;
mod account_id;
mod changes;
pub mod native_token;
mod slot_map;
mod view;

pub use account::AccountState;
pub use account_data::AccountData;
pub use account_id::{AccountId, AccountMap};
pub use changes::{AccountChange, StateChanges};
pub use slot_map::{SlotHasher, SlotMap};
pub use view::{ChainView, StateView};
