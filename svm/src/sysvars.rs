//! The sysvars a block's transactions read, derived from the rollup's block: slot = block
//! number, unix timestamp = block time, the block's parent hash as the recent blockhash of
//! `SlotHashes`; rent and the epoch schedule are Solana's defaults (the epoch is the default
//! schedule's epoch of the slot).

use std::{cell::RefCell, rc::Rc};

use solana_account::{Account, AccountSharedData};
use solana_clock::Clock;
use solana_epoch_schedule::EpochSchedule;
use solana_hash::Hash;
use solana_program_runtime::sysvar_cache::SysvarCache;
use solana_pubkey::Pubkey;
use solana_rent::Rent;
use solana_slot_hashes::SlotHashes;

/// The block-level inputs of the sysvars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockSysvars {
    /// The block number.
    pub slot: u64,
    /// The block's time, in Unix seconds.
    pub unix_timestamp: i64,
    /// The blockhash the block's transactions name (the latest one).
    pub blockhash: Hash,
}

impl BlockSysvars {
    /// The clock of the block.
    pub fn clock(&self) -> Clock {
        let schedule = EpochSchedule::default();
        let epoch = schedule.get_epoch(self.slot);
        Clock {
            slot: self.slot,
            epoch_start_timestamp: self.unix_timestamp,
            epoch,
            leader_schedule_epoch: schedule.get_leader_schedule_epoch(self.slot),
            unix_timestamp: self.unix_timestamp,
        }
    }

    /// The sysvar accounts the state holds for the block (programs may also read a sysvar
    /// passed as an instruction account): clock, rent, epoch schedule and slot hashes, owned by
    /// the sysvar program with their rent-exempt minimum.
    pub fn accounts(&self) -> Vec<(Pubkey, AccountSharedData)> {
        let rent = Rent::default();
        let datas = [
            (solana_sdk_ids::sysvar::clock::ID, bincode::serialize(&self.clock())),
            (solana_sdk_ids::sysvar::rent::ID, bincode::serialize(&rent)),
            (
                solana_sdk_ids::sysvar::epoch_schedule::ID,
                bincode::serialize(&EpochSchedule::default()),
            ),
            (
                solana_sdk_ids::sysvar::slot_hashes::ID,
                bincode::serialize(&SlotHashes::new(&[(self.slot, self.blockhash)])),
            ),
        ];
        datas
            .into_iter()
            .filter_map(|(id, data)| {
                let data = data.ok()?;
                let account = Account {
                    lamports: rent.minimum_balance(data.len()).max(1),
                    data,
                    owner: solana_sdk_ids::sysvar::ID,
                    executable: false,
                    rent_epoch: 0,
                };
                Some((id, AccountSharedData::from(account)))
            })
            .collect()
    }

    /// The sysvar cache of the block, built once per thread and block: the last one this
    /// thread built is kept and shared while the block's transactions execute.
    pub(crate) fn shared_cache(&self) -> Rc<SysvarCache> {
        thread_local! {
            static LAST: RefCell<Option<(BlockSysvars, Rc<SysvarCache>)>> =
                const { RefCell::new(None) };
        }
        LAST.with_borrow_mut(|last| match last {
            Some((sysvars, cache)) if sysvars == self => cache.clone(),
            _ => {
                let cache = Rc::new(self.cache());
                *last = Some((*self, cache.clone()));
                cache
            }
        })
    }

    /// The sysvar cache programs read through syscalls.
    pub fn cache(&self) -> SysvarCache {
        let clock = self.clock();
        let rent = Rent::default();
        let schedule = EpochSchedule::default();
        let slot_hashes = SlotHashes::new(&[(self.slot, self.blockhash)]);
        let mut cache = SysvarCache::default();
        cache.fill_missing_entries(|id, set| {
            let data = if *id == solana_sdk_ids::sysvar::clock::ID {
                bincode::serialize(&clock)
            } else if *id == solana_sdk_ids::sysvar::rent::ID {
                bincode::serialize(&rent)
            } else if *id == solana_sdk_ids::sysvar::epoch_schedule::ID {
                bincode::serialize(&schedule)
            } else if *id == solana_sdk_ids::sysvar::slot_hashes::ID {
                bincode::serialize(&slot_hashes)
            } else {
                return;
            };
            if let Ok(data) = data {
                set(&data);
            }
        });
        cache
    }
}
