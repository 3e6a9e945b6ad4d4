//! Kernel messages about one subject (a device, a process, a CPU) folded together: how many,
//! the first and last time, and a few lines of evidence (the first ones and the latest ones),
//! however many lines the log holds. The kernel-log probes turn a group into an observation.

use super::KLine;
use jiff::Timestamp;
use std::collections::VecDeque;

/// Messages about one subject folded together.
#[derive(Debug, Clone)]
pub struct Group {
    pub subject: String,
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub any_time_unknown: bool,
    /// The first few lines and the latest ones.
    head: Vec<String>,
    tail: VecDeque<String>,
}

const HEAD_LINES: usize = 3;
const TAIL_LINES: usize = 7;

impl Group {
    pub fn new(subject: impl Into<String>) -> Group {
        Group {
            subject: subject.into(),
            count: 0,
            first: None,
            last: None,
            any_time_unknown: false,
            head: Vec::new(),
            tail: Default::default(),
        }
    }

    /// Counts one event and keeps its line as evidence.
    pub fn add(&mut self, line: &KLine) {
        self.count += 1;
        self.add_line(line);
    }

    /// Keeps a line as evidence without counting an event (a second line about the same one).
    pub fn add_line(&mut self, line: &KLine) {
        match line.time {
            Some(t) => {
                self.first = Some(self.first.map_or(t, |f| f.min(t)));
                self.last = Some(self.last.map_or(t, |l| l.max(t)));
            }
            None => self.any_time_unknown = true,
        }
        if self.head.len() < HEAD_LINES {
            self.head.push(line.evidence.clone());
        } else {
            if self.tail.len() == TAIL_LINES {
                self.tail.pop_front();
            }
            self.tail.push_back(line.evidence.clone());
        }
    }

    /// The first lines kept.
    pub fn head(&self) -> &[String] {
        &self.head
    }

    /// The latest lines kept (after the head).
    pub fn tail(&self) -> impl Iterator<Item = &String> {
        self.tail.iter()
    }

    /// How many events were counted but not kept as lines.
    pub fn skipped(&self) -> u64 {
        self.count.saturating_sub((self.head.len() + self.tail.len()) as u64)
    }
}
