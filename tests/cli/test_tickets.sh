#!/usr/bin/env bash
# test_tickets.sh - a ticket's whole life through the CLI: create, list and
# its filters and pages, show, replies and notes and what they do to the
# status and the first reply time, set, versions, closing, follow-ups,
# merge, links, the event log, and attachments.
. "${BASH_SOURCE%/*}/lib.sh"

DB=champion.db
AGENT=(--as agent@example.com)

# ms ISO: the instant in milliseconds since the epoch.
ms()
{
	echo $(($(date -u -d "$1" +%s) * 1000))
}
# at ISO CMD...: run a champion command at that instant.
at()
{
	local when=$1
	shift
	CHAMPION_NOW=$when ch "$@"
}
q()
{
	sql "$DB" "$1"
}
# nev TICKET KIND: how many events of that kind the ticket has.
nev()
{
	q "SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = $1 AND kind = '$2'"
}
# ids ARGS...: `ticket list --json ARGS`; sets IDS ("5 4 3") and NEXT (id or None).
ids()
{
	ch ticket list --json "$@"
	assert_status 0
	IDS=$(json '" ".join(str(t["id"]) for t in j["tickets"])')
	NEXT=$(json 'j["next_cursor"]')
}
nfiles()
{
	find "$DB.files" -type f 2>/dev/null | wc -l
}
counts()
{
	q "SELECT (SELECT count(*) FROM tickets) || ' ' || (SELECT count(*) FROM messages) || ' ' ||
	          (SELECT count(*) FROM attachments) || ' ' ||
	          (SELECT count(*) FROM message_attachments) || ' ' || (SELECT count(*) FROM events)"
}
# field TICKET COLUMN: one column of the ticket's row.
field()
{
	q "SELECT $2 FROM tickets WHERE id = $1"
}

# --- setup: staff, groups, an organisation, customers -------------------------------
ch init --admin admin@example.com
assert_status 0
ch user add agent@example.com --role agent --name "Alice Agent"
assert_status 0
out_has "added agent agent@example.com"
ch user add agent2@example.com --role agent
assert_status 0
ch org add Acme --domain acme.test --shares
assert_status 0
out_has "added organisation 'Acme'"
ch user add carol@acme.test --org Acme --name "Carol C"
assert_status 0
out_has "added customer carol@acme.test"
ch user add dave@acme.test --org acme
assert_status 0
ch group add Support
assert_status 0
ch group add Billing
assert_status 0
ch group member Support agent@example.com
assert_status 0
out_has "agent@example.com is in group 'Support'"
ch group member billing agent2@example.com --lead
assert_status 0
out_has "as lead"
assert_eq "5" "$(q "SELECT count(*) FROM users")" "users after setup"
assert_eq "2" "$(q "SELECT count(*) FROM group_members")" "group members"
assert_eq "1|1" "$(q "SELECT count(*), min(is_lead) FROM group_members m JOIN agent_groups g
	ON g.id = m.group_id WHERE g.name = 'Billing'")" "Billing's lead"
ACME=$(q "SELECT id FROM organisations WHERE name = 'Acme'")
assert_eq "$ACME|$ACME" "$(q "SELECT group_concat(organisation_id, '|') FROM users
	WHERE email_norm IN ('carol@acme.test', 'dave@acme.test')")" "customers' organisation"
AGENT_ID=$(q "SELECT id FROM users WHERE email_norm = 'agent@example.com'")
AGENT2_ID=$(q "SELECT id FROM users WHERE email_norm = 'agent2@example.com'")
CAROL_ID=$(q "SELECT id FROM users WHERE email_norm = 'carol@acme.test'")
SUPPORT=$(q "SELECT id FROM agent_groups WHERE name = 'Support'")
BILLING=$(q "SELECT id FROM agent_groups WHERE name = 'Billing'")

