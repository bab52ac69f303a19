//! Output of the deployment commands: lines of text, and while a stack
//! operation runs, a progress display (resources done / total, the latest
//! event) on a terminal, or one plain line per event otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};

/// Where the commands write.
pub struct Console {
    live: bool,
    bar: Option<ProgressBar>,
    stderr: bool,
}

impl Console {
    /// A console on standard output; live progress when standard error is
    /// a terminal.
    pub fn stdout() -> Console {
        Console { live: std::io::stderr().is_terminal(), bar: None, stderr: false }
    }

    /// A console that never draws live progress (plain lines only).
    pub fn plain() -> Console {
        Console { live: false, bar: None, stderr: false }
    }

    /// Plain lines on standard error (for commands whose standard output
    /// is a document).
    pub fn plain_stderr() -> Console {
        Console { live: false, bar: None, stderr: true }
    }

    /// Print a line (above the progress display, if one is shown).
    pub fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None if self.stderr => {
                let mut out = std::io::stderr().lock();
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
            None => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
        }
    }

    /// Print text that already ends with a newline.
    pub fn text(&self, text: &str) {
        for line in text.lines() {
            self.line(line);
        }
    }

    /// Start the progress display for `total` resources.
    pub fn start(&mut self, total: usize, message: &str) {
        if !self.live {
            self.line(message);
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} resources  {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar.set_message(message.to_string());
        self.bar = Some(bar);
    }

    /// Report an event: a line when not live, the latest-event message and
    /// the count when live. `important` lines (failures) are always printed.
    pub fn event(&self, done: usize, text: &str, important: bool) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(done as u64);
                bar.set_message(text.to_string());
                if important {
                    bar.println(text);
                }
            }
            None => self.line(text),
        }
    }

    /// Update the live display only (nothing is printed otherwise).
    pub fn progress(&self, done: usize, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
            bar.set_message(text.to_string());
        }
    }

    /// Stop the progress display.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.finish();
    }
}
