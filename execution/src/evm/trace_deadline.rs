//! `Deadline`: an inspector wrapper that bounds a trace in time, as geth's trace `timeout`
//! does. It forwards every hook to the tracer it wraps and, every few thousand instructions,
//! looks at the clock; once the deadline has passed it halts the running frame (and each
//! frame it returns to, at its next instruction), so the transaction ends at once, and
//! reports that it [`expired`](Deadline::expired) — its trace is then refused.

use std::time::Instant;

use revm::{
    Inspector,
    context_interface::ContextTr,
    handler::FrameResult,
    interpreter::{
        CallInputs, CallOutcome, CreateInputs, CreateOutcome, FrameInput, InstructionResult,
        Interpreter, interpreter::EthInterpreter,
    },
    primitives::{Address, Log, U256},
};

/// Instructions between two looks at the clock.
const CHECK_EVERY: u32 = 4096;

/// A tracer `I` that stops the transaction at `deadline`.
#[derive(Debug)]
pub(super) struct Deadline<I> {
    inner: I,
    deadline: Instant,
    steps: u32,
    expired: bool,
}

impl<I> Deadline<I> {
    /// `inner`, stopping the transaction once `deadline` has passed.
    pub(super) fn new(inner: I, deadline: Instant) -> Self {
        Self { inner, deadline, steps: 0, expired: false }
    }

    /// Whether the deadline passed while the transaction ran (it was halted).
    pub(super) fn expired(&self) -> bool {
        self.expired
    }

    /// The wrapped tracer.
    pub(super) fn into_inner(self) -> I {
        self.inner
    }
}

impl<CTX: ContextTr, I: Inspector<CTX, EthInterpreter>> Inspector<CTX, EthInterpreter>
    for Deadline<I>
{
    fn initialize_interp(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut CTX) {
        self.inner.initialize_interp(interp, context)
    }

    fn step(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut CTX) {
        if self.expired {
            interp.halt(InstructionResult::OutOfGas);
            return;
        }
        self.steps += 1;
        if self.steps >= CHECK_EVERY {
            self.steps = 0;
            if Instant::now() >= self.deadline {
                self.expired = true;
                interp.halt(InstructionResult::OutOfGas);
                return;
            }
        }
        self.inner.step(interp, context)
    }

    fn step_end(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut CTX) {
        self.inner.step_end(interp, context)
    }

    fn log(&mut self, context: &mut CTX, log: Log) {
        self.inner.log(context, log)
    }

    fn log_full(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut CTX, log: Log) {
        self.inner.log_full(interp, context, log)
    }

    fn frame_start(
        &mut self,
        context: &mut CTX,
        frame_input: &mut FrameInput,
    ) -> Option<FrameResult> {
        self.inner.frame_start(context, frame_input)
    }

    fn frame_end(
        &mut self,
        context: &mut CTX,
        frame_input: &FrameInput,
        frame_result: &mut FrameResult,
    ) {
        self.inner.frame_end(context, frame_input, frame_result)
    }

    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        self.inner.call(context, inputs)
    }

    fn call_end(&mut self, context: &mut CTX, inputs: &CallInputs, outcome: &mut CallOutcome) {
        self.inner.call_end(context, inputs, outcome)
    }

    fn create(&mut self, context: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        self.inner.create(context, inputs)
    }

    fn create_end(
        &mut self,
        context: &mut CTX,
        inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        self.inner.create_end(context, inputs, outcome)
    }

    fn selfdestruct(&mut self, contract: Address, target: Address, value: U256) {
        self.inner.selfdestruct(contract, target, value)
    }
}