# --- create: stdin body, tags, group, assignee, priority, attachment -----------------
printf 'Printer log\nline 2\n' >log.txt
LOG_SHA=$(sha log.txt)
STDIN_BODY=$'The printer is on fire.\nPlease help.\n'
printf '%s' "$STDIN_BODY" >body.txt
CHAMPION_NOW=2026-11-02T10:00:00Z STDIN=body.txt run "$CHAMPION" ticket create \
	--subject "Printer on fire" --requester carol@acme.test --tag Hardware --tag urgent-ish \
	--group Support --assignee agent@example.com --priority high --attach "$TMP/log.txt" --body -
assert_status 0
out_has "created ticket #1"

ch ticket show 1 --json
assert_status 0
assert_eq "1" "$(json 'j["id"]')" "id"
assert_eq "Printer on fire" "$(json 'j["subject"]')" "subject"
assert_eq "new" "$(json 'j["status"]')" "status"
assert_eq "high" "$(json 'j["priority"]')" "priority"
assert_eq "agent@example.com" "$(json 'j["assignee"]')" "assignee"
assert_eq "$AGENT_ID" "$(json 'j["assignee_id"]')" "assignee_id"
assert_eq "Support" "$(json 'j["group"]')" "group"
assert_eq '["hardware", "urgent-ish"]' "$(json 'j["tags"]')" "tags (lower-cased, sorted)"
assert_eq "carol@acme.test|Carol C" "$(json 'j["requester"]["email"] + "|" + j["requester"]["name"]')" "requester"
assert_eq "$ACME" "$(json 'j["organisation_id"]')" "organisation_id (the requester's)"
assert_eq "cli" "$(json 'j["channel"]')" "channel"
assert_eq "2026-11-02T10:00:00.000Z" "$(json 'j["created_at"]')" "created_at (CHAMPION_NOW)"
assert_eq "None" "$(json 'j["first_response_at"]')" "first_response_at of a new ticket"
assert_eq "1" "$(json 'j["version"]')" "version"
assert_eq "1" "$(json 'len(j["messages"])')" "messages"
assert_eq "$STDIN_BODY" "$(json 'j["messages"][0]["body_text"]')
" "the body read from standard input"
assert_eq "public|customer|$CAROL_ID" "$(json '"|".join(str(j["messages"][0][k]) for k in ("kind", "author_role", "author_id"))')" "the opening message"
assert_eq "log.txt|$(stat -c %s log.txt)|$LOG_SHA" "$(json '"|".join(str(j["messages"][0]["attachments"][0][k]) for k in ("filename", "size", "sha256"))')" "the attachment"
cmp -s log.txt "$DB.files/${LOG_SHA:0:2}/$LOG_SHA" || fail "the attachment's file is not under $DB.files"
pass

ch ticket show 1
assert_status 0
out_has "ticket #1: Printer on fire"
out_has "status:     new"
out_has "priority:   high"
out_has "requester:  Carol C <carol@acme.test>"
out_has "assignee:   agent@example.com"
out_has "group:      Support"
out_has "tags:       hardware urgent-ish"
out_has "The printer is on fire."
out_has "[attachment] log.txt"
out_has "created:    2026-11-02 10:00"

assert_eq "1" "$(nev 1 ticket.created)" "ticket.created events"
assert_eq "1" "$(nev 1 message.public)" "message.public events"
assert_eq "2" "$(nev 1 tag.added)" "tag.added events"

# more tickets, a few minutes apart; an unknown requester becomes a customer
at 2026-11-02T10:05:00Z ticket create --subject "Billing question" --requester newbie@example.org \
	--name "New Bie" --group Billing --tag billing --body "Why was I charged twice?"
assert_status 0
out_has "created ticket #2"
assert_eq "customer|New Bie" "$(q "SELECT role, name FROM users WHERE email_norm = 'newbie@example.org'")" \
	"the requester created with the ticket"
at 2026-11-02T10:10:00Z ticket create --subject "Password reset" --requester carol@acme.test --body "Cannot log in"
assert_status 0
out_has "created ticket #3"
at 2026-11-02T10:15:00Z ticket create --subject "Feature request" --requester dave@acme.test \
	--priority low --body "Dark mode, please"
