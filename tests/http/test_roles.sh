#!/usr/bin/env bash
# test_roles.sh - every route x every kind of caller, against the role table
# (src/rules/perm.h) and the desk's rules: a ticket one may not see is 404,
# never 403; engineers write notes but never replies; customers reply on
# their own tickets but change nothing; a missing, revoked or deactivated
# user's token is 401 with WWW-Authenticate; /healthz, /readyz, /metrics
# and signing in (or asking for a link) need no token; people, organisations and groups follow
# ACT_USER_LIST, ACT_CUSTOMER_MANAGE, ACT_ORG_MANAGE and ACT_GROUP_MANAGE,
# SLA policies, calendars and reports ACT_SLA_MANAGE (admins) and ACT_REPORTS (admins, agents);
# a token is not a session (GET and DELETE /api/v1/session: 404); views
# follow ACT_VIEWS and ACT_VIEWS_SHARED (the shared ones here). Prints
# the table it walked.
. "${BASH_SOURCE%/*}/lib.sh"

ROLES=(admin agent eng_in eng_out cust_req cust_other none revoked deactiv)
# route | expected status for each role above, in order.
TABLE="\
GET /healthz                         |200 200 200 200 200 200 200 200 200
GET /readyz                          |200 200 200 200 200 200 200 200 200
GET /metrics                         |200 200 200 200 200 200 200 200 200
GET /api/v1/me                       |200 200 200 200 200 200 401 401 401
GET /api/v1/tickets                  |200 200 200 200 200 200 401 401 401
POST /api/v1/tickets                 |201 201 403 403 201 201 401 401 401
GET /api/v1/tickets/{id}             |200 200 200 404 200 404 401 401 401
PATCH /api/v1/tickets/{id}           |200 200 403 404 403 404 401 401 401
POST /api/v1/tickets/{id}/replies    |201 201 403 404 201 404 401 401 401
POST /api/v1/tickets/{id}/notes      |201 201 201 404 403 404 401 401 401
POST /api/v1/tickets/{id}/merge      |200 200 403 404 403 404 401 401 401
GET /api/v1/tickets/{id}/events      |200 200 200 404 403 404 401 401 401
GET /api/v1/tickets/{id}/sla         |200 200 200 404 403 404 401 401 401
GET /api/v1/tickets/{id}/attachments/{attachment_id} |200 200 200 404 200 404 401 401 401
GET /api/v1/tickets/{id}/presence    |200 200 200 404 403 404 401 401 401
POST /api/v1/tickets/{id}/presence   |204 204 204 404 403 404 401 401 401
GET /api/v1/search                   |200 200 200 200 200 200 401 401 401
GET /api/v1/stream                   |200 200 200 200 403 403 401 401 401
POST /api/v1/session                 |201 201 201 201 201 201 201 201 201
GET /api/v1/session                  |404 404 404 404 404 404 401 401 401
DELETE /api/v1/session               |404 404 404 404 404 404 401 401 401
GET /api/v1/session/link             |200 200 200 200 200 200 200 200 200
POST /api/v1/session/link            |202 202 202 202 202 202 202 202 202
GET /api/v1/users                    |200 200 200 200 403 403 401 401 401
POST /api/v1/users                   |201 201 403 403 403 403 401 401 401
GET /api/v1/users/{id}               |200 200 200 200 200 404 401 401 401
PATCH /api/v1/users/{id}             |200 200 403 403 403 404 401 401 401
GET /api/v1/organisations            |200 200 200 200 403 403 401 401 401
POST /api/v1/organisations           |201 403 403 403 403 403 401 401 401
GET /api/v1/groups                   |200 200 200 200 403 403 401 401 401
POST /api/v1/groups                  |201 403 403 403 403 403 401 401 401
POST /api/v1/groups/{id}/members     |201 403 403 403 403 403 401 401 401
GET /api/v1/views                    |200 200 200 200 403 403 401 401 401
POST /api/v1/views                   |201 201 201 201 403 403 401 401 401
PATCH /api/v1/views/{id}             |200 403 403 403 403 403 401 401 401
DELETE /api/v1/views/{id}            |204 403 403 403 403 403 401 401 401
GET /api/v1/views/{id}/tickets       |200 200 200 200 403 403 401 401 401
GET /api/v1/sla/policies             |200 200 403 403 403 403 401 401 401
POST /api/v1/sla/policies            |201 403 403 403 403 403 401 401 401
PATCH /api/v1/sla/policies/{id}      |200 403 403 403 403 403 401 401 401
DELETE /api/v1/sla/policies/{id}     |200 403 403 403 403 403 401 401 401
GET /api/v1/calendars                |200 200 403 403 403 403 401 401 401
POST /api/v1/calendars               |201 403 403 403 403 403 401 401 401
PATCH /api/v1/calendars/{id}         |200 403 403 403 403 403 401 401 401
GET /api/v1/reports/first-response   |200 200 403 403 403 403 401 401 401"

