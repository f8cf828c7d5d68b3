#!/usr/bin/env bash
# test_sla_notify.sh - SLA warnings and breaches reach the agents by mail
# (Postfix's smtp-sink on 127.0.0.1, started and stopped here by PID):
# a warning to the assignee, or to the group when unassigned; a breach
# escalates as its policy says (raise the priority, give the ticket to the
# group's lead, notify), each step an event. A timer claimed twice (its
# lease ended), a worker that died holding one, and a server killed -9
# while timers are due record once and mail once.
MAIL_TESTS=$(cd "${BASH_SOURCE%/*}" && pwd)
. "$MAIL_TESTS/../http/lib.sh"
. "$MAIL_TESTS/sink.sh"

FROM="Help Desk <help@desk.example>"
MAILSET=(--set "mail.from=$FROM")
# at WHEN ARGS...: champion at that instant, with mail.from set.
at()
{
	local when=$1
	shift
	CHAMPION_NOW=$when ch "${MAILSET[@]}" "$@"
}
events()
{ # TICKET KIND: how many events of that kind the ticket has
	sql "SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = $1 AND kind = '$2'"
}
# payloads WHERE KEY [ABOUT]: KEY of the payload of each notify job matching
# WHERE (and about ABOUT), a line each, lists as compact JSON: the same on
# both backends, whatever their JSON functions.
payloads()
{
	sql "SELECT payload FROM jobs WHERE kind = 'notify' AND $1 ORDER BY id" | python3 -c '
import json, sys
for line in sys.stdin:
    if not line.strip():
        continue
    p = json.loads(line)
    if len(sys.argv) > 2 and p.get("about") != sys.argv[2]:
        continue
    v = p.get(sys.argv[1])
    print(json.dumps(v, separators=(",", ":")) if isinstance(v, (list, dict)) else v)
' "$2" ${3:+"$3"}
}
# mails_once: every notify job's Message-ID arrived exactly once.
mails_once()
{
	local id n
	for id in $(payloads true mail_id); do
		n=$(grep -l "Message-Id: <$id>" "$TMP"/sink/* 2>/dev/null | wc -l)
		[ "$n" = 1 ] || fail "notification <$id> arrived $n times"
	done
	pass
}
# wait_sent N: N notify jobs done within 20 s.
wait_sent()
{
	local got=""
	for _ in $(seq 200); do
		got=$(sql "SELECT count(*) FROM jobs WHERE kind = 'notify' AND state = 'done'")
		[ "$got" = "$1" ] && { pass; return 0; }
		sleep 0.1
	done
	fail "$got notifications sent, expected $1: $(sql "SELECT id, state, last_error FROM jobs WHERE kind = 'notify'")"
}

ch_ok init --admin admin@example.com
for u in lead ana ben; do
	ch_ok user add "$u@example.com" --role agent
done
ch_ok group add Support
ch_ok group member Support ana@example.com
ch_ok group member Support ben@example.com
ch_ok group member Support lead@example.com --lead
T0=2026-11-02T09:00:00Z
# First reply in an hour of calendar time: warned at 09:45, breached at 10:00.
at $T0 sla add Std --first-reply "all=60m" --escalate-to high --on-breach notify,assign-lead
assert_eq 0 "$STATUS" "add a policy with breach actions: $ERR"
at $T0 sla add Quiet --priority low --first-reply "all=60m" --on-warn none --on-breach none
assert_eq 0 "$STATUS" "a policy that only records: $ERR"
at $T0 sla add Wrong --first-reply "all=60m" --on-warn assign-lead
assert_eq 65 "$STATUS" "assign-lead at a warning"
assert_contains "$ERR" "assign-lead is for breaches" "why"
at $T0 sla add Wrong --first-reply "all=60m" --on-breach page
assert_contains "$ERR" "'page' is not an action" "an unknown action"
# Tried first, so low tickets take it.
ch_ok sla move Quiet 1
ch_ok sla list --json
assert_eq "Quiet  | Std notify notify,assign-lead" \
	"$(py -c 'import json,sys; j=json.load(sys.stdin); print(j[0]["name"], j[0]["on_warn"], j[0]["on_breach"] + "|", j[1]["name"], j[1]["on_warn"], j[1]["on_breach"])' <<<"$OUT")" \
	"the actions as listed"

CHAMPION_NOW=$T0 ch ticket create --subject "Unassigned" --requester c1@example.org \
	--body "Help" --group Support
UNASSIGNED=$(sql "SELECT max(id) FROM tickets")
CHAMPION_NOW=$T0 ch ticket create --subject "Ana's" --requester c2@example.org --body "Help" \
	--group Support --assignee ana@example.com
ANAS=$(sql "SELECT max(id) FROM tickets")
CHAMPION_NOW=$T0 ch ticket create --subject "Quiet one" --requester c3@example.org \
	--body "Help" --group Support --priority low
QUIET=$(sql "SELECT max(id) FROM tickets")

# --- warnings: one event and one notification per timer, even claimed twice -------------
at 2026-11-02T09:50:00Z sla run
assert_eq 0 "$STATUS" "sla run: $ERR"
for t in $UNASSIGNED $ANAS $QUIET; do
	assert_eq 1 "$(events "$t" sla.warning)" "ticket $t warned"
done
assert_eq '["lead@example.com","ana@example.com","ben@example.com"]' \
	"$(payloads "ticket_id = $UNASSIGNED" to)" \
	"an unassigned ticket's warning goes to its group"
assert_eq '["ana@example.com"]' \
	"$(payloads "ticket_id = $ANAS" to)" \
	"an assigned ticket's warning goes to its assignee"
assert_eq 0 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'notify' AND ticket_id = $QUIET")" \
	"on-warn none: no notification"
# A lease that ended: the timers are claimed and run again.
sql "UPDATE jobs SET state = 'queued', run_at = 0 WHERE kind = 'sla.timer' AND dedupe_key LIKE '%:warn'" >/dev/null
at 2026-11-02T09:51:00Z sla run
assert_match "$OUT" "^ran [1-9][0-9]* SLA timers$" "the warnings ran again"
for t in $UNASSIGNED $ANAS; do
	assert_eq 1 "$(events "$t" sla.warning)" "ticket $t still warned once"
done
assert_eq 2 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'notify'")" "still two notifications"

# --- a worker died holding the quiet ticket's breach timer: taken over, fired once -------
sql "UPDATE jobs SET state = 'running', attempts = 1, worker = 'gone:1:sla', lease_until = 1
	WHERE kind = 'sla.timer' AND ticket_id = $QUIET AND dedupe_key LIKE '%:breach'" >/dev/null
at 2026-11-02T10:01:00Z sla run
assert_eq 1 "$(events "$QUIET" sla.breach)" "the abandoned timer fired"
assert_eq "done 2" "$(sql "SELECT state, attempts FROM jobs WHERE kind = 'sla.timer' AND ticket_id = $QUIET
	AND dedupe_key LIKE '%:breach'" | tr '|' ' ')" "taken over once"
assert_eq "low" "$(sql "SELECT priority FROM tickets WHERE id = $QUIET")" "no escalation configured: unchanged"
assert_eq 0 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'notify' AND ticket_id = $QUIET")" \
	"on-breach none: no notification"

# --- the server killed -9 while breaches are due, then started again ---------------------
start_sink
SMTP=(--set "smtp.url=smtp://127.0.0.1:$SMTP_PORT" --set mail.outbox_poll_ms=100 --set jobs.lease_ms=1000)
PORT=$(free_port)
CHAMPION_NOW=2026-11-02T10:05:00Z "$CHAMPION" --db "$DB" "${MAILSET[@]}" "${SMTP[@]}" serve \
	--listen "127.0.0.1:$PORT" --threads 2 </dev/null >"$TMP/killed.out" 2>"$TMP/killed.err" &
KILLED=$!
ALL_PIDS+=("$KILLED")
sleep 0.3
kill -9 "$KILLED"
wait "$KILLED" 2>/dev/null
# Later than any lease the killed server held.
CHAMPION_NOW=2026-11-02T10:05:05Z start_server "${MAILSET[@]}" "${SMTP[@]}"
wait_sent 4
for t in $UNASSIGNED $ANAS; do
	assert_eq 1 "$(events "$t" sla.breach)" "ticket $t breached once"
	assert_eq 1 "$(events "$t" sla.warning)" "ticket $t warned once"
	assert_eq "high" "$(sql "SELECT priority FROM tickets WHERE id = $t")" "ticket $t raised"
	assert_eq "lead@example.com" "$(sql "SELECT u.email FROM tickets t JOIN users u ON u.id = t.assignee_id WHERE t.id = $t")" \
		"ticket $t given to the lead"
	assert_eq '|{"reason":"sla.breach"}' \
		"$(sql "SELECT actor_id, data FROM events WHERE entity_id = $t AND kind = 'field.assignee_id'")" \
		"ticket $t's assignment: by the desk, for the breach"
	assert_eq 1 "$(sql "SELECT count(*) FROM events WHERE entity_id = $t AND kind = 'field.priority'
		AND data = '{\"reason\":\"sla.breach\"}'")" "ticket $t's raise is an event"
	assert_eq 2 "$(events "$t" notification.sent)" "ticket $t: two notifications recorded"
done
assert_eq '["lead@example.com"]' \
	"$(payloads "ticket_id = $ANAS" to sla.breach)" "the breach goes to the new assignee, the lead"
assert_eq 4 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'notify'")" "four notifications in all"
mails_once
MAIL=$(cat "$TMP"/sink/*)
assert_contains "$MAIL" "Subject: [#$ANAS] SLA warning: first reply due 2026-11-02T10:00:00.000Z - Ana's" "the warning's subject"
assert_contains "$MAIL" "[#$UNASSIGNED] SLA breach: first reply was due 2026-11-02T10:00:00.000Z" "the breach's subject"
assert_contains "$MAIL" "has used 75% of its first reply target (1h of calendar time, policy Std)" "the warning's text"
assert_contains "$MAIL" "Auto-Submitted: auto-replied" "an automatic message"
assert_contains "$MAIL" "<ben@example.com>" "the group's member as a recipient"
stop_server
assert_eq 1 "$(grep -c 'Message-Id: ' <<<"$(grep -l "\[#$ANAS\] SLA warning" "$TMP"/sink/* | xargs cat)")" \
	"one warning mail for the assigned ticket"

# --- without mail.from: the events, but nothing to send ---------------------------------
CHAMPION_NOW=$T0 ch ticket create --subject "No mail" --requester c4@example.org \
	--body "Help" --group Support
NOMAIL=$(sql "SELECT max(id) FROM tickets")
CHAMPION_NOW=2026-11-02T10:30:00Z ch sla run
assert_eq 1 "$(events "$NOMAIL" sla.breach)" "breached without mail"
assert_eq 0 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'notify' AND ticket_id = $NOMAIL")" \
	"no notification without mail.from"

finish
