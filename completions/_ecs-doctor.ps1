
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the terminal output (honours NO_COLOR)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the JSON report')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: evidence for every finding, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: evidence for every finding, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the selected checks, print the report, save the JSON report and print where it was saved')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the checks: id, category, title, where defined')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What a check looks at, why it matters, how to fix what it finds')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render a saved report again')
            [CompletionResult]::new('ticket', 'ticket', [CompletionResultType]::ParameterValue, 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the terminal output (honours NO_COLOR)')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the JSON report')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only checks that are not ok')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output: evidence for every finding, and passing checks'' details')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output: evidence for every finding, and passing checks'' details')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecs-doctor;list' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;explain' {
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML)')
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
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
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
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML)')
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
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML)')
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
        'ecs-doctor;completions' {
            [CompletionResult]::new('--checks-dir', '--checks-dir', [CompletionResultType]::ParameterName, 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file (TOML)')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Language of the human output (default from LANG)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecs-doctor;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the selected checks, print the report, save the JSON report and print where it was saved')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the checks: id, category, title, where defined')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What a check looks at, why it matters, how to fix what it finds')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render a saved report again')
            [CompletionResult]::new('ticket', 'ticket', [CompletionResultType]::ParameterValue, 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
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
        'ecs-doctor;help;ticket' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Status and last update of a filed ticket (the latest one without ID)')
            break
        }
        'ecs-doctor;help;ticket;status' {
            break
        }
        'ecs-doctor;help;completions' {
            break
        }
        'ecs-doctor;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
