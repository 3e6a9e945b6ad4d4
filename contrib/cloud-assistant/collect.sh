#!/usr/bin/env bash
# Collect the summary lines of a Cloud Assistant invocation of run.sh and summarise the fleet.
#
#   contrib/cloud-assistant/collect.sh REGION INVOKE_ID DIR
#
# Pages through DescribeInvocationResults (aliyun CLI, jq, base64), writes each instance's decoded
# Output to DIR/<instance id>.jsonl, then runs `ecs-doctor fleet summarize DIR` (text on stdout,
# DIR/fleet-summary.html beside it). Instances still running are reported and left out.
set -euo pipefail
region="${1:?region, e.g. cn-hangzhou}"
invoke="${2:?invoke id (t-...) printed by RunCommand}"
dir="${3:?output directory}"
mkdir -p "$dir"
token=""
while :; do
    args=(ecs DescribeInvocationResults --RegionId "$region" --InvokeId "$invoke" --MaxResults 50)
    [[ -n "$token" ]] && args+=(--NextToken "$token")
    page="$(aliyun "${args[@]}")"
    jq -c '.Invocation.InvocationResults.InvocationResult[]' <<<"$page" | while read -r r; do
        id="$(jq -r .InstanceId <<<"$r")"
        status="$(jq -r .InvocationStatus <<<"$r")"
        case "$status" in
            Running | Pending | Scheduled) echo "$id: still $status, skipped" >&2; continue ;;
        esac
        jq -r '.Output // ""' <<<"$r" | base64 -d >"$dir/$id.jsonl" || echo "$id: output not Base64" >&2
        dropped="$(jq -r '.Dropped // 0' <<<"$r")"
        [[ "$dropped" == 0 ]] || echo "$id: Cloud Assistant dropped $dropped bytes of output" >&2
    done
    token="$(jq -r '.NextToken // ""' <<<"$page")"
    [[ -n "$token" ]] || break
done
ecs-doctor fleet summarize --format html --output "$dir/fleet-summary.html" "$dir" >/dev/null
ecs-doctor fleet summarize "$dir"
