#!/usr/bin/env bash
# test_roles.sh - who may see and do what (rules/perm.h) through --as: the
# engineer's light seat, customers' own and shared tickets, what agents may
# not manage, deactivated users, and messages without an author.
# A ticket one may not see is "no ticket" (66), never forbidden (77).
# Lists of arguments in one word ("show 2") are split on purpose:
# shellcheck disable=SC2086
. "${BASH_SOURCE%/*}/lib.sh"

DB=champion.db
q()
{
	sql "$DB" "$1"
}
nmsg()
{
	q "SELECT count(*) FROM messages WHERE ticket_id = $1"
}
counts()
{
	q "SELECT (SELECT count(*) FROM tickets) || ' ' || (SELECT count(*) FROM messages) || ' ' ||
	          (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM users) || ' ' ||
	          (SELECT count(*) FROM organisations) || ' ' || (SELECT count(*) FROM agent_groups)"
}

# --- setup ---------------------------------------------------------------------------
ch init --admin admin@example.com
assert_status 0
for u in "agent@example.com agent" "eng@example.com engineer" "eng2@example.com engineer"; do
	set -- $u
	ch user add "$1" --role "$2"
	assert_status 0
done
ch group add Tier2
assert_status 0
ch group member Tier2 eng@example.com
assert_status 0
ch org add Acme --shares
assert_status 0
ch org add Solo
assert_status 0
for u in "c1@acme.test Acme" "c2@acme.test Acme" "s1@solo.test Solo" "s2@solo.test Solo"; do
	set -- $u
	ch user add "$1" --org "$2"
	assert_status 0
done
# 1: s1's, in Tier2; 2: s2's, no group; 3: c1's (Acme shares); 4: assigned to nobody, group-less
ch ticket create --subject "Kernel panic" --requester s1@solo.test --group Tier2 --body "Panics at boot"
assert_status 0
ch ticket create --subject "Invoice" --requester s2@solo.test --body "Where is my invoice?"
assert_status 0
ch ticket create --subject "Acme VPN down" --requester c1@acme.test --body "VPN is down"
assert_status 0
assert_eq "3" "$(q "SELECT count(*) FROM tickets")" "tickets"

# --- engineer: notes on their group's tickets, never public replies ---------------------
n=$(nmsg 1)
ch --as eng@example.com ticket reply 1 --body "Try booting with nomodeset."
assert_status 77
err_has "engineer cannot reply"
assert_eq "$n" "$(nmsg 1)" "#1's messages after a refused engineer reply"

ch --as eng@example.com ticket note 1 --body "Looks like the nvidia driver."
assert_status 0
out_has "added note"
assert_eq "internal|engineer" "$(q "SELECT kind || '|' || author_role FROM messages WHERE ticket_id = 1 ORDER BY id DESC LIMIT 1")" \
	"the engineer's note"
assert_eq "new" "$(q "SELECT status FROM tickets WHERE id = 1")" "#1 after an engineer's note"

ch --as eng@example.com ticket show 1
assert_status 0
out_has "Looks like the nvidia driver."
ch --as eng@example.com ticket events 1
assert_status 0
out_has "message.internal"

# no field changes on the light seat
ch --as eng@example.com ticket set 1 --priority high
assert_status 77
err_has "engineer cannot"
assert_eq "normal" "$(q "SELECT priority FROM tickets WHERE id = 1")" "#1's priority"

# outside their groups: not found, not forbidden
for verb in "show 2" "events 2" "note 2 --body x"; do
	ch --as eng@example.com ticket $verb
	assert_status 66
	err_has "no ticket #2"
	err_lacks "cannot"
done
ch --as eng@example.com ticket list --json
assert_status 0
assert_eq "1" "$(json '" ".join(str(t["id"]) for t in j["tickets"])')" "what an engineer lists"
# an engineer in no group sees nothing
ch --as eng2@example.com ticket show 1
assert_status 66
err_has "no ticket #1"
ch --as eng2@example.com ticket list --json
assert_eq "0" "$(json 'len(j["tickets"])')" "what an engineer in no group lists"

# --- customers: their own tickets, their shared organisation's, nothing else -------------
ch --as s1@solo.test ticket show 1
assert_status 0
out_has "Kernel panic"
out_lacks "nvidia"
ch --as s1@solo.test ticket show 1 --json
assert_eq "public" "$(json '" ".join(sorted(set(m["kind"] for m in j["messages"])))')" "kinds of messages a customer sees"

for verb in "show 2" "show 3" "reply 2 --body mine-now"; do
	ch --as s1@solo.test ticket $verb
	assert_status 66
	err_has "no ticket #"
	err_lacks "cannot"
