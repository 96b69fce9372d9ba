//! Servers under test as child processes, and a minimal HTTP/1.1 client to check them.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `program` is on `PATH`.
pub(crate) fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// A free loopback port (bound, then released).
pub(crate) fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// `cmd` prefixed with `taskset -c cpus` when taskset exists and `cpus` is given.
pub(crate) fn pinned(cpus: Option<&str>, program: &Path) -> Command {
    match cpus.filter(|_| have("taskset")) {
        Some(cpus) => {
            let mut cmd = Command::new("taskset");
            cmd.args(["-c", cpus]).arg(program);
            cmd
        }
        None => Command::new(program),
    }
}

/// A running server, killed (by its process id) when dropped.
pub(crate) struct Server {
    pub(crate) name: String,
    pub(crate) port: u16,
    child: Child,
}

impl Server {
    /// Starts `cmd` (output to `log`) and waits until `port` answers HTTP.
    pub(crate) fn start(
        name: &str,
        mut cmd: Command,
        port: u16,
        log: &Path,
        patience: Duration,
    ) -> Result<Self, String> {
        let out = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let mut server = Self {
            name: name.to_owned(),
            port,
            child,
        };
        let deadline = Instant::now() + patience;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let log_text = std::fs::read_to_string(log).unwrap_or_default();
                return Err(format!("{name} exited at start ({status}):\n{log_text}"));
            }
            if get(port, "/status/", &[]).is_ok() {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{name} did not answer on port {port} in {patience:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits (at most `patience`) until the server is idle: no CPU time spent in 100 ms,
    /// beyond one clock tick. A server that is still working off the tail of a load run
    /// (closing connections, a garbage collector) would otherwise take the CPU from the next
    /// contender's run. How long it waited; `patience` when it never settled or its CPU time
    /// cannot be read.
    pub(crate) fn settle(&self, patience: Duration) -> Duration {
        let started = Instant::now();
        let Some(mut last) = cpu_ticks(self.child.id()) else {
            return patience;
        };
        while started.elapsed() < patience {
            std::thread::sleep(Duration::from_millis(100));
            let Some(now) = cpu_ticks(self.child.id()) else {
                return patience;
            };
            if now.saturating_sub(last) <= 1 {
                return started.elapsed();
            }
            last = now;
        }
        patience
    }

    /// The base URL.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User plus system CPU time of process `pid` and all its threads, in clock ticks
/// (`/proc/<pid>/stat`, fields 14 and 15); `None` where there is no `/proc`.
fn cpu_ticks(pid: u32) -> Option<u64> {
    stat_cpu_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Fields 14 and 15 of a `/proc/<pid>/stat` line, summed.
fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces and parentheses:
    // count after its last `)`.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// An HTTP answer: status and body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
}

fn exchange(port: u16, request: &str) -> Result<Answer, String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {head:?}"))?;
    Ok(Answer {
        status,
        body: body.to_owned(),
    })
}

/// `GET path` with extra header lines (`Name: value`).
pub(crate) fn get(port: u16, path: &str, headers: &[String]) -> Result<Answer, String> {
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    exchange(port, &request)
}

/// `POST path` with a form body.
pub(crate) fn post_form(port: u16, path: &str, form: &str) -> Result<Answer, String> {
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    exchange(port, &request)
}

#[cfg(test)]
mod tests {
    use super::stat_cpu_ticks;

    #[test]
    fn reads_user_and_system_time_after_the_command_name() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime cutime ..
        let stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 900 0 7 0 120 35 5 6 20 0 3";
        assert_eq!(stat_cpu_ticks(stat), Some(155));
        assert_eq!(stat_cpu_ticks("4242 (x) S 1 2"), None);
        assert_eq!(stat_cpu_ticks(""), None);
    }
}
