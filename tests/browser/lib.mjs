// lib.mjs - what every browser test shares: Debian's chromium driven by
// playwright-core, timeouts, screenshots, assertions, the error watch, and
// main(), which runs one test and reports it as the shell tests do.
//
// A test is an ES module that node runs; its test_*.sh starts the desk's
// server and passes BASE_URL (and whatever else) in the environment:
//
//   import { main, step, assertEqual, assertNoErrors } from './lib.mjs';
//   await main(async (t) => {
//     const page = await t.newPage();
//     step('the front page');
//     await page.goto(process.env.BASE_URL + '/');
//     assertEqual(await page.title(), 'Champion', 'the title');
//     assertNoErrors(page);
//   });
//
// Nothing here downloads a browser or speaks to a host but 127.0.0.1: the
// browser is Debian's (CHROMIUM, else /usr/bin/chromium), and its proxy is a
// sink on 127.0.0.1 that fails every request for another host at once (the
// error watch reports those a page makes).
//
//   launch()                 a headless chromium Browser
//   newPage(browser)         a page in a context of its own (its own
//                            cookies), with the action timeout and the
//                            error watch
//   screenshot(page, name)   saves ARTIFACTS_DIR/<test>-<name>.png; returns
//                            its path
//   pageFetch(page, path, {method, headers, json})  fetch() inside the page
//                            (its cookies, its origin): {status, headers,
//                            text, json}
//   auditAccessibility(page, what)  axe-core's WCAG 2.1 A and AA rules over
//                            the page as it is now: throws a TestFailure
//                            naming each violation and where it is
//   step(what)               names the step under way (printed; failures
//                            and timeouts say which step they hit)
//   env(name), apiClient(base, token)  the .sh's variables; the API from node
//   assertEqual, assertContains, assertMatch, assertTrue: throw a
//                            TestFailure saying what was expected and what
//                            came; each success counts as one check passed
//   errorsOf(page), takeErrors(page, re), assertNoErrors(page): console
//                            errors, uncaught page errors and requests for
//                            other hosts seen on the page
//   sunkRequests()           what the browser asked of other hosts (and
//                            did not get): chromium's own update and time
//                            checks, and the pages' off-host requests
//   main(fn)                 launches the browser, runs fn(t) within
//                            TEST_TIMEOUT_MS, screenshots every open page
//                            when it fails, closes the browser, prints
//                            "N passed, M failed", sets the exit status

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Longest wait of one action (a click, a navigation, a selector, a fetch). */
export const ACTION_TIMEOUT_MS = 10_000;

/** Longest run of one whole test; BROWSER_TEST_TIMEOUT (seconds) changes it. */
export const TEST_TIMEOUT_MS = (Number(process.env.BROWSER_TEST_TIMEOUT) || 60) * 1000;

/** Where screenshots go: ARTIFACTS_DIR, else $BUILD_ROOT/tests/browser/artifacts. */
export const ARTIFACTS_DIR =
  process.env.ARTIFACTS_DIR ||
  path.join(process.env.BUILD_ROOT || path.join(HERE, '..', '..', 'build'), 'tests', 'browser', 'artifacts');

/** The test's name: its file's, without .mjs. */
export const TEST_NAME = path.basename(process.argv[1] || 'test', '.mjs');

const ARGS = ['--no-sandbox', '--disable-background-networking', '--no-first-run'];

/** A failed check: its message says what was expected and what came. */
export class TestFailure extends Error {
  constructor(message) {
    super(message);
    this.name = 'TestFailure';
  }
}

let passed = 0;
let currentStep = '';

/** The chromium binary: CHROMIUM, else Debian's /usr/bin/chromium. */
export function chromiumPath() {
  const exe = process.env.CHROMIUM || '/usr/bin/chromium';
  try {
    fs.accessSync(exe, fs.constants.X_OK);
  } catch {
    throw new TestFailure(`no chromium at '${exe}': run scripts/setup-deps (Debian's chromium), or set CHROMIUM`);
  }
  return exe;
}

// --- only loopback ----------------------------------------------------------------
//
// Even with --disable-background-networking, Debian's chromium asks Google
// for the time, for component updates and for accounts as it starts. So the
// browser's proxy is a sink of ours on a free port of 127.0.0.1, which
// closes every connection at once: a request for any host but the loopback
// one goes there and fails, and its first line is kept.

