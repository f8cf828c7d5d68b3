// ui.mjs - bench/ui.sh's browser side: the workspace's speed as the page
// itself measures it (Performance API). Prints a Markdown table.
import { launch } from '../tests/browser/lib.mjs';

const BASE_URL = process.env.BASE_URL;
const EMAIL = process.env.EMAIL;
const PASSWORD = process.env.PASSWORD;
const TICKET = process.env.TICKET;
const RUNS = Number(process.env.RUNS || 15);

const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor((s.length - 1) / 2)];
};
const fmt = (x, unit) => `${x.toFixed(1)} ${unit}`;

// A page in a fresh context (empty cache) signed in through the API.
async function signedIn(browser) {
	const context = await browser.newContext();
	const page = await context.newPage();
	if (process.env.UI_DEBUG) page.on('console', (m) => console.error(m.text()));
	const res = await page.request.post(`${BASE_URL}/api/v1/session`, { data: { email: EMAIL, password: PASSWORD } });
	if (res.status() !== 201) throw new Error(`sign-in: ${res.status()} ${await res.text()}`);
	return { context, page };
}

// Since navigation start: when the queue's rows were on the page, and the bytes moved.
async function load(page, url) {
	await page.goto(url);
	await page.waitForFunction(() => performance.getEntriesByName('champion:queue').length > 0, null, { timeout: 10000 });
	return page.evaluate(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		const bytes = [nav, ...res].reduce((n, e) => n + (e.transferSize || 0), 0);
		return {
			ms: performance.getEntriesByName('champion:queue')[0].startTime,
			bytes,
			files: res.length,
			rows: document.querySelectorAll('#queue tbody tr').length,
		};
	});
}

// route mark -> done mark of the next navigation inside the page.
async function timed(page, action, done) {
	await page.evaluate(() => performance.clearMarks());
	await action();
	await page.waitForFunction((d) => performance.getEntriesByName(`champion:${d}`).length > 0, done, { timeout: 10000 });
	return page.evaluate((d) => {
		const start = performance.getEntriesByName('champion:route')[0].startTime;
		const end = performance.getEntriesByName(`champion:${d}`)[0].startTime;
		if (globalThis.process === undefined && location.search.includes('debug')) {
			// nothing: kept for ad-hoc runs
		}
		const api = performance.getEntriesByType('resource').filter((e) => e.startTime >= start && e.name.includes('/api/'));
		console.log(`${d}: ${(end - start).toFixed(1)} ms; API: ${api.map((e) => `${e.name.replace(/^.*\/api\/v1/, '')} ${e.duration.toFixed(1)}`).join(', ')}`);
		return end - start;
	}, done);
}

const browser = await launch();
try {
	const { context: c0, page: p0 } = await signedIn(browser);
	await p0.goto(`${BASE_URL}/`);
	await p0.waitForSelector('#views a');
	const views = await p0.evaluate(async () => (await (await fetch('/api/v1/views')).json()).views);
	const big = views.filter((v) => v.count >= 50);
	if (big.length < 1) throw new Error(`need a view of 50 tickets or more; counts: ${views.map((v) => v.count)}`);
	await c0.close();
	const queueUrl = `${BASE_URL}/#/view/${big[0].id}`;

	const cold = [];
	const warm = [];
	const queue = [];
	const ticket = [];
	for (let i = 0; i < RUNS; i++) {
		const { context, page } = await signedIn(browser);
		cold.push(await load(page, queueUrl));
		// Warm: the same page again, its files from the cache.
		await page.reload();
		await page.waitForFunction(() => performance.getEntriesByName('champion:queue').length > 0);
		warm.push(await page.evaluate(() => ({
			ms: performance.getEntriesByName('champion:queue')[0].startTime,
			bytes: [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
				.reduce((n, e) => n + (e.transferSize || 0), 0),
		})));
		ticket.push(await timed(page, () => page.evaluate((id) => { location.hash = `#/ticket/${id}`; }, TICKET), 'ticket'));
		const msgs = await page.locator('#conversation .msg').count();
		if (msgs !== 20) throw new Error(`the long ticket shows ${msgs} messages, not 20`);
		// From the ticket back to the queue by its link: the API call and 50 rows.
		queue.push(await timed(page, () => page.click(`#views a[href="#/view/${big[0].id}"]`), 'queue'));
		if ((await page.locator('#queue tbody tr').count()) < 50) throw new Error('the queue has fewer than 50 rows');
		await context.close();
	}
	const rows = [
		['cold load of a queue of 50 (empty cache)', fmt(median(cold.map((x) => x.ms)), 'ms'), '< 300 ms'],
		['bytes transferred by that load', `${(median(cold.map((x) => x.bytes)) / 1024).toFixed(1)} KB (${cold[0].files} files and API calls)`, '< 150 KB'],
		['warm load (files cached)', fmt(median(warm.map((x) => x.ms)), 'ms'), ''],
		['bytes transferred, warm', `${(median(warm.map((x) => x.bytes)) / 1024).toFixed(1)} KB`, ''],
		['open a queue of 50 from a ticket (API call + render)', fmt(median(queue), 'ms'), '< 50 ms'],
		['open a ticket of 20 messages (API call + render)', fmt(median(ticket), 'ms'), '< 100 ms'],
	];
	console.log(`chromium ${browser.version()}, ${RUNS} runs each (medians), on 127.0.0.1\n`);
	console.log('| measure | median | target |\n|---|---:|---|');
	for (const r of rows) console.log(`| ${r[0]} | ${r[1]} | ${r[2]} |`);
	console.log(`\nslowest: cold ${Math.max(...cold.map((x) => x.ms)).toFixed(1)} ms, queue ${Math.max(...queue).toFixed(1)} ms, ticket ${Math.max(...ticket).toFixed(1)} ms`);
} finally {
	await browser.close();
}
