//! `manifold l1`: a single-node Ethereum dev chain (not built yet).
