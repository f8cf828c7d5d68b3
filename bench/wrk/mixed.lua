-- mixed.lua - 90% GET /api/v1/tickets/{id}, 10% POST /api/v1/tickets/{id}/replies.
--
--   wrk -H 'Authorization: Bearer TOKEN' -s mixed.lua URL -- MAX_ID [WRITE_PERCENT]
--
-- Ids are uniformly random in 1..MAX_ID. A reply to a closed ticket starts a
-- follow-up ticket, as the desk's rules say; that is part of the load.

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local nthreads = 0
function setup(thread)
	nthreads = nthreads + 1
	thread:set("seed", nthreads)
end

local max_id, writes
local get_headers, post_headers
local body = '{"body":"Thanks for the details. We found the cause and a fix is on ' ..
	'its way; we will confirm here once it is deployed."}'

function init(args)
	max_id = tonumber(args[1]) or error("mixed.lua: pass the largest ticket id after --")
	writes = (tonumber(args[2]) or 10) / 100
	math.randomseed(os.time() * 1000 + (seed or 0))
	get_headers = {["Authorization"] = wrk.headers["Authorization"]}
	post_headers = {
		["Authorization"] = wrk.headers["Authorization"],
		["Content-Type"] = "application/json",
	}
end

function request()
	local id = math.random(1, max_id)
	if math.random() < writes then
		return wrk.format("POST", "/api/v1/tickets/" .. id .. "/replies", post_headers, body)
	end
	return wrk.format("GET", "/api/v1/tickets/" .. id, get_headers)
end
