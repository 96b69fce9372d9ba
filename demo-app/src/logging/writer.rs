//! The log's writer: every thread appends its lines to a buffer of its own, and one
//! background thread (`demo-app-log`) writes the buffers out.
//!
//! A line costs its writer a lock nobody else holds (the background thread takes it only to
//! swap the buffer out, once per [`WRITE_PAUSE`]) and a copy into memory it already has: no
//! allocation, no queue, no system call, no wake-up of another thread. The background
//! thread takes what each buffer holds, writes it in one `write`, and pauses for
//! [`WRITE_PAUSE`] while the next lines gather; when a round finds nothing it sleeps until
//! the next line's writer wakes it, so that the line of an idle server is written at once
//! and an idle server's log thread does not wake.
//!
//! - **Ordered per thread.** Each thread's lines are written in the order it wrote them;
//!   lines of different threads written within one pause may leave in another order
//!   (their timestamps tell).
//! - **Not lossy; bounded.** A buffer holds at most its limit ([`BUFFER_LIMIT`], 1 MiB:
//!   under normal load it holds one pause's lines). Should the output stop taking lines
//!   (a pipe nobody reads, a terminal on pause) for long enough to fill it, its thread
//!   waits for room, as it would have waited on every line with a synchronous writer: a log
//!   that silently drops lines is worse than a server that slows down when its log cannot
//!   keep up.
//! - **Written out on exit.** Dropping the [`WriterGuard`] has the background thread write
//!   everything still buffered and end (waiting up to [`DRAIN_PATIENCE`] for that); lines
//!   written after that go straight to the output. Only a process killed outright
//!   (SIGKILL) loses lines: those of its last pause.

use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, mpsc};
use std::thread::{self, Thread};
use std::time::Duration;

/// What one thread's buffer holds at most before the thread waits for room.
pub const BUFFER_LIMIT: usize = 1024 * 1024;

/// How long the background thread pauses after writing, so that under load the lines of
/// that time leave in one write per thread.
pub const WRITE_PAUSE: Duration = Duration::from_millis(10);

/// How long dropping the [`WriterGuard`] waits for the buffered lines to be written.
pub const DRAIN_PATIENCE: Duration = Duration::from_secs(2);

/// A handle on the log's buffers: cheap to clone, used from any thread.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

/// Keeps the background thread; dropping it writes what is still buffered.
#[must_use = "dropping the guard ends the background thread: keep it until the last line"]
pub struct WriterGuard {
    shared: Arc<Shared>,
    done: mpsc::Receiver<()>,
}

struct Shared {
    /// Tells this writer's buffers from another's in a thread's [`MINE`].
    id: usize,
    limit: usize,
    buffers: Mutex<Vec<Arc<Buffer>>>,
    /// The background thread found nothing to write and sleeps until a writer wakes it.
    idle: AtomicBool,
    /// The guard is dropped: the background thread writes what is left and ends.
    stopping: AtomicBool,
    /// Set once the background thread has ended: lines go straight to the output.
    direct: Mutex<Option<Box<dyn Write + Send>>>,
    stopped: AtomicBool,
    thread: Thread,
}

#[derive(Default)]
struct Buffer {
    lines: Mutex<Vec<u8>>,
    /// Signalled when the background thread has taken the lines.
    room: Condvar,
}

