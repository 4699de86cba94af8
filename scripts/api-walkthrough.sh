#!/usr/bin/env bash
# The whole loop of 不见面审批 over the public API, with the demo accounts of `wangban serve --demo`
# (every password Wangban@2026), printing what each step answers:
#   1. 张三 applies for 公共租赁住房资格审核: a draft, two materials (an e-license, a commitment),
#      the submission (case number, due date);
#   2. the one-stop window accepts it, the housing department (approver2) approves it;
#   3. 张三 reads the decision and the timeline;
#   4. 秒批: 张三 applies for 无犯罪记录证明, decided by the rules in the submission's own answer;
#   5. the supervisor verifies the audit trail and replays the 秒批 decision.
# Exits non-zero at the first answer that is not what the step expects.
#
#   scripts/api-walkthrough.sh [BASE_URL]     (default http://localhost:8080; needs curl and jq)
set -euo pipefail

BASE="${1:-http://localhost:8080}"
PASSWORD=Wangban@2026
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "api-walkthrough: $tool is needed (apt-get install $tool)" >&2; exit 2; }
done

# api TOKEN METHOD PATH [BODY]: the answer's body; fails on a status other than 2xx.
api() {
  local token=$1 method=$2 path=$3 body=${4:-}
  local args=(-sS -X "$method" "$BASE$path" -H 'Content-Type: application/json' -w '\n%{http_code}')
  [[ -n $token ]] && args+=(-H "Authorization: Bearer $token")
  [[ -n $body ]] && args+=(-d "$body")
  local out status
  out=$(curl "${args[@]}")
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  if [[ $status != 2?? ]]; then
    echo "api-walkthrough: $method $path answered $status: $out" >&2
    exit 1
  fi
  printf '%s\n' "$out"
}
# expect VALUE WANTED WHAT
expect() {
  if [[ $1 != "$2" ]]; then
    echo "api-walkthrough: $3 is '$1', expected '$2'" >&2
    exit 1
  fi
}
login() { api "" POST /api/v1/sessions "{\"account\":\"$1\",\"password\":\"$PASSWORD\"}" | jq -r .token; }
# The open task of case $2 that token $1 sees.
task_of() { api "$1" GET '/api/v1/tasks?state=open' | jq -r --arg id "$2" '[.items[] | select(.case.id == $id) | .id][0]'; }

person=$(login 13800000001)   # 张三
window=$(login window)        # the one-stop window (HK-XZSP)
approver=$(login approver2)   # the housing department (HK-ZJJ)
supervisor=$(login supervisor)

echo "== 1. 张三 applies for 公共租赁住房资格审核"
form='{"applicant_name":"张三","id_number":"460100199001011230","phone":"13800000001","household_size":3,
  "monthly_income":1800,"current_housing_area":9.5,"hukou_type":"本市户籍",
  "address":{"district":"龙华区","street":"金贸街道","detail":"国贸路1号1栋101"}}'
case_id=$(api "$person" POST /api/v1/cases "{\"item_code\":\"000707011000460100HKZJJ\",\"form\":$form}" | jq -r .id)
api "$person" PUT "/api/v1/cases/$case_id/materials/M01" '{"license_id":"EL-46-0001"}' >/dev/null
api "$person" PUT "/api/v1/cases/$case_id/materials/M03" '{"commitment":true}' >/dev/null
submitted=$(api "$person" POST "/api/v1/cases/$case_id/submit" '{"commitment_signed":true}')
jq -c '{number, status, due_date}' <<<"$submitted"
expect "$(jq -r .status <<<"$submitted")" submitted "the submitted case's status"

echo "== 2. the window accepts, the department approves"
task=$(task_of "$window" "$case_id")
api "$window" POST "/api/v1/tasks/$task/complete" '{"outcome":"accept"}' | jq -c '{status}'
task=$(task_of "$approver" "$case_id")
decided=$(api "$approver" POST "/api/v1/tasks/$task/complete" '{"outcome":"approve","opinion":"符合保障条件"}')
jq -c '{status}' <<<"$decided"
expect "$(jq -r .status <<<"$decided")" approved "the reviewed case's status"

echo "== 3. 张三 reads the decision and the timeline"
api "$person" GET "/api/v1/cases/$case_id" | jq -c '{status, decision: .decision.result, opinion: .decision.opinion, timeline: [.timeline[].type]}'

echo "== 4. 秒批: 无犯罪记录证明"
form='{"applicant_name":"张三","id_number":"460100199001011230","phone":"13800000001","purpose":"就业","receiving_unit":"海口示例科技有限公司"}'
auto_id=$(api "$person" POST /api/v1/cases "{\"item_code\":\"002001001000460100HKGAJ\",\"form\":$form}" | jq -r .id)
api "$person" PUT "/api/v1/cases/$auto_id/materials/M01" '{"license_id":"SFZ-460100"}' >/dev/null
auto=$(api "$person" POST "/api/v1/cases/$auto_id/submit" '{"commitment_signed":true}')
jq -c '{number, status, summary: .decision.rules.summary}' <<<"$auto"
expect "$(jq -r .status <<<"$auto")" approved "the 秒批 case's status"

echo "== 5. the supervisor checks"
api "$supervisor" GET /api/v1/audit/verify | jq -c '{ok, records}'
replay=$(api "$supervisor" GET "/api/v1/cases/$auto_id/decision/replay")
jq -c '{ok, replays: [.replays[] | {source, same}]}' <<<"$replay"
expect "$(jq -r .ok <<<"$replay")" true "the replay of the 秒批 decision"
echo "api-walkthrough: done"