done
ch --as s1@solo.test ticket list --json
assert_eq "1" "$(json '" ".join(str(t["id"]) for t in j["tickets"])')" "what s1 lists (Solo does not share)"
ch --as s2@solo.test ticket show 1
assert_status 66

# Acme shares: c2 sees c1's ticket, and may answer on it
ch --as c2@acme.test ticket show 3
assert_status 0
out_has "Acme VPN down"
ch --as c2@acme.test ticket list --json
assert_eq "3" "$(json '" ".join(str(t["id"]) for t in j["tickets"])')" "what c2 lists (Acme shares)"
ch --as c2@acme.test ticket reply 3 --body "Same here."
assert_status 0
# ... but not Solo's tickets
ch --as c2@acme.test ticket show 1
assert_status 66

# customers write no notes, see no event log, change no fields, create only for themselves
before=$(counts)
ch --as s1@solo.test ticket note 1 --body "secret"
assert_status 77
err_has "customer cannot write internal notes"
ch --as s1@solo.test ticket events 1
assert_status 77
ch --as s1@solo.test ticket set 1 --priority urgent
assert_status 77
ch --as s1@solo.test ticket reply 1 --body "Closing it myself" --status solved
assert_status 77
ch --as s1@solo.test ticket create --subject "For c1" --requester c1@acme.test --body "hi"
assert_status 77
err_has "for others"
ch --as s1@solo.test ticket create --subject "For a stranger" --requester stranger@else.test --body "hi"
assert_status 77
ch --as s1@solo.test ticket merge 1 --into 2
assert_status 66
ch --as s1@solo.test user list
assert_status 77
assert_eq "$before" "$(counts)" "rows after refused customer actions"
ch --as s1@solo.test ticket create --subject "My own" --body "For me"
assert_status 0
out_has "created ticket #4"
assert_eq "s1@solo.test|0" "$(q "SELECT u.email || '|' || t.opened_by_agent FROM tickets t JOIN users u ON u.id = t.requester_id WHERE t.id = 4")" \
	"a customer's own ticket"

# --- agents: customers yes; staff, organisations and groups no -------------------------
before=$(counts)
ch --as agent@example.com user add boss@example.com --role admin
assert_status 77
err_has "agent cannot manage staff"
ch --as agent@example.com user add eng3@example.com --role engineer
assert_status 77
ch --as agent@example.com user set eng@example.com --role agent
assert_status 77
ch --as agent@example.com org add Evil
assert_status 77
err_has "agent cannot manage organisations"
ch --as agent@example.com group add Cabal
assert_status 77
ch --as agent@example.com group member Tier2 agent@example.com
assert_status 77
assert_eq "$before" "$(counts)" "rows after refused agent actions"
assert_eq "0" "$(q "SELECT count(*) FROM users WHERE email_norm IN ('boss@example.com', 'eng3@example.com')")" "refused staff rows"
ch --as agent@example.com user add cust@example.org --name "New Customer"
assert_status 0
out_has "added customer cust@example.org"
assert_eq "customer" "$(q "SELECT role FROM users WHERE email_norm = 'cust@example.org'")" "the agent's customer"
# agents see and answer every ticket
ch --as agent@example.com ticket reply 2 --body "Sent again."
assert_status 0
# an admin may do what the agent may not
ch --as admin@example.com org add Partner
assert_status 0

# --- a deactivated user cannot act -----------------------------------------------------
ch user set s2@solo.test --active no
assert_status 0
before=$(counts)
ch --as s2@solo.test ticket show 2
assert_status 77
err_has "deactivated"
ch --as s2@solo.test ticket reply 2 --body "hello?"
assert_status 77
err_has "deactivated"
ch --as s2@solo.test ticket create --subject "New" --body "x"
assert_status 77
assert_eq "$before" "$(counts)" "rows after a deactivated user's attempts"
ch user set s2@solo.test --active yes
assert_status 0
ch --as s2@solo.test ticket show 2
assert_status 0

# an unknown --as is named
ch --as ghost@example.com ticket list
assert_status 66
err_has "ghost@example.com"

# --- messages need an author ---------------------------------------------------------
before=$(counts)
ch ticket reply 1 --body "from nobody"
assert_status 65
err_has "--as"
ch ticket note 1 --body "from nobody"
assert_status 65
err_has "--as"
assert_eq "$before" "$(counts)" "rows after messages without an author"

# --- known bug (see the report): this fails today -----------------------------------
# `user show` takes no actor: a customer reads any user's record.
ch --as s1@solo.test user show c1@acme.test
assert_fails
out_lacks "c1@acme.test"

finish