const sunk = [];

/** The off-host requests the sink stopped, as their first lines ("CONNECT host:443 HTTP/1.1"). */
export function sunkRequests() {
  return sunk.slice();
}

async function startSink() {
  const sink = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.setTimeout(1000, () => sock.destroy());
    sock.once('data', (d) => {
      sunk.push(d.toString('latin1').split('\r\n')[0].slice(0, 200));
      sock.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    sink.once('error', reject);
    sink.listen(0, '127.0.0.1', resolve);
  });
  sink.unref();
  return sink;
}

/** A headless chromium Browser that reaches 127.0.0.1 only; the caller closes it (main() does). */
export async function launch() {
  const exe = chromiumPath();
  const sink = await startSink();
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: exe,
      headless: true,
      args: ARGS,
      proxy: { server: `http://127.0.0.1:${sink.address().port}`, bypass: '127.0.0.1,localhost' },
      timeout: 30_000,
    });
  } catch (e) {
    sink.close();
    throw e;
  }
  browser.on('disconnected', () => sink.close());
  return browser;
}

// --- the error watch ---------------------------------------------------------------

const watches = new WeakMap();

function isLoopback(url) {
  if (!/^(https?|wss?):/.test(url)) return true; // data:, blob:, about:, chrome-error:
  try {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

/** Starts collecting the page's console errors, page errors and off-host requests. */
export function watchErrors(page) {
  if (watches.has(page)) return watches.get(page);
  const list = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    // chromium asks for /favicon.ico by itself on pages that name no icon
    // (JSON, say): its 404 is not the page's error.
    if (loc && /^https?:\/\/[^/]+\/favicon\.ico$/.test(loc.url) && /^Failed to load resource/.test(msg.text())) return;
    list.push({ kind: 'console error', text: msg.text(), where: loc && loc.url ? `${loc.url}:${loc.lineNumber}` : '' });
  });
  page.on('pageerror', (err) => {
    list.push({ kind: 'page error', text: String(err && err.stack ? err.stack : err), where: '' });
  });
  page.on('request', (req) => {
    if (!isLoopback(req.url())) list.push({ kind: 'off-host request', text: `${req.method()} ${req.url()}`, where: '' });
  });
  watches.set(page, list);
  return list;
}

/** What the watch collected on the page so far (borrowed: do not change it). */
export function errorsOf(page) {
  return watches.get(page) || [];
}

/** Removes and returns the errors whose text (or source URL) matches re: the ones the test expected. */
export function takeErrors(page, re) {
  const list = errorsOf(page);
  const hit = (e) => re.test(e.text) || re.test(e.where);
  const taken = list.filter(hit);
  const kept = list.filter((e) => !hit(e));
  list.splice(0, list.length, ...kept);
  return taken;
}

function describeErrors(list) {
  return list.map((e) => `  ${e.kind}: ${e.text}${e.where ? ` (${e.where})` : ''}`).join('\n');
}

/** Fails if the page logged a console error, threw, or asked another host for anything. */
export function assertNoErrors(page, what = 'the page') {
  const list = errorsOf(page);
  if (list.length) throw new TestFailure(`expected no errors on ${what}, got ${list.length}:\n${describeErrors(list)}`);
  passed++;
}

// --- pages -------------------------------------------------------------------------

/**
 * A page in a new context (its own cookies), with the action timeout and the
 * error watch; pages it opens (popups) are watched too.
 */
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  context.on('page', watchErrors);
  const page = await context.newPage();
  watchErrors(page);
  return page;
}

/** Saves a PNG of the whole page as ARTIFACTS_DIR/<test>-<name>.png; returns the path. */
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${TEST_NAME}-${String(name).replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: ACTION_TIMEOUT_MS });
  return file;
}

// axe-core (npm, MPL-2.0): the rules every accessibility audit tool shares,
// read once and evaluated in the page through the DevTools protocol, which
// the pages' Content-Security-Policy does not govern.
let axeSource = null;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Audits the page as it is now with axe-core's WCAG 2.1 A and AA rules
 * (labels, names, contrast, landmarks, headings, ARIA, lang...): each
 * violation fails the test with its rule, its help and where it is.
 */
