//! Programs users deploy through the upgradeable BPF loader (loader v3), loaded from their
//! accounts as agave's transaction processor loads them: the program account (`Program {
//! programdata_address }`) names the programdata account, whose header holds the deployment
//! slot and whose tail is the ELF.
//!
//! Each deployment is verified and JIT-compiled once, then kept in [`CompiledPrograms`], shared
//! by every execution, keyed by (program id, deployment slot): the loader allows one
//! (re)deployment of a program per slot, so the pair names one ELF. Agave's visibility rule
//! holds: a program (re)deployed in slot N runs from slot N+1; in slot N it is a
//! delay-visibility tombstone and fails as agave fails it ("Program is not deployed",
//! `UnsupportedProgramId`). A program whose programdata is gone, or does not parse, is a
//! `Closed` tombstone; one that no longer verifies is a `FailedVerification` tombstone — the
//! same failure, as in agave.

use std::{
    collections::HashMap,
    sync::{
        Arc, OnceLock, PoisonError, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

use solana_account::{AccountSharedData, ReadableAccount, state_traits::StateMut};
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_program_runtime::{
    program_cache_entry::{
        DELAY_VISIBILITY_SLOT_OFFSET, ProgramCacheEntry, ProgramCacheEntryOwner,
        ProgramCacheEntryType,
    },
    program_metrics::LoadProgramMetrics,
};
use solana_pubkey::Pubkey;
use solana_sdk_ids::bpf_loader_upgradeable;

use crate::{AccountSource, SvmRuntime};

/// What an [`AccountSource`] answers when the runtime asks for an upgradeable program's
/// programdata account (see [`AccountSource::program_data`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ProgramDataLookup {
    /// The account as the source holds it (`None`: there is no such account).
    Read(Option<AccountSharedData>),
    /// The source knows that the program was deployed in the current slot (it was no program
    /// before the current block): it is not invocable yet, whatever its programdata holds, and
    /// the source need not read that account.
    DeployedThisSlot,
}

/// The programdata address named by an account owned by `owner` holding `data`, when it is an
/// upgradeable-loader `Program` account.
pub fn programdata_address(owner: &Pubkey, data: &[u8]) -> Option<Pubkey> {
    if !bpf_loader_upgradeable::check_id(owner) {
        return None;
    }
    match bincode::deserialize(data) {
        Ok(UpgradeableLoaderState::Program { programdata_address }) => Some(programdata_address),
        _ => None,
    }
}

/// The verified and compiled upgradeable programs, shared by every execution (they run on
/// several threads): per program, its latest deployment seen. A deployment is compiled once
/// even when several threads need it at the same time (the others wait for it).
#[derive(Debug, Default)]
pub(crate) struct CompiledPrograms {
    deployments: RwLock<HashMap<Pubkey, Arc<Deployment>>>,
    compilations: AtomicU64,
}

/// One deployment of a program: its slot, and its entry once compiled.
#[derive(Debug)]
struct Deployment {
    slot: u64,
    entry: OnceLock<Arc<ProgramCacheEntry>>,
}

impl CompiledPrograms {
    /// The entry of `program` deployed at `deployed`, compiled by `compile` if not cached.
    fn get_or_compile(
        &self,
        program: &Pubkey,
        deployed: u64,
        compile: impl FnOnce() -> ProgramCacheEntry,
    ) -> Arc<ProgramCacheEntry> {
        let cached = {
            let deployments = self.deployments.read().unwrap_or_else(PoisonError::into_inner);
            deployments.get(program).filter(|d| d.slot == deployed).cloned()
        };
        let deployment = cached.unwrap_or_else(|| {
            let mut deployments = self.deployments.write().unwrap_or_else(PoisonError::into_inner);
            let fresh = || Arc::new(Deployment { slot: deployed, entry: OnceLock::new() });
            match deployments.get(program) {
                Some(known) if known.slot == deployed => Arc::clone(known),
                // A newer deployment is cached (an older block re-executed): keep it.
                Some(known) if known.slot > deployed => fresh(),
                _ => {
                    let deployment = fresh();
                    deployments.insert(*program, Arc::clone(&deployment));
                    deployment
                }
            }
        });
        let entry = deployment.entry.get_or_init(|| {
            self.compilations.fetch_add(1, Ordering::Relaxed);
            Arc::new(compile())
        });
        Arc::clone(entry)
    }

    /// Forgets the deployments made after `slot`: the chain was rewound to `slot` (a devnet's
    /// `evm_revert`), so a later slot number may name another deployment, of another ELF.
    fn forget_after(&self, slot: u64) {
        let mut deployments = self.deployments.write().unwrap_or_else(PoisonError::into_inner);
        deployments.retain(|_, deployment| deployment.slot <= slot);
    }
}

/// How an upgradeable-loader account of a transaction enters its program cache.
pub(crate) struct UpgradeableProgram {
    /// Its entry: the compiled program, or the tombstone it fails with.
    pub(crate) entry: Arc<ProgramCacheEntry>,
    /// The programdata account read for it (address, data length), which agave counts
    /// towards the transaction's loaded-data size.
    pub(crate) programdata: Option<(Pubkey, usize)>,
}

impl SvmRuntime {
    /// The program cache entry of account `key` (`account`, owned by the upgradeable loader)
    /// for a transaction in `slot`, its programdata read through `source`.
    ///
    /// The programdata of a program deployed in `slot` is not counted as loaded (agave counts
    /// it): whether the source read it or knew not to, the size is then the same.
    pub(crate) fn upgradeable_program(
        &self,
        key: &Pubkey,
        account: &AccountSharedData,
        source: &impl AccountSource,
        slot: u64,
    ) -> UpgradeableProgram {
        let tombstone = |deployed, kind| UpgradeableProgram {
            entry: Arc::new(ProgramCacheEntry::new_tombstone(
                deployed,
                ProgramCacheEntryOwner::LoaderV3,
                kind,
            )),
            programdata: None,
        };
        let Some(address) = programdata_address(account.owner(), account.data()) else {
            // A buffer, a programdata account, an uninitialized account: no program.
            return tombstone(slot, ProgramCacheEntryType::Closed);
        };
        let programdata = match source.program_data(key, &address) {
            ProgramDataLookup::DeployedThisSlot => {
                return tombstone(slot, ProgramCacheEntryType::DelayVisibility);
            }
            ProgramDataLookup::Read(None) => return tombstone(slot, ProgramCacheEntryType::Closed),
            ProgramDataLookup::Read(Some(programdata)) => programdata,
        };
        let loaded = Some((address, programdata.data().len()));
        let deployed = match programdata.state() {
            Ok(UpgradeableLoaderState::ProgramData { slot, .. })
                if bpf_loader_upgradeable::check_id(programdata.owner()) =>
            {
                slot
            }
            _ => {
                let mut closed = tombstone(slot, ProgramCacheEntryType::Closed);
                closed.programdata = loaded;
                return closed;
            }
        };
        if deployed >= slot {
            // Not visible before the next slot; nothing compiled from a slot still running.
            return tombstone(deployed, ProgramCacheEntryType::DelayVisibility);
        }
        let entry = self.compiled.get_or_compile(key, deployed, || {
            self.compile_upgradeable(account, &programdata, deployed)
        });
        UpgradeableProgram { entry, programdata: loaded }
    }

    /// Verifies and JIT-compiles the ELF in `programdata`, deployed at `deployed`, for the
    /// program account `program`; a `FailedVerification` tombstone if it does not verify.
    fn compile_upgradeable(
        &self,
        program: &AccountSharedData,
        programdata: &AccountSharedData,
        deployed: u64,
    ) -> ProgramCacheEntry {
        let environment = self.environments.get_env_for_execution();
        let elf = programdata.data().get(UpgradeableLoaderState::size_of_programdata_metadata()..);
        let size = program.data().len().saturating_add(programdata.data().len());
        elf.and_then(|elf| {
            ProgramCacheEntry::new(
                &bpf_loader_upgradeable::ID,
                environment.clone(),
                deployed,
                deployed.saturating_add(DELAY_VISIBILITY_SLOT_OFFSET),
                elf,
                size,
                &mut LoadProgramMetrics::default(),
            )
            .ok()
        })
        .unwrap_or_else(|| {
            ProgramCacheEntry::new_tombstone(
                deployed,
                ProgramCacheEntryOwner::LoaderV3,
                ProgramCacheEntryType::FailedVerification(environment.clone()),
            )
        })
    }

    /// How many times an upgradeable program was verified and compiled for execution (once
    /// per deployment, not per call).
    pub fn user_program_compilations(&self) -> u64 {
        self.compiled.compilations.load(Ordering::Relaxed)
    }

    /// Forgets the compiled programs deployed after `slot`, for a chain rewound to the end of
    /// `slot`: the slots after it will be produced again, and a program deployed in one of
    /// them may then be another ELF.
    pub fn forget_deployments_after(&self, slot: u64) {
        self.compiled.forget_after(slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(slot: u64) -> ProgramCacheEntry {
        ProgramCacheEntry::new_tombstone(
            slot,
            ProgramCacheEntryOwner::LoaderV3,
            ProgramCacheEntryType::Closed,
        )
    }

    #[test]
    fn a_rewind_forgets_the_deployments_after_its_slot_and_keeps_the_others() {
        let compiled = CompiledPrograms::default();
        let (early, late) = (Pubkey::new_unique(), Pubkey::new_unique());
        compiled.get_or_compile(&early, 3, || closed(3));
        compiled.get_or_compile(&late, 7, || closed(7));
        assert_eq!(compiled.compilations.load(Ordering::Relaxed), 2);

        compiled.forget_after(5);
        // Slot 7 is produced again after the rewind: its deployment is compiled afresh.
        compiled.get_or_compile(&late, 7, || closed(7));
        assert_eq!(compiled.compilations.load(Ordering::Relaxed), 3);
        // Slot 3 is still the chain's: its deployment stays compiled.
        compiled.get_or_compile(&early, 3, || closed(3));
        assert_eq!(compiled.compilations.load(Ordering::Relaxed), 3);
    }
}
