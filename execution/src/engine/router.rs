//! `Engines`: the engines a chain runs, and the router that dispatches each transaction to
//! its engine by kind — for decoding and admission, and as the scheduler's VM of a block
//! (`RouterVm`), whose workers hold one worker per engine.

use crate::{
    AdmissionContext, BlockEnv, ChainSpec, Engine, EngineKind, ExecutionError, Transaction,
    TxError, TxResult,
    deposit::{DepositBlockVm, DepositEngine, DepositWorker},
    dev_state::{DevStateBlockVm, DevStateEngine},
    evm::{EvmBlockVm, EvmEngine, EvmWorker},
    scheduler::{BlockVm, DeclaredAccess, TxState, TxWrites, VmWorker},
    state::StateView,
    svm::{SvmBlockVm, SvmEngine, SvmWorker},
};
#[cfg(any(test, feature = "test-utils"))]
use crate::{
    EngineTx,
    kv::{KvBlockVm, KvEngine, KvWorker},
};

/// The engines of a chain. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Engines {
    evm: EvmEngine,
    deposit: DepositEngine,
    svm: Option<std::sync::Arc<SvmEngine>>,
    dev_state: Option<DevStateEngine>,
    #[cfg(any(test, feature = "test-utils"))]
    kv: Option<KvEngine>,
}

impl Engines {
    /// The engines of `spec`: the EVM and L1 deposits (which only the L1 portal's events
    /// create: the pool never admits one).
    pub fn new(spec: &ChainSpec) -> Self {
        Self {
            evm: EvmEngine::new(spec.evm(), spec.block_gas_limit),
            deposit: DepositEngine::new(spec.evm()),
            svm: None,
            dev_state: None,
            #[cfg(any(test, feature = "test-utils"))]
            kv: None,
        }
    }

    /// The engines a node of `config` runs: the chain's ([`for_chain`](Self::for_chain)) and,
    /// when `chain.dev_state_writes` is set (devnets only), the dev-state engine.
    pub fn for_config(config: &node_config::NodeConfig) -> Result<Self, ExecutionError> {
        let engines = Self::for_chain(&ChainSpec::from_config(config))?;
        Ok(if config.chain.dev_state_writes { engines.with_dev_state() } else { engines })
    }

    /// These engines and the dev-state engine (a devnet's state writes).
    pub fn with_dev_state(mut self) -> Self {
        self.dev_state = Some(DevStateEngine);
        self
    }

    fn dev_state(&self) -> Result<&DevStateEngine, TxError> {
        self.dev_state.as_ref().ok_or(TxError::EngineNotRunning(EngineKind::DevState))
    }

    /// The engines every chain runs: the EVM and the Solana VM (whose programs this loads and
    /// JIT-compiles).
    pub fn for_chain(spec: &ChainSpec) -> Result<Self, ExecutionError> {
        Ok(Self::new(spec).with_svm(SvmEngine::new()?))
    }

    /// These engines and the Solana VM.
    pub fn with_svm(mut self, svm: SvmEngine) -> Self {
        let svm = std::sync::Arc::new(svm);
        self.evm = self.evm.with_svm(svm.clone());
        self.svm = Some(svm);
        self
    }

    /// The Solana VM, when the chain runs it.
    pub fn svm_engine(&self) -> Option<&SvmEngine> {
        self.svm.as_deref()
    }

    fn svm(&self) -> Result<&SvmEngine, TxError> {
        self.svm.as_deref().ok_or(TxError::EngineNotRunning(EngineKind::Svm))
    }

    /// These engines and the key-value test engine.
    #[cfg(any(test, feature = "test-utils"))]
    pub fn with_kv(mut self, kv: KvEngine) -> Self {
        self.kv = Some(kv);
        self
    }

    /// The EVM engine.
    pub fn evm(&self) -> &EvmEngine {
        &self.evm
    }

    /// Tells the engines that the chain was rewound to the end of block `to` (a devnet's
    /// `evm_revert`): what they keep in memory of later blocks — the Solana VM's programs
    /// compiled per deployment slot — is forgotten, since those block numbers come again.
    pub fn rewound(&self, to: u64) {
        if let Some(svm) = &self.svm {
            svm.runtime.forget_deployments_after(to);
        }
    }

    /// Whether the chain runs engine `kind`.
    pub fn runs(&self, kind: EngineKind) -> bool {
        match kind {
            EngineKind::Evm | EngineKind::Deposit => true,
            EngineKind::Svm => self.svm.is_some(),
            EngineKind::DevState => self.dev_state.is_some(),
            #[cfg(any(test, feature = "test-utils"))]
            EngineKind::Kv => self.kv.is_some(),
        }
    }

