# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ecs_doctor_global_optspecs
    string join \n only= skip= format= o/output= deadline= output-dir= upload-url= target= port= metadata-url= ecs-endpoint= offline no-save q/quiet v/verbose color= checks-dir= root= config= lang= h/help V/version
end

function __fish_ecs_doctor_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ecs_doctor_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ecs_doctor_using_subcommand
    set -l cmd (__fish_ecs_doctor_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l only -d 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l skip -d 'Skip these checks: an id, id prefix or benchmark reference. Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l format -d 'What goes to stdout (json is exactly report v1)' -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'
summary-json\t'One line of JSON under 24 KB (status, score, failing checks), for Cloud Assistant and log shippers'
html\t'One self-contained HTML page (inline CSS and SVG charts) to read in a browser or forward'"
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l deadline -d 'The whole run ends within this time; unfinished checks become `error` with "timed out"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l output-dir -d 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l upload-url -d 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l target -d 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l port -d 'A TCP port that must be reachable from outside (a web server\'s 80/443, an API\'s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l metadata-url -d 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud\'s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l ecs-endpoint -d 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance\'s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l color -d 'Colour in the terminal output (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l offline -d 'Ask nothing of the cloud\'s API (the security group is not read); also `offline = true` under [net] in the config'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l no-save -d 'Do not save the JSON report'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s v -l verbose -d 'More output: every finding with all its evidence, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s V -l version -d 'Print version'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "run" -d 'Run the selected checks, print the report, save the JSON report and print where it was saved'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "list" -d 'List the checks: id, category, title, where defined'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "explain" -d 'What a check looks at, why it matters, how to fix what it finds'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "report" -d 'Render a saved report again'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "fleet" -d 'Work with the reports of many servers'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "history" -d 'List the saved reports: time, status, score and counts of each run'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "diff" -d 'What changed between two saved reports (default: the latest run against the last run whose status was ok): checks whose status changed, new and resolved findings, metrics'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "ticket" -d 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "trace" -d 'Per-hop path, loss and latency over time (MTR-like), with a latency heatmap in HTML'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "why" -d 'One complaint walked in order, the cause first: `why ssh`, `why port PORT`, `why dns`, `why network`. Same output options as `run`; the JSON is report v1 with `diagnosis`'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "fix" -d 'The repair plan for the current findings (changes nothing): each file\'s diff, each command, and what is not repaired and why. `--apply [ID...]` repairs (with --yes or a terminal\'s confirmation), each backed up and verified; `--undo [ID]`; `--list`'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "config" -d 'Settings file helpers: `ecs-doctor config example` prints a commented example'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l only -d 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l skip -d 'Skip these checks: an id, id prefix or benchmark reference. Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l format -d 'What goes to stdout (json is exactly report v1)' -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'
summary-json\t'One line of JSON under 24 KB (status, score, failing checks), for Cloud Assistant and log shippers'
html\t'One self-contained HTML page (inline CSS and SVG charts) to read in a browser or forward'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l deadline -d 'The whole run ends within this time; unfinished checks become `error` with "timed out"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l output-dir -d 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l upload-url -d 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l target -d 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l port -d 'A TCP port that must be reachable from outside (a web server\'s 80/443, an API\'s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l metadata-url -d 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud\'s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l ecs-endpoint -d 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance\'s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l color -d 'Colour in the terminal output (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l offline -d 'Ask nothing of the cloud\'s API (the security group is not read); also `offline = true` under [net] in the config'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l no-save -d 'Do not save the JSON report'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -s v -l verbose -d 'More output: every finding with all its evidence, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l format -r -f -a "text\t''
json\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -l format -d 'text, or json: the same content as one document, for tools' -r -f -a "text\t''
json\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l format -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'
summary-json\t'One line of JSON under 24 KB (status, score, failing checks), for Cloud Assistant and log shippers'
html\t'One self-contained HTML page (inline CSS and SVG charts) to read in a browser or forward'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l color -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l lang -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -s v -l verbose -d 'More output: every finding with all its evidence, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and not __fish_seen_subcommand_from summarize help" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and not __fish_seen_subcommand_from summarize help" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and not __fish_seen_subcommand_from summarize help" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and not __fish_seen_subcommand_from summarize help" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and not __fish_seen_subcommand_from summarize help" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and not __fish_seen_subcommand_from summarize help" -f -a "summarize" -d 'Summarise many reports or summary lines: the most common problems by check and by subject, and the worst hosts. Unreadable or truncated files are reported and skipped'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and not __fish_seen_subcommand_from summarize help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from summarize" -l format -r -f -a "text\t''
json\t''
markdown\t''
html\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from summarize" -s o -l output -d 'Also write the summary to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from summarize" -l top -d 'How many problems and subjects to list (most hosts first)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from summarize" -l worst -d 'How many of the worst hosts to list (lowest score first)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from summarize" -l lang -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from summarize" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from summarize" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from summarize" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from summarize" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from help" -f -a "summarize" -d 'Summarise many reports or summary lines: the most common problems by check and by subject, and the worst hosts. Unreadable or truncated files are reported and skipped'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fleet; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand history" -l dir -d 'The report directory (default: ECS_DOCTOR_REPORT_DIR, else report_dir in the config, else the standard place)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand history" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand history" -l lang -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand history" -l format -r -f -a "text\t''
json\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand history" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand history" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand history" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand diff" -l dir -d 'The report directory (default: ECS_DOCTOR_REPORT_DIR, else report_dir in the config, else the standard place)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand diff" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand diff" -l lang -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand diff" -l format -r -f -a "text\t''
json\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand diff" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand diff" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand diff" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l from -d 'Build the ticket from this report instead of the latest saved one' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l backend -d 'Where to file it: write files (default), Alibaba Cloud\'s ticket API, or a webhook' -r -f -a "file\t'Write the ticket and the bundle into a directory (offline)'
aliyun\t'Alibaba Cloud\'s ticket API (Workorder CreateTicket)'
webhook\t'POST to your help desk\'s URL'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l out -d 'Directory for the file backend\'s ticket and bundle' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l title -d 'The ticket\'s title (default: from the worst finding)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l since -d 'When the problem started: 2026-11-20T09:30:00+08:00, "2026-11-20 09:30", "09:30", "3h ago"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l impact -d 'How it affects the service' -r -f -a "down\t'The service is down'
degraded\t'The service works, badly'
intermittent\t'It fails now and then'
none\t'No impact yet'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l tried -d 'What was already tried (repeatable)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l description -d 'Anything else support should know' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l email -d 'Contact e-mail' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l category-id -d 'Workorder CategoryId (aliyun backend)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l endpoint -d 'API or webhook URL (regional endpoints, tests)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -s y -l yes -d 'Send without asking for confirmation'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l dry-run -d 'Print exactly what would be sent; send, write and save nothing'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l mask-ips -d 'Replace IP addresses with stable pseudonyms'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l mask-hostnames -d 'Replace host names with stable pseudonyms'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l flush -d 'Send the tickets saved while the network was down'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -f -a "status" -d 'Status and last update of a filed ticket (the latest one without ID)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -l backend -d 'Ask this backend (an id not in the local ledger is an Alibaba Cloud ticket id)' -r -f -a "file\t'Write the ticket and the bundle into a directory (offline)'
aliyun\t'Alibaba Cloud\'s ticket API (Workorder CreateTicket)'
webhook\t'POST to your help desk\'s URL'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -l endpoint -d 'The API URL (regional endpoints, tests)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from help" -f -a "status" -d 'Status and last update of a filed ticket (the latest one without ID)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -l duration -d 'How long to trace, in seconds' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -l rounds -d 'Trace this many rounds instead of for a duration' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -l interval -d 'Length of a round in seconds (at least 1: routers rate-limit their replies to about one a second, so shorter rounds show loss that is not there)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -l max-ttl -d 'The farthest hop to try' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -l format -d 'text: a per-hop table (redrawn each round on a terminal); json: hops with per-round samples; html: a self-contained page with a latency heatmap' -r -f -a "text\t''
json\t''
html\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -s o -l output -d 'Also write the output to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -l lang -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -s n -l no-dns -d 'Do not look up reverse DNS names of the hops'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand trace" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -f -a "ssh" -d 'I cannot connect over SSH: security group, NIC and route, host firewall, sshd'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -f -a "port" -d 'A service port cannot be reached from outside: NIC and route, host firewall, listener'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -f -a "dns" -d 'Names do not resolve: NIC and route, resolver configuration, nameservers'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -f -a "network" -d 'The server has no network: NIC, address, routes, DNS, metadata, endpoints'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and not __fish_seen_subcommand_from ssh port dns network help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l user -d 'The user who cannot log in (asked on a terminal when left out)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l from -d 'The address you connect from (default: anywhere), for the security group\'s rules' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l only -d 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l skip -d 'Skip these checks: an id, id prefix or benchmark reference. Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l format -d 'What goes to stdout (json is exactly report v1)' -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'
summary-json\t'One line of JSON under 24 KB (status, score, failing checks), for Cloud Assistant and log shippers'
html\t'One self-contained HTML page (inline CSS and SVG charts) to read in a browser or forward'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l deadline -d 'The whole run ends within this time; unfinished checks become `error` with "timed out"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l output-dir -d 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l upload-url -d 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l target -d 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l port -d 'A TCP port that must be reachable from outside (a web server\'s 80/443, an API\'s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l metadata-url -d 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud\'s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l ecs-endpoint -d 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance\'s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l color -d 'Colour in the terminal output (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l offline -d 'Ask nothing of the cloud\'s API (the security group is not read); also `offline = true` under [net] in the config'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -l no-save -d 'Do not save the JSON report'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -s v -l verbose -d 'More output: every finding with all its evidence, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from ssh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l from -d 'The address clients connect from (default: anywhere), for the security group\'s rules' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l only -d 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l skip -d 'Skip these checks: an id, id prefix or benchmark reference. Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l format -d 'What goes to stdout (json is exactly report v1)' -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'
summary-json\t'One line of JSON under 24 KB (status, score, failing checks), for Cloud Assistant and log shippers'
html\t'One self-contained HTML page (inline CSS and SVG charts) to read in a browser or forward'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l deadline -d 'The whole run ends within this time; unfinished checks become `error` with "timed out"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l output-dir -d 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l upload-url -d 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l target -d 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l port -d 'A TCP port that must be reachable from outside (a web server\'s 80/443, an API\'s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l metadata-url -d 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud\'s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l ecs-endpoint -d 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance\'s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l color -d 'Colour in the terminal output (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l offline -d 'Ask nothing of the cloud\'s API (the security group is not read); also `offline = true` under [net] in the config'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -l no-save -d 'Do not save the JSON report'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -s v -l verbose -d 'More output: every finding with all its evidence, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l only -d 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l skip -d 'Skip these checks: an id, id prefix or benchmark reference. Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l format -d 'What goes to stdout (json is exactly report v1)' -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'
summary-json\t'One line of JSON under 24 KB (status, score, failing checks), for Cloud Assistant and log shippers'
html\t'One self-contained HTML page (inline CSS and SVG charts) to read in a browser or forward'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l deadline -d 'The whole run ends within this time; unfinished checks become `error` with "timed out"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l output-dir -d 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l upload-url -d 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l target -d 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l port -d 'A TCP port that must be reachable from outside (a web server\'s 80/443, an API\'s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l metadata-url -d 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud\'s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l ecs-endpoint -d 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance\'s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l color -d 'Colour in the terminal output (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l offline -d 'Ask nothing of the cloud\'s API (the security group is not read); also `offline = true` under [net] in the config'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -l no-save -d 'Do not save the JSON report'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -s v -l verbose -d 'More output: every finding with all its evidence, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from dns" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l only -d 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l skip -d 'Skip these checks: an id, id prefix or benchmark reference. Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l format -d 'What goes to stdout (json is exactly report v1)' -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'
summary-json\t'One line of JSON under 24 KB (status, score, failing checks), for Cloud Assistant and log shippers'
html\t'One self-contained HTML page (inline CSS and SVG charts) to read in a browser or forward'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l deadline -d 'The whole run ends within this time; unfinished checks become `error` with "timed out"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l output-dir -d 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l upload-url -d 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l target -d 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l port -d 'A TCP port that must be reachable from outside (a web server\'s 80/443, an API\'s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l metadata-url -d 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud\'s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l ecs-endpoint -d 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance\'s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l color -d 'Colour in the terminal output (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l offline -d 'Ask nothing of the cloud\'s API (the security group is not read); also `offline = true` under [net] in the config'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -l no-save -d 'Do not save the JSON report'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -s v -l verbose -d 'More output: every finding with all its evidence, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from network" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from help" -f -a "ssh" -d 'I cannot connect over SSH: security group, NIC and route, host firewall, sshd'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from help" -f -a "port" -d 'A service port cannot be reached from outside: NIC and route, host firewall, listener'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from help" -f -a "dns" -d 'Names do not resolve: NIC and route, resolver configuration, nameservers'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from help" -f -a "network" -d 'The server has no network: NIC, address, routes, DNS, metadata, endpoints'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand why; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l from -d 'Plan from this saved report instead of a fresh diagnosis (the changes are still worked out from the files as they are now)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l apply -d 'Apply the plan\'s repairs: those named (ids from the plan), else the first repair of each finding. Each is backed up, validated and re-checked, and rolled back if it does not hold' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l undo -d 'Undo a repair (a record id from --list; default: the latest applied one): every file it touched restored byte for byte, with its mode, owner and attributes' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l client -d 'The address you connect from: the security group is judged for it, and its repair admits this address only (SSH is never opened to everyone on a guess)' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l only -d 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l skip -d 'Skip these checks: an id, id prefix or benchmark reference. Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l format -d 'What goes to stdout (json is exactly report v1)' -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'
summary-json\t'One line of JSON under 24 KB (status, score, failing checks), for Cloud Assistant and log shippers'
html\t'One self-contained HTML page (inline CSS and SVG charts) to read in a browser or forward'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l deadline -d 'The whole run ends within this time; unfinished checks become `error` with "timed out"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l output-dir -d 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l upload-url -d 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l target -d 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l port -d 'A TCP port that must be reachable from outside (a web server\'s 80/443, an API\'s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l metadata-url -d 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud\'s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l ecs-endpoint -d 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance\'s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l color -d 'Colour in the terminal output (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -s y -l yes -d 'Apply without asking (needed when not on a terminal)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l list -d 'List the repairs made on this system, when, and their state'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l offline -d 'Ask nothing of the cloud\'s API (the security group is not read); also `offline = true` under [net] in the config'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -l no-save -d 'Do not save the JSON report'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -s v -l verbose -d 'More output: every finding with all its evidence, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand fix" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and not __fish_seen_subcommand_from example help" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and not __fish_seen_subcommand_from example help" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and not __fish_seen_subcommand_from example help" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and not __fish_seen_subcommand_from example help" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and not __fish_seen_subcommand_from example help" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and not __fish_seen_subcommand_from example help" -f -a "example" -d 'Print a commented example that sets every key (for /etc/ecs-doctor/config.toml)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and not __fish_seen_subcommand_from example help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and __fish_seen_subcommand_from example" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and __fish_seen_subcommand_from example" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and __fish_seen_subcommand_from example" -l config -d 'Settings file (TOML); also ECS_DOCTOR_CONFIG' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and __fish_seen_subcommand_from example" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and __fish_seen_subcommand_from example" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "example" -d 'Print a commented example that sets every key (for /etc/ecs-doctor/config.toml)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "run" -d 'Run the selected checks, print the report, save the JSON report and print where it was saved'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "list" -d 'List the checks: id, category, title, where defined'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "explain" -d 'What a check looks at, why it matters, how to fix what it finds'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "report" -d 'Render a saved report again'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "fleet" -d 'Work with the reports of many servers'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "history" -d 'List the saved reports: time, status, score and counts of each run'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "diff" -d 'What changed between two saved reports (default: the latest run against the last run whose status was ok): checks whose status changed, new and resolved findings, metrics'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "ticket" -d 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "trace" -d 'Per-hop path, loss and latency over time (MTR-like), with a latency heatmap in HTML'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "why" -d 'One complaint walked in order, the cause first: `why ssh`, `why port PORT`, `why dns`, `why network`. Same output options as `run`; the JSON is report v1 with `diagnosis`'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "fix" -d 'The repair plan for the current findings (changes nothing): each file\'s diff, each command, and what is not repaired and why. `--apply [ID...]` repairs (with --yes or a terminal\'s confirmation), each backed up and verified; `--undo [ID]`; `--list`'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "completions" -d 'Print a shell completion script'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "config" -d 'Settings file helpers: `ecs-doctor config example` prints a commented example'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report fleet history diff ticket trace why fix completions config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and __fish_seen_subcommand_from fleet" -f -a "summarize" -d 'Summarise many reports or summary lines: the most common problems by check and by subject, and the worst hosts. Unreadable or truncated files are reported and skipped'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and __fish_seen_subcommand_from ticket" -f -a "status" -d 'Status and last update of a filed ticket (the latest one without ID)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and __fish_seen_subcommand_from why" -f -a "ssh" -d 'I cannot connect over SSH: security group, NIC and route, host firewall, sshd'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and __fish_seen_subcommand_from why" -f -a "port" -d 'A service port cannot be reached from outside: NIC and route, host firewall, listener'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and __fish_seen_subcommand_from why" -f -a "dns" -d 'Names do not resolve: NIC and route, resolver configuration, nameservers'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and __fish_seen_subcommand_from why" -f -a "network" -d 'The server has no network: NIC, address, routes, DNS, metadata, endpoints'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "example" -d 'Print a commented example that sets every key (for /etc/ecs-doctor/config.toml)'
