//! Progress on stderr while tasks are created: a bar (indicatif) redrawn in place when stderr
//! is a terminal, a line every `--progress-interval` seconds otherwise (a log file, CI), and
//! nothing with `-q`. Debug lines (`-v`) are printed above the bar, which is redrawn after
//! them. Stdout is never touched.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::{Duration, Instant};
use tg_core::cli::Log;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A bar redrawn in place (stderr is a terminal).
    Bar,
    /// A line every interval (stderr is a file or a pipe).
    Lines,
    /// Nothing (`-q`).
    Silent,
}

/// The style for a stderr that is (or is not) a terminal, at log `level` (0 is `-q`).
pub fn choose_style(stderr_is_terminal: bool, level: u8) -> Style {
    match (level, stderr_is_terminal) {
        (0, _) => Style::Silent,
        (_, true) => Style::Bar,
        (_, false) => Style::Lines,
    }
}

/// The style for this process's stderr.
pub fn style_for_stderr(log: &Log) -> Style {
    use std::io::IsTerminal;
    choose_style(std::io::stderr().is_terminal(), log.level)
}

/// Where the run stands.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// Requests acknowledged (this run) or found in the state log.
    pub done: usize,
    /// Requests acknowledged in this run (for the rate).
    pub created: usize,
    pub total: usize,
    pub failed: usize,
    pub skipped: usize,
    pub in_flight: usize,
}

/// The progress display of one run.
pub struct Progress {
    log: Log,
    bar: Option<ProgressBar>,
    lines: bool,
    every: Duration,
    started: Instant,
    last_line: Instant,
}

/// The bar, as wide as the terminal allows:
/// `tg-submit: [#####>-----] 4210/10000 tasks, 1893/s, 2 failed, 50 in flight`.
const BAR_TEMPLATE: &str = "{prefix} [{wide_bar}] {pos}/{len} tasks, {msg}";

impl Progress {
    /// Start showing progress of `total` requests in `style`; lines come every `every`.
    pub fn start(style: Style, total: usize, every: Duration, log: Log) -> Progress {
        let bar = (style == Style::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(s) = ProgressStyle::with_template(BAR_TEMPLATE) {
                bar.set_style(s.progress_chars("#>-"));
            }
            bar.set_prefix(format!("{}:", log.program));
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let now = Instant::now();
        Progress { log, bar, lines: style == Style::Lines, every, started: now, last_line: now }
    }

    /// Show `counts`: move the bar, or print a line when the interval has passed.
    pub fn update(&mut self, counts: &Counts) {
        if let Some(bar) = &self.bar {
            bar.set_position(counts.done as u64);
            bar.set_message(bar_message(counts, self.started.elapsed()));
        } else if self.lines && self.last_line.elapsed() >= self.every {
            self.last_line = Instant::now();
            self.log.info(self.line(counts));
        }
    }

    /// A debug message (`-v`), above the bar when there is one.
    pub fn debug(&self, message: impl FnOnce() -> String) {
        if !self.log.is_debug() {
            return;
        }
        match &self.bar {
            Some(bar) => bar.suspend(|| self.log.debug(message())),
            None => self.log.debug(message()),
        }
    }

    /// Take the bar off the screen: the summary line that follows replaces it.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn line(&self, counts: &Counts) -> String {
        let rate = counts.created as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        format!(
            "progress: {}/{} created, {} failed, {} skipped, {} in flight ({rate:.0} tasks/s)",
            counts.done, counts.total, counts.failed, counts.skipped, counts.in_flight
        )
    }
}

impl Drop for Progress {
    /// An early return (an I/O error) must not leave the bar on the line its message goes to.
    fn drop(&mut self) {
        self.finish();
    }
}

/// The text after the bar: rate, failures and requests in flight.
fn bar_message(counts: &Counts, elapsed: Duration) -> String {
    let rate = counts.created as f64 / elapsed.as_secs_f64().max(1e-9);
    let mut parts = vec![format!("{rate:.0}/s")];
    if counts.failed > 0 {
        parts.push(format!("{} failed", counts.failed));
    }
    if counts.skipped > 0 {
        parts.push(format!("{} skipped", counts.skipped));
    }
    parts.push(format!("{} in flight", counts.in_flight));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_gets_a_bar_a_file_gets_lines_quiet_gets_nothing() {
        assert_eq!(choose_style(true, 1), Style::Bar);
        assert_eq!(choose_style(true, 3), Style::Bar);
        assert_eq!(choose_style(false, 1), Style::Lines);
        assert_eq!(choose_style(false, 2), Style::Lines);
        assert_eq!(choose_style(true, 0), Style::Silent);
        assert_eq!(choose_style(false, 0), Style::Silent);
    }

    #[test]
    fn the_message_names_failures_only_when_there_are_some() {
        let mut c = Counts { done: 5, created: 5, total: 10, failed: 0, skipped: 0, in_flight: 3 };
        let second = Duration::from_secs(1);
        assert_eq!(bar_message(&c, second), "5/s, 3 in flight");
        c.failed = 1;
        c.skipped = 4;
        assert_eq!(bar_message(&c, second), "5/s, 1 failed, 4 skipped, 3 in flight");
    }
}