    /// Decodes a tagged transaction (`kind ‖ payload`) and verifies its signature.
    pub fn decode_tagged(&self, tagged: &[u8]) -> Result<Transaction, TxError> {
        let (kind, payload) = EngineKind::split_tagged(tagged)?;
        self.decode(kind, payload)
    }

    /// Decodes the payload of a transaction of `kind` and verifies its signature.
    pub fn decode(&self, kind: EngineKind, payload: &[u8]) -> Result<Transaction, TxError> {
        match kind {
            EngineKind::Evm => match self.dev_state {
                // A devnet takes impersonated transactions too (see `dev_state`).
                Some(_) => match crate::dev_state::decode_impersonated(payload) {
                    Some(tx) => Ok(Transaction::Evm(tx)),
                    None => self.evm.decode(payload).map(Transaction::Evm),
                },
                None => self.evm.decode(payload).map(Transaction::Evm),
            },
            EngineKind::Svm => self.svm()?.decode(payload).map(Transaction::Svm),
            EngineKind::Deposit => self.deposit.decode(payload).map(Transaction::Deposit),
            EngineKind::DevState => self.dev_state()?.decode(payload).map(Transaction::DevState),
            #[cfg(any(test, feature = "test-utils"))]
            EngineKind::Kv => {
                let kv = self.kv.as_ref().ok_or(TxError::EngineNotRunning(kind))?;
                kv.decode(payload).map(Transaction::Kv)
            }
        }
    }

    /// Admission checks of `tx` that need no state.
    pub fn check(&self, tx: &Transaction) -> Result<(), TxError> {
        match tx {
            Transaction::Evm(tx) => self.evm.check(tx),
            Transaction::Svm(tx) => self.svm()?.check(tx),
            Transaction::Deposit(tx) => self.deposit.check(tx),
            Transaction::DevState(tx) => self.dev_state()?.check(tx),
            #[cfg(any(test, feature = "test-utils"))]
            Transaction::Kv(tx) => self.kv()?.check(tx),
        }
    }

    /// Admission checks of `tx` against the latest state (see
    /// [`Engine::check_with_state`]).
    pub fn check_with_state<V: StateView>(
        &self,
        tx: &Transaction,
        state: &V,
        context: &AdmissionContext,
    ) -> Result<Result<(), TxError>, ExecutionError> {
        match tx {
            Transaction::Evm(tx) => self.evm.check_with_state(tx, state, context),
            Transaction::Svm(tx) => match self.svm() {
                Ok(svm) => svm.check_with_state(tx, state, context),
                Err(e) => Ok(Err(e)),
            },
            Transaction::Deposit(tx) => self.deposit.check_with_state(tx, state, context),
            Transaction::DevState(tx) => match self.dev_state() {
                Ok(engine) => engine.check_with_state(tx, state, context),
                Err(e) => Ok(Err(e)),
            },
            #[cfg(any(test, feature = "test-utils"))]
            Transaction::Kv(tx) => match self.kv() {
                Ok(kv) => kv.check_with_state(tx, state, context),
                Err(e) => Ok(Err(e)),
            },
        }
    }

    /// How much of engine `kind`'s resource block `env` may use (0 for an engine the chain
    /// does not run).
    pub fn block_limit(&self, kind: EngineKind, env: &BlockEnv) -> u64 {
        match kind {
            EngineKind::Evm => self.evm.block_limit(env),
            EngineKind::Svm => self.svm.as_ref().map_or(0, |svm| svm.block_limit(env)),
            EngineKind::Deposit => self.deposit.block_limit(env),
            EngineKind::DevState => self.dev_state.as_ref().map_or(0, |e| e.block_limit(env)),
            #[cfg(any(test, feature = "test-utils"))]
            EngineKind::Kv => self.kv.as_ref().map_or(0, |kv| kv.block_limit(env)),
        }
    }

    /// The scheduler's VM for block `env`: every engine's.
    pub fn block_vm<'a>(&'a self, env: &'a BlockEnv) -> RouterVm<'a> {
        RouterVm {
            evm: self.evm.block_vm(env),
            deposit: self.deposit.block_vm(env),
            svm: self.svm.as_ref().map(|svm| svm.block_vm(env)),
            dev_state: self.dev_state.as_ref().map(|e| e.block_vm(env)),
            #[cfg(any(test, feature = "test-utils"))]
            kv: self.kv.as_ref().map(|kv| kv.block_vm(env)),
        }
    }

    #[cfg(any(test, feature = "test-utils"))]
    fn kv(&self) -> Result<&KvEngine, TxError> {
        self.kv.as_ref().ok_or(TxError::EngineNotRunning(crate::kv::KvTx::KIND))
    }
}

