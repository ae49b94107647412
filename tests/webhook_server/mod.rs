//! A webhook receiver for tests, on 127.0.0.1: it records every request (method, path, headers,
//! body, when it arrived) and answers each one as scripted: accept (200 `ok`, what Slack's
//! incoming webhooks answer), fail with a status, answer 429 with `Retry-After` (Slack's and
//! Teams' rate limit), or hang without answering until the receiver is dropped.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How one request is answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// 200 with body `ok`.
    Accept,
    /// This status, with a short text body.
    Fail(u16),
    /// 429 with `Retry-After: N`.
    TooMany {
        /// Seconds in `Retry-After`.
        retry_after: u64,
    },
    /// Read the request and never answer.
    Hang,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
    pub answer: Answer,
}

impl Received {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

struct Inner {
    script: VecDeque<Answer>,
    then: Answer,
    received: Vec<Received>,
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    /// Starts a receiver answering `script` in order, then `then` for every later request.
    pub fn start(script: Vec<Answer>, then: Answer) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let inner = Arc::new(Mutex::new(Inner {
            script: script.into(),
            then,
            received: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (i, s) = (inner.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (i, s) = (i.clone(), s.clone());
                        std::thread::spawn(move || serve(stream, &i, &s));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Receiver { addr, inner, stop }
    }

    /// A receiver that accepts everything.
    pub fn accepting() -> Receiver {
        Receiver::start(Vec::new(), Answer::Accept)
    }

    /// The URL of a secret-looking webhook path on this receiver.
    pub fn url(&self) -> String {
        format!(
            "http://{}/services/T0SECRET/B0SECRET/xoxbSecretPathToken",
            self.addr
        )
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(stream: TcpStream, inner: &Mutex<Inner>, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut write) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = {
            let mut g = inner.lock().unwrap();
            let answer = g.script.pop_front().unwrap_or_else(|| g.then.clone());
            g.received.push(Received {
                method,
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                at: Instant::now(),
                answer: answer.clone(),
            });
            answer
        };
        let (status, extra) = match answer {
            Answer::Accept => (200, String::new()),
            Answer::Fail(code) => (code, String::new()),
            Answer::TooMany { retry_after } => (429, format!("retry-after: {retry_after}\r\n")),
            Answer::Hang => {
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return;
            }
        };
        let text = if status == 200 { "ok" } else { "no_service" };
        let reply = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n{extra}\r\n{text}",
            text.len()
        );
        if write.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}
