# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ecs_doctor_global_optspecs
    string join \n only= skip= format= o/output= deadline= metadata-url= no-save q/quiet v/verbose color= checks-dir= root= config= lang= h/help V/version
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
complete -c ecs-doctor -n "__fish_ecs_doctor_needs_command" -l metadata-url -d 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud\'s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud' -r
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
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand run" -l metadata-url -d 'Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud\'s; on Alibaba Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud' -r
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
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l checks-dir -d 'Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l root -d 'Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l config -d 'Settings file (TOML)' -r -F
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -l lang -d 'Language of the human output (default from LANG)' -r -f -a "en\t''
zh-CN\t''"
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report completions help" -f -a "run" -d 'Run the selected checks, print the report, save the JSON report and print where it was saved'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report completions help" -f -a "list" -d 'List the checks: id, category, title, where defined'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report completions help" -f -a "explain" -d 'What a check looks at, why it matters, how to fix what it finds'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report completions help" -f -a "report" -d 'Render a saved report again'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c ecs-doctor -n "__fish_ecs_doctor_using_subcommand help; and not __fish_seen_subcommand_from run list explain report completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
