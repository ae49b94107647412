//! A command under test: started in its own process group with its output captured (full text,
//! a tail of lines, an optional log file, a ready-line regex), watched for its exit, and stopped
//! as a whole group: SIGTERM, SIGKILL after a grace period, then a check that no process of the
//! group is left. On Windows the process tree is stopped with `taskkill /T`.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use regex::Regex;
use serde::Serialize;

/// Each stream keeps at most this much output for `--expect-stdout`/`--expect-stderr`.
const OUTPUT_LIMIT: usize = 8 * 1024 * 1024;

/// After SIGKILL, how long the group may take to disappear before it counts as left behind.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// How a command is started.
#[derive(Debug, Default)]
pub struct SpawnOptions {
    /// The program and its arguments.
    pub command: Vec<OsString>,
    /// Extra environment.
    pub env: Vec<(OsString, OsString)>,
    /// Where a copy of the output goes.
    pub log: Option<File>,
    /// A line matching this makes the process ready.
    pub ready_line: Option<Regex>,
    /// How many last lines of output to keep for reports.
    pub tail_lines: usize,
    /// Keep all of stdout and stderr (up to 8 MiB each), for `--expect-stdout`; a service's
    /// output is only kept as its tail.
    pub keep_output: bool,
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExitInfo {
    /// Its exit code, when it exited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// The signal that ended it, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
}

impl fmt::Display for ExitInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (None, Some(signal)) => write!(f, "killed by signal {signal}{}", signal_name(signal)),
            (None, None) => f.write_str("ended"),
        }
    }
}

#[cfg(unix)]
fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map(|s| format!(" ({})", s.as_str()))
        .unwrap_or_default()
}

#[cfg(not(unix))]
fn signal_name(_signal: i32) -> String {
    String::new()
}

/// Something the watched process did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A line of its output matched the ready regex.
    ReadyLine(String),
    /// It exited.
    Exited(ExitInfo),
}

/// How the process group was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopHow {
    /// Nothing was left to stop.
    AlreadyExited,
    /// It ended within the grace period after SIGTERM (Windows: `taskkill /T`).
    Graceful,
    /// It had to be killed after the grace period (SIGKILL; Windows: `taskkill /T /F`).
    Killed,
}

/// A process found still in the group after it was killed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftProcess {
    /// Its process id.
    pub pid: u32,
    /// Its command name.
    pub name: String,
}

/// The result of stopping the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shutdown {
    /// How.
    pub how: StopHow,
    /// Time from the first signal to the group being gone, in milliseconds.
    pub took_ms: u64,
    /// Processes of the group still there at the end (empty when all is well).
    pub left: Vec<LeftProcess>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug, Default)]
struct Captured {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    tail: VecDeque<String>,
    tail_lines: usize,
    keep_output: bool,
    log: Option<File>,
    /// Why the log copy stopped, when a write to it failed.
    log_error: Option<io::Error>,
}

impl Captured {
    fn push(&mut self, stream: Stream, raw: &[u8], line: String) {
        if self.keep_output {
            let buf = match stream {
                Stream::Stdout => &mut self.stdout,
                Stream::Stderr => &mut self.stderr,
            };
            let room = OUTPUT_LIMIT.saturating_sub(buf.len());
            buf.extend_from_slice(&raw[..raw.len().min(room)]);
        }
        if self.tail_lines > 0 {
            if self.tail.len() == self.tail_lines {
                self.tail.pop_front();
            }
            self.tail.push_back(line);
        }
        if let Some(log) = &mut self.log {
            // A full disk must not stop the service under test; the log is a copy. The error is
            // kept for the report (see `Child::log_error`).
            if let Err(e) = log.write_all(raw) {
                self.log = None;
                self.log_error = Some(e);
            }
        }
    }
}

/// A started command.
pub struct Child {
    pid: u32,
    started: Instant,
    events: Receiver<Event>,
    captured: Arc<Mutex<Captured>>,
    readers: Vec<JoinHandle<()>>,
    exit: Option<ExitInfo>,
}

