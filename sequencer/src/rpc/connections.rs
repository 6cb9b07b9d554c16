//! The open connections of the RPC endpoint: how many there are (idle ones included), what
//! each is doing, and which one to shed when a new client arrives at the limit.
//!
//! A connection is *busy* while one of its requests executes (its body read, the method
//! running) or while it is a WebSocket; otherwise it is *waiting* — idle between requests, or
//! still receiving a request's headers or body — since the moment it last became so. At the
//! limit, a new connection takes the place of the connection that has been waiting longest:
//! a client withholding a body or idling is shed before a client that sends its request and
//! reads its answer. When every connection is busy, the new one is refused (`503` with
//! `Retry-After`). Waiting connections are also closed after the idle timeout.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use parking_lot::Mutex;
use tokio::task::AbortHandle;

use crate::Metrics;

/// The open connections and their limit. Shared by the accept loop and every connection.
#[derive(Debug)]
pub(crate) struct Connections {
    table: Mutex<HashMap<u64, Entry>>,
    next_id: AtomicU64,
    limit: usize,
    metrics: Arc<Metrics>,
}

#[derive(Debug)]
struct Entry {
    /// Requests of this connection executing now.
    executing: u32,
    /// Upgraded to a WebSocket (long-lived by design: never shed as waiting).
    websocket: bool,
    /// Since when it is waiting (accepted, or its last request finished).
    waiting_since: Instant,
    /// Stops its task; set once the task is spawned.
    abort: Option<AbortHandle>,
}

impl Entry {
    fn waiting(&self) -> bool {
        self.executing == 0 && !self.websocket
    }
}

/// Why a new connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AllBusy;

/// One admitted connection: removed from the table when dropped (its task ended).
#[derive(Debug)]
pub(crate) struct Slot {
    id: u64,
    connections: Arc<Connections>,
}

impl Connections {
    /// A table admitting at most `limit` connections.
    pub(crate) fn new(limit: usize, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self {
            table: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            limit: limit.max(1),
            metrics,
        })
    }

    /// Connections open now.
    pub(crate) fn len(&self) -> usize {
        self.table.lock().len()
    }

    /// Admits a new connection, shedding the one waiting longest when at the limit.
    pub(crate) fn admit(self: &Arc<Self>) -> Result<Slot, AllBusy> {
        let mut table = self.table.lock();
        let mut shed = None;
        if table.len() >= self.limit {
            let Some(oldest) = self.take_longest_waiting(&mut table) else {
                self.metrics.rpc_connections_refused.inc();
                return Err(AllBusy);
            };
            shed = Some(oldest);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let entry =
            Entry { executing: 0, websocket: false, waiting_since: Instant::now(), abort: None };
        table.insert(id, entry);
        self.metrics.rpc_connections.set(table.len() as i64);
        drop(table);
        if let Some(abort) = shed {
            abort.abort();
        }
        Ok(Slot { id, connections: self.clone() })
    }

    /// Closes the connection that has been waiting longest (to free its file descriptor);
    /// `false` when every connection is busy.
    pub(crate) fn shed_longest_waiting(&self) -> bool {
        let abort = self.take_longest_waiting(&mut self.table.lock());
        let shed = abort.is_some();
        if let Some(abort) = abort {
            abort.abort();
        }
        shed
    }

    /// Removes the connection waiting longest from `table`; returns what stops its task.
    fn take_longest_waiting(&self, table: &mut HashMap<u64, Entry>) -> Option<AbortHandle> {
        let oldest = table
            .iter()
            .filter(|(_, entry)| entry.waiting() && entry.abort.is_some())
            .min_by_key(|(_, entry)| entry.waiting_since)
            .map(|(id, _)| *id)?;
        let abort = table.remove(&oldest).and_then(|entry| entry.abort);
        self.metrics.rpc_connections_shed.inc();
        self.metrics.rpc_connections.set(table.len() as i64);
        abort
    }

    /// Closes every connection that has been waiting longer than `idle`; returns how many.
    pub(crate) fn close_idle(&self, idle: Duration) -> usize {
        let now = Instant::now();
        let mut table = self.table.lock();
        let idle_ids: Vec<u64> = table
            .iter()
            .filter(|(_, entry)| {
                entry.waiting()
                    && entry.abort.is_some()
                    && now.duration_since(entry.waiting_since) > idle
            })
            .map(|(id, _)| *id)
            .collect();
        let aborts: Vec<AbortHandle> =
            idle_ids.iter().filter_map(|id| table.remove(id).and_then(|e| e.abort)).collect();
        self.metrics.rpc_connections.set(table.len() as i64);
        drop(table);
        for abort in aborts {
            abort.abort();
        }
        self.metrics.rpc_connections_idle_closed.inc_by(idle_ids.len() as u64);
        idle_ids.len()
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut Entry)) {
        if let Some(entry) = self.table.lock().get_mut(&id) {
            change(entry);
        }
    }
}

