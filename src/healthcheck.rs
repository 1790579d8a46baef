//! `harmony healthcheck`: asks the running service's `/health/ready` on the
//! configured address, for a container runtime's health check and monitoring.
//! Ready, not live: a process whose database is gone cannot work, so it is
//! not healthy. Plain std networking: it must start and answer in
//! milliseconds, with no runtime.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("nothing answers on {0}: {1}")]
    Unreachable(SocketAddr, std::io::Error),
    #[error("{0} answered {1}")]
    Unhealthy(SocketAddr, String),
}

/// Where to knock: a service bound to every interface is asked on loopback.
pub fn target(bind: SocketAddr) -> SocketAddr {
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bind.port())
}

/// `Ok` when `/health/ready` answers 200 within `timeout`.
pub fn probe(bind: SocketAddr, timeout: Duration) -> Result<(), HealthError> {
    let addr = target(bind);
    let unreachable = |e| HealthError::Unreachable(addr, e);
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(unreachable)?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(unreachable)?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(unreachable)?;
    let request =
        format!("GET /health/ready HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(unreachable)?;
    // The status line is all that matters; a ready answer is a few hundred bytes.
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(unreachable)?;
    let status_line = String::from_utf8_lossy(&head[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    if status_line.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(HealthError::Unhealthy(addr, status_line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_is_asked_on_loopback() {
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(target(any), "127.0.0.1:8080".parse().unwrap());
        let any6: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(target(any6), "[::1]:8080".parse().unwrap());
        let lan: SocketAddr = "192.168.1.5:8080".parse().unwrap();
        assert_eq!(target(lan), lan);
    }
}
