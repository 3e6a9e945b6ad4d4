
use builtin;
use str;

set edit:completion:arg-completer[ecs-doctor] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ecs-doctor'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ecs-doctor'= {
            cand --only 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable'
            cand --skip 'Skip these checks: an id, id prefix or benchmark reference. Repeatable'
            cand --format 'What goes to stdout (json is exactly report v1)'
            cand -o 'Also write the rendered report to FILE'
            cand --output 'Also write the rendered report to FILE'
            cand --deadline 'The whole run ends within this time; unfinished checks become `error` with "timed out"'
            cand --output-dir 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)'
            cand --upload-url 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list'
            cand --target 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable'
            cand --port 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config'
            cand --metadata-url 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL'
            cand --ecs-endpoint 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT'
            cand --color 'Colour in the terminal output (honours NO_COLOR)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand --offline 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config'
            cand --no-save 'Do not save the JSON report'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: every finding with all its evidence, and passing checks'' details'
            cand --verbose 'More output: every finding with all its evidence, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand run 'Run the selected checks, print the report, save the JSON report and print where it was saved'
            cand list 'List the checks: id, category, title, where defined'
            cand explain 'What a check looks at, why it matters, how to fix what it finds'
            cand report 'Render a saved report again'
            cand fleet 'Work with the reports of many servers'
            cand history 'List the saved reports: time, status, score and counts of each run'
            cand diff 'What changed between two saved reports (default: the latest run against the last run whose status was ok): checks whose status changed, new and resolved findings, metrics'
            cand ticket 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it'
            cand trace 'Per-hop path, loss and latency over time (MTR-like), with a latency heatmap in HTML'
            cand why 'One complaint walked in order, the cause first: `why ssh`, `why port PORT`, `why dns`, `why network`. Same output options as `run`; the JSON is report v1 with `diagnosis`'
            cand fix 'The repair plan for the current findings (changes nothing): each file''s diff, each command, and what is not repaired and why. `--apply [ID...]` repairs (with --yes or a terminal''s confirmation), each backed up and verified; `--undo [ID]`; `--list`'
            cand completions 'Print a shell completion script'
            cand config 'Settings file helpers: `ecs-doctor config example` prints a commented example'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;run'= {
            cand --only 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable'
            cand --skip 'Skip these checks: an id, id prefix or benchmark reference. Repeatable'
            cand --format 'What goes to stdout (json is exactly report v1)'
            cand -o 'Also write the rendered report to FILE'
            cand --output 'Also write the rendered report to FILE'
            cand --deadline 'The whole run ends within this time; unfinished checks become `error` with "timed out"'
            cand --output-dir 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)'
            cand --upload-url 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list'
            cand --target 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable'
            cand --port 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config'
            cand --metadata-url 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL'
            cand --ecs-endpoint 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT'
            cand --color 'Colour in the terminal output (honours NO_COLOR)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand --offline 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config'
            cand --no-save 'Do not save the JSON report'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: every finding with all its evidence, and passing checks'' details'
            cand --verbose 'More output: every finding with all its evidence, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecs-doctor;list'= {
            cand --format 'format'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;explain'= {
            cand --format 'text, or json: the same content as one document, for tools'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;report'= {
            cand --format 'format'
            cand -o 'Also write the rendered report to FILE'
            cand --output 'Also write the rendered report to FILE'
            cand --color 'color'
            cand --lang 'lang'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: every finding with all its evidence, and passing checks'' details'
            cand --verbose 'More output: every finding with all its evidence, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecs-doctor;fleet'= {
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand summarize 'Summarise many reports or summary lines: the most common problems by check and by subject, and the worst hosts. Unreadable or truncated files are reported and skipped'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;fleet;summarize'= {
            cand --format 'format'
            cand -o 'Also write the summary to FILE'
            cand --output 'Also write the summary to FILE'
            cand --top 'How many problems and subjects to list (most hosts first)'
            cand --worst 'How many of the worst hosts to list (lowest score first)'
            cand --lang 'lang'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;fleet;help'= {
            cand summarize 'Summarise many reports or summary lines: the most common problems by check and by subject, and the worst hosts. Unreadable or truncated files are reported and skipped'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;fleet;help;summarize'= {
        }
        &'ecs-doctor;fleet;help;help'= {
        }
        &'ecs-doctor;history'= {
            cand --dir 'The report directory (default: ECS_DOCTOR_REPORT_DIR, else report_dir in the config, else the standard place)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'lang'
            cand --format 'format'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;diff'= {
            cand --dir 'The report directory (default: ECS_DOCTOR_REPORT_DIR, else report_dir in the config, else the standard place)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'lang'
            cand --format 'format'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;ticket'= {
            cand --from 'Build the ticket from this report instead of the latest saved one'
            cand --backend 'Where to file it: write files (default), Alibaba Cloud''s ticket API, or a webhook'
            cand --out 'Directory for the file backend''s ticket and bundle'
            cand --title 'The ticket''s title (default: from the worst finding)'
            cand --since 'When the problem started: 2026-11-20T09:30:00+08:00, "2026-11-20 09:30", "09:30", "3h ago"'
            cand --impact 'How it affects the service'
            cand --tried 'What was already tried (repeatable)'
            cand --description 'Anything else support should know'
            cand --email 'Contact e-mail'
            cand --category-id 'Workorder CategoryId (aliyun backend)'
            cand --endpoint 'API or webhook URL (regional endpoints, tests)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -y 'Send without asking for confirmation'
            cand --yes 'Send without asking for confirmation'
            cand --dry-run 'Print exactly what would be sent; send, write and save nothing'
            cand --mask-ips 'Replace IP addresses with stable pseudonyms'
            cand --mask-hostnames 'Replace host names with stable pseudonyms'
            cand --flush 'Send the tickets saved while the network was down'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand status 'Status and last update of a filed ticket (the latest one without ID)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;ticket;status'= {
            cand --backend 'Ask this backend (an id not in the local ledger is an Alibaba Cloud ticket id)'
            cand --endpoint 'The API URL (regional endpoints, tests)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecs-doctor;ticket;help'= {
            cand status 'Status and last update of a filed ticket (the latest one without ID)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;ticket;help;status'= {
        }
        &'ecs-doctor;ticket;help;help'= {
        }
        &'ecs-doctor;trace'= {
            cand --duration 'How long to trace, in seconds'
            cand --rounds 'Trace this many rounds instead of for a duration'
            cand --interval 'Length of a round in seconds (at least 1: routers rate-limit their replies to about one a second, so shorter rounds show loss that is not there)'
            cand --max-ttl 'The farthest hop to try'
            cand --format 'text: a per-hop table (redrawn each round on a terminal); json: hops with per-round samples; html: a self-contained page with a latency heatmap'
            cand -o 'Also write the output to FILE'
            cand --output 'Also write the output to FILE'
            cand --lang 'lang'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand -n 'Do not look up reverse DNS names of the hops'
            cand --no-dns 'Do not look up reverse DNS names of the hops'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;why'= {
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand ssh 'I cannot connect over SSH: security group, NIC and route, host firewall, sshd'
            cand port 'A service port cannot be reached from outside: NIC and route, host firewall, listener'
            cand dns 'Names do not resolve: NIC and route, resolver configuration, nameservers'
            cand network 'The server has no network: NIC, address, routes, DNS, metadata, endpoints'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;why;ssh'= {
            cand --user 'The user who cannot log in (asked on a terminal when left out)'
            cand --from 'The address you connect from (default: anywhere), for the security group''s rules'
            cand --only 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable'
            cand --skip 'Skip these checks: an id, id prefix or benchmark reference. Repeatable'
            cand --format 'What goes to stdout (json is exactly report v1)'
            cand -o 'Also write the rendered report to FILE'
            cand --output 'Also write the rendered report to FILE'
            cand --deadline 'The whole run ends within this time; unfinished checks become `error` with "timed out"'
            cand --output-dir 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)'
            cand --upload-url 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list'
            cand --target 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable'
            cand --port 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config'
            cand --metadata-url 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL'
            cand --ecs-endpoint 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT'
            cand --color 'Colour in the terminal output (honours NO_COLOR)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand --offline 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config'
            cand --no-save 'Do not save the JSON report'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: every finding with all its evidence, and passing checks'' details'
            cand --verbose 'More output: every finding with all its evidence, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecs-doctor;why;port'= {
            cand --from 'The address clients connect from (default: anywhere), for the security group''s rules'
            cand --only 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable'
            cand --skip 'Skip these checks: an id, id prefix or benchmark reference. Repeatable'
            cand --format 'What goes to stdout (json is exactly report v1)'
            cand -o 'Also write the rendered report to FILE'
            cand --output 'Also write the rendered report to FILE'
            cand --deadline 'The whole run ends within this time; unfinished checks become `error` with "timed out"'
            cand --output-dir 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)'
            cand --upload-url 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list'
            cand --target 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable'
            cand --port 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config'
            cand --metadata-url 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL'
            cand --ecs-endpoint 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT'
            cand --color 'Colour in the terminal output (honours NO_COLOR)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand --offline 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config'
            cand --no-save 'Do not save the JSON report'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: every finding with all its evidence, and passing checks'' details'
            cand --verbose 'More output: every finding with all its evidence, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecs-doctor;why;dns'= {
            cand --only 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable'
            cand --skip 'Skip these checks: an id, id prefix or benchmark reference. Repeatable'
            cand --format 'What goes to stdout (json is exactly report v1)'
            cand -o 'Also write the rendered report to FILE'
            cand --output 'Also write the rendered report to FILE'
            cand --deadline 'The whole run ends within this time; unfinished checks become `error` with "timed out"'
            cand --output-dir 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)'
            cand --upload-url 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list'
            cand --target 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable'
            cand --port 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config'
            cand --metadata-url 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL'
            cand --ecs-endpoint 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT'
            cand --color 'Colour in the terminal output (honours NO_COLOR)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand --offline 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config'
            cand --no-save 'Do not save the JSON report'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: every finding with all its evidence, and passing checks'' details'
            cand --verbose 'More output: every finding with all its evidence, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecs-doctor;why;network'= {
            cand --only 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable'
            cand --skip 'Skip these checks: an id, id prefix or benchmark reference. Repeatable'
            cand --format 'What goes to stdout (json is exactly report v1)'
            cand -o 'Also write the rendered report to FILE'
            cand --output 'Also write the rendered report to FILE'
            cand --deadline 'The whole run ends within this time; unfinished checks become `error` with "timed out"'
            cand --output-dir 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)'
            cand --upload-url 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list'
            cand --target 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable'
            cand --port 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config'
            cand --metadata-url 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL'
            cand --ecs-endpoint 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT'
            cand --color 'Colour in the terminal output (honours NO_COLOR)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand --offline 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config'
            cand --no-save 'Do not save the JSON report'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: every finding with all its evidence, and passing checks'' details'
            cand --verbose 'More output: every finding with all its evidence, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecs-doctor;why;help'= {
            cand ssh 'I cannot connect over SSH: security group, NIC and route, host firewall, sshd'
            cand port 'A service port cannot be reached from outside: NIC and route, host firewall, listener'
            cand dns 'Names do not resolve: NIC and route, resolver configuration, nameservers'
            cand network 'The server has no network: NIC, address, routes, DNS, metadata, endpoints'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;why;help;ssh'= {
        }
        &'ecs-doctor;why;help;port'= {
        }
        &'ecs-doctor;why;help;dns'= {
        }
        &'ecs-doctor;why;help;network'= {
        }
        &'ecs-doctor;why;help;help'= {
        }
        &'ecs-doctor;fix'= {
            cand --from 'Plan from this saved report instead of a fresh diagnosis (the changes are still worked out from the files as they are now)'
            cand --apply 'Apply the plan''s repairs: those named (ids from the plan), else the first repair of each finding. Each is backed up, validated and re-checked, and rolled back if it does not hold'
            cand --undo 'Undo a repair (a record id from --list; default: the latest applied one): every file it touched restored byte for byte, with its mode, owner and attributes'
            cand --client 'The address you connect from: the security group is judged for it, and its repair admits this address only (SSH is never opened to everyone on a guess)'
            cand --only 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable'
            cand --skip 'Skip these checks: an id, id prefix or benchmark reference. Repeatable'
            cand --format 'What goes to stdout (json is exactly report v1)'
            cand -o 'Also write the rendered report to FILE'
            cand --output 'Also write the rendered report to FILE'
            cand --deadline 'The whole run ends within this time; unfinished checks become `error` with "timed out"'
            cand --output-dir 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)'
            cand --upload-url 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list'
            cand --target 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable'
            cand --port 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config'
            cand --metadata-url 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL'
            cand --ecs-endpoint 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT'
            cand --color 'Colour in the terminal output (honours NO_COLOR)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -y 'Apply without asking (needed when not on a terminal)'
            cand --yes 'Apply without asking (needed when not on a terminal)'
            cand --list 'List the repairs made on this system, when, and their state'
            cand --offline 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config'
            cand --no-save 'Do not save the JSON report'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: every finding with all its evidence, and passing checks'' details'
            cand --verbose 'More output: every finding with all its evidence, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecs-doctor;completions'= {
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;config'= {
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand example 'Print a commented example that sets every key (for /etc/ecs-doctor/config.toml)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;config;example'= {
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML); also ECS_DOCTOR_CONFIG'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;config;help'= {
            cand example 'Print a commented example that sets every key (for /etc/ecs-doctor/config.toml)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;config;help;example'= {
        }
        &'ecs-doctor;config;help;help'= {
        }
        &'ecs-doctor;help'= {
            cand run 'Run the selected checks, print the report, save the JSON report and print where it was saved'
            cand list 'List the checks: id, category, title, where defined'
            cand explain 'What a check looks at, why it matters, how to fix what it finds'
            cand report 'Render a saved report again'
            cand fleet 'Work with the reports of many servers'
            cand history 'List the saved reports: time, status, score and counts of each run'
            cand diff 'What changed between two saved reports (default: the latest run against the last run whose status was ok): checks whose status changed, new and resolved findings, metrics'
            cand ticket 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it'
            cand trace 'Per-hop path, loss and latency over time (MTR-like), with a latency heatmap in HTML'
            cand why 'One complaint walked in order, the cause first: `why ssh`, `why port PORT`, `why dns`, `why network`. Same output options as `run`; the JSON is report v1 with `diagnosis`'
            cand fix 'The repair plan for the current findings (changes nothing): each file''s diff, each command, and what is not repaired and why. `--apply [ID...]` repairs (with --yes or a terminal''s confirmation), each backed up and verified; `--undo [ID]`; `--list`'
            cand completions 'Print a shell completion script'
            cand config 'Settings file helpers: `ecs-doctor config example` prints a commented example'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;help;run'= {
        }
        &'ecs-doctor;help;list'= {
        }
        &'ecs-doctor;help;explain'= {
        }
        &'ecs-doctor;help;report'= {
        }
        &'ecs-doctor;help;fleet'= {
            cand summarize 'Summarise many reports or summary lines: the most common problems by check and by subject, and the worst hosts. Unreadable or truncated files are reported and skipped'
        }
        &'ecs-doctor;help;fleet;summarize'= {
        }
        &'ecs-doctor;help;history'= {
        }
        &'ecs-doctor;help;diff'= {
        }
        &'ecs-doctor;help;ticket'= {
            cand status 'Status and last update of a filed ticket (the latest one without ID)'
        }
        &'ecs-doctor;help;ticket;status'= {
        }
        &'ecs-doctor;help;trace'= {
        }
        &'ecs-doctor;help;why'= {
            cand ssh 'I cannot connect over SSH: security group, NIC and route, host firewall, sshd'
            cand port 'A service port cannot be reached from outside: NIC and route, host firewall, listener'
            cand dns 'Names do not resolve: NIC and route, resolver configuration, nameservers'
            cand network 'The server has no network: NIC, address, routes, DNS, metadata, endpoints'
        }
        &'ecs-doctor;help;why;ssh'= {
        }
        &'ecs-doctor;help;why;port'= {
        }
        &'ecs-doctor;help;why;dns'= {
        }
        &'ecs-doctor;help;why;network'= {
        }
        &'ecs-doctor;help;fix'= {
        }
        &'ecs-doctor;help;completions'= {
        }
        &'ecs-doctor;help;config'= {
            cand example 'Print a commented example that sets every key (for /etc/ecs-doctor/config.toml)'
        }
        &'ecs-doctor;help;config;example'= {
        }
        &'ecs-doctor;help;help'= {
        }
    ]
    $completions[$command]
}
