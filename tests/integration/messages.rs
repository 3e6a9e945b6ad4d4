//! The CLI's own error messages speak the language asked for (`--lang` or LANG), from the i18n
//! catalogues: the same mistakes in English and in Chinese, with exit 64 and nothing on stdout.

use crate::common::*;

/// Runs ecs-doctor with `args` and `LANG`, returning (exit code, stderr).
fn fails(lang_env: &str, args: &[&str]) -> Option<(i32, String)> {
    let mut cmd = doctor_cmd(args)?;
    cmd.env("LANG", lang_env);
    let out = cmd.output().expect("spawn");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    Some((out.status.code().unwrap_or(-1), stderr(&out)))
}

fn assert_says(lang_env: &str, args: &[&str], code: i32, words: &[&str]) {
    let Some((got, err)) = fails(lang_env, args) else { return };
    assert_eq!(got, code, "{args:?}: {err}");
    for w in words {
        assert!(err.contains(w), "{args:?} with LANG={lang_env}: {w:?} missing in {err:?}");
    }
}

#[test]
fn usage_errors_in_english_and_chinese() {
    let missing = scratch_dir().join("no-such-root");
    let missing = missing.to_str().expect("p");
    for (lang, root, unknown_id, selector, deadline) in [
        (
            "C.UTF-8",
            "not a directory",
            "unknown check id \"disk.nope.x\"",
            "unknown check id, prefix or reference \"nope\"",
            "must be a number of seconds",
        ),
        (
            "zh_CN.UTF-8",
            "不是目录",
            "未知的检查项 id \"disk.nope.x\"",
            "未知的检查项 id、前缀或基准引用 \"nope\"",
            "必须是 0 到 86400 之间的秒数",
        ),
    ] {
        assert_says(lang, &["run", "--no-save", "--root", missing], 64, &[&format!("--root {missing}"), root]);
        assert_says(lang, &["explain", "disk.nope.x"], 64, &[unknown_id, "ecs-doctor list"]);
        assert_says(lang, &["run", "--no-save", "--only", "nope"], 64, &[selector]);
        assert_says(lang, &["run", "--no-save", "--deadline", "0"], 64, &["--deadline 0", deadline]);
    }
    // --lang beats LANG.
    assert_says("C.UTF-8", &["explain", "disk.nope.x", "--lang", "zh-CN"], 64, &["未知的检查项 id"]);
}

#[test]
fn report_file_errors_in_both_languages() {
    let not_report = scratch_dir().join("not-a-report.json");
    write(&not_report, "{\"schema\": 3}\n");
    let p = not_report.to_str().expect("p");
    let absent = scratch_dir().join("absent.json");
    let a = absent.to_str().expect("p");
    assert_says("C.UTF-8", &["report", p], 64, &[&format!("{p}:1:"), "not an ecs-doctor report"]);
    assert_says("zh_CN.UTF-8", &["report", p], 64, &[&format!("{p}:1:"), "不是 ecs-doctor 报告"]);
    assert_says("C.UTF-8", &["report", a], 64, &[a, "cannot read"]);
    assert_says("zh_CN.UTF-8", &["report", a], 64, &[a, "无法读取"]);
    // Writing the output where it cannot go is the tool's failure (3), said in the language.
    let mixed = project_dir().join("tests/fixtures/reports/mixed.json");
    let nowhere = scratch_dir().join("no-dir/out.txt");
    let (m, n) = (mixed.to_str().expect("p"), nowhere.to_str().expect("p"));
    let Some(mut cmd) = doctor_cmd(&["report", m, "-o", n, "--lang", "zh-CN"]) else { return };
    let out = cmd.output().expect("spawn");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("无法写入 {n}")), "{}", stderr(&out));
}

