//! A login flood against a running demo-app, for `scripts/login_flood.sh`.
//!
//! `--clients` keep-alive connections from `--flood-from` post wrong passwords to `/token`
//! as fast as they are answered (each a new username, or all one), while a correct login
//! of another user, on a new connection from `--probe-from`, is timed every
//! `--probe-every-ms`. Prints every probe, then a summary; exits 1 if a probe failed or took
//! longer than `--goal-ms`.
//!
//! ```sh
//! cargo run --release -p demo-app --example login_flood -- --target 127.0.0.1:8000
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;

/// Wrong-password clients against one correct login, timed.
#[derive(Debug, Parser)]
struct Args {
    /// The demo-app to flood.
    #[arg(long, default_value = "127.0.0.1:8000")]
    target: SocketAddr,
    /// Concurrent wrong-password clients.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// How long to flood, in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// The flood's client address.
    #[arg(long, default_value = "127.0.0.1")]
    flood_from: IpAddr,
    /// The flood's username: each request a new one when omitted (a spray, which a
    /// per-username limit does not stop).
    #[arg(long)]
    flood_user: Option<String>,
    /// The timed login's client address.
    #[arg(long, default_value = "127.0.0.2")]
    probe_from: IpAddr,
    /// The timed login's form.
    #[arg(long, default_value = "username=bob&password=secretbob")]
    probe_form: String,
    /// Time between timed logins, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    probe_every_ms: u64,
    /// The longest a timed login may take, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    goal_ms: u64,
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    fn open(target: SocketAddr, source: IpAddr) -> io::Result<Self> {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(target),
            socket2::Type::STREAM,
            None,
        )?;
        socket.bind(&SocketAddr::new(source, 0).into())?;
        socket.connect(&target.into())?;
        let stream: TcpStream = socket.into();
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::new(stream),
        })
    }

    /// Posts `form` to `/token`: the status, and whether the server keeps the connection.
    fn login(&mut self, form: &str) -> io::Result<(u16, bool)> {
        let request = format!(
            "POST /token HTTP/1.1\r\nHost: demo\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        );
        self.reader.get_mut().write_all(request.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let (mut length, mut keep) = (0, true);
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end().to_ascii_lowercase();
            if header.is_empty() {
                break;
            }
            if let Some(value) = header.strip_prefix("content-length:") {
                length = value.trim().parse().map_err(io::Error::other)?;
            } else if header == "connection: close" {
                keep = false;
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, keep))
    }
}

/// The flood's answers, by status.
#[derive(Default)]
struct Counts {
    bad_credentials: AtomicU64,
    throttled: AtomicU64,
    busy: AtomicU64,
    other: AtomicU64,
    errors: AtomicU64,
}

impl Counts {
    fn count(&self, status: u16) {
        let counter = match status {
            400 => &self.bad_credentials,
            429 => &self.throttled,
            503 => &self.busy,
            _ => &self.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

fn flood(args: &Args, client: usize, stop: &AtomicBool, counts: &Counts) {
    let mut connection = None;
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let conn = match connection.as_mut() {
            Some(conn) => conn,
            None => match Connection::open(args.target, args.flood_from) {
                Ok(conn) => connection.insert(conn),
                Err(_) => {
                    counts.errors.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            },
        };
        let username = match &args.flood_user {
            Some(user) => user.clone(),
            None => format!("spray-{client}-{i}"),
        };
        i += 1;
        match conn.login(&format!("username={username}&password=wrong-{i}")) {
            Ok((status, keep)) => {
                counts.count(status);
                if !keep {
                    connection = None;
                }
            }
            Err(_) => {
                counts.errors.fetch_add(1, Ordering::Relaxed);
                connection = None;
            }
        }
    }
}

/// A timed login: when it started (since the flood did), its status and how long it took.
struct Probe {
    at: Duration,
    status: Option<u16>,
    took: Duration,
}

fn probe(args: &Args, start: Instant) -> Probe {
    let at = start.elapsed();
    let began = Instant::now();
    let status = Connection::open(args.target, args.probe_from)
        .and_then(|mut conn| conn.login(&args.probe_form))
        .map(|(status, _)| status)
        .ok();
    Probe {
        at,
        status,
        took: began.elapsed(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> ExitCode {
    let args = Args::parse();
    let stop = AtomicBool::new(false);
    let counts = Counts::default();
    let start = Instant::now();
    let flood_time = Duration::from_secs(args.seconds);
    let probes = std::thread::scope(|s| {
        for client in 0..args.clients {
            let (args, stop, counts) = (&args, &stop, &counts);
            s.spawn(move || flood(args, client, stop, counts));
        }
        // The first probe once the flood has started.
        std::thread::sleep(Duration::from_millis(200));
        let mut probes = Vec::new();
        while start.elapsed() < flood_time {
            let p = probe(&args, start);
            println!(
                "probe at {:6.1} s: {} in {:7.1} ms",
                p.at.as_secs_f64(),
                p.status.map_or("error".to_owned(), |s| s.to_string()),
                ms(p.took)
            );
            probes.push(p);
            std::thread::sleep(Duration::from_millis(args.probe_every_ms));
        }
        stop.store(true, Ordering::Relaxed);
        probes
    });
    let elapsed = start.elapsed().as_secs_f64();

    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let answered = load(&counts.bad_credentials)
        + load(&counts.throttled)
        + load(&counts.busy)
        + load(&counts.other);
    println!(
        "flood: {} clients from {} for {elapsed:.1} s: {answered} answers ({:.0}/s): \
         400 {}, 429 {}, 503 {}, other {}; {} connection errors",
        args.clients,
        args.flood_from,
        answered as f64 / elapsed,
        load(&counts.bad_credentials),
        load(&counts.throttled),
        load(&counts.busy),
        load(&counts.other),
        load(&counts.errors),
    );
    let mut took: Vec<f64> = probes.iter().map(|p| ms(p.took)).collect();
    took.sort_by(f64::total_cmp);
    let ok = probes.iter().filter(|p| p.status == Some(200)).count();
    let goal = Duration::from_millis(args.goal_ms);
    let met = ok == probes.len() && probes.iter().all(|p| p.took <= goal);
    println!(
        "probe: {} logins from {}, {ok} answered 200; latency p50 {:.1} ms, max {:.1} ms; \
         goal (all 200 within {} ms): {}",
        probes.len(),
        args.probe_from,
        took.get(took.len() / 2).copied().unwrap_or(f64::NAN),
        took.last().copied().unwrap_or(f64::NAN),
        args.goal_ms,
        if met { "met" } else { "MISSED" },
    );
    if met {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
