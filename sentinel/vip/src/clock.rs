//! The kernel's monotonic clock, which `bpf_ktime_get_ns` reads (CLOCK_MONOTONIC).

use std::io;
use std::time::Duration;

use crate::VipError;

/// Now on CLOCK_MONOTONIC, the clock the program checks leases against.
pub fn monotonic_now() -> Result<Duration, VipError> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // Safety: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    if rc != 0 {
        return Err(VipError::Clock(io::Error::last_os_error()));
    }
    let secs = u64::try_from(ts.tv_sec).map_err(|_| VipError::Clock(negative()))?;
    let nanos = u32::try_from(ts.tv_nsec).map_err(|_| VipError::Clock(negative()))?;
    Ok(Duration::new(secs, nanos))
}

fn negative() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "negative CLOCK_MONOTONIC time")
}

/// The kernel-monotonic deadline, in ns, of a lease of `lease` starting now.
pub fn deadline_ns(lease: Duration) -> Result<u64, VipError> {
    let deadline = monotonic_now()?
        .checked_add(lease)
        .ok_or(VipError::LeaseTooLong)?;
    u64::try_from(deadline.as_nanos()).map_err(|_| VipError::LeaseTooLong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_now_does_not_go_backwards() {
        let a = monotonic_now().unwrap();
        let b = monotonic_now().unwrap();
        assert!(b >= a);
    }

    #[test]
    fn deadline_is_now_plus_lease() {
        let before = monotonic_now().unwrap().as_nanos() as u64;
        let d = deadline_ns(Duration::from_millis(500)).unwrap();
        let after = monotonic_now().unwrap().as_nanos() as u64;
        assert!(d >= before + 500_000_000);
        assert!(d <= after + 500_000_000);
    }

    #[test]
    fn absurd_lease_is_an_error() {
        assert!(matches!(
            deadline_ns(Duration::MAX),
            Err(VipError::LeaseTooLong)
        ));
    }
}