#[test]
fn check_file_errors_in_chinese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sys/demo.value.toml");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    let head = "id = \"sys.demo.value\"\ntitle.en = \"t\"\nwhy.en = \"w\"\nfix.en = \"f\"\n";
    let d = dir.path().to_str().expect("p");
    for (body, en, zh) in [
        (
            format!("{head}[probe.meminfo]\n[[judge]]\nfield = \"avail_pct\"\nwarn = \"< 10\"\nmessage.en = \"m\"\n"),
            "unknown field \"avail_pct\": the meminfo probe gives",
            "未知的字段 \"avail_pct\"：meminfo 探针提供的是",
        ),
        (
            format!(
                "{head}[probe.meminfo]\n[[judge]]\nfield = \"available_percent\"\nwarn = \"< 10\"\nmessage.en = \"only {{nope}}\"\n"
            ),
            "unknown placeholder {nope}: the meminfo probe gives",
            "未知的占位符 {nope}：meminfo 探针提供的是",
        ),
        (
            format!("{head}timeout = -3\n[probe.meminfo]\n"),
            "timeout must be between 0 and 3600 seconds, not -3",
            "timeout 必须在 0 到 3600 秒之间，而不是 -3",
        ),
        (
            format!("{head}[probe.meminfo]\n[[judge]]\nfield = \"available_percent\"\nmessage.en = \"m\"\n"),
            "the judge of \"available_percent\" needs a warn, crit or info threshold",
            "\"available_percent\" 的判定需要 warn、crit 或 info 阈值",
        ),
    ] {
        std::fs::write(&file, &body).expect("write");
        let where_ = format!("{}:", file.display());
        assert_says("C.UTF-8", &["list", "--checks-dir", d], 64, &[&where_, en]);
        assert_says("C.UTF-8", &["list", "--checks-dir", d, "--lang", "zh-CN"], 64, &[&where_, zh]);
    }
    std::fs::write(&file, b"id = \"\xff\"\n").expect("write");
    assert_says("zh_CN.UTF-8", &["list", "--checks-dir", d], 64, &["检查项文件不是有效的 UTF-8 文本"]);
}

#[test]
fn explain_speaks_the_language_around_the_thresholds() {
    let Some(out) = doctor(&["explain", "disk.usage.space", "--lang", "zh-CN"]) else { return };
    let text = stdout(&out);
    assert!(text.contains("探针 filesystems（超时"), "{text}");
    let Some(out) = doctor(&["explain", "disk.usage.space"]) else { return };
    let text = stdout(&out);
    assert!(text.contains("probe filesystems (timeout"), "{text}");
}

#[test]
fn config_errors_in_chinese_keep_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("c.toml");
    let c = cfg.to_str().expect("p");
    for (body, at, en, zh) in [
        ("foo = 1\n", "1:1", "unknown field `foo`, expected one of `deadline`", "未知的键 `foo`，可用的键：`deadline`"),
        ("deadline = \"x\"\n", "1:12", "invalid type: string \"x\", expected f64", "类型错误：string \"x\"，应为 f64"),
        ("deadline = 0\n", "1:12", "deadline must be a number of seconds", "deadline 必须是 0 到 86400 之间的秒数"),
        ("[history]\nkeep = 0\n", "1:1", "[history]: keep must be at least 1", "[history] 配置：keep 至少为 1"),
        ("x = \n", "1:5", "string values must be quoted", "TOML 格式错误：string values must be quoted"),
        (
            "[checks.\"disk.usage.space\"]\nthresholds.used_percent.warn = \"~ 3\"\n",
            "2:32",
            "condition \"~ 3\" must start with one of",
            "条件 \"~ 3\" 必须以 >=、>、<=、<、==、!=、in、not-in 之一开头",
        ),
        (
            "[checks.\"disk.usage.space\".thresholds.nope]\nwarn = \"> 1\"\n",
            "1:39",
            "check disk.usage.space has no threshold on \"nope\" (it has: used_percent)",
            "检查项 disk.usage.space 没有针对 \"nope\" 的阈值（已有：used_percent）",
        ),
        (
            "[checks.\"disk.nope.x\"]\ntimeout = 3\n",
            "1:9",
            "unknown check id \"disk.nope.x\"",
            "未知的检查项 id \"disk.nope.x\"",
        ),
        (
            "[checks.\"disk.usage.space\"]\ntimeout = 9999\n",
            "2:11",
            "timeout must be between 0 and 3600",
            "timeout 必须在 0 到 3600 秒之间",
        ),
        (
            "[net]\ntargets = [\"a b\"]\n",
            "2:12",
            "target \"a b\": \"a b\" is not a host name",
            "目标 \"a b\"：\"a b\" 不是主机名或 IP 地址",
        ),
        (
            "[net]\nmetadata_url = \"https://x\"\n",
            "2:16",
            "must start with http://",
            "元数据服务 URL 必须以 http:// 开头",
        ),
        ("[net]\ndns_name = \"a b\"\n", "2:12", "is not a DNS name", "不是有效的域名"),
    ] {
        std::fs::write(&cfg, body).expect("write");
        let place = format!("{c}:{at}:");
        assert_says("C.UTF-8", &["run", "--no-save", "--config", c], 64, &[&place, en]);
        assert_says("C.UTF-8", &["run", "--no-save", "--config", c, "--lang", "zh-CN"], 64, &[&place, zh]);
    }
}

