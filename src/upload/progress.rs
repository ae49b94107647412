//! Upload progress: bars on a terminal (indicatif), and plain log lines elsewhere (in Actions one
//! line per asset at start, every ~10% for big files, and at the end with the throughput).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::body::Tally;
use crate::output::human_bytes;

/// Files at least this big get a log line every ~10%.
const BIG: u64 = 64 * 1024 * 1024;

/// How progress is shown.
#[derive(Clone)]
pub enum Progress {
    /// Bars on a terminal.
    Bars(MultiProgress),
    /// Log lines on stderr.
    Lines,
}

impl Progress {
    /// Bars when stderr is a terminal and not inside Actions, log lines otherwise.
    pub fn detect(actions: bool) -> Self {
        use std::io::IsTerminal;
        if !actions && std::io::stderr().is_terminal() {
            Progress::Bars(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
        } else {
            Progress::Lines
        }
    }

    /// Prints a line without tearing the bars.
    pub fn println(&self, line: &str) {
        match self {
            Progress::Bars(multi) => {
                if multi.println(line).is_err() {
                    eprintln!("{line}");
                }
            }
            Progress::Lines => eprintln!("{line}"),
        }
    }

    /// Starts tracking the upload of `name`.
    pub fn start(&self, name: &str, size: u64) -> Tracker {
        let bar = match self {
            Progress::Bars(multi) => {
                let bar = multi.add(ProgressBar::new(size));
                let style = ProgressStyle::with_template(
                    "{prefix:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                )
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                bar.set_prefix(name.to_string());
                Some(bar)
            }
            Progress::Lines => {
                eprintln!("asset-upload: {name}: uploading {}", human_bytes(size));
                None
            }
        };
        let tally = Arc::new(Mutex::new(Tally::new()));
        let state = Arc::new(Mutex::new(10u64));
        let ticker = {
            let (bar, tally, state, name) =
                (bar.clone(), tally.clone(), state.clone(), name.to_string());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    let sent = tally
                        .lock()
                        .map(|t| t.sent.load(Ordering::Relaxed))
                        .unwrap_or(0);
                    match &bar {
                        Some(bar) => bar.set_position(sent),
                        None if size >= BIG => {
                            let percent = sent.saturating_mul(100) / size.max(1);
                            if let Ok(mut next) = state.lock() {
                                if percent >= *next && percent < 100 {
                                    eprintln!(
                                        "asset-upload: {name}: {percent}% ({} of {})",
                                        human_bytes(sent),
                                        human_bytes(size)
                                    );
                                    *next = (percent / 10 + 1) * 10;
                                }
                            }
                        }
                        None => {}
                    }
                }
            })
        };
        Tracker {
            name: name.to_string(),
            size,
            bar,
            tally,
            ticker,
            started: Instant::now(),
        }
    }
}

/// Progress of one asset.
pub struct Tracker {
    name: String,
    size: u64,
    bar: Option<ProgressBar>,
    tally: Arc<Mutex<Arc<Tally>>>,
    ticker: tokio::task::JoinHandle<()>,
    started: Instant,
}

impl Tracker {
    /// A fresh tally for the next attempt; the display follows it.
    pub fn attempt(&self) -> Arc<Tally> {
        let tally = Tally::new();
        if let Ok(mut current) = self.tally.lock() {
            *current = tally.clone();
        }
        tally
    }

    /// Ends tracking with a final line.
    pub fn finish(self, outcome: &str) -> Duration {
        self.ticker.abort();
        let elapsed = self.started.elapsed();
        let rate = self.size as f64 / elapsed.as_secs_f64().max(1e-3);
        let line = format!(
            "asset-upload: {}: {outcome} ({} in {}, {}/s)",
            self.name,
            human_bytes(self.size),
            crate::cli::human_duration(elapsed),
            human_bytes(rate as u64)
        );
        match &self.bar {
            Some(bar) => {
                bar.println(&line);
                bar.finish_and_clear();
            }
            None => eprintln!("{line}"),
        }
        elapsed
    }
}
