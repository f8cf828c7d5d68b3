// test_live.mjs - live updates in two agents' workspaces, with no reload:
// - a ticket created through the API, and one created by the CLI (another
//   process), appear in the queue Ann is looking at, marked new, and the
//   queue's count follows;
// - Ann and Bob open the same ticket: each sees the other viewing it; when
//   Bob types, Ann sees him typing; Bob's reply appears in Ann's
//   conversation while her own draft stays as she left it;
// - an engineer gets notes only (no reply, no status), and Ann sees the note
//   arrive;
// - Bob goes back to the queue: Ann no longer sees him.
import { execFileSync } from 'node:child_process';
import { main, step, screenshot, takeErrors, assertEqual, assertContains, assertTrue, assertNoErrors, env, apiClient } from './lib.mjs';

const BASE_URL = env('BASE_URL');
const PASSWORD = env('PASSWORD');
const TOKEN = env('TOKEN');
const CLI = env('CLI');

const apiCall = apiClient(BASE_URL, TOKEN);

async function signIn(t, email) {
	const page = await t.newPage();
	await page.goto(`${BASE_URL}/`);
	await page.fill('#email', email);
	await page.fill('#password', PASSWORD);
	await page.press('#password', 'Enter');
	await page.waitForSelector('#views a');
	await page.waitForSelector('body[data-live="on"]'); // the stream is open
	takeErrors(page, /401/); // the signed-out probe before signing in
	return page;
}

const countOf = (page, name) =>
	page.locator(`#views a:has-text("${name}") .count`).textContent().then((s) => Number(s));

await main(async (t) => {
	step('Ann and Bob sign in');
	const ann = await signIn(t, 'ann@example.com');
	const bob = await signIn(t, 'bob@example.com');
	await ann.click('#views a:has-text("My groups")');
	await ann.waitForSelector('#queue tr[data-id="1"]');
	const before = await countOf(ann, 'My groups');

	step('a ticket created through the API appears in her queue');
	const made = await apiCall('POST', '/api/v1/tickets', {
		subject: 'Arrived just now', body: 'Fresh', requester: 'dora@customer.test', group: 'Support',
	});
	await ann.waitForSelector(`#queue tr[data-id="${made.id}"].fresh`, { timeout: 5000 });
	assertContains(await ann.locator(`#queue tr[data-id="${made.id}"]`).innerText(), 'Arrived just now', 'the new row');
	await ann.waitForFunction((n) => Number(document.querySelector('#views a[aria-current=page] .count').textContent) === n, before + 1);

	step('a ticket created by the CLI, another process, appears too');
	const out = execFileSync(CLI, ['ticket', 'create', '--subject', 'By mail, say', '--requester', 'erin@customer.test',
		'--body', 'From elsewhere', '--group', 'Support'], { encoding: 'utf8' });
	const cliId = (out.match(/#(\d+)/) || [])[1];
	assertTrue(cliId, `the CLI's ticket id in '${out.trim()}'`);
	await ann.waitForSelector(`#queue tr[data-id="${cliId}"]`, { timeout: 5000 });
	assertEqual(await countOf(ann, 'My groups'), before + 2, "the queue's count");
	await screenshot(ann, 'queue-live');

	step('both open ticket 1 and see each other');
	await ann.goto(`${BASE_URL}/#/ticket/1`);
	await ann.waitForSelector('#conversation .msg');
	await bob.goto(`${BASE_URL}/#/ticket/1`);
	await bob.waitForSelector('#conversation .msg');
	await bob.waitForFunction(() => document.querySelector('#presence').textContent.includes('Ann Agent is viewing'));
	await ann.waitForFunction(() => document.querySelector('#presence').textContent.includes('Bob Agent is viewing'), null, { timeout: 5000 });

	step('Bob types: Ann sees him typing');
	await ann.fill('#composer-text', 'Ann was writing this');
	await bob.click('#composer-text');
	await bob.keyboard.type('On it');
	await ann.waitForFunction(() => document.querySelector('#presence').textContent.includes('Bob Agent is typing a reply'), null, { timeout: 5000 });
	await screenshot(ann, 'collision');

	step("Bob's reply appears in Ann's conversation; her draft stays");
	await bob.click('#composer-send');
	await bob.waitForFunction(() => document.querySelectorAll('#conversation .msg').length === 2);
	await ann.waitForFunction(() => document.querySelectorAll('#conversation .msg').length === 2, null, { timeout: 5000 });
	assertContains(await ann.textContent('#conversation'), 'On it', "Bob's reply on Ann's screen");
	assertEqual(await ann.inputValue('#composer-text'), 'Ann was writing this', "Ann's draft");

	step('an engineer writes notes only, and Ann sees the note arrive');
	const eve = await signIn(t, 'eve@example.com');
	await eve.goto(`${BASE_URL}/#/ticket/1`);
	await eve.waitForSelector('#conversation .msg');
	assertEqual(await eve.locator('#mode-reply').count(), 0, "a public reply button for the engineer");
	assertEqual(await eve.getAttribute('#composer-text', 'aria-label'), 'Internal note', "the engineer's composer");
	assertTrue(await eve.isDisabled('#prop-status'), 'the status menu disabled for the engineer');
	await eve.fill('#composer-text', 'Root cause: a stale cache entry.');
	await eve.click('#composer-send');
	await ann.waitForSelector('#conversation .msg.internal', { timeout: 5000 });
	assertContains(await ann.textContent('#conversation .msg.internal'), 'stale cache entry', "the engineer's note on Ann's screen");
	assertNoErrors(eve, "Eve's workspace");

	step('Bob leaves: Ann no longer sees him');
	await bob.click('#views a:has-text("My groups")');
	await bob.waitForSelector('#queue');
	await ann.waitForFunction(() => !document.querySelector('#presence').textContent.includes('Bob'), null, { timeout: 5000 });
	assertNoErrors(ann, "Ann's workspace");
	assertNoErrors(bob, "Bob's workspace");
});