assert_status 0
at 2026-11-02T10:20:00Z ticket create --subject "Slow dashboard" --requester DAVE@acme.test --body "It is slow"
assert_status 0
out_has "created ticket #5"
assert_eq "5|5" "$(q "SELECT count(*), count(DISTINCT id) FROM tickets")" "tickets"
assert_eq "6" "$(q "SELECT count(*) FROM users")" "users (one customer added by a ticket)"

# --- list: every filter, newest first --------------------------------------------------
ch ticket list
assert_status 0
out_has "ID"
out_has "SUBJECT"
out_has "Slow dashboard"
assert_eq "6" "$(printf '%s\n' "$OUT" | wc -l)" "lines of 'ticket list' (header + 5)"
ids
assert_eq "5 4 3 2 1" "$IDS" "list"
assert_eq "None" "$NEXT" "next_cursor of a short page"
ids --status new
assert_eq "5 4 3 2 1" "$IDS" "list --status new"
ids --status open
assert_eq "" "$IDS" "list --status open"
ids --assignee agent@example.com
assert_eq "1" "$IDS" "list --assignee agent@example.com"
ids --assignee AGENT@example.com
assert_eq "1" "$IDS" "list --assignee (email in another case)"
ids --assignee none
assert_eq "5 4 3 2" "$IDS" "list --assignee none"
ids --group support
assert_eq "1" "$IDS" "list --group support"
ids --group Billing
assert_eq "2" "$IDS" "list --group Billing"
ids --requester carol@acme.test
assert_eq "3 1" "$IDS" "list --requester carol"
ids --requester DAVE@ACME.TEST
assert_eq "5 4" "$IDS" "list --requester dave"
ids --tag HARDWARE
assert_eq "1" "$IDS" "list --tag HARDWARE"
ids --tag billing
assert_eq "2" "$IDS" "list --tag billing"
ids --tag nosuchtag
assert_eq "" "$IDS" "list --tag nosuchtag"
ids --updated-since 2026-11-02T10:10:00Z
assert_eq "5 4 3" "$IDS" "list --updated-since 10:10"
ids --updated-since 2026-11-02
assert_eq "5 4 3 2 1" "$IDS" "list --updated-since a date"
ids --updated-since 2026-11-03
assert_eq "" "$IDS" "list --updated-since tomorrow"
ids --requester carol@acme.test --tag hardware
assert_eq "1" "$IDS" "list --requester carol --tag hardware"
ids --requester dave@acme.test --assignee none --status new
assert_eq "5 4" "$IDS" "list with three filters"

# pages: --limit and --cursor, next_cursor in --json
ids --limit 2
assert_eq "5 4" "$IDS" "page 1"
assert_eq "4" "$NEXT" "next_cursor of page 1"
ids --limit 2 --cursor "$NEXT"
assert_eq "3 2" "$IDS" "page 2"
assert_eq "2" "$NEXT" "next_cursor of page 2"
ids --limit 2 --cursor "$NEXT"
assert_eq "1" "$IDS" "page 3"
assert_eq "None" "$NEXT" "next_cursor of the last page"
ids --limit 1 --cursor '#2'
assert_eq "1" "$IDS" "--cursor '#2'"
ch ticket list --limit 2 --cursor 4
assert_status 0
out_has "Password reset"
out_lacks "Slow dashboard"
out_lacks "Printer on fire"

# filters that name nothing
ch ticket list --group nosuchgroup
assert_status 66
err_has "nosuchgroup"
ch ticket list --assignee ghost@example.com
assert_status 66
err_has "ghost@example.com"
ch ticket list --tag a --tag b
assert_fails
err_has "one --tag"
ch ticket list --updated-since yesterday
assert_fails
err_has "'yesterday'"

