# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ecs_doctor_global_optspecs
    string join \n only= skip= format= o/output= deadline= no-save q/quiet v/verbose color= checks-dir= root= config= lang= h/help V/version
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
nagios\t'One Nagios plugin status line with perf data'"
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l deadline -d 'The whole run ends within this time; unfinished checks become `error` with "timed out"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l color -d 'Colour in the terminal output (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l config -d 'Settings file (TOML)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l no-save -d 'Do not save the JSON report'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s v -l verbose -d 'More output: evidence for every finding, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -s V -l version -d 'Print version'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "run" -d 'Run the selected checks, print the report, save the JSON report and print where it was saved'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "list" -d 'List the checks: id, category, title, where defined'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "explain" -d 'What a check looks at, why it matters, how to fix what it finds'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "report" -d 'Render a saved report again'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "ticket" -d 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l only -d 'Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a benchmark the checks reference (cis, mlps3, lynis). Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l skip -d 'Skip these checks: an id, id prefix or benchmark reference. Repeatable' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l format -d 'What goes to stdout (json is exactly report v1)' -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l deadline -d 'The whole run ends within this time; unfinished checks become `error` with "timed out"' -r
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l color -d 'Colour in the terminal output (honours NO_COLOR)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l config -d 'Settings file (TOML)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l no-save -d 'Do not save the JSON report'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -s q -l quiet -d 'Less output: only checks that are not ok'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -s v -l verbose -d 'More output: evidence for every finding, and passing checks\' details'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l format -r -f -a "text\t''
json\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l config -d 'Settings file (TOML)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand list" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -l config -d 'Settings file (TOML)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand explain" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l format -r -f -a "text\t'Grouped terminal report'
json\t'Exactly report v1'
markdown\t'For pasting into a ticket'
prometheus\t'node_exporter textfile-collector gauges'
nagios\t'One Nagios plugin status line with perf data'"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -s o -l output -d 'Also write the rendered report to FILE' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l color -r -f -a "auto\t''
always\t''
never\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l lang -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -l config -d 'Settings file (TOML)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
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
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and not __fish_seen_subcommand_from status help" -l config -d 'Settings file (TOML)' -r -F
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
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -l config -d 'Settings file (TOML)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from help" -f -a "status" -d 'Status and last update of a filed ticket (the latest one without ID)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand ticket; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l config -d 'Settings file (TOML)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report ticket completions help" -f -a "run" -d 'Run the selected checks, print the report, save the JSON report and print where it was saved'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report ticket completions help" -f -a "list" -d 'List the checks: id, category, title, where defined'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report ticket completions help" -f -a "explain" -d 'What a check looks at, why it matters, how to fix what it finds'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report ticket completions help" -f -a "report" -d 'Render a saved report again'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report ticket completions help" -f -a "ticket" -d 'Build a support ticket from the latest (or --from) report, ask only for what is missing, and file it'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report ticket completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report ticket completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and __fish_seen_subcommand_from ticket" -f -a "status" -d 'Status and last update of a filed ticket (the latest one without ID)'