/// Starts `options.command` in a new process group with stdin closed and output captured.
///
/// Errors are those of starting the program (not found, not executable), with the exit code
/// 3 meaning.
pub fn spawn(options: SpawnOptions) -> io::Result<Child> {
    let Some((program, args)) = options.command.split_first() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no command given",
        ));
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(options.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    new_group(&mut command);
    let (tx, events) = mpsc::channel();
    // Until the end of this function, with the group remembered and its threads started.
    let _held = hold_signals();
    let mut child = command.spawn()?;
    let started = Instant::now();
    let pid = child.id();
    remember(pid);
    let captured = Arc::new(Mutex::new(Captured {
        tail_lines: options.tail_lines,
        keep_output: options.keep_output,
        log: options.log,
        ..Captured::default()
    }));
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(reader(
            out,
            Stream::Stdout,
            &captured,
            &options.ready_line,
            &tx,
        ));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(reader(
            err,
            Stream::Stderr,
            &captured,
            &options.ready_line,
            &tx,
        ));
    }
    watch(child, tx);
    Ok(Child {
        pid,
        started,
        events,
        captured,
        readers,
        exit: None,
    })
}

fn reader(
    stream: impl Read + Send + 'static,
    which: Stream,
    captured: &Arc<Mutex<Captured>>,
    ready: &Option<Regex>,
    tx: &Sender<Event>,
) -> JoinHandle<()> {
    let captured = Arc::clone(captured);
    let mut ready = ready.clone();
    let tx = tx.clone();
    thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut raw = Vec::new();
        loop {
            raw.clear();
            match reader.read_until(b'\n', &mut raw) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let line = String::from_utf8_lossy(&raw)
                .trim_end_matches(['\n', '\r'])
                .to_string();
            if let Some(re) = &ready {
                if re.is_match(&line) {
                    let _ = tx.send(Event::ReadyLine(line.clone()));
                    ready = None;
                }
            }
            captured
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(which, &raw, line);
        }
    })
}

impl Child {
    /// Its process id (also its process group id on Unix).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// When it was started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// How it exited, once it has.
    pub fn exit(&self) -> Option<ExitInfo> {
        self.exit
    }

    fn note(&mut self, event: &Event) {
        if let Event::Exited(info) = event {
            self.exit = Some(*info);
        }
    }

    /// Waits up to `timeout` for the next event.
    pub fn next_event(&mut self, timeout: Duration) -> Option<Event> {
        let event = match self.events.recv_timeout(timeout) {
            Ok(event) => event,
            // Every sender gone: the readers hit end of file and the watcher saw the exit, and
            // both already sent what they had. Nothing more will come, so just wait.
            Err(RecvTimeoutError::Disconnected) => {
                thread::sleep(timeout);
                return None;
            }
            Err(RecvTimeoutError::Timeout) => return None,
        };
        self.note(&event);
        Some(event)
    }

    /// Takes any events that already arrived, without waiting.
    pub fn drain_events(&mut self) {
        while let Ok(event) = self.events.try_recv() {
            self.note(&event);
        }
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitInfo> {
        let deadline = Instant::now() + timeout;
        self.drain_events();
        while self.exit.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.next_event(left);
        }
        self.exit
    }

