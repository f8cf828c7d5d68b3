-- post_ticket.lua - POST /api/v1/tickets: a new ticket per request.
--
--   wrk -H 'Authorization: Bearer TOKEN' -s post_ticket.lua URL
--
-- A ~400-byte question from one of 100 bench customers (the first ticket of
-- each creates that customer); every answer is durable when it arrives.

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local nthreads = 0
function setup(thread)
	nthreads = nthreads + 1
	thread:set("seed", nthreads)
end

local subjects = {
	"Cannot log in after the password reset",
	"Invoice shows the wrong VAT rate",
	"Export to CSV times out for large projects",
	"Webhook deliveries fail with 502",
	"Two-factor codes are not accepted",
	"Dashboard shows yesterday's numbers",
}
local body = "Hello,\n\nsince this morning the problem in the subject happens to " ..
	"everyone in our team. We tried another browser and cleared the cache, with " ..
	"the same result. The last time it worked was yesterday afternoon. Could you " ..
	"have a look and tell us whether it is on our side? Our account is the one " ..
	"this address belongs to.\n\nThank you,\nthe bench customer"
local headers
local n = 0

function init(args)
	math.randomseed(os.time() * 1000 + (seed or 0))
	headers = {
		["Authorization"] = wrk.headers["Authorization"],
		["Content-Type"] = "application/json",
	}
end

function request()
	n = n + 1
	local json = string.format(
		'{"subject":"%s (bench %d-%d)","body":"%s","requester":"bench-customer-%d@bench.example",' ..
		'"priority":"normal","tags":["bench"]}',
		subjects[math.random(#subjects)], seed or 0, n, body:gsub("\n", "\\n"),
		math.random(1, 100))
	return wrk.format("POST", "/api/v1/tickets", headers, json)
end
