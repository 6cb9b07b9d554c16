//! The state of one running program as its host functions see it (wasmtime's store data):
//! its frame, calldata, result, the return data of its last call, its storage cache, gas owed
//! for memory growth, and why it stopped if a host function stopped it.

use std::{collections::BTreeMap, ptr::NonNull};

use alloy_primitives::{B256, Bytes};
use wasmtime::{Memory, ResourceLimiter};

use super::{
    evm_api::{EvmApi, ProgramFrame},
    pricing::{MAX_PAGES, memory_grow_gas},
};

/// Why a host function stopped the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// Gas ran out.
    OutOfGas,
    /// `exit_early(status)`: the program ends with that status and its result so far.
    Exit(u32),
    /// A state change in a static call.
    StaticViolation,
    /// The EVM's database failed.
    Fatal,
    /// A host function was given memory the program does not have, or another bad argument.
    BadArgument(&'static str),
}

/// A storage slot in the program's cache.
#[derive(Debug, Clone, Copy)]
pub(super) struct CachedSlot {
    pub value: B256,
    pub dirty: bool,
}

/// wasmtime store data of a running program.
pub struct HostState {
    /// The EVM of the running call; `None` while the instance is idle (`detached`).
    api: Option<NonNull<dyn EvmApi + 'static>>,
    /// The frame the program runs in.
    pub frame: ProgramFrame,
    /// Its calldata.
    pub args: Bytes,
    /// What `write_result` last wrote.
    pub result: Vec<u8>,
    /// Return data of the last nested call.
    pub return_data: Bytes,
    pub(super) cache: BTreeMap<B256, CachedSlot>,
    /// Gas refund earned (SSTORE clears).
    pub refund: i64,
    /// Why a host function stopped the program, if one did.
    pub halt: Option<Halt>,
    pub(super) memory: Option<Memory>,
    pages_ever: u64,
    /// Gas owed for memory growth, paid at the next host call and at the end.
    pub(super) gas_debt: u64,
    /// The dirty map of what host functions wrote into linear memory (see `depth`'s).
    pub(super) host_dirty: u64,
    /// log2 of the bytes one bit of the dirty map stands for.
    dirty_shift: u32,
}

// SAFETY: the api pointer is only dereferenced on the thread that runs the program, while the
// `&mut dyn EvmApi` it was made from is borrowed by `run_program` (see `HostState::new`).
unsafe impl Send for HostState {}

impl HostState {
    /// State for a program about to run in `frame`.
    ///
    /// # Safety
    /// `api` must outlive every use of the returned state: the store holding it must be
    /// dropped before the borrow `api` came from ends (`run_program` does so).
    pub(super) unsafe fn new(
        api: &mut dyn EvmApi,
        frame: ProgramFrame,
        args: Bytes,
        initial_pages: u64,
    ) -> Self {
        let api: NonNull<dyn EvmApi + '_> = NonNull::from(api);
        // SAFETY: only the lifetime is erased; the caller guarantees it is long enough.
        let api: NonNull<dyn EvmApi + 'static> = unsafe { std::mem::transmute(api) };
        Self {
            api: Some(api),
            frame,
            args,
            gas_debt: memory_grow_gas(initial_pages, 0, 0),
            ..Self::detached(initial_pages)
        }
    }

    /// Records that a host function wrote `len` bytes at `start` of linear memory.
    pub(super) fn wrote(&mut self, start: usize, len: usize) {
        if len == 0 {
            return;
        }
        let (first, last) = (start >> self.dirty_shift, (start + len - 1) >> self.dirty_shift);
        if last - first >= 63 {
            self.host_dirty = u64::MAX;
            return;
        }
        for granule in first..=last {
            self.host_dirty |= 1u64.wrapping_shl(granule as u32);
        }
    }

    /// The state of an idle instance, between calls: no EVM, no frame.
    pub(super) fn detached(initial_pages: u64) -> Self {
        Self {
            api: None,
            frame: ProgramFrame {
                address: Default::default(),
                caller: Default::default(),
                value: Default::default(),
                is_static: true,
                depth: 0,
                reentrant: false,
            },
            args: Bytes::new(),
            result: Vec::new(),
            return_data: Bytes::new(),
            cache: BTreeMap::new(),
            refund: 0,
            halt: None,
            memory: None,
            pages_ever: initial_pages,
            gas_debt: 0,
            host_dirty: 0,
            dirty_shift: super::depth::dirty_shift(initial_pages),
        }
    }

    /// The EVM.
    pub(super) fn api(&mut self) -> &mut dyn EvmApi {
        let mut api = self.api.expect("host functions run only during a call, with its EVM");
        // SAFETY: see `new`; a detached state is never used by a host function (the instance
        // does not run while idle).
        unsafe { api.as_mut() }
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        const PAGE: usize = 65_536;
        let (open, new) = ((current / PAGE) as u64, (desired / PAGE) as u64);
        if new > MAX_PAGES {
            return Ok(false);
        }
        let gas = memory_grow_gas(new - open, open, self.pages_ever);
        self.pages_ever = self.pages_ever.max(new);
        self.gas_debt = self.gas_debt.saturating_add(gas);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 4096)
    }
}
