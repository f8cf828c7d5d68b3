-- search.lua - GET /api/v1/search?q=... over a mix of queries.
--
--   wrk -H 'Authorization: Bearer TOKEN' -s search.lua URL
--
-- Each request picks one of the queries below: common words (found in a
-- large share of a demo desk's messages), rarer ones, phrases, prefixes,
-- exclusions and OR, as a support team types them.

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local queries = {
	"hello", "refund", "invoice", "vpn", "password reset", "%22card declined%22",
	"webho*", "sync -calendar", "export OR import", "timeout", "attachment", "sso login",
}

local nthreads = 0
function setup(thread)
	nthreads = nthreads + 1
	thread:set("seed", nthreads)
end

function init(args)
	math.randomseed(os.time() * 1000 + (seed or 0))
end

function request()
	return wrk.format("GET", "/api/v1/search?q=" .. queries[math.random(1, #queries)]:gsub(" ", "+"))
end