export async function auditAccessibility(page, what = 'the page') {
  if (!axeSource) axeSource = fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const res = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return res.violations.map((v) => ({
      id: v.id,
      help: v.help,
      where: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}${n.failureSummary ? ` (${n.failureSummary.replace(/\s+/g, ' ').slice(0, 160)})` : ''}`),
    }));
  }, AXE_TAGS);
  if (violations.length)
    throw new TestFailure(`${what} has accessibility violations: ${violations
      .map((v) => `${v.id}: ${v.help} at ${v.where.join('; ')}`)
      .join(' | ')}`);
  passed++;
}

/**
 * fetch(path) run by the page itself, so with its origin and cookies. json,
 * when given, is sent as the JSON body. Gives up after ACTION_TIMEOUT_MS.
 * Returns {status, headers (lower-case names), text, json (null if the body
 * is not JSON)}.
 */
export async function pageFetch(page, urlPath, { method = 'GET', headers = {}, json } = {}) {
  return page.evaluate(
    async ({ urlPath, method, headers, json, timeoutMs }) => {
      const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) };
      if (json !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(json);
      }
      const res = await fetch(urlPath, init);
      const text = await res.text();
      let parsed = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { status: res.status, headers: Object.fromEntries(res.headers), text, json: parsed };
    },
    { urlPath, method, headers, json, timeoutMs: ACTION_TIMEOUT_MS },
  );
}

// --- assertions --------------------------------------------------------------------

function show(v) {
  const s = typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 1500 ? `${s.slice(0, 1500)}…` : s;
}

function isEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** actual equals expected (deep, for plain JSON values). */
export function assertEqual(actual, expected, what = 'value') {
  if (!isEqual(actual, expected)) throw new TestFailure(`expected ${what} to be ${show(expected)}, got ${show(actual)}`);
  passed++;
}

/** The string text contains needle. */
export function assertContains(text, needle, what = 'the text') {
  if (typeof text !== 'string' || !text.includes(needle))
    throw new TestFailure(`expected ${what} to contain ${show(needle)}; it was: ${show(text)}`);
  passed++;
}

/** The string text matches the regular expression re. */
export function assertMatch(text, re, what = 'the text') {
  if (typeof text !== 'string' || !re.test(text)) throw new TestFailure(`expected ${what} to match ${re}; it was: ${show(text)}`);
  passed++;
}

// --- what the test's shell side passes -----------------------------------------------

/** The environment variable name, which the test's .sh must set. */
export function env(name) {
	const v = process.env[name];
	if (!v) throw new Error(`${name} is not set (${TEST_NAME}.sh sets it)`);
	return v;
}

/**
 * The JSON API as the test's own client (from node, not a page): a
 * function (method, path, body) that sends Authorization: Bearer token
 * and returns the parsed answer, or throws with the status and body.
 */
export function apiClient(baseUrl, token) {
	return async (method, urlPath, body) => {
		const res = await fetch(`${baseUrl}${urlPath}`, {
			method,
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
			body: body ? JSON.stringify(body) : undefined,
		});
		const text = await res.text();
		if (!res.ok) throw new TestFailure(`${method} ${urlPath}: ${res.status} ${text.slice(0, 300)}`);
		return text ? JSON.parse(text) : null;
	};
}

/** cond is truthy; what says what should have been true. */
export function assertTrue(cond, what) {
  if (!cond) throw new TestFailure(`expected ${what}`);
  passed++;
}

/** Names the step under way; printed, and named by a failure or a timeout. */
export function step(what) {
  currentStep = what;
  console.log(`- ${what}`);
}

// --- running a test ----------------------------------------------------------------

// file:line of the test's own frame in an error's stack (not this file's, not node's).
function where(err) {
  const self = fileURLToPath(import.meta.url);
  for (const line of String((err && err.stack) || '').split('\n')) {
    const m = line.match(/(?:file:\/\/)?(\/[^\s():]+\.m?js):(\d+):\d+/);
    if (m && m[1] !== self && !m[1].includes('/node_modules/')) return `${path.basename(m[1])}:${m[2]}`;
  }
  return `${TEST_NAME}.mjs`;
}

// A failure's picture of the page: playwright's screenshot, or, when that
// waits on the page (a navigation that never ends), chromium's own capture.
async function failureShot(page, name) {
  try {
    return await bounded(screenshot(page, name), 3000, 'the screenshot');
  } catch {
    const cdp = await bounded(page.context().newCDPSession(page), 3000, 'the DevTools session');
    const { data } = await bounded(cdp.send('Page.captureScreenshot', { format: 'png' }), 3000, "chromium's capture");
    const file = path.join(ARTIFACTS_DIR, `${TEST_NAME}-${name}.png`);
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
    return file;
  }
}

// Playwright's messages carry terminal colours.
function plain(s) {
  return String(s).replace(/\x1b\[[0-9;]*m/g, '');
}

// p, or a rejection after ms: for the steps after a failure, which must not hang either.
function bounded(p, ms, what) {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Runs fn(t) with a browser: t.browser, t.newPage() (newPage on t.browser).
 * Fails the test when fn throws, when it runs over TEST_TIMEOUT_MS (or
 * opts.timeoutMs), or when the browser cannot start. On failure, saves a
 * screenshot of each open page (<test>-failure-N.png) and prints what the
 * pages' error watches held. Always closes the browser; exits with 0 or 1.
 */
export async function main(fn, opts = {}) {
  const timeoutMs = opts.timeoutMs || TEST_TIMEOUT_MS;
  const t0 = Date.now();
  const t = { browser: null, newPage: (o) => newPage(t.browser, o) };
  let failure = null;
  let timer;

  // Last run's pictures of this test would only mislead.
  try {
    for (const f of fs.readdirSync(ARTIFACTS_DIR))
      if (f.startsWith(`${TEST_NAME}-`) && f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS_DIR, f));
  } catch {
    // no directory yet
  }

  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const e = new TestFailure(
        `the test did not finish within ${timeoutMs / 1000} s${currentStep ? ` (in step '${currentStep}')` : ''}`,
      );
      e.stack = '';
      reject(e);
    }, timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        t.browser = await launch();
        await fn(t);
      })(),
      timeout,
    ]);
  } catch (e) {
    failure = e || new Error('the test threw a false value');
  }
  clearTimeout(timer);

  const lines = [];
  if (failure) {
    const msg = plain(failure instanceof TestFailure ? failure.message : failure.message || failure);
    lines.push(`FAIL at ${where(failure)}: ${msg}`);
    if (currentStep) lines.push(`  step: ${currentStep}`);
    const pages = t.browser && t.browser.isConnected() ? t.browser.contexts().flatMap((c) => c.pages()) : [];
    for (const [i, page] of pages.entries()) {
      lines.push(`  page ${i + 1}: ${page.url()}`);
      try {
        lines.push(`  screenshot: ${await failureShot(page, `failure-${i + 1}`)}`);
      } catch (e) {
        lines.push(`  no screenshot: ${plain(e.message || e).split('\n')[0]}`);
      }
      if (errorsOf(page).length && !msg.startsWith('expected no errors')) lines.push(`  errors seen on the page:\n${describeErrors(errorsOf(page))}`);
    }
  }
  if (t.browser) {
    try {
      await bounded(t.browser.close(), 10_000, 'closing the browser');
    } catch (e) {
      lines.push(`  ${e.message}`); // playwright kills it when node exits
    }
  }

  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (sunk.length) {
    const hosts = [...new Set(sunk.map((l) => (l.match(/^\S+ (?:https?:\/\/)?([^/:\s]+)/) || [])[1] || '?'))];
    console.log(`(the proxy sink stopped ${sunk.length} requests for other hosts: ${hosts.join(', ')})`);
  }
  if (failure) {
    console.error(lines.join('\n'));
    console.error(`${passed} passed, 1 failed`);
    console.error(`FAIL ${TEST_NAME} (${secs} s)`);
  } else {
    console.log(`${passed} passed, 0 failed`);
    console.log(`PASS ${TEST_NAME} (${secs} s)`);
  }
  // Whatever fn left running after a timeout must not keep node alive.
  process.exit(failure ? 1 : 0);
}
