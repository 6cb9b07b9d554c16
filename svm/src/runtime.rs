//! `SvmRuntime`: what every transaction of the chain's SVM shares — the feature set, the
//! program runtime environment built from it, the builtins (System, the BPF loaders,
//! ComputeBudget, …, as agave registers them for the active features), the genesis programs,
//! and the programs users deploy through the upgradeable loader (`user_programs`) — each
//! loaded, verified and JIT-compiled once per deployment, never per call.

use std::{collections::HashSet, sync::Arc};

use agave_feature_set::FeatureSet;
use solana_account::{Account, AccountSharedData};
use solana_compute_budget::compute_budget::ComputeBudget;
use solana_program_runtime::{
    loaded_programs::{ProgramCacheForTxBatch, ProgramRuntimeEnvironments},
    program_cache_entry::ProgramCacheEntry,
    program_metrics::LoadProgramMetrics,
};
use solana_pubkey::Pubkey;
use solana_rent::Rent;
use solana_svm_feature_set::SVMFeatureSet;

use crate::{GenesisProgram, SvmError, user_programs::CompiledPrograms};

/// The chain's Solana runtime. Build it once; execute transactions with
/// [`execute`](Self::execute).
pub struct SvmRuntime {
    pub(crate) feature_set: FeatureSet,
    pub(crate) runtime_features: SVMFeatureSet,
    pub(crate) environments: ProgramRuntimeEnvironments,
    /// Builtins and genesis programs, the base of every transaction's program cache.
    pub(crate) programs: ProgramCacheForTxBatch,
    /// Programs users deployed through the upgradeable loader, compiled once per deployment.
    pub(crate) compiled: CompiledPrograms,
    pub(crate) reserved_keys: HashSet<Pubkey>,
    pub(crate) lamports_per_signature: u64,
}

impl std::fmt::Debug for SvmRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SvmRuntime").finish_non_exhaustive()
    }
}

impl SvmRuntime {
    /// A runtime with `feature_set` active and agave's builtins for it.
    pub fn new(feature_set: FeatureSet) -> Result<Self, SvmError> {
        let runtime_features = feature_set.runtime_features();
        let budget = Self::default_budget(&feature_set);
        let environment = agave_syscalls::create_program_runtime_environment(
            &runtime_features,
            &budget.to_budget(),
            false,
            false,
        )
        .map_err(|e| SvmError::Environment(e.to_string()))?;
        let environments = ProgramRuntimeEnvironments::new(environment.clone(), environment);
        let mut programs = ProgramCacheForTxBatch::new(0);
        for builtin in solana_builtins::BUILTINS {
            if builtin.enable_feature_id.is_none_or(|id| feature_set.is_active(&id)) {
                let entry =
                    ProgramCacheEntry::new_builtin(0, builtin.name.len(), builtin.register_fn);
                programs.replenish(builtin.program_id, Arc::new(entry));
            }
        }
        let mut reserved = agave_reserved_account_keys::ReservedAccountKeys::default();
        reserved.update_active_set(&feature_set);
        Ok(Self {
            feature_set,
            runtime_features,
            environments,
            programs,
            compiled: CompiledPrograms::default(),
            reserved_keys: reserved.active,
            lamports_per_signature: 5000,
        })
    }

    /// The compute budget of a transaction that sets none (200,000 units per instruction up to
    /// 1.4 M, as Solana).
    pub(crate) fn default_budget(feature_set: &FeatureSet) -> ComputeBudget {
        ComputeBudget::new_with_defaults(
            feature_set.is_active(&agave_feature_set::raise_cpi_nesting_limit_to_8::id()),
        )
    }

    /// The active features.
    pub fn feature_set(&self) -> &FeatureSet {
        &self.feature_set
    }

    /// The accounts of the builtins (executable, owned by the native loader, their data the
    /// builtin's name), as genesis must hold them.
    pub fn builtin_accounts(&self) -> Vec<(Pubkey, AccountSharedData)> {
        solana_builtins::BUILTINS
            .iter()
            .filter(|b| b.enable_feature_id.is_none_or(|id| self.feature_set.is_active(&id)))
            .map(|b| {
                let account = Account {
                    lamports: 1,
                    data: b.name.as_bytes().to_vec(),
                    owner: solana_sdk_ids::native_loader::ID,
                    executable: true,
                    rent_epoch: 0,
                };
                (b.program_id, AccountSharedData::from(account))
            })
            .collect()
    }

    /// Loads, verifies and JIT-compiles `program` (owned by a non-upgradeable BPF loader)
    /// deployed at `slot`, and returns the executable account genesis must hold for it.
    pub fn deploy(
        &mut self,
        program: &GenesisProgram,
        slot: u64,
    ) -> Result<AccountSharedData, SvmError> {
        let mut metrics = LoadProgramMetrics::default();
        let entry = ProgramCacheEntry::new(
            &program.loader,
            self.environments.get_env_for_execution().clone(),
            slot,
            slot,
            program.elf,
            program.elf.len(),
            &mut metrics,
        )
        .map_err(|e| SvmError::BadProgram {
            program: program.id.to_string(),
            reason: e.to_string(),
        })?;
        self.programs.replenish(program.id, Arc::new(entry));
        let account = Account {
            lamports: Rent::default().minimum_balance(program.elf.len()).max(1),
            data: program.elf.to_vec(),
            owner: program.loader,
            executable: true,
            rent_epoch: 0,
        };
        Ok(AccountSharedData::from(account))
    }
}
