//! The unified state model: what an account is, how engines read state, and a block's write set.

mod account;
mod changes;
mod view;

pub use account::AccountState;
pub use changes::{AccountChange, StateChanges};
pub use view::StateView;