    /// Waits up to `timeout` for the output readers to reach end of file, so the tail is
    /// complete. (A grandchild still holding the pipe keeps them reading; then the wait ends at
    /// the timeout.)
    pub fn settle_output(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(2));
        }
        self.readers.retain(|r| !r.is_finished());
    }

    /// All of its stdout so far (up to 8 MiB; empty without `keep_output`), as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.lock().stdout).into_owned()
    }

    /// All of its stderr so far (up to 8 MiB; empty without `keep_output`), as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.lock().stderr).into_owned()
    }

    /// The last lines of its output, both streams in the order they were read.
    pub fn tail(&self) -> Vec<String> {
        self.lock().tail.iter().cloned().collect()
    }

    /// Why copying the output to the log file stopped, if it did.
    pub fn log_error(&self) -> Option<String> {
        self.lock().log_error.as_ref().map(io::Error::to_string)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Captured> {
        self.captured.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Child {
    /// A check that ends early (an error, a panic in a test) still leaves no process behind.
    fn drop(&mut self) {
        if group_alive(self) {
            force_kill(self);
        }
        forget(self.pid);
    }
}

impl Child {
    /// Stops the whole group: SIGTERM (Windows: `taskkill /T`), up to `grace` for it to end,
    /// then SIGKILL (`taskkill /T /F`), and checks that nothing of the group is left.
    pub fn stop(&mut self, grace: Duration) -> Shutdown {
        let begun = Instant::now();
        self.drain_events();
        if !group_alive(self) {
            return Shutdown {
                how: StopHow::AlreadyExited,
                took_ms: 0,
                left: Vec::new(),
            };
        }
        terminate(self);
        let how = if wait_gone(self, grace) {
            StopHow::Graceful
        } else {
            force_kill(self);
            wait_gone(self, KILL_WAIT);
            StopHow::Killed
        };
        let took_ms = super::poll::millis(begun.elapsed());
        // The watcher reports the leader's exit status once it has reaped it.
        self.wait_exit(Duration::from_millis(500));
        let left = left_in_group(self);
        if left.is_empty() {
            forget(self.pid);
        }
        Shutdown { how, took_ms, left }
    }
}

fn wait_gone(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if !group_alive(child) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        child.next_event(Duration::from_millis(5));
    }
}

#[cfg(unix)]
use self::unix::*;
#[cfg(windows)]
use self::windows::*;

#[cfg(unix)]
mod unix {
    use std::os::unix::process::CommandExt;
    use std::process::Command;
    use std::sync::mpsc::Sender;
    use std::thread;

    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::Once;

    use nix::errno::Errno;
    use nix::sys::signal::{
        killpg, pthread_sigmask, sigaction, SaFlags, SigAction, SigHandler, SigSet, SigmaskHow,
        Signal,
    };
    use nix::sys::wait::{waitpid, WaitStatus};
    use nix::unistd::Pid;

    use super::{Child, Event, ExitInfo, LeftProcess};

    /// Process groups started and not yet gone, for the signal handler.
    static GROUPS: [AtomicI32; 16] = [const { AtomicI32::new(0) }; 16];
    static HANDLERS: Once = Once::new();

    /// The signals passed on to the groups started.
    const PASSED_ON: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

    /// The signals of [`PASSED_ON`] blocked on the spawning thread until dropped.
    pub struct SignalsHeld(Option<SigSet>);

    impl Drop for SignalsHeld {
        fn drop(&mut self) {
            if let Some(old) = &self.0 {
                let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(old), None);
            }
        }
    }

    /// Installs the handlers and blocks their signals on this thread while a command is started
    /// and [`remember`]ed: a SIGTERM arriving in between (a loaded runner cancelling the job the
    /// moment the service starts) waits, and is handled once the new group is known, instead of
    /// ending smoke-check with the group left running. The output threads started meanwhile
    /// inherit the mask, so the signals are always handled on the main thread. The command
    /// itself starts with an empty mask (see `new_group`).
    pub fn hold_signals() -> SignalsHeld {
        install_handlers();
        let mut set = SigSet::empty();
        for signal in PASSED_ON {
            set.add(signal);
        }
        let mut old = SigSet::empty();
        SignalsHeld(
            pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut old))
                .ok()
                .map(|()| old),
        )
    }

    /// Remembers a started group so that smoke-check being interrupted or terminated (Ctrl-C,
    /// a cancelled job) passes SIGTERM on to it instead of leaving the service running.
    pub fn remember(pid: u32) {
        let pgid = i32::try_from(pid).unwrap_or(0);
        for slot in &GROUPS {
            if slot
                .compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                break;
            }
        }
    }

    fn install_handlers() {
        HANDLERS.call_once(|| {
            let action = SigAction::new(
                SigHandler::Handler(on_signal),
                SaFlags::SA_RESETHAND,
                SigSet::empty(),
            );
            for signal in PASSED_ON {
                // SAFETY: `on_signal` only loads atomics and calls kill(2) and raise(3), which
                // are async-signal-safe.
                let _ = unsafe { sigaction(signal, &action) };
            }
        });
    }

    /// Forgets a group that is gone.
    pub fn forget(pid: u32) {
        let pgid = i32::try_from(pid).unwrap_or(0);
        for slot in &GROUPS {
            let _ = slot.compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst);
        }
    }

    extern "C" fn on_signal(signal: nix::libc::c_int) {
        for slot in &GROUPS {
            let pgid = slot.load(Ordering::SeqCst);
            if pgid > 0 {
                let _ = killpg(Pid::from_raw(pgid), Signal::SIGTERM);
            }
        }
        // The handler was reset to the default on entry (SA_RESETHAND): end the way the signal
        // would have ended smoke-check without it.
        if let Ok(signal) = Signal::try_from(signal) {
            let _ = nix::sys::signal::raise(signal);
        }
    }

    pub fn new_group(command: &mut Command) {
        // Orphaned grandchildren are re-parented to this process instead of init, so the watcher
        // can reap them: no zombie of the group outlives the check, even in a container whose
        // PID 1 never reaps.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let _ = nix::sys::prctl::set_child_subreaper(true);
        command.process_group(0);
        // The command starts with no signal blocked, whatever `hold_signals` blocked here.
        // SAFETY: between fork and exec only pthread_sigmask runs, which is async-signal-safe
        // and allocates nothing.
        unsafe {
            command.pre_exec(|| {
                pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None)
                    .map_err(std::io::Error::from)
            });
        }
    }

    /// Reaps every process of the group that is a child of this one, and reports the leader's
    /// exit. Ends when no child of the group is left (ECHILD).
    pub fn watch(child: std::process::Child, tx: Sender<Event>) {
        let leader = i32::try_from(child.id()).unwrap_or(i32::MAX);
        // The std handle is never waited on: this thread reaps the leader with the rest of the
        // group (dropping a `Child` does not wait or kill).
        drop(child);
        thread::spawn(move || loop {
            match waitpid(Pid::from_raw(-leader), None) {
                Ok(WaitStatus::Exited(pid, code)) if pid.as_raw() == leader => {
                    let _ = tx.send(Event::Exited(ExitInfo {
                        code: Some(code),
                        signal: None,
                    }));
                }
                Ok(WaitStatus::Signaled(pid, signal, _)) if pid.as_raw() == leader => {
                    let _ = tx.send(Event::Exited(ExitInfo {
                        code: None,
                        signal: Some(signal as i32),
                    }));
                }
                Ok(_) | Err(Errno::EINTR) => {}
                Err(_) => break,
            }
        });
    }

    fn pgid(child: &Child) -> Pid {
        Pid::from_raw(i32::try_from(child.pid).unwrap_or(i32::MAX))
    }

    /// Whether any process is left in the group: `kill(-pgid, 0)` fails with ESRCH only when
    /// there is none.
    pub fn group_alive(child: &Child) -> bool {
        killpg(pgid(child), None) != Err(Errno::ESRCH)
    }

    pub fn terminate(child: &Child) {
        let _ = killpg(pgid(child), Signal::SIGTERM);
    }

    pub fn force_kill(child: &Child) {
        let _ = killpg(pgid(child), Signal::SIGKILL);
    }

    /// The processes still in the group, read from /proc where there is one.
    pub fn left_in_group(child: &Child) -> Vec<LeftProcess> {
        if !group_alive(child) {
            return Vec::new();
        }
        let found = in_process_group(child.pid);
        if found.is_empty() {
            // No /proc (macOS, BSD): the group exists, but its members cannot be listed.
            vec![LeftProcess {
                pid: child.pid,
                name: "(process group)".to_string(),
            }]
        } else {
            found
        }
    }

    /// Every process in `/proc` whose process group is `pgid`.
    pub fn in_process_group(pgid: u32) -> Vec<LeftProcess> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        let mut found: Vec<LeftProcess> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so the
                // fields after it are found from the last `)`.
                let open = stat.find('(')?;
                let close = stat.rfind(')')?;
                let name = stat.get(open + 1..close)?.to_string();
                let mut rest = stat.get(close + 1..)?.split_whitespace();
                let pgrp = rest.nth(2)?.parse::<u32>().ok()?;
                (pgrp == pgid).then_some(LeftProcess { pid, name })
            })
            .collect();
        found.sort_by_key(|p| p.pid);
        found
    }
}

