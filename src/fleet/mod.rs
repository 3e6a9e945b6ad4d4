//! Fleets: what a run needs to fit the engines customers already use to reach many servers
//! (Alibaba Cloud Assistant, Ansible), and the `fleet summarize` command that turns the reports
//! of many servers into one view.
//!
//! - `deliver`: `--output-dir`, the full report in a directory (for Ansible `fetch`);
//! - `upload`: `--upload-url`, an HTTP(S) PUT of the report (a pre-signed object-storage URL);
//! - `read`: reads reports and summary lines from files and directories, one digest per run;
//! - `aggregate`: groups hosts by failing check and by finding subject, ranks them, finds the worst;
//! - `render`: the summary as text, JSON, Markdown and HTML;
//! - `words`: the words these features print, in English and Simplified Chinese.

pub mod aggregate;
pub mod deliver;
pub mod read;
pub mod render;
pub mod upload;
pub mod words;
