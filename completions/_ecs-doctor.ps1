
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ecs-doctor' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ecs-doctor'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ecs-doctor' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks: an id, id prefix or benchmark reference. Repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What goes to stdout (json is exactly report v1)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'The whole run ends within this time; unfinished checks become `error` with "timed out"')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)')
            [CompletionResult]::new('--upload-url', '--upload-url', [CompletionResultType]::ParameterName, 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config')
            [CompletionResult]::new('--metadata-url', '--metadata-url', [CompletionResultType]::ParameterName, 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL')
            [CompletionResult]::new('--ecs-endpoint', '--ecs-endpoint', [CompletionResultType]::ParameterName, 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the terminal output (honours NO_COLOR)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the JSON report')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the selected checks, print the report, save the JSON report and print where it was saved')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the checks: id, category, title, where defined')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What a check looks at, why it matters, how to fix what it finds')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render a saved report again')
            [CompletionResult]::new('fleet', 'fleet', [CompletionResultType]::ParameterValue, 'Work with the reports of many servers')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the saved reports: time, status, score and counts of each run')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two saved reports (default: the latest run against the last run whose status was ok): checks whose status changed, new and resolved findings, metrics')
            [CompletionResult]::new('ticket', 'ticket', [CompletionResultType]::ParameterValue, 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Per-hop path, loss and latency over time (MTR-like), with a latency heatmap in HTML')
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'One complaint walked in order, the cause first: `why ssh`, `why port PORT`, `why dns`, `why network`. Same output options as `run`; the JSON is report v1 with `diagnosis`')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'The repair plan for the current findings (changes nothing): each file''s diff, each command, and what is not repaired and why. `--apply [ID...]` repairs (with --yes or a terminal''s confirmation), each backed up and verified; `--undo [ID]`; `--list`')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Settings file helpers: `ecs-doctor config example` prints a commented example')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;run' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks: an id, id prefix or benchmark reference. Repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What goes to stdout (json is exactly report v1)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'The whole run ends within this time; unfinished checks become `error` with "timed out"')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)')
            [CompletionResult]::new('--upload-url', '--upload-url', [CompletionResultType]::ParameterName, 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config')
            [CompletionResult]::new('--metadata-url', '--metadata-url', [CompletionResultType]::ParameterName, 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL')
            [CompletionResult]::new('--ecs-endpoint', '--ecs-endpoint', [CompletionResultType]::ParameterName, 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the terminal output (honours NO_COLOR)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the JSON report')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecs-doctor;list' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;explain' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text, or json: the same content as one document, for tools')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;report' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'color')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'lang')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecs-doctor;fleet' {
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('summarize', 'summarize', [CompletionResultType]::ParameterValue, 'Summarise many reports or summary lines: the most common problems by check and by subject, and the worst hosts. Unreadable or truncated files are reported and skipped')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;fleet;summarize' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the summary to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the summary to FILE')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'How many problems and subjects to list (most hosts first)')
            [CompletionResult]::new('--worst', '--worst', [CompletionResultType]::ParameterName, 'How many of the worst hosts to list (lowest score first)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'lang')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;fleet;help' {
            [CompletionResult]::new('summarize', 'summarize', [CompletionResultType]::ParameterValue, 'Summarise many reports or summary lines: the most common problems by check and by subject, and the worst hosts. Unreadable or truncated files are reported and skipped')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;fleet;help;summarize' {
            break
        }
        'ecs-doctor;fleet;help;help' {
            break
        }
        'ecs-doctor;history' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The report directory (default: ECS_DOCTOR_REPORT_DIR, else report_dir in the config, else the standard place)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'lang')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;diff' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The report directory (default: ECS_DOCTOR_REPORT_DIR, else report_dir in the config, else the standard place)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'lang')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;ticket' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Build the ticket from this report instead of the latest saved one')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where to file it: write files (default), Alibaba Cloud''s ticket API, or a webhook')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory for the file backend''s ticket and bundle')
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'The ticket''s title (default: from the worst finding)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'When the problem started: 2026-11-20T09:30:00+08:00, "2026-11-20 09:30", "09:30", "3h ago"')
            [CompletionResult]::new('--impact', '--impact', [CompletionResultType]::ParameterName, 'How it affects the service')
            [CompletionResult]::new('--tried', '--tried', [CompletionResultType]::ParameterName, 'What was already tried (repeatable)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Anything else support should know')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Contact e-mail')
            [CompletionResult]::new('--category-id', '--category-id', [CompletionResultType]::ParameterName, 'Workorder CategoryId (aliyun backend)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'API or webhook URL (regional endpoints, tests)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Send without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Send without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print exactly what would be sent; send, write and save nothing')
            [CompletionResult]::new('--mask-ips', '--mask-ips', [CompletionResultType]::ParameterName, 'Replace IP addresses with stable pseudonyms')
            [CompletionResult]::new('--mask-hostnames', '--mask-hostnames', [CompletionResultType]::ParameterName, 'Replace host names with stable pseudonyms')
            [CompletionResult]::new('--flush', '--flush', [CompletionResultType]::ParameterName, 'Send the tickets saved while the network was down')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Status and last update of a filed ticket (the latest one without ID)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;ticket;status' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Ask this backend (an id not in the local ledger is an Alibaba Cloud ticket id)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'The API URL (regional endpoints, tests)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecs-doctor;ticket;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Status and last update of a filed ticket (the latest one without ID)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;ticket;help;status' {
            break
        }
        'ecs-doctor;ticket;help;help' {
            break
        }
        'ecs-doctor;trace' {
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long to trace, in seconds')
            [CompletionResult]::new('--rounds', '--rounds', [CompletionResultType]::ParameterName, 'Trace this many rounds instead of for a duration')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Length of a round in seconds (at least 1: routers rate-limit their replies to about one a second, so shorter rounds show loss that is not there)')
            [CompletionResult]::new('--max-ttl', '--max-ttl', [CompletionResultType]::ParameterName, 'The farthest hop to try')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text: a per-hop table (redrawn each round on a terminal); json: hops with per-round samples; html: a self-contained page with a latency heatmap')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the output to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the output to FILE')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'lang')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Do not look up reverse DNS names of the hops')
            [CompletionResult]::new('--no-dns', '--no-dns', [CompletionResultType]::ParameterName, 'Do not look up reverse DNS names of the hops')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;why' {
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('ssh', 'ssh', [CompletionResultType]::ParameterValue, 'I cannot connect over SSH: security group, NIC and route, host firewall, sshd')
            [CompletionResult]::new('port', 'port', [CompletionResultType]::ParameterValue, 'A service port cannot be reached from outside: NIC and route, host firewall, listener')
            [CompletionResult]::new('dns', 'dns', [CompletionResultType]::ParameterValue, 'Names do not resolve: NIC and route, resolver configuration, nameservers')
            [CompletionResult]::new('network', 'network', [CompletionResultType]::ParameterValue, 'The server has no network: NIC, address, routes, DNS, metadata, endpoints')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;why;ssh' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The user who cannot log in (asked on a terminal when left out)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The address you connect from (default: anywhere), for the security group''s rules')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks: an id, id prefix or benchmark reference. Repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What goes to stdout (json is exactly report v1)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'The whole run ends within this time; unfinished checks become `error` with "timed out"')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)')
            [CompletionResult]::new('--upload-url', '--upload-url', [CompletionResultType]::ParameterName, 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config')
            [CompletionResult]::new('--metadata-url', '--metadata-url', [CompletionResultType]::ParameterName, 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL')
            [CompletionResult]::new('--ecs-endpoint', '--ecs-endpoint', [CompletionResultType]::ParameterName, 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the terminal output (honours NO_COLOR)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the JSON report')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecs-doctor;why;port' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The address clients connect from (default: anywhere), for the security group''s rules')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks: an id, id prefix or benchmark reference. Repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What goes to stdout (json is exactly report v1)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'The whole run ends within this time; unfinished checks become `error` with "timed out"')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)')
            [CompletionResult]::new('--upload-url', '--upload-url', [CompletionResultType]::ParameterName, 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config')
            [CompletionResult]::new('--metadata-url', '--metadata-url', [CompletionResultType]::ParameterName, 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL')
            [CompletionResult]::new('--ecs-endpoint', '--ecs-endpoint', [CompletionResultType]::ParameterName, 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the terminal output (honours NO_COLOR)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the JSON report')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecs-doctor;why;dns' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks: an id, id prefix or benchmark reference. Repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What goes to stdout (json is exactly report v1)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'The whole run ends within this time; unfinished checks become `error` with "timed out"')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)')
            [CompletionResult]::new('--upload-url', '--upload-url', [CompletionResultType]::ParameterName, 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config')
            [CompletionResult]::new('--metadata-url', '--metadata-url', [CompletionResultType]::ParameterName, 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL')
            [CompletionResult]::new('--ecs-endpoint', '--ecs-endpoint', [CompletionResultType]::ParameterName, 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the terminal output (honours NO_COLOR)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the JSON report')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecs-doctor;why;network' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks: an id, id prefix or benchmark reference. Repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What goes to stdout (json is exactly report v1)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'The whole run ends within this time; unfinished checks become `error` with "timed out"')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)')
            [CompletionResult]::new('--upload-url', '--upload-url', [CompletionResultType]::ParameterName, 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config')
            [CompletionResult]::new('--metadata-url', '--metadata-url', [CompletionResultType]::ParameterName, 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL')
            [CompletionResult]::new('--ecs-endpoint', '--ecs-endpoint', [CompletionResultType]::ParameterName, 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the terminal output (honours NO_COLOR)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the JSON report')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecs-doctor;why;help' {
            [CompletionResult]::new('ssh', 'ssh', [CompletionResultType]::ParameterValue, 'I cannot connect over SSH: security group, NIC and route, host firewall, sshd')
            [CompletionResult]::new('port', 'port', [CompletionResultType]::ParameterValue, 'A service port cannot be reached from outside: NIC and route, host firewall, listener')
            [CompletionResult]::new('dns', 'dns', [CompletionResultType]::ParameterValue, 'Names do not resolve: NIC and route, resolver configuration, nameservers')
            [CompletionResult]::new('network', 'network', [CompletionResultType]::ParameterValue, 'The server has no network: NIC, address, routes, DNS, metadata, endpoints')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;why;help;ssh' {
            break
        }
        'ecs-doctor;why;help;port' {
            break
        }
        'ecs-doctor;why;help;dns' {
            break
        }
        'ecs-doctor;why;help;network' {
            break
        }
        'ecs-doctor;why;help;help' {
            break
        }
        'ecs-doctor;fix' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Plan from this saved report instead of a fresh diagnosis (the changes are still worked out from the files as they are now)')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Apply the plan''s repairs: those named (ids from the plan), else the first repair of each finding. Each is backed up, validated and re-checked, and rolled back if it does not hold')
            [CompletionResult]::new('--undo', '--undo', [CompletionResultType]::ParameterName, 'Undo a repair (a record id from --list; default: the latest applied one): every file it touched restored byte for byte, with its mode, owner and attributes')
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'The address you connect from: the security group is judged for it, and its repair admits this address only (SSH is never opened to everyone on a guess)')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks: an id, id prefix or benchmark reference. Repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What goes to stdout (json is exactly report v1)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the rendered report to FILE')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'The whole run ends within this time; unfinished checks become `error` with "timed out"')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600), for a fleet engine to collect (Ansible fetch)')
            [CompletionResult]::new('--upload-url', '--upload-url', [CompletionResultType]::ParameterName, 'Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which keeps the URL out of the process list')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443 when left out) or an http:// or https:// URL (HTTP request). Repeatable')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A TCP port that must be reachable from outside (a web server''s 80/443, an API''s 8080): listening, not only on loopback, admitted by the host firewall and the security group. Repeatable; adds to `ports` under `[access]` in the config')
            [CompletionResult]::new('--metadata-url', '--metadata-url', [CompletionResultType]::ParameterName, 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud''s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud. Also ECS_DOCTOR_METADATA_URL')
            [CompletionResult]::new('--ecs-endpoint', '--ecs-endpoint', [CompletionResultType]::ParameterName, 'The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance''s region, ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the terminal output (honours NO_COLOR)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking (needed when not on a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking (needed when not on a terminal)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the repairs made on this system, when, and their state')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Ask nothing of the cloud''s API (the security group is not read); also `offline = true` under [net] in the config')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the JSON report')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: every finding with all its evidence, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecs-doctor;completions' {
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;config' {
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('example', 'example', [CompletionResultType]::ParameterValue, 'Print a commented example that sets every key (for /etc/ecs-doctor/config.toml)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;config;example' {
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML); also ECS_DOCTOR_CONFIG')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;config;help' {
            [CompletionResult]::new('example', 'example', [CompletionResultType]::ParameterValue, 'Print a commented example that sets every key (for /etc/ecs-doctor/config.toml)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;config;help;example' {
            break
        }
        'ecs-doctor;config;help;help' {
            break
        }
        'ecs-doctor;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the selected checks, print the report, save the JSON report and print where it was saved')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the checks: id, category, title, where defined')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What a check looks at, why it matters, how to fix what it finds')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render a saved report again')
            [CompletionResult]::new('fleet', 'fleet', [CompletionResultType]::ParameterValue, 'Work with the reports of many servers')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the saved reports: time, status, score and counts of each run')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two saved reports (default: the latest run against the last run whose status was ok): checks whose status changed, new and resolved findings, metrics')
            [CompletionResult]::new('ticket', 'ticket', [CompletionResultType]::ParameterValue, 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Per-hop path, loss and latency over time (MTR-like), with a latency heatmap in HTML')
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'One complaint walked in order, the cause first: `why ssh`, `why port PORT`, `why dns`, `why network`. Same output options as `run`; the JSON is report v1 with `diagnosis`')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'The repair plan for the current findings (changes nothing): each file''s diff, each command, and what is not repaired and why. `--apply [ID...]` repairs (with --yes or a terminal''s confirmation), each backed up and verified; `--undo [ID]`; `--list`')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Settings file helpers: `ecs-doctor config example` prints a commented example')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecs-doctor;help;run' {
            break
        }
        'ecs-doctor;help;list' {
            break
        }
        'ecs-doctor;help;explain' {
            break
        }
        'ecs-doctor;help;report' {
            break
        }
        'ecs-doctor;help;fleet' {
            [CompletionResult]::new('summarize', 'summarize', [CompletionResultType]::ParameterValue, 'Summarise many reports or summary lines: the most common problems by check and by subject, and the worst hosts. Unreadable or truncated files are reported and skipped')
            break
        }
        'ecs-doctor;help;fleet;summarize' {
            break
        }
        'ecs-doctor;help;history' {
            break
        }
        'ecs-doctor;help;diff' {
            break
        }
        'ecs-doctor;help;ticket' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Status and last update of a filed ticket (the latest one without ID)')
            break
        }
        'ecs-doctor;help;ticket;status' {
            break
        }
        'ecs-doctor;help;trace' {
            break
        }
        'ecs-doctor;help;why' {
            [CompletionResult]::new('ssh', 'ssh', [CompletionResultType]::ParameterValue, 'I cannot connect over SSH: security group, NIC and route, host firewall, sshd')
            [CompletionResult]::new('port', 'port', [CompletionResultType]::ParameterValue, 'A service port cannot be reached from outside: NIC and route, host firewall, listener')
            [CompletionResult]::new('dns', 'dns', [CompletionResultType]::ParameterValue, 'Names do not resolve: NIC and route, resolver configuration, nameservers')
            [CompletionResult]::new('network', 'network', [CompletionResultType]::ParameterValue, 'The server has no network: NIC, address, routes, DNS, metadata, endpoints')
            break
        }
        'ecs-doctor;help;why;ssh' {
            break
        }
        'ecs-doctor;help;why;port' {
            break
        }
        'ecs-doctor;help;why;dns' {
            break
        }
        'ecs-doctor;help;why;network' {
            break
        }
        'ecs-doctor;help;fix' {
            break
        }
        'ecs-doctor;help;completions' {
            break
        }
        'ecs-doctor;help;config' {
            [CompletionResult]::new('example', 'example', [CompletionResultType]::ParameterValue, 'Print a commented example that sets every key (for /etc/ecs-doctor/config.toml)')
            break
        }
        'ecs-doctor;help;config;example' {
            break
        }
        'ecs-doctor;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
