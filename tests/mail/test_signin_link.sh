#!/usr/bin/env bash
# test_signin_link.sh - a customer signs in to the portal by a link mailed
# to them (Postfix's smtp-sink on 127.0.0.1, started and stopped here by
# PID). The link is mailed only to an active customer, and the answer is
# the same for any other address; it starts with web.url, never with the
# request's Host; it signs in once and only within its time; the job
# forgets its secret once the mail is sent; asking is throttled per email
# and per client address; without web.url there are no links.
MAIL_TESTS=$(cd "${BASH_SOURCE%/*}" && pwd)
. "$MAIL_TESTS/../http/lib.sh"
. "$MAIL_TESTS/sink.sh"

# link_for EMAIL: LINK is the sign-in link of the newest mail to EMAIL (the text part, decoded).
link_for()
{
	LINK=$(py - "$TMP/sink" "$1" <<'EOF'
import email, email.policy, os, re, sys
box, who = sys.argv[1], sys.argv[2]
best = None
for name in os.listdir(box):
    path = os.path.join(box, name)
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    if who not in str(m["To"]):
        continue
    if best is None or os.path.getmtime(path) > best[0]:
        best = (os.path.getmtime(path), m)
if best:
    text = best[1].get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"\S*#link=\S+", text)
    print(found.group(0) if found else "")
EOF
)
}
# wait_links N: N mail.link jobs done within 20 s.
wait_links()
{
	local got=""
	for _ in $(seq 200); do
		got=$(sql "SELECT count(*) FROM jobs WHERE kind = 'mail.link' AND state = 'done'")
		[ "$got" = "$1" ] && { pass; return 0; }
		sleep 0.1
	done
	fail "$got sign-in link mails sent, expected $1: $(sql "SELECT id, state, last_error FROM jobs")"
}
# link_post JSON: POST /api/v1/session/link as a browser would.
link_post()
{
	api POST /api/v1/session/link "" "$1"
}

ch_ok init --admin admin@example.com
ch_ok user add cust@example.com --role customer --name "Carla Customer"
ch_ok user add gone@example.com --role customer
ch_ok user set gone@example.com --active no
ch_ok user add agent@example.com --role agent
FROM="Help Desk <help@desk.example>"

# --- no web.url: no links, and the page is told so -----------------------------------
start_server --set "mail.from=$FROM"
req GET /api/v1/session/link
expect_status 200 "GET /api/v1/session/link without web.url"
assert_eq "False 15" "$(jb 'j["enabled"]') $(jb 'j["expires_in_minutes"]')" "links are off"
link_post '{"email":"cust@example.com"}'
expect_problem 409
assert_contains "$(jb 'j["detail"]')" "web.url" "why there is no link"
stop_server
ch serve --listen 127.0.0.1:1 --set web.url=ftp://help.example
assert_eq 65 "$STATUS" "a web.url that is not http(s)"
assert_contains "$ERR" "web.url 'ftp://help.example' is not an http:// or https:// address" "why"
ch serve --listen 127.0.0.1:1 --set 'web.url=https://help.example/?x=1'
assert_eq 65 "$STATUS" "a web.url with a query"

# --- links on ---------------------------------------------------------------------
start_sink
start_server --set "mail.from=$FROM" --set "smtp.url=smtp://127.0.0.1:$SMTP_PORT" \
	--set mail.outbox_poll_ms=100 --set web.url=https://help.desk.example/
req GET /api/v1/session/link
expect_status 200
assert_eq "True" "$(jb 'j["enabled"]')" "links are on"

link_post '{"email":"not an address"}'
expect_problem 422
link_post '{"email":"cust@example.com","password":"x"}'
expect_problem 422
link_post '{"email":'
expect_problem 400
link_post '{"email":"cust@example.com"}'
expect_status 202 "a customer asks for a link"
ANSWER=$BODY
assert_contains "$(jb 'j["detail"]')" "If that address belongs to a customer" "the answer"
# Staff, a deactivated customer and a stranger get the same answer and no mail.
for who in agent@example.com gone@example.com nobody@example.com; do
	link_post "{\"email\":\"$who\"}"
	expect_status 202 "a link for $who"
	assert_eq "$ANSWER" "$BODY" "the answer for $who is the customer's"
