//! Starts the real `demo-app` binary on an ephemeral port and talks HTTP/1.1 to it over a
//! plain socket, so that tests see status, headers and body exactly as sent.
#![allow(dead_code, unreachable_pub)]

pub mod tokens;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The tutorial's key: tokens minted with it interoperate with the Python original.
pub const TUTORIAL_KEY: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

/// A running server, killed on drop.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// Reads the server's stderr as it is written, so that a verbose server never blocks
    /// on a full pipe; joined for the logs once the server has exited.
    logs: Option<std::thread::JoinHandle<String>>,
}

/// Reads `stderr` to its end on a thread of its own.
fn drain(mut stderr: std::process::ChildStderr) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

impl Server {
    /// Starts the demo with the tutorial key and `args`.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with_env(args, &[("SECRET_KEY", TUTORIAL_KEY)])
    }

    /// Starts the demo with `args` and `env` (and no inherited configuration).
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn(Command::new(env!("CARGO_BIN_EXE_demo-app")), args, env)
    }

    /// Starts the demo with the tutorial key and `args` from a shell that first runs
    /// `setup` (e.g. `ulimit -n 256`).
    pub fn start_after(setup: &str, args: &[&str]) -> Self {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("{setup} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_demo-app"));
        Self::spawn(command, args, &[("SECRET_KEY", TUTORIAL_KEY)])
    }

    fn spawn(mut command: Command, args: &[&str], env: &[(&str, &str)]) -> Self {
        for var in [
            "HOST",
            "PORT",
            "WORKERS",
            "SECRET_KEY",
            "SECRET_KEY_FILE",
            "JWT_ALGORITHM",
            "JWT_PRIVATE_KEY_FILE",
            "JWT_PUBLIC_KEY_FILE",
            "JWT_KEY_DIR",
            "KEY_RELOAD_S",
            "OIDC_ISSUER",
            "JWKS_URL",
            "JWT_ISSUER",
            "JWT_AUDIENCE",
            "JWKS_COOLDOWN_S",
            "TOKEN_CACHE_ENTRIES",
            "TOKEN_CACHE_MAX_AGE_S",
            "SCOPE_CLAIMS",
            "RESOURCE_URL",
            "AUTHORIZATION_SERVER",
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "LOG_LEVEL",
            "RFC6750",
            "HEADER_TIMEOUT_MS",
            "BODY_TIMEOUT_MS",
            "KEEP_ALIVE_S",
            "DISCONNECT_TIMEOUT_MS",
            "MAX_CONNECTIONS_PER_WORKER",
            "MAX_CONNECTIONS_PER_IP",
            "BACKLOG",
            "TRUSTED_PROXIES",
            "TRUSTED_PROXY_HEADER",
            "LOGIN_FAILURES_PER_USER",
            "LOGIN_FAILURES_PER_IP",
            "LOGIN_WINDOW_S",
            "LOGIN_CONCURRENT_PER_IP",
            "LOGIN_MAX_TRACKED",
            "BCRYPT_SLOTS",
            "BCRYPT_WAIT_MS",
            "BCRYPT_QUEUE",
        ] {
            command.env_remove(var);
        }
        command
            .args(["--port", "0", "--workers", "2"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("demo-app starts");
        let logs = child.stderr.take().map(drain);
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.split("listening on http://").nth(1) {
                        break url.trim().parse().expect("an address");
                    }
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let err = logs.map(|l| l.join().unwrap_or_default());
                    panic!(
                        "demo-app exited before listening: {}",
                        err.unwrap_or_default()
                    );
                }
            }
        };
        Self { child, addr, logs }
    }

    /// Sends SIGTERM and waits (up to `timeout`) for the process to exit; its exit status
    /// and its logs.
    pub fn terminate(mut self, timeout: Duration) -> (Option<std::process::ExitStatus>, String) {
        let status = self.sigterm(timeout);
        let err = match status {
            Some(_) => self.join_logs(),
            None => String::new(),
        };
        (status, err)
    }

    /// Stops the server and returns everything it wrote to stderr: gracefully (SIGTERM),
    /// so that what its log thread still holds is written; killed if it has not exited
    /// within 15 s.
    pub fn stop_and_read_logs(mut self) -> String {
        if self.sigterm(Duration::from_secs(15)).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.join_logs()
    }

    /// Sends SIGTERM; the exit status, if the process exits within `timeout`.
    fn sigterm(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(exit)) = self.child.try_wait() {
                return Some(exit);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The server's stderr, once it has exited.
    fn join_logs(&mut self) -> String {
        self.logs
            .take()
            .map(|l| l.join().unwrap_or_default())
            .unwrap_or_default()
    }

    /// A connection to the server, from `source` when given (on Linux any 127.x.y.z
    /// address is the loopback interface's: another client address, with no setup).
    fn connect(&self, source: Option<IpAddr>) -> TcpStream {
        let Some(source) = source else {
            return TcpStream::connect(self.addr).expect("connect");
        };
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(self.addr),
            socket2::Type::STREAM,
            None,
        )
        .expect("socket");
        socket
            .bind(&SocketAddr::new(source, 0).into())
            .expect("bind the source address");
        socket.connect(&self.addr.into()).expect("connect");
        socket.into()
    }

    /// Sends a raw request (`Connection: close`, and `Host` unless given, are added) and
    /// reads the answer.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        self.send_from(None, method, path, headers, body)
    }

    /// [`send`](Self::send) from the client address `source`, when given.
    pub fn send_from(
        &self,
        source: Option<IpAddr>,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut stream = self.connect(source);
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"))
        {
            request.push_str(&format!("Host: {}\r\n", self.addr));
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).expect("write head");
        stream.write_all(body).expect("write body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read");
        Response::parse(&raw)
    }

    /// Sends `request` as is and reads the answer.
    pub fn raw(&self, request: &[u8]) -> Response {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        stream.write_all(request).expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read");
        Response::parse(&raw)
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Response {
        match token {
            Some(token) => self.send(
                "GET",
                path,
                &[("Authorization", &format!("Bearer {token}"))],
                b"",
            ),
            None => self.send("GET", path, &[], b""),
        }
    }

    /// `POST /token` with a urlencoded form.
    pub fn post_form(&self, path: &str, form: &str) -> Response {
        self.send(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
    }

    /// [`post_form`](Self::post_form) from the client address `source`.
    pub fn post_form_from(&self, source: IpAddr, path: &str, form: &str) -> Response {
        self.send_from(
            Some(source),
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
    }

    /// A token for `username`/`password` with `scope`, asserting a 200.
    pub fn token(&self, username: &str, password: &str, scope: &str) -> String {
        let res = self.post_form(
            "/token",
            &format!("username={username}&password={password}&scope={scope}"),
        );
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn parse(raw: &[u8]) -> Self {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("end of head");
        let head = String::from_utf8_lossy(&raw[..split]);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
        if chunked {
            body = dechunk(&body);
        }
        Self {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("json body ({e}): {}", self.text()))
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 || body.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = body.get(end + 4 + size..).unwrap_or_default();
    }
    out
}