# --- replies: the first agent reply sets first_response_at, once ----------------------
at 2026-11-02T11:00:00Z "${AGENT[@]}" ticket reply 1 --body "On my way with an extinguisher."
assert_status 0
out_has "added reply #"
out_has "to ticket #1 (status open)"
FR=$(ms 2026-11-02T11:00:00Z)
assert_eq "open|$FR" "$(field 1 "status || '|' || first_response_at")" "status and first reply after the first agent reply"
assert_eq "1" "$(nev 1 ticket.first_response)" "ticket.first_response events"
ch ticket show 1 --json
assert_eq "2026-11-02T11:00:00.000Z" "$(json 'j["first_response_at"]')" "first_response_at in show --json"
assert_eq "2" "$(json 'len(j["messages"])')" "messages after a reply"
ch ticket show 1
out_has "first reply: 2026-11-02 11:00"
out_has "On my way with an extinguisher."

at 2026-11-02T11:30:00Z --as agent2@example.com ticket reply 1 --body "Second agent here."
assert_status 0
assert_eq "$FR" "$(field 1 first_response_at)" "first_response_at after a second reply"
assert_eq "1" "$(nev 1 ticket.first_response)" "ticket.first_response events after a second reply"

at 2026-11-02T12:00:00Z ticket set 1 --priority urgent --status pending
assert_status 0
assert_eq "$FR" "$(field 1 first_response_at)" "first_response_at after a set"
assert_eq "pending|urgent" "$(field 1 "status || '|' || priority")" "after set --status pending --priority urgent"

# --- notes: internal, never move the ticket ------------------------------------------
at 2026-11-02T12:10:00Z "${AGENT[@]}" ticket note 1 --body "Facilities says it is the fuser."
assert_status 0
out_has "added note #"
out_has "(status pending)"
assert_eq "pending" "$(field 1 status)" "status after a note on a pending ticket"
assert_eq "$FR" "$(field 1 first_response_at)" "first_response_at after a note"
assert_eq "1" "$(q "SELECT count(*) FROM messages WHERE ticket_id = 1 AND kind = 'internal'")" "internal notes on #1"
assert_eq "1" "$(nev 1 message.internal)" "message.internal events"

# a note as the first staff message sets no first reply
at 2026-11-02T12:15:00Z "${AGENT[@]}" ticket note 3 --body "Probably SSO."
assert_status 0
assert_eq "new|" "$(field 3 "status || '|' || coalesce(CAST(first_response_at AS TEXT), '')")" "#3 after only a note"

# --- customers reopen pending and solved tickets; on hold stays on hold ----------------
at 2026-11-02T13:00:00Z "${AGENT[@]}" ticket reply 1 --body "Fixed, I think." --status solved
assert_status 0
out_has "(status solved)"
assert_eq "solved|$(ms 2026-11-02T13:00:00Z)" "$(field 1 "status || '|' || solved_at")" "after a solving reply"
at 2026-11-02T14:00:00Z --as carol@acme.test ticket reply 1 --body "Still smoking."
assert_status 0
out_has "(status open)"
assert_eq "open|" "$(field 1 "status || '|' || coalesce(CAST(solved_at AS TEXT), '')")" "#1 reopened by its requester"
assert_eq "1" "$(q "SELECT count(*) FROM events WHERE entity_id = 1 AND kind = 'field.status'
	AND old_value = 'solved' AND new_value = 'open' AND actor_id = $CAROL_ID")" "the reopen event"
assert_eq "$FR" "$(field 1 first_response_at)" "first_response_at after a reopen"

at 2026-11-02T14:05:00Z ticket set 3 --status pending
assert_status 0
at 2026-11-02T14:06:00Z "${AGENT[@]}" ticket note 3 --body "Waiting on carol."
assert_eq "pending" "$(field 3 status)" "a note leaves pending alone"
at 2026-11-02T14:10:00Z --as carol@acme.test ticket reply 3 --body "Here is the screenshot."
assert_status 0
out_has "(status open)"
assert_eq "open" "$(field 3 status)" "#3 reopened from pending by its requester"

at 2026-11-02T14:20:00Z ticket set 4 --status on_hold
assert_status 0
at 2026-11-02T14:25:00Z --as dave@acme.test ticket reply 4 --body "Any news?"
assert_status 0
out_has "(status on_hold)"
assert_eq "on_hold" "$(field 4 status)" "#4 stays on hold after a customer reply"

