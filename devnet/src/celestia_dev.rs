//! A local server speaking the celestia-node JSON-RPC methods Manifold uses (not built yet).