#[cfg(windows)]
mod windows {
    use std::os::windows::process::CommandExt;
    use std::process::{Command, Stdio};
    use std::sync::mpsc::Sender;
    use std::thread;

    use super::{Child, Event, ExitInfo, LeftProcess};

    /// `CREATE_NEW_PROCESS_GROUP`: console control events sent to smoke-check's own console do
    /// not reach the service.
    const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;

    pub fn new_group(command: &mut Command) {
        command.creation_flags(CREATE_NEW_PROCESS_GROUP);
    }

    /// Nothing is held on Windows.
    pub struct SignalsHeld;

    /// Nothing to do: the job object of the runner ends the tree with smoke-check.
    pub fn hold_signals() -> SignalsHeld {
        SignalsHeld
    }

    /// Nothing to do, as for [`hold_signals`].
    pub fn remember(_pid: u32) {}

    /// Nothing to do, as for [`remember`].
    pub fn forget(_pid: u32) {}

    pub fn watch(mut child: std::process::Child, tx: Sender<Event>) {
        thread::spawn(move || {
            if let Ok(status) = child.wait() {
                let _ = tx.send(Event::Exited(ExitInfo {
                    code: status.code(),
                    signal: None,
                }));
            }
        });
    }

    /// Windows has no process-group probe; the tree is judged by its root.
    pub fn group_alive(child: &Child) -> bool {
        child.exit.is_none()
    }

