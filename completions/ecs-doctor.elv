
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
            cand --color 'Colour in the terminal output (honours NO_COLOR)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML)'
            cand --lang 'Language of the human output (default from LANG)'
            cand --no-save 'Do not save the JSON report'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: evidence for every finding, and passing checks'' details'
            cand --verbose 'More output: evidence for every finding, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand run 'Run the selected checks, print the report, save the JSON report and print where it was saved'
            cand list 'List the checks: id, category, title, where defined'
            cand explain 'What a check looks at, why it matters, how to fix what it finds'
            cand report 'Render a saved report again'
            cand ticket 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecs-doctor;run'= {
            cand --only 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable'
            cand --skip 'Skip these checks: an id, id prefix or benchmark reference. Repeatable'
            cand --format 'What goes to stdout (json is exactly report v1)'
            cand -o 'Also write the rendered report to FILE'
            cand --output 'Also write the rendered report to FILE'
            cand --deadline 'The whole run ends within this time; unfinished checks become `error` with "timed out"'
            cand --color 'Colour in the terminal output (honours NO_COLOR)'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML)'
            cand --lang 'Language of the human output (default from LANG)'
            cand --no-save 'Do not save the JSON report'
            cand -q 'Less output: only checks that are not ok'
            cand --quiet 'Less output: only checks that are not ok'
            cand -v 'More output: evidence for every finding, and passing checks'' details'
            cand --verbose 'More output: evidence for every finding, and passing checks'' details'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecs-doctor;list'= {
            cand --format 'format'
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML)'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;explain'= {
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML)'
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
            cand --config 'Settings file (TOML)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
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
            cand --config 'Settings file (TOML)'
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
            cand --config 'Settings file (TOML)'
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
        &'ecs-doctor;completions'= {
            cand --checks-dir 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d'
            cand --root 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)'
            cand --config 'Settings file (TOML)'
            cand --lang 'Language of the human output (default from LANG)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecs-doctor;help'= {
            cand run 'Run the selected checks, print the report, save the JSON report and print where it was saved'
            cand list 'List the checks: id, category, title, where defined'
            cand explain 'What a check looks at, why it matters, how to fix what it finds'
            cand report 'Render a saved report again'
            cand ticket 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it'
            cand completions 'Print a shell completion script'
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
        &'ecs-doctor;help;ticket'= {
            cand status 'Status and last update of a filed ticket (the latest one without ID)'
        }
        &'ecs-doctor;help;ticket;status'= {
        }
        &'ecs-doctor;help;completions'= {
        }
        &'ecs-doctor;help;help'= {
        }
    ]
    $completions[$command]
}
