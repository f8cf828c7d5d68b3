// test_workspace.mjs - the agent workspace and the customer portal in
// chromium, against the desk test_workspace.sh made:
// - a wrong password shows the server's message and signs nobody in; the
//   right one opens the workspace on the queues, with counts;
// - the queue shows the ticket's requester, tags and assignee; keyboard
//   only (j/k, Enter) opens it; the conversation is there;
// - a draft survives a reload; 'n' writes an internal note, styled apart;
//   'r' replies and "send and set solved" solves it in one action;
// - search finds the ticket as you type;
// - a ticket whose subject and body are script payloads shows them as
//   text and runs nothing (the CSP also refuses inline script);
// - a customer signs in to the portal, opens a ticket with a file, sees the agent's
//   public reply and never the internal note, replies, and marks it solved.
import {
	main,
	step,
	screenshot,
	pageFetch,
	takeErrors,
	assertEqual,
	assertContains,
	assertTrue,
	assertNoErrors,
	auditAccessibility,
	env,
	apiClient,
} from './lib.mjs';

const BASE_URL = env('BASE_URL');
const AGENT = env('AGENT_EMAIL');
const CUSTOMER = env('CUSTOMER_EMAIL');
const PASSWORD = env('PASSWORD');
const TOKEN = env('TOKEN');
const FIRE = env('FIRE');
const EVIL = env('EVIL');

// The API as the test's own client (Bearer token, from node).
const apiCall = apiClient(BASE_URL, TOKEN);

// Signing in: not signed in yet, the page's first GET /api/v1/session is a 401.
function forgetSignedOutProbe(page) {
	takeErrors(page, /401/);
}

