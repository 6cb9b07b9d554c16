//! What WebAssembly execution costs, in wasmtime fuel, Stylus ink and EVM gas.
//!
//! The units (documented in the README's WASM section):
//! - **ink** is Stylus' unit: 1 gas = [`INK_PER_GAS`] ink (Arbitrum's default ink price).
//! - **fuel** is what wasmtime meters: 1 fuel = [`INK_PER_FUEL`] ink, so 1 gas = 100 fuel.
//!   wasmtime charges each operator a whole number of fuel (0–255), so Stylus' per-operator ink
//!   costs ([`operator_costs`]) are divided by 100 and rounded, with a floor of 1 for any
//!   operator that does work.
//! - Host calls are charged their Stylus ink ([`HOSTIO_INK`] and the per-function constants in
//!   `vm_hooks`) plus, for those that touch state, the gas the EVM charges for the same access.
//! - Memory growth is charged as Stylus' memory model charges it ([`memory_grow_gas`]), with a
//!   cap of [`MAX_PAGES`] pages.

use wasmtime::OperatorCost;

/// Stylus ink per EVM gas (Arbitrum's default ink price).
pub const INK_PER_GAS: u64 = 10_000;
/// Stylus ink per unit of wasmtime fuel.
pub const INK_PER_FUEL: u64 = 100;
/// wasmtime fuel per EVM gas.
pub const FUEL_PER_GAS: u64 = INK_PER_GAS / INK_PER_FUEL;

/// Base ink of a host call (Stylus' `HOSTIO_INK`).
pub const HOSTIO_INK: u64 = 8_400;
/// Extra ink of a host call per pointer argument (Stylus' `PTR_INK`).
pub const PTR_INK: u64 = 13_440 - HOSTIO_INK;
/// Extra ink of a host call that reaches into EVM state (Stylus' `EVM_API_INK`).
pub const EVM_API_INK: u64 = 59_673;

/// The most 64 KiB pages a program's memory may have (8 MiB, Stylus' heap bound).
pub const MAX_PAGES: u64 = 128;
/// Pages a call may use before growth costs gas (Stylus' `free_pages`).
pub const FREE_PAGES: u64 = 2;
/// Gas per page grown past the free pages (Stylus' `page_gas`).
pub const PAGE_GAS: u64 = 1_000;

/// The fuel for `gas`.
pub const fn gas_to_fuel(gas: u64) -> u64 {
    gas.saturating_mul(FUEL_PER_GAS)
}

/// The gas `fuel` is worth, rounded down (what is left to hand back).
pub const fn fuel_to_gas(fuel: u64) -> u64 {
    fuel / FUEL_PER_GAS
}

/// The fuel of `ink`, rounded up.
pub const fn ink_to_fuel(ink: u64) -> u64 {
    ink.div_ceil(INK_PER_FUEL)
}

/// Ink to read `bytes` bytes out of the host (Stylus' `read_price`).
pub fn read_price_ink(bytes: u64) -> u64 {
    16_381u64.saturating_add(55u64.saturating_mul(bytes.saturating_sub(32)))
}

/// Ink to write `bytes` bytes into the program's memory (Stylus' `write_price`).
pub fn write_price_ink(bytes: u64) -> u64 {
    5_040u64.saturating_add(30u64.saturating_mul(bytes.saturating_sub(32)))
}

/// Ink of `native_keccak256` over `bytes` bytes (Stylus' `keccak_price`).
pub fn keccak_price_ink(bytes: u64) -> u64 {
    let words = bytes.div_ceil(32).saturating_sub(2);
    121_800u64.saturating_add(21_000u64.saturating_mul(words))
}

/// Gas to grow memory from `open` to `open + pages` pages when the call has used at most
/// `ever` pages so far: [`PAGE_GAS`] for each page past the [`FREE_PAGES`] that the call had
/// not used before.
pub fn memory_grow_gas(pages: u64, open: u64, ever: u64) -> u64 {
    let new_open = open.saturating_add(pages);
    let new_ever = ever.max(new_open);
    let charged_before = ever.saturating_sub(FREE_PAGES);
    let charged_after = new_ever.saturating_sub(FREE_PAGES);
    charged_after.saturating_sub(charged_before).saturating_mul(PAGE_GAS)
}

