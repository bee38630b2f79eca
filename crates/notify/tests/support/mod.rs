//! Mocks of the outside systems notifications go to, on 127.0.0.1:0: a tiny
//! HTTP receiver and a tiny SMTP receiver. Each records what it received
//! before it answers, so once the sender has its answer the record is there:
//! tests never wait on the wall clock. Every loop is bounded.
//!
//! Shared by `crates/notify/tests` and `crates/interlock/tests/notify_cli.rs`
//! (included there by path).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The most connections a receiver serves before it stops by itself.
const MAX_CONNECTIONS: usize = 200;
/// How long a receiver waits for a client's next bytes.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// One HTTP request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// An answer: the status and headers to send.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply { status, headers: Vec::new() }
    }

    pub fn retry_after(status: u16, value: &str) -> Reply {
        Reply { status, headers: vec![("Retry-After".into(), value.into())] }
    }
}

struct Shared<T> {
    received: Mutex<Vec<T>>,
    stop: AtomicBool,
}

/// Answers the first requests with `script`, in order, then every other with `then`.
pub struct HttpReceiver {
    pub addr: SocketAddr,
    shared: Arc<Shared<Request>>,
    handle: Option<JoinHandle<()>>,
}

impl HttpReceiver {
    pub fn start(script: Vec<Reply>, then: Reply) -> HttpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared { received: Mutex::new(Vec::new()), stop: AtomicBool::new(false) });
        let s = Arc::clone(&shared);
        let handle = std::thread::spawn(move || {
            for (n, conn) in listener.incoming().take(MAX_CONNECTIONS).enumerate() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                let reply = script.get(n).cloned().unwrap_or_else(|| then.clone());
                let _ = serve_http(stream, &s, &reply);
            }
        });
        HttpReceiver { addr, shared, handle: Some(handle) }
    }

    /// Always 200.
    pub fn ok() -> HttpReceiver {
        HttpReceiver::start(Vec::new(), Reply::status(200))
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.received.lock().unwrap().clone()
    }
}

impl Drop for HttpReceiver {
    fn drop(&mut self) {
        stop(&self.shared.stop, self.addr, self.handle.take());
    }
}

fn stop(flag: &AtomicBool, addr: SocketAddr, handle: Option<JoinHandle<()>>) {
    flag.store(true, Ordering::SeqCst);
    // Wake the accept loop; it sees the flag and ends.
    let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
    if let Some(h) = handle {
        let _ = h.join();
    }
}

/// One request per connection (`Connection: close`).
fn serve_http(stream: TcpStream, shared: &Shared<Request>, reply: &Reply) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(()); // the wake-up connection
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    for _ in 0..200 {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(16 << 20);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    shared.received.lock().unwrap().push(Request { method, path, headers, body });
    let mut out = stream;
    let reason = if reply.status < 300 { "OK" } else { "Mock" };
    let text = format!("status {}", reply.status);
    write!(out, "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n", reply.status, text.len())?;
    for (k, v) in &reply.headers {
        write!(out, "{k}: {v}\r\n")?;
    }
    write!(out, "\r\n{text}")?;
    out.flush()
}

/// One message as the SMTP receiver got it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub helo: String,
    pub from: String,
    pub to: Vec<String>,
    /// The DATA, dot-unstuffed, without the final ".".
    pub data: String,
}

/// Speaks just enough SMTP: 220, EHLO/HELO 250, MAIL/RCPT 250, DATA 354,
/// "." 250, QUIT 221. The first `fail_first` transactions are answered at
/// DATA's end with `failure` (e.g. "451 4.3.0 try later") instead.
pub struct SmtpReceiver {
    pub addr: SocketAddr,
    shared: Arc<Shared<Mail>>,
    handle: Option<JoinHandle<()>>,
}

impl SmtpReceiver {
    pub fn start() -> SmtpReceiver {
        SmtpReceiver::failing(0, "")
    }

    pub fn failing(fail_first: usize, failure: &str) -> SmtpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared { received: Mutex::new(Vec::new()), stop: AtomicBool::new(false) });
        let s = Arc::clone(&shared);
        let failure = failure.to_string();
        let handle = std::thread::spawn(move || {
            let mut transactions = 0;
            for conn in listener.incoming().take(MAX_CONNECTIONS) {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                let _ = serve_smtp(stream, &s, &mut transactions, fail_first, &failure);
            }
        });
        SmtpReceiver { addr, shared, handle: Some(handle) }
    }

    pub fn server(&self) -> String {
        self.addr.to_string()
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.shared.received.lock().unwrap().clone()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        stop(&self.shared.stop, self.addr, self.handle.take());
    }
}

fn serve_smtp(
    stream: TcpStream,
    shared: &Shared<Mail>,
    transactions: &mut usize,
    fail_first: usize,
    failure: &str,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    if shared.stop.load(Ordering::SeqCst) {
        return Ok(());
    }
    out.write_all(b"220 mock.invalid ESMTP ready\r\n")?;
    let mut mail = Mail { helo: String::new(), from: String::new(), to: Vec::new(), data: String::new() };
    for _ in 0..1000 {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            mail.helo = cmd[4..].trim().to_string();
            out.write_all(b"250-mock.invalid\r\n250 8BITMIME\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            mail.from = cmd[10..].trim().to_string();
            out.write_all(b"250 2.1.0 OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(cmd[8..].trim().to_string());
            out.write_all(b"250 2.1.5 OK\r\n")?;
        } else if upper == "DATA" {
            out.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
            let mut data = String::new();
            for _ in 0..100_000 {
                let mut l = String::new();
                if reader.read_line(&mut l)? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" || l == ".\n" {
                    break;
                }
                data.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
            }
            *transactions += 1;
            if *transactions <= fail_first {
                out.write_all(format!("{failure}\r\n").as_bytes())?;
            } else {
                mail.data = data;
                shared.received.lock().unwrap().push(mail.clone());
                out.write_all(b"250 2.0.0 queued\r\n")?;
            }
            mail.from.clear();
            mail.to.clear();
        } else if upper == "QUIT" {
            out.write_all(b"221 2.0.0 bye\r\n")?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            out.write_all(b"250 OK\r\n")?;
        } else {
            out.write_all(b"502 5.5.2 not implemented\r\n")?;
        }
    }
    Ok(())
}
