//! The questions on a terminal: only for what the diagnosis cannot know and no flag gave,
//! multiple choice first (impact, when it started, what was tried), free text last. Reads
//! lines, so it works the same on a real terminal, a pseudo-terminal in tests and a pipe; an
//! end of input stops the questions (nothing more is asked, nothing is sent without a yes).

use super::model::{Answers, Impact, Started};
use crate::i18n::{Lang, T, tt};
use std::io::{BufRead, Write};

pub struct Prompter<R: BufRead, W: Write> {
    pub input: R,
    pub out: W,
    pub lang: Lang,
    /// Input ended: ask nothing more.
    pub closed: bool,
}

impl<R: BufRead, W: Write> Prompter<R, W> {
    pub fn new(input: R, out: W, lang: Lang) -> Self {
        Prompter { input, out, lang, closed: false }
    }

    fn line(&mut self) -> Option<String> {
        if self.closed {
            return None;
        }
        let _ = self.out.flush();
        let mut s = String::new();
        match self.input.read_line(&mut s) {
            Ok(0) | Err(_) => {
                self.closed = true;
                None
            }
            Ok(_) => Some(s.trim().to_string()),
        }
    }

    /// One answer out of `options` (1-based on screen); None when skipped or input ended.
    pub fn choose(&mut self, question: &str, options: &[&str]) -> Option<usize> {
        let _ = writeln!(self.out, "\n{question}");
        for (i, o) in options.iter().enumerate() {
            let _ = writeln!(self.out, "  {}) {o}", i + 1);
        }
        for _ in 0..3 {
            let _ = write!(self.out, "{}: ", tt(self.lang, T::AskChoice));
            let answer = self.line()?;
            if answer.is_empty() {
                return None;
            }
            match answer.parse::<usize>() {
                Ok(n) if (1..=options.len()).contains(&n) => return Some(n - 1),
                _ => {
                    let _ = writeln!(self.out, "{}", tt(self.lang, T::InvalidChoice));
                }
            }
        }
        None
    }

    /// Any number of answers (comma-separated numbers).
    pub fn choose_many(&mut self, question: &str, options: &[&str]) -> Vec<usize> {
        let _ = writeln!(self.out, "\n{question}");
        for (i, o) in options.iter().enumerate() {
            let _ = writeln!(self.out, "  {}) {o}", i + 1);
        }
        for _ in 0..3 {
            let _ = write!(self.out, "{}: ", tt(self.lang, T::AskChoices));
            let Some(answer) = self.line() else { return Vec::new() };
            let picked: Result<Vec<usize>, ()> = answer
                .split([',', ' '])
                .filter(|s| !s.trim().is_empty())
                .map(|s| match s.trim().parse::<usize>() {
                    Ok(n) if (1..=options.len()).contains(&n) => Ok(n - 1),
                    _ => Err(()),
                })
                .collect();
            match picked {
                Ok(mut p) => {
                    p.dedup();
                    return p;
                }
                Err(()) => {
                    let _ = writeln!(self.out, "{}", tt(self.lang, T::InvalidChoice));
                }
            }
        }
        Vec::new()
    }

    /// Free text; Enter gives None (or keeps `default`, shown in brackets).
    pub fn text(&mut self, prompt: &str, default: Option<&str>) -> Option<String> {
        match default {
            Some(d) => {
                let _ = write!(self.out, "\n{prompt} [{d}]: ");
            }
            None => {
                let _ = write!(self.out, "\n{prompt}: ");
            }
        }
        let answer = self.line()?;
        if answer.is_empty() { None } else { Some(answer) }
    }

    /// Yes or no; anything but y/yes/是 is no.
    pub fn confirm(&mut self, question: &str) -> bool {
        let _ = write!(self.out, "\n{question} [y/N]: ");
        self.line().is_some_and(|a| matches!(a.to_lowercase().as_str(), "y" | "yes" | "是" | "好"))
    }

