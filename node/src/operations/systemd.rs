//! The systemd notification protocol (`sd_notify(3)`): readiness, reloads and stops, so a unit
//! with `Type=notify` knows when the node really serves.
//!
//! When systemd starts the node it sets `NOTIFY_SOCKET` to a Unix datagram socket (a path, or
//! an abstract name written with a leading '@'); each notification is one datagram of
//! `KEY=VALUE` lines. Without the variable every call does nothing.

use std::os::unix::net::UnixDatagram;

/// Sends `state` (such as "READY=1") to the service manager, if there is one. Failures are
/// logged, never fatal: the node works the same without systemd.
pub fn notify(state: &str) {
    let Some(target) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    if let Err(error) = send(&target, state) {
        tracing::warn!(%error, socket = ?target, "cannot notify the service manager");
    }
}

fn send(target: &std::ffi::OsStr, state: &str) -> std::io::Result<()> {
    let socket = UnixDatagram::unbound()?;
    let bytes = target.as_encoded_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        socket.send_to_addr(state.as_bytes(), &address)?;
    } else {
        socket.send_to(state.as_bytes(), target)?;
    }
    Ok(())
}

/// The monotonic clock in microseconds, as `Type=notify-reload` wants it with RELOADING=1.
pub fn monotonic_usec() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    u64::try_from(now.tv_sec).unwrap_or(0) * 1_000_000
        + u64::try_from(now.tv_nsec).unwrap_or(0) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_reach_the_socket() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notify.sock");
        let listener = UnixDatagram::bind(&path).expect("bind");
        send(path.as_os_str(), "READY=1\nSTATUS=serving").expect("send");
        let mut buffer = [0u8; 64];
        let n = listener.recv(&mut buffer).expect("recv");
        assert_eq!(&buffer[..n], b"READY=1\nSTATUS=serving");
    }
}