# --- set: each field, and the events it writes ----------------------------------------
ev_before=$(q "SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = 2")
at 2026-11-02T15:00:00Z ticket set 2 --status open --priority urgent --assignee agent2@example.com \
	--group support --subject "Charged twice" --tag VIP --untag billing \
	--follower dave@acme.test --follower eve@example.org
assert_status 0
out_has "updated ticket #2"
ch ticket show 2 --json
assert_status 0
assert_eq "open|urgent|agent2@example.com|Support|Charged twice" \
	"$(json '"|".join(j[k] for k in ("status", "priority", "assignee", "group", "subject"))')" "#2 after set"
assert_eq '["vip"]' "$(json 'j["tags"]')" "#2's tags after --tag VIP --untag billing"
assert_eq '["dave@acme.test", "eve@example.org"]' "$(json 'j["followers"]')" "#2's followers"
assert_eq "customer" "$(q "SELECT role FROM users WHERE email_norm = 'eve@example.org'")" "a new follower is a customer"
assert_eq "2026-11-02T15:00:00.000Z" "$(json 'j["updated_at"]')" "updated_at after set"
ch ticket show 2
out_has "follower:   dave@acme.test"
out_has "follower:   eve@example.org"
out_has "assignee:   agent2@example.com"
T15=$(ms 2026-11-02T15:00:00Z)
for k in field.status field.priority field.assignee_id field.group_id field.subject tag.added tag.removed; do
	assert_eq "1" "$(q "SELECT count(*) FROM events WHERE entity_id = 2 AND kind = '$k'
		AND created_at = $T15")" "#2's $k events from the set"
done
assert_eq "2" "$(nev 2 follower.added)" "#2's follower.added events"
assert_eq "$((ev_before + 9))" "$(q "SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = 2")" \
	"#2's events after a set of nine changes"
assert_eq "new|open" "$(q "SELECT old_value || '|' || new_value FROM events WHERE entity_id = 2 AND kind = 'field.status'")" "status event"
assert_eq "normal|urgent" "$(q "SELECT old_value || '|' || new_value FROM events WHERE entity_id = 2 AND kind = 'field.priority'")" "priority event"
assert_eq "|$AGENT2_ID" "$(q "SELECT coalesce(CAST(old_value AS TEXT), '') || '|' || new_value FROM events WHERE entity_id = 2 AND kind = 'field.assignee_id'")" "assignee event"
assert_eq "$BILLING|$SUPPORT" "$(q "SELECT old_value || '|' || new_value FROM events WHERE entity_id = 2 AND kind = 'field.group_id'")" "group event"
assert_eq "Billing question|Charged twice" "$(q "SELECT old_value || '|' || new_value FROM events WHERE entity_id = 2 AND kind = 'field.subject'")" "subject event"

at 2026-11-02T15:10:00Z ticket set 2 --assignee none --group none --unfollow eve@example.org
assert_status 0
ch ticket show 2 --json
assert_eq "None|None|None|None" "$(json '"|".join(str(j[k]) for k in ("assignee", "assignee_id", "group", "group_id"))')" "#2 unassigned, no group"
assert_eq '["dave@acme.test"]' "$(json 'j["followers"]')" "#2's followers after --unfollow"
assert_eq "1" "$(nev 2 follower.removed)" "follower.removed events"
assert_eq "2" "$(nev 2 field.assignee_id)" "assignee events"

# a set that changes nothing writes nothing
before=$(counts)
v=$(field 2 version)
ch ticket set 2 --priority urgent --tag vip
assert_status 0
assert_eq "$before" "$(counts)" "rows after a set that changes nothing"
assert_eq "$v" "$(field 2 version)" "version after a set that changes nothing"