await main(async (t) => {
	const page = await t.newPage();

	step('a wrong password is refused with the server\'s message');
	await page.goto(`${BASE_URL}/`);
	await page.waitForSelector('#signin');
	assertEqual(await page.title(), 'Champion', 'the title');
	await auditAccessibility(page, 'the sign-in page');
	await page.fill('#email', AGENT);
	await page.fill('#password', 'not the password');
	await page.click('#signin button[type=submit]');
	await page.waitForFunction(() => document.querySelector('#signin-error').textContent.length > 0);
	const refusal = await page.textContent('#signin-error');
	assertTrue(/password|unknown|sign/i.test(refusal), `a reason on the sign-in form (got '${refusal}')`);
	assertEqual(await page.locator('#views').count(), 0, 'queues shown before signing in');
	takeErrors(page, /401/);

	step('the right password opens the queues');
	await page.fill('#password', PASSWORD);
	await page.press('#password', 'Enter');
	await page.waitForSelector('#views a');
	const views = await page.locator('#views a').allInnerTexts();
	assertTrue(views.some((v) => /^Mine\s*\d+/.test(v)), `a "Mine" queue with its count (got ${JSON.stringify(views)})`);
	assertTrue(views.some((v) => /^My groups\s*2$/.test(v.trim())), `"My groups" counting both tickets (got ${JSON.stringify(views)})`);
	await page.click('#views a:has-text("My groups")');
	await page.waitForSelector(`#queue tr[data-id="${FIRE}"]`);
	const row = await page.locator(`#queue tr[data-id="${FIRE}"]`).innerText();
	assertContains(row, 'Printer on fire', 'the row');
	assertContains(row, 'Carl Customer', "the row's requester");
	assertContains(row, 'hardware', "the row's tags");
	assertContains(row, 'nobody', "the row's assignee (none)");
	await screenshot(page, 'queue');

	step('keyboard only: j/k and Enter open the ticket');
	await page.keyboard.press('Escape'); // out of any field, as a person would
	const order = await page.locator('#queue tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
	const target = order.indexOf(FIRE);
	assertTrue(target >= 0, `ticket ${FIRE} in the queue (${order})`);
	await page.keyboard.press('j');
	await page.keyboard.press('k');
	for (let i = 0; i < target; i++) await page.keyboard.press('j');
	assertEqual(await page.locator('#queue tr.current').getAttribute('data-id'), FIRE, 'the row j/k reached');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#conversation .msg');
	assertEqual(await page.textContent('#ticket-subject'), 'Printer on fire', "the ticket's subject");
	assertContains(await page.textContent('#conversation'), 'It smokes when I print.', 'the conversation');

	step('a draft survives a reload');
	await page.keyboard.press('r');
	assertEqual(await page.evaluate(() => document.activeElement.id), 'composer-text', 'r puts the cursor in the reply');
	await page.keyboard.type('Half a thought');
	await page.reload();
	await page.waitForSelector('#composer-text');
	assertEqual(await page.inputValue('#composer-text'), 'Half a thought', 'the draft after a reload');
	await page.fill('#composer-text', '');

	step("'n' writes an internal note, styled apart");
	await page.keyboard.press('Escape'); // out of any field, as a person would
	await page.keyboard.press('n');
	await page.keyboard.type('Checked the fuser: it is the toner.');
	await page.click('#composer-send');
	await page.waitForSelector('#conversation .msg.internal');
	const note = page.locator('#conversation .msg.internal');
	assertContains(await note.innerText(), 'Checked the fuser', 'the note');
	const [noteBg, replyBg] = await page.evaluate(() => [
		getComputedStyle(document.querySelector('.msg.internal')).backgroundColor,
		getComputedStyle(document.querySelector('.msg.public')).backgroundColor,
	]);
	assertTrue(noteBg !== replyBg, `a note's background (${noteBg}) unlike a reply's (${replyBg})`);

	step('files go with a note: one chosen with the picker, one dropped');
	await page.keyboard.press('Escape');
	await page.keyboard.press('n');
	await page.setInputFiles('#composer-pick', { name: 'fuser-log.txt', mimeType: 'text/plain', buffer: Buffer.from('fuser temp 412C\n') });
	assertContains(await page.textContent('#composer-files'), 'fuser-log.txt', 'the file listed before sending');
	// A drop as the browser delivers it: dragover, then drop, with a DataTransfer holding a File.
	const dropped = await page.evaluateHandle(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(['paper path jammed at roller 3\n'], 'jam-report.txt', { type: 'text/plain' }));
		return dt;
	});
	await page.dispatchEvent('#composer .drop', 'dragover', { dataTransfer: dropped });
	assertTrue(await page.locator('#composer .drop.over').count() === 1, 'the drop zone shows a file over it');
	await page.dispatchEvent('#composer .drop', 'drop', { dataTransfer: dropped });
	assertContains(await page.textContent('#composer-files'), 'jam-report.txt', 'the dropped file listed before sending');
	await page.fill('#composer-text', 'The log, attached.');
	await page.click('#composer-send');
	await page.waitForFunction(() => document.querySelectorAll('#conversation .msg.internal ul.files a').length === 2);
	const links = page.locator('#conversation .msg.internal ul.files a');
	assertEqual(await links.allTextContents(), ['fuser-log.txt', 'jam-report.txt'], 'the attachments in the conversation');
	const got = await pageFetch(page, await links.first().getAttribute('href'));
	assertEqual([got.status, got.text], [200, 'fuser temp 412C\n'], 'the picked file downloaded from its link');
	const gotDropped = await pageFetch(page, await links.last().getAttribute('href'));
	assertEqual([gotDropped.status, gotDropped.text], [200, 'paper path jammed at roller 3\n'], 'the dropped file downloaded');

	step("'r' replies, and 'send and set solved' solves it in one action");
	await page.keyboard.press('Escape'); // out of any field, as a person would
	await page.keyboard.press('r');
	await page.keyboard.type('Please **replace** the toner cartridge.');
	await page.click('#composer-preview-toggle');
	assertEqual(await page.textContent('#composer-preview strong'), 'replace', 'the Markdown preview');
	await page.click('#composer-preview-toggle');
	await page.selectOption('#composer-status', 'solved');
	await page.click('#composer-send');
	await page.waitForFunction(() => document.querySelectorAll('#conversation .msg.public').length === 2);
	assertEqual(await page.inputValue('#prop-status'), 'solved', 'the status shown after sending');
	const saved = await apiCall('GET', `/api/v1/tickets/${FIRE}`);
	assertEqual(saved.status, 'solved', 'the status in the desk');
	assertEqual(saved.messages.at(-1).body_text, 'Please **replace** the toner cartridge.', 'the reply in the desk');
	await screenshot(page, 'ticket');

	step("'a' assigns the ticket to me");
	await page.keyboard.press('Escape'); // out of any field, as a person would
	await page.keyboard.press('a');
	await page.waitForFunction((email) => document.querySelector('#prop-assignee').value === email, AGENT);
	assertEqual((await apiCall('GET', `/api/v1/tickets/${FIRE}`)).assignee, AGENT, 'the assignee in the desk');

	step('a follower added in place');
	await page.fill('#add-follower', 'watcher@customer.test');
	await page.press('#add-follower', 'Enter');
	await page.waitForFunction(() => document.querySelector('#ticket-followers').textContent.includes('watcher@customer.test'));
	assertTrue((await apiCall('GET', `/api/v1/tickets/${FIRE}`)).followers.includes('watcher@customer.test'), 'the follower in the desk');

	step('search as you type');
	await page.keyboard.press('/');
	await page.keyboard.type('toner');
	await page.waitForSelector(`#queue tr[data-id="${FIRE}"]`);
	assertContains(await page.locator(`#queue tr[data-id="${FIRE}"]`).innerText(), 'toner', 'the snippet');
	assertEqual(await page.locator(`#queue tr[data-id="${FIRE}"] mark`).first().textContent(), 'toner', 'the match, marked');

	step('a narrow screen (or 200% zoom): nothing wider than the window');
	await page.setViewportSize({ width: 640, height: 900 }); // a 1280 px window at 200%
	for (const where of [`#/ticket/${FIRE}`, '#/view/3']) {
		await page.evaluate((h) => { location.hash = h; }, where);
		await page.waitForSelector(where.startsWith('#/ticket') ? '#conversation .msg' : '#queue, #queue-empty');
		const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
		assertTrue(scroll <= inner, `the page at 640 px (${where}) to fit: ${scroll} px wide`);
	}
	await screenshot(page, 'narrow');
	await page.setViewportSize({ width: 1280, height: 720 });

	step('accessibility: no WCAG 2.1 A or AA violation (axe-core), and focus is visible');
	await page.evaluate(() => { location.hash = '#/view/3'; });
	await page.waitForSelector('#queue, #queue-empty');
	await auditAccessibility(page, 'the queue');
	await page.evaluate((h) => { location.hash = h; }, `#/ticket/${FIRE}`);
	await page.waitForSelector('#conversation .msg');
	await auditAccessibility(page, 'the ticket page');
	await page.keyboard.press('Escape');
	await page.keyboard.press('?');
	await page.waitForSelector('#shortcuts[open]');
	await auditAccessibility(page, 'the shortcuts dialog');
	await page.keyboard.press('Escape');
	await page.waitForSelector('#shortcuts[open]', { state: 'detached' }).catch(() => page.waitForSelector('#shortcuts:not([open])'));
	await page.keyboard.press('Tab');
	const ring = await page.evaluate(() => {
		const el = document.activeElement;
		const st = getComputedStyle(el);
		return { el: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}`, style: st.outlineStyle, width: parseFloat(st.outlineWidth) };
	});
	assertTrue(ring.el !== 'body' && ring.style !== 'none' && ring.width >= 2,
		`a visible focus ring on the element Tab reached (${JSON.stringify(ring)})`);

	step('script payloads in a ticket are text, and nothing runs');
	await page.goto(`${BASE_URL}/#/ticket/${EVIL}`);
	await page.waitForSelector('#conversation .msg');
	assertEqual(await page.textContent('#ticket-subject'), '<img src=x onerror="window.__xss=1">Evil', 'the subject, as text');
	assertContains(await page.textContent('#conversation'), '<script>window.__xss=2</script>', 'the body, as text');
	await page.hover('#conversation .msg .body');
	assertEqual(await page.evaluate(() => window.__xss), undefined, 'window.__xss (set only if a payload ran)');
	assertEqual(await page.locator('#conversation script, #conversation img, #ticket-subject img').count(), 0, 'elements made from the payloads');
	// Even a script put on the page is refused by the Content-Security-Policy.
	const ran = await page.evaluate(() => {
		const s = document.createElement('script');
		s.textContent = 'window.__inline = 1';
		document.body.append(s);
		return window.__inline;
	});
	assertEqual(ran, undefined, 'an inline script run despite the CSP');
	takeErrors(page, /Content Security Policy|Content-Security-Policy/);
	forgetSignedOutProbe(page);
	assertNoErrors(page, 'the workspace');

	step('sign out');
	await page.click('#signout');
	await page.waitForSelector('#signin');
	assertEqual((await pageFetch(page, '/api/v1/session')).status, 401, 'the session after signing out');
	takeErrors(page, /401/);

	step('the portal: a customer opens a ticket');
	const portal = await t.newPage();
	await portal.goto(`${BASE_URL}/portal`);
	await portal.waitForSelector('#signin');
	assertEqual(await portal.locator('#ask-link').count(), 0, 'a link offered by a desk without web.url');
	await portal.fill('#email', CUSTOMER);
	await portal.fill('#password', PASSWORD);
	await portal.click('#signin button[type=submit]');
	await portal.waitForSelector('#new-ticket');
	await auditAccessibility(portal, "the portal's requests");
	const mine = await portal.locator('#my-tickets').innerText();
	assertContains(mine, 'Printer on fire', 'the customer\'s own tickets');
	await portal.fill('#new-subject', 'Scanner jams');
	await portal.fill('#new-body', 'Every third page.');
	await portal.setInputFiles('#new-files', { name: 'jammed-page.txt', mimeType: 'text/plain', buffer: Buffer.from('page 3 of 9\n') });
	await portal.click('#new-ticket button[type=submit]');
	await portal.waitForSelector('#conversation .msg');
	assertEqual(await portal.textContent('#ticket-subject'), 'Scanner jams', 'the new ticket');
	const sent = portal.locator('#conversation .msg ul.files a');
	assertEqual(await sent.allTextContents(), ['jammed-page.txt'], 'the file sent with the new ticket');
	const back = await pageFetch(portal, await sent.first().getAttribute('href'));
	assertEqual([back.status, back.text], [200, 'page 3 of 9\n'], 'the file downloaded by its customer');
	const id = (await portal.evaluate(() => location.hash)).replace('#/ticket/', '');

	step('the customer sees the public reply, never the note');
	await apiCall('POST', `/api/v1/tickets/${id}/notes`, { body: 'Internal: this customer owns three scanners.' });
	await apiCall('POST', `/api/v1/tickets/${id}/replies`, { body: 'Please clean the rollers.' });
	await portal.reload();
	await portal.waitForFunction(() => document.querySelectorAll('#conversation .msg').length === 2);
	const seen = await portal.textContent('#conversation');
	assertContains(seen, 'Please clean the rollers.', 'the reply in the portal');
	await auditAccessibility(portal, "the portal's ticket");
	assertTrue(!seen.includes('three scanners'), 'the internal note not in the portal');
	await portal.fill('#reply-body', 'Thanks, that worked.');
	await portal.click('#reply button[type=submit]');
	await portal.waitForFunction(() => document.querySelectorAll('#conversation .msg').length === 3);
	await screenshot(portal, 'portal');

	step('the customer marks the request solved');
	await portal.click('#mark-solved');
	await portal.waitForSelector('#ticket-status .badge.status-solved');
	assertEqual((await apiCall('GET', `/api/v1/tickets/${id}`)).status, 'solved', 'the status in the desk');
	assertEqual(await portal.locator('#mark-solved').count(), 0, 'the button once solved');
	forgetSignedOutProbe(portal);
	assertNoErrors(portal, 'the portal');
});