# Every route of the table in src/http/routes.c has a row here, and no more.
ch_ok serve --routes
routes=$(printf '%s\n' "$OUT" | sed 's/ public$//' | sort)
rows=$(printf '%s\n' "$TABLE" | cut -d'|' -f1 | sed 's/ *$//' | sort)
assert_eq "$routes" "$rows" "the routes of 'champion serve --routes' against this table's rows (add a row per new route)"

# --- the desk ----------------------------------------------------------------------
ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent
ch_ok user add eng@example.com --role engineer
ch_ok user add eng2@example.com --role engineer
ch_ok user add gone@example.com --role agent
ch_ok group add Tier2
ch_ok group add Tier3
ch_ok group member Tier2 eng@example.com
ch_ok group member Tier3 eng2@example.com
ch_ok org add Acme
ch_ok org add Solo
ch_ok user add cust@acme.test --org Acme
ch_ok user add other@solo.test --org Solo
# T: the customer's ticket, in the engineer's group.
printf 'panic at boot\n' >"$TMP/panic.log"
ch_ok ticket create --subject "Kernel panic" --requester cust@acme.test --group Tier2 --body "Panics at boot" \
	--attach "$TMP/panic.log"
T=1
ATT=$(sql 'SELECT max(id) FROM attachments')
printf 'correct horse battery\n' >"$TMP/pw"
"$CHAMPION" --db "$DB" user set agent@example.com --password - <"$TMP/pw" >/dev/null 2>"$TMP/pw.err" ||
	fail "cannot set the agent's password: $(cat "$TMP/pw.err")"
pass
CUST_ID=$(sql "SELECT id FROM users WHERE email_norm = 'cust@acme.test'")
TIER3=$(sql "SELECT id FROM agent_groups WHERE name_norm = 'tier3'")
# Per role, a pair to merge (S into U), both the customer's, in Tier2.
declare -A S U
for role in "${ROLES[@]}"; do
	ch_ok ticket create --subject "Merge source ($role)" --requester cust@acme.test --group Tier2 --body "dup"
	S[$role]=$(sql 'SELECT max(id) FROM tickets')
	ch_ok ticket create --subject "Merge target ($role)" --requester cust@acme.test --group Tier2 --body "orig"
	U[$role]=$(sql 'SELECT max(id) FROM tickets')
done

# Per role, a shared view to remove.
declare -A V
for role in "${ROLES[@]}"; do
	ch_ok view add "Remove me ($role)" --shared
	V[$role]=$(sql 'SELECT max(id) FROM views')
done
MINE_VIEW=$(sql "SELECT id FROM views WHERE builtin = 'mine'")
# Calendar #1 and SLA policy #1 for the routes that name one.
ch_ok calendar add Office --zone UTC --hours "mon-fri 09:00-17:00"
ch_ok sla add Standard --calendar Office --first-reply "all=4h"

declare -A TOK
make_token admin@example.com
TOK[admin]=$TOKEN
make_token agent@example.com
TOK[agent]=$TOKEN
make_token eng@example.com
TOK[eng_in]=$TOKEN
make_token eng2@example.com
TOK[eng_out]=$TOKEN
make_token cust@acme.test
TOK[cust_req]=$TOKEN
make_token other@solo.test
TOK[cust_other]=$TOKEN
TOK[none]=''
make_token agent@example.com
TOK[revoked]=$TOKEN
REVOKED_ID=$TOKEN_ID
make_token gone@example.com
TOK[deactiv]=$TOKEN