/// wasmtime's per-operator fuel: Stylus' `pricing_v1` ink costs divided by [`INK_PER_FUEL`].
/// Floating point, which Stylus refuses and Manifold runs with NaN canonicalisation, costs as
/// much as the 64-bit integer operator of the same kind.
pub fn operator_costs() -> OperatorCost {
    let mut cost = OperatorCost::new();
    // Control flow: a branch is Stylus' 765 ink, a call 3800, an indirect call 13610.
    cost.Br = 8;
    cost.BrIf = 8;
    cost.If = 8;
    cost.BrTable = 24;
    cost.Select = 13;
    cost.Call = 38;
    cost.CallIndirect = 136;
    // Locals and globals.
    cost.LocalSet = 2;
    cost.GlobalGet = 2;
    cost.GlobalSet = 6;
    // Memory.
    for load in [
        &mut cost.I32Load,
        &mut cost.I32Load8S,
        &mut cost.I32Load8U,
        &mut cost.I32Load16S,
        &mut cost.I32Load16U,
        &mut cost.I64Load,
        &mut cost.I64Load8S,
        &mut cost.I64Load8U,
        &mut cost.I64Load16S,
        &mut cost.I64Load16U,
        &mut cost.I64Load32S,
        &mut cost.I64Load32U,
        &mut cost.F32Load,
        &mut cost.F64Load,
    ] {
        *load = 7;
    }
    for store in [
        &mut cost.I32Store,
        &mut cost.I32Store8,
        &mut cost.I32Store16,
        &mut cost.I64Store,
        &mut cost.I64Store8,
        &mut cost.I64Store16,
        &mut cost.I64Store32,
        &mut cost.F32Store,
        &mut cost.F64Store,
    ] {
        *store = 9;
    }
    cost.MemorySize = 30;
    cost.MemoryGrow = 81;
    cost.MemoryCopy = 10;
    cost.MemoryFill = 10;
    // Comparisons and arithmetic.
    for cmp in [
        &mut cost.I32Eqz,
        &mut cost.I32Eq,
        &mut cost.I32Ne,
        &mut cost.I32LtS,
        &mut cost.I32LtU,
        &mut cost.I32GtS,
        &mut cost.I32GtU,
        &mut cost.I32LeS,
        &mut cost.I32LeU,
        &mut cost.I32GeS,
        &mut cost.I32GeU,
    ] {
        *cmp = 2;
    }
    for cmp in [
        &mut cost.I64Eqz,
        &mut cost.I64Eq,
        &mut cost.I64Ne,
        &mut cost.I64LtS,
        &mut cost.I64LtU,
        &mut cost.I64GtS,
        &mut cost.I64GtU,
        &mut cost.I64LeS,
        &mut cost.I64LeU,
        &mut cost.I64GeS,
        &mut cost.I64GeU,
    ] {
        *cmp = 2;
    }
    cost.I32Clz = 2;
    cost.I32Ctz = 2;
    cost.I64Clz = 2;
    cost.I64Ctz = 2;
    cost.I32Mul = 2;
    cost.I64Mul = 2;
    for div in [&mut cost.I32DivS, &mut cost.I32DivU, &mut cost.I32RemS, &mut cost.I32RemU] {
        *div = 11;
    }
    for div in [&mut cost.I64DivS, &mut cost.I64DivU, &mut cost.I64RemS, &mut cost.I64RemU] {
        *div = 13;
    }
    cost.I32Popcnt = 27;
    cost.I64Popcnt = 60;
    for float in [&mut cost.F32Div, &mut cost.F64Div, &mut cost.F32Sqrt, &mut cost.F64Sqrt] {
        *float = 13;
    }
    // Bulk memory per byte: Stylus charges 100 ink per 8 bytes; a whole fuel per byte is the
    // nearest wasmtime can charge.
    cost.variable.memory_copy_per_byte = 1;
    cost.variable.memory_fill_per_byte = 1;
    cost.variable.memory_init_per_byte = 1;
    cost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_both_ways() {
        assert_eq!(gas_to_fuel(21_000), 2_100_000);
        assert_eq!(fuel_to_gas(2_100_099), 21_000);
        assert_eq!(ink_to_fuel(HOSTIO_INK), 84);
        assert_eq!(ink_to_fuel(1), 1);
        assert_eq!(gas_to_fuel(u64::MAX), u64::MAX);
    }

    #[test]
    fn memory_growth_is_free_for_two_pages_then_charged_once_per_page() {
        assert_eq!(memory_grow_gas(2, 0, 0), 0);
        assert_eq!(memory_grow_gas(1, 2, 2), PAGE_GAS);
        assert_eq!(memory_grow_gas(3, 1, 1), 2 * PAGE_GAS);
        // Pages used before in this call are not paid again.
        assert_eq!(memory_grow_gas(1, 3, 5), 0);
        assert_eq!(memory_grow_gas(4, 3, 5), 2 * PAGE_GAS);
    }

    #[test]
    fn keccak_and_copy_prices_grow_with_size() {
        assert_eq!(keccak_price_ink(64), 121_800);
        assert_eq!(keccak_price_ink(96), 142_800);
        assert!(read_price_ink(1_000) > read_price_ink(32));
        assert_eq!(write_price_ink(32), 5_040);
    }
}
