// test_portal.mjs - the portal's sign-in by a mailed link, in chromium,
// against the desk and the SMTP sink test_portal.sh started:
// - the sign-in form offers a link (this desk mails them); asking for one
//   shows the server's answer, the same for any address; axe-core finds
//   nothing wrong with the form;
// - the mail the sink took holds WEB_URL/portal#link=SECRET;
// - opening it in another browser (as from a mail) signs the customer in
//   to their requests, and the secret is gone from the address bar at once;
// - the same link pasted into the first page's address signs nobody in and
//   says why on the sign-in form.
import fs from 'node:fs';
import path from 'node:path';
import {
	main,
	step,
	screenshot,
	takeErrors,
	assertEqual,
	assertContains,
	assertMatch,
	assertTrue,
	assertNoErrors,
	auditAccessibility,
	env,
	TestFailure,
} from './lib.mjs';

const BASE_URL = env('BASE_URL');
const CUSTOMER = env('CUSTOMER_EMAIL');
const SINK_DIR = env('SINK_DIR');
const WEB_URL = env('WEB_URL');

// The link in the newest mail to `to`, its quoted-printable undone; waits 15 s at most.
async function mailedLink(to) {
	const until = Date.now() + 15_000;
	while (Date.now() < until) {
		for (const name of fs.readdirSync(SINK_DIR)) {
			const raw = fs.readFileSync(path.join(SINK_DIR, name), 'utf8');
			if (!raw.includes(`To: ${to}`)) continue;
			const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
			const m = /(\S+)#link=(chl_[A-Za-z0-9_-]+)/.exec(text);
			if (m) return { base: m[1], secret: m[2] };
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new TestFailure(`no mail with a sign-in link to ${to} within 15 s`);
}

await main(async (t) => {
	const page = await t.newPage();

	step('the sign-in form offers a link, and asking for one says what comes');
	await page.goto(`${BASE_URL}/portal`);
	await page.waitForSelector('#ask-link');
	await page.click('#ask-link');
	assertEqual(await page.evaluate(() => document.querySelector('#email').validity.valueMissing), true,
		'the email asked for before a link');
	await page.fill('#email', CUSTOMER);
	await page.click('#ask-link');
	await page.waitForFunction(() => document.querySelector('#link-status').textContent.length > 0);
	const said = await page.textContent('#link-status');
	assertContains(said, 'a sign-in link is on its way', 'the answer on the form');
	assertContains(said, 'within 15 minutes', 'how long it works');
	await auditAccessibility(page, 'the sign-in form with a link asked for');
	await screenshot(page, 'link-asked');
	takeErrors(page, /401/); // the first GET /api/v1/session, not signed in yet

	step('the mail holds the link, from web.url');
	const link = await mailedLink(CUSTOMER);
	assertEqual(link.base, `${WEB_URL}/portal`, 'where the link points');

	step('opening the link (a new browser, as from a mail) signs in, and the secret leaves the address');
	const mailed = await t.newPage();
	await mailed.goto(`${BASE_URL}/portal#link=${link.secret}`);
	await mailed.waitForSelector('#my-tickets');
	assertContains(await mailed.locator('#my-tickets').innerText(), 'Badge reader offline', 'the customer\'s requests');
	const address = await mailed.evaluate(() => location.href);
	assertTrue(!address.includes(link.secret), `the secret gone from the address (${address})`);
	assertMatch(await mailed.textContent('header'), /Nina Nopassword/, 'who is signed in');
	await screenshot(mailed, 'signed-in-by-link');
	assertNoErrors(mailed, 'the portal signed in by a link');

	step('the same link again, pasted into the open sign-in page, signs nobody in and says why');
	await page.evaluate((secret) => { location.hash = `#link=${secret}`; }, link.secret);
	await page.waitForFunction(() => /expired/.test((document.querySelector('#signin-error') || {}).textContent || ''));
	assertContains(await page.textContent('#signin-error'), 'unknown, used or expired', 'why');
	assertEqual(await page.locator('#my-tickets').count(), 0, 'requests shown to nobody');
	assertTrue(!(await page.evaluate(() => location.href)).includes(link.secret), 'the spent secret gone from the address');
	await screenshot(page, 'link-spent');
	takeErrors(page, /401/);
	assertNoErrors(page, 'the portal after a spent link');
});
