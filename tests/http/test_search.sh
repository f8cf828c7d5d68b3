#!/usr/bin/env bash
# test_search.sh - GET /api/v1/search from the outside: what each role
# finds (a customer never another's ticket, never an internal note's
# text), folding and stemming, highlighted and escaped snippets, the
# filters, paging, the index following writes made through the API, a
# syntax error's 400 with its column, a missing q, and no results.
. "${BASH_SOURCE%/*}/lib.sh"

# search TOKEN QUERY [PARAMS]: GET /api/v1/search?q=QUERY&PARAMS
search()
{
	local q
	q=$(py -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$2")
	api GET "/api/v1/search?q=$q${3:+&$3}" "$1"
}
# The ticket ids of the last page, space-separated, best first.
hits()
{
	jb '" ".join(str(r["ticket"]["id"]) for r in j["results"])'
}
# search_until TOKEN QUERY WANT: searches until the hits are WANT (3 s at most):
# the server indexes what its API writes in batches, some 50 ms apart.
search_until()
{
	local t0
	t0=$(date +%s%N)
	while :; do
		search "$1" "$2"
		[ "$(hits)" = "$3" ] && return 0
		(($(date +%s%N) - t0 > 3000000000)) && return 0
		sleep 0.02
	done
}

# --- the desk ----------------------------------------------------------------------
ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent --name "Ada Agent"
ch_ok user add c1@acme.test
ch_ok user add c2@other.test
ch_ok ticket create --subject "Café machine broken" --requester c1@acme.test \
	--body "The espresso machine keeps connecting to the wrong network."
ch_ok ticket create --subject "Invoice wrong" --requester c2@other.test \
	--body "My invoice shows the wrong VAT. Flamingo is our project name."
ch_ok --as agent@example.com ticket note 1 --body "Internal: the platypus firmware is the cause."
ch_ok ticket create --subject "Export fails" --requester c1@acme.test \
	--body "The CSV export is <b>broken</b> & slow; widgets too." --tag export \
	--assignee agent@example.com
ch_ok ticket set 3 --status pending
for i in 4 5 6; do
	ch_ok ticket create --subject "Widget $i" --requester c2@other.test --body "Widgets again ($i)."
done
make_token agent@example.com
AGENT=$TOKEN
make_token c1@acme.test
C1=$TOKEN
make_token c2@other.test
C2=$TOKEN

start_server

# --- who finds what -------------------------------------------------------------------
search "$AGENT" flamingo
expect_status 200
assert_eq 2 "$(hits)" "an agent finds c2's ticket"
search "$C2" flamingo
assert_eq 2 "$(hits)" "c2 finds their own ticket"
search "$C1" flamingo
expect_status 200
assert_eq "" "$(hits)" "c1 never finds c2's ticket"
assert_eq None "$(jb 'j["next_cursor"]')" "no next page"
search "$AGENT" platypus
assert_eq 1 "$(hits)" "an agent finds an internal note's text"
search "$C1" platypus
expect_status 200
assert_eq "" "$(hits)" "c1 never finds the internal note on their own ticket"
search "$C1" "machine"
assert_eq 1 "$(hits)" "c1 finds their ticket by its public text"
assert_not_contains "$BODY" platypus "c1's snippet"

# --- folding and stemming -------------------------------------------------------------
search "$C1" cafe
assert_eq 1 "$(hits)" "cafe finds Café"
search "$C1" "CONNECTION espresso"
assert_eq 1 "$(hits)" "connection finds connecting"
assert_contains "$(jb 'j["results"][0]["snippet"]')" "<mark>connecting</mark>" "the snippet"
search "$C1" "conn*"
assert_eq 1 "$(hits)" "a prefix"

# --- snippets are HTML-safe -------------------------------------------------------------
search "$AGENT" broken
assert_eq "1 3" "$(hits)" "broken: in a short subject first, then in a message"
assert_eq "Café machine <mark>broken</mark>" "$(jb 'j["results"][0]["snippet"]')" \
	"a subject's snippet"
assert_eq "The CSV export is &lt;b&gt;<mark>broken</mark>&lt;/b&gt; &amp; slow; widgets too." \
	"$(jb 'j["results"][1]["snippet"]')" "the escaped snippet"
assert_true 'j["results"][0]["score"] >= j["results"][1]["score"] > 0' "scores, best first"
assert_true 'set(j["results"][0]) == {"ticket", "message_id", "score", "snippet"}' "a hit's members"

# --- filters and paging -----------------------------------------------------------------
search "$AGENT" widget
assert_eq "6 5 4 3" "$(hits)" "four tickets say widget"
search "$AGENT" widget "status=pending"
assert_eq 3 "$(hits)" "status filter"
search "$AGENT" widget "tag=export"
assert_eq 3 "$(hits)" "tag filter"
search "$AGENT" widget "assignee=agent@example.com"
assert_eq 3 "$(hits)" "assignee filter"
search "$AGENT" widget "assignee=none"
assert_eq "6 5 4" "$(hits)" "unassigned"
search "$AGENT" widget "requester=c1@acme.test"
assert_eq 3 "$(hits)" "requester filter"
search "$AGENT" widget "limit=3"
assert_eq "6 5 4" "$(hits)" "page 1"
assert_eq 3 "$(jb 'j["next_cursor"]')" "next_cursor"
search "$AGENT" widget "limit=3&cursor=3"
assert_eq 3 "$(hits)" "page 2"
assert_eq None "$(jb 'j["next_cursor"]')" "the last page"
search "$C1" widget
assert_eq 3 "$(hits)" "c1 finds only their widget ticket"

# --- the index follows writes --------------------------------------------------------------
search "$AGENT" kangaroo
assert_eq "" "$(hits)" "nothing says kangaroo yet"
api POST /api/v1/tickets/2/replies "$AGENT" '{"body":"The kangaroo report is attached."}'
expect_status 201
search_until "$C2" kangaroo 2
assert_eq 2 "$(hits)" "a reply is found within a moment"
api PATCH /api/v1/tickets/2 "$AGENT" '{"subject":"Wombat invoice"}'
expect_status 200
search_until "$C2" "wombat kangaroo" 2
assert_eq 2 "$(hits)" "a new subject is found with every message"

# --- mistakes -----------------------------------------------------------------------------
search "$AGENT" '"card declined'
expect_problem 400 query_syntax
assert_eq 1 "$(jb 'j["column"]')" "the column of an unclosed quote"
assert_contains "$(jb 'j["detail"]')" "column 1" "the detail"
search "$AGENT" 'refund OR'
expect_problem 400 query_syntax
assert_eq 8 "$(jb 'j["column"]')" "the column of a dangling OR"
search "$AGENT" 'ok -'
expect_problem 400 query_syntax
assert_eq 4 "$(jb 'j["column"]')" "the column of a lone '-'"
search "$AGENT" ''
expect_problem 400 query_syntax
api GET /api/v1/search "$AGENT"
expect_problem 400 invalid_parameter
assert_contains "$(jb 'j["detail"]')" "'q'" "names q"
search "$AGENT" widget "status=sleeping"
expect_problem 400 invalid_parameter
search "$AGENT" widget "limit=101"
expect_problem 400 invalid_parameter
search "$AGENT" widget "assignee=nobody@example.com"
expect_problem 404 not_found
api GET "/api/v1/search?q=widget" ""
expect_problem 401
# Text that means something to the index's own language is only text.
for q in 'NEAR(a b)' 'subject:invoice' '^widget' 'a AND' '(x' '{subject}:x' 'AND OR NOT'; do
	search "$AGENT" "$q"
	case "$CODE" in
	200 | 400) pass ;;
	*) fail "query '$q' answered $CODE" ;;
	esac
done
search "$AGENT" 'zzzqqq'
expect_status 200
assert_eq '{"results": [], "next_cursor": null}' "$(jb 'j')" "no results"

# --- the CLI --------------------------------------------------------------------------------
ch_ok --as c1@acme.test ticket search "connection"
assert_contains "$OUT" "Café machine broken" "the CLI's hit"
assert_contains "$OUT" "[connecting]" "the CLI's snippet"
ch --as c1@acme.test ticket search 'platypus'
assert_not_contains "$OUT" "Café" "the CLI hides internal notes from customers"
ch ticket search '"open'
assert_eq 65 "$STATUS" "a syntax error's exit status"
assert_contains "$ERR" "column 1" "the CLI names the column"

stop_server
finish