/// The VMs of every engine for one block, as one VM of the scheduler.
#[derive(Debug)]
pub struct RouterVm<'a> {
    evm: EvmBlockVm<'a>,
    deposit: DepositBlockVm<'a>,
    svm: Option<SvmBlockVm<'a>>,
    dev_state: Option<DevStateBlockVm>,
    #[cfg(any(test, feature = "test-utils"))]
    kv: Option<KvBlockVm<'a>>,
}

impl<'a> RouterVm<'a> {
    /// The block's Solana VM, when the chain runs it.
    pub fn svm(&self) -> Option<&SvmBlockVm<'a>> {
        self.svm.as_ref()
    }
}

impl BlockVm for RouterVm<'_> {
    type Tx = Transaction;
    type Output = TxResult;
    type Worker<'w>
        = RouterWorker<'w>
    where
        Self: 'w;

    fn worker<'w>(&'w self, state: &'w dyn TxState) -> RouterWorker<'w> {
        RouterWorker {
            state,
            evm_vm: &self.evm,
            evm: None,
            deposit: self.deposit.worker(state),
            svm_vm: self.svm.as_ref(),
            svm: None,
            dev_state_vm: self.dev_state.as_ref(),
            #[cfg(any(test, feature = "test-utils"))]
            kv_vm: self.kv.as_ref(),
            #[cfg(any(test, feature = "test-utils"))]
            kv: None,
        }
    }

    fn declared_access(&self, tx: &Transaction, base: &dyn StateView) -> Option<DeclaredAccess> {
        match tx {
            Transaction::Evm(tx) => self.evm.declared_access(tx, base),
            Transaction::Deposit(tx) => self.deposit.declared_access(tx, base),
            Transaction::Svm(tx) => self.svm.as_ref()?.declared_access(tx, base),
            Transaction::DevState(tx) => self.dev_state.as_ref()?.declared_access(tx, base),
            #[cfg(any(test, feature = "test-utils"))]
            Transaction::Kv(tx) => self.kv.as_ref()?.declared_access(tx, base),
        }
    }
}

/// One thread's workers, one per engine, each made when its first transaction comes.
pub struct RouterWorker<'w> {
    state: &'w dyn TxState,
    evm_vm: &'w EvmBlockVm<'w>,
    evm: Option<EvmWorker<'w>>,
    deposit: DepositWorker<'w>,
    svm_vm: Option<&'w SvmBlockVm<'w>>,
    svm: Option<SvmWorker<'w>>,
    dev_state_vm: Option<&'w DevStateBlockVm>,
    #[cfg(any(test, feature = "test-utils"))]
    kv_vm: Option<&'w KvBlockVm<'w>>,
    #[cfg(any(test, feature = "test-utils"))]
    kv: Option<KvWorker<'w>>,
}

impl std::fmt::Debug for RouterWorker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterWorker").finish_non_exhaustive()
    }
}

impl VmWorker for RouterWorker<'_> {
    type Tx = Transaction;
    type Output = TxResult;

    fn execute(
        &mut self,
        tx: &Transaction,
        writes: &mut TxWrites,
    ) -> Result<TxResult, ExecutionError> {
        match tx {
            Transaction::Evm(tx) => {
                let (vm, state, solana) = (self.evm_vm, self.state, self.svm_vm);
                let worker = self.evm.get_or_insert_with(|| vm.worker_with_solana(state, solana));
                worker.execute(tx, writes)
            }
            Transaction::Deposit(tx) => self.deposit.execute(tx, writes),
            Transaction::Svm(tx) => {
                let vm = self.svm_vm.ok_or_else(|| {
                    ExecutionError::Invariant(
                        "a Solana transaction reached a chain without it".into(),
                    )
                })?;
                let state = self.state;
                self.svm.get_or_insert_with(|| vm.worker(state)).execute(tx, writes)
            }
            Transaction::DevState(tx) => {
                let vm = self.dev_state_vm.ok_or_else(|| {
                    ExecutionError::Invariant(
                        "a dev-state transaction reached a chain without it".into(),
                    )
                })?;
                vm.worker(self.state).execute(tx, writes)
            }
            #[cfg(any(test, feature = "test-utils"))]
            Transaction::Kv(tx) => {
                let vm = self.kv_vm.ok_or_else(|| {
                    ExecutionError::Invariant("a kv transaction reached a chain without it".into())
                })?;
                let state = self.state;
                self.kv.get_or_insert_with(|| vm.worker(state)).execute(tx, writes)
            }
        }
    }
}
