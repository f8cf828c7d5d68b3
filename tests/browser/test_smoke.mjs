// test_smoke.mjs - the browser and the server agree on what the web UI will
// stand on: chromium shows /healthz; a page signs in with a password through
// fetch (POST /api/v1/session) and holds an HttpOnly session cookie its
// scripts cannot read; GET /api/v1/session gives the same user; a write
// without X-CSRF-Token is refused (403 csrf_failed) and with it accepted;
// DELETE /api/v1/session signs out.
//
// test_smoke.sh makes the desk and the agent and starts the server:
// BASE_URL, AGENT_EMAIL and AGENT_PASSWORD come from it.
import {
  main,
  step,
  screenshot,
  pageFetch,
  takeErrors,
  assertEqual,
  assertContains,
  assertMatch,
  assertTrue,
  assertNoErrors,
} from './lib.mjs';

const COOKIE = 'champion_session';

await main(async (t) => {
  const { BASE_URL, AGENT_EMAIL: EMAIL, AGENT_PASSWORD: PASSWORD } = process.env;
  assertTrue(BASE_URL && EMAIL && PASSWORD, 'BASE_URL, AGENT_EMAIL and AGENT_PASSWORD in the environment (test_smoke.sh sets them)');
  const page = await t.newPage();
  const sessionCookie = async () => (await page.context().cookies(BASE_URL)).find((c) => c.name === COOKIE);

  step('chromium shows /healthz');
  const res = await page.goto(`${BASE_URL}/healthz`);
  assertEqual(res.status(), 200, 'the status of /healthz');
  assertMatch(res.headers()['content-type'] || '', /^application\/json/, "/healthz's Content-Type");
  const shown = await page.locator('body').innerText();
  assertContains(shown, '"status"', 'the text chromium shows for /healthz');
  assertEqual(JSON.parse(await page.locator('pre').first().innerText()).status, 'ok', "/healthz's status");
  await screenshot(page, 'healthz');

  step('signing in: POST /api/v1/session');
  let r = await pageFetch(page, '/api/v1/session', { method: 'POST', json: { email: EMAIL, password: PASSWORD } });
  assertEqual(r.status, 201, `the status of signing in as ${EMAIL} (body: ${r.text.slice(0, 300)})`);
  assertEqual(r.json.user.email, EMAIL, "the signed-in user's email");
  assertEqual(r.json.user.role, 'agent', "the signed-in user's role");
  const user = r.json.user;
  const csrf = r.json.csrf_token;
  assertTrue(typeof csrf === 'string' && csrf.length >= 16, `a csrf_token in the answer (got ${JSON.stringify(csrf)})`);

  step('the session cookie is HttpOnly');
  const cookie = await sessionCookie();
  assertTrue(cookie, `the browser to hold a ${COOKIE} cookie for ${BASE_URL}`);
  assertEqual([cookie.httpOnly, cookie.sameSite], [true, 'Lax'], `the ${COOKIE} cookie's HttpOnly and SameSite`);
  const scriptCookies = await page.evaluate(() => document.cookie);
  assertTrue(!scriptCookies.includes(COOKIE), `document.cookie not to show ${COOKIE}; it was '${scriptCookies}'`);

  step('GET /api/v1/session: the same user, the same CSRF token');
  r = await pageFetch(page, '/api/v1/session');
  assertEqual(r.status, 200, 'the status of GET /api/v1/session');
  assertEqual(r.json.user, user, 'the user GET /api/v1/session gives');
  assertEqual(r.json.csrf_token, csrf, 'the CSRF token GET /api/v1/session gives');

  step('a write without X-CSRF-Token is refused');
  const ticket = {
    subject: 'The browser smoke test',
    body: 'Opened from chromium with the session cookie.',
    requester: 'carla@customer.example',
    tags: ['smoke'],
  };
  r = await pageFetch(page, '/api/v1/tickets', { method: 'POST', json: ticket });
  assertEqual(r.status, 403, 'the status of POST /api/v1/tickets without X-CSRF-Token');
  assertMatch(r.headers['content-type'] || '', /^application\/problem\+json/, "the refusal's Content-Type");
  assertEqual(r.json && r.json.code, 'csrf_failed', "the refusal's code");
  // chromium logs each 4xx answer to fetch() as a console error: this one was expected.
  assertEqual(takeErrors(page, /status of 403/).length, 1, 'console errors for the refused write');
  r = await pageFetch(page, '/api/v1/tickets');
  assertEqual(r.status, 200, 'the status of GET /api/v1/tickets');
  assertEqual(r.json.tickets.length, 0, 'tickets in the desk after the refused write');

  step('the same write with X-CSRF-Token is accepted');
  r = await pageFetch(page, '/api/v1/tickets', { method: 'POST', json: ticket, headers: { 'X-CSRF-Token': csrf } });
  assertEqual(r.status, 201, `the status of POST /api/v1/tickets with X-CSRF-Token (body: ${r.text.slice(0, 300)})`);
  const id = r.json.id;
  assertEqual([r.json.subject, r.json.status, r.json.requester.email], [ticket.subject, 'new', ticket.requester], 'the new ticket');
  assertEqual(r.headers.location, `/api/v1/tickets/${id}`, "the new ticket's Location");
  r = await pageFetch(page, `/api/v1/tickets/${id}`);
  assertEqual(r.status, 200, `the status of GET /api/v1/tickets/${id}`);
  assertEqual(r.json.messages.length && r.json.messages[0].body_text, ticket.body, "the new ticket's first message");
  // A navigation carries the cookie too: chromium shows the ticket's JSON.
  const nav = await page.goto(`${BASE_URL}/api/v1/tickets/${id}`);
  assertEqual(nav.status(), 200, `the status of opening /api/v1/tickets/${id} in the browser`);
  assertContains(await page.locator('body').innerText(), ticket.subject, `the text chromium shows for ticket ${id}`);
  await screenshot(page, 'ticket');

  step('DELETE /api/v1/session signs out');
  r = await pageFetch(page, '/api/v1/session', { method: 'DELETE', headers: { 'X-CSRF-Token': csrf } });
  assertEqual(r.status, 204, 'the status of DELETE /api/v1/session');
  assertTrue(!(await sessionCookie()), `the ${COOKIE} cookie to be gone after signing out`);
  r = await pageFetch(page, '/api/v1/session');
  assertEqual(r.status, 401, 'the status of GET /api/v1/session after signing out');
  assertEqual(r.json && r.json.code, 'unauthenticated', 'the code of GET /api/v1/session after signing out');
  // The ticket's page, loaded again, now says who is missing.
  const again = await page.reload();
  assertEqual(again.status(), 401, `the status of reloading /api/v1/tickets/${id} after signing out`);
  assertContains(await page.locator('body').innerText(), 'unauthenticated', 'the text chromium shows after signing out');
  await screenshot(page, 'signed-out');
  assertEqual(takeErrors(page, /status of 401/).length, 2, 'console errors for the signed-out reads');

  assertNoErrors(page);
});
