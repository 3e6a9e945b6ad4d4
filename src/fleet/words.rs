//! The words of the fleet features (delivery messages, the fleet summary's headings), in English
//! and Simplified Chinese, kept beside the code that uses them like src/i18n.rs does for the run.

use crate::i18n::Lang;

#[derive(Debug, Clone, Copy)]
pub enum W {
    ReportWritten,
    OutputDirFailed,
    Uploaded,
    UploadRetry,
    UploadFailed,
    UploadKept,
}

pub fn w(lang: Lang, word: W) -> &'static str {
    use W::*;
    match (lang, word) {
        (Lang::En, ReportWritten) => "report written to",
        (Lang::En, OutputDirFailed) => "could not write the report into --output-dir",
        (Lang::En, Uploaded) => "report uploaded to",
        (Lang::En, UploadRetry) => "upload attempt failed, retrying",
        (Lang::En, UploadFailed) => "could not upload the report",
        (Lang::En, UploadKept) => "the local copy is kept",
        (Lang::ZhCn, ReportWritten) => "报告已写入",
        (Lang::ZhCn, OutputDirFailed) => "无法将报告写入 --output-dir",
        (Lang::ZhCn, Uploaded) => "报告已上传到",
        (Lang::ZhCn, UploadRetry) => "上传失败，正在重试",
        (Lang::ZhCn, UploadFailed) => "无法上传报告",
        (Lang::ZhCn, UploadKept) => "本地副本已保留",
    }
}