# --- --if-version: refuse a stale change, accept a current one ------------------------
ch ticket show 2 --json
v=$(json 'j["version"]')
assert_eq "$v" "$(field 2 version)" "version in show --json"
before=$(counts)
ch ticket set 2 --priority low --if-version $((v - 1))
assert_status 73
err_has "has changed"
err_has "version $v"
assert_eq "urgent" "$(field 2 priority)" "priority after a refused set"
assert_eq "$before" "$(counts)" "rows after a refused set"
ch ticket set 2 --priority low --if-version "$v"
assert_status 0
assert_eq "low|$((v + 1))" "$(field 2 "priority || '|' || version")" "priority and version after --if-version"

# --- closed is final ----------------------------------------------------------------
ch ticket set 2 --status closed
assert_status 73
err_has "solve it first"
ch ticket set 2 --status new
assert_status 73
err_has "new is only the first status"
at 2026-11-02T15:20:00Z ticket set 2 --status solved
assert_status 0
at 2026-11-02T15:30:00Z ticket set 2 --status closed
assert_status 0
assert_eq "closed|$(ms 2026-11-02T15:30:00Z)" "$(field 2 "status || '|' || closed_at")" "#2 closed"
before=$(counts)
v=$(field 2 version)
ch ticket set 2 --priority high
assert_status 73
err_has "closed is final"
ch ticket set 2 --status open
assert_status 73
ch ticket set 2 --tag again
assert_status 73
ch ticket set 2 --subject "Reopened?"
assert_status 73
assert_eq "$before" "$(counts)" "rows after changes refused on a closed ticket"
assert_eq "closed|$v" "$(field 2 "status || '|' || version")" "#2 untouched"

# --- a reply to a closed ticket starts a linked follow-up --------------------------------
n2=$(q "SELECT count(*) FROM messages WHERE ticket_id = 2")
at 2026-11-02T16:00:00Z --as newbie@example.org ticket reply 2 --body "One more thing."
assert_status 0
out_has "ticket #2 is closed; started follow-up ticket #6"
assert_eq "closed" "$(field 2 status)" "#2 stays closed"
assert_eq "$n2" "$(q "SELECT count(*) FROM messages WHERE ticket_id = 2")" "#2's messages"
assert_eq "new|Charged twice|newbie@example.org" "$(q "SELECT t.status || '|' || t.subject || '|' || u.email
	FROM tickets t JOIN users u ON u.id = t.requester_id WHERE t.id = 6")" "the follow-up"
assert_eq "One more thing." "$(q "SELECT body_text FROM messages WHERE ticket_id = 6")" "the follow-up's message"
assert_eq "6|2|follow_up" "$(q "SELECT ticket_id || '|' || other_id || '|' || kind FROM ticket_links")" "the follow-up link"
ch ticket show 6 --json
assert_eq '[{"kind": "follow_up", "other_id": 2, "ticket_id": 6}]' "$(json 'j["links"]')" "#6's links"
assert_eq "1" "$(nev 2 ticket.linked)" "#2's ticket.linked events"

# --- merge: messages move, the source is closed and points at the target -------------
at 2026-11-02T16:30:00Z ticket create --subject "Printer smoking" --requester carol@acme.test \
	--tag smoke --body "Smoke from the printer"
assert_status 0
out_has "created ticket #7"
at 2026-11-02T16:40:00Z "${AGENT[@]}" ticket merge 7 --into 1
assert_status 0
out_has "merged ticket #7 into #1"
assert_eq "closed|1|$(ms 2026-11-02T16:40:00Z)" "$(field 7 "status || '|' || merged_into_id || '|' || closed_at")" "#7 after the merge"
assert_eq "1" "$(q "SELECT ticket_id FROM messages WHERE body_text = 'Smoke from the printer'")" "where #7's message went"
assert_eq "internal|Ticket #7 was merged into #1." "$(q "SELECT kind || '|' || body_text FROM messages WHERE ticket_id = 7")" "what stays on #7"
assert_eq "1" "$(q "SELECT count(*) FROM messages WHERE ticket_id = 1 AND body_text = 'Ticket #7 was merged into #1.'")" "the note on #1"
assert_eq "1" "$(q "SELECT count(*) FROM ticket_tags WHERE ticket_id = 1 AND tag = 'smoke'")" "#7's tag on #1"
assert_eq "1" "$(nev 7 ticket.merged)" "#7's ticket.merged events"
assert_eq "1" "$(nev 1 ticket.merged)" "#1's ticket.merged events"
ch ticket show 7 --json
assert_eq "1|closed" "$(json 'str(j["merged_into_id"]) + "|" + j["status"]')" "#7 in show --json"
ch ticket show 7
out_has "merged into: #1"
ch ticket show 1
out_has "Smoke from the printer"
ch "${AGENT[@]}" ticket merge 7 --into 1
assert_status 73
err_has "closed"
ch "${AGENT[@]}" ticket merge 1 --into 1
assert_status 65
err_has "itself"
ch "${AGENT[@]}" ticket merge 1 --into 999
assert_status 66
err_has "no ticket #999"
ch "${AGENT[@]}" ticket merge 3 --into 2
assert_status 73
err_has "#2 is closed"
ch ticket merge 3 --into abc
assert_status 64