done
wait_links 1
assert_eq 1 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'mail.link'")" "one link mailed, to the customer"
assert_eq 1 "$(ls "$TMP"/sink | wc -l)" "one mail in the sink"
MAIL=$(cat "$TMP"/sink/*)
assert_contains "$MAIL" "Subject: Your sign-in link" "the subject, without a ticket tag"
assert_not_contains "$MAIL" "[#" "no ticket number"
assert_contains "$MAIL" "To: cust@example.com" "to the customer"
assert_contains "$MAIL" "Auto-Submitted: auto-replied" "an automatic mail says so"
link_for cust@example.com
assert_match "$LINK" '^https://help\.desk\.example/portal#link=chl_[A-Za-z0-9_-]{43}$' "the link, from web.url"
SECRET=${LINK#*#link=}
# Only the hash is kept, and the job forgot the text once the mail was sent.
assert_eq 0 "$(sql "SELECT count(*) FROM signin_links WHERE secret_hash = '$SECRET'")" "no secret stored"
assert_eq 1 "$(sql "SELECT count(*) FROM signin_links WHERE used_at IS NULL")" "one unused link"
assert_eq 0 "$(sql "SELECT count(*) FROM jobs WHERE payload LIKE '%chl_%'")" "the sent job's payload holds no secret"
assert_eq '{"about":"user.signin_link","to":["cust@example.com"],"user_id":2}' \
	"$(sql "SELECT payload FROM jobs WHERE kind = 'mail.link'")" "what the job keeps"
assert_eq 1 "$(sql "SELECT count(*) FROM events WHERE entity = 'user' AND entity_id = 2 AND kind = 'notification.sent'")" \
	"the mail is an event on the customer"

# The link signs in once.
api POST /api/v1/session "" "{\"link\":\"$SECRET\",\"email\":\"cust@example.com\"}"
expect_problem 422
api POST /api/v1/session "" "{\"link\":\"$SECRET\"}"
expect_status 201 "sign in with the link"
assert_eq "cust@example.com customer" "$(jb 'j["user"]["email"] + " " + j["user"]["role"]')" "who signed in"
COOKIE=$(hdr set-cookie)
assert_match "$COOKIE" '^champion_session=chs_[A-Za-z0-9_-]+; Path=/; HttpOnly; SameSite=Lax' "the session cookie"
req GET /api/v1/me -H "Cookie: ${COOKIE%%;*}"
expect_status 200 "the session works"
assert_eq cust@example.com "$(jb 'j["email"]')" "GET /me"
assert_eq '{"by":"link"}' "$(sql "SELECT data FROM events WHERE entity = 'user' AND entity_id = 2 AND kind = 'user.signed_in'")" \
	"the sign-in says how"
api POST /api/v1/session "" "{\"link\":\"$SECRET\"}"
expect_problem 401 unauthenticated
assert_contains "$(jb 'j["detail"]')" "unknown, used or expired: ask for a new one" "a used link"
api POST /api/v1/session "" '{"link":"chl_forged"}'
expect_problem 401 unauthenticated
api POST /api/v1/session "" '{"link":7}'
expect_problem 422

# A second link, kept for later; a third; the fourth within the window is refused.
link_post '{"email":"Cust@Example.com"}'
expect_status 202 "a second link (the email in another case)"
wait_links 2
link_for cust@example.com
LATE=${LINK#*#link=}
[ "$LATE" != "$SECRET" ] || fail "the second link is the first"
link_post '{"email":"cust@example.com"}'
expect_status 202 "a third link"
link_post '{"email":"cust@example.com"}'
expect_problem 429 too_many_attempts
assert_eq 900 "$(hdr retry-after)" "Retry-After"
# Per address: ten asks in the window, whatever the emails (six counted so far).
for i in 1 2 3 4; do
	link_post "{\"email\":\"someone$i@example.com\"}"
	expect_status 202 "ask $((6 + i)) from this address"
done
link_post '{"email":"someone5@example.com"}'
expect_problem 429 too_many_attempts
# The password is another budget: it still works.
echo 'correct horse battery' | "$CHAMPION" --db "$DB" user set agent@example.com --password - >/dev/null 2>&1
api POST /api/v1/session "" '{"email":"agent@example.com","password":"correct horse battery"}'
expect_status 201 "a password sign-in from the same address"
stop_server

# --- a link past its time -----------------------------------------------------------
LATER=$(py -c 'import time; print(int(time.time() * 1000) + 16 * 60 * 1000)')
CHAMPION_NOW=$LATER start_server --set web.url=https://help.desk.example
api POST /api/v1/session "" "{\"link\":\"$LATE\"}"
expect_problem 401 unauthenticated
assert_eq 1 "$(sql "SELECT count(*) FROM signin_links WHERE used_at IS NOT NULL")" \
	"the late link was not used (only the first was)"
stop_server
finish