    fn taskkill(child: &Child, force: bool) {
        let pid = child.pid.to_string();
        let mut command = Command::new("taskkill");
        command.args(["/T", "/PID", pid.as_str()]);
        if force {
            command.arg("/F");
        }
        let _ = command.stdout(Stdio::null()).stderr(Stdio::null()).status();
    }

    pub fn terminate(child: &Child) {
        taskkill(child, false);
    }

    pub fn force_kill(child: &Child) {
        taskkill(child, true);
    }

    pub fn left_in_group(child: &Child) -> Vec<LeftProcess> {
        if child.exit.is_none() {
            vec![LeftProcess {
                pid: child.pid,
                name: "(process tree)".to_string(),
            }]
        } else {
            Vec::new()
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> SpawnOptions {
        SpawnOptions {
            command: vec!["sh".into(), "-c".into(), script.into()],
            tail_lines: 3,
            keep_output: true,
            ..SpawnOptions::default()
        }
    }

    #[test]
    fn output_and_exit_are_captured() {
        let mut child = spawn(sh("echo one; echo two >&2; echo three; echo four; exit 3")).unwrap();
        assert_eq!(
            child.wait_exit(Duration::from_secs(10)),
            Some(ExitInfo {
                code: Some(3),
                signal: None
            })
        );
        child.settle_output(Duration::from_secs(5));
        assert_eq!(child.stdout_text(), "one\nthree\nfour\n");
        assert_eq!(child.stderr_text(), "two\n");
        assert_eq!(child.tail().len(), 3);
        assert_eq!(
            child.stop(Duration::from_secs(1)).how,
            StopHow::AlreadyExited
        );
    }

    #[test]
    fn a_ready_line_is_an_event() {
        let mut options = sh("echo starting; echo 'listening on 8080'; sleep 30");
        options.ready_line = Some(Regex::new("listening on").unwrap());
        let mut child = spawn(options).unwrap();
        assert_eq!(
            child.next_event(Duration::from_secs(10)),
            Some(Event::ReadyLine("listening on 8080".into()))
        );
        let shutdown = child.stop(Duration::from_secs(5));
        assert_eq!(shutdown.how, StopHow::Graceful);
        assert_eq!(shutdown.left, vec![]);
        assert_eq!(
            child.exit().and_then(|e| e.signal),
            Some(nix::sys::signal::Signal::SIGTERM as i32)
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_log_that_cannot_be_written_is_reported_not_fatal() {
        let mut options = sh("echo one; echo two");
        options.log = Some(File::create("/dev/full").unwrap());
        let mut child = spawn(options).unwrap();
        assert!(child.wait_exit(Duration::from_secs(10)).is_some());
        child.settle_output(Duration::from_secs(5));
        assert_eq!(child.stdout_text(), "one\ntwo\n");
        assert_eq!(
            child.log_error().as_deref(),
            Some("No space left on device (os error 28)")
        );
    }

    #[test]
    fn missing_programs_fail_to_start() {
        let err = spawn(SpawnOptions {
            command: vec!["/nonexistent/smoke-check-test".into()],
            ..SpawnOptions::default()
        })
        .err()
        .unwrap();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn exit_info_reads_well() {
        let killed = ExitInfo {
            code: None,
            signal: Some(9),
        };
        assert_eq!(killed.to_string(), "killed by signal 9 (SIGKILL)");
        let code = ExitInfo {
            code: Some(2),
            signal: None,
        };
        assert_eq!(code.to_string(), "exit code 2");
    }
}