# --- link: related and incident -----------------------------------------------------
at 2026-11-02T17:00:00Z ticket link 3 1 --kind incident
assert_status 0
out_has "linked ticket #3 to #1 (incident)"
ch ticket link 4 1
assert_status 0
out_has "(related)"
assert_eq "3|1|incident,4|1|related" "$(q "SELECT group_concat(ticket_id || '|' || other_id || '|' || kind, ',')
	FROM (SELECT * FROM ticket_links WHERE kind IN ('incident', 'related') ORDER BY ticket_id) AS x")" "links"
ch ticket show 1 --json
assert_eq "incident related" "$(json '" ".join(sorted(l["kind"] for l in j["links"] if l["kind"] != "merged"))')" "#1's links"
ch ticket show 3
out_has "link:       #3 incident #1"
ev=$(nev 3 ticket.linked)
ch ticket link 3 1 --kind incident
assert_status 0
assert_eq "1" "$(q "SELECT count(*) FROM ticket_links WHERE ticket_id = 3")" "links after linking twice"
assert_eq "$ev" "$(nev 3 ticket.linked)" "events after linking twice"
ch ticket link 3 1 --kind cousin
assert_status 64
err_has "related or incident"
ch ticket link 3 3
assert_status 65
err_has "itself"
ch ticket link 3 999
assert_status 66
err_has "no ticket #999"

# --- events: one per change, text and JSON ------------------------------------------
ch ticket events 2
assert_status 0
out_has "ticket.created"
out_has "field.priority"
out_has "priority: normal -> urgent"
out_has "tag.removed"
out_has "follower.added"
out_has "field.status"
out_has "status: solved -> closed"
out_has "ticket.linked"
out_has "2026-11-02 15:00"
ch ticket events 2 --json
assert_status 0
assert_eq "$(q "SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = 2")" \
	"$(json 'len(j)')" "events --json against the events table"
assert_eq "True" "$(json 'all(a["id"] < b["id"] for a, b in zip(j, j[1:]))')" "events oldest first"
assert_eq "ticket.created" "$(json 'j[0]["kind"]')" "the first event"
assert_eq "billing" "$(json '[e for e in j if e["kind"] == "tag.removed"][0]["old"]')" "tag.removed's old value"
assert_eq "2026-11-02T15:00:00.000Z" "$(json '[e for e in j if e["kind"] == "field.subject"][0]["created_at"]')" "field.subject's time"
assert_eq "6" "$(json '[e for e in j if e["kind"] == "ticket.linked"][0]["data"]["follow_up"]')" "ticket.linked's data"
expected='field.assignee_id field.group_id field.priority field.status field.subject follower.added follower.removed message.public tag.added tag.removed ticket.created ticket.linked'
assert_eq "$expected" "$(json '" ".join(sorted(set(e["kind"] for e in j)))')" "kinds of #2's events"
ch ticket events 1 --json
assert_eq "$(q "SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = 1")" "$(json 'len(j)')" "#1's events"
assert_eq "$(q "SELECT count(*) FROM messages WHERE ticket_id = 1 AND kind = 'public' AND author_role != 'customer'")" \
	"$(json 'len([e for e in j if e["kind"] == "message.public" and e["actor_id"] in ('"$AGENT_ID, $AGENT2_ID"')])')" \
	"a message.public event per agent reply"

