-- get_ticket.lua - GET /api/v1/tickets/{id} for uniformly random ids.
--
--   wrk -H 'Authorization: Bearer TOKEN' -s get_ticket.lua URL -- MAX_ID
--
-- Every request picks an id in 1..MAX_ID (the desk's newest ticket).

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local nthreads = 0
function setup(thread)
	nthreads = nthreads + 1
	thread:set("seed", nthreads)
end

local max_id
function init(args)
	max_id = tonumber(args[1]) or error("get_ticket.lua: pass the largest ticket id after --")
	math.randomseed(os.time() * 1000 + (seed or 0))
end

function request()
	return wrk.format("GET", "/api/v1/tickets/" .. math.random(1, max_id))
end
