//! The terminal side of the pipeline's progress: a spinner on a terminal, per-stage wall
//! times on standard error when `BASELINE_TIMINGS=1` (for benchmarking), nothing otherwise.

use baseline_pipeline::{Event, Progress};
use std::time::Duration;

/// Renders [`Event`]s of `baseline_pipeline::run`.
#[derive(Debug)]
pub struct Bar {
    bar: Option<indicatif::ProgressBar>,
    timings: bool,
}

impl Bar {
    /// A spinner when `terminal`; timings when `BASELINE_TIMINGS=1`.
    pub fn new(terminal: bool) -> Bar {
        let bar = terminal.then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Bar {
            bar,
            timings: std::env::var_os("BASELINE_TIMINGS").is_some_and(|v| v == "1"),
        }
    }

    /// Print one stage's wall time when timings are wanted.
    pub fn timing(&self, stage: &str, took: Duration) {
        if self.timings {
            let line = format!("timing: {stage:<10} {:>8.1} ms", took.as_secs_f64() * 1e3);
            match &self.bar {
                Some(b) => b.println(line),
                None => eprintln!("{line}"),
            }
        }
    }

    /// Clear the spinner.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Started(stage) => {
                if let Some(b) = &self.bar {
                    b.set_message(format!("{}…", stage.as_str()));
                }
            }
            Event::Unpacking {
                nodes,
                extracted_bytes,
                queued,
            } => {
                if let Some(b) = &self.bar {
                    b.set_message(format!(
                        "unpacking: {nodes} nodes, {} MiB extracted, {queued} queued",
                        extracted_bytes >> 20
                    ));
                }
            }
            Event::Finished { stage, took } => self.timing(stage, took),
        }
    }
}
