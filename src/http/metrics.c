/* metrics.c - Prometheus counters per worker, summed when scraped. */
#include "util/common.h"
#include "http/server_private.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define NSTATUS 500 /* 100..599 */

/* Upper bounds of the latency buckets, in microseconds. */
static const int64_t bucket_us[METRIC_BUCKETS] = {250,   500,   1000,   2500,   5000,   10000,
						  25000, 50000, 100000, 250000, 500000, 1000000};

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->by_route_status = xcalloc((http_nroutes + 2) * NSTATUS, sizeof(*m->by_route_status));
}

void metrics_release(struct metrics *m)
{
	free(m->by_route_status);
	m->by_route_status = NULL;
}

void metrics_observe(struct worker *w, const struct route *route, int status, int64_t ns)
{
	struct metrics *m = &w->m;
	size_t ri = route == &web_route ? http_nroutes + 1
			: route	       ? (size_t)(route - http_routes)
				       : http_nroutes;
	int64_t us = ns / 1000;
	int b = 0;

	if (status < 100 || status > 599)
		status = 500;
	atomic_fetch_add_explicit(&m->by_route_status[ri * NSTATUS + (size_t)(status - 100)], 1,
				  memory_order_relaxed);
	while (b < METRIC_BUCKETS && us > bucket_us[b])
		b++;
	atomic_fetch_add_explicit(&m->latency[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_us, (uint64_t)us, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->requests, 1, memory_order_relaxed);
}

void metrics_db_time(struct worker *w, int64_t ns)
{
	atomic_fetch_add_explicit(&w->m.db_ns, (uint64_t)ns, memory_order_relaxed);
}

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

int metrics_render(struct hreq *r)
{
	struct server *s = r->w->s;
	struct buf b = BUF_INIT;
	uint64_t lat[METRIC_BUCKETS + 1] = {0}, sum_us = 0, count = 0, db_ns = 0;
	int64_t conns = 0, in_flight = 0;

	buf_puts(&b, "# HELP champion_http_requests_total Requests answered, by route and status.\n"
		     "# TYPE champion_http_requests_total counter\n");
	for (size_t ri = 0; ri <= http_nroutes + 1; ri++) {
		for (int st = 0; st < NSTATUS; st++) {
			uint64_t n = 0;
			for (int i = 0; i < s->nworkers; i++)
				n += LOAD(s->workers[i].m.by_route_status[ri * NSTATUS + (size_t)st]);
			if (!n)
				continue;
			if (ri < http_nroutes)
				buf_printf(&b, "champion_http_requests_total{route=\"%s %s\",status=\"%d\"} "
					   "%" PRIu64 "\n", http_routes[ri].method,
					   http_routes[ri].pattern, st + 100, n);
			else if (ri > http_nroutes)
				buf_printf(&b, "champion_http_requests_total{route=\"web\",status=\"%d\"} "
					   "%" PRIu64 "\n", st + 100, n);
			else
				buf_printf(&b, "champion_http_requests_total{route=\"none\",status=\"%d\"} "
					   "%" PRIu64 "\n", st + 100, n);
		}
	}
	for (int i = 0; i < s->nworkers; i++) {
		struct metrics *m = &s->workers[i].m;
		for (int k = 0; k <= METRIC_BUCKETS; k++)
			lat[k] += LOAD(m->latency[k]);
		sum_us += LOAD(m->latency_sum_us);
		count += LOAD(m->requests);
		db_ns += LOAD(m->db_ns);
		conns += LOAD(m->connections);
		in_flight += LOAD(m->in_flight);
	}
	buf_puts(&b, "# HELP champion_http_request_duration_seconds Time to answer a request.\n"
		     "# TYPE champion_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (int k = 0; k < METRIC_BUCKETS; k++) {
		cum += lat[k];
		buf_printf(&b, "champion_http_request_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
			   (double)bucket_us[k] / 1e6, cum);
	}
	cum += lat[METRIC_BUCKETS];
	buf_printf(&b, "champion_http_request_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
		       "champion_http_request_duration_seconds_sum %.6f\n"
		       "champion_http_request_duration_seconds_count %" PRIu64 "\n",
		   cum, (double)sum_us / 1e6, count);
	buf_printf(&b, "# HELP champion_db_seconds_total Time spent in the database.\n"
		       "# TYPE champion_db_seconds_total counter\n"
		       "champion_db_seconds_total %.6f\n"
		       "# HELP champion_http_connections Open client connections.\n"
		       "# TYPE champion_http_connections gauge\n"
		       "champion_http_connections %" PRId64 "\n"
		       "# HELP champion_http_requests_in_flight Requests being served.\n"
		       "# TYPE champion_http_requests_in_flight gauge\n"
		       "champion_http_requests_in_flight %" PRId64 "\n"
		       "# HELP champion_writer_batches_total Group commits.\n"
		       "# TYPE champion_writer_batches_total counter\n"
		       "champion_writer_batches_total %" PRIu64 "\n"
		       "# HELP champion_writer_jobs_total Writes committed in groups.\n"
		       "# TYPE champion_writer_jobs_total counter\n"
		       "champion_writer_jobs_total %" PRIu64 "\n"
		       "# HELP champion_writer_groups_rerun_total Groups run again job by job "
		       "after a write failed halfway.\n"
		       "# TYPE champion_writer_groups_rerun_total counter\n"
		       "champion_writer_groups_rerun_total %" PRIu64 "\n",
		   (double)db_ns / 1e9, conns, in_flight, LOAD(s->writer.batches),
		   LOAD(s->writer.jobs), LOAD(s->writer.spoiled));
	buf_printf(&b,
		   "# HELP champion_writer_groups_retried_total Groups run again, whole, after the "
		   "database refused them for now (busy, restarting, a serialization failure)\n"
		   "# TYPE champion_writer_groups_retried_total counter\n"
		   "champion_writer_groups_retried_total %" PRIu64 "\n"
		   "# HELP champion_writer_jobs_retried_total Writes run again, alone, after the "
		   "database refused them for now on their own (a deadlock, a lock waited for too long)\n"
		   "# TYPE champion_writer_jobs_retried_total counter\n"
		   "champion_writer_jobs_retried_total %" PRIu64 "\n"
		   "# HELP champion_live_signals_total Signals that the desk changed, from the "
		   "database (PostgreSQL's NOTIFY), each waking the loops with live streams\n"
		   "# TYPE champion_live_signals_total counter\n"
		   "champion_live_signals_total %" PRIu64 "\n"
		   "# HELP champion_live_listening Whether the server hears the desk's signals "
		   "(1), or its live streams only poll (0)\n"
		   "# TYPE champion_live_listening gauge\n"
		   "champion_live_listening %d\n",
		   LOAD(s->writer.retried), LOAD(s->writer.jobs_retried), LOAD(s->live.signals),
		   LOAD(s->live.listening) ? 1 : 0);
	int rc = http_text(r, 200, "text/plain; version=0.0.4", b.data, b.len);
	buf_release(&b);
	return rc;
}
