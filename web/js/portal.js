// portal.js - the customer portal: sign in (a password, or a link the
// desk mails), open a ticket (with files), read one's tickets (public
// replies only: the API never sends a customer an internal note) and reply.
import {api, currentUser, signOut, upload, query, signInWithLink, linkSettings} from './api.js';
import {signInForm} from './signin.js';
import {h, fill, $, when, notice} from './dom.js';

let me = null;
let links = false; // the desk mails sign-in links
const app = () => $('#app');
const label = (s) => (s || '').replace('_', ' ');

function signInPage(message) {
  signInForm('Sign in for support', message, (user) => {
    me = user;
    return route();
  }, {links});
}

function page(...children) {
  fill(app(), h('div', {class: 'portal'},
    h('header', {class: 'queue-head'}, h('h1', {}, h('a', {href: '#/'}, 'Support')),
      h('span', {class: 'muted'}, me.name), h('button', {type: 'button', id: 'signout', onclick: async () => { await signOut(); me = null; signInPage('Signed out.'); }}, 'Sign out')),
    h('main', {id: 'main'}, children)));
}

function newTicketForm() {
  const files = h('input', {type: 'file', id: 'new-files', name: 'files', multiple: true});
  const form = h('form', {class: 'new', id: 'new-ticket', 'aria-labelledby': 'new-title'},
    h('h2', {id: 'new-title'}, 'Ask for help'),
    h('label', {for: 'new-subject'}, 'Subject'),
    h('input', {type: 'text', id: 'new-subject', name: 'subject', required: true, maxlength: 250}),
    h('label', {for: 'new-body'}, 'What happened?'),
    h('textarea', {id: 'new-body', name: 'body', required: true}),
    h('label', {for: 'new-files'}, 'Files'), files,
    h('p', {}, h('button', {type: 'submit', class: 'primary'}, 'Send')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const res = await upload('POST', '/api/v1/tickets', {subject: form.subject.value, body: form.body.value}, [...files.files]);
      notice('Thank you: we have your request.');
      location.hash = `#/ticket/${res.id || res.ticket_id}`;
    } catch (e) {
      notice(e.message, 'error');
    }
  });
  return form;
}

async function showList() {
  const res = await api('GET', `/api/v1/tickets${query({limit: 50})}`);
  page(
    h('h2', {}, 'Your requests'),
    res.tickets.length
      ? h('table', {class: 'tickets', id: 'my-tickets'},
        h('thead', {}, h('tr', {}, ['Subject', 'Status', 'Last activity'].map((c) => h('th', {scope: 'col'}, c)))),
        h('tbody', {}, res.tickets.map((t) => h('tr', {dataset: {id: t.id}},
          h('td', {class: 'subject'}, h('a', {href: `#/ticket/${t.id}`}, t.subject)),
          h('td', {}, h('span', {class: `badge status-${t.status}`}, label(t.status))),
          h('td', {}, when(t.updated_at))))))
      : h('p', {class: 'muted'}, 'No requests yet.'),
    newTicketForm());
  document.title = 'Support';
}

async function showTicket(id) {
  const t = await api('GET', `/api/v1/tickets/${id}`);
  const text = h('textarea', {id: 'reply-body', name: 'body', 'aria-label': 'Your reply', required: true});
  const form = h('form', {class: 'composer', id: 'reply'}, text,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Reply')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', `/api/v1/tickets/${id}/replies`, {body: text.value});
      notice('Sent.');
      await showTicket(id);
    } catch (e) {
      notice(e.message, 'error');
    }
  });
  const open = t.status !== 'solved' && t.status !== 'closed';
  const solve = open && h('button', {type: 'button', id: 'mark-solved', onclick: async () => {
    try {
      await api('PATCH', `/api/v1/tickets/${id}`, {status: 'solved'});
      notice('Marked solved. Write again any time to reopen it.');
      await showTicket(id);
    } catch (e) {
      notice(e.message, 'error');
    }
  }}, 'Mark solved');
  page(
    h('p', {}, h('a', {href: '#/'}, '← Your requests')),
    h('h2', {id: 'ticket-subject'}, t.subject),
    h('p', {class: 'muted', id: 'ticket-status'}, `#${t.id} · `, h('span', {class: `badge status-${t.status}`}, label(t.status)), ' ', solve),
    h('div', {class: 'conversation', id: 'conversation'}, t.messages.map((m) =>
      h('article', {class: 'msg', dataset: {id: m.id}},
        h('header', {}, h('strong', {}, m.author_id === me.id ? 'You' : 'Support'), when(m.created_at)),
        h('div', {class: 'body'}, m.body_text),
        m.attachments && m.attachments.length ? h('ul', {class: 'files'}, m.attachments.map((a) =>
          h('li', {}, h('a', {href: a.url, download: a.filename}, a.filename)))) : null))),
    form);
  document.title = `${t.subject} · Support`;
}

async function route() {
  const m = /^#\/ticket\/(\d+)$/.exec(location.hash);
  try {
    if (m) await showTicket(Number(m[1]));
    else await showList();
  } catch (e) {
    if (e.status === 401) return signInPage('Your session ended; sign in again.');
    page(h('p', {class: 'error', role: 'alert'}, e.message));
  }
}

// A mailed link opens /portal#link=SECRET: the secret leaves the address
// (and the history) before anything else, and is spent once, by a POST.
async function spendLink() {
  const m = /^#link=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!m) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  try {
    return await signInWithLink(m[1]);
  } catch (e) {
    return e;
  }
}

// Signed in by the link, or (when there was none) by the session cookie.
async function signInBy(byLink) {
  const failed = byLink instanceof Error ? byLink.message : null;
  me = (!failed && byLink) || await currentUser().catch(() => null);
  if (!me) return signInPage(failed);
  if (failed) notice(failed, 'error'); // a spent link, but still signed in
  return route();
}

async function boot() {
  window.addEventListener('hashchange', async () => {
    // A link pasted into a portal already open changes only the fragment.
    if (location.hash.startsWith('#link=')) return signInBy(await spendLink());
    if (me) route();
  });
  const [byLink, settings] = await Promise.all([spendLink(), linkSettings().catch(() => null)]);
  links = Boolean(settings && settings.enabled);
  return signInBy(byLink);
}

boot();
