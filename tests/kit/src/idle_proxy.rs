//! A TCP proxy in front of a fake that closes kept-alive connections after
//! they sat idle, the way Kestrel, nginx or Traefik in front of slskd (and
//! Spotify's edge) do.
//!
//! A server's idle timer races the client's next request: the client writes
//! its request into a connection the server is closing and reads EOF instead
//! of an answer. This proxy makes that race deterministic: a request arriving
//! on a connection that has answered before and then sat idle for `idle` is
//! swallowed and the connection closed without an answer (what the client
//! sees when the server's FIN crosses its request). The first request of a
//! connection always goes through. Plain OS threads and blocking sockets:
//! independent of the test's runtime.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct IdleClosingProxy {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

struct Shared {
    target: SocketAddr,
    idle: Duration,
    stopped: AtomicBool,
    /// Requests swallowed on idle connections (each closed its connection).
    closed_idle: AtomicUsize,
    /// Their request lines (`POST /api/v0/… HTTP/1.1`).
    swallowed: Mutex<Vec<String>>,
    /// Client connections accepted.
    accepted: AtomicUsize,
}

impl IdleClosingProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `target`.
    pub fn start(target: SocketAddr, idle: Duration) -> IdleClosingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the idle-closing proxy");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            target,
            idle,
            stopped: AtomicBool::new(false),
            closed_idle: AtomicUsize::new(0),
            swallowed: Mutex::new(Vec::new()),
            accepted: AtomicUsize::new(0),
        });
        let accepting = shared.clone();
        std::thread::spawn(move || accept_loop(&listener, &accepting));
        IdleClosingProxy {
            url: format!("http://{addr}"),
            addr,
            shared,
        }
    }

    /// How many requests met a connection closed for being idle.
    pub fn closed_idle(&self) -> usize {
        self.shared.closed_idle.load(Ordering::SeqCst)
    }

    /// The request lines of the swallowed requests, in order.
    pub fn swallowed(&self) -> Vec<String> {
        self.shared
            .swallowed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many client connections were opened through the proxy.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for IdleClosingProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    while !shared.stopped.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, _)) => {
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                let shared = shared.clone();
                std::thread::spawn(move || serve(client, &shared));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

/// Last byte through the connection (either way), and whether an answer has been seen.
struct Activity {
    last: Instant,
    answered: bool,
}

fn serve(client: TcpStream, shared: &Arc<Shared>) {
    let _ = client.set_nonblocking(false);
    let Ok(upstream) = TcpStream::connect(shared.target) else {
        return;
    };
    let activity = Arc::new(Mutex::new(Activity {
        last: Instant::now(),
        answered: false,
    }));
    let (Ok(mut client_read), Ok(mut upstream_write)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    // Answers: upstream → client.
    let answers = {
        let (mut upstream, mut client) = (upstream, client);
        let activity = activity.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            loop {
                match upstream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if client.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        let mut a = activity.lock().unwrap_or_else(|e| e.into_inner());
                        a.last = Instant::now();
                        a.answered = true;
                    }
                }
            }
            let _ = client.shutdown(Shutdown::Both);
            let _ = upstream.shutdown(Shutdown::Both);
        })
    };
    // Requests: client → upstream, unless the connection has been idle too long.
    let mut buf = [0u8; 16 * 1024];
    loop {
        match client_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let stale = {
                    let mut a = activity.lock().unwrap_or_else(|e| e.into_inner());
                    let stale = a.answered && a.last.elapsed() >= shared.idle;
                    a.last = Instant::now();
                    stale
                };
                if stale {
                    let head = String::from_utf8_lossy(&buf[..n]);
                    let line = head.lines().next().unwrap_or_default().to_string();
                    shared
                        .swallowed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(line);
                    shared.closed_idle.fetch_add(1, Ordering::SeqCst);
                    break;
                }
                if upstream_write.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = client_read.shutdown(Shutdown::Both);
    let _ = upstream_write.shutdown(Shutdown::Both);
    let _ = answers.join();
}