# web.url and mail.from: sign-in links are on (no SMTP: they wait in the outbox).
start_server --set web.url=https://help.example --set 'mail.from=help@example.com'

# Revoking and deactivating take effect at once, on a running server.
for role in revoked deactiv; do
	api GET /api/v1/me "${TOK[$role]}"
	expect_status 200 "the $role token before"
done
ch_ok token revoke "$REVOKED_ID"
ch_ok user set gone@example.com --active no
for role in revoked deactiv; do
	api GET /api/v1/me "${TOK[$role]}"
	expect_problem 401 unauthenticated "the $role token after"
done
# Not a token at all, or another scheme.
for h in 'Authorization: Bearer' 'Authorization: Bearer chp_nope' 'Authorization: Basic YTpi' \
	"Authorization: Bearer ${TOK[agent]}x" "Authorization: Bearer  ${TOK[agent]}"; do
	req GET /api/v1/me -H "$h"
	expect_problem 401 unauthenticated "$h"
	assert_match "$(hdr www-authenticate)" '^Bearer realm="champion"' "WWW-Authenticate for '$h'"
done
req GET /api/v1/me -H "authorization: bearer ${TOK[agent]}"
expect_status 200 "the scheme is case-insensitive"

# --- the walk ----------------------------------------------------------------------
declare -A GOT
MISMATCH=()
while IFS='|' read -r route want; do
	route=$(echo "$route" | sed 's/ *$//')
	method=${route%% *}
	pattern=${route#* }
	read -r -a wants <<<"$want"
	for i in "${!ROLES[@]}"; do
		role=${ROLES[$i]}
		path=${pattern//\{id\}/$T}
		path=${path//\{attachment_id\}/$ATT}
		json=''
		case "$route" in
		"POST /api/v1/tickets") json="{\"subject\":\"From $role\",\"body\":\"Hello from $role\"}" ;;
		"PATCH /api/v1/tickets/{id}") json='{"priority":"high","add_tags":["seen"]}' ;;
		"POST /api/v1/session") json='{"email":"agent@example.com","password":"correct horse battery"}' ;;
		"POST /api/v1/session/link") json="{\"email\":\"link-for-$role@acme.test\"}" ;;
		"GET /api/v1/search") path="/api/v1/search?q=hello" ;;
		"GET /api/v1/stream") path="/api/v1/stream?seconds=1" ;;
		"POST /api/v1/tickets/{id}/presence") json='{"state":"viewing"}' ;;
		"POST /api/v1/users") json="{\"email\":\"made-by-$role@acme.test\"}" ;;
		*"/users/{id}")
			path=${pattern//\{id\}/$CUST_ID}
			[ "$method" = PATCH ] && json="{\"name\":\"Customer $role\"}"
			;;
		"POST /api/v1/organisations") json="{\"name\":\"Org by $role\"}" ;;
		"POST /api/v1/groups") json="{\"name\":\"Group by $role\"}" ;;
		*"/members")
			path=${pattern//\{id\}/$TIER3}
			json='{"email":"agent@example.com"}'
			;;
		"POST /api/v1/views") json="{\"name\":\"View by $role\",\"filter\":{\"assignee\":\"me\"}}" ;;
		"PATCH /api/v1/views/{id}")
			path=${pattern//\{id\}/$MINE_VIEW}
			json='{"order":"due"}'
			;;
		"DELETE /api/v1/views/{id}") path=${pattern//\{id\}/${V[$role]}} ;;
		"GET /api/v1/views/{id}/tickets") path=${pattern//\{id\}/$MINE_VIEW} ;;
		"POST /api/v1/sla/policies") json="{\"name\":\"Policy by $role\",\"first_reply\":\"all=1h\"}" ;;
		"PATCH /api/v1/sla/policies/{id}") json='{"warn_percent":60}' ;;
		"POST /api/v1/calendars") json="{\"name\":\"Hours by $role\",\"zone\":\"UTC\",\"hours\":\"mon 09:00-17:00\"}" ;;
		"PATCH /api/v1/calendars/{id}") json='{"hours":"mon-fri 08:00-16:00"}' ;;
		"GET /api/v1/reports/first-response") path="/api/v1/reports/first-response?from=2020-01-01&to=2100-01-01" ;;
		*/replies) json="{\"body\":\"Reply by $role\"}" ;;
		*/notes) json="{\"body\":\"Note by $role\"}" ;;
		*/merge)
			path=${pattern//\{id\}/${S[$role]}}
			json="{\"into\":${U[$role]}}"
			;;
		esac
		if [ -n "$json" ]; then
			api "$method" "$path" "${TOK[$role]}" "$json"
		else
			api "$method" "$path" "${TOK[$role]}"
		fi
		GOT["$route|$role"]=$CODE
		[ "$CODE" = "${wants[$i]}" ] ||
			MISMATCH+=("$role: $method $path${json:+ $json} gave $CODE, expected ${wants[$i]}: $(printf '%s' "$BODY" | head -c 300)")
		# Every refusal is a problem+json with the right code and headers.
		case "$CODE" in
		401)
			expect_problem 401 unauthenticated "$role $route"
			assert_match "$(hdr www-authenticate)" '^Bearer realm="champion"' "WWW-Authenticate ($role $route)"
			[ "$role" = none ] ||
				assert_contains "$(hdr www-authenticate)" 'error="invalid_token"' "WWW-Authenticate ($role $route)"
			;;
		403) expect_problem 403 forbidden "$role $route" ;;
		404)
			expect_problem 404 not_found "$role $route"
			# An invisible ticket reads exactly as one that does not exist.
			case "$route" in
			*tickets/*) assert_match "$(jb 'j["detail"]')" '^no ticket #[0-9]+$' "the 404's detail ($role $route)" ;;
			esac
			;;
		esac
	done
done <<<"$TABLE"

# --- the table ---------------------------------------------------------------------
{
	printf '\n%-38s' "route \\ caller"
	for role in "${ROLES[@]}"; do printf '%-11s' "$role"; done
	printf '\n'
	while IFS='|' read -r route want; do
		route=$(echo "$route" | sed 's/ *$//')
		read -r -a wants <<<"$want"
		printf '%-38s' "$route"
		for i in "${!ROLES[@]}"; do
			got=${GOT["$route|${ROLES[$i]}"]}
			if [ "$got" = "${wants[$i]}" ]; then
				printf '%-11s' "$got"
			else
				printf '%-11s' "$got(!${wants[$i]})"
			fi
		done
		printf '\n'
	done <<<"$TABLE"
	printf '(eng_in: engineer in the ticket'"'"'s group; eng_out: one not in it; cust_req: the requester;\n'
	printf ' cust_other: another customer; revoked: a revoked token; deactiv: a deactivated user'"'"'s token)\n\n'
} >&2
for m in "${MISMATCH[@]}"; do
	fail "$m"
done
pass

# --- what the refusals left: nothing ---------------------------------------------------
id_of()
{
	sql "SELECT id FROM users WHERE email_norm = '$1'"
}
ENG=$(id_of eng@example.com)
ENG2=$(id_of eng2@example.com)
CUST=$(id_of cust@acme.test)
OTHER=$(id_of other@solo.test)
assert_eq 0 "$(sql "SELECT count(*) FROM messages WHERE ticket_id = $T AND author_id IN ($ENG2, $OTHER)")" \
	"messages on T by callers who cannot see it"
assert_eq 0 "$(sql "SELECT count(*) FROM messages WHERE ticket_id = $T AND author_id = $ENG AND kind = 'public'")" \
	"public replies by the engineer"
assert_eq 1 "$(sql "SELECT count(*) FROM messages WHERE ticket_id = $T AND author_id = $ENG AND kind = 'internal'")" \
	"the engineer's note"
assert_eq 0 "$(sql "SELECT count(*) FROM messages WHERE ticket_id = $T AND author_id = $CUST AND kind = 'internal'")" \
	"internal notes by the customer"
assert_eq 0 "$(sql "SELECT count(*) FROM events WHERE entity = 'ticket' AND (kind LIKE 'field.%' OR kind LIKE 'tag.%')
	AND actor_id IN ($ENG, $ENG2, $CUST, $OTHER)")" "field changes by engineers and customers"
for role in eng_in eng_out cust_req cust_other none revoked deactiv; do
	assert_eq "new|" "$(sql "SELECT status || '|' || coalesce(CAST(merged_into_id AS TEXT), '') FROM tickets WHERE id = ${S[$role]}")" \
		"the merge source refused to $role"
done
for role in admin agent; do
	assert_eq "closed|${U[$role]}" "$(sql "SELECT status || '|' || merged_into_id FROM tickets WHERE id = ${S[$role]}")" \
		"the merge source merged by $role"
done
assert_eq 4 "$(sql "SELECT count(*) FROM tickets WHERE subject LIKE 'From %'")" "tickets created in the walk"
assert_eq 0 "$(sql "SELECT count(*) FROM tickets WHERE subject IN ('From eng_in', 'From eng_out', 'From none')")" \
	"tickets from callers who may not create"
assert_eq "$OTHER" "$(sql "SELECT requester_id FROM tickets WHERE subject = 'From cust_other'")" \
	"a customer's ticket is their own"
assert_eq "made-by-admin@acme.test made-by-agent@acme.test" \
	"$(sql "SELECT group_concat(email, ' ') FROM (SELECT email FROM users WHERE email LIKE 'made-by-%' ORDER BY email) AS u")" \
	"users made in the walk"
assert_eq "Org by admin" "$(sql "SELECT group_concat(name, '|') FROM organisations WHERE name LIKE 'Org by %'")" \
	"organisations made in the walk"
assert_eq "Group by admin" "$(sql "SELECT group_concat(name, '|') FROM agent_groups WHERE name LIKE 'Group by %'")" \
	"groups made in the walk"
assert_eq "Customer agent" "$(sql "SELECT name FROM users WHERE id = $CUST_ID")" "the customer's name after the walk"
assert_eq 0 "$(sql "SELECT count(*) FROM events WHERE entity = 'user' AND entity_id = $CUST_ID AND kind LIKE 'field.%'
	AND actor_id NOT IN (SELECT id FROM users WHERE email_norm IN ('admin@example.com', 'agent@example.com'))")" \
	"changes to the customer by anyone but admin and agent"
assert_eq "eng2@example.com agent@example.com" "$(sql "SELECT group_concat(email, ' ') FROM (SELECT u.email FROM group_members m
	JOIN users u ON u.id = m.user_id WHERE m.group_id = $TIER3 ORDER BY u.id DESC) AS x")" "Tier3's members after the walk"

# --- what each one sees in the list ------------------------------------------------
for role in admin agent eng_in cust_req; do
	api GET "/api/v1/tickets?limit=1000" "${TOK[$role]}"
	assert_contains " $(jb '" ".join(str(t["id"]) for t in j["tickets"])') " " $T " "$role's list"
done
for role in eng_out cust_other; do
	api GET "/api/v1/tickets?limit=1000" "${TOK[$role]}"
	assert_not_contains " $(jb '" ".join(str(t["id"]) for t in j["tickets"])') " " $T " "$role's list"
done
api GET "/api/v1/tickets?limit=1000" "${TOK[cust_other]}"
assert_eq "$(sql "SELECT group_concat(id, ' ') FROM (SELECT id FROM tickets WHERE requester_id = $OTHER ORDER BY id DESC) AS x")" \
	"$(jb '" ".join(str(t["id"]) for t in j["tickets"])')" "another customer sees only their own"
# The customer sees no internal notes; staff do.
api GET "/api/v1/tickets/$T" "${TOK[cust_req]}"
assert_eq 0 "$(jb 'len([m for m in j["messages"] if m["kind"] != "public"])')" "internal notes a customer sees"
api GET "/api/v1/tickets/$T" "${TOK[eng_in]}"
assert_true 'len([m for m in j["messages"] if m["kind"] == "internal"]) >= 3' "internal notes the engineer sees"
# The 404 for an invisible ticket is the 404 for a missing one.
api GET "/api/v1/tickets/$T" "${TOK[eng_out]}"
a=$(jb 'j["detail"].replace("#'$T'", "#N") + "|" + j["title"] + "|" + j["code"]')
api GET "/api/v1/tickets/999999" "${TOK[eng_out]}"
b=$(jb 'j["detail"].replace("#999999", "#N") + "|" + j["title"] + "|" + j["code"]')
assert_eq "$b" "$a" "an invisible ticket's 404 against a missing one's"

# --- what a customer may learn about people: nothing --------------------------------
# desk_user_get: "Whether an address is known is itself private"; the same
# goes for user ids. An existing user one may not see reads as a missing one.
# same_answer WHAT METHOD PATH-OF-EXISTING PATH-OF-MISSING [JSON]
same_answer()
{
	local what=$1 method=$2 p1=$3 p2=$4 json=${5:-} a b
	if [ -n "$json" ]; then api "$method" "$p1" "${TOK[cust_other]}" "$json"; else api "$method" "$p1" "${TOK[cust_other]}"; fi
	a="$CODE $(printf '%s' "$BODY" | py -c 'import json,re,sys; j=json.load(sys.stdin); print(re.sub(r"#?[0-9]+|'"'"'[^'"'"']*'"'"'", "X", j.get("detail", "")) if isinstance(j, dict) else "")')"
	if [ -n "$json" ]; then api "$method" "$p2" "${TOK[cust_other]}" "$json"; else api "$method" "$p2" "${TOK[cust_other]}"; fi
	b="$CODE $(printf '%s' "$BODY" | py -c 'import json,re,sys; j=json.load(sys.stdin); print(re.sub(r"#?[0-9]+|'"'"'[^'"'"']*'"'"'", "X", j.get("detail", "")) if isinstance(j, dict) else "")')"
	assert_eq "$b" "$a" "a customer's answer for an existing user one may not see against a missing one ($what)"
}
same_answer "GET a user" GET "/api/v1/users/$CUST_ID" /api/v1/users/999999
same_answer "PATCH a user" PATCH "/api/v1/users/$CUST_ID" /api/v1/users/999999 '{"name":"X"}'
same_answer "tickets by requester" GET "/api/v1/tickets?requester=cust%40acme.test" "/api/v1/tickets?requester=nobody%40acme.test"
same_answer "tickets by assignee" GET "/api/v1/tickets?assignee=agent%40example.com" "/api/v1/tickets?assignee=nobody%40example.com"
same_answer "tickets by group" GET "/api/v1/tickets?group=Tier2" "/api/v1/tickets?group=NoSuchGroup"

# --- a customer marks their own request solved, and changes nothing else --------------
api POST /api/v1/tickets "${TOK[cust_req]}" '{"subject":"Solved by myself","body":"Found it"}'
expect_status 201
MINE=$(jb 'j["id"]')
api PATCH "/api/v1/tickets/$MINE" "${TOK[cust_req]}" '{"status":"open"}'
expect_problem 403 forbidden "a customer setting another status"
api PATCH "/api/v1/tickets/$MINE" "${TOK[cust_req]}" '{"status":"solved","priority":"low"}'
expect_problem 403 forbidden "a customer solving and changing the priority"
api PATCH "/api/v1/tickets/$MINE" "${TOK[cust_other]}" '{"status":"solved"}'
expect_problem 404 not_found "another customer's request"
api PATCH "/api/v1/tickets/$MINE" "${TOK[eng_in]}" '{"status":"solved"}'
[ "$CODE" = 403 ] || [ "$CODE" = 404 ] || fail "an engineer solving: status $CODE"
assert_eq "new" "$(sql "SELECT status FROM tickets WHERE id = $MINE")" "the refusals changed nothing"
api PATCH "/api/v1/tickets/$MINE" "${TOK[cust_req]}" '{"status":"solved"}'
expect_status 200 "the requester marking it solved"
assert_eq "solved" "$(jb 'j["status"]')" "the status answered"
assert_eq "solved" "$(sql "SELECT status FROM tickets WHERE id = $MINE")" "the status stored"

stop_server 0
finish