thread_local! {
    /// This thread's buffer, and the writer it belongs to.
    static MINE: RefCell<Option<(usize, Arc<Buffer>)>> = const { RefCell::new(None) };
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; were it to, the bytes are still bytes.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl LogWriter {
    /// Starts the background thread writing to `out`; its handle and its guard.
    pub fn start(out: impl Write + Send + 'static) -> io::Result<(Self, WriterGuard)> {
        Self::with_limit(out, BUFFER_LIMIT)
    }

    /// [`start`](Self::start) with another per-thread limit.
    pub fn with_limit(
        out: impl Write + Send + 'static,
        limit: usize,
    ) -> io::Result<(Self, WriterGuard)> {
        let (ready_tx, ready_rx) = mpsc::channel::<Arc<Shared>>();
        let (done_tx, done) = mpsc::channel();
        let out: Box<dyn Write + Send> = Box::new(out);
        // The thread waits for its `Shared`, which names it (to be woken).
        let handle = thread::Builder::new()
            .name("demo-app-log".into())
            .spawn(move || {
                if let Ok(shared) = ready_rx.recv() {
                    run(&shared, out);
                }
                drop(done_tx);
            })?;
        let shared = Arc::new(Shared {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            limit,
            buffers: Mutex::default(),
            idle: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            direct: Mutex::new(None),
            stopped: AtomicBool::new(false),
            thread: handle.thread().clone(),
        });
        let _ = ready_tx.send(Arc::clone(&shared));
        let guard = WriterGuard {
            shared: Arc::clone(&shared),
            done,
        };
        Ok((Self { shared }, guard))
    }

    /// Appends what `write` puts in this thread's buffer, as one piece: lines are never
    /// cut or interleaved. Waits for room when the buffer is full.
    pub fn append(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let shared = &*self.shared;
        if shared.stopped.load(Ordering::Acquire) {
            return shared.write_direct(write);
        }
        let mut write = Some(write);
        let mut append = |buffer: &Buffer| {
            let mut lines = lock(&buffer.lines);
            loop {
                // Read under the lock: the background thread's last round takes this lock
                // after setting it, so a line is either in that round or written directly.
                if shared.stopped.load(Ordering::Acquire) {
                    return;
                }
                if lines.len() < shared.limit {
                    break;
                }
                shared.idle.store(false, Ordering::SeqCst);
                shared.thread.unpark();
                lines = buffer
                    .room
                    .wait_timeout(lines, WRITE_PAUSE)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            if let Some(write) = write.take() {
                write(&mut lines);
            }
        };
        let mine = MINE.try_with(|mine| {
            let mut mine = mine.borrow_mut();
            let buffer = match &mut *mine {
                Some((id, buffer)) if *id == shared.id => buffer,
                mine => &mine.insert((shared.id, shared.register())).1,
            };
            append(buffer);
        });
        if mine.is_err() {
            // A thread's last lines, logged while its thread-locals are destroyed: a buffer
            // of their own, which the background thread drops once it has written it.
            append(&shared.register());
        }
        if let Some(write) = write {
            return shared.write_direct(write);
        }
        // Under load the background thread is not idle: one load, no wake-up.
        if shared.idle.load(Ordering::SeqCst) && shared.idle.swap(false, Ordering::SeqCst) {
            shared.thread.unpark();
        }
    }
}

impl Shared {
    fn register(&self) -> Arc<Buffer> {
        let buffer = Arc::new(Buffer::default());
        lock(&self.buffers).push(Arc::clone(&buffer));
        buffer
    }

    fn write_direct(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let mut line = Vec::new();
        write(&mut line);
        if let Some(out) = lock(&self.direct).as_mut() {
            let _ = out.write_all(&line);
            let _ = out.flush();
        }
    }

    /// Takes every buffer's lines and writes them; whether there were any. `round` and
    /// `spare` are the background thread's, kept from round to round (no allocation).
    fn write_round(
        &self,
        out: &mut dyn Write,
        round: &mut Vec<Arc<Buffer>>,
        spare: &mut Vec<u8>,
    ) -> bool {
        {
            let mut buffers = lock(&self.buffers);
            // A buffer only the list holds belongs to a thread that has ended; once it is
            // empty it goes.
            buffers.retain(|b| Arc::strong_count(b) > 1 || !lock(&b.lines).is_empty());
            round.clone_from(&buffers);
        }
        let mut wrote = false;
        for buffer in round.drain(..) {
            {
                let mut lines = lock(&buffer.lines);
                if lines.is_empty() {
                    continue;
                }
                std::mem::swap(&mut *lines, spare);
            }
            buffer.room.notify_all();
            // An output that fails loses these lines; nothing else can be done with them.
            let _ = out.write_all(spare);
            spare.clear();
            wrote = true;
        }
        if wrote {
            let _ = out.flush();
        }
        wrote
    }

    fn any_buffered(&self) -> bool {
        lock(&self.buffers)
            .iter()
            .any(|b| !lock(&b.lines).is_empty())
    }
}

/// The background thread.
fn run(shared: &Shared, mut out: Box<dyn Write + Send>) {
    let (mut round, mut spare) = (Vec::new(), Vec::new());
    loop {
        let stopping = shared.stopping.load(Ordering::SeqCst);
        let wrote = shared.write_round(&mut *out, &mut round, &mut spare);
        if stopping {
            break;
        }
        if wrote {
            thread::park_timeout(WRITE_PAUSE);
            continue;
        }
        // Nothing to write: sleep until a writer wakes us. Announce it first, then look
        // once more, so that a line appended meanwhile is not left waiting.
        shared.idle.store(true, Ordering::SeqCst);
        if shared.any_buffered() || shared.stopping.load(Ordering::SeqCst) {
            shared.idle.store(false, Ordering::SeqCst);
            continue;
        }
        thread::park_timeout(Duration::from_secs(1));
        shared.idle.store(false, Ordering::SeqCst);
    }
    // From now on lines are written directly, after this last round (which holds the
    // output's lock): a line appended since the round above is written here.
    let mut direct = lock(&shared.direct);
    shared.stopped.store(true, Ordering::Release);
    shared.write_round(&mut *out, &mut round, &mut spare);
    for buffer in lock(&shared.buffers).iter() {
        buffer.room.notify_all();
    }
    *direct = Some(out);
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.thread.unpark();
        let _ = self.done.recv_timeout(DRAIN_PATIENCE);
    }
}

/// The writer the fmt layer writes each event to: the event's bytes are appended as one
/// piece (the fmt layer formats an event, then writes it with one `write_all`).
impl Write for &LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.append(|lines| lines.extend_from_slice(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = &'a LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// An output the test reads: what was written, and how many writes.
    #[derive(Clone, Default)]
    struct Out(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Out {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut out = lock(&self.0);
            out.0.extend_from_slice(buf);
            out.1 += 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Out {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).0.clone()).unwrap()
        }
    }

    fn line(writer: &LogWriter, text: &str) {
        writer.append(|buf| {
            buf.extend_from_slice(text.as_bytes());
            buf.push(b'\n');
        });
    }

    #[test]
    fn every_thread_s_lines_are_written_whole_and_in_order() {
        let out = Out::default();
        // A small limit: the threads wait for room many times.
        let (writer, guard) = LogWriter::with_limit(out.clone(), 512).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                thread::spawn(move || {
                    for n in 0..2000 {
                        line(
                            &writer,
                            &format!("thread {t} line {n} {}", "x".repeat(n % 50)),
                        );
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);
        let text = out.text();
        for t in 0..4 {
            let mine: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with(&format!("thread {t} ")))
                .collect();
            let expected: Vec<String> = (0..2000)
                .map(|n| format!("thread {t} line {n} {}", "x".repeat(n % 50)))
                .collect();
            assert_eq!(mine, expected, "thread {t}");
        }
        assert_eq!(text.lines().count(), 8000);
    }

    #[test]
    fn an_idle_writer_s_line_is_written_without_waiting_for_the_guard() {
        let out = Out::default();
        let (writer, guard) = LogWriter::start(out.clone()).unwrap();
        for n in 0..3 {
            // Let the background thread find nothing and go to sleep.
            thread::sleep(WRITE_PAUSE * 3);
            line(&writer, &format!("line {n}"));
            let deadline = Instant::now() + Duration::from_secs(10);
            while !out.text().contains(&format!("line {n}\n")) {
                assert!(Instant::now() < deadline, "not written: {:?}", out.text());
                thread::sleep(Duration::from_millis(1));
            }
        }
        drop(guard);
    }

    #[test]
    fn lines_after_the_guard_go_straight_to_the_output() {
        let out = Out::default();
        let (writer, guard) = LogWriter::start(out.clone()).unwrap();
        line(&writer, "before");
        drop(guard);
        assert_eq!(out.text(), "before\n");
        line(&writer, "after");
        thread::spawn(move || line(&writer, "from another thread"))
            .join()
            .unwrap();
        assert_eq!(out.text(), "before\nafter\nfrom another thread\n");
    }

    #[test]
    fn under_load_lines_leave_in_few_writes() {
        let out = Out::default();
        let (writer, guard) = LogWriter::start(out.clone()).unwrap();
        for n in 0..10_000 {
            line(&writer, &format!("line {n}"));
        }
        drop(guard);
        let (text, writes) = lock(&out.0).clone();
        assert_eq!(text.split(|&b| b == b'\n').count(), 10_001);
        // One write per buffer taken, not one per line.
        assert!(writes < 1000, "{writes} writes for 10,000 lines");
    }
}