    /// Asks for every field still missing in `a`.
    pub fn ask_missing(&mut self, a: &mut Answers, default_title: &str) {
        let l = self.lang;
        if a.impact.is_none() && !self.closed {
            let opts =
                [tt(l, T::ImpactDown), tt(l, T::ImpactDegraded), tt(l, T::ImpactIntermittent), tt(l, T::ImpactNone)];
            a.impact = self
                .choose(tt(l, T::AskImpact), &opts)
                .map(|i| [Impact::Down, Impact::Degraded, Impact::Intermittent, Impact::None][i]);
        }
        if a.started.is_none() && !self.closed {
            let opts = [
                tt(l, T::StartedJustNow),
                tt(l, T::StartedWithinHour),
                tt(l, T::StartedToday),
                tt(l, T::StartedEarlier),
            ];
            if let Some(i) = self.choose(tt(l, T::AskStarted), &opts) {
                let estimate = match i {
                    0 => super::when::now(),
                    1 => super::when::ago(30 * 60),
                    2 => super::when::ago(3 * 3600),
                    _ => super::when::ago(86_400),
                };
                let mut started = Started { at: estimate.clone(), source: "approximate".into() };
                if i > 0 {
                    for _ in 0..3 {
                        let Some(t) = self.text(tt(l, T::AskStartedTime), Some(&estimate)) else { break };
                        match super::when::parse(&t, jiff::Timestamp::now()) {
                            Ok(at) => {
                                started = Started { at, source: "stated".into() };
                                break;
                            }
                            Err(e) => {
                                let _ = writeln!(self.out, "{e}");
                            }
                        }
                    }
                }
                a.started = Some(started);
            }
        }
        if a.tried.is_empty() && !self.closed {
            let opts = [
                tt(l, T::TriedRestartedService),
                tt(l, T::TriedRebooted),
                tt(l, T::TriedFreedDisk),
                tt(l, T::TriedSecurityGroup),
                tt(l, T::TriedOther),
            ];
            for i in self.choose_many(tt(l, T::AskTried), &opts) {
                if i == 4 {
                    if let Some(t) = self.text(tt(l, T::AskTriedOther), None) {
                        a.tried.push(t);
                    }
                } else {
                    a.tried.push(opts[i].to_string());
                }
            }
        }
        if a.title.is_none() && !self.closed {
            a.title = self.text(tt(l, T::AskTitle), Some(default_title));
        }
        if a.description.is_none() && !self.closed {
            a.description = self.text(tt(l, T::AskDescription), None);
        }
        if a.email.is_none() && !self.closed {
            a.email = self.text(tt(l, T::AskEmail), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_from_lines() {
        let input = "9\n1\n3\n10:15\n1,5\nbumped the ulimit\n\nDisk filled overnight\nops@example.com\n";
        let mut out = Vec::new();
        let mut p = Prompter::new(std::io::Cursor::new(input), &mut out, Lang::En);
        let mut a = Answers::default();
        p.ask_missing(&mut a, "t");
        assert_eq!(a.impact, Some(Impact::Down));
        assert_eq!(a.started.as_ref().map(|s| s.source.as_str()), Some("stated"));
        assert_eq!(a.tried, vec!["restarted the service".to_string(), "bumped the ulimit".to_string()]);
        assert_eq!(a.title, None);
        assert_eq!(a.description.as_deref(), Some("Disk filled overnight"));
        assert_eq!(a.email.as_deref(), Some("ops@example.com"));
        let shown = String::from_utf8(out).unwrap();
        assert!(shown.contains("Please type one of the numbers shown."), "{shown}");
    }

    #[test]
    fn end_of_input_stops_asking_and_never_confirms() {
        let mut out = Vec::new();
        let mut p = Prompter::new(std::io::Cursor::new("2\n"), &mut out, Lang::ZhCn);
        let mut a = Answers::default();
        p.ask_missing(&mut a, "t");
        assert_eq!(a.impact, Some(Impact::Degraded));
        assert!(a.started.is_none() && a.tried.is_empty());
        assert!(!p.confirm("send?"));
    }
}