#[test]
fn flag_errors_in_chinese() {
    for (args, en, zh) in [
        (
            &["run", "--no-save", "--target", "a b"][..],
            "--target target \"a b\"",
            "--target 目标 \"a b\"：\"a b\" 不是主机名",
        ),
        (&["run", "--no-save", "--metadata-url", "http://name/"][..], "must name an IP address", "必须是 IP 地址"),
        (
            &["trace", "x", "--interval", "0.1"][..],
            "--interval 0.1: rounds last 1 to 60 seconds",
            "--interval 0.1：每轮须为 1 到 60 秒",
        ),
        (&["trace", "x", "--max-ttl", "0"][..], "--max-ttl 0: must be 1 to 64", "--max-ttl 0：必须在 1 到 64 之间"),
        (&["trace", "a b"][..], "trace: target \"a b\"", "trace 命令：目标 \"a b\""),
        (
            &["run", "--no-save", "--upload-url", "ftp://x"][..],
            "--upload-url ftp://x/",
            "--upload-url 参数无效：ftp://x/",
        ),
    ] {
        assert_says("C.UTF-8", args, 64, &[en]);
        assert_says("zh_CN.UTF-8", args, 64, &[zh]);
    }
}

#[test]
fn ticket_settings_errors_in_chinese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("c.toml");
    let c = cfg.to_str().expect("p");
    for (body, en, zh) in [
        (
            "[ticket]\ntimeout = 0\n",
            "[ticket] timeout must be between 0 and 600",
            "[ticket] 的 timeout 必须在 0 到 600 秒之间",
        ),
        (
            "[ticket]\nattempts = 0\n",
            "[ticket] attempts must be between 1 and 10",
            "[ticket] 的 attempts 必须在 1 到 10 之间",
        ),
    ] {
        std::fs::write(&cfg, body).expect("write");
        let Some(mut cmd) = doctor_cmd(&["ticket", "--config", c, "--dry-run"]) else { return };
        cmd.env("ECS_DOCTOR_TICKET_DIR", dir.path());
        let out = cmd.output().expect("spawn");
        assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
        assert!(stderr(&out).contains(en), "{}", stderr(&out));
        let Some(mut cmd) = doctor_cmd(&["ticket", "--config", c, "--dry-run", "--lang", "zh-CN"]) else { return };
        cmd.env("ECS_DOCTOR_TICKET_DIR", dir.path());
        let out = cmd.output().expect("spawn");
        assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
        assert!(stderr(&out).contains(zh), "{}", stderr(&out));
    }
}
