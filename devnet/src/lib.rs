//! The library half of the `manifold` binary crate: the development services that the
//! binary's subcommands run and that end-to-end tests start in-process — a Celestia-compatible
//! DA server ([`celestia_dev`]) and a single-node Ethereum dev chain ([`l1`]) with the bridge's
//! L1 contracts deployed ([`l1_bridge`]).

pub mod celestia_dev;
pub mod l1;
pub mod l1_bridge;