# --- attachments: one row and one file per content ---------------------------------
mkdir copy
cp log.txt copy/log-copy.txt
at 2026-11-02T17:10:00Z "${AGENT[@]}" ticket reply 1 --body "Logs again" --attach log.txt --attach copy/log-copy.txt
assert_status 0
assert_eq "1" "$(q "SELECT count(*) FROM attachments WHERE sha256 = '$LOG_SHA'")" "attachments rows for one content"
assert_eq "3" "$(q "SELECT count(*) FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
	WHERE a.sha256 = '$LOG_SHA'")" "messages carrying it"
assert_eq "1" "$(nfiles)" "files under $DB.files"
ch ticket show 1 --json
assert_eq "log-copy.txt log.txt" "$(json '" ".join(sorted(a["filename"] for a in j["messages"][-1]["attachments"]))')" "the reply's attachments"
printf 'different' >other.bin
ch "${AGENT[@]}" ticket reply 1 --body "Another" --attach other.bin
assert_status 0
assert_eq "2" "$(q "SELECT count(*) FROM attachments")" "attachments rows for two contents"
assert_eq "2" "$(nfiles)" "files for two contents"

# --- attachments.max_bytes: refused, clearly, and nothing written ---------------------
printf '0123456789A' >eleven.bin
printf '0123456789' >ten.bin
before=$(counts)
files=$(nfiles)
ch --set attachments.max_bytes=10 "${AGENT[@]}" ticket reply 1 --body "too big" --attach eleven.bin
assert_status 65
err_has "eleven.bin"
err_has "limit is 10"
assert_eq "$before" "$(counts)" "rows after a refused attachment"
assert_eq "$files" "$(nfiles)" "files after a refused attachment"
CHAMPION_ATTACHMENTS_MAX_BYTES=10 ch ticket create --subject "With a big file" --requester carol@acme.test \
	--body "see attached" --attach eleven.bin
assert_status 65
err_has "eleven.bin"
assert_eq "$before" "$(counts)" "rows after a refused ticket"
ch --set attachments.max_bytes=10 "${AGENT[@]}" ticket reply 1 --body "just fits" --attach ten.bin
assert_status 0
assert_eq "$((files + 1))" "$(nfiles)" "files after an attachment of exactly the limit"
ch "${AGENT[@]}" ticket reply 1 --body "x" --attach no-such-file.bin
assert_fails
err_has "no-such-file.bin"

# --- known bugs (see the report): these fail today ---------------------------------
# An attachment well over the limit is refused by the CLI's read, whose
# message names the wrong limit (max_bytes + 1) and not the setting.
head -c 100 /dev/zero >big.bin
before=$(counts)
ch --set attachments.max_bytes=10 "${AGENT[@]}" ticket reply 1 --body "too big" --attach big.bin
assert_status 65
assert_eq "$before" "$(counts)" "rows after a refused attachment"
err_has "big.bin"
err_lacks "11 bytes"
err_has "10 bytes"

# A refused message leaves no attachment file behind: today the first
# attachment's file is written before the second is found too big.
printf 'fresh' >fresh.txt
files=$(nfiles)
before=$(counts)
ch --set attachments.max_bytes=10 "${AGENT[@]}" ticket reply 1 --body "two files" --attach fresh.txt --attach eleven.bin
assert_status 65
assert_eq "$before" "$(counts)" "rows after a refused reply with two attachments"
assert_eq "$files" "$(nfiles)" "files under $DB.files after a refused reply (fresh.txt's file is orphaned)"

# One `ticket set` is one change: when a follower is refused, the fields
# changed with it must not stay changed.
v=$(field 1 version)
p=$(field 1 priority)
ch ticket set 1 --priority low --follower "not an email"
assert_status 65
assert_eq "$p|$v" "$(field 1 "priority || '|' || version")" "#1's priority and version after a refused set"

finish
