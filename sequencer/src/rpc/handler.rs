//! `RpcHandler`: the state every RPC method works with (the node context and the installed
//! filters), and the assembly of all method groups into one jsonrpsee module.

use std::sync::Arc;

use alloy_primitives::Address;
use execution::StoreReader;
use jsonrpsee::RpcModule;

use super::{
    debug::api::DebugApiServer,
    dev::api::{AnvilDevApiServer, DevEthApiServer, EvmDevApiServer, HardhatDevApiServer},
    errors::{RpcResult, internal},
    eth::{
        FilterRegistry,
        api::{
            EthAccessListApiServer, EthBlocksApiServer, EthFeesApiServer, EthFiltersApiServer,
            EthNodeApiServer, EthPubSubApiServer, EthStateApiServer, EthTransactionsApiServer,
            NetApiServer, TxPoolApiServer, Web3ApiServer,
        },
    },
    manifold::ManifoldApiServer,
};
use crate::{NodeContext, SequencerError};

/// Implements every RPC method group. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct RpcHandler {
    /// The node's shared parts.
    pub(crate) ctx: NodeContext,
    /// Installed polling filters.
    pub(crate) filters: Arc<FilterRegistry>,
    /// Accounts a devnet's `eth_sendTransaction` may send from unsigned
    /// (`anvil_impersonateAccount`).
    pub(crate) impersonated: Arc<parking_lot::Mutex<std::collections::HashSet<Address>>>,
    /// A devnet's `evm_snapshot`s.
    pub(crate) snapshots: Arc<parking_lot::Mutex<super::dev::snapshots::Snapshots>>,
}

impl RpcHandler {
    /// A handler over `ctx` with no filters installed.
    pub(crate) fn new(ctx: NodeContext) -> Self {
        Self {
            ctx,
            filters: Arc::new(FilterRegistry::default()),
            impersonated: Arc::default(),
            snapshots: Arc::default(),
        }
    }

    /// A consistent read snapshot of the store.
    pub(crate) fn reader(&self) -> RpcResult<StoreReader> {
        self.ctx.store.reader().map_err(internal)
    }

    /// Runs blocking work (EVM, scans over many blocks) off the async workers.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(Self) -> RpcResult<T> + Send + 'static,
    ) -> RpcResult<T> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || work(this)).await.map_err(internal)?
    }

    /// Every method, as one module: the dev methods only on a devnet
    /// ([`NodeContext::dev_methods`]).
    pub(crate) fn into_module(self) -> Result<RpcModule<()>, SequencerError> {
        let rpc = |e: jsonrpsee::core::RegisterMethodError| SequencerError::Rpc(e.to_string());
        let mut module = RpcModule::new(());
        module.merge(Web3ApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(NetApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(EthNodeApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(ManifoldApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(EthStateApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(EthAccessListApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(TxPoolApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(EthBlocksApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(EthTransactionsApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(EthFeesApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(EthFiltersApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(DebugApiServer::into_rpc(self.clone())).map_err(rpc)?;
        if self.ctx.dev_methods {
            module.merge(EvmDevApiServer::into_rpc(self.clone())).map_err(rpc)?;
            module.merge(AnvilDevApiServer::into_rpc(self.clone())).map_err(rpc)?;
            module.merge(HardhatDevApiServer::into_rpc(self.clone())).map_err(rpc)?;
            module.merge(DevEthApiServer::into_rpc(self.clone())).map_err(rpc)?;
        }
        module.merge(EthPubSubApiServer::into_rpc(self)).map_err(rpc)?;
        Ok(module)
    }

    /// Solana's methods and subscriptions, as one module.
    pub(crate) fn into_solana_module(self) -> Result<RpcModule<()>, SequencerError> {
        use super::solana::api::{SolanaApiServer, SolanaPubSubApiServer};
        let rpc = |e: jsonrpsee::core::RegisterMethodError| SequencerError::Rpc(e.to_string());
        let mut module = RpcModule::new(());
        module.merge(SolanaApiServer::into_rpc(self.clone())).map_err(rpc)?;
        module.merge(SolanaPubSubApiServer::into_rpc(self)).map_err(rpc)?;
        Ok(module)
    }
}
