//! The process's open-file limit: raised at start-up from its soft value to its hard one, as
//! geth does, so that the common default of 1,024 does not cap the RPC endpoint; and the
//! connection limit sized below it, so that accepting a connection never fails for want of a
//! file descriptor (which would leave new clients hanging in the listen queue).

/// Descriptors kept for everything but RPC connections: the database, the journal, DA
/// clients, logs, the listener itself.
pub(crate) const RESERVED_FDS: u64 = 128;

/// The soft and hard open-file limits before and after [`raise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FdLimits {
    /// Soft limit found at start-up.
    pub(crate) soft_before: u64,
    /// Soft limit now (the hard one when raising succeeded).
    pub(crate) soft: u64,
    /// Hard limit.
    pub(crate) hard: u64,
}

/// Raises the soft open-file limit to the hard limit; `None` where the platform does not
/// say.
pub(crate) fn raise() -> Option<FdLimits> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `getrlimit` writes into the struct we own; no other memory is touched.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    let soft_before = limit.rlim_cur;
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: `setrlimit` reads the struct we own; raising the soft limit up to the hard
        // one needs no privilege.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    Some(FdLimits { soft_before, soft: limit.rlim_cur, hard: limit.rlim_max })
}

/// The most RPC connections that fit under `soft` open files, at most `configured`.
pub(crate) fn connection_limit(configured: u32, soft: Option<u64>) -> usize {
    let configured = configured as usize;
    match soft {
        Some(soft) => {
            let room = soft.saturating_sub(RESERVED_FDS).max(16);
            configured.min(usize::try_from(room).unwrap_or(usize::MAX))
        }
        None => configured,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_reaches_the_hard_limit() {
        let limits = raise().expect("Linux reports RLIMIT_NOFILE");
        // Raising the soft limit up to the hard one needs no privilege.
        assert_eq!(limits.soft, limits.hard);
        assert!(limits.soft >= limits.soft_before);
    }

    #[test]
    fn connections_stay_below_the_descriptor_limit() {
        assert_eq!(connection_limit(1000, Some(1024)), 896);
        assert_eq!(connection_limit(1000, Some(65_536)), 1000);
        assert_eq!(connection_limit(1000, None), 1000);
        assert_eq!(connection_limit(1000, Some(20)), 16);
    }
}