impl Slot {
    /// Registers the handle that stops this connection's task.
    pub(crate) fn set_abort(&self, abort: AbortHandle) {
        self.connections.update(self.id, |entry| entry.abort = Some(abort));
    }

    /// A request of this connection starts executing; it is busy until the guard drops.
    pub(crate) fn executing(self: &Arc<Self>) -> Executing {
        self.connections.update(self.id, |entry| entry.executing += 1);
        Executing { slot: self.clone() }
    }

    /// The connection became a WebSocket.
    pub(crate) fn mark_websocket(&self) {
        self.connections.update(self.id, |entry| entry.websocket = true);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut table = self.connections.table.lock();
        table.remove(&self.id);
        self.connections.metrics.rpc_connections.set(table.len() as i64);
    }
}

/// A request executing on a connection (see [`Slot::executing`]).
#[derive(Debug)]
pub(crate) struct Executing {
    slot: Arc<Slot>,
}

impl Drop for Executing {
    fn drop(&mut self) {
        self.slot.connections.update(self.slot.id, |entry| {
            entry.executing = entry.executing.saturating_sub(1);
            if entry.executing == 0 {
                entry.waiting_since = Instant::now();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spawned task standing for a connection, and its slot.
    async fn open(connections: &Arc<Connections>) -> Result<Arc<Slot>, AllBusy> {
        let slot = Arc::new(connections.admit()?);
        let task = tokio::spawn(std::future::pending::<()>());
        slot.set_abort(task.abort_handle());
        Ok(slot)
    }

    #[tokio::test]
    async fn the_connection_waiting_longest_is_shed_for_a_new_one() {
        let connections = Connections::new(2, Arc::new(Metrics::new()));
        let first = open(&connections).await.unwrap();
        let second = open(&connections).await.unwrap();
        // The first one executes a request: the second, waiting, is shed.
        let busy = first.executing();
        let third = open(&connections).await.unwrap();
        assert_eq!(connections.len(), 2);
        let table = connections.table.lock();
        assert!(table.contains_key(&first.id) && table.contains_key(&third.id));
        assert!(!table.contains_key(&second.id));
        drop(table);
        drop(busy);
        let _ = third;
    }

    #[tokio::test]
    async fn all_busy_refuses_and_websockets_are_not_shed() {
        let connections = Connections::new(2, Arc::new(Metrics::new()));
        let first = open(&connections).await.unwrap();
        let second = open(&connections).await.unwrap();
        let _busy = first.executing();
        second.mark_websocket();
        assert_eq!(open(&connections).await.unwrap_err(), AllBusy);
        assert_eq!(connections.len(), 2);
        // Dropping a slot frees its place.
        drop(second);
        assert!(open(&connections).await.is_ok());
    }

    #[tokio::test]
    async fn idle_connections_close_after_the_timeout_busy_ones_do_not() {
        let connections = Connections::new(10, Arc::new(Metrics::new()));
        let idle = open(&connections).await.unwrap();
        let busy = open(&connections).await.unwrap();
        let _executing = busy.executing();
        assert_eq!(connections.close_idle(Duration::from_secs(3600)), 0);
        assert_eq!(connections.close_idle(Duration::ZERO), 1);
        assert!(!connections.table.lock().contains_key(&idle.id));
        assert!(connections.table.lock().contains_key(&busy.id));
    }
}
